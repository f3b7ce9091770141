"""Signing in to the portal with a one-time link sent by e-mail: the link signs in once and
for 15 minutes, is stored only as a hash, every address gets the same answer, requests are
rate limited, and posts need the CSRF token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from frontdesk.core.db import Database
from frontdesk.outbox.models import OutboxJob
from frontdesk.portal import rules
from frontdesk.portal.models import PortalLink, PortalSession
from tests.conftest import seed_desk
from tests.outbox.helpers import FakeClock
from tests.portal.conftest import (
    PortalDesk,
    add_portal,
    ask_link,
    csrf_of,
    customer_client,
    link_in,
    sign_in,
)
from tests.smtp_server import SMTPServer


async def test_the_mailed_link_signs_in_once(
    client: httpx.AsyncClient,
    portal: PortalDesk,
    smtp_server: SMTPServer,
    db: Database,
    app: Any,
) -> None:
    r = await ask_link(client, portal, "Ivan@Example.com")
    assert r.status_code == 200
    assert "Check your e-mail" in r.text
    mails = await smtp_server.wait_for(1)
    assert mails[0]["To"] == "ivan@example.com"
    assert mails[0]["Subject"] == "Your sign-in link for Acme"
    path = link_in(mails[0])
    token = path.rsplit("/", 1)[1]

    # Opening the link only asks for confirmation: a mail scanner's visit spends nothing.
    confirm = await client.get(path)
    assert confirm.status_code == 200
    assert "ivan@example.com" in confirm.text
    again = await client.get(path)
    assert again.status_code == 200

    r = await client.post(path, data={"csrf": csrf_of(confirm)})
    assert r.status_code == 303
    assert r.headers["location"] == portal.path
    cookie = next(c for c in client.cookies.jar if c.name == "frontdesk_portal")
    assert cookie.path == portal.path
    assert cookie.has_nonstandard_attr("HttpOnly")
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    home = await client.get(portal.path)
    assert "Signed in as ivan@example.com" in home.text
    assert "Your requests" in home.text

    # The token is stored only as a hash: not in the links table, not in the outbox.
    def stored(session: Any) -> tuple[list[str], list[dict[str, Any]], list[str]]:
        links = list(session.execute(select(PortalLink.token_hash)).scalars())
        payloads = list(session.execute(select(OutboxJob.payload)).scalars())
        sessions = list(session.execute(select(PortalSession.token_hash)).scalars())
        return links, payloads, sessions

    links, payloads, sessions = await db.read(stored)
    assert token not in links and len(links[0]) == 64
    assert all(token not in str(p) for p in payloads)
    assert cookie.value not in sessions

    # Used once: a second use (another browser) is refused.
    other = customer_client(app)
    async with other:
        r = await other.get(path)
        assert r.status_code == 410
        assert "already been used" in r.text
        assert "frontdesk_portal" not in other.cookies
        r = await other.get(portal.path)
        assert "Send me a link" in r.text


async def test_an_expired_link_is_refused(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, clock: FakeClock
) -> None:
    await ask_link(client, portal, "ivan@example.com")
    path = link_in((await smtp_server.wait_for(1))[0])
    confirm = await client.get(path)
    assert confirm.status_code == 200
    clock.advance(rules.LINK_LIFETIME + timedelta(seconds=1))
    r = await client.post(path, data={"csrf": csrf_of(confirm)})
    assert r.status_code == 410
    assert "expired" in r.text
    assert "frontdesk_portal" not in client.cookies
    assert (await client.get(path)).status_code == 410


async def test_a_forged_link_is_refused(client: httpx.AsyncClient, portal: PortalDesk) -> None:
    r = await client.get(f"{portal.path}/sign-in/fdp_not-a-real-token")
    assert r.status_code == 404
    assert "not valid" in r.text
    home = await client.get(portal.path)
    r = await client.post(
        f"{portal.path}/sign-in/fdp_not-a-real-token", data={"csrf": csrf_of(home)}
    )
    assert r.status_code == 404
    assert "frontdesk_portal" not in client.cookies


async def test_a_link_of_another_workspace_does_not_sign_in_here(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, db: Database
) -> None:
    other = seed_desk(db, slug="globex")
    await add_portal(client, other)
    await ask_link(client, portal, "ivan@example.com")
    path = link_in((await smtp_server.wait_for(1))[0])
    foreign = path.replace("/portal/acme/", "/portal/globex/")
    assert (await client.get(foreign)).status_code == 404


async def test_every_address_gets_the_same_answer(
    client: httpx.AsyncClient, db: Database, smtp_server: SMTPServer
) -> None:
    """With new customers not allowed, an unknown address gets no mail, and a page that
    says exactly what a known one's says."""
    desk = seed_desk(db)
    portal = PortalDesk(desk, await add_portal(client, desk, allow_new_customers=False))
    r = await client.post(
        "/api/v1/contacts",
        json={"name": "Known", "email": "known@example.com"},
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    known = await ask_link(client, portal, "known@example.com")
    unknown = await ask_link(client, portal, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known@", "X@") == unknown.text.replace("nobody@", "X@")
    mails = await smtp_server.wait_for(1)
    assert [m["To"] for m in mails] == ["known@example.com"]


async def test_links_per_address_are_limited_silently(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    for _ in range(rules.LINKS_PER_EMAIL + 2):
        r = await ask_link(client, portal, "ivan@example.com")
        assert r.status_code == 200
        assert "Check your e-mail" in r.text
    await smtp_server.wait_for(rules.LINKS_PER_EMAIL)
    r = await ask_link(client, portal, "maria@example.com")
    assert r.status_code == 200
    mails = await smtp_server.wait_for(rules.LINKS_PER_EMAIL + 1)
    assert [m["To"] for m in mails].count("ivan@example.com") == rules.LINKS_PER_EMAIL


async def test_requests_per_ip_are_limited(client: httpx.AsyncClient, portal: PortalDesk) -> None:
    for i in range(rules.REQUESTS_PER_ADDRESS):
        r = await ask_link(client, portal, f"user{i}@example.com")
        assert r.status_code == 200
    r = await ask_link(client, portal, "one-more@example.com")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "Too many requests" in r.text


async def test_posts_need_the_csrf_token(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    await client.get(portal.path)
    r = await client.post(f"{portal.path}/sign-in", data={"email": "ivan@example.com"})
    assert r.status_code == 403
    r = await client.post(
        f"{portal.path}/sign-in", data={"email": "ivan@example.com", "csrf": "forged-token-xxxxxxx"}
    )
    assert r.status_code == 403
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    r = await client.post(
        f"{portal.path}/requests",
        data={"type": "question", "subject": "Hi", "content": "Hello", "csrf": "wrong"},
    )
    assert r.status_code == 403
    r = await client.post(f"{portal.path}/sign-out", data={})
    assert r.status_code == 403
    assert "Signed in as" in (await client.get(portal.path)).text


async def test_a_bad_address_is_refused_on_the_form(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    r = await ask_link(client, portal, "not an address")
    assert r.status_code == 422
    assert "Enter a valid e-mail address" in r.text
    assert smtp_server.messages == []


async def test_signing_out_ends_the_session(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, app: Any
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    home = await client.get(portal.path)
    cookie = client.cookies.get("frontdesk_portal")
    r = await client.post(f"{portal.path}/sign-out", data={"csrf": csrf_of(home)})
    assert r.status_code == 303
    assert "signed out" in (await client.get(r.headers["location"])).text
    # The old cookie, replayed, opens nothing any more.
    async with customer_client(app) as replay:
        replay.cookies.set("frontdesk_portal", cookie or "", path=portal.path)
        r = await replay.get(portal.path)
        assert "Send me a link" in r.text and "Signed in as" not in r.text


async def test_a_workspace_without_a_portal_inbox_says_so(
    client: httpx.AsyncClient, db: Database
) -> None:
    seed_desk(db)
    r = await client.get("/portal/acme")
    assert r.status_code == 404
    assert "The customer portal of Acme is not enabled." in r.text
    r = await client.post("/portal/acme/sign-in", data={"email": "a@example.com"})
    assert r.status_code == 404
    r = await client.get("/portal/no-such-desk")
    assert r.status_code == 404
    assert "There is no customer portal at this address." in r.text
    r = await client.get("/portal/no-such-desk", headers={"Accept-Language": "ru"})
    assert "По этому адресу нет личного кабинета." in r.text


async def test_pages_forbid_framing_and_inline_script(
    client: httpx.AsyncClient, portal: PortalDesk
) -> None:
    r = await client.get(portal.path)
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text
    css = await client.get("/portal/-/portal.css")
    assert css.status_code == 200 and "immutable" in css.headers["cache-control"]
    assert (await client.get("/portal/-/nothing.js")).status_code == 404
