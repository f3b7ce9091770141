"""The API channel end to end: the integrator's message opens a conversation, an agent
replies, the reply is POSTed to the integrator signed with the message's idempotency key,
retried until accepted, and the integrator's delivery reports move its status."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from frontdesk.core.db import Database
from frontdesk.outbox.worker import Worker
from frontdesk.webhooks.rules import verify_signature
from tests.api.conftest import problem
from tests.channels.api.conftest import API, ApiInbox, Receiver, connect, inbound
from tests.channels.fake_provider import Call, Reply
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock, jobs


def signed(call: Call, secret: str) -> bool:
    return verify_signature(
        secret, call.headers["x-frontdesk-signature"], call.body, now=int(time.time())
    )


async def start(client: httpx.AsyncClient, api_inbox: ApiInbox) -> int:
    r = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=inbound())
    assert r.status_code == 201, r.text
    conversation_id: int = r.json()["conversation_id"]
    return conversation_id


async def reply(
    client: httpx.AsyncClient, desk: Desk, conversation_id: int, content: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=desk.agent.headers,
        json={"content": content, **body},
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def stored(
    client: httpx.AsyncClient, desk: Desk, conversation_id: int, message_id: int
) -> dict[str, Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=desk.agent.headers
    )
    [found] = [m for m in r.json()["items"] if m["id"] == message_id]
    result: dict[str, Any] = found
    return result


async def test_round_trip_with_signature_idempotency_key_and_statuses(
    client: httpx.AsyncClient,
    desk: Desk,
    api_inbox: ApiInbox,
    receiver: Receiver,
    worker: Worker,
) -> None:
    conversation_id = await start(client, api_inbox)
    receiver.answer = Reply(json={"external_id": "crm-77"})
    posted = await reply(client, desk, conversation_id, "Your order ships today.")
    assert posted["delivery_status"] == "pending"
    note = await reply(client, desk, conversation_id, "internal only", private=True)
    assert note["delivery_status"] is None
    assert await worker.run_once() == 1
    [call] = receiver.calls()
    assert signed(call, api_inbox.secret)
    key = call.headers["x-frontdesk-delivery"]
    assert key == call.headers["idempotency-key"] == f"channel.deliver:{posted['id']}"
    assert call.headers["x-frontdesk-event"] == "message.created"
    body = orjson.loads(call.body)
    assert body["id"] == key and body["inbox"] == api_inbox.public_id
    assert body["conversation_id"] == conversation_id
    assert body["contact"] == {"source_id": "user-42"}
    assert body["message"]["id"] == posted["id"]
    assert body["message"]["content"] == "Your order ships today."
    message = await stored(client, desk, conversation_id, posted["id"])
    assert message["delivery_status"] == "sent" and message["external_id"] == "crm-77"

    # Reports by the integrator's id and by the desk's; statuses only move forward.
    r = await client.post(
        api_inbox.statuses_url,
        headers=api_inbox.headers,
        json={"statuses": [{"external_id": "crm-77", "status": "delivered"}]},
    )
    assert r.status_code == 200 and r.json() == {"applied": 1}
    r = await client.post(
        api_inbox.statuses_url,
        headers=api_inbox.headers,
        json={
            "statuses": [
                {"message_id": posted["id"], "status": "read"},
                {"message_id": posted["id"], "status": "delivered"},  # late, changes nothing
                {"message_id": note["id"], "status": "read"},  # not an outgoing message
                {"external_id": "unknown", "status": "read"},
            ]
        },
    )
    assert r.json() == {"applied": 1}
    message = await stored(client, desk, conversation_id, posted["id"])
    assert message["delivery_status"] == "read"
    bad = await client.post(
        api_inbox.statuses_url,
        headers=api_inbox.headers,
        json={"statuses": [{"status": "read"}]},
    )
    problem(bad, 422, "message_id")
    bad = await client.post(
        api_inbox.statuses_url,
        headers=api_inbox.headers,
        json={"statuses": [{"message_id": posted["id"], "status": "eaten"}]},
    )
    problem(bad, 422)


async def test_a_failing_integrator_is_retried_with_the_same_key(
    client: httpx.AsyncClient,
    desk: Desk,
    api_inbox: ApiInbox,
    receiver: Receiver,
    worker: Worker,
    clock: FakeClock,
) -> None:
    conversation_id = await start(client, api_inbox)
    receiver.provider.fail("/hook", status=500, times=1)
    posted = await reply(client, desk, conversation_id, "Retry me")
    await worker.run_once()
    assert (await stored(client, desk, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "pending"
    clock.advance(2)
    await worker.run_once()
    first, second = receiver.calls()
    assert first.headers["x-frontdesk-delivery"] == second.headers["x-frontdesk-delivery"]
    assert signed(second, api_inbox.secret)
    message = await stored(client, desk, conversation_id, posted["id"])
    assert message["delivery_status"] == "sent" and message["external_id"] is None


async def test_a_refusal_fails_the_message_with_the_reason(
    client: httpx.AsyncClient,
    desk: Desk,
    api_inbox: ApiInbox,
    receiver: Receiver,
    worker: Worker,
) -> None:
    conversation_id = await start(client, api_inbox)
    receiver.answer = Reply(status=400, json={"error": "unknown user-42"})
    posted = await reply(client, desk, conversation_id, "Hello")
    await worker.run_once()
    message = await stored(client, desk, conversation_id, posted["id"])
    assert message["delivery_status"] == "failed"
    assert "400" in message["delivery_error"] and "unknown user-42" in message["delivery_error"]


async def test_without_a_webhook_url_replies_are_not_delivered(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    """The integrator reads replies over the REST API: nothing to deliver, nothing pending."""
    api_inbox = await connect(client, desk, desk.inbox_id, None)
    conversation_id = await start(client, api_inbox)
    posted = await reply(client, desk, conversation_id, "Read me over the API")
    assert posted["delivery_status"] == "sent"
    assert await jobs(db, kind="channel.deliver") == []


async def test_without_a_webhook_secret_the_reply_fails_with_the_reason(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    h = desk.admin.headers
    api_inbox = await connect(client, desk, desk.inbox_id, None)
    r = await client.put(
        f"{API}/inboxes/{desk.inbox_id}/channel", headers=h, json={"webhook_url": receiver.url}
    )
    assert r.status_code == 200, r.text
    conversation_id = await start(client, api_inbox)
    posted = await reply(client, desk, conversation_id, "Hello")
    await worker.run_once()
    message = await stored(client, desk, conversation_id, posted["id"])
    assert message["delivery_status"] == "failed" and "secret" in message["delivery_error"]
    assert receiver.calls() == []


async def test_the_webhook_secret_is_admin_only_write_only_and_api_only(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    url = f"{API}/inboxes/{desk.inbox_id}/channel/webhook-secret"
    problem(await client.post(url, headers=desk.agent.headers), 403)
    setup = (
        await client.get(f"{API}/inboxes/{desk.inbox_id}/channel", headers=desk.admin.headers)
    ).json()
    assert setup["settings"]["webhook_secret"] == "set"
    assert api_inbox.secret not in str(setup)
    r = await client.post(
        f"{API}/inboxes", headers=desk.admin.headers, json={"name": "VK", "channel_type": "vk"}
    )
    other = f"{API}/inboxes/{r.json()['id']}/channel/webhook-secret"
    problem(await client.post(other, headers=desk.admin.headers), 422, "not api")
    # Saving the channel's fields keeps the secret.
    r = await client.put(
        f"{API}/inboxes/{desk.inbox_id}/channel",
        headers=desk.admin.headers,
        json={"webhook_url": "https://93.184.216.34/hook"},
    )
    assert r.json()["settings"]["webhook_secret"] == "set"
