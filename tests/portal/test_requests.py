"""A customer opens a request in the portal, it is an ordinary conversation of the portal
inbox for the agents; the agent's reply shows in the portal and is mailed to the customer;
private notes, system entries and agents' e-mails never reach the customer."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage
from typing import Any

import httpx

from tests.outbox.helpers import FakeClock
from tests.portal.conftest import PortalDesk, csrf_of, sign_in
from tests.smtp_server import SMTPServer


async def open_request(
    client: httpx.AsyncClient,
    portal: PortalDesk,
    *,
    type: str = "complaint",
    subject: str = "The kettle leaks",
    content: str = "It leaks from the bottom.\nSecond line.",
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    **fields: str,
) -> httpx.Response:
    form = await client.get(f"{portal.path}/requests/new")
    assert form.status_code == 200, form.text
    data = {"csrf": csrf_of(form), "type": type, "subject": subject, "content": content, **fields}
    return await client.post(f"{portal.path}/requests", data=data, files=files or None)


def conversation_id(response: httpx.Response, portal: PortalDesk) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"{portal.path}/conversations/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


async def mail_to(smtp: SMTPServer, to: str, subject_has: str) -> EmailMessage:
    for _ in range(500):
        for mail in smtp.messages:
            if mail["To"] == to and subject_has in mail["Subject"]:
                return mail
        await asyncio.sleep(0.02)
    raise AssertionError(f"no mail to {to} about {subject_has!r}: {smtp.messages}")


async def agent_inbox(client: httpx.AsyncClient, portal: PortalDesk) -> list[dict[str, Any]]:
    r = await client.get(
        "/api/v1/conversations",
        params={"inbox_id": portal.inbox_id},
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_a_new_complaint_appears_in_the_agent_inbox(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    r = await open_request(
        client, portal, files=[("files", ("receipt.txt", b"paid 25 EUR", "text/plain"))]
    )
    cid = conversation_id(r, portal)

    [listed] = await agent_inbox(client, portal)
    assert listed["id"] == cid
    assert listed["type"] == "complaint"
    assert listed["subject"] == "The kettle leaks"
    assert listed["status"] == "open"
    assert listed["contact"]["email"] == "ivan@example.com"
    messages = await client.get(
        f"/api/v1/conversations/{cid}/messages", headers=portal.desk.agent.headers
    )
    [first] = messages.json()["items"]
    assert first["kind"] == "incoming"
    assert first["content"] == "It leaks from the bottom.\nSecond line."
    assert [a["file_name"] for a in first["attachments"]] == ["receipt.txt"]
    download = await client.get(first["attachments"][0]["url"], headers=portal.desk.agent.headers)
    assert download.content == b"paid 25 EUR"

    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert page.status_code == 200
    assert "Request #" in page.text and "The kettle leaks" in page.text
    assert "Received" in page.text and "Complaint" in page.text
    file_link = re.search(rf'href="({portal.path}/attachments/\d+)"', page.text)
    assert file_link
    got = await client.get(file_link.group(1))
    assert got.content == b"paid 25 EUR"
    assert "attachment" in got.headers["content-disposition"]
    assert got.headers["content-security-policy"] == "sandbox"
    listing = await client.get(portal.path)
    assert f'data-conversation-id="{cid}"' in listing.text


async def test_the_agents_reply_shows_in_the_portal_and_is_mailed(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    cid = conversation_id(await open_request(client, portal), portal)
    agent = portal.desk.agent
    r = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"content": "Internal: check the supplier", "private": True},
        headers=agent.headers,
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/conversations/{cid}/assignment",
        json={"assignee_id": agent.id},
        headers=portal.desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"content": "Sorry about that! A new kettle is on its way <b>today</b>."},
        headers=agent.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["delivery_status"] == "pending"
    reply_id = r.json()["id"]

    notice = await mail_to(smtp_server, "ivan@example.com", "reply")
    assert re.fullmatch(r"New reply to your request #\d+: The kettle leaks", notice["Subject"])
    body = notice.get_content()
    assert "Agent replied to your request" in body
    assert "A new kettle is on its way <b>today</b>." in body
    assert f"http://testserver{portal.path}/conversations/{cid}" in body
    assert "Internal" not in body and agent.email not in body

    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert "A new kettle is on its way &lt;b&gt;today&lt;/b&gt;." in page.text
    assert "In progress" in page.text
    assert "Internal: check the supplier" not in page.text
    assert agent.email not in page.text
    assert "assigned" not in page.text.lower()  # system entries stay inside
    assert 'data-author="agent"' in page.text and ">Agent<" in page.text

    # Once mailed, the reply counts as sent for the agents.
    for _ in range(100):
        messages = await client.get(f"/api/v1/conversations/{cid}/messages", headers=agent.headers)
        sent = next(m for m in messages.json()["items"] if m["id"] == reply_id)
        if sent["delivery_status"] == "sent":
            break
        await asyncio.sleep(0.05)
    assert sent["delivery_status"] == "sent"

    latest = await client.get(f"{portal.path}/conversations/{cid}/latest")
    assert latest.json() == {"latest": reply_id}


async def test_the_customer_replies_and_reopens_a_resolved_request(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    cid = conversation_id(await open_request(client, portal), portal)
    r = await client.post(
        f"/api/v1/conversations/{cid}/status",
        json={"status": "resolved"},
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 200, r.text
    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert "Resolved" in page.text and "This request is resolved" in page.text
    r = await client.post(
        f"{portal.path}/conversations/{cid}/messages",
        data={"csrf": csrf_of(page), "content": "It leaks again."},
        files=[("files", ("photo.png", b"\x89PNG...", "image/png"))],
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{portal.path}/conversations/{cid}"
    [listed] = await agent_inbox(client, portal)
    assert listed["status"] == "open"
    assert listed["message_count"] == 2
    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert "It leaks again." in page.text and "photo.png" in page.text


async def test_a_reply_long_after_resolution_starts_a_new_conversation(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer, clock: FakeClock
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    cid = conversation_id(await open_request(client, portal), portal)
    r = await client.post(
        f"/api/v1/conversations/{cid}/status",
        json={"status": "resolved"},
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 200
    clock.advance(8 * 24 * 3600)
    page = await client.get(f"{portal.path}/conversations/{cid}")
    r = await client.post(
        f"{portal.path}/conversations/{cid}/messages",
        data={"csrf": csrf_of(page), "content": "Hello again"},
    )
    new_id = conversation_id(r, portal)
    assert new_id != cid
    assert {c["id"] for c in await agent_inbox(client, portal)} == {cid, new_id}


async def test_the_form_says_what_is_missing(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    r = await open_request(client, portal, type="refund", subject="", content="  ")
    assert r.status_code == 422
    assert "Please correct the marked fields." in r.text
    assert r.text.count("Fill in this field.") >= 2
    assert "Choose one of the options." in r.text
    files = [("files", (f"{i}.txt", b"x", "text/plain")) for i in range(11)]
    r = await open_request(client, portal, files=files)
    assert r.status_code == 422
    assert "Attach at most 10 files." in r.text
    assert 'value="The kettle leaks"' in r.text  # what was typed stays
    assert await agent_inbox(client, portal) == []
    # An empty reply is refused on the page too.
    cid = conversation_id(await open_request(client, portal), portal)
    page = await client.get(f"{portal.path}/conversations/{cid}")
    r = await client.post(
        f"{portal.path}/conversations/{cid}/messages", data={"csrf": csrf_of(page), "content": ""}
    )
    assert r.status_code == 422
    assert 'aria-invalid="true"' in r.text


async def test_custom_fields_configured_on_the_portal_inbox(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    admin = portal.desk.admin.headers
    for definition in (
        {
            "applies_to": "conversation",
            "key": "order_number",
            "label": "Order number",
            "value_type": "number",
        },
        {
            "applies_to": "conversation",
            "key": "shop",
            "label": "Shop",
            "value_type": "list",
            "options": ["Moscow", "Kazan"],
        },
        {
            "applies_to": "conversation",
            "key": "internal_score",
            "label": "Internal score",
            "value_type": "number",
        },
    ):
        r = await client.post("/api/v1/custom-attributes", json=definition, headers=admin)
        assert r.status_code == 201, r.text
    r = await client.patch(
        f"/api/v1/inboxes/{portal.inbox_id}",
        json={
            "settings": {
                "fields": [{"key": "order_number", "required": True}, "shop", "no_such_attribute"]
            }
        },
        headers=admin,
    )
    assert r.status_code == 200, r.text
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    form = await client.get(f"{portal.path}/requests/new")
    assert "Order number" in form.text and "Kazan" in form.text
    assert "Internal score" not in form.text  # not shown in the portal

    r = await open_request(client, portal, field_order_number="12a", field_shop="Paris")
    assert r.status_code == 422
    assert "Enter a number." in r.text and "Choose one of the options." in r.text
    r = await open_request(client, portal, field_shop="Kazan")
    assert r.status_code == 422 and "Fill in this field." in r.text
    cid = conversation_id(
        await open_request(client, portal, field_order_number="1001", field_shop="Kazan"),
        portal,
    )
    r = await client.get(f"/api/v1/conversations/{cid}", headers=portal.desk.agent.headers)
    assert r.json()["custom_attributes"] == {"order_number": 1001, "shop": "Kazan"}
    page = await client.get(f"{portal.path}/conversations/{cid}")
    assert "Order number" in page.text and "1001" in page.text


async def test_conversations_from_other_channels_are_listed_read_only(
    client: httpx.AsyncClient, portal: PortalDesk, smtp_server: SMTPServer
) -> None:
    r = await client.post(
        "/api/v1/conversations",
        json={
            "inbox_id": portal.desk.inbox_id,
            "contact": {"name": "Ivan", "email": "ivan@example.com"},
            "subject": "Order by phone",
            "message": {"content": "Called about my order"},
        },
        headers=portal.desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    listing = await client.get(portal.path)
    assert f'data-conversation-id="{other}"' in listing.text and "Order by phone" in listing.text
    page = await client.get(f"{portal.path}/conversations/{other}")
    assert "Called about my order" in page.text
    assert "to continue it, write there" in page.text
    assert 'name="content"' not in page.text
    r = await client.post(
        f"{portal.path}/conversations/{other}/messages",
        data={"csrf": csrf_of(page), "content": "Can I write here?"},
    )
    assert r.status_code == 422
