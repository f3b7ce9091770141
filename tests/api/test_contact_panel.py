"""What the contact panel beside a conversation needs from the API: the contact with its
identities and version, optimistic edits (two agents at once never silently lose a change),
`contact.updated` events, and the contact's history across channels as far as the caller may
see it, with a count of the rest."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from frontdesk.contacts.rules import contact_version, matches_version
from frontdesk.core.db import Database
from tests.api.conftest import API, StatementCounter, new_conversation, problem
from tests.api.test_query_counts import LIST_CONVERSATIONS, count
from tests.conftest import Desk, seed_desk

# The contact's lookup, the list's own statements, the caller's inboxes again and the count
# of the conversations they may not see.
CONTACT_HISTORY = LIST_CONVERSATIONS + 3


async def _contact(client: httpx.AsyncClient, desk: Desk, **fields: Any) -> dict[str, Any]:
    body = {"name": "Мария Иванова", "email": "maria@example.com", **fields}
    r = await client.post(f"{API}/contacts", json=body, headers=desk.admin.headers)
    assert r.status_code == 201, r.text
    contact: dict[str, Any] = r.json()
    return contact


async def _conversation(
    client: httpx.AsyncClient, desk: Desk, inbox_id: int, contact_id: int, message: str = "Hi"
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/conversations",
        json={"inbox_id": inbox_id, "contact_id": contact_id, "message": {"content": message}},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()
    return conversation


def _events(db: Database, event_type: str) -> list[dict[str, Any]]:
    def run(session: Session) -> list[dict[str, Any]]:
        rows = session.execute(
            text("SELECT data, actor_user_id FROM events WHERE type = :t ORDER BY id"),
            {"t": event_type},
        )
        return [{"data": data, "actor": actor} for data, actor in rows]

    found = db.read_sync(run)
    for event in found:
        if isinstance(event["data"], str):  # a JSON column read as plain text on SQLite
            event["data"] = json.loads(event["data"])
    return found


async def test_the_contact_carries_its_identities_and_version(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    made = await _contact(
        client, desk, phone="+7 916 123-45-67", identities=[{"kind": "telegram", "value": "42"}]
    )
    r = await client.get(f"{API}/contacts/{made['id']}", headers=desk.agent.headers)
    assert r.status_code == 200
    contact = r.json()
    assert {(i["kind"], i["value"]) for i in contact["identities"]} == {
        ("email", "maria@example.com"),
        ("phone", "+79161234567"),
        ("telegram", "42"),
    }
    assert contact["version"] == made["version"] and len(contact["version"]) == 20
    assert r.headers["etag"] == f'"{contact["version"]}"'


async def test_a_stale_edit_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    contact = await _contact(client, desk, tags=["new"])
    url = f"{API}/contacts/{contact['id']}"
    base = contact["version"]
    # Two agents opened the panel at the same version; the first one adds a tag.
    r = await client.patch(
        url, json={"tags": ["new", "vip"], "version": base}, headers=desk.agent.headers
    )
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["tags"] == ["new", "vip"] and first["version"] != base
    assert r.headers["etag"] == f'"{first["version"]}"'
    # The second one, still at the old version, would drop "vip": refused, with the version
    # to reload at.
    r = await client.patch(
        url, json={"tags": ["new", "refund"], "version": base}, headers=desk.supervisor.headers
    )
    body = problem(r, 409, "changed by someone else")
    assert body["version"] == first["version"]
    # The same through If-Match (a weak tag too).
    r = await client.patch(
        url,
        json={"notes": "called"},
        headers={**desk.supervisor.headers, "If-Match": f'W/"{base}"'},
    )
    problem(r, 409, "changed by someone else")
    stored = (await client.get(url, headers=desk.agent.headers)).json()
    assert stored["tags"] == ["new", "vip"] and stored["notes"] == ""
    assert len(_events(db, "contact.updated")) == 1
    # Based on the current version it goes through; `*` matches any; no version: last write.
    r = await client.patch(
        url,
        json={"tags": ["new", "refund", "vip"]},
        headers={**desk.supervisor.headers, "If-Match": f'"{base}", "{first["version"]}"'},
    )
    assert r.status_code == 200 and r.json()["tags"] == ["new", "refund", "vip"]
    r = await client.patch(
        url, json={"notes": "called"}, headers={**desk.agent.headers, "If-Match": "*"}
    )
    assert r.status_code == 200 and r.json()["notes"] == "called"
    r = await client.patch(url, json={"name": "Maria"}, headers=desk.agent.headers)
    assert r.status_code == 200 and r.json()["name"] == "Maria"


async def test_custom_attributes_merge_per_key_under_a_version(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    for key, kind in (("orders", "number"), ("city", "text")):
        r = await client.post(
            f"{API}/custom-attributes",
            json={"applies_to": "contact", "key": key, "label": key.title(), "value_type": kind},
            headers=desk.admin.headers,
        )
        assert r.status_code == 201, r.text
    contact = await _contact(client, desk, custom_attributes={"orders": 1, "city": "Omsk"})
    url = f"{API}/contacts/{contact['id']}"
    r = await client.patch(
        url,
        json={"custom_attributes": {"orders": "three"}, "version": contact["version"]},
        headers=desk.agent.headers,
    )
    body = problem(r, 422, "'orders' must be a number")
    # A refused value changes nothing, so the version still holds.
    r = await client.patch(
        url,
        json={"custom_attributes": {"orders": 3}, "version": contact["version"]},
        headers=desk.agent.headers,
    )
    assert r.status_code == 200, (body, r.text)
    assert r.json()["custom_attributes"] == {"orders": 3, "city": "Omsk"}


async def test_every_edit_records_contact_updated_and_a_no_op_records_nothing(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    contact = await _contact(client, desk, tags=["b", "a"])
    url = f"{API}/contacts/{contact['id']}"
    r = await client.patch(
        url, json={"tags": ["a", "b"], "name": contact["name"]}, headers=desk.agent.headers
    )
    assert r.status_code == 200
    assert r.json()["version"] == contact["version"]
    assert r.json()["updated_at"] == contact["updated_at"]
    assert _events(db, "contact.updated") == []
    r = await client.patch(url, json={"notes": "VIP since 2019"}, headers=desk.agent.headers)
    assert r.status_code == 200
    [event] = _events(db, "contact.updated")
    assert event["actor"] == desk.agent.id
    # The event is the contact as a GET shows it, version included: a panel can take it as is.
    assert event["data"] == (await client.get(url, headers=desk.agent.headers)).json()


@pytest.mark.parametrize(
    ("body", "status", "mention"),
    [
        ({"tags": ["x" * 65]}, 422, "tags.0"),
        ({"tags": [""]}, 422, "tags.0"),
        ({"email": "not an e-mail"}, 422, "email"),
        ({"phone": "call me"}, 422, "phone"),
        ({"name": "n" * 201}, 422, "name"),
        ({"version": ""}, 422, "version"),
        ({"email": "taken@example.com"}, 409, "already belongs"),
    ],
)
async def test_bad_edits_are_problems(
    client: httpx.AsyncClient, desk: Desk, body: dict[str, Any], status: int, mention: str
) -> None:
    await _contact(client, desk, email="taken@example.com")
    contact = await _contact(client, desk)
    r = await client.patch(f"{API}/contacts/{contact['id']}", json=body, headers=desk.agent.headers)
    problem(r, status, mention)


async def test_history_shows_what_the_caller_may_see_and_counts_the_rest(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    contact = await _contact(client, desk)
    mine = [
        await _conversation(client, desk, desk.inbox_id, contact["id"], f"question {i}")
        for i in range(2)
    ]
    elsewhere = await _conversation(
        client, desk, desk.other_inbox_id, contact["id"], "a secret about the order"
    )
    # Someone else's conversation, in the agent's inbox: not this contact's history.
    await new_conversation(client, desk.admin.headers, desk.inbox_id)
    url = f"{API}/contacts/{contact['id']}/conversations"

    r = await client.get(url, headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [c["id"] for c in page["items"]] == [mine[1]["id"], mine[0]["id"]]
    assert page["hidden_count"] == 1 and page["next_cursor"] is None
    assert "secret" not in r.text and str(desk.other_inbox_id) not in {
        str(c["inbox_id"]) for c in page["items"]
    }
    # The other agent works the other inbox only.
    page = (await client.get(url, headers=desk.other_agent.headers)).json()
    assert [c["id"] for c in page["items"]] == [elsewhere["id"]] and page["hidden_count"] == 2
    # Invited into one of the agent's: now seen, no longer counted.
    r = await client.post(
        f"{API}/conversations/{mine[0]['id']}/participants",
        json={"user_id": desk.other_agent.id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    page = (await client.get(url, headers=desk.other_agent.headers)).json()
    assert {c["id"] for c in page["items"]} == {elsewhere["id"], mine[0]["id"]}
    assert page["hidden_count"] == 1
    # An admin sees everything.
    page = (await client.get(url, headers=desk.admin.headers)).json()
    assert len(page["items"]) == 3 and page["hidden_count"] == 0
    # Pages follow the cursor.
    first = (await client.get(url, params={"limit": 1}, headers=desk.agent.headers)).json()
    assert first["next_cursor"]
    second = (
        await client.get(
            url, params={"limit": 1, "cursor": first["next_cursor"]}, headers=desk.agent.headers
        )
    ).json()
    assert [c["id"] for c in first["items"] + second["items"]] == [mine[1]["id"], mine[0]["id"]]


async def test_history_of_an_unknown_contact_is_404(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    contact = await _contact(client, desk)
    other = seed_desk(db, slug="other")
    for url, who in (
        (f"{API}/contacts/{contact['id']}/conversations", other.admin),
        (f"{API}/contacts/999999/conversations", desk.agent),
    ):
        problem(await client.get(url, headers=who.headers), 404, "no contact")
    r = await client.get(
        f"{API}/contacts/{contact['id']}/conversations",
        params={"cursor": "garbage"},
        headers=desk.agent.headers,
    )
    assert r.status_code in (400, 422), r.text
    r = await client.get(
        f"{API}/contacts/{contact['id']}/conversations",
        params={"limit": 101},
        headers=desk.agent.headers,
    )
    problem(r, 422, "limit")


async def test_history_costs_the_same_for_any_page_size(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    contact = await _contact(client, desk)
    for i in range(12):
        inbox_id = desk.inbox_id if i % 3 else desk.other_inbox_id
        await _conversation(client, desk, inbox_id, contact["id"])
    url = f"{API}/contacts/{contact['id']}/conversations"
    for who in (desk.agent, desk.admin):
        await client.get(f"{API}/auth/me", headers=who.headers)  # caches the token
    for limit in (2, 8):
        r, seen = await count(
            statements, client.get, url, headers=desk.agent.headers, params={"limit": limit}
        )
        assert r.status_code == 200 and len(r.json()["items"]) == limit
        assert r.json()["hidden_count"] == 4
        assert len(seen) == CONTACT_HISTORY, seen
    # Admins see every inbox: neither their inboxes nor the hidden ones are looked up.
    r, seen = await count(statements, client.get, url, headers=desk.admin.headers)
    assert len(r.json()["items"]) == 12 and len(seen) == CONTACT_HISTORY - 3, seen


def test_version_rules() -> None:
    base: dict[str, Any] = {
        "name": "A",
        "email": None,
        "phone": None,
        "tags": ["x", "y"],
        "notes": "",
        "custom_attributes": {"a": 1, "b": "2"},
        "identities": [("email", "a@b.c"), ("telegram", "1")],
    }
    version = contact_version(**base)
    # Order of tags, identities and attribute keys is not a change.
    same = {
        **base,
        "tags": ["y", "x"],
        "custom_attributes": {"b": "2", "a": 1},
        "identities": [("telegram", "1"), ("email", "a@b.c")],
    }
    assert contact_version(**same) == version
    for change in (
        {"name": "B"},
        {"email": "a@b.c"},
        {"phone": "+1"},
        {"tags": ["x"]},
        {"notes": " "},
        {"custom_attributes": {"a": 2, "b": "2"}},
        {"custom_attributes": {"a": "1", "b": "2"}},
        {"identities": [("email", "a@b.c")]},
    ):
        assert contact_version(**{**base, **change}) != version, change
    assert matches_version(f'"{version}"', version)
    assert matches_version(f'W/"{version}"', version)
    assert matches_version(f'"other", "{version}"', version)
    assert matches_version("*", version)
    assert matches_version(version, version)
    assert not matches_version('"other"', version)
    assert not matches_version("", version)
