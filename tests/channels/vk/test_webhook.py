"""The VK Callback API webhook: confirmation, the secret, every shared event, attachments."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from sqlalchemy import event as sa_event

from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from tests.api.conftest import StatementCounter, count_rows, problem
from tests.channels.telegram.conftest import arrived, events_of, messages_of
from tests.channels.telegram.test_webhook import WEBHOOK_UPDATE
from tests.channels.vk.conftest import (
    CONFIRMATION,
    GROUP_ID,
    SECRET,
    USER_ID,
    FakeVk,
    VkInbox,
    message_new,
    post_event,
    samples,
)
from tests.conftest import Desk
from tests.outbox.helpers import jobs

API = "/api/v1"
TABLES = ("messages", "contacts", "events", "conversations", "outbox_jobs")


async def test_confirmation_is_answered_with_the_code(
    client: httpx.AsyncClient, vk_inbox: VkInbox
) -> None:
    r = await post_event(client, vk_inbox, {"type": "confirmation", "group_id": GROUP_ID})
    assert r.status_code == 200 and r.text == CONFIRMATION
    assert r.headers["content-type"].startswith("text/plain")
    r = await post_event(
        client, vk_inbox, {"type": "confirmation", "group_id": GROUP_ID, "secret": SECRET}
    )
    assert r.text == CONFIRMATION
    wrong = {"type": "confirmation", "group_id": GROUP_ID, "secret": "guess"}
    problem(await post_event(client, vk_inbox, wrong), 403, "secret")
    other = {"type": "confirmation", "group_id": 1}
    problem(await post_event(client, vk_inbox, other), 403, str(GROUP_ID))
    problem(await client.post("/hooks/vk/nope", json={"type": "confirmation"}), 404)


async def test_a_wrong_or_missing_secret_stores_nothing(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    db = app.state.ctx.db
    before = {t: count_rows(db, t) for t in TABLES}
    problem(await post_event(client, vk_inbox, message_new("sneaky", secret=None)), 401, "secret")
    problem(await post_event(client, vk_inbox, message_new("sneaky", secret="guess")), 403)
    problem(await post_event(client, vk_inbox, message_new("sneaky", secret=SECRET[:-1])), 403)
    other_group = {**message_new("sneaky"), "group_id": 1}
    problem(await post_event(client, vk_inbox, other_group), 403)
    assert {t: count_rows(db, t) for t in TABLES} == before


async def test_unknown_inboxes_and_bad_bodies_are_4xx(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    problem(await post_event(client, vk_inbox, b"{not json"), 400, "JSON")
    problem(await post_event(client, vk_inbox, b"[1]"), 422, "object")
    problem(await post_event(client, vk_inbox, {"object": {}}), 422, "type")
    problem(await post_event(client, vk_inbox, b"x" * (1024 * 1024 + 1)), 413)
    assert count_rows(app.state.ctx.db, "messages", "inbox_id = :i", i=vk_inbox.id) == 0


async def test_every_shared_event_goes_through_the_webhook(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    """The real events in ../shared/data/vk/samples: as posted there (no secret) they are
    refused with a 401; sent as VK sends them to this community (its id, the secret) they are
    answered ok, the message_new becoming a message of the group chat."""
    db = app.state.ctx.db
    for name, payload in samples().items():
        r = await post_event(client, vk_inbox, payload)
        assert r.status_code == 401 or (r.status_code == 403 and payload["group_id"] != GROUP_ID)
        signed = {**copy.deepcopy(payload), "group_id": GROUP_ID, "secret": SECRET}
        r = await post_event(client, vk_inbox, signed)
        assert (r.status_code, r.text) == (200, "ok"), (name, r.text)
    [message] = messages_of(db, vk_inbox.id)
    assert message.content == "Ок"
    assert message.external_id == "2000000066:2169"
    assert message.content_attributes["vk"]["from_id"] == USER_ID
    r = await client.get(
        f"{API}/conversations", headers=vk_inbox.admin_headers, params={"inbox_id": vk_inbox.id}
    )
    [conversation] = r.json()["items"]
    assert conversation["contact"]["name"] == "VK chat 66"
    r = await client.get(
        f"{API}/contacts/{conversation['contact']['id']}", headers=vk_inbox.admin_headers
    )
    assert {"kind": "vk", "value": "2000000066"} in r.json()["identities"]


async def test_a_message_opens_a_conversation_and_a_repeat_is_stored_once(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox, published: list[DomainEvent]
) -> None:
    db = app.state.ctx.db
    event = message_new("Где мой заказ?", cmid=10)
    for _ in range(3):  # VK repeats an event that got no "ok" in time
        r = await post_event(client, vk_inbox, event)
        assert (r.status_code, r.text) == (200, "ok")
    [message] = messages_of(db, vk_inbox.id)
    assert message.content == "Где мой заказ?"
    assert message.external_id == f"{USER_ID}:10"
    assert message.content_attributes["sent_at"] == "2026-01-05T09:00:00+00:00"
    [created] = await arrived(published, "message.created")
    assert created.inbox_id == vk_inbox.id
    assert len(events_of(db, "message.created")) == 1
    r = await client.get(
        f"{API}/conversations", headers=vk_inbox.agent_headers, params={"inbox_id": vk_inbox.id}
    )
    assert r.json()["items"][0]["contact"]["name"] == f"VK user {USER_ID}"


def _attachments() -> list[dict[str, Any]]:
    """One of each kind the issue names, shaped as VK's schema (messages/objects.json)."""
    return [
        {
            "type": "photo",
            "photo": {
                "id": 1,
                "owner_id": USER_ID,
                "sizes": [
                    {"type": "s", "url": "{url}/files/small.jpg", "width": 75, "height": 50},
                    {"type": "x", "url": "{url}/files/big.jpg", "width": 604, "height": 403},
                ],
            },
        },
        {
            "type": "doc",
            "doc": {
                "id": 2,
                "title": "invoice",
                "ext": "pdf",
                "size": 17,
                "url": "{url}/files/doc1",
            },
        },
        {
            "type": "audio_message",
            "audio_message": {
                "id": 3,
                "owner_id": USER_ID,
                "duration": 7,
                "link_ogg": "{url}/files/voice.ogg",
                "link_mp3": "{url}/files/voice.mp3",
                "waveform": [1, 2, 3],
            },
        },
        {
            "type": "sticker",
            "sticker": {
                "sticker_id": 4,
                "product_id": 1,
                "images": [
                    {"url": "{url}/files/st64.png", "width": 64, "height": 64},
                    {"url": "{url}/files/st256.png", "width": 256, "height": 256},
                ],
            },
        },
        {"type": "wall", "wall": {"id": 77, "owner_id": -GROUP_ID, "text": "Big sale today"}},
        {"type": "link", "link": {"url": "https://shop.example/p/1", "title": "Red shoes"}},
    ]


