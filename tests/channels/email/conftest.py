"""A real IMAP server (dovecot), a real SMTP server (aiosmtpd), an app with its worker, and an
e-mail inbox reading a folder of the one and sending through the other."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app, make_worker
from frontdesk.core.db import Database
from frontdesk.inboxes import service as inbox_service
from frontdesk.inboxes.schemas import ChannelType, InboxCreate
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from tests.channels.email.dovecot import Dovecot, available
from tests.conftest import Desk, seed_desk
from tests.smtp_server import SMTPServer, smtp_server  # noqa: F401  (a fixture)

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "email"
INBOX_ADDRESS = "support@shop.example"
_folders = itertools.count(1)


def sample_files(*sets: str) -> list[Path]:
    """Every mail file of the shared samples (all sets, or the ones named)."""
    roots = [SAMPLES / s for s in sets] if sets else [SAMPLES]
    skip = {"SOURCE.txt", "LICENSE", ".gitattributes"}
    return sorted(
        p
        for root in roots
        for p in root.rglob("*")
        if p.is_file() and p.name not in skip and not p.name.startswith("LICENSE")
    )


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    if not available():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("dovecot is missing in CI (./scripts/test installs it as root)")
        pytest.skip("dovecot is not installed (as root: apt-get install dovecot-imapd)")
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def folder(dovecot_server: Dovecot) -> str:
    """A fresh IMAP folder of this test's own on the shared server."""
    name = f"Support-{next(_folders)}-{uuid.uuid4().hex[:6]}"
    dovecot_server.create(name)
    return name


def mail(
    *,
    sender: str = "Ann Customer <ann@customer.example>",
    to: str = INBOX_ADDRESS,
    subject: str = "Where is my order?",
    body: str = "Hello, my order 1042 has not arrived yet.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A customer's mail as their client would write it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


@dataclass
class MailDesk:
    """The seeded desk with an e-mail inbox, its app (ASGI client) and worker."""

    desk: Desk
    app: Any
    client: httpx.AsyncClient
    db: Database
    worker: Worker
    inbox_id: int
    settings: Settings

    async def work(self, rounds: int = 10) -> int:
        """Run the due outbox jobs (polls, deliveries) until none is left."""
        done = 0
        for _ in range(rounds):
            ran = await self.worker.run_once()
            done += ran
            if not ran:
                break
        return done


def email_inbox(db: Database, desk: Desk, settings: dict[str, Any]) -> int:
    def build(uow: Any) -> int:
        return inbox_service.create_inbox(
            uow,
            workspace_id=desk.workspace_id,
            data=InboxCreate(
                name="E-mail",
                channel_type=ChannelType.email,
                settings=settings,
                member_ids=[desk.agent.id],
            ),
        ).id

    return db.write_sync(build)


@pytest.fixture
async def mail_desk(
    settings: Settings,
    dovecot_server: Dovecot,
    folder: str,
    smtp_server: SMTPServer,  # noqa: F811
) -> AsyncIterator[MailDesk]:
    settings = settings.model_copy(update={"channel_timeout_seconds": 10.0})
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        db: Database = application.state.ctx.db
        desk = seed_desk(db)
        inbox_id = email_inbox(
            db,
            desk,
            dovecot_server.inbox_settings(
                folder=folder, smtp_port=smtp_server.port, address=INBOX_ADDRESS
            ),
        )
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield MailDesk(
                desk=desk,
                app=application,
                client=client,
                db=db,
                worker=make_worker(settings, db),
                inbox_id=inbox_id,
                settings=settings,
            )
