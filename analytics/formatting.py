"""Text for numbers as a trader reads them: money, percent, σ, multiples, ordinals, dates and
n/a. One module for every panel, PNG export, CSV/clipboard copy and the radar's sentences, so
a number reads the same wherever it is shown (docs/methods.md, "Display conventions").

Every function takes raw values in their natural units (fractions, dollars) and returns
``NA`` for a missing value (None, NaN or infinity); nothing missing is ever shown as zero.
"""
from __future__ import annotations

import math

import pandas as pd

NA = "n/a"
MONEY_UNITS = {"bn": 1e9, "m": 1e6, "k": 1e3, "": 1.0}


def missing(x) -> bool:
    """None, NaN or infinite (not a number a trader can act on)."""
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def pct(x, decimals: int = 2, sign: bool = True) -> str:
    """0.0123 -> '+1.23%'."""
    if missing(x):
        return NA
    return f"{100 * float(x):{'+' if sign else ''}.{decimals}f}%"


def sigma(x, decimals: int = 1) -> str:
    """-6.21 -> '-6.2σ'."""
    return NA if missing(x) else f"{float(x):+.{decimals}f}σ"


def multiple(x, decimals: int = 1) -> str:
    """1.876 -> '1.9x'."""
    return NA if missing(x) else f"{float(x):.{decimals}f}x"


def money(x, unit: str = "bn", decimals: int = 2, sign: bool = True) -> str:
    """-9.93e9 -> '-$9.93bn' (the sign before the currency); ``unit`` one of bn, m, k, ''."""
    if missing(x):
        return NA
    x = float(x)
    lead = "-" if x < 0 else ("+" if sign else "")
    return f"{lead}${abs(x) / MONEY_UNITS[unit]:,.{decimals}f}{unit}"


def number(x, decimals: int = 2, sign: bool = False) -> str:
    """Plain number with thousands separators."""
    return NA if missing(x) else f"{float(x):{'+' if sign else ''},.{decimals}f}"


def change(delta, scale: float = 1.0, units: str = "", decimals: int = 1) -> str:
    """A change since the previous session: 0.012 with (100, " pp", 1) -> '+1.2 pp'; a change
    that rounds to nothing reads '0.0 pp' (never '-0.0' or '+0.0')."""
    if missing(delta):
        return NA
    shown = round(float(delta) * scale, decimals)
    return f"{0:.{decimals}f}{units}" if shown == 0 else f"{shown:+.{decimals}f}{units}"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 22 -> '22nd'."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def percentile(p, word: str = "pct") -> str:
    """A percentile rank 0-100 as a trader reads it, rounded down: 99.5 -> '99th pct', 0.4 ->
    'below the 1st pct', 100 (today is the highest on record) -> '100th pct'."""
    if missing(p):
        return NA
    p = float(p)
    if p < 1:
        return f"below the 1st {word}"
    return f"{ordinal(100 if p >= 100 else math.floor(p))} {word}"


def day(x) -> str:
    """A date as YYYY-MM-DD."""
    return NA if x is None or x is pd.NaT else f"{pd.Timestamp(x):%Y-%m-%d}"


def since(value, best_since, worst_since, noun: str = "", history_start=None) -> str:
    """'worst <noun> since 2025-11-20' for a negative ``value``, 'best ... since' for a
    positive one, 'on record' when nothing earlier was as extreme: the judgement always has
    the sign of the number it describes. ``history_start`` is named for 'on record'."""
    if missing(value):
        return NA
    best = float(value) > 0
    word = "best" if best else "worst"
    noun = f" {noun}" if noun else ""
    when = best_since if best else worst_since
    if when is None:
        start = f" (history since {pd.Timestamp(history_start):%Y-%m-%d})" \
            if history_start is not None else ""
        return f"{word}{noun} on record{start}"
    return f"{word}{noun} since {pd.Timestamp(when):%Y-%m-%d}"
