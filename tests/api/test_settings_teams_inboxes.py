"""Settings: teams (members, inboxes) and inboxes (name, members), and what the settings
screens' lists cost in SQL statements."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, StatementCounter, problem
from tests.api.test_settings_labels import events_of
from tests.conftest import Desk, seed_desk


async def test_create_a_team_with_members_and_inboxes_then_edit_it(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.admin.headers
    r = await client.post(
        f"{API}/teams",
        headers=h,
        json={"name": "Sales", "description": "Orders and quotes",
              "member_ids": [desk.agent.id, desk.other_agent.id], "inbox_ids": [desk.inbox_id]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["member_ids"] == sorted([desk.agent.id, desk.other_agent.id])
    assert team["inbox_ids"] == [desk.inbox_id]
    r = await client.patch(
        f"{API}/teams/{team['id']}",
        headers=h,
        json={"name": "Sales EU", "member_ids": [desk.supervisor.id],
              "inbox_ids": [desk.inbox_id, desk.other_inbox_id]},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["description"]) == ("Sales EU", "Orders and quotes")
    assert body["member_ids"] == [desk.supervisor.id]
    assert body["inbox_ids"] == sorted([desk.inbox_id, desk.other_inbox_id])
    assert (await client.get(f"{API}/teams/{team['id']}", headers=h)).json() == body
    # Team inboxes are what its supervisors see.
    seen = (await client.get(f"{API}/inboxes", headers=desk.supervisor.headers)).json()
    assert {i["id"] for i in seen} == {desk.inbox_id, desk.other_inbox_id}
    assert [e.type for e in events_of(db, "team.")][-2:] == ["team.created", "team.updated"]
    assert events_of(db, "team.updated")[-1].data == body


async def test_team_changes_are_validated(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.admin.headers
    r = await client.post(f"{API}/teams", headers=h, json={"name": "Support"})
    assert problem(r, 409, "Support")["errors"][0]["loc"] == ["body", "name"]
    r = await client.post(f"{API}/teams", headers=h, json={"name": "Sales"})
    sales = r.json()
    r = await client.patch(f"{API}/teams/{sales['id']}", headers=h, json={"name": "Support"})
    assert problem(r, 409, "Support")["errors"][0]["loc"] == ["body", "name"]
    problem(
        await client.patch(f"{API}/teams/{sales['id']}", headers=h, json={"member_ids": [99999]}),
        422,
        "99999",
    )
    problem(
        await client.patch(f"{API}/teams/{sales['id']}", headers=h, json={"inbox_ids": [99999]}),
        422,
        "99999",
    )
    for payload, mention in (({"name": ""}, "name"), ({"members": []}, "unknown field")):
        assert problem(
            await client.patch(f"{API}/teams/{sales['id']}", headers=h, json=payload), 422, mention
        )["errors"]
    assert (await client.get(f"{API}/teams/{sales['id']}", headers=h)).json() == sales


async def test_rename_an_inbox_and_choose_its_members(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    h = desk.admin.headers
    r = await client.patch(f"{API}/inboxes/{desk.inbox_id}", headers=h, json={"name": "Shop API"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["channel_type"]) == ("Shop API", "api")
    # The channel type is fixed once the inbox exists.
    problem(
        await client.patch(
            f"{API}/inboxes/{desk.inbox_id}", headers=h, json={"channel_type": "email"}
        ),
        422,
        "unknown field 'channel_type'",
    )
    r = await client.put(
        f"{API}/inboxes/{desk.inbox_id}/members",
        headers=h,
        json={"user_ids": [desk.other_agent.id]},
    )
    assert r.status_code == 200 and r.json()["member_ids"] == [desk.other_agent.id]
    # Membership is what an agent sees.
    agent_sees = (await client.get(f"{API}/inboxes", headers=desk.agent.headers)).json()
    assert agent_sees == []
    other_sees = (await client.get(f"{API}/inboxes", headers=desk.other_agent.headers)).json()
    assert {i["id"] for i in other_sees} == {desk.inbox_id, desk.other_inbox_id}
    types = [e.type for e in events_of(db, "inbox.")]
    assert types[-2:] == ["inbox.updated", "inbox.members_changed"]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_only_admins_change_teams_and_inboxes(
    client: httpx.AsyncClient, desk: Desk, who: str
) -> None:
    headers = getattr(desk, who).headers
    for method, path, body in (
        ("POST", "/teams", {"name": "Mine"}),
        ("PATCH", f"/teams/{desk.team_id}", {"member_ids": [getattr(desk, who).id]}),
        ("PATCH", f"/inboxes/{desk.inbox_id}", {"name": "Mine"}),
        ("PUT", f"/inboxes/{desk.inbox_id}/members", {"user_ids": [getattr(desk, who).id]}),
    ):
        problem(await client.request(method, API + path, headers=headers, json=body), 403, "admin")


async def test_another_workspace_cannot_use_our_people_or_inboxes(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    other = seed_desk(db, slug="other")
    h = other.admin.headers
    r = await client.patch(
        f"{API}/teams/{other.team_id}", headers=h, json={"member_ids": [desk.agent.id]}
    )
    problem(r, 422, str(desk.agent.id))
    r = await client.patch(
        f"{API}/teams/{other.team_id}", headers=h, json={"inbox_ids": [desk.inbox_id]}
    )
    problem(r, 422, str(desk.inbox_id))
    problem(await client.patch(f"{API}/teams/{desk.team_id}", headers=h, json={"name": "X"}), 404)
    theirs = (await client.get(f"{API}/teams/{other.team_id}", headers=h)).json()
    assert theirs["member_ids"] == [other.supervisor.id]


# Statements per settings list with the bearer token already cached.
SETTINGS_LISTS = {
    "/users": 1,
    "/teams": 3,  # teams, their members, their inboxes
    "/inboxes": 3,  # the inboxes an admin sees, those inboxes, their members
    "/labels": 1,
    "/canned-responses": 1,
}


async def test_settings_lists_cost_the_same_for_many_rows(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    h = desk.admin.headers
    for i in range(12):
        user = await client.post(
            f"{API}/users", headers=h, json={"email": f"u{i}@acme.example.com", "name": f"U{i}"}
        )
        inbox = await client.post(
            f"{API}/inboxes",
            headers=h,
            json={"name": f"Inbox {i}", "channel_type": "api", "member_ids": [user.json()["id"]]},
        )
        await client.post(
            f"{API}/teams",
            headers=h,
            json={"name": f"Team {i}", "member_ids": [user.json()["id"]],
                  "inbox_ids": [inbox.json()["id"]]},
        )  # fmt: skip
        await client.post(f"{API}/labels", headers=h, json={"name": f"label {i}"})
        await client.post(
            f"{API}/canned-responses", headers=h, json={"short_code": f"c{i}", "content": "Hi"}
        )
    seen: dict[str, Any] = {}
    for path in SETTINGS_LISTS:
        with statements.counting() as queries:
            r = await client.get(API + path, headers=h)
        assert r.status_code == 200 and len(r.json()) >= 12, path
        seen[path] = len(queries)
    assert seen == SETTINGS_LISTS
