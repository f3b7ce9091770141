"""A reply in an API inbox without a webhook URL is never sent by the desk (the integrator
reads it over REST), so when the integrator reports it failed there is nothing to retry."""

from __future__ import annotations

import httpx

from frontdesk.core.db import Database
from tests.api.conftest import count_rows, problem
from tests.channels.api.conftest import API, connect, inbound
from tests.conftest import Desk


async def test_a_reply_no_channel_sends_is_not_retried(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    inbox = await connect(client, desk, desk.inbox_id, None)
    r = await client.post(inbox.messages_url, headers=inbox.headers, json=inbound())
    assert r.status_code == 201, r.text
    conversation_id = r.json()["conversation_id"]
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=desk.agent.headers,
        json={"content": "Your order ships today."},
    )
    assert r.status_code == 201 and r.json()["delivery_status"] == "sent", r.text
    message_id = r.json()["id"]
    r = await client.post(
        inbox.statuses_url,
        headers=inbox.headers,
        json={
            "statuses": [{"message_id": message_id, "status": "failed", "error": "no such user"}]
        },
    )
    assert r.json() == {"applied": 1}

    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages/{message_id}/retry",
        headers=desk.agent.headers,
    )
    problem(r, 409, "nothing sends replies from this inbox")
    assert count_rows(db, "outbox_jobs", "kind = 'channel.deliver'") == 0
    assert count_rows(db, "messages", "delivery_status = 'failed'") == 1
