"""Benchmark: intraday recomputation from 5-minute bars and the main-thread cost of showing it.

Prints, median [min..max] of ``runs``: the path of six series from 500 tickers x 78 bars
(``analytics.intraday``; target <= 50 ms, it runs on the feed's worker thread) and the
intraday panel's redraw when bars arrive (the only main-thread work; target: within the
refresh stall target, <= 50 ms). Run: python -m bench.bench_intraday [runs]
"""
from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

from analytics.intraday import IntradayBasis
from analytics.session import NEW_YORK


def synthetic(tickers: int = 500, bars: int = 78, seed: int = 3):
    rng = np.random.default_rng(seed)
    names = [f"T{i:03d}" for i in range(tickers)]
    index = pd.date_range("2026-02-04 09:30", periods=bars, freq="5min", tz=NEW_YORK)
    prices = 100 * np.exp(rng.normal(0, 0.002, (bars, tickers)).cumsum(axis=0))
    frame = pd.DataFrame(prices, index=index, columns=names)
    baskets = {"Momentum L/S": (tuple(names[:50]), tuple(names[-50:])),
               "Long leg": (tuple(names[:50]), ()), "Short leg": (tuple(names[-50:]), ()),
               "High beta L/S": (tuple(names[:100]), tuple(names[100:200])),
               "SPY": (("T250",), ()), "AI pair": (tuple(names[300:320]), tuple(names[320:330]))}
    return frame, IntradayBasis(baskets, pd.Series(100.0, index=names), 0.012)


def median_range(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ms [{min(values):.1f}..{max(values):.1f}]"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    bars, basis = synthetic()
    compute = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        view = basis.view(bars, bars.index[-1])
        compute.append(1000 * (time.perf_counter() - started))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.panels.intraday import IntradayPanel
    from models.sources.demo import DemoSource
    from models.state import default_compute
    from models.universe import load_universe

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(theme.DARK)
    universe = load_universe()
    snapshot = default_compute(DemoSource(seed=7, end="2026-02-06", intraday="13:30")
                               .load(universe), universe)
    panel = IntradayPanel()
    panel.resize(1000, 600)
    panel.show()
    panel.show_snapshot(snapshot)
    app.processEvents()
    redraw = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        panel.show_view(snapshot.intraday)
        app.processEvents()
        redraw.append(1000 * (time.perf_counter() - started))
    print(f"intraday over {runs} runs (first run dropped), median [min..max]:")
    print(f"  path from {bars.shape[1]} tickers x {bars.shape[0]} bars, {len(view.paths.columns)} "
          f"series: {median_range(compute[1:])} (target <= 50 ms)")
    print(f"  intraday panel redraw when bars arrive (main thread): {median_range(redraw[1:])} "
          "(target <= 50 ms)")


if __name__ == "__main__":
    main()
