"""The outbox worker against a real database (SQLite, or PostgreSQL when configured).

Time is a FakeClock injected into the Database: backoff and leases are crossed by moving the
clock, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.outbox import service as outbox
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Handler, Job, PermanentError, Worker
from frontdesk.settings import Settings
from tests.outbox.helpers import START, FakeClock, jobs, one_job

KIND = "test.deliver"
POLICY = RetryPolicy(max_attempts=3, base_seconds=2, max_seconds=60)
LEASE = timedelta(minutes=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox_db(settings: Settings, clock: FakeClock) -> Iterator[Database]:
    database = Database(settings.resolved_database_url, clock=clock)
    yield database
    database.close()


def make_worker(db: Database, handlers: dict[str, Handler], **options: Any) -> Worker:
    options.setdefault("jitter", lambda: 0.0)
    return Worker(db, handlers=handlers, policy=POLICY, lease=LEASE, **options)


async def enqueue(db: Database, key: str = "job-1", *, kind: str = KIND, **payload: Any) -> bool:
    return await db.write(
        lambda uow: outbox.enqueue(
            uow, kind=kind, payload=dict(payload), idempotency_key=key, workspace_id=None
        )
    )


class Recorder:
    """A handler that remembers every job it was given, and fails as told."""

    def __init__(self, *failures: BaseException) -> None:
        self.calls: list[Job] = []
        self.failures = list(failures)

    async def __call__(self, job: Job) -> None:
        self.calls.append(job)
        if self.failures:
            raise self.failures.pop(0)


# ----------------------------------------------------------------------- same transaction
async def test_a_job_is_written_with_its_cause(outbox_db: Database) -> None:
    def cause(uow: UnitOfWork) -> None:
        outbox.enqueue(
            uow, kind=KIND, payload={"n": 1}, idempotency_key="with-cause", workspace_id=None
        )

    await outbox_db.write(cause)
    job = await one_job(outbox_db)
    assert (job.kind, job.payload, job.status, job.attempts) == (KIND, {"n": 1}, "pending", 0)
    assert job.run_at == START and job.created_at == START


async def test_a_job_of_a_failed_transaction_is_not_there(outbox_db: Database) -> None:
    class CauseFailed(Exception):
        pass

    def cause(uow: UnitOfWork) -> None:
        outbox.enqueue(uow, kind=KIND, payload={}, idempotency_key="rolled-back", workspace_id=None)
        raise CauseFailed

    with pytest.raises(CauseFailed):
        await outbox_db.write(cause)
    assert await jobs(outbox_db) == []
    # The key is free again: nothing of the failed transaction was kept.
    assert await enqueue(outbox_db, "rolled-back") is True


async def test_the_same_idempotency_key_is_one_job(outbox_db: Database) -> None:
    assert await enqueue(outbox_db, "same", n=1) is True
    assert await enqueue(outbox_db, "same", n=2) is False

    def twice_in_one_transaction(uow: UnitOfWork) -> tuple[bool, bool, int]:
        first = outbox.enqueue(
            uow, kind=KIND, payload={}, idempotency_key="twice", workspace_id=None
        )
        second = outbox.enqueue(
            uow, kind=KIND, payload={}, idempotency_key="twice", workspace_id=None
        )
        return first, second, uow.jobs_enqueued

    assert await outbox_db.write(twice_in_one_transaction) == (True, False, 1)
    rows = await jobs(outbox_db)
    assert [(r.idempotency_key, r.payload) for r in rows] == [("same", {"n": 1}), ("twice", {})]


async def test_a_job_waits_for_its_run_at(outbox_db: Database, clock: FakeClock) -> None:
    await outbox_db.write(
        lambda uow: outbox.enqueue(
            uow,
            kind=KIND,
            payload={},
            idempotency_key="later",
            workspace_id=None,
            run_at=START + timedelta(hours=1),
        )
    )
    handler = Recorder()
    worker = make_worker(outbox_db, {KIND: handler})
    assert await worker.run_once() == 0
    clock.advance(timedelta(hours=1))
    assert await worker.run_once() == 1
    assert len(handler.calls) == 1


# ----------------------------------------------------------------------- outcomes
async def test_success_marks_the_job_done(outbox_db: Database, clock: FakeClock) -> None:
    await enqueue(outbox_db, "ok", to="anna@example.com")
    handler = Recorder()
    worker = make_worker(outbox_db, {KIND: handler})
    clock.advance(1)
    assert await worker.run_once() == 1
    [job] = handler.calls
    assert (job.kind, job.payload, job.idempotency_key, job.attempt) == (
        KIND,
        {"to": "anna@example.com"},
        "ok",
        1,
    )
    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.last_error, row.locked_until) == ("done", 1, None, None)
    assert row.finished_at == clock.now
    assert await worker.run_once() == 0


async def test_failure_is_retried_after_the_backoff(outbox_db: Database, clock: FakeClock) -> None:
    await enqueue(outbox_db, "flaky")
    handler = Recorder(RuntimeError("server down"), ConnectionError("still down"))
    worker = make_worker(outbox_db, {KIND: handler})

    assert await worker.run_once() == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.run_at == START + timedelta(seconds=2)
    assert row.last_error == "RuntimeError: server down"
    assert row.locked_until is None and row.finished_at is None

    # Not due yet: nothing runs, however often the worker looks.
    assert await worker.run_once() == 0
    clock.advance(1.999)
    assert await worker.run_once() == 0

    clock.advance(0.001)
    assert await worker.run_once() == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.last_error) == (
        "pending",
        2,
        "ConnectionError: still down",
    )
    assert row.run_at == clock.now + timedelta(seconds=4)

    clock.advance(4)
    assert await worker.run_once() == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.last_error) == ("done", 3, None)
    assert [c.attempt for c in handler.calls] == [1, 2, 3]
    assert {c.idempotency_key for c in handler.calls} == {"flaky"}


async def test_the_worker_jitter_spreads_the_retry(outbox_db: Database) -> None:
    await enqueue(outbox_db, "jittered")
    worker = make_worker(outbox_db, {KIND: Recorder(RuntimeError("no"))}, jitter=lambda: 0.5)
    await worker.run_once()
    row = await one_job(outbox_db)
    assert row.run_at == START + timedelta(seconds=2 * 1.125)


async def test_dead_after_max_attempts_with_the_reason(
    outbox_db: Database, clock: FakeClock
) -> None:
    await enqueue(outbox_db, "hopeless")
    handler = Recorder(*(RuntimeError(f"refused #{n}") for n in range(1, 10)))
    worker = make_worker(outbox_db, {KIND: handler})
    for _ in range(POLICY.max_attempts):
        assert await worker.run_once() == 1
        clock.advance(POLICY.max_seconds)
    row = await one_job(outbox_db)
    assert (row.status, row.attempts) == ("dead", POLICY.max_attempts)
    assert row.last_error == "RuntimeError: refused #3"
    assert row.finished_at is not None and row.locked_until is None
    clock.advance(timedelta(days=30))
    assert await worker.run_once() == 0
    assert len(handler.calls) == POLICY.max_attempts


async def test_permanent_error_is_dead_at_once(outbox_db: Database) -> None:
    await enqueue(outbox_db, "bad-address")
    handler = Recorder(PermanentError("mailbox does not exist"))
    worker = make_worker(outbox_db, {KIND: handler})
    assert await worker.run_once() == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error == "PermanentError: mailbox does not exist"


async def test_unknown_kind_is_dead(outbox_db: Database, clock: FakeClock) -> None:
    await enqueue(outbox_db, "mystery", kind="nobody.handles.this")
    worker = make_worker(outbox_db, {KIND: Recorder()})
    assert await worker.run_once() == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error == "no handler for job kind 'nobody.handles.this'"
    clock.advance(timedelta(days=1))
    assert await worker.run_once() == 0


async def test_long_error_text_is_trimmed(outbox_db: Database) -> None:
    await enqueue(outbox_db, "verbose")
    worker = make_worker(outbox_db, {KIND: Recorder(RuntimeError("x" * 10_000))})
    await worker.run_once()
    row = await one_job(outbox_db)
    assert row.last_error is not None and len(row.last_error) == 4000


# ----------------------------------------------------------------------- crashed workers
class Stalling:
    """A handler that starts delivering and never comes back (a worker killed mid-delivery)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.outcome: BaseException | None = None

    async def __call__(self, job: Job) -> None:
        self.started.set()
        await self.release.wait()
        if self.outcome is not None:
            raise self.outcome


