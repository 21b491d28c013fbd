"""FactorDesk entry point (``python main.py`` in a checkout, ``factordesk`` once installed).

    factordesk                          open the window
    factordesk --export DIR             render every panel to DIR/<panel>.png + DIR/snapshot.json
    factordesk --fetch                  download into the cache and exit (cron; desk mode)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()       # --timing reports durations from here
log = logging.getLogger("factordesk")
PROG = "factordesk" if Path(sys.argv[0]).stem.startswith("factordesk") else "main.py"


def build_parser() -> argparse.ArgumentParser:
    from models.app import version

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="FactorDesk: momentum-crash, crowding, mechanical-flow and rotation monitor. "
                    "With no options it opens the window.")
    parser.add_argument("--version", action="version", version=f"FactorDesk {version()}")
    parser.add_argument("--universe", metavar="PATH",
                        help="universe file (default: resources/universe.toml)")
    parser.add_argument("--source", action="append", metavar="auto|yahoo|cache|demo|PATH",
                        help="data source: auto (default: fresh cache, else Yahoo, else the last "
                             "cache, else the simulated market), yahoo, cache (last download, "
                             "offline), demo (the built-in simulated market), or CSV/CSV.gz/"
                             "Parquet price files and folders (wide: date + one column per "
                             "ticker; long: date, ticker, close[, volume]); repeat the flag or "
                             "separate paths with ';' to join several on dates")
    parser.add_argument("--constituents", choices=("universe", "file"), default="universe",
                        help="with price files: which columns are index constituents: the "
                             "universe's constituents found in the files (default), or also "
                             "every column the universe does not know (known ETFs never are)")
    parser.add_argument("--date-format", dest="date_format", metavar="FMT",
                        help="with price files: the date format (strptime, e.g. %%d/%%m/%%Y) "
                             "when the dates do not tell day-first from month-first")
    parser.add_argument("--shares", action="append", metavar="PATH",
                        help="ETF share counts to add to any source (long: date, ticker, "
                             "shares_outstanding, or an issuer's 'Shares Outstanding (000)'; "
                             "wide: date + one column per ticker); repeatable. They win over "
                             "Yahoo's counts on the same day")
    parser.add_argument("--options", action="append", metavar="PATH",
                        help="option chains for dealer gamma (CSV: expiry, strike, kind C/P or "
                             "call/put, open_interest, implied_vol; optionally underlying_price, "
                             "quote_date, underlying); repeatable. They replace the source's "
                             "chains for the same underlyings")
    parser.add_argument("--seed", type=int, default=7,
                        help="simulated market: random seed (default 7)")
    parser.add_argument("--end", metavar="YYYY-MM-DD",
                        help="simulated market: last day (default: last business day before today)")
    parser.add_argument("--intraday", metavar="HH:MM",
                        help="simulated market: the planted crash day as a session in "
                             "progress at this New York time (09:35-16:00), with 5-minute "
                             "bars up to it (SIMULATED)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", dest="as_of",
                        help="show the dashboard as it stood at this date's close (replay a "
                             "past day; later data is ignored)")
    parser.add_argument("--export", metavar="DIR",
                        help="headless: render every panel to DIR/<panel>.png and write "
                             "DIR/snapshot.json with the headline figures, then exit")
    parser.add_argument("--size", metavar="WxH", default="1600x900",
                        help="with --export: PNG size in pixels (default 1600x900)")
    parser.add_argument("--fetch", action="store_true",
                        help="download from Yahoo into the cache and exit, for cron or Task "
                             "Scheduler (exit 0 ok, 3 partial, 4 unavailable); viewers started "
                             "with --source cache on the same --cache-dir pick it up")
    parser.add_argument("--cache-dir", dest="cache_dir", metavar="PATH",
                        help="the Yahoo cache folder (default: the user cache dir, or "
                             "$FACTORDESK_CACHE_DIR/yahoo); a shared folder for desk mode")
    parser.add_argument("--threads", action="store_true",
                        help="run refreshes on threads of the app's own process instead of "
                             "the compute process (the window stutters while they run)")
    parser.add_argument("--timing", action="store_true",
                        help="print startup timings as JSON (seconds from start to first "
                             "paint and to populated, longest main-thread stall during the "
                             "first refresh and during a second one, in ms) and quit when "
                             "the second refresh is drawn")
    return parser


def source_name(args) -> str:
    """The --source flags as one source name (several paths joined with ';')."""
    return ";".join(args.source) if args.source else "auto"


def parse_as_of(text: str | None):
    """--as-of as a date, or None; a malformed date names the flag."""
    if text is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--as-of: cannot read {text!r} as a date (expected YYYY-MM-DD)") \
            from None


def source_options(args) -> dict:
    """open_source's options from the flags (plain JSON values: the compute process gets them
    as they are)."""
    return dict(seed=args.seed, end=args.end, intraday=getattr(args, "intraday", None),
                constituents=args.constituents, date_format=args.date_format,
                shares=args.shares, options=args.options,
                cache_root=getattr(args, "cache_dir", None))


def source_factory(name: str, args):
    """A factory of fresh source objects, one per refresh (two overlapping refreshes never
    share one); auto's memory of having served a fresh cache is the one thing they share."""
    from models.sources import open_source
    from models.sources.auto import FreshCacheGate

    gate = FreshCacheGate()
    options = source_options(args)
    open_source(name, gate=gate, **options)     # fail on a bad choice now, not in a worker
    return lambda: open_source(name, gate=gate, **options)


