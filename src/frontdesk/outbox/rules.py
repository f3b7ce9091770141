"""Retry policy of the outbox: exponential backoff with jitter, then dead-letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    max_seconds: float = 3600.0

    def backoff(self, attempt: int, *, jitter: float = 0.0) -> timedelta:
        """Delay after failed attempt number `attempt` (1-based); `jitter` in [0, 1) adds up to
        25 % so that many jobs failing together do not retry together."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        if not 0.0 <= jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")
        exponent = min(attempt - 1, 62)
        delay = min(self.base_seconds * (2.0**exponent), self.max_seconds)
        return timedelta(seconds=delay * (1.0 + 0.25 * jitter))

    def after_failure(self, attempt: int, *, now: datetime, jitter: float = 0.0) -> datetime | None:
        """When to try again, or None when the job goes to dead-letter."""
        if attempt >= self.max_attempts:
            return None
        return now + self.backoff(attempt, jitter=jitter)
