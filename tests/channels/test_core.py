"""The channel core: receiving customer messages from any channel, delivery reports, the
channel.deliver job with a channel's sender, and the write-only secrets of inbox settings."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from frontdesk import jobs
from frontdesk.channels import registry, service
from frontdesk.channels.base import (
    ChannelConnection,
    DeliveryStatusUpdate,
    InboundAttachment,
    InboundIdentity,
    InboundMessage,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.channels.rules import PendingFile, clipped, status_advances
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.inboxes import rules as inbox_rules
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.api.conftest import count_rows
from tests.conftest import Desk
from tests.outbox.helpers import jobs as outbox_jobs

API = "/api/v1"
LIMITS = Limits(max_message_chars=100)
NOW = datetime(2026, 1, 5, tzinfo=UTC)


# ------------------------------------------------------------------------------ pure rules
@pytest.mark.parametrize(
    ("current", "new", "changes"),
    [
        (None, "sent", True),
        ("pending", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        ("sent", "read", True),
        ("read", "delivered", False),  # reports arrive out of order
        ("delivered", "sent", False),
        ("sent", "sent", False),
        ("pending", "failed", True),
        ("sent", "failed", True),
        ("delivered", "failed", False),  # the customer has it
        ("read", "failed", False),
        ("failed", "sent", True),  # a retry that worked
        ("failed", "delivered", True),
        ("sent", "bogus", False),
    ],
)
def test_delivery_statuses_only_move_forward(current: str | None, new: str, changes: bool) -> None:
    assert status_advances(current, new) is changes


def test_text_is_clipped_not_refused() -> None:
    assert clipped("short", 10) == "short"
    assert clipped("x" * 20, 10) == "x" * 9 + "…"
    assert len(clipped("y" * 1000, 100)) == 100


def test_pending_files_round_trip_through_json() -> None:
    pending = PendingFile("a.pdf", "application/pdf", "ref-1", 10)
    assert PendingFile.from_json(pending.to_json()) == pending
    assert PendingFile.from_json({"fetch": "r"}) == PendingFile(
        "file", "application/octet-stream", "r", None
    )
    assert PendingFile.from_json({"file_name": "no ref"}) is None
    assert PendingFile.from_json("junk") is None


def test_registry_knows_which_channels_send() -> None:
    assert registry.has_sender("telegram")
    # The API channel sends replies to the integrator's webhook URL (an API inbox without
    # one reads as no channel: see conversations/repository.py).
    assert registry.has_sender("api") and not registry.has_sender("webchat")
    assert not registry.has_sender(None)
    driver = registry.driver_for("telegram")
    assert driver is not None and driver.identity_kind == "telegram" and driver.fetcher


# ------------------------------------------------------------------------- inbox secrets
def test_secrets_are_shown_as_set_or_not_set() -> None:
    stored = {
        "bot_token": "123:abc",
        "webhook_secret": "",
        "app_secret": None,
        "api_key": "k",
        "smtp": {"host": "mail", "password": "p"},
        "bot_username": "shop_bot",
        "monkey": "not a secret",
    }
    assert inbox_rules.masked(stored) == {
        "bot_token": "set",
        "webhook_secret": "not set",
        "app_secret": "not set",
        "api_key": "set",
        "smtp": {"host": "mail", "password": "set"},
        "bot_username": "shop_bot",
        "monkey": "not a secret",
    }


def test_a_change_keeps_secrets_unless_it_replaces_or_clears_them() -> None:
    stored = {"bot_token": "old", "access_token": "t", "smtp": {"password": "p"}, "x": 1}
    incoming = {"bot_token": "set", "smtp": {"password": "set", "host": "h"}, "y": 2}
    assert inbox_rules.merged(stored, incoming) == {
        "bot_token": "old",
        "access_token": "t",  # left out: kept
        "smtp": {"password": "p", "host": "h"},
        "y": 2,  # the rest is replaced as before: x is gone
    }
    assert inbox_rules.merged(stored, {"bot_token": "new"})["bot_token"] == "new"
    assert "bot_token" not in inbox_rules.merged(stored, {"bot_token": None})
    assert "bot_token" not in inbox_rules.merged(stored, {"bot_token": ""})
    # A mask sent for a secret that was never set stores nothing.
    assert inbox_rules.merged({}, {"app_secret": "not set"}) == {}


async def test_inbox_answers_never_carry_secrets(client: httpx.AsyncClient, desk: Desk) -> None:
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        json={
            "name": "WA",
            "channel_type": "whatsapp",
            "settings": {"access_token": "EAAG-secret", "phone_number_id": "123"},
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["settings"] == {"access_token": "set", "phone_number_id": "123"}
    inbox_id = r.json()["id"]
    for url in (f"{API}/inboxes", f"{API}/inboxes/{inbox_id}"):
        r = await client.get(url, headers=desk.admin.headers)
        assert "EAAG-secret" not in r.text
    r = await client.patch(
        f"{API}/inboxes/{inbox_id}",
        headers=desk.admin.headers,
        json={"settings": {"access_token": "set", "phone_number_id": "456"}},
    )
    assert r.json()["settings"] == {"access_token": "set", "phone_number_id": "456"}
    r = await client.patch(
        f"{API}/inboxes/{inbox_id}",
        headers=desk.admin.headers,
        json={"settings": {"big": "x" * 70_000}},
    )
    assert r.status_code == 422 and "64 KB" in r.json()["detail"]


# ------------------------------------------------------------------------------ receiving
def inbound(external_id: str, content: str = "Hello", **fields: Any) -> InboundMessage:
    fields.setdefault("sender", InboundIdentity("telegram", "555", "Olga"))
    return InboundMessage(external_id=external_id, content=content, **fields)


async def receive(
    db: Database,
    inbox_id: int,
    workspace_id: int,
    message: InboundMessage,
    files: list[StoredFile] | None = None,
) -> service.Received:
    return await db.write(
        lambda uow: service.receive_message(
            uow,
            inbox_id=inbox_id,
            workspace_id=workspace_id,
            inbound=message,
            limits=LIMITS,
            files=files,
        )
    )


async def test_one_customer_on_two_channels_is_one_contact(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/contacts",
        headers=desk.admin.headers,
        json={"name": "Olga", "email": "olga@example.com", "phone": "+7 900 123-45-67"},
    )
    contact_id = r.json()["id"]
    by_mail = await receive(
        db,
        desk.inbox_id,
        desk.workspace_id,
        inbound("mail-1", sender=InboundIdentity("email", "Olga@Example.com", "Olga")),
    )
    by_whatsapp = await receive(
        db,
        desk.other_inbox_id,
        desk.workspace_id,
        inbound("wa-1", sender=InboundIdentity("whatsapp", "79001234567", "Olga")),
    )
    for received in (by_mail, by_whatsapp):
        r = await client.get(
            f"{API}/conversations/{received.conversation_id}", headers=desk.admin.headers
        )
        assert r.json()["contact"]["id"] == contact_id
    assert count_rows(db, "contacts") == 1


async def test_a_sender_is_created_once_with_their_identity(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    first = await receive(db, desk.inbox_id, desk.workspace_id, inbound("t-1"))
    second = await receive(db, desk.inbox_id, desk.workspace_id, inbound("t-2"))
    assert first.outcome == second.outcome == "created"
    assert first.conversation_id == second.conversation_id
    odd = await receive(
        db,
        desk.inbox_id,
        desk.workspace_id,
        inbound("t-3", sender=InboundIdentity("carrier-pigeon", "coo-17", "Bird")),
    )
    r = await client.get(f"{API}/conversations/{odd.conversation_id}", headers=desk.admin.headers)
    contact = (
        await client.get(f"{API}/contacts/{r.json()['contact']['id']}", headers=desk.admin.headers)
    ).json()
    assert contact["identities"] == [{"kind": "external", "value": "coo-17"}]
    assert count_rows(db, "contacts") == 2


async def test_the_same_external_id_is_stored_once(db: Database, desk: Desk) -> None:
    first = await receive(db, desk.inbox_id, desk.workspace_id, inbound("dup-1"))
    again = await receive(db, desk.inbox_id, desk.workspace_id, inbound("dup-1", "changed?"))
    assert again.outcome == "duplicate" and again.message_id == first.message_id
    # The same message from a sender the desk meets now (a mail sent to two addresses).
    stranger = InboundIdentity("email", "someone.new@example.com", "New")
    relayed = await receive(
        db, desk.inbox_id, desk.workspace_id, inbound("dup-1", "relayed", sender=stranger)
    )
    assert relayed.outcome == "duplicate" and relayed.message_id == first.message_id
    # The same id in another inbox is another message.
    other = await receive(db, desk.other_inbox_id, desk.workspace_id, inbound("dup-1"))
    assert other.outcome == "created" and other.message_id != first.message_id
    assert count_rows(db, "messages", "external_id = 'dup-1'") == 2
    assert count_rows(db, "events", "type = 'message.created'") == 2


async def test_the_channels_threading_decision_is_followed_within_its_inbox(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=desk.admin.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "Someone else"}},
    )
    threaded = r.json()["id"]
    received = await receive(
        db, desk.inbox_id, desk.workspace_id, inbound("th-1", conversation_id=threaded)
    )
    assert received.conversation_id == threaded
    # A conversation of another inbox is not this channel's to choose.
    elsewhere = await receive(
        db, desk.other_inbox_id, desk.workspace_id, inbound("th-2", conversation_id=threaded)
    )
    assert elsewhere.conversation_id != threaded


async def test_long_text_is_clipped_and_extras_are_kept(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    sent_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    received = await receive(
        db,
        desk.inbox_id,
        desk.workspace_id,
        inbound(
            "long-1",
            "z" * 500,
            sent_at=sent_at,
            subject="Order 17",
            content_attributes={"headers": {"x": "y"}},
        ),
    )
    r = await client.get(
        f"{API}/conversations/{received.conversation_id}/messages", headers=desk.admin.headers
    )
    [message] = [m for m in r.json()["items"] if m["kind"] == "incoming"]
    assert len(message["content"]) == LIMITS.max_message_chars
    assert message["content_attributes"] == {
        "headers": {"x": "y"},
        "sent_at": "2026-01-02T03:04:05+00:00",
    }
    r = await client.get(
        f"{API}/conversations/{received.conversation_id}", headers=desk.admin.headers
    )
    assert r.json()["subject"] == "Order 17"


async def test_an_edit_of_an_unknown_message_is_stored_as_a_message(
    db: Database, desk: Desk
) -> None:
    received = await receive(
        db, desk.inbox_id, desk.workspace_id, inbound("e-1", "late edit", edited=True)
    )
    assert received.outcome == "created"
    again = await receive(
        db, desk.inbox_id, desk.workspace_id, inbound("e-1", "late edit", edited=True)
    )
    assert again.outcome == "unchanged"


async def test_files_in_the_payload_are_attached_and_referenced_ones_fetched_later(
    app: Any, db: Database, desk: Desk
) -> None:
    storage = app.state.ctx.storage
    inline = StoredFile("note.txt", "text/plain", 5, storage.save(b"hello"))
    received = await receive(
        db,
        desk.inbox_id,
        desk.workspace_id,
        inbound(
            "f-1",
            "files",
            attachments=(
                InboundAttachment("note.txt", "text/plain", data=b"hello"),
                InboundAttachment("scan.png", "image/png", fetch="remote-1", size=10),
            ),
        ),
        files=[inline],
    )
    assert count_rows(db, "attachments", "message_id = :m", m=received.message_id) == 1
    [job] = await outbox_jobs(db, kind="channel.fetch_attachments")
    assert job.payload == {"message_id": received.message_id}
    # A provider's retry of the same message does not fetch again.
    await receive(
        db,
        desk.inbox_id,
        desk.workspace_id,
        inbound(
            "f-1",
            "files",
            attachments=(InboundAttachment("scan.png", "image/png", fetch="remote-1"),),
        ),
    )
    assert len(await outbox_jobs(db, kind="channel.fetch_attachments")) == 1


# ------------------------------------------------------------------------ delivery reports
async def test_delivery_reports_move_an_outgoing_message_forward(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=desk.admin.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}, "message": {"content": "q"}},
    )
    r = await client.post(
        f"{API}/conversations/{r.json()['id']}/messages",
        headers=desk.admin.headers,
        json={"content": "answer", "external_id": "out-1", "message_type": "outgoing"},
    )
    message_id = r.json()["id"]

    async def report(status: str, external_id: str = "out-1", error: str | None = None) -> bool:
        update = DeliveryStatusUpdate(external_id, status, error)
        return await db.write(
            lambda uow: service.apply_status(
                uow, inbox_id=desk.inbox_id, workspace_id=desk.workspace_id, update=update
            )
        )

    assert await report("delivered") is True
    assert await report("sent") is False
    assert await report("read") is True
    assert await report("failed", error="too late") is False
    assert await report("read", external_id="nobody") is False
    assert await report("read") is False
    r = await client.get(
        f"{API}/conversations/{r.json()['conversation_id']}/messages", headers=desk.admin.headers
    )
    [message] = [m for m in r.json()["items"] if m["id"] == message_id]
    assert (message["delivery_status"], message["delivery_error"]) == ("read", None)
    assert count_rows(db, "events", "type = 'message.updated'") == 2


# ----------------------------------------------------------------- channel.deliver, generic
class ScriptedSender:
    """A channel's sender that answers as the test says."""

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.outcomes: list[Exception | None] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        self.sent.append(message)
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return SendResult(external_id=f"ext-{message.message_id}", content_attributes={"k": 1})


