"""Soak: many refreshes of the simulated market through DashboardState (worker threads,
queued signals, the engine), as a long-running session does; print resident memory and the
thread count after warm-up and at the end.

Target (issue 15): RSS growth under 5% after warm-up, the thread count flat.
Run: QT_QPA_PLATFORM=offscreen python -m bench.bench_soak [refreshes=300] [warmup=30]
"""
from __future__ import annotations

import gc
import os
import sys
import threading
import time


def rss_mb() -> float:
    """Current resident set size (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(refreshes: int = 300, warmup: int = 30) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from models.sources import open_source
    from models.state import DashboardState, RefreshRequest
    from models.universe import load_universe

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    universe = load_universe()
    market = open_source("demo", seed=7, end="2026-02-06").load(universe)

    class Loaded:                  # the simulated market, loaded once: the soak is the refresh
        name = "demo"

        def load(self, universe, progress=None):
            return market

    state = DashboardState(RefreshRequest(lambda: Loaded(), universe))
    loop = QEventLoop()
    done = {"n": 0}

    def next_one(_snapshot=None) -> None:
        done["n"] += 1
        if done["n"] == warmup:
            gc.collect()
            marks["warm"] = (rss_mb(), threading.active_count(), time.perf_counter())
        if done["n"] >= refreshes:
            loop.quit()
        else:
            QTimer.singleShot(0, state.refresh)

    marks: dict[str, tuple] = {}
    state.snapshot_changed.connect(next_one)
    state.refresh_failed.connect(lambda message, tb: (print(message), loop.quit()))
    started = time.perf_counter()
    QTimer.singleShot(0, state.refresh)
    loop.exec()
    gc.collect()
    end = (rss_mb(), threading.active_count(), time.perf_counter())
    warm_rss, warm_threads, warm_time = marks["warm"]
    growth = 100 * (end[0] / warm_rss - 1)
    print(f"soak: {done['n']} refreshes in {end[2] - started:.0f} s "
          f"({(end[2] - warm_time) / max(done['n'] - warmup, 1) * 1000:.0f} ms each after warm-up)")
    print(f"  RSS after {warmup} (warm-up): {warm_rss:.0f} MB; after {done['n']}: {end[0]:.0f} MB "
          f"({growth:+.1f}%, target < +5%)")
    print(f"  threads after warm-up: {warm_threads}; at the end: {end[1]} (target: flat)")
    state.shutdown(2000)
    del app


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
