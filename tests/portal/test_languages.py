"""The portal in Russian and English: pages, the links' and notices' mails."""

from __future__ import annotations

import httpx

from frontdesk.portal import texts
from tests.portal.conftest import PortalDesk, ask_link, csrf_of, link_in, use_link
from tests.portal.test_requests import conversation_id, mail_to, open_request
from tests.smtp_server import SMTPServer


def test_both_languages_have_every_text() -> None:
    assert texts.EN.keys() == texts.RU.keys()
    for key, value in texts.RU.items():
        assert value.strip(), key
        # The same placeholders in both, so a translation never breaks a format.
        assert sorted(_fields(value)) == sorted(_fields(texts.EN[key])), key


def _fields(template: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


async def test_the_browser_language_chooses_and_the_switch_remembers(
    client: httpx.AsyncClient, portal: PortalDesk
) -> None:
    r = await client.get(portal.path, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in r.text
    assert "Вход" in r.text and "Прислать ссылку" in r.text
    r = await client.get(portal.path, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="en">' in r.text and "Send me a link" in r.text
    r = await client.get(f"{portal.path}?lang=ru")
    assert "Прислать ссылку" in r.text
    # Remembered in a cookie, whatever the browser says after.
    r = await client.get(portal.path, headers={"Accept-Language": "en"})
    assert "Прислать ссылку" in r.text
    r = await client.get(f"{portal.path}?lang=en")
    assert "Send me a link" in r.text


async def test_a_russian_customer_gets_russian_pages_and_mails(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    ru = {"Accept-Language": "ru"}
    r = await ask_link(client, portal, "ivan@example.com", **ru)
    assert "Проверьте почту" in r.text
    mail = (await smtp_server.wait_for(1))[0]
    assert mail["Subject"] == "Ссылка для входа в личный кабинет Acme"
    assert "действует один раз в течение 15 минут" in mail.get_content()
    client.headers.update(ru)
    r = await use_link(client, link_in(mail))
    assert r.status_code == 303
    home = await client.get(portal.path)
    assert "Ваши обращения" in home.text and "Новое обращение" in home.text
    cid = conversation_id(await open_request(client, portal, subject="Чайник течёт"), portal)
    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert "Обращение №" in page.text and "Жалоба" in page.text and "Получено" in page.text

    r = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"content": "Заменим чайник сегодня."},
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 201
    notice = await mail_to(smtp_server, "ivan@example.com", "Новый ответ")
    assert notice["Subject"].endswith("Чайник течёт")
    assert "Заменим чайник сегодня." in notice.get_content()
    assert "личном кабинете" in notice.get_content()

    # Switching to English in the portal makes the next notices English.
    await client.get(f"{portal.path}?lang=en")
    r = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"content": "It has left the warehouse."},
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 201
    english = await mail_to(smtp_server, "ivan@example.com", "New reply")
    assert "It has left the warehouse." in english.get_content()
    page = await client.get(f"{portal.path}/conversations/{cid}", headers={"Accept-Language": "ru"})
    assert "Request #" in page.text  # the remembered choice wins over the browser's
    assert csrf_of(page)
