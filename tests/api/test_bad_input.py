"""Bad input: every refusal is a 4xx problem+json whose detail names the problem,
and a refused request leaves nothing half-written behind."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, count_rows, new_conversation, problem, table_counts
from tests.conftest import Desk

WRITTEN = ("conversations", "contacts", "contact_identities", "messages", "attachments", "events")


def stored_files(app: Any) -> list[Path]:
    root: Path = app.state.ctx.settings.attachments_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
async def conversation(client: httpx.AsyncClient, desk: Desk) -> dict[str, Any]:
    return await new_conversation(client, desk.agent.headers, desk.inbox_id)


# ------------------------------------------------------------------------ shape of the body
async def test_unknown_fields_are_named(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    h = desk.agent.headers
    r = await client.post(
        f"{API}/conversations",
        headers=h,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A"}, "asignee_id": 3},
    )
    problem(r, 422, "unknown field 'asignee_id'")
    r = await client.post(
        f"{API}/conversations",
        headers=h,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "A", "phonenumber": "1"}},
    )
    problem(r, 422, "unknown field 'contact.phonenumber'")
    cid = conversation["id"]
    r = await client.post(
        f"{API}/conversations/{cid}/messages", headers=h, json={"content": "x", "is_private": True}
    )
    problem(r, 422, "unknown field 'is_private'")
    r = await client.patch(f"{API}/conversations/{cid}", headers=h, json={"colour": "red"})
    problem(r, 422, "unknown field 'colour'")
    r = await client.post(
        f"{API}/conversations/{cid}/status", headers=h, json={"status": "open", "until": 1}
    )
    problem(r, 422, "unknown field 'until'")


async def test_wrong_types_are_named(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    h = desk.agent.headers
    cid = conversation["id"]
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/conversations", {"inbox_id": "first", "contact": {"name": "A"}}, "inbox_id"),
        ("POST", "/conversations", {"inbox_id": desk.inbox_id, "contact": "Ivan"}, "contact"),
        ("POST", "/conversations", {"inbox_id": desk.inbox_id, "contact": {"name": "A"},
                                    "labels": "vip"}, "labels"),
        ("POST", "/conversations", {"inbox_id": desk.inbox_id, "contact": {"name": "A"},
                                    "priority": "asap"}, "priority"),
        ("POST", "/conversations", {"inbox_id": desk.inbox_id,
                                    "contact": {"email": "not-an-email"}}, "contact.email"),
        ("POST", f"/conversations/{cid}/messages", {"content": ["a", "b"]}, "content"),
        ("POST", f"/conversations/{cid}/messages", {"content": "x", "private": "maybe"},
         "private"),
        ("POST", f"/conversations/{cid}/status", {"status": "closed"}, "status"),
        ("POST", f"/conversations/{cid}/status", {"status": "snoozed",
                                                  "snoozed_until": "tomorrow"}, "snoozed_until"),
        ("POST", f"/conversations/{cid}/assignment", {"assignee_id": "bob"}, "assignee_id"),
        ("PUT", "/profile/availability", {"availability": "busy"}, "availability"),
    ]  # fmt: skip
    for method, path, body, field in cases:
        r = await client.request(method, API + path, headers=h, json=body)
        problem(r, 422, field)
    # Query parameters and path ids too.
    for query, field in (
        ("limit=lots", "limit"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("status=closed", "status"),
        ("sort=oldest", "sort"),
        ("team_id=x", "team_id"),
        ("assignee_id=bob", "assignee_id"),
    ):
        problem(await client.get(f"{API}/conversations?{query}", headers=h), 422, field)
    problem(await client.get(f"{API}/conversations/abc", headers=h), 422, "conversation_id")
    # Not JSON at all.
    r = await client.post(
        f"{API}/conversations/{cid}/messages",
        headers={**h, "Content-Type": "application/json"},
        content=b"{content: hi",
    )
    problem(r, 422, "json")
    r = await client.post(
        f"{API}/conversations", headers={**h, "Content-Type": "application/json"}, content=b"["
    )
    problem(r, 422, "json")


async def test_numbers_too_large_for_the_database_are_422(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    h = desk.admin.headers
    huge = "9" * 30
    for path in (
        f"/conversations/{huge}",
        f"/conversations?team_id={huge}",
        f"/conversations?assignee_id={huge}",
        f"/users/{huge}",
        f"/attachments/{huge}",
        f"/conversations/{conversation['id']}/messages?before={huge}",
    ):
        r = await client.get(API + path, headers=h)
        # SQLite refuses such an integer (422); PostgreSQL compares it and finds nothing.
        assert r.status_code in (404, 422, 200), (path, r.text)
        if r.status_code != 200:
            problem(r, r.status_code)
    # A search for a long number, or a digit int() does not read, is just a search.
    for q in (f"#{huge}", "²", "#٣"):
        r = await client.get(f"{API}/conversations", headers=h, params={"q": q})
        assert r.status_code == 200, (q, r.text)
        assert r.json()["items"] == []
    problem(await client.get(f"{API}/conversations?assignee_id=²", headers=h), 422, "assignee_id")


# ------------------------------------------------------------------------------- limits
async def test_message_over_the_default_limit_is_413(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any], db: Database
) -> None:
    before = count_rows(db, "messages")
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        json={"content": "я" * (64 * 1024 + 1)},
    )
    problem(r, 413, "65537 characters", "65536")
    assert count_rows(db, "messages") == before


async def test_message_over_a_configured_limit_is_413(
    client: httpx.AsyncClient, app: Any, desk: Desk, conversation: dict[str, Any], db: Database
) -> None:
    app.state.ctx.settings.max_message_chars = 10
    url = f"{API}/conversations/{conversation['id']}/messages"
    problem(
        await client.post(url, headers=desk.agent.headers, json={"content": "x" * 11}),
        413,
        "11 characters",
        "limit is 10",
    )
    # Multipart messages are held to the same limit, and their files do not stay behind.
    r = await client.post(
        url,
        headers=desk.agent.headers,
        data={"content": "y" * 11},
        files={"files": ("a.txt", b"small", "text/plain")},
    )
    problem(r, 413, "limit is 10")
    assert stored_files(app) == []
    ok = await client.post(url, headers=desk.agent.headers, json={"content": "x" * 10})
    assert ok.status_code == 201
    # A new conversation's first message too.
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Z"},
            "message": {"content": "z" * 11},
        },
    )
    problem(r, 413, "limit is 10")


async def test_attachment_over_the_limit_is_413_and_leaves_nothing(
    client: httpx.AsyncClient, app: Any, desk: Desk, conversation: dict[str, Any], db: Database
) -> None:
    app.state.ctx.settings.max_attachment_bytes = 1000
    before = table_counts(db, *WRITTEN)
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        data={"content": "two files"},
        files=[
            ("files", ("ok.txt", b"a" * 10, "text/plain")),
            ("files", ("big.bin", b"b" * 1001, "application/octet-stream")),
        ],
    )
    problem(r, 413, "big.bin", "1000 byte")
    assert table_counts(db, *WRITTEN) == before
    assert stored_files(app) == []

    # A body far over what the limit allows is refused before it is parsed.
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        files={"files": ("huge.bin", b"h" * 1_100_000, "application/octet-stream")},
    )
    problem(r, 413, "1000 bytes")
    # So are more than ten files, and a multipart body without a boundary.
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        files=[("files", (f"{i}.txt", b"x", "text/plain")) for i in range(11)],
    )
    problem(r, 400, "too many files")
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers={**desk.agent.headers, "Content-Type": "multipart/form-data"},
        content=b"content=hi",
    )
    problem(r, 400, "boundary")
    assert table_counts(db, *WRITTEN) == before
    assert stored_files(app) == []

    # Exactly at the limit is fine.
    r = await client.post(
        f"{API}/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        files={"files": ("edge.bin", b"c" * 1000, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    assert len(stored_files(app)) == 1


async def test_refused_upload_removes_its_stored_file(
    client: httpx.AsyncClient, app: Any, desk: Desk, db: Database
) -> None:
    """The file is saved before the write; when the write is refused it must go again."""
    other = await new_conversation(client, desk.admin.headers, desk.other_inbox_id)
    before = table_counts(db, *WRITTEN)
    r = await client.post(
        f"{API}/conversations/{other['id']}/messages",
        headers=desk.agent.headers,
        files={"files": ("a.png", b"\x89PNG....", "image/png")},
    )
    problem(r, 404, f"conversation {other['id']}")
    assert stored_files(app) == []
    # A customer message marked private is refused after the files were read.
    r = await client.post(
        f"{API}/conversations/{other['id']}/messages",
        headers=desk.admin.headers,
        data={"content": "hi", "private": "true", "message_type": "incoming"},
        files={"files": ("a.png", b"\x89PNG....", "image/png")},
    )
    problem(r, 422, "private")
    assert stored_files(app) == []
    assert table_counts(db, *WRITTEN) == before


async def test_empty_message_is_422(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    url = f"{API}/conversations/{conversation['id']}/messages"
    problem(await client.post(url, headers=desk.agent.headers, json={"content": "   "}), 422,
            "content or an attachment")  # fmt: skip
    problem(
        await client.post(
            url, headers=desk.agent.headers, json={"content": "x", "message_type": "system"}
        ),
        422,
        "incoming or outgoing",
    )


# ------------------------------------------------------------------------------- cursors
def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


BAD_CONVERSATION_CURSORS = [
    ("garbage!!", 400),
    ("%%%", 400),
    (base64.urlsafe_b64encode(b"not json").decode(), 400),
    (_cursor({"at": "2025-01-01T00:00:00+00:00"}), 400),
    (_cursor(["2025-01-01T00:00:00+00:00"]), 400),
    (_cursor(["2025-01-01T00:00:00+00:00", 1, 2]), 400),
    (_cursor([12, 1]), 422),
    (_cursor(["yesterday", 1]), 422),
    (_cursor(["2025-01-01T00:00:00+00:00", "one"]), 422),
    (_cursor(["2025-01-01T00:00:00", 1]), 422),  # no time zone
]


async def test_bad_cursors(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    for sort in ("last_activity", "newest", "longest_waiting"):
        for cursor, status in BAD_CONVERSATION_CURSORS:
            r = await client.get(
                f"{API}/conversations", headers=h, params={"cursor": cursor, "sort": sort}
            )
            assert r.status_code == status, (sort, cursor, r.text)
            problem(r, status, "cursor")
    for cursor in ("garbage!!", _cursor(["x"]), _cursor([[1]]), _cursor([1, 2])):
        r = await client.get(f"{API}/contacts", headers=h, params={"cursor": cursor})
        assert r.status_code == 400, (cursor, r.text)
        problem(r, 400, "cursor")


async def test_too_long_query_values_are_422(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    problem(await client.get(f"{API}/conversations", headers=h, params={"q": "x" * 201}), 422, "q")
    r = await client.get(f"{API}/conversations", headers=h, params={"cursor": "x" * 501})
    problem(r, 422, "cursor")


# ------------------------------------------------------------------- state and references
async def test_invalid_status_transitions_are_409(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    url = f"{API}/conversations/{conversation['id']}/status"
    h = desk.agent.headers
    assert (await client.post(url, headers=h, json={"status": "resolved"})).status_code == 200
    body = problem(
        await client.post(url, headers=h, json={"status": "pending"}), 409, "resolved", "pending"
    )
    assert body["title"] == "Invalid status transition"
    problem(await client.post(url, headers=h, json={"status": "snoozed"}), 409, "resolved")
    problem(await client.post(url, headers=h, json={"status": "bot"}), 409, "bot")
    # Still resolved.
    got = await client.get(f"{API}/conversations/{conversation['id']}", headers=h)
    assert got.json()["status"] == "resolved"


async def test_snooze_needs_a_future_aware_time(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any], db: Database
) -> None:
    url = f"{API}/conversations/{conversation['id']}/status"
    h = desk.agent.headers
    events = count_rows(db, "events")
    problem(await client.post(url, headers=h, json={"status": "snoozed"}), 409, "snooze",
            "no snoozed_until")  # fmt: skip
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    problem(
        await client.post(url, headers=h, json={"status": "snoozed", "snoozed_until": past}),
        409,
        "future",
    )
    problem(
        await client.post(
            url, headers=h, json={"status": "snoozed", "snoozed_until": "2099-01-01T00:00:00"}
        ),
        422,
        "snoozed_until",
        "timezone",
    )
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    problem(
        await client.post(url, headers=h, json={"status": "pending", "snoozed_until": future}),
        409,
        "snoozed_until",
    )
    assert count_rows(db, "events") == events
    r = await client.post(url, headers=h, json={"status": "snoozed", "snoozed_until": future})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "snoozed"


async def test_unknown_label_is_422(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    r = await client.patch(
        f"{API}/conversations/{conversation['id']}",
        headers=desk.agent.headers,
        json={"labels": ["no-such-label"]},
    )
    problem(r, 422, "no-such-label")
    r = await client.post(f"{API}/labels", headers=desk.admin.headers, json={"name": "bad/name"})
    problem(r, 422, "name")
    r = await client.post(f"{API}/labels", headers=desk.admin.headers, json={"name": "vip"})
    assert r.status_code == 201
    r = await client.post(f"{API}/labels", headers=desk.admin.headers, json={"name": "vip"})
    problem(r, 409, "vip")


async def test_assignee_must_be_a_member_of_the_inbox(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any], db: Database
) -> None:
    url = f"{API}/conversations/{conversation['id']}/assignment"
    h = desk.agent.headers
    events = count_rows(db, "events")
    problem(
        await client.post(url, headers=h, json={"assignee_id": desk.other_agent.id}),
        422,
        "Other Agent",
        "not a member",
    )
    problem(await client.post(url, headers=h, json={"assignee_id": 999999}), 422, "999999")
    problem(await client.post(url, headers=h, json={"team_id": 999999}), 422, "team 999999")
    assert count_rows(db, "events") == events
    # The supervisor works the inbox through the team; the admin sees every inbox.
    for who in (desk.supervisor, desk.admin, desk.agent):
        r = await client.post(url, headers=h, json={"assignee_id": who.id})
        assert r.status_code == 200, r.text
        assert r.json()["assignee_id"] == who.id
    # Creating a conversation with such an assignee is refused too.
    r = await client.post(
        f"{API}/conversations",
        headers=h,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "N"},
            "assignee_id": desk.other_agent.id,
        },
    )
    problem(r, 422, "not a member")


async def test_refused_conversation_leaves_nothing_half_written(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    before = table_counts(db, *WRITTEN)
    body = {
        "inbox_id": desk.inbox_id,
        "contact": {"name": "New Person", "email": "new@person.example", "phone": "+7 900 1"},
        "subject": "Refund",
        "labels": ["no-such-label"],
        "message": {"content": "Please refund"},
    }
    problem(await client.post(f"{API}/conversations", headers=desk.agent.headers, json=body), 422,
            "no-such-label")  # fmt: skip
    assert table_counts(db, *WRITTEN) == before

    # Refused late, after the first message was checked: still nothing.
    body = {**body, "labels": [], "custom_attributes": {"undefined_attribute": 1}}
    r = await client.post(f"{API}/conversations", headers=desk.agent.headers, json=body)
    problem(r, 422, "undefined_attribute")
    assert table_counts(db, *WRITTEN) == before

    # Exactly one of contact and contact_id.
    r = await client.post(
        f"{API}/conversations", headers=desk.agent.headers, json={"inbox_id": desk.inbox_id}
    )
    problem(r, 422, "contact_id")
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "x"}, "status": "resolved"},
    )
    problem(r, 422, "open, bot or pending")
    assert table_counts(db, *WRITTEN) == before
    # The conversation number was not used up either.
    ok = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    assert ok["number"] == 1


async def test_unknown_routes_and_methods_are_problems(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    problem(await client.get(f"{API}/nothing-here", headers=desk.agent.headers), 404)
    problem(await client.put(f"{API}/conversations", headers=desk.agent.headers), 405)


async def test_a_form_that_is_neither_json_nor_multipart_is_415(
    client: httpx.AsyncClient, desk: Desk, conversation: dict[str, Any]
) -> None:
    url = f"{API}/conversations/{conversation['id']}/messages"
    response = await client.post(url, headers=desk.agent.headers, data={"content": "hi"})
    problem(response, 415, "application/json", "multipart/form-data")
