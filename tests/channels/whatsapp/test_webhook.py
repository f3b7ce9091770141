"""Meta's webhook: verification, signatures, every shared payload, statuses and media."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import orjson
from sqlalchemy import event as sa_event

from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from tests.api.conftest import StatementCounter, count_rows, problem
from tests.channels.telegram.conftest import arrived, events_of, messages_of
from tests.channels.telegram.test_webhook import WEBHOOK_UPDATE
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraph,
    WaInbox,
    event,
    message_value,
    post_event,
    samples,
    status_value,
    text_message,
)
from tests.conftest import Desk

API = "/api/v1"
TABLES = ("messages", "contacts", "events", "conversations", "outbox_jobs")


# --------------------------------------------------------------------------- verification
async def test_the_verification_challenge_is_echoed_with_the_right_token(
    client: httpx.AsyncClient, wa_inbox: WaInbox
) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    r = await client.get(wa_inbox.hook, params=query)
    assert r.status_code == 200 and r.text == "1158201444"
    assert r.headers["content-type"].startswith("text/plain")
    problem(
        await client.get(wa_inbox.hook, params={**query, "hub.verify_token": "guess"}),
        403,
        "verify_token",
    )
    problem(await client.get(wa_inbox.hook, params={"hub.mode": "subscribe"}), 422, "challenge")
    problem(await client.get("/hooks/whatsapp/nope", params=query), 404)


# ------------------------------------------------------------------------------ signature
async def test_a_wrong_or_missing_signature_stores_nothing(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    db = app.state.ctx.db
    before = {t: count_rows(db, t) for t in TABLES}
    payload = event(message_value(text_message("sneaky")))
    problem(await post_event(client, wa_inbox, payload, secret="another-app-secret-000"), 403)
    problem(await post_event(client, wa_inbox, payload, signature="sha256=" + "0" * 64), 403)
    problem(await post_event(client, wa_inbox, payload, signature="md5=abc"), 403)
    body = orjson.dumps(payload)
    r = await client.post(wa_inbox.hook, content=body, headers={"Content-Type": "application/json"})
    problem(r, 401, "X-Hub-Signature-256")
    # A body changed after signing is refused too.
    signed = await post_event(client, wa_inbox, payload)
    assert signed.status_code == 200
    tampered = body.replace(b"sneaky", b"sneaky!")
    from frontdesk.channels.whatsapp.rules import sign

    r = await post_event(client, wa_inbox, tampered, signature=sign(body, APP_SECRET))
    problem(r, 403)
    after = {t: count_rows(db, t) for t in TABLES}
    assert after["messages"] == before["messages"] + 1  # only the signed one
    assert after["contacts"] == before["contacts"] + 1


async def test_unknown_inboxes_and_bad_bodies_are_4xx(
    client: httpx.AsyncClient, desk: Desk, app: Any, wa_inbox: WaInbox
) -> None:
    db = app.state.ctx.db
    problem(await post_event(client, wa_inbox, {}), 422, "whatsapp_business_account")
    r = await client.post(
        "/hooks/whatsapp/nope", content=b"{}", headers={"X-Hub-Signature-256": "x"}
    )
    problem(r, 404)
    problem(await post_event(client, wa_inbox, b"{not json"), 400, "JSON")
    problem(await post_event(client, wa_inbox, b"[1]"), 422, "object")
    problem(
        await post_event(client, wa_inbox, {"object": "whatsapp_business_account"}), 422, "entry"
    )
    problem(await post_event(client, wa_inbox, {"object": "page", "entry": []}), 422)
    problem(await post_event(client, wa_inbox, b"x" * (3 * 1024 * 1024 + 1)), 413)
    assert count_rows(db, "messages", "inbox_id = :i", i=wa_inbox.id) == 0


# --------------------------------------------------------------------------------- samples
async def test_every_shared_payload_goes_through_the_webhook(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    """Every example in ../shared/data/whatsapp: webhook events are answered 200 (messages
    stored, the rest skipped), the flow and template definitions next to them (not webhook
    events) are a 422; never a 5xx. Each event is renumbered so that its message is new
    (the samples share ids like wamid.xyzxyz)."""
    db = app.state.ctx.db
    answers: dict[str, int] = {}
    stored_by_sample: dict[str, str] = {}
    for n, (name, payload) in enumerate(samples().items(), start=1):
        renumbered = copy.deepcopy(payload)
        for entry in renumbered.get("entry", []) if isinstance(renumbered, dict) else []:
            for change in entry.get("changes", []):
                value = change.get("value", {})
                value.get("metadata", {})["phone_number_id"] = PHONE_NUMBER_ID
                for message in value.get("messages", []):
                    message["id"] = f"wamid.S{n}"
                    stored_by_sample[name] = f"wamid.S{n}"
                    for key in ("edit", "revoke"):
                        if key in message:
                            message[key]["original_message_id"] = f"wamid.S{n}"
        r = await post_event(client, wa_inbox, renumbered)
        assert r.status_code < 500, (name, r.text)
        answers[name] = r.status_code
    webhook = {k for k in answers if k.startswith("pywa/updates/")}
    assert webhook and all(answers[k] == 200 for k in webhook), answers
    assert all(answers[k] == 422 for k in set(answers) - webhook)

    stored = {m.external_id: m for m in messages_of(db, wa_inbox.id)}
    # "pywa/updates/message.json:text" -> "message:text"
    by_sample = {
        k.removeprefix("pywa/updates/").replace(".json", ""): stored.get(v)
        for k, v in stored_by_sample.items()
    }
    # The revoke sample's sender is "<WHATSAPP_USER_PHONE_NUMBER>", not a number: skipped.
    assert by_sample.pop("deleted_message:revoke") is None
    missing = [k for k, m in by_sample.items() if m is None]
    assert not missing, missing
    shown = {
        k.split(":")[1] if k.startswith("message:") else k: m.content
        for k, m in by_sample.items()
        if m
    }
    assert shown["text"] == "Body Text"
    assert shown["image"] == "[Photo]"
    assert shown["video"] == "caption" and shown["document"] == "caption"
    assert shown["voice"] == "[Voice message]" and shown["audio"] == "[Audio]"
    assert shown["static_sticker"] == "[Sticker]"
    assert shown["reaction"] == "[Reaction 😮]"
    assert shown["unreaction_empty"] == "[Reaction removed]"
    assert shown["chosen_location"] == "[Location: Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025]"
    assert shown["current_location"] == "[Location: 12.25089, 43.90539]"
    assert shown["contacts"].startswith("[Contact: Chandler Bing, +1 555-555-5555; Monica")
    assert shown["order"] == "[Order: 3 × HAMBURGER, 2 × FRENCH_FRIES, 2 × SODA]"
    assert shown["unsupported_with_type"] == "[Unsupported WhatsApp message: pool]"
    assert shown["unsupported"] == "[Unsupported WhatsApp message]"
    assert shown["interactive_message_with_err"] == "[Unsupported WhatsApp message: interactive]"
    assert shown["callback_button:button"] == "title"
    assert shown["callback_button:quick_reply"] == "title"
    assert shown["callback_selection:callback"] == "title"
    assert shown["flow_completion:completion"] == "[Form submitted: flow]"
    assert shown["call_permission_update:accept"] == "[Call permission: accepted]"
    assert shown["system:phone_number_change"] == (
        "[The customer changed their WhatsApp number to +972912345678]"
    )
    assert shown["edited_message:image"] == "Updated image caption"
    placeholders = {
        k for k, m in by_sample.items() if m is not None and m.content_attributes.get("placeholder")
    }
    assert {"message:image", "message:reaction", "message:order", "message:unsupported"} <= (
        placeholders
    )
    assert "message:text" not in placeholders
    assert "callback_button:button" not in placeholders
    document = by_sample["message:document"]
    assert document is not None
    assert document.content_attributes["pending_attachments"][0]["file_name"] == "filename.pdf"
    assert document.content_attributes["forwarded"] is True
    referral = by_sample["message:referral"]
    assert referral is not None
    assert referral.content_attributes["referral"]["headline"] == "AD_TITLE"
    form = by_sample["flow_completion:completion"]
    assert form is not None
    assert form.content_attributes["form"]["answers"]["comment_text"] == "Comment Text"
    assert "flow_token" not in form.content_attributes["form"]["answers"]
    # The samples' statuses are of no message the desk sent: nothing changed.
    assert events_of(db, "message.updated") == []
    # Every sender with a number is one contact (972987654321 and 16505551234).
    assert count_rows(db, "contacts") == 2


async def test_each_entry_and_change_of_one_payload_is_handled(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    payload = event(
        message_value(text_message("one"), text_message("two")),
        message_value(text_message("from Olga", wa_id="79007654321"), name="Olga"),
    )
    payload["entry"].append(copy.deepcopy(event(message_value(text_message("three")))["entry"][0]))
    # A change of another number (the same Meta app) and an unknown field in between.
    other = message_value(text_message("not ours"))
    other["metadata"]["phone_number_id"] = "999999999"
    payload["entry"][0]["changes"].insert(1, {"field": "messages", "value": other})
    payload["entry"][0]["changes"].append({"field": "something_new", "value": {"x": 1}})
    r = await post_event(client, wa_inbox, payload)
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True, "messages": 4, "statuses": 0, "skipped": 2}
    contents = [m.content for m in messages_of(app.state.ctx.db, wa_inbox.id)]
    assert contents == ["one", "two", "from Olga", "three"]


async def test_a_message_opens_a_conversation_with_a_whatsapp_contact(
    client: httpx.AsyncClient, desk: Desk, wa_inbox: WaInbox, published: list[DomainEvent]
) -> None:
    r = await post_event(client, wa_inbox, event(message_value(text_message("Where is my order?"))))
    assert r.status_code == 200, r.text
    r = await client.get(
        f"{API}/conversations", headers=desk.agent.headers, params={"inbox_id": wa_inbox.id}
    )
    [conversation] = r.json()["items"]
    assert conversation["contact"]["name"] == "Ivan Petrov"
    r = await client.get(
        f"{API}/contacts/{conversation['contact']['id']}", headers=desk.admin.headers
    )
    contact = r.json()
    assert {"kind": "whatsapp", "value": "+79001234567"} in contact["identities"]
    assert contact["phone"] == "+79001234567"
    [created] = [
        e for e in await arrived(published, "message.created") if e.inbox_id == wa_inbox.id
    ]
    assert created.data["content"] == "Where is my order?"
    assert created.data["content_attributes"]["whatsapp"]["wa_id"] == "79001234567"
    assert created.data["content_attributes"]["sent_at"] == "2026-01-05T09:00:00+00:00"


async def test_a_repeated_message_is_stored_once(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    db = app.state.ctx.db
    payload = event(message_value(text_message("once", message_id="wamid.ONCE")))
    for _ in range(3):
        assert (await post_event(client, wa_inbox, payload)).status_code == 200
    assert [m.content for m in messages_of(db, wa_inbox.id)] == ["once"]
    assert len(events_of(db, "message.created")) == 1


async def test_an_edit_and_a_deletion_change_the_stored_message(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    db = app.state.ctx.db
    await post_event(
        client, wa_inbox, event(message_value(text_message("2 pizzas", message_id="wamid.P")))
    )
    edit = {
        "from": "79001234567",
        "id": "wamid.E1",
        "timestamp": "1767603700",
        "type": "edit",
        "edit": {
            "original_message_id": "wamid.P",
            "message": {"type": "text", "text": {"body": "3 pizzas"}},
        },
    }
    await post_event(client, wa_inbox, event(message_value(edit)))
    [message] = messages_of(db, wa_inbox.id)
    assert message.content == "3 pizzas"
    assert message.content_attributes["original_content"] == "2 pizzas"
    revoke = {
        "from": "79001234567",
        "id": "wamid.R1",
        "timestamp": "1767603800",
        "type": "revoke",
        "revoke": {"original_message_id": "wamid.P"},
    }
    await post_event(client, wa_inbox, event(message_value(revoke)))
    [message] = messages_of(db, wa_inbox.id)
    assert message.content == "[Message deleted by the customer]"
    assert message.content_attributes["deleted"] is True
    assert message.content_attributes["original_content"] == "2 pizzas"


async def test_a_reply_and_a_reaction_point_at_the_message(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    await post_event(
        client, wa_inbox, event(message_value(text_message("first", message_id="wamid.F")))
    )
    reply = text_message("and more", context={"from": "74950000000", "id": "wamid.F"})
    reaction = {
        "from": "79001234567",
        "id": "wamid.RX",
        "timestamp": "1767603700",
        "type": "reaction",
        "reaction": {"message_id": "wamid.F", "emoji": "👍"},
    }
    await post_event(client, wa_inbox, event(message_value(reply, reaction)))
    first, second, third = messages_of(app.state.ctx.db, wa_inbox.id)
    assert second.content_attributes["in_reply_to"] == first.id
    assert third.content == "[Reaction 👍]"
    assert third.content_attributes["in_reply_to"] == first.id


# ------------------------------------------------------------------------------ statuses
async def sent_reply(
    client: httpx.AsyncClient, wa_inbox: WaInbox, worker: Worker
) -> tuple[int, str]:
    await post_event(client, wa_inbox, event(message_value(text_message("Hi"))))
    r = await client.get(
        f"{API}/conversations", headers=wa_inbox.agent_headers, params={"inbox_id": wa_inbox.id}
    )
    conversation_id = r.json()["items"][0]["id"]
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=wa_inbox.agent_headers,
        json={"content": "Hello, Ivan!"},
    )
    assert r.status_code == 201, r.text
    posted = r.json()
    assert await worker.run_once() == 1
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=wa_inbox.agent_headers
    )
    [sent] = [m for m in r.json()["items"] if m["id"] == posted["id"]]
    assert sent["delivery_status"] == "sent"
    return sent["id"], sent["external_id"]


async def test_statuses_move_the_reply_forward_and_failed_says_why(
    client: httpx.AsyncClient,
    app: Any,
    wa_inbox: WaInbox,
    worker: Worker,
    published: list[DomainEvent],
) -> None:
    message_id, wamid = await sent_reply(client, wa_inbox, worker)
    db = app.state.ctx.db

    def status_now() -> tuple[str | None, str | None]:
        [m] = [m for m in messages_of(db, wa_inbox.id) if m.id == message_id]
        return m.delivery_status, m.delivery_error

    payload = event(status_value(wamid, "delivered"), status_value(wamid, "read"))
    r = await post_event(client, wa_inbox, payload)
    assert r.json()["statuses"] == 2
    assert status_now() == ("read", None)
    # Late or repeated reports change nothing.
    r = await post_event(client, wa_inbox, event(status_value(wamid, "delivered")))
    assert r.json()["statuses"] == 0 and status_now() == ("read", None)
    updated = [e for e in published if e.type == "message.updated" and e.data["id"] == message_id]
    assert [e.data["delivery_status"] for e in updated][-2:] == ["delivered", "read"]

    other_id, other_wamid = await sent_reply(client, wa_inbox, worker)
    failed = status_value(
        other_wamid,
        "failed",
        errors=[
            {
                "code": 131026,
                "title": "Message undeliverable",
                "error_data": {"details": "Unable to deliver message"},
            }
        ],
    )
    await post_event(client, wa_inbox, event(failed))
    [m] = [m for m in messages_of(db, wa_inbox.id) if m.id == other_id]
    assert m.delivery_status == "failed"
    assert m.delivery_error == "Message undeliverable: Unable to deliver message"


# --------------------------------------------------------------------------------- media
async def test_media_is_fetched_through_the_graph_api(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    graph: FakeGraph,
    wa_inbox: WaInbox,
    worker: Worker,
) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"j" * 3000
    graph.add_media("MEDIA1", jpeg, "image/jpeg")
    image = {
        "from": "79001234567",
        "id": "wamid.IMG",
        "timestamp": "1767603600",
        "type": "image",
        "image": {"mime_type": "image/jpeg", "sha256": "x", "id": "MEDIA1", "caption": "my parcel"},
    }
    gone = {
        "from": "79001234567",
        "id": "wamid.DOC",
        "timestamp": "1767603600",
        "type": "document",
        "document": {"mime_type": "application/pdf", "id": "GONE", "filename": "bill.pdf"},
    }
    await post_event(client, wa_inbox, event(message_value(image, gone)))
    assert await worker.run_once() == 2
    photo, document = messages_of(app.state.ctx.db, wa_inbox.id)
    r = await client.get(
        f"{API}/conversations/{photo.conversation_id}/messages", headers=desk.agent.headers
    )
    by_id = {m["id"]: m for m in r.json()["items"]}
    [attachment] = by_id[photo.id]["attachments"]
    assert attachment["content_type"] == "image/jpeg" and attachment["size"] == len(jpeg)
    assert (await client.get(attachment["url"], headers=desk.agent.headers)).content == jpeg
    assert by_id[photo.id]["content"] == "my parcel"
    assert by_id[document.id]["attachments"] == []
    [missing] = by_id[document.id]["content_attributes"]["unavailable_attachments"]
    assert missing["file_name"] == "bill.pdf" and "Object does not exist" in missing["reason"]
    # The download went to the URL the lookup gave, with the token.
    [download] = graph.provider.calls_to("/files/MEDIA1")
    assert download.headers["authorization"].startswith("Bearer ")


# ------------------------------------------------------------------------- hot path costs
async def test_a_message_from_a_known_customer_costs_what_a_telegram_update_costs(
    client: httpx.AsyncClient, app: Any, wa_inbox: WaInbox
) -> None:
    """The channel core's cost, as a Telegram update's (the inbox comes from the cache)."""
    db = app.state.ctx.db
    counter = StatementCounter()
    engines = {id(e): e for e in (db.read_engine, db.write_engine)}.values()
    for engine in engines:
        sa_event.listen(engine, "before_cursor_execute", counter)
    try:
        await post_event(client, wa_inbox, event(message_value(text_message("first"))))
        for n in (2, 3):
            with counter.counting() as seen:
                r = await post_event(client, wa_inbox, event(message_value(text_message(f"{n}"))))
            assert r.status_code == 200
            assert len(seen) == WEBHOOK_UPDATE, [" ".join(q.split())[:80] for q in seen]
    finally:
        for engine in engines:
            sa_event.remove(engine, "before_cursor_execute", counter)
