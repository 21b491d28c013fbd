"""The compute process: loads and computes refreshes away from the GUI's interpreter lock.

Started by ``models.compute_process.ComputeProcess`` as ``python -m models.compute_worker``.
Reads requests from stdin and writes progress, results and failures to stdout, every
message framed by ``models.transfer`` (JSON headers, Arrow buffers; no pickle). A request:
``{"run": id, "spec": RefreshRequest.spec, "as_of": "YYYY-MM-DD" | null}``; ``{"cancel": id}``
stops that job at its next step, and a newer ``run`` cancels the one in progress. Replies:
``{"progress": id, "stage", "fraction"}``, ``{"done": id, "followup": bool, "root"}`` (the
snapshot), ``{"failed": id, "message", "traceback"}``, then always ``{"finished": id}``.
Nothing else is written to stdout; logging goes to the app's log file.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import sys
import threading
import traceback

log = logging.getLogger("models.compute_worker")
NICE = 10                      # lower priority than the app (POSIX; Windows runs it as is)


class Worker:
    """Runs one job at a time from a queue filled by the stdin reader."""

    def __init__(self, stdin, stdout) -> None:
        self.stdin, self.stdout = stdin, stdout
        self.jobs: queue.Queue = queue.Queue()
        self.cancelled: set[int] = set()
        self.latest = 0
        self.lock = threading.Lock()
        self.universes: dict = {}
        self.gates: dict = {}

    def send(self, header: dict, buffers=()) -> None:
        from models.transfer import write_message

        with self.lock:
            write_message(self.stdout, header, list(buffers))

    def read_requests(self) -> None:
        from models.transfer import read_message

        while (message := read_message(self.stdin)) is not None:
            header = message[0]
            if "run" in header:
                self.latest = max(self.latest, int(header["run"]))
                self.jobs.put(header)
            elif "cancel" in header:
                self.cancelled.add(int(header["cancel"]))
        self.jobs.put(None)                      # the app closed the pipe: stop

    def stage(self, job: int):
        from models.refresh import RefreshCancelled

        def report(name: str, fraction: float) -> None:
            if job in self.cancelled or job < self.latest:
                raise RefreshCancelled(name)
            self.send({"progress": job, "stage": name, "fraction": fraction})
        return report

    def run(self, request: dict) -> None:
        from models.refresh import RefreshCancelled, default_compute, load_and_compute
        from models.sources import open_source
        from models.sources.auto import FreshCacheGate
        from models.transfer import encode
        from models.universe import load_universe

        job, spec = int(request["run"]), request["spec"]
        try:
            key = json.dumps(spec, sort_keys=True)
            universe = self.universes.get(spec.get("universe"))
            if universe is None:
                universe = self.universes[spec.get("universe")] = \
                    load_universe(spec.get("universe"))
            gate = self.gates.setdefault(key, FreshCacheGate())
            as_of = None if request.get("as_of") is None else \
                dt.date.fromisoformat(request["as_of"])
            market, snapshot = load_and_compute(
                lambda: open_source(spec["source"], gate=gate, **spec.get("options", {})),
                universe, as_of, default_compute, self.stage(job))
            header, buffers = encode(snapshot)
            self.send({"done": job, "followup": bool(getattr(market, "followup_refresh",
                                                             False)), **header}, buffers)
        except RefreshCancelled:
            log.info("compute process: refresh %d cancelled", job)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the app goes on
            tb = traceback.format_exc()
            log.error("compute process: refresh %d failed: %s\n%s", job, exc, tb)
            self.send({"failed": job, "message": f"{type(exc).__name__}: {exc}",
                       "traceback": tb})
        finally:
            self.send({"finished": job})

    def serve(self) -> None:
        threading.Thread(target=self.read_requests, name="requests", daemon=True).start()
        while (request := self.jobs.get()) is not None:
            self.run(request)


def main() -> int:
    from models.app import setup_logging

    setup_logging()
    if hasattr(os, "nice"):
        os.nice(NICE)           # on a busy machine the window gets the CPU first
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                 # a stray print can never corrupt the channel
    import analytics.engine  # noqa: F401  (warm: the first refresh does not pay the imports)
    import models.sources  # noqa: F401

    Worker(stdin, stdout).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
