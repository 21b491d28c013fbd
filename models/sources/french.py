"""Ken French data library daily factor files, in their published CSV layout."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from models.sources.files import FileDataError


def read_french_daily(path: str | Path, column: int = 1) -> pd.Series:
    """A daily factor from a French CSV (text header, then ``YYYYMMDD, value, ...`` rows in
    percent, possibly followed by other blocks); returned as fractions by date.

    Only rows whose first field is an 8-digit date count; the file must contain some.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise FileDataError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    dates, values = [], []
    name = "factor"
    for line in text.splitlines():
        fields = [f.strip() for f in line.split(",")]
        if re.fullmatch(r"\d{8}", fields[0] or "") and len(fields) > column:
            try:
                values.append(float(fields[column]) / 100)
            except ValueError:
                raise FileDataError(f"{path.name}: row {fields[0]}: non-numeric value "
                                    f"{fields[column]!r}") from None
            dates.append(fields[0])
        elif not dates and len(fields) > column and fields[column]:
            name = fields[column]
    if not dates:
        raise FileDataError(f"{path.name}: no daily rows (expected 'YYYYMMDD, value' lines as "
                            "in the French data library files)")
    index = pd.to_datetime(dates, format="%Y%m%d", errors="coerce")
    if index.isna().any():
        bad = dates[int(index.isna().argmax())]
        raise FileDataError(f"{path.name}: row {bad}: not a date (YYYYMMDD)")
    series = pd.Series(values, index=index, name=name)
    return series[~series.index.duplicated(keep="first")].sort_index()
