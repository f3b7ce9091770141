"""Presence and collision hints: the pure decisions, with time passed in.

A person is *present* while one of their agent websockets is open in some process, and for a
short grace period after the last one closed, so that reloading the page does not flash
"offline" to every colleague. A present person shows the availability they chose (online or
away; choosing offline means "appear offline"); anybody not present is offline, whatever
they chose.

Each process *holds* the people whose sockets it has open: a hold lasts `TTL` and is renewed
every `HEARTBEAT` while a socket is open, and lasts `GRACE` after the last one closed. A
process that dies stops renewing, so its holds run out by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STATUSES = ("online", "away", "offline")
GRACE = timedelta(seconds=10)
TTL = timedelta(seconds=30)
HEARTBEAT = TTL / 3


def held_until(
    now: datetime, *, open_sockets: int, ttl: timedelta = TTL, grace: timedelta = GRACE
) -> datetime:
    """Until when a process holds a person: a heartbeat's reach while a socket is open,
    the grace period once the last one closed."""
    return now + (ttl if open_sockets > 0 else grace)


def is_present(held: datetime | None, *, now: datetime) -> bool:
    """`held`: the latest hold of any process on the person, None when there is none."""
    return held is not None and held > now


def effective_status(chosen: str | None, *, present: bool) -> str:
    """What colleagues see. `chosen` is None for a person who is gone or deactivated."""
    if not present or chosen not in ("online", "away"):
        return "offline"
    return chosen


@dataclass(frozen=True, slots=True)
class Announced:
    """The status colleagues were last told, and its version (newer ones are larger)."""

    status: str
    version: int


def next_version(previous: Announced | None, *, now: datetime) -> int:
    """Increasing per person, across restarts too: the clock's milliseconds, or one more
    than the last version when the clock has not moved on (or went back)."""
    stamp = int(now.timestamp() * 1000)
    return stamp if previous is None else max(previous.version + 1, stamp)


def announcement(previous: Announced | None, status: str, *, now: datetime) -> Announced | None:
    """What to tell colleagues: the new status, or None when they know it already.
    Somebody never announced counts as offline."""
    known = previous.status if previous is not None else "offline"
    if status == known:
        return None
    return Announced(status=status, version=next_version(previous, now=now))


def is_newer(candidate: Announced, than: Announced | None) -> bool:
    return than is None or candidate.version > than.version


@dataclass
class FrameBudget:
    """How many frames a socket may send: `burst` at once, `per_second` on average (a token
    bucket). Times are seconds of a monotonic clock."""

    burst: float = 20.0
    per_second: float = 2.0
    _tokens: float | None = None
    _at: float = 0.0

    def take(self, now: float) -> bool:
        """Spend one frame's worth; False when the budget is used up (drop the frame)."""
        if self._tokens is None:
            self._tokens = self.burst
        else:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
