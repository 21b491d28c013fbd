"""Renderer processes for ``--export`` (docs/architecture.md, "Export").

Drawing the 13 panels takes most of a second, all of it on one thread (Qt widgets live on
the main thread), and importing Qt and pyqtgraph takes half a second more. ``Renderers``
starts two renderers at once, at a lower priority: each takes the SHARE-th of COUNT shares
of the panels, balanced by drawing time (``share``), imports Qt, the panels and what decodes
a snapshot and builds its panels while the app loads and computes. On Linux the app starts
``python -m gui.render_process 0 2 R,W``, which forks the second renderer after the imports
(``fork_renderers``; its stdin and stdout become the pipes R and W); elsewhere
``python -m gui.render_process SHARE COUNT`` each. A renderer reads from stdin the early
views (``{"export": folder, "width", "height", "early": [fields]}`` with a snapshot of those
views, ``models.transfer``), draws their panels into a hidden folder of the export, then the
whole snapshot (the same header without "early"), names the early files, draws the rest and
replies ``{"done": [file names]}`` or ``{"failed": message}``; the early message is
optional. Nothing else is written to stdout. A renderer that cannot start, dies or fails
leaves its share to the app (``Renderers.export`` says which).
"""
from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import BinaryIO, NoReturn, cast

log = logging.getLogger("gui.render_process")

NICE = 10                      # below the app, which is loading and computing meanwhile
ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
TIMEOUT_S = 120.0              # a renderer that has not replied by then is stopped
STAGING = ".factordesk-early-"   # + pid: the early panels' PNGs until the export goes on


# Each panel's drawing time in an export (ms, laid out, grabbed and composed; the real S&P 500
# members and ETFs on 2026-02-04 at 1600x900, medians of 3): what the shares are balanced by.
DRAW_MS = {"events": 170, "dispersion": 120, "momentum": 100, "overview": 97, "themes": 93,
           "regimes": 76, "radar": 75, "regions": 55, "intraday": 51, "crowding": 47,
           "gamma": 45, "flows": 42, "alerts": 37}
DRAW_MS_UNKNOWN = 75             # a panel not measured yet


def share(kinds: list, index: int, count: int) -> list:
    """The ``index``-th of ``count`` shares of the panel classes ``kinds``, balanced by
    drawing time: first the panels drawn after the whole snapshot arrives (their time is the
    export's tail), then those of the ``EARLY_VIEWS``; costliest first, each goes to the
    share with the least time so far (the lower index on a tie). A share lists its early
    panels first, then the others costliest first: the last PNG it waits to encode is a
    small one."""
    def cost(kind) -> int:
        return DRAW_MS.get(kind.panel_id, DRAW_MS_UNKNOWN)

    totals = [0] * count
    shares: list[list] = [[] for _ in range(count)]
    early = [kind for kind in kinds if drawn_early(kind)]
    for group in ([kind for kind in kinds if kind not in early], early):
        for kind in sorted(group, key=cost, reverse=True):   # stable: registry order on ties
            least = totals.index(min(totals))
            shares[least].append(kind)
            totals[least] += cost(kind)
    return sorted(shares[index], key=lambda kind: not drawn_early(kind))


def drawn_early(kind) -> bool:
    """Whether a panel class shows one of the ``EARLY_VIEWS`` (and nothing else)."""
    from analytics.snapshot import EARLY_VIEWS

    return kind.view_field in EARLY_VIEWS


def can_fork() -> bool:
    """Whether one renderer can fork the others once it has imported what they all need
    (Linux: macOS's system frameworks do not survive a fork, Windows has no fork)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class Forked:
    """The app's side of a renderer that the renderer of share 0 forked: its request and
    reply pipes. It is not the app's child: it ends when its input ends (after its reply, or
    at once when it was sent nothing), ``wait`` waits for the end of its reply pipe, and
    ``kill`` stops the whole group of renderers."""

    def __init__(self, stdin: BinaryIO, stdout: BinaryIO, group: int) -> None:
        self.stdin, self.stdout, self.group = stdin, stdout, group

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.group, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> None:
        """Return once it has ended (its reply pipe closes; anything still on it is
        dropped); ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.stdout.fileno()
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], left)[0]:
                raise subprocess.TimeoutExpired(f"renderer forked by {self.group}", timeout or 0)
            if not os.read(fd, 1 << 16):
                return


def describe(proc: subprocess.Popen | Forked) -> str:
    return f"renderer {proc.pid}" if isinstance(proc, subprocess.Popen) else \
        f"the renderer forked by {proc.group}"


