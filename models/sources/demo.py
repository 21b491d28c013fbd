"""The simulated market: a deterministic, realistic stand-in for the whole universe.

Everything it produces is labelled SIMULATED (``MarketData.simulated``). Same seed and end date
give bit-identical data. About four years of business days end at ``end`` (default: the last
business day before today). Trading day ``T`` below is the last row.

Model
-----
* Market factor with stochastic log-volatility (AR(1), half-life ~46 days) and Student-t(5)
  shocks: index vol ~16% a year, spiking in stress. Sector factors, one per GICS sector, and one
  factor per theme share the market's volatility regime.
* A momentum / crowding factor ``f``; every stock loads on it by its themes (crowded AI, power,
  memory, crypto, defense, rare earths load positively; software, unprofitable tech, chemicals,
  regional banks negatively), so past winners and losers co-move as in real momentum deciles.
* Stocks: dispersed betas (0.4-2.0), sector and theme loadings, idiosyncratic Student-t(4)
  shocks with their own clustering volatility; single-stock vol 25-60% a year, average pairwise
  correlation ~0.25 (higher in stress). Initial market caps are log-normal (the most crowded
  names 1.3x larger); the run-up then concentrates the cap-weighted benchmark in them.
* Everything else is derived from the stocks so that it stays consistent: the benchmark and
  sector ETFs are cap-weighted members, theme and style ETFs are (equal- or cap-weighted)
  baskets, leveraged ETFs return exactly ``L x r_underlying - cost`` with a small daily cost
  ``(0.95% + max(L - 1, 0) x 4.5%) / 252`` (fee plus financing of borrowed exposure), regional
  ETFs are their local index translated by the currency. Yields are mean-reverting levels in
  percent (Yahoo units); metals and FX have their own factors.
* ETF shares outstanding move with creations/redemptions; leveraged-ETF sizes are realistic
  (TQQQ ~$27bn, single-stock funds $0.05-6bn). Volume exists for every equity and index
  (zero for FX and yields, as Yahoo reports them).
* SPY and QQQ option chains on the last date: weekly Friday expiries to 90 days, strikes +-25%
  around spot, open interest concentrated near spot and on round strikes (calls above spot,
  puts below), downward-sloping skew, so dealer gamma (long calls, short puts) is positive at
  spot and turns negative a few percent below.

Planted events (day numbers count back from the last row T)
-----------------------------------------------------------
1. Crowded run-up: ``f`` drifts up +0.25% a day from T-320 to T-9 (AI/momentum winners
   rally ~+30% over the formation year).
   Momentum crash on T-2: solved so that the top 12-1 momentum decile of constituents falls
   exactly 4.9%, the bottom decile rises 3.6% and the benchmark falls 0.6% (winners sold a
   little harder than losers were bought); the decile long/short (-8.5%) is about -6 sigma
   against its trailing 63-day vol and the worst day of the history, ~3/4 of constituents beat
   the benchmark, crowded AI themes fall 7-10% (they load more on the momentum factor than
   the average winner).
2. The five days before the crash (T-7..T-3): idiosyncratic and sector volatility jump while
   the index barely moves, so the average constituent's 5-day realized (zero-mean RMS) vol is
   >= 7x the benchmark's and at least 10% above any earlier week: the highest of the history.
3. Korea: the ^KS11 week ending on the last Friday at or before T-8 is its best week of the
   history (>= 12%, the won strengthens). Japan: the ^N225 / JPY=X daily return correlation is
   +0.55 until T-85 and -0.45 after, so the 60-day correlation changes sign in the last 6 months.
4. Over the last 21 days copper +6%, gold +5%, silver +8%, the 10-year yield (^TNX) -30 bp and
   the 3-month bill (^IRX) -5 bp: metals up, yields down, 10y-3m slope flatter.
5. Over the last 21 days every cyclical and defensive sector ETF of ``cross_asset`` is up ~4%.
6. Over the last year shares outstanding of the foreign regional ETFs grow ~45% (creations of
   tens of billions of dollars) against ~1% for US ETFs: non-US creations several times US.

Intraday session (``intraday="HH:MM"``, docs/methods.md, "Intraday mode")
--------------------------------------------------------------------------
The data ends on the planted crash day (T-2), a session in progress at HH:MM New York time.
Each ticker's 5-minute closes run from the previous close to that day's daily close along
``move x g(u) + noise``: ``u`` the share of the session gone by, ``g`` the day's shape (30%
of the move by mid-session, then accelerating: the unwind speeds up after midday), the noise a
Brownian bridge (zero at the open and at the close) scaled to 35% of the ticker's daily vol;
leveraged funds follow ``L x`` their underlying's path. At 16:00 the last bar is exactly the
daily close, so the session is the daily model seen through the day. The bars draw from
their own generator: the daily history is the same as without ``intraday``. The day's row
holds the live prices, its volume the session's share so far, and the option chains are
quoted at the live spot.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analytics.session import NEW_YORK, session_bars
from models.market import MarketData
from models.sources import Progress
from models.universe import Universe

YEARS = 4
CRASH_BACK = 2          # crash on row T - 2
DISPERSION_DAYS = 5     # the rows just before the crash
MONTH = 21
YEAR = 252
MARKET_VOL = 0.0118     # daily vol of the market factor (~19% a year)

# Momentum / crowding loading by theme name (themes not listed load 0).
THEME_CROWDING = {
    "AI beneficiaries": 0.6, "AI power & grid": 0.5, "Memory chips": 0.55, "Bitcoin miners": 0.6,
    "National security & defense": 0.5, "Rare earths": 0.6, "Software": -0.9,
    "Unprofitable tech": -0.8, "Chemicals": -0.6, "Regional banks": -0.6,
}
# Closing level on the last day for instruments where realism of the level matters.
END_LEVEL = {
    "SPY": 690.0, "^GSPC": 6890.0, "QQQ": 610.0, "DIA": 490.0, "IWM": 258.0, "TLT": 88.0,
    "^KS11": 5100.0, "^N225": 53000.0, "^TWII": 31500.0, "^HSI": 26500.0, "^STOXX50E": 5950.0,
    "^NSEI": 25600.0, "KRW=X": 1450.0, "JPY=X": 156.0, "TWD=X": 31.5, "HKD=X": 7.8,
    "EURUSD=X": 1.17, "INR=X": 90.5, "DX-Y.NYB": 97.5, "HG=F": 5.9, "GC=F": 4950.0,
    "SI=F": 78.0, "^IRX": 3.62, "^FVX": 3.85, "^TNX": 4.18, "^TYX": 4.81,
}
# Assets under management on the last day, $bn (ETFs not listed: 2bn; leveraged: 0.5bn).
END_AUM_BN = {
    "SPY": 650, "QQQ": 380, "DIA": 36, "IWM": 68, "TLT": 50, "RSP": 75, "MTUM": 18, "SPMO": 9,
    "SPHB": 1, "SPLV": 7.5, "USMV": 24, "QUAL": 50, "VLUE": 7, "GVIP": 0.4,
    "XLK": 85, "XLF": 52, "XLV": 36, "XLE": 27, "XLI": 23, "XLY": 23, "XLP": 16, "XLU": 20,
    "XLB": 5.5, "XLC": 25, "XLRE": 7.5, "SMH": 30, "SOXX": 14, "IGV": 9, "KRE": 4, "ITA": 9,
    "EWY": 10, "EWJ": 16, "EWT": 7, "FXI": 6.5, "VGK": 26, "INDA": 9, "EEM": 19, "EFA": 62,
    "TQQQ": 27, "SQQQ": 3.0, "QLD": 9, "QID": 0.3, "PSQ": 0.6, "UPRO": 4.5, "SPXL": 6,
    "SSO": 7, "SPXU": 0.5, "SPXS": 0.5, "SDS": 0.5, "SH": 0.7, "UDOW": 0.7, "SDOW": 0.2,
    "TNA": 2.2, "TZA": 0.3, "SOXL": 12, "SOXS": 1.2, "USD": 1.5, "TECL": 4, "TECS": 0.1,
    "FAS": 2.6, "FAZ": 0.1, "DPST": 0.6, "HIBL": 0.06, "ERX": 0.3, "ERY": 0.03, "TMF": 4.5,
    "TMV": 0.2, "KORU": 0.3, "YINN": 1.2, "YANG": 0.2, "EDC": 0.1, "TSLL": 6, "TSLQ": 0.4,
    "NVDL": 4.5, "NVDU": 0.8, "NVDQ": 0.05, "MSTU": 1.5, "MSTZ": 0.2, "PLTU": 0.4,
    "AMDL": 0.5, "CONL": 1.0,
}
# Broad US funds: which slice of the constituents they hold.
BROAD_RECIPE = {"QQQ": "growth", "DIA": "mega", "IWM": "small", "TLT": "bond"}
GROWTH_SECTORS = ("Information Technology", "Communication Services", "Consumer Discretionary")


@dataclass(frozen=True)
class DemoSource:
    """Deterministic simulated market: ``open_source("demo", seed=7, end="2026-02-06")``."""

    seed: int = 7
    end: str | pd.Timestamp | None = None
    intraday: str | None = None         # "HH:MM": the crash day as a session in progress
    name: str = "demo"

    def __post_init__(self) -> None:
        if self.intraday is not None:
            parse_session_time(self.intraday)

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        if self.end is None:
            end = pd.Timestamp.today().normalize() - pd.offsets.BDay(1)
        else:
            end = pd.offsets.BDay().rollback(pd.Timestamp(self.end).normalize())
        simulator = _Simulator(universe, self.seed, end, progress)
        market = simulator.run()
        if self.intraday is None:
            return market
        return simulator.session(market, parse_session_time(self.intraday))


def parse_session_time(text: str) -> dt.time:
    """``--intraday HH:MM``: a time within the regular session, 09:35 (one bar) to 16:00."""
    try:
        when = dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"--intraday: cannot read {text!r} as a time (expected HH:MM, New "
                         "York time)") from None
    if not dt.time(9, 35) <= when <= dt.time(16, 0):
        raise ValueError(f"--intraday {text}: the simulated session runs from 09:35 (its "
                         "first 5-minute bar) to 16:00 New York time")
    return when


INTRADAY_SEED = 1_000_003     # the session's own generator: the daily data is unchanged
BRIDGE_SCALE = 0.35           # intraday noise: this share of the ticker's daily vol
MIDDAY_SHARE = 0.3            # share of the crash day's move done by mid-session


def session_shape(u: np.ndarray) -> np.ndarray:
    """The crash day's path, 0 at the open and 1 at the close: a steady drift to
    ``MIDDAY_SHARE`` by mid-session, then a pace rising steadily from that drift's to several
    times it at the close (smooth at midday: value and slope continuous)."""
    pace = MIDDAY_SHARE / 0.5
    late = u - 0.5
    curve = (1 - 2 * MIDDAY_SHARE) / 0.25           # the quadratic term that ends at 1
    return np.where(u <= 0.5, pace * u, MIDDAY_SHARE + pace * late + curve * late * late)


def _student(rng: np.random.Generator, df: float, size) -> np.ndarray:
    """Student-t shocks scaled to unit variance."""
    return rng.standard_t(df, size) * np.sqrt((df - 2.0) / df)


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) paths along axis 0 with innovation sd ``sd``."""
    start = rng.standard_normal(shape[1:]) * sd / np.sqrt(1.0 - phi * phi)
    decay = phi ** np.arange(1, shape[0] + 1)
    return _ar1_from(rng.standard_normal(shape) * sd, phi) + np.multiply.outer(decay, start)


