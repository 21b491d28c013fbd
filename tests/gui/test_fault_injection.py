"""Found by fault injection: bad saved settings, misspelt or pathological alert rules,
exceptions escaping Qt slots, formula injection in CSV copies, rich text in the status bar,
the log file's permissions."""
from __future__ import annotations

import os
import stat
import time

import pandas as pd
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from models.alerts import AlertBook, AlertRule
from models.app import read_setting
from models.scheduler import RefreshScheduler, next_refresh


@pytest.mark.parametrize("key, value", [("alerts/book", "[1]"), ("alerts/book", '{"rules":[1]}'),
                                        ("alerts/book", '{"rules": "x"}'),
                                        ("refresh/minutes", "abc"), ("refresh/minutes", "0"),
                                        ("refresh/paused", "maybe"), ("theme", "neon"),
                                        ("geometry", "not bytes")])
def test_bad_saved_settings_do_not_stop_the_app(make_window, settings, key, value, caplog):
    settings.setValue(key, value)
    settings.sync()
    window = make_window()
    assert window.scheduler.every_minutes >= 1
    assert window.alerts_panel.book.rules, "the default rules when the saved ones are bad"
    assert any("unusable" in r.message or "unreadable" in r.message for r in caplog.records) \
        or key == "geometry"


def test_read_setting_types_and_ranges():
    settings = {"a": "12", "b": "true", "c": "x", "d": "0"}

    class Fake:
        def value(self, key):
            return settings.get(key)

    fake = Fake()
    assert read_setting(fake, "a", 15) == 12 and read_setting(fake, "b", False) is True
    assert read_setting(fake, "c", 15) == 15 and read_setting(fake, "missing", "dark") == "dark"
    assert read_setting(fake, "d", 15, lambda m: m >= 1) == 15


def test_zero_interval_never_divides_by_zero():
    import datetime as dt

    with pytest.raises(ValueError, match="at least 1 minute"):
        next_refresh(dt.datetime(2026, 2, 4, 15, tzinfo=dt.timezone.utc), 0)
    scheduler = RefreshScheduler(lambda: None, lambda: False, every_minutes=0)
    assert scheduler.every_minutes == 1


def test_misspelt_alert_fields_are_rejected_naming_the_known_ones():
    known = {"dispersion.percentile", "momentum.sigma", "gamma.SPY.net_usd_per_pct"}
    with pytest.raises(ValueError, match="did you mean dispersion.percentile"):
        AlertRule.parse("dispersion.percentle > 95", known)
    with pytest.raises(ValueError, match="did you mean momentum.sigma"):
        AlertRule.parse("momentum.Sigma <= -3", known)
    assert AlertRule.parse("momentum.sigma <= -3", known).threshold == -3
    assert AlertRule.parse("crowding.themes.AI power & grid > 90").path == \
        "crowding.themes.AI power & grid"


def test_rule_parsing_is_linear():
    started = time.perf_counter()
    for text in (" " * 8000, "a" * 8000 + " <", "x" + " " * 8000 + "> 1", "<" * 8000):
        with pytest.raises(ValueError):
            AlertRule.parse(text)
    assert time.perf_counter() - started < 0.05


def test_rules_dialog_rejects_an_unknown_figure(qtbot):
    from gui.panels.alerts import RulesDialog

    dialog = RulesDialog(["dispersion.percentle > 95"], known={"dispersion.percentile"})
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.book is None and "did you mean dispersion.percentile" in dialog.error.text()
    assert dialog.error.textFormat() == Qt.PlainText


def test_saved_book_with_wrong_types_is_refused():
    for text in ("[1]", '{"rules": [1]}', '{"rules": "abc"}', '{"active": []}'):
        with pytest.raises(ValueError):
            AlertBook.from_json(text)


def test_csv_copies_cannot_carry_formulas(qtbot, tmp_path, universe, demo_market):
    import dataclasses

    from gui.panels.regions import RegionsPanel
    from models.state import default_compute

    snapshot = default_compute(demo_market, universe)
    table = snapshot.regions.table.copy()
    table.loc["US", "etf"] = "=HYPERLINK(\"http://x\")"
    table = table.rename(index={"Korea": "@SUM(1+1)"})
    regions = dataclasses.replace(snapshot.regions, table=table)
    panel = RegionsPanel()
    qtbot.addWidget(panel)
    panel.render(dataclasses.replace(snapshot, regions=regions))
    frame = pd.read_csv(panel.export_csv(tmp_path / "r.csv"), index_col="Region")
    assert frame.loc["US", "ETF"] == "'=HYPERLINK(\"http://x\")"
    assert "'@SUM(1+1)" in frame.index
    assert pd.api.types.is_float_dtype(frame["1d %"]), "numbers stay numbers (negative ones too)"
    copied = panel.copy_to_clipboard()
    assert "'=HYPERLINK" in copied and "\t=HYPERLINK" not in copied


def test_status_bar_is_plain_text(make_window):
    window = make_window()
    for label in (window.notes_label, window.source_label, window.as_of_label):
        assert label.textFormat() == Qt.PlainText


def test_exception_in_a_slot_shows_one_message_and_the_app_goes_on(make_window, monkeypatch,
                                                                  caplog):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    window = make_window()
    try:
        raise KeyError("boom")
    except KeyError as exc:
        window.report_unexpected(type(exc), exc, exc.__traceback__)
    assert len(shown) == 1 and "boom" in shown[0]
    assert "unexpected error" in caplog.text and "Traceback" in caplog.text


def test_bad_french_row_is_one_clear_message(tmp_path, make_window, monkeypatch):
    path = tmp_path / "F-F.csv"
    path.write_text("header\n\n,Mkt-RF,SMB\n20231229,0.1,0.2\n20231345,0.1,0.2\n")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    window = make_window()
    window.load_factor(path)
    assert shown == ["F-F.csv: row 20231345: not a date (YYYYMMDD)"]


def test_choosing_a_non_data_path_is_one_message(tmp_path, make_window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))

    def select(name):
        raise ValueError(f"unknown data source {name!r}")

    window = make_window(select_source=select)
    window._choose_source(str(tmp_path / "notes.docx"))
    assert len(shown) == 1 and "unknown data source" in shown[0]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_log_file_is_user_readable_only(tmp_path, monkeypatch):
    import logging

    import models.app as app

    monkeypatch.setattr(app, "log_dir", lambda: tmp_path)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = app.setup_logging()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
