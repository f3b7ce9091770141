"""Several app processes deliver each other's events: sharing PostgreSQL and Redis, or one
SQLite file (tailing its events table).

The PostgreSQL ones need a real PostgreSQL and Redis, so they run in the PostgreSQL+Redis pass
of the test command (FRONTDESK_TEST_DATABASE_URL and FRONTDESK_TEST_REDIS_URL set), which CI
always runs; the SQLite one runs in the SQLite pass.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from frontdesk.core.bus import InProcessBus, RedisBus
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.settings import Settings
from tests.conftest import PG_URL, REDIS_URL, Desk, free_port, seed_desk

needs_postgres_and_redis = pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="runs in the PostgreSQL+Redis pass of the test command (set "
    "FRONTDESK_TEST_DATABASE_URL and FRONTDESK_TEST_REDIS_URL); CI always runs that pass",
)
needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="runs in the PostgreSQL+Redis pass of the test command (set "
    "FRONTDESK_TEST_REDIS_URL); CI always runs that pass",
)
WHEN = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)


def sample_event(n: int) -> DomainEvent:
    return DomainEvent(
        id=100 + n,
        type="message.created",
        workspace_id=1,
        inbox_id=2,
        conversation_id=3,
        actor_user_id=4,
        user_ids=(5, 6),
        created_at=WHEN,
        data={"content": f"Привет #{n}", "nested": {"list": [1, 2.5, None, True]}},
    )


# ------------------------------------------------------------------------------ the bus
async def test_in_process_bus_delivers_in_order_despite_a_broken_subscriber() -> None:
    bus = InProcessBus()
    received: list[DomainEvent] = []

    def broken(_event: DomainEvent) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken)
    bus.subscribe(received.append)
    await bus.start()
    await bus.publish([sample_event(1), sample_event(2)])
    await bus.stop()
    assert received == [sample_event(1), sample_event(2)]


@needs_redis
async def test_redis_bus_carries_events_between_bus_instances() -> None:
    assert REDIS_URL
    channel = f"frontdesk:test:{uuid.uuid4().hex}"
    sender, receiver = RedisBus(REDIS_URL, channel=channel), RedisBus(REDIS_URL, channel=channel)
    elsewhere = RedisBus(REDIS_URL, channel=channel + ":other-desk")
    heard: dict[str, list[DomainEvent]] = {"sender": [], "receiver": [], "elsewhere": []}
    sender.subscribe(heard["sender"].append)
    receiver.subscribe(heard["receiver"].append)
    elsewhere.subscribe(heard["elsewhere"].append)
    for bus in (sender, receiver, elsewhere):
        await bus.start()
    try:
        await sender.publish([sample_event(1), sample_event(2)])
        await sender.publish([sample_event(3)])
        expected = [sample_event(1), sample_event(2), sample_event(3)]
        for _ in range(500):
            if len(heard["receiver"]) >= 3 and len(heard["sender"]) >= 3:
                break
            await asyncio.sleep(0.01)
        # Everything, in order, with every field (the publisher hears its own events too:
        # that is how its own websockets get them).
        assert heard["receiver"] == expected
        assert heard["sender"] == expected
        assert [e.id for e in heard["receiver"]] == [101, 102, 103]
        assert heard["receiver"][0].actor_user_id == 4
        # Another desk on the same Redis, another channel: nothing crosses over.
        assert heard["elsewhere"] == []
    finally:
        for bus in (sender, receiver, elsewhere):
            await bus.stop()


# ------------------------------------------------------------------------------ processes
class AppProcess:
    """`frontdesk serve` in its own OS process."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        name: str,
        *,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.name = name
        env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
        env.update(
            FRONTDESK_DATABASE_URL=settings.resolved_database_url,
            FRONTDESK_REDIS_CHANNEL=settings.redis_channel,
            FRONTDESK_DATA_DIR=str(workdir / name),
            FRONTDESK_SECRET_KEY=settings.secret_key,
            FRONTDESK_BASE_URL=f"http://127.0.0.1:{self.port}",
        )
        if settings.redis_url:
            env["FRONTDESK_REDIS_URL"] = settings.redis_url
        else:
            env["FRONTDESK_TAIL_EVENTS"] = "1"  # what `serve --workers N` sets on SQLite
        env.update(extra_env or {})
        self.log = (workdir / f"{name}.log").open("wb")
        frontdesk = Path(sys.executable).with_name("frontdesk")
        self.process = subprocess.Popen(
            [str(frontdesk), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=workdir,  # no stray .env file from the checkout
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.logfile = workdir / f"{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1, trust_env=False).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start:\n{self.logfile.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def two_processes(settings: Settings, tmp_path: Path) -> Iterator[tuple[AppProcess, AppProcess]]:
    processes = [AppProcess(settings, tmp_path, name) for name in ("a", "b")]
    try:
        for process in processes:
            process.wait_ready()
        yield processes[0], processes[1]
    finally:
        for process in processes:
            process.stop()


@pytest.fixture
def shared_desk(settings: Settings) -> Iterator[Desk]:
    db = Database(settings.resolved_database_url)
    try:
        yield seed_desk(db)
    finally:
        db.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        yield client


async def _next_message(ws: ClientConnection) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "message.created":
            return frame


@pytest.mark.skipif(
    not ((PG_URL and REDIS_URL) or not (PG_URL or REDIS_URL)),
    reason="PostgreSQL needs Redis to share events; runs in the SQLite and the PostgreSQL+Redis "
    "passes of the test command",
)
async def test_an_event_committed_on_one_process_reaches_a_socket_on_another(
    shared_desk: Desk, two_processes: tuple[AppProcess, AppProcess], http: httpx.AsyncClient
) -> None:
    desk = shared_desk
    a, b = two_processes
    r = await http.post(
        f"{a.url}/api/v1/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "Ivan Petrov"}},
    )
    assert r.status_code == 201, r.text
    conversation_id = r.json()["id"]

    sockets = {}
    for process in (a, b):
        ws_url = f"ws://127.0.0.1:{process.port}/api/v1/ws?token={desk.agent.token}"
        sockets[process.name] = await connect(ws_url, proxy=None, open_timeout=5)
    try:
        for ws in sockets.values():
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "ready"
        for writer, listener in ((b, a), (a, b)):
            r = await http.post(
                f"{writer.url}/api/v1/conversations/{conversation_id}/messages",
                headers=desk.agent.headers,
                json={"content": f"written on {writer.name}"},
            )
            assert r.status_code == 201, r.text
            # The socket on the other process hears it, and so does the writer's own.
            for ws in (sockets[listener.name], sockets[writer.name]):
                frame = await _next_message(ws)
                assert frame["conversation_id"] == conversation_id
                assert frame["data"]["id"] == r.json()["id"]
                assert frame["data"]["content"] == f"written on {writer.name}"
    finally:
        for ws in sockets.values():
            await ws.close()
