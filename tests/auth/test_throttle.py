from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.auth.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_locks_after_too_many_failures_until_the_window_moves_on() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("e:anna", "ip:1") is None
        throttle.failed("e:anna", "ip:1")
        clock.now += 1
    wait = throttle.retry_after("e:anna", "ip:1")
    assert wait is not None and 0 < wait <= 60
    # Another e-mail from the same address is refused too; another address for another e-mail not.
    assert throttle.retry_after("e:boris", "ip:1") is not None
    assert throttle.retry_after("e:boris", "ip:2") is None
    clock.now += wait
    assert throttle.retry_after("e:anna", "ip:1") is None


def test_a_success_forgets_the_failures() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=2, window_seconds=60, clock=clock)
    throttle.failed("e:anna")
    throttle.succeeded("e:anna")
    throttle.failed("e:anna")
    assert throttle.retry_after("e:anna") is None


@given(st.lists(st.floats(min_value=0, max_value=120), max_size=30))
def test_never_locked_with_fewer_failures_in_the_window_than_the_limit(gaps: list[float]) -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=5, window_seconds=60, clock=clock)
    times: list[float] = []
    for gap in gaps:
        clock.now += gap
        in_window = [t for t in times if t > clock.now - 60]
        locked = throttle.retry_after("k") is not None
        assert locked == (len(in_window) >= 5)
        throttle.failed("k")
        times.append(clock.now)