AR_BLOCK = 64                    # days per block of the AR(1) recurrence


def _ar1_from(shocks: np.ndarray, phi: float) -> np.ndarray:
    """x_t = phi x_{t-1} + shock_t along axis 0, from x_{-1} = 0: within a block of days one
    product with the matrix of phi^(i-j) (i >= j), and the block's last row carried into the
    next (phi^(i+1) x_{start-1}). Exact up to rounding; 1045 days x 681 paths take 3.5 ms
    against 57 ms for the FFT convolution it replaced."""
    steps = shocks.shape[0]
    flat = shocks.reshape(steps, -1)
    lags = np.subtract.outer(np.arange(AR_BLOCK), np.arange(AR_BLOCK))
    within = np.where(lags >= 0, phi ** np.maximum(lags, 0), 0.0)
    carried = phi ** np.arange(1, AR_BLOCK + 1)
    out = np.empty(flat.shape)
    last = np.zeros(flat.shape[1])
    for start in range(0, steps, AR_BLOCK):
        size = min(AR_BLOCK, steps - start)
        block = out[start:start + size]
        np.matmul(within[:size, :size], flat[start:start + size], out=block)
        block += np.multiply.outer(carried[:size], last)
        last = block[-1]
    return out.reshape(shocks.shape)


def _force_total(returns: np.ndarray, rows: np.ndarray | slice, total: float) -> None:
    """Scale (1 + r) on ``rows`` by one factor so that they compound to ``total``, in place."""
    gross = np.prod(1.0 + returns[rows])
    n = len(returns[rows])
    returns[rows] = (1.0 + returns[rows]) * ((1.0 + total) / gross) ** (1.0 / n) - 1.0


