"""The live intraday feed on a fake clock and a fake download: bars only while the panel is
shown and the market open, never two downloads at once, a failure is one note and leaves the
dashboard alone."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pandas as pd
import pytest

from analytics.session import NEW_YORK
from models.intraday_feed import IntradayFeed


@pytest.fixture(scope="module")
def session(universe):
    from models.sources.demo import DemoSource
    from models.state import default_compute

    market = DemoSource(seed=7, end="2026-02-06", intraday="13:30").load(universe)
    snapshot = default_compute(market, universe)
    # as a live source would give it: no bars yet, not simulated
    return dataclasses.replace(snapshot, simulated=False, intraday=None), market.intraday


def ny(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-02-04 {text}").replace(tzinfo=NEW_YORK)


def test_bars_only_while_shown_and_open(qtbot, session):
    snapshot, bars = session
    now = [ny("13:31")]
    asked = []

    def fetch(tickers):
        asked.append(list(tickers))
        return bars[[t for t in tickers if t in bars.columns]], []

    feed = IntradayFeed(fetch, clock=lambda: now[0])
    views = []
    feed.updated.connect(views.append)
    feed.set_snapshot(snapshot)
    assert not feed.tick() and asked == [], "no download while the panel is hidden"
    with qtbot.waitSignal(feed.updated, timeout=5000):
        feed.set_visible(True)
    assert len(asked) == 1 and set(asked[0]) == set(snapshot.intraday_basis.tickers)
    view = views[-1]
    assert view.last["Momentum L/S"] == pytest.approx(snapshot.momentum.today.long_short,
                                                      abs=1e-14)
    assert view.as_of_time == pd.Timestamp("2026-02-04 13:31", tz=NEW_YORK)
    assert not feed.tick(), "not due again before 5 minutes"
    now[0] = ny("13:36")
    feed.set_visible(False)
    assert not feed.tick() and len(asked) == 1
    now[0] = ny("16:05")
    feed.set_visible(True)
    assert not feed.tick() and len(asked) == 1, "none after the close"


def test_never_two_at_once_and_a_failure_is_one_note(qtbot, session):
    snapshot, _ = session
    release = threading.Event()
    calls = []

    def fetch(tickers):
        calls.append(1)
        release.wait(5)
        raise ConnectionError("reset by peer")

    now = [ny("11:00")]
    feed = IntradayFeed(fetch, clock=lambda: now[0])
    notes = []
    feed.note.connect(notes.append)
    feed.set_snapshot(snapshot)
    feed.visible = True
    assert feed.tick()
    now[0] = ny("11:10")
    assert not feed.tick(), "a download is still running"
    with qtbot.waitSignal(feed.note, timeout=5000):
        release.set()
    feed.wait()
    assert calls == [1]
    assert notes == ["intraday chart: intraday bars failed: reset by peer (the daily dashboard "
                     "is unaffected)"]
    busy = IntradayFeed(fetch, busy=lambda: True, clock=lambda: now[0])
    busy.set_snapshot(snapshot)
    busy.visible = True
    assert not busy.tick(), "none while a full refresh runs"
