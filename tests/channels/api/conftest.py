"""An API channel inbox connected to an integrator: its inbound token, its webhook URL on a
local receiver, its webhook secret; an app allowed to call the receiver, and a worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock
from tests.webhooks.conftest import API, Receiver, make_worker, receiver  # noqa: F401

__all__ = ["API", "ApiInbox", "Receiver"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allowed_networks": "127.0.0.0/8",
            "webhook_timeout_seconds": 2.0,
            "outbox_max_attempts": 3,
        }
    )


@pytest.fixture
async def app(api_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    application = create_app(api_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def worker(app: Any, api_settings: Settings) -> Worker:
    return make_worker(api_settings, app.state.ctx.db)


@dataclass
class ApiInbox:
    id: int
    public_id: str
    token: str
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def messages_url(self) -> str:
        return f"/hooks/api/{self.public_id}/messages"

    @property
    def statuses_url(self) -> str:
        return f"/hooks/api/{self.public_id}/statuses"


async def connect(
    client: httpx.AsyncClient, desk: Desk, inbox_id: int, webhook_url: str | None
) -> ApiInbox:
    h = desk.admin.headers
    inbox = (await client.get(f"{API}/inboxes/{inbox_id}", headers=h)).json()
    r = await client.post(f"{API}/inboxes/{inbox_id}/channel/token", headers=h)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    secret = ""
    if webhook_url is not None:
        r = await client.put(
            f"{API}/inboxes/{inbox_id}/channel", headers=h, json={"webhook_url": webhook_url}
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"{API}/inboxes/{inbox_id}/channel/webhook-secret", headers=h)
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
    return ApiInbox(id=inbox_id, public_id=inbox["public_id"], token=token, secret=secret)


@pytest.fixture
async def api_inbox(client: httpx.AsyncClient, desk: Desk, receiver: Receiver) -> ApiInbox:  # noqa: F811
    return await connect(client, desk, desk.inbox_id, receiver.url)


def inbound(
    external_id: str = "m-1", content: str = "Where is my order?", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "contact": {"source_id": "user-42", "name": "Olga Integrova"},
        "content": content,
    }
    body.update(extra)
    return body
