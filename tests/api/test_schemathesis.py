"""Property-based run of every GET operation in the OpenAPI document: whatever the
parameters, the answer is never a 5xx and every refusal is problem+json.

schemathesis generates the requests from the published document; its pytest plugin is not
used (it does not run on this pytest), so each operation is driven with hypothesis directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import Desk, LiveServer, seed_desk

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")

EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def seeded(live_app: tuple[Any, LiveServer]) -> Iterator[tuple[httpx.Client, Any, Desk]]:
    """The app on a real server, a seeded desk and a conversation, so small generated ids
    hit real rows as well as missing ones."""
    app, server = live_app
    with httpx.Client(base_url=server.url, timeout=30) as client:
        desk = seed_desk(app.state.ctx.db)
        r = client.post(
            "/api/v1/conversations",
            headers=desk.admin.headers,
            json={"inbox_id": desk.inbox_id, "contact": {"name": "Ivan"},
                  "message": {"content": "hello"}},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        yield client, app, desk


def test_get_operations_never_fail(seeded: tuple[httpx.Client, Any, Desk]) -> None:
    client, app, desk = seeded
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [o.label for o in operations]
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
            kwargs["headers"] = {**kwargs["headers"], **desk.agent.headers}
            kwargs.pop("cookies", None)  # the API takes none as parameters
            response = client.request(**kwargs)
            where = f"{kwargs['method']} {kwargs['url']} {kwargs.get('params')}"
            assert response.status_code < 500, (where, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (
                    where,
                    response.headers,
                )
                assert response.json()["detail"], where

        try:
            check()
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n".join(failures)
