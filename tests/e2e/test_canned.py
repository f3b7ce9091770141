"""Canned replies in the reply box: `/` lists them (searched as typed), arrows and Enter or a click
insert one with the contact's and the agent's names filled in, Escape closes the list, and
Enter while it is open picks rather than sends."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_conversation import expect_stored, start_conversation, stored_messages
from tests.e2e.test_login import log_in

GREETING = "Здравствуйте, {{contact.name}}! Меня зовут {{agent.name}}. Заказ {{order.id}} в пути."
FILLED = "Здравствуйте, Ivan Petrov! Меня зовут Agent. Заказ {{order.id}} в пути."


def create_canned(api: httpx.Client, desk: Desk, short_code: str, content: str) -> None:
    r = api.post(
        "/canned-responses",
        json={"short_code": short_code, "content": content},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text


def test_agent_inserts_a_canned_reply_with_the_contact_name_and_sends_it(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    create_canned(api, desk, "hello", GREETING)
    create_canned(api, desk, "help-shipping", "We ship within two days, {{contact.email}}.")
    create_canned(api, desk, "refund", "Your refund is on its way.")
    cid = start_conversation(api, desk, "Where is my order?")["id"]

    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    page.goto(f"{server.url}/app/conversations/{cid}")
    expect(page.get_by_test_id("contact-name")).to_have_text("Ivan Petrov")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="incoming"]')).to_have_count(1)
    box = page.get_by_test_id("reply-text")
    listbox = page.get_by_test_id("canned-list")
    options = page.get_by_test_id("canned-option")

    # Escape closes the list and leaves the text; a `/` inside a word opens nothing.
    box.click()
    page.keyboard.type("and/or /hel")
    expect(options).to_have_count(2)
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("and/or /hel")
    box.fill("")
    page.keyboard.type("and/or")
    expect(listbox).to_be_hidden()

    # Searched by short code as typed: /hel finds both "hel…" replies, not the refund.
    box.fill("")
    page.keyboard.type("/hel")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("/hello")
    expect(options.last).to_contain_text("/help-shipping")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # picks: nothing is sent yet
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(FILLED)
    assert [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"] == []

    page.keyboard.press("Enter")  # the list is closed: now Enter sends
    outgoing = timeline.locator('[data-kind="outgoing"]')
    expect(outgoing).to_have_count(1)
    expect_stored(outgoing)
    expect(outgoing.locator(".content")).to_have_text(FILLED)
    expect(box).to_have_value("")
    replies = [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"]
    assert [m["content"] for m in replies] == [FILLED]

    # Searched by text too, and a click inserts in the middle of what is typed.
    page.keyboard.type("Thanks! /two")
    expect(options).to_have_count(1)
    options.first.click()
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Thanks! We ship within two days, ivan@example.com.")
    expect(box).to_be_focused()
