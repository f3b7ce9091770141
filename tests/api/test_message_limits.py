"""The message limits a client reads before uploading: the desk's configured ones."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import API, problem
from tests.conftest import Desk


async def test_the_limits_are_the_configured_ones(
    client: httpx.AsyncClient, app: Any, desk: Desk
) -> None:
    r = await client.get(f"{API}/messages/limits", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "max_message_chars": 65536,
        "max_attachment_bytes": 25 * 1024 * 1024,
        "max_attachments": 10,
    }
    app.state.ctx.settings.max_attachment_bytes = 1000
    app.state.ctx.settings.max_message_chars = 10
    r = await client.get(f"{API}/messages/limits", headers=desk.agent.headers)
    assert r.json() == {
        "max_message_chars": 10,
        "max_attachment_bytes": 1000,
        "max_attachments": 10,
    }


async def test_the_limits_need_a_login(client: httpx.AsyncClient) -> None:
    problem(await client.get(f"{API}/messages/limits"), 401)
