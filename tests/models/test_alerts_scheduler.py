"""Alert crossing logic and the market-hours scheduler with a fake clock."""
from __future__ import annotations

import datetime as dt

import pytest

from models.alerts import AlertBook, AlertRule, flatten
from models.scheduler import NEW_YORK, RefreshScheduler, next_refresh


def test_rule_parsing_and_errors():
    rule = AlertRule.parse(" dispersion.percentile > 95 ")
    assert (rule.path, rule.op, rule.threshold) == ("dispersion.percentile", ">", 95.0)
    with pytest.raises(ValueError, match="expected '<figure> <op> <number>'"):
        AlertRule.parse("dispersion is high")


def test_flatten_nested_headline():
    figures = flatten({"gamma": {"SPY": {"net_usd_per_pct": -1.0}}, "source": "demo",
                       "simulated": True, "momentum": {"sigma": None}})
    assert figures == {"gamma.SPY.net_usd_per_pct": -1.0}


def test_fires_once_per_crossing():
    book = AlertBook.from_texts(["momentum.sigma <= -3"])
    values = [-1, -3.5, -4, -3.2, -1, -5, -5]
    fired = [len(book.evaluate({"momentum": {"sigma": v}})) for v in values]
    assert fired == [0, 1, 0, 0, 0, 1, 0]
    assert book.evaluate({"other": 1}) == [], "a missing figure neither fires nor re-arms"
    assert book.evaluate({"momentum": {"sigma": -6}}) == []


def test_book_round_trips_through_json():
    book = AlertBook.from_texts(["dispersion.percentile > 95"])
    book.evaluate({"dispersion": {"percentile": 99}})
    again = AlertBook.from_json(book.to_json())
    assert [r.text for r in again.rules] == ["dispersion.percentile > 95"]
    assert again.evaluate({"dispersion": {"percentile": 99}}) == [], "state persisted"


def ny(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


def test_next_refresh_market_hours():
    assert next_refresh(ny("2026-02-04 09:00"), 15) == ny("2026-02-04 09:30")
    assert next_refresh(ny("2026-02-04 10:07"), 15) == ny("2026-02-04 10:15")
    assert next_refresh(ny("2026-02-04 15:55"), 15) == ny("2026-02-04 16:00")
    assert next_refresh(ny("2026-02-04 16:00"), 15) == ny("2026-02-05 09:30")
    assert next_refresh(ny("2026-02-06 17:00"), 15) == ny("2026-02-09 09:30"), "weekend"


def test_scheduler_with_fake_clock(qtbot):
    now = [ny("2026-02-04 10:07")]
    calls, busy = [], [False]
    scheduler = RefreshScheduler(lambda: calls.append(now[0]), lambda: busy[0], 15,
                                 clock=lambda: now[0])
    texts = []
    scheduler.next_changed.connect(texts.append)
    assert not scheduler.tick() and calls == []
    now[0] = ny("2026-02-04 10:15")
    assert scheduler.tick() and len(calls) == 1
    assert texts[-1] == "next refresh Wed 10:30 ET"
    now[0] = ny("2026-02-04 10:31")
    busy[0] = True
    assert not scheduler.tick(), "no overlap with a running refresh"
    busy[0] = False
    scheduler.set_paused(True)
    now[0] = ny("2026-02-04 11:00")
    assert not scheduler.tick() and texts[-1] == "auto-refresh paused"
    scheduler.set_paused(False)
    assert scheduler.due == ny("2026-02-04 11:15")


def test_a_replay_never_schedules_a_refresh(qtbot):
    now = [ny("2026-02-04 10:07")]
    calls = []
    scheduler = RefreshScheduler(lambda: calls.append(1), lambda: False, 15,
                                 clock=lambda: now[0], replay=True)
    texts = []
    scheduler.next_changed.connect(texts.append)
    scheduler.start()
    now[0] = ny("2026-02-04 10:30")
    assert not scheduler.tick() and calls == []
    assert texts and all(t == "replay of a past day: no scheduled refresh" for t in texts)
    scheduler.timer.stop()


def test_holidays_and_half_days_move_the_next_refresh():
    assert next_refresh(ny("2026-02-13 16:30"), 15) == ny("2026-02-17 09:30")   # Presidents' Day
    assert next_refresh(ny("2026-11-27 12:50"), 15) == ny("2026-11-27 13:00")   # half day close
    assert next_refresh(ny("2026-11-27 13:00"), 15) == ny("2026-11-30 09:30")
