"""Point-to-point and cumulative returns for the overview (fractions, 0.01 = 1%)."""
from __future__ import annotations

import pandas as pd

PERIODS = {"1d": 1, "1w": 5, "1m": 21}
WINDOWS = ("1M", "3M", "YTD", "1Y", "All")
_WINDOW_DAYS = {"1M": 21, "3M": 63, "1Y": 252}


def window_start(index: pd.DatetimeIndex, window: str) -> pd.Timestamp:
    """First date of a chart window ending on the last date (YTD: last close of prior year)."""
    if window == "All":
        return index[0]
    if window == "YTD":
        prior = index[index.year < index[-1].year]
        return prior[-1] if len(prior) else index[0]
    days = _WINDOW_DAYS[window]
    return index[max(len(index) - 1 - days, 0)]


def period_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """1d / 1w / 1m / YTD returns to the last date, per ticker (rows) as fractions.

    Levels are carried forward over a ticker's own missing days (a holiday), so each return runs
    from the last available close before the period start to the last available close.
    """
    levels = prices.ffill()
    last = levels.iloc[-1]
    out = {name: last / levels.iloc[max(len(levels) - 1 - days, 0)] - 1.0
           for name, days in PERIODS.items()}
    out["YTD"] = last / levels.loc[window_start(levels.index, "YTD")] - 1.0
    return pd.DataFrame(out)


def cumulative_returns(prices: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Cumulative return since ``start`` (each ticker rebased on its first close on/after it)."""
    window = prices.loc[start:]
    return window / window.bfill().iloc[0] - 1.0


def compounded_windows(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Cumulative compounded return of daily return series since each chart window's start."""
    levels = (1.0 + daily.fillna(0.0)).cumprod()
    return {w: cumulative_returns(levels, window_start(levels.index, w)) for w in WINDOWS}

