"""The universe: every ticker FactorDesk knows, loaded from ``resources/universe.toml``.

Everything ticker-related is data the user can edit. ``load_universe`` validates the file and
raises one :class:`UniverseError` naming the file, the entry and the problem.
"""
from __future__ import annotations

import csv
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import resources

DEFAULT_UNIVERSE = resources.path("universe.toml")

GICS_SECTORS = (
    "Communication Services", "Consumer Discretionary", "Consumer Staples", "Energy",
    "Financials", "Health Care", "Industrials", "Information Technology", "Materials",
    "Real Estate", "Utilities",
)
KNOWN_SECTIONS = (
    "as_of", "benchmark", "constituents", "themes", "pairs", "styles", "leveraged_etfs",
    "regions", "cross_asset", "options", "underlying_stocks",
)
DEFAULT_RATE = 0.04        # the short rate for dealer gamma when ^IRX is not in the data
CROSS_ASSET_LISTS = ("rates", "metals", "fx", "volatility", "broad", "cyclical", "defensive")


class UniverseError(ValueError):
    """A universe file that cannot be used; the message names the file, entry and problem."""


@dataclass(frozen=True)
class LeveragedETF:
    ticker: str
    underlying: str
    multiple: float
    name: str = ""


@dataclass(frozen=True)
class Membership:
    """One stay in the index: ``ticker`` was a constituent from ``start`` to ``end`` (both
    inclusive; ``end`` None = still a member)."""

    ticker: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True)
class Pair:
    """A long/short pair; each leg is an equal-weighted list of tickers."""

    name: str
    long: tuple[str, ...]
    short: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    name: str
    index: str | None
    etf: str | None
    currency: str | None
    domestic: bool = False

    @property
    def currency_is_usd_per_local(self) -> bool:
        """True for pairs quoted as USD per local unit (EURUSD=X); False for JPY=X style."""
        code = (self.currency or "").removesuffix("=X")
        return len(code) == 6 and code.endswith("USD")

    def tickers(self) -> list[str]:
        return [t for t in (self.index, self.etf, self.currency) if t]


@dataclass(frozen=True)
class CrossAsset:
    rates: list[str] = field(default_factory=list)
    metals: list[str] = field(default_factory=list)
    fx: list[str] = field(default_factory=list)
    volatility: list[str] = field(default_factory=list)
    broad: list[str] = field(default_factory=list)
    cyclical: list[str] = field(default_factory=list)
    defensive: list[str] = field(default_factory=list)
    sectors: dict[str, str] = field(default_factory=dict)

    def tickers(self) -> list[str]:
        lists = (self.rates, self.metals, self.fx, self.volatility, self.broad,
                 list(self.sectors), self.cyclical, self.defensive)
        return [t for lst in lists for t in lst]


@dataclass(frozen=True)
class Universe:
    path: Path
    as_of: dt.date | None
    benchmark: str
    benchmark_name: str
    constituents: list[str]
    sectors: dict[str, str]
    themes: dict[str, list[str]]
    theme_etfs: dict[str, list[str]]
    pairs: list[Pair]
    styles: dict[str, list[str]]
    leveraged_etfs: list[LeveragedETF]
    regions: list[Region]
    cross_asset: CrossAsset
    option_underlyings: list[str]
    dividend_yields: dict[str, float] = field(default_factory=dict)   # option underlying -> yield
    default_rate: float = DEFAULT_RATE
    membership: tuple[Membership, ...] = ()     # point-in-time members (empty: today's list)
    membership_path: Path | None = None
    underlying_stocks: dict[str, list[str]] = field(default_factory=dict)   # ETF -> its stocks

    def index_members(self) -> list[str]:
        """Every ticker that is or was a constituent: today's list, then former members from
        the membership file."""
        return list(dict.fromkeys([*self.constituents, *(m.ticker for m in self.membership)]))

    def all_tickers(self) -> list[str]:
        """Every ticker the universe names, each once, in a stable order."""
        groups: list[list[str]] = [[self.benchmark], self.index_members()]
        for name, members in self.themes.items():
            groups += [members, self.theme_etfs.get(name, [])]
        for pair in self.pairs:
            groups += [list(pair.long), list(pair.short)]
        groups += list(self.styles.values())
        groups += [[f.underlying, f.ticker] for f in self.leveraged_etfs]
        groups += list(self.underlying_stocks.values())
        groups += [r.tickers() for r in self.regions]
        groups += [self.cross_asset.tickers(), self.option_underlyings]
        return list(dict.fromkeys(t for g in groups for t in g))

    def yield_tickers(self) -> frozenset[str]:
        """Tickers quoted as yields in percent (may be zero or negative)."""
        return frozenset(self.cross_asset.rates)

    def region_etfs(self, domestic: bool) -> list[str]:
        """US-listed ETFs of the domestic region(s) or of the foreign ones."""
        return [r.etf for r in self.regions if r.etf and r.domestic == domestic]


