"""Bad prints that reverse, series breaks, provisional spikes and returns across data gaps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.cleaning import SPIKE_FLOOR, _moves_over_floor, gap_returns, reversed_spikes
from analytics.regimes import period_returns
from tests.analytics.causality import with_future


def panel(days: int = 60, names: int = 30, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.01, (days, names))
    return pd.DataFrame(50 * np.exp(steps.cumsum(axis=0)), index=pd.bdate_range("2024-01-01",
                        periods=days), columns=[f"T{i}" for i in range(names)])


def test_a_reversing_spike_is_blanked_and_listed():
    prices = panel()
    before = prices.iloc[20, 3] / prices.iloc[19, 3]
    prices.iloc[20, 3] *= 27.3                 # x27.3 for one day (NVR-like print)
    prices.iloc[40, 5] *= 0.1                  # close at a tenth for one day (Huge-dataset EIX)
    prices.iloc[30:, 7] *= 1.3                 # +30% that stays: a real move, kept
    out = reversed_spikes(prices)
    assert list(zip(out.excluded["ticker"], out.excluded["date"])) == [
        ("T3", prices.index[20]), ("T5", prices.index[40])]
    assert (out.excluded["kind"] == "bad print").all()
    assert out.excluded["ret"].iloc[0] == pytest.approx(27.3 * before - 1)
    assert np.isnan(out.prices.iloc[20, 3]) and np.isnan(out.prices.iloc[40, 5])
    untouched = out.prices.drop(columns=["T3", "T5"])
    pd.testing.assert_frame_equal(untouched, prices.drop(columns=["T3", "T5"]))
    assert out.prices.iloc[30, 7] == prices.iloc[30, 7]
    note = out.notes()[0]
    assert note.startswith("excluded 2 bad print(s) that reversed the next day")
    assert f"T3 2024-01-29 ({100 * (27.3 * before - 1):+.0f}%)" in note and "T5 2024-02-26" in note


def test_a_fifteen_mad_spike_that_reverses_is_blanked():
    prices = panel()
    prices.iloc[25, 2] *= 1.25                 # +25% on a 1%-MAD day, undone the next day
    out = reversed_spikes(prices)
    assert list(out.excluded["ticker"]) == ["T2"]
    prices = panel()
    prices.iloc[25:, 2] *= 1.25                # the same move kept: not a print
    assert reversed_spikes(prices).excluded.empty


def test_a_tenfold_move_that_stays_is_a_series_break():
    prices = panel()
    prices.iloc[30:, 4] *= 27.33               # a reorganisation or unit change
    out = reversed_spikes(prices)
    assert list(out.excluded["kind"]) == ["level break"]
    assert out.broken[30, 4] and out.broken.sum() == 1
    np.testing.assert_allclose(out.prices.iloc[30:, 4], prices.iloc[30:, 4] / (
        prices.iloc[30, 4] / prices.iloc[29, 4]))
    assert out.prices.iloc[:30, 4].equals(prices.iloc[:30, 4]), "earlier prices never change"
    assert "series breaks" in out.notes()[0]


def test_the_last_day_is_provisional_until_the_next_exists():
    prices = panel()
    prices.iloc[-1, 6] *= 3.0
    out = reversed_spikes(prices)
    assert out.excluded.empty and list(out.provisional["ticker"]) == ["T6"]
    assert "provisional: T6 +" in out.notes()[0]
    reverted = pd.concat([prices, prices.iloc[[-2]].set_axis(
        [prices.index[-1] + pd.offsets.BDay()])])
    later = reversed_spikes(reverted)
    assert list(later.excluded["ticker"]) == ["T6"] and later.provisional.empty


def test_causal_up_to_the_last_day():
    prices = panel(120)
    prices.iloc[50, 1] *= 5
    prices.iloc[80:, 2] *= 30
    past = reversed_spikes(prices).prices
    full = reversed_spikes(with_future(prices)).prices
    pd.testing.assert_frame_equal(past.iloc[:-1], full.loc[past.index[:-1]], check_exact=True,
                                  check_freq=False)


def test_moves_found_block_by_block_are_the_whole_panel_s():
    """The streamed search (blocks of rows, each ratio to the row before, across block
    edges) finds the cells of the whole panel of ratios, in the same order; zero and missing
    prices included."""
    rng = np.random.default_rng(4)
    p = np.exp(np.cumsum(rng.normal(0, 0.08, (3000, 37)), axis=0))
    p[rng.random(p.shape) < 0.01] = np.nan
    p[rng.random(p.shape) < 0.001] = 0.0
    p = np.asfortranarray(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = p[1:] / p[:-1]
        rows, cols = np.nonzero((ratio > SPIKE_FLOOR) | (ratio < 1 / SPIKE_FLOOR))
    got = _moves_over_floor(p)
    np.testing.assert_array_equal(got[0], rows + 1)
    np.testing.assert_array_equal(got[1], cols)
    assert [len(a) for a in _moves_over_floor(p[:1])] == [0, 0]


def test_gap_returns_blank_a_return_across_a_long_gap():
    days = pd.bdate_range("2023-07-03", periods=30)
    level = pd.Series(np.linspace(100, 129, 30), index=days)
    gapped = level.drop(days[10:22])           # 12 business days missing
    r = gap_returns(gapped)
    assert np.isnan(r.loc[days[22]]), "no fake one-day move over the gap"
    assert r.loc[days[23]] == pytest.approx(level.iloc[23] / level.iloc[22] - 1)
    holiday = level.drop(days[10:14])          # 4 missing days (a long holiday): kept
    assert gap_returns(holiday).loc[days[14]] == pytest.approx(level.iloc[14] / level.iloc[9] - 1)


def test_weeks_across_a_gap_are_skipped():
    """KOSPI's 2023-25 gap made a fake +26% 'best week': the week holding the break is not
    compared with complete weeks."""
    days = pd.bdate_range("2023-01-02", "2025-12-31")
    rng = np.random.default_rng(1)
    level = pd.Series(100 * np.exp(rng.normal(0, 0.01, len(days)).cumsum()), index=days)
    level.loc["2023-08-20":"2025-09-10"] = np.nan
    level.loc["2025-09-11":] *= 1.3            # the level re-opens 30% higher
    r = gap_returns(level)
    weeks = period_returns(r)
    assert weeks.abs().max() < 0.1
    assert not ((weeks.index > pd.Timestamp("2025-09-10")) &
                (weeks.index < pd.Timestamp("2025-09-13"))).any()


def test_real_kospi_gap_is_no_best_week(realdata):
    path = realdata / "indices" / "world_yahoo_2021_2023" / "KS11.csv"
    recent = realdata / "indices" / "markets_yahoo_2025-09_2026-03" / "KS11.csv"
    old = pd.read_csv(path, parse_dates=["Date"], index_col="Date")["Close"]
    new = pd.read_csv(recent, skiprows=[1, 2]).rename(columns={"Price": "Date"})
    new = new.assign(Date=pd.to_datetime(new["Date"])).set_index("Date")["Close"].astype(float)
    kospi = pd.concat([old, new]).sort_index()
    kospi = kospi[~kospi.index.duplicated()]
    naive = period_returns(kospi.pct_change(fill_method=None).dropna())
    weeks = period_returns(gap_returns(kospi))
    assert naive.max() > 0.2, "the forward-filled series has the fake gap week"
    assert weeks.max() < 0.2 and len(weeks) >= len(naive) - 2
