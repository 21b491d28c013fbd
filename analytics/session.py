"""The US equity session: is the market open now, and what does the last row of prices mean
(docs/methods.md, "Intraday mode").

NYSE regular hours are 9:30-16:00 New York time, Monday to Friday, closed on the exchange's
holidays and closing at 13:00 on its half days. The holiday rules are the exchange's (New
Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday, Memorial Day,
Juneteenth from 2022, Independence Day, Labor Day, Thanksgiving, Christmas; a Saturday holiday
is observed on the Friday before, a Sunday one on the Monday after, except that New Year's Day
on a Saturday is not moved into the old year). Half days: the day before Independence Day,
the day after Thanksgiving and Christmas Eve, when they are trading days. Pure functions of
a clock: every caller passes ``now``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
OPEN, CLOSE, HALF_DAY_CLOSE = dt.time(9, 30), dt.time(16, 0), dt.time(13, 0)
BAR_MINUTES = 5


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month = (h + j - 7 * m + 114) // 31
    day = (h + j - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month; ``n = -1`` for the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[dt.date]:
    """The exchange's full-day closures in ``year``."""
    days = {
        _nth_weekday(year, 1, 0, 3),                 # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),                 # Washington's Birthday
        _easter(year) - dt.timedelta(days=2),        # Good Friday
        _nth_weekday(year, 5, 0, -1),                # Memorial Day
        _observed(dt.date(year, 7, 4)),              # Independence Day
        _nth_weekday(year, 9, 0, 1),                 # Labor Day
        _nth_weekday(year, 11, 3, 4),                # Thanksgiving
        _observed(dt.date(year, 12, 25)),            # Christmas
    }
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:                      # Saturday: not observed the Friday before
        days.add(_observed(new_year))
    if year >= 2022:
        days.add(_observed(dt.date(year, 6, 19)))    # Juneteenth
    return frozenset(days)


def is_trading_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def close_time(day: dt.date) -> dt.time:
    """The regular close of a trading day: 13:00 on half days, 16:00 otherwise."""
    thanksgiving = _nth_weekday(day.year, 11, 3, 4)
    half = {dt.date(day.year, 7, 3), thanksgiving + dt.timedelta(days=1),
            dt.date(day.year, 12, 24)}
    return HALF_DAY_CLOSE if day in half and is_trading_day(day) else CLOSE


@dataclass(frozen=True)
class Session:
    """The market at one moment: ``session`` "open" (regular hours) or "closed"; ``phase``
    in words ("open", "pre-market", "after the close", "weekend", "holiday"); ``day`` the New
    York date; ``opens`` / ``closes`` that day's regular hours (None on a closed day);
    ``now`` the moment in New York time."""

    session: str
    phase: str
    day: dt.date
    opens: dt.datetime | None
    closes: dt.datetime | None
    now: dt.datetime

    @property
    def is_open(self) -> bool:
        return self.session == "open"

    def elapsed(self) -> float:
        """The share of today's regular session gone by (0 before the open, 1 after it)."""
        if self.opens is None or self.closes is None:
            return 0.0
        span = (self.closes - self.opens).total_seconds()
        return min(max((self.now - self.opens).total_seconds() / span, 0.0), 1.0)


def session_at(now: dt.datetime) -> Session:
    """The session at ``now`` (an aware datetime; naive is taken as UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    local = now.astimezone(NEW_YORK)
    day = local.date()
    if day.weekday() >= 5:
        return Session("closed", "weekend", day, None, None, local)
    if not is_trading_day(day):
        return Session("closed", "holiday", day, None, None, local)
    opens = dt.datetime.combine(day, OPEN, NEW_YORK)
    closes = dt.datetime.combine(day, close_time(day), NEW_YORK)
    if local < opens:
        return Session("closed", "pre-market", day, opens, closes, local)
    if local >= closes:
        return Session("closed", "after the close", day, opens, closes, local)
    return Session("open", "open", day, opens, closes, local)


def next_open(now: dt.datetime) -> dt.datetime:
    """The next regular open strictly after ``now`` (New York time)."""
    local = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(NEW_YORK)
    day = local.date()
    for _ in range(15):
        if is_trading_day(day):
            opens = dt.datetime.combine(day, OPEN, NEW_YORK)
            if opens > local:
                return opens
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: a trading day comes within two weeks")


def session_bars(day: dt.date) -> list[dt.datetime]:
    """The start times of a trading day's 5-minute bars (Yahoo labels a bar by its start:
    9:30, 9:35, ..., 15:55 on a full day, 78 bars)."""
    opens = dt.datetime.combine(day, OPEN, NEW_YORK)
    closes = dt.datetime.combine(day, close_time(day), NEW_YORK)
    count = int((closes - opens).total_seconds() // (60 * BAR_MINUTES))
    return [opens + dt.timedelta(minutes=BAR_MINUTES * i) for i in range(count)]


def intraday_label(as_of_time: dt.datetime, delay_minutes: int = 0) -> str:
    """'intraday 11:42 ET (15-min delayed)': how a partial day is named wherever it shows."""
    local = as_of_time.astimezone(NEW_YORK)
    delay = f" ({delay_minutes}-min delayed)" if delay_minutes else ""
    return f"intraday {local:%H:%M} ET{delay}"
