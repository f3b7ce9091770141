"""A desk with a customer portal, whose outbox worker mails through the test SMTP server;
helpers that sign a customer in with the link the mail carries."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.core.db import Database
from frontdesk.settings import Settings
from tests.conftest import Desk, seed_desk
from tests.outbox.helpers import FakeClock
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]
LINK = re.compile(r"http://testserver(/portal/[\w-]+/sign-in/[\w-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SMTPServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_from": "Acme <desk@acme.example.com>",
            # Mail goes out because the commit wakes the worker, not because it polled.
            "outbox_poll_seconds": 30.0,
            "outbox_max_attempts": 3,
        }
    )


@pytest.fixture
async def app(mail_settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    application = create_app(mail_settings, clock=clock, run_worker=True)
    async with application.router.lifespan_context(application):
        yield application


@dataclass
class PortalDesk:
    desk: Desk
    inbox_id: int
    slug: str = "acme"

    @property
    def path(self) -> str:
        return f"/portal/{self.slug}"


async def add_portal(client: httpx.AsyncClient, desk: Desk, **settings: Any) -> int:
    r = await client.post(
        "/api/v1/inboxes",
        json={
            "name": "Portal",
            "channel_type": "portal",
            "settings": settings,
            "member_ids": [desk.agent.id],
        },
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    inbox_id: int = r.json()["id"]
    return inbox_id


@pytest.fixture
async def portal(db: Database, client: httpx.AsyncClient) -> PortalDesk:
    desk = seed_desk(db)
    return PortalDesk(desk=desk, inbox_id=await add_portal(client, desk))


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on the page: {page.text[:500]}"
    return found.group(1)


def link_in(mail: EmailMessage) -> str:
    body = mail.get_content()
    found = LINK.search(body)
    assert found, f"no sign-in link in the mail: {body}"
    return found.group(1)


async def ask_link(
    client: httpx.AsyncClient, portal: PortalDesk, email: str, **headers: str
) -> httpx.Response:
    home = await client.get(portal.path, headers=headers)
    assert home.status_code == 200, home.text
    return await client.post(
        f"{portal.path}/sign-in",
        data={"email": email, "csrf": csrf_of(home)},
        headers=headers,
    )


async def use_link(client: httpx.AsyncClient, path: str) -> httpx.Response:
    confirm = await client.get(path)
    if confirm.status_code != 200:
        return confirm
    return await client.post(path, data={"csrf": csrf_of(confirm)})


async def sign_in(
    client: httpx.AsyncClient, portal: PortalDesk, smtp: SMTPServer, email: str
) -> None:
    """The whole way in: ask for a link, read it in the mail, open it, press the button."""
    before = len(smtp.messages)
    r = await ask_link(client, portal, email)
    assert r.status_code == 200, r.text
    mails = await smtp.wait_for(before + 1)
    r = await use_link(client, link_in(mails[-1]))
    assert r.status_code == 303, r.text
    assert r.headers["location"] == portal.path


def customer_client(app: Any) -> httpx.AsyncClient:
    """A second browser (its own cookies) on the same desk."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
