"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
FRONTDESK_TEST_DATABASE_URL is set), an app, an API client and a seeded workspace."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from frontdesk.app import create_app
from frontdesk.core.db import Database, normalize_url
from frontdesk.core.migrate import upgrade
from frontdesk.settings import Settings

PG_URL = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL")
TABLES_IN_ORDER: list[str] = []


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Production argon2 costs ~0.1-0.3 s a hash and every seeded desk hashes four passwords:
    that alone made the suite several times slower. Tests need the code path, not the cost."""
    from argon2 import PasswordHasher

    from frontdesk.core import security

    real = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = real


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        engine = create_engine(normalize_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_pg(url: str) -> None:
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, migrated_template: str) -> Settings:
    if PG_URL:
        _truncate_pg(PG_URL)
        url = PG_URL
    else:
        db_path = tmp_path / "frontdesk.db"
        shutil.copy(migrated_template, db_path)
        url = f"sqlite:///{db_path}"
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        redis_url=REDIS_URL,
        # Pub/sub ignores database numbers: a channel per test keeps parallel runs apart.
        redis_channel=f"frontdesk:test:{uuid.uuid4().hex}",
        secret_key="test",
        base_url="http://testserver",
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def db(app: Any) -> Database:
    database: Database = app.state.ctx.db
    return database


@dataclass
class Actor:
    id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Desk:
    workspace_id: int
    admin: Actor
    supervisor: Actor
    agent: Actor
    other_agent: Actor
    inbox_id: int
    other_inbox_id: int
    team_id: int


PASSWORD = "correct horse battery"


def seed_desk(db: Database, *, slug: str = "acme") -> Desk:
    from frontdesk.auth import service as auth_service
    from frontdesk.core.principal import Role
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate
    from frontdesk.team import service as team_service
    from frontdesk.team.schemas import TeamCreate, UserCreate

    def build(uow: Any) -> Desk:
        ws = team_service.create_workspace(uow, name=slug.title(), slug=slug)
        actors = {}
        for key, role in (
            ("admin", Role.admin),
            ("supervisor", Role.supervisor),
            ("agent", Role.agent),
            ("other_agent", Role.agent),
        ):
            email = f"{key}@{slug}.example.com"
            user = team_service.create_user(
                uow,
                workspace_id=ws.id,
                data=UserCreate(
                    email=email, name=key.replace("_", " ").title(), role=role, password=PASSWORD
                ),
            )
            token = auth_service.create_token(uow, user_id=user.id, name="tests")
            actors[key] = Actor(id=user.id, email=email, token=token.token)
        inbox = inbox_service.create_inbox(
            uow,
            workspace_id=ws.id,
            data=InboxCreate(
                name="API", channel_type=ChannelType.api, member_ids=[actors["agent"].id]
            ),
        )
        other = inbox_service.create_inbox(
            uow,
            workspace_id=ws.id,
            data=InboxCreate(
                name="Other", channel_type=ChannelType.api, member_ids=[actors["other_agent"].id]
            ),
        )
        admin_principal = auth_service.principal_for_token(uow.session, token=actors["admin"].token)
        assert admin_principal is not None
        team = team_service.create_team(
            uow,
            principal=admin_principal,
            data=TeamCreate(
                name="Support", member_ids=[actors["supervisor"].id], inbox_ids=[inbox.id]
            ),
        )
        return Desk(
            workspace_id=ws.id,
            inbox_id=inbox.id,
            other_inbox_id=other.id,
            team_id=team.id,
            **actors,
        )

    return db.write_sync(build)


@pytest.fixture
def desk(db: Database) -> Desk:
    return seed_desk(db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on a loopback port, for websockets and multi-process tests."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_app(settings: Settings) -> Iterator[tuple[Any, LiveServer]]:
    application = create_app(settings)
    server = LiveServer(application).start()
    try:
        yield application, server
    finally:
        server.stop()
