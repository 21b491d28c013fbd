"""The momentum-crash episodes on real history, as the app reads them (README, "Checked against
real data").

Loads the real S&P 500 member closes and the ETF closes (``../shared/realdata``, not part of
the repository) through the app's own file source and shipped universe, replays each episode
day with ``--as-of`` semantics (later data hidden), and prints one row per day: the decile
L/S move, its σ, worst-since, the leg reading, the radar verdict and the momentum light,
next to Ken French's daily Mom for the same day. ``--membership`` uses the 1996-2025
point-in-time membership file instead of today's list.

Run: python -m bench.episodes [--membership]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from models.sources import open_source
from models.state import default_compute
from models.universe import DEFAULT_UNIVERSE, load_universe

ROOT = Path(__file__).resolve().parent.parent

REALDATA = ROOT.parent / "shared" / "realdata"
EPISODES = ("2009-03-10", "2009-04-09", "2009-05-29", "2016-11-09", "2020-11-09",
            "2022-11-10", "2025-01-27", "2026-02-04")


def universe(membership: bool):
    if not membership:
        return load_universe()
    members = REALDATA / "constituents" / "sp500_membership_ticker_start_end_1996_2025.csv"
    path = Path("/tmp") / "factordesk-episodes-universe.toml"
    path.write_text(Path(DEFAULT_UNIVERSE).read_text(encoding="utf-8").replace(
        "[constituents]\n", f'[constituents]\nmembership = "{members.as_posix()}"\n', 1),
        encoding="utf-8")
    return load_universe(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--membership", action="store_true",
                        help="point-in-time S&P membership (1996-2025) instead of today's list")
    args = parser.parse_args()
    if not REALDATA.is_dir():
        print(f"{REALDATA} is not present: nothing to measure")
        return 1
    u = universe(args.membership)
    paths = ";".join(str(REALDATA / "yf_adjclose_2026" / name) for name in
                     ("sp500_members_adjclose_wide.csv.gz", "etfs_adjclose_wide.csv.gz"))
    started = time.perf_counter()
    market = open_source(paths).load(u)
    print(f"loaded {market.close.shape[1]} columns x {len(market.close)} days in "
          f"{time.perf_counter() - started:.1f} s")
    french = pd.read_csv(REALDATA / "french" / "mom_daily_tidy.csv", parse_dates=["date"],
                         index_col="date")["Mom"] / 100
    print("| day | L/S | σ | worst since | French Mom | legs (vs equal-weighted) | light | "
          "radar verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for day in EPISODES:
        started = time.perf_counter()
        snap = default_compute(market.until(day), u)
        t = snap.momentum.today
        since = "on record" if t.worst_since is None else f"{t.worst_since:%Y-%m-%d}"
        mom = french.get(pd.Timestamp(day))
        mom_text = "n/a" if mom is None else f"{100 * mom:+.2f}%"
        light = snap.radar.signals["Momentum σ-move"].state
        print(f"| {day} | {100 * t.long_short:+.2f}% | {t.sigma:+.1f} | {since} | "
              f"{mom_text} | {snap.momentum.reading} | {light} | {snap.radar.verdict} |"
              f" <!-- {time.perf_counter() - started:.1f} s -->")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
