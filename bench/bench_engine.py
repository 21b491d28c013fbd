"""Benchmark the momentum / dispersion / breadth analytics and the whole engine.

Panels: real-sized (500 constituents x 37 years of days) and stress (3000 x 5000), synthetic
random walks with staggered listings (IPOs) and gaps. For each: time and peak traced memory of
momentum + dispersion_ratio + breadth (ours) next to the straightforward pandas formulation
(pct_change, rank(axis=1, pct=True), where, mean(axis=1), rolling(5).std()), then the whole
``analytics.engine.compute``, and the trailing-window statistics (``analytics.rolling``, on
bottleneck) next to pandas' ``rolling``. Targets: ours <= 10% of the pandas time
(issue 20); stress compute <= 3 s and <= 2 GB (issue 5). Run: python -m bench.bench_engine
"""
from __future__ import annotations

import time
import tracemalloc
from functools import partial
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analytics.dispersion import breadth, dispersion_ratio
from analytics.engine import EngineParams, compute
from analytics.factors import daily_returns, momentum_with_legs
from analytics.rolling import rolling_values

ROLLING = (("std", 63), ("rms", 5), ("mean", 200))     # the windows the engine uses


def panel(n: int, days: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0003, 0.011, days)
    returns = market[:, None] * rng.uniform(0.5, 1.6, n) + rng.normal(0, 0.018, (days, n))
    prices = 50 * np.exp(np.cumsum(np.log1p(returns), axis=0))
    listed = rng.integers(0, days // 2, n)                  # staggered IPOs
    prices[np.arange(days)[:, None] < listed] = np.nan
    gaps = rng.random((days, n)) < 0.002                    # missing prints
    prices[gaps] = np.nan
    index = pd.bdate_range(end="2026-02-06", periods=days)
    close = pd.DataFrame(prices, index=index, columns=[f"S{i:04d}" for i in range(n)])
    bench = pd.Series(100 * np.cumprod(1 + market), index=index, name="BENCH")
    return close, bench


def ours(close, bench):
    """As the engine calls them: the returns computed once and shared."""
    r = daily_returns(close)
    return (momentum_with_legs(close, returns=r)[0], dispersion_ratio(close, bench, returns=r),
            breadth(close, bench, returns=r))


def straightforward_pandas(close, bench):
    r = close.pct_change(fill_method=None)
    signal = close.shift(21) / close.shift(252) - 1
    pct = signal.where(signal.notna() & r.notna()).rank(axis=1, pct=True)
    long = r.where(pct > 0.9).mean(axis=1)
    short = r.where(pct <= 0.1).mean(axis=1)
    b = bench.pct_change()
    ratio = r.rolling(5).std().mean(axis=1) / b.rolling(5).std()
    fraction = r.gt(b, axis=0).where(r.notna()).mean(axis=1)
    return long - short, ratio, fraction


def measure(fn, *args, repeats: int = 3):
    fn(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak / 2**20


def rolling_figures(close: pd.DataFrame) -> str:
    """Median time of each trailing statistic: ours (bottleneck) and pandas' rolling."""
    returns = close.pct_change(fill_method=None)
    parts = []
    pandas_way = {"mean": lambda frame, window: frame.rolling(window).mean(),
                  "std": lambda frame, window: frame.rolling(window).std(),
                  "rms": lambda frame, window: np.sqrt((frame ** 2).rolling(window).mean())}
    for statistic, window in ROLLING:
        frame = close if statistic == "mean" else returns
        ours = median_time(partial(rolling_values, frame.to_numpy(), window, statistic))
        theirs = median_time(partial(pandas_way[statistic], frame, window))
        parts.append(f"{statistic}({window}) {1000 * ours:.0f} ms vs pandas {1000 * theirs:.0f} ms")
    return "; ".join(parts)


def median_time(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    for label, n, days in (("real-sized", 500, 37 * 252), ("stress", 3000, 5000)):
        close, bench = panel(n, days)
        t_ours, m_ours = measure(ours, close, bench)
        t_pd, m_pd = measure(straightforward_pandas, close, bench)
        full = close.assign(BENCH=bench)
        market = SimpleNamespace(close=full, as_of=full.index[-1], source="bench",
                                 simulated=True, notes=())
        params = EngineParams(benchmark="BENCH", constituents=tuple(close.columns))
        t_all, m_all = measure(compute, market, params, repeats=1)
        print(f"{label} panel: {n} constituents x {days} days")
        print(f"  momentum + dispersion_ratio + breadth: ours {t_ours:.3f} s ({m_ours:.0f} MB peak)"
              f" vs straightforward pandas {t_pd:.3f} s ({m_pd:.0f} MB peak): "
              f"ours = {t_ours / t_pd:.1%} of pandas (target <= 10%)")
        print(f"  whole compute: {t_all:.2f} s, {m_all:.0f} MB peak traced"
              + (" (target <= 3 s, <= 2 GB)" if label == "stress" else ""))
        print(f"  trailing windows (median of 5): {rolling_figures(close)}")


if __name__ == "__main__":
    main()
