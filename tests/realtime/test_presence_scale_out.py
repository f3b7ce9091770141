"""Presence with several processes: through Redis (every process sees every socket), on one
SQLite file without Redis (each process knows its own sockets and hears the others'
announcements through the events table), a process that dies, and real `frontdesk serve`
processes.

The Redis ones run in the PostgreSQL+Redis pass of the test command (FRONTDESK_TEST_REDIS_URL
set), which CI always runs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal, Role
from frontdesk.presence.store import InProcessPresenceStore, PresenceStore, RedisPresenceStore
from frontdesk.presence.tracker import PresenceTracker
from tests.conftest import PG_URL, REDIS_URL, Desk
from tests.realtime.test_scale_out import (  # noqa: F401  (fixtures)
    AppProcess,
    http,
    needs_redis,
    shared_desk,
    two_processes,
)

SHORT = timedelta(milliseconds=100)


def agent_of(desk: Desk) -> Principal:
    return Principal(
        user_id=desk.agent.id, workspace_id=desk.workspace_id, role=Role.agent, via="token"
    )


async def choose_online(client: httpx.AsyncClient, desk: Desk) -> None:
    r = await client.put(
        "/api/v1/profile/availability", headers=desk.agent.headers, json={"availability": "online"}
    )
    assert r.status_code == 200, r.text


def announced(db: Database, user_id: int) -> list[str]:
    """The stored presence events of a user, oldest first."""

    def run(session: Any) -> list[str]:
        rows = session.execute(
            text("SELECT type, data FROM events WHERE type = 'user.presence_changed' ORDER BY id")
        ).all()
        out = []
        for _type, data in rows:
            data = orjson.loads(data) if isinstance(data, (str, bytes)) else data
            if data["user_id"] == user_id:
                out.append(data["status"])
        return out

    return db.read_sync(run)


async def settle(*trackers: PresenceTracker) -> None:
    for _ in range(3):  # a decision may start another (an event heard): settle until quiet
        for tracker in trackers:
            await tracker.settle()
        await asyncio.sleep(0.02)


@pytest.fixture
async def stores() -> AsyncIterator[tuple[PresenceStore, PresenceStore]]:
    """Two processes' Redis stores of one desk."""
    assert REDIS_URL
    prefix = f"frontdesk:test:{uuid.uuid4().hex}:presence"
    pair = (
        RedisPresenceStore(REDIS_URL, prefix=prefix, process_id="a"),
        RedisPresenceStore(REDIS_URL, prefix=prefix, process_id="b"),
    )
    for store in pair:
        await store.start()
    yield pair
    for store in pair:
        await store.stop()


def hear_each_other(db: Database, *trackers: PresenceTracker) -> None:
    """Every committed event reaches both trackers, as the bus (or the events tail) does."""

    async def deliver(events: list[DomainEvent], _jobs: int) -> None:
        for event in events:
            for tracker in trackers:
                tracker.on_event(event)

    db.add_after_commit(deliver)


@needs_redis
async def test_through_redis_an_agent_with_tabs_on_two_processes_stays_online(
    db: Database, desk: Desk, client: httpx.AsyncClient, stores: tuple[PresenceStore, ...]
) -> None:
    await choose_online(client, desk)
    a, b = (PresenceTracker(db, store, grace=SHORT) for store in stores)
    hear_each_other(db, a, b)
    agent = agent_of(desk)
    try:
        a.connected(agent)
        await settle(a, b)
        assert announced(db, desk.agent.id) == ["online"]
        b.connected(agent)  # a second tab, on the other process
        await settle(a, b)
        a.disconnected(agent)
        await asyncio.sleep(0.3)  # past the grace period
        await settle(a, b)
        assert announced(db, desk.agent.id) == ["online"]  # b still holds the agent
        key = (desk.workspace_id, desk.agent.id)
        assert (await a.statuses([key]))[key].status == "online"

        b.disconnected(agent)
        await asyncio.sleep(0.3)
        await settle(a, b)
        assert announced(db, desk.agent.id) == ["online", "offline"]
        assert (await a.statuses([key]))[key].status == "offline"
    finally:
        for tracker in (a, b):
            await tracker.stop()


@needs_redis
async def test_through_redis_two_processes_deciding_at_once_announce_once(
    db: Database, desk: Desk, client: httpx.AsyncClient, stores: tuple[PresenceStore, ...]
) -> None:
    await choose_online(client, desk)
    a, b = (PresenceTracker(db, store) for store in stores)
    key = (desk.workspace_id, desk.agent.id)
    until = db.clock() + timedelta(seconds=30)
    for store in stores:
        await store.hold([(key, until)])
    results = await asyncio.gather(*(t.evaluate(key) for t in (a, b, a, b)))
    assert len([r for r in results if r is not None]) == 1
    assert announced(db, desk.agent.id) == ["online"]


