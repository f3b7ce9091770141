"""Workspace isolation: nothing of workspace A is visible to, or usable by, workspace B."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, count_rows, new_conversation, problem
from tests.conftest import Desk, seed_desk


@pytest.fixture
async def world(client: httpx.AsyncClient, desk: Desk, db: Database) -> dict[str, Any]:
    """Workspace A (acme) with a conversation, a labelled one with an attachment, and B."""
    h = desk.admin.headers
    r = await client.post(f"{API}/labels", headers=h, json={"name": "secret-a"})
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/canned-responses", headers=h, json={"short_code": "acme", "content": "A only"}
    )
    assert r.status_code == 201, r.text
    conversation = await new_conversation(
        client,
        h,
        desk.inbox_id,
        contact={"name": "Alice Acme", "email": "alice@acme.example"},
        labels=["secret-a"],
        subject="Acme internal",
    )
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=h,
        files={"files": ("invoice.pdf", b"%PDF-1.4 acme", "application/pdf")},
        data={"content": "the invoice"},
    )
    assert r.status_code == 201, r.text
    message = r.json()
    other = seed_desk(db, slug="other")
    return {
        "a": desk,
        "b": other,
        "conversation": conversation,
        "message": message,
        "attachment_id": message["attachments"][0]["id"],
    }


async def test_b_sees_none_of_a(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    a: Desk = world["a"]
    b: Desk = world["b"]
    conversation = world["conversation"]
    contact_id = conversation["contact"]["id"]
    a_ids = {
        "users": {a.admin.id, a.supervisor.id, a.agent.id, a.other_agent.id},
        "inboxes": {a.inbox_id, a.other_inbox_id},
        "teams": {a.team_id},
    }
    for who in (b.admin, b.supervisor, b.agent):
        h = who.headers
        # Lists: none of A's rows.
        convs = (await client.get(f"{API}/conversations", headers=h)).json()["items"]
        assert convs == []
        for q in ("Acme", "Alice", "invoice", f"#{conversation['number']}"):
            r = await client.get(f"{API}/conversations", headers=h, params={"q": q})
            assert r.json()["items"] == [], q
        r = await client.get(
            f"{API}/conversations", headers=h, params={"label": "secret-a", "status": "open"}
        )
        assert r.json()["items"] == []
        contacts = (await client.get(f"{API}/contacts", headers=h)).json()["items"]
        assert contacts == []
        contacts = (await client.get(f"{API}/contacts?q=alice", headers=h)).json()["items"]
        assert contacts == []
        for resource, ids in a_ids.items():
            listed = {x["id"] for x in (await client.get(f"{API}/{resource}", headers=h)).json()}
            assert not listed & ids, resource
        assert (await client.get(f"{API}/labels", headers=h)).json() == []
        assert (await client.get(f"{API}/canned-responses", headers=h)).json() == []

        # Direct reads: 404, never 403 (ids reveal nothing).
        for path in (
            f"/conversations/{conversation['id']}",
            f"/conversations/{conversation['id']}/messages",
            f"/contacts/{contact_id}",
            f"/users/{a.agent.id}",
            f"/teams/{a.team_id}",
            f"/inboxes/{a.inbox_id}",
            f"/attachments/{world['attachment_id']}",
        ):
            problem(await client.get(API + path, headers=h), 404)


async def test_b_cannot_touch_a(
    client: httpx.AsyncClient, world: dict[str, Any], db: Database
) -> None:
    a: Desk = world["a"]
    b: Desk = world["b"]
    h = b.admin.headers
    a_conversation = world["conversation"]["id"]
    messages_before = count_rows(db, "messages")
    events_before = count_rows(db, "events", "workspace_id = :w", w=a.workspace_id)

    # Post into, change or assign A's conversation: 404.
    problem(
        await client.post(
            f"{API}/conversations/{a_conversation}/messages", headers=h, json={"content": "x"}
        ),
        404,
        "conversation",
    )
    problem(
        await client.post(
            f"{API}/conversations/{a_conversation}/messages",
            headers=h,
            json={"content": "x", "message_type": "incoming"},
        ),
        404,
    )
    for path, body in (
        ("status", {"status": "resolved"}),
        ("assignment", {"assignee_id": b.agent.id}),
        ("participants", {"user_id": b.agent.id}),
    ):
        r = await client.post(f"{API}/conversations/{a_conversation}/{path}", headers=h, json=body)
        problem(r, 404, "conversation")
    r = await client.patch(
        f"{API}/conversations/{a_conversation}", headers=h, json={"subject": "mine now"}
    )
    problem(r, 404)
    r = await client.patch(f"{API}/contacts/{world['conversation']['contact']['id']}", headers=h,
                           json={"name": "Stolen"})  # fmt: skip
    problem(r, 404)
    for method, path, body in (
        ("PATCH", f"/users/{a.agent.id}", {"name": "Mallory"}),
        ("PATCH", f"/teams/{a.team_id}", {"name": "Mine"}),
        ("PATCH", f"/inboxes/{a.inbox_id}", {"name": "Mine"}),
        ("PUT", f"/inboxes/{a.inbox_id}/members", {"user_ids": [b.agent.id]}),
    ):
        problem(await client.request(method, API + path, headers=h, json=body), 404)
    problem(
        await client.delete(f"{API}/auth/tokens/1", headers=h), 404, "token"
    )  # token 1 is A's admin's

    # B's own conversation: A's user, team, label and contact are unknown there.
    mine = await new_conversation(client, h, b.inbox_id, contact={"name": "Bob"})
    r = await client.post(
        f"{API}/conversations/{mine['id']}/assignment", headers=h, json={"assignee_id": a.agent.id}
    )
    problem(r, 422, str(a.agent.id))
    r = await client.post(
        f"{API}/conversations/{mine['id']}/assignment", headers=h, json={"team_id": a.team_id}
    )
    problem(r, 422, f"team {a.team_id}")
    r = await client.post(
        f"{API}/conversations/{mine['id']}/participants", headers=h, json={"user_id": a.agent.id}
    )
    problem(r, 422, str(a.agent.id))
    r = await client.patch(
        f"{API}/conversations/{mine['id']}", headers=h, json={"labels": ["secret-a"]}
    )
    problem(r, 422, "secret-a")
    r = await client.post(
        f"{API}/conversations",
        headers=h,
        json={"inbox_id": b.inbox_id, "contact_id": world["conversation"]["contact"]["id"]},
    )
    problem(r, 404, "contact")
    r = await client.post(
        f"{API}/conversations", headers=h, json={"inbox_id": a.inbox_id, "contact": {"name": "Z"}}
    )
    problem(r, 404, "inbox")
    r = await client.post(f"{API}/teams", headers=h, json={"name": "T", "member_ids": [a.agent.id]})
    problem(r, 422, str(a.agent.id))
    r = await client.post(f"{API}/teams", headers=h, json={"name": "T", "inbox_ids": [a.inbox_id]})
    problem(r, 422, str(a.inbox_id))
    r = await client.put(
        f"{API}/inboxes/{b.inbox_id}/members", headers=h, json={"user_ids": [a.agent.id]}
    )
    problem(r, 422, str(a.agent.id))

    # A's conversation is exactly as it was.
    after = await client.get(f"{API}/conversations/{a_conversation}", headers=a.admin.headers)
    assert after.json()["subject"] == "Acme internal"
    assert after.json()["status"] == "open" and after.json()["participant_ids"] == []
    # Only B's own new conversation wrote anything (its first message and its events).
    assert count_rows(db, "messages") == messages_before + 1
    assert count_rows(db, "messages", "workspace_id = :w", w=a.workspace_id) == messages_before
    assert count_rows(db, "events", "workspace_id = :w", w=a.workspace_id) == events_before


async def test_same_names_in_two_workspaces_stay_apart(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    """Labels and contacts are per workspace: B may use the same names and e-mails."""
    b: Desk = world["b"]
    h = b.admin.headers
    r = await client.post(f"{API}/labels", headers=h, json={"name": "secret-a"})
    assert r.status_code == 201, r.text
    mine = await new_conversation(
        client,
        h,
        b.inbox_id,
        contact={"name": "Other Alice", "email": "alice@acme.example"},
        labels=["secret-a"],
    )
    assert mine["contact"]["id"] != world["conversation"]["contact"]["id"]
    # Conversation numbers count per workspace.
    assert mine["number"] == 1
    listed = (await client.get(f"{API}/conversations?label=secret-a", headers=h)).json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    listed = (
        await client.get(f"{API}/conversations?label=secret-a", headers=world["a"].admin.headers)
    ).json()
    assert [c["id"] for c in listed["items"]] == [world["conversation"]["id"]]
