"""A desk with a webchat inbox, and a visitor's side of the widget API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.conftest import statements
from tests.conftest import Desk

__all__ = ["statements"]

API = "/api/v1"
SITE = "https://shop.example.com"
_ids = itertools.count(1)


def widget_settings(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Shop chat",
        "greeting": {"en": "Hi! How can we help?", "ru": "Здравствуйте! Чем помочь?"},
        "allowed_domains": ["shop.example.com"],
        **overrides,
    }


@dataclass
class WebchatInbox:
    id: int
    public_id: str
    secret: str

    @property
    def base(self) -> str:
        return f"/widget/v1/{self.public_id}"


async def make_inbox(client: httpx.AsyncClient, desk: Desk, **settings: Any) -> WebchatInbox:
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        json={
            "name": "Website",
            "channel_type": "webchat",
            "settings": widget_settings(**settings),
            "member_ids": [desk.agent.id],
        },
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    r = await client.get(f"{API}/inboxes/{inbox['id']}/webchat", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    return WebchatInbox(
        id=inbox["id"], public_id=inbox["public_id"], secret=r.json()["identity_secret"]
    )


@pytest.fixture
async def webchat(client: httpx.AsyncClient, desk: Desk) -> WebchatInbox:
    return await make_inbox(client, desk)


@dataclass
class Visitor:
    """A browser on the shop's site talking to the widget API."""

    client: httpx.AsyncClient
    inbox: WebchatInbox
    origin: str = SITE
    token: str = ""
    session: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        headers = {
            "Origin": self.origin,
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def start(self, **body: Any) -> httpx.Response:
        if self.token and "token" not in body:
            body["token"] = self.token
        r = await self.client.post(f"{self.inbox.base}/sessions", json=body, headers=self.headers)
        if r.status_code == 200:
            self.session = r.json()
            self.token = self.session["token"]
        return r

    async def say(self, content: str, *, client_id: str | None = None) -> httpx.Response:
        return await self.client.post(
            f"{self.inbox.base}/messages",
            json={"content": content, "client_id": client_id or f"c{next(_ids)}"},
            headers=self.headers,
        )

    async def messages(self, **params: Any) -> dict[str, Any]:
        r = await self.client.get(
            f"{self.inbox.base}/messages", params=params, headers=self.headers
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.client.post(f"{self.inbox.base}/{path}", json=body, headers=self.headers)


@pytest.fixture
async def visitor(client: httpx.AsyncClient, webchat: WebchatInbox) -> Visitor:
    v = Visitor(client, webchat)
    r = await v.start(page={"url": f"{SITE}/catalog", "title": "Catalog"})
    assert r.status_code == 200, r.text
    return v
