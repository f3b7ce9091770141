"""The chat's preview page in Chromium: the desk's own page with the inbox's real snippet shows
the widget, under its strict Content-Security-Policy, for an inbox that allows only the shop's
domain; a visitor's message written there reaches the desk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.conftest import Desk, LiveServer


@pytest.fixture
def live_app(settings: Settings) -> Iterator[tuple[Any, LiveServer]]:
    """The desk served at its base URL, as in production: the preview's snippet loads the
    widget from there, and the widget lets the desk's own pages in."""
    application = create_app(settings)
    server = LiveServer(application)
    settings.base_url = server.url  # its port is known only now; nothing has read it yet
    server.start()
    try:
        yield application, server
    finally:
        server.stop()


def test_a_visitor_writes_from_the_preview_page_and_the_desk_receives_it(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", headers=desk.admin.headers, timeout=10)
    r = api.post(
        "/inboxes",
        json={
            "name": "Shop website",
            "channel_type": "webchat",
            "settings": {"allowed_domains": ["shop.example.com"], "title": "Shop chat"},
            "member_ids": [desk.agent.id],
        },
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    preview_url = api.get(f"/inboxes/{inbox['id']}/webchat").json()["preview_url"]
    assert preview_url == f"{server.url}/widget/preview/{inbox['public_id']}"

    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            refused.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.goto(preview_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Preview of the website chat “Shop chat”"
    )
    launcher = page.get_by_test_id("fd-launcher")
    expect(launcher).to_be_visible()
    # The widget's own styles (a <style> in its shadow root) apply under the page's CSP.
    assert launcher.evaluate("e => getComputedStyle(e.parentElement).position") == "fixed"
    launcher.click()
    # Nobody is online: the visitor leaves a message.
    expect(page.get_by_test_id("fd-status")).to_have_text("We are away")
    page.get_by_test_id("fd-field-name").fill("Trying it out")
    page.get_by_test_id("fd-field-email").fill("admin.tries@example.com")
    page.get_by_test_id("fd-field-message").fill("Hello from the preview page")
    page.get_by_test_id("fd-offline-submit").click()
    expect(page.get_by_test_id("fd-offline-sent")).to_have_text(
        "Thank you! We will reply to admin.tries@example.com."
    )

    r = api.get("/conversations", params={"inbox_id": inbox["id"]})
    [conversation] = r.json()["items"]
    assert conversation["contact"]["email"] == "admin.tries@example.com"
    r = api.get(f"/conversations/{conversation['id']}/messages")
    incoming = [m["content"] for m in r.json()["items"] if m["kind"] == "incoming"]
    assert incoming == ["Hello from the preview page"]
    r = api.get(f"/conversations/{conversation['id']}/visitor")
    assert r.json()["current_url"] == preview_url
    assert refused == []
    api.close()
