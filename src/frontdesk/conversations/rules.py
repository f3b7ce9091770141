"""Conversation state machine: pure rules, no I/O and no clock.

Every function that needs the current time takes it as ``now`` so callers (and
tests) decide what "now" is. All datetimes must be timezone-aware; naive ones
are rejected because comparing them against aware values is either a
``TypeError`` or, worse, silently wrong by the server's UTC offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_REOPEN_WINDOW",
    "ConversationPriority",
    "ConversationStatus",
    "ConversationType",
    "CustomerMessageOutcome",
    "InvalidTransition",
    "check_transition",
    "is_unread",
    "on_customer_message",
    "snooze_due",
    "status_after_customer_message",
]


class ConversationStatus(StrEnum):
    """Lifecycle status of a conversation."""

    BOT = "bot"
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class ConversationPriority(StrEnum):
    """How urgently a conversation needs attention."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ConversationType(StrEnum):
    """What the conversation is about."""

    QUESTION = "question"
    ORDER = "order"
    COMPLAINT = "complaint"
    OTHER = "other"


class InvalidTransition(Exception):
    """A status change that the state machine does not allow."""

    def __init__(
        self, current: ConversationStatus, target: ConversationStatus, reason: str
    ) -> None:
        self.current = current
        self.target = target
        self.reason = reason
        super().__init__(f"cannot move a conversation from {current} to {target}: {reason}")


_S = ConversationStatus

# Read-only view so no caller can loosen the rules at runtime. BOT appears in
# no target set: it is only ever the initial status of a new conversation.
ALLOWED_TRANSITIONS: Mapping[ConversationStatus, frozenset[ConversationStatus]] = MappingProxyType(
    {
        _S.BOT: frozenset({_S.OPEN, _S.RESOLVED}),
        _S.OPEN: frozenset({_S.PENDING, _S.SNOOZED, _S.RESOLVED}),
        _S.PENDING: frozenset({_S.OPEN, _S.SNOOZED, _S.RESOLVED}),
        _S.SNOOZED: frozenset({_S.OPEN, _S.PENDING, _S.RESOLVED}),
        _S.RESOLVED: frozenset({_S.OPEN}),
    }
)

DEFAULT_REOPEN_WINDOW = timedelta(days=7)


def _require_aware(name: str, value: datetime) -> None:
    # utcoffset() is None also for tzinfo objects that decline to give an
    # offset, which are just as unusable for comparisons as a missing tzinfo.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _disallowed_reason(current: ConversationStatus, target: ConversationStatus) -> str:
    if target is _S.BOT:
        return "bot is only the initial status of a new conversation; nothing moves back to it"
    if current is _S.RESOLVED:
        return f"a resolved conversation can only be reopened (status open), not set to {target}"
    if current is _S.BOT:
        return (
            "a bot conversation can only be handed off to a human (status open) "
            f"or resolved, not set to {target}"
        )
    allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current]))
    return f"allowed targets from {current} are: {allowed}"


def check_transition(
    current: ConversationStatus,
    target: ConversationStatus,
    *,
    snoozed_until: datetime | None,
    now: datetime,
) -> bool:
    """Validate a status change.

    Returns ``False`` for a no-op (same status, other than a re-snooze), ``True``
    for an allowed change, and raises :class:`InvalidTransition` otherwise.
    """
    # Accept plain strings (e.g. straight from a DB column); unknown values
    # raise ValueError here instead of slipping through as "not allowed".
    current, target = ConversationStatus(current), ConversationStatus(target)
    _require_aware("now", now)
    if snoozed_until is not None:
        _require_aware("snoozed_until", snoozed_until)

    # Checked before the no-op shortcut: a snooze time passed alongside a
    # non-snooze target is a caller bug even when nothing would change.
    if target is not _S.SNOOZED and snoozed_until is not None:
        raise InvalidTransition(current, target, "snoozed_until may only be given when snoozing")

    # Same status is idempotent, except snoozed -> snoozed, which moves the
    # wake-up time and so is a real change (re-snooze).
    if current is target and target is not _S.SNOOZED:
        return False

    if current is not target and target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(current, target, _disallowed_reason(current, target))

    if target is _S.SNOOZED and (snoozed_until is None or snoozed_until <= now):
        # A past or present wake-up time would be due immediately, so the
        # snooze would be undone by the next sweep; refuse it up front.
        detail = (
            "no snoozed_until given"
            if snoozed_until is None
            else f"{snoozed_until.isoformat()} is not after {now.isoformat()}"
        )
        raise InvalidTransition(current, target, f"snooze needs a time in the future ({detail})")

    return True


