"""A fake Telegram Bot API, an app pointed at it, and a Telegram inbox connected to a bot."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk import jobs
from frontdesk.app import create_app
from frontdesk.conversations.models import Message
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent, EventRow
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock, eventually

TOKEN = "123456789:AAE-fake-token-for_the_test-bot"
SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def samples() -> dict[str, dict[str, Any]]:
    """Every Update object in the shared Telegram samples, by file and name."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(SAMPLES.rglob("*.json")):
        data = json.loads(path.read_text())
        items = data.items() if isinstance(data, dict) and "update_id" not in data else [("", data)]
        for name, update in items:
            found[f"{path.relative_to(SAMPLES)}:{name}"] = update
    return found


def _error(code: int, description: str) -> Reply:
    return Reply(status=code, json={"ok": False, "error_code": code, "description": description})


class FakeTelegram:
    """The Bot API methods the desk calls, with Telegram's answer shapes."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.webhook: dict[str, Any] = {}
        self._ids = itertools.count(5000)
        self.provider = FakeProvider(self.route)

    @property
    def url(self) -> str:
        return self.provider.url

    def add_file(self, file_id: str, data: bytes, path: str | None = None) -> None:
        self.files[file_id] = (path or f"documents/{file_id}.bin", data)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.provider.calls_to(f"/{method}")]

    def route(self, call: Call) -> Reply:
        parts = call.path.strip("/").split("/")
        if parts[0] == "file":
            if parts[1] != f"bot{TOKEN}":
                return _error(401, "Unauthorized")
            wanted = "/".join(parts[2:])
            for path, data in self.files.values():
                if path == wanted:
                    return Reply(body=data, content_type="application/octet-stream")
            return _error(404, "Not Found")
        if len(parts) != 2 or parts[0] != f"bot{TOKEN}":
            return _error(401, "Unauthorized")
        method, params = parts[1], call.params
        if method == "getMe":
            bot = {"id": 123456789, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}
            return Reply(json={"ok": True, "result": bot})
        if method == "setWebhook":
            self.webhook = dict(params)
            return Reply(json={"ok": True, "result": True, "description": "Webhook was set"})
        if method == "deleteWebhook":
            self.webhook = {}
            return Reply(json={"ok": True, "result": True})
        if method == "getWebhookInfo":
            info = {
                "url": self.webhook.get("url", ""),
                "pending_update_count": 2,
                "last_error_date": 1700000000,
                "last_error_message": "Connection refused",
            }
            return Reply(json={"ok": True, "result": info})
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return _error(400, "Bad Request: invalid file_id")
            path, data = self.files[file_id]
            result = {"file_id": file_id, "file_size": len(data), "file_path": path}
            return Reply(json={"ok": True, "result": result})
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = params.get("chat_id")
            result = {
                "message_id": next(self._ids),
                "date": 1700000000,
                "chat": {"id": int(str(chat_id)), "type": "private"},
            }
            return Reply(json={"ok": True, "result": result})
        return _error(404, "Not Found: method not found")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tg_settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    return settings.model_copy(
        update={
            "telegram_api_url": telegram.url,
            "channel_timeout_seconds": 1.0,
            "outbox_max_attempts": 4,
        }
    )


@pytest.fixture
async def app(tg_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    """The desk on the fake clock (retries are crossed by moving it), talking to the fake."""
    application = create_app(tg_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def published(app: Any) -> list[DomainEvent]:
    """Every event the app publishes after commit: what agents' websockets receive."""
    seen: list[DomainEvent] = []

    def collect(event: DomainEvent) -> None:
        seen.append(event)

    app.state.ctx.bus.subscribe(collect)
    return seen


async def arrived(
    published: list[DomainEvent], event_type: str, count: int = 1
) -> list[DomainEvent]:
    """The published events of a type once `count` of them are there (through Redis they
    arrive a moment after the commit)."""

    async def check() -> list[DomainEvent] | None:
        found = [e for e in published if e.type == event_type]
        return found if len(found) >= count else None

    return await eventually(check, what=f"{count} {event_type} event(s)")


def make_worker(settings: Settings, db: Database) -> Worker:
    return Worker(
        db,
        handlers=jobs.handlers(settings, db),
        policy=RetryPolicy(max_attempts=settings.outbox_max_attempts, base_seconds=2),
        jitter=lambda: 0.0,
    )


@pytest.fixture
def worker(app: Any, tg_settings: Settings) -> Worker:
    return make_worker(tg_settings, app.state.ctx.db)


@dataclass
class TgInbox:
    id: int
    public_id: str
    secret: str
    agent_headers: dict[str, str]
    admin_headers: dict[str, str]
    chats: Iterator[int] = field(default_factory=lambda: itertools.count(70001))

    @property
    def hook(self) -> str:
        return f"/hooks/telegram/{self.public_id}"


@pytest.fixture
async def tg_inbox(client: httpx.AsyncClient, desk: Desk, telegram: FakeTelegram) -> TgInbox:
    r = await client.post(
        "/api/v1/inboxes",
        headers=desk.admin.headers,
        json={"name": "Telegram", "channel_type": "telegram", "member_ids": [desk.agent.id]},
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    r = await client.post(
        f"/api/v1/inboxes/{inbox['id']}/telegram/connect",
        headers=desk.admin.headers,
        json={"bot_token": TOKEN},
    )
    assert r.status_code == 200, r.text
    return TgInbox(
        id=inbox["id"],
        public_id=inbox["public_id"],
        secret=telegram.webhook["secret_token"],
        agent_headers=desk.agent.headers,
        admin_headers=desk.admin.headers,
    )


_update_ids = itertools.count(900_000)


def text_update(
    chat_id: int,
    message_id: int,
    text: str = "Hello",
    *,
    update_id: int | None = None,
    first_name: str = "Ivan",
    **fields: Any,
) -> dict[str, Any]:
    chat = {"id": chat_id, "type": "private", "first_name": first_name, "username": "ivan"}
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1767600000,
        "chat": chat,
        "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
        **fields,
    }
    if text:
        message["text"] = text
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": message,
    }


async def post_update(
    client: httpx.AsyncClient, inbox: TgInbox, update: Any, *, secret: str | None = None
) -> httpx.Response:
    headers = {SECRET_HEADER: inbox.secret if secret is None else secret}
    if isinstance(update, bytes):
        return await client.post(inbox.hook, headers=headers, content=update)
    return await client.post(inbox.hook, headers=headers, json=update)


def messages_of(db: Database, inbox_id: int) -> list[Message]:
    return db.read_sync(
        lambda s: list(
            s.execute(
                select(Message)
                .where(Message.inbox_id == inbox_id, Message.kind != "system")
                .order_by(Message.id)
            ).scalars()
        )
    )


def events_of(db: Database, *types: str) -> list[EventRow]:
    return db.read_sync(
        lambda s: list(
            s.execute(
                select(EventRow).where(EventRow.type.in_(types)).order_by(EventRow.id)
            ).scalars()
        )
    )
