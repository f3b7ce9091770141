"""The rest of the conversation's actions (labels, type, inviting a colleague, snoozing until a
chosen date) and the keyboard shortcuts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_actions import answered, fetch, open_conversation
from tests.e2e.test_conversation import start_conversation
from tests.e2e.test_login import log_in


def client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)


def test_labels_are_ticked_and_removed(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = client(server)
    for name, color in (("vip", "#dc2626"), ("delivery", "#2563eb")):
        r = api.post("/labels", json={"name": name, "color": color}, headers=desk.admin.headers)
        assert r.status_code == 201, r.text
    cid = start_conversation(api, desk, "Where is my parcel?")["id"]
    open_conversation(page, server, desk, cid)

    page.get_by_test_id("labels-button").click()
    with answered(page, "PATCH", f"/conversations/{cid}") as answer:
        page.locator('input[data-label="vip"]').check()
    assert answer.value.ok
    chips = page.get_by_test_id("label-chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_have_attribute("data-label", "vip")
    page.get_by_placeholder("Find a label").fill("deli")
    expect(page.locator("input[data-label]")).to_have_count(1)
    with answered(page, "PATCH", f"/conversations/{cid}"):
        page.locator('input[data-label="delivery"]').check()
    expect(chips).to_have_count(2)
    assert sorted(fetch(api, desk, cid)["labels"]) == ["delivery", "vip"]  # type: ignore[arg-type]
    # The change is in the timeline for everyone who reads it later.
    expect(page.get_by_test_id("timeline").locator('[data-kind="system"]').last).to_contain_text(
        "labels"
    )

    with answered(page, "PATCH", f"/conversations/{cid}"):
        page.get_by_role("button", name="Remove the label vip").click()
    expect(chips).to_have_count(1)
    assert fetch(api, desk, cid)["labels"] == ["delivery"]


def test_type_and_inviting_a_colleague(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = client(server)
    cid = start_conversation(api, desk, "The kettle arrived broken")["id"]
    open_conversation(page, server, desk, cid)

    with answered(page, "PATCH", f"/conversations/{cid}") as answer:
        page.get_by_test_id("type").select_option(label="Complaint")
    assert answer.value.ok
    assert fetch(api, desk, cid)["type"] == "complaint"

    with answered(page, "POST", f"/conversations/{cid}/participants") as answer:
        page.get_by_test_id("invite").select_option(label="Other Agent")
    assert answer.value.ok
    chip = page.get_by_test_id("participant-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("Other Agent")
    expect(chip).to_have_attribute("data-user-id", str(desk.other_agent.id))
    assert fetch(api, desk, cid)["participant_ids"] == [desk.other_agent.id]
    # The invited colleague may now read it, though the inbox is not theirs.
    r = api.get(f"/conversations/{cid}", headers=desk.other_agent.headers)
    assert r.status_code == 200, r.text

    with answered(page, "DELETE", f"/conversations/{cid}/participants/{desk.other_agent.id}"):
        page.get_by_role("button", name="Remove Other Agent from the conversation").click()
    expect(page.get_by_test_id("participant-chip")).to_have_count(0)
    assert fetch(api, desk, cid)["participant_ids"] == []


def test_snooze_until_a_chosen_date_in_the_users_zone(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    r = api.patch(
        f"/users/{desk.agent.id}",
        json={"time_zone": "Asia/Vladivostok"},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    cid = start_conversation(api, desk, "Call me after the holidays")["id"]
    open_conversation(page, server, desk, cid)

    page.get_by_test_id("snooze").select_option(label="Until a date…")
    picker = page.get_by_test_id("snooze-date")
    picker.fill("2020-01-10T10:00")
    page.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Pick a time in the future.")
    assert fetch(api, desk, cid)["status"] == "open"

    year = datetime.now(UTC).year + 1
    picker.fill(f"{year}-01-10T10:00")
    with answered(page, "POST", f"/conversations/{cid}/status") as answer:
        page.get_by_role("button", name="Snooze", exact=True).click()
    assert answer.value.ok
    expect(page.get_by_test_id("conversation-status")).to_have_text("Snoozed")
    until = datetime.fromisoformat(str(fetch(api, desk, cid)["snoozed_until"]))
    # 10:00 in Vladivostok (UTC+10) is 00:00 UTC.
    assert until.replace(tzinfo=UTC) == datetime(year, 1, 10, 0, 0, tzinfo=UTC)


def test_keyboard_shortcuts(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = client(server)
    older = start_conversation(api, desk, "First question")["id"]
    newer = start_conversation(api, desk, "Second question")["id"]
    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.locator(f'tr[data-conversation-id="{older}"]')).to_be_visible()
    body = page.locator("body")

    # The list is newest activity first: j opens the top one, j again the next.
    body.press("j")
    expect(page).to_have_url(re.compile(rf"/app/conversations/{newer}$"))
    body.press("j")
    expect(page).to_have_url(re.compile(rf"/app/conversations/{older}$"))
    body.press("k")
    expect(page).to_have_url(re.compile(rf"/app/conversations/{newer}$"))

    status = page.get_by_test_id("conversation-status")
    expect(status).to_have_text("Open")
    body.press("a")
    expect(page.get_by_test_id("assignee")).to_have_text("Assignee: Agent")
    assert fetch(api, desk, newer)["assignee_id"] == desk.agent.id

    # Typing in the reply box never triggers a shortcut.
    body.press("r")
    reply = page.get_by_test_id("reply-text")
    expect(reply).to_be_focused()
    reply.type("e")
    expect(reply).to_have_value("e")
    expect(status).to_have_text("Open")
    reply.fill("")
    reply.evaluate("element => element.blur()")

    body.press("e")
    expect(status).to_have_text("Resolved")
    assert fetch(api, desk, newer)["status"] == "resolved"
    body.press("o")
    expect(status).to_have_text("Open")

    body.press("?")
    help_dialog = page.get_by_test_id("shortcut-help")
    expect(help_dialog).to_contain_text("Keyboard shortcuts")
    expect(help_dialog).to_contain_text("Assign to me")
    body.press("Escape")
    expect(help_dialog).to_be_hidden()
    body.press("Escape")
    expect(page).to_have_url(re.compile(r"/app/(\?.*)?$"))
