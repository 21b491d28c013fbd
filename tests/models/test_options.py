"""Option chains from files: column aliases, validation, the engine's gamma inputs, and the
five real SPY chains against SqueezeMetrics' published GEX (skipped without ../shared)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models.options import OptionFileError, read_option_file

CHAIN = """expiry,strike,kind,open_interest,implied_vol,underlying_price,quote_date
2026-02-20,600,C,1000,0.18,601.5,2026-02-04
2026-02-20,600,P,"1,500",19%,601.5,2026-02-04
2026-03-20,620,call,200,0.2,601.5,2026-02-04
2026-03-20,580,put,,0.22,601.5,2026-02-04
"""


def write(tmp_path, text, name="chain.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_spec_columns_percent_vols_and_separators(tmp_path):
    chains = read_option_file(write(tmp_path, CHAIN), "SPY")
    chain = chains["SPY"]
    assert list(chain["kind"]) == ["C", "P", "C", "P"]
    assert chain["open_interest"].tolist() == [1000.0, 1500.0, 200.0, 0.0]
    assert chain["implied_vol"].tolist() == pytest.approx([0.18, 0.19, 0.2, 0.22])
    assert (chain["quote_date"] == pd.Timestamp("2026-02-04")).all()
    assert (chain["underlying_price"] == 601.5).all()


def test_vendor_and_yfinance_names(tmp_path):
    text = ("ticker,Expiration_Date,option_type,strike,openInterest,impliedVolatility,S,"
            "spot_date\nQQQ,2026-02-20,call,500,10,0.2,510.0,2026-02-04\n"
            "QQQ,2026-02-20,put,500,12,0.21,510.0,2026-02-04\n")
    chains = read_option_file(write(tmp_path, text), "SPY")
    assert list(chains) == ["QQQ"], "the file's underlying column wins over the default"
    assert chains["QQQ"]["underlying_price"].iloc[0] == 510.0


@pytest.mark.parametrize("text, words", [
    ("strike,kind,open_interest,implied_vol\n600,C,1,0.2\n", "missing column(s) expiry"),
    ("expiry,strike,kind,open_interest,implied_vol\n2026-02-20,600,X,1,0.2\n",
     "row 2, column 'kind': kind must be C/P or call/put, got 'X'"),
    ("expiry,strike,kind,open_interest,implied_vol\n2026-02-20,abc,C,1,0.2\n",
     "row 2, column 'strike' (strike): not a number ('abc')"),
    ("expiry,strike,kind,open_interest,implied_vol\n2026-02-20,-5,C,1,0.2\n",
     "row 2, column 'strike': strike must be positive"),
    ("expiry,strike,kind,open_interest,implied_vol\n2026-02-20,600,C,-1,0.2\n",
     "negative open interest"),
    ("expiry,strike,kind,open_interest,implied_vol\nsoon,600,C,1,0.2\n",
     "row 2: cannot parse date 'soon'"),
    ("expiry,strike,kind,open_interest,implied_vol,quote_date\n2026-02-20,600,C,1,0.2,"
     "2026-02-04\n2026-02-20,610,C,1,0.2,2026-02-05\n", "2 different quote dates"),
])
def test_bad_files_name_the_row_and_column(tmp_path, text, words):
    with pytest.raises(OptionFileError) as err:
        read_option_file(write(tmp_path, text), "SPY")
    assert str(err.value).startswith("chain.csv: ") and words in str(err.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(OptionFileError, match="nope.csv: file not found"):
        read_option_file(tmp_path / "nope.csv", "SPY")


def test_the_chain_file_drives_gamma_in_the_app(tmp_path, universe):
    """--options with the simulated market: the chain's own spot, the default rate said in
    words (no ^IRX in a file-only world is the usual case), the universe's dividend yield."""
    from models.sources import open_source
    from models.state import default_compute

    rows = ["expiry,strike,kind,open_interest,implied_vol,underlying_price,quote_date"]
    for strike in range(540, 661, 10):
        for kind, oi in (("C", 4000), ("P", 9000 if strike < 600 else 1500)):
            rows.append(f"2026-03-20,{strike},{kind},{oi},0.2,601.5,2026-02-06")
    path = write(tmp_path, "\n".join(rows) + "\n")
    market = open_source("demo", seed=7, end="2026-02-06", options=[str(path)]).load(universe)
    assert "quoted 2026-02-06" in market.notes[-1]
    g = default_compute(market, universe).gamma.underlyings["SPY"]
    assert g.spot == 601.5 and g.spot_source == "the chain's underlying price"
    assert g.quote_date == pd.Timestamp("2026-02-06")
    assert g.dividend_yield == universe.dividend_yields["SPY"]
    assert g.dividend_source == "the universe file"
    assert g.contracts == 26
    replay = market.until("2026-02-06")
    assert "SPY" in replay.options
    assert market.until("2026-02-05").options == {}, "a chain is shown only on its own day"


