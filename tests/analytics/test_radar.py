"""Radar verdicts for hand-built days: crash, calm, short squeeze; lights by the rules."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analytics.momentum import describe_legs
from analytics.radar import RULES, assess, light
from analytics.snapshot import DispersionToday, MomentumToday, RecentWorst


def momentum(sigma, long_ex, short_ex, recent=None):
    """A momentum view whose legs are read by the real ``describe_legs``."""
    dates = pd.bdate_range("2024-01-01", periods=300)
    ls = pd.Series(np.random.default_rng(0).normal(0, 0.01, 300), index=dates)
    ls.iloc[-1] = sigma * 0.01
    legs = describe_legs(long_ex, short_ex, sigma)
    today = MomentumToday(day=dates[-1], long_short=ls.iloc[-1], sigma=sigma,
                          long_excess=long_ex, short_excess=short_ex, long_share=0.5,
                          recent=recent or RecentWorst(dates[-1], ls.iloc[-1], sigma, None))
    return SimpleNamespace(today=today, legs=legs, reading=legs.words, sigma=ls / 0.01,
                           factor=pd.DataFrame({"long_short": ls}))


def dispersion(breadth, bench, ratio_pct=99.0):
    days = pd.bdate_range("2026-02-03", periods=2)
    pct = pd.Series([50.0, ratio_pct], index=days)
    return SimpleNamespace(today=DispersionToday(days[-1], 7.0, ratio_pct, breadth, 99.0, bench,
                                                 0, 0),
                           ratio_percentile=pct, breadth=pd.Series([0.5, breadth], index=days),
                           benchmark_return=pd.Series([0.0, bench], index=days))


def flows(total):
    return SimpleNamespace(total_usd=total, adv=pd.Series({"SPY": 1e11}), adv_total=1e12,
                           by_underlying=pd.DataFrame({"rebalance_usd": [total],
                                                       "pct_of_adv": [abs(total) / 1e11]},
                                                      index=["SPY"]))


def gamma(net):
    return SimpleNamespace(underlyings={"SPY": SimpleNamespace(
        net_usd_per_pct=net, uncertain=None,
        reading="net short gamma" if net < 0 else "net long")})


def test_lights_follow_the_rules():
    assert light("Momentum σ-move", -3.5) == "red" and light("Momentum σ-move", -2.5) == "amber"
    assert light("Momentum σ-move", 1.0) == "green" and light("Momentum σ-move", float("nan")) == "n/a"
    assert light("Dispersion percentile", 96) == "red" and light("Momentum crowding", 75) == "amber"
    assert set(RULES) >= {"Momentum σ-move", "VaR shock (EWMA / 1y vol)", "LETF flow % of ADV"}


def test_crash_day_verdict():
    radar = assess({"momentum": momentum(-6.0, -0.05, 0.01),
                    "dispersion": dispersion(0.76, -0.006), "flows": flows(-15e9),
                    "gamma": gamma(-2e9), "benchmark": "SPY"})
    assert radar.verdict == ("Momentum unwind: long-side de-grossing, 3/4 of stocks beat the "
                             "falling index, est. $15bn leveraged-ETF selling into the close, "
                             "dealers net short gamma.")
    assert radar.signals["Momentum σ-move"].state == "red"
    assert radar.signals["Breadth vs index"].state == "red"
    assert radar.signals["Dealer net gamma ($bn/1%)"].state == "red"


def test_calm_day_verdict():
    radar = assess({"momentum": momentum(0.3, 0.001, 0.0),
                    "dispersion": dispersion(0.5, 0.004, ratio_pct=40.0), "flows": flows(2e8),
                    "gamma": gamma(3e9)})
    assert radar.verdict == "Calm: no momentum unwind."
    assert radar.signals["Breadth vs index"].state == "green"


def test_short_squeeze_verdict():
    radar = assess({"momentum": momentum(-4.0, -0.004, 0.05),
                    "dispersion": dispersion(0.55, 0.01), "flows": flows(3e9),
                    "gamma": gamma(1e9)})
    assert radar.verdict.startswith("Short squeeze: losers bought back")
    assert "leveraged-ETF buying" in radar.verdict


def test_calm_after_a_recent_crash():
    crash = RecentWorst(pd.Timestamp("2026-02-04"), -0.085, -6.0, None)
    radar = assess({"momentum": momentum(0.2, 0.0, 0.0, crash)})
    assert radar.verdict.startswith("Calm today after the 2026-02-04 momentum crash (-8.5%)")


def test_missing_parts():
    assert assess({}).verdict.startswith("Not enough data")


def test_worst_in_five_years_is_red_whatever_the_sigma():
    """April 2009: in a high-vol regime the worst momentum days on record were only -2.8σ; a
    losing day that is the worst in five years lights red, the worst in a year amber."""
    from analytics.radar import momentum_states

    dates = pd.bdate_range("2015-01-01", periods=1400)
    ls = pd.Series(np.random.default_rng(2).normal(0, 0.01, 1400), index=dates)
    sigma = pd.Series(-1.0, index=dates)
    ls.iloc[-1] = ls.iloc[:-1].min() - 0.001
    ls.iloc[-100] = ls.iloc[-352:-100].min() - 0.0001
    states = momentum_states(ls, sigma)
    assert states.iloc[-1] == "red"
    assert states.iloc[-100] == "amber"
    assert states.iloc[-2] == "green"
    quiet = momentum_states(ls.iloc[:1000], sigma.iloc[:1000])
    assert not (quiet == "red").any(), "under five years of history nothing is 'worst in 5y'"


def test_drawdown_signal_replaces_calm():
    """2009-05-29 read 'Calm' after a -73% run: a deep drawdown from the 1-year high is named."""
    mom = momentum(0.3, 0.001, 0.0)
    ls = mom.factor["long_short"].copy()
    ls.iloc[-120:-20] = -0.012                 # -70% over 100 days, then quiet
    mom = SimpleNamespace(today=replace(mom.today, long_short=ls.iloc[-1]), legs=mom.legs,
                          sigma=pd.Series(0.3, index=ls.index),
                          factor=pd.DataFrame({"long_short": ls}))
    radar = assess({"momentum": mom})
    dd = radar.signals["Momentum drawdown (1y peak)"]
    assert dd.state == "red" and dd.number < -0.6
    assert radar.verdict.startswith("Momentum crash under way: L/S -")
    assert "below its 1-year high" in radar.verdict


def test_fraction_words_match_the_number():
    from analytics.radar import _fraction_words

    assert _fraction_words(0.752) == "3/4" and _fraction_words(0.66) == "2/3"
    assert _fraction_words(0.95) == "95%" and _fraction_words(0.71) == "71%"


def test_history_ends_with_todays_lights_and_is_causal(universe, demo_market):
    from analytics.radar import HISTORY_SIGNALS, history
    from models.state import default_compute

    full = default_compute(demo_market, universe)
    cut = default_compute(demo_market.until("2026-02-04"), universe)
    h = cut.radar.history
    assert h.index[-1] == pd.Timestamp("2026-02-04")
    last = h.iloc[-1].xs("state", level="field")
    for name in HISTORY_SIGNALS:
        assert last[name] == cut.radar.signals[name].state, name
    assert last["Worst light"] == "red" and last["Momentum σ-move"] == "red"
    pd.testing.assert_frame_equal(h.loc[:"2026-02-03"], full.radar.history.loc[:"2026-02-03"],
                                  check_exact=True)
    parts = {"momentum": cut.momentum, "dispersion": cut.dispersion, "crowding": cut.crowding}
    assert history(parts, start="2026-01-02").index[0] == pd.Timestamp("2026-01-02")
    assert set(h.columns.get_level_values("field")) == {"value", "state"}


def test_history_on_real_data(realdata, universe):
    """Every day since 2000 on the real S&P file: vectorised, in well under 5 s; April 2009's
    worst days light red; 2009-05-29 is no longer calm."""
    import time

    from analytics.radar import history
    from models.market import MarketData
    from models.sources.files import read_price_file
    from models.state import default_compute

    close, _ = read_price_file(realdata / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz")
    etfs = pd.read_csv(realdata / "yf_adjclose_2026" / "etfs_adjclose_wide.csv.gz",
                       parse_dates=["date"], index_col="date")
    close = close.join(etfs[["SPY"]]).loc["1998":"2010"]
    market = MarketData(close=close, source="realdata", benchmark="SPY",
                        constituents=tuple(c for c in close.columns if c != "SPY"))
    snap = default_compute(market, universe)
    parts = {"momentum": snap.momentum, "dispersion": snap.dispersion,
             "crowding": snap.crowding}
    started = time.perf_counter()
    h = history(parts, start="2000-01-01")
    assert time.perf_counter() - started < 5.0
    states = h.xs("state", level="field", axis=1)
    worst = snap.momentum.factor["long_short"].loc["2000":].nsmallest(2)
    assert pd.Timestamp("2009-04-09") in worst.index
    assert (snap.momentum.sigma.loc[worst.index] > -3).any(), "a high-vol regime: under -3σ"
    assert (states.loc[worst.index, "Momentum σ-move"] == "red").all()
    assert states.loc["2009-05-29", "Momentum drawdown (1y peak)"] == "red"
    assert states.loc["2009-05-29", "Worst light"] == "red"


def test_wording_on_an_up_day_and_with_missing_parts():
    """An up day is judged 'best since', never 'worst since'; a missing leg reads n/a, not
    'nan%'; money carries '$'; the gamma and LETF rows say why they are missing."""
    up = momentum(0.1, float("nan"), 0.001)
    up.today = replace(up.today, long_share=None, best_since=pd.Timestamp("2026-01-09"),
                       worst_since=pd.Timestamp("2025-11-18"))
    radar = assess({"momentum": up, "dispersion": dispersion(0.5, 0.004, ratio_pct=100.0),
                    "flows": flows(-9.93e9), "as_of": pd.Timestamp("2026-02-04")})
    row = radar.signals["Momentum σ-move"].value
    assert "best since 2026-01-09" in row and "worst" not in row
    legs = radar.signals["Long vs short leg"].value
    assert "nan" not in legs and "long n/a" in legs
    assert radar.signals["LETF flow % of ADV"].value.startswith("-$9.93bn into the close")
    assert "1.0% of the daily dollar volume of the stocks" in radar.signals["LETF flow % of ADV"].value
    gamma_row = radar.signals["Dealer net gamma ($bn/1%)"]
    assert gamma_row.state == "n/a" and "no option chain quoted on 2026-02-04" in gamma_row.value
    bare = assess({"momentum": up})
    assert bare.signals["LETF flow % of ADV"].value.startswith("n/a")


def test_var_row_never_says_a_zero_cut_beside_a_red_light():
    from analytics.radar import var_words

    assert var_words(1.88, 0.0) == "EWMA vol 1.88x its 1-year level; no further cut today (vol did not rise)"
    assert var_words(1.88, 0.21).endswith("cuts gross 21% today")
    assert var_words(float("nan"), float("nan")).startswith("n/a")


def test_headline_tone_follows_the_verdict():
    calm = assess({"momentum": momentum(0.3, 0.001, 0.0),
                   "dispersion": dispersion(0.5, 0.004, ratio_pct=99.0)})
    assert calm.verdict.startswith("Calm") and calm.tone == "amber", \
        "calm with a red side signal: amber, not a red headline"
    quiet = assess({"momentum": momentum(0.3, 0.001, 0.0),
                    "dispersion": dispersion(0.5, 0.004, ratio_pct=40.0)})
    assert quiet.tone == "green"
    crash = assess({"momentum": momentum(-6.0, -0.05, 0.01)})
    assert crash.tone == "red"


def test_since_yesterday_names_the_lights_that_changed():
    """A scripted two-day sequence: dispersion goes amber -> red and breadth green -> red
    from the first day to the second; the momentum light stays green."""
    from analytics.radar import since_words, state_changes

    days = pd.to_datetime(["2026-02-03", "2026-02-04"])
    history = pd.DataFrame(
        {("Momentum σ-move", "state"): ["green", "green"],
         ("Dispersion percentile", "state"): ["amber", "red"],
         ("Breadth vs index", "state"): ["green", "red"],
         ("Worst light", "state"): ["amber", "red"]}, index=days)
    history.columns = pd.MultiIndex.from_tuples(history.columns, names=["signal", "field"])
    changes = state_changes(history)
    assert changes == [("Dispersion percentile", "amber", "red"),
                       ("Breadth vs index", "green", "red")]
    assert since_words(changes, history) == ("Since 2026-02-03: Dispersion percentile watch → "
                                             "signal; Breadth vs index calm → signal"), \
        "the same words as the radar table's lights"
    assert since_words([], history) == "Since 2026-02-03: no light changed"
    assert state_changes(history.iloc[:1]) == []


def test_change_since_the_previous_session_in_the_signals_units():
    """Δ 1d is today's number minus the previous session's, written in the signal's units;
    the trail is the last 20 numbers; flow and gamma (today only) have neither."""
    from analytics.radar import Radar

    days = pd.bdate_range("2026-01-01", periods=25)
    sigma = np.linspace(0.0, 2.4, 25)
    sigma[-1] = -6.4
    breadth = np.full(25, 0.5)
    breadth[-1] = 0.763
    pct = np.full(25, 99.0)
    history = pd.DataFrame({("Momentum σ-move", "value"): sigma,
                            ("Breadth vs index", "value"): breadth,
                            ("Dispersion percentile", "value"): pct}, index=days)
    history.columns = pd.MultiIndex.from_tuples(history.columns, names=["signal", "field"])
    radar = Radar(history=history)
    assert radar.change("Momentum σ-move") == -6.4 - 2.3
    assert radar.change_text("Momentum σ-move") == "-8.7σ"
    assert radar.change_text("Breadth vs index") == "+26 pp"
    assert radar.change_text("Dispersion percentile") == "0 pts", "no '-0' for no change"
    assert radar.change_text("LETF flow % of ADV") == "n/a (today only)"
    trail = radar.trail("Momentum σ-move")
    assert len(trail) == 20 and trail.index[-1] == days[-1] and trail.iloc[-1] == -6.4
    assert radar.trail("Dealer net gamma ($bn/1%)").empty
    history.loc[days[-2], ("Breadth vs index", "value")] = np.nan
    assert radar.change_text("Breadth vs index") == "n/a"
