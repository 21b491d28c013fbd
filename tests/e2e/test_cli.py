"""End to end: the command line as a user runs it, in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout=120, env_extra=None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
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
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "showing the SIMULATED market (demo)" in lines[0] and \
        "log: " in lines[0], "one line: what is shown and where the log is"
    for cls in PANELS:
        image = QImage(str(tmp_path / f"{cls.panel_id}.png"))
        assert image.width() >= 1000 and image.height() >= 600, \
            "the requested size, larger only when the content needs it (never squeezed)"
    snapshot = json.loads((tmp_path / "snapshot.json").read_text())
    assert snapshot["source"] == "demo" and snapshot["simulated"] is True
    assert snapshot["as_of"] == "2026-02-06"
    assert snapshot["benchmark"]["ticker"] == "SPY"


def test_renderer_processes_draw_what_the_export_draws_itself(tmp_path):
    """--export draws the panels in two renderer processes; with --threads it draws them
    itself: the same pixels above the footer (which says when), but for the edges of the
    SIMULATED watermark's glyphs, whose antialiasing depends on what the process drew before;
    and the same snapshot."""
    from gui.export import FOOTER_HEIGHT
    from gui.panels import PANELS

    outs = {}
    for name, extra in (("renderers", ()), ("here", ("--threads",))):
        out = run("--export", str(tmp_path / name), "--source", "demo", "--end", "2026-02-06",
                  "--size", "900x500", *extra)
        assert out.returncode == 0, out.stderr
        assert f"exported {len(PANELS)} panel(s)" in out.stdout
        outs[name] = tmp_path / name
    for cls in PANELS:
        a, b = (QImage(str(outs[n] / f"{cls.panel_id}.png")) for n in ("renderers", "here"))
        assert a.size() == b.size(), cls.panel_id
        crops = [image.copy(0, 0, image.width(), image.height() - FOOTER_HEIGHT)
                 for image in (a, b)]
        pixels = [np.frombuffer(crop.constBits(), np.uint32).copy() for crop in crops]
        assert np.mean(pixels[0] != pixels[1]) < 0.005, cls.panel_id
    first, second = (json.loads((outs[n] / "snapshot.json").read_text())
                     for n in ("renderers", "here"))
    first.pop("computed_at", None)
    second.pop("computed_at", None)
    assert first == second


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


def test_export_from_a_user_file(tmp_path):
    prices = tmp_path / "mine.csv"
    dates = pd.bdate_range("2025-06-02", periods=200)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"),
                          "SPY": 600 * 1.001 ** np.arange(200), "AAPL": 200 * 0.999 ** np.arange(200)})
    frame.to_csv(prices, index=False)
    out = run("--export", str(tmp_path / "out"), "--source", str(prices))
    assert out.returncode == 0, out.stderr
    snapshot = json.loads((tmp_path / "out" / "snapshot.json").read_text())
    assert snapshot["simulated"] is False and snapshot["source"] == "file mine.csv"
    assert snapshot["as_of"] == f"{dates[-1]:%Y-%m-%d}"


def test_export_bad_file_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,A\n2026-01-05,1\n2026-01-06,-2\n", encoding="utf-8")
    out = run("--export", str(tmp_path / "out"), "--source", str(bad))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.csv: column 'A' on 2026-01-06: price is zero or negative" in lines[0]


def test_offline_auto_export_falls_back_to_simulated(tmp_path):
    out = run("--export", str(tmp_path / "out"), env_extra={"FACTORDESK_CACHE_DIR": str(tmp_path / "c")})
    assert out.returncode == 0, out.stderr
    snapshot = json.loads((tmp_path / "out" / "snapshot.json").read_text())
    if snapshot["simulated"]:
        assert any("simulated market" in n for n in snapshot["notes"])
        assert "Yahoo unavailable" in out.stderr and "the SIMULATED market" in out.stderr, \
            "the export says why the data is simulated"
    else:
        assert snapshot["source"].startswith("yahoo")


def test_export_realdata_file(tmp_path, realdata):
    path = realdata / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz"
    out = run("--export", str(tmp_path), "--source", str(path))
    assert out.returncode == 0, out.stderr
    snapshot = json.loads((tmp_path / "snapshot.json").read_text())
    assert snapshot["simulated"] is False and "sp500_members_adjclose_wide.csv.gz" in snapshot["source"]
    assert snapshot["as_of"] == "2026-07-13"


def test_several_sources_and_date_errors_name_the_flag(tmp_path):
    days = pd.bdate_range("2025-01-02", periods=300)
    rng = np.random.default_rng(2)
    frames = {name: pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (300, len(cols))),
                                                        axis=0)), index=days, columns=cols)
              for name, cols in (("a.csv", ["SPY", "AAPL", "MSFT"]), ("b.csv", ["NVDA", "KO"]))}
    for name, frame in frames.items():
        frame.rename_axis("date").reset_index().to_csv(tmp_path / name, index=False)
    out = run("--export", str(tmp_path / "out"), "--source", str(tmp_path / "a.csv"),
              "--source", str(tmp_path / "b.csv"), "--as-of", f"{days[-2]:%Y-%m-%d}")
    assert out.returncode == 0, out.stderr
    snapshot = json.loads((tmp_path / "out" / "snapshot.json").read_text())
    assert snapshot["source"] == "file 2 files" and snapshot["as_of"] == f"{days[-2]:%Y-%m-%d}"
    late = run("--export", str(tmp_path / "x"), "--source", str(tmp_path / "a.csv"),
               "--as-of", "2031-01-02")
    assert late.returncode == 1
    assert f"--as-of 2031-01-02 is after the last date of the data ({days[-1]:%Y-%m-%d})" \
        in late.stderr
    bad = run("--export", str(tmp_path / "y"), "--source", "demo", "--as-of", "04/02/2026")
    assert bad.returncode == 1 and "--as-of: cannot read '04/02/2026' as a date" in bad.stderr


def test_timing_reports_durations(tmp_path):
    """--timing prints seconds since start, not epoch stamps."""
    out = run("--source", "demo", "--end", "2026-02-06", "--timing",
              env_extra={"XDG_CONFIG_HOME": str(tmp_path), "FACTORDESK_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert 0 < report["first_paint_s"] <= report["populated_s"] < 120
    assert 0 < report["refresh_s"] < 120           # the second refresh, in the compute process
    assert report["max_stall_ms"] >= 0 and report["refresh_stall_ms"] >= 0
    assert report["heavy_modules_loaded"] == []
    for piece in report["slowest_slices"] + report["refresh_slices"]:
        assert piece["ms"] >= 20 and piece["after"] and piece["busiest"] and piece["worker"]


def test_intraday_demo_export_and_a_bad_time(tmp_path):
    """--source demo --intraday 13:30 --export: the crash day mid-session, labelled so in the
    snapshot; the intraday chart is written. A bad time is one line naming the flag."""
    out = run("--export", str(tmp_path), "--source", "demo", "--end", "2026-02-06",
              "--intraday", "13:30", "--size", "1000x600")
    assert out.returncode == 0, out.stderr
    snapshot = json.loads((tmp_path / "snapshot.json").read_text())
    assert (snapshot["as_of"], snapshot["session"]) == ("2026-02-04", "open")
    assert snapshot["as_of_time"] == "2026-02-04T13:30-05:00"
    assert QImage(str(tmp_path / "intraday.png")).width() >= 1000
    bad = run("--export", str(tmp_path / "x"), "--source", "demo", "--intraday", "18:00")
    assert bad.returncode != 0
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "--intraday 18:00: the simulated session runs from 09:35 (its " \
        "first 5-minute bar) to 16:00 New York time" in lines[0]
