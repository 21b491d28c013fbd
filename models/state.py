"""DashboardState: owns the current Snapshot and runs refreshes on a worker thread.

Data flow (docs/architecture.md): source.load -> analytics.engine.compute on a QThreadPool worker; the
result comes back to the main thread through a queued signal and is dropped if a newer refresh
was requested meanwhile. No widget is touched off the main thread.
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from models.universe import Universe

log = logging.getLogger(__name__)


class RefreshCancelled(Exception):
    """Raised inside a job when a newer refresh or shutdown cancelled it."""


@dataclass(frozen=True)
class RefreshRequest:
    """What one refresh loads: a data source factory and the universe."""

    open_source: Callable[[], Any]
    universe: Universe
    as_of: Any = None          # show the data as it stood at this date's close (None: latest)


def engine_params(universe: Universe, market=None):
    """Universe facts for the engine; a source that defines its own benchmark (a user file
    without the universe's benchmark) overrides it."""
    from analytics.engine import EngineParams

    benchmark = getattr(market, "benchmark", None) or universe.benchmark
    name = universe.benchmark_name if benchmark == universe.benchmark else benchmark
    constituents = getattr(market, "constituents", None) or tuple(universe.index_members())
    return EngineParams(benchmark=benchmark, benchmark_name=name,
                        sector_etfs=dict(universe.cross_asset.sectors),
                        constituents=tuple(constituents), themes=dict(universe.themes),
                        pairs=tuple(universe.pairs),
                        leveraged_etfs=tuple(universe.leveraged_etfs),
                        option_underlyings=tuple(universe.option_underlyings),
                        dividend_yields=dict(universe.dividend_yields),
                        default_rate=universe.default_rate,
                        membership=universe.membership,
                        underlying_stocks={k: tuple(v) for k, v in
                                           universe.underlying_stocks.items()},
                        regions=tuple(universe.regions),
                        metals=tuple(universe.cross_asset.metals),
                        cyclical=tuple(universe.cross_asset.cyclical),
                        defensive=tuple(universe.cross_asset.defensive),
                        equal_weight=(universe.styles.get("equal_weight") or [None])[0])


def default_compute(market, universe: Universe):
    from analytics.engine import compute

    return compute(market, engine_params(universe, market))


class _JobSignals(QObject):
    progress = Signal(int, str, float)
    done = Signal(int, object, object)          # generation, market, snapshot
    failed = Signal(int, str, str)              # generation, message, traceback
    finished = Signal(int)                      # generation; always last


class _RefreshJob(QRunnable):
    def __init__(self, generation: int, request: RefreshRequest, compute: Callable,
                 cancel: threading.Event, signals: _JobSignals) -> None:
        super().__init__()
        self.generation, self.request, self.compute = generation, request, compute
        self.cancel, self.signals = cancel, signals
        self.setAutoDelete(True)

    def _stage(self, name: str, fraction: float) -> None:
        if self.cancel.is_set():
            raise RefreshCancelled(name)
        self.signals.progress.emit(self.generation, name, fraction)

    def run(self) -> None:
        try:
            self._stage("Opening data source", 0.02)
            source = self.request.open_source()
            self._stage(f"Loading {getattr(source, 'name', 'data')}", 0.05)
            market = source.load(self.request.universe,
                                 progress=lambda name, f: self._stage(name, 0.05 + 0.6 * f))
            if self.request.as_of is not None:
                market = market.until(self.request.as_of)
            self._stage("Computing analytics", 0.7)
            snapshot = self.compute(market, self.request.universe)
            self._stage("Rendering", 0.95)
            self.signals.done.emit(self.generation, market, snapshot)
        except RefreshCancelled:
            log.info("refresh %d cancelled", self.generation)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the app goes on
            tb = traceback.format_exc()
            log.error("refresh %d failed: %s\n%s", self.generation, exc, tb)
            self.signals.failed.emit(self.generation, f"{type(exc).__name__}: {exc}", tb)
        finally:
            self.signals.finished.emit(self.generation)


class DashboardState(QObject):
    """Main-thread owner of the current Snapshot.

    Signals: ``snapshot_changed(snapshot)`` after a successful refresh; ``refresh_started()``;
    ``progress(stage, fraction)``; ``refresh_failed(message, traceback)``; ``busy_changed(bool)``.
    """

    snapshot_changed = Signal(object)
    refresh_started = Signal()
    progress = Signal(str, float)
    refresh_failed = Signal(str, str)
    busy_changed = Signal(bool)

    def __init__(self, request: RefreshRequest,
                 compute: Callable[[Any, Universe], Any] = default_compute,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.compute = compute
        self.snapshot = None
        self.market = None
        self.last_error: tuple[str, str] | None = None
        self._generation = 0
        self._cancels: dict[int, threading.Event] = {}
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _JobSignals()
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return bool(self._cancels)

    @property
    def generation(self) -> int:
        return self._generation

    def set_request(self, request: RefreshRequest) -> None:
        """Change the source/universe; the next refresh uses it."""
        self.request = request

    def refresh(self) -> int:
        """Start a refresh; older running jobs are cancelled. Returns its generation number."""
        for cancel in self._cancels.values():
            cancel.set()
        self._generation += 1
        cancel = threading.Event()
        self._cancels[self._generation] = cancel
        self._pool.start(_RefreshJob(self._generation, self.request, self.compute, cancel,
                                     self._signals))
        self.refresh_started.emit()
        self.busy_changed.emit(True)
        return self._generation

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel running jobs and wait for the workers; True if they all finished in time."""
        for cancel in self._cancels.values():
            cancel.set()
        return self._pool.waitForDone(timeout_ms)

    def _on_finished(self, generation: int) -> None:
        self._cancels.pop(generation, None)
        if not self._cancels:
            self.busy_changed.emit(False)

    def _on_progress(self, generation: int, stage: str, fraction: float) -> None:
        if generation == self._generation:
            self.progress.emit(stage, fraction)

    def _on_done(self, generation: int, market, snapshot) -> None:
        if generation != self._generation:
            log.info("dropped stale refresh %d (newest is %d)", generation, self._generation)
            return
        self.market, self.snapshot, self.last_error = market, snapshot, None
        self.snapshot_changed.emit(snapshot)
        if getattr(market, "followup_refresh", False):
            self.refresh()

    def _on_failed(self, generation: int, message: str, tb: str) -> None:
        if generation != self._generation:
            return
        self.last_error = (message, tb)
        self.refresh_failed.emit(message, tb)
