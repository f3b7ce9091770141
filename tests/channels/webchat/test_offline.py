"""Online or offline from the agents' presence; the offline form becomes a conversation whose
replies also reach the visitor by e-mail (the outbox and the desk's mailer, to a real SMTP
server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.core.principal import Principal, Role
from frontdesk.presence.tracker import PresenceTracker
from frontdesk.settings import Settings
from tests.api.conftest import post_message, problem
from tests.channels.webchat.conftest import API, SITE, Visitor, WebchatInbox
from tests.conftest import Actor, Desk
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SMTPServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_from": "Frontdesk <desk@shop.example.com>",
            "outbox_poll_seconds": 30.0,  # the commit wakes the worker
        }
    )


@pytest.fixture
async def app(mail_settings: Settings) -> AsyncIterator[Any]:
    application = create_app(mail_settings, run_worker=True)
    async with application.router.lifespan_context(application):
        yield application


async def online(client: httpx.AsyncClient, webchat: WebchatInbox) -> bool:
    r = await client.get(f"{webchat.base}/config", headers={"Origin": SITE})
    assert r.status_code == 200, r.text
    return bool(r.json()["online"])


async def app_open(
    app: Any, desk: Desk, actor: Actor, availability: str, client: httpx.AsyncClient
) -> Principal:
    """The agent has the app open (a websocket) and chose an availability."""
    r = await client.put(
        f"{API}/profile/availability", headers=actor.headers, json={"availability": availability}
    )
    assert r.status_code == 200, r.text
    presence: PresenceTracker = app.state.presence
    principal = Principal(
        user_id=actor.id, workspace_id=desk.workspace_id, role=Role.agent, via="test"
    )
    presence.connected(principal)
    await presence.settle()
    return principal


async def test_online_follows_the_inbox_s_agents(
    client: httpx.AsyncClient, app: Any, desk: Desk, webchat: WebchatInbox
) -> None:
    assert await online(client, webchat) is False
    # Somebody online who does not work this inbox does not count.
    await app_open(app, desk, desk.other_agent, "online", client)
    app.state.widget._staff.clear()
    assert await online(client, webchat) is False
    principal = await app_open(app, desk, desk.agent, "away", client)
    assert await online(client, webchat) is False
    r = await client.put(
        f"{API}/profile/availability", headers=desk.agent.headers, json={"availability": "online"}
    )
    assert r.status_code == 200, r.text
    presence: PresenceTracker = app.state.presence
    await presence.settle()
    assert await online(client, webchat) is True
    presence.grace = presence.grace * 0
    presence.disconnected(principal)
    await presence.settle()
    await presence.beat()
    await presence.settle()
    assert await online(client, webchat) is False


async def test_a_team_working_the_inbox_counts_too(
    client: httpx.AsyncClient, app: Any, desk: Desk, webchat: WebchatInbox
) -> None:
    await app_open(app, desk, desk.supervisor, "online", client)
    assert await online(client, webchat) is False
    r = await client.patch(
        f"{API}/teams/{desk.team_id}",
        headers=desk.admin.headers,
        json={"inbox_ids": [desk.inbox_id, webchat.id]},
    )
    assert r.status_code == 200, r.text
    assert await online(client, webchat) is True


async def test_an_offline_message_is_answered_by_e_mail(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    webchat: WebchatInbox,
    visitor: Visitor,
    smtp_server: SMTPServer,
) -> None:
    await visitor.start(language="ru-RU")
    r = await visitor.post(
        "offline",
        {
            "email": "Olga@Example.com",
            "name": "Olga",
            "content": "Do you deliver to Kazan?",
            "client_id": "off-1",
        },
    )
    assert r.status_code == 201, r.text
    again = await visitor.post(
        "offline",
        {
            "email": "olga@example.com",
            "name": "Olga",
            "content": "Do you deliver to Kazan?",
            "client_id": "off-1",
        },
    )
    assert again.json()["id"] == r.json()["id"]
    conversations = (await client.get(f"{API}/conversations", headers=desk.agent.headers)).json()
    [conversation] = conversations["items"]
    assert conversation["contact"]["email"] == "olga@example.com"
    assert conversation["contact"]["name"] == "Olga"
    cid = conversation["id"]
    r = await client.get(f"{API}/conversations/{cid}/visitor", headers=desk.agent.headers)
    assert r.json()["followup_email"] == "olga@example.com"

    await post_message(client, desk.agent.headers, cid, "internal: check Kazan", private=True)
    await post_message(client, desk.agent.headers, cid, "Yes, in 3 days.")
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == "olga@example.com"
    assert "Ответ" in mail["Subject"] and "Shop chat" in mail["Subject"]
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "Yes, in 3 days." in body and "Agent" in body
    assert "internal" not in body and desk.agent.email not in body
    # The visitor sees the reply in the widget too.
    assert [m["content"] for m in (await visitor.messages())["items"]][-1] == "Yes, in 3 days."
    problem(await visitor.post("offline", {"email": "x", "content": "y", "client_id": "o2"}), 422)


async def test_replies_in_ordinary_chats_are_not_mailed(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    visitor: Visitor,
    smtp_server: SMTPServer,
) -> None:
    await visitor.say("Hi")
    cid = (await client.get(f"{API}/conversations", headers=desk.agent.headers)).json()["items"][0][
        "id"
    ]
    await post_message(client, desk.agent.headers, cid, "Hello!")
    assert app.state.worker is not None
    await asyncio.sleep(0.3)  # the worker would have mailed by now
    assert smtp_server.messages == []