def refresh_request(name: str, args, universe, as_of):
    """The RefreshRequest for source ``name``, with its plain description for the compute
    process (docs/architecture.md, "Compute process")."""
    from models.state import RefreshRequest

    return RefreshRequest(source_factory(name, args), universe, as_of,
                          spec=request_spec(name, args))


def request_spec(name: str, args) -> dict:
    """Source ``name``'s request as the compute process takes it (plain JSON)."""
    return {"source": name, "options": source_options(args), "universe": args.universe}


SOURCE_CHOICES = (("auto", "Auto: fresh cache, Yahoo, last cache, simulated"),
                  ("yahoo", "Yahoo Finance (live)"), ("cache", "Last Yahoo download (offline)"),
                  ("demo", "Simulated market (demo)"))


def cache_root(args) -> Path:
    """The Yahoo cache folder: --cache-dir, else the default."""
    from models.cache import default_cache_root

    return Path(args.cache_dir) if getattr(args, "cache_dir", None) else \
        default_cache_root("yahoo")


def clear_cache(args) -> str:
    """Delete the Yahoo cache (under its write lock: a save in progress finishes first);
    returns its path for the confirmation message."""
    from models.cache import MarketCache

    cache = MarketCache(cache_root(args))
    cache.clear()
    return str(cache.root)


FETCH_OK, FETCH_PARTIAL, FETCH_UNAVAILABLE = 0, 3, 4


