"""Fast trailing-window sums, means and standard deviations over wide panels.

pandas' rolling on a DataFrame loops over columns; these stream down the rows instead, one
small block of rows at a time. Running sums are carried from block to block in a buffer that
keeps the last ``window`` rows of them, and every block works in scratch arrays allocated once
per call, so a statistic costs one full-size array (its result), or none when only a
cross-sectional summary is kept. (Allocating full-size temporaries instead costs more in page
faults than in arithmetic.) A window is valid only when all ``window`` values are present (like
``min_periods=window``), so a missing value never leaks into later windows. Sums run from the
first row and blocks are counted from it, so appending rows leaves every earlier value
bit-identical.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

BLOCK_CELLS = 1 << 16            # values per block of rows (512 KB of floats)
MIN_ROWS, MAX_ROWS = 16, 64


def block_rows(shape: tuple[int, ...]) -> int:
    """Rows per block for a panel of ``shape`` (depends on its width only)."""
    width = int(np.prod(shape[1:], dtype=np.int64)) or 1
    return min(MAX_ROWS, max(MIN_ROWS, BLOCK_CELLS // width))


def row_blocks(shape: tuple[int, ...]) -> Iterator[slice]:
    """Consecutive row slices of ``block_rows(shape)`` rows, from the first row."""
    step = block_rows(shape)
    for start in range(0, shape[0], step):
        yield slice(start, min(start + step, shape[0]))


def trailing_sums(shape: tuple[int, ...], parts: int,
                  fill: Callable[[slice, list[np.ndarray]], None],
                  windows: Sequence[int]) -> Iterator[tuple[slice, list[dict[int, np.ndarray]]]]:
    """Sums of ``parts`` panels of ``shape`` over the trailing ``windows``, block by block.

    ``fill(rows, blocks)`` writes each panel's values on ``rows`` (finite numbers) into
    ``blocks[i]`` (float arrays of that many rows). Yields (rows, sums) with sums[i][w] = the
    sum of panel i over the ``w`` rows ending at each of ``rows`` (rows before the first full
    window: the partial sums). The yielded arrays are scratch: valid until the next block, and
    free to be overwritten.

    Within a block the running sum is a product with a lower-triangular matrix of ones (BLAS:
    several times faster than ``cumsum`` down a wide panel). A short last block is padded with
    zeros, so every product has the same shape and row i never depends on rows after it.
    """
    longest = max(windows)
    step = block_rows(shape)
    rest = tuple(shape[1:])
    width = int(np.prod(rest, dtype=np.int64))
    capacity = 2 * longest + 4 * step           # moving the last `longest` rows never overlaps
    running = [np.zeros((capacity, width)) for _ in range(parts)]
    blocks = [np.zeros((step, width)) for _ in range(parts)]
    sums = [{w: np.empty((step,) + rest) for w in windows} for _ in range(parts)]
    lower = np.tril(np.ones((step, step)))
    at = longest                                # rows before `at`: running sums of the past
    for rows in row_blocks(shape):
        size = rows.stop - rows.start
        if at + step > capacity:
            for total in running:
                total[:longest] = total[at - longest:at]
            at = longest
        if size < step:
            for block in blocks:
                block[size:] = 0.0
        fill(rows, [block[:size].reshape((size,) + rest) for block in blocks])
        for total, block, out in zip(running, blocks, sums):
            np.matmul(lower, block, out=total[at:at + step])
            now = total[at:at + size]
            now += total[at - 1]
            now = now.reshape((size,) + rest)
            for w, window_sum in out.items():
                np.subtract(now, total[at - w:at - w + size].reshape((size,) + rest),
                            out=window_sum[:size])
        at += size
        yield rows, [{w: s[:size] for w, s in out.items()} for out in sums]


class WindowBlock:
    """Trailing-window statistics on one block of rows (see ``trailing``), written into
    ``out`` (an array of the block's shape); NaN where a window is incomplete."""

    def __init__(self, count: dict[int, np.ndarray], total: dict[int, np.ndarray] | None,
                 squares: dict[int, np.ndarray] | None, offset: np.ndarray | None):
        self._count, self._sum, self._squares = count, total, squares
        self._offset = offset                       # None: values were not centred

    def _finish(self, window: int, out: np.ndarray) -> np.ndarray:
        out[self._count[window] < window - 0.5] = np.nan
        return out

    def mean(self, window: int, out: np.ndarray) -> np.ndarray:
        """Trailing mean over ``window`` rows."""
        np.divide(self._sum[window], window, out=out)
        if self._offset is not None:
            out += self._offset
        return self._finish(window, out)

    def std(self, window: int, out: np.ndarray) -> np.ndarray:
        """Trailing sample standard deviation (ddof 1)."""
        s1 = self._sum[window]
        np.multiply(s1, s1, out=out)
        out /= window
        np.subtract(self._squares[window], out, out=out)
        out /= window - 1
        np.maximum(out, 0.0, out=out)
        return self._finish(window, np.sqrt(out, out=out))

    def rms(self, window: int, out: np.ndarray) -> np.ndarray:
        """Trailing zero-mean root mean square: sum x^2 = sum c^2 + 2 f sum c + n f^2 for
        values centred on f."""
        np.divide(self._squares[window], window, out=out)
        if self._offset is not None:
            out += 2.0 * self._offset * self._sum[window] / window
            out += self._offset * self._offset
        np.maximum(out, 0.0, out=out)
        return self._finish(window, np.sqrt(out, out=out))


def trailing(values: np.ndarray, windows: Sequence[int], statistics: Sequence[str],
             centre: bool = False) -> Iterator[tuple[slice, WindowBlock]]:
    """Trailing-window statistics of ``values`` (dates x columns, NaN = missing) for each
    length in ``windows``, block by block: yields (rows, WindowBlock) offering the named
    ``statistics`` ("mean", "std", "rms").

    ``centre``: centre each column on its first valid value before summing, which keeps the
    one-pass variance accurate for levels (prices); returns, whose mean is small next to their
    spread, need none (and their rms then needs no plain sums).
    """
    unknown = set(statistics) - {"mean", "std", "rms"}
    if unknown:
        raise ValueError(f"unknown statistic {sorted(unknown)[0]!r} (mean, std or rms)")
    values = np.asarray(values, dtype=float)
    offset = np.zeros(values.shape[1:])
    if centre:
        present = np.isfinite(values)
        first = np.take_along_axis(values, np.argmax(present, axis=0)[None, ...], axis=0)[0]
        offset = np.where(present.any(axis=0), first, 0.0)
    plain = bool({"mean", "std"} & set(statistics)) or centre
    squares = bool({"std", "rms"} & set(statistics))

    def fill(rows, blocks):         # count, then the sums and / or the squares
        block = values[rows]
        missing = ~np.isfinite(block)
        np.logical_not(missing, out=blocks[0], casting="unsafe")
        np.subtract(block, offset, out=blocks[1])
        blocks[1][missing] = 0.0
        if squares:
            np.square(blocks[1], out=blocks[-1])

    for rows, sums in trailing_sums(values.shape, 1 + plain + squares, fill, windows):
        yield rows, WindowBlock(sums[0], sums[1] if plain else None,
                                sums[-1] if squares else None, offset if centre else None)


def rolling_values(values: np.ndarray, window: int, statistic: str,
                   centre: bool = False) -> np.ndarray:
    """One trailing statistic ("mean", "std" or "rms") of ``values`` as a full array."""
    values = np.asarray(values, dtype=float)
    out = np.empty(values.shape)
    for rows, block in trailing(values, [window], [statistic], centre=centre):
        getattr(block, statistic)(window, out[rows])
    return out


def wrap(like: pd.DataFrame | pd.Series, values: np.ndarray):
    """``values`` (dates x columns, or one column for a Series) with ``like``'s labels, not
    copied."""
    if isinstance(like, pd.Series):
        return pd.Series(values.reshape(len(like), -1)[:, 0], index=like.index, name=like.name,
                         copy=False)
    return pd.DataFrame(values, index=like.index, columns=like.columns, copy=False)


def _rolling(frame: pd.DataFrame | pd.Series, window: int, statistic: str, centre: bool):
    values = frame.to_numpy(dtype=float).reshape(len(frame), -1)
    return wrap(frame, rolling_values(values, window, statistic, centre))


def rolling_mean(frame: pd.DataFrame | pd.Series, window: int):
    """Trailing mean over ``window`` rows; NaN unless all are present."""
    return _rolling(frame, window, "mean", centre=False)


def rolling_std(frame: pd.DataFrame | pd.Series, window: int):
    """Trailing sample standard deviation (ddof 1) over ``window`` rows; NaN unless complete.
    Values are centred on their column's first valid value (accurate for price levels)."""
    return _rolling(frame, window, "std", centre=True)


def rolling_rms(frame: pd.DataFrame | pd.Series, window: int):
    """Trailing zero-mean root mean square over ``window`` rows; NaN unless complete."""
    return _rolling(frame, window, "rms", centre=False)