MEMBERSHIP_COLUMNS = {"ticker": ("ticker", "symbol"), "start": ("start", "start_date", "added"),
                      "end": ("end", "end_date", "removed")}


def read_membership(path: Path) -> tuple[Membership, ...]:
    """A point-in-time membership file: one row per stay in the index (``ticker, start, end``,
    ISO dates; a blank end = still a member; a ticker that left and came back has one row per
    stay). Any problem raises a UniverseError naming the file and the row."""
    def fail(problem: str) -> UniverseError:
        return UniverseError(f"{path}: {problem}")

    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise fail(f"cannot read the membership file ({exc.strerror or exc})") from None
    if not rows:
        raise fail("the membership file is empty")
    header = [h.strip().lower() for h in rows[0]]
    where = {}
    for key, names in MEMBERSHIP_COLUMNS.items():
        found = [header.index(n) for n in names if n in header]
        if not found:
            raise fail(f"missing column {key!r} (expected ticker, start, end)")
        where[key] = found[0]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {k: (row[i].strip() if i < len(row) else "") for k, i in where.items()}
        try:
            start = dt.date.fromisoformat(cells["start"])
            end = dt.date.fromisoformat(cells["end"]) if cells["end"] else None
        except ValueError:
            raise fail(f"row {number}: dates must be YYYY-MM-DD, got start {cells['start']!r}, "
                       f"end {cells['end']!r}") from None
        if not cells["ticker"]:
            raise fail(f"row {number}: no ticker")
        if end is not None and end < start:
            raise fail(f"row {number}: {cells['ticker']} ends ({end}) before it starts "
                       f"({start})")
        out.append(Membership(cells["ticker"], start, end))
    if not out:
        raise fail("the membership file has no rows")
    return tuple(out)


def reconcile(stays: tuple[Membership, ...], current: list[str]) -> tuple[Membership, ...]:
    """The membership file up to its last recorded change, today's list after it: a stay
    still open in the file for a name no longer listed ends on that date, and a listed name
    without an open stay joins the day after (the file is older than the universe's list)."""
    last = max(d for s in stays for d in (s.start, s.end) if d is not None)
    listed = set(current)
    out = [s if s.end is not None or s.ticker in listed else Membership(s.ticker, s.start, last)
           for s in stays]
    open_now = {s.ticker for s in out if s.end is None}
    out += [Membership(t, last + dt.timedelta(days=1)) for t in current if t not in open_now]
    return tuple(out)


def load_universe(path: str | Path | None = None) -> Universe:
    """Load and validate a universe file (default: the one shipped in resources/)."""
    path = Path(path) if path is not None else DEFAULT_UNIVERSE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UniverseError(f"{path}: file not found") from None
    except OSError as exc:
        raise UniverseError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UniverseError(f"{path}: not valid TOML: {exc}") from None
    return _Parser(path, raw).parse()


