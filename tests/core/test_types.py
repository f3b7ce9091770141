"""UTCDateTime, cursors and local storage."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.errors import Problem
from frontdesk.core.models import UTCDateTime
from frontdesk.core.pagination import decode_cursor, encode_cursor
from frontdesk.core.storage import LocalStorage
from frontdesk.outbox import service as outbox
from frontdesk.outbox.models import OutboxJob
from frontdesk.settings import Settings

UTC_TYPE = UTCDateTime()
SQLITE: Dialect = sqlite.dialect()
POSTGRESQL: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
MOSCOW = timezone(timedelta(hours=3))
zones = st.builds(
    timezone, st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timedelta(minutes=m))
)
aware = st.datetimes(
    min_value=datetime(1971, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones
)


# ------------------------------------------------------------------------------ UTCDateTime
@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "pg"])
@given(value=aware)
def test_utc_datetime_round_trips_the_instant_as_utc(dialect: Any, value: datetime) -> None:
    stored = UTC_TYPE.process_bind_param(value, dialect)
    back = UTC_TYPE.process_result_value(stored, dialect)
    assert back == value  # the same instant
    assert back is not None and back.tzinfo is UTC


def test_sqlite_stores_naive_utc_and_postgresql_aware() -> None:
    value = datetime(2026, 1, 5, 12, 0, tzinfo=MOSCOW)
    assert UTC_TYPE.process_bind_param(value, SQLITE) == datetime(2026, 1, 5, 9, 0)
    assert UTC_TYPE.process_bind_param(value, POSTGRESQL) == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert UTC_TYPE.process_bind_param(None, SQLITE) is None
    assert UTC_TYPE.process_result_value(None, SQLITE) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTC_TYPE.process_bind_param(datetime(2026, 1, 5, 9, 0), SQLITE)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.resolved_database_url)
    yield db
    db.close()


async def test_utc_datetime_through_the_database(database: Database) -> None:
    moscow_noon = datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=MOSCOW)

    def write(uow: UnitOfWork) -> None:
        outbox.enqueue(
            uow,
            kind="t",
            payload={},
            idempotency_key="k",
            workspace_id=None,
            run_at=moscow_noon,
        )

    await database.write(write)
    run_at = await database.read(lambda s: s.execute(select(OutboxJob.run_at)).scalar_one())
    assert run_at == moscow_noon and run_at.tzinfo is UTC
    assert run_at.hour == 9 and run_at.microsecond == 123456

    # Comparisons in SQL work across zones too: noon in Moscow is 09:00 UTC.
    due = await database.read(
        lambda s: s.execute(
            select(OutboxJob.id).where(
                OutboxJob.run_at <= datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)
            )
        ).all()
    )
    assert len(due) == 1

    def naive(uow: UnitOfWork) -> None:
        uow.session.execute(update(OutboxJob).values(run_at=datetime(2026, 1, 5, 9, 0)))

    with pytest.raises(StatementError, match="naive"):
        await database.write(naive)


# ------------------------------------------------------------------------------ cursors
cursor_values = st.lists(
    st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.text(max_size=40),
        st.booleans(),
        st.none(),
    ),
    max_size=4,
)


@given(cursor_values)
def test_cursor_round_trip(values: list[Any]) -> None:
    cursor = encode_cursor(values)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # URL-safe
    assert decode_cursor(cursor, arity=len(values)) == values


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not base64!!!",
        "a",  # impossible base64 length
        _b64(b"not json"),
        _b64(b"\xff\xfe"),
        "",
    ],
)
def test_a_cursor_we_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(Problem) as refused:
        decode_cursor(cursor, arity=2)
    assert refused.value.status == 400 and refused.value.title == "Bad cursor"
    assert "cursor" in refused.value.detail


@pytest.mark.parametrize("payload", [b'{"a": 1}', b"[1]", b"[1, 2, 3]", b'"text"', b"null", b"7"])
def test_a_cursor_of_another_listing_is_refused(payload: bytes) -> None:
    with pytest.raises(Problem, match=r"does not match|not one this API"):
        decode_cursor(_b64(payload), arity=2)


# ------------------------------------------------------------------------------ storage
def test_storage_saves_opens_and_deletes(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    key = storage.save(b"%PDF-1.7 invoice", suffix=".pdf")
    other = storage.save(b"")
    assert key != other and key.endswith(".pdf")
    assert storage.open(key) == b"%PDF-1.7 invoice"
    assert storage.open(other) == b""
    assert storage.path(key).is_relative_to((tmp_path / "files").resolve())
    # Written through a temporary file and renamed: no partial files remain.
    assert not list((tmp_path / "files").rglob("*.part"))
    storage.delete(key)
    assert not storage.path(key).exists()
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    assert storage.open(other) == b""


@pytest.mark.parametrize(
    "key", ["../secret", "ab/../../secret", "/etc/passwd", "ab/cd/../../../x", "..", "%s/../.."]
)
def test_storage_refuses_keys_outside_its_root(tmp_path: Path, key: str) -> None:
    root = tmp_path / "files"
    root.mkdir()
    (tmp_path / "secret").write_bytes(b"do not read")
    storage = LocalStorage(root)
    key = key.replace("%s", str(root))
    with pytest.raises(ValueError, match="escapes"):
        storage.open(key)
    with pytest.raises(ValueError, match="escapes"):
        storage.delete(key)
    assert (tmp_path / "secret").read_bytes() == b"do not read"


def test_storage_refuses_a_symlink_out_of_its_root(tmp_path: Path) -> None:
    root = tmp_path / "files"
    root.mkdir()
    (tmp_path / "secret").write_bytes(b"do not read")
    (root / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(ValueError, match="escapes"):
        LocalStorage(root).open("link")
