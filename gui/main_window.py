"""The main window: composes the docked panels, menus, the status bar, the alerts controller,
the theme and the saved settings around a DashboardState (docs/architecture.md)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
)

import resources
from gui import theme
from gui.alerts_controller import AlertsController
from gui.compact import COMPACT_SHORTCUT, CompactStrip
from gui.docking import LAYOUTS, LazyPanels, PanelDocks, apply_layout, default_layout
from gui.panels import PANELS
from gui.panels.events import EventsPanel
from gui.panels.intraday import IntradayPanel
from gui.settings import Settings
from gui.status_bar import StatusBar
from models.app import version
from models.intraday_feed import IntradayFeed
from models.scheduler import RefreshScheduler
from models.sources.files import FileDataError

log = logging.getLogger(__name__)
DEFAULT_SIZE = (1600, 1000)


def app_icon() -> QIcon:
    """FactorDesk's icon (resources/icon.png, drawn from resources/icon.svg)."""
    return QIcon(str(resources.path("icon.png")))



def _fetch_intraday(tickers: list[str]):
    """Today's 5-minute bars from Yahoo (yfinance is imported here, on the feed's thread)."""
    from models.sources.yahoo import fetch_intraday

    return fetch_intraday(tickers)

class MainWindow(QMainWindow):
    """Docks every registered panel around a DashboardState and mirrors its progress."""

    def __init__(self, state, settings: QSettings | None = None, log_path: Path | None = None,
                 sources: Sequence[tuple[str, str]] = (("demo", "Simulated market (demo)"),),
                 current_source: str = "demo",
                 select_source: Callable[[str], None] | None = None,
                 clear_cache: Callable[[], str] | None = None,
                 select_shares: Callable[[list[str]], None] | None = None,
                 select_options: Callable[[list[str]], None] | None = None) -> None:
        super().__init__()
        self.state = state
        self.settings = Settings(settings)
        self.log_path = log_path
        self.select_source = select_source
        self.select_shares = select_shares
        self.select_options = select_options
        self.clear_cache = clear_cache
        self.setObjectName("FactorDeskMainWindow")
        self.setWindowTitle("FactorDesk")
        self.setWindowIcon(app_icon())
        self.setDockNestingEnabled(True)
        # No AnimatedDocks: with it every change of a dock's size hint (new figures, a wrapped
        # label) is animated, re-laying out the docks and their charts for a quarter of a
        # second on the GUI thread at each refresh (README, "Performance").
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks |
                            QMainWindow.DockOption.AllowNestedDocks)
        self.dock_host = PanelDocks(self)
        self.compact: CompactStrip | None = None
        self.panels: LazyPanels = self.dock_host.panels       # each built when first needed
        self.docks: dict[str, QDockWidget] = self.dock_host.docks
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status.error_clicked.connect(self.show_last_error)
        self._build_menus(sources, current_source)
        self._restore_settings()
        state.snapshot_changed.connect(self._on_snapshot)
        state.refresh_started.connect(self.status.on_refresh_started)
        state.progress.connect(self.status.on_progress)
        state.refresh_failed.connect(self.status.on_failed)
        state.busy_changed.connect(self.status.on_busy)
        if state.busy:                  # a refresh started before the window was built
            self.status.on_refresh_started()
            self.status.on_busy(True)
        self.alerts = AlertsController(self.settings, self.windowIcon(),
                                       self.panels.get("alerts"), parent=self)
        self.alerts.fired.connect(lambda text: self.status.showMessage(f"Alert: {text}", 15_000))
        self.feed = IntradayFeed(_fetch_intraday, lambda: self.state.busy, parent=self)
        self.feed.updated.connect(self._on_intraday)
        self.feed.note.connect(lambda text: self.status.showMessage(text, 30_000))
        self.feed.next_changed.connect(self.status.set_intraday)
        if "intraday" in self.docks:
            self.docks["intraday"].visibilityChanged.connect(self.feed.set_visible)
        self.feed.start()
        self.scheduler = RefreshScheduler(self.state.refresh, self._downloading,
                                          self.settings.refresh_minutes, parent=self,
                                          replay=self.state.request.as_of is not None)
        self.scheduler.next_changed.connect(self.status.set_schedule)
        self.scheduler.set_paused(self.settings.refresh_paused)
        self.pause_action.setChecked(not self.scheduler.paused)
        self.scheduler.start()
        theme.manager().changed.connect(self._on_theme)

    # ------------------------------------------------------------------ construction
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text)
        action.setStatusTip(tip or text)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self, sources: Sequence[tuple[str, str]], current_source: str) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setToolTipsVisible(True)
        self._action(file_menu, "Open data…", self.open_data_dialog, QKeySequence.StandardKey.Open,
                     "Load one or several CSV, CSV.gz or Parquet price files (wide or long) as "
                     "the data source, joined on dates")
        self._action(file_menu, "Open share counts…", self.open_shares_dialog, None,
                     "Load ETF share counts (date, ticker, shares_outstanding; or wide), e.g. "
                     "an issuer's daily history: implied flows and leveraged-ETF assets")
        self._action(file_menu, "Open option chain…", self.open_options_dialog, None,
                     "Load option chains (expiry, strike, kind, open_interest, implied_vol; "
                     "optionally underlying_price, quote_date) for dealer gamma")
        self._action(file_menu, "Load factor history…", self.load_factor_dialog, None,
                     "Load a Ken French daily factor file (published CSV layout) into the "
                     "event study")
        self._action(file_menu, "Export panel as PNG…", self.export_panel_dialog, "Ctrl+E",
                     "Save one panel as a PNG image (with footer and, for simulated data, watermark)")
        self._action(file_menu, "Export all panels…", self.export_all_dialog, "Ctrl+Shift+E",
                     "Save every panel as <panel>.png into a folder")
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit, "Close FactorDesk")

        data_menu = bar.addMenu("&Data")
        data_menu.setToolTipsVisible(True)
        self.refresh_action = self._action(data_menu, "Refresh", self.state.refresh, "F5",
                                           "Reload the data and recompute every panel")
        source_menu = data_menu.addMenu("Source")
        source_menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        for name, label in sources:
            action = QAction(label, self, checkable=True)
            action.setChecked(name == current_source)
            action.setToolTip(f"Use {label} and refresh")
            action.triggered.connect(lambda _=False, n=name: self._choose_source(n))
            group.addAction(action)
            source_menu.addAction(action)
        self.source_group = group
        data_menu.addSeparator()
        self.pause_action = self._action(data_menu, "Auto-refresh during US market hours",
                                         self._toggle_schedule, None,
                                         "Refresh every N minutes between 9:30 and 16:00 New York "
                                         "time (no overlap with a running refresh)")
        self.pause_action.setCheckable(True)
        self._action(data_menu, "Auto-refresh interval…", self.interval_dialog, None,
                     "Minutes between scheduled refreshes")
        self._action(data_menu, "Clear cache", self.clear_cache_dialog, None,
                     "Delete the downloaded Yahoo data; the next refresh downloads it again")

        view_menu = bar.addMenu("&View")
        view_menu.setToolTipsVisible(True)
        for panel_id, dock in self.docks.items():
            toggle = dock.toggleViewAction()
            toggle.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
            toggle.setObjectName(f"toggle_{panel_id}")
            view_menu.addAction(toggle)
        view_menu.addSeparator()
        for number, (panel_id, dock) in enumerate(list(self.docks.items())[:9], start=1):
            self._action(view_menu, f"Go to {dock.windowTitle().replace('&&', '&')}",
                         lambda _=False, pid=panel_id: self.go_to(pid), f"Ctrl+{number}",
                         f"Show the {dock.windowTitle()} panel in front")
        view_menu.addSeparator()
        self.layouts_menu = view_menu.addMenu("Layouts")
        self.layouts_menu.setToolTipsVisible(True)
        self._fill_layouts_menu()
        self._action(view_menu, "Reset layout", self.reset_layout, None,
                     "Restore the default arrangement of panels for this screen")
        self.compact_action = self._action(
            view_menu, "Compact", self.set_compact, COMPACT_SHORTCUT,
            "Swap the window for a small always-on-top strip: the radar's verdict and lights")
        self.compact_action.setCheckable(True)
        theme_menu = view_menu.addMenu("Theme")
        theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in theme.THEMES:
            action = QAction(name.capitalize(), self, checkable=True)
            action.setToolTip(f"Switch to the {name} theme")
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            theme_group.addAction(action)
            theme_menu.addAction(action)
            self.theme_actions[name] = action

        help_menu = bar.addMenu("&Help")
        help_menu.setToolTipsVisible(True)
        self._action(help_menu, "About FactorDesk", self.show_about, None,
                     "Version, log file location and data source")

    # ------------------------------------------------------------------ settings and layout
    def _restore_settings(self) -> None:
        self.set_theme(self.settings.theme, persist=False)
        geometry = self.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*self._screen_size())
        layout = self.settings.window_state
        if layout is None or not self.restoreState(layout):
            self.apply_layout(default_layout(self._screen_size()[0]))

    def save_settings(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.theme = theme.current().name
        self.settings.sync()

    def _screen_size(self) -> tuple[int, int]:
        """The window's first size: the screen's available area (a dock for the day)."""
        screen = QApplication.primaryScreen()
        if screen is None:
            return DEFAULT_SIZE
        available = screen.availableGeometry()
        return available.width(), available.height()

    def reset_layout(self) -> None:
        self.apply_layout(default_layout(self.width()))

    def apply_layout(self, name: str) -> None:
        """A built-in layout (``gui.docking.LAYOUTS``) or one the user saved."""
        if name in LAYOUTS:
            apply_layout(self.dock_host, name)
            return
        state = self.settings.layout(name)
        if state is None or not self.restoreState(state):
            QMessageBox.warning(self, "Layouts", f"The saved layout {name!r} cannot be "
                                "restored; it was made with other panels")

    def go_to(self, panel_id: str) -> None:
        """Show ``panel_id``'s dock in front (Ctrl+1..9)."""
        dock = self.docks[panel_id]
        dock.show()
        dock.raise_()
        self.panels[panel_id].setFocus()

    def set_compact(self, on: bool) -> None:
        """View -> Compact: hide the window and show the always-on-top strip at its top right
        corner (and back). Hidden panels are redrawn when the window returns."""
        self.compact_action.setChecked(on)
        if on:
            if self.compact is None:
                self.compact = CompactStrip()
                self.compact.setWindowIcon(self.windowIcon())
                self.compact.restore_requested.connect(lambda: self.set_compact(False))
                self.compact.quit_requested.connect(self._quit_from_compact)
            if self.state.snapshot is not None:
                self.compact.show_snapshot(self.state.snapshot)
            frame = self.frameGeometry()
            self.compact.move(frame.right() - self.compact.width(), frame.top())
            self.dock_host.deferred = True
            self.hide()
            self.compact.show()
        elif self.compact is not None and self.compact.isVisible():
            self.compact.hide()
            self.dock_host.deferred = False
            self.show()

    def _quit_from_compact(self) -> None:
        """Quit from the strip exactly as File -> Quit does: the full window comes back (so
        its layout, not the strip's, is saved), then closes."""
        self.set_compact(False)
        self.close()

    def _fill_layouts_menu(self) -> None:
        menu = self.layouts_menu
        menu.clear()
        for name in (*LAYOUTS, *self.settings.layout_names()):
            action = menu.addAction(name)
            action.setToolTip(f"Arrange the panels as the {name!r} layout")
            action.triggered.connect(lambda _=False, n=name: self.apply_layout(n))
        menu.addSeparator()
        for text, slot, tip in (("Save current layout as…", self.save_layout_dialog,
                                 "Keep this arrangement of panels under a name"),
                                ("Rename layout…", self.rename_layout_dialog,
                                 "Rename one of your saved layouts"),
                                ("Delete layout…", self.delete_layout_dialog,
                                 "Delete one of your saved layouts")):
            action = menu.addAction(text)
            action.setToolTip(tip)
            action.triggered.connect(slot)

    @staticmethod
    def _layout_name(name: str) -> str:
        name = name.strip()
        if not name or name in LAYOUTS or "/" in name or "\\" in name:
            raise ValueError(f"{name!r}: a layout needs a name of its own, without slashes")
        return name

    def save_layout(self, name: str) -> None:
        """Save the current arrangement as ``name`` (not a built-in name, no slashes)."""
        self.settings.save_layout(self._layout_name(name), self.saveState())
        self._fill_layouts_menu()

    def rename_layout(self, old: str, new: str) -> None:
        state = self.settings.layout(old)
        if state is None:
            raise ValueError(f"no saved layout {old!r}")
        self.settings.save_layout(self._layout_name(new), state)
        self.settings.delete_layout(old)
        self._fill_layouts_menu()

    def delete_layout(self, name: str) -> None:
        self.settings.delete_layout(name)
        self._fill_layouts_menu()

    def save_layout_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save layout", "Name:")
        if ok:
            self._layout_action(lambda: self.save_layout(name))

    def _pick_saved_layout(self, title: str) -> str | None:
        names = self.settings.layout_names()
        if not names:
            QMessageBox.information(self, "Layouts", "No saved layouts yet")
            return None
        name, ok = QInputDialog.getItem(self, title, "Layout:", names, 0, False)
        return name if ok else None

    def rename_layout_dialog(self) -> None:
        old = self._pick_saved_layout("Rename layout")
        if old is not None:
            new, ok = QInputDialog.getText(self, "Rename layout", "New name:", text=old)
            if ok:
                self._layout_action(lambda: self.rename_layout(old, new))

    def delete_layout_dialog(self) -> None:
        name = self._pick_saved_layout("Delete layout")
        if name is not None:
            self.delete_layout(name)

    def _layout_action(self, job: Callable[[], None]) -> None:
        try:
            job()
        except ValueError as exc:
            QMessageBox.warning(self, "Layouts", str(exc))

    def set_theme(self, name: str, persist: bool = True) -> None:
        """Switch theme (charts restyle themselves on ``ThemeManager.changed``)."""
        chosen = theme.THEMES.get(name, theme.DARK)
        theme.apply_theme(chosen)
        if persist:
            self.settings.theme = chosen.name

    def _on_theme(self, chosen: theme.Theme) -> None:
        self.theme_actions[chosen.name].setChecked(True)
        if self.state.snapshot is not None:
            self.render_snapshot(self.state.snapshot)

    # ------------------------------------------------------------------ state -> widgets
    def _on_snapshot(self, snapshot) -> None:
        """A new refresh result: check the alert rules once, then show it."""
        self.alerts.evaluate(snapshot)
        self.render_snapshot(snapshot)

    def _downloading(self) -> bool:
        """A refresh or the intraday feed is downloading (the scheduler never starts a second)."""
        return self.state.busy or self.feed.running

    def _on_intraday(self, view) -> None:
        """Live 5-minute bars arrived: redraw the intraday chart only."""
        panel = self.panels.built("intraday")
        if isinstance(panel, IntradayPanel) and panel.snapshot is not None:
            panel.show_live(view)

    def render_snapshot(self, snapshot) -> None:
        """Show ``snapshot`` in the panels (``PanelDocks``), the status bar and the title."""
        self.feed.set_snapshot(snapshot)
        self.scheduler.hold(f"simulated session at {snapshot.as_of_time:%H:%M} ET: no "
                            "scheduled refresh" if snapshot.simulated and
                            snapshot.as_of_time is not None else "")
        self.dock_host.show_snapshot(snapshot)
        self.status.show_snapshot(snapshot)
        if self.compact is not None:
            self.compact.show_snapshot(snapshot)
        title = f"FactorDesk — {snapshot.source} — as of {snapshot.as_of:%Y-%m-%d}"
        self.setWindowTitle(title + (" — SIMULATED" if snapshot.simulated else ""))

    @property
    def rendering(self) -> bool:
        """True while visible panels are still being drawn from the latest snapshot."""
        return self.dock_host.rendering

    def show_last_error(self) -> None:
        if self.state.last_error is None:
            self.status.clear_error()
            return
        message, tb = self.state.last_error
        box = QMessageBox(QMessageBox.Icon.Warning, "Refresh failed", message, parent=self)
        box.setInformativeText("The previous data stays on screen. "
                               f"Details are in the log: {self.log_path or 'n/a'}")
        box.setDetailedText(tb)
        box.exec()

    def _toggle_schedule(self, checked: bool) -> None:
        self.scheduler.set_paused(not checked)
        self.settings.refresh_paused = not checked

    def interval_dialog(self) -> None:
        minutes, ok = QInputDialog.getInt(self, "Auto-refresh", "Minutes between refreshes:",
                                          self.scheduler.every_minutes, 1, 240)
        if ok:
            self.scheduler.set_interval(minutes)
            self.settings.refresh_minutes = minutes

    def load_factor_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load factor history", "",
                                              "French CSV (*.csv *.CSV *.txt)")
        if path:
            self.load_factor(path)

    def load_factor(self, path: str | Path):
        """Read a French daily factor file on a worker thread, then show it in the event
        study; a bad file is one message naming it. Returns the (started) worker."""
        from superqt.utils import create_worker

        from models.sources.french import read_french_daily

        def loaded(series) -> None:
            events = self.panels.get("events")
            if isinstance(events, EventsPanel):
                events.add_series(f"{series.name} ({Path(path).name})", series)
                self.docks["events"].show()
                self.docks["events"].raise_()

        def failed(exc: Exception) -> None:
            if isinstance(exc, (FileDataError, OSError)):
                QMessageBox.warning(self, "Load factor history", str(exc))
            else:
                self.report_unexpected(type(exc), exc, exc.__traceback__)

        return create_worker(read_french_daily, path,
                             _connect={"returned": loaded, "errored": failed})

    def open_data_dialog(self) -> None:
        """One or several price files (joined on dates; select several with Ctrl/Shift)."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open price data", "", "Price files (*.csv *.csv.gz *.gz *.parquet *.pq)")
        if paths:
            for action in self.source_group.actions():
                action.setChecked(False)
            self._choose_source(";".join(paths))

    def open_shares_dialog(self) -> None:
        self._open_side_files("Open share counts", "Share-count files", self.select_shares)

    def open_options_dialog(self) -> None:
        self._open_side_files("Open option chain", "Option chains", self.select_options)

    def _open_side_files(self, title: str, kind: str, select) -> None:
        """Files that join any source (share counts, option chains), then a refresh."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, title, "", f"{kind} (*.csv *.csv.gz *.gz *.parquet *.pq)")
        if paths and select is not None:
            select(paths)
            self.state.refresh()

    def clear_cache_dialog(self) -> None:
        if self.clear_cache is None:
            return
        running = self.state.busy
        answer = QMessageBox.question(self, "Clear cache",
                                      "Delete the downloaded market data? The next refresh "
                                      "downloads it again."
                                      + (" The refresh now running is cancelled first."
                                         if running else ""))
        if answer != QMessageBox.StandardButton.Yes:
            return
        stopped = self.state.shutdown(2000) if running else True
        try:
            path = self.clear_cache()
        except OSError as exc:
            QMessageBox.warning(self, "Clear cache", f"The cache could not be cleared: {exc}")
            return
        words = ("Cancelled the running refresh; cache cleared: " if running and stopped else
                 "A refresh could not be stopped (it will not write a partial cache); cache "
                 "cleared: " if running else "Cache cleared: ")
        self.status.showMessage(words + path, 8000)

    def _choose_source(self, name: str) -> None:
        if self.select_source is not None:
            try:
                self.select_source(name)
            except ValueError as exc:           # not a data file, unknown name
                QMessageBox.warning(self, "Open data", str(exc))
                return
        self.state.refresh()

    # ------------------------------------------------------------------ export and dialogs
    def export_panel(self, panel_id: str, path: str | Path, width: int = 1600,
                     height: int = 900) -> Path:
        """Export one panel with the latest data, even if it is hidden and was never drawn."""
        return self.panels[panel_id].export_png(path, width, height, self.state.snapshot)

    def export_all(self, directory: str | Path) -> list[Path]:
        from gui.export import PngWriter, export_panel

        with PngWriter() as writer:
            return [export_panel(panel, Path(directory) / f"{pid}.png",
                                 snapshot=self.state.snapshot, writer=writer)
                    for pid, panel in self.panels.items()]

    def _active_panel_id(self) -> str:
        """The panel holding the keyboard focus (only a built one can), else the first."""
        focus = QApplication.focusWidget()
        for panel_id in self.panels:
            panel = self.panels.built(panel_id)
            if focus is not None and panel is not None and panel.isAncestorOf(focus):
                return panel_id
        return next(iter(self.panels))

    def export_panel_dialog(self) -> None:
        titles = {cls.title: cls.panel_id for cls in PANELS}      # without building them
        current = next(t for t, pid in titles.items() if pid == self._active_panel_id())
        names = list(titles)
        title, ok = QInputDialog.getItem(self, "Export panel", "Panel:", names,
                                         names.index(current), False)
        if not ok:
            return
        panel_id = titles[title]
        path, _ = QFileDialog.getSaveFileName(self, "Export panel as PNG", f"{panel_id}.png",
                                              "PNG image (*.png)")
        if path:
            self._report_export(lambda: [self.export_panel(panel_id, path)])

    def export_all_dialog(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, "Export all panels to folder")
        if directory:
            self._report_export(lambda: self.export_all(directory))

    def _report_export(self, job: Callable[[], list[Path]]) -> None:
        try:
            paths = job()
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        self.status.showMessage(f"Exported {len(paths)} PNG file(s) to {paths[0].parent}", 8000)

    def report_unexpected(self, kind, exc, tb) -> None:
        """``sys.excepthook`` for the GUI: an exception that escaped a Qt slot is logged with
        its traceback and shown once, in one message; the app goes on."""
        import traceback

        log.error("unexpected error: %s", "".join(traceback.format_exception(kind, exc, tb)))
        if getattr(self, "_reporting", False):
            return
        self._reporting = True
        try:
            QMessageBox.warning(self, "FactorDesk", f"Something went wrong: {exc}\n\nThe app "
                                "goes on; details are in the log: "
                                f"{self.log_path or 'n/a'}")
        finally:
            self._reporting = False

    def show_about(self) -> None:
        snapshot = self.state.snapshot
        source = "none yet" if snapshot is None else \
            f"{snapshot.source}{' (SIMULATED)' if snapshot.simulated else ''}, as of " \
            f"{snapshot.as_of:%Y-%m-%d}"
        QMessageBox.about(self, "About FactorDesk",
                          f"<b>FactorDesk {version()}</b><br>Momentum-crash, crowding, "
                          f"mechanical-flow and rotation monitor.<br><br>Data: {source}<br>"
                          f"Log file: {self.log_path or 'n/a'}")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.save_settings()
        self.feed.timer.stop()
        if self.compact is not None:
            self.compact.deleteLater()
            self.compact = None
        if not self.state.shutdown(1000):       # then abandoned: main.py exits without it
            log.warning("a refresh was still running at exit")
        super().closeEvent(event)
