"""Tests for the pure conversation state machine rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.conversations.rules import (
    ALLOWED_TRANSITIONS,
    DEFAULT_REOPEN_WINDOW,
    ConversationPriority,
    ConversationStatus,
    ConversationType,
    CustomerMessageOutcome,
    InvalidTransition,
    check_transition,
    on_customer_message,
    snooze_due,
    status_after_customer_message,
)

S = ConversationStatus
O = CustomerMessageOutcome  # noqa: E741 - short alias keeps the tables readable

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
EARLIER = NOW - timedelta(hours=1)
TINY = timedelta(microseconds=1)

# Written out independently of the module so a typo there cannot hide here.
EXPECTED_ALLOWED: set[tuple[ConversationStatus, ConversationStatus]] = {
    (S.BOT, S.OPEN),
    (S.BOT, S.RESOLVED),
    (S.OPEN, S.PENDING),
    (S.OPEN, S.SNOOZED),
    (S.OPEN, S.RESOLVED),
    (S.PENDING, S.OPEN),
    (S.PENDING, S.SNOOZED),
    (S.PENDING, S.RESOLVED),
    (S.SNOOZED, S.OPEN),
    (S.SNOOZED, S.PENDING),
    (S.SNOOZED, S.RESOLVED),
    (S.RESOLVED, S.OPEN),
}
ALL_PAIRS = list(itertools.product(S, S))
CAN_SNOOZE = [S.OPEN, S.PENDING, S.SNOOZED]  # snoozed -> snoozed is a re-snooze


def _snooze_arg(target: ConversationStatus) -> datetime | None:
    return LATER if target is S.SNOOZED else None


# --- enums -----------------------------------------------------------------


def test_enum_values() -> None:
    assert [s.value for s in S] == ["bot", "open", "pending", "snoozed", "resolved"]
    assert [p.value for p in ConversationPriority] == ["low", "normal", "high", "urgent"]
    assert [t.value for t in ConversationType] == ["question", "order", "complaint", "other"]
    assert [o.value for o in O] == ["append", "reopen", "wake", "new_conversation"]
    # StrEnum: stores and serialises as the plain string
    assert isinstance(S.OPEN, str)
    assert f"{S.OPEN}" == "open"


# --- transition table ------------------------------------------------------


def test_table_matches_spec() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)
    actual = {(src, dst) for src, targets in ALLOWED_TRANSITIONS.items() for dst in targets}
    assert actual == EXPECTED_ALLOWED
    assert all(isinstance(t, frozenset) for t in ALLOWED_TRANSITIONS.values())


def test_nothing_moves_to_bot_and_no_self_loops() -> None:
    for src, targets in ALLOWED_TRANSITIONS.items():
        assert S.BOT not in targets
        assert src not in targets


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        ALLOWED_TRANSITIONS[S.RESOLVED] = frozenset(S)  # type: ignore[index]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=lambda s: str(s))
def test_every_pair_against_table(current: ConversationStatus, target: ConversationStatus) -> None:
    snoozed_until = _snooze_arg(target)
    if current is target and target is not S.SNOOZED:
        assert check_transition(current, target, snoozed_until=snoozed_until, now=NOW) is False
    elif (current, target) in EXPECTED_ALLOWED or current is target is S.SNOOZED:
        assert check_transition(current, target, snoozed_until=snoozed_until, now=NOW) is True
    else:
        with pytest.raises(InvalidTransition) as info:
            check_transition(current, target, snoozed_until=snoozed_until, now=NOW)
        message = str(info.value)
        assert str(current) in message
        assert str(target) in message
        assert info.value.current is current
        assert info.value.target is target


def test_disallowed_pair_count() -> None:
    # 25 pairs: 12 allowed, 1 re-snooze, 4 no-ops, so 8 must raise.
    raising = [(c, t) for c, t in ALL_PAIRS if (c, t) not in EXPECTED_ALLOWED and c is not t]
    assert len(raising) == 8


def test_resolved_message_explains_reopen_only() -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(S.RESOLVED, S.PENDING, snoozed_until=None, now=NOW)
    assert "a resolved conversation can only be reopened (status open), not set to pending" in str(
        info.value
    )
    assert "from resolved to pending" in str(info.value)


@pytest.mark.parametrize("current", [s for s in S if s is not S.BOT])
def test_message_for_moving_to_bot(current: ConversationStatus) -> None:
    with pytest.raises(InvalidTransition, match=f"from {current} to bot") as info:
        check_transition(current, S.BOT, snoozed_until=None, now=NOW)
    assert "initial status" in str(info.value)


@pytest.mark.parametrize("target", [S.PENDING, S.SNOOZED])
def test_message_for_bot_to_non_handoff(target: ConversationStatus) -> None:
    with pytest.raises(InvalidTransition, match=f"from bot to {target}") as info:
        check_transition(S.BOT, target, snoozed_until=_snooze_arg(target), now=NOW)
    assert "handed off to a human" in str(info.value)


def test_invalid_transition_is_an_exception_with_reason() -> None:
    err = InvalidTransition(S.OPEN, S.BOT, "because")
    assert isinstance(err, Exception)
    assert err.reason == "because"
    assert str(err) == "cannot move a conversation from open to bot: because"


def test_plain_strings_accepted() -> None:
    assert check_transition("open", "pending", snoozed_until=None, now=NOW) is True  # type: ignore[arg-type]
    with pytest.raises(InvalidTransition):
        check_transition("resolved", "pending", snoozed_until=None, now=NOW)  # type: ignore[arg-type]


def test_unknown_status_rejected() -> None:
    with pytest.raises(ValueError):
        check_transition("closed", "open", snoozed_until=None, now=NOW)  # type: ignore[arg-type]


# --- snooze time rules -----------------------------------------------------


@pytest.mark.parametrize("current", CAN_SNOOZE)
@pytest.mark.parametrize(
    "snoozed_until",
    [None, NOW, NOW - TINY, EARLIER, NOW - timedelta(days=365)],
    ids=["none", "now", "now-1us", "hour-ago", "year-ago"],
)
def test_snooze_needs_future_time(
    current: ConversationStatus, snoozed_until: datetime | None
) -> None:
    with pytest.raises(InvalidTransition, match="snooze needs a time in the future") as info:
        check_transition(current, S.SNOOZED, snoozed_until=snoozed_until, now=NOW)
    assert str(current) in str(info.value)
    assert "snoozed" in str(info.value)


@pytest.mark.parametrize("current", CAN_SNOOZE)
@pytest.mark.parametrize("until", [NOW + TINY, LATER, NOW + timedelta(days=400)])
def test_snooze_with_future_time_allowed(current: ConversationStatus, until: datetime) -> None:
    assert check_transition(current, S.SNOOZED, snoozed_until=until, now=NOW) is True


def test_resnooze_counts_as_change() -> None:
    assert check_transition(S.SNOOZED, S.SNOOZED, snoozed_until=LATER, now=NOW) is True


def test_snooze_future_time_in_other_offset() -> None:
    # 13:30+02:00 is 11:30 UTC, i.e. before NOW despite the larger wall-clock hour.
    plus_two = timezone(timedelta(hours=2))
    with pytest.raises(InvalidTransition, match="future"):
        check_transition(
            S.OPEN, S.SNOOZED, snoozed_until=datetime(2025, 3, 14, 13, 30, tzinfo=plus_two), now=NOW
        )
    assert check_transition(
        S.OPEN, S.SNOOZED, snoozed_until=datetime(2025, 3, 14, 14, 30, tzinfo=plus_two), now=NOW
    )


@pytest.mark.parametrize(
    ("current", "target"), [(c, t) for c, t in ALL_PAIRS if t is not S.SNOOZED], ids=str
)
@pytest.mark.parametrize("until", [LATER, EARLIER], ids=["future", "past"])
def test_snoozed_until_with_other_target_rejected(
    current: ConversationStatus, target: ConversationStatus, until: datetime
) -> None:
    # Includes same-status pairs: the stray argument is a bug even for a no-op.
    with pytest.raises(InvalidTransition, match="only be given when snoozing") as info:
        check_transition(current, target, snoozed_until=until, now=NOW)
    assert f"from {current} to {target}" in str(info.value)


def test_table_violation_reported_before_snooze_time() -> None:
    with pytest.raises(InvalidTransition, match="reopened") as info:
        check_transition(S.RESOLVED, S.SNOOZED, snoozed_until=None, now=NOW)
    assert "future" not in str(info.value)


# --- naive datetimes -------------------------------------------------------

NAIVE = datetime(2025, 3, 14, 12, 0)


class _NoOffset(tzinfo):
    """A tzinfo that declines to give an offset: as unusable as no tzinfo."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


