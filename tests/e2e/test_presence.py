"""Two agents in two browsers: presence (online, away, offline), collision hints ("viewing",
"typing") and browser notifications for a mention and an assignment.

Headless Chromium shows no notifications: the 'notifications' permission is granted to the
contexts, and an init script records every `new Notification(...)` the page makes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_conversation import start_conversation
from tests.e2e.test_login import log_in

CAPTURE_NOTIFICATIONS = """
window.__notifications = [];
(() => {
  const Real = window.Notification;
  function Captured(title, options) {
    window.__notifications.push({ title, body: options && options.body });
    try { return new Real(title, options); } catch (e) { return { close() {} }; }
  }
  Object.defineProperty(Captured, "permission", { get: () => Real.permission });
  Captured.requestPermission = (callback) => Real.requestPermission(callback);
  window.Notification = Captured;
})();
"""


class Browsers:
    """One browser context per person, each with its own cookies and storage."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def page(self) -> Page:
        context = self.browser.new_context(locale="en-US", permissions=["notifications"])
        context.add_init_script(CAPTURE_NOTIFICATIONS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page


@pytest.fixture
def browsers(browser: Browser) -> Iterator[Browsers]:
    opened = Browsers(browser)
    yield opened
    for context in opened.contexts:
        context.close()
    assert opened.errors == [], f"a page threw: {opened.errors}"


def notifications(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.__notifications")
    return found


def test_two_agents_see_each_others_presence_viewing_typing_and_are_notified(
    live_app: tuple[Any, LiveServer], live_desk: tuple[LiveServer, Desk], browsers: Browsers
) -> None:
    application, _ = live_app
    server, desk = live_desk
    application.state.presence.grace = timedelta(seconds=1)
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    conversation = start_conversation(api, desk, "Where is my order?")
    cid, number = conversation["id"], conversation["number"]
    r = api.post(
        f"/conversations/{cid}/assignment",
        json={"assignee_id": desk.agent.id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text

    # B, the supervisor, has the conversation open: its assignee (A, the agent) is offline.
    b = browsers.page()
    log_in(b, server, desk.supervisor.email, PASSWORD)
    expect(b.get_by_test_id("user-name")).to_have_text("Supervisor")
    b.goto(f"{server.url}/app/conversations/{cid}")
    assignee_dot = b.get_by_test_id("assignee-presence")
    expect(assignee_dot).to_have_attribute("data-status", "offline")

    # A logs in: chose nothing yet ("offline"), then goes online, away, "appear offline".
    a = browsers.page()
    log_in(a, server, desk.agent.email, PASSWORD)
    my_status = a.get_by_test_id("my-status")
    expect(my_status).to_have_value("offline")
    expect(assignee_dot).to_have_attribute("data-status", "offline")
    for status in ("online", "away", "offline", "online"):
        my_status.select_option(status)
        expect(assignee_dot).to_have_attribute("data-status", status)
        expect(assignee_dot).to_have_attribute("aria-label", status.title())
    option = b.get_by_test_id("assign-agent").locator(f'option[value="{desk.agent.id}"]')
    expect(option).to_have_attribute("data-presence", "online")

    # A opens the conversation B has open: each sees the other viewing it.
    a.locator(f'tr[data-conversation-id="{cid}"]').click()
    expect(a).to_have_url(re.compile(rf"/app/conversations/{cid}$"))
    expect(b.get_by_test_id("hint-viewing")).to_have_text("Agent is viewing")
    expect(a.get_by_test_id("hint-viewing")).to_have_text("Supervisor is viewing")

    # A types: B sees it, and it fades away once A stops.
    a.get_by_test_id("reply-text").press_sequentially("Hello, we are ", delay=30)
    expect(b.get_by_test_id("hint-typing")).to_have_text("Agent is typing…")
    expect(b.get_by_test_id("hint-typing")).to_have_count(0, timeout=10_000)
    expect(b.get_by_test_id("hint-viewing")).to_have_text("Agent is viewing")
    a.get_by_test_id("note-mode").click()
    a.get_by_test_id("reply-text").press_sequentially(" a note", delay=30)
    expect(b.get_by_test_id("hint-typing")).to_have_text("Agent is writing a note…")

    # A note of A mentioning B: a browser notification on B's page, with the note as text.
    assert notifications(b) == []
    r = api.post(
        f"/conversations/{cid}/messages",
        json={
            "content": f"@[Supervisor](user:{desk.supervisor.id}) <b>look</b> please",
            "private": True,
        },
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    b.wait_for_function("window.__notifications.length === 1")
    assert notifications(b) == [
        {"title": f"Agent mentioned you in #{number}", "body": "@Supervisor <b>look</b> please"}
    ]
    expect(b.get_by_test_id("hint-typing")).to_have_count(0)  # A posted: no longer typing

    # Assigned to B by someone else: notified too (A, who did nothing, is not).
    r = api.post(
        f"/conversations/{cid}/assignment",
        json={"assignee_id": desk.supervisor.id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    b.wait_for_function("window.__notifications.length === 2")
    assert notifications(b)[1]["title"] == f"Conversation #{number} was assigned to you"
    assert notifications(a) == []

    # B turns mentions off: the next mention makes no notification.
    b.get_by_test_id("notification-settings").locator("summary").click()
    b.get_by_test_id("notify-mentions").uncheck()
    r = api.post(
        f"/conversations/{cid}/messages",
        json={"content": f"@[Supervisor](user:{desk.supervisor.id}) again", "private": True},
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    expect(b.get_by_test_id("timeline")).to_contain_text("again")
    assert len(notifications(b)) == 2

    # A closes the browser: offline for B once the grace period is over.
    b.get_by_test_id("assign-agent").select_option(str(desk.agent.id))
    expect(assignee_dot).to_have_attribute("data-status", "online")
    a.context.close()
    expect(assignee_dot).to_have_attribute("data-status", "offline", timeout=10_000)
    expect(b.get_by_test_id("collision-hints")).to_have_count(0)  # A's socket left


def test_the_language_switch_is_saved_in_the_profile(
    live_desk: tuple[LiveServer, Desk], browsers: Browsers
) -> None:
    server, desk = live_desk
    page = browsers.page()
    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    with page.expect_response(lambda r: r.request.method == "PATCH" and "/profile" in r.url):
        page.get_by_label("Language").select_option("ru")
    me = httpx.get(f"{server.url}/api/v1/auth/me", headers=desk.agent.headers, timeout=10)
    assert me.json()["language"] == "ru"

    # Another browser, never switched: the profile's language after the login.
    other = browsers.page()
    log_in(other, server, desk.agent.email, PASSWORD)
    expect(other.get_by_role("button", name="Выйти")).to_be_visible()
    expect(other.get_by_test_id("my-status")).to_have_value("offline")
    expect(other.get_by_test_id("my-status").locator("option:checked")).to_have_text("Невидимка")
