"""Parsed price files kept as Parquet, so a file opened again is not parsed again.

A CSV of 50 years x 640 tickers takes a second or more to parse and validate; its parsed
close (and volume) panel reads back from Parquet in a fifth of that. One entry per source
file (named by a digest of its resolved path), valid while the file's size and modification
time (ns) and the ``--date-format`` are the ones recorded in the entry's metadata; a changed
file is parsed again and its entry replaced. Entries are written to a temporary file and
renamed into place, so another process reading the folder sees the old entry or the new one,
never half of one. An unreadable or stale entry is a miss, and a failed write is logged: the
cache can only make an open faster, never make it fail (docs/data.md, "Parsed-file cache").
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

VERSION = 1            # bump when read_price_file's output for the same file changes
META_KEY = b"factordesk.parsed"
INDEX_NAME_KEY = b"factordesk.index_name"
DATE = "date"
CLOSE, VOLUME = "close:", "volume:"


def float_block(table, names: list[str]) -> np.ndarray:
    """The Arrow ``table``'s number columns ``names`` as one float64 block (column-major, so
    a DataFrame takes it without a copy); nulls are NaN."""
    import pyarrow as pa

    block = np.empty((table.num_rows, len(names)), dtype=np.float64, order="F")
    for j, name in enumerate(names):
        block[:, j] = table.column(name).cast(pa.float64()).to_numpy()
    return block


def stamp(path: Path, date_format: str | None = None) -> dict:
    """What an entry is valid for: the file (resolved path, size, mtime in ns) as it is now,
    the date format it was parsed with and the cache's version. Take it before parsing."""
    path = Path(path)
    stat = path.stat()
    return {"version": VERSION, "path": str(path.resolve()), "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "date_format": date_format}


class ParsedFileCache:
    """``get``/``put`` the parsed (close, volume) of a price file in folder ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def entry(self, path: Path) -> Path:
        digest = hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:20]
        return self.root / f"{digest}.parquet"

    def get(self, path: Path, date_format: str | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
        """The cached panels of ``path`` if its entry matches the file as it is now."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        entry = self.entry(path)
        try:
            table = pq.read_table(entry)
            meta = json.loads((table.schema.metadata or {}).get(META_KEY, b"null"))
            if meta != stamp(path, date_format):
                return None
            dates = pd.DatetimeIndex(table.column(DATE).to_numpy())
            index_names = json.loads(table.schema.metadata[INDEX_NAME_KEY])
            panels: list[pd.DataFrame | None] = []
            for prefix, index_name in zip((CLOSE, VOLUME), index_names, strict=True):
                names = [n for n in table.column_names if n.startswith(prefix)]
                if prefix == VOLUME and not names:
                    panels.append(None)
                    continue
                panels.append(pd.DataFrame(float_block(table, names), copy=False,
                                           index=dates.rename(index_name),
                                           columns=[n[len(prefix):] for n in names]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            log.warning("parsed-file cache: ignoring unreadable entry %s for %s (%s)",
                        entry.name, Path(path).name, exc)
            return None
        return panels[0], panels[1]

    def put(self, path: Path, valid_for: dict, close: pd.DataFrame,
            volume: pd.DataFrame | None) -> None:
        """Store the panels parsed from ``path``, ``valid_for`` its ``stamp`` taken before it
        was parsed (replacing its previous entry)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        entry = self.entry(path)
        columns = {DATE: pa.array(close.index.to_numpy())}
        columns.update({CLOSE + str(c): close[c].to_numpy(dtype=np.float64)
                        for c in close.columns})
        if volume is not None:
            columns.update({VOLUME + str(c): volume[c].to_numpy(dtype=np.float64)
                            for c in volume.columns})
        table = pa.table(columns).replace_schema_metadata(
            {META_KEY: json.dumps(valid_for).encode("utf-8"),
             INDEX_NAME_KEY: json.dumps([close.index.name, None if volume is None
                                         else volume.index.name]).encode("utf-8")})
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=entry.stem + ".",
                                       suffix=".tmp")
            os.close(fd)
            pq.write_table(table, tmp)
            os.replace(tmp, entry)
            tmp = None
        except (OSError, pa.ArrowException) as exc:
            log.warning("parsed-file cache: could not store %s (%s)", Path(path).name, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
