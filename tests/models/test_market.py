"""MarketData constructor validation: one test per kind of error, asserting the message."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.market import MarketData, MarketDataError


def frame(values=None, dates=None, columns=("AAA", "BBB")):
    dates = pd.DatetimeIndex(dates or ["2026-01-05", "2026-01-06", "2026-01-07"])
    values = np.arange(1, 1 + len(dates) * len(columns), dtype=float).reshape(len(dates), -1) \
        if values is None else values
    return pd.DataFrame(values, index=dates, columns=list(columns))


def test_valid_data_defaults_as_of_to_last_date():
    m = MarketData(close=frame(), source="test")
    assert m.as_of == pd.Timestamp("2026-01-07")
    assert list(m.close.columns) == ["AAA", "BBB"]


def test_nan_is_allowed_for_missing_observations():
    values = frame().to_numpy().copy()
    values[0, 1] = np.nan
    MarketData(close=frame(values))


@pytest.mark.parametrize("close, message", [
    (frame(dates=["2026-01-05", "2026-01-05", "2026-01-07"]), "close: duplicate date 2026-01-05"),
    (frame(dates=["2026-01-05", "2026-01-07", "2026-01-06"]),
     "close: dates are not sorted (at 2026-01-06)"),
    (frame().tz_localize("America/New_York"), "close: dates must be tz-naive"),
    (frame().reset_index(drop=True), "close: the index must be dates"),
    (frame().astype({"BBB": "float32"}), "close: ticker BBB has dtype float32, expected float64"),
    (frame([[1.0, 2.0], [np.inf, 2.0], [1.0, 2.0]]), "close: AAA on 2026-01-06 is infinite"),
    (frame([[1.0, 2.0], [1.0, 0.0], [1.0, 2.0]]), "close: BBB on 2026-01-06 is not positive (0.0)"),
    (frame([[1.0, 2.0], [1.0, 2.0], [-3.0, 2.0]]), "close: AAA on 2026-01-07 is not positive (-3.0)"),
    (frame(columns=("AAA", "AAA")), "close: duplicate ticker AAA"),
])
def test_close_validation(close, message):
    with pytest.raises(MarketDataError) as err:
        MarketData(close=close)
    assert message in str(err.value)


def test_yields_may_be_zero_or_negative():
    close = frame([[4.1, 0.02], [4.0, 0.0], [3.9, -0.01]], columns=("^TNX", "^IRX"))
    MarketData(close=close, yield_tickers=frozenset({"^TNX", "^IRX"}))


def test_volume_must_share_the_dates_and_be_non_negative():
    with pytest.raises(MarketDataError, match="volume: its dates differ"):
        MarketData(close=frame(), volume=frame().iloc[:2])
    with pytest.raises(MarketDataError, match="volume: BBB on 2026-01-05 is negative"):
        MarketData(close=frame(), volume=frame([[0.0, -1.0], [0.0, 0.0], [0.0, 0.0]]))


def test_option_chain_validation():
    chain = pd.DataFrame({"expiry": [pd.Timestamp("2026-02-20")], "strike": [100.0],
                          "kind": ["X"], "open_interest": [10.0], "implied_vol": [0.2]})
    with pytest.raises(MarketDataError, match="options SPY: kind must be 'C' or 'P', got 'X'"):
        MarketData(close=frame(), options={"SPY": chain})
    with pytest.raises(MarketDataError, match="options SPY: missing column"):
        MarketData(close=frame(), options={"SPY": chain.drop(columns="implied_vol")})
