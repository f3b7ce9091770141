"""A fake WhatsApp Cloud API (Graph API), an app pointed at it, and a WhatsApp inbox set up
with ids, tokens and templates."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from frontdesk.app import create_app
from frontdesk.channels.whatsapp.rules import sign
from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.channels.telegram.conftest import make_worker
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "whatsapp"
PHONE_NUMBER_ID = "1122334455667"
ACCESS_TOKEN = "EAAG-whatsapp-system-user-token-0123456789"
APP_SECRET = "app-secret-0123456789abcdef"
VERIFY_TOKEN = "verify-me-please"
VERSION = "v21.0"
TEMPLATES = [
    {"name": "order_confirmation", "language": "en_US", "parameters": 2},
    {"name": "hello_world", "language": "en_US", "parameters": 0},
]


def samples() -> dict[str, Any]:
    """Every example in the shared WhatsApp data (webhook events, and the flow and template
    definitions next to them), by file and name."""
    found: dict[str, Any] = {}
    for path in sorted(SAMPLES.rglob("*.json")):
        for name, payload in json.loads(path.read_text()).items():
            found[f"{path.relative_to(SAMPLES)}:{name}"] = payload
    return found


def _error(status: int, code: int, message: str, details: str = "") -> Reply:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if details:
        error["error_data"] = {"details": details}
    return Reply(status=status, json={"error": error})


class FakeGraph:
    """The Graph API calls the desk makes, with Meta's answer shapes."""

    def __init__(self) -> None:
        self.media: dict[str, tuple[str, bytes]] = {}  # media id -> (mime type, bytes)
        self._ids = itertools.count(1)
        self.provider = FakeProvider(self.route)

    @property
    def url(self) -> str:
        return self.provider.url

    @property
    def api_url(self) -> str:
        return f"{self.provider.url}/{VERSION}"

    def add_media(self, media_id: str, data: bytes, mime_type: str = "image/jpeg") -> None:
        self.media[media_id] = (mime_type, data)

    def sent(self) -> list[dict[str, Any]]:
        """The bodies of every messages call, in order."""
        return [c.json for c in self.provider.calls_to(f"/{PHONE_NUMBER_ID}/messages")]

    def route(self, call: Call) -> Reply:
        if call.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if call.path.startswith("/files/"):
            media_id = call.path.removeprefix("/files/")
            if media_id not in self.media:
                return Reply(status=404, body=b"gone", content_type="text/plain")
            mime_type, data = self.media[media_id]
            return Reply(body=data, content_type=mime_type)
        parts = call.path.strip("/").split("/")
        if not parts or parts[0] != VERSION:
            return _error(400, 2500, "Unknown path components")
        rest = parts[1:]
        if rest == [PHONE_NUMBER_ID, "messages"] and call.method == "POST":
            body = call.json or {}
            wamid = f"wamid.OUT{next(self._ids)}"
            return Reply(
                json={
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                    "messages": [{"id": wamid}],
                }
            )
        if rest == [PHONE_NUMBER_ID, "media"] and call.method == "POST":
            [(_name, mime_type, data)] = call.files.values()
            media_id = f"up{next(self._ids)}"
            self.media[media_id] = (mime_type, data)
            return Reply(json={"id": media_id})
        if len(rest) == 1 and call.method == "GET":
            media_id = rest[0]
            if media_id not in self.media:
                return _error(400, 100, "Unsupported get request.", "Object does not exist")
            mime_type, data = self.media[media_id]
            return Reply(
                json={
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/files/{media_id}",
                    "mime_type": mime_type,
                    "sha256": "x",
                    "file_size": len(data),
                    "id": media_id,
                }
            )
        return _error(400, 100, "Unsupported post request.")


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wa_settings(settings: Settings, graph: FakeGraph) -> Settings:
    return settings.model_copy(
        update={
            "whatsapp_api_url": graph.api_url,
            "channel_timeout_seconds": 1.0,
            "outbox_max_attempts": 4,
        }
    )


@pytest.fixture
async def app(wa_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    application = create_app(wa_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def published(app: Any) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    app.state.ctx.bus.subscribe(seen.append)
    return seen


@pytest.fixture
def worker(app: Any, wa_settings: Settings) -> Worker:
    return make_worker(wa_settings, app.state.ctx.db)


@dataclass
class WaInbox:
    id: int
    public_id: str
    agent_headers: dict[str, str]
    admin_headers: dict[str, str]

    @property
    def hook(self) -> str:
        return f"/hooks/whatsapp/{self.public_id}"


async def make_inbox(client: httpx.AsyncClient, desk: Desk, **fields: Any) -> WaInbox:
    r = await client.post(
        "/api/v1/inboxes",
        headers=desk.admin.headers,
        json={"name": "WhatsApp", "channel_type": "whatsapp", "member_ids": [desk.agent.id]},
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    setup = {
        "phone_number_id": PHONE_NUMBER_ID,
        "business_account_id": "1234567890987654321",
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "templates": TEMPLATES,
        **fields,
    }
    r = await client.put(
        f"/api/v1/inboxes/{inbox['id']}/channel", headers=desk.admin.headers, json=setup
    )
    assert r.status_code == 200, r.text
    return WaInbox(
        id=inbox["id"],
        public_id=inbox["public_id"],
        agent_headers=desk.agent.headers,
        admin_headers=desk.admin.headers,
    )


@pytest.fixture
async def wa_inbox(client: httpx.AsyncClient, desk: Desk) -> WaInbox:
    return await make_inbox(client, desk)


async def post_event(
    client: httpx.AsyncClient,
    inbox: WaInbox,
    payload: Any,
    *,
    secret: str = APP_SECRET,
    signature: str | None = None,
) -> httpx.Response:
    """Posts as Meta does: the raw body signed with the app secret."""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature if signature is not None else sign(body, secret),
    }
    return await client.post(inbox.hook, headers=headers, content=body)


_ids = itertools.count(1)


def event(*values: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    """A webhook body with one entry and one change per value."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1234567890987654321",
                "changes": [{"value": value, "field": field} for value in values],
            }
        ],
    }


def message_value(
    *messages: dict[str, Any], wa_id: str = "79001234567", name: str = "Ivan Petrov"
) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "74950000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": list(messages),
    }


def text_message(
    text: str = "Hello",
    *,
    wa_id: str = "79001234567",
    message_id: str | None = None,
    timestamp: int = 1767603600,  # 2026-01-05 09:00 UTC, the fake clock's start
    **fields: Any,
) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": message_id or f"wamid.IN{next(_ids)}",
        "timestamp": str(timestamp),
        "type": "text",
        "text": {"body": text},
        **fields,
    }


def status_value(wamid: str, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "74950000000", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [
            {
                "id": wamid,
                "status": status,
                "timestamp": "1767603700",
                "recipient_id": "79001234567",
                **fields,
            }
        ],
    }