class Renderers:
    """``count`` renderer processes, started at once (``can_fork``: one, which forks the
    others)."""

    def __init__(self, count: int = 2) -> None:
        from models.compute_process import child_env

        env = child_env(ENV)
        self.count = count
        self.started: list[tuple[int, subprocess.Popen | Forked]] = []
        self.left: list[int] = []               # shares no renderer took
        self.sending: dict[int, threading.Thread] = {}     # the early views, per share
        if count > 1 and can_fork():
            self._start_forking(env)
            return
        for index in range(count):
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "gui.render_process", str(index), str(count)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            except OSError as exc:
                log.warning("no renderer process (%s): the export draws share %d itself",
                            exc, index)
                self.left.append(index)
            else:
                self.started.append((index, proc))

    def _start_forking(self, env: dict[str, str]) -> None:
        """Start the renderer of share 0 with a request and a reply pipe for each other
        share: it forks their renderers once it has imported what they all need."""
        pipes = [(os.pipe(), os.pipe()) for _ in range(1, self.count)]    # request, reply
        theirs = [fd for request, reply in pipes for fd in (request[0], reply[1])]
        ours = [fd for request, reply in pipes for fd in (request[1], reply[0])]
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gui.render_process", "0", str(self.count),
                 *(f"{request[0]},{reply[1]}" for request, reply in pipes)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, pass_fds=theirs,
                start_new_session=True)     # its group holds the renderers it forks
        except OSError as exc:
            log.warning("no renderer process (%s): the export draws every panel itself", exc)
            self.left.extend(range(self.count))
            for fd in ours:
                os.close(fd)
            return
        finally:
            for fd in theirs:
                os.close(fd)
        self.started.append((0, proc))
        for index, (request, reply) in enumerate(pipes, start=1):
            self.started.append((index, Forked(os.fdopen(request[1], "wb"),
                                               os.fdopen(reply[0], "rb"), proc.pid)))

    def send_early(self, snapshot, folder: Path, width: int, height: int) -> None:
        """Send every renderer ``snapshot``, which holds the ``EARLY_VIEWS`` alone: each
        draws its panels of them while the app computes the rest. Returns at once (a thread
        per renderer writes); ``export`` sends the whole snapshot after it. A renderer that
        cannot take it fails its ``export``."""
        from analytics.snapshot import EARLY_VIEWS
        from models.transfer import encode

        header, buffers = encode(snapshot)
        request = {**self._request(folder, width, height), "early": list(EARLY_VIEWS),
                   **header}
        for index, proc in self.started:
            thread = threading.Thread(target=self._send, args=(proc, request, buffers),
                                      name="renderer-early", daemon=True)
            thread.start()
            self.sending[index] = thread

    @staticmethod
    def _send(proc: subprocess.Popen | Forked, request: dict, buffers: list[bytes]) -> None:
        from models.transfer import write_message

        try:
            write_message(cast(BinaryIO, proc.stdin), request, buffers)
        except (OSError, ValueError) as exc:      # it died: its export finds out and says so
            log.warning("%s: cannot send the early views (%s)", describe(proc), exc)

    @staticmethod
    def _request(folder: Path, width: int, height: int) -> dict:
        return {"export": str(Path(folder).resolve()), "width": width, "height": height}

    def export(self, snapshot, folder: Path, width: int, height: int,
               meanwhile=lambda: None) -> tuple[list[str], list[int]]:
        """Send every renderer the request (after its early views, when they were sent),
        call ``meanwhile()`` and wait for the replies: (the files written, the shares left
        for the caller to draw)."""
        from models.transfer import encode

        header, buffers = encode(snapshot)
        request = {**self._request(folder, width, height), **header}
        replies: dict[int, list[str] | str] = {}
        threads = [threading.Thread(target=self._run, args=(
                       index, proc, request, buffers, replies, self.sending.get(index)),
                       name="renderer", daemon=True)
                   for index, proc in self.started]
        for thread in threads:
            thread.start()
        try:
            meanwhile()
        finally:
            deadline = time.monotonic() + TIMEOUT_S
            for thread, (_index, proc) in zip(threads, self.started):
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():               # stuck: stopped, its reader sees the end
                    proc.kill()
                    thread.join()
        written, left = [], list(self.left)
        for index, proc in self.started:
            reply = replies.get(index, "no reply")
            if isinstance(reply, list):
                written += reply
            else:
                log.warning("%s (share %d): %s; the export draws it itself",
                            describe(proc), index, reply)
                left.append(index)
        return written, left

    @staticmethod
    def _run(index: int, proc: subprocess.Popen | Forked, request: dict, buffers: list[bytes],
             replies: dict[int, list[str] | str], early: threading.Thread | None) -> None:
        """Send ``proc`` the request, once the ``early`` thread has sent it the early views,
        and record its reply: the files it wrote, or what went wrong."""
        from models.transfer import TransferError, read_message, write_message

        if early is not None:
            early.join()
        try:
            stdin, stdout = cast(BinaryIO, proc.stdin), cast(BinaryIO, proc.stdout)
            write_message(stdin, request, buffers)
            stdin.close()
            reply = read_message(stdout)
        except (OSError, TransferError, ValueError) as exc:
            replies[index] = f"unreadable ({exc})"
            return
        if reply is None:
            code = proc.wait()
            replies[index] = "stopped" if code is None else f"stopped (exit {code})"
        elif isinstance(reply[0].get("done"), list):
            replies[index] = [str(name) for name in reply[0]["done"]]
        else:
            replies[index] = str(reply[0].get("failed", "an unknown reply"))

    def close(self, timeout: float = 5.0) -> None:
        """Stop every renderer: one that was sent a request has replied and is ending; one
        sent only the early views (the export failed after them) is told so by the end of
        its input and removes what it drew; one sent nothing is stopped at once, it has
        written nothing."""
        for index, proc in self.started:
            try:
                if proc.stdin is not None and not proc.stdin.closed:
                    early = self.sending.get(index)
                    if early is None:
                        proc.kill()
                    else:
                        early.join()
                    proc.stdin.close()
                proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def import_qt() -> None:
    """Import Qt, after pandas, with PySide's import hook told to skip what came before
    (``gui.import_hook``), then the theme."""
    import PySide6.QtWidgets  # noqa: F401

    from gui.import_hook import skip_loaded_modules

    skip_loaded_modules()
    import gui.qt_messages  # noqa: F401
    import gui.theme  # noqa: F401


