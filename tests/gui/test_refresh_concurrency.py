"""A hung download never ties up the app: F5 during it is coalesced (one job per source), a
source switch starts at once, shutdown does not wait for the stuck worker, the process exits
within 2 s, and the event loop keeps running meanwhile."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from models.state import DashboardState, RefreshRequest
from tests.gui.conftest import FakeSource

ROOT = Path(__file__).resolve().parents[2]


class HungSource:
    """A download that blocks until released (or forever)."""

    name = "hung"

    def __init__(self, release: threading.Event, entered: threading.Event) -> None:
        self.release, self.entered = release, entered

    def load(self, universe, progress=None):
        self.entered.set()
        self.release.wait(60)
        raise RuntimeError("released")


def test_f5_during_a_hung_download_is_coalesced_and_a_switch_starts_at_once(qtbot, universe):
    release, entered = threading.Event(), threading.Event()
    hung = RefreshRequest(lambda: HungSource(release, entered), universe)
    state = DashboardState(hung)
    try:
        state.refresh()
        assert entered.wait(5)
        before = threading.active_count()
        for _ in range(3):
            state.refresh()
        assert threading.active_count() == before, "F5 again does not start more workers"
        assert len(state.running_threads()) == 1
        state.set_request(RefreshRequest(lambda: FakeSource(seed=3), universe))
        started = time.perf_counter()
        with qtbot.waitSignal(state.snapshot_changed, timeout=5000):
            state.refresh()
        assert time.perf_counter() - started < 3.0, "the switch does not wait for the hang"
        assert state.snapshot.source == "fake3"
        ticks = []
        timer_started = time.perf_counter()
        while time.perf_counter() - timer_started < 0.3:
            qtbot.wait(10)
            ticks.append(time.perf_counter())
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert max(gaps) < 0.05 + 0.02, "the event loop keeps turning while the worker hangs"
        started = time.perf_counter()
        assert state.shutdown(300) is False, "the hung worker is abandoned, not awaited"
        assert time.perf_counter() - started < 0.6
    finally:
        release.set()


def test_process_exits_within_2s_while_a_download_hangs(tmp_path):
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        import main
        import models.sources as sources

        class Hung:
            name = "hung"
            def load(self, universe, progress=None):
                time.sleep(120)

        sources.open_source = lambda *a, **k: Hung()
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        def close_soon():
            app = QApplication.instance()
            QTimer.singleShot(800, lambda: (print("closing", time.time(), flush=True),
                                            app.closeAllWindows()))
        QTimer.singleShot(0, close_soon)
        sys.exit(main.main(["--source", "demo"]))
    """)
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "FACTORDESK_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env=env)
    ended = time.time()
    lines = [line for line in proc.stdout.splitlines() if line.startswith("closing")]
    assert lines, proc.stderr
    assert ended - float(lines[0].split()[1]) < 2.0, "exit within 2 s of closing"
    assert "Traceback" not in proc.stderr and "RuntimeError" not in proc.stderr, proc.stderr


def test_clear_cache_cancels_the_running_refresh_and_says_so(make_window, make_state, qtbot,
                                                             monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    started = threading.Event()
    cleared = []
    window = make_window(make_state(FakeSource(delay=3.0, started=started)),
                         clear_cache=lambda: cleared.append(1) or "/tmp/cache")
    window.state.refresh()
    assert started.wait(5)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text: asked.append(text) or QMessageBox.StandardButton.Yes)
    window.clear_cache_dialog()
    assert "The refresh now running is cancelled first." in asked[0]
    assert cleared == [1]
    assert window.statusBar().currentMessage() == \
        "Cancelled the running refresh; cache cleared: /tmp/cache"
    qtbot.waitUntil(lambda: not window.state.busy, timeout=5000)


def test_clear_cache_that_cannot_delete_is_one_message(make_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from models.cache import CacheError

    def read_only():
        raise CacheError("cannot clear the cache at /shared: [Errno 30] Read-only file system")

    window = make_window(clear_cache=read_only)
    shown = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    window.clear_cache_dialog()
    assert len(shown) == 1 and "Read-only" in shown[0]
