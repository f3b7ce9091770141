"""Settings: canned replies. An admin edits and deletes them; short codes stay unique."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, problem
from tests.api.test_settings_labels import events_of
from tests.conftest import Desk, seed_desk


async def create_canned(
    client: httpx.AsyncClient, desk: Desk, short_code: str, content: str
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/canned-responses",
        headers=desk.admin.headers,
        json={"short_code": short_code, "content": content},
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def listed(client: httpx.AsyncClient, desk: Desk, q: str = "") -> list[dict[str, Any]]:
    r = await client.get(f"{API}/canned-responses", headers=desk.agent.headers, params={"q": q})
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


async def test_edit_a_canned_reply(client: httpx.AsyncClient, desk: Desk, db: Database) -> None:
    hello = await create_canned(client, desk, "hello", "Hello, {{contact.name}}!")
    url = f"{API}/canned-responses/{hello['id']}"
    r = await client.patch(
        url,
        headers=desk.admin.headers,
        json={"short_code": "hi", "content": "Hi {{contact.name}}, {{agent.name}} here."},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": hello["id"],
        "short_code": "hi",
        "content": "Hi {{contact.name}}, {{agent.name}} here.",
    }
    # What the reply box searches for sees the change at once.
    assert [c["short_code"] for c in await listed(client, desk, "hi")] == ["hi"]
    assert await listed(client, desk, "hello") == []
    # A field left out stays as it is.
    r = await client.patch(url, headers=desk.admin.headers, json={"content": "Hi!"})
    assert r.json() == {"id": hello["id"], "short_code": "hi", "content": "Hi!"}

    events = events_of(db, "canned_response.")
    assert [e.type for e in events] == [
        "canned_response.created",
        "canned_response.updated",
        "canned_response.updated",
    ]
    assert events[0].data == hello
    assert events[-1].data == r.json() and events[-1].actor_user_id == desk.admin.id


async def test_canned_reply_changes_are_validated(client: httpx.AsyncClient, desk: Desk) -> None:
    hello = await create_canned(client, desk, "hello", "Hello!")
    await create_canned(client, desk, "bye", "Goodbye!")
    url = f"{API}/canned-responses/{hello['id']}"
    h = desk.admin.headers
    body = problem(await client.patch(url, headers=h, json={"short_code": "bye"}), 409, "/bye")
    assert body["errors"][0]["loc"] == ["body", "short_code"]
    # Creating a duplicate is refused the same way.
    r = await client.post(
        f"{API}/canned-responses", headers=h, json={"short_code": "bye", "content": "Again"}
    )
    assert problem(r, 409, "/bye")["errors"][0]["loc"] == ["body", "short_code"]
    assert (await client.patch(url, headers=h, json={"short_code": "hello"})).status_code == 200
    for payload, mention in (
        ({"short_code": "two words"}, "short_code"),
        ({"short_code": "/hello"}, "short_code"),
        ({"short_code": ""}, "short_code"),
        ({"content": ""}, "content"),
        ({"content": "x" * 10001}, "content"),
        ({"text": "Hi"}, "unknown field 'text'"),
    ):
        body = problem(await client.patch(url, headers=h, json=payload), 422, mention)
        assert body["errors"], payload
    problem(
        await client.patch(f"{API}/canned-responses/999999", headers=h, json={"content": "x"}),
        404,
        "canned reply",
    )
    assert {c["short_code"]: c["content"] for c in await listed(client, desk)} == {
        "bye": "Goodbye!",
        "hello": "Hello!",
    }


async def test_delete_a_canned_reply(client: httpx.AsyncClient, desk: Desk, db: Database) -> None:
    hello = await create_canned(client, desk, "hello", "Hello!")
    await create_canned(client, desk, "bye", "Goodbye!")
    url = f"{API}/canned-responses/{hello['id']}"
    r = await client.delete(url, headers=desk.admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert [c["short_code"] for c in await listed(client, desk)] == ["bye"]
    assert events_of(db, "canned_response.deleted")[0].data == hello
    problem(await client.delete(url, headers=desk.admin.headers), 404, "canned reply")
    # The short code is free again.
    await create_canned(client, desk, "hello", "Hello again!")


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_only_admins_change_canned_replies(
    client: httpx.AsyncClient, desk: Desk, who: str
) -> None:
    hello = await create_canned(client, desk, "hello", "Hello!")
    headers = getattr(desk, who).headers
    url = f"{API}/canned-responses/{hello['id']}"
    problem(await client.patch(url, headers=headers, json={"content": "Mine"}), 403, "admin")
    problem(await client.delete(url, headers=headers), 403, "admin")
    assert await listed(client, desk) == [hello]


async def test_another_workspace_cannot_change_canned_replies(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    hello = await create_canned(client, desk, "hello", "Hello!")
    other = seed_desk(db, slug="other")
    url = f"{API}/canned-responses/{hello['id']}"
    problem(await client.patch(url, headers=other.admin.headers, json={"content": "x"}), 404)
    problem(await client.delete(url, headers=other.admin.headers), 404)
    assert await listed(client, desk) == [hello]
    # The same short code in B is B's own.
    r = await client.post(
        f"{API}/canned-responses",
        headers=other.admin.headers,
        json={"short_code": "hello", "content": "B"},
    )
    assert r.status_code == 201, r.text
    assert events_of(db, "canned_response.", workspace_id=other.workspace_id)[0].data == r.json()
