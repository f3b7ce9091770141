"""Turning domain events into webhook deliveries in the same transaction that records them.

Every write that records events runs the dispatcher before it commits (Database's
before-commit hook): each event a subscription wants becomes a delivery row and an outbox job
in that transaction. So an event is never lost, whatever process dies when: the change, its
event and its deliveries commit together or not at all, and the outbox delivers at least once.

Matching costs no query on the hot path: the dispatcher keeps a snapshot of the active
subscriptions, read again after SNAPSHOT_TTL_SECONDS, and dropped at once when a subscription
changes in this process or when another process's change arrives on the bus. A change made in
another process may thus reach this one late; the catch-up job of that subscription
(service.catch_up) delivers what was missed meanwhile, and the unique (subscription, event)
pair makes sure nothing is delivered twice.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.events import DomainEvent
from frontdesk.webhooks import rules, service

Snapshot = dict[int, list[tuple[int, frozenset[str]]]]
_SUBSCRIPTION_EVENTS = "webhook.subscription_"


class Dispatcher:
    def __init__(
        self,
        db: Database,
        *,
        ttl_seconds: float = rules.SNAPSHOT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.ttl = ttl_seconds
        self._monotonic = monotonic
        self._snapshot: Snapshot | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._snapshot = None

    def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: a subscription changed (here or in another process)."""
        if event.type.startswith(_SUBSCRIPTION_EVENTS):
            self.invalidate()

    def _subscriptions(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._expires > self._monotonic():
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or self._expires <= self._monotonic():
                # Read committed subscriptions on a connection of its own: the write's
                # session may hold a neighbour's uncommitted change (group commit), which must
                # not outlive a rollback in the snapshot.
                snapshot = self.db.read_sync(service.active_snapshot)
                self._snapshot, self._expires = snapshot, self._monotonic() + self.ttl
        return snapshot

    def before_commit(self, uow: UnitOfWork) -> None:
        wanted = [e for e in uow.events if rules.subscribed((rules.ALL,), e.type)]
        if any(e.type.startswith(_SUBSCRIPTION_EVENTS) for e in uow.events):
            # This write changed a subscription: the next one reads them again.
            self.invalidate()
        if not wanted:
            return
        snapshot = self._subscriptions()
        for event in wanted:
            for subscription_id, events in snapshot.get(event.workspace_id, ()):
                if rules.subscribed(events, event.type):
                    service.deliver_event(uow, subscription_id=subscription_id, event=event)


_INSTALLED: weakref.WeakKeyDictionary[Database, Dispatcher] = weakref.WeakKeyDictionary()


def install(db: Database) -> Dispatcher:
    """The database's dispatcher, hooked into its writes once (the app and the worker both
    ask for it; in one process they share it)."""
    dispatcher = _INSTALLED.get(db)
    if dispatcher is None:
        dispatcher = Dispatcher(db)
        db.add_before_commit(dispatcher.before_commit)
        _INSTALLED[db] = dispatcher
    return dispatcher
