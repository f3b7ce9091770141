"""Connecting a bot and receiving updates through the webhook, against a fake Bot API."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from tests.api.conftest import StatementCounter, count_rows, problem
from tests.channels.telegram.conftest import (
    SECRET_HEADER,
    TOKEN,
    FakeTelegram,
    TgInbox,
    arrived,
    events_of,
    messages_of,
    post_update,
    samples,
    text_update,
)
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock

API = "/api/v1"


# ------------------------------------------------------------------------------ connecting
async def test_connecting_checks_the_token_and_sets_the_webhook(
    client: httpx.AsyncClient, app: Any, desk: Desk, telegram: FakeTelegram, tg_inbox: TgInbox
) -> None:
    assert [c.path for c in telegram.provider.calls] == [
        f"/bot{TOKEN}/getMe",
        f"/bot{TOKEN}/setWebhook",
    ]
    assert telegram.webhook["url"] == f"http://testserver/hooks/telegram/{tg_inbox.public_id}"
    assert telegram.webhook["allowed_updates"] == ["message", "edited_message"]
    assert len(tg_inbox.secret) >= 32
    r = await client.get(f"{API}/inboxes/{tg_inbox.id}", headers=desk.admin.headers)
    settings = r.json()["settings"]
    # Secrets are write-only; the rest says which bot it is.
    assert settings["bot_token"] == "set" and settings["webhook_secret"] == "set"
    assert settings["bot_username"] == "shop_bot"
    assert TOKEN not in r.text and tg_inbox.secret not in r.text
    for row in events_of(app.state.ctx.db, "inbox.updated"):
        assert TOKEN not in str(row.data) and tg_inbox.secret not in str(row.data)


async def test_status_tells_what_telegram_says_of_the_webhook(
    client: httpx.AsyncClient, desk: Desk, tg_inbox: TgInbox
) -> None:
    r = await client.get(f"{API}/inboxes/{tg_inbox.id}/telegram", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "connected": True,
        "bot_username": "shop_bot",
        "bot_name": "Shop",
        "webhook_url": f"http://testserver/hooks/telegram/{tg_inbox.public_id}",
        "pending_update_count": 2,
        "last_error_message": "Connection refused",
        "last_error_at": 1700000000,
    }
    r = await client.get(f"{API}/inboxes/{tg_inbox.id}/telegram", headers=desk.agent.headers)
    problem(r, 403, "admin")


async def test_a_wrong_token_or_telegram_down_is_a_clear_refusal(
    client: httpx.AsyncClient, desk: Desk, telegram: FakeTelegram
) -> None:
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        json={"name": "TG", "channel_type": "telegram"},
    )
    inbox_id = r.json()["id"]
    url = f"{API}/inboxes/{inbox_id}/telegram/connect"
    r = await client.post(url, headers=desk.admin.headers, json={"bot_token": "999:" + "x" * 30})
    problem(r, 422, "bot token")
    telegram.provider.fail("/getMe", status=502, times=1)
    r = await client.post(url, headers=desk.admin.headers, json={"bot_token": TOKEN})
    problem(r, 502, "unavailable")
    r = await client.post(url, headers=desk.admin.headers, json={"bot_token": "not a token"})
    problem(r, 422, "bot_token")
    r = await client.post(url, headers=desk.agent.headers, json={"bot_token": TOKEN})
    problem(r, 403)
    other = await client.post(
        f"{API}/inboxes/{desk.inbox_id}/telegram/connect",
        headers=desk.admin.headers,
        json={"bot_token": TOKEN},
    )
    problem(other, 422, "api inbox")
    # Nothing was connected by any of that.
    r = await client.get(f"{API}/inboxes/{inbox_id}", headers=desk.admin.headers)
    assert "bot_token" not in r.json()["settings"]
    assert not telegram.webhook


async def test_disconnecting_deletes_the_webhook_and_forgets_the_token(
    client: httpx.AsyncClient, desk: Desk, telegram: FakeTelegram, tg_inbox: TgInbox
) -> None:
    r = await client.delete(
        f"{API}/inboxes/{tg_inbox.id}/telegram/connect", headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    assert telegram.provider.calls_to("/deleteWebhook")
    assert "bot_token" not in r.json()["settings"]
    r = await post_update(client, tg_inbox, text_update(1, 1))
    problem(r, 403)


async def test_editing_other_settings_keeps_the_secrets(
    client: httpx.AsyncClient, desk: Desk, tg_inbox: TgInbox
) -> None:
    url = f"{API}/inboxes/{tg_inbox.id}"
    shown = (await client.get(url, headers=desk.admin.headers)).json()["settings"]
    # The settings screen sends back what it was shown, with a change.
    r = await client.patch(
        url, headers=desk.admin.headers, json={"settings": {**shown, "greeting": "Hi!"}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["greeting"] == "Hi!"
    r = await post_update(client, tg_inbox, text_update(70001, 1))
    assert r.status_code == 200, r.text


# ------------------------------------------------------------------------------ the webhook
async def test_a_text_message_opens_a_conversation_with_a_telegram_contact(
    client: httpx.AsyncClient, desk: Desk, tg_inbox: TgInbox, published: list[DomainEvent]
) -> None:
    r = await post_update(client, tg_inbox, text_update(70001, 11, "Where is my order?"))
    assert r.status_code == 200 and r.json() == {"ok": True}
    r = await client.get(
        f"{API}/conversations", headers=desk.agent.headers, params={"inbox_id": tg_inbox.id}
    )
    [conversation] = r.json()["items"]
    assert conversation["status"] == "open" and conversation["contact"]["name"] == "Ivan"
    r = await client.get(
        f"{API}/contacts/{conversation['contact']['id']}", headers=desk.admin.headers
    )
    assert {"kind": "telegram", "value": "70001"} in r.json()["identities"]
    r = await client.get(
        f"{API}/conversations/{conversation['id']}/messages", headers=desk.agent.headers
    )
    [message] = [m for m in r.json()["items"] if m["kind"] == "incoming"]
    assert message["content"] == "Where is my order?"
    assert message["external_id"] == "70001:11"
    assert message["sender_type"] == "contact"
    assert message["content_attributes"]["telegram"]["update_id"] > 0
    assert message["content_attributes"]["sent_at"] == "2026-01-05T08:00:00+00:00"
    await arrived(published, "message.created")
    types = [e.type for e in published]
    assert "conversation.created" in types and "message.created" in types
    created = next(e for e in published if e.type == "message.created")
    assert created.actor_user_id is None and created.inbox_id == tg_inbox.id


async def test_the_same_chat_is_one_contact_and_one_conversation(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    db = app.state.ctx.db
    for n in range(3):
        assert (await post_update(client, tg_inbox, text_update(70001, 20 + n))).status_code == 200
    await post_update(client, tg_inbox, text_update(70002, 1, first_name="Olga"))
    assert count_rows(db, "contacts") == 2
    assert count_rows(db, "conversations", "inbox_id = :i", i=tg_inbox.id) == 2
    assert len(messages_of(db, tg_inbox.id)) == 4


async def test_a_repeated_update_is_stored_once(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    db = app.state.ctx.db
    update = text_update(70001, 30, "once")
    for _ in range(3):
        r = await post_update(client, tg_inbox, update)
        assert r.status_code == 200
    assert [m.content for m in messages_of(db, tg_inbox.id)] == ["once"]
    assert len(events_of(db, "message.created")) == 1
    edit = {
        "update_id": update["update_id"] + 1,
        "edited_message": {**update["message"], "text": "twice"},
    }
    for _ in range(2):
        assert (await post_update(client, tg_inbox, edit)).status_code == 200
    assert len(events_of(db, "message.updated")) == 1


async def test_wrong_or_missing_secret_stores_nothing(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    db = app.state.ctx.db
    before = {t: count_rows(db, t) for t in ("messages", "contacts", "events", "conversations")}
    update = text_update(70001, 40, "sneaky")
    problem(await post_update(client, tg_inbox, update, secret="x" * 43), 403, "wrong")
    problem(await post_update(client, tg_inbox, update, secret=tg_inbox.secret[:-1]), 403)
    r = await client.post(tg_inbox.hook, json=update)
    problem(r, 401, SECRET_HEADER)
    after = {t: count_rows(db, t) for t in before}
    assert after == before


async def test_unknown_inboxes_and_bad_bodies_are_4xx(
    client: httpx.AsyncClient, desk: Desk, app: Any, tg_inbox: TgInbox
) -> None:
    db = app.state.ctx.db
    headers = {SECRET_HEADER: tg_inbox.secret}
    problem(await client.post("/hooks/telegram/nope", headers=headers, json={}), 404)
    api_inbox = db.read_sync(
        lambda s: s.execute(
            text("SELECT public_id FROM inboxes WHERE id = :i"), {"i": desk.inbox_id}
        ).scalar_one()
    )
    problem(await client.post(f"/hooks/telegram/{api_inbox}", headers=headers, json={}), 404)
    problem(await post_update(client, tg_inbox, b"{not json"), 400, "JSON")
    problem(await post_update(client, tg_inbox, b"[1, 2]"), 422, "object")
    problem(await post_update(client, tg_inbox, {"message": {"text": "x"}}), 422, "update_id")
    problem(await post_update(client, tg_inbox, b"x" * (1024 * 1024 + 1)), 413)
    assert count_rows(db, "messages", "inbox_id = :i", i=tg_inbox.id) == 0


async def test_every_shared_sample_goes_through_the_webhook(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    """Every payload in ../shared/data/telegram, as Telegram sent it and then renumbered:
    the samples all carry update_id 10000 and message_id 1365, so as they are only the first
    is a new message (the rest are its duplicates and its edit)."""
    db = app.state.ctx.db
    updates = samples()
    for update in updates.values():
        r = await post_update(client, tg_inbox, update)
        assert r.status_code == 200, r.text
    as_sent = messages_of(db, tg_inbox.id)
    assert len(as_sent) == 1 and as_sent[0].external_id == "1111111:1365"

    skipped = {"inline_query", "chosen_inline_result", "callback_query"}
    expected = {}
    for n, (name, update) in enumerate(updates.items(), start=1):
        renumbered = copy.deepcopy(update)
        renumbered["update_id"] = 500 + n
        for key in ("message", "edited_message"):
            if key in renumbered:
                renumbered[key]["message_id"] = 8000 + n
        r = await post_update(client, tg_inbox, renumbered)
        assert r.status_code == 200, (name, r.text)
        if name.rsplit(":", 1)[1] not in skipped:
            expected[f"1111111:{8000 + n}"] = name
    stored = {m.external_id: m for m in messages_of(db, tg_inbox.id)}
    assert set(expected) <= set(stored), sorted(set(expected) - set(stored))
    assert len(stored) == len(expected) + 1
    by_sample = {expected[k].rsplit(":", 1)[1]: stored[k] for k in expected}
    assert by_sample["message_text"].content == "/start"
    assert by_sample["voice_message"].content == "[Voice message, 0:05]"
    assert (
        by_sample["message_with_document"].content_attributes["pending_attachments"][0]["file_name"]
        == "Testfile.pdf"
    )
    assert by_sample["edited_message"].content == "Edited text"
    assert by_sample["edited_message"].content_attributes["edited"] is True
    assert by_sample["forwarded_message"].content_attributes["forwarded_from"]
    assert by_sample["message_with_entities"].content == "Bold and italics"
    # All from one chat: one contact, one conversation.
    assert count_rows(db, "contacts") == 1
    assert count_rows(db, "conversations", "inbox_id = :i", i=tg_inbox.id) == 1


async def test_an_edit_replaces_the_text_and_keeps_the_original(
    client: httpx.AsyncClient, desk: Desk, tg_inbox: TgInbox, published: list[DomainEvent]
) -> None:
    update = text_update(70001, 50, "I want 2 pizzas")
    await post_update(client, tg_inbox, update)
    edited = {**update["message"], "text": "I want 3 pizzas", "edit_date": 1767600100}
    await post_update(client, tg_inbox, {"update_id": 1, "edited_message": edited})
    await post_update(
        client, tg_inbox, {"update_id": 2, "edited_message": {**edited, "text": "4!"}}
    )
    [event, second] = await arrived(published, "message.updated", 2)
    assert event.data["content"] == "I want 3 pizzas"
    assert event.data["content_attributes"]["original_content"] == "I want 2 pizzas"
    assert event.data["content_attributes"]["edited"] is True
    assert second.data["content"] == "4!"
    # The first text stays the original through later edits.
    assert second.data["content_attributes"]["original_content"] == "I want 2 pizzas"
    r = await client.get(
        f"{API}/conversations/{event.conversation_id}/messages", headers=desk.agent.headers
    )
    [message] = [m for m in r.json()["items"] if m["kind"] == "incoming"]
    assert message["content"] == "4!"


async def test_a_reply_points_at_the_message_it_answers(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    await post_update(client, tg_inbox, text_update(70001, 60, "first"))
    reply = text_update(70001, 61, "and more", reply_to_message={"message_id": 60, "text": "first"})
    await post_update(client, tg_inbox, reply)
    unknown = text_update(70001, 62, "old", reply_to_message={"message_id": 3, "text": "?"})
    await post_update(client, tg_inbox, unknown)
    first, second, third = messages_of(app.state.ctx.db, tg_inbox.id)
    assert second.content_attributes["in_reply_to"] == first.id
    assert second.content_attributes["reply_to_external_id"] == "70001:60"
    assert "in_reply_to" not in third.content_attributes
    assert third.content_attributes["reply_to_external_id"] == "70001:3"


async def test_a_message_after_resolution_reopens_or_starts_anew(
    client: httpx.AsyncClient, desk: Desk, clock: FakeClock, tg_inbox: TgInbox
) -> None:
    await post_update(client, tg_inbox, text_update(70001, 70, "help"))
    [conversation] = (
        await client.get(
            f"{API}/conversations", headers=desk.agent.headers, params={"inbox_id": tg_inbox.id}
        )
    ).json()["items"]
    status_url = f"{API}/conversations/{conversation['id']}/status"
    r = await client.post(status_url, headers=desk.agent.headers, json={"status": "resolved"})
    assert r.status_code == 200, r.text
    clock.advance(3600)
    await post_update(client, tg_inbox, text_update(70001, 71, "one more thing"))
    r = await client.get(f"{API}/conversations/{conversation['id']}", headers=desk.agent.headers)
    assert r.json()["status"] == "open"
    await client.post(status_url, headers=desk.agent.headers, json={"status": "resolved"})
    clock.advance(8 * 24 * 3600)
    await post_update(client, tg_inbox, text_update(70001, 72, "new question"))
    r = await client.get(
        f"{API}/conversations", headers=desk.agent.headers, params={"inbox_id": tg_inbox.id}
    )
    items = r.json()["items"]
    assert len(items) == 2
    assert {c["status"] for c in items} == {"open", "resolved"}
    assert len({c["contact"]["id"] for c in items}) == 1


async def test_files_are_fetched_through_get_file_and_attached(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"p" * 2000
    telegram.add_file("photo-big", jpeg, "photos/file_1.jpg")
    telegram.add_file("voice-1", b"OggS" + b"v" * 500, "voice/file_2.oga")
    sizes = [
        {"file_id": "photo-small", "width": 90, "height": 90, "file_size": 10},
        {"file_id": "photo-big", "width": 800, "height": 800, "file_size": len(jpeg)},
    ]
    await post_update(client, tg_inbox, text_update(70001, 80, "", photo=sizes, caption="broken"))
    await post_update(
        client, tg_inbox, text_update(70001, 81, "", voice={"file_id": "voice-1", "duration": 3})
    )
    await post_update(
        client,
        tg_inbox,
        text_update(70001, 82, "", document={"file_id": "gone", "file_name": "a.pdf"}),
    )
    assert await worker.run_once() == 3
    photo, voice, document = messages_of(app.state.ctx.db, tg_inbox.id)
    r = await client.get(
        f"{API}/conversations/{photo.conversation_id}/messages", headers=desk.agent.headers
    )
    by_id = {m["id"]: m for m in r.json()["items"]}
    [attachment] = by_id[photo.id]["attachments"]
    assert (attachment["file_name"], attachment["content_type"], attachment["size"]) == (
        "photo_80.jpg",
        "image/jpeg",
        len(jpeg),
    )
    download = await client.get(attachment["url"], headers=desk.agent.headers)
    assert download.content == jpeg
    assert by_id[photo.id]["content"] == "broken"
    assert "pending_attachments" not in by_id[photo.id]["content_attributes"]
    assert by_id[voice.id]["attachments"][0]["file_name"] == "voice_81.ogg"
    assert by_id[voice.id]["content"] == "[Voice message, 0:03]"
    # A file Telegram no longer has: the placeholder stays, with the reason.
    assert by_id[document.id]["attachments"] == []
    [missing] = by_id[document.id]["content_attributes"]["unavailable_attachments"]
    assert missing["file_name"] == "a.pdf" and "invalid file_id" in missing["reason"]
    updated = await arrived(published, "message.updated", 3)
    assert {e.data["id"] for e in updated} == {photo.id, voice.id, document.id}
    fetched = sorted(c.params["file_id"] for c in telegram.provider.calls_to("/getFile"))
    assert fetched == ["gone", "photo-big", "voice-1"]


async def test_a_file_download_that_fails_is_retried(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    worker: Worker,
) -> None:
    telegram.add_file("doc-1", b"%PDF-1.4 hello", "documents/file_9.pdf")
    telegram.provider.fail("/getFile", status=500, times=1)
    await post_update(
        client,
        tg_inbox,
        text_update(70001, 90, "", document={"file_id": "doc-1", "file_name": "bill.pdf"}),
    )
    assert await worker.run_once() == 1
    [message] = messages_of(app.state.ctx.db, tg_inbox.id)
    assert message.content_attributes["pending_attachments"]
    clock.advance(2)
    assert await worker.run_once() == 1
    [message] = messages_of(app.state.ctx.db, tg_inbox.id)
    assert "pending_attachments" not in message.content_attributes
    assert count_rows(app.state.ctx.db, "attachments", "message_id = :m", m=message.id) == 1


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_chats_are_answered_in_the_group(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox, chat_type: str
) -> None:
    update = text_update(-100200, 1, "hi all")
    update["message"]["chat"] = {"id": -100200, "type": chat_type, "title": "Shop fans"}
    assert (await post_update(client, tg_inbox, update)).status_code == 200
    [message] = messages_of(app.state.ctx.db, tg_inbox.id)
    assert message.external_id == "-100200:1"
    assert message.content_attributes["telegram"]["chat_type"] == chat_type


# ------------------------------------------------------------------------- hot path costs
WEBHOOK_UPDATE = 4  # customer thread with its conversation, message, conversation update, event


async def test_an_update_from_a_known_customer_costs_four_statements(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    db = app.state.ctx.db
    counter = StatementCounter()
    engines = {id(e): e for e in (db.read_engine, db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", counter)
    try:
        await post_update(client, tg_inbox, text_update(70001, 1, "first"))  # contact, inbox
        for n in (2, 3):
            with counter.counting() as seen:
                r = await post_update(client, tg_inbox, text_update(70001, n, f"again {n}"))
            assert r.status_code == 200
            assert len(seen) == WEBHOOK_UPDATE, [" ".join(q.split())[:80] for q in seen]
        with counter.counting() as seen:
            await post_update(client, tg_inbox, text_update(70001, 3, "again 3"))
        # A provider's retry: the thread query finds it, and the stored message is read.
        assert len(seen) == 3, seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", counter)


async def test_a_new_secret_is_in_force_at_once(
    client: httpx.AsyncClient, desk: Desk, telegram: FakeTelegram, tg_inbox: TgInbox
) -> None:
    assert (await post_update(client, tg_inbox, text_update(70001, 1))).status_code == 200
    r = await client.post(
        f"{API}/inboxes/{tg_inbox.id}/telegram/connect",
        headers=desk.admin.headers,
        json={"bot_token": TOKEN},
    )
    assert r.status_code == 200
    new_secret = telegram.webhook["secret_token"]
    assert new_secret != tg_inbox.secret
    problem(await post_update(client, tg_inbox, text_update(70001, 2)), 403)
    ok = await post_update(client, tg_inbox, text_update(70001, 2), secret=new_secret)
    assert ok.status_code == 200


async def test_first_messages_arriving_at_once_make_one_contact_and_one_conversation(
    client: httpx.AsyncClient, app: Any, tg_inbox: TgInbox
) -> None:
    """Telegram delivers over up to 40 connections at once; on PostgreSQL the writes run side
    by side. However they interleave, one customer is one contact with one conversation."""
    db = app.state.ctx.db
    chats = [80001 + c for c in range(4)]
    updates = [text_update(chat, n, f"hi {n}") for n in range(1, 5) for chat in chats]
    replies = await asyncio.gather(*(post_update(client, tg_inbox, u) for u in updates))
    assert [r.status_code for r in replies] == [200] * len(updates)
    # And Telegram's retries of all of them, at once again.
    replies = await asyncio.gather(*(post_update(client, tg_inbox, u) for u in updates))
    assert [r.status_code for r in replies] == [200] * len(updates)
    assert count_rows(db, "contacts") == len(chats)
    assert count_rows(db, "conversations", "inbox_id = :i", i=tg_inbox.id) == len(chats)
    assert len(messages_of(db, tg_inbox.id)) == len(updates)
