"""The status bar: source, as-of date and data age, the SIMULATED badge, refresh progress,
the next scheduled refresh, the last error and the snapshot's notes."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStatusBar,
    QToolButton,
    QWidget,
)

from analytics.snapshot import Snapshot

STAGE_CHARS = 30          # the refresh stage's room, in average characters


class StatusBar(QStatusBar):
    """Mirrors a DashboardState: connect its signals to the ``on_*`` slots; ``show_snapshot``
    after each refresh. ``error_clicked`` asks the window for the last error's details."""

    error_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot: Snapshot | None = None
        self.source_label = QLabel("Source: –")
        self.as_of_label = QLabel("As of: –")
        self.age_label = QLabel("")
        self.age_label.setObjectName("muted")
        self.simulated_badge = QLabel("SIMULATED")
        self.simulated_badge.setObjectName("simulatedBadge")
        self.simulated_badge.setToolTip("The data on screen is the built-in simulated market, "
                                        "not real prices.")
        self.simulated_badge.hide()
        self.stage_label = QLabel("")
        # A fixed width with long stages elided: a label that followed its text would change
        # the window's minimum width at every progress message, and on a small screen resize
        # and repaint the whole window (a 35 ms repaint several times per refresh).
        self.stage_label.setFixedWidth(self.stage_label.fontMetrics().averageCharWidth()
                                       * STAGE_CHARS)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFixedWidth(160)
        room = self.progress.sizePolicy()
        room.setRetainSizeWhenHidden(True)        # showing it must not resize the window
        self.progress.setSizePolicy(room)
        self.progress.hide()
        self.schedule_label = QLabel("")
        self.schedule_label.setObjectName("muted")
        self.intraday_label = QLabel("")
        self.intraday_label.setObjectName("muted")
        self.intraday_label.hide()
        self.error_button = QToolButton()
        self.error_button.setToolTip("The last refresh failed; click for details")
        self.error_button.clicked.connect(self.error_clicked)
        self.error_button.hide()
        self.notes_label = QLabel("")
        self.notes_label.setObjectName("muted")
        # The notes take the room that is left and never widen the window (all of them are
        # in its tooltip).
        self.notes_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addWidget(self.notes_label, 1)
        for widget in (self.error_button, self.stage_label, self.progress, self.intraday_label,
                       self.schedule_label,
                       self.source_label, self.as_of_label, self.age_label,
                       self.simulated_badge):
            self.addPermanentWidget(widget)
        for label in (self.notes_label, self.stage_label, self.schedule_label,
                      self.source_label, self.as_of_label, self.age_label):
            label.setTextFormat(Qt.TextFormat.PlainText)   # file names and notes are never HTML
        self._age_timer = QTimer(self, interval=60_000)
        self._age_timer.timeout.connect(self.update_age)
        self._age_timer.start()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.source_label.setText(f"Source: {snapshot.source}")
        self.as_of_label.setText(f"As of: {snapshot.as_of_words()}")
        self.simulated_badge.setVisible(snapshot.simulated)
        self.notes_label.setText(" · ".join(snapshot.notes))
        self.notes_label.setToolTip("\n".join(snapshot.notes))
        self.update_age()

    def update_age(self) -> None:
        if self.snapshot is None:
            return
        days = (dt.date.today() - self.snapshot.as_of.date()).days
        self.age_label.setText("data from today" if days <= 0 else
                               f"data {days} day{'s' if days != 1 else ''} old")

    def set_schedule(self, text: str) -> None:
        self.schedule_label.setText(text)

    def set_intraday(self, text: str) -> None:
        """The live intraday chart's next 5-minute bars and their delay (hidden when none)."""
        self.intraday_label.setText(text)
        self.intraday_label.setVisible(bool(text))

    def on_refresh_started(self) -> None:
        self._set_stage("Refreshing…")
        self.progress.setValue(0)

    def on_progress(self, stage: str, fraction: float) -> None:
        self._set_stage(stage)
        self.progress.setValue(int(round(100 * fraction)))

    def on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        if not busy:
            self._set_stage("")

    def _set_stage(self, stage: str) -> None:
        label = self.stage_label
        label.setText(label.fontMetrics().elidedText(stage, Qt.TextElideMode.ElideRight,
                                                     label.width()))
        label.setToolTip(stage)

    def on_failed(self, message: str, _traceback: str) -> None:
        self.error_button.setText(f"⚠ {message[:80]}")
        self.error_button.show()
        self.showMessage(f"Refresh failed: {message}", 10_000)

    def clear_error(self) -> None:
        self.error_button.hide()
