"""Authentication: session cookies with CSRF, bearer tokens, revocation, stored hashes."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import text

from frontdesk.core.db import Database
from tests.api.conftest import API, count_rows, problem
from tests.conftest import PASSWORD, Desk


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"email": email, "password": password})


async def test_login_sets_httponly_session_cookie_and_readable_csrf_cookie(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await login(client, desk.agent.email)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user_id"] == desk.agent.id
    set_cookies = r.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith("frontdesk_session="))
    csrf = next(c for c in set_cookies if c.startswith("frontdesk_csrf="))
    assert "httponly" in session.lower()
    assert "samesite=lax" in session.lower()
    # The page's script must read the CSRF cookie to echo it back.
    assert "httponly" not in csrf.lower()
    assert client.cookies["frontdesk_csrf"] == body["csrf_token"]

    me = await client.get(f"{API}/auth/me")
    assert me.status_code == 200
    assert me.json() == {
        "user_id": desk.agent.id,
        "workspace_id": desk.workspace_id,
        "role": "agent",
        "via": "session",
        "name": "Agent",
        "email": desk.agent.email,
        "language": "en",
        "time_zone": "UTC",
    }


async def test_wrong_password_and_unknown_email_get_the_same_refusal(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    wrong = problem(await login(client, desk.agent.email, "not the password"), 401, "password")
    unknown = problem(await login(client, "nobody@acme.example.com"), 401, "password")
    assert wrong["detail"] == unknown["detail"]
    assert "frontdesk_session" not in client.cookies


async def test_cookie_post_needs_the_csrf_header(client: httpx.AsyncClient, desk: Desk) -> None:
    csrf = (await login(client, desk.admin.email)).json()["csrf_token"]
    label = {"name": "vip"}
    problem(await client.post(f"{API}/labels", json=label), 403, "csrf")
    problem(
        await client.post(f"{API}/labels", json=label, headers={"X-CSRF-Token": "forged"}),
        403,
        "csrf",
    )
    ok = await client.post(f"{API}/labels", json=label, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    # Reads need no CSRF header.
    assert (await client.get(f"{API}/labels")).json()[0]["name"] == "vip"


async def test_logout_ends_the_session(client: httpx.AsyncClient, desk: Desk) -> None:
    csrf = (await login(client, desk.agent.email)).json()["csrf_token"]
    session_cookie = client.cookies["frontdesk_session"]
    r = await client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    # Even replayed by hand, the old cookie no longer opens anything.
    client.cookies.clear()
    client.cookies.set("frontdesk_session", session_cookie)
    problem(await client.get(f"{API}/auth/me"), 401, "session")


async def test_bearer_token_authenticates(client: httpx.AsyncClient, desk: Desk) -> None:
    r = await client.get(f"{API}/auth/me", headers=desk.supervisor.headers)
    assert r.status_code == 200
    assert r.json()["user_id"] == desk.supervisor.id
    assert r.json()["via"] == "token"
    # A bearer token is not a cookie: no CSRF header needed for writes.
    r = await client.put(
        f"{API}/profile/availability",
        headers=desk.supervisor.headers,
        json={"availability": "online"},
    )
    assert r.status_code == 200, r.text


async def test_missing_unknown_and_malformed_credentials_are_401(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    body = problem(await client.get(f"{API}/conversations"), 401, "authentication required")
    assert body["title"] == "Unauthorized"
    r = await client.get(f"{API}/conversations", headers={"Authorization": "Bearer fdt_nope"})
    problem(r, 401, "unknown or has been revoked")
    assert r.headers["www-authenticate"] == "Bearer"
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", desk.agent.token, "Token x"):
        r = await client.get(f"{API}/conversations", headers={"Authorization": header})
        problem(r, 401, "Authorization: Bearer")


async def test_revoked_token_is_refused_immediately(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    created = await client.post(
        f"{API}/auth/tokens", headers=desk.agent.headers, json={"name": "zapier"}
    )
    assert created.status_code == 201, created.text
    token = created.json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert (await client.get(f"{API}/auth/me", headers=bearer)).status_code == 200

    r = await client.delete(f"{API}/auth/tokens/{token['id']}", headers=desk.agent.headers)
    assert r.status_code == 204
    problem(await client.get(f"{API}/auth/me", headers=bearer), 401, "revoked")
    # Revoking twice, or someone else's token, is a clear 404.
    problem(
        await client.delete(f"{API}/auth/tokens/{token['id']}", headers=desk.agent.headers),
        404,
        "token",
    )
    listed = (await client.get(f"{API}/auth/tokens", headers=desk.agent.headers)).json()
    assert next(t for t in listed if t["id"] == token["id"])["revoked_at"] is not None
    # The agent's other token still works.
    assert (await client.get(f"{API}/auth/me", headers=desk.agent.headers)).status_code == 200


async def test_cannot_revoke_another_users_token(client: httpx.AsyncClient, desk: Desk) -> None:
    created = await client.post(f"{API}/auth/tokens", headers=desk.agent.headers, json={})
    token_id = created.json()["id"]
    problem(
        await client.delete(f"{API}/auth/tokens/{token_id}", headers=desk.admin.headers),
        404,
        "token",
    )
    bearer = {"Authorization": f"Bearer {created.json()['token']}"}
    assert (await client.get(f"{API}/auth/me", headers=bearer)).status_code == 200


async def test_token_is_shown_once_and_only_its_hash_is_stored(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    r = await client.post(f"{API}/auth/tokens", headers=desk.agent.headers, json={"name": "cli"})
    new = r.json()
    secret = new["token"]
    assert secret.startswith("fdt_") and len(secret) > 40
    assert secret.startswith(new["prefix"]) and len(new["prefix"]) < len(secret) // 2

    listed = (await client.get(f"{API}/auth/tokens", headers=desk.agent.headers)).json()
    assert all("token" not in t for t in listed)
    assert secret not in str(listed)

    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert count_rows(db, "api_tokens", "id = :id AND token_hash = :h", id=new["id"], h=digest) == 1
    # The secret itself is in no column of the row.
    row = db.read_sync(
        lambda s: s.execute(
            text("SELECT * FROM api_tokens WHERE id = :id"),
            {"id": new["id"]},
        ).one()
    )
    assert all(secret != str(value) for value in row)
    assert all(not str(value).endswith(secret[len(new["prefix"]) :]) for value in row)


async def test_login_body_is_validated(client: httpx.AsyncClient, desk: Desk) -> None:
    problem(await client.post(f"{API}/auth/login", json={"email": "a@b.c"}), 422, "password")
    problem(
        await client.post(
            f"{API}/auth/login",
            json={"email": desk.agent.email, "password": PASSWORD, "remember": True},
        ),
        422,
        "unknown field 'remember'",
    )


async def test_deactivation_and_demotion_apply_to_the_next_request(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    """Tokens may be cached for speed; a change of access must still apply at once."""
    supervisor = desk.supervisor.headers
    assert (await client.get(f"{API}/auth/me", headers=supervisor)).json()["role"] == "supervisor"
    r = await client.patch(
        f"{API}/users/{desk.supervisor.id}", headers=desk.admin.headers, json={"role": "agent"}
    )
    assert r.status_code == 200, r.text
    assert (await client.get(f"{API}/auth/me", headers=supervisor)).json()["role"] == "agent"

    r = await client.patch(
        f"{API}/users/{desk.supervisor.id}", headers=desk.admin.headers, json={"is_active": False}
    )
    assert r.status_code == 200, r.text
    problem(await client.get(f"{API}/auth/me", headers=supervisor), 401)
    # A deactivated user cannot log in either, and hears the same refusal as a wrong password.
    problem(await login(client, desk.supervisor.email), 401, "wrong e-mail or password")

    # The last admin cannot lock themselves out.
    r = await client.patch(
        f"{API}/users/{desk.admin.id}", headers=desk.admin.headers, json={"is_active": False}
    )
    problem(r, 409, "no active admin")
