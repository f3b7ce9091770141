"""Errors are RFC 9457 problem+json with a clear detail, never a bare 500."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from frontdesk.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    TooLarge,
    Unauthorized,
    Unprocessable,
    problem_response,
)
from tests.conftest import Desk

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: httpx.Response, status: int, title: str | None = None) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status and body["type"] == "about:blank"
    assert isinstance(body["detail"], str) and body["detail"]
    if title is not None:
        assert body["title"] == title
    return body


@pytest.mark.parametrize(
    ("problem", "status", "title"),
    [
        (Problem("x"), 400, "Bad request"),
        (NotFound("x"), 404, "Not found"),
        (Forbidden("x"), 403, "Forbidden"),
        (Unauthorized("x"), 401, "Unauthorized"),
        (Conflict("x"), 409, "Conflict"),
        (Unprocessable("x"), 422, "Unprocessable content"),
        (TooLarge("x"), 413, "Content too large"),
        (Problem("x", status=429, title="Slow down"), 429, "Slow down"),
    ],
)
def test_problem_kinds(problem: Problem, status: int, title: str) -> None:
    assert (problem.status, problem.title, problem.detail) == (status, title, "x")


def test_problem_response_shape() -> None:
    response = problem_response(409, "Conflict", "a label 'vip' already exists", label="vip")
    assert response.media_type == "application/problem+json"
    assert orjson.loads(response.body) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "a label 'vip' already exists",
        "label": "vip",
    }
    assert "www-authenticate" not in response.headers
    assert problem_response(401, "Unauthorized", "log in").headers["www-authenticate"] == "Bearer"


async def test_unauthenticated(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/conversations")
    assert_problem(r, 401, "Unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    r = await client.get("/api/v1/conversations", headers={"Authorization": "Basic abc"})
    assert "Bearer" in assert_problem(r, 401)["detail"]


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/no-such-thing"), 404, "Not found")
    assert_problem(await client.delete("/healthz"), 405, "Method not allowed")


async def test_not_visible_is_not_found(client: httpx.AsyncClient, desk: Desk) -> None:
    r = await client.get("/api/v1/conversations/999999", headers=desk.agent.headers)
    assert "999999" in assert_problem(r, 404)["detail"]


async def test_invalid_bodies_are_422_with_each_error(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.post(
        "/api/v1/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": "first", "contact": {"name": "Ivan"}, "colour": "red"},
    )
    body = assert_problem(r, 422, "Invalid request")
    assert "unknown field 'colour'" in body["detail"]
    assert "inbox_id" in body["detail"]
    assert {tuple(e["loc"][-1:]) for e in body["errors"]} >= {("colour",), ("inbox_id",)}

    r = await client.post(
        "/api/v1/conversations",
        headers={**desk.agent.headers, "Content-Type": "application/json"},
        content=b'{"inbox_id": 1,',
    )
    assert_problem(r, 422)


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "status"),
    [
        ("!!!", 400),
        (_cursor([1]), 400),
        (_cursor(["yesterday", 5]), 422),
        (_cursor([None, "x"]), 422),
    ],
)
async def test_bad_cursors_are_refused_clearly(
    client: httpx.AsyncClient, desk: Desk, cursor: str, status: int
) -> None:
    r = await client.get(
        "/api/v1/conversations", headers=desk.agent.headers, params={"cursor": cursor}
    )
    assert "cursor" in assert_problem(r, status, "Bad cursor")["detail"]


async def test_an_unexpected_error_is_a_500_problem_without_internals(app: Any) -> None:
    async def broken() -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    app.add_api_route("/test-broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.get("/test-broken")
    body = assert_problem(r, 500, "Internal error")
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert body["detail"] == "something went wrong on our side; it was logged"
