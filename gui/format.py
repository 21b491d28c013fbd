"""Text for numbers as a trader reads them (percent, sigma, multiples, dates)."""
from __future__ import annotations

import math

import pandas as pd


def _bad(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x, decimals: int = 2, sign: bool = True) -> str:
    """0.0123 -> '+1.23%'."""
    if _bad(x):
        return "n/a"
    return f"{100 * float(x):{'+' if sign else ''}.{decimals}f}%"


def sigma(x) -> str:
    """-6.21 -> '-6.2σ'."""
    return "n/a" if _bad(x) else f"{float(x):+.1f}σ"


def multiple(x) -> str:
    return "n/a" if _bad(x) else f"{float(x):.1f}x"


def ordinal(p) -> str:
    """99.5 -> '99th' (percentile, rounded down, 100 kept)."""
    if _bad(p):
        return "n/a"
    n = 100 if p >= 100 else int(math.floor(p))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day(x) -> str:
    return "n/a" if x is None else f"{pd.Timestamp(x):%Y-%m-%d}"


def colour_for(x, theme) -> str:
    """The theme's up colour for positive numbers, down for negative, text otherwise."""
    if _bad(x) or x == 0:
        return theme.text
    return theme.up if x > 0 else theme.down
