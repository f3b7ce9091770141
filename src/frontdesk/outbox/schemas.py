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
