"""Agents' replies reaching WhatsApp: sent, retried, refused outside the 24-hour window, and
templates."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.outbox.worker import Worker
from tests.api.conftest import count_rows, problem
from tests.channels.telegram.conftest import messages_of
from tests.channels.whatsapp.conftest import (
    PHONE_NUMBER_ID,
    FakeGraph,
    WaInbox,
    event,
    message_value,
    post_event,
    text_message,
)
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock, jobs, one_job

API = "/api/v1"


async def conversation_with(client: httpx.AsyncClient, inbox: WaInbox) -> int:
    """The customer writes first (a WhatsApp conversation starts that way)."""
    r = await post_event(client, inbox, event(message_value(text_message("Is my order ready?"))))
    assert r.status_code == 200, r.text
    r = await client.get(
        f"{API}/conversations", headers=inbox.agent_headers, params={"inbox_id": inbox.id}
    )
    conversation_id: int = r.json()["items"][0]["id"]
    return conversation_id


async def reply(
    client: httpx.AsyncClient, inbox: WaInbox, conversation_id: int, content: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=inbox.agent_headers,
        json={"content": content, **body},
    )


async def stored(
    client: httpx.AsyncClient, inbox: WaInbox, conversation_id: int, message_id: int
) -> dict[str, Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=inbox.agent_headers
    )
    [found] = [m for m in r.json()["items"] if m["id"] == message_id]
    result: dict[str, Any] = found
    return result


async def test_a_reply_reaches_the_customer_number_and_is_marked_sent(
    client: httpx.AsyncClient, graph: FakeGraph, wa_inbox: WaInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    r = await reply(client, wa_inbox, conversation_id, "Yes, it leaves today.")
    assert r.status_code == 201, r.text
    assert r.json()["delivery_status"] == "pending"
    assert await worker.run_once() == 1
    assert graph.sent() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "79001234567",
            "type": "text",
            "text": {"body": "Yes, it leaves today.", "preview_url": False},
        }
    ]
    message = await stored(client, wa_inbox, conversation_id, r.json()["id"])
    assert message["delivery_status"] == "sent"
    assert message["external_id"] == "wamid.OUT1"
    assert message["content_attributes"]["whatsapp"]["message_ids"] == ["wamid.OUT1"]
    assert await worker.run_once() == 0
    assert len(graph.sent()) == 1


async def test_files_are_uploaded_and_sent_as_media(
    client: httpx.AsyncClient, graph: FakeGraph, wa_inbox: WaInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    jpeg, pdf = b"\xff\xd8\xff\xe0JPEG", b"%PDF-1.4 invoice"
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=wa_inbox.agent_headers,
        data={"content": "Your invoice"},
        files=[
            ("files", ("parcel.jpg", jpeg, "image/jpeg")),
            ("files", ("invoice.pdf", pdf, "application/pdf")),
        ],
    )
    assert r.status_code == 201, r.text
    assert await worker.run_once() == 1
    uploads = graph.provider.calls_to("/media")
    assert [u.files["file"] for u in uploads] == [
        ("parcel.jpg", "image/jpeg", jpeg),
        ("invoice.pdf", "application/pdf", pdf),
    ]
    assert uploads[0].form == {"messaging_product": "whatsapp", "type": "image/jpeg"}
    photo, document = graph.sent()
    assert photo["type"] == "image" and photo["image"]["caption"] == "Your invoice"
    assert document["type"] == "document"
    assert document["document"]["filename"] == "invoice.pdf"
    assert "caption" not in document["document"]
    message = await stored(client, wa_inbox, conversation_id, r.json()["id"])
    assert message["delivery_status"] == "sent"


async def test_provider_errors_and_timeouts_are_retried_until_delivered(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    graph: FakeGraph,
    wa_inbox: WaInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, wa_inbox)
    graph.provider.fail(
        "/messages",
        status=500,
        json={"error": {"message": "An unknown error occurred", "code": 1}},
    )
    gate = graph.provider.hang("/messages")
    r = await reply(client, wa_inbox, conversation_id, "Sorry for the wait")
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("pending", 1)
    assert "WhatsApp is unavailable" in (job.last_error or "")
    clock.advance(2)
    assert await worker.run_once() == 1  # the channel timeout is 1 s in these tests
    job = await one_job(db, kind="channel.deliver")
    assert job.status == "pending" and "did not answer the message in time" in (
        job.last_error or ""
    )
    gate.set()
    clock.advance(4)
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("done", 3)
    message = await stored(client, wa_inbox, conversation_id, r.json()["id"])
    assert message["delivery_status"] == "sent"
    assert all(body["to"] == "79001234567" for body in graph.sent())


async def test_a_refusal_fails_the_reply_at_once_with_the_reason(
    client: httpx.AsyncClient, app: Any, graph: FakeGraph, wa_inbox: WaInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    graph.provider.fail(
        "/messages",
        status=400,
        json={
            "error": {
                "message": "(#131047) Re-engagement message",
                "code": 131047,
                "error_data": {"details": "Message failed to send because more than 24 hours"},
            }
        },
    )
    r = await reply(client, wa_inbox, conversation_id, "Hello?")
    assert await worker.run_once() == 1
    message = await stored(client, wa_inbox, conversation_id, r.json()["id"])
    assert message["delivery_status"] == "failed"
    assert message["delivery_error"].startswith(
        "More than 24 hours have passed since the customer last wrote"
    )
    job = await one_job(app.state.ctx.db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("dead", 1)


async def test_a_revoked_token_fails_with_a_reason_the_admin_can_act_on(
    client: httpx.AsyncClient, desk: Desk, graph: FakeGraph, wa_inbox: WaInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    r = await client.put(
        f"{API}/inboxes/{wa_inbox.id}/channel",
        headers=desk.admin.headers,
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": "EAAG-an-expired-token-000000000",
            "app_secret": "set",
            "verify_token": "set",
            "templates": [],
        },
    )
    assert r.status_code == 200, r.text
    r = await reply(client, wa_inbox, conversation_id, "Hi")
    await worker.run_once()
    message = await stored(client, wa_inbox, conversation_id, r.json()["id"])
    assert message["delivery_status"] == "failed"
    assert message["delivery_error"].startswith("Meta rejected the access token")


# ------------------------------------------------------------------- the 24-hour window
async def test_outside_24_hours_a_reply_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, app: Any, clock: FakeClock, wa_inbox: WaInbox
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, wa_inbox)
    clock.advance(23 * 3600 + 59 * 60)
    assert (await reply(client, wa_inbox, conversation_id, "just in time")).status_code == 201
    clock.advance(26 * 3600)
    before = count_rows(db, "messages")
    r = await reply(client, wa_inbox, conversation_id, "too late")
    body = problem(r, 422, "the customer last wrote 2 days ago", "only a template")
    assert body["code"] == "whatsapp_window_closed"
    assert body["last_customer_message_at"] == "2026-01-05T09:00:00+00:00"
    assert count_rows(db, "messages") == before
    assert len(await jobs(db, kind="channel.deliver")) == 1
    # Notes are not sent to the customer: they are always allowed.
    assert (await reply(client, wa_inbox, conversation_id, "note", private=True)).status_code == 201
    # The customer writes again: the window opens again.
    await post_event(client, wa_inbox, event(message_value(text_message("Hello again"))))
    assert (await reply(client, wa_inbox, conversation_id, "Hello!")).status_code == 201


async def test_a_conversation_the_customer_never_wrote_in_takes_only_templates(
    client: httpx.AsyncClient, desk: Desk, wa_inbox: WaInbox
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=desk.admin.headers,
        json={"inbox_id": wa_inbox.id, "contact": {"name": "Olga", "phone": "+79005550000"}},
    )
    assert r.status_code == 201, r.text
    problem(await reply(client, wa_inbox, r.json()["id"], "Hi Olga"), 422, "not written")


async def test_the_window_and_the_templates_are_offered_to_the_agent(
    client: httpx.AsyncClient, desk: Desk, clock: FakeClock, wa_inbox: WaInbox
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    url = f"{API}/conversations/{conversation_id}/whatsapp"
    r = await client.get(url, headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "open": True,
        "last_customer_message_at": "2026-01-05T09:00:00Z",
        "closes_at": "2026-01-06T09:00:00Z",
        "templates": [
            {"name": "order_confirmation", "language": "en_US", "parameters": 2},
            {"name": "hello_world", "language": "en_US", "parameters": 0},
        ],
    }
    clock.advance(24 * 3600)
    assert (await client.get(url, headers=desk.agent.headers)).json()["open"] is False
    # Another agent who may not see the conversation, another channel.
    problem(await client.get(url, headers=desk.other_agent.headers), 404)
    r = await client.post(
        f"{API}/conversations",
        headers=desk.admin.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}},
    )
    problem(
        await client.get(
            f"{API}/conversations/{r.json()['id']}/whatsapp", headers=desk.admin.headers
        ),
        422,
        "not WhatsApp",
    )


async def test_a_template_is_sent_outside_the_window(
    client: httpx.AsyncClient,
    desk: Desk,
    app: Any,
    clock: FakeClock,
    graph: FakeGraph,
    wa_inbox: WaInbox,
    worker: Worker,
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    clock.advance(3 * 24 * 3600)
    url = f"{API}/conversations/{conversation_id}/whatsapp/templates"
    template = {"name": "order_confirmation", "language": "en_US", "parameters": ["Ivan", "A-1"]}
    r = await client.post(url, headers=desk.agent.headers, json=template)
    assert r.status_code == 201, r.text
    posted = r.json()
    assert posted["content"] == "[Template order_confirmation: Ivan, A-1]"
    assert posted["delivery_status"] == "pending"
    assert posted["content_attributes"]["whatsapp"]["template"] == template
    assert await worker.run_once() == 1
    [sent] = graph.sent()
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "79001234567",
        "type": "template",
        "template": {
            "name": "order_confirmation",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ivan"},
                        {"type": "text", "text": "A-1"},
                    ],
                }
            ],
        },
    }
    message = await stored(client, wa_inbox, conversation_id, posted["id"])
    assert message["delivery_status"] == "sent"
    # The template stays on the message beside WhatsApp's id.
    assert message["content_attributes"]["whatsapp"]["template"]["name"] == "order_confirmation"
    assert message["content_attributes"]["whatsapp"]["message_ids"] == ["wamid.OUT1"]

    r = await client.post(
        url, headers=desk.agent.headers, json={"name": "hello_world", "language": "en_US"}
    )
    assert r.status_code == 201, r.text
    await worker.run_once()
    assert graph.sent()[1]["template"] == {"name": "hello_world", "language": {"code": "en_US"}}
    assert len(messages_of(app.state.ctx.db, wa_inbox.id)) == 3


async def test_a_template_must_be_one_the_inbox_offers_with_its_parameters(
    client: httpx.AsyncClient, desk: Desk, app: Any, wa_inbox: WaInbox
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    url = f"{API}/conversations/{conversation_id}/whatsapp/templates"
    h = desk.agent.headers
    problem(
        await client.post(url, headers=h, json={"name": "nope", "language": "en_US"}),
        422,
        "no template 'nope'",
    )
    problem(
        await client.post(url, headers=h, json={"name": "order_confirmation", "language": "ru"}),
        422,
        "no template",
    )
    problem(
        await client.post(
            url,
            headers=h,
            json={"name": "order_confirmation", "language": "en_US", "parameters": ["Ivan"]},
        ),
        422,
        "takes 2 parameter(s), 1 given",
    )
    problem(
        await client.post(
            url,
            headers=h,
            json={"name": "order_confirmation", "language": "en_US", "parameters": ["Ivan", " "]},
        ),
        422,
        "needs a value",
    )
    problem(await client.post(url, headers=h, json={"name": "x", "language": "en_US", "y": 1}), 422)
    problem(
        await client.post(
            url, headers=desk.other_agent.headers, json={"name": "hello_world", "language": "en_US"}
        ),
        404,
    )
    assert len(messages_of(app.state.ctx.db, wa_inbox.id)) == 1


async def test_a_template_the_inbox_stopped_offering_fails_with_the_reason(
    client: httpx.AsyncClient, desk: Desk, graph: FakeGraph, wa_inbox: WaInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    r = await client.post(
        f"{API}/conversations/{conversation_id}/whatsapp/templates",
        headers=desk.agent.headers,
        json={"name": "hello_world", "language": "en_US"},
    )
    assert r.status_code == 201, r.text
    posted = r.json()
    # An admin removes the template before the worker gets to it.
    r = await client.put(
        f"{API}/inboxes/{wa_inbox.id}/channel",
        headers=desk.admin.headers,
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": "set",
            "app_secret": "set",
            "verify_token": "set",
            "templates": [],
        },
    )
    assert r.status_code == 200, r.text
    await worker.run_once()
    message = await stored(client, wa_inbox, conversation_id, posted["id"])
    assert message["delivery_status"] == "failed"
    assert message["delivery_error"].startswith(
        "The inbox no longer offers the template hello_world (en_US)"
    )
    assert graph.sent() == []
