"""The retry as an agent's screen lives it: a live desk with its worker, a Telegram that refuses
the reply once, the agent's websocket. The screen's messages, updated only by the events it
receives, end equal to what a fresh fetch returns: failed, then pending, then sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.channels.telegram.conftest import TOKEN, FakeTelegram, TgInbox, post_update, text_update
from tests.channels.telegram.test_delivery_retry import BLOCKED
from tests.conftest import Desk, LiveServer, seed_desk
from tests.realtime.conftest import Frame, Socket

API = "/api/v1"


@pytest.fixture
def live_desk(tg_settings: Settings) -> Iterator[tuple[LiveServer, Desk]]:
    application = create_app(
        tg_settings.model_copy(update={"outbox_poll_seconds": 0.2}), run_worker=True
    )
    server = LiveServer(application).start()
    try:
        yield server, seed_desk(application.state.ctx.db)
    finally:
        server.stop()


def apply(messages: list[dict[str, Any]], frame: Frame) -> list[dict[str, Any]]:
    """What the agent app does with a message.updated frame (stores/timeline.ts)."""
    data = {k: v for k, v in frame["data"].items() if k != "changed"}
    return [data if m["id"] == data["id"] else m for m in messages]


async def test_the_agents_socket_follows_the_retry_from_failed_to_sent(
    live_desk: tuple[LiveServer, Desk], telegram: FakeTelegram
) -> None:
    server, desk = live_desk
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10) as http:
        r = await http.post(
            f"{API}/inboxes",
            headers=desk.admin.headers,
            json={"name": "Telegram", "channel_type": "telegram", "member_ids": [desk.agent.id]},
        )
        inbox_id = r.json()["id"]
        r = await http.post(
            f"{API}/inboxes/{inbox_id}/telegram/connect",
            headers=desk.admin.headers,
            json={"bot_token": TOKEN},
        )
        assert r.status_code == 200, r.text
        inbox = TgInbox(
            id=inbox_id,
            public_id=(
                await http.get(f"{API}/inboxes/{inbox_id}", headers=desk.admin.headers)
            ).json()["public_id"],
            secret=telegram.webhook["secret_token"],
            agent_headers=desk.agent.headers,
            admin_headers=desk.admin.headers,
        )
        url = f"ws://127.0.0.1:{server.port}{API}/ws?token={desk.agent.token}"
        async with connect(url, proxy=None, open_timeout=5) as ws:
            socket = Socket(ws, "agent")
            assert (await socket.next())["type"] == "ready"
            r = await post_update(http, inbox, text_update(70001, 1, "Is my order ready?"))
            assert r.status_code == 200, r.text
            created = await socket.next_of("conversation.created")
            conversation_id = created["data"]["id"]

            telegram.provider.fail("/sendMessage", status=403, json=BLOCKED)
            r = await http.post(
                f"{API}/conversations/{conversation_id}/messages",
                headers=desk.agent.headers,
                json={"content": "Yes, it leaves today."},
            )
            message_id = r.json()["id"]
            failed = await socket.next_of("message.updated", within=10)
            assert failed["data"]["delivery_status"] == "failed"

            messages_url = f"{API}/conversations/{conversation_id}/messages"
            before = (await http.get(messages_url, headers=desk.agent.headers)).json()["items"]
            r = await http.post(f"{messages_url}/{message_id}/retry", headers=desk.agent.headers)
            assert r.status_code == 200, r.text

            pending = await socket.next_of("message.updated")
            sent = await socket.next_of("message.updated", within=10)
            assert [f["data"]["delivery_status"] for f in (pending, sent)] == ["pending", "sent"]
            assert pending["data"]["changed"] == ["delivery_status"]
            assert pending["data"]["delivery_error"] is None

            after = apply(apply(before, pending), sent)
            fresh = (await http.get(messages_url, headers=desk.agent.headers)).json()["items"]
            assert after == fresh
            assert [m["delivery_status"] for m in fresh if m["id"] == message_id] == ["sent"]
    assert [c["text"] for c in telegram.sent()] == ["Yes, it leaves today."] * 2
