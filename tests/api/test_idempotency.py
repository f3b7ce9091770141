"""The same external id posted many times at once is one message (also on PostgreSQL, where
the requests run in concurrent transactions)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from frontdesk.conversations.models import Message
from frontdesk.core.db import Database
from tests.conftest import Desk

API = "/api/v1"


async def test_concurrent_posts_with_one_external_id_make_one_message(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.agent.headers
    r = await client.post(
        f"{API}/conversations",
        headers=h,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "Retry Bot"}},
    )
    url = f"{API}/conversations/{r.json()['id']}/messages"
    body: dict[str, Any] = {"content": "order #17 paid", "message_type": "incoming",
                            "external_id": "crm-17"}  # fmt: skip
    responses = await asyncio.gather(*(client.post(url, headers=h, json=body) for _ in range(60)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    count = await db.read(
        lambda s: s.execute(
            select(func.count()).select_from(Message).where(Message.external_id == "crm-17")
        ).scalar_one()
    )
    assert count == 1