NO_OFFSET = datetime(2025, 3, 14, 12, 0, tzinfo=_NoOffset())


@pytest.mark.parametrize("bad", [NAIVE, NO_OFFSET], ids=["naive", "no-offset"])
class TestNaiveRejected:
    def test_check_transition_now(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="now must be a timezone-aware"):
            check_transition(S.OPEN, S.PENDING, snoozed_until=None, now=bad)

    def test_check_transition_now_on_noop(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="now"):
            check_transition(S.OPEN, S.OPEN, snoozed_until=None, now=bad)

    def test_check_transition_snoozed_until(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="snoozed_until must be a timezone-aware"):
            check_transition(S.OPEN, S.SNOOZED, snoozed_until=bad, now=NOW)

    def test_check_transition_snoozed_until_wrong_target(self, bad: datetime) -> None:
        # Naive input is a ValueError (bad data), not an InvalidTransition.
        with pytest.raises(ValueError):
            check_transition(S.OPEN, S.PENDING, snoozed_until=bad, now=NOW)

    def test_customer_message_now(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="now"):
            on_customer_message(S.OPEN, resolved_at=None, now=bad)

    def test_customer_message_resolved_at(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="resolved_at"):
            on_customer_message(S.RESOLVED, resolved_at=bad, now=NOW)

    def test_snooze_due_now(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="now"):
            snooze_due(S.SNOOZED, snoozed_until=NOW, now=bad)

    def test_snooze_due_snoozed_until(self, bad: datetime) -> None:
        with pytest.raises(ValueError, match="snoozed_until"):
            snooze_due(S.SNOOZED, snoozed_until=bad, now=NOW)


