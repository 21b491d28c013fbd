"""A Snapshot as bytes and back, for the compute process (docs/architecture.md, "Compute
process"): no pickle, no eval.

``encode(obj)`` returns a JSON header and a list of binary buffers; ``decode`` rebuilds the
object. Frames and series travel as Arrow IPC streams (index, dtypes and names kept), numpy
arrays as raw bytes with dtype and shape, timestamps with their unit and time zone. A
dataclass is named by module and class and rebuilt only from this project's ``analytics``
modules, with every attribute it carried (a cached headline too); any other type is refused
on both sides. ``write_message`` / ``read_message`` frame one header and its buffers on a
binary stream (length-prefixed).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import struct
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

ALLOWED_MODULES = ("analytics.",)
LENGTH = struct.Struct("<Q")


class TransferError(ValueError):
    """Something that cannot be encoded, or a message that is not one of ours."""


def encode(obj: Any) -> tuple[dict, list[bytes]]:
    buffers: list[bytes] = []
    return {"root": _enc(obj, buffers)}, buffers


def decode(header: dict, buffers: list[bytes]) -> Any:
    return _dec(header["root"], buffers)


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=True)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _frame_from(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()


def _enc(value: Any, buffers: list[bytes]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value) if type(value) is int else {"$int": int(value),
                                                      "dtype": str(np.asarray(value).dtype)}
    if isinstance(value, (float, np.floating)):
        return float(value) if type(value) is float else {"$float": float(value),
                                                          "dtype": str(np.asarray(value).dtype)}
    if isinstance(value, np.bool_):
        return {"$bool_": bool(value)}
    if isinstance(value, pd.Timestamp):
        return {"$ts": value.isoformat(), "unit": value.unit,
                "tz": None if value.tz is None else str(value.tz)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_enc(v, buffers) for v in value]}
    if isinstance(value, list):
        return [_enc(v, buffers) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[_enc(k, buffers), _enc(v, buffers)] for k, v in value.items()]}
    if isinstance(value, pd.Series):
        return {"$series": _enc(value.to_frame(name="values"), buffers),
                "name": _enc(value.name, buffers)}
    if isinstance(value, pd.DataFrame):
        buffers.append(_frame_bytes(value))
        return {"$frame": len(buffers) - 1,        # Arrow reads text back as str columns
                "object": [j for j, kind in enumerate(value.dtypes) if kind is np.dtype(object)]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        buffers.append(np.ascontiguousarray(value).tobytes())
        return {"$ndarray": len(buffers) - 1, "dtype": value.dtype.str, "shape": value.shape}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith(ALLOWED_MODULES):
            raise TransferError(f"cannot transfer a {kind.__module__}.{kind.__qualname__}")
        return {"$dataclass": f"{kind.__module__}:{kind.__qualname__}",
                "attrs": {k: _enc(v, buffers) for k, v in vars(value).items()}}
    raise TransferError(f"cannot transfer a {type(value).__name__}")


def _dataclass(name: str) -> type:
    module, _, qualname = name.partition(":")
    if not module.startswith(ALLOWED_MODULES) or not qualname:
        raise TransferError(f"refusing to build {name!r}")
    kind: Any = importlib.import_module(module)
    for part in qualname.split("."):
        kind = getattr(kind, part)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise TransferError(f"{name!r} is not a dataclass")
    return kind


def _dec(value: Any, buffers: list[bytes]) -> Any:
    if isinstance(value, list):
        return [_dec(v, buffers) for v in value]
    if not isinstance(value, dict):
        return value
    if "$tuple" in value:
        return tuple(_dec(v, buffers) for v in value["$tuple"])
    if "$dict" in value:
        return {_dec(k, buffers): _dec(v, buffers) for k, v in value["$dict"]}
    if "$frame" in value:
        frame = _frame_from(buffers[value["$frame"]])
        for j in value["object"]:
            frame.isetitem(j, frame.iloc[:, j].astype(object))
        return frame
    if "$series" in value:
        return _dec(value["$series"], buffers)["values"].rename(_dec(value["name"], buffers))
    if "$ndarray" in value:
        return np.frombuffer(buffers[value["$ndarray"]], dtype=np.dtype(value["dtype"])
                             ).reshape(value["shape"]).copy()
    if "$ts" in value:
        stamp = pd.Timestamp(value["$ts"])
        if value["tz"] is not None:
            stamp = stamp.tz_convert(value["tz"])
        return stamp.as_unit(value["unit"])
    if "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$int" in value:
        return np.dtype(value["dtype"]).type(value["$int"])
    if "$float" in value:
        return np.dtype(value["dtype"]).type(value["$float"])
    if "$bool_" in value:
        return np.bool_(value["$bool_"])
    if "$dataclass" in value:
        kind = _dataclass(value["$dataclass"])
        obj: Any = object.__new__(kind)
        for key, item in value["attrs"].items():
            object.__setattr__(obj, key, _dec(item, buffers))
        return obj
    raise TransferError(f"unknown item {sorted(value)[:3]}")


def write_message(stream: BinaryIO, header: dict, buffers: list[bytes] | tuple = ()) -> None:
    """One message: the header's JSON and its buffers, each length-prefixed."""
    body = json.dumps({**header, "buffers": len(buffers)}).encode("utf-8")
    for part in (body, *buffers):
        stream.write(LENGTH.pack(len(part)))
        stream.write(part)
    stream.flush()


def read_message(stream: BinaryIO) -> tuple[dict, list[bytes]] | None:
    """The next message, or None at the end of the stream."""
    def part() -> bytes | None:
        size = stream.read(LENGTH.size)
        if len(size) < LENGTH.size:
            return None
        (length,) = LENGTH.unpack(size)
        data = stream.read(length)
        if len(data) < length:
            raise TransferError("the stream ended inside a message")
        return data

    body = part()
    if body is None:
        return None
    header = json.loads(body)
    if not isinstance(header, dict) or not isinstance(header.get("buffers"), int):
        raise TransferError("not a message header")
    buffers = []
    for _ in range(header.pop("buffers")):
        data = part()
        if data is None:
            raise TransferError("the stream ended inside a message")
        buffers.append(data)
    return header, buffers
