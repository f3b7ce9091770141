"""One customer, two contacts: the contact panel suggests the duplicate (the same phone written
with the Russian trunk prefix), the agent reads what a merge moves and merges; their panel shows
the merged history, and a colleague's screen showing the merged contact follows to the
survivor live."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, expect

from tests.conftest import Desk, LiveServer
from tests.e2e.test_contact_panel import _ok, _open, _wide_page


def test_an_agent_merges_a_duplicate_and_screens_follow(
    browser: Browser, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    h = desk.admin.headers
    maria = _ok(
        api.post(
            "/contacts",
            json={
                "name": "Мария Иванова",
                "email": "maria@example.com",
                "phone": "8 916 123-45-67",
            },
            headers=h,
        )
    )
    masha = _ok(
        api.post(
            "/contacts",
            json={
                "name": "Masha",
                "identities": [{"kind": "whatsapp", "value": "+7 916 123 45 67"}],
                "tags": ["late-payer"],
                "notes": "Ordered twice in March",
            },
            headers=h,
        )
    )

    def conversation(contact: dict[str, Any], text: str) -> dict[str, Any]:
        body = {
            "inbox_id": desk.inbox_id,
            "contact_id": contact["id"],
            "message": {"content": text},
        }
        return dict(_ok(api.post("/conversations", json=body, headers=h)))

    current = conversation(maria, "I want to order again")
    theirs = conversation(masha, "Where is my order?")
    agent_context, page, page_errors = _wide_page(browser)
    colleague_context, colleague, colleague_errors = _wide_page(browser)
    try:
        # A colleague has Masha's conversation open, her panel beside it.
        _open(colleague, server, desk.agent, theirs["id"])
        colleague_panel = colleague.get_by_test_id("contact-panel")
        expect(colleague_panel.get_by_test_id("contact-field-name")).to_contain_text("Masha")

        _open(page, server, desk.agent, current["id"])
        panel = page.get_by_test_id("contact-panel")
        expect(panel.get_by_test_id("contact-field-name")).to_contain_text("Мария Иванова")
        block = panel.get_by_test_id("contact-duplicates")
        expect(block).to_contain_text("Possible duplicates")
        duplicate = block.get_by_test_id("contact-duplicate")
        expect(duplicate).to_have_count(1)
        expect(duplicate).to_contain_text("Masha")
        expect(duplicate).to_contain_text("same phone …1234567")
        expect(duplicate).to_contain_text("Conversations: 1")

        # The confirmation says what moves; cancelling changes nothing.
        duplicate.get_by_test_id("merge").click()
        dialog = block.get_by_test_id("merge-dialog")
        expect(dialog).to_contain_text("Merge Masha into Мария Иванова?")
        moves = dialog.get_by_test_id("merge-moves")
        expect(moves).to_contain_text("conversations: 1")
        expect(moves).to_contain_text("channels: WhatsApp +79161234567")
        expect(moves).to_contain_text("tags: late-payer")
        expect(moves).to_contain_text("their notes")
        expect(dialog).to_contain_text("Masha is then deleted")
        dialog.get_by_test_id("merge-cancel").click()
        expect(dialog).to_have_count(0)
        assert api.get(f"/contacts/{masha['id']}", headers=h).status_code == 200

        duplicate.get_by_test_id("merge").click()
        block.get_by_test_id("merge-confirm").click()
        expect(block.get_by_test_id("merge-notice")).to_have_text(
            "Merged: the history of Masha is here now."
        )
        expect(block.get_by_test_id("contact-duplicate")).to_have_count(0)
        # The panel holds what moved: the WhatsApp identity, the tag, the conversation.
        identities = panel.get_by_test_id("contact-identity")
        expect(identities.filter(has_text="WhatsApp")).to_contain_text("+79161234567")
        expect(panel.get_by_test_id("contact-tag")).to_have_text(["late-payer ×"])
        expect(panel.get_by_test_id("contact-field-notes")).to_contain_text(
            "Ordered twice in March"
        )
        history = panel.get_by_test_id("contact-history-item")
        expect(history.filter(has_text=f"#{theirs['number']}")).to_have_count(1)
        assert api.get(f"/contacts/{masha['id']}", headers=h).status_code == 404

        # The colleague's screen showed Masha: it now shows Maria, without a reload.
        expect(colleague_panel.get_by_test_id("contact-field-name")).to_contain_text(
            "Мария Иванова"
        )
        expect(
            colleague.get_by_test_id("contact-identity").filter(has_text="E-mail")
        ).to_contain_text("maria@example.com")
    finally:
        agent_context.close()
        colleague_context.close()
    assert page_errors == [] and colleague_errors == []
