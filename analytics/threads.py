"""Running the engine's independent parts side by side (docs/architecture.md, "Threads in
the engine").

numpy's loops and bottleneck's moving windows release the interpreter lock, so a part made of
whole-column array operations (a block of names' rolling vols, the dispersion panel) runs on
a second core while the calling thread goes on. ``executor(threads)`` is a pool of
``threads - 1`` threads beside the caller's, or with one thread an ``Inline`` executor that
runs each part at once, in the order it is submitted: the same parts, the same arithmetic, the
same bits. ``shared_map`` splits a loop between the caller and the pool's free thread.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TypeVar

EXPORT_THREADS = 2               # the caller's and one more: a second core's worth of parts

T = TypeVar("T")
R = TypeVar("R")


class Inline(Executor):
    """An executor that runs a submitted call at once, on the calling thread."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - kept for result(), as a pool would
            future.set_exception(exc)
        return future


def executor(threads: int) -> Executor:
    """A pool of ``threads - 1`` threads (the caller is the other), or an ``Inline``
    executor for ``threads`` <= 1."""
    if threads <= 1:
        return Inline()
    return ThreadPoolExecutor(threads - 1, thread_name_prefix="engine")


def shared_map(pool: Executor, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]``, the items taken one at a time by this thread and by
    one of ``pool``'s threads when it is free (a busy pool leaves them all to this one, which
    does not wait for it)."""
    items = list(items)
    results: list = [None] * len(items)
    order = iter(range(len(items)))
    lock = threading.Lock()

    def take() -> None:
        while True:
            with lock:
                at = next(order, None)
            if at is None:
                return
            results[at] = fn(items[at])

    helper = pool.submit(take)
    take()
    if not helper.cancel():         # started: wait for the item it holds
        helper.result()
    return results
