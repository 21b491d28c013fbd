"""Benchmark: launch the app as a subprocess; print time to first paint, time to a populated
dashboard (demo data), the longest main-thread stall during the refresh (5 ms QTimer probe)
and the slowest main-thread slices with what ran (main.py ``StartupProbe``).

Targets (issue 3): first paint <= 1.6 s, populated <= 3 s, stall <= 50 ms; yfinance and scipy
must not be imported. Run: python -m bench.bench_startup [runs]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run() -> dict:
    env = {**os.environ}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--timing"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"app failed: {out.stderr.strip()}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return {"first_paint": report["first_paint_s"], "populated": report["populated_s"],
            "stall_ms": report["max_stall_ms"], "heavy": report["heavy_modules_loaded"],
            "slices": report.get("slowest_slices", [])}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    one_run()  # warm the OS file cache
    results = [one_run() for _ in range(runs)]
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    print(f"startup over {runs} runs (QT_QPA_PLATFORM={platform}), median [min..max]:")
    for key, label, unit, target in (("first_paint", "time to first paint", "s", 1.6),
                                     ("populated", "time to populated dashboard", "s", 3.0),
                                     ("stall_ms", "longest main-thread stall during refresh", "ms", 50)):
        values = [r[key] for r in results]
        fmt = ".2f" if unit == "s" else ".1f"
        print(f"  {label}: {statistics.median(values):{fmt}} {unit} "
              f"[{min(values):{fmt}}..{max(values):{fmt}}] (target <= {target} {unit})")
    heavy = sorted({m for r in results for m in r["heavy"]})
    print(f"  yfinance/scipy imported: {', '.join(heavy) if heavy else 'no'}")
    print("  slowest main-thread slices (each run's longest three: ms, the event before it, "
          "what the main thread ran most):")
    for n, result in enumerate(results, 1):
        for piece in sorted(result["slices"], key=lambda s: -s["ms"])[:3]:
            print(f"    run {n}: {piece['ms']:6.1f} ms after {piece['after']}; "
                  f"{piece['busiest']}")


if __name__ == "__main__":
    main()
