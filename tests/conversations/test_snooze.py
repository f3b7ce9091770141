"""A snoozed conversation wakes up by itself when its time comes (durable work)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from frontdesk.app import create_app, make_worker
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.conftest import Desk, seed_desk


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Clocked:
    client: httpx.AsyncClient
    clock: MovableClock
    desk: Desk
    worker: Worker


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[Clocked]:
    """An app on a clock the test moves, its seeded desk, and an outbox worker."""
    clock = MovableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        db = app.state.ctx.db
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Clocked(client, clock, seed_desk(db), make_worker(settings, db))


async def test_snoozed_conversation_reopens_when_due(clocked: Clocked) -> None:
    client, clock, desk, worker = clocked.client, clocked.clock, clocked.desk, clocked.worker
    h = desk.agent.headers
    r = await client.post(
        "/api/v1/conversations",
        headers=h,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Olga"},
            "message": {"content": "Перезвоните мне завтра"},
        },
    )
    conversation_id = r.json()["id"]
    until = clock.now + timedelta(hours=20)
    r = await client.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=h,
        json={"status": "snoozed", "snoozed_until": until.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "snoozed"

    clock.now = until - timedelta(seconds=1)
    assert await worker.run_once() == 0  # not due yet: the job waits in the outbox

    clock.now = until + timedelta(seconds=5)
    assert await worker.run_once() == 1
    r = await client.get(f"/api/v1/conversations/{conversation_id}", headers=h)
    assert r.json()["status"] == "open" and r.json()["snoozed_until"] is None
    messages = (
        await client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=h)
    ).json()["items"]
    assert messages[-1]["kind"] == "system"
    assert messages[-1]["content_attributes"]["reason"] == "snooze ended"


async def test_wake_up_of_an_earlier_snooze_does_nothing_after_a_resnooze(clocked: Clocked) -> None:
    client, clock, desk, worker = clocked.client, clocked.clock, clocked.desk, clocked.worker
    h = desk.agent.headers
    r = await client.post(
        "/api/v1/conversations",
        headers=h,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "Pavel"}},
    )
    conversation_id = r.json()["id"]
    first = clock.now + timedelta(hours=1)
    later = clock.now + timedelta(days=2)
    for until in (first, later):
        r = await client.post(
            f"/api/v1/conversations/{conversation_id}/status",
            headers=h,
            json={"status": "snoozed", "snoozed_until": until.isoformat()},
        )
        assert r.status_code == 200, r.text
    clock.now = first + timedelta(minutes=1)
    assert await worker.run_once() == 1  # the first wake-up runs ...
    r = await client.get(f"/api/v1/conversations/{conversation_id}", headers=h)
    assert r.json()["status"] == "snoozed"  # ... and finds the conversation not yet due
    clock.now = later + timedelta(minutes=1)
    assert await worker.run_once() == 1
    r = await client.get(f"/api/v1/conversations/{conversation_id}", headers=h)
    assert r.json()["status"] == "open"
