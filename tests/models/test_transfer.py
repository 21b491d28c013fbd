"""The snapshot codec of the compute process: an exact round trip, and nothing but our types."""
from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pandas as pd
import pytest

from analytics.engine import compute
from models.sources import open_source
from models.state import engine_params
from models.transfer import TransferError, decode, encode, read_message, write_message


def same(a, b, where="snapshot"):
    """Equal, field by field: frames and series exactly (values, index, dtypes, names)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_freq=False, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_freq=False, obj=where)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.dtype == b.dtype
    elif dataclasses.is_dataclass(a):
        assert vars(a).keys() == vars(b).keys(), where
        for key in vars(a):
            same(vars(a)[key], vars(b)[key], f"{where}.{key}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{n}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where
        if isinstance(a, pd.Timestamp):
            assert (a.unit, str(a.tz)) == (b.unit, str(b.tz)), where


def round_trip(obj):
    stream = io.BytesIO()
    header, buffers = encode(obj)
    write_message(stream, header, buffers)
    stream.seek(0)
    got = read_message(stream)
    assert got is not None and read_message(stream) is None
    return decode(*got)


@pytest.mark.parametrize("intraday", [None, "13:30"], ids=["close", "session"])
def test_a_demo_snapshot_comes_back_exactly(universe, intraday):
    market = open_source("demo", seed=7, end="2026-02-06", intraday=intraday).load(universe)
    snapshot = compute(market, engine_params(universe, market))
    headline = snapshot.headline()
    back = round_trip(snapshot)
    same(snapshot, back)
    assert back.headline() is not headline and back.headline() == headline  # carried over
    assert back.to_json() == snapshot.to_json()


def test_scalars_keep_their_types():
    values = (np.float32(1.5), np.int64(3), np.bool_(True), 7, 2.5, float("nan"), None,
              pd.Timestamp("2026-02-04 13:30", tz="America/New_York"),
              pd.Timestamp("2026-02-04").as_unit("s"), {3: "x", "k": (1, 2)},
              np.arange(6, dtype=np.int32).reshape(2, 3),
              pd.Series(["a", "b"], dtype=object, name=("x", 1)),
              pd.DataFrame({"n": [1, 2], "t": ["a", "b"]}, index=pd.Index(["r", "s"])))
    same(values, round_trip(values))


def test_other_types_are_refused():
    @dataclasses.dataclass
    class Local:
        x: int = 1

    for value in (Local(), object(), {1, 2}, np.array(["a"], dtype=object)):
        with pytest.raises(TransferError, match="cannot transfer"):
            encode(value)
    header = {"root": {"$dataclass": "os:system", "attrs": {}}}
    with pytest.raises(TransferError, match="refusing to build 'os:system'"):
        decode(header, [])


def test_a_cut_stream_is_an_error_not_a_message():
    stream = io.BytesIO()
    write_message(stream, {"x": 1}, [b"abcdef"])
    data = stream.getvalue()
    with pytest.raises(TransferError, match="ended inside a message"):
        read_message(io.BytesIO(data[:-2]))
