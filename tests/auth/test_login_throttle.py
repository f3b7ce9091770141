"""Password guessing through the login endpoint is slowed down (429 with Retry-After)."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Desk

LOGIN = "/api/v1/auth/login"


async def test_too_many_failures_refuse_even_the_right_password_for_a_while(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    for _ in range(10):
        r = await client.post(LOGIN, json={"email": desk.agent.email, "password": "guess"})
        assert r.status_code == 401
    r = await client.post(LOGIN, json={"email": desk.agent.email.upper(), "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert "too many failed logins" in r.json()["detail"]
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    # Another user from the same address is not locked out by someone else's guessing.
    r = await client.post(LOGIN, json={"email": desk.admin.email, "password": PASSWORD})
    assert r.status_code == 200


async def test_a_successful_login_clears_the_count(client: httpx.AsyncClient, desk: Desk) -> None:
    for _ in range(2):
        for _ in range(9):
            r = await client.post(LOGIN, json={"email": desk.agent.email, "password": "guess"})
            assert r.status_code == 401
        r = await client.post(LOGIN, json={"email": desk.agent.email, "password": PASSWORD})
        assert r.status_code == 200
