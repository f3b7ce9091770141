"""`GET/PATCH /api/v1/profile`: the current user's own name, language and time zone."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import API, count_rows, problem
from tests.conftest import PASSWORD, Desk


async def me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get(f"{API}/auth/me", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_an_agent_changes_their_name_language_and_time_zone(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    updates_before = count_rows(db, "events", "type = 'user.updated'")
    r = await client.patch(
        f"{API}/profile",
        headers=desk.agent.headers,
        json={"name": "  Анна Петрова ", "language": "ru", "time_zone": "Europe/Moscow"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["name"], body["language"], body["time_zone"]) == (
        desk.agent.id,
        "Анна Петрова",
        "ru",
        "Europe/Moscow",
    )
    now = await me(client, desk.agent.headers)
    assert (now["name"], now["language"], now["time_zone"]) == (
        "Анна Петрова",
        "ru",
        "Europe/Moscow",
    )
    # Colleagues hear of it (names in their lists); nobody else was touched.
    assert count_rows(db, "events", "type = 'user.updated'") == updates_before + 1
    assert (await me(client, desk.other_agent.headers))["language"] == "en"

    # One field at a time; null and left-out fields stay; the same value again is no change.
    r = await client.patch(f"{API}/profile", headers=desk.agent.headers, json={"language": "en"})
    assert r.status_code == 200 and r.json()["language"] == "en"
    assert r.json()["time_zone"] == "Europe/Moscow" and r.json()["name"] == "Анна Петрова"
    r = await client.patch(
        f"{API}/profile", headers=desk.agent.headers, json={"name": None, "language": "en"}
    )
    assert r.status_code == 200 and r.json()["name"] == "Анна Петрова"
    assert (await client.patch(f"{API}/profile", headers=desk.agent.headers, json={})).is_success
    assert count_rows(db, "events", "type = 'user.updated'") == updates_before + 2


async def test_the_profile_shows_the_chosen_availability(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.get(f"{API}/profile", headers=desk.agent.headers)
    assert r.status_code == 200 and r.json()["availability"] == "offline"
    await client.put(
        f"{API}/profile/availability", headers=desk.agent.headers, json={"availability": "away"}
    )
    r = await client.get(f"{API}/profile", headers=desk.agent.headers)
    assert r.json()["id"] == desk.agent.id and r.json()["availability"] == "away"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "de"}, "language"),
        ({"language": "RU"}, "language"),
        ({"language": 5}, "language"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "europe/moscow"}, "time_zone"),
        ({"time_zone": "+03:00"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": ["Anna"]}, "name"),
        ({"role": "admin"}, "role"),  # not yours to change
        ({"email": "me@example.com"}, "email"),
        ({"is_active": False}, "is_active"),
    ],
)
async def test_bad_input_is_refused_with_the_field_named(
    client: httpx.AsyncClient, desk: Desk, body: dict[str, Any], field: str
) -> None:
    before = await me(client, desk.agent.headers)
    problem(await client.patch(f"{API}/profile", headers=desk.agent.headers, json=body), 422, field)
    assert await me(client, desk.agent.headers) == before


async def test_the_body_must_be_a_json_object(client: httpx.AsyncClient, desk: Desk) -> None:
    for content in (b"[]", b"not json", b'"ru"'):
        r = await client.patch(
            f"{API}/profile",
            headers={**desk.agent.headers, "Content-Type": "application/json"},
            content=content,
        )
        problem(r, 422)


async def test_a_login_is_needed_and_a_browser_must_send_its_csrf_token(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    problem(await client.patch(f"{API}/profile", json={"language": "ru"}), 401)
    problem(await client.get(f"{API}/profile"), 401)
    r = await client.post(
        f"{API}/auth/login", json={"email": desk.agent.email, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    problem(await client.patch(f"{API}/profile", json={"language": "ru"}), 403, "CSRF")
    r = await client.patch(
        f"{API}/profile", json={"language": "ru"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200, r.text
    assert (await me(client, {}))["language"] == "ru"
