"""Settings → Webhooks in the browser: an admin subscribes a receiver (a real local server),
copies the secret shown once, sees the signed deliveries in the log, a failing one given up
with its reason, and sends it again."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Locator, Page, expect

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.conftest import PASSWORD, Desk, LiveServer, seed_desk
from tests.e2e.test_conversation import start_conversation
from tests.e2e.test_login import log_in
from tests.webhooks.conftest import Receiver, verified


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    fake = Receiver()
    fake.provider.start()
    yield fake
    fake.provider.stop()


@pytest.fixture
def webhook_desk(settings: Settings, built_app: Path) -> Iterator[tuple[LiveServer, Desk]]:
    """The desk with its worker, allowed to call the receiver on 127.0.0.1, giving up after
    the first failed attempt (so the test need not wait for backoff)."""
    tuned = settings.model_copy(
        update={
            "webhook_allowed_networks": "127.0.0.0/8",
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


def wait_for_calls(receiver: Receiver, count: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while len(receiver.calls()) < count:
        assert time.monotonic() < deadline, f"{len(receiver.calls())} calls, expected {count}"
        time.sleep(0.05)
    return receiver.calls()


def test_admin_subscribes_reads_the_log_and_sends_again(
    page: Page, webhook_desk: tuple[LiveServer, Desk], receiver: Receiver
) -> None:
    server, desk = webhook_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    log_in(page, server, desk.admin.email, PASSWORD)
    page.get_by_test_id("settings-link").click()
    page.get_by_test_id("settings-tab-webhooks").click()
    expect(page).to_have_url(re.compile(r"/app/settings/webhooks$"))

    # The desk's refusal shows beside the field.
    page.get_by_test_id("create").click()
    form = page.get_by_test_id("webhook-form")
    page.get_by_test_id("webhook-url").fill("ftp://example.com/hook")
    page.locator('[data-testid="webhook-event"][data-event="message.created"]').check()
    form.get_by_test_id("save").click()
    expect(form.locator('[data-testid="field-error"][data-field="url"]')).to_contain_text("http")

    page.get_by_test_id("webhook-url").fill(receiver.url)
    page.get_by_test_id("webhook-description").fill("CRM")
    form.get_by_test_id("save").click()
    secret = page.get_by_test_id("webhook-secret-value").input_value()
    assert secret.startswith("whsec_")
    expect(page.get_by_test_id("webhook-secret")).to_contain_text("not shown again")
    page.get_by_test_id("webhook-secret-done").click()
    expect(page.get_by_test_id("webhook-secret")).to_be_hidden()
    row = page.locator(f'[data-testid="webhook-row"][data-url="{receiver.url}"]')
    expect(row).to_contain_text("Message created")

    # An event goes out, signed with the secret the screen showed.
    conversation = start_conversation(api, desk, "Where is my parcel?")
    [call] = wait_for_calls(receiver, 1)
    assert verified(call, secret)
    assert call.headers["x-frontdesk-event"] == "message.created"
    row.get_by_test_id("deliveries").click()
    delivered = page.locator('[data-testid="delivery-row"][data-status="delivered"]')
    expect(delivered).to_have_count(1)
    expect(delivered.get_by_test_id("delivery-code")).to_have_text("200")

    # The receiver breaks: the test event is given up with the reason.
    receiver.provider.fail("/hook", status=500, json={"error": "down"}, times=1)
    row.get_by_test_id("ping").click()
    expect(page.get_by_test_id("webhook-notice")).to_contain_text("test event")
    wait_for_calls(receiver, 2)
    dead = page.locator('[data-testid="delivery-row"][data-status="dead"]')
    expect(refreshed_until_shown(page, dead)).to_have_count(1)
    expect(dead.get_by_test_id("delivery-error")).to_contain_text("answered 500")
    dead.get_by_test_id("delivery-details").click()
    expect(page.get_by_test_id("delivery-attempts")).to_contain_text("500")

    # Sent again, it is delivered, with the same delivery id.
    dead.get_by_test_id("redeliver").click()
    calls = wait_for_calls(receiver, 3)
    assert calls[2].headers["x-frontdesk-delivery"] == calls[1].headers["x-frontdesk-delivery"]
    assert verified(calls[2], secret)
    page.get_by_test_id("delivery-refresh").click()
    expect(page.locator('[data-testid="delivery-row"][data-status="delivered"]')).to_have_count(2)
    assert orjson.loads(calls[0].body)["conversation_id"] == conversation["id"]


def refreshed_until_shown(page: Page, rows: Locator) -> Locator:
    """The log is read on request: refresh until the worker's outcome shows."""
    deadline = time.monotonic() + 10
    while rows.count() == 0 and time.monotonic() < deadline:
        page.get_by_test_id("delivery-refresh").click()
        page.wait_for_timeout(200)
    return rows
