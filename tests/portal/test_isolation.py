"""One customer never sees another's conversations, files or messages, by listing, by id,
by replying or by asking whether something changed; nor another workspace's."""

from __future__ import annotations

import re

import httpx

from frontdesk.core.db import Database
from tests.conftest import seed_desk
from tests.portal.conftest import PortalDesk, add_portal, csrf_of, customer_client, sign_in
from tests.portal.test_requests import conversation_id, open_request
from tests.smtp_server import SMTPServer


async def test_another_customers_conversations_are_never_visible(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, app: object
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    secret = conversation_id(
        await open_request(
            client,
            portal,
            subject="Ivan's secret order",
            content="My card ends in 4242",
            files=[("files", ("passport.pdf", b"%PDF ivan", "application/pdf"))],
        ),
        portal,
    )
    page = await client.get(f"{portal.path}/conversations/{secret}")
    attachment = re.search(rf"{portal.path}/attachments/(\d+)", page.text)
    assert attachment
    file_path = attachment.group(0)

    async with customer_client(app) as maria:
        await sign_in(maria, portal, smtp_server, "maria@example.com")
        listing = await maria.get(portal.path)
        assert "Ivan's secret order" not in listing.text
        assert "You have no requests yet." in listing.text
        for path in (
            f"{portal.path}/conversations/{secret}",
            file_path,
        ):
            r = await maria.get(path)
            assert r.status_code == 404, path
            assert "4242" not in r.text and "%PDF" not in r.text
        r = await maria.get(f"{portal.path}/conversations/{secret}/latest")
        assert r.status_code == 404
        home = await maria.get(portal.path)
        r = await maria.post(
            f"{portal.path}/conversations/{secret}/messages",
            data={"csrf": csrf_of(home), "content": "Injected"},
        )
        assert r.status_code == 404
        # Maria's own request is hers alone.
        mine = conversation_id(await open_request(maria, portal, subject="Maria's"), portal)
        assert (await client.get(f"{portal.path}/conversations/{mine}")).status_code == 404

    r = await client.get(
        f"/api/v1/conversations/{secret}/messages", headers=portal.desk.agent.headers
    )
    assert [m["content"] for m in r.json()["items"]] == ["My card ends in 4242"]


async def test_signed_out_visitors_see_nothing(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, app: object
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    cid = conversation_id(await open_request(client, portal), portal)
    async with customer_client(app) as stranger:
        r = await stranger.get(f"{portal.path}/conversations/{cid}")
        assert "Send me a link" in r.text and "The kettle leaks" not in r.text
        r = await stranger.get(f"{portal.path}/attachments/1")
        assert r.status_code == 401
        r = await stranger.get(f"{portal.path}/conversations/{cid}/latest")
        assert r.status_code == 401
        r = await stranger.post(f"{portal.path}/requests", data={"content": "x"})
        assert r.status_code == 401


async def test_a_session_is_good_for_its_own_workspace_only(
    client: httpx.AsyncClient,
    portal: PortalDesk,
    smtp_server: SMTPServer,
    db: Database,
    app: object,
) -> None:
    other = seed_desk(db, slug="globex")
    await add_portal(client, other)
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    cookie = client.cookies.get("frontdesk_portal")
    assert cookie
    # The cookie is scoped to /portal/acme; sent to /portal/globex by hand, it is unknown.
    async with customer_client(app) as replay:
        replay.cookies.set("frontdesk_portal", cookie, path="/portal/globex")
        r = await replay.get("/portal/globex")
        assert r.status_code == 200
        assert "Send me a link" in r.text and "Signed in as" not in r.text
        replay.cookies.set("frontdesk_portal", cookie, path="/portal/acme")
        assert "Signed in as" in (await replay.get("/portal/acme")).text
