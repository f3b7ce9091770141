"""The contact panel beside the conversation: who the customer is, on which channels, their
other conversations; editing attributes and tags, a refused value shown at its field, and a
colleague's screen following the change live."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD, Actor, Desk, LiveServer
from tests.e2e.test_login import log_in

WIDE = {"width": 1440, "height": 900}  # the list, the conversation and the panel side by side


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


def _customer_with_history(api: httpx.Client, desk: Desk) -> dict[str, Any]:
    """Maria, known by e-mail, phone and Telegram, with an earlier conversation in the agent's
    inbox, one in an inbox the agent does not work, and the one the test opens."""
    h = desk.admin.headers
    for body in (
        {"applies_to": "contact", "key": "orders", "label": "Orders", "value_type": "number"},
        {
            "applies_to": "contact",
            "key": "tier",
            "label": "Tier",
            "value_type": "list",
            "options": ["gold", "silver"],
        },
        {
            "applies_to": "conversation",
            "key": "order_no",
            "label": "Order No",
            "value_type": "text",
        },
    ):
        _ok(api.post("/custom-attributes", json=body, headers=h))
    contact = _ok(
        api.post(
            "/contacts",
            json={
                "name": "Мария Иванова",
                "email": "maria@example.com",
                "phone": "+7 916 123-45-67",
                "identities": [{"kind": "telegram", "value": "555001"}],
                "custom_attributes": {"orders": 2},
            },
            headers=h,
        )
    )

    def conversation(inbox_id: int, text: str, **extra: Any) -> dict[str, Any]:
        body = {"inbox_id": inbox_id, "contact_id": contact["id"], "message": {"content": text}}
        return dict(_ok(api.post("/conversations", json={**body, **extra}, headers=h)))

    earlier = conversation(desk.inbox_id, "Where is my parcel?", subject="Parcel")
    _ok(api.post(f"/conversations/{earlier['id']}/status", json={"status": "resolved"}, headers=h))
    hidden = conversation(desk.other_inbox_id, "A private matter about a refund")
    current = conversation(desk.inbox_id, "I want to order again")
    return {"contact": contact, "earlier": earlier, "hidden": hidden, "current": current}


def _open(page: Page, server: LiveServer, who: Actor, conversation_id: int) -> None:
    log_in(page, server, who.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_be_visible()
    page.goto(f"{server.url}/app/conversations/{conversation_id}")
    expect(page.get_by_test_id("conversation-status")).to_be_visible()


def _wide_page(browser: Browser) -> tuple[BrowserContext, Page, list[str]]:
    """A page of its own browser context (its own login), and what it threw."""
    context = browser.new_context(locale="en-US", viewport=WIDE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_the_panel_shows_the_customer_and_edits_are_stored_and_seen_live(
    browser: Browser, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    made = _customer_with_history(api, desk)
    contact_id = made["contact"]["id"]
    agent_context, page, page_errors = _wide_page(browser)
    colleague_context, colleague, colleague_errors = _wide_page(browser)
    try:
        _open(page, server, desk.agent, made["current"]["id"])
        panel = page.get_by_test_id("contact-panel")
        expect(panel).to_be_visible()  # a wide screen shows it without asking
        expect(panel.get_by_test_id("contact-field-name")).to_contain_text("Мария Иванова")
        identities = panel.get_by_test_id("contact-identity")
        expect(identities).to_have_count(3)
        texts = [identities.nth(i).inner_text() for i in range(3)]
        assert any("Telegram" in t and "555001" in t for t in texts), texts
        assert any("E-mail" in t and "maria@example.com" in t for t in texts), texts
        assert any("Phone" in t and "+79161234567" in t for t in texts), texts

        # The history: the earlier conversation (a link), not the open one; the other inbox's
        # only counted, its content nowhere.
        history = panel.get_by_test_id("contact-history")
        items = history.get_by_test_id("contact-history-item")
        expect(items).to_have_count(1)
        expect(items.first).to_contain_text(f"#{made['earlier']['number']}")
        expect(items.first).to_contain_text("Resolved")
        expect(items.first).to_contain_text("Parcel")
        expect(items.first.get_by_role("link")).to_have_attribute(
            "href", f"/app/conversations/{made['earlier']['id']}"
        )
        expect(history.get_by_test_id("contact-history-hidden")).to_have_text(
            "1 more in an inbox you don't work."
        )
        expect(panel).not_to_contain_text("refund")

        # A colleague (the supervisor, through the team) has the same conversation open.
        _open(colleague, server, desk.supervisor, made["current"]["id"])
        colleague_panel = colleague.get_by_test_id("contact-panel")
        expect(colleague_panel.get_by_test_id("contact-field-name")).to_contain_text("Мария")
        colleague.evaluate("window.notReloaded = true")

        # A number attribute given text: the desk's refusal is shown at the field, nothing stored.
        orders = panel.get_by_test_id("contact-attribute-orders")
        expect(orders.get_by_test_id("value")).to_have_text("2")
        orders.get_by_role("button", name="Edit Orders").click()
        orders.get_by_label("Orders").fill("three")
        orders.get_by_role("button", name="Save").click()
        error = orders.get_by_test_id("contact-attribute-orders-error")
        expect(error).to_contain_text("'orders' must be a number")
        assert _ok(api.get(f"/contacts/{contact_id}", headers=desk.agent.headers))[
            "custom_attributes"
        ] == {"orders": 2}
        # Corrected: stored, the error goes, and the colleague sees the new value live.
        orders.get_by_label("Orders").fill("5")
        orders.get_by_role("button", name="Save").click()
        expect(orders.get_by_test_id("value")).to_have_text("5")
        expect(error).to_have_count(0)
        assert _ok(api.get(f"/contacts/{contact_id}", headers=desk.agent.headers))[
            "custom_attributes"
        ] == {"orders": 5}
        expect(
            colleague_panel.get_by_test_id("contact-attribute-orders").get_by_test_id("value")
        ).to_have_text("5")

        # A list attribute from its options.
        tier = panel.get_by_test_id("contact-attribute-tier")
        tier.get_by_role("button", name="Edit Tier").click()
        tier.get_by_label("Tier").select_option("gold")
        tier.get_by_role("button", name="Save").click()
        expect(tier.get_by_test_id("value")).to_have_text("gold")

        # A tag: added, stored, on the colleague's screen live; then removed.
        tag_input = panel.get_by_test_id("contact-tag-input")
        tag_input.fill("wholesale")
        tag_input.press("Enter")
        tags = panel.get_by_test_id("contact-tag")
        expect(tags).to_have_text([re.compile(r"^wholesale\s*×\s*$")])
        assert _ok(api.get(f"/contacts/{contact_id}", headers=desk.agent.headers))["tags"] == [
            "wholesale"
        ]
        colleague_tags = colleague_panel.get_by_test_id("contact-tag")
        expect(colleague_tags).to_have_text([re.compile(r"^wholesale")])
        tag_input.fill("vip")
        tag_input.press("Enter")
        expect(tags).to_have_count(2)
        panel.get_by_role("button", name="Remove the tag wholesale").click()
        expect(tags).to_have_text([re.compile(r"^vip")])
        expect(colleague_tags).to_have_text([re.compile(r"^vip")])
        assert _ok(api.get(f"/contacts/{contact_id}", headers=desk.agent.headers))["tags"] == [
            "vip"
        ]

        # The colleague's own change (the notes) reaches the agent's screen the same way.
        notes = colleague_panel.get_by_test_id("contact-field-notes")
        notes.get_by_role("button", name="Edit Notes").click()
        notes.get_by_label("Notes").fill("Prefers Telegram")
        notes.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("contact-field-notes")).to_contain_text("Prefers Telegram")
        assert colleague.evaluate("window.notReloaded") is True

        # The conversation's own attribute.
        order_no = panel.get_by_test_id("conversation-attribute-order_no")
        order_no.get_by_role("button", name="Edit Order No").click()
        order_no.get_by_label("Order No").fill("A-1017")
        order_no.get_by_role("button", name="Save").click()
        expect(order_no.get_by_test_id("value")).to_have_text("A-1017")
        stored = _ok(api.get(f"/conversations/{made['current']['id']}", headers=desk.agent.headers))
        assert stored["custom_attributes"] == {"order_no": "A-1017"}

        # The name, edited: the conversation's header follows.
        name = panel.get_by_test_id("contact-field-name")
        name.get_by_role("button", name="Edit Name").click()
        name.get_by_label("Name").fill("Maria Ivanova")
        name.get_by_label("Name").press("Enter")
        expect(page.get_by_test_id("contact-name")).to_have_text("Maria Ivanova")
        expect(colleague_panel.get_by_test_id("contact-field-name")).to_contain_text(
            "Maria Ivanova"
        )

        # The earlier conversation opens from the history.
        items.first.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/app/conversations/{made['earlier']['id']}$"))
        expect(page.get_by_test_id("timeline")).to_contain_text("Where is my parcel?")
        expect(items).to_have_count(1)
        expect(items.first).to_contain_text(f"#{made['current']['number']}")
        assert page_errors == [] and colleague_errors == [], (page_errors, colleague_errors)
    finally:
        agent_context.close()
        colleague_context.close()


def test_an_edit_conflict_keeps_the_draft_and_shows_the_colleagues_value(
    browser: Browser, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    made = _customer_with_history(api, desk)
    context, page, errors = _wide_page(browser)
    try:
        _open(page, server, desk.agent, made["current"]["id"])
        notes = page.get_by_test_id("contact-field-notes")
        notes.get_by_role("button", name="Edit Notes").click()
        notes.get_by_label("Notes").fill("Mine")
        # Meanwhile a colleague saves other notes (through the API, at the same version).
        _ok(
            api.patch(
                f"/contacts/{made['contact']['id']}",
                json={"notes": "Theirs", "version": made["contact"]["version"]},
                headers=desk.supervisor.headers,
            )
        )
        notes.get_by_role("button", name="Save").click()
        expect(notes.get_by_test_id("contact-field-notes-error")).to_contain_text(
            "Someone changed this while you were editing. Now: “Theirs”."
        )
        assert (
            _ok(api.get(f"/contacts/{made['contact']['id']}", headers=desk.agent.headers))["notes"]
            == "Theirs"
        )
        expect(notes.get_by_label("Notes")).to_have_value("Mine")
        # Saving again, having seen theirs, replaces it on purpose.
        notes.get_by_role("button", name="Save").click()
        expect(notes.get_by_test_id("value")).to_have_text("Mine")
        assert (
            _ok(api.get(f"/contacts/{made['contact']['id']}", headers=desk.agent.headers))["notes"]
            == "Mine"
        )
        assert errors == [], errors
    finally:
        context.close()


def test_the_panel_folds_away_on_a_narrow_screen(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    made = _customer_with_history(api, desk)
    page.set_viewport_size({"width": 900, "height": 800})
    _open(page, server, desk.agent, made["current"]["id"])
    panel = page.get_by_test_id("contact-panel")
    toggle = page.get_by_test_id("contact-panel-toggle")
    expect(panel).to_have_count(0)  # narrow: hidden until asked for
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("contact-field-name")).to_contain_text("Мария Иванова")
    panel.get_by_role("button", name="Hide the contact panel").click()
    expect(panel).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_be_visible()
