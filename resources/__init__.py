"""Files shipped with FactorDesk (package data): the default universe and the app icon."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def path(name: str) -> Path:
    """The shipped file ``name`` on disk: in a checkout, an installed package or a bundle."""
    return Path(str(files(__name__).joinpath(name)))