def test_sign_near_the_flip_is_amber_never_red(universe, demo_market):
    from dataclasses import replace

    from analytics.gamma import zero_gamma_level
    from models.state import default_compute

    base = pd.DataFrame({"expiry": [pd.Timestamp("2026-03-20")] * 2, "strike": [620.0, 580.0],
                         "kind": ["C", "P"], "open_interest": [20000.0, 20000.0],
                         "implied_vol": [0.2, 0.2]})
    zero = zero_gamma_level(base, 600.0, pd.Timestamp("2026-02-06"), 0.04, 0.0115)
    chain = base.assign(underlying_price=zero * 1.001, quote_date=pd.Timestamp("2026-02-06"))
    snap = default_compute(replace(demo_market, options={"SPY": chain}), universe)
    g = snap.gamma.underlyings["SPY"]
    assert g.uncertain and g.reading.startswith("near the gamma flip: sign uncertain")
    signal = snap.radar.signals["Dealer net gamma ($bn/1%)"]
    assert signal.state == "amber"
    assert "dealers net short gamma" not in snap.radar.verdict
    headline = json.loads(json.dumps(snap.headline()))["gamma"]["SPY"]
    assert headline["sign_uncertain"]
    assert headline["rate_source"].startswith(("13-week", "the universe's default"))


CHAINS = ("spy_chain_2015-01-05_with_greeks.csv.gz", "spy_chain_2020-08-02_yahoo_scrape.csv.gz",
          "spy_chain_2020-08-18_yahoo_scrape.csv.gz", "spy_chain_2025-08-26_yfinance.csv.gz",
          "spy_chain_2026-05-01_yfinance_raw.csv.gz")


def real_inputs(realdata, day):
    """The 1-month bill (French's daily RF, last 21 days, annualised) and the S&P dividend
    yield (Shiller) as of ``day``; the universe's defaults where those files end."""
    from analytics.gamma import continuous_rate

    rf = pd.read_csv(realdata / "french" / "ff5_daily_tidy.csv", parse_dates=["date"],
                     index_col="date")["RF"] / 100
    shiller = pd.read_csv(realdata / "indices" / "shiller_sp500_monthly_1871_2026.csv",
                          parse_dates=["Date"], index_col="Date")
    shiller = shiller[shiller["Dividend"] > 0]
    rate = continuous_rate(rf.loc[:day].iloc[-21:].mean() * 252) \
        if rf.index[-1] >= day - pd.Timedelta(days=5) else 0.04
    div = float((shiller["Dividend"] / shiller["SP500"]).loc[:day].iloc[-1]) \
        if shiller.index[-1] >= day - pd.Timedelta(days=400) else 0.0115
    return rate, div


def test_five_real_chains_against_squeezemetrics(realdata):
    """Dealer GEX and zero gamma for each real chain. Measured (README): the two confident
    2020 readings agree in sign with SqueezeMetrics; 2025-08-26 and 2026-05-01 sit within
    0.5% of the flip and read 'sign uncertain'; 2015-01-05 reads short gamma with zero gamma
    3% above spot while SqueezeMetrics (the whole S&P complex) was long."""
    from analytics.gamma import (
        clean_chain,
        flip_uncertainty,
        gex_by_strike,
        parity_spot,
        zero_gamma_level,
    )

    published = pd.read_csv(realdata / "options" / "squeezemetrics_DIX_GEX_2011_2026.csv",
                            parse_dates=["date"], index_col="date")["gex"]
    seen = {}
    for name in CHAINS:
        chain = read_option_file(realdata / "options" / name, "SPY")["SPY"]
        day = chain["quote_date"].iloc[0]
        spot = float(chain["underlying_price"].median()) if "underlying_price" in chain \
            else parity_spot(chain, day)
        rate, div = real_inputs(realdata, day)
        clean, _ = clean_chain(chain, day)
        dealer = gex_by_strike(clean, spot, day, rate, div)["net_gex"].sum()
        zero = zero_gamma_level(clean, spot, day, rate, div)
        uncertain = flip_uncertainty(clean, spot, day, rate, div, zero)
        theirs = published.loc[:day].iloc[-1]
        seen[f"{day:%Y-%m-%d}"] = ("uncertain" if uncertain else
                                   "agree" if np.sign(dealer) == np.sign(theirs) else "disagree")
        assert zero is None or 0.8 * spot < zero < 1.2 * spot
    assert seen == {"2015-01-05": "disagree", "2020-08-02": "agree", "2020-08-18": "agree",
                    "2025-08-26": "uncertain", "2026-05-01": "uncertain"}
    spot_2015 = parity_spot(read_option_file(realdata / "options" / CHAINS[0], "SPY")["SPY"],
                            pd.Timestamp("2015-01-05"))
    assert spot_2015 == pytest.approx(201.72, abs=0.3), "parity recovers the unadjusted close"


def test_real_chain_through_the_app(realdata, universe):
    """The 2026-05-01 chain file with the real ETF prices: the chain's own spot (720.65, not
    the adjusted close), and an amber 'sign uncertain' instead of a red 'net short gamma'."""
    from models.sources import open_source
    from models.state import default_compute

    source = open_source(str(realdata / "yf_adjclose_2026" / "etfs_adjclose_wide.csv.gz"),
                         options=[str(realdata / "options" / CHAINS[-1])])
    market = source.load(universe).until("2026-05-01")
    g = default_compute(market, universe).gamma.underlyings["SPY"]
    assert g.spot == pytest.approx(720.65, abs=0.01)
    assert g.uncertain and g.reading.startswith("near the gamma flip")
    assert g.rate_source == "the universe's default: no ^IRX in the data"
    assert np.isnan(g.letf_gamma_usd_per_pct), "no fund assets: unknown, not zero"
