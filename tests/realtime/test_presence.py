"""Presence and collision hints over real websockets: who is online, away or offline, who is
viewing or typing where, and what a socket is told when it sends something wrong."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest

from frontdesk.presence.tracker import PresenceTracker
from tests.api.conftest import count_rows
from tests.conftest import Actor
from tests.realtime.conftest import Frame, Live, OpenSocket, Socket, barrier, is_barrier
from tests.realtime.test_websocket import create_conversation

HINTS = ("conversation.viewing", "conversation.typing", "conversation.left")


def tracker(live: Live) -> PresenceTracker:
    presence: PresenceTracker = live.app.state.presence
    return presence


async def settled(live: Live) -> None:
    """The server's tracker runs on the server's own event loop: wait until it is idle."""
    for _ in range(200):
        if not tracker(live).busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("presence decisions did not settle")


async def choose(http: httpx.AsyncClient, actor: Actor, availability: str) -> None:
    r = await http.put(
        "/api/v1/profile/availability", headers=actor.headers, json={"availability": availability}
    )
    assert r.status_code == 200, r.text


async def presence_of(http: httpx.AsyncClient, viewer: Actor) -> dict[int, dict[str, Any]]:
    r = await http.get("/api/v1/presence", headers=viewer.headers)
    assert r.status_code == 200, r.text
    return {item["user_id"]: item for item in r.json()}


def presence_of_user(actor: Actor) -> Any:
    return lambda f: f["type"] == "user.presence_changed" and f["data"]["user_id"] == actor.id


async def send(socket: Socket, frame: dict[str, Any] | str) -> None:
    await socket.ws.send(frame if isinstance(frame, str) else orjson.dumps(frame).decode())


def hints_in(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if f["type"] in HINTS]


# ------------------------------------------------------------------------------ presence
async def test_colleagues_see_an_agent_come_online_go_away_and_go_offline(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    tracker(live).grace = timedelta(milliseconds=300)
    watcher = await open_socket(desk.supervisor)
    stored_before = count_rows(live.app.state.ctx.db, "events", "type = 'user.presence_changed'")

    # Chose online, but has no socket open: offline to colleagues, and nobody is told.
    await choose(http, desk.agent, "online")
    await watcher.until(is_barrier(desk.agent))
    await settled(live)
    assert (await presence_of(http, desk.supervisor))[desk.agent.id]["status"] == "offline"
    assert count_rows(live.app.state.ctx.db, "events", "type = 'user.presence_changed'") == (
        stored_before
    )

    socket = await open_socket(desk.agent)
    online = await watcher.next_of("user.presence_changed")
    assert online["data"]["user_id"] == desk.agent.id and online["data"]["status"] == "online"
    assert online["id"] is not None  # a recorded event
    listed = await presence_of(http, desk.supervisor)
    assert listed[desk.agent.id] == {
        "user_id": desk.agent.id,
        "status": "online",
        "version": online["data"]["version"],
    }
    # Everybody of the workspace is listed; the watcher chose nothing yet: offline.
    assert set(listed) == {desk.admin.id, desk.supervisor.id, desk.agent.id, desk.other_agent.id}
    assert listed[desk.supervisor.id]["status"] == "offline"

    await choose(http, desk.agent, "away")
    away, _ = await watcher.until(presence_of_user(desk.agent))
    assert away["data"]["status"] == "away"
    assert away["data"]["version"] > online["data"]["version"]

    # "Offline" chosen with the app open: shown offline (appear offline), and back.
    await choose(http, desk.agent, "offline")
    hidden, _ = await watcher.until(presence_of_user(desk.agent))
    assert hidden["data"]["status"] == "offline"
    await choose(http, desk.agent, "online")
    back, _ = await watcher.until(presence_of_user(desk.agent))
    assert back["data"]["status"] == "online"

    # The last socket closes: offline once the grace period is over.
    await socket.ws.close()
    gone, _ = await watcher.until(presence_of_user(desk.agent), within=5)
    assert gone["data"]["status"] == "offline"
    assert (await presence_of(http, desk.supervisor))[desk.agent.id]["status"] == "offline"
    stored = count_rows(live.app.state.ctx.db, "events", "type = 'user.presence_changed'")
    assert stored - stored_before == 5  # online, away, offline, online, offline


async def test_a_reload_within_the_grace_period_does_not_flicker(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    tracker(live).grace = timedelta(seconds=1)
    watcher = await open_socket(desk.supervisor)
    await choose(http, desk.agent, "online")
    first = await open_socket(desk.agent)
    await watcher.until(presence_of_user(desk.agent))

    await first.ws.close()  # the page reloads...
    await asyncio.sleep(0.2)
    await open_socket(desk.agent)  # ...and is back
    await asyncio.sleep(1.5)  # past the grace period of the first socket
    await settled(live)
    await barrier(http, desk.admin)
    _, skipped = await watcher.until(is_barrier(desk.admin))
    assert not [f for f in skipped if presence_of_user(desk.agent)(f)]
    assert (await presence_of(http, desk.supervisor))[desk.agent.id]["status"] == "online"


async def test_two_tabs_keep_an_agent_online_until_the_last_one_closes(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    tracker(live).grace = timedelta(milliseconds=200)
    watcher = await open_socket(desk.supervisor)
    await choose(http, desk.agent, "away")
    tabs = [await open_socket(desk.agent), await open_socket(desk.agent)]
    came, _ = await watcher.until(presence_of_user(desk.agent))
    assert came["data"]["status"] == "away"

    await tabs[0].ws.close()
    await asyncio.sleep(0.5)
    await settled(live)
    assert (await presence_of(http, desk.supervisor))[desk.agent.id]["status"] == "away"
    await tabs[1].ws.close()
    gone, _ = await watcher.until(presence_of_user(desk.agent))
    assert gone["data"]["status"] == "offline"


async def test_presence_stays_within_the_workspace(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    from tests.realtime.conftest import second_workspace

    desk = live.desk
    globex = await second_workspace(live)
    stranger = await open_socket(globex.admin)
    await choose(http, desk.agent, "online")
    await open_socket(desk.agent)
    await settled(live)
    await barrier(http, globex.agent)
    _, skipped = await stranger.until(is_barrier(globex.agent))
    assert [f["type"] for f in skipped] == []
    theirs = await presence_of(http, globex.admin)
    assert desk.agent.id not in theirs and set(theirs) >= {globex.admin.id, globex.agent.id}


async def test_the_presence_list_needs_a_login(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/presence")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


# ------------------------------------------------------------------------------ hints
async def test_viewing_and_typing_reach_the_colleagues_who_may_see_the_conversation(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    supervisor = await open_socket(desk.supervisor)
    admin = await open_socket(desk.admin)
    outsider = await open_socket(desk.other_agent)  # not a member of the inbox
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    cid = conversation["id"]

    await send(agent, {"type": "conversation.viewing", "conversation_id": cid})
    for socket in (supervisor, admin):
        viewing = await socket.next_of("conversation.viewing")
        assert viewing["conversation_id"] == cid and viewing["inbox_id"] == desk.inbox_id
        assert viewing["data"] == {"user_id": desk.agent.id, "conversation_id": cid}
        assert viewing["id"] is None  # ephemeral: no event id, never replayed
        assert viewing["actor_user_id"] == desk.agent.id

    await send(agent, {"type": "conversation.typing", "conversation_id": cid, "private": True})
    typing = await supervisor.next_of("conversation.typing")
    assert typing["data"] == {"user_id": desk.agent.id, "conversation_id": cid, "private": True}
    await send(supervisor, {"type": "conversation.typing", "conversation_id": cid})
    back = await agent.next_of("conversation.typing")
    assert back["data"] == {"user_id": desk.supervisor.id, "conversation_id": cid, "private": False}

    await send(agent, {"type": "conversation.left", "conversation_id": cid})
    left = await supervisor.next_of("conversation.left")
    assert left["data"] == {"user_id": desk.agent.id, "conversation_id": cid}

    await barrier(http, desk.admin)
    _, outsider_saw = await outsider.until(is_barrier(desk.admin))
    assert hints_in(outsider_saw) == []
    _, agent_saw = await agent.until(is_barrier(desk.admin))
    # The agent hears the supervisor's typing, never its own hints.
    assert [f["data"]["user_id"] for f in hints_in(agent.seen)] == [desk.supervisor.id]
    assert hints_in(agent_saw) == []
    # Not stored: the events table has none of them.
    db = live.app.state.ctx.db
    assert count_rows(db, "events", "type LIKE 'conversation.viewing%'") == 0
    assert count_rows(db, "events", "type IN ('conversation.typing', 'conversation.left')") == 0


async def test_an_invited_specialist_hears_the_hints_of_the_conversation(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    r = await http.post(
        f"/api/v1/conversations/{conversation['id']}/participants",
        headers=desk.agent.headers,
        json={"user_id": desk.other_agent.id},
    )
    assert r.status_code == 200, r.text
    specialist = await open_socket(desk.other_agent)
    agent = await open_socket(desk.agent)
    await send(agent, {"type": "conversation.typing", "conversation_id": conversation["id"]})
    typing = await specialist.next_of("conversation.typing")
    assert typing["data"]["user_id"] == desk.agent.id
    # And may send hints there too.
    await send(specialist, {"type": "conversation.viewing", "conversation_id": conversation["id"]})
    assert (await agent.next_of("conversation.viewing"))["data"]["user_id"] == desk.other_agent.id


async def test_a_hint_about_a_conversation_the_sender_cannot_see_is_refused(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    outsider = await open_socket(desk.other_agent)
    supervisor = await open_socket(desk.supervisor)
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    cid = conversation["id"]

    for kind in HINTS:
        await send(outsider, {"type": kind, "conversation_id": cid})
        error = await outsider.next_of("error")
        assert error["data"]["code"] == "not_found"
        assert error["data"]["conversation_id"] == cid
        assert error["data"]["frame_type"] == kind
        assert str(cid) in error["data"]["detail"]
    await send(outsider, {"type": "conversation.typing", "conversation_id": 10**15})
    assert (await outsider.next_of("error"))["data"]["code"] == "not_found"

    await barrier(http, desk.admin)
    _, saw = await supervisor.until(is_barrier(desk.admin))
    assert hints_in(saw) == []
    await send(outsider, {"type": "ping"})
    assert (await outsider.next_of("pong")) == {"type": "pong", "data": {}}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json at all", "bad_frame"),
        ("[1, 2, 3]", "bad_frame"),
        ('"ping"', "bad_frame"),
        ({"data": {}}, "unknown_type"),
        ({"type": "conversation.deleted", "conversation_id": 1}, "unknown_type"),
        ({"type": "conversation.typing"}, "bad_frame"),
        ({"type": "conversation.typing", "conversation_id": "7"}, "bad_frame"),
        ({"type": "conversation.typing", "conversation_id": 0}, "bad_frame"),
        ('{"type": "conversation.typing", "conversation_id": 1180591620717411303424}', "bad_frame"),
        ({"type": "conversation.typing", "conversation_id": 1, "private": "yes"}, "bad_frame"),
        ({"type": "ping", "padding": "x" * 5000}, "too_large"),
    ],
)
async def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_open(
    live: Live, open_socket: OpenSocket, frame: dict[str, Any] | str, code: str
) -> None:
    socket = await open_socket(live.desk.agent)
    await send(socket, frame)
    error = await socket.next()
    assert error["type"] == "error", error
    assert error["data"]["code"] == code
    assert error["data"]["detail"]
    await send(socket, {"type": "ping"})
    assert await socket.next() == {"type": "pong", "data": {}}


async def test_a_binary_frame_is_read_as_text(live: Live, open_socket: OpenSocket) -> None:
    socket = await open_socket(live.desk.agent)
    await socket.ws.send(b'{"type": "ping"}')
    assert await socket.next() == {"type": "pong", "data": {}}
    await socket.ws.send(b"\xff\xfe")
    assert (await socket.next())["data"]["code"] == "bad_frame"


async def test_a_socket_that_sends_too_much_is_slowed_down_then_cut_off(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    supervisor = await open_socket(desk.supervisor)
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    typing = {"type": "conversation.typing", "conversation_id": conversation["id"]}
    for _ in range(40):
        await send(agent, typing)
    await asyncio.sleep(1)  # the budget refills a little: the ping gets through
    await send(agent, {"type": "ping"})
    _, agent_saw = await agent.until(lambda f: f["type"] == "pong", within=10)
    await barrier(http, desk.admin)
    refused = [f for f in agent_saw if f["type"] == "error"]
    assert refused and {f["data"]["code"] for f in refused} == {"rate_limited"}
    _, supervisor_saw = await supervisor.until(is_barrier(desk.admin), within=10)
    relayed = [f for f in supervisor_saw if f["type"] == "conversation.typing"]
    assert 20 <= len(relayed) < 40 and len(relayed) + len(refused) == 40

    # Keeps flooding, whatever it is told: closed with a reason.
    flood = orjson.dumps({"type": "ping"}).decode()
    for _ in range(400):
        await agent.ws.send(flood)
    assert await agent.close_code(within=10) == 1008


async def test_a_closed_socket_and_a_switch_of_conversation_tell_that_the_viewer_left(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    agent = await open_socket(desk.agent)
    supervisor = await open_socket(desk.supervisor)
    first = (await create_conversation(http, desk.agent, desk.inbox_id))["id"]
    second = (await create_conversation(http, desk.agent, desk.inbox_id))["id"]

    await send(agent, {"type": "conversation.viewing", "conversation_id": first})
    await supervisor.next_of("conversation.viewing")
    await send(agent, {"type": "conversation.viewing", "conversation_id": second})
    left = await supervisor.next_of("conversation.left")
    assert left["conversation_id"] == first
    viewing = await supervisor.next_of("conversation.viewing")
    assert viewing["conversation_id"] == second
    # Leaving a conversation one is not viewing says nothing.
    await send(agent, {"type": "conversation.left", "conversation_id": first})

    await agent.ws.close()
    gone = await supervisor.next_of("conversation.left")
    assert gone["conversation_id"] == second
    assert gone["data"] == {"user_id": desk.agent.id, "conversation_id": second}


async def test_a_frame_the_desk_cannot_handle_now_gets_an_error_and_the_socket_stays(
    live: Live, open_socket: OpenSocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.presence import service

    def unavailable(*_args: Any, **_kwargs: Any) -> int:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(service, "conversation_inbox", unavailable)
    socket = await open_socket(live.desk.agent)
    await send(socket, {"type": "conversation.viewing", "conversation_id": 1})
    error = await socket.next()
    assert error["type"] == "error" and error["data"]["code"] == "unavailable"
    await send(socket, {"type": "ping"})
    assert await socket.next() == {"type": "pong", "data": {}}
