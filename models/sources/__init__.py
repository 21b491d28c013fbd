"""Data sources: ``open_source(name, **options)`` returns an object with ``.load(universe)``."""
from __future__ import annotations

from typing import Any, Callable, Protocol

from models.market import MarketData
from models.universe import Universe

Progress = Callable[[str, float], None]
"""Progress callback: (stage name, fraction done 0..1)."""


class DataSource(Protocol):
    name: str

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData: ...


def open_source(name: str, **options: Any) -> DataSource:
    """Open a data source by name: ``"demo"`` (simulated market)."""
    if name == "demo":
        from models.sources.demo import DemoSource

        return DemoSource(**options)
    raise ValueError(f"unknown data source {name!r} (known: demo)")
