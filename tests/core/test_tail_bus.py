"""Processes sharing one SQLite file without Redis see each other's events by tailing the log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from frontdesk.core.bus import DatabaseTailBus
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import DomainEvent, events_after, last_event_id
from frontdesk.core.migrate import upgrade
from frontdesk.team import service as team_service


async def _wait_for(received: list[DomainEvent], count: int) -> None:
    async with asyncio.timeout(5):
        while len(received) < count:  # noqa: ASYNC110 - polling another process's writes
            await asyncio.sleep(0.005)


async def test_each_process_gets_every_event_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    first, second = Database(url), Database(url)
    buses = [
        DatabaseTailBus(first, poll_seconds=0.002),
        DatabaseTailBus(second, poll_seconds=0.002),
    ]
    received: list[list[DomainEvent]] = [[], []]
    for bus, db, sink in zip(buses, (first, second), received, strict=True):
        bus.subscribe(sink.append)
        db.add_after_commit(lambda events, _jobs, bus=bus: bus.publish(events))
        await bus.start()
    try:
        workspace = first.write_sync(
            lambda uow: team_service.create_workspace(uow, name="Shop", slug="shop").id
        )

        def record(n: int) -> Callable[[UnitOfWork], None]:
            def write(uow: UnitOfWork) -> None:
                uow.record("test.ping", workspace_id=workspace, data={"n": n}, user_ids=[7])

            return write

        await first.write(record(1))
        await second.write(record(2))
        await first.write(record(3))
        await _wait_for(received[0], 3)
        await _wait_for(received[1], 3)
        await asyncio.sleep(0.05)  # would a duplicate arrive late?
        for sink in received:
            assert sorted(e.data["n"] for e in sink) == [1, 2, 3]
            assert all(e.user_ids == (7,) for e in sink)
    finally:
        for bus in buses:
            await bus.stop()
        first.close()
        second.close()


async def test_a_new_process_starts_from_now_not_from_the_beginning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    db = Database(url)
    workspace = db.write_sync(lambda uow: team_service.create_workspace(uow, name="S", slug="s").id)
    db.write_sync(lambda uow: uow.record("test.old", workspace_id=workspace, data={}))
    bus = DatabaseTailBus(db, poll_seconds=0.002)
    received: list[DomainEvent] = []
    bus.subscribe(received.append)
    await bus.start()
    try:
        await asyncio.sleep(0.05)
        assert received == []
    finally:
        await bus.stop()
        db.close()


class _CountingReads:
    """The bus's view of the database, counting its polls."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.reads = 0

    async def read(self, fn: Callable[..., object]) -> object:
        self.reads += 1
        return await self.db.read(fn)


async def test_an_idle_tail_slows_down_and_the_first_event_speeds_it_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    mine, other = Database(url), Database(url)
    counting = _CountingReads(mine)
    bus = DatabaseTailBus(counting, poll_seconds=0.005, idle_poll_seconds=0.5)  # type: ignore[arg-type]
    received: list[DomainEvent] = []
    bus.subscribe(received.append)
    await bus.start()
    try:
        workspace = other.write_sync(
            lambda uow: team_service.create_workspace(uow, name="S", slug="s").id
        )
        await asyncio.sleep(1.0)
        idle_reads, counting.reads = counting.reads, 0
        # 200 polls a second at 5 ms; slowing down step by step towards 0.5 s leaves about 12.
        assert idle_reads < 40, idle_reads
        await other.write(lambda uow: uow.record("test.ping", workspace_id=workspace, data={}))
        await _wait_for(received, 1)
        counting.reads = 0
        await asyncio.sleep(0.2)
        # Right after an event the tail polls at its fast pace again: about 7 reads in 0.2 s
        # (5 ms, growing by half each time), where the idle pace has room for one. (Measured
        # over 0.2 s, not 50 ms, so a busy machine's slower reads still leave a clear count.)
        assert counting.reads >= 3, counting.reads
    finally:
        await bus.stop()
        mine.close()
        other.close()


def test_the_log_page_reads_only_the_ids_of_events_the_process_has(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    db = Database(url)
    try:
        workspace = db.write_sync(
            lambda uow: team_service.create_workspace(uow, name="S", slug="s").id
        )
        start = db.read_sync(last_event_id)
        for n in range(3):
            db.write_sync(
                lambda uow, n=n: uow.record("test.ping", workspace_id=workspace, data={"n": n})
            )
        ids = list(range(start + 1, start + 4))
        page = db.read_sync(
            lambda s: events_after(s, after_id=start, limit=10, skip=frozenset(ids[:2]))
        )
        assert (page.read, page.last_id) == (3, ids[-1])
        assert [e.id for e in page.events] == ids[2:]  # only the one it lacks
        assert [e.data["n"] for e in page.events] == [2]
        # Nothing new: nothing read, the watermark stays.
        page = db.read_sync(lambda s: events_after(s, after_id=ids[-1], limit=10))
        assert (page.read, page.last_id, page.events) == (0, ids[-1], [])
    finally:
        db.close()
