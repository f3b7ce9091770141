"""Use cases of the API channel: an integrator's message arrives, its delivery reports arrive,
an admin makes a new webhook secret. Messages go through the channel core like any channel's."""

from __future__ import annotations

import secrets

from frontdesk.channels import service as channels
from frontdesk.channels.api_channel import rules
from frontdesk.channels.api_channel.schemas import (
    DeliveryStatusIn,
    InboundAccepted,
    InboundMessageIn,
    InboundOutcome,
    WebhookSecretOut,
)
from frontdesk.channels.base import DeliveryStatusUpdate
from frontdesk.channels.rules import status_advances
from frontdesk.contacts import service as contacts
from frontdesk.contacts.schemas import ContactCreate, ContactUpdate, IdentityIn, IdentityKind
from frontdesk.conversations import service as conversations
from frontdesk.conversations.schemas import MessageKind
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Unprocessable
from frontdesk.core.principal import Principal, Role
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.service import ChannelInbox

CHANNEL = "api"


def _desk(workspace_id: int) -> Principal:
    # The desk itself acting for the channel (user id 0: no user acted).
    return Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="channel")


def _known_contact(uow: UnitOfWork, *, workspace_id: int, post: InboundMessageIn) -> None:
    """A person the integrator names with an e-mail or phone the desk knows (from another
    channel) is that contact: their id on the integrator's side is added to them before the
    message is placed, so one person keeps one history."""
    contact = post.contact
    if not contact.email and not contact.phone:
        return
    source_id = contact.source_id
    if contacts.contact_id_by_identity(
        uow.session, workspace_id=workspace_id, kind=rules.IDENTITY_KIND, value=source_id
    ):
        return
    identity = IdentityIn(kind=IdentityKind(rules.IDENTITY_KIND), value=source_id)
    contact_id = contacts.resolve_contact(
        uow,
        workspace_id=workspace_id,
        data=ContactCreate(
            name=contact.name, email=contact.email, phone=contact.phone, identities=[identity]
        ),
    )
    desk = _desk(workspace_id)
    found = contacts.get_contact(uow.session, principal=desk, contact_id=contact_id)
    if any(i.kind.value == rules.IDENTITY_KIND and i.value == source_id for i in found.identities):
        return  # just created with it
    kept = [
        IdentityIn(kind=i.kind, value=i.value)
        for i in found.identities
        if i.kind not in (IdentityKind.email, IdentityKind.phone)
    ]
    contacts.update_contact(
        uow,
        principal=desk,
        contact_id=contact_id,
        data=ContactUpdate(identities=[*kept, identity]),
    )


def receive(
    uow: UnitOfWork,
    *,
    inbox: ChannelInbox,
    post: InboundMessageIn,
    files: list[StoredFile],
    limits: Limits,
) -> InboundAccepted:
    """The integrator's message, stored once per external id (a repeated post answers with
    the stored message and changes nothing)."""
    try:
        inbound = rules.inbound(post, files=len(files))
    except rules.InvalidPost as exc:
        raise Unprocessable(str(exc)) from exc
    _known_contact(uow, workspace_id=inbox.workspace_id, post=post)
    received = channels.receive_message(
        uow,
        inbox_id=inbox.id,
        workspace_id=inbox.workspace_id,
        inbound=inbound,
        limits=limits,
        files=files,
    )
    outcome = (
        InboundOutcome.duplicate if received.outcome == "duplicate" else InboundOutcome.created
    )
    return InboundAccepted(
        outcome=outcome,
        message_id=received.message_id,
        conversation_id=received.conversation_id,
    )


def apply_statuses(uow: UnitOfWork, *, inbox: ChannelInbox, reports: list[DeliveryStatusIn]) -> int:
    """The integrator's reports on replies it received; how many changed a message. A report
    on a message of another inbox, or an unknown one, changes nothing."""
    targets = []
    for report in reports:
        try:
            targets.append((rules.status_target(report), report))
        except rules.InvalidPost as exc:
            raise Unprocessable(str(exc)) from exc
    applied = 0
    for (message_id, external_id), report in targets:
        if external_id is not None:
            changed = channels.apply_status(
                uow,
                inbox_id=inbox.id,
                workspace_id=inbox.workspace_id,
                update=DeliveryStatusUpdate(external_id, report.status, report.error),
            )
        else:
            assert message_id is not None
            changed = _apply_to_message(uow, inbox=inbox, message_id=message_id, report=report)
        applied += int(changed)
    return applied


def _apply_to_message(
    uow: UnitOfWork, *, inbox: ChannelInbox, message_id: int, report: DeliveryStatusIn
) -> bool:
    item = conversations.message_for_delivery(
        uow.session, workspace_id=inbox.workspace_id, message_id=message_id
    )
    if item is None:
        return False
    message = item.message
    if message.inbox_id != inbox.id or message.kind not in (MessageKind.outgoing, MessageKind.bot):
        return False
    if not status_advances(message.delivery_status, report.status):
        return False
    conversations.set_delivery_status(
        uow,
        workspace_id=inbox.workspace_id,
        message_id=message.id,
        status=report.status,
        error=report.error if report.status == "failed" else None,
    )
    return True


def new_webhook_secret(uow: UnitOfWork, *, principal: Principal, inbox_id: int) -> WebhookSecretOut:
    """A new secret signing the replies POSTed to the integrator (shown this once; the old one
    stops signing at once)."""
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id
    )
    if inbox.channel_type != CHANNEL:
        raise Unprocessable(f"inbox {inbox_id} is a {inbox.channel_type} inbox, not api")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    inboxes.update_channel_settings(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=inbox.id,
        changes={"webhook_secret": secret},
        principal=principal,
    )
    return WebhookSecretOut(secret=secret)
