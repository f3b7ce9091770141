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
