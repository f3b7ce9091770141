"""Agents' replies reaching VK with messages.send: the right peer, a random_id stable across
retries (VK's idempotency), files, failures with reasons, read reports."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.channels.vk.rules import random_id
from frontdesk.outbox.worker import Worker
from tests.channels.telegram.conftest import messages_of
from tests.channels.vk.conftest import (
    ACCESS_TOKEN,
    GROUP_ID,
    SECRET,
    USER_ID,
    FakeVk,
    VkInbox,
    message_new,
    post_event,
)
from tests.outbox.helpers import FakeClock, one_job

API = "/api/v1"


async def conversation_with(
    client: httpx.AsyncClient, inbox: VkInbox, worker: Worker, peer_id: int = USER_ID
) -> int:
    r = await post_event(client, inbox, message_new("Hello!", peer_id=peer_id, cmid=1))
    assert r.status_code == 200, r.text
    assert await worker.run_once() == 1  # VK is asked the new customer's name
    r = await client.get(
        f"{API}/conversations", headers=inbox.agent_headers, params={"inbox_id": inbox.id}
    )
    conversation_id: int = r.json()["items"][0]["id"]
    return conversation_id


async def reply(
    client: httpx.AsyncClient, inbox: VkInbox, conversation_id: int, content: str
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=inbox.agent_headers,
        json={"content": content},
    )
    assert r.status_code == 201, r.text
    posted: dict[str, Any] = r.json()
    assert posted["delivery_status"] == "pending"
    return posted


async def stored(
    client: httpx.AsyncClient, inbox: VkInbox, conversation_id: int, message_id: int
) -> dict[str, Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=inbox.agent_headers
    )
    [found] = [m for m in r.json()["items"] if m["id"] == message_id]
    result: dict[str, Any] = found
    return result


async def test_a_reply_goes_to_the_peer_with_a_random_id_from_the_message(
    client: httpx.AsyncClient, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, vk_inbox, worker)
    posted = await reply(client, vk_inbox, conversation_id, "Ваш заказ в пути")
    assert await worker.run_once() == 1
    [call] = vk.calls("messages.send")
    assert call == {
        "peer_ids": str(USER_ID),
        "random_id": str(random_id(vk_inbox.public_id, posted["id"])),
        "message": "Ваш заказ в пути",
        "access_token": ACCESS_TOKEN,
        "v": "5.199",
    }
    message = await stored(client, vk_inbox, conversation_id, posted["id"])
    assert message["delivery_status"] == "sent"
    assert message["external_id"] == f"{USER_ID}:5001"
    assert message["content_attributes"]["vk"] == {
        "peer_id": USER_ID,
        "conversation_message_ids": [5001],
    }
    # The token never travels in a URL.
    assert all(ACCESS_TOKEN not in c.path for c in vk.provider.calls)


async def test_a_lost_answer_is_retried_with_the_same_random_id_and_sent_once(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    vk: FakeVk,
    vk_inbox: VkInbox,
    worker: Worker,
) -> None:
    """VK took the message but its answer never came (a timeout): the retry carries the same
    random_id, so the customer gets it once."""
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, vk_inbox, worker)
    gate = vk.provider.hang("/method/messages.send")
    posted = await reply(client, vk_inbox, conversation_id, "Are you there?")
    assert await worker.run_once() == 1  # the channel timeout is 1 s in these tests
    job = await one_job(db, kind="channel.deliver")
    assert job.status == "pending" and "did not answer messages.send in time" in (
        job.last_error or ""
    )
    gate.set()  # VK gets to the held call now: the message is sent
    vk.provider.fail("/method/messages.send", status=500)
    clock.advance(2)
    assert await worker.run_once() == 1
    clock.advance(4)
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("done", 3)
    calls = vk.calls("messages.send")
    assert len(calls) == 3
    assert {c["random_id"] for c in calls} == {str(random_id(vk_inbox.public_id, posted["id"]))}
    assert len(vk.delivered) == 1  # what the customer sees
    message = await stored(client, vk_inbox, conversation_id, posted["id"])
    assert message["delivery_status"] == "sent"


async def test_vk_errors_are_retried_or_fail_with_a_reason(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    vk: FakeVk,
    vk_inbox: VkInbox,
    worker: Worker,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, vk_inbox, worker)
    busy = {"error": {"error_code": 10, "error_msg": "Internal server error"}}
    vk.provider.fail("/method/messages.send", status=200, json=busy)
    posted = await reply(client, vk_inbox, conversation_id, "one")
    assert await worker.run_once() == 1
    job = await one_job(db, kind="channel.deliver")
    assert job.status == "pending" and "VK is unavailable or busy" in (job.last_error or "")
    clock.advance(2)
    assert await worker.run_once() == 1
    assert (await stored(client, vk_inbox, conversation_id, posted["id"]))[
        "delivery_status"
    ] == "sent"

    denied = {
        "error": {
            "error_code": 901,
            "error_msg": "Can't send messages for users without permission",
        }
    }
    vk.provider.fail("/method/messages.send", status=200, json=denied)
    posted = await reply(client, vk_inbox, conversation_id, "two")
    assert await worker.run_once() == 1
    message = await stored(client, vk_inbox, conversation_id, posted["id"])
    assert message["delivery_status"] == "failed"
    assert message["delivery_error"] == (
        "The customer has not allowed messages from the community "
        "(VK error 901: Can't send messages for users without permission)"
    )


async def test_files_are_uploaded_as_a_photo_and_a_document(
    client: httpx.AsyncClient, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, vk_inbox, worker)
    jpeg, pdf = b"\xff\xd8\xff\xe0JPEG", b"%PDF-1.4 invoice"
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=vk_inbox.agent_headers,
        data={"content": "Your invoice"},
        files=[
            ("files", ("parcel.jpg", jpeg, "image/jpeg")),
            ("files", ("invoice.pdf", pdf, "application/pdf")),
        ],
    )
    assert r.status_code == 201, r.text
    assert await worker.run_once() == 1
    [photo_upload] = vk.provider.calls_to("/upload/photo")
    assert photo_upload.files["photo"] == ("parcel.jpg", "image/jpeg", jpeg)
    [doc_upload] = vk.provider.calls_to("/upload/doc")
    assert doc_upload.files["file"] == ("invoice.pdf", "application/pdf", pdf)
    [saved_photo] = vk.calls("photos.saveMessagesPhoto")
    assert (saved_photo["server"], saved_photo["hash"]) == ("1", "h1")
    assert vk.calls("docs.save")[0]["title"] == "invoice.pdf"
    [send] = vk.calls("messages.send")
    assert send["message"] == "Your invoice"
    assert send["attachment"] == f"photo-{GROUP_ID}_457239017_k3y,doc-{GROUP_ID}_457239018"


async def test_long_text_goes_in_parts_each_with_its_own_stable_random_id(
    client: httpx.AsyncClient, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    conversation_id = await conversation_with(client, vk_inbox, worker)
    text = "\n".join(f"Step {i}: " + "do this carefully. " * 5 for i in range(80))
    posted = await reply(client, vk_inbox, conversation_id, text)
    await worker.run_once()
    calls = vk.calls("messages.send")
    assert len(calls) == 3 and all(len(c["message"]) <= 4096 for c in calls)
    assert [c["random_id"] for c in calls] == [
        str(random_id(vk_inbox.public_id, posted["id"], n)) for n in range(3)
    ]


async def test_a_group_chat_is_answered_in_the_chat_and_a_read_report_marks_it_read(
    client: httpx.AsyncClient, app: Any, vk: FakeVk, vk_inbox: VkInbox, worker: Worker
) -> None:
    peer = 2000000066
    conversation_id = await conversation_with(client, vk_inbox, worker, peer_id=peer)
    posted = await reply(client, vk_inbox, conversation_id, "Hello, everyone")
    await worker.run_once()
    assert vk.calls("messages.send")[0]["peer_ids"] == str(peer)
    read = {
        "type": "message_read",
        "group_id": GROUP_ID,
        "event_id": "r1",
        "v": "5.199",
        "object": {
            "from_id": USER_ID,
            "peer_id": peer,
            "read_message_id": 0,
            "conversation_message_id": 5001,
        },
        "secret": SECRET,
    }
    r = await post_event(client, vk_inbox, read)
    assert (r.status_code, r.text) == (200, "ok")
    [message] = [m for m in messages_of(app.state.ctx.db, vk_inbox.id) if m.id == posted["id"]]
    assert message.delivery_status == "read"
