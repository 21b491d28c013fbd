"""The app's side of the compute process (docs/architecture.md, "Compute process").

A refresh run on a thread of the GUI's own interpreter holds its lock for most of a second
(pandas, the simulated market, the engine), and every Qt call into Python (a paint, an event
filter, a virtual method of a Python widget) waits for it: the window stutters. The compute
process loads and computes in another interpreter; this process only decodes the result
(about 50 ms for the simulated market's snapshot, on a reader thread).

``ComputeProcess`` starts ``python -m models.compute_worker`` at once (it imports pandas and
the engine while the window opens), sends it requests and calls back from its reader thread:
``progress(stage, fraction)``, ``done(followup, snapshot)``, ``failed(message, traceback)``
and always ``finished()``. A job that a newer one replaced and that has not finished within
``STUCK_S`` (a download that hangs) gets the process restarted, so a source switch never
waits for it. If the process dies, the running job fails with a message and the next job
starts a new process.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
STUCK_S = 3.0
BUSY_EXIT_S = 0.2
# The compute process's environment, unless the user's own sets these (docs/architecture.md,
# "Compute process"). One BLAS thread: its extra threads only spun (a simulated refresh took
# the same wall time with 40% more CPU, taken from the window on a 2-core machine). glibc
# keeps up to 256 MB of freed memory for reuse instead of returning it at once: a first
# refresh's page faults fall from about 35,000 to 10,000 at the same peak memory.
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
              "MALLOC_TRIM_THRESHOLD_": str(1 << 32), "MALLOC_TOP_PAD_": str(1 << 28)}


@dataclass
class Callbacks:
    progress: Callable[[str, float], None]
    done: Callable[[bool, object], None]
    failed: Callable[[str, str], None]
    finished: Callable[[], None]


PREFETCH_JOB = 0               # the job sent before the app's state exists (``prefetch``)


@dataclass
class _Prefetch:
    """A job started by ``prefetch``: its replies wait in ``replies`` until a ``submit`` of the
    same request takes it over (``owner``), then are passed on in order."""

    spec: dict
    as_of: object
    replies: list = field(default_factory=list)   # (kind, header, payload), oldest first
    owner: int | None = None
    replaying: bool = False
    ended: bool = False


def _pipe(stream) -> BinaryIO:
    assert stream is not None, "started with stdin and stdout pipes"
    return stream


def child_env(defaults: dict[str, str]) -> dict[str, str]:
    """The environment of a ``python -m`` child of this app: ``defaults`` unless the user's
    own environment sets them, and this project's sources first on ``PYTHONPATH``."""
    return {**defaults, **os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def available() -> bool:
    """The compute process needs this project's sources (a frozen bundle uses threads)."""
    return not getattr(sys, "frozen", False)


class ComputeProcess:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._jobs: dict[int, Callbacks] = {}
        self._requests: dict[int, tuple[dict, object]] = {}
        self._prefetch: _Prefetch | None = None
        self._closed = False

    def start(self) -> None:
        with self._lock:
            self._ensure()

    def _ensure(self) -> subprocess.Popen:
        """The running process (started if there is none); call with the lock held."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        env = child_env(WORKER_ENV)
        # It runs in the app's working directory: relative --source and --universe paths work.
        proc = subprocess.Popen([sys.executable, "-m", "models.compute_worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._proc = proc
        threading.Thread(target=self._read, args=(proc,), name="compute-reader",
                         daemon=True).start()
        log.info("compute process %d started", proc.pid)
        return proc

    def prefetch(self, spec: dict, as_of) -> None:
        """Start ``spec`` now, before the app has built what will ask for it: the first
        ``submit`` of the same spec and date takes the job over, with the replies it has
        already sent; a different one cancels it. The app sends its first refresh this way
        before importing pandas and Qt (docs/architecture.md, "Compute process")."""
        from models.transfer import write_message

        with self._lock:
            proc = self._ensure()
            self._prefetch = _Prefetch(spec, as_of)
            try:
                write_message(_pipe(proc.stdin), {"run": PREFETCH_JOB, "spec": spec,
                                                  "as_of": None if as_of is None else str(as_of)})
            except OSError:
                self._prefetch = None

    def _take_over(self, job: int, spec: dict, as_of, callbacks: Callbacks) -> bool:
        """``submit`` of the prefetched request: it becomes job ``job``'s (call with the lock
        held). Any other request cancels the prefetched job."""
        ahead, self._prefetch = self._prefetch, None
        if ahead is None or ahead.owner is not None:
            self._prefetch = ahead
            return False
        proc = self._proc
        if ahead.spec != spec or ahead.as_of != as_of or proc is None or proc.poll() is not None:
            self._send_cancel(PREFETCH_JOB)
            return False
        ahead.owner = job
        self._prefetch = ahead
        self._jobs[PREFETCH_JOB] = callbacks
        self._requests[PREFETCH_JOB] = (spec, as_of)
        if ahead.replies:
            ahead.replaying = True           # on a thread of its own, as the reader would
            threading.Thread(target=self._replay, args=(ahead,), name="compute-replay",
                             daemon=True).start()
        return True

    def _replay(self, ahead: _Prefetch) -> None:
        """Pass on the replies the prefetched job sent before it was taken over, in order,
        then let the reader pass on the rest."""
        while True:
            with self._lock:
                if not ahead.replies:
                    ahead.replaying = False
                    return
                kind, header, payload = ahead.replies.pop(0)
            self._deliver(PREFETCH_JOB, kind, header, payload)

    def _job_id(self, job: int) -> int:
        """The id the process knows job ``job`` by (the prefetched job's is PREFETCH_JOB)."""
        ahead = self._prefetch
        return PREFETCH_JOB if ahead is not None and ahead.owner == job else job

    def submit(self, job: int, spec: dict, as_of, callbacks: Callbacks) -> None:
        """Run ``spec`` (``RefreshRequest.spec``) as job ``job`` (increasing numbers)."""
        from models.transfer import write_message

        with self._lock:
            if self._take_over(job, spec, as_of, callbacks):
                return
            busy = bool(self._jobs)
            self._jobs[job] = callbacks
            self._requests[job] = (spec, as_of)
            proc = self._ensure()
            try:
                write_message(_pipe(proc.stdin), {"run": job, "spec": spec,
                                           "as_of": None if as_of is None else str(as_of)})
            except OSError:                      # it died just now: the reader reports it
                log.warning("compute process %d: cannot send job %d", proc.pid, job)
        if busy:
            timer = threading.Timer(STUCK_S, self._unstick, args=(proc, job))
            timer.daemon = True
            timer.start()

    def cancel(self, job: int) -> None:
        with self._lock:
            job = self._job_id(job)
            if job in self._jobs:
                self._send_cancel(job)

    def _send_cancel(self, job: int) -> None:
        """Tell the process to stop ``job`` (call with the lock held)."""
        from models.transfer import write_message

        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            write_message(_pipe(proc.stdin), {"cancel": job})
        except OSError:
            pass

    def _unstick(self, proc: subprocess.Popen, job: int) -> None:
        """``job`` still waits behind an older one after STUCK_S: restart the process with
        the jobs that are still wanted (the newest)."""
        with self._lock:
            older = [j for j in self._jobs if j < job]
            if self._proc is not proc or not older or job not in self._jobs:
                return
            log.warning("compute process %d: job %s is stuck; restarting for job %d",
                        proc.pid, older, job)
            stale = {j: self._jobs.pop(j) for j in older}
            wanted = [(j, self._requests[j], self._jobs[j]) for j in self._jobs]
            self._jobs.clear()
            self._requests.clear()
            self._prefetch = None
            self._proc = None
        proc.kill()
        for callbacks in stale.values():
            callbacks.finished()
        for newer, (spec, as_of), callbacks in wanted:
            self.submit(newer, spec, as_of, callbacks)

    def _read(self, proc: subprocess.Popen) -> None:
        from models.transfer import TransferError, decode, read_message

        current = None
        try:
            while (message := read_message(_pipe(proc.stdout))) is not None:
                header, buffers = message
                kind = next(k for k in ("progress", "done", "failed", "finished")
                            if k in header)
                current = header[kind]
                with self._lock:
                    ahead = self._prefetch if current == PREFETCH_JOB else None
                    if ahead is not None and ahead.owner is not None and not ahead.replaying:
                        ahead = None             # taken over: passed on as it comes
                    if ahead is None and current not in self._jobs:
                        continue                 # a job nobody waits for any more
                payload = decode(header, buffers) if kind == "done" else None
                if ahead is not None:
                    with self._lock:             # kept until it is taken over (or replayed)
                        if ahead.owner is None or ahead.replaying:
                            ahead.replies.append((kind, header, payload))
                            ahead.ended = kind == "finished"
                            continue
                self._deliver(current, kind, header, payload)
        except (OSError, TransferError, StopIteration, KeyError, ValueError) as exc:
            log.error("compute process %d: unreadable reply (%s); stopping it", proc.pid, exc)
            proc.kill()                          # its replies can no longer be followed
        _pipe(proc.stdout).close()               # this thread is its only reader
        code = proc.poll()
        with self._lock:
            if self._proc is not proc:           # replaced (_unstick): its jobs moved on
                return
            lost, self._jobs = self._jobs, {}
            self._requests.clear()
            self._prefetch = None
            self._proc = None
        if lost and not self._closed:
            log.error("compute process %d stopped (exit %s) with jobs %s", proc.pid, code,
                      sorted(lost))
        for callbacks in lost.values():
            if not self._closed:
                callbacks.failed("the compute process stopped unexpectedly (details in the "
                                 "log); the next refresh starts a new one", "")
            callbacks.finished()

    def _deliver(self, current: int, kind: str, header: dict, payload) -> None:
        """One reply of job ``current`` to its callbacks (on the reader or replay thread)."""
        callbacks = self._jobs.get(current)
        if callbacks is None:
            return
        if kind == "progress":
            callbacks.progress(header["stage"], header["fraction"])
        elif kind == "done":
            callbacks.done(header["followup"], payload)
        elif kind == "failed":
            callbacks.failed(header["message"], header["traceback"])
        else:
            with self._lock:
                self._jobs.pop(current, None)
                self._requests.pop(current, None)
                if current == PREFETCH_JOB:
                    self._prefetch = None
            callbacks.finished()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the process: closing its stdin ends it once idle; killed after ``timeout``, or
        after ``BUSY_EXIT_S`` when a job is still running (the app is quitting: nobody waits
        for that result, and the cache's writes are atomic)."""
        with self._lock:
            self._closed = True
            proc, self._proc = self._proc, None
            busy = bool(self._jobs) or self._prefetch is not None and not self._prefetch.ended
        if proc is None:
            return
        try:
            _pipe(proc.stdin).close()
            proc.wait(min(timeout, BUSY_EXIT_S) if busy else timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
