"""Unread markers: per-user read marks (POST /conversations/{id}/read) against the newest
customer message, in the list (a LEFT JOIN, no extra query) and in GET of one conversation."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests.api.conftest import (
    API,
    StatementCounter,
    count_rows,
    new_conversation,
    post_message,
    problem,
)
from tests.api.test_query_counts import LIST_CONVERSATIONS
from tests.conftest import Desk, seed_desk


async def unread(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[int, bool]:
    r = await client.get(f"{API}/conversations", headers=headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    return {c["id"]: c["unread"] for c in r.json()["items"]}


async def read(client: httpx.AsyncClient, headers: dict[str, str], cid: int) -> httpx.Response:
    return await client.post(f"{API}/conversations/{cid}/read", headers=headers)


def events(db: Database, event_type: str) -> list[EventRow]:
    def run(session: Session) -> list[EventRow]:
        return list(
            session.execute(
                select(EventRow).where(EventRow.type == event_type).order_by(EventRow.id)
            ).scalars()
        )

    return db.read_sync(run)


async def test_a_customer_message_is_unread_until_i_read_it(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    h = desk.agent.headers
    waiting = (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"]
    quiet = (await new_conversation(client, desk.admin.headers, desk.inbox_id, message=None))["id"]
    assert await unread(client, h) == {waiting: True, quiet: False}

    r = await read(client, h, waiting)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conversation_id"] == waiting and body["unread"] is False
    assert body["last_read_at"]
    assert await unread(client, h) == {waiting: False, quiet: False}
    one = await client.get(f"{API}/conversations/{waiting}", headers=h)
    assert one.json()["unread"] is False

    # Read marks are personal: the supervisor has not read it.
    assert (await unread(client, desk.supervisor.headers))[waiting] is True

    # The customer writes again: unread again, in the list and in GET of the one.
    await post_message(client, desk.admin.headers, waiting, "still there?", message_type="incoming")
    assert (await unread(client, h))[waiting] is True
    one = await client.get(f"{API}/conversations/{waiting}", headers=h)
    assert one.json()["unread"] is True
    assert one.json()["last_incoming_at"] is not None


async def test_replies_notes_and_system_entries_leave_it_read(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    h = desk.agent.headers
    cid = (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"]
    assert (await read(client, h, cid)).status_code == 200
    await post_message(client, desk.admin.headers, cid, "we are on it")
    await post_message(client, desk.admin.headers, cid, "a note", private=True)
    await post_message(client, desk.admin.headers, cid, "bot here", message_type="bot")
    r = await client.post(
        f"{API}/conversations/{cid}/assignment",
        headers=desk.admin.headers,
        json={"assignee_id": desk.agent.id},
    )
    assert r.status_code == 200
    assert (await unread(client, h))[cid] is False


async def test_reading_twice_keeps_one_mark_and_moves_it(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.agent.headers
    cid = (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"]
    first = (await read(client, h, cid)).json()["last_read_at"]
    second = (await read(client, h, cid)).json()["last_read_at"]
    assert second >= first
    assert count_rows(db, "conversation_reads", "conversation_id = :c", c=cid) == 1


async def test_only_a_conversation_i_may_see_can_be_read(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    cid = (await new_conversation(client, desk.admin.headers, desk.other_inbox_id))["id"]
    problem(await read(client, desk.agent.headers, cid), 404)
    problem(await read(client, desk.agent.headers, 987654), 404)
    stranger = seed_desk(db, slug="elsewhere")
    problem(await read(client, stranger.admin.headers, cid), 404)
    assert count_rows(db, "conversation_reads") == 0
    # Invited into it, the agent may read it.
    r = await client.post(
        f"{API}/conversations/{cid}/participants",
        headers=desk.admin.headers,
        json={"user_id": desk.agent.id},
    )
    assert r.status_code == 200
    assert (await read(client, desk.agent.headers, cid)).status_code == 200


async def test_the_read_mark_is_an_event_for_my_screens_only(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    cid = (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"]
    await read(client, desk.agent.headers, cid)
    [event] = events(db, "conversation.read")
    assert event.conversation_id == cid
    assert event.user_ids == [desk.agent.id]
    assert event.data["conversation_id"] == cid and event.data["unread"] is False


async def test_events_carry_the_newest_customer_message_but_no_personal_unread(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    cid = (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"]
    posted = await post_message(client, desk.admin.headers, cid, "hi", message_type="incoming")
    summaries = [e.data["conversation"] for e in events(db, "message.created")]
    assert summaries[-1]["last_incoming_at"] is not None
    assert summaries[-1]["last_incoming_at"][:19] == posted["created_at"][:19]
    # Sent to everybody at once, a conversation event cannot say whether *you* read it.
    assert {e.data["unread"] for e in events(db, "conversation.created")} == {None}


async def test_unread_markers_cost_the_list_no_query(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    h = desk.agent.headers
    made = [
        (await new_conversation(client, desk.admin.headers, desk.inbox_id))["id"] for _ in range(6)
    ]
    for cid in made[::2]:
        await read(client, h, cid)
    await client.get(f"{API}/auth/me", headers=h)  # caches the token
    with statements.counting() as seen:
        marks = await unread(client, h)
    assert len(seen) == LIST_CONVERSATIONS, seen
    assert marks == {cid: i % 2 == 1 for i, cid in enumerate(made)}
