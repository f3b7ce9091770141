"""`frontdesk worker` run as a real process for channel tests that kill it mid-delivery.

    workers.append(first := WorkerProcess(settings, tmp_path, "first"))
    wait_until(lambda: fake.calls_to("/sendMessage"), "the call", workers)
    first.kill()

Import `workers` (the fixture) too: it stops whatever a test started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frontdesk.settings import Settings

# Short, so that a new worker takes over a killed one's job within the test.
LEASE_SECONDS = 2.0


class WorkerProcess:
    """`frontdesk worker` in its own process, on the test's database and providers' fakes."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        name: str,
        *,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = dict(
            os.environ,
            FRONTDESK_DATABASE_URL=settings.resolved_database_url,
            FRONTDESK_DATA_DIR=str(settings.data_dir),
            FRONTDESK_SECRET_KEY=settings.secret_key,
            FRONTDESK_REDIS_CHANNEL=settings.redis_channel,
            FRONTDESK_TELEGRAM_API_URL=settings.telegram_api_url,
            FRONTDESK_WHATSAPP_API_URL=settings.whatsapp_api_url,
            FRONTDESK_VK_API_URL=settings.vk_api_url,
            # Longer than any held call: the process dies by the test's hand, not a timeout.
            FRONTDESK_CHANNEL_TIMEOUT_SECONDS="60",
            FRONTDESK_OUTBOX_POLL_SECONDS="0.05",
            FRONTDESK_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        )
        if settings.redis_url:
            env["FRONTDESK_REDIS_URL"] = settings.redis_url
        else:
            env.pop("FRONTDESK_REDIS_URL", None)
        env.update(extra_env or {})
        self.logfile = workdir / f"{name}.log"
        self.log = self.logfile.open("wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("frontdesk")), "worker"],
            env=env,
            cwd=workdir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def wait_until(check: Any, what: str, logs: list[WorkerProcess], within: float = 60.0) -> Any:
    """Poll `check` until it gives something true, and return that; on timeout, fail with the
    tails of the workers' logs."""
    deadline = time.monotonic() + within
    while not (found := check()):
        if time.monotonic() > deadline:
            tails = {w.logfile.name: w.logfile.read_text()[-2000:] for w in logs}
            raise AssertionError(f"timed out waiting for {what}; worker logs: {tails}")
        time.sleep(0.05)
    return found
