"""The event bus: carries committed domain events to every app process.

In-process by default; with FRONTDESK_REDIS_URL, events go through Redis pub/sub so that an
agent connected to one process sees what another process committed. Several processes on
one SQLite file without Redis tail the events table instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
import redis.asyncio as aioredis

from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent, events_after, last_event_id
from frontdesk.core.redis_clients import close_client

log = logging.getLogger(__name__)
Subscriber = Callable[[DomainEvent], None]
CHANNEL = "frontdesk:events"


class Bus(Protocol):
    def subscribe(self, subscriber: Subscriber) -> None: ...
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class _Subscribers:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def _deliver(self, event: DomainEvent) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed on %s", event.type)


class InProcessBus(_Subscribers):
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            self._deliver(event)


class RedisBus(_Subscribers):
    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self._redis: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._redis = aioredis.from_url(self.url)
        self._task = asyncio.create_task(self._listen(), name="redis-bus")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await close_client(self._redis, what="event bus")

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        assert self._redis is not None, "bus not started"
        if not events:
            return
        # One message per commit keeps the order of a transaction's events.
        await self._redis.publish(self.channel, orjson.dumps([event.to_wire() for event in events]))

    async def _listen(self) -> None:
        while True:
            try:
                assert self._redis is not None
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self.channel)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    for wire in orjson.loads(message["data"]):
                        self._deliver(DomainEvent.from_wire(wire))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus connection lost; reconnecting")
                await asyncio.sleep(1)


class DatabaseTailBus(_Subscribers):
    """Several processes on one SQLite file without Redis: each tails the events table.

    A process delivers its own events at once and the others' when its poll sees them.
    SQLite has one writer at a time, so event ids commit in increasing order and a
    watermark is enough to see each event once (PostgreSQL's sequences do not promise that:
    use Redis there).
    """

    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float = 0.005,
        idle_poll_seconds: float = 0.05,
        batch: int = 1000,
    ) -> None:
        super().__init__()
        self.db = db
        self.poll_seconds = poll_seconds
        # Polling every 5 ms costs an idle server a tenth of a core: with nothing new, the
        # poll slows down step by step to this, and speeds up again at the first event.
        self.idle_poll_seconds = max(idle_poll_seconds, poll_seconds)
        self._wait = poll_seconds
        self.batch = batch
        self._watermark = 0
        self._delivered_here: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._watermark = await self.db.read(last_event_id)
        self._task = asyncio.create_task(self._tail(), name="events-tail")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if events:
            self._wait = self.poll_seconds  # busy here: the others likely are too
        for event in events:
            if event.id is not None:
                if event.id <= self._watermark:
                    continue  # the tail got here first and delivered it already
                self._delivered_here.add(event.id)
            self._deliver(event)

    async def _tail(self) -> None:
        while True:
            try:
                page = await self.db.read(
                    functools.partial(
                        events_after,
                        after_id=self._watermark,
                        limit=self.batch,
                        skip=frozenset(self._delivered_here),
                    )
                )
                for event in page.events:
                    assert event.id is not None
                    if event.id in self._delivered_here:
                        continue  # published here while the page was read
                    self._deliver(event)
                self._watermark = max(self._watermark, page.last_id)
                # Ids at or below the watermark can never come again.
                self._delivered_here = {i for i in self._delivered_here if i > self._watermark}
                if page.read:
                    self._wait = self.poll_seconds
                elif self._wait < self.idle_poll_seconds:
                    self._wait = min(self._wait * 1.5, self.idle_poll_seconds)
                if page.read < self.batch:
                    await asyncio.sleep(self._wait)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("tailing the events table failed; retrying")
                await asyncio.sleep(1)


def make_bus(
    redis_url: str | None,
    *,
    channel: str = CHANNEL,
    db: Database | None = None,
    tail_database: bool = False,
) -> Bus:
    if redis_url:
        return RedisBus(redis_url, channel=channel)
    if tail_database:
        assert db is not None
        return DatabaseTailBus(db)
    return InProcessBus()
