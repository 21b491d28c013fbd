"""Live 5-minute bars for the intraday chart (docs/methods.md, "Intraday mode").

While the intraday panel is visible, the snapshot on screen is a session in progress from a
live source (it carries an ``IntradayBasis``) and the market is open, every ``every_minutes``
(5 by default) the feed downloads today's bars of the baskets' members on a worker thread
(``models.sources.yahoo.fetch_intraday``: one call per chunk of ~100 tickers), computes the
path there and hands it to the main thread. Never two downloads at once, none while a full
refresh runs, none while the panel is hidden or the market closed; a failure leaves the
daily dashboard as it is and says so once.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal

from analytics.session import session_at

log = logging.getLogger(__name__)
INTRADAY_MINUTES = 5


class IntradayFeed(QObject):
    """``fetch(tickers) -> (bars, problems)``; ``busy()``: a full refresh is running.
    Signals: ``updated(view)`` (an ``IntradayView``, on the main thread), ``note(text)``
    (a failure or a partial answer, once per kind), ``next_changed(text)``."""

    updated = Signal(object)
    note = Signal(str)
    next_changed = Signal(str)
    _arrived = Signal(object, object, str)

    def __init__(self, fetch: Callable, busy: Callable[[], bool] = lambda: False,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 every_minutes: int = INTRADAY_MINUTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fetch, self.busy, self.clock = fetch, busy, clock
        self.every = dt.timedelta(minutes=max(1, int(every_minutes)))
        self.snapshot: Any = None
        self.visible = False
        self.running = False
        self.due: dt.datetime | None = None
        self._said: set[str] = set()
        self._thread: threading.Thread | None = None
        self._arrived.connect(self._on_arrived)
        self.timer = QTimer(self, interval=15_000)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.timer.start()

    def set_snapshot(self, snapshot) -> None:
        """A new snapshot: its basis (if live) drives the next download, due at once (the
        same snapshot drawn again, e.g. after a theme change, keeps the schedule)."""
        if snapshot is self.snapshot:
            return
        self.snapshot = snapshot
        self.due = None
        self._announce()

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        if visible:
            self.tick()

    def live(self) -> bool:
        """Whether bars are wanted now: a live session snapshot, the panel shown, market open."""
        snapshot = self.snapshot
        return (snapshot is not None and getattr(snapshot, "intraday_basis", None) is not None
                and not snapshot.simulated and self.visible and session_at(self.clock()).is_open)

    def tick(self) -> bool:
        """Start a download when one is wanted and due; returns whether it started."""
        now = self.clock()
        if self.running or not self.live() or self.busy() or (
                self.due is not None and now < self.due):
            return False
        self.running = True
        self.due = now + self.every
        basis, snapshot = self.snapshot.intraday_basis, self.snapshot
        self._thread = threading.Thread(target=self._work, args=(basis, snapshot, now),
                                        name="intraday-bars", daemon=True)
        self._thread.start()
        self._announce()
        return True

    def wait(self, timeout: float = 10.0) -> None:
        """Join the worker (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self, basis, snapshot, now: dt.datetime) -> None:
        try:
            bars, problems = self.fetch(basis.tickers)
            moment = pd.Timestamp(session_at(now).now).floor("min")
            view = basis.view(bars, moment) if not bars.empty else None
            why = "; ".join(problems) or ("" if view is not None else
                                          "Yahoo returned no 5-minute bars")
            self._arrived.emit(view, snapshot, why)
        except Exception as exc:  # noqa: BLE001 - a failed feed never touches the dashboard
            log.warning("intraday bars failed", exc_info=True)
            self._arrived.emit(None, snapshot, f"intraday bars failed: {exc}")

    def _on_arrived(self, view, snapshot, why: str) -> None:
        self.running = False
        if why and why not in self._said:
            self._said.add(why)
            self.note.emit(f"intraday chart: {why} (the daily dashboard is unaffected)")
        if view is not None and snapshot is self.snapshot:
            self.updated.emit(view)

    def _announce(self) -> None:
        if self.snapshot is None or getattr(self.snapshot, "intraday_basis", None) is None \
                or self.snapshot.simulated:
            self.next_changed.emit("")
            return
        if self.due is None:
            self.next_changed.emit("5-minute bars: next when the intraday panel is shown")
        else:
            local = session_at(self.due).now
            delay = self.snapshot.delay_minutes
            self.next_changed.emit(f"5-minute bars: next {local:%H:%M} ET"
                                   + (f" ({delay}-min delayed)" if delay else ""))
