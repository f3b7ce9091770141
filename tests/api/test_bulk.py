"""Bulk actions (POST /conversations/bulk): one action on up to 100 conversations, each
authorized and changed on its own, the answer per id; events for every changed one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests.api.conftest import API, count_rows, new_conversation, problem
from tests.conftest import Desk, seed_desk


async def bulk(
    client: httpx.AsyncClient, headers: dict[str, str], ids: list[int], **action: Any
) -> dict[int, dict[str, Any]]:
    r = await client.post(
        f"{API}/conversations/bulk", headers=headers, json={"ids": ids, "action": action}
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["id"] for x in results] == list(dict.fromkeys(ids))
    return {x["id"]: x for x in results}


def events_of(db: Database, event_type: str) -> list[EventRow]:
    def run(session: Session) -> list[EventRow]:
        return list(
            session.execute(
                select(EventRow).where(EventRow.type == event_type).order_by(EventRow.id)
            ).scalars()
        )

    return db.read_sync(run)


async def get(client: httpx.AsyncClient, desk: Desk, cid: int) -> dict[str, Any]:
    r = await client.get(f"{API}/conversations/{cid}", headers=desk.admin.headers)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
async def three(client: httpx.AsyncClient, desk: Desk) -> list[int]:
    return [
        (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"] for _ in range(3)
    ]


async def test_bulk_resolve(
    client: httpx.AsyncClient, desk: Desk, db: Database, three: list[int]
) -> None:
    results = await bulk(client, desk.agent.headers, three, type="resolve")
    assert all(r["ok"] and r["problem"] is None for r in results.values())
    assert {r["conversation"]["status"] for r in results.values()} == {"resolved"}
    for cid in three:
        assert (await get(client, desk, cid))["status"] == "resolved"
    changed = events_of(db, "conversation.status_changed")
    assert sorted(e.conversation_id for e in changed) == sorted(three)
    assert all(e.actor_user_id == desk.agent.id for e in changed)
    # Resolving them again changes nothing and records nothing.
    again = await bulk(client, desk.agent.headers, three, type="resolve")
    assert all(r["ok"] for r in again.values())
    assert len(events_of(db, "conversation.status_changed")) == 3


async def test_each_conversation_is_authorized_on_its_own(
    client: httpx.AsyncClient, desk: Desk, db: Database, three: list[int]
) -> None:
    hidden = (await new_conversation(client, desk.admin.headers, desk.other_inbox_id))["id"]
    stranger = seed_desk(db, slug="elsewhere")
    foreign = (await new_conversation(client, stranger.admin.headers, stranger.inbox_id))["id"]
    ids = [three[0], hidden, three[1], foreign, 987654, three[2]]
    results = await bulk(client, desk.agent.headers, ids, type="resolve")
    for cid in (hidden, foreign, 987654):
        assert results[cid]["ok"] is False and results[cid]["conversation"] is None
        assert results[cid]["problem"]["status"] == 404
        assert results[cid]["problem"]["detail"]
    assert all(results[cid]["ok"] for cid in three)
    assert (await get(client, desk, hidden))["status"] == "open"
    r = await client.get(f"{API}/conversations/{foreign}", headers=stranger.admin.headers)
    assert r.json()["status"] == "open"


async def test_a_refused_one_leaves_no_trace_and_the_others_go_through(
    client: httpx.AsyncClient, desk: Desk, db: Database, three: list[int]
) -> None:
    # The agent works the first inbox only: they cannot be the assignee in the other one.
    other = (await new_conversation(client, desk.admin.headers, desk.other_inbox_id))["id"]
    messages_before = count_rows(db, "messages", "conversation_id = :c", c=other)
    events_before = count_rows(db, "events", "conversation_id = :c", c=other)
    ids = [three[0], other, three[1], three[2]]
    results = await bulk(client, desk.admin.headers, ids, type="assign", assignee_id=desk.agent.id)
    assert results[other]["ok"] is False
    assert results[other]["problem"]["status"] == 422
    assert "member" in results[other]["problem"]["detail"]
    for cid in three:
        assert results[cid]["ok"] is True
        assert results[cid]["conversation"]["assignee_id"] == desk.agent.id
        assert (await get(client, desk, cid))["assignee_id"] == desk.agent.id
    assert (await get(client, desk, other))["assignee_id"] is None
    assert count_rows(db, "messages", "conversation_id = :c", c=other) == messages_before
    assert count_rows(db, "events", "conversation_id = :c", c=other) == events_before
    assigned = events_of(db, "conversation.assigned")
    assert sorted(e.conversation_id for e in assigned) == sorted(three)
    # The assignee is told of each (their screen and their e-mail), none for the refused one.
    told = events_of(db, "notification.assigned")
    assert sorted(e.conversation_id for e in told) == sorted(three)


async def test_assign_to_a_team_and_unassign(
    client: httpx.AsyncClient, desk: Desk, three: list[int]
) -> None:
    h = desk.supervisor.headers
    results = await bulk(client, h, three, type="assign", team_id=desk.team_id)
    assert {r["conversation"]["team_id"] for r in results.values()} == {desk.team_id}
    await bulk(client, h, three[:1], type="assign", assignee_id=desk.agent.id)
    # Only the fields given change: the team stays, the assignee goes.
    results = await bulk(client, h, three[:1], type="assign", assignee_id=None)
    conversation = results[three[0]]["conversation"]
    assert conversation["assignee_id"] is None and conversation["team_id"] == desk.team_id
    results = await bulk(client, h, three, type="assign", team_id=987654)
    assert {r["problem"]["status"] for r in results.values()} == {422}


async def test_add_a_label_keeps_the_others(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.admin.headers
    for name in ("vip", "refund"):
        assert (await client.post(f"{API}/labels", headers=h, json={"name": name})).is_success
    a = (await new_conversation(client, h, desk.inbox_id, labels=["refund"]))["id"]
    b = (await new_conversation(client, h, desk.inbox_id))["id"]
    c = (await new_conversation(client, h, desk.inbox_id, labels=["vip"]))["id"]
    results = await bulk(client, desk.agent.headers, [a, b, c], type="add_label", label="vip")
    assert results[a]["conversation"]["labels"] == ["refund", "vip"]
    assert results[b]["conversation"]["labels"] == ["vip"]
    assert results[c]["conversation"]["labels"] == ["vip"]
    # The one that had it already was left alone: events for the two that changed.
    updated = events_of(db, "conversation.updated")
    assert sorted(e.conversation_id for e in updated) == sorted([a, b])


async def test_an_unknown_label_refuses_the_whole_request(
    client: httpx.AsyncClient, desk: Desk, db: Database, three: list[int]
) -> None:
    events = count_rows(db, "events")
    r = await client.post(
        f"{API}/conversations/bulk",
        headers=desk.agent.headers,
        json={"ids": three, "action": {"type": "add_label", "label": "nonexistent"}},
    )
    problem(r, 422, "nonexistent")
    assert count_rows(db, "events") == events


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"ids": [], "action": {"type": "resolve"}}, ["ids"]),
        ({"ids": list(range(1, 102)), "action": {"type": "resolve"}}, ["ids"]),
        ({"ids": [0], "action": {"type": "resolve"}}, ["ids"]),
        ({"ids": [2**63], "action": {"type": "resolve"}}, ["ids"]),
        ({"ids": [1], "action": {"type": "delete"}}, ["action"]),
        ({"ids": [1], "action": {}}, ["action"]),
        ({"ids": [1]}, ["action"]),
        ({"ids": [1], "action": {"type": "assign"}}, ["assignee_id"]),
        ({"ids": [1], "action": {"type": "add_label"}}, ["label"]),
        ({"ids": [1], "action": {"type": "resolve", "status": "open"}}, ["unknown field"]),
        ({"ids": [1], "action": {"type": "resolve"}, "force": True}, ["unknown field"]),
        ({"ids": "1,2", "action": {"type": "resolve"}}, ["ids"]),
    ],
)
async def test_bad_requests_are_refused_whole(
    client: httpx.AsyncClient, desk: Desk, db: Database, body: Any, mentions: list[str]
) -> None:
    await new_conversation(client, desk.admin.headers, desk.inbox_id)
    events = count_rows(db, "events")
    r = await client.post(f"{API}/conversations/bulk", headers=desk.agent.headers, json=body)
    problem(r, 422, *mentions)
    assert count_rows(db, "events") == events


async def test_a_hundred_at_once_and_repeated_ids_once(
    client: httpx.AsyncClient, desk: Desk, three: list[int]
) -> None:
    ids = [*three, *three, *range(900000, 900094)]
    assert len(ids) == 100
    results = await bulk(client, desk.agent.headers, ids, type="resolve")
    assert len(results) == 97
    assert sum(r["ok"] for r in results.values()) == 3


async def test_bulk_needs_authentication(client: httpx.AsyncClient, three: list[int]) -> None:
    r = await client.post(
        f"{API}/conversations/bulk", json={"ids": three, "action": {"type": "resolve"}}
    )
    problem(r, 401)
