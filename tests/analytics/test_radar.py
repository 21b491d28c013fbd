"""Radar verdicts for hand-built days: crash, calm, short squeeze; lights by the rules."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from analytics.radar import RULES, assess, light


def momentum(sigma, long_ex, short_ex, reading, recent=None):
    dates = pd.bdate_range("2024-01-01", periods=300)
    ls = pd.Series(np.random.default_rng(0).normal(0, 0.01, 300), index=dates)
    ls.iloc[-1] = sigma * 0.01
    today = {"long_short": ls.iloc[-1], "sigma": sigma, "worst_since": None,
             "long_excess": long_ex, "short_excess": short_ex, "long_share": 0.5,
             "recent": recent or {"day": dates[-1], "long_short": ls.iloc[-1], "sigma": sigma}}
    return SimpleNamespace(today=today, reading=reading, sigma=ls / 0.01,
                           factor=pd.DataFrame({"long_short": ls}))


def dispersion(breadth, bench, ratio_pct=99.0):
    pct = pd.Series([50.0, ratio_pct], index=pd.bdate_range("2026-02-03", periods=2))
    return SimpleNamespace(today={"ratio": 7.0, "ratio_pct": ratio_pct, "breadth": breadth,
                                  "breadth_pct": 99.0, "benchmark": bench},
                           ratio_percentile=pct)


def flows(total):
    return SimpleNamespace(total_usd=total, adv=pd.Series({"SPY": 1e11}),
                           by_underlying=pd.DataFrame({"rebalance_usd": [total]}, index=["SPY"]))


def gamma(net):
    return SimpleNamespace(underlyings={"SPY": {"net_usd_per_pct": net,
                                                "reading": "net short gamma" if net < 0 else "net long"}})


def test_lights_follow_the_rules():
    assert light("Momentum σ-move", -3.5) == "red" and light("Momentum σ-move", -2.5) == "amber"
    assert light("Momentum σ-move", 1.0) == "green" and light("Momentum σ-move", float("nan")) == "n/a"
    assert light("Dispersion percentile", 96) == "red" and light("Momentum crowding", 75) == "amber"
    assert set(RULES) >= {"Momentum σ-move", "VaR shock (EWMA / 1y vol)", "LETF flow % of ADV"}


def test_crash_day_verdict():
    radar = assess({"momentum": momentum(-6.0, -0.05, 0.01, "momentum unwind: long-side "
                                          "de-grossing (winners sold), long leg 83% of the move"),
                    "dispersion": dispersion(0.76, -0.006), "flows": flows(-15e9),
                    "gamma": gamma(-2e9), "benchmark": "SPY"})
    assert radar.verdict == ("Momentum unwind: long-side de-grossing, 3/4 of stocks beat the "
                             "falling index, est. $15bn leveraged-ETF selling into the close, "
                             "dealers net short gamma.")
    assert radar.signals["Momentum σ-move"].state == "red"
    assert radar.signals["Breadth vs index"].state == "red"
    assert radar.signals["Dealer net gamma ($bn/1%)"].state == "red"


def test_calm_day_verdict():
    radar = assess({"momentum": momentum(0.3, 0.001, 0.0, "no unusual momentum move today"),
                    "dispersion": dispersion(0.5, 0.004, ratio_pct=40.0), "flows": flows(2e8),
                    "gamma": gamma(3e9)})
    assert radar.verdict == "Calm: no momentum unwind."
    assert radar.signals["Breadth vs index"].state == "green"


def test_short_squeeze_verdict():
    radar = assess({"momentum": momentum(-4.0, -0.004, 0.05, "momentum unwind: short covering "
                                          "(losers squeezed), long leg 7% of the move"),
                    "dispersion": dispersion(0.55, 0.01), "flows": flows(3e9),
                    "gamma": gamma(1e9)})
    assert radar.verdict.startswith("Short squeeze: losers bought back")
    assert "leveraged-ETF buying" in radar.verdict


def test_calm_after_a_recent_crash():
    crash = {"day": pd.Timestamp("2026-02-04"), "long_short": -0.085, "sigma": -6.0}
    radar = assess({"momentum": momentum(0.2, 0.0, 0.0, "no unusual momentum move today", crash)})
    assert radar.verdict.startswith("Calm today after the 2026-02-04 momentum crash (-8.5%)")


def test_missing_parts():
    assert assess({}).verdict.startswith("Not enough data")
