"""Alerts: the user's rules on headline figures and the log of what fired."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from analytics.snapshot import Snapshot
from gui.panels.base import Panel, headline_label, note_label
from models.alerts import AlertBook, flatten


class RulesDialog(QDialog):
    """Edit rules, one per line; OK only when every line parses and names a figure the
    current snapshot has (``known``; None before the first snapshot)."""

    def __init__(self, texts: list[str], parent: QWidget | None = None,
                 known: set[str] | None = None) -> None:
        super().__init__(parent)
        self.known = known
        self.setWindowTitle("Alert rules")
        self.editor = QPlainTextEdit("\n".join(texts))
        self.error = QLabel("")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note_label("One rule per line: <figure> <op> <number>, figures as in "
                                    "snapshot.json, e.g. 'momentum.sigma <= -3', "
                                    "'dispersion.percentile > 95', 'gamma.SPY.net_usd_per_pct < 0'."
                                    " A rule fires once when it becomes true, again only after "
                                    "it has been false."))
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.book: AlertBook | None = None

    def texts(self) -> list[str]:
        return [line.strip() for line in self.editor.toPlainText().splitlines() if line.strip()]

    def accept(self) -> None:
        try:
            self.book = AlertBook.from_texts(self.texts(), self.known)
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


class AlertsPanel(Panel[Snapshot]):
    panel_id = "alerts"
    title = "Alerts"
    description = "Alert rules on headline figures and the log of alerts that fired."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    rules_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = AlertBook()
        self.heading = headline_label("Alerts: no rule has fired", bigger=1)
        self.rules = QListWidget()
        self.rules.setToolTip("Active rules (Edit rules… to change them)")
        self.log = QListWidget()
        self.log.setToolTip("Alerts that fired, newest first")
        edit = QPushButton("Edit rules…")
        edit.setToolTip("Add, change or remove alert rules")
        edit.clicked.connect(self.edit_rules)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(QLabel("Rules"))
        layout.addWidget(self.rules)
        layout.addWidget(edit, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("Log"))
        layout.addWidget(self.log, 1)

    def view_state(self) -> dict:
        return {"book": self.book.to_json(),
                "log": [self.log.item(i).text() for i in range(self.log.count())],
                "heading": self.heading.text()}

    def apply_view_state(self, state: dict) -> None:
        if "book" in state:
            self.set_book(AlertBook.from_json(state["book"]))
            self.log.addItems(state["log"])
            self.heading.setText(state["heading"])

    def set_book(self, book: AlertBook) -> None:
        self.book = book
        self.rules.clear()
        self.rules.addItems([r.text for r in book.rules])

    def record(self, messages: list[str]) -> None:
        """Add the alerts that fired at a refresh (``models.alerts.fired_messages``) to the
        log, newest first."""
        for message in messages:
            self.log.insertItem(0, message)
        if messages:
            self.heading.setText(f"Alerts: {len(messages)} fired at the last refresh")

    def edit_rules(self) -> None:
        known = set(flatten(self.snapshot.headline())) if self.snapshot is not None else None
        dialog = RulesDialog([r.text for r in self.book.rules], self, known)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.book is not None:
            dialog.book.active = {k: v for k, v in self.book.active.items()
                                  if k in {r.text for r in dialog.book.rules}}
            self.set_book(dialog.book)
            self.rules_changed.emit()
