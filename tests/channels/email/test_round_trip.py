"""E-mail against real servers: dovecot (IMAP) and aiosmtpd (SMTP).

Customer mail appended to the IMAP folder → conversation → agent reply → mail received at the
SMTP server with In-Reply-To/References of the thread → the customer answers → the same
conversation. Also: bounces, reply tokens and subject tags, UIDVALIDITY, mail that cannot be
stored, and mail servers that fail."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.channels.email import poller
from frontdesk.channels.email import service as email_service
from frontdesk.channels.email.models import EmailMailbox
from frontdesk.core.events import EventRow
from tests.channels.email.conftest import INBOX_ADDRESS, MailDesk, mail
from tests.channels.email.dovecot import Dovecot
from tests.outbox.helpers import jobs
from tests.smtp_server import SMTPServer

FIRST_ID = "<first-order-mail@customer.example>"


async def connect(md: MailDesk, dovecot: Dovecot, folder: str, smtp: SMTPServer) -> None:
    body = {
        **dovecot.inbox_settings(folder=folder, smtp_port=smtp.port, address=INBOX_ADDRESS),
        "poll_seconds": 30,
        "check": True,
    }
    answer = await md.client.post(
        f"/api/v1/inboxes/{md.inbox_id}/email/connect", json=body, headers=md.desk.admin.headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["connected"] is True


async def conversations(md: MailDesk) -> list[dict[str, Any]]:
    answer = await md.client.get(
        "/api/v1/conversations",
        params={"inbox_id": md.inbox_id, "status": ["open", "pending", "resolved"]},
        headers=md.desk.agent.headers,
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def timeline(md: MailDesk, conversation_id: int) -> list[dict[str, Any]]:
    answer = await md.client.get(
        f"/api/v1/conversations/{conversation_id}/messages",
        params={"limit": 100},
        headers=md.desk.agent.headers,
    )
    assert answer.status_code == 200, answer.text
    return [m for m in answer.json()["items"] if m["kind"] in ("incoming", "outgoing")]


async def reply(md: MailDesk, conversation_id: int, text: str) -> dict[str, Any]:
    answer = await md.client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"content": text},
        headers=md.desk.agent.headers,
    )
    assert answer.status_code == 201, answer.text
    posted: dict[str, Any] = answer.json()
    return posted


async def poll_now(md: MailDesk) -> None:
    answer = await md.client.post(
        f"/api/v1/inboxes/{md.inbox_id}/email/poll", headers=md.desk.admin.headers
    )
    assert answer.status_code == 202, answer.text
    await md.work()


async def first_conversation(
    md: MailDesk, dovecot: Dovecot, folder: str, smtp: SMTPServer
) -> dict[str, Any]:
    dovecot.append(mail(message_id=FIRST_ID), folder=folder)
    await connect(md, dovecot, folder, smtp)
    await md.work()
    (conversation,) = await conversations(md)
    return conversation


async def test_round_trip(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    conversation = await first_conversation(md, dovecot_server, folder, smtp_server)
    assert conversation["subject"] == "Where is my order?"
    (incoming,) = await timeline(md, conversation["id"])
    assert incoming["content"] == "Hello, my order 1042 has not arrived yet."
    assert incoming["external_id"] == FIRST_ID.strip("<>")
    assert incoming["content_attributes"]["email"]["from"]["email"] == "ann@customer.example"

    posted = await reply(md, conversation["id"], "It left the warehouse today.")
    assert posted["delivery_status"] == "pending"
    await md.work()
    (sent,) = await smtp_server.wait_for(1)
    number = conversation["number"]
    assert sent["To"] == "ann@customer.example"
    assert INBOX_ADDRESS in sent["From"]
    assert sent["In-Reply-To"] == FIRST_ID
    assert sent["References"] == FIRST_ID
    assert sent["Subject"] == f"Re: Where is my order? [#{number}]"
    assert f"support+c{conversation['id']}." in sent["Reply-To"]
    assert sent.get_content().strip() == "It left the warehouse today."
    our_id = sent["Message-ID"]
    assert smtp_server.envelopes[0].rcpt_tos == ("ann@customer.example",)

    (_, outgoing) = await timeline(md, conversation["id"])
    assert outgoing["delivery_status"] == "sent"
    assert outgoing["external_id"] == our_id.strip("<>")

    # The customer answers from their mail client, quoting our reply.
    dovecot_server.append(
        mail(
            message_id="<second@customer.example>",
            subject=f"Re: Where is my order? [#{number}]",
            in_reply_to=our_id,
            references=[FIRST_ID, our_id],
            body="Thank you!\n\nOn Mon, 2 Mar 2026 at 10:35, Shop support "
            "<support@shop.example> wrote:\n> It left the warehouse today.\n",
        ),
        folder=folder,
    )
    await poll_now(md)
    assert [c["id"] for c in await conversations(md)] == [conversation["id"]]
    messages = await timeline(md, conversation["id"])
    answer = messages[-1]
    assert answer["kind"] == "incoming" and answer["content"] == "Thank you!"
    assert "It left the warehouse today." in answer["content_attributes"]["email"]["quoted"]
    assert answer["content_attributes"]["email"]["threaded_by"] == "message_id"

    # The next reply continues the whole thread.
    await reply(md, conversation["id"], "You're welcome.")
    await md.work()
    second = (await smtp_server.wait_for(2))[1]
    assert second["In-Reply-To"] == "<second@customer.example>"
    assert second["References"].split() == [FIRST_ID, our_id, "<second@customer.example>"]

    # Reading the mailbox changed nothing there: nothing deleted, nothing marked as read.
    left = dovecot_server.messages(folder)
    assert [uid for uid, _ in left] == [1, 2]
    assert not any({"\\Seen", "\\Deleted"} & flags for _, flags in left)

    # The next look into the mailbox is already scheduled, as durable work.
    polls = await jobs(md.db, kind=email_service.POLL_JOB, status="pending")
    assert polls and all(j.run_at > datetime.now(UTC) for j in polls)


def bounce_for(original: EmailMessage | str, *, recipient: str = "ann@customer.example") -> bytes:
    """A DSN (multipart/report) as a receiving server returns an undeliverable mail."""
    message_id = original if isinstance(original, str) else original["Message-ID"]
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: {INBOX_ADDRESS}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: {make_msgid(domain="mx.customer.example")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system. Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: mailbox unknown

--BOUNDARY
Content-Type: text/rfc822-headers

From: {INBOX_ADDRESS}
To: {recipient}
Message-ID: {message_id}
Subject: Re: Where is my order?

--BOUNDARY--
""".replace("\n", "\r\n").encode()


