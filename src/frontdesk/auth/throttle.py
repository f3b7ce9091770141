"""Slows down password guessing: too many failed logins for one e-mail or from one address
within a window, and further attempts are refused until the window moves on.

In memory, per process: with several processes an attacker gets a few more tries per process,
which still turns an online guessing attack from hopeless to more hopeless; argon2 makes every
try expensive anyway. Pure logic with an injected clock, so it is tested without waiting.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    max_failures: int = 10
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return deque()
        return failures

    def retry_after(self, *keys: str) -> float | None:
        """Seconds until an attempt for these keys is allowed again, or None when it is now."""
        now = self.clock()
        waits = []
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.max_failures:
                waits.append(
                    failures[len(failures) - self.max_failures] + self.window_seconds - now
                )
        return max(waits) if waits else None

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            failures = self._failures[key]
            failures.append(now)
            while len(failures) > self.max_failures:
                failures.popleft()

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


@dataclass
class LoginThrottles:
    """Failures counted per e-mail, and (more generously: offices share addresses) per IP."""

    by_email: LoginThrottle = field(default_factory=LoginThrottle)
    by_address: LoginThrottle = field(default_factory=lambda: LoginThrottle(max_failures=50))

    def retry_after(self, *, email: str, address: str) -> float | None:
        waits = [
            w
            for w in (
                self.by_email.retry_after(email.lower()),
                self.by_address.retry_after(address),
            )
            if w is not None
        ]
        return max(waits) if waits else None

    def failed(self, *, email: str, address: str) -> None:
        self.by_email.failed(email.lower())
        self.by_address.failed(address)

    def succeeded(self, *, email: str) -> None:
        self.by_email.succeeded(email.lower())
