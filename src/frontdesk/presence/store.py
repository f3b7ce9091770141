"""Where presence is kept: in this process, or in Redis when several processes share it.

Both keep, per person (a workspace and a user id), the holds of the processes that have their
websockets open (see rules.py) and the status colleagues were last told. `decide` reads both
and writes a new announcement as one atomic step, so that of several processes deciding at
the same moment exactly one announces a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from frontdesk.core.redis_clients import close_client
from frontdesk.presence.rules import Announced, is_newer

# (workspace id, user id)
UserKey = tuple[int, int]
Decision = Callable[[datetime | None, Announced | None], Announced | None]


class PresenceStore(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def hold(self, holds: Sequence[tuple[UserKey, datetime]]) -> None:
        """This process holds each person until the time given (a later or earlier time
        replaces this process's previous hold)."""

    async def decide(self, key: UserKey, decision: Decision) -> Announced | None:
        """Atomically: call `decision(latest hold of any process, last announcement)`; store
        and return what it returns (None: nothing to announce)."""

    async def announced(self, keys: Iterable[UserKey]) -> dict[UserKey, Announced]:
        """What colleagues were last told about these people (absent: nothing yet)."""

    def observe(self, key: UserKey, announced: Announced) -> None:
        """Another process announced this (heard on the bus)."""

    async def unsettled(self, now: datetime) -> list[UserKey]:
        """People announced as present whose holds have all run out (a process died, or
        the grace period ended): they need deciding again."""


class InProcessPresenceStore:
    """One process knows every socket (or, on SQLite without Redis, only its own; then the
    announcements of the other processes, heard through the events table, are kept too)."""

    def __init__(self) -> None:
        self._held: dict[UserKey, datetime] = {}
        self._announced: dict[UserKey, Announced] = {}
        self._ours: set[UserKey] = set()  # whose last announcement this process made

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def hold(self, holds: Sequence[tuple[UserKey, datetime]]) -> None:
        for key, until in holds:
            self._held[key] = until

    async def decide(self, key: UserKey, decision: Decision) -> Announced | None:
        new = decision(self._held.get(key), self._announced.get(key))
        if new is not None:
            self._announced[key] = new
            self._ours.add(key)
        return new

    async def announced(self, keys: Iterable[UserKey]) -> dict[UserKey, Announced]:
        return {key: self._announced[key] for key in keys if key in self._announced}

    def observe(self, key: UserKey, announced: Announced) -> None:
        if is_newer(announced, self._announced.get(key)):
            self._announced[key] = announced
            self._ours.discard(key)

    async def unsettled(self, now: datetime) -> list[UserKey]:
        # Only what this process announced: another process's announcements are its own to
        # settle (it may well hold the person still).
        found = []
        for key, until in list(self._held.items()):
            if until > now:
                continue
            announced = self._announced.get(key)
            if key in self._ours and announced is not None and announced.status != "offline":
                found.append(key)
            else:
                del self._held[key]  # settled: forget it, so the map does not grow forever
        return found


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _said(said: dict[Any, Any]) -> Announced | None:
    if not said:
        return None
    fields = {_text(k): _text(v) for k, v in said.items()}
    return Announced(status=fields["status"], version=int(fields["version"]))


def _timestamp(moment: datetime) -> float:
    return moment.timestamp()


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class RedisPresenceStore:
    """Shared by every process of the desk through Redis.

    Per person: a sorted set of holds (member: process id, score: until when, as a Unix
    time), a hash with the last announcement, and a set of everybody announced as present
    (what the sweep looks at). The processes' clocks are assumed to agree within a second or
    so (NTP), as the holds compare times written by different processes.
    """

    def __init__(self, url: str, *, prefix: str, process_id: str) -> None:
        self.url = url
        self.prefix = prefix
        self.process_id = process_id
        self._redis: aioredis.Redis | None = None

    @property
    def redis(self) -> aioredis.Redis:
        assert self._redis is not None, "presence store not started"
        return self._redis

    def _held_key(self, key: UserKey) -> str:
        return f"{self.prefix}:held:{key[0]}:{key[1]}"

    def _said_key(self, key: UserKey) -> str:
        return f"{self.prefix}:said:{key[0]}:{key[1]}"

    @property
    def _present_key(self) -> str:
        return f"{self.prefix}:present"

    async def start(self) -> None:
        self._redis = aioredis.from_url(self.url)

    async def stop(self) -> None:
        if self._redis is not None:
            await close_client(self._redis, what="presence")
            self._redis = None

    async def hold(self, holds: Sequence[tuple[UserKey, datetime]]) -> None:
        if not holds:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, until in holds:
                held = self._held_key(key)
                pipe.zadd(held, {self.process_id: _timestamp(until)})
                # Holds of processes long gone are dropped; the key itself expires when
                # nobody has renewed anything for an hour.
                pipe.zremrangebyscore(held, "-inf", _timestamp(until) - 3600)
                pipe.expire(held, 3600)
            await pipe.execute()

    async def decide(self, key: UserKey, decision: Decision) -> Announced | None:
        held_key, said_key = self._held_key(key), self._said_key(key)
        member = f"{key[0]}:{key[1]}"
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(held_key, said_key)
                    latest = await pipe.zrange(held_key, -1, -1, withscores=True)
                    said = await pipe.hgetall(said_key)
                    held = _moment(float(latest[0][1])) if latest else None
                    previous = _said(said)
                    new = decision(held, previous)
                    if new is None:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return None
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(said_key, mapping={"status": new.status, "version": new.version})
                    pipe.expire(said_key, 30 * 24 * 3600)
                    if new.status == "offline":
                        pipe.srem(self._present_key, member)
                    else:
                        pipe.sadd(self._present_key, member)
                    await pipe.execute()
                    return new
                except WatchError:
                    continue  # another process changed the holds or the announcement: again

    async def announced(self, keys: Iterable[UserKey]) -> dict[UserKey, Announced]:
        keys = list(keys)
        if not keys:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(self._said_key(key))
            answers = await pipe.execute()
        found = {key: _said(said) for key, said in zip(keys, answers, strict=True)}
        return {key: announced for key, announced in found.items() if announced is not None}

    def observe(self, key: UserKey, announced: Announced) -> None:
        return None  # every process reads the announcements from Redis already

    async def unsettled(self, now: datetime) -> list[UserKey]:
        members = await self.redis.smembers(self._present_key)
        keys: list[UserKey] = []
        for member in members:
            workspace_id, _, user_id = _text(member).partition(":")
            keys.append((int(workspace_id), int(user_id)))
        if not keys:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zrange(self._held_key(key), -1, -1, withscores=True)
            latest = await pipe.execute()
        cutoff = _timestamp(now)
        return [
            key for key, top in zip(keys, latest, strict=True) if not top or top[0][1] <= cutoff
        ]
