"""The outbox worker: claims due jobs, runs their handlers, retries with backoff, dead-letters.

Delivery is at least once: a job is marked done only after its handler returned, so a worker
killed mid-delivery leaves a lease that expires and the job runs again, with the same
idempotency key for the receiver to recognise.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.outbox import repository
from frontdesk.outbox.rules import RetryPolicy

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad address, unknown kind): dead-letter at once."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    workspace_id: int | None


Handler = Callable[[Job], Awaitable[None]]


class Worker:
    def __init__(
        self,
        db: Database,
        *,
        handlers: dict[str, Handler],
        policy: RetryPolicy,
        poll_seconds: float = 1.0,
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 20,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.policy = policy
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.batch_size = batch_size
        self.jitter = jitter
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that enqueued jobs, so they run without waiting for the poll."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                processed = await self.run_once()
            except Exception:  # the database may be briefly unavailable; keep the worker alive
                log.exception("outbox worker iteration failed")
                processed = 0
            if processed:
                continue
            self._wakeup.clear()
            waiters = [
                asyncio.ensure_future(self._wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            _done, pending = await asyncio.wait(
                waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()

    async def run_once(self) -> int:
        def _claim(uow: UnitOfWork) -> list[Job]:
            rows = repository.claim(
                uow.session, now=uow.now(), lease=self.lease, limit=self.batch_size
            )
            return [
                Job(
                    id=r.id,
                    kind=r.kind,
                    payload=dict(r.payload),
                    idempotency_key=r.idempotency_key,
                    attempt=r.attempts,
                    workspace_id=r.workspace_id,
                )
                for r in rows
            ]

        jobs = await self.db.write(_claim)
        if jobs:
            await asyncio.gather(*(self._run_job(job) for job in jobs))
        return len(jobs)

    async def _run_job(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        error: str | None = None
        permanent = False
        if handler is None:
            error, permanent = f"no handler for job kind '{job.kind}'", True
        else:
            try:
                await handler(job)
            except PermanentError as exc:
                error, permanent = f"{type(exc).__name__}: {exc}", True
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        jitter = self.jitter()

        def _finish(uow: UnitOfWork) -> None:
            now = uow.now()
            if error is None:
                repository.mark_done(uow.session, job_id=job.id, attempt=job.attempt, now=now)
                return
            retry_at = (
                None
                if permanent
                else self.policy.after_failure(job.attempt, now=now, jitter=jitter)
            )
            if retry_at is None:
                log.warning("outbox job %s (%s) dead: %s", job.id, job.kind, error)
                repository.mark_dead(
                    uow.session, job_id=job.id, attempt=job.attempt, now=now, error=error
                )
            else:
                repository.mark_retry(
                    uow.session, job_id=job.id, attempt=job.attempt, run_at=retry_at, error=error
                )

        await self.db.write(_finish)
