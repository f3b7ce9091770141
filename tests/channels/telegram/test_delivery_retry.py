"""An agent retries a reply Telegram refused or the outbox gave up on: the delivery job back in
the queue with fresh attempts, the message pending again, then sent once Telegram recovers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import delete

from frontdesk import jobs
from frontdesk.channels import service as channels
from frontdesk.channels.base import DeliveryStatusUpdate
from frontdesk.conversations import service as conversations
from frontdesk.core.db import UnitOfWork
from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal, Role
from frontdesk.outbox.models import OutboxJob
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.api.conftest import problem
from tests.api.test_auth import login
from tests.channels.telegram.conftest import FakeTelegram, TgInbox, arrived
from tests.channels.telegram.test_delivery import conversation_with, message, reply
from tests.conftest import Desk, seed_desk
from tests.outbox.helpers import eventually, one_job

API = "/api/v1"
BLOCKED = {
    "ok": False,
    "error_code": 403,
    "description": "Forbidden: bot was blocked by the user",
}


def retry_url(conversation_id: int, message_id: int) -> str:
    return f"{API}/conversations/{conversation_id}/messages/{message_id}/retry"


async def failed_reply(
    client: httpx.AsyncClient,
    telegram: FakeTelegram,
    inbox: TgInbox,
    worker: Worker,
    content: str = "Your parcel left today",
) -> tuple[int, int]:
    """A reply Telegram refuses for good (the customer blocked the bot): failed, job dead."""
    conversation_id = await conversation_with(client, inbox)
    telegram.provider.fail("/sendMessage", status=403, json=BLOCKED)
    posted = await reply(client, inbox, conversation_id, content)
    assert await worker.run_once() == 1
    stored = await message(client, inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "failed", stored
    return conversation_id, int(posted["id"])


async def test_a_refused_reply_is_retried_by_the_agent_and_sent_once_telegram_takes_it(
    client: httpx.AsyncClient,
    app: Any,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    db = app.state.ctx.db
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    dead = await one_job(db, kind="channel.deliver")
    assert (dead.status, dead.attempts) == ("dead", 1)

    # The customer unblocked the bot (the fake's fault was for one call only).
    r = await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == message_id
    assert (r.json()["delivery_status"], r.json()["delivery_error"]) == ("pending", None)
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert (stored["delivery_status"], stored["delivery_error"]) == ("pending", None)
    job = await one_job(db, kind="channel.deliver")
    assert (job.id, job.status, job.attempts) == (dead.id, "pending", 0)
    updates = await arrived(published, "message.updated", 2)
    assert updates[-1].data["delivery_status"] == "pending"
    assert updates[-1].data["changed"] == ["delivery_status"]
    assert updates[-1].conversation_id == conversation_id

    assert await worker.run_once() == 1
    assert [c["text"] for c in telegram.sent()] == ["Your parcel left today"] * 2
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert (stored["delivery_status"], stored["delivery_error"]) == ("sent", None)
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("done", 1)
    assert (await arrived(published, "message.updated", 3))[-1].data["delivery_status"] == "sent"

    # Sent now: nothing to retry.
    problem(
        await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers),
        409,
        "is sent, not failed",
    )


async def test_an_agent_retrying_as_soon_as_the_reply_shows_failed_finds_its_job_dead(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    tg_settings: Settings,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
) -> None:
    """The failure the agent sees and the job's dead-letter are one transaction: a retry in the
    moment between the handler's failure and the worker finishing the attempt is taken, and
    the worker's own "dead" afterwards does not undo it."""
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    telegram.provider.fail("/sendMessage", status=403, json=BLOCKED)
    posted = await reply(client, tg_inbox, conversation_id, "Your parcel left today")
    agent = Principal(
        user_id=desk.agent.id, workspace_id=desk.workspace_id, role=Role.agent, via="token"
    )
    retried: list[Any] = []

    def agent_retries_now() -> float:
        # Called by the worker after each handler returned or raised, before it finishes the
        # attempt: after the first (failed) one, the agent retries.
        if retried:
            return 0.0
        retried.append(
            db.write_sync(
                lambda uow: conversations.retry_delivery(
                    uow, principal=agent, conversation_id=conversation_id, message_id=posted["id"]
                )
            )
        )
        return 0.0

    worker = Worker(
        db,
        handlers=jobs.handlers(tg_settings, db),
        policy=RetryPolicy(max_attempts=tg_settings.outbox_max_attempts),
        jitter=agent_retries_now,
    )
    assert await worker.run_once() == 1
    assert [m.delivery_status for m in retried] == ["pending"]
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("pending", 0)
    assert await worker.run_once() == 1
    stored = await message(client, tg_inbox, conversation_id, posted["id"])
    assert stored["delivery_status"] == "sent"


