"""The outbox retry policy: exponential backoff, a cap, bounded jitter, then dead-letter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.outbox.rules import RetryPolicy

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(min_value=1, max_value=50),
    base_seconds=st.floats(min_value=0.01, max_value=600, allow_nan=False),
    max_seconds=st.floats(min_value=0.01, max_value=86_400, allow_nan=False),
)
attempts = st.integers(min_value=1, max_value=10_000)
jitters = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)


def test_default_schedule_doubles_from_two_seconds() -> None:
    policy = RetryPolicy()
    assert [policy.backoff(n).total_seconds() for n in range(1, 9)] == [
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
    ]


def test_backoff_stops_growing_at_the_cap() -> None:
    policy = RetryPolicy(base_seconds=2, max_seconds=60)
    assert [policy.backoff(n).total_seconds() for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_huge_attempt_numbers_do_not_overflow() -> None:
    policy = RetryPolicy(max_attempts=10**9)
    assert policy.backoff(10**6) == timedelta(seconds=3600)
    assert policy.after_failure(10**6, now=NOW) == NOW + timedelta(seconds=3600)


def test_jitter_adds_up_to_a_quarter() -> None:
    policy = RetryPolicy(base_seconds=4)
    assert policy.backoff(1, jitter=0.0) == timedelta(seconds=4)
    assert policy.backoff(1, jitter=0.5) == timedelta(seconds=4.5)
    assert policy.backoff(1, jitter=0.999) == timedelta(seconds=4 * 1.24975)


@pytest.mark.parametrize("attempt", [0, -1])
def test_attempt_numbers_start_at_one(attempt: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        RetryPolicy().backoff(attempt)


@pytest.mark.parametrize("jitter", [-0.01, 1.0, 1.5])
def test_jitter_outside_the_unit_interval_is_refused(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy().backoff(1, jitter=jitter)


def test_after_failure_retries_until_the_last_attempt_then_dead() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=2)
    assert policy.after_failure(1, now=NOW) == NOW + timedelta(seconds=2)
    assert policy.after_failure(2, now=NOW) == NOW + timedelta(seconds=4)
    assert policy.after_failure(3, now=NOW) is None
    assert policy.after_failure(4, now=NOW) is None


def test_a_single_attempt_policy_never_retries() -> None:
    assert RetryPolicy(max_attempts=1).after_failure(1, now=NOW) is None


@given(policies, attempts, jitters)
def test_backoff_is_monotonic_in_the_attempt(policy: RetryPolicy, n: int, jitter: float) -> None:
    assert policy.backoff(n + 1, jitter=jitter) >= policy.backoff(n, jitter=jitter)


@given(policies, attempts, jitters)
def test_backoff_is_capped(policy: RetryPolicy, n: int, jitter: float) -> None:
    delay = policy.backoff(n, jitter=jitter).total_seconds()
    # timedelta keeps microseconds: allow that rounding.
    assert delay <= policy.max_seconds * 1.25 + 1e-6
    assert delay > 0


@given(policies, attempts, jitters)
def test_jitter_stays_within_a_quarter_of_the_plain_delay(
    policy: RetryPolicy, n: int, jitter: float
) -> None:
    plain = policy.backoff(n).total_seconds()
    jittered = policy.backoff(n, jitter=jitter).total_seconds()
    assert plain - 1e-6 <= jittered <= plain * 1.25 + 1e-6


@given(policies, attempts)
def test_plain_delay_is_base_doubling_or_the_cap(policy: RetryPolicy, n: int) -> None:
    delay = policy.backoff(n).total_seconds()
    expected = min(policy.base_seconds * 2.0 ** min(n - 1, 62), policy.max_seconds)
    assert delay == pytest.approx(expected, abs=1e-6)


@given(policies, attempts, jitters)
def test_dead_exactly_from_max_attempts(policy: RetryPolicy, n: int, jitter: float) -> None:
    retry_at = policy.after_failure(n, now=NOW, jitter=jitter)
    if n >= policy.max_attempts:
        assert retry_at is None
    else:
        assert retry_at == NOW + policy.backoff(n, jitter=jitter)
        assert retry_at > NOW
