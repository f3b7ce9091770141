"""A worker process killed while Telegram holds its sendMessage call: after a new worker
starts, the reply is delivered (at least once: Telegram has no idempotency key)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.outbox.models import OutboxJob
from frontdesk.settings import Settings
from tests.channels.telegram.conftest import FakeTelegram, TgInbox, messages_of
from tests.channels.telegram.test_delivery import conversation_with, reply
from tests.outbox.helpers import FakeClock, one_job

LEASE_SECONDS = 2.0


@pytest.fixture
def clock() -> FakeClock:
    # Real time: the worker processes run on the real clock and must find the job due.
    return FakeClock(datetime.now(UTC))


class WorkerProcess:
    """`frontdesk worker` in its own process, pointed at the test's database and fake."""

    def __init__(self, settings: Settings, workdir: Path, name: str) -> None:
        env = dict(
            os.environ,
            FRONTDESK_DATABASE_URL=settings.resolved_database_url,
            FRONTDESK_DATA_DIR=str(settings.data_dir),
            FRONTDESK_TELEGRAM_API_URL=settings.telegram_api_url,
            FRONTDESK_CHANNEL_TIMEOUT_SECONDS="60",
            FRONTDESK_OUTBOX_POLL_SECONDS="0.05",
            FRONTDESK_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        )
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
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def wait_until(check: Any, what: str, logs: list[WorkerProcess], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            tails = {w.logfile.name: w.logfile.read_text()[-2000:] for w in logs}
            raise AssertionError(f"timed out waiting for {what}; worker logs: {tails}")
        time.sleep(0.05)


async def test_a_reply_is_delivered_after_its_worker_was_killed_mid_delivery(
    client: httpx.AsyncClient,
    app: Any,
    tg_settings: Settings,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, tg_inbox)
    gate = telegram.provider.hang("/sendMessage")  # Telegram holds the first call
    posted = await reply(client, tg_inbox, conversation_id, "Your refund is on its way")

    first = WorkerProcess(tg_settings, tmp_path, "first")
    workers.append(first)
    wait_until(
        lambda: telegram.provider.calls_to("/sendMessage"), "the first worker's call", workers
    )
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("running", 1)
    first.kill()  # mid-delivery: the call was made, its answer never read
    gate.set()

    second = WorkerProcess(tg_settings, tmp_path, "second")
    workers.append(second)

    def delivered() -> bool:
        [_, ours] = messages_of(db, tg_inbox.id)
        job = db.read_sync(
            lambda s: (
                s.execute(select(OutboxJob).where(OutboxJob.kind == "channel.deliver"))
                .scalars()
                .one()
            )
        )
        return ours.delivery_status == "sent" and job.status == "done"

    wait_until(delivered, "the reply to be delivered by the second worker", workers)
    job = await one_job(db, kind="channel.deliver")
    assert job.attempts == 2
    calls = telegram.provider.calls_to("/sendMessage")
    assert len(calls) == 2
    assert all(c.params == {"chat_id": 70001, "text": "Your refund is on its way"} for c in calls)
    [_, ours] = messages_of(db, tg_inbox.id)
    assert ours.id == posted["id"] and ours.external_id is not None