def _with_url(items: list[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    import json

    return json.loads(json.dumps(items).replace("{url}", url))  # type: ignore[no-any-return]


async def test_attachments_become_files_and_placeholders(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    vk: FakeVk,
    vk_inbox: VkInbox,
    worker: Worker,
) -> None:
    jpeg, pdf, ogg, png = b"\xff\xd8big", b"%PDF-1.4 invoice!", b"OggS voice", b"\x89PNG st"
    vk.add_file("big.jpg", jpeg)
    vk.add_file("doc1", pdf, "application/octet-stream")
    vk.add_file("voice.ogg", ogg, "audio/ogg")
    vk.add_file("st256.png", png, "image/png")
    items = _with_url(_attachments(), vk.url)
    await post_event(client, vk_inbox, message_new("", cmid=20, attachments=items))
    await post_event(client, vk_inbox, message_new("Look at this", cmid=21, attachments=items[4:]))
    first, second = messages_of(app.state.ctx.db, vk_inbox.id)
    assert first.content == "\n".join(
        [
            "[Photo]",
            "[Document: invoice.pdf]",
            "[Voice message, 0:07]",
            "[Sticker]",
            f"[Wall post: https://vk.com/wall-{GROUP_ID}_77 — Big sale today]",
            "[Link: Red shoes — https://shop.example/p/1]",
        ]
    )
    assert first.content_attributes["placeholder"] is True
    assert first.content_attributes["vk"]["kind"] == "photo"
    # Text with a wall post and a link: the text, then what they are.
    assert second.content.startswith("Look at this\n[Wall post:")
    assert "placeholder" not in second.content_attributes
    assert second.content_attributes["links"] == [
        f"https://vk.com/wall-{GROUP_ID}_77",
        "https://shop.example/p/1",
    ]

    assert await worker.run_once() == 2  # the customer's name, the first message's files
    r = await client.get(
        f"{API}/conversations/{first.conversation_id}/messages", headers=desk.agent.headers
    )
    [stored] = [m for m in r.json()["items"] if m["id"] == first.id]
    files = {a["file_name"]: (a["content_type"], a["size"]) for a in stored["attachments"]}
    assert files == {
        "photo_20_1.jpg": ("image/jpeg", len(jpeg)),
        "invoice.pdf": ("application/pdf", len(pdf)),
        "voice_20_3.ogg": ("audio/ogg", len(ogg)),
        "sticker_20_4.png": ("image/png", len(png)),
    }
    [photo] = [a for a in stored["attachments"] if a["file_name"] == "photo_20_1.jpg"]
    assert (await client.get(photo["url"], headers=desk.agent.headers)).content == jpeg
    # The largest photo size was taken.
    assert not vk.provider.calls_to("/files/small.jpg")


async def test_a_file_vk_no_longer_has_is_named_with_the_reason(
    client: httpx.AsyncClient, app: Any, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    items = _with_url(_attachments()[1:2], vk.url)
    await post_event(client, vk_inbox, message_new("", cmid=30, attachments=items))
    await worker.run_once()
    [message] = messages_of(app.state.ctx.db, vk_inbox.id)
    [missing] = message.content_attributes["unavailable_attachments"]
    assert missing == {"file_name": "invoice.pdf", "reason": "VK no longer has this file"}
    assert message.content == "[Document: invoice.pdf]"


async def test_an_edit_replaces_the_text_and_a_reply_points_at_its_message(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    db = app.state.ctx.db
    await post_event(client, vk_inbox, message_new("2 pizzas", cmid=40))
    edit = message_new("3 pizzas", cmid=40, update_time=1767603700)
    edit["type"] = "message_edit"
    edit["object"] = edit["object"]["message"]  # message_edit carries the message itself
    for _ in range(2):
        assert (await post_event(client, vk_inbox, edit)).text == "ok"
    reply = message_new(
        "and a cola",
        cmid=41,
        reply_message={"conversation_message_id": 40, "from_id": USER_ID, "date": 1, "text": "."},
    )
    await post_event(client, vk_inbox, reply)
    first, second = messages_of(db, vk_inbox.id)
    assert first.content == "3 pizzas"
    assert first.content_attributes["original_content"] == "2 pizzas"
    assert len(events_of(db, "message.updated")) == 1
    assert second.content_attributes["in_reply_to"] == first.id


async def test_other_events_are_answered_ok_and_skipped(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    db = app.state.ctx.db
    before = {t: count_rows(db, t) for t in TABLES}
    reply = message_new("we answered in VK", from_id=-GROUP_ID, out=1)
    reply["type"] = "message_reply"
    reply["object"] = reply["object"]["message"]
    typing = {
        "type": "message_typing_state",
        "group_id": GROUP_ID,
        "event_id": "t1",
        "v": "5.199",
        "object": {"state": "typing", "from_id": USER_ID, "to_id": -GROUP_ID},
        "secret": SECRET,
    }
    from_bot = message_new("I am a bot", peer_id=2000000001, from_id=-5)
    for event in (reply, typing, from_bot, {**typing, "object": None}):
        r = await post_event(client, vk_inbox, event)
        assert (r.status_code, r.text) == (200, "ok")
    assert {t: count_rows(db, t) for t in TABLES} == before


async def test_a_message_from_a_known_customer_costs_what_a_telegram_update_costs(
    client: httpx.AsyncClient, app: Any, vk_inbox: VkInbox
) -> None:
    db = app.state.ctx.db
    counter = StatementCounter()
    engines = {id(e): e for e in (db.read_engine, db.write_engine)}.values()
    for engine in engines:
        sa_event.listen(engine, "before_cursor_execute", counter)
    try:
        await post_event(client, vk_inbox, message_new("first"))
        for n in (2, 3):
            with counter.counting() as seen:
                r = await post_event(client, vk_inbox, message_new(f"again {n}"))
            assert r.text == "ok"
            assert len(seen) == WEBHOOK_UPDATE, [" ".join(q.split())[:80] for q in seen]
    finally:
        for engine in engines:
            sa_event.remove(engine, "before_cursor_execute", counter)


async def test_a_new_customer_is_named_after_what_vk_says(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    vk: FakeVk,
    vk_inbox: VkInbox,
    worker: Worker,
) -> None:
    await post_event(client, vk_inbox, message_new("hi", cmid=50))
    await post_event(client, vk_inbox, message_new("hi all", peer_id=2000000066, cmid=51))
    # A customer an agent named before VK answered keeps that name.
    await post_event(client, vk_inbox, message_new("hey", peer_id=777, from_id=777, cmid=52))
    r = await client.get(
        f"{API}/conversations", headers=desk.admin.headers, params={"inbox_id": vk_inbox.id}
    )
    by_name = {c["contact"]["name"]: c["contact"]["id"] for c in r.json()["items"]}
    assert set(by_name) == {f"VK user {USER_ID}", "VK chat 66", "VK user 777"}
    r = await client.patch(
        f"{API}/contacts/{by_name['VK user 777']}",
        headers=desk.agent.headers,
        json={"name": "Olga from the shop"},
    )
    assert r.status_code == 200, r.text
    # More messages of the same customers ask nothing more.
    await post_event(client, vk_inbox, message_new("again", cmid=53))
    assert await worker.run_once() == 3
    # One job per new contact; two workers' jobs may run in either order.
    assert sorted(c["user_ids"] for c in vk.calls("users.get")) == sorted([str(USER_ID), "777"])
    assert [c["peer_ids"] for c in vk.calls("messages.getConversationsById")] == ["2000000066"]
    r = await client.get(
        f"{API}/conversations", headers=desk.admin.headers, params={"inbox_id": vk_inbox.id}
    )
    names = {c["contact"]["name"] for c in r.json()["items"]}
    assert names == {"Ivan Petrov", "Shop fans", "Olga from the shop"}
    assert count_rows(app.state.ctx.db, "outbox_jobs", "kind = 'vk.profile'") == 3


async def test_vk_refusing_the_name_leaves_the_contact_as_it_is(
    client: httpx.AsyncClient, app: Any, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    denied = {"error": {"error_code": 15, "error_msg": "Access denied"}}
    vk.provider.fail("/method/users.get", status=200, json=denied)
    await post_event(client, vk_inbox, message_new("hi", cmid=60))
    assert await worker.run_once() == 1
    [job] = [j for j in await jobs(app.state.ctx.db, kind="vk.profile")]
    assert job.status == "done"
    r = await client.get(
        f"{API}/conversations", headers=vk_inbox.admin_headers, params={"inbox_id": vk_inbox.id}
    )
    assert r.json()["items"][0]["contact"]["name"] == f"VK user {USER_ID}"
