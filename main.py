"""FactorDesk entry point: ``python main.py [options]``."""
from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="FactorDesk: momentum-crash, crowding, mechanical-flow and rotation monitor.")
    parser.add_argument("--universe", metavar="PATH",
                        help="universe file (default: resources/universe.toml)")
    parser.add_argument("--source", default="demo", choices=["demo"],
                        help="data source: demo = the built-in simulated market (default)")
    parser.add_argument("--seed", type=int, default=7, help="simulated market seed (default 7)")
    parser.add_argument("--end", metavar="YYYY-MM-DD",
                        help="last day of the simulated market (default: last business day)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from models.universe import UniverseError, load_universe

    try:
        load_universe(args.universe)
    except UniverseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