async def test_a_job_whose_lease_expired_is_delivered_by_another_worker(
    outbox_db: Database, clock: FakeClock
) -> None:
    await enqueue(outbox_db, "orphan", to="anna@example.com")
    stalling = Stalling()
    first = make_worker(outbox_db, {KIND: stalling})
    first_run = asyncio.create_task(first.run_once())
    await asyncio.wait_for(stalling.started.wait(), 5)

    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.locked_until) == ("running", 1, START + LEASE)

    handler = Recorder()
    second = make_worker(outbox_db, {KIND: handler})
    # While the lease holds, the job belongs to the first worker.
    clock.advance(LEASE - timedelta(seconds=1))
    assert await second.run_once() == 0

    clock.advance(timedelta(seconds=1))
    assert await second.run_once() == 1
    [job] = handler.calls
    assert (job.idempotency_key, job.attempt, job.payload) == (
        "orphan",
        2,
        {"to": "anna@example.com"},
    )
    row = await one_job(outbox_db)
    assert (row.status, row.attempts) == ("done", 2)

    # The first worker is gone for good.
    first_run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first_run
    assert (await one_job(outbox_db)).status == "done"


@pytest.mark.parametrize("late_outcome", [None, RuntimeError("late failure")])
async def test_a_worker_that_lost_its_lease_cannot_overwrite_the_outcome(
    outbox_db: Database, clock: FakeClock, late_outcome: BaseException | None
) -> None:
    """A stalled (not dead) worker finishing late must not undo the new owner's result:
    a late failure would send a delivered job round again."""
    await enqueue(outbox_db, "slow")
    stalling = Stalling()
    first = make_worker(outbox_db, {KIND: stalling})
    first_run = asyncio.create_task(first.run_once())
    await asyncio.wait_for(stalling.started.wait(), 5)

    clock.advance(LEASE)
    second_handler = Stalling()
    second = make_worker(outbox_db, {KIND: second_handler})
    second_run = asyncio.create_task(second.run_once())
    await asyncio.wait_for(second_handler.started.wait(), 5)

    # The first worker wakes up while the second is delivering: its result is stale.
    stalling.outcome = late_outcome
    stalling.release.set()
    assert await first_run == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.locked_until) == ("running", 2, clock.now + LEASE)

    second_handler.release.set()
    assert await second_run == 1
    row = await one_job(outbox_db)
    assert (row.status, row.attempts, row.last_error) == ("done", 2, None)

    # And once done, a stale failure does not put it back in the queue either.
    clock.advance(timedelta(days=1))
    assert await make_worker(outbox_db, {KIND: Recorder()}).run_once() == 0


