"""The shipped universe and the validation of broken universe files."""
from __future__ import annotations

import re

import pytest

from models.universe import DEFAULT_UNIVERSE, GICS_SECTORS, UniverseError, load_universe

MINIMAL = """
as_of = "2026-01-02"
leveraged_etfs = [{ ticker = "SSO", underlying = "SPY", multiple = 2 }]
[benchmark]
ticker = "SPY"
[constituents]
"Information Technology" = ["AAPL", "MSFT"]
"""


def write(tmp_path, text):
    path = tmp_path / "universe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_universe_sections(universe):
    assert universe.benchmark == "SPY"
    assert 495 <= len(universe.constituents) <= 510
    assert set(universe.sectors.values()) == set(GICS_SECTORS)
    assert {"AAPL", "NVDA", "MSFT", "BRK-B", "BF-B"} <= set(universe.constituents)
    assert not [t for t in universe.constituents if "." in t], "Yahoo uses BRK-B, not BRK.B"
    for theme in ("AI beneficiaries", "AI power & grid", "Memory chips", "Software",
                  "Bitcoin miners", "National security & defense", "Rare earths",
                  "Unprofitable tech", "Regional banks", "Chemicals", "Early cyclicals",
                  "Defensives"):
        assert universe.themes[theme], theme
    assert {p.name for p in universe.pairs} >= {"AI leaders vs software", "High beta vs low vol",
                                                "Momentum vs market", "Equal vs cap weight",
                                                "Cyclicals vs defensives"}
    assert {r.name for r in universe.regions} >= {"US", "Korea", "Japan", "Taiwan", "China / HK",
                                                  "Europe", "India", "Emerging markets",
                                                  "Developed ex-US"}
    assert universe.cross_asset.rates == ["^IRX", "^FVX", "^TNX", "^TYX"]
    assert universe.option_underlyings == ["SPY", "QQQ"]
    assert universe.as_of.isoformat() == "2026-08-01"


def test_leveraged_funds_have_methods_multiples(universe):
    funds = {f.ticker: f for f in universe.leveraged_etfs}
    assert (funds["TQQQ"].underlying, funds["TQQQ"].multiple) == ("QQQ", 3.0)
    assert (funds["SQQQ"].underlying, funds["SQQQ"].multiple) == ("QQQ", -3.0)
    assert (funds["SH"].underlying, funds["SH"].multiple) == ("SPY", -1.0)
    assert funds["NVDL"].underlying == "NVDA"
    assert all(f.multiple != 0 for f in funds.values())


def test_pair_legs_resolve_theme_names(universe):
    pair = next(p for p in universe.pairs if p.name == "AI leaders vs software")
    assert pair.long == tuple(universe.themes["AI beneficiaries"])
    assert "CRM" in pair.short


def test_all_tickers_unique_and_complete(universe):
    tickers = universe.all_tickers()
    assert len(tickers) == len(set(tickers))
    must = {"SPY", "^GSPC", "^KS11", "KRW=X", "EWY", "JPY=X", "^TNX", "HG=F", "^VIX", "XLK",
            "TQQQ", "QQQ", "SMH", "MTUM", "TSM"}
    assert must <= set(tickers)
    assert set(universe.constituents) <= set(tickers)


def test_currency_quote_direction(universe):
    regions = {r.name: r for r in universe.regions}
    assert regions["Europe"].currency_is_usd_per_local
    assert not regions["Japan"].currency_is_usd_per_local
    assert regions["US"].domestic and not regions["Korea"].domestic
    assert universe.region_etfs(domestic=True) == ["SPY"]


def test_minimal_file_loads(tmp_path):
    u = load_universe(write(tmp_path, MINIMAL))
    assert u.constituents == ["AAPL", "MSFT"]
    assert u.all_tickers() == ["SPY", "AAPL", "MSFT", "SSO"]


