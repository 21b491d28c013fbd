"""Before Qt starts: no display, or an xcb plugin without its system libraries, is one clear
sentence and exit code 2, never Qt's abort."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.display import NO_DISPLAY, debian_package, display_problem, not_found

ROOT = Path(__file__).resolve().parents[2]
LDD = """\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_no_display_on_linux():
    assert display_problem({}, "linux") == NO_DISPLAY
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") == NO_DISPLAY
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None


def test_missing_xcb_libraries_are_named_with_their_packages():
    assert not_found(LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert [debian_package(n) for n in ("libxcb-icccm.so.4", "libxkbcommon-x11.so.0",
                                        "libxcb-cursor.so.0")] == \
        ["libxcb-icccm4", "libxkbcommon-x11-0", "libxcb-cursor0"]


def test_a_plugin_that_loads_is_no_problem(tmp_path):
    import ctypes.util

    library = ctypes.util.find_library("c")
    found = next((p for p in (Path("/lib/x86_64-linux-gnu") / library,
                              Path("/usr/lib") / library) if p.exists()), None) if library \
        else None
    if found is not None:
        assert display_problem({"DISPLAY": ":0"}, "linux", found) is None
    broken = tmp_path / "libqxcb.so"
    broken.write_bytes(b"not an ELF file")
    message = display_problem({"DISPLAY": ":0"}, "linux", broken)
    assert message is not None and message.startswith("Qt's xcb platform plugin cannot load")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check is Linux-only")
def test_main_without_a_display_exits_2_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    run = subprocess.run([sys.executable, str(ROOT / "main.py"), "--source", "demo"], env=env,
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "--export DIR" in lines[0]
