"""Background jobs for long work started from a page (scenario runs), polled by htmx.

A job runs in a daemon thread with its own DuckDB cursor (:class:`~salesorg.web.app.StorePool`)
and records its status (``queued``, ``running``, ``done``, ``failed``), timing, result and
error; the page polls ``/.../status`` every second until it is finished. At most
:data:`MAX_RUNNING` jobs run at once (the rest wait), so a burst of runs cannot starve the
pages. Jobs live in memory and are lost on restart (their inputs are in the audit log).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_RUNNING", "Job", "JobRunner"]

MAX_RUNNING = 1


@dataclass
class Job:
    job_id: str
    owner: str
    title: str
    params: dict[str, Any]
    status: str = "queued"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    result: Any = None
    error: str | None = None

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def done(self) -> bool:
        return self.status in ("done", "failed")


class JobRunner:
    """Starts jobs in threads, at most ``max_running`` at a time, and keeps the last 100."""

    def __init__(self, *, max_running: int = MAX_RUNNING, keep: int = 100):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(max_running)
        self.keep = keep

    def submit(
        self, owner: str, title: str, params: dict[str, Any], work: Callable[[], Any]
    ) -> Job:
        job = Job(secrets.token_urlsafe(8), owner, title, params)
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].done:
                    break
                self._jobs.pop(oldest)

        def run() -> None:
            with self._slots:
                job.status = "running"
                try:
                    job.result = work()
                    job.status = "done"
                except Exception as exc:  # shown to the user; a job must never kill the server
                    job.error = f"{type(exc).__name__}: {exc}"
                    job.status = "failed"
                finally:
                    job.finished = time.monotonic()

        threading.Thread(target=run, daemon=True, name=f"job-{job.job_id}").start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def for_owner(self, owner: str | None) -> list[Job]:
        """Jobs of ``owner`` (all jobs for ``None``), newest first."""
        jobs = [j for j in self._jobs.values() if owner is None or j.owner == owner]
        return sorted(jobs, key=lambda j: j.started, reverse=True)

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until the job is finished (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        job = self._jobs[job_id]
        while not job.done and time.monotonic() < deadline:
            time.sleep(0.05)
        return job
