"""Dealer gamma exposure (docs/methods.md, "Dealer gamma"). Pure numpy/pandas, no scipy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.params import EngineParams
from analytics.regimes import latest_bill_rate
from analytics.snapshot import FlowsView, GammaReading, GammaView

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def bs_gamma(spot, strike, t, vol, rate=0.0, div=0.0):
    """Black-Scholes-Merton gamma (per $1 move, per unit of underlying), numpy-broadcasting.

    Gamma = exp(-q T) phi(d1) / (S sigma sqrt(T)), the same for calls and puts. ``t`` in years,
    ``vol``, ``rate`` and ``div`` as fractions (0.2 = 20%).
    """
    spot, strike, t, vol = (np.asarray(x, dtype=float) for x in (spot, strike, t, vol))
    scale = vol * np.sqrt(t)                # per contract: the terms without the spot first,
    drift = (rate - div + 0.5 * vol * vol) * t
    coefficient = np.exp(-div * t) / (_SQRT_2PI * scale)
    d1 = (np.log(spot) - np.log(strike) + drift) / scale    # logs of the inputs, not of a grid
    return np.exp(-0.5 * d1 * d1) * coefficient / spot


def gex_profile(chain: pd.DataFrame, spot: float, as_of, grid, rate: float = 0.0,
                div: float = 0.0, multiplier: int = 100, dealer_call_sign: float = 1.0,
                dealer_put_sign: float = -1.0) -> pd.Series:
    """Total dealer GEX ($ per 1% move) re-priced at each spot in ``grid`` (sticky strike).

    Dealers long calls and short puts by default (SqueezeMetrics convention). Time to expiry in
    years = calendar days / 365; expired contracts contribute nothing.
    """
    grid = np.asarray(grid, dtype=float)
    years = _years(chain, as_of)
    live = years > 0
    sign = np.where(chain["kind"].to_numpy() == "C", dealer_call_sign, dealer_put_sign)[live]
    oi = chain["open_interest"].to_numpy(dtype=float)[live]
    gamma = bs_gamma(grid[:, None], chain["strike"].to_numpy(dtype=float)[live][None, :],
                     years[live][None, :], chain["implied_vol"].to_numpy(dtype=float)[live][None, :],
                     rate, div)
    total = gamma @ (sign * oi) * multiplier * grid * grid * 0.01
    return pd.Series(total, index=pd.Index(grid, name="spot"), name="gex_usd_per_pct")


def clean_chain(chain: pd.DataFrame, as_of) -> tuple[pd.DataFrame, dict[str, int]]:
    """Chain hygiene before any sum: drop expired contracts, zero or missing open interest and
    implied vols outside (0.01, 3). Returns the clean chain and how many rows each rule
    dropped (a row is counted under the first rule it breaks)."""
    as_of = pd.Timestamp(as_of)
    expiry = pd.to_datetime(chain["expiry"])
    oi = pd.to_numeric(chain["open_interest"], errors="coerce")
    iv = pd.to_numeric(chain["implied_vol"], errors="coerce")
    expired = expiry <= as_of
    no_oi = ~expired & ~(oi > 0)
    bad_iv = ~expired & ~no_oi & ~((iv > 0.01) & (iv < 3.0))
    keep = ~(expired | no_oi | bad_iv)
    counts = {"expired": int(expired.sum()), "no_open_interest": int(no_oi.sum()),
              "implied_vol_out_of_range": int(bad_iv.sum())}
    return chain[keep].assign(expiry=expiry[keep]).reset_index(drop=True), counts


def _years(chain: pd.DataFrame, as_of) -> np.ndarray:
    """Whole calendar days from ``as_of`` to each expiry (floored), in years of 365 days."""
    expiry = chain["expiry"]
    if not pd.api.types.is_datetime64_dtype(expiry):
        expiry = pd.to_datetime(expiry)
    days = (expiry.to_numpy(dtype="datetime64[ns]") - pd.Timestamp(as_of).to_datetime64()) \
        // np.timedelta64(1, "D")
    return days / 365.0


def _contract_gex(chain: pd.DataFrame, spot: float, as_of, rate: float, div: float,
                  multiplier: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each live contract's strike, whether it is a call, and its GEX in dollars per 1% move
    before the dealer's sign: gamma x OI x multiplier x S^2 x 1%."""
    years = _years(chain, as_of)
    live = years > 0
    strike = chain["strike"].to_numpy(dtype=float)[live]
    gamma = bs_gamma(spot, strike, years[live], chain["implied_vol"].to_numpy(dtype=float)[live],
                     rate, div)
    dollars = gamma * chain["open_interest"].to_numpy(dtype=float)[live] * multiplier \
        * spot * spot * 0.01
    return strike, chain["kind"].to_numpy()[live] == "C", dollars


