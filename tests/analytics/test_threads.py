"""analytics.threads: the engine's parts on a second thread, or inline with the same result."""
from __future__ import annotations

import re
import threading

import pytest

from analytics.threads import Inline, executor, shared_map


def test_inline_runs_each_call_at_once_and_keeps_its_error():
    ran = []
    with Inline() as pool:
        first = pool.submit(ran.append, 1)
        assert ran == [1] and first.done() and first.result() is None
        failed = pool.submit(int, "not a number")
        assert failed.done()
        with pytest.raises(ValueError, match="not a number"):
            failed.result()


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_shared_map_keeps_the_items_order(threads):
    with executor(threads) as pool:
        assert shared_map(pool, lambda x: x * x, range(50)) == [x * x for x in range(50)]
        assert shared_map(pool, lambda x: x, []) == []


def test_shared_map_shares_the_items_with_a_free_thread():
    names: set[str] = set()
    both = threading.Barrier(2, timeout=10)

    def work(item):
        names.add(threading.current_thread().name)
        if item < 2:
            both.wait()             # the first two items run at once, one on each thread
        return item

    with executor(2) as pool:
        assert shared_map(pool, work, range(8)) == list(range(8))
    assert threading.current_thread().name in names
    assert any(name.startswith("engine") for name in names)


def test_shared_map_does_every_item_itself_when_the_pool_is_busy():
    release = threading.Event()
    with executor(2) as pool:
        busy = pool.submit(release.wait, 10)
        caller = threading.current_thread().name
        seen = shared_map(pool, lambda _: threading.current_thread().name, range(5))
        assert seen == [caller] * 5
        assert not busy.done(), "returned without waiting for the pool's other work"
        release.set()
        assert busy.result()


def test_shared_map_raises_the_error_of_an_item():
    def work(item):
        if item == 3:
            raise KeyError("item 3")
        return item

    for threads in (1, 2):
        with executor(threads) as pool, pytest.raises(KeyError, match="item 3"):
            shared_map(pool, work, range(6))


def test_the_engine_gives_the_same_snapshot_on_one_thread_and_on_two(universe, demo_market):
    """The parts run in another order on two threads; every figure is the same, bit for
    bit (snapshot.json but its computed_at stamp)."""
    from analytics.engine import compute
    from models.refresh import engine_params

    market = demo_market.until("2026-02-04")
    params = engine_params(universe, market)
    stamp = re.compile(r'"computed_at": "[^"]*"')
    one, two = (stamp.sub("", compute(market, params, threads=n).to_json()) for n in (1, 2))
    assert one == two


@pytest.mark.parametrize("threads", [1, 2])
def test_the_early_views_come_once_and_are_the_snapshots_own(universe, demo_market, threads):
    from analytics.engine import compute
    from analytics.snapshot import EARLY_VIEWS
    from models.refresh import engine_params

    market = demo_market.until("2026-02-04")
    early = []
    whole = compute(market, engine_params(universe, market), threads=threads,
                    early=early.append)
    assert len(early) == 1
    for field in EARLY_VIEWS:
        assert getattr(early[0], field) is getattr(whole, field), field
    assert all(getattr(whole, field) is not None for field in
               ("overview", "flows", "regions", "regimes")), "the demo has no option chains"
    for field in ("momentum", "dispersion", "crowding", "baskets", "radar", "events"):
        assert getattr(early[0], field) is None
    assert (early[0].as_of, early[0].source, early[0].simulated) == \
        (whole.as_of, whole.source, whole.simulated)
