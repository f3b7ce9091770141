"""Use cases of the e-mail channel: a mail arrives (from IMAP or an import), a bounce marks our
reply failed, a reply is prepared for sending, and the mailbox's reading position moves on.

Services never commit: the caller's unit of work does, once. Mails are stored in batches; a
mail that cannot be stored is rolled back on its own, logged and skipped, and never spoils (or
blocks) the ones around it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.channels import service as channels_service
from frontdesk.channels.base import (
    DeliveryStatusUpdate,
    InboundIdentity,
    InboundMessage,
    OutboundMessage,
)
from frontdesk.channels.email import repository, rules
from frontdesk.channels.email.parse import ParsedMail
from frontdesk.channels.email.schemas import EmailSettings, MailboxOut
from frontdesk.conversations import service as conversations_service
from frontdesk.conversations.schemas import ConversationSort
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Problem
from frontdesk.core.principal import Principal, Role
from frontdesk.outbox import service as outbox

log = logging.getLogger(__name__)

POLL_JOB = "email.poll"


def _desk(workspace_id: int) -> Principal:
    """The desk itself reading its mail: it sees the whole workspace; user 0 is no actor."""
    return Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="channel")


@dataclass(frozen=True)
class MailInbox:
    """What storing a mail needs to know of its inbox."""

    id: int
    workspace_id: int
    # The inbox's own address (mail from it is ours: never stored as a customer's).
    address: str | None
    secret: str


@dataclass(frozen=True)
class IncomingMail:
    """A parsed mail with its files already saved to storage."""

    mail: ParsedMail
    files: list[StoredFile]
    # Attachments left out (too large), named for the agent.
    dropped: list[str] = field(default_factory=list)
    # The mailbox position this mail comes from, when it comes from IMAP.
    uid: int | None = None


@dataclass(frozen=True)
class MailOutcome:
    """What became of one mail: stored (threaded or new), a bounce applied, or skipped."""

    status: str  # stored | duplicate | bounce | skipped
    conversation_id: int | None = None
    message_id: int | None = None
    threaded: bool = False
    reason: str = ""


# ------------------------------------------------------------------------------ threading
def _find_conversation(
    uow: UnitOfWork, *, inbox: MailInbox, mail: ParsedMail, sender: InboundIdentity
) -> tuple[int | None, str]:
    """The conversation a mail continues, and by what it was found: the thread's Message-IDs
    (ours carry a signed conversation id; the customers' are looked up), then a reply token
    in the address it was sent to, then a [#number] tag in the subject (of this contact's
    conversations only: anybody can type a number)."""
    session = uow.session
    for message_id in mail.thread_ids:
        ours = rules.parse_our_message_id(message_id, secret=inbox.secret)
        if ours is not None and _conversation_in_inbox(session, inbox=inbox, id=ours[0]):
            return ours[0], "message_id"
    found = repository.conversation_of_message_ids(
        session, inbox_id=inbox.id, rfc_message_ids=mail.thread_ids
    )
    if found is not None:
        return found, "references"
    addresses = [*mail.delivered_to, *(a.email for a in mail.to), *(a.email for a in mail.cc)]
    token = rules.parse_reply_token(addresses, secret=inbox.secret)
    if token is not None and _conversation_in_inbox(session, inbox=inbox, id=token):
        return token, "reply_token"
    number = rules.parse_subject_tag(mail.subject)
    if number is not None:
        # Only now is the contact needed (receive_message resolves it again: one query).
        contact_id = channels_service.resolve_sender(
            uow, workspace_id=inbox.workspace_id, sender=sender
        )
        page = conversations_service.list_conversations(
            session,
            principal=_desk(inbox.workspace_id),
            statuses=[],
            assignee=None,
            team_id=None,
            inbox_id=inbox.id,
            label=None,
            type=None,
            priority=None,
            contact_id=contact_id,
            q=str(number),
            sort=ConversationSort.last_activity,
            cursor=None,
            limit=5,
        )
        for conversation in page.items:
            if conversation.number == number:
                return conversation.id, "subject_tag"
    return None, ""


def _conversation_in_inbox(session: Session, *, inbox: MailInbox, id: int) -> bool:
    try:
        conversation = conversations_service.get_conversation(
            session, principal=_desk(inbox.workspace_id), conversation_id=id
        )
    except Problem:
        return False
    return conversation.inbox_id == inbox.id


# -------------------------------------------------------------------------------- storing
def _attributes(mail: ParsedMail, *, dropped: Sequence[str], found_by: str) -> dict[str, Any]:
    email: dict[str, Any] = {
        "message_id": mail.message_id,
        "subject": mail.subject,
        "from": {"name": mail.sender.name, "email": mail.sender.email} if mail.sender else None,
        "to": [a.email for a in mail.to],
        "cc": [a.email for a in mail.cc],
        "in_reply_to": list(mail.in_reply_to),
        "references": list(mail.references[-rules.MAX_REFERENCES :]),
        "date": mail.date.isoformat() if mail.date else None,
        "headers": mail.headers,
    }
    if mail.reply_to:
        email["reply_to"] = [a.email for a in mail.reply_to]
    if mail.quoted:
        email["quoted"] = mail.quoted
    if mail.html is not None:
        email["html"] = mail.html
    inline = {a.content_id: a.file_name for a in mail.attachments if a.content_id and a.inline}
    if inline:
        email["inline_images"] = inline
    if found_by:
        email["threaded_by"] = found_by
    if dropped:
        email["dropped_attachments"] = list(dropped)
    attributes: dict[str, Any] = {"email": email}
    kind = mail.classification
    if kind.automated:
        # Loop protection: automations, surveys and auto-answers never answer these.
        attributes["automated"] = True
        attributes["auto_reply"] = kind.auto_reply
        attributes["bulk"] = kind.bulk
    return attributes


def receive_mail(
    uow: UnitOfWork, *, inbox: MailInbox, incoming: IncomingMail, limits: Limits
) -> MailOutcome:
    """Store one mail in its conversation (or apply a bounce). Raises on a mail that cannot be
    stored; `receive_batch` turns that into a skip."""
    mail = incoming.mail
    if mail.classification.bounce:
        return _apply_bounce(uow, inbox=inbox, mail=mail)
    if (
        mail.sender is not None
        and inbox.address
        and _same_mailbox(mail.sender.email, inbox.address)
    ):
        return MailOutcome("skipped", reason="sent by this inbox's own address")
    address = rules.customer_address(
        mail.sender.email if mail.sender else None, [a.email for a in mail.reply_to]
    )
    if address is None:
        return MailOutcome("skipped", reason="no sender address")
    named = [a for a in (mail.sender, *mail.reply_to) if a is not None and a.email == address]
    name = named[0].name if named else ""
    sender_identity = InboundIdentity(kind="email", value=address, name=name)
    conversation_id, found_by = _find_conversation(
        uow, inbox=inbox, mail=mail, sender=sender_identity
    )
    content = mail.text or ("" if incoming.files else mail.subject) or "(no text)"
    received = channels_service.receive_message(
        uow,
        inbox_id=inbox.id,
        workspace_id=inbox.workspace_id,
        inbound=InboundMessage(
            external_id=mail.external_id,
            sender=sender_identity,
            content=content,
            sent_at=mail.date,
            conversation_id=conversation_id,
            subject=mail.subject,
            content_attributes=_attributes(mail, dropped=incoming.dropped, found_by=found_by),
        ),
        limits=limits,
        files=incoming.files,
    )
    if received.outcome == "duplicate":
        return MailOutcome(
            "duplicate",
            conversation_id=received.conversation_id,
            message_id=received.message_id,
            reason="already stored (same Message-ID)",
        )
    repository.add_thread_message(
        uow.session,
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        conversation_id=received.conversation_id,
        message_id=received.message_id,
        rfc_message_id=mail.message_id or mail.external_id,
        direction="in",
        references=[*mail.references, *[m for m in mail.in_reply_to if m not in mail.references]],
        subject=mail.subject,
        created_at=uow.now(),
    )
    return MailOutcome(
        "stored",
        conversation_id=received.conversation_id,
        message_id=received.message_id,
        threaded=conversation_id is not None,
    )


def _same_mailbox(a: str, b: str) -> bool:
    """support+c1.abc@shop.example is support@shop.example."""

    def base(address: str) -> str:
        local, _, domain = address.lower().rpartition("@")
        return f"{local.split('+', 1)[0]}@{domain}"

    return base(a) == base(b)


def _apply_bounce(uow: UnitOfWork, *, inbox: MailInbox, mail: ParsedMail) -> MailOutcome:
    """A delivery failure report: the reply it returns is marked failed, with the reason."""
    bounce = mail.bounce
    original = bounce.original_message_id if bounce else None
    ours = rules.parse_our_message_id(original, secret=inbox.secret) if original else None
    if bounce is None or original is None or ours is None:
        return MailOutcome("skipped", reason="a bounce of a mail this inbox did not send")
    if not bounce.permanent:
        return MailOutcome(
            "bounce", conversation_id=ours[0], reason="delivery delayed; still being retried"
        )
    changed = channels_service.apply_status(
        uow,
        inbox_id=inbox.id,
        workspace_id=inbox.workspace_id,
        update=DeliveryStatusUpdate(
            external_id=original, status="failed", error=f"the mail bounced: {bounce.reason}"
        ),
    )
    return MailOutcome(
        "bounce",
        conversation_id=ours[0],
        message_id=ours[1],
        reason="" if changed else "the message was already marked",
    )


def _receive_each(
    uow: UnitOfWork,
    *,
    inbox: MailInbox,
    mails: Sequence[IncomingMail],
    limits: Limits,
    isolate: bool,
) -> list[MailOutcome]:
    outcomes: list[MailOutcome] = []
    for incoming in mails:
        if not isolate:
            outcomes.append(receive_mail(uow, inbox=inbox, incoming=incoming, limits=limits))
            continue
        events, jobs = len(uow.events), uow.jobs_enqueued
        savepoint = uow.session.begin_nested()
        try:
            outcome = receive_mail(uow, inbox=inbox, incoming=incoming, limits=limits)
        except Exception as exc:
            savepoint.rollback()
            del uow.events[events:]
            uow.jobs_enqueued = jobs
            detail = exc.detail if isinstance(exc, Problem) else f"{type(exc).__name__}: {exc}"
            log.warning(
                "inbox %s: mail %s (uid %s) skipped: %s",
                inbox.id,
                incoming.mail.message_id,
                incoming.uid,
                detail,
            )
            outcomes.append(MailOutcome("skipped", reason=f"cannot be stored: {detail}"))
            continue
        savepoint.commit()
        outcomes.append(outcome)
    return outcomes


def receive_batch(
    uow: UnitOfWork,
    *,
    inbox: MailInbox,
    mails: Sequence[IncomingMail],
    limits: Limits,
    position: tuple[int, int] | None = None,
) -> list[MailOutcome]:
    """Store mails; one that fails is rolled back (with the events it recorded), logged and
    skipped. Optimistic: the batch runs in one savepoint, and only when a mail fails does it
    run again with a savepoint per mail (two statements per mail saved on the usual path).
    `position` (UIDVALIDITY, last UID) moves the mailbox's reading position in the same
    transaction, so a mail is read once and never lost."""
    events, jobs = len(uow.events), uow.jobs_enqueued
    savepoint = uow.session.begin_nested()
    try:
        outcomes = _receive_each(uow, inbox=inbox, mails=mails, limits=limits, isolate=False)
    except Exception:
        savepoint.rollback()
        del uow.events[events:]
        uow.jobs_enqueued = jobs
        outcomes = _receive_each(uow, inbox=inbox, mails=mails, limits=limits, isolate=True)
    else:
        savepoint.commit()
    if position is not None:
        failing = repository.mailbox_error(uow.session, inbox_id=inbox.id) is not None
        repository.advance_mailbox(
            uow.session,
            inbox_id=inbox.id,
            uidvalidity=position[0],
            last_uid=position[1],
            polled_at=uow.now(),
        )
        if failing:
            _record_mailbox(uow, inbox_id=inbox.id)
    return outcomes


# ------------------------------------------------------------------------------- mailbox
@dataclass(frozen=True)
class MailboxPosition:
    folder: str
    uidvalidity: int | None
    last_uid: int


def mailbox_position(
    uow: UnitOfWork, *, inbox_id: int, workspace_id: int, folder: str
) -> MailboxPosition:
    found = repository.upsert_mailbox(
        uow.session, inbox_id=inbox_id, workspace_id=workspace_id, folder=folder
    )
    return MailboxPosition(found.folder, found.uidvalidity, found.last_uid)


MAILBOX_EVENT = "email.mailbox_status"


def _record_mailbox(uow: UnitOfWork, *, inbox_id: int) -> None:
    """The mailbox's reading state, for the admins' screens: recorded when it fails and when
    it works again (not on every quiet poll)."""
    box = repository.mailbox(uow.session, inbox_id=inbox_id)
    if box is None:
        return
    uow.session.refresh(box)
    uow.record(
        MAILBOX_EVENT,
        workspace_id=box.workspace_id,
        inbox_id=inbox_id,
        data=MailboxOut(
            inbox_id=inbox_id,
            folder=box.folder,
            uidvalidity=box.uidvalidity,
            last_uid=box.last_uid,
            last_polled_at=box.last_polled_at.isoformat() if box.last_polled_at else None,
            last_error=box.last_error,
            failures=box.failures,
        ).model_dump(mode="json"),
    )


def mailbox_failed(uow: UnitOfWork, *, inbox_id: int, error: str) -> int:
    """Remember why the mailbox could not be read; the number of failures in a row."""
    failures = repository.mailbox_failed(
        uow.session, inbox_id=inbox_id, error=error, polled_at=uow.now()
    )
    _record_mailbox(uow, inbox_id=inbox_id)
    return failures


def schedule_poll(
    uow: UnitOfWork, *, workspace_id: int, inbox_id: int, at: datetime | None = None
) -> bool:
    """Look into the inbox's mailbox at `at` (now when None): a durable outbox timer."""
    run_at = at or uow.now()
    return outbox.enqueue(
        uow,
        kind=POLL_JOB,
        workspace_id=workspace_id,
        payload={"inbox_id": inbox_id},
        idempotency_key=f"{POLL_JOB}:{inbox_id}:{run_at.isoformat()}",
        run_at=run_at,
    )


def schedule_next_poll(
    uow: UnitOfWork, *, workspace_id: int, inbox_id: int, every_seconds: int
) -> bool:
    """The next regular look, later after each failure in a row. Runs are keyed by their time
    slot, so two chains of polls (a "poll now" beside the regular one) merge into one."""
    found = repository.mailbox(uow.session, inbox_id=inbox_id)
    failures = found.failures if found is not None else 0
    at = rules.next_poll_at(uow.now(), every_seconds=every_seconds, failures=failures)
    return schedule_poll(uow, workspace_id=workspace_id, inbox_id=inbox_id, at=at)


# ------------------------------------------------------------------------------- sending
def prepare_reply(
    session: Session, message: OutboundMessage, *, workspace_id: int
) -> OutboundMessage:
    """What a reply mail needs beyond the message: the conversation's number and subject and
    the thread it continues (In-Reply-To the newest mail, References of the thread)."""
    conversation = conversations_service.get_conversation(
        session, principal=_desk(workspace_id), conversation_id=message.conversation_id
    )
    latest = repository.latest_in_conversation(session, conversation_id=message.conversation_id)
    first = repository.first_in_conversation(session, conversation_id=message.conversation_id)
    email: dict[str, Any] = {
        "conversation_number": conversation.number,
        "subject": (first.subject if first is not None else "") or conversation.subject,
        "in_reply_to": latest.rfc_message_id if latest is not None else None,
        "references": list(latest.thread_references) if latest is not None else [],
    }
    attributes = {**message.content_attributes, "email": email}
    return OutboundMessage(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        idempotency_key=message.idempotency_key,
        recipient=message.recipient,
        content=message.content,
        attachments=message.attachments,
        reply_to_external_id=message.reply_to_external_id,
        subject=message.subject,
        content_attributes=attributes,
    )


__all__ = [
    "POLL_JOB",
    "EmailSettings",
    "IncomingMail",
    "MailInbox",
    "MailOutcome",
    "mailbox_position",
    "prepare_reply",
    "receive_batch",
    "receive_mail",
    "schedule_poll",
]
