"""Alerts: the rule book (saved in the settings), its evaluation on each new snapshot, the
log of what fired, and the desktop notification. The Alerts panel, when there is one, shows
and edits the same book; without it alerts still fire."""
from __future__ import annotations

import logging
from concurrent.futures import Future

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from analytics.snapshot import Snapshot
from gui.settings import Settings
from models.alerts import DEFAULT_RULES, AlertBook, fired_messages

log = logging.getLogger(__name__)


class AlertsController(QObject):
    """``evaluate(snapshot)`` once per refresh: fired rules are logged, emitted as ``fired``
    (one message each) and shown by the tray icon when the desktop has one."""

    fired = Signal(str)

    def __init__(self, settings: Settings, icon: QIcon, panel=None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.panel = panel
        self._saved = settings.alert_book        # the text stored: only a change is written
        self.book = self._load()
        if panel is not None:
            panel.set_book(self.book)
            panel.rules_changed.connect(self._rules_edited)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("FactorDesk")
            self.tray.show()

    def _load(self) -> AlertBook:
        text = self.settings.alert_book
        if text:
            try:
                return AlertBook.from_json(text)
            except ValueError as exc:
                log.warning("saved alert rules are unreadable (%s); using the defaults", exc)
        return AlertBook.from_texts(DEFAULT_RULES)

    def _rules_edited(self) -> None:
        if self.panel is not None:
            self.book = self.panel.book
        self.save()

    def save(self) -> Future | None:
        """Store the rules and their states when they changed (most refreshes change
        nothing), off the main thread (``Settings.write_alert_book``); returns the write."""
        text = self.book.to_json()
        if text == self._saved:
            return None
        self._saved = text
        return self.settings.write_alert_book(text)

    def evaluate(self, snapshot: Snapshot) -> list[str]:
        """Check the rules against ``snapshot``'s headline figures; returns the messages."""
        if self.panel is not None:
            self.book = self.panel.book
        messages = fired_messages(self.book.evaluate(snapshot.headline()), snapshot.source,
                                  snapshot.as_of)
        if self.panel is not None:
            self.panel.record(messages)
        self.save()
        for text in messages:
            log.info("alert: %s", text)
            self.fired.emit(text)
            if self.tray is not None:
                self.tray.showMessage("FactorDesk alert", text)
        return messages
