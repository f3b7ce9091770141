"""The chat's preview page (/widget/preview/<public id>): a stand-in shop page with the inbox's
real snippet, in the browser's language, escaped, with the portal's kind of security headers;
and the desk's own origin, which the widget always lets in, while other sites stay refused."""

from __future__ import annotations

import httpx
import pytest
from markupsafe import escape

from frontdesk.channels.webchat import rules
from tests.api.conftest import problem
from tests.channels.webchat.conftest import API, SITE, Visitor, WebchatInbox, make_inbox
from tests.conftest import Desk

DESK = "http://testserver"  # the tests' FRONTDESK_BASE_URL


async def preview(client: httpx.AsyncClient, public_id: str, **headers: str) -> httpx.Response:
    return await client.get(f"/widget/preview/{public_id}", headers=headers)


def assert_secure_page(r: httpx.Response) -> None:
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert f"script-src {DESK};" in csp  # the widget's script, nothing inline
    assert "connect-src http://testserver ws://testserver;" in csp
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    # Same-origin only: the widget's GETs to the desk carry no Origin, their Referer says where
    # they come from; other sites never learn the page's address.
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"


async def test_the_preview_page_embeds_the_inboxs_real_snippet(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    r = await preview(client, webchat.public_id)
    assert r.status_code == 200, r.text
    assert_secure_page(r)
    snippet = rules.snippet(DESK, webchat.public_id)
    assert snippet == (
        f'<script async src="{DESK}/widget.js" data-inbox="{webchat.public_id}"></script>'
    )
    # The tag itself, which runs, and the same code shown to copy.
    assert r.text.count(snippet) == 1
    assert str(escape(snippet)) in r.text
    assert "<script" not in r.text.replace(snippet, "")
    assert '<html lang="en">' in r.text
    assert "Preview of the website chat “Shop chat”" in r.text
    assert r.headers["content-language"] == "en"

    # What the admins' setup answer offers to open.
    r = await client.get(f"{API}/inboxes/{webchat.id}/webchat", headers=desk.admin.headers)
    assert r.json()["preview_url"] == f"{DESK}/widget/preview/{webchat.public_id}"


async def test_the_preview_speaks_russian_to_a_russian_browser(
    client: httpx.AsyncClient, webchat: WebchatInbox
) -> None:
    r = await preview(client, webchat.public_id, **{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert r.status_code == 200
    assert '<html lang="ru">' in r.text
    assert "Предпросмотр чата на сайте «Shop chat»" in r.text
    assert r.headers["content-language"] == "ru"
    assert "accept-language" in r.headers["vary"].lower()


async def test_what_the_page_shows_is_escaped(client: httpx.AsyncClient, desk: Desk) -> None:
    inbox = await make_inbox(
        client, desk, title='<img src=x onerror="alert(1)">&', require_identity=True
    )
    r = await preview(client, inbox.public_id)
    assert r.status_code == 200
    assert "<img" not in r.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;" in r.text
    # A chat only for identified visitors does not open here: the page says why.
    assert "only for visitors your site identifies" in r.text


async def test_the_inbox_name_is_the_heading_when_the_chat_has_no_title(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    inbox = await make_inbox(client, desk, title="")
    r = await preview(client, inbox.public_id)
    assert "Preview of the website chat “Website”" in r.text


async def test_no_preview_for_an_unknown_or_another_channels_inbox(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.get(f"{API}/inboxes/{desk.inbox_id}", headers=desk.admin.headers)
    api_inbox = r.json()["public_id"]
    for public_id in ("nope", api_inbox, "x" * 300, "%3Cscript%3E"):
        r = await preview(client, public_id)
        assert r.status_code == 404, (public_id, r.text)
        assert_secure_page(r)
        assert "No website chat here" in r.text
        assert "widget.js" not in r.text and "<script" not in r.text
    r = await preview(client, "nope", **{"Accept-Language": "ru"})
    assert r.status_code == 404 and "Здесь нет чата" in r.text


async def test_the_desks_own_origin_may_use_a_chat_limited_to_another_site(
    client: httpx.AsyncClient, webchat: WebchatInbox
) -> None:
    # The fixture's inbox allows only shop.example.com; the preview page is the desk's own.
    desk_page = Visitor(client, webchat, origin=DESK)
    r = await client.get(f"{webchat.base}/config", headers=desk_page.headers)
    assert r.status_code == 200, r.text
    r = await desk_page.start(page={"url": f"{DESK}/widget/preview/{webchat.public_id}"})
    assert r.status_code == 200, r.text
    r = await desk_page.say("Hello from the preview")
    assert r.status_code == 201, r.text
    assert (await desk_page.messages())["items"][-1]["content"] == "Hello from the preview"


async def test_a_get_from_the_desks_own_page_without_an_origin_is_known_by_its_referer(
    client: httpx.AsyncClient, webchat: WebchatInbox
) -> None:
    # Browsers send no Origin with a GET to the page's own origin (the preview page fetching
    # the chat's config): its Referer is the desk's page, which may use the chat.
    page = f"{DESK}/widget/preview/{webchat.public_id}"
    r = await client.get(f"{webchat.base}/config", headers={"Referer": page})
    assert r.status_code == 200, r.text
    for headers in (
        {},  # neither: refused, as any request without an Origin
        {"Referer": "https://evil.example.net/page"},
        {"Referer": "http://testserver:8080/widget/preview/x"},
        {"Referer": "javascript:alert(1)"},
        {"Origin": "https://evil.example.net", "Referer": page},  # the Origin is what counts
    ):
        r = await client.get(f"{webchat.base}/config", headers=headers)
        problem(r, 403, "site")
    # A shop's page known by its Referer alone may, as with its Origin.
    r = await client.get(f"{webchat.base}/config", headers={"Referer": f"{SITE}/catalog"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "origin",
    [
        "http://testserver:8080",  # the desk's host on another port
        "https://testserver",  # another scheme
        "http://testserver.evil.net",
        "https://evil.example.net",
    ],
)
async def test_other_origins_are_still_refused(
    client: httpx.AsyncClient, webchat: WebchatInbox, origin: str
) -> None:
    r = await client.get(f"{webchat.base}/config", headers={"Origin": origin})
    problem(r, 403, "site")
    r = await client.post(f"{webchat.base}/sessions", headers={"Origin": origin}, json={})
    problem(r, 403, "site")
    # The shop itself, of course, still may.
    r = await client.get(f"{webchat.base}/config", headers={"Origin": SITE})
    assert r.status_code == 200
