"""Fan-out of committed events to the agent websockets of this process.

Each event is serialized once and put on the queue of every connection allowed to see it:
the inbox's members (as their role allows), the workspace's admins, the conversation's
invited participants, or the targeted users.
A connection whose queue overflows is a client that stopped reading: it is dropped and
reconnects, instead of holding memory or slowing everybody else down.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Set
from dataclasses import dataclass, field

import orjson

from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal

log = logging.getLogger(__name__)
VisibleInboxes = Callable[[Principal], Awaitable[set[int]]]
# Conversations a user was invited into (as a participant), whatever their inboxes.
Participations = Callable[[Principal], Awaitable[set[int]]]
# Events after which who-sees-what may have changed.
MEMBERSHIP_EVENTS = frozenset(
    {"inbox.created", "inbox.members_changed", "team.created", "team.updated", "user.updated"}
)
QUEUE_LIMIT = 5000
# Close codes the app acts on: 4401 sends it to the login page; any other code reconnects.
UNAUTHORIZED = 4401
ROLE_CHANGED = 4409
# Collision hints about a person ("viewing", "typing") go to everyone else who may see the
# conversation: not back to that person's own sockets.
HINTS = frozenset({"conversation.viewing", "conversation.left", "conversation.typing"})


@dataclass(eq=False)
class Connection:
    principal: Principal
    inbox_ids: set[int] = field(default_factory=set)
    conversation_ids: set[int] = field(default_factory=set)
    queue: asyncio.Queue[bytes | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_LIMIT)
    )
    dropped: bool = False
    closed: bool = False
    # Why the desk ends this socket (sent as the close frame when the queue says None).
    close_code: int = 1013
    close_reason: str = "too slow; reconnect"

    def end(self, code: int, reason: str) -> None:
        """Close after what is queued: the user's access changed under this socket."""
        if self.dropped:
            return
        self.close_code, self.close_reason = code, reason
        self.dropped = True  # nothing more is queued after the end
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            self.queue = asyncio.Queue(maxsize=1)
            self.queue.put_nowait(None)

    def push(self, payload: bytes) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.dropped = True
            self.queue = asyncio.Queue(maxsize=1)
            self.queue.put_nowait(None)  # tells the sender to close


