"""The website chat widget in Chromium, embedded by a page of ANOTHER origin (a second small
HTTP server): pre-chat form, a message and a file that an agent receives live in the agent
workspace, typing both ways between the widget and the real agent app, the agent's reply, the
history after a reload, CSAT after resolution (sent by the outbox worker), the offline form,
identity verification, a site that may not use the chat, and an admin changing the widget's
settings in the agent app."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocketRoute, expect
from sqlalchemy import text

from frontdesk.app import create_app
from frontdesk.channels.webchat import rules
from frontdesk.settings import Settings
from tests.conftest import PASSWORD, Desk, LiveServer, free_port
from tests.e2e.test_login import log_in

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


class HostSite:
    """A shop's website on its own origin (localhost, another port) that embeds the snippet."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                body = site.pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path: str, desk: str, inbox: str, settings: dict[str, str] | None = None) -> str:
        """A page with the snippet (and frontdeskSettings, when given); its URL."""
        before = (
            f"<script>window.frontdeskSettings = {json.dumps(settings)};</script>"
            if settings
            else ""
        )
        self.pages[path] = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>Red shoes - Shop</title></head>"
            "<body><h1>Our shop</h1><p>Red shoes, size 38 to 44.</p>"
            f"{before}<script async src='{desk}/widget.js' data-inbox='{inbox}'></script>"
            "</body></html>"
        )
        return f"http://localhost:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[HostSite]:
    host = HostSite()
    yield host
    host.stop()


@pytest.fixture
def live_app(settings: Settings) -> Iterator[tuple[Any, LiveServer]]:
    """With its outbox worker, as `frontdesk demo` runs: the survey is one of its jobs."""
    application = create_app(settings, run_worker=True)
    server = LiveServer(application).start()
    try:
        yield application, server
    finally:
        server.stop()


@pytest.fixture
def api(live_desk: tuple[LiveServer, Desk]) -> Iterator[httpx.Client]:
    server, _ = live_desk
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as client:
        yield client


def webchat_inbox(api: httpx.Client, desk: Desk, **settings: Any) -> dict[str, Any]:
    r = api.post(
        "/inboxes",
        headers=desk.admin.headers,
        json={
            "name": "Shop website",
            "channel_type": "webchat",
            "settings": {"allowed_domains": ["localhost"], "title": "Shop chat", **settings},
            "member_ids": [desk.agent.id],
        },
    )
    assert r.status_code == 201, r.text
    inbox: dict[str, Any] = r.json()
    r = api.get(f"/inboxes/{inbox['id']}/webchat", headers=desk.admin.headers)
    inbox["identity_secret"] = r.json()["identity_secret"]
    return inbox


