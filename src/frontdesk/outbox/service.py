"""Use cases of the outbox: enqueue durable work inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Problem
from frontdesk.core.pagination import Page, decode_cursor, encode_cursor
from frontdesk.core.principal import Principal
from frontdesk.outbox import repository
from frontdesk.outbox.schemas import JobOut


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    workspace_id: int | None,
    run_at: datetime | None = None,
) -> bool:
    """Write a job in the same transaction as its cause; a repeated key is a no-op."""
    inserted = repository.add(
        uow.session,
        workspace_id=workspace_id,
        kind=kind,
        payload=payload,
        idempotency_key=idempotency_key,
        run_at=run_at or uow.now(),
        now=uow.now(),
    )
    if inserted:
        uow.jobs_enqueued += 1
    return inserted


def depth(session: Session) -> dict[str, int]:
    return repository.depth(session)


def settle_due(uow: UnitOfWork, *, workspace_id: int, before: datetime) -> int:
    """Close, unrun, the jobs a seeded or imported past enqueued (its e-mails are stale news);
    jobs due later, such as snooze wake-ups still ahead, stay pending."""
    return repository.settle_due(uow.session, workspace_id=workspace_id, before=before)


def list_jobs(
    session: Session, *, principal: Principal, statuses: list[str], cursor: str | None, limit: int
) -> Page[JobOut]:
    """The workspace's durable work, newest first: admins see what is stuck and why."""
    before_id = None
    if cursor:
        value = decode_cursor(cursor, arity=1)[0]
        if not isinstance(value, int):
            raise Problem("the cursor is not one this API returned", title="Bad cursor")
        before_id = value
    rows = repository.list_jobs(
        session,
        workspace_id=principal.workspace_id,
        statuses=statuses or ["pending", "running", "dead"],
        limit=limit + 1,
        before_id=before_id,
    )
    items = [JobOut.model_validate(r) for r in rows[:limit]]
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def redeliver(uow: UnitOfWork, *, principal: Principal, job_id: int) -> JobOut:
    """Put a dead-lettered job back in the queue, with fresh attempts, to run now."""
    if not repository.requeue(
        uow.session, job_id=job_id, workspace_id=principal.workspace_id, now=uow.now()
    ):
        raise NotFound(f"no dead-lettered job {job_id} in this workspace")
    job = repository.get(uow.session, job_id=job_id)
    assert job is not None
    uow.session.refresh(job)
    uow.jobs_enqueued += 1
    return JobOut.model_validate(job)
