"""Presence decisions on their own: who is present, what colleagues see, when to tell them,
and how many frames a socket may send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.presence import rules
from frontdesk.presence.rules import Announced, FrameBudget

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_an_open_socket_holds_for_the_ttl_and_a_closed_one_for_the_grace_period() -> None:
    assert rules.held_until(NOW, open_sockets=2) == NOW + rules.TTL
    assert rules.held_until(NOW, open_sockets=0) == NOW + rules.GRACE
    assert rules.GRACE < rules.TTL and rules.HEARTBEAT < rules.TTL
    short = timedelta(milliseconds=300)
    assert rules.held_until(NOW, open_sockets=0, grace=short) == NOW + short


def test_a_reload_within_the_grace_period_never_shows_offline() -> None:
    # The last socket closes; the page comes back 2 s later, well within the grace period.
    held = rules.held_until(NOW, open_sockets=0)
    for elapsed in (0, 1, 2):
        present = rules.is_present(held, now=NOW + elapsed * SECOND)
        assert rules.effective_status("online", present=present) == "online"
    # Nobody came back: offline once the grace period is over, not a moment before.
    assert rules.is_present(held, now=NOW + rules.GRACE - SECOND)
    assert not rules.is_present(held, now=NOW + rules.GRACE)
    assert not rules.is_present(None, now=NOW)


@pytest.mark.parametrize(
    ("chosen", "present", "seen"),
    [
        ("online", True, "online"),
        ("away", True, "away"),
        ("offline", True, "offline"),  # "appear offline"
        ("online", False, "offline"),  # no socket: offline whatever they chose
        ("away", False, "offline"),
        (None, True, "offline"),  # deactivated
        ("busy", True, "offline"),  # not a status: never shown
    ],
)
def test_what_colleagues_see(chosen: str | None, present: bool, seen: str) -> None:
    assert rules.effective_status(chosen, present=present) == seen


def test_colleagues_are_told_only_of_changes() -> None:
    assert rules.announcement(None, "offline", now=NOW) is None  # never announced = offline
    first = rules.announcement(None, "online", now=NOW)
    assert first == Announced("online", int(NOW.timestamp() * 1000))
    assert rules.announcement(first, "online", now=NOW + SECOND) is None
    away = rules.announcement(first, "away", now=NOW + SECOND)
    assert away is not None and away.status == "away" and away.version > first.version


@given(
    previous=st.integers(min_value=0, max_value=2**53),
    offset=st.integers(min_value=-(10**9), max_value=10**9),
)
def test_versions_only_grow_even_when_the_clock_goes_back(previous: int, offset: int) -> None:
    now = NOW + timedelta(milliseconds=offset)
    version = rules.next_version(Announced("online", previous), now=now)
    assert version > previous
    assert version >= int(now.timestamp() * 1000)
    assert rules.is_newer(Announced("away", version), Announced("online", previous))
    assert not rules.is_newer(Announced("away", previous), Announced("online", version))


def test_the_frame_budget_allows_a_burst_then_a_steady_rate() -> None:
    budget = FrameBudget(burst=5, per_second=2)
    assert [budget.take(100.0) for _ in range(6)] == [True] * 5 + [False]
    assert not budget.take(100.2)  # 0.4 of a frame earned
    assert budget.take(100.5)  # one frame earned in half a second
    assert not budget.take(100.5)
    # A long pause refills up to the burst, not beyond.
    assert [budget.take(1000.0) for _ in range(6)] == [True] * 5 + [False]
