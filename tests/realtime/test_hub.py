"""The hub on its own: routing rules and ordering, with the visible-inbox lookup faked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal, Role
from frontdesk.realtime import hub as hub_module
from frontdesk.realtime.hub import Connection, Hub

WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
INBOX, OTHER_INBOX = 10, 11


def principal(user_id: int, role: Role = Role.agent, workspace_id: int = 1) -> Principal:
    return Principal(user_id=user_id, workspace_id=workspace_id, role=role, via="token")


def event(type: str, workspace_id: int = 1, **fields: Any) -> DomainEvent:
    return DomainEvent(
        type=type, workspace_id=workspace_id, data=fields.pop("data", {}), created_at=WHEN, **fields
    )


class Directory:
    """Who sees which inbox, as the database would answer; a gate can hold the answer back."""

    def __init__(self, visible: dict[int, set[int]]) -> None:
        self.visible = visible
        self.gate: asyncio.Event | None = None
        self.asked = asyncio.Event()
        self.fail = False

    async def __call__(self, who: Principal) -> set[int]:
        # Read first, answer later: like a query that ran before a concurrent commit.
        answer = set(self.visible.get(who.user_id, set()))
        self.asked.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError("database went away")
        return answer


def drain(connection: Connection) -> list[str]:
    types = []
    while not connection.queue.empty():
        payload = connection.queue.get_nowait()
        types.append("<closed>" if payload is None else orjson.loads(payload)["type"])
    return types


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_routing_by_inbox_user_and_workspace() -> None:
    directory = Directory({1: {INBOX}, 2: {OTHER_INBOX}, 3: {INBOX, OTHER_INBOX}, 5: {20}})
    hub = Hub(directory)
    agent = await hub.connect(principal(1))
    other_agent = await hub.connect(principal(2))
    supervisor = await hub.connect(principal(3, Role.supervisor))
    admin = await hub.connect(principal(4, Role.admin))
    stranger_admin = await hub.connect(principal(9, Role.admin, workspace_id=2))
    stranger = await hub.connect(principal(5, workspace_id=2))

    hub.on_event(event("message.created", inbox_id=INBOX))
    hub.on_event(event("notification.mentioned", user_ids=(2,)))
    hub.on_event(event("user.availability_changed"))
    hub.on_event(event("message.created", workspace_id=2, inbox_id=20))  # ids are global
    # A targeted event reaches the named users only within the event's workspace.
    hub.on_event(event("notification.assigned", user_ids=(5,)))

    assert drain(agent) == ["message.created", "user.availability_changed"]
    assert drain(other_agent) == ["notification.mentioned", "user.availability_changed"]
    assert drain(supervisor) == ["message.created", "user.availability_changed"]
    assert drain(admin) == ["message.created", "user.availability_changed"]
    assert drain(stranger_admin) == ["message.created"]
    assert drain(stranger) == ["message.created"]


async def test_frames_carry_type_data_and_routing_fields() -> None:
    hub = Hub(Directory({1: {INBOX}}))
    agent = await hub.connect(principal(1))
    hub.on_event(
        event(
            "message.created",
            inbox_id=INBOX,
            conversation_id=7,
            actor_user_id=3,
            data={"content": "hi"},
        )
    )
    payload = agent.queue.get_nowait()
    assert payload is not None
    assert orjson.loads(payload) == {
        "type": "message.created",
        "id": None,
        "inbox_id": INBOX,
        "conversation_id": 7,
        "actor_user_id": 3,
        "created_at": WHEN.isoformat(),
        "data": {"content": "hi"},
    }


async def test_disconnected_sockets_get_nothing() -> None:
    hub = Hub(Directory({1: {INBOX}}))
    agent = await hub.connect(principal(1))
    admin = await hub.connect(principal(4, Role.admin))
    assert hub.connection_count == 2
    hub.disconnect(agent)
    hub.disconnect(admin)
    hub.on_event(event("message.created", inbox_id=INBOX))
    hub.on_event(event("user.availability_changed"))
    hub.on_event(event("notification.assigned", user_ids=(1,)))
    assert drain(agent) == drain(admin) == []
    assert hub.connection_count == 0


async def test_nothing_reaches_a_socket_before_it_is_set_up() -> None:
    """The websocket sends "ready" right after connect(): no event may be queued before it."""
    directory = Directory({1: {INBOX}})
    directory.gate = asyncio.Event()
    hub = Hub(directory)
    connecting = asyncio.create_task(hub.connect(principal(1)))
    await asyncio.wait_for(directory.asked.wait(), 5)
    # Committed while the socket is still being set up, i.e. before its "ready".
    hub.on_event(event("notification.assigned", user_ids=(1,)))
    hub.on_event(event("user.availability_changed"))
    directory.gate.set()
    connection = await connecting
    assert drain(connection) == []
    hub.on_event(event("message.created", inbox_id=INBOX))
    assert drain(connection) == ["message.created"]


async def test_events_after_a_membership_change_use_the_new_membership() -> None:
    directory = Directory({2: set()})
    hub = Hub(directory)
    other_agent = await hub.connect(principal(2))
    directory.visible[2] = {INBOX}
    directory.gate = asyncio.Event()
    directory.asked.clear()

    # Published back to back, as two commits in a row would be.
    hub.on_event(event("inbox.members_changed", inbox_id=INBOX))
    hub.on_event(event("message.created", inbox_id=INBOX))
    hub.on_event(event("conversation.updated", inbox_id=INBOX))
    await asyncio.wait_for(directory.asked.wait(), 5)
    assert drain(other_agent) == []  # held back while the lookup runs, not lost
    directory.gate.set()
    await settle()
    # Added to the inbox, the agent hears of it too (after the lookup), then what followed.
    assert drain(other_agent) == [
        "inbox.members_changed",
        "message.created",
        "conversation.updated",
    ]


async def test_a_membership_change_is_heard_once_by_old_new_and_removed_members() -> None:
    directory = Directory({1: {INBOX}, 2: set(), 3: {INBOX}})
    hub = Hub(directory)
    stays, joins, leaves = [await hub.connect(principal(n)) for n in (1, 2, 3)]
    admin = await hub.connect(principal(9, Role.admin))
    directory.visible[2], directory.visible[3] = {INBOX}, set()
    hub.on_event(event("inbox.members_changed", inbox_id=INBOX))
    hub.on_event(event("message.created", inbox_id=INBOX))
    await settle()
    assert drain(stays) == ["inbox.members_changed", "message.created"]
    assert drain(joins) == ["inbox.members_changed", "message.created"]
    assert drain(leaves) == ["inbox.members_changed"]  # told it is out; nothing after
    assert drain(admin) == ["inbox.members_changed", "message.created"]


async def test_a_failed_membership_lookup_does_not_stall_the_hub() -> None:
    directory = Directory({1: {INBOX}, 2: set()})
    hub = Hub(directory)
    agent = await hub.connect(principal(1))
    await hub.connect(principal(2))
    directory.fail = True
    hub.on_event(event("inbox.members_changed", inbox_id=INBOX))
    hub.on_event(event("message.created", inbox_id=INBOX))
    await settle()
    # The old membership stands; events keep flowing.
    assert drain(agent) == ["inbox.members_changed", "message.created"]


async def test_a_client_that_stops_reading_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_LIMIT", 3)
    hub = Hub(Directory({1: {INBOX}}))
    slow = await hub.connect(principal(1))
    for _ in range(4):
        hub.on_event(event("message.created", inbox_id=INBOX))
    assert slow.dropped
    assert drain(slow) == ["<closed>"]
    hub.on_event(event("message.created", inbox_id=INBOX))
    assert drain(slow) == []


async def test_a_socket_closed_during_a_membership_lookup_stays_closed() -> None:
    directory = Directory({2: set()})
    hub = Hub(directory)
    other_agent = await hub.connect(principal(2))
    directory.visible[2] = {INBOX}
    directory.gate = asyncio.Event()
    directory.asked.clear()
    hub.on_event(event("inbox.members_changed", inbox_id=INBOX))
    await asyncio.wait_for(directory.asked.wait(), 5)
    hub.disconnect(other_agent)
    directory.gate.set()
    await settle()
    hub.on_event(event("message.created", inbox_id=INBOX))
    assert drain(other_agent) == []
    assert hub.connection_count == 0


async def test_a_membership_change_during_connect_is_not_missed() -> None:
    directory = Directory({2: set()})
    directory.gate = asyncio.Event()
    hub = Hub(directory)
    connecting = asyncio.create_task(hub.connect(principal(2)))
    await asyncio.wait_for(directory.asked.wait(), 5)
    # Added to the inbox while the first lookup (which predates the change) is in flight.
    directory.visible[2] = {INBOX}
    hub.on_event(event("inbox.members_changed", inbox_id=INBOX))
    directory.gate.set()
    connection = await asyncio.wait_for(connecting, 5)
    await settle()
    hub.on_event(event("message.created", inbox_id=INBOX))
    assert drain(connection) == ["message.created"]