@pytest.fixture
def scripted() -> Iterator[ScriptedSender]:
    """The vk channel type, for this test, delivers through a scripted sender."""
    sender = ScriptedSender()

    def make(connection: ChannelConnection) -> ScriptedSender:
        assert connection.inbox_settings == {"group_id": "1", "access_token": "vk-secret"}
        return sender

    saved = registry.driver_for("vk")
    registry.register("vk", registry.ChannelDriver(identity_kind="vk", sender=make))
    yield sender
    if saved is None:
        registry._DRIVERS.pop("vk", None)
    else:
        registry.register("vk", saved)


async def vk_reply(
    client: httpx.AsyncClient, db: Database, desk: Desk, text: str
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        json={
            "name": "VK",
            "channel_type": "vk",
            "settings": {"group_id": "1", "access_token": "vk-secret"},
        },
    )
    inbox_id = r.json()["id"]
    received = await receive(
        db,
        inbox_id,
        desk.workspace_id,
        inbound("vk-1", sender=InboundIdentity("vk", "4242", "Petr")),
    )
    r = await client.post(
        f"{API}/conversations/{received.conversation_id}/messages",
        headers=desk.admin.headers,
        json={"content": text},
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def make_worker(settings: Settings, db: Database) -> Worker:
    return Worker(
        db,
        handlers=jobs.handlers(settings, db),
        policy=RetryPolicy(max_attempts=2, base_seconds=0.001),
        jitter=lambda: 0.0,
    )


async def message_row(client: httpx.AsyncClient, desk: Desk, posted: dict[str, Any]) -> Any:
    r = await client.get(
        f"{API}/conversations/{posted['conversation_id']}/messages", headers=desk.admin.headers
    )
    return next(m for m in r.json()["items"] if m["id"] == posted["id"])


async def test_a_reply_goes_through_the_channels_sender(
    client: httpx.AsyncClient,
    db: Database,
    desk: Desk,
    settings: Settings,
    scripted: ScriptedSender,
) -> None:
    posted = await vk_reply(client, db, desk, "Thanks!")
    assert posted["delivery_status"] == "pending"
    [job] = await outbox_jobs(db, kind="channel.deliver")
    assert job.idempotency_key == f"channel.deliver:{posted['id']}"
    assert await make_worker(settings, db).run_once() == 1
    [sent] = scripted.sent
    assert (sent.recipient, sent.content, sent.message_id) == ("4242", "Thanks!", posted["id"])
    assert sent.idempotency_key == job.idempotency_key
    stored = await message_row(client, desk, posted)
    assert stored["delivery_status"] == "sent" and stored["external_id"] == f"ext-{posted['id']}"
    assert stored["content_attributes"] == {"k": 1}


async def test_transient_then_permanent_failures(
    client: httpx.AsyncClient,
    db: Database,
    desk: Desk,
    settings: Settings,
    scripted: ScriptedSender,
) -> None:
    scripted.outcomes = [TransientDeliveryError("provider down"), PermanentDeliveryError("nope")]
    posted = await vk_reply(client, db, desk, "Hi")
    worker = make_worker(settings, db)
    assert await worker.run_once() == 1
    assert (await message_row(client, desk, posted))["delivery_status"] == "pending"
    await asyncio.sleep(0.01)
    assert await worker.run_once() == 1
    stored = await message_row(client, desk, posted)
    assert (stored["delivery_status"], stored["delivery_error"]) == ("failed", "nope")
    [job] = await outbox_jobs(db, kind="channel.deliver")
    assert job.status == "dead" and job.last_error == "PermanentError: nope"


# ------------------------------------------------------------------------ the inbox cache
async def test_webhook_inboxes_are_cached_until_changed_or_expired(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    now = [0.0]
    cache = ChannelInboxCache(ttl_seconds=10, monotonic=lambda: now[0])
    reads: list[str] = []
    real_read = db.read

    async def counting_read(fn: Any) -> Any:
        reads.append("read")
        return await real_read(fn)

    r = await client.get(f"{API}/inboxes/{desk.inbox_id}", headers=desk.admin.headers)
    public_id = r.json()["public_id"]
    db.read = counting_read  # type: ignore[method-assign]
    try:
        first = await cache.lookup(db, public_id)
        assert first is not None and first.id == desk.inbox_id
        assert await cache.lookup(db, public_id) == first
        assert await cache.lookup(db, "nobody") is None
        assert await cache.lookup(db, "nobody") is None
        assert len(reads) == 2
        changed = DomainEvent("inbox.updated", desk.workspace_id, {"public_id": public_id}, NOW)
        cache.on_event(changed)
        await cache.lookup(db, public_id)
        assert len(reads) == 3
        cache.on_event(DomainEvent("message.created", desk.workspace_id, {}, NOW))
        await cache.lookup(db, public_id)
        assert len(reads) == 3
        now[0] = 10.0
        await cache.lookup(db, public_id)
        await cache.lookup(db, "nobody")
        assert len(reads) == 5
    finally:
        db.read = real_read  # type: ignore[method-assign]