# --- customer messages -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [(S.BOT, O.APPEND), (S.OPEN, O.APPEND), (S.PENDING, O.WAKE), (S.SNOOZED, O.WAKE)],
)
@pytest.mark.parametrize(
    "resolved_at", [None, NOW - timedelta(days=30)], ids=["no-resolved_at", "stale-resolved_at"]
)
def test_customer_message_unresolved(
    status: ConversationStatus, expected: CustomerMessageOutcome, resolved_at: datetime | None
) -> None:
    assert on_customer_message(status, resolved_at=resolved_at, now=NOW) is expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), O.REOPEN),
        (timedelta(minutes=5), O.REOPEN),
        (timedelta(days=6, hours=23, minutes=59, seconds=59, microseconds=999_999), O.REOPEN),
        (timedelta(days=7), O.REOPEN),
        (timedelta(days=7, microseconds=1), O.NEW_CONVERSATION),
        (timedelta(days=8), O.NEW_CONVERSATION),
        (timedelta(days=365), O.NEW_CONVERSATION),
        (-timedelta(minutes=5), O.REOPEN),  # resolved_at slightly ahead (clock skew)
    ],
    ids=str,
)
def test_customer_message_resolved_default_window(
    age: timedelta, expected: CustomerMessageOutcome
) -> None:
    assert on_customer_message(S.RESOLVED, resolved_at=NOW - age, now=NOW) is expected


def test_default_window_is_seven_days() -> None:
    assert timedelta(days=7) == DEFAULT_REOPEN_WINDOW


def test_exact_seven_day_boundary() -> None:
    resolved_at = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    at_boundary = resolved_at + timedelta(days=7)
    assert on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=at_boundary) is O.REOPEN
    assert (
        on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=at_boundary + TINY)
        is O.NEW_CONVERSATION
    )


