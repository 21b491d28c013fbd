"""readjust: bringing cached back-adjusted history onto the basis of a fresh download."""
from __future__ import annotations

import numpy as np
import pandas as pd

from models.sources.adjustment import readjust

DAYS = pd.bdate_range("2026-01-05", periods=30)


def frames():
    close = pd.DataFrame({"A": np.linspace(100, 130, 30), "B": np.linspace(50, 40, 30)},
                         index=DAYS)
    volume = pd.DataFrame({"A": 1e6, "B": 2e6}, index=DAYS)
    return close, volume


def test_unchanged_history_is_left_alone_even_if_the_cache_was_written_intraday():
    close, volume = frames()
    cached = close.copy()
    cached.iloc[-1] *= 1.013                      # a live price, replaced by the final close
    out = readjust(cached, volume, close.iloc[-6:], volume.iloc[-6:])
    assert out.factors == {} and out.refetch == () and out.note() is None
    pd.testing.assert_frame_equal(out.close, cached)


def test_a_split_rescales_prices_and_volumes_exactly():
    close, volume = frames()
    fresh_close, fresh_volume = close.iloc[-6:] / 4, volume.iloc[-6:] * 4
    out = readjust(close, volume, fresh_close, fresh_volume)
    assert out.factors == {"A": 0.25, "B": 0.25}
    np.testing.assert_allclose(out.close, close / 4, rtol=1e-15)
    np.testing.assert_allclose(out.volume, volume * 4, rtol=1e-15)


def test_a_dividend_rescales_prices_but_not_volumes():
    close, volume = frames()
    fresh = close.iloc[-6:].copy()
    fresh["B"] *= 0.99
    out = readjust(close, volume, fresh, volume.iloc[-6:])
    assert list(out.factors) == ["B"] and abs(out.factors["B"] - 0.99) < 1e-15
    pd.testing.assert_frame_equal(out.volume, volume)
    assert "B (x0.99)" in out.note()


def test_disagreeing_ratios_ask_for_a_full_download_and_drop_the_cache_column():
    close, volume = frames()
    fresh = close.iloc[-6:].copy()
    fresh.iloc[1, 0] *= 1.05
    out = readjust(close, volume, fresh, volume.iloc[-6:])
    assert out.refetch == ("A",) and "A" not in out.close.columns
    assert "re-downloaded the full history of A" in out.note()


def test_tickers_missing_from_the_download_keep_their_cache():
    close, volume = frames()
    out = readjust(close, volume, close.iloc[-6:][["B"]] * 0.5, volume.iloc[-6:][["B"]])
    pd.testing.assert_series_equal(out.close["A"], close["A"])
    assert out.factors == {"B": 0.5}
