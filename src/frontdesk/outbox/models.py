"""The transactional outbox: durable work written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    # Passed to the receiver so a retried delivery is recognised as the same one.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # pending | running | done | dead
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_at: Mapped[datetime]
    # A running job whose lease has expired belongs to a worker that died: it is claimed again.
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