async def test_a_reply_that_keeps_failing_after_a_retry_fails_again_with_the_new_reason(
    client: httpx.AsyncClient, app: Any, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    telegram.provider.fail(
        "/sendMessage",
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    r = await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers)
    assert r.status_code == 200, r.text
    assert await worker.run_once() == 1
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert stored["delivery_status"] == "failed"
    assert "chat not found" in stored["delivery_error"]
    assert (await one_job(app.state.ctx.db, kind="channel.deliver")).status == "dead"
    # ... and can be retried again.
    r = await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers)
    assert r.status_code == 200, r.text


async def test_a_failed_reply_without_a_job_gets_one(
    client: httpx.AsyncClient, app: Any, telegram: FakeTelegram, tg_inbox: TgInbox, worker: Worker
) -> None:
    db = app.state.ctx.db
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)

    def prune(uow: UnitOfWork) -> None:
        # An operator cleared the dead-letter queue by hand.
        uow.session.execute(delete(OutboxJob))

    await db.write(prune)
    r = await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers)
    assert r.status_code == 200, r.text
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts, job.payload) == ("pending", 0, {"message_id": message_id})
    assert job.idempotency_key == f"channel.deliver:{message_id}"
    assert await worker.run_once() == 1
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert stored["delivery_status"] == "sent"


