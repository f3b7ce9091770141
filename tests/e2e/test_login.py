"""Log in through the form, see the shell and the conversation list follow the desk live,
switch to Russian, log out."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer

ZONE = "Asia/Kamchatka"  # UTC+12 all year: a time shown in UTC would be visibly wrong


def log_in(page: Page, server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{server.url}/app/")
    expect(page).to_have_url(re.compile(r"/app/login$"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_wrong_password_is_refused_in_the_form(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    log_in(page, server, desk.agent.email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page).to_have_url(re.compile(r"/app/login$"))


def test_agent_works_the_live_list_in_both_languages_and_logs_out(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    r = api.patch(f"/users/{desk.agent.id}", json={"time_zone": ZONE}, headers=desk.admin.headers)
    assert r.status_code == 200, r.text

    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    expect(page.get_by_test_id("empty")).to_have_text("No conversations yet.")
    page.evaluate("window.notReloaded = true")

    r = api.post(
        "/conversations",
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Ivan Petrov", "email": "ivan@example.com"},
            "message": {"content": "Where is my order?"},
        },
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    conversation = r.json()
    row = page.locator(f'tr[data-conversation-id="{conversation["id"]}"]')
    expect(row).to_contain_text("Ivan Petrov", timeout=5000)
    expect(row).to_contain_text(str(conversation["number"]))
    expect(row).to_contain_text("Open")
    assert page.evaluate("window.notReloaded") is True  # it came over the websocket

    # Last activity in the agent's time zone, not the browser's or UTC.
    local = datetime.fromisoformat(conversation["last_activity_at"]).astimezone(ZoneInfo(ZONE))
    hour = local.hour % 12 or 12
    english = f"{local.month}/{local.day}/{local:%y}, {hour}:{local:%M}"
    expect(row.locator("time")).to_contain_text(english)

    page.get_by_label("Language").select_option("ru")
    expect(page.get_by_role("heading", name="Диалоги")).to_be_visible()
    expect(row).to_contain_text("Открыт")
    expect(row.locator("time")).to_contain_text(f"{local:%d.%m.%Y}, {local:%H:%M}")
    expect(page.get_by_role("columnheader", name="Клиент")).to_be_visible()
    page.reload()  # the choice is kept
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    expect(page.get_by_role("button", name="Войти")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "frontdesk_session"]
    page.goto(f"{server.url}/app/")
    expect(page).to_have_url(re.compile(r"/app/login$"))
