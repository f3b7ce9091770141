"""A receiver (a real HTTP server on a loopback port), an app on a movable clock allowed to
call it, a worker the test runs by hand, and webhook helpers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest

from frontdesk import jobs
from frontdesk.app import create_app
from frontdesk.core.db import Database
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from frontdesk.webhooks.rules import verify_signature
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.outbox.helpers import FakeClock

API = "/api/v1"


class Receiver:
    """The integrator's endpoint: records every POST and answers 200 unless told otherwise
    (FakeProvider.fail scripts 500s)."""

    def __init__(self) -> None:
        self.answer: Reply = Reply(json={"ok": True})
        self.provider = FakeProvider(lambda _call: self.answer)

    @property
    def url(self) -> str:
        return self.provider.url + "/hook"

    def calls(self) -> list[Call]:
        return self.provider.calls_to("/hook")

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(c.body) for c in self.calls()]


def verified(call: Call, secret: str) -> bool:
    """What a receiver does with X-Frontdesk-Signature (docs/webhooks.md)."""
    return verify_signature(
        secret, call.headers["x-frontdesk-signature"], call.body, now=int(time.time())
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    fake = Receiver()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wh_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            # The receiver listens on 127.0.0.1: allowed here, refused by default (SSRF).
            "webhook_allowed_networks": "127.0.0.0/8",
            "webhook_timeout_seconds": 2.0,
            "outbox_max_attempts": 3,
        }
    )


@pytest.fixture
async def app(wh_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    application = create_app(wh_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


def make_worker(settings: Settings, db: Database) -> Worker:
    return Worker(
        db,
        handlers=jobs.handlers(settings, db),
        policy=RetryPolicy(max_attempts=settings.outbox_max_attempts, base_seconds=2),
        jitter=lambda: 0.0,
    )


@pytest.fixture
def worker(app: Any, wh_settings: Settings) -> Worker:
    return make_worker(wh_settings, app.state.ctx.db)


@dataclass
class Hook:
    id: int
    secret: str
    body: dict[str, Any]


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, events: list[str], **extra: Any
) -> Hook:
    r = await client.post(
        f"{API}/webhooks", headers=headers, json={"url": url, "events": events, **extra}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return Hook(id=body["id"], secret=body["secret"], body=body)


async def deliveries(
    client: httpx.AsyncClient, headers: dict[str, str], hook_id: int, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(f"{API}/webhooks/{hook_id}/deliveries", headers=headers, params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items
