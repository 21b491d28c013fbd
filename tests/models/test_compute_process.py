"""The compute process: the same snapshot as a worker thread, failures, a stuck job, a death."""
from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest

from analytics.engine import compute
from models import compute_process
from models.compute_process import Callbacks, ComputeProcess
from models.sources import open_source
from models.state import DashboardState, RefreshRequest, engine_params

DEMO = {"source": "demo", "options": {"seed": 7, "end": "2026-02-06"}, "universe": None}


class Job:
    """Collects one job's callbacks (called on the reader thread)."""

    def __init__(self) -> None:
        self.stages, self.snapshot, self.failure = [], None, None
        self.ended = threading.Event()
        self.callbacks = Callbacks(progress=lambda stage, f: self.stages.append((stage, f)),
                                   done=self._done, failed=self._failed,
                                   finished=self.ended.set)

    def _done(self, followup, snapshot) -> None:
        self.snapshot = snapshot

    def _failed(self, message, _traceback) -> None:
        self.failure = message

    def wait(self, timeout=90.0) -> Job:
        assert self.ended.wait(timeout), "the job never finished"
        return self


@pytest.fixture
def process():
    proc = ComputeProcess()
    yield proc
    proc.close()


def test_the_process_gives_the_snapshot_a_thread_gives(process, universe, demo_market):
    job = Job()
    process.submit(1, DEMO, None, job.callbacks)
    job.wait()
    assert job.failure is None and job.snapshot is not None
    expected = compute(demo_market, engine_params(universe, demo_market))
    got, want = job.snapshot.headline(), expected.headline()
    assert {**got, "computed_at": None} == {**want, "computed_at": None}
    assert [s for s, _f in job.stages][:2] == ["Opening data source", "Loading demo"]
    assert job.stages[-1][0] == "Rendering"


def test_relative_paths_are_read_from_the_apps_working_directory(tmp_path, monkeypatch,
                                                                 universe):
    prices = pd.DataFrame(100 + np.arange(30.0)[:, None] * [1, 2, 3], columns=["SPY", "AAPL",
                                                                               "MSFT"],
                          index=pd.bdate_range("2026-01-05", periods=30)).rename_axis("date")
    prices.reset_index().to_csv(tmp_path / "prices.csv", index=False, date_format="%Y-%m-%d")
    monkeypatch.chdir(tmp_path)
    process = ComputeProcess()                  # started here, in the user's folder
    try:
        job = Job()
        process.submit(1, {"source": "prices.csv", "options": {}, "universe": None}, None,
                       job.callbacks)
        assert job.wait().failure is None and job.snapshot.source == "file prices.csv"
    finally:
        process.close()


def test_a_failure_is_one_message_and_the_process_goes_on(process, tmp_path):
    job = Job()
    process.submit(1, {"source": str(tmp_path / "missing.csv"), "options": {},
                       "universe": None}, None, job.callbacks)
    assert "missing.csv: file not found" in job.wait().failure and job.snapshot is None
    again = Job()
    process.submit(2, {**DEMO, "options": {**DEMO["options"], "end": "2026-01-09"}},
                   "2026-01-07", again.callbacks)
    assert again.wait().snapshot.as_of.strftime("%Y-%m-%d") == "2026-01-07"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_a_stuck_job_restarts_the_process_for_the_newer_one(process, tmp_path, monkeypatch):
    monkeypatch.setattr(compute_process, "STUCK_S", 0.5)
    fifo = tmp_path / "never-written.csv"
    os.mkfifo(fifo)                                  # opening it blocks: a hung "download"
    stuck, newer = Job(), Job()
    process.submit(1, {"source": str(fifo), "options": {}, "universe": None}, None,
                   stuck.callbacks)
    process.submit(2, DEMO, None, newer.callbacks)
    assert newer.wait().snapshot is not None
    assert stuck.wait(5).snapshot is None and stuck.failure is None


def test_quitting_does_not_wait_for_a_running_job():
    """The app is quitting: a refresh's result has nobody to go to (a simulated market and
    its snapshot take about a second; the process is stopped within 0.2 s)."""
    import time

    process, job = ComputeProcess(), Job()
    process.submit(1, DEMO, None, job.callbacks)
    deadline = time.perf_counter() + 30
    while not job.stages and time.perf_counter() < deadline:
        time.sleep(0.005)
    assert job.stages, "the job started"
    started = time.perf_counter()
    process.close()
    assert time.perf_counter() - started < 0.5
    assert not job.ended.is_set() or job.snapshot is None


