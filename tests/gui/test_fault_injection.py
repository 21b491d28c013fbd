"""Found by fault injection: bad saved settings, misspelt or pathological alert rules,
exceptions escaping Qt slots, formula injection in CSV copies, rich text in the status bar,
the log file's permissions."""
from __future__ import annotations

import os
import stat
import time

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from models.alerts import AlertBook, AlertRule
from models.app import read_setting
from models.scheduler import RefreshScheduler, next_refresh

BAD_SETTINGS = (
    {"alerts/book": "[1]", "refresh/minutes": "abc", "refresh/paused": "maybe",
     "theme": "neon", "geometry": "not bytes"},
    {"alerts/book": '{"rules":[1]}', "refresh/minutes": "0", "windowState": "x"},
    {"alerts/book": '{"rules": "x"}', "refresh/minutes": "-5"},
)


@pytest.mark.parametrize("values", BAD_SETTINGS, ids=["types", "zero", "negative"])
def test_bad_saved_settings_do_not_stop_the_app(make_window, settings, values, caplog):
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()
    window = make_window()
    assert window.scheduler.every_minutes == 15
    assert window.panels["alerts"].book.rules, "the default rules when the saved ones are bad"
    warned = " ".join(r.message for r in caplog.records)
    assert "alert rules are unreadable" in warned and "refresh/minutes" in warned


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
        next_refresh(dt.datetime(2026, 2, 4, 15, tzinfo=dt.UTC), 0)
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
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText


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
    panel.show_snapshot(dataclasses.replace(snapshot, regions=regions))
    frame = pd.read_csv(panel.export_csv(tmp_path / "r.csv"), index_col="Region")
    assert frame.loc["US", "ETF"] == "'=HYPERLINK(\"http://x\")"
    assert "'@SUM(1+1)" in frame.index
    assert pd.api.types.is_float_dtype(frame["1d %"]), "numbers stay numbers (negative ones too)"
    copied = panel.copy_to_clipboard()
    assert "'=HYPERLINK" in copied and "\t=HYPERLINK" not in copied


def test_slot_faults_are_one_message_each(make_window, monkeypatch, tmp_path, caplog, qtbot):
    """One window: the status bar is plain text; an exception escaping a slot is logged and
    shown once; a bad French date row and a non-data path are one clear message each."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))

    def select(name):
        raise ValueError(f"unknown data source {name!r}")

    window = make_window(select_source=select)
    for label in (window.status.notes_label, window.status.source_label, window.status.as_of_label):
        assert label.textFormat() == Qt.TextFormat.PlainText
    try:
        raise KeyError("boom")
    except KeyError as exc:
        window.report_unexpected(type(exc), exc, exc.__traceback__)
    assert len(shown) == 1 and "boom" in shown[0]
    assert "unexpected error" in caplog.text and "Traceback" in caplog.text
    path = tmp_path / "F-F.csv"
    path.write_text("header\n\n,Mkt-RF,SMB\n20231229,0.1,0.2\n20231345,0.1,0.2\n")
    window.load_factor(path)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)
    assert shown[1] == "F-F.csv: row 20231345: not a date (YYYYMMDD)"
    window._choose_source(str(tmp_path / "notes.docx"))
    assert len(shown) == 3 and "unknown data source" in shown[2]


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
