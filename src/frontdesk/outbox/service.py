"""Use cases of the outbox: enqueue durable work inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Problem
from frontdesk.core.pagination import Page, decode_cursor, encode_cursor
from frontdesk.core.principal import Principal
from frontdesk.outbox import repository
from frontdesk.outbox.models import OutboxJob
from frontdesk.outbox.schemas import JobCounts, JobOut, JobTarget


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


def run_again(
    uow: UnitOfWork,
    *,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    workspace_id: int,
) -> bool:
    """Run a job again now, with fresh attempts, because its cause asks for it once more (an
    agent retrying a failed reply): a finished one is put back in the queue, a missing one
    enqueued, a pending one will run anyway. False while it is running: an attempt is in
    flight, and running it twice at once could do its work twice."""
    if repository.requeue_finished(
        uow.session, idempotency_key=idempotency_key, workspace_id=workspace_id, now=uow.now()
    ):
        uow.jobs_enqueued += 1
        return True
    status = repository.status_of(
        uow.session, idempotency_key=idempotency_key, workspace_id=workspace_id
    )
    if status is None:
        enqueue(
            uow,
            kind=kind,
            payload=payload,
            idempotency_key=idempotency_key,
            workspace_id=workspace_id,
        )
        return True
    return status == "pending"


def give_up(uow: UnitOfWork, *, job_id: int, attempt: int, error: str) -> None:
    """Park a job dead from inside its handler, in the transaction that records the failure
    where people see it; the worker's own marking after the handler then changes nothing."""
    repository.mark_dead(uow.session, job_id=job_id, attempt=attempt, now=uow.now(), error=error)


def depth(session: Session) -> dict[str, int]:
    return repository.depth(session)


def counts(session: Session, *, principal: Principal) -> JobCounts:
    return JobCounts(**repository.workspace_depth(session, workspace_id=principal.workspace_id))


def _int(value: Any) -> int | None:
    # Payloads are JSON written by many kinds of jobs: only a plain integer is an id.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _out(session: Session, *, workspace_id: int, jobs: list[OutboxJob]) -> list[JobOut]:
    """The jobs with what each is about, read in at most three queries for the page."""
    message_ids = {m for j in jobs if (m := _int(j.payload.get("message_id"))) is not None}
    of_message = repository.conversations_of_messages(
        session, workspace_id=workspace_id, message_ids=message_ids
    )

    def conversation_id(job: OutboxJob) -> int | None:
        message_id = _int(job.payload.get("message_id"))
        if message_id is not None:
            return of_message.get(message_id)
        return _int(job.payload.get("conversation_id"))

    conversations = repository.conversation_targets(
        session,
        workspace_id=workspace_id,
        conversation_ids={c for j in jobs if (c := conversation_id(j)) is not None},
    )
    inboxes = repository.inbox_targets(
        session,
        workspace_id=workspace_id,
        inbox_ids={
            i
            for j in jobs
            if conversation_id(j) is None and (i := _int(j.payload.get("inbox_id"))) is not None
        },
    )
    out = []
    for job in jobs:
        target = None
        found = conversations.get(conversation_id(job) or 0)
        inbox = inboxes.get(_int(job.payload.get("inbox_id")) or 0)
        if found is not None:
            target = JobTarget(
                inbox_id=found.inbox_id,
                inbox_name=found.inbox_name,
                channel_type=found.channel_type,
                conversation_id=found.id,
                conversation_number=found.number,
                message_id=_int(job.payload.get("message_id")),
            )
        elif inbox is not None:
            target = JobTarget(
                inbox_id=inbox.id, inbox_name=inbox.name, channel_type=inbox.channel_type
            )
        out.append(JobOut.model_validate(job).model_copy(update={"target": target}))
    return out


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
    items = _out(session, workspace_id=principal.workspace_id, jobs=rows[:limit])
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


# What putting a job of a kind back in the queue means beyond the queue (a reply's message is
# pending again on every screen), registered by the package that owns the kind; run in the
# redelivery's transaction with the job's workspace id and payload.
RedeliverHook = Callable[[UnitOfWork, int, dict[str, Any]], None]
ON_REDELIVER: dict[str, RedeliverHook] = {}


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
    hook = ON_REDELIVER.get(job.kind)
    if hook is not None:
        hook(uow, principal.workspace_id, dict(job.payload))
    return _out(uow.session, workspace_id=principal.workspace_id, jobs=[job])[0]
