"""`GET /api/v1/presence` costs one query however many colleagues there are."""

from __future__ import annotations

import httpx

from frontdesk.core.db import Database
from frontdesk.team import service as team_service
from frontdesk.team.schemas import UserCreate
from tests.api.conftest import API, StatementCounter
from tests.conftest import Desk

LIST_PRESENCE = 1  # the workspace's users (statuses come from the presence store)


async def test_the_presence_list_is_one_query(
    client: httpx.AsyncClient, desk: Desk, db: Database, statements: StatementCounter
) -> None:
    await client.get(f"{API}/auth/me", headers=desk.agent.headers)  # caches the token
    counts = {}
    for extra in (0, 20):
        for i in range(extra):
            db.write_sync(
                lambda uow, i=i: team_service.create_user(
                    uow,
                    workspace_id=desk.workspace_id,
                    data=UserCreate(email=f"agent{i}@acme.example.com", name=f"Agent {i}"),
                )
            )
        with statements.counting() as seen:
            r = await client.get(f"{API}/presence", headers=desk.agent.headers)
        assert r.status_code == 200, r.text
        assert len(r.json()) == 4 + extra
        assert {item["status"] for item in r.json()} == {"offline"}
        counts[extra] = len(seen)
    assert counts == {0: LIST_PRESENCE, 20: LIST_PRESENCE}, counts
