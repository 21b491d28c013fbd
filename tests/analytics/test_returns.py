"""Overview returns: hand-computed period and cumulative returns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.returns import cumulative_returns, period_returns, window_start


@pytest.fixture
def prices():
    dates = pd.bdate_range("2025-12-01", "2026-02-06")
    values = 100 * 1.001 ** np.arange(len(dates))
    frame = pd.DataFrame({"A": values, "B": values[::-1]}, index=dates)
    frame.loc[dates[-3], "B"] = np.nan  # a holiday for B
    return frame


def test_period_returns_hand_computed(prices):
    table = period_returns(prices)
    n = len(prices)
    assert table.loc["A", "1d"] == pytest.approx(0.001)
    assert table.loc["A", "1w"] == pytest.approx(1.001 ** 5 - 1)
    assert table.loc["A", "1m"] == pytest.approx(1.001 ** 21 - 1)
    ytd_start = prices.index.get_loc(pd.Timestamp("2025-12-31"))
    assert table.loc["A", "YTD"] == pytest.approx(1.001 ** (n - 1 - ytd_start) - 1)
    b = prices["B"]
    assert table.loc["B", "1d"] == pytest.approx(b.iloc[-1] / b.iloc[-2] - 1)


def test_window_start():
    index = pd.bdate_range("2025-06-02", "2026-02-06")
    assert window_start(index, "YTD") == pd.Timestamp("2025-12-31")
    assert window_start(index, "All") == index[0]
    assert window_start(index, "1M") == index[-22]
    short = pd.bdate_range("2026-01-05", "2026-01-09")
    assert window_start(short, "1Y") == short[0] and window_start(short, "YTD") == short[0]


def test_cumulative_returns_rebased_on_first_valid(prices):
    prices.loc[prices.index[0], "B"] = np.nan
    cum = cumulative_returns(prices, prices.index[0])
    assert cum["A"].iloc[0] == 0.0
    assert np.isnan(cum["B"].iloc[0]) and cum["B"].iloc[1] == 0.0
    assert cum["A"].iloc[-1] == pytest.approx(prices["A"].iloc[-1] / prices["A"].iloc[0] - 1)


def test_cumulative_returns_past_values_unchanged_by_future_rows(prices):
    start = prices.index[5]
    base = cumulative_returns(prices.iloc[:30], start)
    extended = cumulative_returns(prices, start)
    pd.testing.assert_frame_equal(base, extended.loc[base.index], check_exact=True)
