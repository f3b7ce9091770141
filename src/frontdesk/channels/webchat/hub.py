"""Fan-out of committed events to the visitor websockets (and long polls) of this process.

Every process hears every event on the bus, so a reply committed anywhere reaches the visitor
wherever their socket is. A visitor socket follows one conversation; it hears only that
conversation's public messages (never notes or system entries), status, typing of agents,
their read marks and the survey. What the visitor sees of an agent is their name only.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from frontdesk.channels.webchat import rules, service
from frontdesk.core.events import DomainEvent

# workspace id, user ids → their names
NameLookup = Callable[[int, set[int]], Awaitable[dict[int, str]]]
QUEUE_LIMIT = 1000
_ROUTED = frozenset(
    {
        "message.created",
        "message.updated",
        "conversation.status_changed",
        "conversation.created",
        "conversation.typing",
        "conversation.read",
        "csat.requested",
    }
)


@dataclass(eq=False)
class VisitorSocket:
    key: str
    workspace_id: int
    inbox_id: int
    public_id: str
    contact_id: int | None = None
    conversation_id: int | None = None
    queue: asyncio.Queue[DomainEvent | bytes | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_LIMIT)
    )
    dropped: bool = False
    # External ids of the messages sent over this very socket, until their event comes by:
    # the socket has them already (their `message.ack`); the visitor's other tabs need them.
    sent: set[str] = field(default_factory=set)

    def push(self, item: DomainEvent | bytes) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # A client that stopped reading: dropped (it reconnects and reloads).
            self.dropped = True
            self.queue = asyncio.Queue(maxsize=1)
            self.queue.put_nowait(None)


def frame(kind: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "data": data})


class VisitorHub:
    def __init__(self, names: NameLookup) -> None:
        self._names = names
        self._name_cache: dict[tuple[int, int], str] = {}
        self._by_conversation: dict[int, set[VisitorSocket]] = defaultdict(set)
        self._by_key: dict[str, set[VisitorSocket]] = defaultdict(set)
        self._by_contact: dict[tuple[int, int], set[VisitorSocket]] = defaultdict(set)

    @property
    def connection_count(self) -> int:
        return sum(len(s) for s in self._by_key.values())

    def connect(self, socket: VisitorSocket) -> None:
        self._by_key[socket.key].add(socket)
        if socket.contact_id is not None:
            self._by_contact[(socket.inbox_id, socket.contact_id)].add(socket)
        if socket.conversation_id is not None:
            self._by_conversation[socket.conversation_id].add(socket)

    def disconnect(self, socket: VisitorSocket) -> None:
        _discard(self._by_key, socket.key, socket)
        if socket.contact_id is not None:
            _discard(self._by_contact, (socket.inbox_id, socket.contact_id), socket)
        if socket.conversation_id is not None:
            _discard(self._by_conversation, socket.conversation_id, socket)

    def follow(self, socket: VisitorSocket, conversation_id: int) -> None:
        """The visitor's widget shows this conversation from now on (one at a time)."""
        if socket.conversation_id == conversation_id:
            return
        if socket.conversation_id is not None:
            _discard(self._by_conversation, socket.conversation_id, socket)
        socket.conversation_id = conversation_id
        self._by_conversation[conversation_id].add(socket)

    def follow_visitor(self, key: str, conversation_id: int) -> None:
        for socket in list(self._by_key.get(key, ())):
            self.follow(socket, conversation_id)

    # -- routing (a bus subscriber: runs on the event loop, must not block) -----------------
    def on_event(self, event: DomainEvent) -> None:
        if event.type == "user.updated":
            user_id = event.data.get("id")
            if isinstance(user_id, int):
                self._name_cache.pop((event.workspace_id, user_id), None)
            return
        if event.type == "contact.merged":
            self._on_contacts_merged(event)
            return
        if event.type not in _ROUTED or event.conversation_id is None:
            return
        if event.type == "conversation.created":
            self._on_new_conversation(event)
        elif event.type == "message.created" and event.data.get("kind") == "incoming":
            # A message of this visitor (another tab, or sent over HTTP to another process)
            # may have started a conversation: their sockets follow it.
            key = rules.visitor_of_external_id(event.data.get("external_id"))
            if key is not None:
                self.follow_visitor(key, event.conversation_id)
        for socket in list(self._by_conversation.get(event.conversation_id, ())):
            if socket.workspace_id == event.workspace_id:
                socket.push(event)

    def _on_new_conversation(self, event: DomainEvent) -> None:
        assert event.conversation_id is not None
        previous = event.data.get("previous_conversation_id")
        if isinstance(previous, int):
            for socket in list(self._by_conversation.get(previous, ())):
                self.follow(socket, event.conversation_id)
        contact = event.data.get("contact")
        contact_id = contact.get("id") if isinstance(contact, dict) else None
        if isinstance(contact_id, int) and event.inbox_id is not None:
            for socket in list(self._by_contact.get((event.inbox_id, contact_id), ())):
                self.follow(socket, event.conversation_id)

    def _on_contacts_merged(self, event: DomainEvent) -> None:
        """The visitors of a merged contact are the survivor's: their sockets follow the
        survivor's new conversations from now on."""
        merged, survivor = event.data.get("merged_id"), event.data.get("contact_id")
        if not isinstance(merged, int) or not isinstance(survivor, int):
            return
        for (inbox_id, contact_id), sockets in list(self._by_contact.items()):
            if contact_id != merged:
                continue
            for socket in list(sockets):
                if socket.workspace_id == event.workspace_id:
                    _discard(self._by_contact, (inbox_id, merged), socket)
                    socket.contact_id = survivor
                    self._by_contact[(inbox_id, survivor)].add(socket)

    # -- what the visitor receives -----------------------------------------------------------
    async def render(self, socket: VisitorSocket, event: DomainEvent) -> bytes | None:
        """The frame a visitor socket sends for an event, or None (not for the visitor)."""
        if event.conversation_id != socket.conversation_id:
            return None  # the visitor moved on to another conversation since it was queued
        data = event.data
        if event.type in ("message.created", "message.updated"):
            if data.get("changed") == ["delivery_status"]:
                return None
            external_id = data.get("external_id")
            if event.type == "message.created" and external_id in socket.sent:
                socket.sent.discard(external_id)
                return None  # acknowledged on this socket already
            sender = data.get("sender_id")
            names: dict[int, str] = {}
            if data.get("kind") == "outgoing" and isinstance(sender, int):
                names = await self._agent_names(event.workspace_id, {sender})
            message = service.public_message(socket.public_id, data, names)
            if message is None:
                return None
            return frame("message", message.model_dump(mode="json"))
        if event.type in ("conversation.status_changed", "conversation.created"):
            return frame("conversation", {"status": data.get("status")})
        if event.type == "conversation.typing":
            user_id = data.get("user_id")
            if not isinstance(user_id, int) or data.get("private"):
                return None  # the visitor's own typing, or an agent typing a private note
            names = await self._agent_names(event.workspace_id, {user_id})
            name = rules.first_name(names.get(user_id, ""))
            agent = {"name": name, "initials": rules.initials(name)}
            return frame("typing", {"typing": bool(data.get("typing", True)), "agent": agent})
        if event.type == "conversation.read":
            if not event.actor_user_id:
                return None
            return frame("read", {"agent_read_at": data.get("last_read_at")})
        if event.type == "csat.requested":
            return frame("csat.requested", {})
        return None

    async def _agent_names(self, workspace_id: int, user_ids: set[int]) -> dict[int, str]:
        missing = {u for u in user_ids if (workspace_id, u) not in self._name_cache}
        if missing:
            found = await self._names(workspace_id, missing)
            if len(self._name_cache) > 10_000:
                self._name_cache.clear()
            for user_id in missing:
                self._name_cache[(workspace_id, user_id)] = found.get(user_id, "")
        return {u: self._name_cache[(workspace_id, u)] for u in user_ids}


def _discard(index: dict[Any, set[VisitorSocket]], key: Any, socket: VisitorSocket) -> None:
    found = index.get(key)
    if found is not None:
        found.discard(socket)
        if not found:
            del index[key]