def run_fetch(args) -> int:
    """Desk mode's fetcher: Yahoo into the cache, one summary line, an exit code for the
    scheduler: 0 ok, 3 partial (some tickers or the cache write failed), 4 unavailable."""
    from models.app import setup_logging
    from models.sources import SourceUnavailable, open_source
    from models.universe import UniverseError, load_universe

    log_path = setup_logging()
    try:
        universe = load_universe(args.universe)
    except UniverseError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    root = cache_root(args)
    try:
        market = open_source("yahoo", cache_root=root, shares=args.shares).load(universe)
    except SourceUnavailable as exc:
        print(f"{PROG}: fetch: Yahoo unavailable ({exc}); the cache at {root} is unchanged",
              file=sys.stderr)
        return FETCH_UNAVAILABLE
    except Exception as exc:  # noqa: BLE001 - one clear line for the scheduler's log
        log.exception("fetch failed")
        print(f"{PROG}: fetch failed: {exc} (details in {log_path})", file=sys.stderr)
        return FETCH_UNAVAILABLE
    if "STALE" in market.source:
        print(f"{PROG}: fetch: {market.notes[-1]}; the cache at {root} is unchanged",
              file=sys.stderr)
        return FETCH_UNAVAILABLE
    problems = [n for n in market.notes if "returned no data" in n or "not written" in n]
    print(f"fetched {market.close.shape[1]} tickers to {market.close.index[-1]:%Y-%m-%d} into "
          f"{root}" + (f"; {'; '.join(problems)}" if problems else ""))
    return FETCH_PARTIAL if problems else FETCH_OK


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must look like 1600x900, got {text!r}") from None
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise ValueError(f"--size {text}: width and height must be 200..10000 pixels")
    return width, height


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_export(args) -> int:
    """Headless export; one line on stderr and a non-zero exit on failure. The panels are
    drawn by two renderer processes started now, while this one loads and computes (docs/
    architecture.md, "Export"); with ``--threads`` or in a frozen bundle, here."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):   # set before numpy loads: the
        os.environ.setdefault(name, "1")        # engine's own threads use the second core
    from models import compute_process

    renderers = None
    if compute_process.available() and not args.threads:
        from gui.render_process import Renderers

        renderers = Renderers()
    try:
        return _export(args, renderers)
    finally:
        if renderers is not None:
            renderers.close()


def _export(args, renderers) -> int:
    from models.app import setup_logging

    log_path = setup_logging()
    try:
        from analytics.engine import compute
        from analytics.threads import EXPORT_THREADS
        from models.refresh import engine_params
        from models.universe import load_universe

        width, height = parse_size(args.size)
        as_of = parse_as_of(args.as_of)
        universe = load_universe(args.universe)
        market = source_factory(source_name(args), args)().load(universe)
        if as_of is not None:
            market = market.until(as_of)
        out = Path(args.export)
        early = None if renderers is None else \
            lambda views: renderers.send_early(views, out, width, height)
        snapshot = compute(market, engine_params(universe, market), EXPORT_THREADS, early)
        out.mkdir(parents=True, exist_ok=True)

        def write_json() -> None:
            write_text_atomic(out / "snapshot.json", snapshot.to_json())

        if renderers is None:
            written = _draw_here(None, None, out, width, height, snapshot)
            write_json()
        else:
            written, left = renderers.export(snapshot, out, width, height, write_json)
            if left:
                written += _draw_here(renderers, left, out, width, height, snapshot)
    except Exception as exc:  # noqa: BLE001 - one clear line for the user, details in the log
        log.exception("export failed")
        print(f"{PROG}: export failed: {exc} (details in {log_path})", file=sys.stderr)
        return 1
    from models.app import source_line

    print(f"exported {len(written)} panel(s) and snapshot.json to {out}")
    print(source_line(snapshot.source, snapshot.simulated, snapshot.notes, log_path),
          file=sys.stderr)
    return 0


def _draw_here(renderers, shares, out: Path, width: int, height: int, snapshot) -> list[str]:
    """Export here the panels of ``renderers``' ``shares`` (None: every panel); returns the
    files written."""
    from gui.render_process import headless_app, share

    _app = headless_app()       # referenced while the panels live
    from gui.export import export_panels
    from gui.panels import PANELS

    kinds = PANELS if shares is None else \
        [kind for index in shares for kind in share(PANELS, index, renderers.count)]
    return [path.name for path in export_panels([kind() for kind in kinds], out, width, height,
                                                snapshot)]


def run_gui(args) -> int:
    from gui.display import display_problem

    problem = display_problem()
    if problem is not None:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    from models import compute_process

    process = None
    if compute_process.available() and not args.threads:
        process = compute_process.ComputeProcess()
        try:
            process.start()     # it imports pandas and the engine while this starts Qt
        except OSError as exc:
            log.warning("no compute process (%s): refreshing on threads", exc)
            process = None
        else:
            try:                # the first refresh, sent before this imports pandas and Qt
                process.prefetch(request_spec(source_name(args), args), parse_as_of(args.as_of))
            except ValueError:
                pass            # a bad --as-of: reported once the window's modules are loaded
    try:
        return _run_window(args, process)
    finally:
        if process is not None:
            process.close()


def _run_window(args, process) -> int:
    """The window's life, with the compute process ``process`` (None: refresh on threads)."""
    # pandas is imported first, before the first paint and before Qt: a worker thread importing
    # it holds the GIL for tens of ms at a time and would stall the event loop, and modules
    # imported after PySide6 pass through its feature hook (which reads each one's source;
    # ``skip_loaded_modules`` spares the ones loaded before it). What decodes the snapshot
    # comes now too, not on the reader thread in the middle of the first refresh.
    import pandas  # noqa: F401  (imported for their side effect: loading them now)
    import pyarrow.pandas_compat  # noqa: F401  (decodes the snapshot's frames)

    import analytics.engine  # noqa: F401
    import models.transfer  # noqa: F401

    # isort: split
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.import_hook import skip_loaded_modules

    skip_loaded_modules()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("FactorDesk")
    app.setOrganizationName("FactorDesk")
    from models.app import setup_logging
    from models.universe import UniverseError, load_universe

    log_path = setup_logging()
    try:
        universe = load_universe(args.universe)
    except UniverseError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    from gui.qt_messages import route_qt_messages_to_log
    from models.state import DashboardState

    route_qt_messages_to_log()
    try:
        as_of = parse_as_of(args.as_of)
        request = refresh_request(source_name(args), args, universe, as_of)
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    state = DashboardState(request, process=process)
    if process is not None:
        # Sent before the window's modules are imported (pyqtgraph and the panels: a third
        # of a second): the compute process loads and computes while this one builds.
        state.refresh()
    # Python's cyclic GC may run in whichever thread allocates; collecting a Qt widget in the
    # refresh worker deadlocks or crashes Qt. Collect on a main-thread timer instead (the
    # compute process's reader thread allocates only once its first reply arrives).
    from pyqtgraph.util.garbage_collector import GarbageCollector

    from gui.main_window import MainWindow

    collector = GarbageCollector(interval=1.0)

    current = {"source": source_name(args)}

    def select_source(name: str) -> None:
        current["source"] = name
        state.set_request(refresh_request(name, args, universe, as_of))

    def select_shares(paths: list[str]) -> None:
        args.shares = list(paths)
        select_source(current["source"])

    def select_options(paths: list[str]) -> None:
        args.options = list(paths)
        select_source(current["source"])

    window = MainWindow(state, log_path=log_path, current_source=current["source"],
                        sources=SOURCE_CHOICES, select_source=select_source,
                        clear_cache=lambda: clear_cache(args), select_shares=select_shares,
                        select_options=select_options)
    sys.excepthook = window.report_unexpected
    announce_source(state, log_path)
    probe = StartupProbe(window, state) if args.timing else None
    if source_name(args) == "cache":
        from models.cache import MarketCache
        from models.scheduler import CacheWatcher

        watcher = CacheWatcher(MarketCache(cache_root(args)), busy=lambda: state.busy,
                               parent=window)
        watcher.changed.connect(state.refresh)
        watcher.start()
    window.show()
    if process is None:
        QTimer.singleShot(0, state.refresh)
    code = app.exec()
    del collector
    if probe is not None:
        print(json.dumps(probe.report()), flush=True)
    if state.running_threads():
        # A worker stuck in a network call: leave now rather than wait for it (the cache's
        # writes are atomic, so nothing is left half-written).
        log.warning("exiting with a refresh still running (abandoned)")
        if process is not None:
            process.close(timeout=0.5)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def announce_source(state, log_path) -> None:
    """One line on stderr once the first data is on screen (which data and why, the log
    file), or once the first refresh fails."""
    from models.app import source_line

    said = []

    def shown(snapshot) -> None:
        if not said:
            said.append(True)
            print(source_line(snapshot.source, snapshot.simulated, snapshot.notes, log_path),
                  file=sys.stderr, flush=True)

    def failed(message: str, _traceback: str) -> None:
        if not said:
            said.append(True)
            print(f"{PROG}: the first refresh failed: {message} · log: {log_path}",
                  file=sys.stderr, flush=True)

    state.snapshot_changed.connect(shown)
    state.refresh_failed.connect(failed)


