"""`frontdesk serve` and `frontdesk worker` as two processes: what the worker commits (here a
reply's delivery status, once Telegram took it) reaches the agent's websocket on `serve`.

On SQLite without Redis `serve` tails the events table; with Redis the worker publishes there.
Runs in the SQLite pass and in the PostgreSQL+Redis pass of the test command.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from frontdesk.settings import Settings
from tests.channels.telegram.conftest import FakeTelegram, TgInbox
from tests.channels.telegram.test_delivery import conversation_with, reply
from tests.channels.worker_process import WorkerProcess
from tests.conftest import PG_URL, REDIS_URL, Desk
from tests.outbox.helpers import FakeClock
from tests.realtime.test_scale_out import AppProcess

pytestmark = pytest.mark.skipif(
    bool(PG_URL and not REDIS_URL),
    reason="on PostgreSQL the worker's events go live through Redis only (without it agents "
    "see them on reload); runs in the SQLite and the PostgreSQL+Redis passes",
)


@pytest.fixture
def clock() -> FakeClock:
    # Real time: the desk is set up in-process, the processes run on the real clock.
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def processes(tg_settings: Settings, tmp_path: Path) -> Iterator[tuple[AppProcess, WorkerProcess]]:
    """`serve` (without --with-worker) and `worker`, started before the desk is set up so that
    they boot meanwhile."""
    serve = AppProcess(
        tg_settings,
        tmp_path,
        "serve",
        extra_env={
            # Off: `serve` must decide by itself to tail, the worker being another process.
            "FRONTDESK_TAIL_EVENTS": "0",
            "FRONTDESK_TELEGRAM_API_URL": tg_settings.telegram_api_url,
        },
    )
    worker = WorkerProcess(tg_settings, tmp_path, "worker")
    try:
        yield serve, worker
    finally:
        worker.stop()
        serve.stop()


async def test_the_delivery_status_set_by_a_separate_worker_reaches_the_agents_socket(
    processes: tuple[AppProcess, WorkerProcess],
    telegram: FakeTelegram,
    tg_inbox: TgInbox,
    desk: Desk,
) -> None:
    serve, worker = processes
    serve.wait_ready()
    ws_url = f"ws://127.0.0.1:{serve.port}/api/v1/ws?token={desk.agent.token}"
    async with (
        httpx.AsyncClient(base_url=serve.url, trust_env=False, timeout=10) as http,
        connect(ws_url, proxy=None, open_timeout=5) as ws,
    ):
        assert orjson.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "ready"
        conversation_id = await conversation_with(http, tg_inbox)
        posted = await reply(http, tg_inbox, conversation_id, "Your parcel left today")
        assert posted["delivery_status"] == "pending"

        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30  # the worker may still be starting
        while True:
            try:
                frame = orjson.loads(
                    await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
                )
            except TimeoutError:
                logs = {p.logfile.name: p.logfile.read_text()[-2000:] for p in (serve, worker)}
                raise AssertionError(
                    f"no message.updated for the reply; frames {seen}; "
                    f"Telegram got {telegram.sent()}; logs {logs}"
                ) from None
            seen.append(frame)
            if frame["type"] == "message.updated" and frame["data"]["id"] == posted["id"]:
                break
    assert frame["conversation_id"] == conversation_id
    assert frame["data"]["delivery_status"] == "sent"
    assert frame["data"]["external_id"] is not None
    assert telegram.sent() == [{"chat_id": 70001, "text": "Your parcel left today"}]