class Hub:
    def __init__(
        self, visible_inboxes: VisibleInboxes, participations: Participations | None = None
    ) -> None:
        self._visible_inboxes = visible_inboxes
        self._participations = participations
        self._by_conversation: dict[int, set[Connection]] = defaultdict(set)
        self._by_workspace: dict[int, set[Connection]] = defaultdict(set)
        self._admins: dict[int, set[Connection]] = defaultdict(set)
        self._by_inbox: dict[int, set[Connection]] = defaultdict(set)
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        # While a workspace's membership is looked up again, its later events wait here, so
        # that an event committed after a membership change is routed by the new membership.
        self._refreshing: dict[int, asyncio.Task[None]] = {}
        self._held: dict[int, list[DomainEvent]] = defaultdict(list)
        self._membership_changes = 0

    @property
    def connection_count(self) -> int:
        return sum(len(c) for c in self._by_workspace.values())

    async def connect(self, principal: Principal) -> Connection:
        connection = Connection(principal=principal)
        visible: set[int] = set()
        if not principal.is_admin:
            # Looked up before registering: the caller's "ready" frame must be the first
            # thing queued. Asked again if the membership changed during the lookup.
            while True:
                seen = self._membership_changes
                visible = await self._visible_inboxes(principal)
                if seen == self._membership_changes:
                    break
        invited = set()
        if not principal.is_admin and self._participations is not None:
            invited = await self._participations(principal)
        self._by_workspace[principal.workspace_id].add(connection)
        self._by_user[principal.user_id].add(connection)
        if principal.is_admin:
            self._admins[principal.workspace_id].add(connection)
        for inbox_id in visible:
            self._by_inbox[inbox_id].add(connection)
        connection.inbox_ids = visible
        for conversation_id in invited:
            self._by_conversation[conversation_id].add(connection)
        connection.conversation_ids = invited
        return connection

    def disconnect(self, connection: Connection) -> None:
        connection.closed = True
        principal = connection.principal
        self._by_workspace[principal.workspace_id].discard(connection)
        self._by_user[principal.user_id].discard(connection)
        self._admins[principal.workspace_id].discard(connection)
        for inbox_id in connection.inbox_ids:
            self._by_inbox[inbox_id].discard(connection)
        for conversation_id in connection.conversation_ids:
            self._by_conversation[conversation_id].discard(connection)

    def _apply(self, connection: Connection, visible: set[int]) -> None:
        if connection.closed:
            return  # went away during the lookup: do not register it again
        for inbox_id in connection.inbox_ids - visible:
            self._by_inbox[inbox_id].discard(connection)
        for inbox_id in visible - connection.inbox_ids:
            self._by_inbox[inbox_id].add(connection)
        connection.inbox_ids = visible

    async def _refresh_workspace(self, event: DomainEvent, told: set[Connection]) -> None:
        workspace_id = event.workspace_id
        try:
            # One lookup per person, however many tabs they have open.
            sockets: dict[Principal, list[Connection]] = defaultdict(list)
            for connection in self._by_workspace.get(workspace_id, ()):
                if not connection.principal.is_admin:
                    sockets[connection.principal].append(connection)
            principals = list(sockets)
            results = await asyncio.gather(
                *(self._visible_inboxes(p) for p in principals), return_exceptions=True
            )
            for principal, result in zip(principals, results, strict=True):
                if isinstance(result, BaseException):
                    # The old membership stands until the next change; events keep flowing.
                    log.warning(
                        "could not refresh the inboxes of user %s: %s", principal.user_id, result
                    )
                    continue
                for connection in sockets[principal]:
                    self._apply(connection, result)
            # Those who see the inbox only now (added to it, or to a team that has it) hear
            # of the change too: it was routed by the membership before it.
            self._push(event, self._targets(event) - told)
        finally:
            del self._refreshing[workspace_id]
            for event in self._held.pop(workspace_id, []):
                self.on_event(event)

    def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: runs on the event loop, so it must not block."""
        if event.workspace_id in self._refreshing:
            self._held[event.workspace_id].append(event)
            return
        removed: set[Connection] = set()
        if event.type == "conversation.participants_changed" and event.conversation_id:
            removed = self._update_participants(event)
        told = self._targets(event) | removed
        self._push(event, told)
        if event.type == "user.updated":
            self._end_stale_sockets(event)
        if event.type in MEMBERSHIP_EVENTS:
            self._membership_changes += 1
            self._refreshing[event.workspace_id] = asyncio.ensure_future(
                self._refresh_workspace(event, told)
            )

    def _end_stale_sockets(self, event: DomainEvent) -> None:
        """A deactivated user hears nothing more; one whose role changed reconnects, so that
        the socket routes by the new role (its principal is fixed when it connects)."""
        user_id, role = event.data.get("id"), event.data.get("role")
        for connection in list(self._by_user.get(user_id, ()) if isinstance(user_id, int) else ()):
            if connection.principal.workspace_id != event.workspace_id:
                continue
            if event.data.get("is_active") is False:
                connection.end(UNAUTHORIZED, "the user was deactivated")
            elif role is not None and role != connection.principal.role.value:
                connection.end(ROLE_CHANGED, "the user's role changed; reconnect")

    def _update_participants(self, event: DomainEvent) -> set[Connection]:
        """An invited specialist hears the conversation from now on; a removed one stops
        (after hearing of the removal: the connections removed are returned)."""
        conversation_id = event.conversation_id
        assert conversation_id is not None
        now_invited = set(event.data.get("participant_ids") or ())
        listening = self._by_conversation[conversation_id]
        removed = {c for c in listening if c.principal.user_id not in now_invited}
        for connection in removed:
            listening.discard(connection)
            connection.conversation_ids.discard(conversation_id)
        for user_id in now_invited:
            for connection in self._by_user.get(user_id, ()):
                if connection.principal.workspace_id == event.workspace_id:
                    listening.add(connection)
                    connection.conversation_ids.add(conversation_id)
        return removed

    def _targets(self, event: DomainEvent) -> set[Connection]:
        """The connections allowed to hear the event, by the membership known now."""
        if event.user_ids:
            targets: set[Connection] = set()
            for user_id in event.user_ids:
                targets |= {
                    c
                    for c in self._by_user.get(user_id, ())
                    if c.principal.workspace_id == event.workspace_id
                }
        elif event.inbox_id is not None:
            targets = self._by_inbox.get(event.inbox_id, set()) | self._admins.get(
                event.workspace_id, set()
            )
            if event.conversation_id is not None:
                targets |= self._by_conversation.get(event.conversation_id, set())
        else:
            targets = self._by_workspace.get(event.workspace_id, set())
        if event.type in HINTS:
            targets = {c for c in targets if c.principal.user_id != event.actor_user_id}
        return set(targets)

    def _push(self, event: DomainEvent, targets: Set[Connection]) -> None:
        if targets:
            payload = orjson.dumps(
                {
                    "type": event.type,
                    "id": event.id,
                    "inbox_id": event.inbox_id,
                    "conversation_id": event.conversation_id,
                    # Who did it (None: the desk or a customer), so an app can skip its own.
                    "actor_user_id": event.actor_user_id,
                    "created_at": event.created_at.isoformat(),
                    "data": event.data,
                }
            )
            for connection in list(targets):
                connection.push(payload)
