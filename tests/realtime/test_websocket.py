"""The agent websocket on a real uvicorn server: who receives what, auth, origin, metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, Actor
from tests.realtime.conftest import (
    Frame,
    Live,
    OpenSocket,
    Socket,
    barrier,
    is_barrier,
    open_websockets,
    second_workspace,
)


async def create_conversation(
    http: httpx.AsyncClient, actor: Actor, inbox_id: int, content: str = "Where is my parcel?"
) -> dict[str, Any]:
    r = await http.post(
        "/api/v1/conversations",
        headers=actor.headers,
        json={
            "inbox_id": inbox_id,
            "contact": {"name": "Ivan Petrov", "email": "ivan@example.ru"},
            "message": {"content": content},
        },
    )
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()
    return conversation


async def post(
    http: httpx.AsyncClient, actor: Actor, conversation_id: int, content: str, **extra: Any
) -> dict[str, Any]:
    r = await http.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=actor.headers,
        json={"content": content, **extra},
    )
    assert r.status_code == 201, r.text
    message: dict[str, Any] = r.json()
    return message


def concerning(frames: list[Frame], conversation_id: int) -> list[str]:
    """The frames among `frames` that tell something about the conversation."""
    return [
        f["type"]
        for f in frames
        if f.get("conversation_id") == conversation_id
        or f["data"].get("conversation_id") == conversation_id
    ]


async def message_created(socket: Socket, content: str) -> Frame:
    frame, _ = await socket.until(
        lambda f: f["type"] == "message.created" and f["data"]["content"] == content
    )
    return frame


# ------------------------------------------------------------------------------ connecting
async def test_the_first_frame_is_ready(live: Live, open_socket: OpenSocket) -> None:
    socket = await open_socket(live.desk.agent, wait_ready=False)
    assert await socket.next() == {
        "type": "ready",
        "data": {"user_id": live.desk.agent.id, "role": "agent"},
    }


async def test_ping_is_answered(live: Live, open_socket: OpenSocket) -> None:
    socket = await open_socket(live.desk.agent)
    await socket.ws.send('{"type": "ping"}')
    assert await socket.next() == {"type": "pong", "data": {}}


@pytest.mark.parametrize("token", [None, "fdt_not-a-real-token", ""])
async def test_without_a_valid_token_the_socket_is_closed_4401(
    live: Live, open_socket: OpenSocket, token: str | None
) -> None:
    socket = await open_socket(token=token, wait_ready=False)
    assert await socket.close_code() == 4401


async def _login(http: httpx.AsyncClient, actor: Actor) -> str:
    r = await http.post("/api/v1/auth/login", json={"email": actor.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.cookies["frontdesk_session"]


async def test_a_cookie_socket_from_a_foreign_origin_is_closed_4403(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    cookie = {"Cookie": f"frontdesk_session={await _login(http, live.desk.agent)}"}
    foreign = await open_socket(headers=cookie, origin="https://evil.example", wait_ready=False)
    assert await foreign.close_code() == 4403

    # Our own page, and a non-browser client (no Origin), may use the cookie.
    own = await open_socket(headers=cookie, origin=live.server.url, wait_ready=False)
    assert (await own.next())["data"]["user_id"] == live.desk.agent.id
    tool = await open_socket(headers=cookie, wait_ready=False)
    assert (await tool.next())["type"] == "ready"
    # A token is not ambient authority: any origin may present one.
    with_token = await open_socket(live.desk.agent, origin="https://evil.example", wait_ready=False)
    assert (await with_token.next())["type"] == "ready"


async def test_an_expired_session_cookie_is_closed_4401(
    live: Live, open_socket: OpenSocket
) -> None:
    socket = await open_socket(
        headers={"Cookie": "frontdesk_session=stale"}, origin=live.server.url, wait_ready=False
    )
    assert await socket.close_code() == 4401


# ------------------------------------------------------------------------------ fan-out
async def test_a_message_reaches_exactly_those_who_may_see_its_inbox(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    globex = await second_workspace(live)
    agent = await open_socket(desk.agent)
    supervisor = await open_socket(desk.supervisor)
    admin = await open_socket(desk.admin)
    other_agent = await open_socket(desk.other_agent)
    strangers = [await open_socket(globex.admin), await open_socket(globex.agent)]

    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    posted = await post(http, desk.agent, conversation["id"], "We are on it")
    posted.pop("new_conversation")  # an answer to the poster, not part of the message

    for socket in (agent, supervisor, admin):
        frame = await message_created(socket, "We are on it")
        assert frame["conversation_id"] == conversation["id"]
        assert frame["inbox_id"] == desk.inbox_id
        data = dict(frame["data"])
        summary = data.pop("conversation")
        assert data == posted
        assert summary["id"] == conversation["id"] and summary["message_count"] == 2
        assert "conversation.created" in concerning(socket.seen, conversation["id"])

    await barrier(http, desk.other_agent)
    _, before = await other_agent.until(is_barrier(desk.other_agent))
    assert concerning(before, conversation["id"]) == []
    assert not [f for f in before if f["type"].startswith(("message.", "conversation."))]

    await barrier(http, globex.admin)
    for stranger in strangers:
        _, before = await stranger.until(is_barrier(globex.admin))
        assert before == [], "another workspace's events leaked"


async def test_a_mention_notifies_only_the_mentioned_user(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    other_agent = await open_socket(desk.other_agent)
    supervisor = await open_socket(desk.supervisor)
    admin = await open_socket(desk.admin)
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    note = await post(
        http,
        desk.agent,
        conversation["id"],
        f"@[Other Agent](user:{desk.other_agent.id}) can you take a look?",
        private=True,
    )

    frame, before = await other_agent.until(lambda f: f["type"] == "notification.mentioned")
    assert frame["data"] == {
        "conversation_id": conversation["id"],
        "number": conversation["number"],
        "message_id": note["id"],
        "by": "Agent",
        "excerpt": "@Other Agent can you take a look?",
    }
    # Mentioned, but not a member of the inbox: the note itself does not reach them.
    assert not [f for f in before if f["type"] == "message.created"]

    await barrier(http, desk.agent)
    for socket in (supervisor, admin):
        _, seen = await socket.until(is_barrier(desk.agent))
        types = [f["type"] for f in seen]
        assert "message.created" in types  # the note, to those who see the inbox
        assert "notification.mentioned" not in types


async def test_an_assignment_notifies_only_the_assignee(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    supervisor = await open_socket(desk.supervisor)
    conversation = await create_conversation(http, desk.supervisor, desk.inbox_id)
    r = await http.post(
        f"/api/v1/conversations/{conversation['id']}/assignment",
        headers=desk.admin.headers,
        json={"assignee_id": desk.agent.id},
    )
    assert r.status_code == 200, r.text
    frame = await agent.next_of("notification.assigned")
    assert frame["data"] == {
        "conversation_id": conversation["id"],
        "number": conversation["number"],
        "user_id": desk.agent.id,
    }
    await barrier(http, desk.admin)
    _, seen = await supervisor.until(is_barrier(desk.admin))
    types = [f["type"] for f in seen]
    assert "conversation.assigned" in types and "notification.assigned" not in types


async def test_a_new_inbox_member_receives_its_events_without_reconnecting(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    other_agent = await open_socket(desk.other_agent)
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)

    r = await http.put(
        f"/api/v1/inboxes/{desk.inbox_id}/members",
        headers=desk.admin.headers,
        json={"user_ids": [desk.agent.id, desk.other_agent.id]},
    )
    assert r.status_code == 200, r.text
    await post(http, desk.agent, conversation["id"], "now you see me")
    frame = await message_created(other_agent, "now you see me")
    assert frame["conversation_id"] == conversation["id"]

    # And once removed, the inbox falls silent for them again.
    r = await http.put(
        f"/api/v1/inboxes/{desk.inbox_id}/members",
        headers=desk.admin.headers,
        json={"user_ids": [desk.agent.id]},
    )
    assert r.status_code == 200, r.text
    await post(http, desk.agent, conversation["id"], "now you don't")
    await barrier(http, desk.other_agent)
    _, seen = await other_agent.until(is_barrier(desk.other_agent))
    assert "now you don't" not in [f["data"].get("content") for f in seen]


async def test_open_websockets_are_counted(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    assert await open_websockets(http) == 0
    sockets = [await open_socket(a) for a in (live.desk.agent, live.desk.admin, live.desk.agent)]
    assert await open_websockets(http) == 3
    await sockets[0].ws.close()
    await _eventually_count(http, 2)
    refused = await open_socket(token="nope", wait_ready=False)
    assert await refused.close_code() == 4401
    assert await open_websockets(http) == 2, "a refused socket is not an open one"


async def _eventually_count(http: httpx.AsyncClient, expected: int) -> None:
    for _ in range(500):
        if await open_websockets(http) == expected:
            return
        await asyncio.sleep(0.01)
    assert await open_websockets(http) == expected


async def test_a_deactivated_users_open_socket_is_closed_4401(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    other = await open_socket(desk.other_agent)
    r = await http.patch(
        f"/api/v1/users/{desk.agent.id}", headers=desk.admin.headers, json={"is_active": False}
    )
    assert r.status_code == 200, r.text
    assert await agent.close_code() == 4401
    # Colleagues' sockets stay open and hear of it.
    frame = await other.next_of("user.updated")
    assert frame["data"]["id"] == desk.agent.id


async def test_a_role_change_makes_the_socket_reconnect_with_the_new_role(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    r = await http.patch(
        f"/api/v1/users/{desk.agent.id}", headers=desk.admin.headers, json={"role": "supervisor"}
    )
    assert r.status_code == 200, r.text
    assert await agent.close_code() == 4409
    again = await open_socket(desk.agent, wait_ready=False)
    ready = await again.next()
    assert ready["data"]["role"] == "supervisor"
    # A change that keeps the role (a new name) leaves the socket alone.
    r = await http.patch(
        f"/api/v1/users/{desk.agent.id}", headers=desk.admin.headers, json={"name": "Agent Smith"}
    )
    assert r.status_code == 200, r.text
    frame = await again.next_of("user.updated")
    assert frame["data"]["name"] == "Agent Smith"
    await barrier(http, desk.admin)
    await again.until(is_barrier(desk.admin))
