"""Use cases of the channel core: a customer message arrives, a delivery report arrives, an
outgoing message is prepared for its channel, files arrive after their message.

Every channel goes through here, so one customer is one contact whatever they write from, and
threading, idempotency and events are the same for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from frontdesk.channels import registry
from frontdesk.channels.base import (
    FETCH_JOB,
    DeliveryStatusUpdate,
    InboundIdentity,
    InboundMessage,
    OutboundMessage,
)
from frontdesk.channels.registry import ChannelDriver
from frontdesk.channels.rules import PendingFile, clipped, sent_at_attribute, status_advances
from frontdesk.contacts import service as contacts_service
from frontdesk.contacts.rules import normalize_identity
from frontdesk.contacts.schemas import ContactCreate, IdentityIn, IdentityKind
from frontdesk.conversations import service as conversations
from frontdesk.conversations.schemas import MessageCreate, MessageKind
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Unprocessable
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.service import ChannelInbox
from frontdesk.outbox import service as outbox


@dataclass(frozen=True)
class Received:
    """What became of an inbound message: created, duplicate (already stored: nothing
    changed), edited, or unchanged (an edit to the text it already has)."""

    outcome: str
    message_id: int
    conversation_id: int


# ---------------------------------------------------------------------------------- inbound
def _contact_data(sender: InboundIdentity) -> ContactCreate:
    """The contact a sender is: e-mail and phone go into the contact's own fields too, so the
    same person writing from another channel resolves to the same contact."""
    name = sender.name.strip()[:200]
    value = sender.value.strip()
    try:
        if sender.kind == "email":
            return ContactCreate(name=name, email=value)
        if sender.kind == "phone":
            return ContactCreate(name=name, phone=value)
        if sender.kind == "whatsapp":
            return ContactCreate(
                name=name,
                phone=value,
                identities=[IdentityIn(kind=IdentityKind.whatsapp, value=value)],
            )
        return ContactCreate(
            name=name, identities=[IdentityIn(kind=IdentityKind(sender.kind), value=value)]
        )
    except ValueError:  # ValidationError included: an address the contact fields refuse
        pass
    kind = sender.kind if sender.kind in IdentityKind.__members__ else IdentityKind.external
    try:
        return ContactCreate(
            name=name, identities=[IdentityIn(kind=IdentityKind(kind), value=value[:320])]
        )
    except ValidationError as exc:
        raise Unprocessable(f"the sender's address {value[:50]!r} is not usable") from exc


def _identity(sender: InboundIdentity) -> tuple[str, str]:
    """The identity a sender is stored under (as contacts normalize it)."""
    kind = sender.kind if sender.kind in IdentityKind.__members__ else IdentityKind.external.value
    return kind, normalize_identity(kind, sender.value)


def resolve_sender(uow: UnitOfWork, *, workspace_id: int, sender: InboundIdentity) -> int:
    """The contact id of a sender, created on their first message."""
    return contacts_service.resolve_contact(
        uow, workspace_id=workspace_id, data=_contact_data(sender)
    )


def receive_message(
    uow: UnitOfWork,
    *,
    inbox_id: int,
    workspace_id: int,
    inbound: InboundMessage,
    limits: Limits,
    files: list[StoredFile] | None = None,
) -> Received:
    """A customer message from a channel: stored once per (inbox, external id), on the right
    conversation of the right contact. Files the payload only referenced (`fetch`) are
    downloaded afterwards by the channel.fetch_attachments job."""
    content = clipped(inbound.content, limits.max_message_chars)
    attributes: dict[str, Any] = {
        **inbound.content_attributes,
        **sent_at_attribute(inbound.sent_at),
    }
    if inbound.reply_to_external_id:
        attributes["reply_to_external_id"] = inbound.reply_to_external_id
        target = conversations.find_message(
            uow.session,
            workspace_id=workspace_id,
            inbox_id=inbox_id,
            external_id=inbound.reply_to_external_id,
        )
        if target is not None:
            attributes["in_reply_to"] = target.id
    if inbound.edited:
        edited = conversations.edit_customer_message(
            uow,
            workspace_id=workspace_id,
            inbox_id=inbox_id,
            external_id=inbound.external_id,
            content=content,
            content_attributes=attributes,
        )
        if edited is not None:
            message, changed = edited
            return Received(
                "edited" if changed else "unchanged", message.id, message.conversation_id
            )
        # An edit of a message the desk never had (sent before the inbox was connected).
        attributes["edited"] = True
    pending = [
        PendingFile(a.file_name, a.content_type, a.fetch, a.size)
        for a in inbound.attachments
        if a.data is None and a.fetch
    ]
    if pending:
        attributes["pending_attachments"] = [p.to_json() for p in pending]
    external_id = inbound.external_id[:255]
    # A customer who wrote before (the usual case) costs one query to place.
    thread = conversations.customer_thread(
        uow.session,
        workspace_id=workspace_id,
        inbox_id=inbox_id,
        identity=_identity(inbound.sender),
        external_id=external_id,
    )
    if thread is not None:
        contact_id = thread.contact_id
    else:
        events_before = len(uow.events)
        contact_id = resolve_sender(uow, workspace_id=workspace_id, sender=inbound.sender)
        if any(e.type == "contact.created" for e in uow.events[events_before:]):
            # A customer the desk meets now has no conversation and no message yet.
            thread = conversations.CustomerThread(contact_id, None, None, new_contact=True)
    events_before = len(uow.events)
    posted = conversations.receive_customer_message(
        uow,
        workspace_id=workspace_id,
        inbox_id=inbox_id,
        contact_id=contact_id,
        thread=thread,
        data=MessageCreate(
            content=content,
            message_type=MessageKind.incoming,
            external_id=external_id,
            content_attributes=attributes,
        ),
        files=list(files or []),
        limits=limits,
        conversation_id=inbound.conversation_id,
        subject=inbound.subject,
    )
    if len(uow.events) == events_before:
        # Nothing recorded: the message was already stored (a provider's retry).
        return Received("duplicate", posted.id, posted.conversation_id)
    if pending:
        outbox.enqueue(
            uow,
            kind=FETCH_JOB,
            workspace_id=workspace_id,
            payload={"message_id": posted.id},
            idempotency_key=f"{FETCH_JOB}:{posted.id}",
        )
    return Received("created", posted.id, posted.conversation_id)


def apply_status(
    uow: UnitOfWork, *, inbox_id: int, workspace_id: int, update: DeliveryStatusUpdate
) -> bool:
    """A provider's delivery report on a message the desk sent; True when it changed it."""
    message = conversations.find_message(
        uow.session, workspace_id=workspace_id, inbox_id=inbox_id, external_id=update.external_id
    )
    if message is None or message.kind not in (MessageKind.outgoing, MessageKind.bot):
        return False
    if not status_advances(message.delivery_status, update.status):
        return False
    conversations.set_delivery_status(
        uow,
        workspace_id=workspace_id,
        message_id=message.id,
        status=update.status,
        error=update.error if update.status == "failed" else None,
    )
    return True


