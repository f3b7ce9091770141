"""Events are enough to keep a client's state: the Zulip-style test.

A client fetches the state, then applies every websocket event to it; after a sequence of
actions its state must equal what a fresh fetch returns. Any change of state that does not
reach the client in an event (or reaches it wrong) shows up here as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from frontdesk.conversations.schemas import ConversationOut
from tests.conftest import Actor
from tests.realtime.conftest import Frame, Live, OpenSocket, barrier, is_barrier

CONVERSATION_FIELDS = frozenset(ConversationOut.model_fields)
# Events that carry the whole conversation as it is after the change.
CONVERSATION_EVENTS = frozenset(
    {
        "conversation.created",
        "conversation.updated",
        "conversation.status_changed",
        "conversation.assigned",
        "conversation.participants_changed",
    }
)


@dataclass
class ClientState:
    conversations: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def apply_event(state: ClientState, event: Frame) -> None:
    """What the agent UI does with a frame."""
    kind, data = event["type"], event["data"]
    if kind in CONVERSATION_EVENTS:
        known = state.conversations.get(data["id"], {})
        state.conversations[data["id"]] = {
            k: v for k, v in data.items() if k in CONVERSATION_FIELDS
        }
        # `unread` is personal and events go to many: they say null, and the client keeps what
        # it knew (nobody has read a conversation that was just created).
        if data.get("unread") is None:
            state.conversations[data["id"]]["unread"] = known.get("unread", False)
        state.messages.setdefault(data["id"], [])
    elif kind == "message.created":
        message = {k: v for k, v in data.items() if k != "conversation"}
        state.messages.setdefault(data["conversation_id"], []).append(message)
        # A message changes its conversation too (counts, activity, who is waiting).
        summary = data.get("conversation")
        if summary is not None:
            state.conversations[data["conversation_id"]].update(summary)
            if data["kind"] == "incoming":
                state.conversations[data["conversation_id"]]["unread"] = True
    elif kind == "conversation.read":
        state.conversations[data["conversation_id"]]["unread"] = False
    else:
        assert not kind.startswith(("conversation.", "message.")), f"unhandled event {kind}"


async def fetch_state(http: httpx.AsyncClient, actor: Actor) -> ClientState:
    state = ClientState()
    r = await http.get("/api/v1/conversations", headers=actor.headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    for conversation in r.json()["items"]:
        state.conversations[conversation["id"]] = conversation
        r = await http.get(
            f"/api/v1/conversations/{conversation['id']}/messages",
            headers=actor.headers,
            params={"limit": 500},
        )
        assert r.status_code == 200, r.text
        state.messages[conversation["id"]] = r.json()["items"]
    return state


class Actions:
    def __init__(self, http: httpx.AsyncClient, live: Live) -> None:
        self.http = http
        self.desk = live.desk

    async def call(self, method: str, url: str, actor: Actor, **body: Any) -> dict[str, Any]:
        r = await self.http.request(method, f"/api/v1{url}", headers=actor.headers, json=body)
        assert r.status_code in (200, 201), f"{method} {url}: {r.status_code} {r.text}"
        result: dict[str, Any] = r.json()
        return result


async def test_events_reproduce_the_state_a_fresh_fetch_returns(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    act = Actions(http, live)
    for name in ("billing", "urgent"):
        await act.call("POST", "/labels", desk.admin, name=name)
    # One conversation exists before the client connects; it is part of the fetched state.
    existing = await act.call(
        "POST",
        "/conversations",
        desk.agent,
        inbox_id=desk.inbox_id,
        contact={"name": "Olga", "email": "olga@example.ru"},
        message={"content": "Hello?"},
    )

    socket = await open_socket(desk.agent)
    state = await fetch_state(http, desk.agent)
    assert set(state.conversations) == {existing["id"]}

    created = await act.call(
        "POST",
        "/conversations",
        desk.agent,
        inbox_id=desk.inbox_id,
        contact={"name": "Ivan Petrov", "email": "ivan@example.ru"},
        subject="Parcel",
        message={"content": "My parcel is late"},
    )
    cid = created["id"]
    await act.call("POST", f"/conversations/{cid}/messages", desk.agent, content="Checking now")
    await act.call(
        "POST",
        f"/conversations/{cid}/messages",
        desk.agent,
        content="It was shipped",
        message_type="incoming",
    )
    await act.call(
        "POST",
        f"/conversations/{cid}/messages",
        desk.agent,
        content=f"@[Supervisor](user:{desk.supervisor.id}) please advise",
        private=True,
    )
    await act.call(
        "POST", f"/conversations/{cid}/assignment", desk.admin, assignee_id=desk.agent.id
    )
    await act.call("POST", f"/conversations/{cid}/assignment", desk.agent, team_id=desk.team_id)
    await act.call("POST", f"/conversations/{cid}/status", desk.agent, status="pending")
    await act.call(
        "PATCH",
        f"/conversations/{cid}",
        desk.agent,
        labels=["billing", "urgent"],
        priority="high",
        subject="Late parcel",
    )
    await act.call("PATCH", f"/conversations/{cid}", desk.agent, labels=["urgent"])
    await act.call(
        "POST", f"/conversations/{cid}/participants", desk.agent, user_id=desk.other_agent.id
    )
    snooze_until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await act.call(
        "POST",
        f"/conversations/{cid}/status",
        desk.agent,
        status="snoozed",
        snoozed_until=snooze_until,
    )
    # The customer writes again: that wakes the conversation up.
    await act.call(
        "POST",
        f"/conversations/{cid}/messages",
        desk.agent,
        content="Any news?",
        message_type="incoming",
    )
    await act.call("POST", f"/conversations/{cid}/status", desk.agent, status="resolved")
    # And the old conversation is read and gets a reply, so two conversations change side by
    # side (one read, one unread).
    await act.call("POST", f"/conversations/{existing['id']}/read", desk.agent)
    await act.call(
        "POST", f"/conversations/{existing['id']}/messages", desk.agent, content="Hi Olga"
    )

    await barrier(http, desk.agent)
    _, frames = await socket.until(is_barrier(desk.agent))
    for frame in frames:
        apply_event(state, frame)

    fresh = await fetch_state(http, desk.agent)
    assert set(state.conversations) == set(fresh.conversations) == {existing["id"], cid}
    assert fresh.conversations[existing["id"]]["unread"] is False
    assert fresh.conversations[cid]["unread"] is True
    for conversation_id in fresh.conversations:
        assert state.conversations[conversation_id] == fresh.conversations[conversation_id], (
            f"conversation {conversation_id}"
        )
        assert state.messages[conversation_id] == fresh.messages[conversation_id], (
            f"messages of {conversation_id}"
        )
    # The sequence really went through the states it meant to.
    final = fresh.conversations[cid]
    assert final["status"] == "resolved" and final["labels"] == ["urgent"]
    assert final["participant_ids"] == [desk.other_agent.id]
    assert final["assignee_id"] == desk.agent.id and final["team_id"] == desk.team_id
