"""The conversation header's actions (assign, snooze, pending, priority) and the shell layout:
the conversation opens inside the shell, beside the list on a wide screen, in its place on a
narrow one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_conversation import start_conversation
from tests.e2e.test_login import log_in


def fetch(api: httpx.Client, desk: Desk, cid: int) -> dict[str, object]:
    r = api.get(f"/conversations/{cid}", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    found: dict[str, object] = r.json()
    return found


def answered(page: Page, method: str, suffix: str) -> Any:
    """Wait for the app's request to the desk (the menus change before the desk answers)."""
    return page.expect_response(
        lambda response: response.request.method == method and response.url.endswith(suffix)
    )


def open_conversation(page: Page, server: LiveServer, desk: Desk, cid: int) -> None:
    log_in(page, server, desk.agent.email, PASSWORD)
    page.locator(f'tr[data-conversation-id="{cid}"]').click()
    expect(page).to_have_url(re.compile(rf"/app/conversations/{cid}$"))
    expect(page.get_by_test_id("conversation-status")).to_have_text("Open")


def test_agent_assigns_to_a_colleague_and_a_team_and_sets_priority_and_pending(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    # The other agent works this inbox too, so the conversation can be handed over.
    r = api.put(
        f"/inboxes/{desk.inbox_id}/members",
        json={"user_ids": [desk.agent.id, desk.other_agent.id]},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    cid = start_conversation(api, desk, "Where is my order?")["id"]
    open_conversation(page, server, desk, cid)

    agent_menu = page.get_by_test_id("assign-agent")
    with answered(page, "POST", f"/conversations/{cid}/assignment") as answer:
        agent_menu.select_option(label="Other Agent")
    assert answer.value.ok
    expect(page.get_by_test_id("assignee")).to_have_text("Assignee: Other Agent")
    assert fetch(api, desk, cid)["assignee_id"] == desk.other_agent.id
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="system"]').last).to_contain_text("Other Agent")

    with answered(page, "POST", f"/conversations/{cid}/assignment") as answer:
        page.get_by_test_id("assign-team").select_option(label="Support")
    assert answer.value.ok
    expect(page.get_by_test_id("assign-team")).to_have_value(str(desk.team_id))
    assert fetch(api, desk, cid)["team_id"] == desk.team_id

    agent_menu.select_option(label="Unassigned")
    expect(page.get_by_test_id("assignee")).to_have_text("Assignee: Unassigned")
    assert fetch(api, desk, cid)["assignee_id"] is None

    with answered(page, "PATCH", f"/conversations/{cid}") as answer:
        page.get_by_test_id("priority").select_option(label="Urgent")
    assert answer.value.ok
    expect(page.get_by_test_id("priority")).to_have_value("urgent")
    assert fetch(api, desk, cid)["priority"] == "urgent"

    page.get_by_role("button", name="Set pending").click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Pending")
    assert fetch(api, desk, cid)["status"] == "pending"


def test_a_refused_assignment_shows_the_problem(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    cid = start_conversation(api, desk, "Where is my order?")["id"]
    open_conversation(page, server, desk, cid)

    # The other agent is not a member of this inbox: the desk refuses, the screen says why.
    agent_menu = page.get_by_test_id("assign-agent")
    agent_menu.select_option(label="Other Agent")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That did not work:")
    expect(agent_menu).to_have_value("")  # the menu shows who holds it: nobody
    r = api.post(
        f"/conversations/{cid}/assignment",
        json={"assignee_id": desk.other_agent.id},
        headers=desk.agent.headers,
    )
    assert r.status_code >= 400
    expect(alert).to_contain_text(r.json()["detail"])
    assert fetch(api, desk, cid)["assignee_id"] is None


def test_snooze_for_an_hour(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    cid = start_conversation(api, desk, "Call me later")["id"]
    open_conversation(page, server, desk, cid)

    before = datetime.now(UTC)
    page.get_by_test_id("snooze").select_option(label="For 1 hour")
    expect(page.get_by_test_id("conversation-status")).to_have_text("Snoozed")
    expect(page.get_by_test_id("snoozed-until")).to_contain_text("Snoozed until")
    stored = fetch(api, desk, cid)
    assert stored["status"] == "snoozed"
    until = datetime.fromisoformat(str(stored["snoozed_until"]))
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    assert before + timedelta(minutes=59) < until < datetime.now(UTC) + timedelta(minutes=61)
    # The list follows over the same websocket: snoozed leaves its default open + pending filter.
    expect(page.locator(f'tr[data-conversation-id="{cid}"]')).to_have_count(0)


def test_list_and_conversation_side_by_side_on_a_wide_screen(
    browser: Browser, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    first = start_conversation(api, desk, "First question")["id"]
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        open_conversation(page, server, desk, first)
        row = page.locator(f'tr[data-conversation-id="{first}"]')
        timeline = page.get_by_test_id("timeline")
        expect(row).to_be_visible()
        expect(timeline).to_be_visible()
        expect(row).to_have_attribute("aria-current", "true")
        # The shell's header stays: who is logged in, and the way out.
        expect(page.get_by_test_id("user-name")).to_have_text("Agent")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        list_box = page.get_by_test_id("conversations").bounding_box()
        timeline_box = timeline.bounding_box()
        assert list_box is not None and timeline_box is not None
        # The list on the left, the conversation on the right.
        assert list_box["x"] + list_box["width"] <= timeline_box["x"]

        # A conversation created meanwhile arrives in the list without a reload, and opens
        # beside it; the highlight moves.
        page.evaluate("window.notReloaded = true")
        second = start_conversation(api, desk, "Second question")["id"]
        other_row = page.locator(f'tr[data-conversation-id="{second}"]')
        other_row.click()
        expect(page).to_have_url(re.compile(rf"/app/conversations/{second}$"))
        expect(timeline).to_contain_text("Second question")
        expect(other_row).to_have_attribute("aria-current", "true")
        expect(row).not_to_have_attribute("aria-current", "true")
        assert page.evaluate("window.notReloaded") is True

        # On a narrow screen the conversation takes the list's place.
        page.set_viewport_size({"width": 700, "height": 900})
        expect(timeline).to_be_visible()
        expect(page.get_by_test_id("conversations")).to_be_hidden()
        page.get_by_role("link", name="All conversations").click()
        expect(page.get_by_test_id("conversations")).to_be_visible()
        expect(timeline).to_be_hidden()
    finally:
        context.close()