class CustomerMessageOutcome(StrEnum):
    """What an incoming customer message does to its conversation."""

    APPEND = "append"
    REOPEN = "reopen"
    WAKE = "wake"
    NEW_CONVERSATION = "new_conversation"


def on_customer_message(
    status: ConversationStatus,
    *,
    resolved_at: datetime | None,
    now: datetime,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> CustomerMessageOutcome:
    """Decide how a customer message arriving at ``now`` affects a conversation.

    ``resolved_at`` is only consulted for resolved conversations; other statuses
    may carry a stale value from an earlier resolution, which is ignored.
    """
    status = ConversationStatus(status)
    _require_aware("now", now)
    if resolved_at is not None:
        _require_aware("resolved_at", resolved_at)
    if reopen_window < timedelta(0):
        raise ValueError(f"reopen_window must not be negative, got {reopen_window!r}")

    if status in (_S.BOT, _S.OPEN):
        return CustomerMessageOutcome.APPEND
    if status in (_S.PENDING, _S.SNOOZED):
        # The customer answered or came back: someone has to look at it now.
        return CustomerMessageOutcome.WAKE
    if status is _S.RESOLVED:
        if resolved_at is None:
            raise ValueError("a resolved conversation needs resolved_at")
        # Inclusive bound: a message exactly at the end of the window still
        # reopens. A resolved_at in the future (clock skew) also reopens.
        if now - resolved_at <= reopen_window:
            return CustomerMessageOutcome.REOPEN
        # Long-closed threads start afresh so old context and metrics stay intact.
        return CustomerMessageOutcome.NEW_CONVERSATION
    raise ValueError(f"unknown conversation status {status!r}")


def status_after_customer_message(outcome: CustomerMessageOutcome) -> ConversationStatus | None:
    """Status the existing conversation moves to, or ``None`` if it stays put."""
    outcome = CustomerMessageOutcome(outcome)
    if outcome in (CustomerMessageOutcome.REOPEN, CustomerMessageOutcome.WAKE):
        return _S.OPEN
    # APPEND leaves the status alone; NEW_CONVERSATION leaves the old
    # conversation resolved and the caller creates a fresh one.
    return None


def snooze_due(
    status: ConversationStatus, *, snoozed_until: datetime | None, now: datetime
) -> bool:
    """True when a snoozed conversation's wake-up time has been reached."""
    status = ConversationStatus(status)
    _require_aware("now", now)
    if snoozed_until is not None:
        _require_aware("snoozed_until", snoozed_until)
    # Other statuses may keep a stale snoozed_until; it no longer means anything.
    if status is not _S.SNOOZED:
        return False
    if snoozed_until is None:
        # A snoozed conversation without a wake-up time would sleep forever;
        # surface the broken record rather than hide it.
        raise ValueError("a snoozed conversation needs snoozed_until")
    return snoozed_until <= now


def is_unread(*, last_incoming_at: datetime | None, last_read_at: datetime | None) -> bool:
    """Whether a customer message arrived after the reader last read the conversation.

    Never read and a customer wrote: unread. Read at the very instant of the message: read
    (the reader had it on screen when it came in)."""
    if last_incoming_at is None:
        return False
    return last_read_at is None or last_incoming_at > last_read_at
