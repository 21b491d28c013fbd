"""Benchmark: build the simulated market for the full default universe; print time and memory.

Target (issue 2): <= 1.0 s and <= 300 MB. Run: python -m bench.bench_demo
"""
from __future__ import annotations

import resource
import time
import tracemalloc

from models.sources import open_source
from models.universe import load_universe


def main(repeats: int = 5) -> None:
    universe = load_universe()
    source = open_source("demo", seed=7, end="2026-02-06")
    source.load(universe)  # warm-up: first-call imports and allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        market = source.load(universe)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    source.load(universe)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo market: {market.close.shape[1]} tickers x {market.close.shape[0]} days")
    print(f"load time: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s "
          f"over {repeats} runs (target <= 1.0 s)")
    print(f"peak traced allocation during one load: {peak / 2**20:.0f} MB; "
          f"process max RSS: {rss:.0f} MB (target <= 300 MB)")


if __name__ == "__main__":
    main()
