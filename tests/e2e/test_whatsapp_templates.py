"""A WhatsApp conversation in the agent app: while the customer wrote in the last 24 hours the
reply box says until when; after that a free reply is refused with the reason and the
inbox's templates are offered, filled in and sent; the customer writing again reopens it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from frontdesk.channels.whatsapp.rules import sign
from frontdesk.settings import Settings
from tests.channels.whatsapp.conftest import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraph,
    event,
    message_value,
    text_message,
)
from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_login import log_in


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def settings(settings: Settings, graph: FakeGraph) -> Settings:
    return settings.model_copy(update={"whatsapp_api_url": graph.api_url})


def customer_writes(api: httpx.Client, public_id: str, content: str) -> None:
    now = int(datetime.now(UTC).timestamp())
    body = orjson.dumps(event(message_value(text_message(content, timestamp=now))))
    r = api.post(
        f"/hooks/whatsapp/{public_id}",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert r.status_code == 200, r.text


def test_outside_24_hours_the_agent_sends_a_template(
    page: Page, live_app: tuple[Any, LiveServer], live_desk: tuple[LiveServer, Desk]
) -> None:
    application, _ = live_app
    server, desk = live_desk
    api = httpx.Client(base_url=server.url, timeout=10)
    r = api.post(
        "/api/v1/inboxes",
        json={"name": "WhatsApp", "channel_type": "whatsapp", "member_ids": [desk.agent.id]},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    inbox = r.json()
    r = api.put(
        f"/api/v1/inboxes/{inbox['id']}/channel",
        headers=desk.admin.headers,
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": ACCESS_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "templates": [
                {"name": "order_confirmation", "language": "en_US", "parameters": 2},
                {"name": "hello_world", "language": "en_US", "parameters": 0},
            ],
        },
    )
    assert r.status_code == 200, r.text
    customer_writes(api, inbox["public_id"], "Where is my order?")
    r = api.get(
        "/api/v1/conversations", params={"inbox_id": inbox["id"]}, headers=desk.agent.headers
    )
    conversation_id = r.json()["items"][0]["id"]

    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    page.goto(f"{server.url}/app/conversations/{conversation_id}")
    expect(page.get_by_test_id("contact-name")).to_have_text("Ivan Petrov")
    expect(page.get_by_test_id("whatsapp-open")).to_contain_text(
        "WhatsApp: you can reply freely until"
    )
    expect(page.get_by_test_id("whatsapp-templates")).to_have_count(0)

    # Two days pass without a word from the customer.
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    application.state.ctx.db.write_sync(
        lambda uow: uow.session.execute(
            text("UPDATE conversations SET last_incoming_at = :t WHERE id = :id"),
            {"t": two_days_ago, "id": conversation_id},
        )
    )
    page.reload()
    expect(page.get_by_test_id("whatsapp-closed")).to_have_text(
        "The customer last wrote more than 24 hours ago: "
        "WhatsApp only lets you send a template now."
    )
    # A free reply is refused with the reason.
    page.get_by_test_id("reply-text").fill("Hello?")
    page.get_by_test_id("reply-text").press("Enter")
    expect(page.get_by_role("alert").filter(has_text="only a template can be sent")).to_be_visible()

    send = page.get_by_test_id("whatsapp-send")
    page.get_by_test_id("whatsapp-template").select_option(label="order_confirmation (en_US)")
    expect(send).to_be_disabled()
    page.get_by_test_id("whatsapp-parameter-1").fill("Ivan")
    page.get_by_test_id("whatsapp-parameter-2").fill("A-1001")
    expect(send).to_be_enabled()
    send.click()
    expect(page.get_by_test_id("whatsapp-sent")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="outgoing"]').last).to_contain_text(
        "[Template order_confirmation: Ivan, A-1001]"
    )
    r = api.get(f"/api/v1/conversations/{conversation_id}/messages", headers=desk.agent.headers)
    [template] = [m for m in r.json()["items"] if m["kind"] == "outgoing"]
    assert template["content_attributes"]["whatsapp"]["template"] == {
        "name": "order_confirmation",
        "language": "en_US",
        "parameters": ["Ivan", "A-1001"],
    }

    # The customer answers: the window is open again, live.
    customer_writes(api, inbox["public_id"], "Thanks!")
    expect(page.get_by_test_id("whatsapp-open")).to_be_visible()
    expect(page.get_by_test_id("whatsapp-templates")).to_have_count(0)
