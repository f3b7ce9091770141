"""The visitor websocket against a live server: replies, typing and read marks arrive live;
the visitor's messages and typing reach the agents; notes and private typing never reach the
visitor; a site not allowed, or a bad token, is refused at the handshake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.api.conftest import post_message
from tests.channels.webchat.conftest import API, SITE, widget_settings
from tests.conftest import Actor, Desk, LiveServer, seed_desk
from tests.realtime.conftest import Socket


class Live:
    def __init__(self, app: Any, server: LiveServer, desk: Desk) -> None:
        self.app, self.server, self.desk = app, server, desk
        self.public_id = ""
        self.inbox_id = 0

    def widget_ws(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.server.port}/widget/v1/{self.public_id}/ws?token={token}"

    @property
    def agent_ws(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/api/v1/ws"


@pytest.fixture
def live_app(settings: Settings) -> Iterator[tuple[Any, LiveServer]]:
    """With its outbox worker: the survey after a resolution is one of its jobs."""
    application = create_app(settings, run_worker=True)
    server = LiveServer(application).start()
    try:
        yield application, server
    finally:
        server.stop()


@pytest.fixture
async def live(live_app: tuple[Any, LiveServer]) -> Live:
    application, server = live_app
    return Live(application, server, seed_desk(application.state.ctx.db))


@pytest.fixture
async def http(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.server.url, trust_env=False, timeout=10) as c:
        r = await c.post(
            f"{API}/inboxes",
            headers=live.desk.admin.headers,
            json={
                "name": "Website",
                "channel_type": "webchat",
                "settings": widget_settings(),
                "member_ids": [live.desk.agent.id],
            },
        )
        assert r.status_code == 201, r.text
        live.public_id, live.inbox_id = r.json()["public_id"], r.json()["id"]
        yield c


Open = Callable[..., Awaitable[Socket]]


@pytest.fixture
async def sockets(live: Live) -> AsyncIterator[Open]:
    opened: list[ClientConnection] = []

    async def open_(url: str, *, origin: str | None = SITE, name: str = "socket") -> Socket:
        ws = await connect(url, origin=origin, proxy=None, open_timeout=5)  # type: ignore[arg-type]
        opened.append(ws)
        return Socket(ws, name)

    yield open_
    for ws in opened:
        await ws.close()


async def new_visitor(http: httpx.AsyncClient, live: Live) -> str:
    r = await http.post(f"/widget/v1/{live.public_id}/sessions", headers={"Origin": SITE}, json={})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


def visitor_headers(token: str) -> dict[str, str]:
    return {"Origin": SITE, "Authorization": f"Bearer {token}"}


async def send(socket: Socket, frame: dict[str, Any] | str) -> None:
    await socket.ws.send(frame if isinstance(frame, str) else orjson.dumps(frame).decode())


async def agent_socket(sockets: Open, live: Live, actor: Actor) -> Socket:
    socket = await sockets(f"{live.agent_ws}?token={actor.token}", origin=None, name=actor.email)
    assert (await socket.next())["type"] == "ready"
    return socket


async def test_a_conversation_over_the_visitor_socket(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    desk = live.desk
    token = await new_visitor(http, live)
    visitor = await sockets(live.widget_ws(token), name="visitor")
    ready = await visitor.next()
    assert ready == {"type": "ready", "data": {"conversation": None}}
    agent = await agent_socket(sockets, live, desk.agent)

    await send(visitor, {"type": "message", "client_id": "w-1", "content": "Hello from the site"})
    ack = await visitor.next_of("message.ack")
    assert ack["data"]["client_id"] == "w-1" and ack["data"]["author"] == "visitor"
    created = await agent.next_of("message.created")
    assert created["data"]["content"] == "Hello from the site"
    cid = created["conversation_id"]
    # Sent again after a reconnect: the same message, nothing new for the agents.
    await send(visitor, {"type": "message", "client_id": "w-1", "content": "Hello from the site"})
    again = await visitor.next_of("message.ack")
    assert again["data"]["id"] == ack["data"]["id"]

    # The visitor types: the agents see it (no user, the contact).
    await send(visitor, {"type": "typing", "typing": True})
    typing = await agent.next_of("conversation.typing")
    assert typing["data"]["user_id"] is None and typing["data"]["typing"] is True

    # The agent types a note, then a reply: only the reply's typing reaches the visitor.
    await send(agent, {"type": "conversation.typing", "conversation_id": cid, "private": True})
    await send(agent, {"type": "conversation.typing", "conversation_id": cid})
    shown = await visitor.next_of("typing")
    assert shown["data"] == {"typing": True, "agent": {"name": "Agent", "initials": "A"}}

    await post_message(http, desk.agent.headers, cid, "SECRET internal note", private=True)
    await post_message(http, desk.agent.headers, cid, "Hi! How can I help?")
    reply, skipped = await visitor.until(lambda f: f["type"] == "message")
    assert reply["data"]["content"] == "Hi! How can I help?"
    assert reply["data"]["agent"] == {"name": "Agent", "initials": "A"}
    assert "SECRET" not in str(skipped) and desk.agent.email not in str(reply)
    assert not [f for f in skipped if f["type"] in ("typing", "message")]

    # The agent reads: the visitor learns it.
    r = await http.post(f"{API}/conversations/{cid}/read", headers=desk.agent.headers)
    assert r.status_code == 200
    read = await visitor.next_of("read")
    assert read["data"]["agent_read_at"]
    # The visitor reads: the agent's reply turns "read" for the agents.
    await send(visitor, {"type": "read", "message_id": reply["data"]["id"]})
    updated, _ = await agent.until(
        lambda f: f["type"] == "message.updated" and f["data"]["delivery_status"] == "read"
    )
    assert updated["data"]["id"] == reply["data"]["id"]
    await agent.next_of("webchat.visitor_read")

    # Resolved: the visitor's widget is told, and asked for a rating.
    r = await http.post(
        f"{API}/conversations/{cid}/status", headers=desk.agent.headers, json={"status": "resolved"}
    )
    status = await visitor.next_of("conversation")
    assert status["data"] == {"status": "resolved"}
    await visitor.next_of("csat.requested")
    await send(visitor, {"type": "ping"})
    await visitor.next_of("pong")


async def test_a_message_sent_over_http_elsewhere_is_followed_by_the_socket(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    token = await new_visitor(http, live)
    visitor = await sockets(live.widget_ws(token))
    await visitor.next_of("ready")
    r = await http.post(
        f"/widget/v1/{live.public_id}/messages",
        headers=visitor_headers(token),
        json={"content": "via HTTP", "client_id": "h-1"},
    )
    assert r.status_code == 201
    mine = await visitor.next_of("message")
    assert mine["data"]["client_id"] == "h-1"
    cid = (await http.get(f"{API}/conversations", headers=live.desk.admin.headers)).json()["items"][
        0
    ]["id"]
    await post_message(http, live.desk.agent.headers, cid, "Got it")
    reply = await visitor.next_of("message")
    assert reply["data"]["content"] == "Got it"


async def test_a_message_is_acknowledged_to_its_tab_and_shown_in_the_others(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    token = await new_visitor(http, live)
    tab = await sockets(live.widget_ws(token), name="tab")
    other = await sockets(live.widget_ws(token), name="other tab")
    await tab.next_of("ready")
    await other.next_of("ready")
    await send(tab, {"type": "message", "client_id": "t-1", "content": "first"})
    await tab.next_of("message.ack")
    shown = await other.next_of("message")
    assert shown["data"]["client_id"] == "t-1"
    # Both tabs follow the conversation now: the next one too, and the agent's reply.
    await send(tab, {"type": "message", "client_id": "t-2", "content": "second"})
    ack = await tab.next_of("message.ack")
    assert (await other.next_of("message"))["data"] == ack["data"]
    cid = (await http.get(f"{API}/conversations", headers=live.desk.admin.headers)).json()["items"][
        0
    ]["id"]
    await post_message(http, live.desk.agent.headers, cid, "Hello to both tabs")
    for socket in (tab, other):
        reply, skipped = await socket.until(lambda f: f["type"] == "message")
        assert reply["data"]["content"] == "Hello to both tabs"
        # The tab that sent them had each in its acknowledgement: not a second time.
        if socket is tab:
            assert [f for f in skipped if f["type"] == "message"] == []


async def test_other_visitors_hear_nothing(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    first, second = await new_visitor(http, live), await new_visitor(http, live)
    listener = await sockets(live.widget_ws(second), name="second")
    await listener.next_of("ready")
    r = await http.post(
        f"/widget/v1/{live.public_id}/messages",
        headers=visitor_headers(first),
        json={"content": "first's secret", "client_id": "s-1"},
    )
    cid = (await http.get(f"{API}/conversations", headers=live.desk.admin.headers)).json()["items"][
        0
    ]["id"]
    await post_message(http, live.desk.agent.headers, cid, "reply to first")
    await send(listener, {"type": "ping"})
    _, skipped = await listener.until(lambda f: f["type"] == "pong")
    assert skipped == []
    assert r.status_code == 201


@pytest.mark.parametrize("origin", ["https://evil.example.net", None])
async def test_a_site_not_allowed_cannot_open_the_socket(
    live: Live, http: httpx.AsyncClient, sockets: Open, origin: str | None
) -> None:
    token = await new_visitor(http, live)
    with pytest.raises(InvalidStatus) as refused:
        await sockets(live.widget_ws(token), origin=origin)
    assert refused.value.response.status_code == 403
    assert b"site" in refused.value.response.body


async def test_the_desks_own_pages_may_open_the_socket_of_a_chat_limited_to_another_site(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    # The inbox allows only shop.example.com; the desk's own origin (its base URL, as on the
    # chat's preview page) may use it all the same, and a message sent from there arrives.
    token = await new_visitor(http, live)
    visitor = await sockets(live.widget_ws(token), origin="http://testserver", name="preview")
    assert (await visitor.next())["type"] == "ready"
    await send(visitor, {"type": "message", "client_id": "p-1", "content": "From the preview"})
    ack = await visitor.next_of("message.ack")
    assert ack["data"]["content"] == "From the preview"
    for origin in ("http://testserver:8080", "https://testserver"):
        with pytest.raises(InvalidStatus) as refused:
            await sockets(live.widget_ws(token), origin=origin)
        assert refused.value.response.status_code == 403


async def test_a_bad_token_or_inbox_cannot_open_the_socket(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await sockets(live.widget_ws("v1.forged.token"))
    assert refused.value.response.status_code == 401
    url = f"ws://127.0.0.1:{live.server.port}/widget/v1/nope/ws?token=x"
    with pytest.raises(InvalidStatus) as refused:
        await sockets(url)
    assert refused.value.response.status_code == 404


async def test_bad_frames_get_error_frames(
    live: Live, http: httpx.AsyncClient, sockets: Open
) -> None:
    token = await new_visitor(http, live)
    visitor = await sockets(live.widget_ws(token))
    await visitor.next_of("ready")
    for bad, code in (
        ("not json", "bad_frame"),
        ({"type": "dance"}, "unknown_type"),
        ({"type": "message", "content": "no id"}, "bad_frame"),
        ({"type": "message", "client_id": "e1", "content": " "}, "unprocessable_content"),
        ({"type": "read", "message_id": "x"}, "bad_frame"),
        ("x" * 20000, "too_large"),
    ):
        await send(visitor, bad)
        error = await visitor.next_of("error")
        assert error["data"]["code"] == code, (bad, error)
    await send(visitor, {"type": "ping"})
    await visitor.next_of("pong")
