"""Benchmark: launch the app as a subprocess; print time to first paint, time to a populated
dashboard, the longest main-thread stall during the first refresh and during a second one
(5 ms QTimer probe, from the first frame whole: the first turn of the event loop without a
paint after the window's first paint event), and the slowest main-thread slices with what ran
(main.py ``StartupProbe``).

Targets (issues 3, 20): first paint <= 1.6 s, populated <= 3 s (<= 2 s simulated, <= 1.5 s
from a real cache), stall <= 50 ms (<= 16 ms on a quiet machine, <= 50 ms with ``--load``);
yfinance and scipy must not be imported.

Run: python -m bench.bench_startup [runs] [--screen WxH] [--load] [--threads] [main.py flags...]
  --screen   the offscreen screen's size (default 1920x1080, the Morning layout; 1280x800
             gives the Laptop layout); Qt's offscreen platform alone would be 800x800
  --load     run one CPU-bound process beside the app (a busy machine)
  --threads  refresh on threads of the app's process instead of the compute process
  anything else goes to main.py (e.g. --source demo, --source PATH, --source cache)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSY = "import time\nwhile True:\n    sum(i * i for i in range(10000))\n"


def screen_platform(size: str, folder: Path) -> str:
    """``QT_QPA_PLATFORM`` for Qt's offscreen platform with one screen of ``size`` (WxH)."""
    width, height = (int(v) for v in size.lower().split("x"))
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "bench", "x": 0, "y": 0,
                                               "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96,
                                               "dpr": 1}]}))
    return f"offscreen:configfile={config}"


def one_run(extra: list[str], platform: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": platform}
    # As on a user's machine, Python keeps the compiled modules from the warm-up run (an
    # environment that forbids it would compile every module at every start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as config:
        env["XDG_CONFIG_HOME"] = config       # no saved window: a first start's layout
        out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--timing", *extra],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if out.returncode != 0:
        raise SystemExit(f"app failed: {out.stderr.strip()}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return {"first_paint": report["first_paint_s"],
            "first_paint_event": report["first_paint_event_s"], "populated": report["populated_s"],
            "refresh": report["refresh_s"], "stall_ms": report["max_stall_ms"],
            "refresh_stall_ms": report["refresh_stall_ms"],
            "heavy": report["heavy_modules_loaded"],
            "slices": report.get("slowest_slices", []),
            "refresh_slices": report.get("refresh_slices", [])}


def main() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--screen", default="1920x1080")
    ours, extra = parser.parse_known_args()
    busy = subprocess.Popen([sys.executable, "-c", BUSY]) if ours.load else None
    try:
        with tempfile.TemporaryDirectory() as folder:
            platform = screen_platform(ours.screen, Path(folder))
            one_run(extra, platform)  # warm the OS file cache
            results = [one_run(extra, platform) for _ in range(ours.runs)]
    finally:
        if busy is not None:
            busy.kill()
    print(f"startup over {ours.runs} runs (offscreen screen {ours.screen}"
          f"{', one CPU-bound process beside it' if ours.load else ''}"
          f"{', flags ' + ' '.join(extra) if extra else ''}), median [min..max]:")
    for key, label, unit, target in (
            ("first_paint_event", "time to the window's first paint event", "s", "-"),
            ("first_paint", "time to first paint (the first frame whole)", "s", "1.6"),
            ("populated", "time to populated dashboard", "s", "3 (2 simulated, 1.5 real)"),
            ("refresh", "second refresh, request to drawn", "s", "-"),
            ("stall_ms", "longest main-thread stall, first refresh", "ms", "16 (50 loaded)"),
            ("refresh_stall_ms", "longest main-thread stall, second refresh", "ms",
             "16 (50 loaded)")):
        values = [r[key] for r in results]
        fmt = ".2f" if unit == "s" else ".1f"
        print(f"  {label}: {statistics.median(values):{fmt}} {unit} "
              f"[{min(values):{fmt}}..{max(values):{fmt}}] (target <= {target} {unit})")
    heavy = sorted({m for r in results for m in r["heavy"]})
    print(f"  yfinance/scipy imported: {', '.join(heavy) if heavy else 'no'}")
    for key, title in (("slices", "first refresh"), ("refresh_slices", "second refresh")):
        print(f"  slowest main-thread slices, {title} (each run's longest three: ms, the event "
              "before it, what the main thread ran most, what the other threads ran most):")
        for n, result in enumerate(results, 1):
            for piece in sorted(result[key], key=lambda s: -s["ms"])[:3]:
                print(f"    run {n}: {piece['ms']:6.1f} ms after {piece['after']}; "
                      f"{piece['busiest']}; others: {piece.get('worker', 'n/a')}")


if __name__ == "__main__":
    main()
