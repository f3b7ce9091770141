"""Agents' replies reaching Telegram through the outbox: sent, retried, failed with a reason."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from tests.api.conftest import count_rows
from tests.channels.telegram.conftest import (
    FakeTelegram,
    TgInbox,
    arrived,
    messages_of,
    post_update,
    text_update,
)
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock, jobs, one_job

API = "/api/v1"


async def conversation_with(client: httpx.AsyncClient, inbox: TgInbox, chat_id: int = 70001) -> int:
    """A customer writes first (that is how a Telegram conversation starts)."""
    r = await post_update(client, inbox, text_update(chat_id, 1, "Hello, is my order ready?"))
    assert r.status_code == 200, r.text
    r = await client.get(
        f"{API}/conversations", headers=inbox.admin_headers, params={"inbox_id": inbox.id}
    )
    [found] = [c for c in r.json()["items"] if c["contact"]["name"] == "Ivan"]
    conversation_id: int = found["id"]
    return conversation_id


async def reply(
    client: httpx.AsyncClient, inbox: TgInbox, conversation_id: int, content: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=inbox.agent_headers,
        json={"content": content, **body},
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def message(
    client: httpx.AsyncClient, inbox: TgInbox, conversation_id: int, message_id: int
) -> dict[str, Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=inbox.agent_headers
    )
    [found] = [m for m in r.json()["items"] if m["id"] == message_id]
    result: dict[str, Any] = found
    return result


async def test_a_reply_reaches_the_customer_chat_and_is_marked_sent(
    client: httpx.AsyncClient,
    app: Any,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    posted = await reply(client, tg_inbox, conversation_id, "Yes, it leaves today.")
    assert posted["delivery_status"] == "pending"
    created = next(
        e for e in await arrived(published, "message.created", 2) if e.data["id"] == posted["id"]
    )
    assert created.data["delivery_status"] == "pending"

    assert await worker.run_once() == 1
    assert telegram.sent() == [{"chat_id": 70001, "text": "Yes, it leaves today."}]
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "sent" and stored["delivery_error"] is None
    assert stored["external_id"] == "70001:5000"
    [updated] = await arrived(published, "message.updated")
    assert updated.data["id"] == posted["id"] and updated.data["delivery_status"] == "sent"
    assert updated.inbox_id == tg_inbox.id and updated.conversation_id == conversation_id
    assert (await one_job(app.state.ctx.db, kind="channel.deliver")).status == "done"
    # Nothing is sent twice by running the worker again.
    assert await worker.run_once() == 0
    assert len(telegram.sent()) == 1


async def test_notes_and_other_inboxes_are_not_delivered(
    client: httpx.AsyncClient, desk: Desk, app: Any, tg_inbox: TgInbox
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    note = await reply(client, tg_inbox, conversation_id, "internal", private=True)
    assert note["delivery_status"] is None
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}, "message": {"content": "q"}},
    )
    api_reply = await client.post(
        f"{API}/conversations/{r.json()['id']}/messages",
        headers=desk.agent.headers,
        json={"content": "answer"},
    )
    assert api_reply.json()["delivery_status"] == "sent"
    assert await jobs(app.state.ctx.db, kind="channel.deliver") == []


async def test_a_bot_message_is_delivered_too(
    client: httpx.AsyncClient, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    posted = await reply(client, tg_inbox, conversation_id, "I am the bot", message_type="bot")
    assert posted["delivery_status"] == "pending"
    await worker.run_once()
    assert telegram.sent()[0]["text"] == "I am the bot"


async def test_attachments_go_as_photo_and_document(
    client: httpx.AsyncClient, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    jpeg, pdf = b"\xff\xd8\xff\xe0JPEGDATA", b"%PDF-1.4 invoice"
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=tg_inbox.agent_headers,
        data={"content": "Your invoice and a photo"},
        files=[
            ("files", ("parcel.jpg", jpeg, "image/jpeg")),
            ("files", ("invoice.pdf", pdf, "application/pdf")),
        ],
    )
    assert r.status_code == 201, r.text
    await worker.run_once()
    assert telegram.sent() == []
    [photo] = telegram.provider.calls_to("/sendPhoto")
    [document] = telegram.provider.calls_to("/sendDocument")
    assert photo.form == {"chat_id": "70001", "caption": "Your invoice and a photo"}
    assert photo.files["photo"] == ("parcel.jpg", "image/jpeg", jpeg)
    assert document.form == {"chat_id": "70001"}
    assert document.files["document"] == ("invoice.pdf", "application/pdf", pdf)
    stored = await message(client, tg_inbox, conversation_id, r.json()["id"])
    assert stored["delivery_status"] == "sent"
    assert stored["content_attributes"]["telegram"]["message_ids"] == [5000, 5001]


async def test_long_text_is_sent_in_parts(
    client: httpx.AsyncClient, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    text = "\n".join(f"Step {i}: " + "do this carefully. " * 5 for i in range(80))
    await reply(client, tg_inbox, conversation_id, text)
    await worker.run_once()
    parts = [c["text"] for c in telegram.sent()]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text.strip()  # the API strips outer blanks


async def test_telegram_errors_are_retried_and_delivered_when_it_recovers(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    telegram.provider.fail(
        "/sendMessage",
        status=500,
        times=2,
        json={"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    posted = await reply(client, tg_inbox, conversation_id, "Sorry for the wait")
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("pending", 1)
    assert "Telegram is unavailable (Internal Server Error)" in (job.last_error or "")
    assert (await message(client, tg_inbox, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "pending"
    clock.advance(2)
    assert await worker.run_once() == 1
    clock.advance(4)
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("done", 3)
    assert len(telegram.sent()) == 3
    assert (await message(client, tg_inbox, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "sent"


async def test_a_timeout_is_retried(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    gate = telegram.provider.hang("/sendMessage")
    posted = await reply(client, tg_inbox, conversation_id, "Are you there?")
    assert await worker.run_once() == 1  # the channel timeout is 1 s in these tests
    job = await one_job(app.state.ctx.db, kind="channel.deliver")
    assert job.status == "pending" and "did not answer sendMessage in time" in (
        job.last_error or ""
    )
    gate.set()
    clock.advance(2)
    assert await worker.run_once() == 1
    assert (await message(client, tg_inbox, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "sent"


async def test_a_short_retry_after_is_waited_for_a_long_one_is_retried_later(
    client: httpx.AsyncClient,
    app: Any,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    limited = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    telegram.provider.fail("/sendMessage", status=429, json=limited)
    await reply(client, tg_inbox, conversation_id, "one")
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("done", 1)
    first, second = telegram.provider.calls_to("/sendMessage")
    assert second.at - first.at >= 1.0

    telegram.provider.fail(
        "/sendMessage", status=429, json={**limited, "parameters": {"retry_after": 60}}
    )
    await reply(client, tg_inbox, conversation_id, "two")
    assert await worker.run_once() == 1
    [_, job] = await jobs(db, kind="channel.deliver")
    assert job.status == "pending" and "rate-limiting the bot; retry after 60 s" in (
        job.last_error or ""
    )


async def test_a_blocked_bot_fails_at_once_with_a_readable_reason(
    client: httpx.AsyncClient,
    app: Any,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    telegram.provider.fail(
        "/sendMessage",
        status=403,
        json={
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        },
    )
    posted = await reply(client, tg_inbox, conversation_id, "Hello?")
    assert await worker.run_once() == 1
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "failed"
    assert stored["delivery_error"] == (
        "The customer has blocked the bot (Telegram: Forbidden: bot was blocked by the user)"
    )
    job = await one_job(app.state.ctx.db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("dead", 1)
    assert "The customer has blocked the bot" in (job.last_error or "")
    [updated] = await arrived(published, "message.updated")
    assert updated.data["delivery_status"] == "failed"
    assert updated.data["delivery_error"] == stored["delivery_error"]


async def test_after_the_last_attempt_the_message_fails_and_can_be_redelivered(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    clock: FakeClock,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    telegram.provider.fail("/sendMessage", status=502, times=4)  # outbox_max_attempts is 4
    posted = await reply(client, tg_inbox, conversation_id, "Still there?")
    for _ in range(4):
        assert await worker.run_once() == 1
        clock.advance(3600)
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "failed"
    assert "Telegram is unavailable" in stored["delivery_error"]
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("dead", 4)

    # Telegram is back: an admin redelivers from the dead-letter queue.
    r = await client.post(f"{API}/outbox/jobs/{job.id}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    assert await worker.run_once() == 1
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert (stored["delivery_status"], stored["delivery_error"]) == ("sent", None)


async def test_a_contact_without_a_telegram_chat_fails_with_the_reason(
    client: httpx.AsyncClient, app: Any, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=tg_inbox.admin_headers,
        json={"inbox_id": tg_inbox.id, "contact": {"name": "Mail only", "email": "m@example.com"}},
    )
    assert r.status_code == 201, r.text
    posted = await reply(client, tg_inbox, r.json()["id"], "Hi")
    await worker.run_once()
    stored = await message(client, tg_inbox, r.json()["id"], posted["id"])
    assert stored["delivery_status"] == "failed"
    assert stored["delivery_error"] == "the contact has no telegram address to send to"
    assert telegram.sent() == []


async def test_a_disconnected_inbox_fails_deliveries_with_the_reason(
    client: httpx.AsyncClient, desk: Desk, app: Any, tg_inbox: TgInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, tg_inbox)
    r = await client.delete(
        f"{API}/inboxes/{tg_inbox.id}/telegram/connect", headers=desk.admin.headers
    )
    assert r.status_code == 200
    posted = await reply(client, tg_inbox, conversation_id, "Hi")
    await worker.run_once()
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "failed"
    assert "no bot token" in stored["delivery_error"]
    assert count_rows(app.state.ctx.db, "outbox_jobs", "status = 'dead'") == 1
    assert len(messages_of(app.state.ctx.db, tg_inbox.id)) == 2
