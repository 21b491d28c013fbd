"""Build a Yahoo-shaped cache from price files, to time a start from a real cache.

Run: python -m bench.make_cache DIR YEARS FILE [FILE...]
e.g. python -m bench.make_cache /tmp/real-cache 5 members.csv.gz etfs.csv.gz
then: python -m bench.bench_startup 5 --source cache --cache-dir /tmp/real-cache
The cache holds the files' last YEARS years (every ticker of the universe found in them),
written by models/cache.py as a Yahoo refresh would write it.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from models.cache import MarketCache
from models.sources.files import FileSource
from models.universe import load_universe


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    root, years, files = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
    market = FileSource(tuple(Path(f) for f in files)).load(load_universe())
    start = market.close.index[-1] - __import__("pandas").DateOffset(days=round(365.25 * years))
    close = market.close.loc[start:]
    close = close.loc[:, close.notna().any()]
    market = dataclasses.replace(market, close=close, volume=None, source="yahoo (bench cache)")
    MarketCache(root).save(market)
    print(f"{root}: {close.shape[1]} tickers x {close.shape[0]} days "
          f"({close.index[0]:%Y-%m-%d}..{close.index[-1]:%Y-%m-%d})")


if __name__ == "__main__":
    main()
