"""Dealer gamma exposure (METHODS section 8). Pure numpy/pandas, no scipy."""
from __future__ import annotations

import numpy as np
import pandas as pd

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def bs_gamma(spot, strike, t, vol, rate=0.0, div=0.0):
    """Black-Scholes-Merton gamma (per $1 move, per unit of underlying), numpy-broadcasting.

    Gamma = exp(-q T) phi(d1) / (S sigma sqrt(T)), the same for calls and puts. ``t`` in years,
    ``vol``, ``rate`` and ``div`` as fractions (0.2 = 20%).
    """
    spot, strike, t, vol = (np.asarray(x, dtype=float) for x in (spot, strike, t, vol))
    root_t = np.sqrt(t)
    d1 = (np.log(spot / strike) + (rate - div + 0.5 * vol * vol) * t) / (vol * root_t)
    return np.exp(-div * t) * np.exp(-0.5 * d1 * d1) / _SQRT_2PI / (spot * vol * root_t)


def gex_profile(chain: pd.DataFrame, spot: float, as_of, grid, rate: float = 0.0,
                div: float = 0.0, multiplier: int = 100, dealer_call_sign: float = 1.0,
                dealer_put_sign: float = -1.0) -> pd.Series:
    """Total dealer GEX ($ per 1% move) re-priced at each spot in ``grid`` (sticky strike).

    Dealers long calls and short puts by default (SqueezeMetrics convention). Time to expiry in
    years = calendar days / 365; expired contracts contribute nothing.
    """
    grid = np.asarray(grid, dtype=float)
    years = (pd.to_datetime(chain["expiry"]) - pd.Timestamp(as_of)).dt.days.to_numpy() / 365.0
    live = years > 0
    sign = np.where(chain["kind"].to_numpy() == "C", dealer_call_sign, dealer_put_sign)[live]
    oi = chain["open_interest"].to_numpy(dtype=float)[live]
    gamma = bs_gamma(grid[:, None], chain["strike"].to_numpy(dtype=float)[live][None, :],
                     years[live][None, :], chain["implied_vol"].to_numpy(dtype=float)[live][None, :],
                     rate, div)
    total = (gamma * (sign * oi)).sum(axis=1) * multiplier * grid * grid * 0.01
    return pd.Series(total, index=pd.Index(grid, name="spot"), name="gex_usd_per_pct")
