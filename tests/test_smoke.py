from __future__ import annotations

import httpx

from tests.conftest import Desk


async def test_health(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_integrator_flow(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    r = await client.post(
        "/api/v1/conversations",
        headers=h,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Ivan", "email": "ivan@example.ru"},
            "message": {"content": "Здравствуйте!"},
        },
    )
    assert r.status_code == 201, r.text
    conv = r.json()
    assert conv["number"] == 1 and conv["status"] == "open" and conv["message_count"] == 1
    r = await client.post(
        f"/api/v1/conversations/{conv['id']}/messages", headers=h, json={"content": "Добрый день!"}
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/conversations/{conv['id']}/messages", headers=h)
    assert [m["content"] for m in r.json()["items"]] == ["Здравствуйте!", "Добрый день!"]


async def test_bot_messages_are_not_human_replies(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    r = await client.post(
        "/api/v1/conversations",
        headers=h,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Bot fan"},
            "message": {"content": "Где мой заказ?"},
        },
    )
    conv = r.json()
    url = f"/api/v1/conversations/{conv['id']}/messages"
    r = await client.post(url, headers=h, json={"content": "Я бот", "message_type": "bot"})
    assert r.status_code == 201 and r.json()["sender_type"] == "bot"
    after_bot = (await client.get(f"/api/v1/conversations/{conv['id']}", headers=h)).json()
    assert after_bot["first_reply_at"] is None and after_bot["waiting_since"] is not None
    r = await client.post(url, headers=h, json={"content": "x", "message_type": "system"})
    assert r.status_code == 422
    await client.post(url, headers=h, json={"content": "Анна, оператор"})
    after_human = (await client.get(f"/api/v1/conversations/{conv['id']}", headers=h)).json()
    assert after_human["first_reply_at"] is not None and after_human["waiting_since"] is None


async def test_the_api_docs_are_served(client: httpx.AsyncClient) -> None:
    # "/" itself opens the agent workspace, or links here without a build (tests/test_web.py).
    assert (await client.get("/api/docs")).status_code == 200
