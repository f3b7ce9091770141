"""Settings: labels. An admin renames, recolors and deletes them; a rename shows on every
conversation at once, and a deleted label is taken off every conversation (as Chatwoot does)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests.api.conftest import API, count_rows, new_conversation, problem
from tests.conftest import Desk, seed_desk


def events_of(db: Database, prefix: str, *, workspace_id: int | None = None) -> list[EventRow]:
    """The recorded events whose type starts with `prefix`, oldest first."""

    def run(session: Session) -> list[EventRow]:
        stmt = select(EventRow).where(EventRow.type.startswith(prefix)).order_by(EventRow.id)
        if workspace_id is not None:
            stmt = stmt.where(EventRow.workspace_id == workspace_id)
        return list(session.execute(stmt).scalars())

    return db.read_sync(run)


async def create_label(
    client: httpx.AsyncClient, desk: Desk, name: str, **fields: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/labels", headers=desk.admin.headers, json={"name": name, **fields}
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def labels_of(client: httpx.AsyncClient, desk: Desk, conversation_id: int) -> list[str]:
    r = await client.get(f"{API}/conversations/{conversation_id}", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    labels: list[str] = r.json()["labels"]
    return labels


async def listed_with_label(client: httpx.AsyncClient, desk: Desk, label: str) -> list[int]:
    r = await client.get(
        f"{API}/conversations", headers=desk.admin.headers, params={"label": label}
    )
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


async def test_creating_a_label_records_an_event(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    label = await create_label(client, desk, "vip", color="#ff0000", description="Big spenders")
    assert label == {
        "id": label["id"],
        "name": "vip",
        "color": "#ff0000",
        "description": "Big spenders",
    }
    [event] = events_of(db, "label.")
    assert event.type == "label.created" and event.data == label
    assert event.actor_user_id == desk.admin.id and event.workspace_id == desk.workspace_id


async def test_rename_recolor_and_describe_a_label(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    label = await create_label(client, desk, "vip")
    conversation = await new_conversation(client, desk.admin.headers, desk.inbox_id, labels=["vip"])
    r = await client.patch(
        f"{API}/labels/{label['id']}",
        headers=desk.admin.headers,
        json={"name": "gold customer", "color": "#FFAA00", "description": "  Pays on time "},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": label["id"],
        "name": "gold customer",
        "color": "#FFAA00",
        "description": "Pays on time",
    }
    # Conversations hold labels by id: they show, and filter by, the new name at once.
    assert await labels_of(client, desk, conversation["id"]) == ["gold customer"]
    assert await listed_with_label(client, desk, "gold customer") == [conversation["id"]]
    assert await listed_with_label(client, desk, "vip") == []
    listed = (await client.get(f"{API}/labels", headers=desk.agent.headers)).json()
    assert [x["name"] for x in listed] == ["gold customer"]

    # A field left out stays as it is.
    r = await client.patch(
        f"{API}/labels/{label['id']}", headers=desk.admin.headers, json={"color": "#000000"}
    )
    assert r.json()["name"] == "gold customer" and r.json()["description"] == "Pays on time"

    updated = [e for e in events_of(db, "label.") if e.type == "label.updated"]
    assert [e.data["previous_name"] for e in updated] == ["vip", "gold customer"]
    assert updated[0].data["name"] == "gold customer"
    assert updated[1].data["color"] == "#000000"


async def test_label_changes_are_validated(client: httpx.AsyncClient, desk: Desk) -> None:
    vip = await create_label(client, desk, "vip")
    await create_label(client, desk, "refund")
    url = f"{API}/labels/{vip['id']}"
    h = desk.admin.headers
    # A name another label has: 409, naming the field so a form can show it beside it.
    body = problem(await client.patch(url, headers=h, json={"name": "refund"}), 409, "refund")
    assert body["errors"][0]["loc"] == ["body", "name"]
    # Renaming to its own name is no conflict.
    assert (await client.patch(url, headers=h, json={"name": "vip"})).status_code == 200
    for payload, mention in (
        ({"color": "red"}, "color"),
        ({"color": "#12345"}, "color"),
        ({"name": ""}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"description": "d" * 501}, "description"),
        ({"title": "vip"}, "unknown field 'title'"),
    ):
        body = problem(await client.patch(url, headers=h, json=payload), 422, mention)
        assert body["errors"], payload
    problem(await client.patch(f"{API}/labels/999999", headers=h, json={"name": "x"}), 404, "label")
    problem(await client.patch(f"{API}/labels/abc", headers=h, json={}), 422)
    listed = (await client.get(f"{API}/labels", headers=h)).json()
    assert {x["name"]: x["color"] for x in listed} == {"refund": "#6b7280", "vip": "#6b7280"}


async def test_deleting_a_label_takes_it_off_every_conversation(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    vip = await create_label(client, desk, "vip")
    await create_label(client, desk, "refund")
    h = desk.admin.headers
    both = await new_conversation(client, h, desk.inbox_id, labels=["vip", "refund"])
    only = await new_conversation(client, h, desk.other_inbox_id, labels=["vip"])
    untouched = await new_conversation(client, h, desk.inbox_id, labels=["refund"])

    r = await client.delete(f"{API}/labels/{vip['id']}", headers=h)
    assert r.status_code == 204 and r.content == b""
    assert await labels_of(client, desk, both["id"]) == ["refund"]
    assert await labels_of(client, desk, only["id"]) == []
    assert await labels_of(client, desk, untouched["id"]) == ["refund"]
    assert [x["name"] for x in (await client.get(f"{API}/labels", headers=h)).json()] == ["refund"]
    assert await listed_with_label(client, desk, "vip") == []
    assert count_rows(db, "conversation_labels", "label_id = :l", l=vip["id"]) == 0
    [deleted] = [e for e in events_of(db, "label.") if e.type == "label.deleted"]
    assert deleted.data == {**vip, "conversation_count": 2}
    assert deleted.actor_user_id == desk.admin.id

    # Gone: it can be neither used nor deleted again; its name is free for a new label.
    problem(await client.delete(f"{API}/labels/{vip['id']}", headers=h), 404, "label")
    r = await client.patch(f"{API}/conversations/{both['id']}", headers=h, json={"labels": ["vip"]})
    problem(r, 422, "vip")
    again = await create_label(client, desk, "vip")
    assert again["id"] != vip["id"]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_only_admins_change_labels(client: httpx.AsyncClient, desk: Desk, who: str) -> None:
    label = await create_label(client, desk, "vip")
    headers = getattr(desk, who).headers
    url = f"{API}/labels/{label['id']}"
    problem(await client.patch(url, headers=headers, json={"name": "mine"}), 403, "admin")
    problem(await client.delete(url, headers=headers), 403, "admin")
    listed = (await client.get(f"{API}/labels", headers=headers)).json()
    assert listed == [label]


async def test_another_workspace_cannot_change_labels(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    label = await create_label(client, desk, "vip")
    conversation = await new_conversation(client, desk.admin.headers, desk.inbox_id, labels=["vip"])
    other = seed_desk(db, slug="other")
    url = f"{API}/labels/{label['id']}"
    problem(await client.patch(url, headers=other.admin.headers, json={"name": "x"}), 404)
    problem(await client.delete(url, headers=other.admin.headers), 404)
    assert (await client.get(f"{API}/labels", headers=desk.admin.headers)).json() == [label]
    assert await labels_of(client, desk, conversation["id"]) == ["vip"]
    # B's label of the same name is B's own: deleting it leaves A's conversation alone.
    theirs = await client.post(f"{API}/labels", headers=other.admin.headers, json={"name": "vip"})
    r = await client.delete(f"{API}/labels/{theirs.json()['id']}", headers=other.admin.headers)
    assert r.status_code == 204
    assert await labels_of(client, desk, conversation["id"]) == ["vip"]
    assert [e.type for e in events_of(db, "label.", workspace_id=other.workspace_id)] == [
        "label.created",
        "label.deleted",
    ]