def headless_app():
    """The QApplication of an export (dark theme, Qt's messages to the log), made once."""
    import_qt()
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.qt_messages import route_qt_messages_to_log

    app = QApplication.instance()
    if app is None:
        route_qt_messages_to_log()
        app = QApplication(sys.argv[:1])
        app.setApplicationName("FactorDesk")
        theme.apply_theme(theme.DARK)
    return app


def main(index: int, count: int, forks: list[tuple[int, int]]) -> NoReturn:
    """Draw share ``index`` of ``count``; ``forks``: (request, reply) pipe descriptors of the
    shares from ``index + 1`` on, whose renderers this one forks after its imports."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "nice"):
        os.nice(NICE)
    sys.stdout = sys.stderr                 # a stray print can never corrupt the channel
    from models.app import setup_logging

    setup_logging()
    import pyarrow.pandas_compat  # noqa: F401  (decodes the snapshot's frames)

    from models.transfer import decode, read_message, write_message

    import_qt()                 # everything a renderer imports, before the forks share it
    from gui.export import discard, export_panels
    from gui.panels import PANELS

    index = fork_renderers(index, forks)
    stdin, stdout = open(0, "rb", closefd=False), open(1, "wb", closefd=False)
    _app = headless_app()       # referenced while the panels live
    panels = [kind() for kind in share(PANELS, index, count)]
    message = read_message(stdin)
    if message is None:                     # the export failed before it needed us
        discard(panels)
        end()
    started = time.perf_counter()
    paths: list[Path] = []
    staged: Path | None = None
    try:
        header, buffers = message
        if header.get("early"):             # the early views: their panels now, staged
            now = [panel for panel in panels if panel.view_field in header["early"]]
            panels = [panel for panel in panels if panel not in now]
            staged = Path(header["export"]) / f"{STAGING}{os.getpid()}"
            early = export_panels(now, staged, header["width"], header["height"],
                                  decode(header, buffers))
            message = read_message(stdin)
            if message is None:             # the export failed after the early views
                discard(panels)
                shutil.rmtree(staged, ignore_errors=True)
                end()
            header, buffers = message
            for path in early:              # the export goes on: the files take their names
                final = Path(header["export"]) / path.name
                os.replace(path, final)
                paths.append(final)
            staged.rmdir()
        paths += export_panels(panels, header["export"], header["width"], header["height"],
                               decode(header, buffers))
        reply: dict[str, object] = {"done": [path.name for path in paths]}
        log.info("renderer of share %d: %d panels in %.2f s", index, len(paths),
                 time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - reported to the app, which draws them itself
        log.exception("renderer of share %d failed", index)
        discard(panels)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        reply = {"failed": f"{type(exc).__name__}: {exc}"}
    write_message(stdout, reply)
    end()


def end() -> NoReturn:
    """End now: every file is written and closed (``export_panels`` waits for its encoder).
    Tearing down Qt and the interpreter took 0.2 s, which the export waited for, and a forked
    renderer must not run the exit handlers of the one it was forked from."""
    logging.shutdown()
    os._exit(0)


def fork_renderers(index: int, forks: list[tuple[int, int]]) -> int:
    """Fork a renderer for each share after ``index`` (its pipes made its stdin and stdout,
    the others' closed); returns the share this process draws. The kernel reaps the forked
    ones when they end (no zombie waits for this one to end first)."""
    if forks:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for share_index, (request, reply) in enumerate(forks, start=index + 1):
        with warnings.catch_warnings():
            # Python 3.12 warns of any other thread at a fork. The one here is the
            # background thread of pyarrow's jemalloc, whose locks jemalloc's own fork
            # handlers take and release around it; no Python thread has started yet.
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
        if child == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.dup2(request, 0)
            os.dup2(reply, 1)
            index = share_index
            break
    for request, reply in forks:
        os.close(request)
        os.close(reply)
    return index


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]),
         [(int(r), int(w)) for r, w in (pair.split(",") for pair in sys.argv[3:])])
