"""Use cases of the outbox: enqueue durable work inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.outbox import repository


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
