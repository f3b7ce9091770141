from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from frontdesk.core.schemas import OutputModel


class JobStatus(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    dead = "dead"


class JobTarget(OutputModel):
    """What a job is about, read from its payload's message, conversation or inbox id: enough
    for a screen to say "a reply to Telegram in conversation #42" and link to it."""

    inbox_id: int
    inbox_name: str
    channel_type: str
    conversation_id: int | None = None
    conversation_number: int | None = None
    message_id: int | None = None


class JobOut(OutputModel):
    id: int
    kind: str
    status: JobStatus
    attempts: int
    run_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]
    # None when the payload names nothing the workspace still has (or nothing at all).
    target: JobTarget | None = None


class JobCounts(OutputModel):
    """The workspace's unfinished jobs by status."""

    pending: int = 0
    running: int = 0
    dead: int = 0
