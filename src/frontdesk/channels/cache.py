"""A short-lived cache of inboxes by public id, for the webhooks.

A provider posts many updates a second to one inbox's URL; looking the inbox up every time
costs a query and a thread hop. Changes to an inbox (a new secret, a disconnected bot) are
events: they evict at once in the process that made them and, through the bus, in every other;
the TTL only bounds what a lost bus message costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.service import ChannelInbox


class ChannelInboxCache:
    def __init__(
        self,
        *,
        ttl_seconds: float = 10.0,
        max_size: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_size = max_size
        self._monotonic = monotonic
        # public id -> (inbox or None for "no such inbox", expiry)
        self._entries: dict[str, tuple[ChannelInbox | None, float]] = {}

    async def lookup(self, db: Database, public_id: str) -> ChannelInbox | None:
        entry = self._entries.get(public_id)
        if entry is not None and entry[1] > self._monotonic():
            return entry[0]
        inbox = await db.read(lambda s: inboxes.channel_inbox(s, public_id=public_id))
        if len(self._entries) >= self.max_size:
            self._entries.clear()  # rare (random ids from a scanner); simpler than an LRU
        self._entries[public_id] = (inbox, self._monotonic() + self.ttl)
        return inbox

    def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: forget an inbox that was created or changed."""
        if not event.type.startswith("inbox."):
            return
        public_id = event.data.get("public_id")
        if isinstance(public_id, str):
            self._entries.pop(public_id, None)
        else:
            self._entries.clear()