def _growth(returns: np.ndarray) -> np.ndarray:
    return np.cumprod(1.0 + returns, axis=0)


def _lagged(growth: np.ndarray) -> np.ndarray:
    """Growth up to the previous day (row 0: 1), i.e. what day t's weights are built on."""
    return np.vstack([np.ones((1,) + growth.shape[1:]), growth[:-1]])


class _Simulator:
    def __init__(self, universe: Universe, seed: int, end: pd.Timestamp,
                 progress: Progress | None) -> None:
        self.u = universe
        self.rng = np.random.default_rng(seed)
        self.dates = pd.bdate_range(end - pd.DateOffset(years=YEARS) + pd.Timedelta(days=1), end)
        self.T = len(self.dates)
        self.crash = self.T - 1 - CRASH_BACK
        self.progress = progress or (lambda stage, frac: None)
        self.ret: dict[str, np.ndarray] = {}       # ticker -> daily simple returns
        self.levels: dict[str, np.ndarray] = {}    # ticker -> levels (yields, in percent)

    # ------------------------------------------------------------------ pipeline
    def run(self) -> MarketData:
        self.progress("Simulating factors", 0.1)
        self._factors()
        self._stocks()
        self.progress("Planting events", 0.35)
        for _ in range(3):
            self._plant_stock_events()
        self._baskets()
        self.progress("Simulating cross-asset", 0.6)
        self._rates_metals()
        self._regions()
        self._leveraged()
        self._generic()
        self.progress("Building prices and flows", 0.8)
        close = self._prices()
        volume, shares = self._volume_and_shares(close)
        options = {u: self._option_chain(u, float(close[u].iloc[-1]))
                   for u in self.u.option_underlyings if u in close}
        self.progress("Simulation done", 1.0)
        return MarketData(close=close, volume=volume, shares_outstanding=shares, options=options,
                          as_of=self.dates[-1], source="demo", simulated=True,
                          yield_tickers=self.u.yield_tickers())

    # ------------------------------------------------------------------ equity factors
    def _factors(self) -> None:
        rng, T = self.rng, self.T
        log_vol = _ar1(rng, (T,), 0.985, 0.06)
        self.regime = np.exp(log_vol - log_vol.var())          # mean-one volatility multiplier
        self.market = MARKET_VOL * self.regime * _student(rng, 8, T) + 0.0003
        self.sector_names = sorted(set(self.u.sectors.values())) + ["Other"]
        self.sector_f = 0.0045 * self.regime[:, None] * _student(rng, 5, (T, len(self.sector_names)))
        self.theme_names = list(self.u.themes)
        self.theme_f = 0.006 * self.regime[:, None] * _student(rng, 5, (T, len(self.theme_names)))
        self.mom_f = 0.0075 * self.regime * _student(rng, 5, T)
        self.mom_f[T - 320:self.crash - 6] += 0.0025
        self.squeeze_f = 0.003 * self.regime * _student(rng, 5, T)

    def _stocks(self) -> None:
        rng, T, u = self.rng, self.T, self.u
        names = list(dict.fromkeys(u.constituents + [t for m in u.themes.values() for t in m]))
        self.stocks = names
        n = len(names)
        col = {t: i for i, t in enumerate(names)}
        theme_load = np.zeros((n, len(self.theme_names)))
        crowd = rng.normal(0.0, 0.45, n)
        for j, theme in enumerate(self.theme_names):
            idx = [col[t] for t in u.themes[theme]]
            theme_load[idx, j] = rng.uniform(0.7, 1.3, len(idx))
            crowd[idx] += THEME_CROWDING.get(theme, 0.0) * rng.uniform(0.8, 1.3, len(idx))
        self.beta = np.clip(rng.normal(1.0, 0.28, n) + 0.25 * np.clip(crowd, 0, None), 0.4, 2.0)
        self.crowd = crowd
        self.squeeze_load = np.clip(-crowd, 0.0, None)
        self.theme_load = theme_load
        sector_idx = np.array([self.sector_names.index(u.sectors.get(t, "Other")) for t in names])
        self.sector_idx = sector_idx
        self.is_member = np.array([t in u.sectors for t in names])
        self.sector_load = rng.uniform(0.6, 1.4, n)
        risky = theme_load[:, [j for j, t in enumerate(self.theme_names)
                               if abs(THEME_CROWDING.get(t, 0.0)) >= 0.8]].sum(axis=1) > 0
        self.idio_vol = np.exp(rng.uniform(np.log(0.011), np.log(0.026), n)) * np.where(risky, 1.35, 1.0)
        idio_regime = np.exp(_ar1(rng, (T, n), 0.97, 0.09))
        idio_regime *= self.regime[:, None] ** 0.7 / idio_regime.mean(axis=0)
        idio_regime[self.crash - DISPERSION_DAYS:self.crash] *= 1.9
        self.idio = self.idio_vol * idio_regime * _student(rng, 4, (T, n))
        self.alpha = rng.normal(0.0002, 0.0003, n)
        self.cap0 = np.exp(rng.normal(np.log(25e9), 1.0, n)) * np.where(crowd > 0.9, 1.3, 1.0)
        self.sector_f[self.crash - DISPERSION_DAYS:self.crash + 1] *= 1.8
        self.month_drift = np.zeros(len(self.sector_names))
        self.dispersion_moves = np.array([0.0035, -0.0045, 0.0025, -0.004, 0.003])
        self._assemble()

    def _assemble(self, rows: slice | int = slice(None)) -> None:
        """Stock returns from the factors on ``rows`` (re-run after planted values change)."""
        if isinstance(rows, (int, np.integer)):
            rows = slice(rows, rows + 1)
        drift = np.zeros_like(self.sector_f[rows])
        drift[np.arange(self.T)[rows] >= self.T - MONTH] = self.month_drift
        sector = (self.sector_f[rows] + drift)[:, self.sector_idx] * self.sector_load
        block = (self.market[rows, None] * self.beta + sector + self.theme_f[rows] @ self.theme_load.T
                 + self.mom_f[rows, None] * self.crowd + self.squeeze_f[rows, None] * self.squeeze_load
                 + self.idio[rows] + self.alpha)
        if rows.start in (None, 0):
            block[0] = 0.0
        if not hasattr(self, "R"):
            self.R = np.empty((self.T, len(self.stocks)))
        self.R[rows] = np.clip(block, -0.45, 0.45)

    def _cap_weights(self, day: int, members: np.ndarray) -> np.ndarray:
        growth = np.prod(1.0 + self.R[:day, members], axis=0)
        caps = self.cap0[members] * growth
        return caps / caps.sum()

    def _plant_stock_events(self) -> None:
        """Solve the planted factor values so the headline events hold exactly (events 1, 2, 5)."""
        members = np.flatnonzero(self.is_member)
        # 5: cyclical and defensive sectors up ~4% over the last month.
        for etf in self.u.cross_asset.cyclical + self.u.cross_asset.defensive:
            sector = self.u.cross_asset.sectors.get(etf)
            if sector not in self.sector_names:
                continue
            k = self.sector_names.index(sector)
            idx = members[self.sector_idx[members] == k]
            rets = self._cap_basket(idx)[self.T - MONTH:]
            shortfall = np.log(1.04) - np.log1p(rets).sum()
            self.month_drift[k] += shortfall / MONTH / self.sector_load[idx].mean()
        self._assemble()
        # 2: the index barely moves in the dispersion week: scale its moves so that the average
        # constituent's 5-day RMS vol is >= 7x the benchmark's and 10% above any earlier week.
        week = np.arange(self.crash - DISPERSION_DAYS, self.crash)
        ratio = _rms_ratio(self.R[:, members], self._cap_basket(members))
        target_ratio = max(7.0, 1.1 * np.nanmax(ratio[: week[0]]))
        self.dispersion_moves *= ratio[week[-1]] / target_ratio
        for day, target in zip(week.tolist(), self.dispersion_moves):
            w = self._cap_weights(day, members)
            rest = self.R[day, members] - self.market[day] * self.beta[members]
            self.market[day] = (target - w @ rest) / (w @ self.beta[members])
            self._assemble(day)
        # 1: the crash: top momentum decile -4.9%, bottom decile +3.6%, benchmark -0.6%; solved
        # for the market, momentum and short-squeeze factors.
        day = self.crash
        growth = _growth(self.R[:, members])
        signal = growth[day - 21] / growth[day - 251] - 1.0
        top = signal >= np.quantile(signal, 0.9)
        bottom = signal <= np.quantile(signal, 0.1)
        w = self._cap_weights(day, members)
        loads = np.column_stack([self.beta[members], self.crowd[members], self.squeeze_load[members]])
        factors = np.array([self.market[day], self.mom_f[day], self.squeeze_f[day]])
        rest = self.R[day, members] - loads @ factors
        a = np.vstack([loads[top].mean(axis=0), loads[bottom].mean(axis=0), w @ loads])
        b = np.array([-0.049 - rest[top].mean(), 0.036 - rest[bottom].mean(), -0.006 - w @ rest])
        self.market[day], self.mom_f[day], self.squeeze_f[day] = np.linalg.solve(a, b)
        self._assemble(day)

    # ------------------------------------------------------------------ derived equity baskets
    def _cap_basket(self, idx: np.ndarray) -> np.ndarray:
        r = self.R[:, idx]
        weights = self.cap0[idx] * _lagged(_growth(r))
        return (weights * r).sum(axis=1) / weights.sum(axis=1)

    def _equal_basket(self, idx: np.ndarray) -> np.ndarray:
        return self.R[:, idx].mean(axis=1)

    def _tracking(self, r: np.ndarray, sd: float = 0.0002) -> np.ndarray:
        out = r + self.rng.normal(0.0, sd, self.T)
        out[0] = 0.0
        return out

    def _baskets(self) -> None:
        u = self.u
        col = {t: i for i, t in enumerate(self.stocks)}
        for t in self.stocks:
            self.ret[t] = self.R[:, col[t]]
        members = np.flatnonzero(self.is_member)
        self.benchmark = self._cap_basket(members)
        self.ret[u.benchmark] = self.benchmark - 0.00004
        for etf, sector in u.cross_asset.sectors.items():
            idx = members[self.sector_idx[members] == self.sector_names.index(sector)] \
                if sector in self.sector_names else members
            self.ret.setdefault(etf, self._tracking(self._cap_basket(idx)))
        for theme, etfs in u.theme_etfs.items():
            idx = np.array([col[t] for t in u.themes[theme]])
            for etf in etfs:
                self.ret.setdefault(etf, self._tracking(self._equal_basket(idx), 0.001))
        total_vol = np.sqrt((self.beta * MARKET_VOL) ** 2 + self.idio_vol ** 2)
        by_beta, by_vol = np.argsort(self.beta[members]), np.argsort(total_vol[members])
        by_crowd, by_cap = np.argsort(self.crowd[members]), np.argsort(self.cap0[members])
        style_idx = {
            "high_beta": (members[by_beta[-100:]], False), "low_volatility": (members[by_vol[:100]], False),
            "momentum": (members[by_crowd[-125:]], True), "equal_weight": (members, False),
            "crowded_longs": (members[by_crowd[-50:]], False),
            "quality": (members[by_vol[: len(members) // 3]], True),
            "value": (members[by_crowd[: len(members) // 3]], True),
        }
        for style, etfs in u.styles.items():
            idx, cap = style_idx.get(style, (members, True))
            r = self._cap_basket(idx) if cap else self._equal_basket(idx)
            for etf in etfs:
                self.ret.setdefault(etf, self._tracking(r, 0.0005))
        growth_idx = members[np.isin(self.sector_idx[members],
                                     [self.sector_names.index(s) for s in GROWTH_SECTORS
                                      if s in self.sector_names])]
        self.broad_baskets = {"growth": growth_idx, "mega": members[by_cap[-30:]],
                              "small": members[by_cap[: len(members) // 2]]}

    # ------------------------------------------------------------------ rates, metals, regions
    def _rates_metals(self) -> None:
        rng, T = self.rng, self.T
        last = slice(T - MONTH, T)
        z_mkt = self.market / self.market.std()
        tnx_shock = 0.05 * (0.3 * z_mkt + 0.95 * rng.standard_normal(T)) * self.regime
        tnx = 4.2 + _ar1_from(tnx_shock, 0.995)
        irx = 3.9 + _ar1_from(rng.normal(0.0, 0.015, T), 0.998)
        tnx[last] += np.linspace(1, MONTH, MONTH) * (-0.30 - (tnx[-1] - tnx[T - MONTH - 1])) / MONTH
        irx[last] += np.linspace(1, MONTH, MONTH) * (-0.05 - (irx[-1] - irx[T - MONTH - 1])) / MONTH
        fvx = 0.55 * irx + 0.45 * tnx + _ar1_from(rng.normal(0.0, 0.01, T), 0.95)
        tyx = tnx + 0.55 + _ar1_from(rng.normal(0.0, 0.012, T), 0.97)
        rates = dict(zip(("^IRX", "^FVX", "^TNX", "^TYX"), (irx, fvx, tnx, tyx)))
        for t in self.u.cross_asset.rates:
            path = rates.get(t, tnx)
            self.levels[t] = path - path[-1] + END_LEVEL.get(t, path[-1])
        self.tnx_change = np.diff(tnx, prepend=tnx[0])
        metal_vol = {"HG=F": 0.014, "GC=F": 0.010, "SI=F": 0.019}
        metal_target = {"HG=F": 0.06, "GC=F": 0.05, "SI=F": 0.08}
        common = _student(rng, 5, T)
        for t in self.u.cross_asset.metals:
            r = metal_vol.get(t, 0.015) * (0.5 * common + 0.87 * _student(rng, 5, T)) + 0.0003
            r[0] = 0.0
            _force_total(r, last, metal_target.get(t, 0.05))
            self.ret[t] = r
        for t in self.u.cross_asset.volatility:
            level = 100 * np.sqrt(252) * MARKET_VOL * self.regime * 1.15
            self.levels[t] = level * np.exp(rng.normal(0.0, 0.05, T))

    def _regions(self) -> None:
        rng, T, u = self.rng, self.T, self.u
        foreign_usd, local_per_usd = [], []
        for region in u.regions:
            if region.domestic:
                if region.index:
                    self.ret.setdefault(region.index, self.benchmark - 0.00005)
                continue
            if not region.index:
                continue
            local_shock = (0.7 * self.market / MARKET_VOL + 0.71 * _student(rng, 5, T)) * self.regime
            local = 0.011 * local_shock / np.sqrt(2.0) + 0.0003
            currency = region.currency or ""
            corr = np.full(T, -0.35)
            if "JPY" in currency:
                corr = np.where(np.arange(T) < T - 85, 0.55, -0.45)
            shock = local_shock / local_shock.std()
            fx = 0.005 * (corr * shock + np.sqrt(1 - corr ** 2) * rng.standard_normal(T))
            if "KRW" in currency:
                week = self._planted_week()
                _force_total(local, week, max(0.12, 1.2 * _best_week(local, self.dates, week)))
                fx[week] -= 0.004
            local[0] = fx[0] = 0.0
            self.ret[region.index] = local
            usd = (1 + local) / (1 + fx) - 1
            foreign_usd.append(usd)
            local_per_usd.append(fx)
            if currency:
                self.ret.setdefault(currency, 1 / (1 + fx) - 1 if region.currency_is_usd_per_local else fx)
            if region.etf:
                self.ret.setdefault(region.etf, self._tracking(usd, 0.001))
        for region in u.regions:
            if region.etf and not region.index and not region.domestic and foreign_usd:
                self.ret.setdefault(region.etf, self._tracking(np.mean(foreign_usd, axis=0), 0.002))
        dollar = 1.2 * np.mean(local_per_usd, axis=0) if local_per_usd else np.zeros(T)
        for t in u.cross_asset.fx:
            self.ret.setdefault(t, self._tracking(dollar, 0.002))

    def _planted_week(self) -> np.ndarray:
        """Rows of the last complete Mon-Fri week ending at or before T-8 (Korea's best week)."""
        fridays = np.flatnonzero((self.dates.day_of_week == 4) & (np.arange(self.T) <= self.T - 9))
        friday = fridays[-1]
        week = np.flatnonzero((self.dates > self.dates[friday] - pd.Timedelta(days=7))
                              & (self.dates <= self.dates[friday]))
        return week

    # ------------------------------------------------------------------ leveraged and generic
    def _leveraged(self) -> None:
        for fund in self.u.leveraged_etfs:
            if fund.underlying not in self.ret:
                self._generic_one(fund.underlying)
            cost = (0.0095 + max(fund.multiple - 1.0, 0.0) * 0.045) / 252
            r = fund.multiple * self.ret[fund.underlying] - cost
            r[0] = 0.0
            self.ret[fund.ticker] = r

    def _generic_one(self, ticker: str) -> None:
        recipe = BROAD_RECIPE.get(ticker)
        if recipe == "bond":
            r = -17.0 * self.tnx_change / 100 + 0.00012
        elif recipe in self.broad_baskets:
            r = self._cap_basket(self.broad_baskets[recipe]) if recipe != "small" \
                else 1.1 * self._equal_basket(self.broad_baskets[recipe])
        else:
            r = self.benchmark * self.rng.uniform(0.8, 1.2) + 0.003 * self.rng.standard_normal(self.T)
        self.ret[ticker] = self._tracking(r, 0.0004)

    def _generic(self) -> None:
        for t in self.u.all_tickers():
            if t not in self.ret and t not in self.levels:
                self._generic_one(t)

    # ------------------------------------------------------------------ prices, volume, shares
    def _prices(self) -> pd.DataFrame:
        tickers = self.u.all_tickers()
        rng = self.rng
        data = {}
        for t in tickers:
            if t in self.levels:
                data[t] = self.levels[t]
                continue
            growth = _growth(self.ret[t])
            level = END_LEVEL.get(t) or float(np.exp(rng.normal(np.log(90.0), 0.8)))
            data[t] = level * growth / growth[-1]
        return pd.DataFrame(data, index=self.dates, columns=tickers, dtype=np.float64)

    def _volume_and_shares(self, close: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, T, u = self.rng, self.T, self.u
        no_volume = set(u.cross_asset.fx) | set(u.cross_asset.rates) | set(u.cross_asset.volatility)
        no_volume |= {r.currency for r in u.regions if r.currency}
        metals = set(u.cross_asset.metals)
        indices = {r.index for r in u.regions if r.index}
        foreign = set(u.region_etfs(domestic=False))
        letf = {f.ticker for f in u.leveraged_etfs}
        rets = close.pct_change().fillna(0.0).to_numpy()
        surprise = 1.0 + 2.5 * np.abs(rets) / np.maximum(np.abs(rets).mean(axis=0), 1e-9)
        noise = np.exp(rng.normal(0.0, 0.3, rets.shape))
        days = np.arange(T)
        level_noise = _ar1(rng, (T, close.shape[1]), 0.9, 0.0018)
        columns = list(close.columns)
        last_price = close.to_numpy()[-1]
        held = np.full((T, len(columns)), np.nan)
        at = {t: i for i, t in enumerate(self.stocks)}
        stock = [j for j, t in enumerate(columns) if t in at]
        if stock:
            cap_end = self.cap0[[at[columns[j]] for j in stock]] * np.prod(
                1 + np.column_stack([self.ret[columns[j]] for j in stock]), axis=0)
            held[:, stock] = (cap_end / last_price[stock]) * (1 + 0.00004 * (T - 1 - days))[:, None]
        fund = [j for j, t in enumerate(columns)
                if t not in at and t not in no_volume and t not in metals and t not in indices]
        if fund:
            aum = np.array([END_AUM_BN.get(columns[j], 0.5 if columns[j] in letf else 2.0)
                            for j in fund]) * 1e9
            drift = np.array([0.0016 if columns[j] in foreign else 0.00001 for j in fund])
            log_shares = drift * (np.maximum(days, T - 1 - YEAR) - (T - 1))[:, None] \
                + level_noise[:, fund] - level_noise[-1, fund]
            held[:, fund] = np.round(aum / last_price[fund] * np.exp(log_shares), -3)
        shares = pd.DataFrame(held, index=self.dates, columns=close.columns)
        turnover = np.where(close.columns.isin(list(letf)), 0.04, 0.008)
        volume = (shares.to_numpy() * turnover * surprise * noise)
        index_cols = close.columns.isin(list(indices | metals))
        volume[:, index_cols] = 4e8 * surprise[:, index_cols] * noise[:, index_cols]
        volume = np.nan_to_num(volume, nan=0.0).round()
        return pd.DataFrame(volume, index=self.dates, columns=close.columns), \
            shares.dropna(axis=1, how="all")

    # ------------------------------------------------------------------ intraday session
    def session(self, market: MarketData, at: dt.time) -> MarketData:
        """``market`` cut at the crash day, that day a session in progress at ``at``."""
        c = self.crash
        day = self.dates[c]
        close = market.close.iloc[:c + 1].copy()
        starts = session_bars(day.date())
        n = len(starts)
        u = np.arange(1, n + 1) / n
        rng = np.random.default_rng(INTRADAY_SEED + c)
        prev, final = close.iloc[-2].to_numpy(), close.iloc[-1].to_numpy()
        levels = close.columns.isin(list(market.yield_tickers))
        with np.errstate(invalid="ignore", divide="ignore"):
            move = np.where(levels, final - prev, np.log(final / prev))
            steps = close.iloc[-64:-1]
            daily = np.where(levels, steps.diff().std().to_numpy(),
                             np.log(steps).diff().std().to_numpy())
        walk = np.cumsum(rng.normal(0.0, np.sqrt(1.0 / n), (n, len(prev))), axis=0)
        bridge = walk - u[:, None] * walk[-1]
        path = move * session_shape(u)[:, None] + BRIDGE_SCALE * np.nan_to_num(daily) * bridge
        bars = np.where(levels, prev + path, prev * np.exp(path))
        columns = {t: i for i, t in enumerate(close.columns)}
        for fund in self.u.leveraged_etfs:
            if fund.ticker in columns and fund.underlying in columns:
                i, j = columns[fund.ticker], columns[fund.underlying]
                cost = (0.0095 + max(fund.multiple - 1.0, 0.0) * 0.045) / 252
                bars[:, i] = prev[i] * (1 + fund.multiple * (bars[:, j] / prev[j] - 1) - cost * u)
        bars[-1] = final                 # the close is the daily model's, to the last bit
        end = dt.datetime.combine(day.date(), at, NEW_YORK)
        shown = sum(start + dt.timedelta(minutes=5) <= end for start in starts)
        index = pd.DatetimeIndex(starts[:shown])
        intraday = pd.DataFrame(bars[:shown], index=index, columns=close.columns)
        close.iloc[-1] = bars[shown - 1]
        elapsed = shown / n
        volume = market.volume.iloc[:c + 1].copy() if market.volume is not None else None
        if volume is not None:
            volume.iloc[-1] *= elapsed
        shares = market.shares_outstanding.iloc[:c + 1] if market.shares_outstanding is not None \
            else None
        options = {name: self._option_chain(name, float(close[name].iloc[-1]), day)
                   for name in market.options}
        open_now = shown < n
        return replace(market, close=close, volume=volume, shares_outstanding=shares,
                       options=options, as_of=day, intraday=intraday,
                       as_of_time=pd.Timestamp(end) if open_now else None)

    # ------------------------------------------------------------------ options
    def _option_chain(self, underlying: str, spot: float,
                      as_of: pd.Timestamp | None = None) -> pd.DataFrame:
        rng, as_of = self.rng, self.dates[-1] if as_of is None else as_of
        fridays = pd.date_range(as_of + pd.Timedelta(days=1), as_of + pd.Timedelta(days=90),
                                freq="W-FRI")
        fine = 1.0 if spot < 1000 else 5.0
        near = np.arange(np.ceil(spot * 0.92 / fine), np.floor(spot * 1.08 / fine) + 1) * fine
        far = np.arange(np.ceil(spot * 0.75 / 5), np.floor(spot * 1.25 / 5) + 1) * 5.0
        strikes = np.unique(np.concatenate([near, far]))
        rows = []
        scale = 2.0e6 if underlying == self.u.benchmark else 1.0e6
        for expiry in fridays:
            years = (expiry - as_of).days / 365.0
            monthly = 15 <= expiry.day <= 21
            m = np.log(strikes / spot)
            atm = 0.15 + 0.02 * np.sqrt(years)
            iv = np.clip(atm * (1 - 1.6 * m + 2.5 * m * m), 0.06, 1.5)
            round_bonus = 1 + 1.5 * (strikes % 10 == 0) + 0.6 * (strikes % 5 == 0)
            weight = scale * (3.0 if monthly else 1.0) / np.sqrt(1 + 20 * years) / len(strikes)
            calls = np.exp(-((strikes / spot - 1.01) / 0.035) ** 2) + 0.01
            puts = 1.4 * np.exp(-((strikes / spot - 0.95) / 0.04) ** 2) + 0.02
            for kind, shape in (("C", calls), ("P", puts)):
                oi = np.round(weight * shape * round_bonus * np.exp(rng.normal(0, 0.4, len(strikes))))
                rows.append(pd.DataFrame({"expiry": expiry, "strike": strikes, "kind": kind,
                                          "open_interest": oi, "implied_vol": iv}))
        chain = pd.concat(rows, ignore_index=True).assign(underlying_price=spot, quote_date=as_of)
        return chain[chain["open_interest"] > 0].reset_index(drop=True)


def _rms_ratio(stocks: np.ndarray, index: np.ndarray, window: int = 5) -> np.ndarray:
    """Average stock's rolling zero-mean RMS over the index's (docs/methods.md), per row."""
    def rms(x: np.ndarray) -> np.ndarray:
        c = np.cumsum(np.square(x), axis=0)
        out = np.full(x.shape, np.nan)
        out[window - 1] = c[window - 1]
        out[window:] = c[window:] - c[:-window]
        return np.sqrt(out / window)
    return rms(stocks).mean(axis=1) / rms(index)


def _best_week(returns: np.ndarray, dates: pd.DatetimeIndex, exclude: np.ndarray) -> float:
    """Best Mon-Fri compounded return outside the rows ``exclude``."""
    keep = np.ones(len(returns), bool)
    keep[exclude] = False
    weekly = pd.Series(np.log1p(returns[keep]), index=dates[keep]).resample("W-FRI").sum()
    return float(np.expm1(weekly.max()))
