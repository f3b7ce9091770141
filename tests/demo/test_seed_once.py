"""Seeding happens once, and the printed logins work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.db import Database
from frontdesk.demo.seed import DEMO_PASSWORD, DemoSize, seed_demo
from frontdesk.settings import Settings
from tests.conftest import seed_desk

TINY = DemoSize(contacts=6, conversations=15, days=30)


def counts(db: Database) -> tuple[int, int]:
    return db.read_sync(
        lambda s: (
            s.execute(select(func.count()).select_from(Conversation)).scalar_one(),
            s.execute(select(func.count()).select_from(Message)).scalar_one(),
        )
    )


async def test_every_printed_login_signs_in_with_the_demo_password(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    result = seed_demo(settings, size=TINY)
    assert result.seeded
    assert {role for _email, role in result.logins} == {"admin", "supervisor", "agent"}
    for email, _role in result.logins:
        r = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, (email, r.text)
    admin = next(email for email, role in result.logins if role == "admin")
    r = await client.post("/api/v1/auth/login", json={"email": admin, "password": DEMO_PASSWORD})
    assert r.status_code == 200
    r = await client.get("/api/v1/conversations", params={"status": "resolved"})
    assert r.status_code == 200 and r.json()["items"]


def test_seeding_twice_adds_nothing_and_returns_the_same_logins(settings: Settings) -> None:
    first = seed_demo(settings, size=TINY, now=datetime.now(UTC))
    db = Database(settings.resolved_database_url)
    try:
        before = counts(db)
        second = seed_demo(settings, size=TINY)
        assert not second.seeded
        assert sorted(second.logins) == sorted(first.logins)
        assert counts(db) == before
    finally:
        db.close()


def test_a_database_with_its_own_workspace_gets_no_demo(settings: Settings) -> None:
    db = Database(settings.resolved_database_url)
    try:
        seed_desk(db)
        result = seed_demo(settings, size=TINY)
        assert not result.seeded and result.logins == []
        assert counts(db) == (0, 0)
    finally:
        db.close()


def test_a_seed_that_fails_half_way_leaves_nothing_and_the_next_run_seeds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.demo import seed as seed_module

    done = 0
    real_do = seed_module._Replay._do

    def failing_do(self: Any, uow: Any, action: Any) -> None:
        nonlocal done
        done += 1
        if done == 40:
            raise RuntimeError("disk full")
        real_do(self, uow, action)

    monkeypatch.setattr(seed_module._Replay, "_do", failing_do)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_demo(settings, size=TINY)
    monkeypatch.setattr(seed_module._Replay, "_do", real_do)
    db = Database(settings.resolved_database_url)
    try:
        assert counts(db) == (0, 0)
        assert seed_demo(settings, size=TINY).seeded
        assert counts(db)[0] > 0
    finally:
        db.close()