# --------------------------------------------------------------------------------- outbound
@dataclass(frozen=True)
class OutboundPlan:
    """What the channel.deliver job needs, read in one go before any network call."""

    inbox: ChannelInbox
    driver: ChannelDriver | None
    message: OutboundMessage  # attachments still empty: their bytes are read by the job
    files: list[StoredFile]
    # Already sent (a job run again after its result was stored): nothing to do.
    done: bool = False
    # Why the message cannot be sent at all (no sender for the channel, no address).
    error: str | None = None


def outbound_plan(session: Session, *, workspace_id: int, message_id: int) -> OutboundPlan | None:
    item = conversations.message_for_delivery(
        session, workspace_id=workspace_id, message_id=message_id
    )
    if item is None or item.message.kind not in (MessageKind.outgoing, MessageKind.bot):
        return None
    message = item.message
    inbox = inboxes.channel_inbox_by_id(
        session, workspace_id=workspace_id, inbox_id=message.inbox_id
    )
    driver = registry.driver_for(inbox.channel_type)
    error = None
    recipient = None
    if driver is None or driver.sender is None:
        error = f"{inbox.channel_type} inboxes do not send messages"
    else:
        recipient = contacts_service.channel_address(
            session,
            workspace_id=workspace_id,
            contact_id=item.contact_id,
            kind=driver.identity_kind,
        )
        if recipient is None:
            error = f"the contact has no {driver.identity_kind} address to send to"
    reply_to = message.content_attributes.get("reply_to_external_id")
    outbound = OutboundMessage(
        message_id=message.id,
        conversation_id=message.conversation_id,
        idempotency_key=f"message-{message.id}",
        recipient=recipient or "",
        content=message.content,
        reply_to_external_id=reply_to if isinstance(reply_to, str) else None,
        subject=item.subject,
        content_attributes=dict(message.content_attributes),
    )
    if error is None and driver is not None and driver.prepare is not None:
        outbound = driver.prepare(session, workspace_id, outbound)
    return OutboundPlan(
        inbox=inbox,
        driver=driver,
        message=outbound,
        files=item.files,
        done=message.delivery_status in ("sent", "delivered", "read"),
        error=error,
    )


def record_sent(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    message_id: int,
    external_id: str | None,
    content_attributes: dict[str, Any],
) -> None:
    conversations.set_delivery_status(
        uow,
        workspace_id=workspace_id,
        message_id=message_id,
        status="sent",
        external_id=external_id,
        content_attributes=content_attributes,
        when=lambda current: status_advances(current, "sent"),
    )


def record_failed(uow: UnitOfWork, *, workspace_id: int, message_id: int, reason: str) -> None:
    conversations.set_delivery_status(
        uow,
        workspace_id=workspace_id,
        message_id=message_id,
        status="failed",
        error=reason,
        when=lambda current: status_advances(current, "failed"),
    )


# ------------------------------------------------------------------------- incoming files
@dataclass(frozen=True)
class FetchPlan:
    inbox: ChannelInbox
    driver: ChannelDriver | None
    pending: list[PendingFile]


def fetch_plan(session: Session, *, workspace_id: int, message_id: int) -> FetchPlan | None:
    item = conversations.message_for_delivery(
        session, workspace_id=workspace_id, message_id=message_id
    )
    if item is None:
        return None
    raw = item.message.content_attributes.get("pending_attachments")
    pending = [p for p in map(PendingFile.from_json, raw if isinstance(raw, list) else []) if p]
    if not pending:
        return None
    inbox = inboxes.channel_inbox_by_id(
        session, workspace_id=workspace_id, inbox_id=item.message.inbox_id
    )
    return FetchPlan(inbox=inbox, driver=registry.driver_for(inbox.channel_type), pending=pending)


def files_fetched(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    message_id: int,
    files: list[StoredFile],
    unavailable: list[tuple[PendingFile, str]],
) -> None:
    """The files are here (or will never be): attach them, say which could not be had."""

    def attributes(current: dict[str, Any]) -> dict[str, Any]:
        updated = {k: v for k, v in current.items() if k != "pending_attachments"}
        if unavailable:
            updated["unavailable_attachments"] = [
                *(current.get("unavailable_attachments") or []),
                *({"file_name": p.file_name, "reason": reason} for p, reason in unavailable),
            ]
        return updated

    conversations.attach_files(
        uow, workspace_id=workspace_id, message_id=message_id, files=files, attributes=attributes
    )