async def test_a_bounce_marks_the_reply_failed(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    conversation = await first_conversation(md, dovecot_server, folder, smtp_server)
    await reply(md, conversation["id"], "It left the warehouse today.")
    await md.work()
    (sent,) = await smtp_server.wait_for(1)
    dovecot_server.append(bounce_for(sent), folder=folder)
    await poll_now(md)
    (_, outgoing) = await timeline(md, conversation["id"])
    assert outgoing["delivery_status"] == "failed"
    assert (
        "bounced" in outgoing["delivery_error"] and "mailbox unknown" in outgoing["delivery_error"]
    )
    # The report is no customer message, and the mailer-daemon is no contact.
    assert len(await timeline(md, conversation["id"])) == 2
    updated = md.db.read_sync(
        lambda s: list(s.execute(select(EventRow).where(EventRow.type == "message.updated")))
    )
    assert any(e[0].data["delivery_status"] == "failed" for e in updated)


async def test_reply_tokens_and_subject_tags_thread_mail_without_headers(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    conversation = await first_conversation(md, dovecot_server, folder, smtp_server)
    await reply(md, conversation["id"], "Which address?")
    await md.work()
    (sent,) = await smtp_server.wait_for(1)
    token_address = sent["Reply-To"].addresses[0].addr_spec
    # A client that drops In-Reply-To but answers to the Reply-To address.
    dovecot_server.append(mail(to=token_address, subject="my address"), folder=folder)
    # Another customer's mail quoting the tag of a conversation that is not theirs.
    number = conversation["number"]
    dovecot_server.append(
        mail(sender="mallory@else.example", subject=f"Re: [#{number}] let me in"), folder=folder
    )
    # The customer's own mail with the tag in the subject.
    dovecot_server.append(mail(subject=f"About [#{number}]"), folder=folder)
    await poll_now(md)
    messages = await timeline(md, conversation["id"])
    found_by = [m["content_attributes"]["email"].get("threaded_by") for m in messages[2:]]
    assert found_by == ["reply_token", "subject_tag"]
    others = [c for c in await conversations(md) if c["id"] != conversation["id"]]
    assert [c["contact"]["email"] for c in others] == ["mallory@else.example"]


async def test_a_new_uidvalidity_reads_the_folder_again_without_doubling(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    conversation = await first_conversation(md, dovecot_server, folder, smtp_server)
    before = md.db.read_sync(lambda s: s.get(EmailMailbox, md.inbox_id))
    assert before is not None and before.last_uid == 1
    dovecot_server.recreate(folder)
    dovecot_server.append(mail(message_id=FIRST_ID), folder=folder)
    dovecot_server.append(mail(subject="A second question"), folder=folder)
    await poll_now(md)
    after = md.db.read_sync(lambda s: s.get(EmailMailbox, md.inbox_id))
    assert after is not None and after.uidvalidity != before.uidvalidity and after.last_uid == 2
    # The mail read before is not stored twice; the new one is.
    messages = await timeline(md, conversation["id"])
    subjects = [m["content_attributes"]["email"]["subject"] for m in messages]
    assert subjects == ["Where is my order?", "A second question"]


async def test_a_mail_that_cannot_be_stored_is_skipped_and_never_blocks_the_mailbox(
    mail_desk: MailDesk,
    dovecot_server: Dovecot,
    folder: str,
    smtp_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    md = mail_desk
    real = email_service.receive_mail

    def failing(uow: Any, **kwargs: Any) -> email_service.MailOutcome:
        if kwargs["incoming"].mail.subject == "poison":
            real(uow, **kwargs)  # it writes, then fails: everything it wrote must go
            raise RuntimeError("the database said no")
        return real(uow, **kwargs)

    monkeypatch.setattr(email_service, "receive_mail", failing)
    dovecot_server.append(mail(subject="first"), folder=folder)
    dovecot_server.append(mail(sender="eve@customer.example", subject="poison"), folder=folder)
    dovecot_server.append(b"Subject: no sender at all\r\n\r\nwho am I?", folder=folder)
    dovecot_server.append(mail(subject="last"), folder=folder)
    await connect(md, dovecot_server, folder, smtp_server)
    await md.work()
    (conversation,) = await conversations(md)
    assert [
        m["content_attributes"]["email"]["subject"] for m in await timeline(md, conversation["id"])
    ] == ["first", "last"]
    box = md.db.read_sync(lambda s: s.get(EmailMailbox, md.inbox_id))
    assert box is not None and box.last_uid == 4 and box.last_error is None
    created = md.db.read_sync(
        lambda s: list(s.execute(select(EventRow.data).where(EventRow.type == "message.created")))
    )
    assert not any("poison" in str(d) for (d,) in created)


async def test_an_unreachable_mailbox_is_reported_and_tried_again_later(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    body = {
        **dovecot_server.inbox_settings(
            folder=folder, smtp_port=smtp_server.port, address=INBOX_ADDRESS
        ),
        "imap_password": "wrong",
    }
    refused = await md.client.post(
        f"/api/v1/inboxes/{md.inbox_id}/email/connect", json=body, headers=md.desk.admin.headers
    )
    assert refused.status_code == 422
    assert "IMAP" in refused.json()["detail"] and "login" in refused.json()["detail"]
    saved = await md.client.post(
        f"/api/v1/inboxes/{md.inbox_id}/email/connect",
        json={**body, "check": False},
        headers=md.desk.admin.headers,
    )
    assert saved.status_code == 200, saved.text
    await md.work()
    status = await md.client.get(
        f"/api/v1/inboxes/{md.inbox_id}/email", headers=md.desk.admin.headers
    )
    assert status.status_code == 200
    assert status.json()["failures"] == 1 and "login" in status.json()["last_error"]
    (event,) = md.db.read_sync(
        lambda s: list(
            s.execute(select(EventRow.data).where(EventRow.type == email_service.MAILBOX_EVENT))
        )
    )
    assert event[0]["failures"] == 1 and "login" in event[0]["last_error"]
    polls = await jobs(md.db, kind=email_service.POLL_JOB)
    assert [j.status for j in polls] == ["done", "pending"]  # never dead-lettered
    assert (polls[1].run_at - datetime.now(UTC)).total_seconds() > 55  # backed off

    # The password is put right: the next look works, and the admins' screens hear of it.
    fixed = await md.client.post(
        f"/api/v1/inboxes/{md.inbox_id}/email/connect",
        json={**body, "imap_password": dovecot_server.password},
        headers=md.desk.admin.headers,
    )
    assert fixed.status_code == 200, fixed.text
    await md.work()
    status = await md.client.get(
        f"/api/v1/inboxes/{md.inbox_id}/email", headers=md.desk.admin.headers
    )
    assert status.json()["last_error"] is None and status.json()["failures"] == 0
    events = md.db.read_sync(
        lambda s: list(
            s.execute(select(EventRow.data).where(EventRow.type == email_service.MAILBOX_EVENT))
        )
    )
    assert [e[0]["last_error"] is None for e in events] == [False, True]


async def test_smtp_failures_retry_or_fail_with_the_reason(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    conversation = await first_conversation(md, dovecot_server, folder, smtp_server)
    smtp_server.stop()
    await reply(md, conversation["id"], "First try")
    await md.work()
    (_, outgoing) = await timeline(md, conversation["id"])
    assert outgoing["delivery_status"] == "pending"
    (deliver,) = await jobs(md.db, kind="channel.deliver")
    assert deliver.status == "pending" and deliver.attempts == 1 and deliver.last_error
    smtp_server.start()
    smtp_server.refuse("ann@customer.example")
    await reply(md, conversation["id"], "Refused")
    await md.work()
    refused = (await timeline(md, conversation["id"]))[-1]
    assert refused["delivery_status"] == "failed"
    assert "refused the recipient" in refused["delivery_error"]


async def test_admin_endpoints(
    mail_desk: MailDesk, dovecot_server: Dovecot, folder: str, smtp_server: SMTPServer
) -> None:
    md = mail_desk
    url = f"/api/v1/inboxes/{md.inbox_id}/email"
    for path in ("", "/check", "/poll"):
        method = md.client.get if path == "" else md.client.post
        assert (await method(url + path, headers=md.desk.agent.headers)).status_code == 403
    check = await md.client.post(f"{url}/check", headers=md.desk.admin.headers)
    assert check.status_code == 200, check.text
    assert check.json()["imap"]["ok"] and check.json()["smtp"]["ok"]
    inbox = await md.client.get(f"/api/v1/inboxes/{md.inbox_id}", headers=md.desk.admin.headers)
    assert inbox.json()["settings"]["imap_password"] == "set"
    other = await md.client.post(
        f"/api/v1/inboxes/{md.desk.inbox_id}/email/poll", headers=md.desk.admin.headers
    )
    assert other.status_code == 422 and "not email" in other.json()["detail"]


async def test_polling_goes_on_when_reading_fails_for_another_reason(
    mail_desk: MailDesk,
    dovecot_server: Dovecot,
    folder: str,
    smtp_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    md = mail_desk

    async def broken(**_: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(poller, "poll_inbox", broken)
    await connect(md, dovecot_server, folder, smtp_server)
    await md.work()
    polls = await jobs(md.db, kind=email_service.POLL_JOB)
    assert [j.status for j in polls] == ["done", "pending"]
    box = md.db.read_sync(lambda s: s.get(EmailMailbox, md.inbox_id))
    assert box is not None and box.last_error == "RuntimeError: the disk is full"


async def test_a_full_mailbox_is_read_in_runs_that_follow_each_other(
    mail_desk: MailDesk,
    dovecot_server: Dovecot,
    folder: str,
    smtp_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    md = mail_desk
    monkeypatch.setattr(poller, "MAX_MAILS_PER_RUN", 2)
    dovecot_server.append_many(
        [mail(sender=f"c{n}@customer.example", subject=f"Mail {n}") for n in range(5)],
        folder=folder,
    )
    await connect(md, dovecot_server, folder, smtp_server)
    await md.work()
    assert len(await conversations(md)) == 5
    polls = await jobs(md.db, kind=email_service.POLL_JOB)
    # Three runs of at most two mails, one right after the other; then the regular cadence.
    assert [j.status for j in polls] == ["done", "done", "done", "pending"]
    assert polls[-1].run_at > datetime.now(UTC)
