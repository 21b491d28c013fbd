"""End to end: the command line as a user runs it, in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout=120):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_documents_every_option():
    out = run("--help")
    assert out.returncode == 0
    for option in ("--universe", "--source", "--seed", "--end", "--export", "--size", "--timing"):
        assert option in out.stdout


def test_export_writes_pngs_and_snapshot(tmp_path):
    from gui.panels import PANELS

    out = run("--export", str(tmp_path), "--source", "demo", "--end", "2026-02-06",
              "--size", "1000x600")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    for cls in PANELS:
        image = QImage(str(tmp_path / f"{cls.panel_id}.png"))
        assert (image.width(), image.height()) == (1000, 600)
    snapshot = json.loads((tmp_path / "snapshot.json").read_text())
    assert snapshot["source"] == "demo" and snapshot["simulated"] is True
    assert snapshot["as_of"] == "2026-02-06"
    assert snapshot["benchmark"]["ticker"] == "SPY"


def test_bad_universe_exits_nonzero_with_one_line(tmp_path):
    out = run("--export", str(tmp_path), "--universe", str(tmp_path / "missing.toml"))
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.toml" in lines[0] and "not found" in lines[0]
    assert "Traceback" not in out.stderr


def test_broken_universe_file_in_gui_mode_exits_with_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[benchmark\n", encoding="utf-8")
    out = run("--universe", str(bad))
    assert out.returncode == 2
    assert "bad.toml" in out.stderr and "not valid TOML" in out.stderr
