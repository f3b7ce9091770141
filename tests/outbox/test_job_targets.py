"""The dead-letter list says what each job is about (the conversation of a reply, the inbox of
a mailbox poll), never from another workspace; and how many jobs wait, run or are dead."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.app import make_worker
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.outbox import service as outbox
from frontdesk.settings import Settings
from tests.api.conftest import problem
from tests.conftest import Desk, seed_desk

API = "/api/v1"


def _enqueue(db: Database, *, workspace_id: int, key: str, payload: dict[str, Any]) -> None:
    def write(uow: UnitOfWork) -> None:
        outbox.enqueue(
            uow,
            kind="no.such.kind",  # dead at the first attempt: no handler
            payload=payload,
            idempotency_key=key,
            workspace_id=workspace_id,
        )

    db.write_sync(write)


async def test_each_job_names_what_it_is_about(
    client: httpx.AsyncClient, desk: Desk, db: Database, settings: Settings
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}, "message": {"content": "q"}},
    )
    conversation = r.json()
    r = await client.get(
        f"{API}/conversations/{conversation['id']}/messages", headers=desk.agent.headers
    )
    message_id = r.json()["items"][0]["id"]
    other = seed_desk(db, slug="globex")
    r = await client.post(
        f"{API}/conversations",
        headers=other.admin.headers,
        json={"inbox_id": other.inbox_id, "contact": {"name": "B"}, "message": {"content": "q"}},
    )
    foreign = r.json()
    ws = desk.workspace_id
    _enqueue(db, workspace_id=ws, key="message", payload={"message_id": message_id})
    _enqueue(
        db, workspace_id=ws, key="conversation", payload={"conversation_id": conversation["id"]}
    )
    _enqueue(db, workspace_id=ws, key="inbox", payload={"inbox_id": desk.other_inbox_id})
    _enqueue(db, workspace_id=ws, key="foreign", payload={"conversation_id": foreign["id"]})
    _enqueue(db, workspace_id=ws, key="odd", payload={"message_id": "1", "inbox_id": True})
    _enqueue(db, workspace_id=ws, key="gone", payload={"message_id": 10**9})

    r = await client.get(f"{API}/outbox/counts", headers=desk.admin.headers)
    assert r.json() == {"pending": 6, "running": 0, "dead": 0}
    assert await make_worker(settings, db).run_once() == 6

    r = await client.get(
        f"{API}/outbox/jobs", params={"status": "dead"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    # Each job is known by its payload here.
    by_key = {repr(job["payload"]): job["target"] for job in r.json()["items"]}
    in_conversation = {
        "inbox_id": desk.inbox_id,
        "inbox_name": "API",
        "channel_type": "api",
        "conversation_id": conversation["id"],
        "conversation_number": conversation["number"],
    }
    assert by_key[repr({"message_id": message_id})] == {**in_conversation, "message_id": message_id}
    assert by_key[repr({"conversation_id": conversation["id"]})] == {
        **in_conversation,
        "message_id": None,
    }
    assert by_key[repr({"inbox_id": desk.other_inbox_id})] == {
        "inbox_id": desk.other_inbox_id,
        "inbox_name": "Other",
        "channel_type": "api",
        "conversation_id": None,
        "conversation_number": None,
        "message_id": None,
    }
    # Another workspace's conversation, ids that are not ids, a message since deleted: nothing.
    assert by_key[repr({"conversation_id": foreign["id"]})] is None
    assert by_key[repr({"message_id": "1", "inbox_id": True})] is None
    assert by_key[repr({"message_id": 10**9})] is None

    r = await client.get(f"{API}/outbox/counts", headers=desk.admin.headers)
    assert r.json() == {"pending": 0, "running": 0, "dead": 6}
    r = await client.get(f"{API}/outbox/counts", headers=other.admin.headers)
    assert r.json() == {"pending": 0, "running": 0, "dead": 0}
    problem(await client.get(f"{API}/outbox/counts", headers=desk.agent.headers), 403, "admin")
