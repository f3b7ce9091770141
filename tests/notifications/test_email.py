"""Notification e-mails, end to end: API call → outbox row → worker → a real SMTP server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.notifications.mailer import make_email_handler
from frontdesk.notifications.service import EMAIL_JOB
from frontdesk.outbox.models import OutboxJob
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Job, PermanentError, Worker
from frontdesk.settings import Settings
from tests.conftest import Desk, seed_desk
from tests.outbox.helpers import FakeClock, eventually, jobs
from tests.smtp_server import SMTPServer


async def open_conversation(client: httpx.AsyncClient, desk: Desk) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/conversations",
        headers=desk.agent.headers,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Ivan Petrov", "email": "ivan@example.ru"},
            "message": {"content": "My parcel is late"},
        },
    )
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()
    return conversation


async def assign(
    client: httpx.AsyncClient, actor_headers: dict[str, str], conversation_id: int, user_id: int
) -> None:
    r = await client.post(
        f"/api/v1/conversations/{conversation_id}/assignment",
        headers=actor_headers,
        json={"assignee_id": user_id},
    )
    assert r.status_code == 200, r.text


async def post_note(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: int, content: str
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=headers,
        json={"content": content, "private": True},
    )
    assert r.status_code == 201, r.text
    message: dict[str, Any] = r.json()
    return message


async def email_jobs(db: Database) -> list[OutboxJob]:
    return await jobs(db, kind=EMAIL_JOB)


def body(message: Any) -> str:
    text: str = message.get_content()
    return text.replace("\r\n", "\n")  # SMTP carries CRLF line ends


# ------------------------------------------------------------------------------ assignment
async def test_assignment_mails_the_assignee(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    conversation = await open_conversation(client, desk)
    await assign(client, desk.admin.headers, conversation["id"], desk.agent.id)

    [mail] = await smtp_server.wait_for(1)
    number = conversation["number"]
    assert mail["Subject"] == f"Conversation #{number} was assigned to you"
    assert mail["To"] == desk.agent.email
    assert mail["From"] == "Frontdesk <desk@acme.example.com>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert body(mail) == f"Hello Agent,\n\nconversation #{number} was assigned to you by Admin.\n"
    assert smtp_server.envelopes[0].rcpt_tos == (desk.agent.email,)

    job = await eventually(
        lambda: _done_job(db), what="the e-mail job to be marked done after delivery"
    )
    assert job.attempts == 1
    assert mail["Message-ID"] == f"<frontdesk-job-{job.id}@acme.example.com>"
    assert mail["X-Frontdesk-Idempotency-Key"] == job.idempotency_key


async def _done_job(db: Database) -> OutboxJob | None:
    rows = await email_jobs(db)
    return rows[0] if len(rows) == 1 and rows[0].status == "done" else None


async def test_assigning_yourself_sends_nothing(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    conversation = await open_conversation(client, desk)
    await assign(client, desk.agent.headers, conversation["id"], desk.agent.id)
    assert await email_jobs(db) == []
    # Reassigning by someone else does mail, and that is the only mail.
    await assign(client, desk.admin.headers, conversation["id"], desk.supervisor.id)
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == desk.supervisor.email


async def test_creating_a_conversation_assigned_to_someone_mails_them(
    client: httpx.AsyncClient, desk: Desk, smtp_server: SMTPServer
) -> None:
    r = await client.post(
        "/api/v1/conversations",
        headers=desk.admin.headers,
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Olga"},
            "assignee_id": desk.agent.id,
        },
    )
    assert r.status_code == 201, r.text
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == desk.agent.email
    assert mail["Subject"] == f"Conversation #{r.json()['number']} was assigned to you"


# ------------------------------------------------------------------------------ mentions
async def test_a_mention_in_a_note_mails_the_mentioned_user(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    conversation = await open_conversation(client, desk)
    note = (
        f"@[Other Agent](user:{desk.other_agent.id}) could you check the tracking number?\n"
        "It is 12345."
    )
    message = await post_note(client, desk.agent.headers, conversation["id"], note)

    [mail] = await smtp_server.wait_for(1)
    number = conversation["number"]
    assert mail["To"] == desk.other_agent.email
    assert mail["Subject"] == f"Agent mentioned you in #{number}"
    text = body(mail)
    assert "@Other Agent could you check the tracking number?\nIt is 12345." in text
    assert "(user:" not in text
    [job] = await email_jobs(db)
    assert job.idempotency_key == f"mention:{message['id']}:{desk.other_agent.id}"


async def test_mentioning_yourself_sends_nothing(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    conversation = await open_conversation(client, desk)
    await post_note(
        client,
        desk.agent.headers,
        conversation["id"],
        f"note to self @[Agent](user:{desk.agent.id})",
    )
    assert await email_jobs(db) == []
    # The next mention is delivered, and it is the first and only mail the server saw.
    await post_note(
        client, desk.agent.headers, conversation["id"], f"@[Admin](user:{desk.admin.id}) hi"
    )
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == desk.admin.email


async def test_several_mentions_mail_each_person_once(
    client: httpx.AsyncClient, desk: Desk, smtp_server: SMTPServer
) -> None:
    conversation = await open_conversation(client, desk)
    other, supervisor = desk.other_agent, desk.supervisor
    await post_note(
        client,
        desk.agent.headers,
        conversation["id"],
        f"@[Other Agent](user:{other.id}) and @[Supervisor](user:{supervisor.id}), "
        f"again @[Other Agent](user:{other.id})",
    )
    mails = await smtp_server.wait_for(2)
    assert sorted(m["To"] for m in mails) == sorted([other.email, supervisor.email])


async def test_mentions_outside_notes_and_workspace_send_nothing(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    stranger = seed_desk(db, slug="globex").agent
    conversation = await open_conversation(client, desk)
    # A reply to the customer is not a note: mention syntax there notifies nobody.
    r = await client.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        headers=desk.agent.headers,
        json={"content": f"@[Other Agent](user:{desk.other_agent.id}) will call you"},
    )
    assert r.status_code == 201, r.text
    # A user of another workspace cannot be reached through a guessed id.
    await post_note(client, desk.agent.headers, conversation["id"], f"@[X](user:{stranger.id})")
    # Nor a user id that does not exist.
    await post_note(client, desk.agent.headers, conversation["id"], "@[Ghost](user:987654321)")
    assert await email_jobs(db) == []


async def test_a_deactivated_user_is_not_mailed(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    r = await client.patch(
        f"/api/v1/users/{desk.other_agent.id}",
        headers=desk.admin.headers,
        json={"is_active": False},
    )
    assert r.status_code == 200, r.text
    conversation = await open_conversation(client, desk)
    await post_note(
        client,
        desk.agent.headers,
        conversation["id"],
        f"@[Other Agent](user:{desk.other_agent.id}) are you there?",
    )
    assert await email_jobs(db) == []


# ------------------------------------------------------------------------------ failures
async def test_smtp_down_is_retried_and_delivered_when_back(
    client: httpx.AsyncClient,
    desk: Desk,
    db: Database,
    app: Any,
    clock: FakeClock,
    smtp_server: SMTPServer,
) -> None:
    smtp_server.stop()
    conversation = await open_conversation(client, desk)
    await assign(client, desk.admin.headers, conversation["id"], desk.agent.id)

    async def failed_once() -> OutboxJob | None:
        rows = await email_jobs(db)
        return rows[0] if rows and rows[0].attempts == 1 and rows[0].status == "pending" else None

    job = await eventually(failed_once, what="the first delivery attempt to fail")
    assert job.last_error and "SMTP" in job.last_error
    assert clock.now < job.run_at <= clock.now + 2 * RetryPolicy().backoff(1)

    smtp_server.start()
    # Up again, but the retry is not due: the worker leaves it alone.
    await app.state.worker.run_once()
    assert smtp_server.messages == []

    clock.advance(job.run_at - clock.now)
    app.state.worker.wake()
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == desk.agent.email
    done = await eventually(lambda: _done_job(db), what="the retried job to be done")
    assert (done.id, done.attempts, done.last_error) == (job.id, 2, None)
    assert mail["Message-ID"] == f"<frontdesk-job-{job.id}@acme.example.com>"


@pytest.mark.parametrize("run_worker", [False])
async def test_a_repeated_delivery_carries_the_same_message_id(
    client: httpx.AsyncClient,
    desk: Desk,
    db: Database,
    clock: FakeClock,
    mail_settings: Settings,
    smtp_server: SMTPServer,
) -> None:
    """At least once: when the worker loses the server's answer after DATA, it sends again;
    the receiver recognises the copy by its Message-ID."""
    conversation = await open_conversation(client, desk)
    await assign(client, desk.admin.headers, conversation["id"], desk.agent.id)
    send = make_email_handler(mail_settings)
    lost_acks = [ConnectionResetError("connection dropped after DATA")]

    async def send_and_lose_the_answer(job: Job) -> None:
        await send(job)
        if lost_acks:
            raise lost_acks.pop()

    worker = Worker(
        db,
        handlers={EMAIL_JOB: send_and_lose_the_answer},
        policy=RetryPolicy(max_attempts=3),
        jitter=lambda: 0.0,
    )
    assert await worker.run_once() == 1
    [pending] = await email_jobs(db)
    assert (pending.status, pending.attempts) == ("pending", 1)
    clock.advance(pending.run_at - clock.now)
    assert await worker.run_once() == 1

    first, second = await smtp_server.wait_for(2)
    assert (
        first["Message-ID"]
        == second["Message-ID"]
        == f"<frontdesk-job-{pending.id}@acme.example.com>"
    )
    assert first["X-Frontdesk-Idempotency-Key"] == second["X-Frontdesk-Idempotency-Key"]
    [done] = await email_jobs(db)
    assert (done.status, done.attempts) == ("done", 2)


async def test_a_refused_recipient_is_dead_at_once(
    client: httpx.AsyncClient, desk: Desk, db: Database, smtp_server: SMTPServer
) -> None:
    smtp_server.refuse(desk.agent.email)
    conversation = await open_conversation(client, desk)
    await assign(client, desk.admin.headers, conversation["id"], desk.agent.id)

    async def dead() -> OutboxJob | None:
        rows = await email_jobs(db)
        return rows[0] if rows and rows[0].status == "dead" else None

    job = await eventually(dead, what="the refused e-mail to be dead-lettered")
    assert job.attempts == 1
    assert job.last_error and job.last_error.startswith("PermanentError: recipient refused")
    assert smtp_server.messages == []


async def test_without_smtp_settings_mail_is_a_permanent_failure(settings: Settings) -> None:
    send = make_email_handler(settings.model_copy(update={"smtp_host": None}))
    job = Job(
        id=1,
        kind=EMAIL_JOB,
        payload={"to": "a@example.com", "subject": "s", "body": "b"},
        idempotency_key="k",
        attempt=1,
        workspace_id=None,
    )
    with pytest.raises(PermanentError, match="FRONTDESK_SMTP_HOST"):
        await send(job)
