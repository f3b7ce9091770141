"""The seeded demo workspace, checked in the database the way the reports will read it."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.contacts.models import Contact, ContactIdentity, CustomAttributeDefinition
from frontdesk.conversations.models import CannedResponse, Conversation, Label, Message
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.demo.seed import DemoSize, SeedResult, seed_demo
from frontdesk.inboxes.models import Inbox
from frontdesk.notifications.rules import mentioned_user_ids
from frontdesk.outbox.models import OutboxJob
from frontdesk.settings import Settings
from frontdesk.team.models import Team, User
from tests.conftest import PG_URL, _truncate_pg

SIZE = DemoSize(contacts=30, conversations=90, days=30)


@dataclass
class Seeded:
    result: SeedResult
    now: datetime
    db: Database

    def all(self, model: Any) -> list[Any]:
        return self.db.read_sync(lambda s: list(s.execute(select(model)).scalars()))

    def read(self, fn: Any) -> Any:
        return self.db.read_sync(fn)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, migrated_template: str) -> Iterator[Seeded]:
    """One seed shared by the read-only checks of this module."""
    tmp = tmp_path_factory.mktemp("demo")
    if PG_URL:
        _truncate_pg(PG_URL)
        url = PG_URL
    else:
        shutil.copy(migrated_template, tmp / "frontdesk.db")
        url = f"sqlite:///{tmp / 'frontdesk.db'}"
    settings = Settings(data_dir=Path(tmp), database_url=url, _env_file=None)  # type: ignore[call-arg]
    now = datetime.now(UTC).replace(microsecond=0)
    result = seed_demo(settings, now=now, size=SIZE)
    db = Database(url)
    try:
        yield Seeded(result=result, now=now, db=db)
    finally:
        db.close()


def test_the_workspace_has_staff_of_every_role_inboxes_of_every_channel_and_teams(
    seeded: Seeded,
) -> None:
    users = seeded.all(User)
    roles = Counter(u.role for u in users)
    assert roles["admin"] == 1 and roles["supervisor"] == 1 and 6 <= roles["agent"] <= 8
    assert all(u.email.endswith("@demo.frontdesk.example.com") for u in users)
    assert {(u.email, u.role) for u in users} == set(seeded.result.logins)
    inboxes = seeded.all(Inbox)
    assert {i.channel_type for i in inboxes} == {
        "webchat", "telegram", "whatsapp", "vk", "email", "portal", "api"
    }  # fmt: skip
    teams = {t.name for t in seeded.all(Team)}
    assert {"Продажи", "Поддержка"} <= teams


def test_labels_canned_replies_and_attribute_definitions_are_there(seeded: Seeded) -> None:
    assert {"доставка", "возврат", "брак", "срочно"} <= {lbl.name for lbl in seeded.all(Label)}
    canned = seeded.all(CannedResponse)
    assert len(canned) >= 5 and any("{{contact.name}}" in c.content for c in canned)
    definitions = {(d.applies_to, d.key) for d in seeded.all(CustomAttributeDefinition)}
    assert ("contact", "city") in definitions and ("conversation", "order_number") in definitions


def test_contacts_have_identities_per_channel_and_some_write_from_two_channels(
    seeded: Seeded,
) -> None:
    contacts = seeded.all(Contact)
    assert len(contacts) == SIZE.contacts == seeded.result.contacts
    kinds = {i.kind for i in seeded.all(ContactIdentity)}
    assert {"email", "telegram", "whatsapp", "vk", "external"} <= kinds
    assert any(any("а" <= ch <= "я" for ch in c.name.lower()) for c in contacts)
    assert any(c.name.isascii() for c in contacts)
    assert all(c.custom_attributes.get("city") for c in contacts)
    channel_of = {i.id: i.channel_type for i in seeded.all(Inbox)}
    channels: dict[int, set[str]] = defaultdict(set)
    for conversation in seeded.all(Conversation):
        channels[conversation.contact_id].add(channel_of[conversation.inbox_id])
    assert any(len(c) >= 2 for c in channels.values())


def test_conversations_are_about_as_many_as_asked_and_each_has_a_customer_message(
    seeded: Seeded,
) -> None:
    conversations = seeded.all(Conversation)
    assert 0.9 * SIZE.conversations <= len(conversations) <= SIZE.conversations
    assert len(conversations) == seeded.result.conversations
    messages = seeded.all(Message)
    first: dict[int, Message] = {}
    for message in sorted(messages, key=lambda m: m.id):
        first.setdefault(message.conversation_id, message)
    assert set(first) == {c.id for c in conversations}
    assert all(m.kind == "incoming" for m in first.values())
    assert {c.type for c in conversations} == {"question", "order", "complaint", "other"}
    assert {"normal", "high"} <= {c.priority for c in conversations}


def test_timelines_are_consistent_and_all_in_the_past_month(seeded: Seeded) -> None:
    now, month_ago = seeded.now, seeded.now - timedelta(days=30)
    by_conversation: dict[int, list[Message]] = defaultdict(list)
    for message in sorted(seeded.all(Message), key=lambda m: m.id):
        by_conversation[message.conversation_id].append(message)
    for conversation in seeded.all(Conversation):
        times = [m.created_at for m in by_conversation[conversation.id]]
        assert times == sorted(times)
        assert month_ago <= conversation.created_at == times[0] and times[-1] <= now
        assert conversation.last_activity_at == times[-1]
        if conversation.first_reply_at is not None:
            assert conversation.created_at <= conversation.first_reply_at <= now
            replies = [m for m in by_conversation[conversation.id] if m.kind == "outgoing"]
            assert conversation.first_reply_at == replies[0].created_at
        if conversation.resolved_at is not None:
            assert conversation.created_at < conversation.resolved_at <= now
        if conversation.status == "snoozed":
            assert conversation.snoozed_until is not None and conversation.snoozed_until > now


def test_some_resolved_some_reopened_and_some_still_waiting(seeded: Seeded) -> None:
    statuses = Counter(c.status for c in seeded.all(Conversation))
    assert statuses["resolved"] > len(seeded.all(Conversation)) / 2
    assert statuses["open"] and statuses["pending"] and statuses["snoozed"]
    changes = [e for e in seeded.all(EventRow) if e.type == "conversation.status_changed"]
    reopened = {
        e.conversation_id
        for e in changes
        if e.data["previous_status"] == "resolved" and e.data["status"] == "open"
    }
    assert reopened
    # A reopen comes from the customer's message, at the same moment.
    customer_times = {
        (m.conversation_id, m.created_at) for m in seeded.all(Message) if m.kind == "incoming"
    }
    for event in changes:
        if event.data["previous_status"] == "resolved":
            assert (event.conversation_id, event.created_at) in customer_times


def test_every_message_has_its_event_at_the_same_time(seeded: Seeded) -> None:
    events = {e.data["id"]: e for e in seeded.all(EventRow) if e.type == "message.created"}
    messages = seeded.all(Message)
    assert len(events) == len(messages)
    for message in messages:
        event = events[message.id]
        assert event.created_at == message.created_at
        assert event.conversation_id == message.conversation_id


def test_assignments_transfers_and_notes_with_mentions_are_recorded(seeded: Seeded) -> None:
    users = {u.id: u for u in seeded.all(User)}
    assigned = [e for e in seeded.all(EventRow) if e.type == "conversation.assigned"]
    assert assigned
    assert all(e.created_at <= seeded.now for e in assigned)
    # Agents take conversations themselves, the supervisor hands some out, some are passed on.
    assert any(e.actor_user_id == e.data["assignee_id"] for e in assigned)
    assert any(users[e.actor_user_id].role == "supervisor" for e in assigned)
    assert any(e.data["previous_assignee_id"] is not None for e in assigned)
    notes = [m for m in seeded.all(Message) if m.kind == "note"]
    mentions = [n for n in notes if mentioned_user_ids(n.content)]
    assert notes and mentions
    assert all(set(mentioned_user_ids(n.content)) <= users.keys() for n in mentions)


def test_the_seeded_past_sends_no_e_mails_but_future_wake_ups_stay_due(seeded: Seeded) -> None:
    jobs = seeded.all(OutboxJob)
    assert any(j.kind == "notify.email" for j in jobs)  # mentions and hand-outs queued them
    pending = [j for j in jobs if j.status == "pending"]
    assert all(j.kind == "conversation.wake" and j.run_at > seeded.now for j in pending)
    snoozed = [c for c in seeded.all(Conversation) if c.status == "snoozed"]
    assert len(pending) == len(snoozed)


def test_the_seeded_past_replies_were_delivered_not_left_sending(seeded: Seeded) -> None:
    # Replies in messenger and e-mail inboxes are history: shown delivered, never "Sending…".
    replies = [m for m in seeded.all(Message) if m.kind == "outgoing"]
    channels = {i.id: i.channel_type for i in seeded.all(Inbox)}
    assert {channels[m.inbox_id] for m in replies} >= {"telegram", "email", "whatsapp"}
    assert not [m.id for m in replies if m.delivery_status == "pending"]
    assert all(
        m.delivery_status == "delivered"
        for m in replies
        if channels[m.inbox_id] in {"telegram", "email", "whatsapp", "vk"}
    )


def test_ids_and_numbers_follow_time(seeded: Seeded) -> None:
    """The replay is chronological: event ids, like conversation numbers, follow time."""

    def ordered(session: Session) -> list[datetime]:
        return list(session.execute(select(EventRow.created_at).order_by(EventRow.id)).scalars())

    times = seeded.read(ordered)
    assert times == sorted(times)
    conversations = sorted(seeded.all(Conversation), key=lambda c: c.number)
    assert [c.created_at for c in conversations] == sorted(c.created_at for c in conversations)
