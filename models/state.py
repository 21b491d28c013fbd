"""DashboardState: owns the current Snapshot and runs refreshes on worker threads.

Data flow (docs/architecture.md): source.load -> analytics.engine.compute on a daemon worker
thread, one per refresh, with a fresh source object; the result comes back to the main thread
through a queued signal and is dropped if a newer refresh was requested meanwhile. No widget
is touched off the main thread. A hung download never blocks the app: F5 on the same source
while it runs is coalesced into one follow-up refresh, a source switch starts at once, and
quitting abandons the worker (a daemon thread; the cache's writes are atomic).
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QObject, Signal

from models.refresh import RefreshCancelled, default_compute, engine_params, load_and_compute
from models.universe import Universe

__all__ = ["DashboardState", "RefreshCancelled", "RefreshRequest", "default_compute",
           "engine_params"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshRequest:
    """What one refresh loads: a data source factory and the universe."""

    open_source: Callable[[], Any]
    universe: Universe
    as_of: Any = None          # show the data as it stood at this date's close (None: latest)
    # The same request in plain JSON, for the compute process: {"source": name, "options":
    # open_source's options, "universe": the universe file or None}; None: threads only.
    spec: dict | None = None


def _emit(signal, generation: int, *args) -> None:
    """Emit unless the receiver is gone (an abandoned job finishing after shutdown)."""
    try:
        signal.emit(generation, *args)
    except RuntimeError:
        log.info("refresh %d finished after its window closed", generation)


class _JobSignals(QObject):
    progress = Signal(int, str, float)
    done = Signal(int, object, object)          # generation, market, snapshot
    failed = Signal(int, str, str)              # generation, message, traceback
    finished = Signal(int)                      # generation; always last


class _RefreshJob:
    def __init__(self, generation: int, request: RefreshRequest, compute: Callable,
                 cancel: threading.Event, signals: _JobSignals) -> None:
        self.generation, self.request, self.compute = generation, request, compute
        self.cancel, self.signals = cancel, signals

    def _stage(self, name: str, fraction: float) -> None:
        if self.cancel.is_set():
            raise RefreshCancelled(name)
        _emit(self.signals.progress, self.generation, name, fraction)

    def run(self) -> None:
        try:
            market, snapshot = load_and_compute(self.request.open_source,
                                                self.request.universe, self.request.as_of,
                                                self.compute, self._stage)
            _emit(self.signals.done, self.generation, market, snapshot)
        except RefreshCancelled:
            log.info("refresh %d cancelled", self.generation)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the app goes on
            tb = traceback.format_exc()
            log.error("refresh %d failed: %s\n%s", self.generation, exc, tb)
            _emit(self.signals.failed, self.generation, f"{type(exc).__name__}: {exc}", tb)
        finally:
            _emit(self.signals.finished, self.generation)


class _ProcessJob:
    """A job in the compute process, seen like a worker thread (``is_alive``, ``join``)."""

    def __init__(self, generation: int, signals: _JobSignals) -> None:
        from models.compute_process import Callbacks

        self._finished = threading.Event()

        def finished() -> None:
            self._finished.set()
            _emit(signals.finished, generation)

        self.callbacks = Callbacks(
            progress=lambda stage, f: _emit(signals.progress, generation, stage, f),
            done=lambda followup, snapshot: _emit(
                signals.done, generation, SimpleNamespace(followup_refresh=followup), snapshot),
            failed=lambda message, tb: _emit(signals.failed, generation, message, tb),
            finished=finished)

    def is_alive(self) -> bool:
        return not self._finished.is_set()

    def join(self, timeout: float | None = None) -> None:
        self._finished.wait(timeout)


class _Cancel:
    """The cancel flag of a process job: setting it tells the compute process."""

    def __init__(self, process, generation: int) -> None:
        self.process, self.generation = process, generation

    def set(self) -> None:
        self.process.cancel(self.generation)


@dataclass
class _Running:
    thread: threading.Thread | _ProcessJob
    cancel: threading.Event | _Cancel
    request: RefreshRequest


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
                 parent: QObject | None = None, process=None) -> None:
        super().__init__(parent)
        self.request = request
        self.compute = compute
        self.process = process          # a ComputeProcess: requests with a spec run there
        self.snapshot = None
        self.last_error: tuple[str, str] | None = None
        self._generation = 0
        self._jobs: dict[int, _Running] = {}
        self._pending: int | None = None    # a coalesced refresh waiting for its source's job
        self._signals = _JobSignals()
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return bool(self._jobs) or self._pending is not None

    @property
    def generation(self) -> int:
        return self._generation

    def set_request(self, request: RefreshRequest) -> None:
        """Change the source/universe; the next refresh uses it."""
        self.request = request

    def refresh(self) -> int:
        """Request a refresh and return its generation number. Running jobs are cancelled;
        if one of them loads the same request (F5 pressed again during a download), the new
        refresh starts when it ends (coalesced: one job per source at a time), otherwise (a
        source switch) at once, without waiting for the old one."""
        for job in self._jobs.values():
            job.cancel.set()
        self._generation += 1
        if any(job.request is self.request for job in self._jobs.values()):
            self._pending = self._generation
        else:
            self._pending = None
            self._start(self._generation)
        self.refresh_started.emit()
        self.busy_changed.emit(True)
        return self._generation

    def _start(self, generation: int) -> None:
        if self.process is not None and self.request.spec is not None and \
                self.compute is default_compute:
            remote = _ProcessJob(generation, self._signals)
            self._jobs[generation] = _Running(remote, _Cancel(self.process, generation),
                                              self.request)
            self.process.submit(generation, self.request.spec, self.request.as_of,
                                remote.callbacks)
            return
        cancel = threading.Event()
        job = _RefreshJob(generation, self.request, self.compute, cancel, self._signals)
        thread = threading.Thread(target=job.run, name=f"refresh-{generation}", daemon=True)
        self._jobs[generation] = _Running(thread, cancel, self.request)
        thread.start()

    def running_threads(self) -> list[threading.Thread | _ProcessJob]:
        """The jobs still running (worker threads, or jobs in the compute process)."""
        return [job.thread for job in self._jobs.values() if job.thread.is_alive()]

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel every job (and a coalesced one) and wait up to ``timeout_ms`` for the
        workers; True if they all finished. A worker stuck in a network call is abandoned (a
        daemon thread). The state stays usable: Clear cache calls it before deleting."""
        self._pending = None
        for job in self._jobs.values():
            job.cancel.set()
        deadline = time.monotonic() + timeout_ms / 1000
        for thread in self.running_threads():
            thread.join(max(0.0, deadline - time.monotonic()))
        return not self.running_threads()

    def _on_finished(self, generation: int) -> None:
        self._jobs.pop(generation, None)
        if self._pending is not None and \
                not any(job.request is self.request for job in self._jobs.values()):
            pending, self._pending = self._pending, None
            if pending == self._generation:
                self._start(pending)
        if not self.busy:
            self.busy_changed.emit(False)

    def _on_progress(self, generation: int, stage: str, fraction: float) -> None:
        if generation == self._generation:
            self.progress.emit(stage, fraction)

    def _on_done(self, generation: int, market, snapshot) -> None:
        if generation != self._generation:
            log.info("dropped stale refresh %d (newest is %d)", generation, self._generation)
            return
        self.snapshot, self.last_error = snapshot, None
        self.snapshot_changed.emit(snapshot)
        if getattr(market, "followup_refresh", False):
            self.refresh()

    def _on_failed(self, generation: int, message: str, tb: str) -> None:
        if generation != self._generation:
            return
        self.last_error = (message, tb)
        self.refresh_failed.emit(message, tb)
