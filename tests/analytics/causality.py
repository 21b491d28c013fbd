"""Helper: a statistic is causal if appending future rows leaves every past value unchanged."""
from __future__ import annotations

import numpy as np
import pandas as pd


def with_future(frame: pd.DataFrame | pd.Series, rows: int = 40, seed: int = 99):
    """``frame`` followed by ``rows`` arbitrary (wild) future business days."""
    rng = np.random.default_rng(seed)
    future = pd.bdate_range(frame.index[-1] + pd.offsets.BDay(1), periods=rows)
    if isinstance(frame, pd.Series):
        values = frame.iloc[-1] * np.exp(rng.normal(0, 0.3, rows).cumsum())
        return pd.concat([frame, pd.Series(values, index=future, name=frame.name)])
    values = frame.iloc[-1].to_numpy() * np.exp(rng.normal(0, 0.3, (rows, frame.shape[1])).cumsum(axis=0))
    return pd.concat([frame, pd.DataFrame(values, index=future, columns=frame.columns)])


def assert_causal(statistic, *inputs):
    """statistic(*inputs) on the past equals statistic(*inputs + future) cut to the past."""
    past = statistic(*inputs)
    full = statistic(*[with_future(x) for x in inputs])
    if isinstance(past, pd.DataFrame):
        pd.testing.assert_frame_equal(past, full.loc[past.index], check_exact=True, check_freq=False)
    else:
        pd.testing.assert_series_equal(past, full.loc[past.index], check_exact=True, check_freq=False)
