"""A worker process killed while Telegram holds its sendMessage call: after a new worker
starts, the reply is delivered (at least once: Telegram has no idempotency key)."""

from __future__ import annotations

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
from tests.channels.worker_process import (
    WorkerProcess,
    wait_until,
    workers,  # noqa: F401  (a fixture)
)
from tests.outbox.helpers import FakeClock, one_job


@pytest.fixture
def clock() -> FakeClock:
    # Real time: the worker processes run on the real clock and must find the job due.
    return FakeClock(datetime.now(UTC))


async def test_a_reply_is_delivered_after_its_worker_was_killed_mid_delivery(
    client: httpx.AsyncClient,
    app: Any,
    tg_settings: Settings,
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    workers: list[WorkerProcess],  # noqa: F811
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
