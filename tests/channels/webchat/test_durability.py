"""The survey after a resolution and the e-mail of a reply to an offline visitor are durable
work: outbox jobs written in the very transaction of the resolution or of the reply. Nothing
is left to the process that committed: when it dies right after the commit, a `frontdesk
worker` process (another process) still sends both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.channels.webchat.service import SURVEY_JOB
from frontdesk.conversations import service as conversations
from frontdesk.conversations.schemas import MessageCreate, StatusChange
from frontdesk.conversations.service import Limits
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.principal import Principal, Role
from frontdesk.notifications.service import EMAIL_JOB
from frontdesk.outbox.models import OutboxJob
from frontdesk.settings import Settings
from tests.api.conftest import count_rows, post_message
from tests.channels.webchat.conftest import Visitor, make_inbox
from tests.channels.webchat.test_csat import assign, conversation_id, events, surveys
from tests.channels.worker_process import WorkerProcess, wait_until
from tests.conftest import Desk
from tests.outbox.helpers import jobs, one_job
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]


class Crash(Exception):
    """The transaction fails after the change (anything may fail before the commit)."""


def agent(desk: Desk) -> Principal:
    return Principal(
        user_id=desk.agent.id, workspace_id=desk.workspace_id, role=Role.agent, via="test"
    )


def resolve_in(uow: UnitOfWork, desk: Desk, cid: int) -> None:
    conversations.change_status(
        uow, principal=agent(desk), conversation_id=cid, data=StatusChange(status="resolved")
    )


def reply_in(uow: UnitOfWork, desk: Desk, cid: int, content: str) -> int:
    return conversations.post_message(
        uow,
        principal=agent(desk),
        conversation_id=cid,
        data=MessageCreate(content=content),
        files=[],
        limits=Limits(),
    ).id


def jobs_in(uow: UnitOfWork, kind: str) -> list[OutboxJob]:
    return list(uow.session.execute(select(OutboxJob).where(OutboxJob.kind == kind)).scalars())


async def test_a_resolution_enqueues_its_survey_in_its_own_transaction(
    client: httpx.AsyncClient, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("My parcel is late")
    cid = await conversation_id(client, desk)
    await assign(client, desk, cid, desk.agent.id)

    def resolve_then_crash(uow: UnitOfWork) -> None:
        resolve_in(uow, desk, cid)
        # Beside the resolution, before any commit: the survey job, with the assignee now.
        [job] = jobs_in(uow, SURVEY_JOB)
        assert job.payload == {"conversation_id": cid, "assignee_id": desk.agent.id}
        assert job.status == "pending"
        raise Crash

    with pytest.raises(Crash):
        await db.write(resolve_then_crash)
    # Rolled back with its resolution: no survey of a conversation that is still open.
    assert await jobs(db, kind=SURVEY_JOB) == []
    assert (await visitor.messages())["conversation"]["status"] == "open"

    await db.write(lambda uow: resolve_in(uow, desk, cid))
    job = await one_job(db, kind=SURVEY_JOB)
    assert job.status == "pending" and job.workspace_id == desk.workspace_id
    # Nothing was written after the commit by the committing process: the job does it.
    assert surveys(db) == [] and events(db, "csat.requested") == []


async def test_no_survey_job_without_csat_or_outside_the_widget(
    client: httpx.AsyncClient, db: Database, desk: Desk
) -> None:
    inbox = await make_inbox(client, desk, csat=False)
    quiet = Visitor(client, inbox)
    await quiet.start()
    await quiet.say("Hi")
    cid = await conversation_id(client, desk)
    await db.write(lambda uow: resolve_in(uow, desk, cid))
    r = await client.post(
        "/api/v1/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "X"}, "message": {"content": "m"}},
    )
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    await db.write(lambda uow: resolve_in(uow, desk, other))
    assert await jobs(db, kind=SURVEY_JOB) == []


async def test_a_reply_to_an_offline_visitor_enqueues_its_e_mail_in_its_own_transaction(
    client: httpx.AsyncClient, db: Database, desk: Desk, visitor: Visitor
) -> None:
    r = await visitor.post(
        "offline",
        {"email": "olga@example.com", "content": "Do you deliver?", "client_id": "off-1"},
    )
    assert r.status_code == 201, r.text
    cid = await conversation_id(client, desk)

    def reply_then_crash(uow: UnitOfWork) -> None:
        message_id = reply_in(uow, desk, cid, "Yes, in 3 days.")
        [job] = jobs_in(uow, EMAIL_JOB)
        assert job.idempotency_key == f"webchat.followup:{message_id}"
        assert job.payload["to"] == "olga@example.com"
        assert "Yes, in 3 days." in job.payload["body"]
        raise Crash

    with pytest.raises(Crash):
        await db.write(reply_then_crash)
    assert await jobs(db, kind=EMAIL_JOB) == []

    await post_message(client, desk.agent.headers, cid, "a note", private=True)
    assert await jobs(db, kind=EMAIL_JOB) == []  # notes never leave the desk
    posted = await post_message(client, desk.agent.headers, cid, "Yes, in 3 days.")
    job = await one_job(db, kind=EMAIL_JOB)
    assert job.idempotency_key == f"webchat.followup:{posted['id']}"


async def test_replies_in_ordinary_chats_enqueue_no_e_mail(
    client: httpx.AsyncClient, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Hi")
    cid = await conversation_id(client, desk)
    await post_message(client, desk.agent.headers, cid, "Hello!")
    assert await jobs(db) == []


# ------------------------------------------------------------- another process delivers
async def test_another_process_sends_what_the_committing_process_never_did(
    client: httpx.AsyncClient,
    app: Any,
    db: Database,
    desk: Desk,
    visitor: Visitor,
    settings: Settings,
    smtp_server: SMTPServer,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    r = await visitor.post(
        "offline",
        {"email": "olga@example.com", "content": "Do you deliver?", "client_id": "off-1"},
    )
    assert r.status_code == 201, r.text
    cid = await conversation_id(client, desk)
    await assign(client, desk, cid, desk.agent.id)
    await post_message(client, desk.agent.headers, cid, "Yes, to Kazan in 3 days.")
    r = await client.post(
        f"/api/v1/conversations/{cid}/status",
        headers=desk.agent.headers,
        json={"status": "resolved"},
    )
    assert r.status_code == 200, r.text
    # After the resolution, somebody else takes the conversation: the survey stays the
    # resolving agent's.
    await assign(client, desk, cid, desk.admin.id)
    # The process that committed does nothing more (as if it died right after the commit;
    # this app runs no worker): the work waits in the outbox.
    assert app.state.worker is None
    waiting = await jobs(db, status="pending")
    followup = [j for j in waiting if j.idempotency_key.startswith("webchat.followup:")]
    assert len(followup) == 1 and followup[0].kind == EMAIL_JOB
    assert [j.kind for j in waiting].count(SURVEY_JOB) == 1
    assert surveys(db) == [] and smtp_server.messages == []

    workers.append(
        WorkerProcess(
            settings,
            tmp_path,
            "worker",
            extra_env={
                "FRONTDESK_SMTP_HOST": smtp_server.host,
                "FRONTDESK_SMTP_PORT": str(smtp_server.port),
                "FRONTDESK_SMTP_FROM": "Frontdesk <desk@shop.example.com>",
            },
        )
    )
    [survey] = wait_until(lambda: surveys(db), "the survey, sent by the worker process", workers)
    assert survey["conversation_id"] == cid and survey["assignee_id"] == desk.agent.id
    [requested] = events(db, "csat.requested")
    assert requested["assignee_id"] == desk.agent.id
    await smtp_server.wait_for(2)  # hers, and the assignment's notice to the agent
    [mail] = [m for m in smtp_server.messages if m["To"] == "olga@example.com"]
    assert "Yes, to Kazan in 3 days." in mail.get_body().get_content()  # type: ignore[union-attr]
    wait_until(
        lambda: count_rows(db, "outbox_jobs", "status != 'done'") == 0,
        "the jobs to be done",
        workers,
    )
    # The visitor is asked, and the answer is attributed as surveyed.
    r = await visitor.post("csat", {"rating": 5, "comment": "Thanks"})
    assert r.status_code == 200, r.text
    assert surveys(db)[0]["assignee_id"] == desk.agent.id
