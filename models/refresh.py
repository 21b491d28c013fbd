"""One refresh's steps, without Qt: open the source, load, cut to ``as_of``, compute, warm the
headline. Run on a worker thread (models/state.py) or in the compute process
(models/compute_worker.py); ``stage(name, fraction)`` reports progress and raises
``RefreshCancelled`` to stop a cancelled refresh between steps."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.universe import Universe


class RefreshCancelled(BaseException):
    """Raised inside a job (by its progress callback) when a newer refresh or shutdown
    cancelled it. Not an ``Exception``: a source's broad ``except Exception`` around a network
    call cannot swallow it, so a cancelled refresh makes no further call."""


def load_and_compute(open_source: Callable[[], Any], universe, as_of, compute: Callable,
                     stage: Callable[[str, float], None]):
    """(market, snapshot) for one refresh."""
    stage("Opening data source", 0.02)
    source = open_source()
    stage(f"Loading {getattr(source, 'name', 'data')}", 0.05)
    market = source.load(universe, progress=lambda name, f: stage(name, 0.05 + 0.6 * f))
    if as_of is not None:
        market = market.until(as_of)
    stage("Computing analytics", 0.7)
    snapshot = compute(market, universe)
    snapshot.headline()          # computed here, not on the main thread (alert rules)
    stage("Rendering", 0.95)
    return market, snapshot


def engine_params(universe: Universe, market=None):
    """Universe facts for the engine; a source that defines its own benchmark (a user file
    without the universe's benchmark) overrides it."""
    from analytics.engine import EngineParams

    benchmark = getattr(market, "benchmark", None) or universe.benchmark
    name = universe.benchmark_name if benchmark == universe.benchmark else benchmark
    constituents = getattr(market, "constituents", None) or tuple(universe.index_members())
    return EngineParams(benchmark=benchmark, benchmark_name=name,
                        sector_etfs=dict(universe.cross_asset.sectors),
                        sectors=dict(universe.sectors),
                        constituents=tuple(constituents), themes=dict(universe.themes),
                        pairs=tuple(universe.pairs),
                        leveraged_etfs=tuple(universe.leveraged_etfs),
                        option_underlyings=tuple(universe.option_underlyings),
                        dividend_yields=dict(universe.dividend_yields),
                        default_rate=universe.default_rate,
                        membership=universe.membership,
                        underlying_stocks={k: tuple(v) for k, v in
                                           universe.underlying_stocks.items()},
                        regions=tuple(universe.regions),
                        metals=tuple(universe.cross_asset.metals),
                        cyclical=tuple(universe.cross_asset.cyclical),
                        defensive=tuple(universe.cross_asset.defensive),
                        equal_weight=next(iter(universe.styles.get("equal_weight") or []), None))


def default_compute(market, universe: Universe):
    from analytics.engine import compute

    return compute(market, engine_params(universe, market))
