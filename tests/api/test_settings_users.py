"""Settings: users and roles. An admin invites users with a password, edits their name, e-mail
and role, and deactivates them (no more logins, every token and session refused at once);
nobody can leave the workspace without an active admin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.core.principal import Role
from frontdesk.team.rules import leaves_no_admin
from tests.api.conftest import API, problem
from tests.api.test_settings_labels import events_of
from tests.conftest import PASSWORD, Desk, seed_desk


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A second client with its own cookie jar: a colleague logged in through the browser."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"email": email, "password": password})


async def patch_user(
    client: httpx.AsyncClient, desk: Desk, user_id: int, **fields: Any
) -> httpx.Response:
    return await client.patch(f"{API}/users/{user_id}", headers=desk.admin.headers, json=fields)


async def test_invite_a_user_with_a_password(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    r = await client.post(
        f"{API}/users",
        headers=desk.admin.headers,
        json={"email": "Nina@Acme.example.com", "name": "Nina", "role": "supervisor",
              "password": "a long secret"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    nina = r.json()
    assert (nina["email"], nina["role"], nina["is_active"]) == (
        "nina@acme.example.com",
        "supervisor",
        True,
    )
    assert (await log_in(browser, "nina@acme.example.com", "a long secret")).status_code == 200
    me = (await browser.get(f"{API}/auth/me")).json()
    assert (me["user_id"], me["role"]) == (nina["id"], "supervisor")
    assert events_of(db, "user.created")[-1].data["id"] == nina["id"]
    # The same e-mail again (in any case) is a conflict on the e-mail field; a short password
    # and a bad e-mail are refused field by field.
    r = await client.post(
        f"{API}/users", headers=desk.admin.headers, json={"email": "NINA@acme.example.com",
                                                          "name": "Nina 2"},
    )  # fmt: skip
    assert problem(r, 409, "nina@acme.example.com")["errors"][0]["loc"] == ["body", "email"]
    r = await client.post(
        f"{API}/users",
        headers=desk.admin.headers,
        json={"email": "not-an-email", "name": "", "password": "short"},
    )
    fields = {e["loc"][-1] for e in problem(r, 422, "email")["errors"]}
    assert fields == {"email", "name", "password"}


async def test_edit_name_email_and_role(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    r = await patch_user(
        client, desk, desk.agent.id, name="Anna Smirnova", email="Anna@Acme.example.com",
        role="supervisor",
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["email"], body["role"]) == (
        "Anna Smirnova",
        "anna@acme.example.com",
        "supervisor",
    )
    # The new role applies to the user's very next request; they log in with the new e-mail.
    me = (await client.get(f"{API}/auth/me", headers=desk.agent.headers)).json()
    assert me["role"] == "supervisor" and me["email"] == "anna@acme.example.com"
    assert (await log_in(browser, "anna@acme.example.com")).status_code == 200
    problem(await log_in(browser, desk.agent.email), 401)
    updated = events_of(db, "user.updated")[-1]
    assert updated.data["role"] == "supervisor" and updated.actor_user_id == desk.admin.id

    # Someone else's e-mail is taken; one's own (in another case) is not. Null changes nothing.
    r = await patch_user(client, desk, desk.agent.id, email=desk.other_agent.email)
    assert problem(r, 409, desk.other_agent.email)["errors"][0]["loc"] == ["body", "email"]
    r = await patch_user(client, desk, desk.agent.id, email="ANNA@acme.example.com", name=None)
    assert r.status_code == 200, r.text
    assert (r.json()["email"], r.json()["name"]) == ("anna@acme.example.com", "Anna Smirnova")
    for fields, mention in (
        ({"email": "anna"}, "email"),
        ({"role": "owner"}, "role"),
        ({"name": ""}, "name"),
        ({"is_active": "maybe"}, "is_active"),
    ):
        assert problem(await patch_user(client, desk, desk.agent.id, **fields), 422, mention)[
            "errors"
        ]


async def test_a_deactivated_user_is_locked_out_at_once(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, desk: Desk
) -> None:
    assert (await log_in(browser, desk.agent.email)).status_code == 200
    assert (await browser.get(f"{API}/auth/me")).status_code == 200
    # The token is in the cache now: deactivation must still apply to the next request.
    assert (await client.get(f"{API}/auth/me", headers=desk.agent.headers)).status_code == 200

    r = await patch_user(client, desk, desk.agent.id, is_active=False)
    assert r.status_code == 200 and r.json()["is_active"] is False
    problem(await client.get(f"{API}/auth/me", headers=desk.agent.headers), 401)
    problem(await browser.get(f"{API}/conversations"), 401)
    problem(await log_in(browser, desk.agent.email), 401, "wrong e-mail or password")
    # Still listed for admins, marked inactive (their past work keeps its author).
    users = (await client.get(f"{API}/users", headers=desk.admin.headers)).json()
    assert {u["id"]: u["is_active"] for u in users}[desk.agent.id] is False

    # Reactivated: they may log in again.
    assert (await patch_user(client, desk, desk.agent.id, is_active=True)).status_code == 200
    assert (await log_in(browser, desk.agent.email)).status_code == 200
    assert (await client.get(f"{API}/auth/me", headers=desk.agent.headers)).status_code == 200


async def test_the_workspace_always_keeps_an_active_admin(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    me = desk.admin.id
    # The only admin can neither demote nor deactivate themselves: 409, nothing changes.
    for fields in ({"role": "agent"}, {"role": "supervisor"}, {"is_active": False},
                   {"role": "admin", "is_active": False}):  # fmt: skip
        problem(await patch_user(client, desk, me, **fields), 409, "admin")
    mine = (await client.get(f"{API}/users/{me}", headers=desk.admin.headers)).json()
    assert (mine["role"], mine["is_active"]) == ("admin", True)
    # Keeping the role, or changing something else, is fine.
    assert (await patch_user(client, desk, me, role="admin", name="Boss")).status_code == 200

    # An inactive admin does not count.
    r = await patch_user(client, desk, desk.supervisor.id, role="admin", is_active=False)
    assert r.status_code == 200, r.text
    problem(await patch_user(client, desk, me, role="agent"), 409, "admin")

    # With another active admin, an admin may step down; then the other is the last one.
    assert (await patch_user(client, desk, desk.supervisor.id, is_active=True)).status_code == 200
    r = await patch_user(client, desk, me, role="supervisor")
    assert r.status_code == 200, r.text
    # Stepped down: they cannot take it back themselves.
    problem(await patch_user(client, desk, me, role="admin"), 403, "admin")
    last = await client.patch(
        f"{API}/users/{desk.supervisor.id}",
        headers=desk.supervisor.headers,
        json={"is_active": False},
    )
    problem(last, 409, "no active admin")
    admins = [
        u
        for u in (await client.get(f"{API}/users", headers=desk.supervisor.headers)).json()
        if u["role"] == "admin" and u["is_active"]
    ]
    assert [u["id"] for u in admins] == [desk.supervisor.id]


def test_leaves_no_admin_rule() -> None:
    def check(now: tuple[bool, bool], new: tuple[Role | None, bool | None], others: int) -> bool:
        return leaves_no_admin(
            is_admin_now=now[0],
            is_active_now=now[1],
            new_role=new[0],
            new_is_active=new[1],
            other_active_admins=others,
        )

    admin = (True, True)
    assert check(admin, (Role.agent, None), 0)
    assert check(admin, (Role.supervisor, None), 0)
    assert check(admin, (None, False), 0)
    assert check(admin, (Role.admin, False), 0)
    assert not check(admin, (Role.admin, True), 0)
    assert not check(admin, (None, None), 0)
    assert not check(admin, (Role.agent, False), 1)
    # Changing a user who is not an active admin never removes the last one.
    assert not check((False, True), (Role.agent, False), 0)
    assert not check((True, False), (Role.agent, None), 0)


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_only_admins_manage_users(client: httpx.AsyncClient, desk: Desk, who: str) -> None:
    headers = getattr(desk, who).headers
    for fields in ({"role": "admin"}, {"is_active": False}, {"email": "x@acme.example.com"}):
        r = await client.patch(f"{API}/users/{desk.other_agent.id}", headers=headers, json=fields)
        problem(r, 403, "admin")
    r = await client.post(
        f"{API}/users", headers=headers, json={"email": "y@acme.example.com", "name": "Y"}
    )
    problem(r, 403, "admin")
    # Nor may they promote themselves.
    r = await client.patch(f"{API}/users/{getattr(desk, who).id}", headers=headers,
                           json={"role": "admin"})  # fmt: skip
    problem(r, 403, "admin")


async def test_another_workspace_cannot_manage_users(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    other = seed_desk(db, slug="other")
    for fields in ({"role": "admin"}, {"is_active": False}, {"email": "z@other.example.com"}):
        r = await client.patch(
            f"{API}/users/{desk.agent.id}", headers=other.admin.headers, json=fields
        )
        problem(r, 404, "user")
    me = (await client.get(f"{API}/auth/me", headers=desk.agent.headers)).json()
    assert (me["role"], me["email"]) == ("agent", desk.agent.email)
    # B's admins are B's: they do not keep A's last admin from stepping down, nor the reverse.
    problem(await patch_user(client, desk, desk.admin.id, role="agent"), 409, "admin")


async def test_two_admins_stepping_down_at_once_leave_one_admin(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    """On PostgreSQL the two requests run in parallel; the admins' rows are locked, so the
    second one sees the first one's change and is refused."""
    r = await patch_user(client, desk, desk.supervisor.id, role="admin")
    assert r.status_code == 200, r.text
    for _ in range(5):
        results = await asyncio.gather(
            client.patch(
                f"{API}/users/{desk.admin.id}", headers=desk.admin.headers, json={"role": "agent"}
            ),
            client.patch(
                f"{API}/users/{desk.supervisor.id}",
                headers=desk.supervisor.headers,
                json={"role": "agent"},
            ),
        )
        assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
        users = (await client.get(f"{API}/users", headers=desk.agent.headers)).json()
        admins = [u["id"] for u in users if u["role"] == "admin" and u["is_active"]]
        assert len(admins) == 1
        # Back to two admins for the next round, by the one who is still admin.
        [admin] = admins
        other = desk.supervisor.id if admin == desk.admin.id else desk.admin.id
        headers = desk.admin.headers if admin == desk.admin.id else desk.supervisor.headers
        r = await client.patch(f"{API}/users/{other}", headers=headers, json={"role": "admin"})
        assert r.status_code == 200, r.text
