"""One customer, two contacts: duplicate suggestions (the same e-mail or phone, however
written) and merging, which moves all of one contact's history into the other in one
transaction and records `contact.merged`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from frontdesk.channels import service as channels_service
from frontdesk.channels.base import InboundIdentity, InboundMessage
from frontdesk.contacts import service as contacts_service
from frontdesk.contacts.rules import (
    NOTES_SEPARATOR,
    ContactFields,
    MatchKey,
    MergeRefused,
    lookup_values,
    match_keys,
    merged_fields,
    phone_key,
    phone_spellings,
)
from frontdesk.conversations.service import Limits
from frontdesk.core.db import Database
from tests.api.conftest import (
    API,
    StatementCounter,
    count_rows,
    problem,
    statements,  # noqa: F401  (a fixture)
)
from tests.api.test_query_counts import count
from tests.conftest import PG_URL, Desk, seed_desk

# The contact, its identities, the candidates (one statement), their rows, their identities
# and their conversation counts.
DUPLICATES = 6


# ------------------------------------------------------------------------------------ rules
def _fields(**overrides: Any) -> ContactFields:
    base: dict[str, Any] = {
        "name": "",
        "email": None,
        "phone": None,
        "tags": (),
        "notes": "",
        "custom_attributes": {},
    }
    return ContactFields(**{**base, **overrides})


def test_the_survivor_wins_and_what_it_lacks_is_filled() -> None:
    survivor = _fields(
        name="Мария Иванова",
        email="maria@example.com",
        tags=("vip", "b2b"),
        notes="Prefers calls after 18:00",
        custom_attributes={"tier": "gold", "city": "Moscow"},
    )
    other = _fields(
        name="Masha",
        email="masha@mail.example",
        phone="+79161234567",
        tags=("vip", "late-payer"),
        notes="Ordered twice in March",
        custom_attributes={"tier": "silver", "orders": 2},
    )
    merged = merged_fields(survivor, other)
    assert merged.name == "Мария Иванова"
    assert merged.email == "maria@example.com"
    assert merged.phone == "+79161234567"
    assert merged.tags == ("b2b", "late-payer", "vip")
    assert merged.notes == "Prefers calls after 18:00" + NOTES_SEPARATOR + "Ordered twice in March"
    assert merged.custom_attributes == {"tier": "gold", "city": "Moscow", "orders": 2}
    # An empty survivor takes everything; empty notes add no separator.
    assert merged_fields(_fields(), other) == _fields(
        name="Masha",
        email="masha@mail.example",
        phone="+79161234567",
        tags=("late-payer", "vip"),
        notes="Ordered twice in March",
        custom_attributes={"tier": "silver", "orders": 2},
    )
    assert merged_fields(_fields(notes="  "), _fields(notes="x")).notes == "x"
    # Notes already taken in (merged before) are not repeated.
    assert merged_fields(merged, _fields(notes="Ordered twice in March")).notes == merged.notes


def test_notes_too_long_together_refuse_the_merge() -> None:
    with pytest.raises(MergeRefused, match="shorten"):
        merged_fields(_fields(notes="a" * 6000), _fields(notes="b" * 6000))
    assert len(merged_fields(_fields(notes="a" * 4000), _fields(notes="b" * 4000)).notes) < 10000


def test_match_keys_see_one_number_and_one_address_however_written() -> None:
    assert phone_key("8 (916) 123-45-67") == phone_key("+7 916 123 45 67") == "9161234567"
    assert phone_key("916 123 45 67") == "9161234567"
    assert phone_key("+44 20 7946 0958") == "442079460958"
    assert phone_key("12345") is None and phone_key("ivan@example.com") is None
    keys = match_keys(
        email="Ivan@Example.com",
        phone="+89161234567",
        identities=[
            ("telegram", "5550001"),
            ("external", "shop@ivan.example"),
            ("whatsapp", "+4915112345678"),
        ],
    )
    assert keys == {
        MatchKey("email", "ivan@example.com"),
        MatchKey("email", "shop@ivan.example"),
        MatchKey("phone", "9161234567"),
        MatchKey("phone", "4915112345678"),
    }
    emails, phones = lookup_values(keys)
    assert emails == ["ivan@example.com", "shop@ivan.example"]
    assert phones == ["+4915112345678", "+79161234567", "+89161234567", "+9161234567"]


@given(st.text(alphabet="0123456789", min_size=7, max_size=15))
def test_every_spelling_of_a_key_has_that_key(digits: str) -> None:
    """The lookup asks for the stored spellings of a key: each of them must have the key, and
    the stored spelling of the number itself must be among them."""
    key = phone_key(f"+{digits}")
    assert key is not None
    spellings = phone_spellings(key)
    assert f"+{digits}" in spellings
    assert all(phone_key(s) == key for s in spellings)


# ------------------------------------------------------------------------------ helpers
async def _contact(client: httpx.AsyncClient, desk: Desk, **fields: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/contacts", json=fields, headers=desk.admin.headers)
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


async def _merge(
    client: httpx.AsyncClient, into: dict[str, Any], other: dict[str, Any], headers: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/contacts/{into['id']}/merge", json={"other_id": other["id"]}, headers=headers
    )


def _events(db: Database, event_type: str) -> list[dict[str, Any]]:
    def run(session: Session) -> list[dict[str, Any]]:
        rows = session.execute(
            text("SELECT data, conversation_id FROM events WHERE type = :t ORDER BY id"),
            {"t": event_type},
        )
        return [
            {
                "data": json.loads(data) if isinstance(data, str) else data,
                "conversation_id": cid,
            }
            for data, cid in rows
        ]

    return db.read_sync(run)


def _contact_ids_of(db: Database, conversation_ids: list[int]) -> list[int]:
    def run(session: Session) -> list[int]:
        return [
            int(
                session.execute(
                    text("SELECT contact_id FROM conversations WHERE id = :id"), {"id": cid}
                ).scalar_one()
            )
            for cid in conversation_ids
        ]

    return db.read_sync(run)


@pytest.fixture
async def pair(client: httpx.AsyncClient, desk: Desk) -> dict[str, Any]:
    """Maria wrote by e-mail; "Masha" wrote from WhatsApp with the same number spelled with
    the Russian trunk prefix: two contacts, one person. Each has a conversation in the
    agent's inbox."""
    maria = await _contact(
        client,
        desk,
        name="Мария Иванова",
        email="maria@example.com",
        phone="8 916 123-45-67",
        tags=["vip"],
        notes="Prefers calls after 18:00",
        custom_attributes={},
    )
    masha = await _contact(
        client,
        desk,
        name="Masha",
        identities=[
            {"kind": "whatsapp", "value": "+7 916 123 45 67"},
            {"kind": "telegram", "value": "5550001"},
        ],
        tags=["late-payer"],
        notes="Ordered twice in March",
    )
    return {
        "maria": maria,
        "masha": masha,
        "maria_conversation": await _conversation(client, desk, desk.inbox_id, maria["id"]),
        "masha_conversation": await _conversation(
            client, desk, desk.inbox_id, masha["id"], "Where is my order?"
        ),
    }


