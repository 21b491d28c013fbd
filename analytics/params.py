"""What the engine needs to know about the universe (analytics never imports models)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineParams:
    """The universe's facts for ``analytics.engine.compute``; ``models.state.engine_params``
    builds it from a ``models.universe.Universe``."""

    benchmark: str = "SPY"
    benchmark_name: str = "SPY"
    sector_etfs: Mapping[str, str] = field(default_factory=dict)   # ETF -> GICS sector
    constituents: tuple[str, ...] = ()
    sectors: Mapping[str, str] = field(default_factory=dict)       # constituent -> GICS sector
    themes: Mapping[str, list[str]] = field(default_factory=dict)
    pairs: tuple = ()                    # objects with name, long, short (ticker tuples)
    sigma_window: int = 63
    dispersion_start: str = "2023-01-01"
    momentum_quantile: float = 0.1
    leveraged_etfs: tuple = ()           # objects with ticker, underlying, multiple
    option_underlyings: tuple[str, ...] = ()
    dividend_yields: Mapping[str, float] = field(default_factory=dict)   # underlying -> yield
    default_rate: float = 0.04           # when the 13-week bill is not in the data
    underlying_stocks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # ETF underlying -> the stocks its leveraged funds' hedges trade (their dollar volume is the
    # "% of ADV" denominator; an underlying without a list is measured by its own volume)
    membership: tuple = ()               # stays (ticker, start, end): point-in-time members;
                                         # empty = the constituents on every day
    short_rate: str = "^IRX"             # 13-week bill, percent, bank-discount basis
    long_rate: str = "^TNX"              # 10-year yield, percent
    regions: tuple = ()                  # objects with name, index, etf, currency, domestic
    metals: tuple[str, ...] = ()
    cyclical: tuple[str, ...] = ()
    defensive: tuple[str, ...] = ()
    equal_weight: str | None = None      # equal-weight S&P ETF (RSP) for breadth rotation

