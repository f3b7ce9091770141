"""Saved personal views (GET/POST/PATCH/DELETE /views): a name for the list's query parameters,
validated, private to their owner, announced to the owner's screens only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.views.service import MAX_VIEWS_PER_USER
from tests.api.conftest import API, count_rows, new_conversation, problem
from tests.conftest import Desk, seed_desk


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, **filters: Any
) -> dict[str, Any]:
    r = await client.post(f"{API}/views", headers=headers, json={"name": name, "filters": filters})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    r = await client.get(f"{API}/views", headers=headers)
    assert r.status_code == 200, r.text
    return [v["name"] for v in r.json()]


async def test_a_view_keeps_the_filters_it_was_given(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    view = await create(
        client, h, "Urgent orders",
        status=["open", "pending"], assignee_id="me", team_id="mine", priority="urgent",
        type="order", label="vip", inbox_id=desk.inbox_id, q="parcel", sort="longest_waiting",
    )  # fmt: skip
    assert view["filters"] == {
        "status": ["open", "pending"], "assignee_id": "me", "team_id": "mine",
        "priority": "urgent", "type": "order", "label": "vip", "inbox_id": desk.inbox_id,
        "q": "parcel", "sort": "longest_waiting",
    }  # fmt: skip
    r = await client.get(f"{API}/views", headers=h)
    assert r.json() == [view]
    # What was saved is a query the list takes as it is.
    r = await client.get(f"{API}/conversations", headers=h, params=view["filters"])
    assert r.status_code == 200, r.text


async def test_the_saved_filters_select_what_the_list_would(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    h = desk.admin.headers
    mine = await new_conversation(client, h, desk.inbox_id, assignee_id=desk.agent.id)
    await new_conversation(client, h, desk.inbox_id)
    view = await create(client, desk.agent.headers, "Mine", assignee_id="me")
    r = await client.get(f"{API}/conversations", headers=desk.agent.headers, params=view["filters"])
    assert [c["id"] for c in r.json()["items"]] == [mine["id"]]


@pytest.mark.parametrize(
    ("filters", "mentions"),
    [
        ({"colour": "red"}, ["unknown field", "colour"]),
        ({"status": ["sleeping"]}, ["status"]),
        ({"status": "open"}, ["status"]),
        ({"assignee_id": "someone"}, ["assignee_id"]),
        ({"team_id": "ours"}, ["team_id"]),
        ({"mentioned": "you"}, ["mentioned"]),
        ({"inbox_id": 0}, ["inbox_id"]),
        ({"priority": "whenever"}, ["priority"]),
        ({"sort": "random"}, ["sort"]),
        ({"q": "x" * 201}, ["q"]),
    ],
)
async def test_bad_filters_are_refused(
    client: httpx.AsyncClient, desk: Desk, db: Database, filters: Any, mentions: list[str]
) -> None:
    r = await client.post(
        f"{API}/views", headers=desk.agent.headers, json={"name": "Bad", "filters": filters}
    )
    problem(r, 422, *mentions)
    assert count_rows(db, "saved_views") == 0


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": "A", "extra": 1}, {"name": None}]
)
async def test_a_view_needs_a_name(
    client: httpx.AsyncClient, desk: Desk, body: dict[str, Any]
) -> None:
    problem(await client.post(f"{API}/views", headers=desk.agent.headers, json=body), 422)


async def test_views_are_private(client: httpx.AsyncClient, desk: Desk, db: Database) -> None:
    view = await create(client, desk.agent.headers, "Mine", assignee_id="me")
    # Even the admin neither sees, changes nor deletes another user's view.
    assert await names(client, desk.admin.headers) == []
    assert await names(client, desk.other_agent.headers) == []
    url = f"{API}/views/{view['id']}"
    problem(await client.patch(url, headers=desk.admin.headers, json={"name": "Hijacked"}), 404)
    problem(await client.delete(url, headers=desk.other_agent.headers), 404)
    stranger = seed_desk(db, slug="elsewhere")
    problem(await client.delete(url, headers=stranger.agent.headers), 404)
    assert await names(client, desk.agent.headers) == ["Mine"]
    # Two users may each have a view of the same name.
    await create(client, desk.admin.headers, "Mine", assignee_id="me")


async def test_rename_refilter_and_delete(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    view = await create(client, h, "Pending", status=["pending"])
    url = f"{API}/views/{view['id']}"
    r = await client.patch(url, headers=h, json={"name": "Waiting"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Waiting" and r.json()["filters"] == {"status": ["pending"]}
    r = await client.patch(url, headers=h, json={"filters": {"sort": "longest_waiting"}})
    assert r.json()["name"] == "Waiting" and r.json()["filters"] == {"sort": "longest_waiting"}
    problem(await client.patch(url, headers=h, json={"filters": {"nope": 1}}), 422, "nope")
    r = await client.delete(url, headers=h)
    assert r.status_code == 204
    assert await names(client, h) == []
    problem(await client.delete(url, headers=h), 404)
    problem(await client.patch(url, headers=h, json={"name": "Back"}), 404)


async def test_names_are_unique_per_user(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    await create(client, h, "Mine", assignee_id="me")
    other = await create(client, h, "Open", status=["open"])
    problem(
        await client.post(f"{API}/views", headers=h, json={"name": "Mine", "filters": {}}),
        409,
        "Mine",
    )
    r = await client.patch(f"{API}/views/{other['id']}", headers=h, json={"name": "Mine"})
    problem(r, 409, "Mine")
    assert await names(client, h) == ["Mine", "Open"]


async def test_a_user_has_a_limited_number_of_views(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    for i in range(MAX_VIEWS_PER_USER):
        await create(client, h, f"View {i:02}")
    r = await client.post(f"{API}/views", headers=h, json={"name": "One more"})
    problem(r, 422, str(MAX_VIEWS_PER_USER))


async def test_changes_are_events_for_the_owner_only(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.agent.headers
    view = await create(client, h, "Mine", assignee_id="me")
    await client.patch(f"{API}/views/{view['id']}", headers=h, json={"name": "Own"})
    await client.delete(f"{API}/views/{view['id']}", headers=h)

    def run(session: Session) -> list[EventRow]:
        return list(
            session.execute(
                select(EventRow).where(EventRow.type.like("view.%")).order_by(EventRow.id)
            ).scalars()
        )

    found = db.read_sync(run)
    assert [e.type for e in found] == ["view.created", "view.updated", "view.deleted"]
    assert all(e.user_ids == [desk.agent.id] for e in found)
    assert found[1].data["name"] == "Own" and found[2].data == {"id": view["id"]}