def gex_by_strike(chain: pd.DataFrame, spot: float, as_of, rate: float = 0.0, div: float = 0.0,
                  multiplier: int = 100, dealer_call_sign: float = 1.0,
                  dealer_put_sign: float = -1.0) -> pd.DataFrame:
    """Dealer gamma exposure per strike in dollars per 1% move: ``call_gex``, ``put_gex``
    (signed by the dealer convention: long calls, short puts by default) and ``net_gex``.
    GEX per contract = gamma x OI x multiplier x S^2 x 1%."""
    strike, is_call, dollars = _contract_gex(chain, spot, as_of, rate, div, multiplier)
    frame = pd.DataFrame({"strike": strike,
                          "call_gex": np.where(is_call, dealer_call_sign * dollars, 0.0),
                          "put_gex": np.where(is_call, 0.0, dealer_put_sign * dollars)})
    out = frame.groupby("strike").sum().sort_index()
    out["net_gex"] = out["call_gex"] + out["put_gex"]
    return out


def net_gex(chain: pd.DataFrame, spot: float, as_of, rate: float = 0.0, div: float = 0.0,
            multiplier: int = 100) -> float:
    """``gex_by_strike(...)["net_gex"].sum()`` without the table: the dealers' total GEX in
    dollars per 1% move at ``spot`` (long calls, short puts)."""
    _, is_call, dollars = _contract_gex(chain, spot, as_of, rate, div, multiplier)
    return float(np.where(is_call, dollars, -dollars).sum())


def top_strikes(by_strike: pd.DataFrame, spot: float, count: int = 10) -> pd.DataFrame:
    """The ``count`` strikes with the largest dealer |net GEX| (``gex_by_strike``'s frame),
    largest first: ``from_spot`` (strike / spot - 1), ``call_gex``, ``put_gex``, ``net_gex``
    (USD per 1%) and ``share`` (|net| over the sum of |net| of every strike)."""
    size = by_strike["net_gex"].abs()
    total = size.sum()
    order = np.argsort(-size.to_numpy(), kind="stable")[:count]
    out = by_strike.iloc[order][["call_gex", "put_gex", "net_gex"]].copy()
    out.insert(0, "from_spot", out.index.to_numpy(dtype=float) / spot - 1.0)
    out["share"] = size.iloc[order] / total if total > 0 else np.nan
    return out


def default_grid(spot: float, points: int = 401) -> np.ndarray:
    """Spot grid 0.8 x spot .. 1.2 x spot (0.1% steps for 401 points)."""
    return np.linspace(0.8 * spot, 1.2 * spot, points)


def zero_gamma_level(chain: pd.DataFrame, spot: float, as_of, rate: float = 0.0,
                     div: float = 0.0, grid=None, **convention) -> float | None:
    """Spot level where total dealer GEX changes sign (sticky strike re-pricing on a grid in
    0.8-1.2 x spot, then linear interpolation between the two grid points): the crossing
    nearest to spot, or None when GEX keeps one sign over the whole grid."""
    return zero_crossing(gex_profile(chain, spot, as_of,
                                     default_grid(spot) if grid is None else grid, rate, div,
                                     **convention), spot)


def zero_crossing(profile: pd.Series, spot: float) -> float | None:
    """``zero_gamma_level`` from a GEX profile already computed (``gex_profile``)."""
    x, y = profile.index.to_numpy(), profile.to_numpy()
    crossings = np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)
    exact = np.flatnonzero(y == 0)
    candidates = [x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i]) for i in crossings]
    candidates += [x[i] for i in exact]
    if not candidates:
        return None
    return float(min(candidates, key=lambda level: abs(level - spot)))