FIRST_FRAME_S = 0.5      # paints that never stop: the first frame is taken as whole by then
SLICE_MS = 20          # main-thread slices at least this long are named in the report
# Where the app's other threads wait for work (not counted as what they ran).
IDLE_FRAMES = ("threading.py:wait", "queue.py:get", "thread.py:_worker")


class StartupProbe:
    """Measures first paint (the window's first frame drawn) and populated dashboard (seconds
    since main.py started), the longest main-thread stall (5 ms probe) during the first
    refresh (from the first frame on) and during a second one started once populated (the
    hitch of every later refresh), and the slowest slices of each: for each gap of at least
    ``SLICE_MS`` between probe ticks, the last event Qt dispatched before it (its type and
    receiver), the busiest Python function under it (the main thread's stack sampled every 2
    ms by a helper thread) and what the other threads ran most (``worker``), so a regression
    points at its cause. "Qt (no Python frame)" is Qt's own C++ (layout, text, painting) or
    the main thread waiting for the interpreter lock another thread holds."""

    def __init__(self, window, state) -> None:
        import threading

        from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

        self.times: dict[str, float] = {}
        self.max_stall = 0.0
        self.slices: list[dict] = []
        self._last = None
        self._event: tuple | str = "start"
        self._first_paint: float | None = None
        self._paints = 0                # paint events: the first frame ends when they stop
        self._first_paint_event: float | None = None
        self._refreshing = False
        self._samples: list[str] = []
        self._others: list[str] = []
        self._main = threading.main_thread().ident
        self._sampling = threading.Event()
        self.timer = QTimer(interval=5)
        self.timer.timeout.connect(self._tick)
        probe = self

        paint, timer = QEvent.Type.Paint, QEvent.Type.Timer

        class EventFilter(QObject):
            """Kept minimal (it runs for every event): the event's type and receiver class,
            named only when a slow slice is recorded."""

            def eventFilter(self, obj, event):  # noqa: N802 - Qt API
                kind = event.type()
                if kind != timer:
                    probe._event = (kind, type(obj))
                    if kind == paint:
                        probe._paints += 1
                        if probe._first_paint_event is None:   # the first frame begins
                            probe._first_paint_event = time.perf_counter()
                            seen = probe._paints
                            QTimer.singleShot(0, lambda: probe._painted(seen))
                return False

        self._filter = EventFilter()
        QCoreApplication.instance().installEventFilter(self._filter)
        state.refresh_started.connect(self._start)
        state.snapshot_changed.connect(lambda _s: QTimer.singleShot(0, self._populated))
        self.window, self.state = window, state
        self.first: tuple[float, list[dict]] = (0.0, [])
        self._refreshed = 0.0
        if state.busy:                  # the first refresh started before the window
            self._start()

    def _painted(self, seen: int) -> None:
        """The window's first frame is drawn: a turn of the event loop has passed without a
        paint (``seen`` paint events had been seen when this was scheduled). The first paint
        event's turn paints every widget; in the next one the charts paint again (pyqtgraph
        settles their ranges during the first paint and asks for another: 20-30 ms at
        1920x1080, before any data), so the frame is whole only when the paints stop. The
        stall probe starts here, not at the first paint event: the frame's own drawing is
        part of the time to first paint, not a stall of a window already on screen."""
        from PySide6.QtCore import QTimer

        now = self._paints
        started = self._first_paint_event or 0.0         # set before this is scheduled
        if now != seen and time.perf_counter() - started < FIRST_FRAME_S:
            QTimer.singleShot(0, lambda: self._painted(now))
            return
        self._first_paint = time.perf_counter()
        if self._refreshing:
            self._start()

    def _start(self) -> None:
        """A refresh started; the probe runs from then or from the first frame, whichever is
        later (before it there is no window to stutter)."""
        import threading

        self._refreshing = True
        if self._sampling.is_set() or self._first_paint is None:
            return
        self._last = time.perf_counter()
        self.timer.start()
        self._sampling.set()
        threading.Thread(target=self._sample, name="stall-sampler", daemon=True).start()

    def _sample(self) -> None:
        """Every 2 ms, what the main thread runs: the innermost function of this project on
        its stack with the innermost library function under it, or Qt's own code."""
        import threading

        root = str(Path(__file__).resolve().parent)
        me = threading.get_ident()

        def where(frame) -> str | None:
            inner, ours = None, None
            while frame is not None and ours is None:
                code = frame.f_code
                name = f"{Path(code.co_filename).name}:{code.co_name}"
                if code.co_filename.startswith(root) and not code.co_filename.endswith(
                        "main.py"):
                    ours = f"{Path(code.co_filename).relative_to(root)}:{code.co_name}"
                elif inner is None and not code.co_filename.endswith("main.py"):
                    inner = name
                frame = frame.f_back
            return " > ".join(x for x in (ours, inner) if x) or None

        while self._sampling.is_set():
            frames = sys._current_frames()
            self._samples.append(where(frames.get(self._main)) or "Qt (no Python frame)")
            others = [w for ident, frame in frames.items() if ident not in (self._main, me)
                      and (w := where(frame)) and not any(idle in w for idle in IDLE_FRAMES)]
            self._others.extend(others)
            time.sleep(0.002)

    def _tick(self) -> None:
        import collections

        now = time.perf_counter()
        gap = now - self._last - 0.005
        self.max_stall = max(self.max_stall, gap)
        samples, self._samples = self._samples, []
        others, self._others = self._others, []
        if gap * 1000 >= SLICE_MS:
            busiest = collections.Counter(samples).most_common(1)
            worker = collections.Counter(others).most_common(1)
            event = self._event
            after = event if isinstance(event, str) else \
                f"{event[0].name} to {event[1].__name__}"
            self.slices.append({"ms": round(gap * 1000, 1), "after": after,
                                "busiest": busiest[0][0] if busiest else "n/a",
                                "worker": worker[0][0] if worker else "idle"})
        self._last = now

    def _populated(self) -> None:
        """Populated = every visible panel has drawn the first snapshot."""
        if self.window.rendering:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, self._populated)
            return
        if "populated_s" not in self.times:
            from PySide6.QtCore import QTimer

            self.times["populated_s"] = round(time.perf_counter() - STARTED, 3)
            self.first = (self.max_stall, self.slices)
            self.max_stall, self.slices = 0.0, []
            self._refreshed = time.perf_counter()
            QTimer.singleShot(0, self.state.refresh)
            return
        self.times["refresh_s"] = round(time.perf_counter() - self._refreshed, 3)
        self.timer.stop()
        self._sampling.clear()
        self.window.close()

    def report(self) -> dict:
        loaded = sorted(m for m in ("yfinance", "scipy") if m in sys.modules)
        stall, slices = self.first
        if self._first_paint is not None and self._first_paint_event is not None:
            self.times["first_paint_s"] = round(self._first_paint - STARTED, 3)
            self.times["first_paint_event_s"] = round(self._first_paint_event - STARTED, 3)
        return {**self.times, "max_stall_ms": round(stall * 1000, 1),
                "refresh_stall_ms": round(self.max_stall * 1000, 1),
                "slowest_slices": sorted(slices, key=lambda s: -s["ms"])[:5],
                "refresh_slices": sorted(self.slices, key=lambda s: -s["ms"])[:5],
                "heavy_modules_loaded": loaded}


def main_cli() -> None:
    """The ``factordesk`` command (pyproject.toml)."""
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.fetch:
        return run_fetch(args)
    if args.export:
        return run_export(args)
    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
