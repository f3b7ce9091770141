"""The Database: group commit on SQLite, isolation of a failing write, events after commit."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import DomainEvent, EventRow
from frontdesk.outbox import service as outbox
from frontdesk.outbox.models import OutboxJob
from frontdesk.settings import Settings
from frontdesk.team import service as team_service
from tests.outbox.helpers import START, FakeClock


class Refused(Exception):
    pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database(settings: Settings, clock: FakeClock) -> Iterator[Database]:
    db = Database(settings.resolved_database_url, clock=clock)
    yield db
    db.close()


@pytest.fixture
def workspace_id(database: Database) -> int:
    return database.write_sync(
        lambda uow: team_service.create_workspace(uow, name="Acme", slug="acme").id
    )


def add_job(key: str) -> Any:
    def write(uow: UnitOfWork) -> str:
        outbox.enqueue(uow, kind="test", payload={}, idempotency_key=key, workspace_id=None)
        return key

    return write


async def keys(database: Database) -> set[str]:
    return set(
        await database.read(lambda s: list(s.execute(select(OutboxJob.idempotency_key)).scalars()))
    )


def count_commits(database: Database) -> list[int]:
    commits = [0]

    @event.listens_for(database.write_engine, "commit")
    def _on_commit(_conn: Any) -> None:
        commits[0] += 1

    return commits


async def test_five_hundred_concurrent_writes_all_commit(database: Database) -> None:
    commits = count_commits(database)
    results = await asyncio.gather(*(database.write(add_job(f"w{n}")) for n in range(500)))
    assert results == [f"w{n}" for n in range(500)]
    assert await keys(database) == {f"w{n}" for n in range(500)}
    if database.is_sqlite:
        # Grouped: far fewer transactions than writes.
        assert commits[0] < 100, commits[0]


@pytest.mark.parametrize("failure", ["raises", "violates a constraint"])
async def test_a_failing_write_does_not_spoil_its_neighbours(
    database: Database, failure: str
) -> None:
    await database.write(add_job("taken"))

    def failing(uow: UnitOfWork) -> None:
        outbox.enqueue(uow, kind="test", payload={}, idempotency_key="doomed", workspace_id=None)
        if failure == "raises":
            raise Refused("no")
        # A plain INSERT of a key that exists: the database refuses it.
        uow.session.execute(
            insert(OutboxJob).values(
                kind="test",
                payload={},
                idempotency_key="taken",
                status="pending",
                attempts=0,
                run_at=uow.now(),
                created_at=uow.now(),
            )
        )

    writes = [database.write(add_job(f"n{n}")) for n in range(200)]
    writes.insert(100, database.write(failing))
    results = await asyncio.gather(*writes, return_exceptions=True)

    error = results.pop(100)
    assert isinstance(error, Refused if failure == "raises" else IntegrityError)
    assert results == [f"n{n}" for n in range(200)]
    # The failing write left nothing behind, not even what it wrote before failing.
    assert await keys(database) == {"taken"} | {f"n{n}" for n in range(200)}


async def test_many_failing_writes_in_one_batch_keep_their_own_errors(database: Database) -> None:
    commits = count_commits(database)

    def refused(n: int) -> Any:
        def write(uow: UnitOfWork) -> None:
            outbox.enqueue(
                uow, kind="test", payload={}, idempotency_key=f"bad{n}", workspace_id=None
            )
            raise Refused(n)

        return write

    writes = [database.write(refused(n) if n % 10 == 3 else add_job(f"ok{n}")) for n in range(300)]
    results = await asyncio.gather(*writes, return_exceptions=True)
    for n, result in enumerate(results):
        if n % 10 == 3:
            assert isinstance(result, Refused) and result.args == (n,)
        else:
            assert result == f"ok{n}"
    assert await keys(database) == {f"ok{n}" for n in range(300) if n % 10 != 3}
    if database.is_sqlite:
        # A refusal costs its batch one rerun, not one transaction per write.
        assert commits[0] < 150, commits[0]


async def test_events_are_published_after_commit_and_only_for_committed_writes(
    database: Database, workspace_id: int
) -> None:
    published: list[DomainEvent] = []
    committed_jobs: list[int] = []

    async def after_commit(events: list[DomainEvent], jobs: int) -> None:
        published.extend(events)
        committed_jobs.append(jobs)

    database.add_after_commit(after_commit)

    def recording(n: int) -> Any:
        def write(uow: UnitOfWork) -> int:
            uow.record("test.happened", workspace_id=workspace_id, data={"n": n})
            if n == 7:
                raise Refused("seven")
            return n

        return write

    results = await asyncio.gather(
        *(database.write(recording(n)) for n in range(20)), return_exceptions=True
    )
    assert isinstance(results[7], Refused)
    assert sorted(e.data["n"] for e in published) == [n for n in range(20) if n != 7]
    stored = await database.read(
        lambda s: {row.id: row.data["n"] for row in s.execute(select(EventRow)).scalars()}
    )
    # Published events are the stored ones, with their ids.
    assert {e.id: e.data["n"] for e in published} == stored
    assert committed_jobs == [0] * 19

    # A write that records nothing and enqueues nothing does not call the subscribers.
    await database.write(lambda uow: None)
    assert len(published) == 19


async def test_a_write_returns_its_result_and_raises_its_error(database: Database) -> None:
    assert await database.write(lambda uow: {"answer": 42}) == {"answer": 42}
    with pytest.raises(Refused, match="nope"):
        await database.write(lambda uow: (_ for _ in ()).throw(Refused("nope")))


async def test_a_unit_of_work_has_one_now(database: Database, clock: FakeClock) -> None:
    def write(uow: UnitOfWork) -> tuple[Any, Any]:
        first = uow.now()
        clock.advance(timedelta(seconds=5))
        return first, uow.now()

    first, second = await database.write(write)
    assert first == second == START


def test_write_sync_without_the_writer_thread(database: Database) -> None:
    assert database.write_sync(add_job("sync")) == "sync"
    assert database.read_sync(lambda s: s.scalar(select(func.count()).select_from(OutboxJob))) == 1
    with pytest.raises(Refused):
        database.write_sync(lambda uow: (_ for _ in ()).throw(Refused("x")))


async def test_write_sync_beside_async_writes(database: Database) -> None:
    """A script thread writing while the app writes: both go through the one writer."""
    await database.write(add_job("async-first"))
    errors: list[BaseException] = []

    def script() -> None:
        try:
            for n in range(20):
                database.write_sync(add_job(f"sync{n}"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=script)
    thread.start()
    await asyncio.gather(*(database.write(add_job(f"async{n}")) for n in range(50)))
    await asyncio.to_thread(thread.join, 30)
    assert errors == []
    assert await keys(database) == (
        {"async-first"} | {f"sync{n}" for n in range(20)} | {f"async{n}" for n in range(50)}
    )


async def test_reads_see_committed_writes(database: Database) -> None:
    for n in range(5):
        await database.write(add_job(f"r{n}"))
        assert f"r{n}" in await keys(database)


def test_the_writer_survives_a_caller_whose_loop_has_closed(database: Database) -> None:
    async def enqueue_and_leave() -> None:
        # The loop ends (asyncio.run returns) before the write's answer can be delivered.
        task = asyncio.ensure_future(database.write(add_job("orphan")))
        await asyncio.sleep(0)
        task.cancel()

    asyncio.run(enqueue_and_leave())

    async def later() -> list[str]:
        return [await database.write(add_job(f"after{n}")) for n in range(3)]

    assert asyncio.run(asyncio.wait_for(later(), 10)) == ["after0", "after1", "after2"]
