"""The customer portal in Chromium: a customer signs in with the link from the mail (in
Russian), opens a complaint with a file; the agent sees it in the agent workspace and replies;
the portal says a reply arrived and shows it, and the customer gets it by e-mail. Another
customer sees none of it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.conftest import PASSWORD, Desk, LiveServer, seed_desk
from tests.e2e.test_login import log_in
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]
LINK = re.compile(r"https?://[^/\s]+(/portal/acme/sign-in/[\w-]+)")


@pytest.fixture
def portal_desk(
    settings: Settings, smtp_server: SMTPServer, built_app: Path
) -> Iterator[tuple[LiveServer, Desk, int]]:
    mail_settings = settings.model_copy(
        update={
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_from": "Acme <desk@acme.example.com>",
        }
    )
    application = create_app(mail_settings, run_worker=True)
    server = LiveServer(application).start()
    try:
        desk = seed_desk(application.state.ctx.db)
        r = httpx.post(
            f"{server.url}/api/v1/inboxes",
            json={"name": "Portal", "channel_type": "portal", "member_ids": [desk.agent.id]},
            headers=desk.admin.headers,
        )
        assert r.status_code == 201, r.text
        yield server, desk, r.json()["id"]
    finally:
        server.stop()


def mail_to(smtp: SMTPServer, to: str, subject_has: str) -> EmailMessage:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mail in smtp.messages:
            if mail["To"] == to and subject_has in str(mail["Subject"]):
                return mail
        time.sleep(0.05)
    raise AssertionError(f"no mail to {to} about {subject_has!r}")


def sign_in(page: Page, server: LiveServer, smtp: SMTPServer, email: str, *, ru: bool) -> None:
    page.goto(f"{server.url}/portal/acme")
    page.get_by_label("Электронная почта" if ru else "E-mail").fill(email)
    page.get_by_role("button", name="Прислать ссылку" if ru else "Send me a link").click()
    expect(page.get_by_test_id("check-email")).to_contain_text(email)
    mail = mail_to(smtp, email, "Ссылка для входа" if ru else "sign-in link")
    found = LINK.search(mail.get_content())
    assert found, mail.get_content()
    page.goto(server.url + found.group(1))
    page.get_by_role("button", name="Войти" if ru else "Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ваши обращения" if ru else "Your requests"
    )


@pytest.fixture
def customer(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ru-RU", timezone_id="Asia/Kamchatka")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the portal threw: {errors}"


def test_a_complaint_from_the_portal_is_answered_in_the_agent_workspace(
    customer: Page,
    page: Page,
    browser: Browser,
    portal_desk: tuple[LiveServer, Desk, int],
    smtp_server: SMTPServer,
    tmp_path: Path,
) -> None:
    server, desk, _inbox_id = portal_desk
    sign_in(customer, server, smtp_server, "ivan@example.com", ru=True)
    expect(customer.get_by_text("У вас пока нет обращений.")).to_be_visible()

    customer.get_by_role("link", name="Новое обращение").click()
    customer.get_by_role("radio", name="Жалоба").check()
    customer.get_by_label("Тема").fill("Чайник течёт")
    customer.get_by_label("Сообщение").fill("Течёт снизу.\n<script>alert(1)</script>")
    receipt = tmp_path / "чек.txt"
    receipt.write_text("оплачено 2500 ₽", encoding="utf-8")
    customer.get_by_label("Вложения").set_input_files(str(receipt))
    customer.get_by_role("button", name="Отправить обращение").click()

    expect(customer.get_by_role("heading", level=1)).to_contain_text("Обращение №")
    expect(customer.get_by_test_id("status")).to_have_text("Получено")
    timeline = customer.get_by_test_id("timeline")
    expect(timeline.locator('[data-author="customer"] .text')).to_have_text(
        "Течёт снизу.\n<script>alert(1)</script>"
    )
    expect(timeline.get_by_role("link", name="чек.txt")).to_be_visible()
    # Times are shown in the customer's own zone (UTC+12), not in UTC.
    expect(timeline.locator("time").first).not_to_contain_text("UTC")
    number = re.search(r"№(\d+)", customer.get_by_role("heading", level=1).inner_text())
    assert number

    # The agent finds it in the same inbox list as everything else and replies.
    log_in(page, server, desk.agent.email, PASSWORD)
    cid = customer.url.rsplit("/", 1)[1]
    page.locator(f'tr[data-conversation-id="{cid}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Conversation #{number.group(1)}")
    agent_timeline = page.get_by_test_id("timeline")
    expect(agent_timeline.locator('[data-kind="incoming"]')).to_contain_text("Течёт снизу.")
    box = page.get_by_test_id("reply-text")
    box.click()
    page.keyboard.type("Заменим чайник сегодня.")
    page.keyboard.press("Enter")
    outgoing = agent_timeline.locator('[data-kind="outgoing"]')
    expect(outgoing).to_have_count(1)
    # Delivered once the notice is mailed (the agent app shows message.updated when it can).
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10, headers=desk.agent.headers)
    deadline = time.monotonic() + 15
    while True:
        items = api.get(f"/conversations/{cid}/messages").json()["items"]
        statuses = [m["delivery_status"] for m in items if m["kind"] == "outgoing"]
        if statuses == ["sent"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert statuses == ["sent"]

    # The open portal page notices the reply by itself; the customer shows it.
    notice = customer.locator("#live")
    expect(notice).to_be_visible(timeout=20000)
    expect(notice).to_contain_text("Пришли новые сообщения.")
    notice.get_by_role("link", name="Показать").click()
    reply = customer.get_by_test_id("timeline").locator('[data-author="agent"]')
    expect(reply.locator(".text")).to_have_text("Заменим чайник сегодня.")
    expect(reply).to_contain_text("Agent")
    expect(customer.get_by_test_id("status")).to_have_text("В работе")

    mail = mail_to(smtp_server, "ivan@example.com", "Новый ответ")
    assert "Заменим чайник сегодня." in mail.get_content()

    # Another customer, in English, sees none of it.
    context = browser.new_context(locale="en-US")
    maria = context.new_page()
    try:
        sign_in(maria, server, smtp_server, "maria@example.com", ru=False)
        expect(maria.get_by_text("You have no requests yet.")).to_be_visible()
        expect(maria.get_by_text("Чайник течёт")).to_have_count(0)
        response: Any = maria.goto(customer.url)
        assert response is not None and response.status == 404
        expect(maria.get_by_role("heading", level=1)).to_have_text("Not found")
    finally:
        context.close()
