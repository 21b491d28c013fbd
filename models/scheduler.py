"""Scheduled refresh every N minutes during US market hours (9:30-16:00 New York on the
exchange's trading days, 13:00 on half days: ``analytics.session``), pausable, never
overlapping a running refresh."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from analytics.session import NEW_YORK, next_open, session_at


def next_refresh(now: dt.datetime, every_minutes: int) -> dt.datetime:
    """The next scheduled refresh strictly after ``now`` (aware datetime), in New York time:
    every ``every_minutes`` (at least 1) from the open, the last one at the close; outside
    hours (weekends, holidays, after a half day's 13:00 close), the next open."""
    if every_minutes < 1:
        raise ValueError(f"refresh interval must be at least 1 minute, got {every_minutes}")
    session = session_at(now)
    if session.is_open and session.opens is not None and session.closes is not None:
        step = dt.timedelta(minutes=every_minutes)
        steps = int((session.now - session.opens) / step) + 1
        return min(session.opens + steps * step, session.closes)
    return next_open(now)


class RefreshScheduler(QObject):
    """Calls ``refresh()`` at each scheduled time unless ``busy()`` or paused.

    Signal ``next_changed(text)`` carries the status-bar text ("next refresh 10:45 ET").
    ``replay``: the window shows a past day (``--as-of``), so nothing is ever scheduled;
    ``hold(text)``: nothing is scheduled while the data on screen has its own clock (a
    simulated session), ``hold("")`` releases.
    """

    next_changed = Signal(str)

    def __init__(self, refresh: Callable[[], object], busy: Callable[[], bool],
                 every_minutes: int = 15,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 parent: QObject | None = None, replay: bool = False) -> None:
        super().__init__(parent)
        self.refresh, self.busy, self.clock = refresh, busy, clock
        self.replay = replay
        self.held = ""
        self.every_minutes = max(1, int(every_minutes))
        self.paused = False
        self.due = next_refresh(self.clock(), self.every_minutes)
        self.timer = QTimer(self, interval=20_000)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.timer.start()
        self._announce()

    def hold(self, text: str) -> None:
        """No refresh while ``text`` is set (the words the status bar shows); "" releases."""
        if text == self.held:
            return
        self.held = text
        if not text:
            self.due = next_refresh(self.clock(), self.every_minutes)
        self._announce()

    def set_interval(self, minutes: int) -> None:
        self.every_minutes = max(1, int(minutes))
        self.due = next_refresh(self.clock(), self.every_minutes)
        self._announce()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self.due = next_refresh(self.clock(), self.every_minutes)
        self._announce()

    def tick(self) -> bool:
        """Refresh when due (and not paused or busy); returns whether it did."""
        now = self.clock()
        if self.replay or self.held or self.paused or now < self.due:
            return False
        fired = not self.busy()
        if fired:
            self.refresh()
        self.due = next_refresh(now, self.every_minutes)
        self._announce()
        return fired

    def _announce(self) -> None:
        if self.replay:
            self.next_changed.emit("replay of a past day: no scheduled refresh")
        elif self.held:
            self.next_changed.emit(self.held)
        elif self.paused:
            self.next_changed.emit("auto-refresh paused")
        else:
            when = self.due.astimezone(NEW_YORK)
            self.next_changed.emit(f"next refresh {when:%a %H:%M} ET")


class CacheWatcher(QObject):
    """Desk mode's viewer side: polls a cache folder's manifest (a file watcher misses
    changes on network shares) and emits ``changed`` when it names a new generation, so a
    viewer on ``--source cache`` refreshes from the fetcher's download without touching Yahoo.
    """

    changed = Signal()

    def __init__(self, cache, interval_ms: int = 5000, busy: Callable[[], bool] = lambda: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache, self.busy = cache, busy
        self.seen = cache.manifest_generation()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()

    def poll(self) -> None:
        generation = self.cache.manifest_generation()
        if generation is not None and generation != self.seen and not self.busy():
            self.seen = generation
            self.changed.emit()
