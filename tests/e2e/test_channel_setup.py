"""Connecting channels in the settings: an admin creates a Telegram inbox and connects its bot
against the fake Bot API (which receives setWebhook with the secret the desk keeps), then an
e-mail inbox whose connection test logs in to real IMAP (dovecot) and SMTP (aiosmtpd)
servers, and says why when the password is wrong."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.inboxes import service as inbox_service
from frontdesk.settings import Settings
from tests.channels.email.conftest import dovecot_server, folder  # noqa: F401  (fixtures)
from tests.channels.email.dovecot import Dovecot
from tests.channels.telegram.conftest import TOKEN, FakeTelegram
from tests.channels.telegram.conftest import telegram as telegram
from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_login import log_in
from tests.smtp_server import SMTPServer, smtp_server  # noqa: F401  (a fixture)


@pytest.fixture
def settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    """The live desk talks to the fake Telegram."""
    return settings.model_copy(update={"telegram_api_url": telegram.url})


def _stored(server_app: Any, desk: Desk, inbox_id: int) -> dict[str, Any]:
    return server_app.state.ctx.db.read_sync(  # type: ignore[no-any-return]
        lambda s: (
            inbox_service.channel_inbox_by_id(
                s, workspace_id=desk.workspace_id, inbox_id=inbox_id
            ).settings
        )
    )


def _create_inbox(page: Page, name: str, channel: str) -> None:
    page.get_by_test_id("settings-inboxes").get_by_test_id("create").click()
    page.get_by_test_id("new-inbox-name").fill(name)
    page.get_by_test_id("new-inbox-channel").select_option(channel)
    page.get_by_test_id("new-inbox-form").get_by_test_id("save").click()
    # The new inbox opens with its channel's setup.
    expect(page.get_by_test_id("inbox-name")).to_have_value(name)
    expect(page.get_by_test_id("channel-setup")).to_have_attribute("data-channel", channel)


def test_an_admin_connects_a_telegram_bot_and_a_mailbox(
    page: Page,
    live_app: tuple[Any, LiveServer],
    live_desk: tuple[LiveServer, Desk],
    telegram: FakeTelegram,
    dovecot_server: Dovecot,  # noqa: F811
    folder: str,  # noqa: F811
    smtp_server: SMTPServer,  # noqa: F811
) -> None:
    server, desk = live_desk
    application = live_app[0]
    log_in(page, server, desk.admin.email, PASSWORD)
    page.get_by_test_id("settings-link").click()
    expect(page).to_have_url(re.compile(r"/app/settings/inboxes$"))

    # Telegram: the token is checked, the webhook set with a secret, the bot named.
    _create_inbox(page, "Shop bot", "telegram")
    setup = page.get_by_test_id("channel-setup")
    expect(setup.get_by_test_id("channel-status")).to_contain_text("Still needed")
    url = setup.get_by_test_id("channel-webhook-url")
    expect(url).to_have_value(re.compile(r"^http://testserver/hooks/telegram/[\w-]+$"))
    public_id = url.input_value().rsplit("/", 1)[1]
    page.get_by_test_id("telegram-token").fill("this is not a bot token at all")
    page.get_by_test_id("telegram-connect").click()
    expect(setup.get_by_test_id("field-error")).to_have_text("Not in the expected format.")
    # A token Telegram does not know: its reason, and no webhook set.
    page.get_by_test_id("telegram-token").fill("123456789:AAE-revoked-token-of-a-bot")
    page.get_by_test_id("telegram-connect").click()
    expect(setup.get_by_test_id("channel-error")).to_contain_text("Unauthorized")
    assert telegram.provider.calls_to("/setWebhook") == []
    page.get_by_test_id("telegram-token").fill(TOKEN)
    page.get_by_test_id("telegram-connect").click()
    expect(page.get_by_test_id("telegram-bot")).to_have_text("Bot: @shop_bot (Shop)")
    expect(setup.get_by_test_id("channel-status")).to_have_text("Connected")
    [call] = telegram.provider.calls_to("/setWebhook")
    assert call.params["url"] == f"http://testserver/hooks/telegram/{public_id}"
    [inbox] = [
        i
        for i in application.state.ctx.db.read_sync(
            lambda s: [inbox_service.channel_inbox(s, public_id=public_id)]
        )
        if i is not None
    ]
    stored = _stored(application, desk, inbox.id)
    assert call.params["secret_token"] == stored["webhook_secret"] and stored["bot_token"] == TOKEN
    # The token never comes back to the browser.
    expect(page.get_by_test_id("telegram-token")).to_have_value("")
    expect(page.get_by_test_id("telegram-token")).to_have_attribute(
        "placeholder", "Set: leave empty to keep it"
    )

    # E-mail: the form's values are tried before anything is saved.
    _create_inbox(page, "Support mail", "email")
    setup = page.get_by_test_id("channel-setup")
    fields = dovecot_server.inbox_settings(
        folder=folder, smtp_port=smtp_server.port, address="support@shop.example"
    )
    for name, value in fields.items():
        box = setup.get_by_test_id(f"channel-field-{name}")
        if name.endswith("_security"):
            box.select_option(str(value))
        else:
            box.fill(str(value))
    setup.get_by_test_id("channel-field-imap_password").fill("wrong password")
    setup.get_by_test_id("channel-check").click()
    result = setup.get_by_test_id("channel-check-result")
    expect(result).to_have_attribute("data-ok", "false")
    imap = result.locator('[data-testid="channel-check-item"][data-name="imap"]')
    expect(imap).to_have_attribute("data-ok", "false")
    expect(imap).to_contain_text(re.compile("authentication failed", re.IGNORECASE))
    expect(result.locator('[data-name="smtp"]')).to_have_attribute("data-ok", "true")
    assert _stored(application, desk, _inbox_id(application, desk, "Support mail")) == {}

    setup.get_by_test_id("channel-field-imap_password").fill(str(fields["imap_password"]))
    setup.get_by_test_id("channel-check").click()
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("The connection works.")
    expect(result.locator('[data-name="imap"]')).to_contain_text(f"the folder {folder}")
    setup.get_by_test_id("channel-save").click()
    expect(setup.get_by_test_id("channel-notice")).to_have_text("Channel saved.")
    expect(setup.get_by_test_id("channel-status")).to_have_text("Connected")
    # Saved: the password is write-only, and an empty box keeps it.
    expect(setup.get_by_test_id("channel-field-imap_password")).to_have_value("")
    setup.get_by_test_id("channel-check").click()
    expect(result).to_have_attribute("data-ok", "true")
    stored = _stored(application, desk, _inbox_id(application, desk, "Support mail"))
    assert stored["imap_password"] == fields["imap_password"]
    assert stored["imap_folder"] == folder

    # A wrong value is refused beside its field, nothing saved.
    setup.get_by_test_id("channel-field-smtp_port").fill("99999")
    setup.get_by_test_id("channel-save").click()
    error = setup.locator('[data-testid="field-error"][data-field="smtp_port"]')
    expect(error).to_be_visible()
    assert _stored(application, desk, _inbox_id(application, desk, "Support mail")) == stored

    # The API channel: the integrator's URL, and a token and a signing secret shown once.
    _create_inbox(page, "Shop system", "api")
    setup = page.get_by_test_id("channel-setup")
    expect(setup.get_by_test_id("channel-webhook-url")).to_have_value(
        re.compile(r"^http://testserver/hooks/api/[\w-]+/messages$")
    )
    expect(setup.get_by_test_id("channel-token-state")).to_have_text("No token yet.")
    # Typed before the token and the secret are made: making them keeps what was typed.
    url_field = setup.get_by_test_id("channel-field-webhook_url")
    url_field.fill("https://shop.example/frontdesk")
    setup.get_by_test_id("channel-token").click()
    token = setup.get_by_test_id("channel-token-value")
    expect(token).to_have_value(re.compile(r"^fdi_"))
    setup.get_by_test_id("channel-signing-secret").click()
    expect(setup.get_by_test_id("channel-signing-secret-value")).to_have_value(
        re.compile(r"^whsec_")
    )
    expect(setup.get_by_test_id("channel-signing-secret")).to_be_enabled()
    expect(url_field).to_have_value("https://shop.example/frontdesk")
    setup.get_by_test_id("channel-save").click()
    expect(setup.get_by_test_id("channel-notice")).to_have_text("Channel saved.")
    stored = _stored(application, desk, _inbox_id(application, desk, "Shop system"))
    assert stored["inbound_token"] == token.input_value()
    assert stored["webhook_url"] == "https://shop.example/frontdesk"
    assert stored["webhook_secret"].startswith("whsec_")


def _inbox_id(application: Any, desk: Desk, name: str) -> int:
    def find(session: Any) -> int:
        from frontdesk.core.principal import Principal, Role

        admin = Principal(
            user_id=desk.admin.id, workspace_id=desk.workspace_id, role=Role.admin, via="token"
        )
        return next(
            i.id for i in inbox_service.list_inboxes(session, principal=admin) if i.name == name
        )

    return application.state.ctx.db.read_sync(find)  # type: ignore[no-any-return]
