"""Channel setup in the admin settings: each channel's fields validated and saved with secrets
write-only, the webhook URL to register, and connection tests against local stand-ins for
the providers (Telegram, Meta's Graph API, VK) and real mail servers (dovecot, aiosmtpd)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.channels.setup.rules import (
    changed_settings,
    missing,
    settings_change,
    template_parameters,
    webhook_url,
)
from frontdesk.channels.setup.schemas import VkSetup, WhatsAppSetup
from frontdesk.core.db import Database
from frontdesk.inboxes import service as inbox_service
from frontdesk.settings import Settings
from tests.api.conftest import API, count_rows, problem
from tests.channels.email.conftest import dovecot_server, folder  # noqa: F401  (fixtures)
from tests.channels.email.dovecot import Dovecot
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.channels.telegram.conftest import TOKEN, FakeTelegram
from tests.conftest import Desk, free_port, seed_desk
from tests.smtp_server import SMTPServer, smtp_server  # noqa: F401  (a fixture)

ACCESS_TOKEN = "EAAG-whatsapp-system-user-token-0123456789"
VK_TOKEN = "vk1.a.community-token-0123456789abcdef"
WHATSAPP = {
    "phone_number_id": "106540352242922",
    "business_account_id": "102290129340398",
    "access_token": ACCESS_TOKEN,
    "app_secret": "0123456789abcdef0123456789abcdef",
    "verify_token": "shop-verify-2026",
    "templates": [{"name": "order_update", "language": "ru", "parameters": 2}],
}
VK = {
    "group_id": 229876543,
    "access_token": VK_TOKEN,
    "secret": "s3cretFromVk",
    "confirmation_code": "a1b2c3d4",
}


# ------------------------------------------------------------------------------- fakes
def graph(call: Call) -> Reply:
    """Meta's Graph API: the phone number and the business account's templates."""
    if call.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
        error = {"message": "Invalid OAuth access token - Cannot parse access token", "code": 190}
        return Reply(status=401, json={"error": error})
    if call.path == f"/{WHATSAPP['phone_number_id']}":
        number = {"display_phone_number": "+7 916 000-00-01", "verified_name": "Shop"}
        return Reply(json={**number, "id": WHATSAPP["phone_number_id"]})
    if call.path == f"/{WHATSAPP['business_account_id']}/message_templates":
        body = {"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped"}
        return Reply(
            json={
                "data": [
                    {
                        "name": "order_update",
                        "language": "ru",
                        "status": "APPROVED",
                        "components": [{"type": "HEADER", "text": "Shop"}, body],
                    },
                    {
                        "name": "hello",
                        "language": "en_US",
                        "status": "REJECTED",
                        "components": [{"type": "BODY", "text": "Hi!"}],
                    },
                ]
            }
        )
    return Reply(status=404, json={"error": {"message": "Unsupported get request", "code": 100}})


def vk_api(call: Call) -> Reply:
    params = call.params
    if call.path != "/method/groups.getById":
        return Reply(json={"error": {"error_code": 3, "error_msg": "Unknown method passed"}})
    if params.get("access_token") != VK_TOKEN:
        error = {"error_code": 5, "error_msg": "User authorization failed: invalid access_token"}
        return Reply(json={"error": error})
    group = {"id": VK["group_id"], "name": "Магазин", "screen_name": "shop"}
    return Reply(json={"response": {"groups": [group], "profiles": []}})


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, Any]]:
    telegram = FakeTelegram()
    meta = FakeProvider(graph)
    vk = FakeProvider(vk_api)
    for fake in (telegram.provider, meta, vk):
        fake.start()
    yield {"telegram": telegram, "meta": meta, "vk": vk}
    for fake in (telegram.provider, meta, vk):
        fake.stop()


@pytest.fixture
async def app(settings: Settings, providers: dict[str, Any]) -> AsyncIterator[Any]:
    pointed = settings.model_copy(
        update={
            "telegram_api_url": providers["telegram"].url,
            "whatsapp_api_url": providers["meta"].url,
            "vk_api_url": providers["vk"].url,
            "channel_timeout_seconds": 5.0,
        }
    )
    application = create_app(pointed)
    async with application.router.lifespan_context(application):
        yield application


async def _inbox(client: httpx.AsyncClient, desk: Desk, channel_type: str) -> dict[str, Any]:
    r = await client.post(
        f"{API}/inboxes",
        json={"name": channel_type.title(), "channel_type": channel_type},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    inbox: dict[str, Any] = r.json()
    return inbox


def _stored(db: Database, desk: Desk, inbox_id: int) -> dict[str, Any]:
    return db.read_sync(
        lambda s: (
            inbox_service.channel_inbox_by_id(
                s, workspace_id=desk.workspace_id, inbox_id=inbox_id
            ).settings
        )
    )


def _field_errors(response: httpx.Response) -> set[str]:
    body = problem(response, 422)
    return {".".join(str(p) for p in e["loc"][1:]) for e in body["errors"]}


# ------------------------------------------------------------------------------------ rules
def test_webhook_urls_and_what_a_channel_lacks() -> None:
    assert webhook_url("https://desk.shop.example/", "vk", "abc") == (
        "https://desk.shop.example/hooks/vk/abc"
    )
    assert webhook_url("http://x", "api", "p1") == "http://x/hooks/api/p1/messages"
    assert webhook_url("http://x", "email", "p1") is None
    assert missing("whatsapp", {"phone_number_id": "1", "access_token": ""}) == [
        "access_token",
        "app_secret",
        "verify_token",
    ]
    assert missing("api", {"inbound_token": "fdi_x"}) == []


def test_a_change_keeps_secrets_left_out_and_other_keys_alone() -> None:
    stored = {**VK, "bot_name": "kept", "access_token": "old-token-0123456789abcdef"}
    checked = changed_settings(
        VkSetup,
        stored,
        {"group_id": "229876543", "access_token": "", "secret": "set", "confirmation_code": "zz99"},
    )
    assert checked == {
        **VK,
        "access_token": "old-token-0123456789abcdef",
        "confirmation_code": "zz99",
    }
    change = settings_change(VkSetup, stored, checked)
    assert "bot_name" not in change and change["confirmation_code"] == "zz99"
    # null removes a secret: then the schema says it is required.
    with pytest.raises(ValueError, match="access_token"):
        changed_settings(VkSetup, stored, {**VK, "access_token": None})
    # Nothing sent: what is stored, checked again.
    assert changed_settings(WhatsAppSetup, WHATSAPP, {}) == WHATSAPP


def test_template_parameters_count_the_body_placeholders() -> None:
    body = [{"type": "BODY", "text": "Hi {{1}}, order {{2}} ({{1}})"}]
    assert template_parameters(body) == 2
    assert template_parameters([{"type": "HEADER", "text": "{{1}}"}]) == 0
    assert template_parameters(None) == 0


# ------------------------------------------------------------------------------ saving
async def test_whatsapp_fields_are_validated_and_secrets_are_write_only(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    inbox = await _inbox(client, desk, "whatsapp")
    url = f"{API}/inboxes/{inbox['id']}/channel"
    h = desk.admin.headers
    r = await client.get(url, headers=h)
    assert r.status_code == 200, r.text
    setup = r.json()
    assert setup["webhook_url"] == f"http://testserver/hooks/whatsapp/{inbox['public_id']}"
    assert setup["connected"] is False and "access_token" in setup["missing"]

    bad = {
        **WHATSAPP,
        "phone_number_id": "12ab",
        "templates": [{"name": "Bad Name", "language": "russian"}],
    }
    r = await client.put(url, json=bad, headers=h)
    assert _field_errors(r) == {"phone_number_id", "templates.0.name", "templates.0.language"}
    assert _field_errors(await client.put(url, json={**WHATSAPP, "colour": "red"}, headers=h)) == {
        "colour"
    }
    r = await client.put(url, json={"phone_number_id": "106540352242922"}, headers=h)
    assert _field_errors(r) == {"access_token", "app_secret", "verify_token"}
    assert _stored(db, desk, inbox["id"]) == {}

    r = await client.put(url, json=WHATSAPP, headers=h)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["connected"] is True and saved["missing"] == []
    assert saved["settings"]["access_token"] == "set" and saved["settings"]["app_secret"] == "set"
    assert saved["settings"]["verify_token"] == "set"
    assert saved["settings"]["templates"] == WHATSAPP["templates"]
    assert ACCESS_TOKEN not in r.text
    for answer in (await client.get(url, headers=h), await client.get(f"{API}/inboxes", headers=h)):
        assert ACCESS_TOKEN not in answer.text and WHATSAPP["app_secret"] not in answer.text
    # The form sends its fields back with the secrets empty (or "set"): they stay.
    again = {
        **WHATSAPP,
        "access_token": "",
        "app_secret": "set",
        "verify_token": "",
        "templates": [],
    }
    r = await client.put(url, json=again, headers=h)
    assert r.status_code == 200, r.text
    assert _stored(db, desk, inbox["id"]) == {**WHATSAPP, "templates": []}


async def test_vk_api_and_email_fields_are_validated(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.admin.headers
    vk = await _inbox(client, desk, "vk")
    url = f"{API}/inboxes/{vk['id']}/channel"
    r = await client.put(url, json={**VK, "group_id": "shop", "secret": "with spaces"}, headers=h)
    assert _field_errors(r) == {"group_id", "secret"}
    r = await client.put(url, json=VK, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["webhook_url"] == f"http://testserver/hooks/vk/{vk['public_id']}"
    assert r.json()["settings"]["confirmation_code"] == "a1b2c3d4"  # not a secret: VK shows it

    api = await _inbox(client, desk, "api")
    url = f"{API}/inboxes/{api['id']}/channel"
    r = await client.put(url, json={"webhook_url": "ftp://shop.example/hook"}, headers=h)
    assert _field_errors(r) == {"webhook_url"}
    r = await client.put(url, json={"webhook_url": "https://shop.example/frontdesk"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["webhook_url"] == f"http://testserver/hooks/api/{api['public_id']}/messages"

    mail = await _inbox(client, desk, "email")
    url = f"{API}/inboxes/{mail['id']}/channel"
    r = await client.put(
        url, json={"email": "support", "imap_port": 0, "imap_security": "tls"}, headers=h
    )
    assert _field_errors(r) == {"email", "imap_port", "imap_security"}
    assert r.json()["errors"][0]["loc"][0] == "body"
    # Saved: the mailbox is read at once (a poll is due).
    before = count_rows(db, "outbox_jobs")
    r = await client.put(
        url,
        json={
            "email": "support@shop.example",
            "imap_host": "imap.shop.example",
            "imap_username": "support",
            "imap_password": "pw",
            "smtp_host": "smtp.shop.example",
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["connected"] is True and r.json()["webhook_url"] is None
    assert r.json()["settings"]["imap_password"] == "set"
    assert r.json()["settings"]["smtp_password"] == "not set"
    assert count_rows(db, "outbox_jobs") == before + 1

    # Telegram connects by its token (getMe, setWebhook), not through these fields.
    telegram = await _inbox(client, desk, "telegram")
    r = await client.put(
        f"{API}/inboxes/{telegram['id']}/channel", json={"bot_token": TOKEN}, headers=h
    )
    problem(r, 422, "telegram/connect")
    webchat = await _inbox(client, desk, "webchat")
    r = await client.put(f"{API}/inboxes/{webchat['id']}/channel", json={}, headers=h)
    problem(r, 422, "no channel settings")


async def test_an_api_channel_token_is_shown_once(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    inbox = await _inbox(client, desk, "api")
    url = f"{API}/inboxes/{inbox['id']}/channel"
    h = desk.admin.headers
    assert (await client.get(url, headers=h)).json()["missing"] == ["inbound_token"]
    r = await client.post(f"{url}/token", headers=h)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["token"].startswith("fdi_") and len(first["token"]) > 40
    assert first["webhook_url"] == f"http://testserver/hooks/api/{inbox['public_id']}/messages"
    setup = (await client.get(url, headers=h)).json()
    assert setup["settings"]["inbound_token"] == "set" and setup["connected"] is True
    assert first["token"] not in (await client.get(f"{API}/inboxes", headers=h)).text
    # A new one replaces it.
    second = (await client.post(f"{url}/token", headers=h)).json()["token"]
    assert second != first["token"]
    assert _stored(db, desk, inbox["id"])["inbound_token"] == second
    # Saving the integrator's URL keeps the token.
    r = await client.put(url, json={"webhook_url": "https://shop.example/hook"}, headers=h)
    assert r.status_code == 200, r.text
    assert _stored(db, desk, inbox["id"])["inbound_token"] == second
    vk = await _inbox(client, desk, "vk")
    problem(await client.post(f"{API}/inboxes/{vk['id']}/channel/token", headers=h), 422, "not api")
    problem(await client.post(f"{url}/token", headers=desk.agent.headers), 403)


async def test_only_admins_of_the_workspace_set_up_channels(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    inbox = await _inbox(client, desk, "vk")
    url = f"{API}/inboxes/{inbox['id']}/channel"
    for who in (desk.agent, desk.supervisor):
        problem(await client.get(url, headers=who.headers), 403)
        problem(await client.put(url, json=VK, headers=who.headers), 403)
        problem(await client.post(f"{url}/check", json=VK, headers=who.headers), 403)
    other = seed_desk(db, slug="other")
    problem(await client.get(url, headers=other.admin.headers), 404)
    problem(await client.put(url, json=VK, headers=other.admin.headers), 404)
    problem(await client.get(f"{API}/inboxes/999999/channel", headers=desk.admin.headers), 404)
    assert _stored(db, desk, inbox["id"]) == {}


# ----------------------------------------------------------------------- connection tests
async def test_telegram_check_names_the_bot_or_says_why_not(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    inbox = await _inbox(client, desk, "telegram")
    url = f"{API}/inboxes/{inbox['id']}/channel/check"
    h = desk.admin.headers
    r = await client.post(url, json={"bot_token": TOKEN}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    assert r.json()["checks"] == [{"name": "bot", "ok": True, "detail": "the bot @shop_bot (Shop)"}]
    r = await client.post(url, json={"bot_token": "123:wrong"}, headers=h)
    assert r.status_code == 200 and r.json()["ok"] is False
    assert "Unauthorized" in r.json()["checks"][0]["detail"]
    assert "wrong" not in r.text  # the token is never echoed
    r = await client.post(url, headers=h)
    assert r.json()["checks"][0]["detail"] == "no bot token set"


async def test_whatsapp_check_finds_the_number_and_its_templates(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    inbox = await _inbox(client, desk, "whatsapp")
    url = f"{API}/inboxes/{inbox['id']}/channel"
    h = desk.admin.headers
    # Before saving: the form's values are tried.
    r = await client.post(f"{url}/check", json=WHATSAPP, headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["phone_number", "templates"]
    assert report["checks"][0]["detail"] == "the number +7 916 000-00-01 (Shop)"
    assert report["checks"][1]["detail"] == "2 templates, 1 approved"
    assert report["templates"][0] == {
        "name": "order_update",
        "language": "ru",
        "parameters": 2,
        "status": "approved",
    }
    # Saved, then tried with a new token typed in: Meta's reason comes back.
    assert (await client.put(url, json=WHATSAPP, headers=h)).status_code == 200
    revoked = {**WHATSAPP, "access_token": "EAAG-a-revoked-token-0000000000"}
    r = await client.post(f"{url}/check", json=revoked, headers=h)
    assert r.status_code == 200 and r.json()["ok"] is False
    assert "Invalid OAuth access token" in r.json()["checks"][0]["detail"]
    # Nothing typed: the stored settings are tried.
    assert (await client.post(f"{url}/check", headers=h)).json()["ok"] is True
    # Invalid fields are a 422 as when saving, not a call to Meta.
    r = await client.post(f"{url}/check", json={**WHATSAPP, "phone_number_id": "x"}, headers=h)
    assert _field_errors(r) == {"phone_number_id"}


async def test_vk_check_finds_the_community(client: httpx.AsyncClient, desk: Desk) -> None:
    inbox = await _inbox(client, desk, "vk")
    url = f"{API}/inboxes/{inbox['id']}/channel/check"
    h = desk.admin.headers
    r = await client.post(url, json=VK, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and "Магазин" in r.json()["checks"][0]["detail"]
    r = await client.post(
        url, json={**VK, "access_token": "vk1.a.someone-elses-token-000"}, headers=h
    )
    assert r.json()["ok"] is False and "invalid access_token" in r.json()["checks"][0]["detail"]
    r = await client.post(url, json={**VK, "group_id": 1}, headers=h)
    assert r.json()["ok"] is False and "not 1" in r.json()["checks"][0]["detail"]


async def test_a_provider_away_is_a_failed_check_never_a_500(
    client: httpx.AsyncClient, desk: Desk, app: Any
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    app.state.ctx.settings.__dict__.update(
        telegram_api_url=dead, whatsapp_api_url=dead, vk_api_url=dead
    )
    h = desk.admin.headers
    for channel_type, body in (
        ("telegram", {"bot_token": TOKEN}),
        ("whatsapp", WHATSAPP),
        ("vk", VK),
    ):
        inbox = await _inbox(client, desk, channel_type)
        r = await client.post(f"{API}/inboxes/{inbox['id']}/channel/check", json=body, headers=h)
        assert r.status_code == 200, (channel_type, r.text)
        assert r.json()["ok"] is False
        assert "reach" in r.json()["checks"][0]["detail"], r.text


async def test_email_check_logs_in_to_both_servers(
    client: httpx.AsyncClient,
    desk: Desk,
    dovecot_server: Dovecot,  # noqa: F811
    folder: str,  # noqa: F811
    smtp_server: SMTPServer,  # noqa: F811
) -> None:
    inbox = await _inbox(client, desk, "email")
    url = f"{API}/inboxes/{inbox['id']}/channel"
    h = desk.admin.headers
    fields = dovecot_server.inbox_settings(
        folder=folder, smtp_port=smtp_server.port, address="support@shop.example"
    )
    r = await client.post(f"{url}/check", json=fields, headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] is True, report
    assert [c["name"] for c in report["checks"]] == ["imap", "smtp"]
    assert f"the folder {folder}" in report["checks"][0]["detail"]
    assert "connected to 127.0.0.1" in report["checks"][1]["detail"]
    # Saved, then a wrong password typed: the reason, and the stored settings untouched.
    assert (await client.put(url, json=fields, headers=h)).status_code == 200
    r = await client.post(f"{url}/check", json={**fields, "imap_password": "wrong"}, headers=h)
    assert r.status_code == 200, r.text
    imap_check, smtp_check = r.json()["checks"]
    assert imap_check["ok"] is False and "authentication failed" in imap_check["detail"].lower()
    assert smtp_check["ok"] is True
    # The stored password (not sent back by the form) still works.
    r = await client.post(f"{url}/check", json={**fields, "imap_password": ""}, headers=h)
    assert r.json()["ok"] is True, r.text
    # A server nobody listens on.
    closed = free_port()
    r = await client.post(f"{url}/check", json={**fields, "smtp_port": closed}, headers=h)
    assert r.json()["checks"][1]["ok"] is False and r.json()["checks"][1]["detail"]