FLIP_BAND = 0.005            # zero gamma within 0.5% of spot: the sign is not resolved
CARRY_DAYS = 1               # ... nor when one day of carry flips it
YIELD_BUMP = 0.0025          # ... or 25 bp on the rate or the dividend yield


def continuous_rate(bond_equivalent: float, days: int = 91) -> float:
    """A T-bill's bond-equivalent yield (decimal) -> the continuously compounded rate over its
    term: ln(1 + y d / 365) x 365 / d (Black-Scholes discounts continuously)."""
    return float(np.log1p(bond_equivalent * days / 365.0) * 365.0 / days)


def parity_spot(chain: pd.DataFrame, as_of) -> float | None:
    """The spot implied by put-call parity on the nearest expiry after ``as_of`` with >= 3
    strikes quoted on both sides: median of K + C - P over the 5 strikes where |C - P| is
    smallest (carry over a few days is negligible there). Prices: bid/ask mid where both are
    positive, else ``last_price``. None when the chain has no prices."""
    price = None
    if {"bid", "ask"} <= set(chain.columns):
        bid, ask = (pd.to_numeric(chain[c], errors="coerce") for c in ("bid", "ask"))
        price = ((bid + ask) / 2).where((bid > 0) & (ask > 0))
    if "last_price" in chain.columns:
        last = pd.to_numeric(chain["last_price"], errors="coerce").where(lambda p: p > 0)
        price = last if price is None else price.fillna(last)
    if price is None:
        return None
    quotes = chain.assign(price=price).dropna(subset=["price"])
    quotes = quotes[pd.to_datetime(quotes["expiry"]) > pd.Timestamp(as_of)]
    pairs = quotes.pivot_table(index=["expiry", "strike"], columns="kind", values="price",
                               aggfunc="median")
    if not {"C", "P"} <= set(pairs.columns):
        return None
    pairs = pairs.dropna()
    for _, group in pairs.groupby(level="expiry", sort=True):
        if len(group) >= 3:
            diff = group["C"] - group["P"]
            near = diff.abs().nsmallest(5).index
            strikes = near.get_level_values("strike").to_numpy(dtype=float)
            return float(np.median(strikes + diff.loc[near].to_numpy()))
    return None


def flip_uncertainty(chain: pd.DataFrame, spot: float, as_of, rate: float, div: float,
                     zero_level: float | None, letf: float = 0.0) -> str | None:
    """Why the sign of net gamma (dealer GEX plus ``letf``, the leveraged funds' gamma, which
    is negative) at spot cannot be trusted, or None when it can: zero gamma within
    ``FLIP_BAND`` of spot, or a sign change under +-1 day of carry or +-25 bp of rate or
    dividend yield."""
    as_of = pd.Timestamp(as_of)
    reasons = []
    if zero_level is not None and abs(zero_level / spot - 1) <= FLIP_BAND:
        reasons.append(f"zero gamma {zero_level:.2f} is {100 * (zero_level / spot - 1):+.2f}% "
                       "from spot")
    base = net_gex(chain, spot, as_of, rate, div) + letf
    bumps = {"1 day of carry": [(as_of - pd.Timedelta(days=CARRY_DAYS), rate, div),
                                (as_of + pd.Timedelta(days=CARRY_DAYS), rate, div)],
             "25 bp of rate": [(as_of, rate - YIELD_BUMP, div), (as_of, rate + YIELD_BUMP, div)],
             "25 bp of dividend yield": [(as_of, rate, div - YIELD_BUMP),
                                         (as_of, rate, div + YIELD_BUMP)]}
    for words, cases in bumps.items():
        signs = {np.sign(net_gex(chain, spot, day, r, q) + letf)
                 for day, r, q in cases}
        if signs - {np.sign(base)}:
            reasons.append(f"the sign changes under {words}")
    return "; ".join(reasons) if reasons else None


