"""Retrying a failed WhatsApp reply is sending it now: outside the 24-hour window it is refused
before anything is queued, as a new reply would be."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.outbox.worker import Worker
from tests.api.conftest import problem
from tests.channels.whatsapp.conftest import FakeGraph, WaInbox, event, post_event, status_value
from tests.channels.whatsapp.test_delivery import conversation_with, reply, stored
from tests.channels.whatsapp.test_webhook import sent_reply
from tests.outbox.helpers import FakeClock, one_job

API = "/api/v1"


async def test_a_retry_outside_the_window_is_refused_and_inside_it_is_sent(
    client: httpx.AsyncClient,
    app: Any,
    clock: FakeClock,
    graph: FakeGraph,
    wa_inbox: WaInbox,
    worker: Worker,
) -> None:
    conversation_id = await conversation_with(client, wa_inbox)
    graph.provider.fail(
        "/messages",
        status=400,
        json={"error": {"message": "(#131026) Message undeliverable", "code": 131026}},
    )
    message_id = (await reply(client, wa_inbox, conversation_id, "Hello?")).json()["id"]
    assert await worker.run_once() == 1
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "failed"
    url = f"{API}/conversations/{conversation_id}/messages/{message_id}/retry"

    clock.advance(25 * 3600)
    body = problem(await client.post(url, headers=wa_inbox.agent_headers), 422, "template")
    assert body["code"] == "whatsapp_window_closed"
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "failed"
    assert (await one_job(app.state.ctx.db, kind="channel.deliver")).status == "dead"

    clock.advance(-24 * 3600)  # back inside the window
    r = await client.post(url, headers=wa_inbox.agent_headers)
    assert r.status_code == 200, r.text
    assert await worker.run_once() == 1
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "sent"
    assert len(graph.sent()) == 2


async def test_a_reply_reported_failed_after_it_was_sent_follows_its_new_send(
    client: httpx.AsyncClient,
    app: Any,
    wa_inbox: WaInbox,
    worker: Worker,
) -> None:
    message_id, first_wamid = await sent_reply(client, wa_inbox, worker)
    conversation_id = (
        await client.get(
            f"{API}/conversations", headers=wa_inbox.agent_headers, params={"inbox_id": wa_inbox.id}
        )
    ).json()["items"][0]["id"]
    await post_event(client, wa_inbox, event(status_value(first_wamid, "failed")))
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "failed"

    url = f"{API}/conversations/{conversation_id}/messages/{message_id}/retry"
    assert (await client.post(url, headers=wa_inbox.agent_headers)).status_code == 200
    assert await worker.run_once() == 1
    again = await stored(client, wa_inbox, conversation_id, message_id)
    assert again["delivery_status"] == "sent"
    assert again["external_id"] not in (None, first_wamid)
    # Meta reports on the new send by its new id; the failed one's late reports change nothing.
    await post_event(client, wa_inbox, event(status_value(again["external_id"], "delivered")))
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "delivered"
    r = await post_event(client, wa_inbox, event(status_value(first_wamid, "failed")))
    assert r.json()["statuses"] == 0
    assert (await stored(client, wa_inbox, conversation_id, message_id))[
        "delivery_status"
    ] == "delivered"
