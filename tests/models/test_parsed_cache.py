"""The pyarrow CSV reader, the parsed-file Parquet cache and the numpy join of several files."""
from __future__ import annotations

import gzip
import logging
import os

import numpy as np
import pandas as pd
import pytest

from models.sources import files, open_source
from models.sources.files import FileSource, join_files, read_price_file
from models.sources.parsed_cache import ParsedFileCache, stamp

MESSY = ("Date,SPY,INT,HOLES,EMPTY,EXP\n"
         "2026-01-07,603.5,3,NA,,1e2\n"
         "2026-01-05,600,1,-,,1.5\n"
         "2026-01-06,606.25,2,7.5,,2\n"
         "2026-01-08,\"601\",4,null,,3\n")


def pandas_only(monkeypatch):
    monkeypatch.setattr(files, "_read_csv_arrow", lambda path, header: None)


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
def test_the_arrow_reader_gives_what_pandas_gives(tmp_path, monkeypatch, gz):
    path = tmp_path / ("messy.csv.gz" if gz else "messy.csv")
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(MESSY)
    else:
        path.write_text(MESSY)
    assert files._read_csv_arrow(path, MESSY.split("\n")[0].split(",")) is not None
    fast = read_price_file(path)[0]
    pandas_only(monkeypatch)
    slow = read_price_file(path)[0]
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == ["SPY", "INT", "HOLES", "EXP"]   # EMPTY: no number at all
    assert fast.loc["2026-01-08", "SPY"] == 601.0 and fast.loc["2026-01-07", "EXP"] == 100.0


def test_a_late_non_numeric_cell_still_names_its_row(tmp_path):
    rows = "".join(f"{d:%Y-%m-%d},{100 + i}\n" for i, d in
                   enumerate(pd.bdate_range("2000-01-03", periods=60000)))
    path = tmp_path / "late.csv"
    path.write_text("date,A\n" + rows + "2300-01-03,oops\n")
    with pytest.raises(files.FileDataError, match=r"column 'A', row 60002 \(2300-01-03\): "
                                                  r"non-numeric value 'oops'"):
        read_price_file(path)


def test_long_files_take_the_arrow_reader_too(tmp_path, monkeypatch):
    path = tmp_path / "long.csv"
    path.write_text("date,ticker,close,volume\n2026-01-05,A,10,100\n2026-01-05,B,20,200\n"
                    "2026-01-06,A,11,110\n2026-01-06,B,19,\n")
    fast = read_price_file(path)
    pandas_only(monkeypatch)
    slow = read_price_file(path)
    for a, b in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(a, b)


WIDE = "date,SPY,AAPL\n2026-01-05,600,250\n2026-01-06,606,255\n2026-01-07,603,260\n"


def test_a_second_open_reads_the_parquet_entry(tmp_path, monkeypatch):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    source = FileSource(path, parsed_cache=tmp_path / "parsed")
    first = source._read(path)
    assert ParsedFileCache(tmp_path / "parsed").entry(path).is_file()

    def parse_again(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(files, "read_price_file", parse_again)
    second = source._read(path)
    pd.testing.assert_frame_equal(first[0], second[0])
    assert second[1] is None


def test_an_entry_keeps_the_volume_and_the_column_order(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("date,ticker,close,volume\n2026-01-05,ZZ,10,100\n2026-01-05,AA,20,200\n"
                    "2026-01-06,ZZ,11,110\n2026-01-06,AA,19,210\n")
    close, volume = read_price_file(path)
    cache = ParsedFileCache(tmp_path / "parsed")
    cache.put(path, stamp(path), close, volume)
    got_close, got_volume = cache.get(path)
    pd.testing.assert_frame_equal(got_close, close)
    pd.testing.assert_frame_equal(got_volume, volume)


def test_a_changed_file_or_date_format_is_parsed_again(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    cache = ParsedFileCache(tmp_path / "parsed")
    cache.put(path, stamp(path), *read_price_file(path))
    assert cache.get(path) is not None
    assert cache.get(path, "%Y-%m-%d") is None                       # another date format
    path.write_text(WIDE.replace("606", "616"))                      # same size, new content
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert cache.get(path) is None
    source = FileSource(path, parsed_cache=tmp_path / "parsed")
    assert source._read(path)[0].loc["2026-01-06", "SPY"] == 616.0
    assert cache.get(path)[0].loc["2026-01-06", "SPY"] == 616.0     # the entry replaced


def test_a_stamp_taken_before_parsing_never_validates_newer_content(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    before = stamp(path)
    close, volume = read_price_file(path)
    path.write_text(WIDE + "2026-01-08,610,262\n")                    # changed while parsing
    ParsedFileCache(tmp_path / "parsed").put(path, before, close, volume)
    assert ParsedFileCache(tmp_path / "parsed").get(path) is None


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path, caplog):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    cache = ParsedFileCache(tmp_path / "parsed")
    cache.root.mkdir()
    cache.entry(path).write_bytes(b"PAR1 half an entry")
    with caplog.at_level(logging.WARNING):
        close = FileSource(path, parsed_cache=cache.root)._read(path)[0]
    assert "ignoring unreadable entry" in caplog.text
    assert close.shape == (3, 2)
    pd.testing.assert_frame_equal(cache.get(path)[0], close)
    assert [p.name for p in cache.root.iterdir()] == [cache.entry(path).name]  # no temp left


def test_an_unwritable_cache_never_stops_the_open(tmp_path, caplog):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        close = FileSource(path, parsed_cache=blocked)._read(path)[0]
    assert close.shape == (3, 2) and "could not store prices.csv" in caplog.text


def test_open_source_caches_under_the_user_cache_dir(tmp_path, universe):
    path = tmp_path / "prices.csv"
    path.write_text(WIDE)
    source = open_source(str(path))
    assert source.parsed_cache == files.Path(os.environ["FACTORDESK_CACHE_DIR"]) / "files"
    first = source.load(universe).close
    second = open_source(str(path)).load(universe).close
    pd.testing.assert_frame_equal(first, second)


def test_the_join_is_combine_first_in_file_order():
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2026-01-05", periods=30)
    truth = pd.DataFrame(rng.uniform(10, 20, (30, 7)), index=days, columns=list("ABCDEFG"))
    parts = []
    for n, (start, tickers) in enumerate(((0, "DCBA"), (7, "CDEF"), (3, "GF"))):
        part = truth.iloc[start::1 + n][list(tickers)]
        part = part.mask(rng.random(part.shape) < 0.2)          # holes, different per file
        parts.append((files.Path(f"f{n}.csv"), part, part * 1000))
    close, volume = join_files(parts)
    expected = parts[0][1]
    for part in parts[1:]:
        expected = expected.combine_first(part[1])
    expected = expected[list("DCBAEFG")]
    pd.testing.assert_frame_equal(close, expected, check_freq=False)
    assert list(volume.columns) == list(close.columns)
    assert np.allclose(volume.to_numpy(), close.to_numpy() * 1000, equal_nan=True)