def chain_spot(chain: pd.DataFrame, close: pd.DataFrame, name: str,
                day: pd.Timestamp) -> tuple[float | None, str]:
    """Spot for the chain's strikes (unadjusted, docs/methods.md "Dealer gamma"): the chain's
    own underlying price, else put-call parity on its quotes, else the underlying's close on
    the quote date (adjusted: right on the day of the last dividend, low before it)."""
    if "underlying_price" in chain.columns:
        price = pd.to_numeric(chain["underlying_price"], errors="coerce")
        if (price > 0).any():
            return float(price[price > 0].median()), "the chain's underlying price"
    implied = parity_spot(chain, day)
    if implied is not None:
        return implied, "put-call parity on the chain's quotes"
    if name in close.columns and close[name].loc[:day].notna().any():
        return float(close[name].loc[:day].dropna().iloc[-1]), \
            f"the {name} close (adjusted; no underlying price in the chain)"
    return None, ""


def gamma_view(market, params: EngineParams, flows: FlowsView | None) -> GammaView | None:
    """Dealer gamma for each option underlying with a chain quoted in the data: its inputs
    (spot, rate, dividend yield, each with its source), GEX by strike and across spot, the
    zero-gamma level, the leveraged funds' gamma and the net, with the sign's uncertainty
    (docs/methods.md, "Dealer gamma")."""
    options = getattr(market, "options", {}) or {}
    close = market.close
    out = {}
    for name in params.option_underlyings:
        chain = options.get(name)
        if chain is None or chain.empty:
            continue
        day = pd.Timestamp(market.as_of)
        if "quote_date" in chain.columns and chain["quote_date"].notna().any():
            day = pd.Timestamp(chain["quote_date"].dropna().iloc[0]).normalize()
        spot, spot_source = chain_spot(chain, close, name, day)
        if spot is None:
            continue
        bill = latest_bill_rate(close.loc[:day], params.short_rate)
        if np.isfinite(bill):
            rate, rate_source = continuous_rate(bill), \
                f"13-week bill ({params.short_rate}), continuous"
        else:
            rate, rate_source = params.default_rate, \
                f"the universe's default: no {params.short_rate} in the data"
        div, div_source = 0.0, "none known: 0% assumed"
        chain_yield = pd.to_numeric(chain["dividend_yield"], errors="coerce") \
            if "dividend_yield" in chain.columns else pd.Series(dtype=float)
        if chain_yield.notna().any():
            div, div_source = float(chain_yield.dropna().iloc[0]), \
                "the chain's own (Yahoo's trailing yield or the file's column)"
        elif name in params.dividend_yields:
            div, div_source = float(params.dividend_yields[name]), "the universe file"
        clean, dropped = clean_chain(chain, day)
        if clean.empty:
            continue
        by_strike = gex_by_strike(clean, spot, day, rate, div)
        profile = gex_profile(clean, spot, day, default_grid(spot), rate, div)
        dealer = float(by_strike["net_gex"].sum())
        letf = float("nan")                 # unknown without fund assets: not zero
        if flows is not None and name in flows.by_underlying.index:
            letf = float(flows.by_underlying.loc[name, "letf_gamma_usd_per_pct"])
        known = letf if np.isfinite(letf) else 0.0
        net = dealer + known                # letf is negative: the funds trade with the move
        zero = zero_crossing(profile, spot)
        uncertain = flip_uncertainty(clean, spot, day, rate, div, zero, letf=known)
        out[name] = GammaReading(
            spot=spot, by_strike=by_strike, profile=profile, zero_gamma_level=zero,
            dealer_gex_usd_per_pct=dealer, letf_gamma_usd_per_pct=letf, net_usd_per_pct=net,
            dropped=dropped, contracts=len(clean), quote_date=day, spot_source=spot_source,
            rate=rate, rate_source=rate_source, dividend_yield=div, dividend_source=div_source,
            uncertain=uncertain, reading=gamma_reading(dealer, net, uncertain))
    return GammaView(underlyings=out, rate=latest_bill_rate(close, params.short_rate)) \
        if out else None


def gamma_reading(dealer: float, net: float, uncertain: str | None = None) -> str:
    """Plain words for the sign of dealer and net (dealer plus leveraged-ETF) gamma; near the
    flip (``uncertain`` says why) the sign is not claimed."""
    if uncertain:
        return f"near the gamma flip: sign uncertain ({uncertain})"
    if net < 0:
        lead = "net short gamma: hedging adds to moves"
        return lead + (" (dealers alone are long; leveraged-ETF rebalancing outweighs them)"
                       if dealer > 0 else "")
    return "net long gamma: hedging damps moves"

