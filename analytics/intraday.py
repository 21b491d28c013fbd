"""Today's path of the factors from 5-minute bars (docs/methods.md, "Intraday mode").

Every basket is the one the daily factor holds today: formed on yesterday's close (the
momentum deciles and the beta quintiles ranked at t-1, as in ``analytics.factors``), equal
weights, held through the session. At each bar a basket's value is the mean over its members
of ``bar close / yesterday's close - 1``: the return since yesterday's close, so the path
starts at zero and its last point is today's daily figure whenever the last bar is the daily
row (the live price). The σ-band is the daily σ of the L/S (trailing 63-day std known at the
previous close) scaled by the square root of the share of the session gone by: the range a
calm day's move so far stays inside about 95% of the time for 2σ.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.session import BAR_MINUTES, NEW_YORK, close_time
from analytics.session import OPEN as SESSION_OPEN

BAND_SIGMA = 2.0


@dataclass(frozen=True)
class IntradayBasis:
    """What today's path is measured from, known at the refresh: the series' baskets (name ->
    (long members, short members)), yesterday's closes of their members and the L/S's daily
    σ. A live feed of 5-minute bars needs only this and the bars."""

    baskets: dict[str, tuple]
    previous: pd.Series
    sigma: float

    @classmethod
    def build(cls, baskets: dict[str, tuple], closes: pd.Series, sigma: float) -> IntradayBasis:
        """The basis with ``closes`` (yesterday's, every ticker) kept for the members only."""
        members = list(dict.fromkeys(t for long, short in baskets.values()
                                     for t in (*long, *short) if t in closes.index))
        return cls(baskets, closes.reindex(members), sigma)

    @property
    def tickers(self) -> list[str]:
        """Every member of every basket, once, in order."""
        return list(dict.fromkeys(t for long, short in self.baskets.values()
                                  for t in (*long, *short)))

    def view(self, bars: pd.DataFrame, as_of_time: pd.Timestamp | None) -> IntradayView | None:
        return intraday_view(bars, self.previous, self.baskets, self.sigma, as_of_time)


@dataclass(frozen=True)
class IntradayView:
    """``paths``: observation times (aware New York; the open first, then each bar's end) x
    series, returns since yesterday's close (fractions). ``sigma``: the daily σ of the L/S;
    ``band``: ±``BAND_SIGMA`` x sigma x sqrt(share of the session gone by) at each time.
    ``members``: series -> names in it. ``opens`` / ``closes``: the session's regular hours;
    ``as_of_time``: the last observation (None after the close: the day is complete)."""

    paths: pd.DataFrame
    sigma: float
    band: pd.Series
    members: dict[str, int]
    opens: pd.Timestamp
    closes: pd.Timestamp
    as_of_time: pd.Timestamp | None

    @property
    def last(self) -> pd.Series:
        """Each series' move so far (its last value)."""
        return self.paths.iloc[-1]


def basket_paths(bars: np.ndarray, previous: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Equal-weighted returns since ``previous`` (the previous closes, one per column of
    ``bars``) of each basket: ``groups`` is baskets x columns (True = member). Members without
    a price at a bar are left out of that bar. Returns bars x baskets; NaN where a basket has
    no priced member."""
    with np.errstate(invalid="ignore", divide="ignore"):
        moves = bars / previous - 1.0
    priced = np.isfinite(moves)
    weights = groups.T.astype(float)
    total = np.where(priced, moves, 0.0) @ weights
    counts = priced.astype(float) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / counts, np.nan)


def intraday_view(bars: pd.DataFrame, previous: pd.Series, baskets: dict[str, tuple],
                  sigma: float, as_of_time: pd.Timestamp | None) -> IntradayView | None:
    """The path of each series since yesterday's close. ``baskets``: name -> (long members,
    short members): a series is its long basket minus its short one (an empty short: the long
    basket alone). ``previous``: yesterday's closes; ``sigma``: the L/S's daily σ."""
    if bars is None or bars.empty:
        return None
    columns = list(bars.columns)
    where = {t: i for i, t in enumerate(columns)}
    groups, names = [], []
    for name, (long, short) in baskets.items():
        for side, members in (("long", long), ("short", short)):
            mask = np.zeros(len(columns), bool)
            mask[[where[t] for t in members if t in where]] = True
            groups.append(mask)
            names.append((name, side))
    values = basket_paths(bars.to_numpy(dtype=float),
                          previous.reindex(columns).to_numpy(dtype=float), np.array(groups))
    out, members = {}, {}
    for k, name in enumerate(baskets):
        long, short = values[:, 2 * k], values[:, 2 * k + 1]
        out[name] = long - short if groups[2 * k + 1].any() else long
        members[name] = int(groups[2 * k].sum() + groups[2 * k + 1].sum())
    day = bars.index[0].astimezone(NEW_YORK).date()
    opens = pd.Timestamp(dt.datetime.combine(day, SESSION_OPEN, NEW_YORK))
    closes = pd.Timestamp(dt.datetime.combine(day, close_time(day), NEW_YORK))
    times = bars.index.tz_convert(NEW_YORK) + pd.Timedelta(minutes=BAR_MINUTES)
    paths = pd.DataFrame(out, index=times)
    paths = pd.concat([pd.DataFrame(0.0, index=[opens], columns=paths.columns), paths])
    elapsed = ((paths.index - opens) / (closes - opens)).to_numpy(dtype=float)
    band = pd.Series(BAND_SIGMA * sigma * np.sqrt(np.clip(elapsed, 0, 1)), index=paths.index)
    return IntradayView(paths=paths, sigma=float(sigma), band=band, members=members,
                        opens=opens, closes=closes, as_of_time=as_of_time)
