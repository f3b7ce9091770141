"""The conversation view: open one from the list, see a customer message arrive live, reply with
Enter, add a private note, resolve and reopen; customer text is shown as text, never run."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_login import log_in

ZONE = "Asia/Kamchatka"  # UTC+12 all year: a time shown in UTC would be visibly wrong


def start_conversation(api: httpx.Client, desk: Desk, content: str) -> dict[str, Any]:
    r = api.post(
        "/conversations",
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Ivan Petrov", "email": "ivan@example.com"},
            "message": {"content": content},
        },
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()
    return conversation


def customer_says(api: httpx.Client, desk: Desk, conversation_id: int, content: str) -> None:
    r = api.post(
        f"/conversations/{conversation_id}/messages",
        json={"content": content, "message_type": "incoming"},
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text


def expect_stored(message: Locator) -> None:
    """Shown from the desk's answer: a sent message shows at once, with a negative id, until
    the desk has stored it."""
    expect(message).to_have_attribute("data-message-id", re.compile(r"^[1-9]\d*$"))


def stored_messages(api: httpx.Client, desk: Desk, conversation_id: int) -> list[dict[str, Any]]:
    r = api.get(f"/conversations/{conversation_id}/messages", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_agent_replies_notes_resolves_and_reopens_live(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    r = api.patch(f"/users/{desk.agent.id}", json={"time_zone": ZONE}, headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    conversation = start_conversation(api, desk, "Where is my order?")
    cid = conversation["id"]

    log_in(page, server, desk.agent.email, PASSWORD)
    page.locator(f'tr[data-conversation-id="{cid}"]').click()
    expect(page).to_have_url(re.compile(rf"/app/conversations/{cid}$"))
    heading = page.get_by_role("heading", level=1)  # the list beside it has its own heading
    expect(heading).to_have_text(f"Conversation #{conversation['number']}")
    expect(page.get_by_test_id("contact-name")).to_have_text("Ivan Petrov")
    expect(page.get_by_test_id("conversation-status")).to_have_text("Open")
    timeline = page.get_by_test_id("timeline")
    first = timeline.locator('[data-kind="incoming"]').first
    expect(first).to_contain_text("Where is my order?")
    expect(first).to_contain_text("Ivan Petrov")
    # The time is the agent's, not the browser's or UTC.
    created = stored_messages(api, desk, cid)[0]["created_at"]
    local = datetime.fromisoformat(created).astimezone(ZoneInfo(ZONE))
    expect(first.locator("time")).to_contain_text(
        f"{local.month}/{local.day}/{local:%y}, {local.hour % 12 or 12}:{local:%M}"
    )
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    page.evaluate("window.notReloaded = true")

    customer_says(api, desk, cid, "Is it shipped yet?")
    expect(timeline.locator('[data-kind="incoming"]')).to_have_count(2)
    expect(timeline.locator('[data-kind="incoming"]').last).to_contain_text("Is it shipped yet?")

    # Shift+Enter is a new line, Enter sends.
    box = page.get_by_test_id("reply-text")
    box.click()
    page.keyboard.type("Your parcel")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("left today.")
    page.keyboard.press("Enter")
    outgoing = timeline.locator('[data-kind="outgoing"]')
    expect(outgoing).to_have_count(1)  # from the answer and the event, shown once
    expect_stored(outgoing)
    expect(outgoing.locator(".content")).to_have_text("Your parcel\nleft today.")
    expect(outgoing).to_contain_text("Agent")
    expect(outgoing.get_by_test_id("delivery")).to_have_text("Sent")
    expect(box).to_have_value("")
    replies = [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"]
    assert [(m["content"], m["private"]) for m in replies] == [("Your parcel\nleft today.", False)]

    page.get_by_role("radio", name="Private note").click()
    box.click()
    page.keyboard.type("Check the warehouse first")
    page.keyboard.press("Enter")
    note = timeline.locator('[data-kind="note"]')
    expect(note).to_have_count(1)
    expect_stored(note)
    expect(note).to_contain_text("Private note")
    expect(note.locator(".content")).to_have_text("Check the warehouse first")
    assert note.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
    assert outgoing.evaluate("e => getComputedStyle(e).borderStyle") != "dashed"
    notes = [m for m in stored_messages(api, desk, cid) if m["kind"] == "note"]
    assert [(m["content"], m["private"]) for m in notes] == [("Check the warehouse first", True)]

    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Resolved")
    expect(timeline.locator('[data-kind="system"]').last).to_contain_text(
        "Agent changed the status from Open to Resolved"
    )
    assert api.get(f"/conversations/{cid}", headers=desk.agent.headers).json()["status"] == (
        "resolved"
    )
    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Open")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    assert api.get(f"/conversations/{cid}", headers=desk.agent.headers).json()["status"] == "open"

    # A change made elsewhere reaches the header live.
    r = api.post(
        f"/conversations/{cid}/status", json={"status": "resolved"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    expect(page.get_by_test_id("conversation-status")).to_have_text("Resolved")
    expect(timeline.locator('[data-kind="system"]').last).to_contain_text(
        "Admin changed the status"
    )
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("link", name="All conversations").click()
    # Resolved, it has left the list's default open + pending filter.
    expect(page.locator(f'tr[data-conversation-id="{cid}"]')).to_have_count(0)


def test_customer_markup_is_shown_as_text_and_never_runs(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    image = "<img src=x onerror=alert(1)>"
    script = "<script>alert(1)</script>"
    flag = '<img src=x onerror="window.injected=1"><b onmouseover="window.injected=2">bold</b>'
    cid = start_conversation(api, desk, image)["id"]

    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    page.goto(f"{server.url}/app/conversations/{cid}")  # a deep link works too
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator(".content").first).to_have_text(image)
    customer_says(api, desk, cid, script)  # live, through the websocket
    customer_says(api, desk, cid, flag)
    contents = timeline.locator('[data-kind="incoming"] .content')
    expect(contents).to_have_text([image, script, flag])
    timeline.locator("[data-kind='incoming']").last.hover()

    # Nothing of it became markup: no element, no handler, no dialog.
    assert timeline.locator("img, script, b").count() == 0
    assert page.evaluate("window.injected") is None
    assert dialogs == []


class ApiLog:
    """The page's /api/v1 requests, in the order they started and finished."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.events: list[tuple[str, str]] = []
        self.in_flight = 0
        page.on("request", lambda r: self._note("start", r))
        page.on("requestfinished", lambda r: self._note("end", r))
        page.on("requestfailed", lambda r: self._note("end", r))

    def _note(self, what: str, request: Any) -> None:
        path = request.url.split("/api/v1", 1)
        if len(path) < 2 or request.resource_type == "websocket":
            return
        self.in_flight += 1 if what == "start" else -1
        self.events.append((what, f"{request.method} {path[1].split('?')[0]}"))

    def settle(self, quiet_ms: int = 400) -> None:
        """Wait until nothing has been asked or answered for `quiet_ms`."""
        seen, still = len(self.events), 0
        while still < quiet_ms or self.in_flight > 0:
            self.page.wait_for_timeout(50)
            still = still + 50 if len(self.events) == seen else 0
            seen = len(self.events)

    def take(self) -> list[tuple[str, str]]:
        events, self.events = self.events, []
        return events


