"""Merging contacts keeps the widget's rows: the merged contact's visitors and satisfaction
surveys become the survivor's (in the merge's transaction), so the visitor keeps chatting as
that person, and their ratings stay theirs. The visitor's open sockets follow too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from frontdesk.channels.webchat.hub import VisitorHub, VisitorSocket
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from tests.channels.webchat.conftest import API, Visitor
from tests.channels.webchat.test_csat import conversation_id, resolve
from tests.conftest import Desk


def contact_ids(db: Database, table: str) -> list[int | None]:
    return db.read_sync(
        lambda s: [r[0] for r in s.execute(text(f"SELECT contact_id FROM {table} ORDER BY id"))]
    )


async def test_the_survivor_gets_the_visitors_and_their_ratings(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Where is my order?")
    cid = await conversation_id(client, desk)
    await resolve(client, app, desk, cid)
    r = await visitor.post("csat", {"rating": 5, "comment": "Thanks"})
    assert r.status_code == 200, r.text
    [from_widget] = set(contact_ids(db, "webchat_visitors"))
    assert contact_ids(db, "csat_responses") == [from_widget]

    r = await client.post(
        f"{API}/contacts",
        headers=desk.admin.headers,
        json={"name": "Olga Smirnova", "email": "olga@example.com"},
    )
    assert r.status_code == 201, r.text
    olga = r.json()["id"]
    r = await client.post(
        f"{API}/contacts/{olga}/merge", headers=desk.admin.headers, json={"other_id": from_widget}
    )
    assert r.status_code == 200, r.text

    assert set(contact_ids(db, "webchat_visitors")) == {olga}
    assert contact_ids(db, "csat_responses") == [olga]
    # The visitor writes on as Olga: the same conversation, her contact, the visitor block.
    r = await visitor.say("One more thing")
    assert r.status_code == 201, r.text
    r = await client.get(f"{API}/conversations/{cid}", headers=desk.agent.headers)
    assert r.json()["contact"]["id"] == olga
    assert r.json()["status"] == "open"
    r = await client.get(f"{API}/conversations/{cid}/visitor", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    assert set(contact_ids(db, "webchat_visitors")) == {olga}


async def test_a_merge_elsewhere_moves_nothing_of_the_widget(
    client: httpx.AsyncClient, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Hi")
    before = contact_ids(db, "webchat_visitors")
    made = []
    for name in ("A", "B"):
        r = await client.post(f"{API}/contacts", headers=desk.admin.headers, json={"name": name})
        made.append(r.json()["id"])
    r = await client.post(
        f"{API}/contacts/{made[0]}/merge", headers=desk.admin.headers, json={"other_id": made[1]}
    )
    assert r.status_code == 200, r.text
    assert contact_ids(db, "webchat_visitors") == before


def _event(kind: str, data: dict[str, Any], **where: Any) -> DomainEvent:
    return DomainEvent(type=kind, workspace_id=1, data=data, created_at=datetime.now(UTC), **where)


async def test_open_sockets_follow_the_survivor() -> None:
    async def names(_workspace_id: int, _user_ids: set[int]) -> dict[int, str]:
        return {}

    hub = VisitorHub(names)
    socket = VisitorSocket(key="k", workspace_id=1, inbox_id=5, public_id="p", contact_id=10)
    elsewhere = VisitorSocket(key="x", workspace_id=2, inbox_id=6, public_id="q", contact_id=10)
    hub.connect(socket)
    hub.connect(elsewhere)
    hub.on_event(_event("contact.merged", {"contact_id": 20, "merged_id": 10}))
    assert socket.contact_id == 20
    assert elsewhere.contact_id == 10  # another workspace's contact 10 is somebody else
    # A conversation of the survivor starts in the inbox: the visitor's widget shows it.
    started = _event(
        "conversation.created",
        {"contact": {"id": 20}, "status": "open"},
        inbox_id=5,
        conversation_id=77,
    )
    hub.on_event(started)
    assert socket.conversation_id == 77
    assert socket.queue.get_nowait() is started
    hub.on_event(
        _event("conversation.created", {"contact": {"id": 10}}, inbox_id=5, conversation_id=78)
    )
    assert socket.conversation_id == 77
