"""The conversation lifecycle through the API, with a clock the test moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, MovableClock, count_rows, new_conversation, post_message
from tests.conftest import Desk


@pytest.fixture
def app(clocked_app: Any) -> Any:
    return clocked_app


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def get(client: httpx.AsyncClient, desk: Desk, conversation_id: int) -> dict[str, Any]:
    r = await client.get(f"{API}/conversations/{conversation_id}", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def timeline(client: httpx.AsyncClient, desk: Desk, conversation_id: int) -> list[Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=desk.agent.headers
    )
    assert r.status_code == 200, r.text
    items: list[Any] = r.json()["items"]
    return items


async def set_status(
    client: httpx.AsyncClient, desk: Desk, conversation_id: int, status: str, **extra: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations/{conversation_id}/status",
        headers=desk.agent.headers,
        json={"status": status, **extra},
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def customer_says(
    client: httpx.AsyncClient, desk: Desk, conversation_id: int, text: str, **extra: Any
) -> dict[str, Any]:
    return await post_message(
        client, desk.agent.headers, conversation_id, text, message_type="incoming", **extra
    )


async def test_customer_message_opens_a_pending_conversation(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock
) -> None:
    conv = await new_conversation(
        client, desk.agent.headers, desk.inbox_id, status="pending", message=None
    )
    assert conv["status"] == "pending"
    clock.advance(minutes=5)
    await customer_says(client, desk, conv["id"], "any news?")
    after = await get(client, desk, conv["id"])
    assert after["status"] == "open"
    assert at(after["waiting_since"]) == clock.now
    system = [m for m in await timeline(client, desk, conv["id"]) if m["kind"] == "system"]
    assert system[-1]["content_attributes"] == {
        "event": "status_changed",
        "from": "pending",
        "to": "open",
        "reason": "customer replied",
    }
    assert system[-1]["sender_type"] == "system"


async def test_customer_message_wakes_a_snoozed_conversation(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    until = clock.now + timedelta(days=2)
    snoozed = await set_status(client, desk, conv["id"], "snoozed", snoozed_until=until.isoformat())
    assert snoozed["status"] == "snoozed" and at(snoozed["snoozed_until"]) == until
    clock.advance(hours=3)
    posted = await customer_says(client, desk, conv["id"], "I am back")
    assert posted["conversation_id"] == conv["id"] and posted["new_conversation"] is False
    after = await get(client, desk, conv["id"])
    assert after["status"] == "open" and after["snoozed_until"] is None


async def test_customer_message_within_the_window_reopens_the_same_conversation(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock, db: Database
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    resolved = await set_status(client, desk, conv["id"], "resolved")
    assert at(resolved["resolved_at"]) == clock.now and resolved["waiting_since"] is None
    clock.advance(days=7)  # the window's last moment still reopens
    posted = await customer_says(client, desk, conv["id"], "it broke again")
    assert posted["new_conversation"] is False
    assert posted["conversation_id"] == conv["id"]
    after = await get(client, desk, conv["id"])
    assert after["status"] == "open"
    assert at(after["waiting_since"]) == clock.now
    assert count_rows(db, "conversations") == 1
    statuses = [
        (m["content_attributes"]["from"], m["content_attributes"]["to"])
        for m in await timeline(client, desk, conv["id"])
        if m["kind"] == "system"
    ]
    assert statuses == [("open", "resolved"), ("resolved", "open")]


async def test_customer_message_after_the_window_starts_a_new_conversation(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock, db: Database
) -> None:
    old = await new_conversation(
        client, desk.agent.headers, desk.inbox_id, subject="Order 77", assignee_id=desk.agent.id
    )
    await set_status(client, desk, old["id"], "resolved")
    clock.advance(days=7, seconds=1)
    posted = await customer_says(client, desk, old["id"], "hello again", external_id="wa-1")
    assert posted["new_conversation"] is True
    new_id = posted["conversation_id"]
    assert new_id != old["id"]

    new = await get(client, desk, new_id)
    assert new["status"] == "open"
    assert new["contact"]["id"] == old["contact"]["id"]
    assert new["inbox_id"] == old["inbox_id"]
    assert new["number"] == old["number"] + 1
    assert new["assignee_id"] is None and new["message_count"] == 1
    assert at(new["waiting_since"]) == clock.now
    assert [m["content"] for m in await timeline(client, desk, new_id)] == ["hello again"]
    # The old conversation stays resolved and untouched, so its metrics stay intact.
    still = await get(client, desk, old["id"])
    assert still["status"] == "resolved" and still["message_count"] == 1
    # Posting the same external id again finds the message in the new conversation.
    again = await customer_says(client, desk, old["id"], "hello again", external_id="wa-1")
    assert again["id"] == posted["id"]
    assert count_rows(db, "conversations") == 2


async def test_reopen_window_is_a_setting(
    client: httpx.AsyncClient, app: Any, desk: Desk, clock: MovableClock
) -> None:
    app.state.ctx.settings.reopen_window_days = 1
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await set_status(client, desk, conv["id"], "resolved")
    clock.advance(days=2)
    posted = await customer_says(client, desk, conv["id"], "hi")
    assert posted["new_conversation"] is True


async def test_external_id_is_idempotent(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    first = await customer_says(client, desk, conv["id"], "once", external_id="tg-42")
    # A retried webhook posts it again: the same message, no second row, no second count.
    second = await customer_says(client, desk, conv["id"], "once", external_id="tg-42")
    assert second["id"] == first["id"]
    assert second["content"] == "once" and second["external_id"] == "tg-42"
    assert count_rows(db, "messages", "external_id = :e", e="tg-42") == 1
    assert (await get(client, desk, conv["id"]))["message_count"] == 2
    # The same external id in another inbox is another message.
    other = await new_conversation(client, desk.admin.headers, desk.other_inbox_id)
    third = await post_message(
        client, desk.admin.headers, other["id"], "once", message_type="incoming",
        external_id="tg-42",
    )  # fmt: skip
    assert third["id"] != first["id"]
    assert count_rows(db, "messages", "external_id = :e", e="tg-42") == 2


async def test_waiting_since_and_first_reply_at(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock
) -> None:
    h = desk.agent.headers
    t0 = clock.now
    conv = await new_conversation(client, h, desk.inbox_id, message="first question")
    assert at(conv["waiting_since"]) == t0 and conv["first_reply_at"] is None

    clock.advance(minutes=1)
    await customer_says(client, desk, conv["id"], "are you there?")
    clock.advance(minutes=1)
    await post_message(client, h, conv["id"], "internal: checking", private=True)
    state = await get(client, desk, conv["id"])
    # Still waiting since the first message; a note is not a reply.
    assert at(state["waiting_since"]) == t0 and state["first_reply_at"] is None

    clock.advance(minutes=3)
    t_reply = clock.now
    reply = await post_message(client, h, conv["id"], "Hello! Let me check.")
    assert reply["kind"] == "outgoing" and reply["delivery_status"] == "sent"
    state = await get(client, desk, conv["id"])
    assert state["waiting_since"] is None and at(state["first_reply_at"]) == t_reply

    clock.advance(minutes=10)
    t_back = clock.now
    await customer_says(client, desk, conv["id"], "thanks, and also...")
    clock.advance(minutes=1)
    await post_message(client, h, conv["id"], "Sure.")
    clock.advance(minutes=1)
    await customer_says(client, desk, conv["id"], "one more")
    state = await get(client, desk, conv["id"])
    assert at(state["first_reply_at"]) == t_reply
    assert at(state["waiting_since"]) == clock.now != t_back
    assert at(state["last_activity_at"]) == clock.now
    assert state["message_count"] == 7


async def test_system_messages_record_assignment_and_status(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    clock.advance(minutes=1)
    r = await client.post(
        f"{API}/conversations/{conv['id']}/assignment",
        headers=desk.supervisor.headers,
        json={"assignee_id": desk.agent.id, "team_id": desk.team_id},
    )
    assert r.status_code == 200, r.text
    assert r.json()["assignee_id"] == desk.agent.id and r.json()["team_id"] == desk.team_id
    # Assigning the same again changes nothing and writes nothing.
    r = await client.post(
        f"{API}/conversations/{conv['id']}/assignment",
        headers=desk.supervisor.headers,
        json={"assignee_id": desk.agent.id},
    )
    assert r.status_code == 200
    clock.advance(minutes=1)
    await set_status(client, desk, conv["id"], "pending")
    clock.advance(minutes=1)
    await set_status(client, desk, conv["id"], "resolved")
    # Same status again is a no-op, not an error.
    await set_status(client, desk, conv["id"], "resolved")
    r = await client.post(
        f"{API}/conversations/{conv['id']}/assignment",
        headers=desk.supervisor.headers,
        json={"assignee_id": None},
    )
    assert r.json()["assignee_id"] is None and r.json()["team_id"] == desk.team_id

    items = await timeline(client, desk, conv["id"])
    assert [m["kind"] for m in items] == ["incoming", "system", "system", "system", "system"]
    assigned = items[1]
    assert assigned["sender_type"] == "user" and assigned["sender_id"] == desk.supervisor.id
    assert assigned["content_attributes"] == {
        "event": "assigned",
        "assignee_id": desk.agent.id,
        "previous_assignee_id": None,
        "team_id": desk.team_id,
        "previous_team_id": None,
    }
    assert [m["content_attributes"].get("to") for m in items[2:4]] == ["pending", "resolved"]
    assert items[2]["sender_id"] == desk.agent.id
    assert items[4]["content_attributes"]["previous_assignee_id"] == desk.agent.id
    assert items[4]["content_attributes"]["assignee_id"] is None
    # System entries are part of the timeline but not counted as conversation messages.
    assert (await get(client, desk, conv["id"]))["message_count"] == 1
    # Timestamps come from the app's clock.
    assert at(items[3]["created_at"]) == clock.now


async def test_labels_change_writes_a_timeline_entry(client: httpx.AsyncClient, desk: Desk) -> None:
    for name in ("vip", "refund"):
        await client.post(f"{API}/labels", headers=desk.admin.headers, json={"name": name})
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id, labels=["vip"])
    assert conv["labels"] == ["vip"]
    r = await client.patch(
        f"{API}/conversations/{conv['id']}",
        headers=desk.agent.headers,
        json={"labels": ["refund", "vip"], "priority": "urgent", "subject": "Refund"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["labels"] == ["refund", "vip"] and body["priority"] == "urgent"
    assert body["subject"] == "Refund"
    entry = (await timeline(client, desk, conv["id"]))[-1]
    assert entry["content_attributes"] == {
        "event": "labels_changed",
        "labels": ["refund", "vip"],
        "previous": ["vip"],
    }


async def test_attachment_round_trip(
    client: httpx.AsyncClient, desk: Desk, app: Any, db: Database
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    r = await client.post(
        f"{API}/conversations/{conv['id']}/messages",
        headers=desk.agent.headers,
        data={"content": "Here is the photo", "private": "false"},
        files=[
            ("files", ("фото заказа.png", png, "image/png")),
            ("files", ("page.html", b"<script>alert(1)</script>", "text/html")),
        ],
    )
    assert r.status_code == 201, r.text
    message = r.json()
    assert message["content"] == "Here is the photo" and message["kind"] == "outgoing"
    photo, page = message["attachments"]
    assert photo["file_name"] == "фото заказа.png" and photo["size"] == len(png)
    assert photo["content_type"] == "image/png"
    assert photo["url"] == f"/api/v1/attachments/{photo['id']}"

    got = await client.get(photo["url"], headers=desk.agent.headers)
    assert got.status_code == 200
    assert got.content == png
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == "attachment; filename*=utf-8''" + quote(
        "фото заказа.png"
    )

    # Uploaded HTML is served as a sandboxed download, never rendered as a page of ours.
    got = await client.get(page["url"], headers=desk.agent.headers)
    assert got.content == b"<script>alert(1)</script>"
    assert got.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"

    # The timeline lists the attachments; someone who cannot see the conversation cannot
    # download them.
    listed = (await timeline(client, desk, conv["id"]))[-1]
    assert [a["id"] for a in listed["attachments"]] == [photo["id"], page["id"]]
    r = await client.get(photo["url"], headers=desk.other_agent.headers)
    assert r.status_code == 404
    assert count_rows(db, "attachments") == 2


async def test_attachment_only_message_and_private_note_upload(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    r = await client.post(
        f"{API}/conversations/{conv['id']}/messages",
        headers=desk.agent.headers,
        data={"private": "true"},
        files={"files": ("notes.txt", b"internal", "text/plain")},
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "note" and r.json()["private"] is True
    assert r.json()["content"] == ""
    got = await client.get(r.json()["attachments"][0]["url"], headers=desk.agent.headers)
    assert got.content == b"internal"
    assert got.headers["content-type"].startswith("text/plain")
