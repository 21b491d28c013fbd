"""Several files and folders, column roles, the benchmark proxy, dates and implausible prices."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from analytics.engine import compute
from models.market import MarketDataError
from models.sources import open_source
from models.sources.files import FileDataError, FileSource, read_price_file
from models.state import engine_params

DAYS = pd.bdate_range("2024-01-02", periods=320)
MEMBERS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "JPM", "XOM", "JNJ", "PG", "KO",
           "PEP"]


def panel(tickers, seed=0, days=DAYS):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0005, 0.02, (len(days), len(tickers)))
    return pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=days, columns=tickers)


def save(frame, path):
    frame.rename_axis("date").reset_index().to_csv(path, index=False,
                                                   date_format="%Y-%m-%d")
    return path


# ---------------------------------------------------------------- several files and folders
def test_two_files_are_outer_joined_on_dates(tmp_path, universe):
    stocks = panel(MEMBERS)
    etfs = panel(["SPY", "XLK"], seed=1).iloc[5:]                 # starts a week later
    etfs["AAPL"] = stocks["AAPL"]                                 # the same prices in both: fine
    source = open_source(f"{save(stocks, tmp_path / 'a.csv')};{save(etfs, tmp_path / 'b.csv')}")
    market = source.load(universe)
    assert market.close.index.equals(DAYS)
    assert np.isnan(market.close["SPY"].iloc[0]) and market.close["SPY"].iloc[-1] > 0
    assert market.source == "file 2 files" and market.benchmark == "SPY"


def test_a_ticker_with_different_prices_in_two_files_names_both_and_the_date(tmp_path,
                                                                            universe):
    a = panel(MEMBERS)
    b = a[["AAPL"]].copy()
    b.loc[DAYS[40]:, "AAPL"] *= 1.01
    paths = (save(a, tmp_path / "one.csv"), save(b, tmp_path / "two.csv"))
    with pytest.raises(FileDataError, match=r"AAPL is in one.csv and two.csv with different "
                                            rf"prices \(first on {DAYS[40]:%Y-%m-%d}"):
        FileSource(paths).load(universe)


def test_a_folder_loads_every_data_file_in_it(tmp_path, universe):
    folder = tmp_path / "prices"
    folder.mkdir()
    save(panel(MEMBERS), folder / "stocks.csv")
    save(panel(["SPY"], seed=3), folder / "spy.csv")
    (folder / "readme.txt").write_text("not data", encoding="utf-8")
    market = open_source(str(folder)).load(universe)
    assert set(market.close.columns) == set(MEMBERS) | {"SPY"}


def test_a_folder_without_data_files_is_an_error(tmp_path, universe):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileDataError, match="empty: the folder has no data files"):
        open_source(str(tmp_path / "empty")).load(universe)


def test_an_unreadable_file_among_others_is_named_and_nothing_loads(tmp_path, universe):
    good = save(panel(MEMBERS), tmp_path / "good.csv")
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(FileDataError, match="broken.parquet: cannot be read as Parquet"):
        FileSource((good, bad)).load(universe)


def test_a_source_name_cannot_mix_with_files(tmp_path):
    with pytest.raises(ValueError, match="'demo' cannot be combined with files"):
        open_source(f"demo;{tmp_path / 'a.csv'}")


# ---------------------------------------------------------------- column roles
def members_and_etfs(tmp_path):
    stocks = panel(MEMBERS + ["ZZZ1", "ZZZ2"])
    etfs = panel(["SPY", "XLK", "UVXY", "AGQ"], seed=1)
    return save(stocks, tmp_path / "members.csv"), save(etfs, tmp_path / "etfs.csv")


def test_unknown_columns_are_ignored_and_named_once(tmp_path, universe):
    market = FileSource(members_and_etfs(tmp_path)).load(universe)
    assert market.constituents == tuple(t for t in universe.constituents if t in MEMBERS)
    assert "SPY" not in market.constituents and "XLK" not in market.constituents
    ignored = [n for n in market.notes if n.startswith("ignored")]
    assert ignored == ["ignored 4 columns not in the universe: ZZZ1, ZZZ2, UVXY, AGQ; use "
                       "--constituents file to treat unknown columns as stocks"]
    assert any(n.startswith(f"only {len(MEMBERS)} of the universe's") for n in market.notes)


def test_constituents_file_counts_unknown_columns_but_never_known_etfs(tmp_path, universe):
    market = FileSource(members_and_etfs(tmp_path), constituents="file").load(universe)
    assert {"ZZZ1", "ZZZ2", "UVXY", "AGQ"} <= set(market.constituents)
    assert "SPY" not in market.constituents and "XLK" not in market.constituents
    assert not any(n.startswith("ignored") for n in market.notes)


def test_ignored_columns_do_not_change_any_figure(tmp_path, universe):
    stocks = panel(MEMBERS, days=pd.bdate_range("2023-01-02", periods=420))
    etfs = panel(["SPY", "XLK"], seed=1, days=stocks.index)
    clean = FileSource((save(stocks, tmp_path / "s.csv"), save(etfs, tmp_path / "e.csv")))
    noisy_etfs = etfs.join(panel(["UVXY", "AGQ", "SLV"], seed=9, days=stocks.index) * 3)
    noisy = FileSource((tmp_path / "s.csv", save(noisy_etfs, tmp_path / "noisy.csv")))
    a = compute(*(lambda m: (m, engine_params(universe, m)))(clean.load(universe))).headline()
    b = compute(*(lambda m: (m, engine_params(universe, m)))(noisy.load(universe))).headline()
    for key in ("momentum", "dispersion", "breadth", "benchmark", "radar"):
        assert a[key] == b[key], key


def test_the_benchmark_proxy_is_in_the_snapshot_and_the_footer(tmp_path, universe):
    from gui.export import footer_text

    market = FileSource(save(panel(MEMBERS), tmp_path / "s.csv")).load(universe)
    snapshot = compute(market, engine_params(universe, market))
    proxy = f"equal-weighted average of {len(MEMBERS)} constituents (SPY is not in the data)"
    assert snapshot.benchmark_proxy == proxy
    assert snapshot.headline()["benchmark"]["proxy"] == proxy
    assert f"benchmark: {proxy}" in footer_text("Crash radar", snapshot)


# ---------------------------------------------------------------- dates
def test_day_first_dates_are_read_day_first(tmp_path):
    text = "date,A\n02/01/2024,1\n03/01/2024,2\n13/01/2024,3\n"
    close, _ = read_price_file(write(tmp_path, text))
    assert list(close.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-13"]))


def test_month_first_dates_are_read_month_first(tmp_path):
    text = "date,A\n01/02/2024,1\n01/03/2024,2\n01/13/2024,3\n"
    close, _ = read_price_file(write(tmp_path, text))
    assert list(close.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-13"]))


def test_ambiguous_dates_are_an_error_that_says_how_to_choose(tmp_path):
    path = write(tmp_path, "date,A\n02/01/2024,1\n03/01/2024,2\n")
    with pytest.raises(FileDataError, match=r"p.csv: ambiguous dates.*'02/01/2024'.*ISO dates "
                                            r"\(YYYY-MM-DD\) or pass --date-format"):
        read_price_file(path)
    close, _ = read_price_file(path, date_format="%d/%m/%Y")
    assert close.index[1] == pd.Timestamp("2024-01-03")


def test_dates_in_both_orders_are_an_error(tmp_path):
    with pytest.raises(FileDataError, match=r"dates mix day-first \(row 3: '13/01/2024'\) and "
                                            r"month-first \(row 4: '01/14/2024'\)"):
        read_price_file(write(tmp_path, "date,A\n02/01/2024,1\n13/01/2024,2\n01/14/2024,3\n"))


def test_yfinance_style_offsets_give_local_dates(tmp_path):
    text = ("Date,A\n2024-03-08 00:00:00-05:00,1\n2024-03-11 00:00:00-04:00,2\n"
            "2024-03-12 00:00:00-04:00,3\n")
    close, _ = read_price_file(write(tmp_path, text))
    assert list(close.index) == list(pd.to_datetime(["2024-03-08", "2024-03-11", "2024-03-12"]))


def test_mixed_offsets_on_intraday_stamps_name_the_row(tmp_path):
    text = "Date,A\n2024-03-08 15:00:00+09:00,1\n2024-03-08 16:00:00-05:00,2\n"
    with pytest.raises(FileDataError, match=r"p.csv: row 3: time-zone offset -05:00 differs "
                                            r"from \+09:00 in row 2"):
        read_price_file(write(tmp_path, text))


def test_a_truncated_gzip_names_the_file_and_the_line(tmp_path):
    frame = panel(["A", "B"], days=pd.bdate_range("1990-01-01", periods=20000))
    save(frame, tmp_path / "full.csv.gz")
    data = (tmp_path / "full.csv.gz").read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(data[: len(data) // 2])
    with gzip.open(tmp_path / "cut.csv.gz", "rb") as fh:
        with pytest.raises(EOFError):
            fh.read()
    with pytest.raises(FileDataError, match=r"cut.csv.gz: the compressed file is truncated or "
                                            r"damaged after line \d{4,}"):
        read_price_file(tmp_path / "cut.csv.gz")


def test_as_of_after_the_last_date_is_an_error(tmp_path, universe):
    market = FileSource(save(panel(MEMBERS + ["SPY"]), tmp_path / "s.csv")).load(universe)
    with pytest.raises(MarketDataError, match=rf"--as-of 2030-01-02 is after the last date of "
                                              rf"the data \({DAYS[-1]:%Y-%m-%d}\)"):
        market.until("2030-01-02")


# ---------------------------------------------------------------- implausible prices
def test_an_absurd_print_is_excluded_with_a_note_and_sigma_stays_a_number(tmp_path, universe):
    days = pd.bdate_range("2023-01-02", periods=520)
    frame = panel(MEMBERS + ["SPY"], days=days)
    frame.loc[days[500], "NVDA"] = 1e300
    frame.loc[days[200], "KO"] = frame.loc[days[199], "KO"] / 5000
    market = FileSource(save(frame, tmp_path / "s.csv")).load(universe)
    assert np.isnan(market.close.loc[days[500], "NVDA"])
    assert np.isnan(market.close.loc[days[200], "KO"])
    assert market.close.loc[days[501], "NVDA"] == pytest.approx(frame.loc[days[501], "NVDA"])
    note = next(n for n in market.notes if n.startswith("excluded 2 implausible"))
    assert f"NVDA on {days[500]:%Y-%m-%d} (1e+300)" in note and f"KO on {days[200]:%Y-%m-%d}" in note
    snapshot = compute(market.until(days[500]), engine_params(universe, market))
    assert np.isfinite(snapshot.momentum.today.sigma)


def test_an_absurd_print_beside_an_ignored_column_is_excluded_and_the_column_kept(
        tmp_path, universe):
    days = pd.bdate_range("2023-01-02", periods=300)
    frame = panel(MEMBERS + ["SPY", "NOTINUNIVERSE"], days=days)
    frame.loc[days[250], "NVDA"] = 1e300
    market = FileSource(save(frame, tmp_path / "s.csv")).load(universe)
    assert np.isnan(market.close.loc[days[250], "NVDA"])
    assert np.allclose(market.close["NOTINUNIVERSE"].to_numpy(),
                       frame["NOTINUNIVERSE"].to_numpy())
    assert any(n.startswith("excluded 1 implausible") for n in market.notes)
    assert any(n.startswith("ignored 1 columns") for n in market.notes)


def test_implausible_prints_are_found_in_every_block_of_tickers_after_gaps():
    """Tickers are checked 32 at a time; a jump is measured from the last known price."""
    from models.market import exclude_implausible

    days = pd.bdate_range("2020-01-01", periods=300)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(100 * np.exp(rng.normal(0, 0.01, (300, 70)).cumsum(axis=0)),
                         index=days, columns=[f"T{i:02d}" for i in range(70)])
    frame.iloc[100:110, 40] = np.nan                       # a gap, then a bad print after it
    frame.iloc[110, 40] = frame.iloc[99, 40] * 5000
    frame.iloc[250, 65] = 2e9
    frame.iloc[250, 5] = 3e9                               # exempt: a level, not a price
    cleaned, note = exclude_implausible(frame, exempt=frozenset({"T05"}))
    assert np.isnan(cleaned.iloc[110, 40]) and np.isnan(cleaned.iloc[250, 65])
    assert cleaned.iloc[250, 5] == 3e9
    assert note.startswith("excluded 2 implausible") and f"T40 on {days[110]:%Y-%m-%d}" in note
    clean = frame.drop(columns=["T40", "T65"])
    same, none = exclude_implausible(clean, frozenset({"T05"}))
    assert same is clean and none is None


def write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checks_read_only_the_columns_named(monkeypatch):
    """exclude_implausible and drop_partial_tail judge the columns they are given: an
    unchecked column's absurd print and missing tail are left as they are, and the panel
    comes back as the same frame when nothing changes. A partial tail longer than the rows
    counted first is counted whole."""
    import models.market as market
    from models.market import drop_partial_tail, exclude_implausible

    days = pd.bdate_range("2020-01-01", periods=300)
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(100 * np.exp(rng.normal(0, 0.01, (300, 40)).cumsum(axis=0)),
                         index=days, columns=[f"T{i:02d}" for i in range(40)])
    frame.iloc[200, 39] = 1e300
    frame.iloc[-3:, 39] = np.nan
    checked = list(frame.columns[:39])
    same, note = exclude_implausible(frame, columns=checked)
    assert same is frame and note is None
    assert exclude_implausible(frame)[1].startswith("excluded 1 implausible")
    kept, note = drop_partial_tail(frame, checked)
    assert kept is frame and note is None
    monkeypatch.setattr(market, "TAIL_ROWS", 3)
    tail = frame.copy()
    for k, priced in enumerate((30, 24, 19, 15, 12)):      # each day under 90% of the last
        tail.iloc[-5 + k, priced:] = np.nan
    kept, note = drop_partial_tail(tail, checked)
    assert len(kept) == len(tail) - 5
    assert note.startswith("dropped the last 5 row(s)")