def test_a_dead_process_fails_its_job_and_the_next_starts_a_new_one(process):
    job = Job()
    process.submit(1, DEMO, None, job.callbacks)
    process._proc.kill()
    assert "compute process stopped unexpectedly" in job.wait().failure
    again = Job()
    process.submit(2, DEMO, None, again.callbacks)
    assert again.wait().snapshot is not None


def test_dashboard_state_runs_described_requests_in_the_process(qtbot, process, universe):
    request = RefreshRequest(lambda: open_source("demo", seed=7, end="2026-02-06"), universe,
                             spec=DEMO)
    state = DashboardState(request, process=process)
    with qtbot.waitSignal(state.snapshot_changed, timeout=90_000) as got:
        state.refresh()
    assert got.args[0].simulated and got.args[0].as_of.strftime("%Y-%m-%d") == "2026-02-06"
    qtbot.waitUntil(lambda: not state.busy, timeout=10_000)
    assert state.running_threads() == []


def test_a_reply_that_cannot_be_decoded_stops_the_process_and_fails_the_job(process,
                                                                           monkeypatch):
    from models import transfer

    def broken(header, buffers):
        raise transfer.TransferError("not one of ours")

    monkeypatch.setattr(transfer, "decode", broken)
    job = Job()
    process.submit(1, DEMO, None, job.callbacks)
    child = process._proc
    assert "compute process stopped unexpectedly" in job.wait().failure
    assert child.wait(10) is not None                    # killed, not left running


def test_the_worker_runs_one_blas_thread_unless_the_user_says_otherwise(monkeypatch):
    """Spare BLAS threads would spin on the core the window needs (docs/architecture.md)."""
    import io

    started = []

    class Started:
        def __init__(self, command, **kwargs) -> None:
            started.append(kwargs["env"])
            self.pid = len(started)
            self.stdin, self.stdout = io.BytesIO(), io.BytesIO()   # each its own pipes

        def poll(self):
            return 0

    monkeypatch.setattr(compute_process.subprocess, "Popen", Started)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    ComputeProcess().start()
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    ComputeProcess().start()
    assert [env["OPENBLAS_NUM_THREADS"] for env in started] == ["1", "2"]
    assert started[0]["MALLOC_TOP_PAD_"] == str(1 << 28)


def test_a_prefetched_request_is_taken_over_by_the_first_submit(process, monkeypatch):
    """The app's first refresh starts before its state exists: the state's submit of the
    same request gets that job's replies (one job in the process, not two)."""
    from models import transfer

    sent = []
    write = transfer.write_message
    monkeypatch.setattr(transfer, "write_message",
                        lambda stream, header, buffers=(): (sent.append(header),
                                                            write(stream, header, buffers)))
    process.prefetch(DEMO, None)
    job = Job()
    process.submit(1, DEMO, None, job.callbacks)
    job.wait()
    assert job.failure is None and job.snapshot is not None
    assert [s for s, _f in job.stages][:2] == ["Opening data source", "Loading demo"]
    assert [h for h in sent if "run" in h] == [{"run": 0, "spec": DEMO, "as_of": None}]


def test_a_prefetched_job_that_already_ended_is_replayed_in_order(process, tmp_path):
    import time

    missing = {"source": str(tmp_path / "missing.csv"), "options": {}, "universe": None}
    process.prefetch(missing, None)                  # fails at once: a quick job
    deadline = time.monotonic() + 60
    while not (process._prefetch and process._prefetch.ended) and time.monotonic() < deadline:
        time.sleep(0.02)
    order = []
    job = Job()
    job.callbacks.failed = lambda message, tb: (order.append("failed"),
                                                job._failed(message, tb))
    finished = job.callbacks.finished
    job.callbacks.finished = lambda: (order.append("finished"), finished())
    process.submit(1, missing, None, job.callbacks)
    job.wait()
    assert order == ["failed", "finished"] and "missing.csv" in job.failure
    assert process._prefetch is None and not process._jobs


def test_another_request_cancels_the_prefetched_one(process, tmp_path):
    process.prefetch(DEMO, None)
    job = Job()
    missing = {"source": str(tmp_path / "missing.csv"), "options": {}, "universe": None}
    process.submit(1, missing, None, job.callbacks)
    assert "missing.csv" in job.wait().failure and job.snapshot is None
    assert process._prefetch is None


def test_closing_leaves_no_pipe_open(process, tmp_path):
    """The reader closes the process's output once it ends (no unclosed file at exit)."""
    import time

    job = Job()
    process.submit(1, {"source": str(tmp_path / "missing.csv"), "options": {},
                       "universe": None}, None, job.callbacks)
    job.wait()
    child = process._proc
    process.close()
    deadline = time.monotonic() + 10
    while not child.stdout.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.stdout.closed and child.stdin.closed
