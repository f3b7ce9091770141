"""The published contract: OpenAPI document, docs page, health and Prometheus metrics."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.api.conftest import API, new_conversation
from tests.conftest import Desk

CORE_PATHS = {
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/auth/me": {"get"},
    "/api/v1/auth/tokens": {"get", "post"},
    "/api/v1/auth/tokens/{token_id}": {"delete"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/{user_id}": {"get", "patch"},
    "/api/v1/profile/availability": {"put"},
    "/api/v1/teams": {"get", "post"},
    "/api/v1/teams/{team_id}": {"get", "patch"},
    "/api/v1/inboxes": {"get", "post"},
    "/api/v1/inboxes/{inbox_id}": {"get", "patch"},
    "/api/v1/inboxes/{inbox_id}/members": {"put"},
    "/api/v1/contacts": {"get", "post"},
    "/api/v1/contacts/{contact_id}": {"get", "patch"},
    "/api/v1/custom-attributes": {"get", "post"},
    "/api/v1/custom-attributes/{definition_id}": {"patch", "delete"},
    "/api/v1/conversations": {"get", "post"},
    "/api/v1/conversations/{conversation_id}": {"get", "patch"},
    "/api/v1/conversations/{conversation_id}/status": {"post"},
    "/api/v1/conversations/{conversation_id}/assignment": {"post"},
    "/api/v1/conversations/{conversation_id}/participants": {"post"},
    "/api/v1/conversations/{conversation_id}/participants/{user_id}": {"delete"},
    "/api/v1/conversations/{conversation_id}/messages": {"get", "post"},
    "/api/v1/attachments/{attachment_id}": {"get"},
    "/api/v1/labels": {"get", "post"},
    "/api/v1/labels/{label_id}": {"patch", "delete"},
    "/api/v1/canned-responses": {"get", "post"},
    "/api/v1/canned-responses/{canned_id}": {"patch", "delete"},
}


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


async def test_openapi_document_lists_the_core_paths(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] == "Frontdesk" and spec["info"]["version"]
    for path, methods in CORE_PATHS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), (path, set(spec["paths"][path]))
    # Every reference resolves inside the document.
    schemas = spec["components"]["schemas"]
    for ref in _refs(spec):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    # Every operation has a unique id and declares its path parameters.
    operation_ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    # The list filters and the message upload are described.
    listing = spec["paths"]["/api/v1/conversations"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "assignee_id", "team_id", "inbox_id", "label", "type", "q", "cursor",
            "limit", "sort", "priority", "contact_id"} <= names  # fmt: skip
    body = spec["paths"]["/api/v1/conversations/{conversation_id}/messages"]["post"]["requestBody"]
    assert {"application/json", "multipart/form-data"} <= set(body["content"])


async def test_docs_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/api/v1/openapi.json" in r.text and "swagger" in r.text.lower()


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_metrics(client: httpx.AsyncClient, desk: Desk) -> None:
    conv = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await client.get(f"{API}/conversations/{conv['id']}", headers=desk.agent.headers)
    await client.get(f"{API}/conversations/{conv['id'] + 1000}", headers=desk.agent.headers)
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    for family in (
        "frontdesk_http_request_duration_seconds",
        "frontdesk_open_websockets",
        "frontdesk_outbox_jobs",
    ):
        assert f"# TYPE {family} " in text, family
    # Requests are labelled by route template, not by path (ids would explode the labels).
    bucket = re.compile(
        r'frontdesk_http_request_duration_seconds_count\{method="GET",'
        r'route="/api/v1/conversations/\{conversation_id\}",status="(\d+)"\} (\S+)'
    )
    counts = {status: float(n) for status, n in bucket.findall(text)}
    assert counts == {"200": 1.0, "404": 1.0}, counts
    assert f'/api/v1/conversations/{conv["id"]}"' not in text
    assert re.search(r"^frontdesk_open_websockets 0\.0$", text, re.M)
    for status in ("pending", "running", "dead"):
        assert re.search(rf'^frontdesk_outbox_jobs\{{status="{status}"\}} \d', text, re.M), status
