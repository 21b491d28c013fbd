"""File source: good wide/long/Parquet files, and one message per kind of bad file."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from models.sources import open_source
from models.sources.files import EW_BENCHMARK, FileDataError, FileSource, read_price_file

WIDE = "date,SPY,AAPL,MSFT\n2026-01-05,600,250,400\n2026-01-06,606,255,396\n2026-01-07,603,260,404\n"


def write(tmp_path, text, name="prices.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wide_csv(tmp_path, universe):
    market = FileSource(write(tmp_path, WIDE)).load(universe)
    assert list(market.close.columns) == ["SPY", "AAPL", "MSFT"]
    assert market.close.loc["2026-01-06", "AAPL"] == 255.0
    assert market.benchmark == "SPY" and market.constituents == ("AAPL", "MSFT")
    assert not market.simulated and market.source == "file prices.csv"


def test_unsorted_dates_are_sorted(tmp_path):
    text = "date,A\n2026-01-07,3\n2026-01-05,1\n2026-01-06,2\n"
    close, _ = read_price_file(write(tmp_path, text))
    assert list(close["A"]) == [1.0, 2.0, 3.0]


def test_long_csv_gz_with_volume(tmp_path):
    text = ("Date,Ticker,Close,Volume\n2026-01-05,A,10,100\n2026-01-05,B,20,200\n"
            "2026-01-06,A,11,110\n2026-01-06,B,19,210\n")
    path = tmp_path / "long.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(text)
    close, volume = read_price_file(path)
    assert close.loc["2026-01-06", "B"] == 19.0 and volume.loc["2026-01-05", "A"] == 100.0


def test_parquet_wide(tmp_path):
    frame = pd.DataFrame({"A": [1.0, 2.0], "B": [3.0, 4.0]},
                         index=pd.DatetimeIndex(["2026-01-05", "2026-01-06"], name="date"))
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    close, _ = read_price_file(path)
    assert close.shape == (2, 2) and close.iloc[1, 1] == 4.0


def test_missing_benchmark_uses_equal_weight(tmp_path, universe):
    text = "date,AAA,BBB\n2026-01-05,10,20\n2026-01-06,11,19\n2026-01-07,12.1,19\n"
    market = FileSource(write(tmp_path, text), constituents="file").load(universe)
    assert market.benchmark == EW_BENCHMARK
    assert market.benchmark_proxy == ("equal-weighted average of 2 constituents (SPY is not in "
                                      "the data)")
    ew = market.close[EW_BENCHMARK]
    assert ew.iloc[1] / ew.iloc[0] - 1 == pytest.approx((0.1 - 0.05) / 2)
    assert any("equal-weighted average of 2 constituents" in n for n in market.notes)


def test_partial_last_row_is_dropped_with_a_note(tmp_path, universe):
    rows = ["date," + ",".join(f"T{i}" for i in range(10))]
    rows += [f"2026-01-0{d}," + ",".join("10" for _ in range(10)) for d in (5, 6, 7)]
    rows.append("2026-01-08,11,11" + "," * 8)
    market = FileSource(write(tmp_path, "\n".join(rows) + "\n"), constituents="file").load(universe)
    assert market.close.index[-1] == pd.Timestamp("2026-01-07")
    assert any("dropped the last 1 row(s) (2026-01-08)" in n for n in market.notes)


def test_open_source_by_path(tmp_path):
    assert isinstance(open_source(str(write(tmp_path, WIDE))), FileSource)


BAD = [
    ("empty.csv", "", "prices file is empty"),
    ("header.csv", "date,A,B\n", "the file is empty"),
    ("dates.csv", "date,A\n2026-01-05,1\nnot-a-date,2\n", "row 3: cannot parse date 'not-a-date'"),
    ("dup.csv", "date,A\n2026-01-05,1\n2026-01-05,2\n2026-01-06,3\n", "duplicate date 2026-01-05"),
    ("text.csv", "date,A,B\n2026-01-05,1,2\n2026-01-06,abc,3\n",
     "column 'A', row 3 (2026-01-06): non-numeric value 'abc'"),
    ("zero.csv", "date,A,B\n2026-01-05,1,2\n2026-01-06,1,0\n",
     "column 'B' on 2026-01-06: price is zero or negative (0.0)"),
    ("negative.csv", "date,A\n2026-01-05,1\n2026-01-06,-4\n",
     "column 'A' on 2026-01-06: price is zero or negative (-4.0)"),
    ("nodata.csv", "date,A,B\n2026-01-05,,\n2026-01-06,,\n", "no usable columns"),
    ("onlydate.csv", "date\n2026-01-05\n2026-01-06\n", "no usable columns (only a date column)"),
    ("single.csv", "date,A\n2026-01-05,1\n", "only one row of prices"),
    ("nodate.csv", "name,A\nfoo,1\nbar,2\n", "no date column"),
    ("inf.csv", "date,A\n2026-01-05,1\n2026-01-06,inf\n", "price is infinite"),
    ("longdup.csv", "date,ticker,close\n2026-01-05,A,1\n2026-01-05,A,2\n",
     "row 3: duplicate date 2026-01-05 for A"),
    ("longempty.csv", "date,ticker,close\n2026-01-05,A,1\n2026-01-06,,2\n", "row 3: empty ticker"),
    ("dupcol.csv", "date,A,A\n2026-01-05,1,2\n2026-01-06,1,2\n", "dupcol.csv: duplicate column 'A'"),
    ("prices.txt", "date,A\n2026-01-05,1\n", "unsupported file type"),
]


@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_bad_file_message(tmp_path, name, text, message):
    path = tmp_path / (name if name != "empty.csv" else "prices.csv")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileDataError) as err:
        read_price_file(path)
    assert str(err.value).startswith(path.name + ":"), str(err.value)
    assert message.replace("prices file", "the file") in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileDataError, match="nope.csv: file not found"):
        read_price_file(tmp_path / "nope.csv")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(FileDataError, match="bad.parquet: cannot be read as Parquet"):
        read_price_file(path)


def test_realdata_wide_file(realdata, universe):
    path = realdata / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz"
    market = FileSource(path).load(universe)
    assert market.close.shape[1] > 600 and market.close.index[-1] == pd.Timestamp("2026-07-13")
    assert np.isfinite(market.close.to_numpy()[~np.isnan(market.close.to_numpy())]).all()
