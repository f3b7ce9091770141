"""A short-lived cache of who a bearer token belongs to.

Integrations send thousands of requests with one token; looking it up every time costs a
query and a thread hop. Revocations, deactivations and role changes are published on the
bus and evict at once in every process; the TTL only bounds what a lost bus message costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal

EVICTING_EVENTS = frozenset({"auth.token_revoked", "user.updated"})


class PrincipalCache:
    def __init__(
        self,
        *,
        ttl_seconds: float = 30.0,
        max_size: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_size = max_size
        self._monotonic = monotonic
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        principal, expires = entry
        if expires <= self._monotonic():
            self._entries.pop(token_hash, None)
            return None
        return principal

    def put(self, token_hash: str, principal: Principal) -> None:
        if len(self._entries) >= self.max_size:
            self._entries.clear()  # rare; simpler and safer than an LRU here
        self._entries[token_hash] = (principal, self._monotonic() + self.ttl)

    def evict_user(self, user_id: int) -> None:
        for key in [k for k, (p, _) in self._entries.items() if p.user_id == user_id]:
            del self._entries[key]

    def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: forget every cached token of a user whose access changed."""
        if event.type not in EVICTING_EVENTS:
            return
        user_id = event.data.get("user_id", event.data.get("id"))
        if isinstance(user_id, int):
            self.evict_user(user_id)