class _Parser:
    def __init__(self, path: Path, raw: dict) -> None:
        self.path = path
        self.raw = raw

    def fail(self, entry: str, problem: str) -> UniverseError:
        return UniverseError(f"{self.path}: {entry}: {problem}")

    def tickers(self, entry: str, value: object, allow_empty: bool = True) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise self.fail(entry, "expected a list of ticker strings")
        if not value and not allow_empty:
            raise self.fail(entry, "the list is empty")
        seen: set[str] = set()
        for t in value:
            if t in seen:
                raise self.fail(entry, f"duplicate ticker {t!r}")
            seen.add(t)
        return [t.strip() for t in value]

    def table(self, entry: str, value: object) -> dict:
        if not isinstance(value, dict):
            raise self.fail(entry, "expected a table")
        return value

    def parse(self) -> Universe:
        raw = self.raw
        unknown = sorted(set(raw) - set(KNOWN_SECTIONS))
        if unknown:
            raise self.fail(f"[{unknown[0]}]", f"unknown section (known: {', '.join(KNOWN_SECTIONS)})")
        for required in ("benchmark", "constituents"):
            if required not in raw:
                raise self.fail(f"[{required}]", "missing section")
        as_of = raw.get("as_of")
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise self.fail("as_of", f"{as_of!r} is not a YYYY-MM-DD date") from None
        elif as_of is not None and not isinstance(as_of, dt.date):
            raise self.fail("as_of", "expected a date")

        bench = self.table("[benchmark]", raw["benchmark"])
        benchmark = bench.get("ticker")
        if not isinstance(benchmark, str) or not benchmark:
            raise self.fail("[benchmark]", "missing 'ticker'")

        table = dict(self.table("[constituents]", raw["constituents"]))
        membership_entry = table.pop("membership", None)
        constituents, sectors = self.constituents(table)
        membership_path = self.membership_path(membership_entry)
        membership = reconcile(read_membership(membership_path), constituents) \
            if membership_path else ()
        themes, theme_etfs = self.themes(self.table("[themes]", raw.get("themes", {})))
        styles = {k: self.tickers(f"[styles] {k}", v)
                  for k, v in self.table("[styles]", raw.get("styles", {})).items()}
        cross = self.cross_asset(self.table("[cross_asset]", raw.get("cross_asset", {})))
        options = self.table("[options]", raw.get("options", {}))
        return Universe(
            path=self.path, as_of=as_of, benchmark=benchmark,
            benchmark_name=str(bench.get("name", benchmark)),
            constituents=constituents, sectors=sectors, themes=themes, theme_etfs=theme_etfs,
            pairs=self.pairs(raw.get("pairs", []), themes), styles=styles,
            leveraged_etfs=self.leveraged(raw.get("leveraged_etfs", [])),
            regions=self.regions(raw.get("regions", [])), cross_asset=cross,
            option_underlyings=self.tickers("[options] underlyings", options.get("underlyings", [])),
            dividend_yields=self.fractions("[options] dividend_yields",
                                           options.get("dividend_yields", {})),
            default_rate=self.fraction("[options] default_rate",
                                       options.get("default_rate", DEFAULT_RATE)),
            membership=membership, membership_path=membership_path,
            underlying_stocks=self.underlying_stocks(
                self.table("[underlying_stocks]", raw.get("underlying_stocks", {})),
                constituents, sectors),
        )

    def membership_path(self, value: object) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail("[constituents] membership", "expected the path of a membership "
                                                         "file (ticker, start, end)")
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.path.parent / path

    def fraction(self, entry: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not -0.05 <= value <= 0.5:
            raise self.fail(entry, f"expected a yearly fraction between -0.05 and 0.5 (0.012 = "
                                   f"1.2%), got {value!r}")
        return float(value)

    def fractions(self, entry: str, value: object) -> dict[str, float]:
        table = self.table(entry, value)
        return {str(k): self.fraction(f"{entry} {k}", v) for k, v in table.items()}

    def constituents(self, table: dict) -> tuple[list[str], dict[str, str]]:
        sectors: dict[str, str] = {}
        for sector, members in table.items():
            if sector not in GICS_SECTORS:
                raise self.fail(f"[constituents] {sector!r}", "not a GICS sector "
                                f"(one of: {', '.join(GICS_SECTORS)})")
            for t in self.tickers(f"[constituents] {sector!r}", members):
                if t in sectors:
                    raise self.fail(f"[constituents] {sector!r}",
                                    f"duplicate ticker {t!r} (already in {sectors[t]!r})")
                sectors[t] = sector
        if not sectors:
            raise self.fail("[constituents]", "no constituents")
        return list(sectors), sectors

    def underlying_stocks(self, table: dict, constituents: list[str],
                          sectors: dict[str, str]) -> dict[str, list[str]]:
        """ETF -> the stocks it holds: "constituents" (all of them), a GICS sector name (the
        constituents in it) or a list of tickers."""
        out: dict[str, list[str]] = {}
        for etf, value in table.items():
            entry = f"[underlying_stocks] {etf}"
            if value == "constituents":
                out[etf] = list(constituents)
            elif isinstance(value, str):
                if value not in GICS_SECTORS:
                    raise self.fail(entry, f"{value!r} is neither \"constituents\" nor a GICS "
                                    "sector nor a list of tickers")
                out[etf] = [t for t in constituents if sectors[t] == value]
            else:
                out[etf] = self.tickers(entry, value, allow_empty=False)
        return out

    def themes(self, table: dict) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        members: dict[str, list[str]] = {}
        etfs: dict[str, list[str]] = {}
        for name, body in table.items():
            entry = f"[themes.{name!r}]"
            body = self.table(entry, body)
            extra = set(body) - {"members", "etfs"}
            if extra:
                raise self.fail(entry, f"unknown key {sorted(extra)[0]!r}")
            members[name] = self.tickers(f"{entry} members", body.get("members", []),
                                         allow_empty=False)
            etfs[name] = self.tickers(f"{entry} etfs", body.get("etfs", []))
        return members, etfs

    def pairs(self, items: object, themes: dict[str, list[str]]) -> list[Pair]:
        if not isinstance(items, list):
            raise self.fail("[[pairs]]", "expected an array of tables")
        pairs = []
        for i, item in enumerate(items, 1):
            item = self.table(f"[[pairs]] entry {i}", item)
            name = item.get("name") or f"pair {i}"
            legs = []
            for side in ("long", "short"):
                leg = item.get(side)
                entry = f"[[pairs]] {name!r} {side}"
                if leg is None:
                    raise self.fail(entry, "missing")
                if isinstance(leg, str) and leg in themes:
                    legs.append(tuple(themes[leg]))
                else:
                    legs.append(tuple(self.tickers(entry, leg, allow_empty=False)))
            pairs.append(Pair(str(name), legs[0], legs[1]))
        return pairs

    def leveraged(self, items: object) -> list[LeveragedETF]:
        if not isinstance(items, list):
            raise self.fail("leveraged_etfs", "expected an array of tables")
        funds: list[LeveragedETF] = []
        seen: set[str] = set()
        for i, item in enumerate(items, 1):
            item = self.table(f"leveraged_etfs entry {i}", item)
            ticker = item.get("ticker")
            if not isinstance(ticker, str) or not ticker:
                raise self.fail(f"leveraged_etfs entry {i}", "missing 'ticker'")
            entry = f"leveraged_etfs {ticker}"
            if ticker in seen:
                raise self.fail(entry, f"duplicate ticker {ticker!r}")
            seen.add(ticker)
            underlying = item.get("underlying")
            if not isinstance(underlying, str) or not underlying.strip():
                raise self.fail(entry, "missing underlying")
            multiple = item.get("multiple")
            if isinstance(multiple, bool) or not isinstance(multiple, (int, float)):
                raise self.fail(entry, "missing or non-numeric multiple")
            if multiple == 0:
                raise self.fail(entry, "multiple must be non-zero")
            funds.append(LeveragedETF(ticker, underlying.strip(), float(multiple),
                                      str(item.get("name", ""))))
        return funds

    def regions(self, items: object) -> list[Region]:
        if not isinstance(items, list):
            raise self.fail("regions", "expected an array of tables")
        regions: list[Region] = []
        for i, item in enumerate(items, 1):
            item = self.table(f"regions entry {i}", item)
            name = item.get("name")
            if not isinstance(name, str) or not name:
                raise self.fail(f"regions entry {i}", "missing 'name'")
            index, etf, currency = (str(item.get(k) or "").strip() or None
                                    for k in ("index", "etf", "currency"))
            if not (index or etf):
                raise self.fail(f"regions {name!r}", "needs an index or an ETF")
            domestic = item.get("domestic", False)
            if not isinstance(domestic, bool):
                raise self.fail(f"regions {name!r}", "'domestic' must be true or false")
            regions.append(Region(name, index, etf, currency, domestic))
        return regions

    def cross_asset(self, table: dict) -> CrossAsset:
        extra = set(table) - set(CROSS_ASSET_LISTS) - {"sectors"}
        if extra:
            raise self.fail("[cross_asset]", f"unknown key {sorted(extra)[0]!r}")
        lists = {k: self.tickers(f"[cross_asset] {k}", table.get(k, [])) for k in CROSS_ASSET_LISTS}
        sectors = self.table("[cross_asset.sectors]", table.get("sectors", {}))
        for etf, sector in sectors.items():
            if sector not in GICS_SECTORS:
                raise self.fail(f"[cross_asset.sectors] {etf}", f"{sector!r} is not a GICS sector")
        return CrossAsset(sectors=dict(sectors), **lists)
