"""Benchmark: GEX profile for a 5,000-contract chain on a 401-point spot grid (target <= 100 ms)
and the leveraged-ETF what-if recomputation (target <= 10 ms). Run: python -m bench.bench_gamma
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analytics.gamma import default_grid, gex_profile, zero_gamma_level
from analytics.letf import flow_table


def best(fn, repeats: int = 20) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    as_of, n, spot = pd.Timestamp("2026-02-06"), 5000, 690.0
    chain = pd.DataFrame({
        "expiry": as_of + pd.to_timedelta(rng.integers(1, 91, n), unit="D"),
        "strike": np.round(spot * rng.uniform(0.75, 1.25, n)),
        "kind": np.where(rng.random(n) < 0.5, "C", "P"),
        "open_interest": rng.integers(1, 20000, n).astype(float),
        "implied_vol": rng.uniform(0.1, 0.5, n)})
    grid = default_grid(spot)
    low, mid = best(lambda: gex_profile(chain, spot, as_of, grid))
    print(f"GEX profile, {n} contracts x {len(grid)} spots: best {1000 * low:.1f} ms, "
          f"median {1000 * mid:.1f} ms (target <= 100 ms)")
    low, mid = best(lambda: zero_gamma_level(chain, spot, as_of))
    print(f"zero-gamma level (profile + crossing): best {1000 * low:.1f} ms, median {1000 * mid:.1f} ms")
    funds = pd.DataFrame({"underlying": rng.choice(["SPY", "QQQ", "SOXX", "NVDA"], 45),
                          "leverage": rng.choice([3.0, 2.0, -1.0, -2.0, -3.0], 45),
                          "aum": rng.uniform(1e8, 3e10, 45)})
    returns = pd.Series({"SPY": -0.01, "QQQ": -0.015, "SOXX": -0.03, "NVDA": -0.02})
    adv = pd.Series({"SPY": 4e10, "QQQ": 2e10, "SOXX": 1e9, "NVDA": 3e10})
    low, mid = best(lambda: flow_table(funds, returns, adv), repeats=200)
    print(f"what-if recomputation, 45 funds: best {1000 * low:.2f} ms, median {1000 * mid:.2f} ms "
          f"(target <= 10 ms)")


if __name__ == "__main__":
    main()
