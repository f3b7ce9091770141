"""Roles: who sees which inbox's conversations, and who may change the workspace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import API, new_conversation, post_message, problem
from tests.conftest import Desk


@pytest.fixture
async def two_inboxes(client: httpx.AsyncClient, desk: Desk) -> dict[str, Any]:
    """One conversation in the agent's inbox, one in the other agent's inbox."""
    mine = await new_conversation(client, desk.admin.headers, desk.inbox_id)
    other = await new_conversation(
        client, desk.admin.headers, desk.other_inbox_id, contact={"name": "Olga"}
    )
    return {"mine": mine, "other": other}


async def listed_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> set[int]:
    r = await client.get(f"{API}/conversations", headers=headers)
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


async def test_agent_sees_only_their_inboxes(
    client: httpx.AsyncClient, desk: Desk, two_inboxes: dict[str, Any]
) -> None:
    mine, other = two_inboxes["mine"]["id"], two_inboxes["other"]["id"]
    h = desk.agent.headers
    assert await listed_ids(client, h) == {mine}
    assert (await client.get(f"{API}/conversations/{mine}", headers=h)).status_code == 200
    for path in (
        f"/conversations/{other}",
        f"/conversations/{other}/messages",
    ):
        problem(await client.get(API + path, headers=h), 404, f"conversation {other}")
    # Writing into it is refused the same way, and leaves nothing behind.
    problem(
        await client.post(
            f"{API}/conversations/{other}/messages", headers=h, json={"content": "hi"}
        ),
        404,
        f"conversation {other}",
    )
    problem(
        await client.post(
            f"{API}/conversations/{other}/status", headers=h, json={"status": "resolved"}
        ),
        404,
    )
    # Filtering by a foreign inbox does not widen what an agent sees.
    r = await client.get(f"{API}/conversations?inbox_id={desk.other_inbox_id}", headers=h)
    assert r.json()["items"] == []
    inboxes = (await client.get(f"{API}/inboxes", headers=h)).json()
    assert [i["id"] for i in inboxes] == [desk.inbox_id]
    problem(await client.get(f"{API}/inboxes/{desk.other_inbox_id}", headers=h), 404)
    # Nor can an agent open a conversation in an inbox that is not theirs.
    problem(
        await client.post(
            f"{API}/conversations",
            headers=h,
            json={"inbox_id": desk.other_inbox_id, "contact": {"name": "X"}},
        ),
        404,
        "inbox",
    )


async def test_other_agent_sees_the_other_inbox_only(
    client: httpx.AsyncClient, desk: Desk, two_inboxes: dict[str, Any]
) -> None:
    assert await listed_ids(client, desk.other_agent.headers) == {two_inboxes["other"]["id"]}


async def test_supervisor_sees_their_teams_inboxes(
    client: httpx.AsyncClient, desk: Desk, two_inboxes: dict[str, Any]
) -> None:
    h = desk.supervisor.headers
    mine, other = two_inboxes["mine"]["id"], two_inboxes["other"]["id"]
    assert await listed_ids(client, h) == {mine}
    problem(await client.get(f"{API}/conversations/{other}", headers=h), 404)

    # Once the team also works the other inbox, the supervisor sees it too.
    r = await client.patch(
        f"{API}/teams/{desk.team_id}",
        headers=desk.admin.headers,
        json={"inbox_ids": [desk.inbox_id, desk.other_inbox_id]},
    )
    assert r.status_code == 200, r.text
    assert await listed_ids(client, h) == {mine, other}
    assert (await client.get(f"{API}/conversations/{other}", headers=h)).status_code == 200


async def test_admin_sees_everything(
    client: httpx.AsyncClient, desk: Desk, two_inboxes: dict[str, Any]
) -> None:
    h = desk.admin.headers
    assert await listed_ids(client, h) == {two_inboxes["mine"]["id"], two_inboxes["other"]["id"]}
    inboxes = (await client.get(f"{API}/inboxes", headers=h)).json()
    assert {i["id"] for i in inboxes} == {desk.inbox_id, desk.other_inbox_id}


ADMIN_ONLY: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/users", {"email": "new@acme.example.com", "name": "New"}),
    ("PATCH", "/users/{agent}", {"name": "Renamed"}),
    ("POST", "/inboxes", {"name": "Mine", "channel_type": "api"}),
    ("PATCH", "/inboxes/{inbox}", {"name": "Renamed"}),
    ("PUT", "/inboxes/{inbox}/members", {"user_ids": []}),
    ("POST", "/teams", {"name": "Sales"}),
    ("PATCH", "/teams/{team}", {"name": "Renamed"}),
    ("POST", "/labels", {"name": "vip"}),
    ("POST", "/canned-responses", {"short_code": "hi", "content": "Hello!"}),
    ("POST", "/custom-attributes",
     {"applies_to": "contact", "key": "plan", "label": "Plan", "value_type": "text"}),
]  # fmt: skip


async def test_only_admins_administer(client: httpx.AsyncClient, desk: Desk) -> None:
    for method, path, body in ADMIN_ONLY:
        url = API + path.format(agent=desk.agent.id, inbox=desk.inbox_id, team=desk.team_id)
        # Neither an agent nor a supervisor is an admin.
        for who in (desk.agent, desk.supervisor):
            r = await client.request(method, url, headers=who.headers, json=body)
            assert r.status_code == 403, (method, path, who.email, r.text)
            problem(r, 403, "admin")
        # The admin may (proves the request itself was fine).
        r = await client.request(method, url, headers=desk.admin.headers, json=body)
        assert r.status_code in (200, 201), (method, path, r.text)


async def test_invited_participant_sees_a_conversation_outside_their_inboxes(
    client: httpx.AsyncClient, desk: Desk, two_inboxes: dict[str, Any]
) -> None:
    conversation_id = two_inboxes["mine"]["id"]
    h = desk.other_agent.headers
    problem(await client.get(f"{API}/conversations/{conversation_id}", headers=h), 404)

    r = await client.post(
        f"{API}/conversations/{conversation_id}/participants",
        headers=desk.agent.headers,
        json={"user_id": desk.other_agent.id},
    )
    assert r.status_code == 200, r.text
    assert r.json()["participant_ids"] == [desk.other_agent.id]

    r = await client.get(f"{API}/conversations/{conversation_id}", headers=h)
    assert r.status_code == 200, r.text
    listed = await client.get(f"{API}/conversations", headers=h)
    assert conversation_id in [c["id"] for c in listed.json()["items"]]
    messages = await client.get(f"{API}/conversations/{conversation_id}/messages", headers=h)
    assert messages.status_code == 200
    assert "Hello, I need help" in [m["content"] for m in messages.json()["items"]]
    # The specialist can answer with a private note.
    await post_message(client, h, conversation_id, "Checked the warehouse", private=True)

    # Removed again, they lose sight of it.
    r = await client.delete(
        f"{API}/conversations/{conversation_id}/participants/{desk.other_agent.id}",
        headers=desk.agent.headers,
    )
    assert r.status_code == 200, r.text
    problem(await client.get(f"{API}/conversations/{conversation_id}", headers=h), 404)
    listed = await client.get(f"{API}/conversations", headers=h)
    assert conversation_id not in [c["id"] for c in listed.json()["items"]]
