"""The simulated session (--source demo --intraday HH:MM): consistent with the daily model,
the crash unfolding through the day, replays never intraday."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.session import NEW_YORK
from models.sources.demo import DemoSource, parse_session_time


@pytest.fixture(scope="module")
def days(universe):
    daily = DemoSource(seed=7, end="2026-02-06").load(universe)
    full = DemoSource(seed=7, end="2026-02-06", intraday="16:00").load(universe)
    midday = DemoSource(seed=7, end="2026-02-06", intraday="13:30").load(universe)
    return daily, full, midday


def test_the_session_is_the_daily_model_seen_through_the_day(days):
    daily, full, midday = days
    crash = pd.Timestamp("2026-02-04")
    assert midday.close.index[-1] == crash and midday.as_of == crash
    pd.testing.assert_frame_equal(midday.close.iloc[:-1], daily.close.loc[:"2026-02-03"])
    np.testing.assert_array_equal(full.close.iloc[-1].to_numpy(),
                                  daily.close.loc[crash].to_numpy())
    assert full.session == "closed" and full.as_of_time is None and len(full.intraday) == 78
    assert midday.session == "open"
    assert midday.as_of_time == pd.Timestamp("2026-02-04 13:30", tz=NEW_YORK)
    assert len(midday.intraday) == 48 and midday.intraday.index[-1] == pd.Timestamp(
        "2026-02-04 13:25", tz=NEW_YORK)
    np.testing.assert_array_equal(midday.close.iloc[-1].to_numpy(),
                                  midday.intraday.iloc[-1].to_numpy())
    pd.testing.assert_frame_equal(midday.intraday, full.intraday.iloc[:48])
    fund = "SOXL"
    move = midday.close[fund].iloc[-1] / midday.close[fund].iloc[-2] - 1
    under = midday.close["SOXX"].iloc[-1] / midday.close["SOXX"].iloc[-2] - 1
    assert move == pytest.approx(3 * under, abs=5e-4), "a leveraged fund follows 3x so far"


def test_the_crash_drifts_down_then_accelerates_after_midday(universe, days):
    from models.state import default_compute

    _, full, _ = days
    path = default_compute(full, universe).intraday.paths["Momentum L/S"]
    at = {t: path.loc[pd.Timestamp(f"2026-02-04 {t}", tz=NEW_YORK)]
          for t in ("09:30", "12:45", "16:00")}
    morning, afternoon = at["12:45"] - at["09:30"], at["16:00"] - at["12:45"]
    assert morning < 0 and afternoon < 2 * morning, "most of the fall comes after midday"
    assert (path.diff().iloc[1:40] < 0).mean() > 0.6, "a drift down from the open"


def test_a_replay_is_never_intraday(days):
    _, _, midday = days
    replay = midday.until("2026-02-03")
    assert replay.intraday is None and replay.as_of_time is None and replay.session == "closed"


@pytest.mark.parametrize("text, message", [("9:00", "runs from 09:35"),
                                           ("16:05", "runs from 09:35"),
                                           ("noon", "cannot read 'noon' as a time")])
def test_bad_session_times_name_the_flag(text, message):
    with pytest.raises(ValueError, match=message):
        parse_session_time(text)
    assert parse_session_time("13:30").hour == 13