def test_opening_a_conversation_asks_only_for_it_and_its_contact(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    """Colleagues, teams, inboxes and labels are loaded once (kept current by events); opening
    a conversation asks for it and its newest messages together, and the contact panel asks
    for its contact only once they are answered (the timeline does not wait for the panel)."""
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    first = start_conversation(api, desk, "Where is my order?")
    r = api.post(
        "/conversations",
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Olga Sidorova", "email": "olga@example.com"},
            "message": {"content": "Can I pay by card?"},
        },
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    second = r.json()
    page.set_viewport_size({"width": 1440, "height": 900})  # the contact panel beside it
    log = ApiLog(page)
    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    timeline = page.get_by_test_id("timeline")

    for conversation in (first, second):
        cid, contact_id = conversation["id"], conversation["contact"]["id"]
        expect(page.locator(f'tr[data-conversation-id="{cid}"]')).to_be_visible()
        log.settle()
        log.take()
        page.locator(f'tr[data-conversation-id="{cid}"]').click()
        expect(timeline.locator('[data-kind="incoming"]')).to_have_count(1)
        expect(page.get_by_test_id("contact-field-name")).to_be_visible()
        log.settle()
        events = log.take()
        own, contact = f"/conversations/{cid}", f"/contacts/{contact_id}"
        asked = [request for what, request in events if what == "start"]
        assert sorted(asked) == sorted(
            [
                f"GET {own}",
                f"GET {own}/messages",
                f"POST {own}/read",
                f"GET {contact}",
                f"GET {contact}/conversations",
                f"GET {contact}/duplicates",
            ]
        ), events
        # The conversation and its newest messages are asked for at once...
        assert set(asked[:3]) == {f"GET {own}", f"GET {own}/messages", f"POST {own}/read"}, events
        # ...the contact panel's three together, once they are answered (and painted).
        panel = min(events.index(("start", r)) for r in asked if r.startswith(f"GET {contact}"))
        for path in (own, f"{own}/messages"):
            assert events.index(("end", f"GET {path}")) < panel, events
        page.get_by_role("link", name="All conversations").click()
        expect(page.get_by_test_id("timeline")).to_have_count(0)

    # Colleagues and teams changed by an admin reach the open conversation live, unasked.
    page.locator(f'tr[data-conversation-id="{second["id"]}"]').click()
    expect(page.get_by_test_id("assign-agent")).to_be_visible()
    log.settle()
    log.take()
    r = api.patch(
        f"/users/{desk.other_agent.id}", json={"name": "Olga Petrova"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    r = api.post("/teams", json={"name": "Billing"}, headers=desk.admin.headers)
    assert r.status_code == 201, r.text
    agents, teams = page.get_by_test_id("assign-agent"), page.get_by_test_id("assign-team")
    expect(agents.locator("option", has_text="Olga Petrova")).to_have_count(1)
    expect(teams.locator("option", has_text="Billing")).to_have_count(1)
    log.settle()
    assert not [e for e in log.take() if e[1].startswith(("GET /users", "GET /teams"))]