@needs_redis
async def test_through_redis_the_agents_of_a_process_that_died_go_offline(
    db: Database, desk: Desk, client: httpx.AsyncClient, stores: tuple[PresenceStore, ...]
) -> None:
    await choose_online(client, desk)
    doomed = PresenceTracker(db, stores[0], ttl=timedelta(milliseconds=300))
    survivor = PresenceTracker(db, stores[1])
    doomed.connected(agent_of(desk))
    await settle(doomed)
    assert announced(db, desk.agent.id) == ["online"]
    # The process dies (its heartbeat never ran here): no disconnect, no renewal; its hold
    # runs out by itself.
    await survivor.beat()
    await settle(survivor)
    assert announced(db, desk.agent.id) == ["online"]  # not yet
    await asyncio.sleep(0.4)
    await survivor.beat()
    await settle(survivor)
    assert announced(db, desk.agent.id) == ["online", "offline"]
    await doomed.stop()


async def test_on_one_sqlite_file_without_redis_a_wrong_offline_is_corrected(
    db: Database, desk: Desk, client: httpx.AsyncClient
) -> None:
    # Each process knows only its own sockets; announcements travel through the events.
    await choose_online(client, desk)
    a = PresenceTracker(db, InProcessPresenceStore(), grace=SHORT)
    b = PresenceTracker(db, InProcessPresenceStore(), grace=SHORT)
    hear_each_other(db, a, b)
    agent = agent_of(desk)
    key = (desk.workspace_id, desk.agent.id)
    a.connected(agent)
    await settle(a, b)
    assert (await b.statuses([key]))[key].status == "online"  # heard it
    b.connected(agent)  # a second tab on the other process: nothing new to say
    await settle(a, b)
    assert announced(db, desk.agent.id) == ["online"]

    # The first tab closes: process a, which cannot know of b's socket, says offline; b,
    # which has the agent's socket, corrects it at once.
    a.disconnected(agent)
    await asyncio.sleep(0.3)
    await settle(a, b)
    assert announced(db, desk.agent.id) == ["online", "offline", "online"]
    for tracker in (a, b):
        assert (await tracker.statuses([key]))[key].status == "online"
    # Process a's heartbeat leaves b's announcement alone (no ping-pong).
    await a.beat()
    await settle(a, b)
    assert announced(db, desk.agent.id) == ["online", "offline", "online"]

    b.disconnected(agent)
    await asyncio.sleep(0.3)
    await settle(a, b)
    assert announced(db, desk.agent.id)[-1] == "offline"
    assert (await a.statuses([key]))[key].status == "offline"


@pytest.mark.skipif(
    not ((PG_URL and REDIS_URL) or not (PG_URL or REDIS_URL)),
    reason="PostgreSQL needs Redis to share events; runs in the SQLite and the PostgreSQL+Redis "
    "passes of the test command",
)
async def test_a_socket_on_one_process_is_seen_from_another(
    shared_desk: Desk,  # noqa: F811
    two_processes: tuple[AppProcess, AppProcess],  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
) -> None:
    desk = shared_desk
    a, b = two_processes
    r = await http.put(
        f"{a.url}/api/v1/profile/availability",
        headers=desk.agent.headers,
        json={"availability": "online"},
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        f"{a.url}/api/v1/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "Ivan Petrov"}},
    )
    assert r.status_code == 201, r.text
    conversation_id = r.json()["id"]

    def ws(process: AppProcess, token: str) -> Any:
        return connect(
            f"ws://127.0.0.1:{process.port}/api/v1/ws?token={token}", proxy=None, open_timeout=5
        )

    async def next_of(socket: Any, kind: str) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(socket.recv(), 10))
            if frame["type"] == kind:
                return frame

    async with ws(b, desk.supervisor.token) as watcher:
        await next_of(watcher, "ready")  # registered: hears what happens from now on
        async with ws(a, desk.agent.token) as agent:
            changed = await next_of(watcher, "user.presence_changed")
            assert changed["data"]["user_id"] == desk.agent.id
            assert changed["data"]["status"] == "online"
            r = await http.get(f"{b.url}/api/v1/presence", headers=desk.supervisor.headers)
            statuses = {item["user_id"]: item["status"] for item in r.json()}
            assert statuses[desk.agent.id] == "online"
            if REDIS_URL:
                # Hints are not stored: they cross processes through Redis only.
                await next_of(agent, "ready")
                frame = {"type": "conversation.viewing", "conversation_id": conversation_id}
                await agent.send(orjson.dumps(frame).decode())
                viewing = await next_of(watcher, "conversation.viewing")
                assert viewing["data"] == {
                    "user_id": desk.agent.id,
                    "conversation_id": conversation_id,
                }
