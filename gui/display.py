"""Can Qt open a window here? Checked before the QApplication exists, because a platform
plugin that cannot load makes Qt abort the process (a core dump, not an error to catch)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

NO_DISPLAY = ("no display: DISPLAY and WAYLAND_DISPLAY are unset, so no window can open. Use "
              "`factordesk --export DIR` for the PNGs and snapshot.json without a window, or "
              "start FactorDesk from a desktop session")


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None,
                    plugin: Path | None = None) -> str | None:
    """Why the window cannot open, in one sentence, or None. Linux only: no DISPLAY or
    WAYLAND_DISPLAY, or Qt's xcb plugin missing system libraries (named, with their
    Debian/Ubuntu packages). An explicit QT_QPA_PLATFORM other than xcb is trusted."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return None
    if not env.get("DISPLAY"):
        return None if env.get("WAYLAND_DISPLAY") and not chosen else NO_DISPLAY
    plugin = plugin or xcb_plugin()
    if plugin is None or not plugin.exists():
        return None
    missing = missing_libraries(plugin)
    if not missing:
        return None
    packages = " ".join(debian_package(lib) for lib in missing)
    return (f"Qt's xcb platform plugin cannot load: missing system libraries {', '.join(missing)} "
            f"(Debian/Ubuntu: sudo apt-get install {packages})")


def xcb_plugin() -> Path | None:
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    found = sorted(folder.glob("libqxcb*.so"))
    return found[0] if found else None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries ``plugin`` needs and the dynamic linker cannot find. A plugin that
    loads needs none; otherwise ``ldd`` lists them all (the loader's error names only one)."""
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
        return []
    except OSError as exc:
        first = str(exc)
    try:
        listing = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True,
                                 timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    found = not_found(listing)
    if found:
        return found
    named = re.match(r"([^:\s]+\.so[.\d]*)", first)
    return [named.group(1)] if named else [first]


def not_found(ldd_output: str) -> list[str]:
    """Library names ``ldd`` reports as "not found", each once, in order."""
    names = re.findall(r"^\s*(\S+)\s+=>\s+not found", ldd_output, re.MULTILINE)
    return list(dict.fromkeys(names))


def debian_package(library: str) -> str:
    """libxcb-icccm.so.4 -> libxcb-icccm4; libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    match = re.match(r"(.+)\.so\.(\d+)", library)
    if not match:
        return library
    base, major = match.groups()
    return f"{base}{'-' if base[-1].isdigit() else ''}{major}"
