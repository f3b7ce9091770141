"""A clock the tests move by hand, and a database wired to it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from frontdesk.core.db import Database
from frontdesk.outbox.models import OutboxJob

T = TypeVar("T")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    """Injected as `Database(clock=...)`: time moves only when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | float) -> datetime:
        self.now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self.now


async def jobs(db: Database, **where: Any) -> list[OutboxJob]:
    """Every outbox row, oldest first, optionally filtered by column values."""

    def query(session: Any) -> list[OutboxJob]:
        stmt = select(OutboxJob).order_by(OutboxJob.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(OutboxJob, column) == value)
        return list(session.execute(stmt).scalars())

    return await db.read(query)


async def one_job(db: Database, **where: Any) -> OutboxJob:
    rows = await jobs(db, **where)
    assert len(rows) == 1, [(r.kind, r.status, r.idempotency_key) for r in rows]
    return rows[0]


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, within: float = 10.0, what: str = "condition"
) -> T:
    """Poll `check` until it returns something truthy (no fixed sleeps in tests)."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.01)
