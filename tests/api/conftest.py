"""Helpers for the REST API tests: problem+json checks, row counts, a movable clock,
a conversation factory and an SQL statement counter."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from frontdesk.app import create_app
from frontdesk.core.db import Database
from frontdesk.settings import Settings

API = "/api/v1"


def problem(response: httpx.Response, status: int, *mentions: str) -> dict[str, Any]:
    """Assert an RFC 9457 refusal with this status whose detail names each of `mentions`."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    detail = body["detail"]
    assert isinstance(detail, str) and detail
    for word in mentions:
        assert word.lower() in detail.lower(), (word, detail)
    return body


def count_rows(db: Database, table: str, where: str = "", **params: Any) -> int:
    sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")

    def run(session: Session) -> int:
        return int(session.execute(text(sql), params).scalar_one())

    return db.read_sync(run)


def table_counts(db: Database, *tables: str) -> dict[str, int]:
    return {t: count_rows(db, t) for t in tables}


async def new_conversation(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    inbox_id: int,
    *,
    contact: dict[str, Any] | None = None,
    message: str | None = "Hello, I need help",
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "inbox_id": inbox_id,
        "contact": contact or {"name": "Ivan Petrov"},
        **fields,
    }
    if message is not None:
        body["message"] = {"content": message}
    r = await client.post(f"{API}/conversations", headers=headers, json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def post_message(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    content: str,
    *,
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        headers=headers,
        json={"content": content, **fields},
    )
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


class MovableClock:
    """The app's clock, moved forward by the test (whole seconds, so ties are easy to make)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def clocked_app(settings: Settings, clock: MovableClock) -> AsyncIterator[Any]:
    """An app whose time the test moves; use it by overriding `app` in a module."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


class StatementCounter:
    """Counts the SQL statements the app's engines run (transaction control left out, since
    SQLite's writer adds BEGIN IMMEDIATE and savepoints that PostgreSQL does not)."""

    CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.active = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.active and not statement.lstrip().upper().startswith(self.CONTROL):
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements = []
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False


@pytest.fixture
def statements(app: Any) -> Iterator[StatementCounter]:
    db: Database = app.state.ctx.db
    counter = StatementCounter()
    engines = {id(e): e for e in (db.read_engine, db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", counter)
    yield counter
    for engine in engines:
        event.remove(engine, "before_cursor_execute", counter)
