"""A worker process killed while VK holds its messages.send call, after VK took the message:
a new worker sends it again with the same random_id, and the customer gets it once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.channels.vk.rules import random_id
from frontdesk.outbox.models import OutboxJob
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.channels.telegram.conftest import messages_of
from tests.channels.vk.conftest import USER_ID, FakeVk, VkInbox
from tests.channels.vk.test_delivery import conversation_with, reply
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


async def test_a_reply_is_sent_once_after_its_worker_was_killed_mid_delivery(
    client: httpx.AsyncClient,
    app: Any,
    vk_settings: Settings,
    vk: FakeVk,
    vk_inbox: VkInbox,
    worker: Worker,
    workers: list[WorkerProcess],  # noqa: F811
    tmp_path: Path,
) -> None:
    db = app.state.ctx.db
    conversation_id = await conversation_with(client, vk_inbox, worker)
    gate = vk.provider.hang("/method/messages.send")  # VK holds the first call
    posted = await reply(client, vk_inbox, conversation_id, "Ваш возврат оформлен")
    key = (USER_ID, random_id(vk_inbox.public_id, posted["id"]))

    first = WorkerProcess(vk_settings, tmp_path, "first")
    workers.append(first)
    wait_until(lambda: vk.calls("messages.send"), "the first worker's call", workers)
    job = await one_job(db, kind="channel.deliver")
    assert (job.status, job.attempts) == ("running", 1)
    first.kill()  # mid-delivery: the call was made, its answer never read
    gate.set()
    # VK carries out the held call: the customer has the message, the desk does not know.
    wait_until(lambda: vk.delivered, "VK to send the held message", workers)

    second = WorkerProcess(vk_settings, tmp_path, "second")
    workers.append(second)

    def delivered() -> bool:
        [_, ours] = messages_of(db, vk_inbox.id)
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
    # VK was asked twice, both times with the message's random_id ...
    sent = [(c["peer_ids"], c["random_id"], c["message"]) for c in vk.calls("messages.send")]
    assert sent == [(str(USER_ID), str(key[1]), "Ваш возврат оформлен")] * 2
    # ... and the customer got one message: the repeat was answered with the first one's id.
    assert list(vk.delivered) == [key]
    cmid = vk.delivered[key]["conversation_message_id"]
    [_, ours] = messages_of(db, vk_inbox.id)
    assert ours.id == posted["id"]
    assert (ours.delivery_status, ours.external_id) == ("sent", f"{USER_ID}:{cmid}")
    assert ours.content_attributes["vk"] == {"peer_id": USER_ID, "conversation_message_ids": [cmid]}