def test_boundary_across_offsets() -> None:
    # Same instants as the boundary test, written in different offsets.
    resolved_at = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    minus_five = timezone(timedelta(hours=-5))
    now = datetime(2025, 1, 8, 4, 30, tzinfo=minus_five)  # == 2025-01-08 09:30 UTC
    assert on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=now) is O.REOPEN
    assert (
        on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=now + TINY)
        is O.NEW_CONVERSATION
    )


@pytest.mark.parametrize(
    ("window", "age", "expected"),
    [
        (timedelta(days=1), timedelta(days=1), O.REOPEN),
        (timedelta(days=1), timedelta(days=1, microseconds=1), O.NEW_CONVERSATION),
        (timedelta(days=1), timedelta(days=3), O.NEW_CONVERSATION),  # would reopen by default
        (timedelta(days=30), timedelta(days=20), O.REOPEN),  # would be new by default
        (timedelta(days=30), timedelta(days=30, microseconds=1), O.NEW_CONVERSATION),
        (timedelta(0), timedelta(0), O.REOPEN),
        (timedelta(0), TINY, O.NEW_CONVERSATION),
    ],
    ids=str,
)
def test_customer_message_custom_window(
    window: timedelta, age: timedelta, expected: CustomerMessageOutcome
) -> None:
    outcome = on_customer_message(S.RESOLVED, resolved_at=NOW - age, now=NOW, reopen_window=window)
    assert outcome is expected


def test_resolved_without_resolved_at_rejected() -> None:
    with pytest.raises(ValueError, match="resolved_at"):
        on_customer_message(S.RESOLVED, resolved_at=None, now=NOW)


def test_negative_window_rejected() -> None:
    with pytest.raises(ValueError, match="reopen_window"):
        on_customer_message(
            S.RESOLVED, resolved_at=NOW, now=NOW, reopen_window=timedelta(seconds=-1)
        )


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [(O.APPEND, None), (O.REOPEN, S.OPEN), (O.WAKE, S.OPEN), (O.NEW_CONVERSATION, None)],
)
def test_status_after_customer_message(
    outcome: CustomerMessageOutcome, expected: ConversationStatus | None
) -> None:
    assert status_after_customer_message(outcome) is expected


def test_status_after_covers_every_outcome() -> None:
    assert {o: status_after_customer_message(o) for o in O} == {
        O.APPEND: None,
        O.REOPEN: S.OPEN,
        O.WAKE: S.OPEN,
        O.NEW_CONVERSATION: None,
    }


# --- snooze_due ------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "expected"),
    [(NOW - timedelta(days=1), True), (NOW - TINY, True), (NOW, True), (NOW + TINY, False)],
    ids=["day-ago", "1us-ago", "now", "1us-ahead"],
)
def test_snooze_due_for_snoozed(until: datetime, expected: bool) -> None:
    assert snooze_due(S.SNOOZED, snoozed_until=until, now=NOW) is expected


@pytest.mark.parametrize("status", [s for s in S if s is not S.SNOOZED])
@pytest.mark.parametrize(
    "until", [None, EARLIER, NOW, LATER], ids=["none", "past", "now", "future"]
)
def test_snooze_due_false_unless_snoozed(
    status: ConversationStatus, until: datetime | None
) -> None:
    assert snooze_due(status, snoozed_until=until, now=NOW) is False


def test_snoozed_without_time_rejected() -> None:
    with pytest.raises(ValueError, match="snoozed_until"):
        snooze_due(S.SNOOZED, snoozed_until=None, now=NOW)


# --- properties ------------------------------------------------------------

# Fixed offsets (not just UTC) so the properties also cover comparisons of
# instants written in different zones.
offsets = st.one_of(
    st.just(UTC),
    st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
aware = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=offsets
)
windows = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650))
statuses = st.sampled_from(S)


@given(resolved_at=aware, now=aware, window=windows)
def test_prop_resolved_reopens_iff_within_window(
    resolved_at: datetime, now: datetime, window: timedelta
) -> None:
    outcome = on_customer_message(
        S.RESOLVED, resolved_at=resolved_at, now=now, reopen_window=window
    )
    expected = O.REOPEN if now - resolved_at <= window else O.NEW_CONVERSATION
    assert outcome is expected


