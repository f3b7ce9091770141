"""Admins see dead-lettered work with its reason and can send it again."""

from __future__ import annotations

from typing import Any

import httpx

from frontdesk.app import make_worker
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.outbox import service as outbox
from frontdesk.settings import Settings
from tests.conftest import Desk, seed_desk


def _enqueue(db: Database, *, workspace_id: int, kind: str, key: str) -> None:
    def write(uow: UnitOfWork) -> None:
        outbox.enqueue(
            uow, kind=kind, payload={"n": 1}, idempotency_key=key, workspace_id=workspace_id
        )

    db.write_sync(write)


async def test_dead_job_is_listed_with_its_reason_and_can_be_redelivered(
    client: httpx.AsyncClient, desk: Desk, db: Database, settings: Settings
) -> None:
    _enqueue(db, workspace_id=desk.workspace_id, kind="no.such.kind", key="k1")
    worker = make_worker(settings, db)
    assert await worker.run_once() == 1

    r = await client.get(
        "/api/v1/outbox/jobs", params={"status": "dead"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    [job] = r.json()["items"]
    assert job["kind"] == "no.such.kind"
    assert job["status"] == "dead"
    assert "no handler" in job["last_error"]

    r = await client.post(f"/api/v1/outbox/jobs/{job['id']}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["attempts"] == 0

    # Only dead jobs can be sent again.
    r = await client.post(f"/api/v1/outbox/jobs/{job['id']}/redeliver", headers=desk.admin.headers)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_dead_letter_is_for_admins_of_the_workspace_only(
    client: httpx.AsyncClient, desk: Desk, db: Database, settings: Settings
) -> None:
    _enqueue(db, workspace_id=desk.workspace_id, kind="no.such.kind", key="k2")
    await make_worker(settings, db).run_once()
    other = seed_desk(db, slug="other")

    r = await client.get("/api/v1/outbox/jobs", headers=desk.agent.headers)
    assert r.status_code == 403
    r = await client.get("/api/v1/outbox/jobs", headers=other.admin.headers)
    assert r.status_code == 200 and r.json()["items"] == []
    jobs: list[dict[str, Any]] = (
        await client.get("/api/v1/outbox/jobs", headers=desk.admin.headers)
    ).json()["items"]
    r = await client.post(
        f"/api/v1/outbox/jobs/{jobs[0]['id']}/redeliver", headers=other.admin.headers
    )
    assert r.status_code == 404


async def test_listing_pages_with_a_cursor_and_refuses_a_bad_one(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    for i in range(5):
        _enqueue(db, workspace_id=desk.workspace_id, kind="no.such.kind", key=f"p{i}")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/outbox/jobs", params=params, headers=desk.admin.headers)
        assert r.status_code == 200
        seen += [j["id"] for j in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 5

    r = await client.get(
        "/api/v1/outbox/jobs", params={"cursor": "garbage!"}, headers=desk.admin.headers
    )
    assert r.status_code == 400
