"""Setting up the customer portal in the agent app, in Chromium: the admin defines a
conversation attribute (the desk's refusal shown beside its field first), creates the portal
inbox, copies its address, titles it and puts the attribute on the request form as required;
a customer signing in to the portal then finds the field on the new request form, required."""

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
from tests.conftest import PASSWORD, Desk, LiveServer, seed_desk
from tests.e2e.test_login import log_in
from tests.e2e.test_portal import sign_in
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def mail_desk(
    settings: Settings, smtp_server: SMTPServer, built_app: Path
) -> Iterator[tuple[LiveServer, Desk]]:
    """A live desk that mails (the portal's sign-in links) through the test SMTP server."""
    mail_settings = settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    application = create_app(mail_settings, run_worker=True)
    server = LiveServer(application).start()
    try:
        yield server, seed_desk(application.state.ctx.db)
    finally:
        server.stop()


def test_an_admin_sets_up_the_portal_request_form(
    page: Page, browser: Browser, mail_desk: tuple[LiveServer, Desk], smtp_server: SMTPServer
) -> None:
    server, desk = mail_desk
    log_in(page, server, desk.admin.email, PASSWORD)
    page.get_by_test_id("settings-link").click()

    # The attribute: a list without options is refused beside the options; a number is made.
    page.get_by_test_id("settings-tab-attributes").click()
    section = page.get_by_test_id("settings-attributes")
    section.get_by_test_id("create-conversation").click()
    form = section.get_by_test_id("attribute-form")
    expect(form.get_by_test_id("attribute-applies-to")).to_have_value("conversation")
    form.get_by_test_id("attribute-label").fill("Order number")
    expect(form.get_by_test_id("attribute-key")).to_have_value("order_number")
    form.get_by_test_id("attribute-type").select_option("list")
    form.get_by_test_id("save").click()
    expect(form.locator("[data-testid=field-error][data-field=options]")).to_have_text(
        "A list needs at least one option."
    )
    form.get_by_test_id("attribute-type").select_option("number")
    form.get_by_test_id("save").click()
    row = section.get_by_test_id("attributes-conversation").get_by_test_id("attribute-row")
    expect(row).to_have_attribute("data-key", "order_number")
    expect(row).to_contain_text("Number")

    # The portal inbox, created here; its setup opens beside it.
    page.get_by_test_id("settings-tab-inboxes").click()
    page.get_by_test_id("settings-inboxes").get_by_test_id("create").click()
    page.get_by_test_id("new-inbox-name").fill("Customer portal")
    page.get_by_test_id("new-inbox-channel").select_option("portal")
    page.get_by_test_id("new-inbox-form").get_by_test_id("save").click()
    portal = page.get_by_test_id("portal-settings")
    # The address comes from FRONTDESK_BASE_URL (the tests' http://testserver) and the slug.
    expect(portal.get_by_test_id("portal-url")).to_have_value("http://testserver/portal/acme")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    portal.get_by_test_id("portal-copy").click()
    expect(portal.get_by_test_id("portal-copy-notice")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == "http://testserver/portal/acme"

    portal.get_by_test_id("portal-title").fill("Shop support")
    expect(portal.get_by_test_id("portal-allow-new")).to_be_checked()
    expect(portal.get_by_test_id("portal-field-choice")).to_have_value("order_number")
    portal.get_by_test_id("portal-field-add").click()
    field = portal.get_by_test_id("portal-field")
    expect(field).to_have_attribute("data-key", "order_number")
    expect(field).to_contain_text("Order number")
    portal.get_by_label("Order number: required").check()
    portal.get_by_test_id("portal-save").click()
    expect(portal.get_by_test_id("portal-notice")).to_have_text("The portal settings were saved.")
    expect(field).to_have_attribute("data-required", "true")

    inboxes: list[dict[str, Any]] = httpx.get(
        f"{server.url}/api/v1/inboxes", headers=desk.admin.headers
    ).json()
    settings = next(i["settings"] for i in inboxes if i["channel_type"] == "portal")
    assert settings == {
        "title": "Shop support",
        "allow_new_customers": True,
        "fields": [{"key": "order_number", "required": True}],
    }

    # The customer's request form asks for it, required, under the new title.
    context = browser.new_context(locale="en-US")
    customer = context.new_page()
    try:
        sign_in(customer, server, smtp_server, "ivan@example.com", ru=False)
        customer.get_by_role("link", name="New request").click()
        expect(customer).to_have_url(re.compile(r"/portal/acme/requests/new$"))
        expect(customer.locator("header .brand a")).to_have_text("Shop support")
        order_number = customer.get_by_label("Order number", exact=True)
        expect(order_number).to_have_attribute("required", "")
        expect(order_number).to_have_attribute("inputmode", "decimal")
    finally:
        context.close()
