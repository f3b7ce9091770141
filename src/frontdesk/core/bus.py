"""The event bus: carries committed domain events to every app process.

In-process by default; with FRONTDESK_REDIS_URL, events go through Redis pub/sub so that an
agent connected to one process sees what another process committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
import redis.asyncio as aioredis

from frontdesk.core.events import DomainEvent

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
            await self._redis.aclose()

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


def make_bus(redis_url: str | None, *, channel: str = CHANNEL) -> Bus:
    return RedisBus(redis_url, channel=channel) if redis_url else InProcessBus()
