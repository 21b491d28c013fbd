"""The refactors change no figure: snapshot.json of the simulated crash day and of the
simulated last day (with option chains) equal the stored golden files, and the real members +
ETF files on 2026-02-04 (when ../shared is present) give the stored digest.

Update deliberately, after checking the differences are intended:
FACTORDESK_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_snapshot.py
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

from models.state import default_compute

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("FACTORDESK_UPDATE_GOLDEN") == "1"


def figures(snapshot) -> dict:
    """snapshot.json without the moment it was computed."""
    data = json.loads(json.dumps(snapshot.headline()))
    data.pop("computed_at", None)
    return data


def rounded(value, digits: int = 6):
    """Floats to ``digits`` significant digits (a digest that survives last-bit noise)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


def same(a, b, path="") -> list[str]:
    """Where two snapshot dicts differ (floats within 1e-9 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one" for k in set(a) ^ set(b)]
        for key in set(a) & set(b):
            out += same(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, (int, float)) or \
            isinstance(b, float) and isinstance(a, (int, float)):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def check(name: str, data: dict) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    differences = same(golden, data)
    assert not differences, "\n".join(sorted(differences)[:20])


def test_demo_crash_day_matches_the_golden_snapshot(universe, demo_market):
    check("demo_crash_2026-02-04", figures(default_compute(demo_market.until("2026-02-04"),
                                                           universe)))


def test_demo_last_day_matches_the_golden_snapshot(universe, demo_market):
    check("demo_last_2026-02-06", figures(default_compute(demo_market, universe)))


def test_real_files_on_2026_02_04_match_the_stored_digest(realdata, universe):
    from models.sources.files import FileSource

    folder = realdata / "yf_adjclose_2026"
    market = FileSource((folder / "sp500_members_adjclose_wide.csv.gz",
                         folder / "etfs_adjclose_wide.csv.gz")).load(universe)
    data = rounded(figures(default_compute(market.until("2026-02-04"), universe)))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    path = GOLDEN / "real_2026-02-04.sha256"
    if UPDATE:
        path.write_text(digest + "\n", encoding="utf-8")
    assert digest == path.read_text(encoding="utf-8").strip(), \
        "the real-data snapshot changed (rerun with FACTORDESK_UPDATE_GOLDEN=1 if intended)"
