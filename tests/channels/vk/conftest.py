"""A fake VK API (methods, upload servers, file storage), an app pointed at it, and a VK
inbox set up with a community's id, token, secret and confirmation code."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.channels.telegram.conftest import make_worker
from tests.conftest import Desk
from tests.outbox.helpers import FakeClock

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "vk" / "samples"
GROUP_ID = 214167102
ACCESS_TOKEN = "vk1.a.community-token-0123456789abcdef"
SECRET = "Sh0pSecret42"
CONFIRMATION = "a1b2c3d4"
USER_ID = 612444319


def samples() -> dict[str, dict[str, Any]]:
    """The real Callback API events in ../shared/data/vk/samples, by file name."""
    return {p.name: json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json"))}


def _error(code: int, message: str) -> Reply:
    return Reply(json={"error": {"error_code": code, "error_msg": message, "request_params": []}})


class FakeVk:
    """The VK API methods the desk calls, with VK's answer shapes. messages.send keeps what it
    sent per (peer, random_id), as VK does: the same random_id again sends nothing new."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}  # path -> (content type, bytes)
        self.delivered: dict[tuple[int, int], dict[str, Any]] = {}  # (peer, random_id) -> sent
        self._cmids: dict[int, Iterator[int]] = {}
        self._ids = itertools.count(457239017)
        self.provider = FakeProvider(self.route)

    @property
    def url(self) -> str:
        return self.provider.url

    def add_file(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.files[name] = (content_type, data)
        return f"{self.url}/files/{name}"

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.provider.calls_to(f"/method/{method}")]

    def route(self, call: Call) -> Reply:
        if call.path.startswith("/files/"):
            found = self.files.get(call.path.removeprefix("/files/"))
            if found is None:
                return Reply(status=404, body=b"not found", content_type="text/plain")
            return Reply(body=found[1], content_type=found[0])
        if call.path == "/upload/photo":
            [(name, _type, _data)] = call.files.values()
            return Reply(json={"server": 1, "photo": f'[{{"name": "{name}"}}]', "hash": "h1"})
        if call.path == "/upload/doc":
            return Reply(json={"file": "doc-upload-token"})
        method = call.path.removeprefix("/method/")
        params = call.params
        if params.get("access_token") != ACCESS_TOKEN:
            return _error(5, "User authorization failed: invalid access_token (4).")
        if params.get("v") != "5.199":
            return _error(8, "Invalid request: v is required")
        if method == "messages.send":
            peer = int(params["peer_ids"])
            key = (peer, int(params["random_id"]))
            if key not in self.delivered:
                cmids = self._cmids.setdefault(peer, itertools.count(5001))
                self.delivered[key] = {**params, "conversation_message_id": next(cmids)}
            cmid = self.delivered[key]["conversation_message_id"]
            return Reply(
                json={
                    "response": [
                        {"peer_id": peer, "message_id": 0, "conversation_message_id": cmid}
                    ]
                }
            )
        if method == "users.get":
            users = [
                {"id": int(i), "first_name": "Ivan", "last_name": "Petrov", "is_closed": False}
                for i in str(params["user_ids"]).split(",")
            ]
            return Reply(json={"response": users})
        if method == "messages.getConversationsById":
            peer = int(params["peer_ids"])
            item = {"peer": {"id": peer, "type": "chat"}, "chat_settings": {"title": "Shop fans"}}
            return Reply(json={"response": {"count": 1, "items": [item]}})
        if method == "photos.getMessagesUploadServer":
            server = {
                "upload_url": f"{self.url}/upload/photo",
                "album_id": -3,
                "group_id": GROUP_ID,
            }
            return Reply(json={"response": server})
        if method == "photos.saveMessagesPhoto":
            photo = {"id": next(self._ids), "owner_id": -GROUP_ID, "access_key": "k3y"}
            return Reply(json={"response": [photo]})
        if method == "docs.getMessagesUploadServer":
            return Reply(json={"response": {"upload_url": f"{self.url}/upload/doc"}})
        if method == "docs.save":
            doc = {"id": next(self._ids), "owner_id": -GROUP_ID, "title": params.get("title")}
            return Reply(json={"response": {"type": "doc", "doc": doc}})
        return _error(3, "Unknown method passed")


@pytest.fixture
def vk() -> Iterator[FakeVk]:
    fake = FakeVk()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vk_settings(settings: Settings, vk: FakeVk) -> Settings:
    return settings.model_copy(
        update={"vk_api_url": vk.url, "channel_timeout_seconds": 1.0, "outbox_max_attempts": 4}
    )


@pytest.fixture
async def app(vk_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    application = create_app(vk_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def published(app: Any) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    app.state.ctx.bus.subscribe(seen.append)
    return seen


@pytest.fixture
def worker(app: Any, vk_settings: Settings) -> Worker:
    return make_worker(vk_settings, app.state.ctx.db)


@dataclass
class VkInbox:
    id: int
    public_id: str
    agent_headers: dict[str, str]
    admin_headers: dict[str, str]

    @property
    def hook(self) -> str:
        return f"/hooks/vk/{self.public_id}"


@pytest.fixture
async def vk_inbox(client: httpx.AsyncClient, desk: Desk) -> VkInbox:
    r = await client.post(
        "/api/v1/inboxes",
        headers=desk.admin.headers,
        json={"name": "VK", "channel_type": "vk", "member_ids": [desk.agent.id]},
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    setup = {
        "group_id": GROUP_ID,
        "access_token": ACCESS_TOKEN,
        "secret": SECRET,
        "confirmation_code": CONFIRMATION,
    }
    r = await client.put(
        f"/api/v1/inboxes/{inbox['id']}/channel", headers=desk.admin.headers, json=setup
    )
    assert r.status_code == 200, r.text
    return VkInbox(
        id=inbox["id"],
        public_id=inbox["public_id"],
        agent_headers=desk.agent.headers,
        admin_headers=desk.admin.headers,
    )


_cmids = itertools.count(3000)


def message_new(
    text: str = "Hello",
    *,
    peer_id: int = USER_ID,
    from_id: int = USER_ID,
    cmid: int | None = None,
    secret: str | None = SECRET,
    **fields: Any,
) -> dict[str, Any]:
    """A message_new event as API 5.199 posts it."""
    message = {
        "date": 1767603600,
        "from_id": from_id,
        "id": 0 if peer_id > 2_000_000_000 else 900 + (cmid or 0),
        "out": 0,
        "attachments": [],
        "conversation_message_id": cmid if cmid is not None else next(_cmids),
        "fwd_messages": [],
        "important": False,
        "is_hidden": False,
        "peer_id": peer_id,
        "random_id": 0,
        "text": text,
        **fields,
    }
    event: dict[str, Any] = {
        "group_id": GROUP_ID,
        "type": "message_new",
        "event_id": f"ev{message['conversation_message_id']}",
        "v": "5.199",
        "object": {"message": message, "client_info": {"keyboard": True, "lang_id": 0}},
    }
    if secret is not None:
        event["secret"] = secret
    return event


async def post_event(client: httpx.AsyncClient, inbox: VkInbox, payload: Any) -> httpx.Response:
    if isinstance(payload, bytes):
        return await client.post(inbox.hook, content=payload)
    return await client.post(inbox.hook, json=payload)
