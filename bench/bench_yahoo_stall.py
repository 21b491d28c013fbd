"""Benchmark: the longest main-thread stall while a Yahoo download of the full universe is
parsed on the worker (yfinance replaced by frames shaped exactly like its 1.x output: five
years, chunks of 100 tickers), and the time of the parse itself.

Target (issue 15): longest stall <= 50 ms. Run: QT_QPA_PLATFORM=offscreen
python -m bench.bench_yahoo_stall [runs=3]
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def yf_frame(tickers, start, end="2026-02-06") -> pd.DataFrame:
    """What yf.download(..., auto_adjust=True, group_by='column') returns in yfinance 1.x."""
    dates = pd.bdate_range(start, end, name="Date")
    tickers = sorted(tickers)
    columns = pd.MultiIndex.from_product([["Close", "High", "Low", "Open", "Volume"], tickers],
                                         names=["Price", "Ticker"])
    rng = np.random.default_rng(len(tickers))
    paths = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(dates), len(tickers))), axis=0))
    values = np.concatenate([paths] * 4 + [np.full_like(paths, 1e6)], axis=1)
    return pd.DataFrame(values, index=dates.tz_localize("America/New_York"), columns=columns)


class FakeYfinance:
    def download(self, tickers, start=None, **kwargs):
        return yf_frame(list(tickers), start)

    def Ticker(self, symbol):  # noqa: N802 - yfinance API
        raise RuntimeError("no extras in this benchmark")


class Loaded:
    """What the refresh hands back instead of a snapshot: the load is what is measured."""

    def __init__(self, market) -> None:
        self.market = market

    def headline(self) -> dict:
        return {}


def one_run(universe, tmp: Path) -> tuple[float, float]:
    from PySide6.QtCore import QEventLoop, QTimer

    from models.cache import MarketCache
    from models.sources.yahoo import YahooSource
    from models.state import DashboardState, RefreshRequest

    source = YahooSource(cache=MarketCache(tmp / f"c{time.time_ns()}"), probe=lambda t: None,
                         extras_budget=0.0, clock=lambda: pd.Timestamp("2026-02-06 20:00"))
    state = DashboardState(RefreshRequest(lambda: source, universe),
                           compute=lambda market, universe: Loaded(market))
    loop = QEventLoop()
    stall = {"max": 0.0, "last": time.perf_counter()}

    def tick() -> None:
        now = time.perf_counter()
        stall["max"] = max(stall["max"], now - stall["last"] - 0.005)
        stall["last"] = now

    probe = QTimer(interval=5)
    probe.timeout.connect(tick)
    state.snapshot_changed.connect(lambda _s: loop.quit())
    state.refresh_failed.connect(lambda message, tb: (print(message, tb), loop.quit()))
    probe.start()
    started = time.perf_counter()
    state.refresh()
    loop.exec()
    elapsed = time.perf_counter() - started
    probe.stop()
    state.shutdown(2000)
    return stall["max"] * 1000, elapsed


def main(runs: int = 3) -> None:
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import yfinance
    from PySide6.QtCore import QCoreApplication

    from models.universe import load_universe

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    # As the app does (main.py): cyclic garbage collection on a main-thread timer only.
    from pyqtgraph.util.garbage_collector import GarbageCollector

    collector = GarbageCollector(interval=1.0)
    fake = FakeYfinance()
    yfinance.download, yfinance.Ticker = fake.download, fake.Ticker
    universe = load_universe()
    with tempfile.TemporaryDirectory() as tmp:
        one_run(universe, Path(tmp))                 # warm-up
        results = [one_run(universe, Path(tmp)) for _ in range(runs)]
    stalls, times = zip(*results)
    print(f"Yahoo download of {len(universe.all_tickers())} tickers parsed on the worker, "
          f"{runs} runs, median [min..max]:")
    print(f"  longest main-thread stall: {statistics.median(stalls):.1f} ms "
          f"[{min(stalls):.1f}..{max(stalls):.1f}] (target <= 50 ms)")
    print(f"  load (parse, merge, cache write): {statistics.median(times):.2f} s")
    del collector, app


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
