"""Every query on the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.db import rowcount
from frontdesk.inboxes.models import Inbox
from frontdesk.outbox.models import OutboxJob


def add(
    session: Session,
    *,
    workspace_id: int | None,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    run_at: datetime,
    now: datetime,
) -> bool:
    """Insert a job unless one with the same key exists; True when inserted."""
    values = dict(
        workspace_id=workspace_id,
        kind=kind,
        payload=payload,
        idempotency_key=idempotency_key,
        status="pending",
        attempts=0,
        run_at=run_at,
        created_at=now,
    )
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_fn(OutboxJob)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        # RETURNING, not rowcount: through the ORM on psycopg the rowcount of a skipped insert
        # is not 0, so a repeated key looked inserted.
        .returning(OutboxJob.id)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def claim(session: Session, *, now: datetime, lease: timedelta, limit: int) -> list[OutboxJob]:
    """Take due jobs (and jobs whose worker died) and lease them to the caller."""
    due = (
        select(OutboxJob.id)
        .where(
            or_(
                (OutboxJob.status == "pending") & (OutboxJob.run_at <= now),
                (OutboxJob.status == "running") & (OutboxJob.locked_until <= now),
            )
        )
        .order_by(OutboxJob.run_at, OutboxJob.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers claim side by side without waiting on each other's rows.
        due = due.with_for_update(skip_locked=True)
    ids = list(session.execute(due).scalars())
    if not ids:
        return []
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(ids))
        .values(status="running", attempts=OutboxJob.attempts + 1, locked_until=now + lease)
    )
    return list(session.execute(select(OutboxJob).where(OutboxJob.id.in_(ids))).scalars())


def _leased(job_id: int, attempt: int) -> ColumnElement[bool]:
    # Only the holder of the current lease may finish a job: a worker that stalled past its
    # lease (attempt number since taken over) must not overwrite the new owner's outcome.
    return (
        (OutboxJob.id == job_id) & (OutboxJob.status == "running") & (OutboxJob.attempts == attempt)
    )


def mark_done(session: Session, *, job_id: int, attempt: int, now: datetime) -> None:
    session.execute(
        update(OutboxJob)
        .where(_leased(job_id, attempt))
        .values(status="done", finished_at=now, locked_until=None, last_error=None)
    )


def mark_retry(
    session: Session, *, job_id: int, attempt: int, run_at: datetime, error: str
) -> None:
    session.execute(
        update(OutboxJob)
        .where(_leased(job_id, attempt))
        .values(status="pending", run_at=run_at, locked_until=None, last_error=error[:4000])
    )


def mark_dead(session: Session, *, job_id: int, attempt: int, now: datetime, error: str) -> None:
    session.execute(
        update(OutboxJob)
        .where(_leased(job_id, attempt))
        .values(status="dead", finished_at=now, locked_until=None, last_error=error[:4000])
    )


def requeue(session: Session, *, job_id: int, workspace_id: int, now: datetime) -> bool:
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            OutboxJob.workspace_id == workspace_id,
            OutboxJob.status == "dead",
        )
        .values(status="pending", run_at=now, attempts=0, finished_at=None)
    )
    return bool(rowcount(result))


def requeue_finished(
    session: Session, *, idempotency_key: str, workspace_id: int, now: datetime
) -> bool:
    """Put a finished job (dead, or done) back in the queue with fresh attempts, to run now."""
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.idempotency_key == idempotency_key,
            OutboxJob.workspace_id == workspace_id,
            OutboxJob.status.in_(("dead", "done")),
        )
        .values(status="pending", run_at=now, attempts=0, finished_at=None, locked_until=None)
    )
    return bool(rowcount(result))


def status_of(session: Session, *, idempotency_key: str, workspace_id: int) -> str | None:
    return session.execute(
        select(OutboxJob.status).where(
            OutboxJob.idempotency_key == idempotency_key, OutboxJob.workspace_id == workspace_id
        )
    ).scalar_one_or_none()


def depth(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxJob.status, func.count())
        .where(OutboxJob.status != "done")
        .group_by(OutboxJob.status)
    ).all()
    return {status: count for status, count in rows}


def list_jobs(
    session: Session,
    *,
    workspace_id: int,
    statuses: Sequence[str],
    limit: int,
    before_id: int | None,
) -> list[OutboxJob]:
    stmt = select(OutboxJob).where(
        OutboxJob.workspace_id == workspace_id, OutboxJob.status.in_(statuses)
    )
    if before_id is not None:
        stmt = stmt.where(OutboxJob.id < before_id)
    return list(session.execute(stmt.order_by(OutboxJob.id.desc()).limit(limit)).scalars())


def workspace_depth(session: Session, *, workspace_id: int) -> dict[str, int]:
    rows = session.execute(
        select(OutboxJob.status, func.count())
        .where(OutboxJob.workspace_id == workspace_id, OutboxJob.status != "done")
        .group_by(OutboxJob.status)
    ).all()
    return {status: count for status, count in rows}


def conversations_of_messages(
    session: Session, *, workspace_id: int, message_ids: Iterable[int]
) -> dict[int, int]:
    """Message id → its conversation id, for the jobs that are about a message."""
    ids = set(message_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Message.id, Message.conversation_id).where(
            Message.workspace_id == workspace_id, Message.id.in_(ids)
        )
    ).all()
    return {message_id: conversation_id for message_id, conversation_id in rows}


def conversation_targets(
    session: Session, *, workspace_id: int, conversation_ids: Iterable[int]
) -> dict[int, Any]:
    """Conversation id → (id, number, inbox_id, inbox_name, channel_type)."""
    ids = set(conversation_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Conversation.id,
            Conversation.number,
            Inbox.id.label("inbox_id"),
            Inbox.name.label("inbox_name"),
            Inbox.channel_type,
        )
        .join(Inbox, Inbox.id == Conversation.inbox_id)
        .where(Conversation.workspace_id == workspace_id, Conversation.id.in_(ids))
    ).all()
    return {row.id: row for row in rows}


def inbox_targets(
    session: Session, *, workspace_id: int, inbox_ids: Iterable[int]
) -> dict[int, Any]:
    """Inbox id → (id, name, channel_type)."""
    ids = set(inbox_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Inbox.id, Inbox.name, Inbox.channel_type).where(
            Inbox.workspace_id == workspace_id, Inbox.id.in_(ids)
        )
    ).all()
    return {row.id: row for row in rows}


def get(session: Session, *, job_id: int) -> OutboxJob | None:
    return session.get(OutboxJob, job_id)


def settle_due(session: Session, *, workspace_id: int, before: datetime) -> int:
    """Mark a workspace's pending jobs due by `before` done without running them."""
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.workspace_id == workspace_id,
            OutboxJob.status == "pending",
            OutboxJob.run_at <= before,
        )
        .values(status="done", finished_at=before)
    )
    return rowcount(result)
