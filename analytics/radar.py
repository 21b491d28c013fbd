"""Crash radar: reads every signal together and says what kind of day it is.

The thresholds are data (``RULES``); ``assess`` maps the snapshot's parts to traffic lights and
a plain-words verdict. State: "red" (signal on), "amber" (watch), "green" (calm), "n/a".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.stats import percentile_rank

# name -> (amber, red, direction): "low" = smaller is worse, "high" = larger is worse.
RULES: dict[str, tuple[float, float, str]] = {
    "Momentum σ-move": (-2.0, -3.0, "low"),
    "Momentum crowding": (70.0, 84.0, "high"),
    "Dispersion percentile": (80.0, 95.0, "high"),
    "Breadth vs index": (0.60, 0.70, "high"),          # share beating a falling index
    "LETF flow % of ADV": (0.05, 0.10, "high"),
    "Dealer net gamma ($bn/1%)": (0.5, 0.0, "low"),
    "VaR shock (EWMA / 1y vol)": (1.2, 1.5, "high"),
}
LETF_BILLIONS_WORTH_SAYING = 1e9


@dataclass(frozen=True)
class RadarSignal:
    value: str                 # today's value in words, with units
    number: float              # the number the rule reads
    state: str                 # red / amber / green / n/a
    percentile: float = float("nan")   # of the number within its own history (0-100)
    since: Any = None          # first day of the current red/amber streak, when known


@dataclass(frozen=True)
class Radar:
    signals: dict[str, RadarSignal] = field(default_factory=dict)
    verdict: str = ""


def light(name: str, number: float) -> str:
    """Traffic light for one signal by ``RULES``."""
    if number is None or not math.isfinite(number):
        return "n/a"
    amber, red, direction = RULES[name]
    if direction == "low":
        return "red" if number <= red else ("amber" if number <= amber else "green")
    return "red" if number >= red else ("amber" if number >= amber else "green")


def _streak(series: pd.Series | None, name: str):
    """First date of the current run of non-green lights of ``series`` (None if green)."""
    if series is None or series.dropna().empty:
        return None
    amber, _, direction = RULES[name]
    lit = series <= amber if direction == "low" else series >= amber
    lit = lit.fillna(False).astype(bool)
    if not lit.iloc[-1]:
        return None
    off = lit[~lit]
    return lit.index[0] if off.empty else lit.loc[off.index[-1]:].index[1]


def var_shock(factor: pd.Series) -> tuple[float, float]:
    """(EWMA(0.94) vol / 252-day vol of a long/short factor, gross cut implied by today's jump
    in EWMA vol = 1 - vol_yesterday / vol_today) (METHODS 11)."""
    r = factor.dropna()
    if len(r) < 253:
        return float("nan"), float("nan")
    ewma = np.sqrt((r ** 2).ewm(alpha=0.06, adjust=False).mean())
    long = r.iloc[-252:].std()
    ratio = float(ewma.iloc[-1] / long) if long > 0 else float("nan")
    cut = float(max(0.0, 1 - ewma.iloc[-2] / ewma.iloc[-1])) if ewma.iloc[-1] > 0 else 0.0
    return ratio, cut


def assess(parts: dict[str, Any]) -> Radar:
    """Traffic lights and verdict from the snapshot's parts (``momentum``, ``dispersion``,
    ``crowding``, ``flows``, ``gamma``, ``benchmark``); any part may be missing."""
    signals: dict[str, RadarSignal] = {}
    mom, disp = parts.get("momentum"), parts.get("dispersion")
    crowd, flows, gamma = parts.get("crowding"), parts.get("flows"), parts.get("gamma")
    bench = parts.get("benchmark", "the index")
    if mom is not None:
        t = mom.today
        sigma = float(t.get("sigma", np.nan))
        since = "worst on record" if t.get("worst_since") is None else \
            f"worst since {pd.Timestamp(t['worst_since']):%Y-%m-%d}"
        pct = percentile_rank(mom.factor["long_short"]).iloc[-1] \
            if mom.factor["long_short"].notna().any() else np.nan
        provisional = ", ".join(ticker for ticker, _ in t.get("provisional", ()))
        signals["Momentum σ-move"] = RadarSignal(
            f"{100 * t['long_short']:+.2f}% ({sigma:+.1f}σ), {since}"
            + (f" (provisional: {provisional} may be a bad print)" if provisional else ""), sigma,
            light("Momentum σ-move", sigma), pct, _streak(mom.sigma, "Momentum σ-move"))
        vs_bench = t.get("long_share_vs_benchmark")
        signals["Long vs short leg"] = RadarSignal(
            f"long {100 * t.get('long_excess', np.nan):+.2f}% vs the equal-weighted "
            f"constituents, short {100 * t.get('short_excess', np.nan):+.2f}%: {mom.reading}; "
            f"vs {bench}: long {100 * t.get('long_vs_benchmark', np.nan):+.2f}%, short "
            f"{100 * t.get('short_vs_benchmark', np.nan):+.2f}%"
            + (f" (long leg {vs_bench:.0%})" if vs_bench is not None else ""),
            float(t.get("long_share") or np.nan),
            signals["Momentum σ-move"].state if t.get("long_share") is not None else "green")
        ratio, cut = var_shock(mom.factor["long_short"])
        signals["VaR shock (EWMA / 1y vol)"] = RadarSignal(
            f"{ratio:.2f}x; a vol-targeting book cuts gross {100 * cut:.0f}% today", ratio,
            light("VaR shock (EWMA / 1y vol)", ratio))
    if crowd is not None and "Momentum" in crowd.gauges:
        score = crowd.gauges["Momentum"]["score"]
        signals["Momentum crowding"] = RadarSignal(f"{score:.0f}/100", score,
                                                   light("Momentum crowding", score), score)
    if disp is not None:
        d = disp.today
        signals["Dispersion percentile"] = RadarSignal(
            f"{d['ratio']:.1f}x stock vs index vol, {d['ratio_pct']:.0f}th pct", d["ratio_pct"],
            light("Dispersion percentile", d["ratio_pct"]), d["ratio_pct"],
            _streak(disp.ratio_percentile, "Dispersion percentile"))
        falling = d["benchmark"] < 0
        breadth = d["breadth"] if falling else float("nan")
        state = light("Breadth vs index", breadth) if falling else "green"
        signals["Breadth vs index"] = RadarSignal(
            f"{100 * d['breadth']:.0f}% beat {'a falling' if falling else 'a rising'} {bench} "
            f"({100 * d['benchmark']:+.2f}%)", d["breadth"], state, d["breadth_pct"])
    if flows is not None:
        adv = flows.adv.reindex(flows.by_underlying.index)
        known = adv.notna() & (adv > 0)
        share = float(flows.by_underlying.loc[known, "rebalance_usd"].abs().sum()
                      / adv[known].sum()) if known.any() else float("nan")
        if flows.by_underlying.empty:
            text = ("n/a: no fund assets for the leveraged ETFs in the data (load share "
                    "counts, e.g. --shares)")
        elif not known.any():
            text = (f"${flows.total_usd / 1e9:+.2f}bn into the close; % of volume n/a (no "
                    "dollar volume for the underlyings)")
        else:
            text = (f"${flows.total_usd / 1e9:+.2f}bn into the close, {100 * share:.1f}% of the "
                    "underlyings' daily dollar volume")
        signals["LETF flow % of ADV"] = RadarSignal(text, share, light("LETF flow % of ADV", share))
    if gamma is not None and gamma.underlyings:
        name, g = next(iter(gamma.underlyings.items()))
        net = g["net_usd_per_pct"] / 1e9
        signals["Dealer net gamma ($bn/1%)"] = RadarSignal(
            f"{name} net {net:+.2f}bn per 1% ({g['reading']})", net,
            light("Dealer net gamma ($bn/1%)", net))
    return Radar(signals=signals, verdict=verdict(signals, parts))


def verdict(signals: dict[str, RadarSignal], parts: dict[str, Any]) -> str:
    """One plain-words sentence from the lights (the rules above, applied in order)."""
    mom = parts.get("momentum")
    sigma = signals.get("Momentum σ-move")
    if sigma is None:
        return "Not enough data for a verdict (needs the benchmark and a year of constituents)."
    phrases: list[str] = []
    if sigma.state == "red" and mom is not None:
        reading = mom.reading
        if "short covering" in reading:
            phrases.append("Short squeeze: losers bought back")
        elif "long-side de-grossing" in reading:
            phrases.append("Momentum unwind: long-side de-grossing")
        else:
            phrases.append("Momentum unwind: winners sold and losers bought")
    elif sigma.state == "amber":
        phrases.append("Momentum under pressure")
    elif sigma.number >= 3:
        phrases.append("Momentum rally")
    else:
        recent = (mom.today.get("recent") or {}) if mom is not None else {}
        if light("Momentum σ-move", recent.get("sigma", float("nan"))) == "red":
            phrases.append(f"Calm today after the {pd.Timestamp(recent['day']):%Y-%m-%d} momentum "
                           f"crash ({100 * recent['long_short']:+.1f}%)")
        else:
            phrases.append("Calm: no momentum unwind")
    breadth = signals.get("Breadth vs index")
    if breadth is not None and breadth.state == "red":
        phrases.append(f"{_fraction_words(breadth.number)} of stocks beat the falling index")
    flows = parts.get("flows")
    if flows is not None and abs(flows.total_usd) >= LETF_BILLIONS_WORTH_SAYING:
        side = "selling" if flows.total_usd < 0 else "buying"
        phrases.append(f"est. ${abs(flows.total_usd) / 1e9:.0f}bn leveraged-ETF {side} into the "
                       "close")
    gamma = signals.get("Dealer net gamma ($bn/1%)")
    if gamma is not None and gamma.number < 0:
        phrases.append("dealers net short gamma")
    crowd = signals.get("Momentum crowding")
    if crowd is not None and crowd.state == "red":
        phrases.append("momentum was crowded")
    disp = signals.get("Dispersion percentile")
    if disp is not None and disp.state == "red" and sigma.state != "red":
        phrases.append("single stocks moving far more than the index")
    head, rest = phrases[0], phrases[1:]
    return head + (": " if rest and ":" not in head else (", " if rest else "")) + \
        ", ".join(rest) + "."


def _fraction_words(x: float) -> str:
    for value, words in ((0.75, "3/4"), (2 / 3, "2/3"), (0.6, "3/5")):
        if x >= value - 0.03:
            return words
    return f"{100 * x:.0f}%"
