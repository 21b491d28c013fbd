"""Typed access to the saved settings (QSettings): every key, its type, default and valid range
in one place, and a version so a later release can migrate what an older one saved."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache

from PySide6.QtCore import QByteArray, QSettings

from models.app import read_setting

VERSION = 1                 # bump with a migration in ``Settings.__init__`` when keys change
REFRESH_MINUTES = (1, 240)  # allowed auto-refresh interval


@cache
def _writer() -> ThreadPoolExecutor:
    """The one thread that writes settings in the background (``write_alert_book``)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings-writer")


class Settings:
    """The app's settings. Unreadable or out-of-range values fall back to the default with one
    logged warning (``models.app.read_setting``); nothing here raises."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings("FactorDesk", "FactorDesk")
        if read_setting(self.store, "settings/version", 0) != VERSION:
            self.store.setValue("settings/version", VERSION)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) else None

    @property
    def theme(self) -> str:
        from gui.theme import THEMES

        return read_setting(self.store, "theme", "dark", lambda name: name in THEMES)

    @theme.setter
    def theme(self, name: str) -> None:
        self.store.setValue("theme", name)

    @property
    def refresh_minutes(self) -> int:
        low, high = REFRESH_MINUTES
        return read_setting(self.store, "refresh/minutes", 15, lambda m: low <= m <= high)

    @refresh_minutes.setter
    def refresh_minutes(self, minutes: int) -> None:
        self.store.setValue("refresh/minutes", int(minutes))

    @property
    def refresh_paused(self) -> bool:
        return read_setting(self.store, "refresh/paused", False)

    @refresh_paused.setter
    def refresh_paused(self, paused: bool) -> None:
        self.store.setValue("refresh/paused", "true" if paused else "false")

    @property
    def alert_book(self) -> str:
        """The alert rules and their state as saved (``AlertBook.to_json``), or ''."""
        return read_setting(self.store, "alerts/book", "")

    @alert_book.setter
    def alert_book(self, text: str) -> None:
        self.store.setValue("alerts/book", text)

    def write_alert_book(self, text: str) -> Future:
        """Store the alert rules and their states off the main thread: a settings write is a
        file write and a sync to disk, and on the main thread it held the window 124 ms in
        the first refresh of a fresh start. One writer thread for the app keeps the writes in
        order; another QSettings on the same file sees the new value at once (Qt shares one
        in-process cache per file). Returns the write's future."""
        name, kind = self.store.fileName(), self.store.format()

        def write() -> None:
            store = QSettings(name, kind)
            store.setValue("alerts/book", text)
            store.sync()

        return _writer().submit(write)

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("geometry")

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("windowState")

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("geometry", geometry)
        self.store.setValue("windowState", state)

    def layout_names(self) -> list[str]:
        """The user's saved layouts, by name."""
        self.store.beginGroup("layouts")
        try:
            return sorted(self.store.childKeys())
        finally:
            self.store.endGroup()

    def layout(self, name: str) -> QByteArray | None:
        return self._bytes(f"layouts/{name}")

    def save_layout(self, name: str, state: QByteArray) -> None:
        self.store.setValue(f"layouts/{name}", state)

    def delete_layout(self, name: str) -> None:
        self.store.remove(f"layouts/{name}")

    def sync(self) -> None:
        self.store.sync()
