"""Conversation list filters: status, assignee, team, inbox, label, type, priority, contact, q."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import API, new_conversation, post_message
from tests.conftest import Desk


@pytest.fixture
async def board(client: httpx.AsyncClient, desk: Desk) -> dict[str, int]:
    """A small board of conversations that differ in one attribute each."""
    h = desk.admin.headers
    for name in ("vip", "refund"):
        r = await client.post(f"{API}/labels", headers=h, json={"name": name})
        assert r.status_code == 201, r.text
    made: dict[str, Any] = {}
    made["plain"] = await new_conversation(
        client, h, desk.inbox_id, contact={"name": "Plain Customer"}, message="just a question"
    )
    made["mine"] = await new_conversation(
        client, h, desk.inbox_id, contact={"name": "Anna Smirnova", "email": "anna@shop.example"},
        assignee_id=desk.agent.id, subject="Delivery delayed", type="order", priority="high",
        labels=["vip"], message="where is my parcel",
    )  # fmt: skip
    made["team"] = await new_conversation(
        client, h, desk.inbox_id, contact={"name": "Boris"}, team_id=desk.team_id,
        type="complaint", priority="urgent", labels=["vip", "refund"], message="broken kettle",
    )  # fmt: skip
    made["pending"] = await new_conversation(
        client, h, desk.inbox_id, contact={"name": "Pending Pete"}, status="pending", message=None,
        assignee_id=desk.supervisor.id, priority="low",
    )  # fmt: skip
    made["other_inbox"] = await new_conversation(
        client, h, desk.other_inbox_id, contact={"name": "Olga"}, message="different inbox",
        assignee_id=desk.other_agent.id,
    )  # fmt: skip
    made["resolved"] = await new_conversation(
        client, h, desk.inbox_id, contact={"name": "Done Dmitry"}, message="thanks, solved"
    )
    r = await client.post(
        f"{API}/conversations/{made['resolved']['id']}/status", headers=h,
        json={"status": "resolved"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    # A later message mentions a word found nowhere else.
    await post_message(client, h, made["plain"]["id"], "your tracking code is ZX-4411")
    return {k: v["id"] for k, v in made.items()} | {"plain_number": made["plain"]["number"]}


async def ids(client: httpx.AsyncClient, headers: dict[str, str], query: Any) -> set[int]:
    r = await client.get(f"{API}/conversations", headers=headers, params=query)
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


async def test_filters(client: httpx.AsyncClient, desk: Desk, board: dict[str, int]) -> None:
    h = desk.admin.headers
    b = board
    everything = {b["plain"], b["mine"], b["team"], b["pending"], b["other_inbox"], b["resolved"]}
    cases: list[tuple[Any, set[int]]] = [
        ({}, everything),
        ({"status": "open"}, {b["plain"], b["mine"], b["team"], b["other_inbox"]}),
        ({"status": "pending"}, {b["pending"]}),
        ([("status", "pending"), ("status", "resolved")], {b["pending"], b["resolved"]}),
        ({"status": "snoozed"}, set()),
        ({"assignee_id": str(desk.agent.id)}, {b["mine"]}),
        ({"assignee_id": "none"}, {b["plain"], b["team"], b["resolved"]}),
        ({"assignee_id": "me"}, set()),
        ({"team_id": desk.team_id}, {b["team"]}),
        ({"inbox_id": desk.other_inbox_id}, {b["other_inbox"]}),
        ({"inbox_id": desk.inbox_id, "status": "open"}, {b["plain"], b["mine"], b["team"]}),
        ({"label": "vip"}, {b["mine"], b["team"]}),
        ({"label": "refund"}, {b["team"]}),
        ({"label": "unused-label"}, set()),
        ({"type": "order"}, {b["mine"]}),
        ({"type": "complaint"}, {b["team"]}),
        ({"priority": "urgent"}, {b["team"]}),
        ({"priority": "low"}, {b["pending"]}),
        ({"label": "vip", "priority": "high"}, {b["mine"]}),
        # q: contact name, contact e-mail, subject, any message text, "#number".
        ({"q": "smirnova"}, {b["mine"]}),
        ({"q": "anna@shop"}, {b["mine"]}),
        ({"q": "delivery DELAYED"}, {b["mine"]}),
        ({"q": "kettle"}, {b["team"]}),
        ({"q": "ZX-4411"}, {b["plain"]}),
        ({"q": f"#{b['plain_number']}"}, {b["plain"]}),
        ({"q": "no such text anywhere"}, set()),
        ({"q": "kettle", "status": "resolved"}, set()),
    ]
    for query, expected in cases:
        assert await ids(client, h, query) == expected, query


async def test_assignee_me_and_contact(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    assert await ids(client, desk.agent.headers, {"assignee_id": "me"}) == {board["mine"]}
    assert await ids(client, desk.supervisor.headers, {"assignee_id": "me"}) == {board["pending"]}
    # "me" for the other agent: only their own inbox's conversation.
    assert await ids(client, desk.other_agent.headers, {"assignee_id": "me"}) == {
        board["other_inbox"]
    }
    mine = (
        await client.get(f"{API}/conversations/{board['mine']}", headers=desk.admin.headers)
    ).json()
    found = await ids(client, desk.admin.headers, {"contact_id": mine["contact"]["id"]})
    assert found == {board["mine"]}


async def test_filters_never_widen_visibility(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    h = desk.agent.headers
    for query in (
        {"q": "different inbox"},
        {"assignee_id": str(desk.other_agent.id)},
        {"inbox_id": desk.other_inbox_id},
    ):
        assert await ids(client, h, query) == set(), query