# ----------------------------------------------------------------------- concurrency
@pytest.mark.parametrize("shared_database", [True, False], ids=["one-db", "db-per-worker"])
async def test_concurrent_workers_never_run_a_job_twice(
    settings: Settings, clock: FakeClock, shared_database: bool
) -> None:
    """On PostgreSQL: FOR UPDATE SKIP LOCKED; on SQLite: the single writer (one per process)."""
    total, worker_count = 150, 4
    databases = [Database(settings.resolved_database_url, clock=clock)]
    if not shared_database:
        databases += [
            Database(settings.resolved_database_url, clock=clock) for _ in range(worker_count - 1)
        ]
    try:

        def fill(uow: UnitOfWork) -> None:
            for n in range(total):
                outbox.enqueue(
                    uow, kind=KIND, payload={"n": n}, idempotency_key=f"c{n}", workspace_id=None
                )

        await databases[0].write(fill)
        delivered: list[tuple[int, int]] = []
        busy: set[int] = set()
        side_by_side = asyncio.Event()

        def handler_for(worker_no: int) -> Handler:
            async def handler(job: Job) -> None:
                # Hold the first deliveries until two workers hold jobs at once, so that the
                # claims really overlap, however the scheduler favours one worker.
                busy.add(worker_no)
                if len(busy) > 1:
                    side_by_side.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(side_by_side.wait(), 5)
                delivered.append((job.payload["n"], worker_no))
                await asyncio.sleep(0)

            return handler

        workers = [
            make_worker(databases[i % len(databases)], {KIND: handler_for(i)}, batch_size=7)
            for i in range(worker_count)
        ]

        async def drain(worker: Worker) -> None:
            while await worker.run_once():
                pass

        await asyncio.wait_for(asyncio.gather(*(drain(w) for w in workers)), 60)
        numbers = sorted(n for n, _ in delivered)
        assert numbers == list(range(total)), "a job ran twice or never"
        # The work was really shared out, not done by one worker while the others idled.
        assert len({w for _, w in delivered}) > 1
        rows = await jobs(databases[0])
        assert {(r.status, r.attempts) for r in rows} == {("done", 1)}
    finally:
        for database in databases:
            database.close()


# ----------------------------------------------------------------------- the run loop
async def test_wake_runs_new_work_without_waiting_for_the_poll(outbox_db: Database) -> None:
    handler = Recorder()
    worker = make_worker(outbox_db, {KIND: handler}, poll_seconds=60)
    idle = asyncio.Event()
    run_once = worker.run_once

    async def observed_run_once() -> int:
        processed = await run_once()
        if not processed:
            idle.set()
        return processed

    worker.run_once = observed_run_once  # type: ignore[method-assign]
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    try:
        # The worker has looked, found nothing, and now sleeps for up to a minute.
        await asyncio.wait_for(idle.wait(), 5)
        await enqueue(outbox_db, "woken")
        worker.wake()
        for _ in range(500):
            if handler.calls:
                break
            await asyncio.sleep(0.01)
        assert [c.idempotency_key for c in handler.calls] == ["woken"]
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)


async def test_stop_ends_the_run_loop_promptly(outbox_db: Database) -> None:
    worker = make_worker(outbox_db, {}, poll_seconds=60)
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, 2)


async def test_the_run_loop_survives_a_failing_iteration(
    outbox_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder()
    worker = make_worker(outbox_db, {KIND: handler}, poll_seconds=0.01)
    real_run_once = worker.run_once
    failures = [OSError("database restarting")]

    async def flaky_run_once() -> int:
        if failures:
            raise failures.pop()
        return await real_run_once()

    worker.run_once = flaky_run_once  # type: ignore[method-assign]
    await enqueue(outbox_db, "after-outage")
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(500):
            if handler.calls:
                break
            await asyncio.sleep(0.01)
        assert [c.idempotency_key for c in handler.calls] == ["after-outage"]
        assert "outbox worker iteration failed" in caplog.text
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)
