"""Only the inbox's allowed domains may use its widget: every widget request is checked
against its Origin (403 problem+json otherwise); any site may call it cross-origin (CORS)."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import count_rows, problem
from tests.channels.webchat.conftest import SITE, Visitor, WebchatInbox, make_inbox
from tests.conftest import Desk


@pytest.mark.parametrize(
    "origin", ["https://evil.example.net", "https://shop.example.com.evil.net", None, "null"]
)
async def test_a_site_not_allowed_is_refused_everywhere(
    client: httpx.AsyncClient,
    db: Database,
    webchat: WebchatInbox,
    visitor: Visitor,
    origin: str | None,
) -> None:
    headers = {"Authorization": f"Bearer {visitor.token}"}
    if origin is not None:
        headers["Origin"] = origin
    before = count_rows(db, "webchat_visitors")
    for method, path, body in (
        ("GET", "config", None),
        ("POST", "sessions", {}),
        ("GET", "messages", None),
        ("POST", "messages", {"content": "hi", "client_id": "a1"}),
        ("POST", "typing", {"typing": True}),
        ("POST", "read", {"message_id": 1}),
        ("POST", "csat", {"rating": 5}),
        ("POST", "prechat", {"name": "X"}),
        ("POST", "pageview", {"url": "https://evil.example.net/"}),
        ("POST", "offline", {"email": "a@b.example", "content": "x", "client_id": "o1"}),
        ("GET", "attachments/1", None),
    ):
        r = await client.request(method, f"{webchat.base}/{path}", json=body, headers=headers)
        problem(r, 403, "site")
        # Readable by the script: it then shows nothing at all.
        assert r.headers["access-control-allow-origin"] == "*"
    assert count_rows(db, "webchat_visitors") == before
    assert count_rows(db, "messages") == 0


async def test_allowed_sites_wildcards_and_no_list(client: httpx.AsyncClient, desk: Desk) -> None:
    wildcard = await make_inbox(client, desk, allowed_domains=["*.example.org"])
    anywhere = await make_inbox(client, desk, allowed_domains=[])
    for inbox, origin, status in (
        (wildcard, "https://a.example.org", 200),
        (wildcard, "https://example.org", 200),
        (wildcard, "https://example.com", 403),
        (anywhere, "https://any.site.test", 200),
        (anywhere, None, 200),
    ):
        headers = {"Origin": origin} if origin else {}
        r = await client.get(f"{inbox.base}/config", headers=headers)
        assert r.status_code == status, (inbox, origin, r.text)


async def test_cors_preflight_and_headers(client: httpx.AsyncClient, webchat: WebchatInbox) -> None:
    r = await client.options(
        f"{webchat.base}/messages",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "Authorization" in r.headers["access-control-allow-headers"]
    r = await client.get(f"{webchat.base}/config", headers={"Origin": SITE})
    assert r.headers["access-control-allow-origin"] == "*"
    # The agent API is not opened to other sites.
    r = await client.get("/api/v1/inboxes", headers={"Origin": SITE})
    assert "access-control-allow-origin" not in r.headers


async def test_an_unknown_inbox_or_another_channel_is_not_found(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.get(f"/api/v1/inboxes/{desk.inbox_id}", headers=desk.admin.headers)
    api_inbox = r.json()["public_id"]
    for public_id in ("nope", api_inbox, "x" * 300):
        r = await client.get(f"/widget/v1/{public_id}/config", headers={"Origin": SITE})
        problem(r, 404, "no website chat")


async def test_a_visitor_token_works_only_in_its_inbox(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    other = await make_inbox(client, desk)
    r = await client.get(
        f"{other.base}/messages",
        headers={"Origin": SITE, "Authorization": f"Bearer {visitor.token}"},
    )
    problem(r, 401, "token")
    r = await client.get(f"{visitor.inbox.base}/messages", headers={"Origin": SITE})
    problem(r, 401, "token")
    r = await client.get(
        f"{visitor.inbox.base}/messages",
        headers={"Origin": SITE, "Authorization": "Bearer v1.x.y"},
    )
    problem(r, 401)
