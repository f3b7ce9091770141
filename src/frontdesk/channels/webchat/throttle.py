"""Rate limits of the public widget API, per visitor and per IP address: in this process, or
in Redis when the desk has it (so that every process counts the same requests)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from frontdesk.channels.webchat import rules
from frontdesk.channels.webchat.rules import Limit
from frontdesk.core.redis_clients import close_client

log = logging.getLogger(__name__)


class Limiter(Protocol):
    limits: dict[str, Limit]

    async def hit(self, name: str, key: str) -> float | None:
        """Count a request under limit `name` for `key`; seconds to wait when over it."""

    async def close(self) -> None: ...


class InProcessLimiter:
    def __init__(
        self, limits: dict[str, Limit] | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = dict(limits or rules.LIMITS)
        self.clock = clock
        self._counter = rules.WindowCounter()

    async def hit(self, name: str, key: str) -> float | None:
        return self._counter.hit(f"{name}:{key}", self.limits[name], self.clock())

    async def close(self) -> None:
        return None


class RedisLimiter:
    """A counter per key and window (INCR, expiring with its window). Redis away, requests
    are let through: a limit must not take the chat down with it."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        limits: dict[str, Limit] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = dict(limits or rules.LIMITS)
        self.prefix = prefix
        self.clock = clock
        self._redis = aioredis.from_url(url)

    async def hit(self, name: str, key: str) -> float | None:
        limit = self.limits[name]
        now = self.clock()
        counter = f"{self.prefix}:{name}:{key}:{rules.window_of(now, limit.seconds)}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(counter)
                pipe.expire(counter, math.ceil(limit.seconds) + 1)
                count, _ = await pipe.execute()
        except RedisError:
            log.warning("widget rate limit not checked: Redis is not answering", exc_info=True)
            return None
        return rules.retry_after(now, limit.seconds) if int(count) > limit.count else None

    async def close(self) -> None:
        await close_client(self._redis, what="widget rate limits")


def make_limiter(redis_url: str | None, *, channel: str) -> Limiter:
    if redis_url:
        return RedisLimiter(redis_url, prefix=f"{channel}:widget-limits")
    return InProcessLimiter()
