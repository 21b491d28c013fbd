"""Build the desktop bundle and smoke-test it.

    python packaging/build_bundle.py [--skip-build]

Writes packaging/build/factordesk.ico from resources/icon.png, runs PyInstaller on
packaging/factordesk.spec into packaging/dist/factordesk/, then runs
``<bundle>/factordesk --source demo --export DIR`` from a temporary folder and checks the 12
PNGs and snapshot.json, then exports from a Parquet price file (the bundle's pyarrow); prints
the bundle's unpacked size against the 250 MB target and its largest parts. Exit 0 when the
bundled command works. Needs ``pip install -e ".[bundle]"`` (PyInstaller).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
BUNDLE = DIST / "factordesk"
PANELS = 12
SIZE_TARGET_MB = 250


def write_icon() -> Path:
    """The Windows icon, drawn from the PNG (PyInstaller takes .ico on Windows)."""
    from PySide6.QtGui import QGuiApplication, QImage

    app = QGuiApplication.instance() or QGuiApplication(["icon"])
    target = HERE / "build" / "factordesk.ico"
    target.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(str(ROOT / "resources" / "icon.png"))
    if image.isNull() or not image.save(str(target), "ICO"):
        raise SystemExit(f"cannot write {target}")
    del app
    return target


def build() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    write_icon()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--distpath", str(DIST), "--workpath", str(HERE / "build" / "work"),
                    str(HERE / "factordesk.spec")], check=True, cwd=ROOT)


# Libraries whose debug symbols are most of their size and that survive ``strip`` (numpy's
# auditwheel-patched OpenBLAS does not, so nothing is stripped wholesale).
STRIP = ("libpython3", "curl_cffi/_wrapper", "pyarrow/libarrow.so", "pyarrow/libarrow_compute",
         "pyarrow/libparquet", "pyarrow/libarrow_substrait")


def strip_symbols(bundle: Path) -> None:
    if os.name == "nt":
        return
    for path in bundle.rglob("*"):
        name = path.as_posix()
        if path.is_file() and not path.is_symlink() and any(part in name for part in STRIP):
            subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)


def size_mb(folder: Path) -> float:
    """Unpacked size, each file once (the bundle links some libraries by symlink)."""
    return sum(p.lstat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) / 2**20


def largest(bundle: Path, count: int = 5) -> list[tuple[str, float]]:
    parts = [p for p in (bundle / "_internal").iterdir()] if (bundle / "_internal").exists() \
        else list(bundle.iterdir())
    sizes = [(p.name, size_mb(p) if p.is_dir() else p.lstat().st_size / 2**20) for p in parts]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def smoke() -> list[str]:
    """Run the bundled command as a user would; returns the problems found."""
    exe = BUNDLE / ("factordesk.exe" if os.name == "nt" else "factordesk")
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FACTORDESK_LOG_DIR": tmp,
               "FACTORDESK_CACHE_DIR": tmp}
        out = Path(tmp) / "out"
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                                 env=env, cwd=tmp, timeout=120)
        print(f"--version: {version.stdout.strip()}")
        if version.returncode != 0 or not version.stdout.startswith("FactorDesk "):
            problems.append(f"--version failed: {version.stderr.strip()}")
        started = time.perf_counter()
        run = subprocess.run([str(exe), "--source", "demo", "--export", str(out)],
                             capture_output=True, text=True, env=env, cwd=tmp, timeout=600)
        print(f"export: exit {run.returncode} in {time.perf_counter() - started:.1f} s; "
              f"stdout: {run.stdout.strip()}; stderr: {run.stderr.strip()}")
        if run.returncode != 0:
            return problems + [f"export failed: {run.stderr.strip()}"]
        pngs = sorted(out.glob("*.png"))
        if len(pngs) != PANELS:
            problems.append(f"{len(pngs)} PNGs, expected {PANELS}")
        problems += [f"{p.name} is empty" for p in pngs if p.stat().st_size < 10_000]
        snapshot = json.loads((out / "snapshot.json").read_text(encoding="utf-8"))
        if not snapshot.get("simulated") or snapshot.get("source") != "demo":
            problems.append(f"snapshot.json: source {snapshot.get('source')!r}, simulated "
                            f"{snapshot.get('simulated')!r}")
        if "SIMULATED" not in run.stderr:
            problems.append("the export did not say the data is simulated")
        prices = Path(tmp) / "prices.parquet"
        synthetic_prices().to_parquet(prices)
        run = subprocess.run([str(exe), "--source", str(prices), "--export", str(out / "file")],
                             capture_output=True, text=True, env=env, cwd=tmp, timeout=600)
        print(f"export of a Parquet file: exit {run.returncode}; stderr: {run.stderr.strip()}")
        if run.returncode != 0 or len(list((out / "file").glob("*.png"))) != PANELS:
            problems.append(f"export of a Parquet price file failed: {run.stderr.strip()}")
    return problems


def synthetic_prices():
    """Two years of random-walk closes for SPY and the universe's first 60 constituents (a
    real-data-shaped file that exercises the bundle's pyarrow)."""
    import tomllib

    import numpy as np
    import pandas as pd

    universe = tomllib.loads((ROOT / "resources" / "universe.toml").read_text("utf-8"))
    members = [t for sector in universe["constituents"].values() for t in sector]
    tickers = ["SPY"] + members[:60]
    rng = np.random.default_rng(3)
    days = pd.bdate_range(end="2026-02-06", periods=520)
    walk = np.exp(np.cumsum(rng.normal(0.0003, 0.015, (len(days), len(tickers))), axis=0))
    return pd.DataFrame(100 * walk, index=pd.Index(days, name="date"), columns=tickers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="smoke-test the last build")
    args = parser.parse_args()
    if not args.skip_build:
        build()
        strip_symbols(BUNDLE)
    size = size_mb(BUNDLE)
    print(f"bundle: {BUNDLE} ({size:.0f} MB unpacked; target < {SIZE_TARGET_MB} MB)")
    if size >= SIZE_TARGET_MB:
        print(f"note: {size:.0f} MB is over the {SIZE_TARGET_MB} MB target; largest parts: "
              + ", ".join(f"{name} {mb:.0f} MB" for name, mb in largest(BUNDLE)))
    problems = smoke()
    for problem in problems:
        print(f"FAIL: {problem}")
    print("bundle smoke test: " + ("passed" if not problems else "FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
