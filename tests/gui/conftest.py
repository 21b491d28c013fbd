"""GUI fixtures: isolated QSettings, fast and slow fake sources, a window factory."""
from __future__ import annotations

import gc
import threading
import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from models.market import MarketData
from models.state import DashboardState, RefreshRequest


class FakeSource:
    """Random-walk prices for the benchmark and sector ETFs; optional delay per stage."""

    name = "fake"

    def __init__(self, seed: int = 1, delay: float = 0.0, started: threading.Event | None = None):
        self.seed, self.delay, self.started = seed, delay, started

    def load(self, universe, progress=None):
        if self.started is not None:
            self.started.set()
        tickers = [universe.benchmark, *universe.cross_asset.sectors]
        for step in range(10):
            if progress:
                progress(f"fake stage {step}", step / 10)
            time.sleep(self.delay / 10)
        rng = np.random.default_rng(self.seed)
        dates = pd.bdate_range(end="2026-02-06", periods=300)
        prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(dates), len(tickers))), axis=0))
        close = pd.DataFrame(prices, index=dates, columns=tickers)
        return MarketData(close=close, source=f"fake{self.seed}", simulated=self.seed != 0)


@pytest.fixture(scope="session", autouse=True)
def main_thread_gc(qapp):
    """Garbage collection only on the main thread, as the app does (main.py): a widget
    collected by a refresh worker's allocation deadlocks Qt."""
    from pyqtgraph.util.garbage_collector import GarbageCollector

    collector = GarbageCollector(interval=0.5)
    yield collector
    collector.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def collect_after_test():
    """Delete the test's widgets before the next test. pytest-qt closes them and calls
    ``deleteLater``, but deferred deletes run only in an event loop, so windows piled up
    (ten main windows, 18,000 widgets) and every later test ran slower. The young
    generations are collected here, on the main thread; the old one by ``main_thread_gc``'s
    timer, as in the app (a full collection after every test cost 13% of the GUI tests)."""
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect(1)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_state(universe):
    states = []

    def make(source=None, compute=None):
        request = RefreshRequest(lambda: source or FakeSource(), universe)
        state = DashboardState(request, compute=compute) if compute else DashboardState(request)
        states.append(state)
        return state

    yield make
    for state in states:
        state.shutdown(5000)


@pytest.fixture
def make_window(qtbot, settings, make_state):
    from gui.main_window import MainWindow

    def make(state=None, **kwargs):
        window = MainWindow(state or make_state(), settings=settings, **kwargs)
        qtbot.addWidget(window)
        return window

    return make


@pytest.fixture(scope="session")
def crash(universe, demo_market):
    """The snapshot of the simulated crash day, 2026-02-04 (computed once)."""
    from models.state import default_compute

    return default_compute(demo_market.until("2026-02-04"), universe)