async def test_a_reply_reported_failed_after_it_was_sent_is_sent_again(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    posted = await reply(client, tg_inbox, conversation_id, "On its way")
    await worker.run_once()
    sent = await message(client, tg_inbox, conversation_id, posted["id"])
    # A channel's delivery report says the customer never got it (the job is done).
    await db.write(
        lambda uow: channels.apply_status(
            uow,
            inbox_id=tg_inbox.id,
            workspace_id=desk.workspace_id,
            update=DeliveryStatusUpdate(
                external_id=sent["external_id"], status="failed", error="undeliverable"
            ),
        )
    )
    assert (await one_job(db, kind="channel.deliver")).status == "done"
    r = await client.post(retry_url(conversation_id, posted["id"]), headers=tg_inbox.agent_headers)
    assert r.status_code == 200, r.text
    assert (await one_job(db, kind="channel.deliver")).status == "pending"
    assert await worker.run_once() == 1
    assert len(telegram.sent()) == 2
    assert (await message(client, tg_inbox, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "sent"


async def test_a_retry_while_an_attempt_is_in_flight_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    job = await one_job(db, kind="channel.deliver")
    # An admin redelivered it from the dead-letter queue: the message is pending again.
    r = await client.post(f"{API}/outbox/jobs/{job.id}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert (stored["delivery_status"], stored["delivery_error"]) == ("pending", None)

    gate = telegram.provider.hang("/sendMessage")
    attempt = asyncio.create_task(worker.run_once())

    async def in_flight() -> bool:
        return len(telegram.provider.calls_to("/sendMessage")) == 2

    await eventually(in_flight, what="the redelivery's call to Telegram")
    problem(
        await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers),
        409,
        "not failed",
    )
    stored = await message(client, tg_inbox, conversation_id, message_id)
    assert stored["delivery_status"] == "pending"  # the refused retry changed nothing
    gate.set()
    assert await attempt == 1
    assert (await message(client, tg_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "sent"
    assert len(telegram.sent()) == 2


async def test_after_an_admin_redelivered_it_the_reply_is_pending_and_sent_once(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    db = app.state.ctx.db
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    job = await one_job(db, kind="channel.deliver")
    r = await client.post(f"{API}/outbox/jobs/{job.id}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    # Every screen shows it pending again (failed, then pending).
    updated = (await arrived(published, "message.updated", 2))[-1]
    assert updated.data["id"] == message_id
    assert (updated.data["delivery_status"], updated.data["changed"]) == (
        "pending",
        ["delivery_status"],
    )
    # An agent's retry now has nothing to do: it is being sent again already.
    problem(
        await client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers),
        409,
        "not failed",
    )
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert len(telegram.sent()) == 2  # the failed call and one more: sent once


async def test_two_agents_retrying_at_once_send_it_once(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    first, second = await asyncio.gather(
        client.post(retry_url(conversation_id, message_id), headers=tg_inbox.agent_headers),
        client.post(retry_url(conversation_id, message_id), headers=desk.admin.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    # Which words depends on when the second read the message: after the first committed, or
    # (PostgreSQL) before, waiting on its row lock.
    detail = problem(loser, 409)["detail"]
    assert "is pending, not failed" in detail or "already being sent again" in detail
    assert await worker.run_once() == 1
    assert len(telegram.sent()) == 2


async def test_what_cannot_be_retried_is_refused_with_the_reason(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    conversation_id, failed_id = await failed_reply(client, telegram, tg_inbox, worker)
    headers = tg_inbox.agent_headers
    r = await client.get(f"{API}/conversations/{conversation_id}/messages", headers=headers)
    [incoming] = [m for m in r.json()["items"] if m["kind"] == "incoming"]
    note = await reply(client, tg_inbox, conversation_id, "internal", private=True)
    pending = await reply(client, tg_inbox, conversation_id, "not sent yet")

    problem(
        await client.post(retry_url(conversation_id, incoming["id"]), headers=headers),
        409,
        "from the customer",
    )
    problem(
        await client.post(retry_url(conversation_id, note["id"]), headers=headers),
        409,
        "private note",
    )
    problem(
        await client.post(retry_url(conversation_id, pending["id"]), headers=headers),
        409,
        "is pending, not failed",
    )

    # Not in this conversation, not at all, not visible: 404 as if it did not exist.
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}, "message": {"content": "q"}},
    )
    elsewhere = r.json()["id"]
    problem(await client.post(retry_url(elsewhere, failed_id), headers=headers), 404, "no message")
    problem(
        await client.post(retry_url(conversation_id, 10**9), headers=headers), 404, "no message"
    )
    problem(
        await client.post(retry_url(conversation_id, failed_id), headers=desk.other_agent.headers),
        404,
        "no conversation",
    )
    other = seed_desk(app.state.ctx.db, slug="globex")
    problem(
        await client.post(retry_url(conversation_id, failed_id), headers=other.admin.headers),
        404,
        "no conversation",
    )
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages/x/retry", headers=headers
    )
    assert r.status_code == 422

    # A browser session must prove the page is the desk's (CSRF), as for any change.
    csrf = (await login(client, desk.agent.email)).json()["csrf_token"]
    problem(await client.post(retry_url(conversation_id, failed_id)), 403, "csrf")
    stored = await message(client, tg_inbox, conversation_id, failed_id)
    assert stored["delivery_status"] == "failed"
    r = await client.post(retry_url(conversation_id, failed_id), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text


async def test_dead_reply_jobs_say_which_conversation_they_belong_to(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    conversation_id, message_id = await failed_reply(client, telegram, tg_inbox, worker)
    r = await client.get(f"{API}/conversations/{conversation_id}", headers=desk.admin.headers)
    number = r.json()["number"]
    r = await client.get(
        f"{API}/outbox/jobs", params={"status": "dead"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    [job] = r.json()["items"]
    assert job["kind"] == "channel.deliver"
    assert "The customer has blocked the bot" in job["last_error"]
    assert job["target"] == {
        "inbox_id": tg_inbox.id,
        "inbox_name": "Telegram",
        "channel_type": "telegram",
        "conversation_id": conversation_id,
        "conversation_number": number,
        "message_id": message_id,
    }
    r = await client.get(f"{API}/outbox/counts", headers=desk.admin.headers)
    assert r.json() == {"pending": 0, "running": 0, "dead": 1}
    r = await client.post(f"{API}/outbox/jobs/{job['id']}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["target"] == job["target"] and r.json()["status"] == "pending"
    r = await client.get(f"{API}/outbox/counts", headers=desk.admin.headers)
    assert r.json() == {"pending": 1, "running": 0, "dead": 0}
