"""The US session clock: open/closed on a fake clock (pre-market, open, after the close,
weekends, holidays, half days) and the exchange's holiday calendar."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.session import (
    NEW_YORK,
    holidays,
    intraday_label,
    is_trading_day,
    next_open,
    session_at,
    session_bars,
)


def ny(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.mark.parametrize("when, session, phase", [
    ("2026-02-04 09:29", "closed", "pre-market"),
    ("2026-02-04 09:30", "open", "open"),
    ("2026-02-04 13:30", "open", "open"),
    ("2026-02-04 15:59", "open", "open"),
    ("2026-02-04 16:00", "closed", "after the close"),
    ("2026-02-07 11:00", "closed", "weekend"),
    ("2026-02-16 11:00", "closed", "holiday"),            # Washington's Birthday
    ("2026-04-03 11:00", "closed", "holiday"),            # Good Friday
    ("2026-11-27 12:59", "open", "open"),                 # day after Thanksgiving: 13:00 close
    ("2026-11-27 13:00", "closed", "after the close"),
    ("2026-12-24 13:05", "closed", "after the close"),    # Christmas Eve half day
])
def test_open_and_closed_on_a_fake_clock(when, session, phase):
    state = session_at(ny(when))
    assert (state.session, state.phase) == (session, phase)


def test_a_utc_clock_is_read_in_new_york_time():
    assert session_at(dt.datetime(2026, 2, 4, 14, 30, tzinfo=dt.UTC)).is_open   # 9:30 EST
    assert session_at(dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.UTC)).is_open   # 9:30 EDT
    assert not session_at(dt.datetime(2026, 7, 1, 13, 29, tzinfo=dt.UTC)).is_open


def test_the_exchange_calendar():
    assert holidays(2026) == {dt.date(2026, m, d) for m, d in (
        (1, 1), (1, 19), (2, 16), (4, 3), (5, 25), (6, 19), (7, 3), (9, 7), (11, 26), (12, 25))}
    assert dt.date(2027, 12, 31) not in holidays(2027)     # New Year 2028 is a Saturday
    assert dt.date(2021, 6, 18) not in holidays(2021)      # Juneteenth from 2022
    assert dt.date(2022, 6, 20) in holidays(2022)          # observed Monday
    assert not is_trading_day(dt.date(2026, 7, 3)) and is_trading_day(dt.date(2026, 7, 2))


def test_elapsed_bars_and_the_next_open():
    state = session_at(ny("2026-02-04 12:45"))
    assert state.elapsed() == pytest.approx(0.5)
    bars = session_bars(dt.date(2026, 2, 4))
    assert len(bars) == 78 and bars[0] == ny("2026-02-04 09:30") and bars[-1] == ny(
        "2026-02-04 15:55")
    assert len(session_bars(dt.date(2026, 11, 27))) == 42
    assert next_open(ny("2026-02-13 16:30")) == ny("2026-02-17 09:30")   # long weekend
    assert next_open(ny("2026-02-04 09:00")) == ny("2026-02-04 09:30")


def test_the_intraday_label():
    assert intraday_label(ny("2026-02-04 11:42"), 15) == "intraday 11:42 ET (15-min delayed)"
    assert intraday_label(dt.datetime(2026, 2, 4, 18, 30, tzinfo=dt.UTC)) == "intraday 13:30 ET"