@pytest.mark.parametrize("text, entry, problem", [
    ("[benchmark\nticker = 1", "", "not valid TOML"),
    (MINIMAL + "\n[sentiment]\nx = 1\n", "[sentiment]", "unknown section"),
    (MINIMAL.replace('["AAPL", "MSFT"]', '["AAPL", "MSFT", "AAPL"]'),
     "[constituents] 'Information Technology'", "duplicate ticker 'AAPL'"),
    (MINIMAL.replace("multiple = 2", "multiple = 0"), "leveraged_etfs SSO",
     "multiple must be non-zero"),
    (MINIMAL.replace('underlying = "SPY", ', ""), "leveraged_etfs SSO", "missing underlying"),
    (MINIMAL.replace("Information Technology", "Tech"), "[constituents] 'Tech'",
     "not a GICS sector"),
    (MINIMAL.replace('as_of = "2026-01-02"', 'as_of = "Jan 2"'), "as_of", "not a YYYY-MM-DD"),
    (MINIMAL + '[themes."AI"]\nmembers = ["NVDA", "AMD", "NVDA"]\n', "[themes.'AI'] members",
     "duplicate ticker 'NVDA'"),
])
def test_broken_file_names_file_entry_and_problem(tmp_path, text, entry, problem):
    path = write(tmp_path, text)
    with pytest.raises(UniverseError) as err:
        load_universe(path)
    message = str(err.value)
    assert message.startswith(str(path)), message
    assert entry in message and problem in message, message
    assert "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(UniverseError, match=re.escape(str(tmp_path / "nope.toml")) + ": file not found"):
        load_universe(tmp_path / "nope.toml")


def test_default_path_is_the_resource():
    assert DEFAULT_UNIVERSE.name == "universe.toml" and DEFAULT_UNIVERSE.is_file()


def test_membership_file_names_former_members(tmp_path):
    (tmp_path / "members.csv").write_text(
        "ticker,start_date,end_date\nAAPL,1982-11-30,\nMSFT,1994-06-01,\nENRN,1990-01-02,"
        "2001-11-29\nGM,1990-01-02,2009-06-08\nGM,2013-06-06,2014-01-01\n")
    u = load_universe(write(tmp_path, MINIMAL.replace(
        "[constituents]\n", '[constituents]\nmembership = "members.csv"\n')))
    assert u.constituents == ["AAPL", "MSFT"], "today's list is unchanged"
    assert u.index_members() == ["AAPL", "MSFT", "ENRN", "GM"]
    assert u.membership_path == tmp_path / "members.csv"
    stays = [m for m in u.membership if m.ticker == "GM"]
    assert [(str(m.start), str(m.end)) for m in stays] == [("1990-01-02", "2009-06-08"),
                                                          ("2013-06-06", "2014-01-01")]
    assert "ENRN" in u.all_tickers()


@pytest.mark.parametrize("rows, problem", [
    ("ticker,start\nA,2020-01-01\n", "missing column 'end'"),
    ("ticker,start,end\nA,01/02/2020,\n", "row 2: dates must be YYYY-MM-DD"),
    ("ticker,start,end\nA,2020-01-01,2019-01-01\n", "row 2: A ends (2019-01-01) before it starts"),
    ("ticker,start,end\n", "the membership file has no rows"),
])
def test_bad_membership_files_name_the_row(tmp_path, rows, problem):
    (tmp_path / "members.csv").write_text(rows)
    with pytest.raises(UniverseError) as err:
        load_universe(write(tmp_path, MINIMAL.replace(
            "[constituents]\n", '[constituents]\nmembership = "members.csv"\n')))
    assert "members.csv" in str(err.value) and problem in str(err.value)


def test_a_missing_membership_file_is_named(tmp_path):
    with pytest.raises(UniverseError, match="nope.csv: cannot read the membership file"):
        load_universe(write(tmp_path, MINIMAL.replace(
            "[constituents]\n", '[constituents]\nmembership = "nope.csv"\n')))


def test_todays_list_wins_after_the_membership_file_ends(tmp_path):
    """The file ends 2025-11 (its last change); the universe lists today's members: a name
    removed since stops on that date, a name added since starts the day after."""
    (tmp_path / "members.csv").write_text(
        "ticker,start,end\nAAPL,1982-11-30,\nOLD,1990-01-02,\nX,1999-01-04,2025-11-14\n")
    u = load_universe(write(tmp_path, MINIMAL.replace(
        "[constituents]\n", '[constituents]\nmembership = "members.csv"\n')))
    stays = {(m.ticker, str(m.start), str(m.end)) for m in u.membership}
    assert ("OLD", "1990-01-02", "2025-11-14") in stays
    assert ("MSFT", "2025-11-15", "None") in stays and ("AAPL", "1982-11-30", "None") in stays