# ------------------------------------------------------------------------------ duplicates
async def test_duplicates_share_an_email_or_a_phone(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    # An integrator's API contact known by the same e-mail (as its external id).
    api_user = await _contact(
        client,
        desk,
        name="Shop user",
        identities=[{"kind": "external", "value": "maria@example.com"}],
    )
    # Unrelated: another number, a name alike; and the same number in another workspace.
    await _contact(client, desk, name="Мария Иванова", phone="+7 916 765 43 21")
    other = seed_desk(db, slug="other")
    r = await client.post(
        f"{API}/contacts", json={"phone": "+79161234567"}, headers=other.admin.headers
    )
    assert r.status_code == 201, r.text

    r = await client.get(f"{API}/contacts/{maria['id']}/duplicates", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    found = r.json()
    assert [d["contact"]["id"] for d in found] == [masha["id"], api_user["id"]]
    assert found[0]["reasons"] == [{"kind": "phone", "value": "9161234567"}]
    assert found[0]["conversation_count"] == 1
    assert {i["kind"] for i in found[0]["contact"]["identities"]} >= {"whatsapp", "telegram"}
    assert found[1]["reasons"] == [{"kind": "email", "value": "maria@example.com"}]
    assert found[1]["conversation_count"] == 0
    # The other way round, too.
    r = await client.get(f"{API}/contacts/{masha['id']}/duplicates", headers=desk.agent.headers)
    assert [d["contact"]["id"] for d in r.json()] == [maria["id"]]
    # No duplicates: an empty list. Unknown or another workspace's contact: 404.
    lonely = await _contact(client, desk, name="Lonely", email="lonely@example.com")
    r = await client.get(f"{API}/contacts/{lonely['id']}/duplicates", headers=desk.agent.headers)
    assert r.status_code == 200 and r.json() == []
    for who, cid in ((other.admin, maria["id"]), (desk.agent, 999999)):
        r = await client.get(f"{API}/contacts/{cid}/duplicates", headers=who.headers)
        problem(r, 404, "no contact")


async def test_duplicates_cost_a_fixed_number_of_indexed_queries(
    client: httpx.AsyncClient,
    desk: Desk,
    db: Database,
    pair: dict[str, Any],
    statements: StatementCounter,  # noqa: F811
) -> None:
    for i in range(5):
        await _contact(client, desk, identities=[{"kind": "whatsapp", "value": f"8916123456{i}"}])
        await _contact(client, desk, phone=f"+7916123456{i}")
    await client.get(f"{API}/auth/me", headers=desk.agent.headers)  # caches the token
    url = f"{API}/contacts/{pair['maria']['id']}/duplicates"
    r, seen = await count(statements, client.get, url, headers=desk.agent.headers)
    assert r.status_code == 200 and len(r.json()) == 1
    assert len(seen) == DUPLICATES, seen

    # Lookups by e-mail, phone and identity use their indexes, never a scan of the table.
    captured: list[tuple[str, Any]] = []
    engine = db.read_engine

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        if "UNION" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        await client.get(url, headers=desk.agent.headers)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = captured
    if PG_URL:
        return  # the planner's choice on a tiny table says nothing; the indexes are the same
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    details = [row[-1] for row in plan]
    scans = [d for d in details if d.startswith("SCAN") and d.split()[1].startswith("contact")]
    assert not scans, details
    assert any("sqlite_autoindex_contact_identities" in d for d in details), details
    assert any("ix_contacts_workspace_email" in d for d in details), details
    assert any("ix_contacts_workspace_phone" in d for d in details), details


# ----------------------------------------------------------------------------------- merge
async def test_merge_moves_all_history_and_deletes_the_other(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    for key, kind in (("tier", "text"), ("orders", "number")):
        r = await client.post(
            f"{API}/custom-attributes",
            json={"applies_to": "contact", "key": key, "label": key, "value_type": kind},
            headers=desk.admin.headers,
        )
        assert r.status_code == 201, r.text
    for cid, attributes in (
        (maria["id"], {"tier": "gold"}),
        (masha["id"], {"tier": "silver", "orders": 2}),
    ):
        r = await client.patch(
            f"{API}/contacts/{cid}",
            json={"custom_attributes": attributes},
            headers=desk.admin.headers,
        )
        assert r.status_code == 200, r.text
    conversations = [pair["maria_conversation"]["id"], pair["masha_conversation"]["id"]]

    r = await client.post(
        f"{API}/contacts/{maria['id']}/merge",
        json={"other_id": masha["id"]},
        headers=desk.agent.headers,
    )
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["id"] == maria["id"] and merged["name"] == "Мария Иванова"
    assert merged["email"] == "maria@example.com" and merged["phone"] == "+89161234567"
    assert merged["tags"] == ["late-payer", "vip"]
    assert (
        merged["notes"] == "Prefers calls after 18:00" + NOTES_SEPARATOR + "Ordered twice in March"
    )
    assert merged["custom_attributes"] == {"tier": "gold", "orders": 2}
    assert {(i["kind"], i["value"]) for i in merged["identities"]} == {
        ("email", "maria@example.com"),
        ("phone", "+89161234567"),
        ("whatsapp", "+79161234567"),
        ("telegram", "5550001"),
    }
    assert _contact_ids_of(db, conversations) == [maria["id"], maria["id"]]
    r = await client.get(f"{API}/contacts/{maria['id']}/conversations", headers=desk.agent.headers)
    assert sorted(c["id"] for c in r.json()["items"]) == sorted(conversations)
    # The merged contact is gone: its id answers 404 everywhere.
    for method, url in (
        ("GET", f"{API}/contacts/{masha['id']}"),
        ("GET", f"{API}/contacts/{masha['id']}/duplicates"),
        ("GET", f"{API}/contacts/{masha['id']}/conversations"),
        ("PATCH", f"{API}/contacts/{masha['id']}"),
    ):
        r = await client.request(method, url, headers=desk.agent.headers, json={"name": "x"})
        problem(r, 404, "no contact")
    r = await _merge(client, maria, masha, desk.agent.headers)
    problem(r, 404, f"no contact {masha['id']}")
    assert count_rows(db, "contacts", "id = :id", id=masha["id"]) == 0
    assert count_rows(db, "contact_identities", "contact_id = :id", id=masha["id"]) == 0
    # No duplicate is left to suggest.
    r = await client.get(f"{API}/contacts/{maria['id']}/duplicates", headers=desk.agent.headers)
    assert r.json() == []


async def test_merge_records_contact_merged_and_the_moved_conversations(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    moved = pair["masha_conversation"]["id"]
    r = await _merge(client, maria, masha, desk.agent.headers)
    assert r.status_code == 200, r.text
    [merged] = _events(db, "contact.merged")
    assert merged["data"]["contact_id"] == maria["id"]
    assert merged["data"]["merged_id"] == masha["id"]
    assert merged["data"]["conversation_ids"] == [moved]
    assert merged["data"]["contact"] == r.json()
    # The moved conversation's screens follow: it now shows the survivor.
    updates = [e for e in _events(db, "conversation.updated") if e["conversation_id"] == moved]
    assert len(updates) == 1
    assert updates[0]["data"]["contact"]["id"] == maria["id"]
    assert updates[0]["data"]["changed"] == ["contact"]


async def test_a_new_message_from_the_merged_identity_lands_with_the_survivor(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    r = await _merge(client, maria, masha, desk.admin.headers)
    assert r.status_code == 200, r.text

    def receive(uow: Any) -> channels_service.Received:
        return channels_service.receive_message(
            uow,
            inbox_id=desk.inbox_id,
            workspace_id=desk.workspace_id,
            inbound=InboundMessage(
                external_id="tg-1",
                sender=InboundIdentity(kind="telegram", value="5550001", name="Masha"),
                content="Any news about my order?",
                sent_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            ),
            limits=Limits(),
        )

    contacts_before = count_rows(db, "contacts")
    received = db.write_sync(receive)
    assert received.outcome == "created"
    assert count_rows(db, "contacts") == contacts_before  # no new contact for Masha
    # Masha's conversation (still open) is Maria's now, and the message joined it.
    assert received.conversation_id == pair["masha_conversation"]["id"]
    assert _contact_ids_of(db, [received.conversation_id]) == [maria["id"]]


def _snapshot(db: Database) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        return {
            "contacts": session.execute(
                text("SELECT id, name, email, phone, notes FROM contacts ORDER BY id")
            ).all(),
            "identities": session.execute(
                text("SELECT contact_id, kind, value FROM contact_identities ORDER BY id")
            ).all(),
            "conversations": session.execute(
                text("SELECT id, contact_id FROM conversations ORDER BY id")
            ).all(),
            "events": session.execute(text("SELECT count(*) FROM events")).scalar_one(),
        }

    return db.read_sync(run)


async def test_a_failure_midway_leaves_nothing_half_merged(
    client: httpx.AsyncClient,
    desk: Desk,
    db: Database,
    pair: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    before = _snapshot(db)
    reached: list[int] = []

    def broken(_uow: Any, _workspace_id: int, from_id: int, to_id: int) -> None:
        # Called after the survivor changed and the conversations moved.
        reached.append(from_id)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(contacts_service, "_merge_hooks", [broken])
    principal = await _principal(db, desk)
    with pytest.raises(RuntimeError, match="disk is full"):
        await db.write(
            lambda uow: contacts_service.merge_contacts(
                uow, principal=principal, contact_id=maria["id"], other_id=masha["id"]
            )
        )
    assert reached == [masha["id"]]
    assert _snapshot(db) == before
    # Refused for too long notes: a 422, nothing written either.
    r = await client.patch(
        f"{API}/contacts/{masha['id']}", json={"notes": "n" * 9990}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    before = _snapshot(db)
    monkeypatch.setattr(contacts_service, "_merge_hooks", [])
    r = await _merge(client, maria, masha, desk.admin.headers)
    problem(r, 422, "notes")
    assert _snapshot(db) == before


async def _principal(db: Database, desk: Desk) -> Any:
    from frontdesk.auth import service as auth_service

    return db.read_sync(lambda s: auth_service.principal_for_token(s, token=desk.admin.token))


async def test_agents_merge_only_contacts_whose_conversations_they_see(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    # Masha also wrote to the inbox the agent does not work.
    await _conversation(client, desk, desk.other_inbox_id, masha["id"], "a secret")
    before = _snapshot(db)
    url = f"{API}/contacts/{maria['id']}/merge"
    body = {"other_id": masha["id"]}
    r = await client.post(url, json=body, headers=desk.agent.headers)
    refusal = problem(r, 403, "merge only contacts")
    assert "secret" not in r.text and str(desk.other_inbox_id) not in refusal["detail"]
    # Either way round, and for the other agent (who does not see Maria's).
    r = await _merge(client, masha, maria, desk.agent.headers)
    problem(r, 403)
    problem(await client.post(url, json=body, headers=desk.other_agent.headers), 403)
    assert _snapshot(db) == before
    # The supervisor's team works the agent's inbox only: refused too; an admin may.
    problem(await client.post(url, json=body, headers=desk.supervisor.headers), 403)
    r = await client.post(url, json=body, headers=desk.admin.headers)
    assert r.status_code == 200, r.text


async def test_merge_refuses_bad_requests_and_other_workspaces(
    client: httpx.AsyncClient, desk: Desk, db: Database, pair: dict[str, Any]
) -> None:
    maria, masha = pair["maria"], pair["masha"]
    other = seed_desk(db, slug="other")
    r = await client.post(f"{API}/contacts", json={"name": "Theirs"}, headers=other.admin.headers)
    theirs = r.json()["id"]
    before = _snapshot(db)
    url = f"{API}/contacts/{maria['id']}/merge"
    h = desk.admin.headers
    problem(await client.post(url, json={"other_id": maria["id"]}, headers=h), 422, "itself")
    problem(await client.post(url, json={"other_id": theirs}, headers=h), 404, "no contact")
    problem(await client.post(url, json={"other_id": 999999}, headers=h), 404, "no contact")
    r = await client.post(
        f"{API}/contacts/{theirs}/merge", json={"other_id": masha["id"]}, headers=h
    )
    problem(r, 404, "no contact")
    # Their admin cannot merge ours either.
    r = await client.post(url, json={"other_id": masha["id"]}, headers=other.admin.headers)
    problem(r, 404, "no contact")
    for body in ({}, {"other_id": "x"}, {"other_id": 0}, {"other_id": masha["id"], "extra": 1}):
        r = await client.post(url, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    r = await client.post(url, json={"other_id": masha["id"]})
    assert r.status_code == 401
    assert _snapshot(db) == before
