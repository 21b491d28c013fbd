"""Build the desktop bundle and smoke-test it.

    python packaging/build_bundle.py [--skip-build]

Writes packaging/build/factordesk.ico from resources/icon.png, runs PyInstaller on
packaging/factordesk.spec into packaging/dist/factordesk/, then runs
``<bundle>/factordesk --source demo --export DIR`` from a temporary folder and checks the 12
PNGs and snapshot.json; prints the bundle's unpacked size (target: under 250 MB on Linux).
Exit 0 when every check passes. Needs ``pip install -e ".[bundle]"`` (PyInstaller).
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


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


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
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="smoke-test the last build")
    args = parser.parse_args()
    if not args.skip_build:
        build()
    size = size_mb(BUNDLE)
    print(f"bundle: {BUNDLE} ({size:.0f} MB unpacked; target < {SIZE_TARGET_MB} MB)")
    problems = smoke()
    if size >= SIZE_TARGET_MB:
        problems.append(f"bundle is {size:.0f} MB (target < {SIZE_TARGET_MB} MB)")
    for problem in problems:
        print(f"FAIL: {problem}")
    print("bundle smoke test: " + ("passed" if not problems else "FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