def wait_until_online(server: LiveServer, inbox: dict[str, Any], site: HostSite) -> None:
    origin = {"Origin": f"http://localhost:{site.port}"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = httpx.get(f"{server.url}/widget/v1/{inbox['public_id']}/config", headers=origin)
        if r.json()["online"]:
            return
        time.sleep(0.1)
    raise AssertionError("the agent never showed as online to the widget")


def agent_at_work(
    browser: Browser,
    server: LiveServer,
    desk: Desk,
    api: httpx.Client,
    inbox: dict[str, Any],
    site: HostSite,
) -> tuple[BrowserContext, Page]:
    """The agent at work: the app open, online, so that the widget offers the chat."""
    r = api.put(
        "/profile/availability", headers=desk.agent.headers, json={"availability": "online"}
    )
    assert r.status_code == 200, r.text
    context = browser.new_context(locale="en-US")
    agent = context.new_page()
    log_in(agent, server, desk.agent.email, PASSWORD)
    expect(agent.get_by_role("heading", name="Conversations")).to_be_visible()
    wait_until_online(server, inbox, site)
    return context, agent


def test_a_visitor_and_an_agent_chat_live(
    page: Page,
    browser: Browser,
    live_app: tuple[Any, LiveServer],
    live_desk: tuple[LiveServer, Desk],
    api: httpx.Client,
    site: HostSite,
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(
        api,
        desk,
        prechat={"name": "required", "email": "optional", "consent": "required"},
        greeting={"en": "Hi! Ask us anything about shoes.", "ru": "Здравствуйте!"},
    )
    agent_context, agent = agent_at_work(browser, server, desk, api, inbox, site)

    # The visitor opens the shop's page (another origin) and the chat.
    url = site.page("/shoes.html", server.url, inbox["public_id"])
    page.goto(url)
    page.get_by_test_id("fd-launcher").click()
    expect(page.get_by_test_id("fd-greeting")).to_have_text("Hi! Ask us anything about shoes.")
    expect(page.get_by_test_id("fd-status")).to_contain_text("Online")
    prechat = page.get_by_test_id("fd-prechat")
    expect(page.get_by_test_id("fd-composer")).to_be_hidden()
    page.get_by_test_id("fd-field-name").fill("Olga Smirnova")
    page.get_by_test_id("fd-field-email").fill("olga@example.com")
    page.get_by_test_id("fd-prechat-submit").click()
    expect(prechat.get_by_role("alert")).to_have_text("Required")  # the consent
    page.get_by_test_id("fd-field-consent").check()
    page.get_by_test_id("fd-prechat-submit").click()
    expect(prechat).to_be_hidden()

    page.get_by_test_id("fd-input").fill("Do you have these in red, size 41?")
    page.keyboard.press("Enter")
    mine = page.locator("[data-testid=fd-message][data-author=visitor]")
    expect(mine.first).to_contain_text("Do you have these in red, size 41?")
    expect(mine.first).to_have_attribute("data-message-id", re.compile(r"^[1-9]\d*$"))
    page.get_by_test_id("fd-file").set_input_files(
        files=[{"name": "my-foot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.get_by_test_id("fd-image")).to_have_attribute("src", re.compile(r"^blob:"))

    # The agent sees it arrive live, with the file and what the visitor is looking at.
    row = agent.locator("tr[data-conversation-id]", has_text="Olga Smirnova")
    expect(row).to_be_visible()
    conversation_id = int(row.get_attribute("data-conversation-id") or 0)
    row.click()
    timeline = agent.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="incoming"]').first).to_contain_text("size 41")
    expect(timeline.get_by_role("img", name="my-foot.png")).to_be_visible()
    visitor_info = agent.get_by_test_id("visitor-info")
    visitor_info.locator("summary").first.click()
    expect(agent.get_by_test_id("visitor-page")).to_have_text(url)
    expect(agent.get_by_test_id("visitor-browser")).to_contain_text("Chrome")

    # The visitor types: the agent app says so, and stops saying so when they stop.
    hints = agent.get_by_test_id("hint-typing")
    page.get_by_test_id("fd-input").press_sequentially("And in blue?", delay=20)
    expect(hints).to_have_text("Visitor is typing…")
    page.get_by_test_id("fd-input").fill("")
    expect(hints).to_have_count(0, timeout=15_000)  # the widget's "stopped" after 4 s idle

    # The agent types in the reply box (the visitor sees it), then replies.
    reply_box = agent.get_by_test_id("reply-text")
    reply_box.press_sequentially("Yes! Size 41", delay=20)
    expect(page.get_by_test_id("fd-typing")).to_have_text("Agent is typing…")
    reply_box.press_sequentially(" in red is in stock.")
    agent.keyboard.press("Enter")
    reply = page.locator("[data-testid=fd-message][data-author=agent]")
    expect(reply).to_contain_text("Yes! Size 41 in red is in stock.")
    expect(reply).to_contain_text("Agent")
    expect(reply.locator(".avatar")).to_have_text("A")
    expect(page.get_by_test_id("fd-typing")).to_be_hidden()

    # After a reload the history is there (the panel stays open).
    page.reload()
    expect(page.get_by_test_id("fd-panel")).to_be_visible()
    messages = page.get_by_test_id("fd-message")
    expect(messages).to_have_count(3)
    expect(messages.nth(0)).to_contain_text("size 41")
    expect(messages.nth(2)).to_contain_text("in stock")

    # Resolved: the widget asks for a rating, which is stored.
    agent.get_by_role("button", name="Resolve").click()
    csat = page.get_by_test_id("fd-csat")
    expect(csat).to_be_visible()
    csat.locator("[data-rating='4']").click()
    page.get_by_test_id("fd-csat-comment").fill("Quick and helpful")
    page.get_by_test_id("fd-csat-submit").click()
    expect(page.get_by_test_id("fd-csat-thanks")).to_be_visible()
    db = live_app[0].state.ctx.db
    rows = db.read_sync(
        lambda s: s.execute(
            text(
                "SELECT rating, comment, assignee_id FROM csat_responses WHERE conversation_id = :c"
            ),
            {"c": conversation_id},
        ).all()
    )
    assert [(r.rating, r.comment) for r in rows] == [(4, "Quick and helpful")]
    agent_context.close()


def test_messages_written_while_disconnected_are_sent_once_when_back(
    page: Page,
    browser: Browser,
    live_desk: tuple[LiveServer, Desk],
    api: httpx.Client,
    site: HostSite,
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(api, desk)
    agent_context, _agent = agent_at_work(browser, server, desk, api, inbox, site)
    # The widget's socket goes through Playwright, which can drop it, refuse new ones, and
    # lose the desk's acknowledgement of a message on the way.
    network = {"up": True, "lose_ack_of": ""}

    def socket(ws: WebSocketRoute) -> None:
        if not network["up"]:
            ws.close()
            return
        desk_side = ws.connect_to_server()

        def to_page(frame: str | bytes) -> None:
            lost = network["lose_ack_of"]
            if lost and isinstance(frame, str) and '"message.ack"' in frame and lost in frame:
                # Stored by the desk, but the line drops before the widget hears so.
                network["up"], network["lose_ack_of"] = False, ""
                ws.close()
                desk_side.close()
                return
            ws.send(frame)

        desk_side.on_message(to_page)

    page.route_web_socket(re.compile(r"/widget/v1/[^/]+/ws"), socket)
    page.goto(site.page("/socks.html", server.url, inbox["public_id"]))
    page.get_by_test_id("fd-launcher").click()
    mine = page.locator("[data-testid=fd-message][data-author=visitor]")
    page.get_by_test_id("fd-input").fill("First, while connected")
    page.keyboard.press("Enter")
    expect(mine.first).to_have_attribute("data-message-id", re.compile(r"^[1-9]\d*$"))

    # HTTP fails too while the line is down (else the widget sends over it at once).
    def no_network(route: Route) -> None:
        route.abort("internetdisconnected")

    page.route(re.compile(r"/widget/v1/[^/]+/messages"), no_network)
    network["lose_ack_of"] = "Second, its answer lost"
    page.get_by_test_id("fd-input").fill("Second, its answer lost")
    page.keyboard.press("Enter")
    page.get_by_test_id("fd-input").fill("Third, written while offline")
    page.keyboard.press("Enter")
    expect(mine).to_have_count(3)
    # Not stored: waiting (for the lost answer, then for the line to come back).
    expect(mine.nth(2)).to_have_class(re.compile(r"\b(sending|queued)\b"))
    expect(mine.nth(2)).not_to_have_attribute("data-message-id", re.compile(r"^[1-9]"))

    # Back: both are sent again with their client ids; the desk keeps each once.
    network["up"] = True
    page.unroute(re.compile(r"/widget/v1/[^/]+/messages"), no_network)
    for n in range(3):
        expect(mine.nth(n)).to_have_attribute(
            "data-message-id", re.compile(r"^[1-9]\d*$"), timeout=30_000
        )
    expect(mine).to_have_count(3)
    r = api.get("/conversations", headers=desk.admin.headers, params={"inbox_id": inbox["id"]})
    [conversation] = r.json()["items"]
    r = api.get(f"/conversations/{conversation['id']}/messages", headers=desk.admin.headers)
    contents = [m["content"] for m in r.json()["items"] if m["kind"] == "incoming"]
    assert contents == [
        "First, while connected",
        "Second, its answer lost",
        "Third, written while offline",
    ]
    agent_context.close()


def test_the_offline_form_when_nobody_is_online(
    page: Page, live_desk: tuple[LiveServer, Desk], api: httpx.Client, site: HostSite
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(api, desk)
    page.goto(site.page("/contacts.html", server.url, inbox["public_id"]))
    page.get_by_test_id("fd-launcher").click()
    expect(page.get_by_test_id("fd-status")).to_have_text("We are away")
    form = page.get_by_test_id("fd-offline")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("fd-composer")).to_be_hidden()
    page.get_by_test_id("fd-field-email").fill("not an address")
    page.get_by_test_id("fd-field-message").fill("Please call me back about a refund.")
    page.get_by_test_id("fd-offline-submit").click()
    expect(form.get_by_role("alert")).to_have_text("This is not an e-mail address")
    page.get_by_test_id("fd-field-name").fill("Pavel")
    page.get_by_test_id("fd-field-email").fill("pavel@example.com")
    page.get_by_test_id("fd-offline-submit").click()
    expect(page.get_by_test_id("fd-offline-sent")).to_have_text(
        "Thank you! We will reply to pavel@example.com."
    )
    expect(page.get_by_test_id("fd-message")).to_contain_text("refund")
    r = api.get("/conversations", headers=desk.admin.headers, params={"inbox_id": inbox["id"]})
    [conversation] = r.json()["items"]
    assert conversation["contact"]["email"] == "pavel@example.com"


def test_a_valid_identity_is_accepted_and_a_forged_one_refused(
    page: Page, live_desk: tuple[LiveServer, Desk], api: httpx.Client, site: HostSite
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(api, desk, require_identity=True)
    good = {
        "identifier": "customer-1001",
        "identifier_hash": rules.identity_hash(inbox["identity_secret"], "customer-1001"),
        "name": "Irina Volkova",
    }
    sessions: list[int] = []
    page.on(
        "response",
        lambda response: sessions.append(response.status) if "/sessions" in response.url else None,
    )
    page.goto(site.page("/account.html", server.url, inbox["public_id"], good))
    page.get_by_test_id("fd-launcher").click()
    # Nobody is online: she leaves a message (the offline form).
    page.get_by_test_id("fd-field-email").fill("irina@example.com")
    page.get_by_test_id("fd-field-message").fill("Hello, it's Irina")
    page.get_by_test_id("fd-offline-submit").click()
    expect(page.get_by_test_id("fd-message")).to_have_attribute(
        "data-message-id", re.compile(r"^[1-9]\d*$")
    )
    assert sessions == [200]
    r = api.get("/conversations", headers=desk.admin.headers, params={"inbox_id": inbox["id"]})
    contact = r.json()["items"][0]["contact"]
    assert contact["name"] == "Irina Volkova"
    r = api.get(f"/contacts/{contact['id']}", headers=desk.admin.headers)
    assert {"kind": "webchat_user", "value": "customer-1001"} in r.json()["identities"]

    forged = {**good, "identifier": "customer-1002"}  # somebody else's id, the same hash
    sessions.clear()
    fresh = page.context.browser.new_context(locale="en-US")  # type: ignore[union-attr]
    other = fresh.new_page()
    other.on(
        "response",
        lambda response: sessions.append(response.status) if "/sessions" in response.url else None,
    )
    other.goto(site.page("/forged.html", server.url, inbox["public_id"], forged))
    deadline = time.monotonic() + 10
    while not sessions and time.monotonic() < deadline:
        other.wait_for_timeout(50)
    assert sessions == [401]
    other.wait_for_timeout(300)
    expect(other.get_by_test_id("fd-launcher")).to_have_count(0)
    # Without any identity, an inbox that requires one shows nothing either.
    other.goto(site.page("/anonymous.html", server.url, inbox["public_id"]))
    other.wait_for_timeout(500)
    expect(other.get_by_test_id("fd-launcher")).to_have_count(0)
    fresh.close()


def test_a_site_that_may_not_use_the_chat_shows_nothing(
    page: Page, live_desk: tuple[LiveServer, Desk], api: httpx.Client, site: HostSite
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(api, desk, allowed_domains=["shop.example.com"])
    answers: list[int] = []
    page.on(
        "response",
        lambda response: answers.append(response.status) if "/config" in response.url else None,
    )
    page.goto(site.page("/copycat.html", server.url, inbox["public_id"]))
    deadline = time.monotonic() + 10
    while not answers and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert answers == [403]
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("fd-launcher")).to_have_count(0)
    expect(page.locator("#frontdesk-widget")).to_have_count(0)


def test_an_admin_sets_up_the_widget_in_the_agent_app(
    page: Page,
    browser: Browser,
    live_desk: tuple[LiveServer, Desk],
    api: httpx.Client,
    site: HostSite,
) -> None:
    server, desk = live_desk
    inbox = webchat_inbox(api, desk)
    url = site.page("/shoes.html", server.url, inbox["public_id"])

    admin_context = browser.new_context(locale="en-US")
    admin = admin_context.new_page()
    log_in(admin, server, desk.admin.email, PASSWORD)
    admin.get_by_test_id("settings-link").click()
    expect(admin).to_have_url(re.compile(r"/app/settings/inboxes$"))
    admin.locator("[data-testid=inbox-row][data-name='Shop website']").get_by_test_id(
        "edit"
    ).click()
    form = admin.get_by_test_id("webchat-settings")
    expect(form.get_by_test_id("webchat-title")).to_have_value("Shop chat")
    # The code to paste, and the identity secret (hidden until asked for).
    expect(form.get_by_test_id("webchat-snippet")).to_have_value(
        f'<script async src="http://testserver/widget.js" data-inbox="{inbox["public_id"]}">'
        "</script>"
    )
    # And a page of the desk's to try the chat on, opened beside the settings.
    preview = form.get_by_test_id("webchat-preview")
    expect(preview).to_have_attribute(
        "href", f"http://testserver/widget/preview/{inbox['public_id']}"
    )
    expect(preview).to_have_attribute("target", "_blank")
    secret = form.get_by_test_id("webchat-secret")
    expect(secret).not_to_have_value(inbox["identity_secret"])
    form.get_by_test_id("webchat-secret-show").click()
    expect(secret).to_have_value(inbox["identity_secret"])

    # A site that is no site, and a colour that is no colour: refused, said beside each.
    form.get_by_test_id("webchat-title").fill("Shoe help")
    form.get_by_test_id("webchat-color").fill("red")
    form.get_by_test_id("webchat-domains").fill("localhost\nnot a domain")
    form.get_by_test_id("webchat-save").click()
    expect(form.locator("[data-testid=field-error][data-field=color]")).to_have_text(
        "A colour like #2563eb."
    )
    expect(form.locator("[data-testid=field-error][data-field=allowed_domains]")).to_have_text(
        "“not a domain” is not a site like shop.example.com or *.example.com."
    )
    expect(form.get_by_test_id("webchat-error")).to_have_text(
        "Not saved: correct the fields marked."
    )
    form.get_by_test_id("webchat-color").fill("#dc2626")
    form.get_by_test_id("webchat-domains").fill("localhost\nshop.example.com")
    form.get_by_test_id("webchat-save").click()
    expect(form.get_by_test_id("webchat-notice")).to_have_text("The widget settings were saved.")
    expect(form.get_by_test_id("field-error")).to_have_count(0)

    # The widget on the shop's page shows the new title and colour.
    page.goto(url)
    launcher = page.get_by_test_id("fd-launcher")
    expect(launcher).to_have_css("background-color", "rgb(220, 38, 38)")
    launcher.click()
    expect(page.get_by_role("dialog", name="Shoe help")).to_be_visible()
    expect(page.get_by_test_id("fd-panel").locator(".title")).to_have_text("Shoe help")

    # The admin removes this site: the widget is refused there from now on.
    form.get_by_test_id("webchat-domains").fill("shop.example.com")
    form.get_by_test_id("webchat-save").click()
    config = f"{server.url}/widget/v1/{inbox['public_id']}/config"
    deadline = time.monotonic() + 10
    while httpx.get(config, headers={"Origin": f"http://localhost:{site.port}"}).status_code != 403:
        assert time.monotonic() < deadline, "the save never took effect"
        time.sleep(0.1)
    answers: list[int] = []
    page.on(
        "response",
        lambda response: answers.append(response.status) if "/config" in response.url else None,
    )
    page.goto(url)
    deadline = time.monotonic() + 10
    while not answers and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert answers == [403]
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("fd-launcher")).to_have_count(0)

    # A new identity secret: shown at once, the old one no longer the inbox's.
    form.get_by_test_id("webchat-rotate").click()
    form.get_by_test_id("webchat-rotate-confirm").click()
    expect(form.get_by_test_id("webchat-notice")).to_have_text(
        "A new identity secret was made: update your site."
    )
    expect(secret).not_to_have_value(inbox["identity_secret"])
    r = api.get(f"/inboxes/{inbox['id']}/webchat", headers=desk.admin.headers)
    assert secret.input_value() == r.json()["identity_secret"] != inbox["identity_secret"]
    admin_context.close()
