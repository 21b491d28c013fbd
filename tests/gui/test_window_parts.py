"""The window's parts on their own: the theme manager's signal, the typed settings, the
alerts controller without an Alerts panel, and the app icon."""
from __future__ import annotations

from concurrent.futures import Future

import pandas as pd
from PySide6.QtCore import QSettings

from gui import theme
from gui.alerts_controller import AlertsController
from gui.main_window import app_icon
from gui.settings import VERSION, Settings
from gui.widgets.chart import TimeSeriesChart
from models.alerts import AlertBook


def test_charts_follow_the_theme_signal(qtbot):
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    chart.set_frame(pd.DataFrame({"a": [0.01, 0.02]}, index=pd.bdate_range("2026-01-01",
                                                                            periods=2)))
    seen = []
    theme.manager().changed.connect(seen.append)
    try:
        theme.apply_theme(theme.LIGHT)
        assert seen == [theme.LIGHT] and theme.current() is theme.LIGHT
        assert chart._curves == {}, "curves are redrawn in the new series colours"
        assert chart.plot.backgroundBrush().color().name() == theme.LIGHT.base
    finally:
        theme.apply_theme(theme.DARK)
        theme.manager().changed.disconnect(seen.append)


def test_settings_defaults_types_and_version(tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings = Settings(store)
    assert store.value("settings/version") in (VERSION, str(VERSION))
    assert (settings.theme, settings.refresh_minutes, settings.refresh_paused) == \
        ("dark", 15, False)
    assert settings.geometry is None and settings.window_state is None
    settings.theme, settings.refresh_minutes, settings.refresh_paused = "light", 5, True
    settings.sync()
    again = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert (again.theme, again.refresh_minutes, again.refresh_paused) == ("light", 5, True)
    store.setValue("refresh/minutes", 100_000)
    store.setValue("theme", "neon")
    assert settings.refresh_minutes == 15 and settings.theme == "dark"


def test_alerts_fire_without_a_panel(qtbot, tmp_path, crash):
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    settings.alert_book = AlertBook.from_texts(["momentum.sigma <= -3"]).to_json()
    controller = AlertsController(settings, app_icon())
    fired = []
    controller.fired.connect(fired.append)
    messages = controller.evaluate(crash)
    assert len(messages) == 1 and fired == messages
    assert "momentum.sigma <= -3" in messages[0] and "as of 2026-02-04" in messages[0]
    assert controller.save() is None, "written by the evaluation that changed it"
    assert controller.evaluate(crash) == [], "fires once per crossing"
    assert controller.save() is None, "nothing changed, nothing written"
    controller.book = AlertBook.from_texts(["momentum.sigma <= -5"])
    written = controller.save()
    assert isinstance(written, Future), "written off the main thread (a sync to disk)"
    written.result(5)
    reread = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert "momentum.sigma <= -5" in reread.value("alerts/book")
    assert not AlertBook.from_json(settings.alert_book).active, "the new book, not armed"


def test_the_app_has_an_icon(qtbot):
    icon = app_icon()
    assert not icon.isNull() and icon.availableSizes()
