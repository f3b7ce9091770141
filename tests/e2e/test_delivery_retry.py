"""A reply Telegram refuses, in the browser: the agent reads why under the message and retries
it once Telegram takes it again; an admin finds another one in Settings → Deliveries and
redelivers it. A live desk with its worker, talking to a fake Telegram Bot API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.channels.telegram.conftest import (
    SECRET_HEADER,
    TOKEN,
    FakeTelegram,
    text_update,
)
from tests.conftest import PASSWORD, Desk, LiveServer, seed_desk
from tests.e2e.test_login import log_in

BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
REASON = "The customer has blocked the bot (Telegram: Forbidden: bot was blocked by the user)"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def tg_desk(
    settings: Settings, built_app: Path, telegram: FakeTelegram
) -> Iterator[tuple[LiveServer, Desk]]:
    """The desk with its worker, giving a reply up after its first failed attempt."""
    tuned = settings.model_copy(
        update={
            "telegram_api_url": telegram.url,
            "channel_timeout_seconds": 2.0,
            "outbox_max_attempts": 1,
            "outbox_poll_seconds": 0.2,
        }
    )
    application = create_app(tuned, run_worker=True)
    server = LiveServer(application).start()
    try:
        yield server, seed_desk(application.state.ctx.db)
    finally:
        server.stop()


def telegram_conversation(api: httpx.Client, desk: Desk, telegram: FakeTelegram) -> dict[str, Any]:
    """A Telegram inbox the agent works, and a customer who wrote in it."""
    r = api.post(
        "/api/v1/inboxes",
        headers=desk.admin.headers,
        json={"name": "Shop bot", "channel_type": "telegram", "member_ids": [desk.agent.id]},
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    r = api.post(
        f"/api/v1/inboxes/{inbox['id']}/telegram/connect",
        headers=desk.admin.headers,
        json={"bot_token": TOKEN},
    )
    assert r.status_code == 200, r.text
    r = api.post(
        f"/hooks/telegram/{inbox['public_id']}",
        headers={SECRET_HEADER: telegram.webhook["secret_token"]},
        json=text_update(70001, 1, "Is my order ready?"),
    )
    assert r.status_code == 200, r.text
    r = api.get("/api/v1/conversations", headers=desk.agent.headers)
    [conversation] = [c for c in r.json()["items"] if c["inbox_id"] == inbox["id"]]
    result: dict[str, Any] = conversation
    return result


def reply(page: Page, text: str) -> None:
    box = page.get_by_test_id("reply-text")
    box.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_agent_retries_a_refused_reply_and_admin_redelivers_one(
    page: Page, browser: Browser, tg_desk: tuple[LiveServer, Desk], telegram: FakeTelegram
) -> None:
    server, desk = tg_desk
    api = httpx.Client(base_url=server.url, timeout=10)
    conversation = telegram_conversation(api, desk, telegram)
    cid = conversation["id"]

    # The agent replies; Telegram refuses: the reason is there to read, under the reply.
    telegram.provider.fail("/sendMessage", status=403, json=BLOCKED)
    log_in(page, server, desk.agent.email, PASSWORD)
    page.locator(f'tr[data-conversation-id="{cid}"]').click()
    timeline = page.get_by_test_id("timeline")
    reply(page, "Yes, it leaves today.")
    first = timeline.locator('[data-kind="outgoing"]', has_text="Yes, it leaves today.")
    expect(first.get_by_test_id("delivery")).to_have_text("Not delivered")
    expect(first.get_by_test_id("delivery-error")).to_have_text(REASON)
    expect(first.get_by_test_id("delivery-error")).to_be_visible()

    # The customer unblocked the bot (the fake refused once): retry, and it is sent.
    first.get_by_test_id("retry-delivery").click()
    expect(first.get_by_test_id("delivery")).to_have_text("Sent")
    expect(first.get_by_test_id("retry-delivery")).to_have_count(0)
    expect(first.get_by_test_id("delivery-error")).to_have_count(0)
    assert [c["text"] for c in telegram.sent()] == ["Yes, it leaves today."] * 2

    # Another reply fails; the admin finds it among the deliveries and sends it again.
    telegram.provider.fail("/sendMessage", status=403, json=BLOCKED)
    reply(page, "The tracking number is 42.")
    second = timeline.locator('[data-kind="outgoing"]', has_text="The tracking number is 42.")
    expect(second.get_by_test_id("delivery")).to_have_text("Not delivered")

    admin_context = browser.new_context(locale="en-US")
    admin = admin_context.new_page()
    errors: list[str] = []
    admin.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(admin, server, desk.admin.email, PASSWORD)
        admin.get_by_test_id("settings-link").click()
        admin.get_by_test_id("settings-tab-deliveries").click()
        expect(admin).to_have_url(re.compile(r"/app/settings/deliveries$"))
        row = admin.get_by_test_id("dead-job")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("job-what")).to_have_text("A reply to Telegram")
        link = row.get_by_test_id("job-conversation")
        expect(link).to_have_text(f"Conversation #{conversation['number']}")
        expect(link).to_have_attribute("href", f"/app/conversations/{cid}")
        expect(row.get_by_test_id("job-target")).to_contain_text("Shop bot")
        expect(row.get_by_test_id("job-error")).to_contain_text(REASON)
        expect(admin.get_by_test_id("deliveries-counts")).to_have_text(
            "Waiting: 0 · Being sent: 0 · Gave up: 1"
        )

        row.get_by_test_id("job-redeliver").click()
        expect(admin.get_by_test_id("deliveries-notice")).to_contain_text("Queued again")
        expect(admin.get_by_test_id("deliveries-empty")).to_be_visible()
    finally:
        admin_context.close()
    assert errors == [], f"the admin's page threw: {errors}"

    # The agent's screen follows live.
    expect(second.get_by_test_id("delivery")).to_have_text("Sent")
    expect(second.get_by_test_id("retry-delivery")).to_have_count(0)
    assert [c["text"] for c in telegram.sent()][-1] == "The tracking number is 42."