@given(resolved_at=aware, now=aware, a=windows, b=windows)
def test_prop_wider_window_never_reopens_less(
    resolved_at: datetime, now: datetime, a: timedelta, b: timedelta
) -> None:
    small, large = sorted((a, b))
    if on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=now, reopen_window=small) is (
        O.REOPEN
    ):
        assert (
            on_customer_message(S.RESOLVED, resolved_at=resolved_at, now=now, reopen_window=large)
            is O.REOPEN
        )


@given(
    status=st.sampled_from([S.BOT, S.OPEN, S.PENDING, S.SNOOZED]),
    resolved_at=st.none() | aware,
    now=aware,
    window=windows,
)
def test_prop_unresolved_outcome_ignores_times(
    status: ConversationStatus, resolved_at: datetime | None, now: datetime, window: timedelta
) -> None:
    outcome = on_customer_message(status, resolved_at=resolved_at, now=now, reopen_window=window)
    assert outcome is (O.APPEND if status in (S.BOT, S.OPEN) else O.WAKE)


@given(status=statuses, resolved_at=aware, now=aware, window=windows)
def test_prop_customer_message_status_change_is_a_legal_transition(
    status: ConversationStatus, resolved_at: datetime, now: datetime, window: timedelta
) -> None:
    outcome = on_customer_message(status, resolved_at=resolved_at, now=now, reopen_window=window)
    new_status = status_after_customer_message(outcome)
    assert new_status in (None, S.OPEN)
    if new_status is not None:
        # The caller will apply this change, so the state machine must accept it.
        assert check_transition(status, new_status, snoozed_until=None, now=now) is True


@given(until=aware, a=aware, b=aware)
def test_prop_snooze_due_monotonic_in_now(until: datetime, a: datetime, b: datetime) -> None:
    earlier, later = (a, b) if a <= b else (b, a)
    if snooze_due(S.SNOOZED, snoozed_until=until, now=earlier):
        assert snooze_due(S.SNOOZED, snoozed_until=until, now=later)


@given(until=aware, now=aware)
def test_prop_snooze_due_matches_comparison(until: datetime, now: datetime) -> None:
    assert snooze_due(S.SNOOZED, snoozed_until=until, now=now) is (until <= now)
    # Rewriting both instants in UTC must not change anything.
    assert snooze_due(S.SNOOZED, snoozed_until=until.astimezone(UTC), now=now.astimezone(UTC)) is (
        until <= now
    )


@given(current=st.sampled_from(CAN_SNOOZE), until=aware, now=aware)
def test_prop_snooze_allowed_iff_future(
    current: ConversationStatus, until: datetime, now: datetime
) -> None:
    if until > now:
        assert check_transition(current, S.SNOOZED, snoozed_until=until, now=now) is True
        # A snooze that was just accepted is never already due.
        assert not snooze_due(S.SNOOZED, snoozed_until=until, now=now)
    else:
        with pytest.raises(InvalidTransition, match="future"):
            check_transition(current, S.SNOOZED, snoozed_until=until, now=now)


@given(current=statuses, target=statuses, until=st.none() | aware, now=aware)
def test_prop_check_transition_agrees_with_table(
    current: ConversationStatus,
    target: ConversationStatus,
    until: datetime | None,
    now: datetime,
) -> None:
    try:
        result = check_transition(current, target, snoozed_until=until, now=now)
    except InvalidTransition as err:
        assert str(current) in str(err)
        assert str(target) in str(err)
        legal = (current, target) in EXPECTED_ALLOWED or current is target
        time_ok = (until is not None and until > now) if target is S.SNOOZED else until is None
        assert not (legal and time_ok)
        return
    assert target is not S.BOT or current is S.BOT
    if result:
        assert (current, target) in EXPECTED_ALLOWED or current is target is S.SNOOZED
    else:
        assert current is target is not S.SNOOZED
        assert until is None
