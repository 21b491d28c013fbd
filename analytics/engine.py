"""The one entry point from market data to everything the panels show: ``compute``."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.returns import WINDOWS, cumulative_returns, period_returns, window_start


@dataclass(frozen=True)
class EngineParams:
    """What ``compute`` needs to know about the universe (analytics never imports models)."""

    benchmark: str = "SPY"
    benchmark_name: str = "SPY"
    sector_etfs: Mapping[str, str] = field(default_factory=dict)   # ETF -> GICS sector


@dataclass(frozen=True)
class Overview:
    """Market overview: benchmark and sector ETFs.

    returns: rows = tickers (benchmark first), columns name, 1d, 1w, 1m, YTD (fractions).
    cumulative: chart window ("1M", "3M", "YTD", "1Y", "All") -> cumulative return since the
        window start (fractions), dates x tickers.
    """

    returns: pd.DataFrame
    cumulative: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Snapshot:
    """Everything the panels show, computed once per refresh; immutable."""

    as_of: pd.Timestamp
    source: str
    simulated: bool
    benchmark: str
    overview: Overview
    computed_at: dt.datetime
    notes: tuple[str, ...] = ()

    def headline(self) -> dict[str, Any]:
        """The headline figures written to snapshot.json (plain JSON types; NaN -> null)."""
        bench = self.overview.returns.loc[self.benchmark] if self.benchmark in \
            self.overview.returns.index else None
        return {
            "source": self.source,
            "as_of": self.as_of.strftime("%Y-%m-%d"),
            "simulated": self.simulated,
            "computed_at": self.computed_at.isoformat(timespec="seconds"),
            "benchmark": {
                "ticker": self.benchmark,
                **({k: _json_number(bench[k]) for k in ("1d", "1w", "1m", "YTD")}
                   if bench is not None else {}),
            },
            "notes": list(self.notes),
        }


def _json_number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 8)


def compute(market, params: EngineParams | None = None) -> Snapshot:
    """Compute a Snapshot from a MarketData (duck-typed: close, as_of, source, simulated,
    notes); the market's notes lead the snapshot's notes."""
    params = params or EngineParams()
    close = market.close
    notes: list[str] = list(getattr(market, "notes", ()))
    tickers = [t for t in [params.benchmark, *params.sector_etfs] if t in close.columns]
    missing = [t for t in [params.benchmark, *params.sector_etfs] if t not in close.columns]
    if missing:
        notes.append(f"no data for {', '.join(missing)}")
    prices = close[tickers]
    table = period_returns(prices)
    names = {params.benchmark: params.benchmark_name, **params.sector_etfs}
    table.insert(0, "name", [names.get(t, t) for t in table.index])
    cumulative = {w: cumulative_returns(prices, window_start(prices.index, w)) for w in WINDOWS}
    return Snapshot(as_of=pd.Timestamp(market.as_of), source=market.source,
                    simulated=market.simulated, benchmark=params.benchmark,
                    overview=Overview(returns=table, cumulative=cumulative),
                    computed_at=dt.datetime.now(), notes=tuple(notes))
