"""The presence tracker of one process: counts its agent websockets per person, holds those
people in the store, and announces changes of what colleagues see.

Announcements are `user.presence_changed` events (recorded, so they reach every process's
websockets through the bus). A process decides again whenever its view of a person changes:
their first socket here opened, their last one closed (once the grace period is over), they
chose another availability, or a heartbeat found a hold that ran out (a process died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine, Iterable
from datetime import datetime, timedelta
from typing import Any

from frontdesk.core.clock import Clock, utcnow
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal
from frontdesk.presence import rules, service
from frontdesk.presence.rules import Announced
from frontdesk.presence.store import (
    InProcessPresenceStore,
    PresenceStore,
    RedisPresenceStore,
    UserKey,
)

log = logging.getLogger(__name__)
_WATCHED = frozenset({"user.availability_changed", "user.updated", service.PRESENCE_CHANGED})


class PresenceTracker:
    def __init__(
        self,
        db: Database,
        store: PresenceStore,
        *,
        clock: Clock = utcnow,
        grace: timedelta = rules.GRACE,
        ttl: timedelta = rules.TTL,
    ) -> None:
        self.db = db
        self.store = store
        self.clock = clock
        # Attributes, so that a test can shorten them on a running app.
        self.grace = grace
        self.ttl = ttl
        self._open: dict[UserKey, int] = {}  # open sockets in this process
        self._lingering: dict[UserKey, datetime] = {}  # last socket closed: held until
        self._chosen: dict[UserKey, str | None] = {}  # cache of what people chose
        self._locks: dict[UserKey, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._loop_task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        await self.store.start()
        self._loop_task = asyncio.create_task(self._heartbeat(), name="presence-heartbeat")

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        tasks = [*self._tasks, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.store.stop()

    @property
    def busy(self) -> bool:
        """Decisions are under way (tests wait for them to settle)."""
        return bool(self._tasks)

    async def settle(self) -> None:
        """Wait for the decisions under way (tests on the tracker's own event loop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- sockets ------------------------------------------------------------------------------
    def connected(self, principal: Principal) -> None:
        key = (principal.workspace_id, principal.user_id)
        self._open[key] = self._open.get(key, 0) + 1
        self._lingering.pop(key, None)
        if self._open[key] == 1:
            self._spawn(self._sync(key))

    def disconnected(self, principal: Principal) -> None:
        key = (principal.workspace_id, principal.user_id)
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
            return
        self._open.pop(key, None)
        self._lingering[key] = rules.held_until(self.clock(), open_sockets=0, grace=self.grace)
        self._spawn(self._sync(key))
        # Decided again right after the grace period (the heartbeat would do it later).
        loop = asyncio.get_running_loop()
        timer = loop.call_later(
            self.grace.total_seconds() + 0.05, lambda: self._spawn(self._linger_over(key))
        )
        self._timers.add(timer)
        loop.call_later(self.grace.total_seconds() + 1, self._timers.discard, timer)

    # -- what colleagues see --------------------------------------------------------------------
    async def statuses(self, keys: Iterable[UserKey]) -> dict[UserKey, Announced]:
        """The last announcement about each person (offline, version 0, when none)."""
        keys = list(keys)
        announced = await self.store.announced(keys)
        return {key: announced.get(key, Announced("offline", 0)) for key in keys}

    def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: runs on the event loop, so it must not block."""
        if event.type not in _WATCHED:
            return
        user_id = event.data.get("id" if event.type == "user.updated" else "user_id")
        if not isinstance(user_id, int):
            return
        key = (event.workspace_id, user_id)
        here = key in self._open or key in self._lingering
        if event.type == "user.availability_changed":
            chosen = event.data.get("availability")
            self._chosen[key] = chosen if isinstance(chosen, str) else None
            if here:
                self._spawn(self.evaluate(key))
        elif event.type == "user.updated":
            self._chosen.pop(key, None)  # deactivated, perhaps: looked up again
            if here:
                self._spawn(self.evaluate(key))
        else:
            status, version = event.data.get("status"), event.data.get("version")
            if isinstance(status, str) and isinstance(version, int):
                self.store.observe(key, Announced(status, version))
                # Several processes on one SQLite file know only their own sockets: one may
                # announce "offline" for somebody another still has; that one corrects it.
                if key in self._open and status == "offline":
                    self._spawn(self.evaluate(key))

    # -- deciding -----------------------------------------------------------------------------
    async def evaluate(self, key: UserKey) -> Announced | None:
        """Decide what colleagues should see of this person; announce it if it changed."""
        async with self._lock(key):
            chosen = await self._chosen_of(key)
            now = self.clock()

            def decide(held: datetime | None, previous: Announced | None) -> Announced | None:
                present = rules.is_present(held, now=now)
                status = rules.effective_status(chosen, present=present)
                return rules.announcement(previous, status, now=now)

            new = await self.store.decide(key, decide)
            if new is not None:
                workspace_id, user_id = key
                await self.db.write(
                    lambda uow: service.record_presence_change(
                        uow,
                        workspace_id=workspace_id,
                        user_id=user_id,
                        status=new.status,
                        version=new.version,
                    )
                )
        return new

    async def _sync(self, key: UserKey) -> None:
        async with self._lock(key):
            now = self.clock()
            until = rules.held_until(
                now, open_sockets=self._open.get(key, 0), ttl=self.ttl, grace=self.grace
            )
            if key not in self._open:
                until = self._lingering.get(key, now)
            await self.store.hold([(key, until)])
        await self.evaluate(key)

    async def _linger_over(self, key: UserKey) -> None:
        until = self._lingering.get(key)
        if until is None or until > self.clock():
            return  # back again, or closed again later (its own timer comes)
        del self._lingering[key]
        await self.evaluate(key)

    async def _chosen_of(self, key: UserKey) -> str | None:
        if key not in self._chosen:
            workspace_id, user_id = key
            self._chosen[key] = await self.db.read(
                lambda s: service.chosen_availability(s, workspace_id=workspace_id, user_id=user_id)
            )
        return self._chosen[key]

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(min(rules.HEARTBEAT, self.ttl / 3).total_seconds())
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence heartbeat failed; trying again")

    async def beat(self) -> None:
        """Renew this process's holds; decide again about holds that ran out."""
        now = self.clock()
        until = rules.held_until(now, open_sockets=1, ttl=self.ttl, grace=self.grace)
        await self.store.hold([(key, until) for key in self._open])
        for key, lingering in list(self._lingering.items()):
            if lingering <= now:
                del self._lingering[key]
        for key in await self.store.unsettled(now):
            if key not in self._open:
                self._spawn(self.evaluate(key))

    # -- helpers --------------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("presence decision failed", exc_info=task.exception())

    def _lock(self, key: UserKey) -> asyncio.Lock:
        # One per person who ever connected here: as many as the workspace has users.
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


def make_presence(
    db: Database,
    *,
    redis_url: str | None,
    channel: str,
    clock: Clock = utcnow,
) -> PresenceTracker:
    """Redis when the desk has it (every process sees every socket); else this process."""
    store: PresenceStore
    if redis_url:
        store = RedisPresenceStore(
            redis_url, prefix=f"{channel}:presence", process_id=uuid.uuid4().hex
        )
    else:
        store = InProcessPresenceStore()
    return PresenceTracker(db, store, clock=clock)
