"""Use cases of channel setup: what an inbox's channel looks like to its admin, saving its
fields (validated per channel type), and the settings a connection test tries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from frontdesk.channels.email import service as email_service
from frontdesk.channels.setup import rules
from frontdesk.channels.setup.schemas import ChannelSetupOut, InboundToken
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Unprocessable
from frontdesk.core.principal import Principal
from frontdesk.core.security import new_token
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.rules import masked
from frontdesk.inboxes.service import ChannelInbox
from frontdesk.portal import service as portal_service


def _out(inbox: ChannelInbox, base_url: str, portal_url: str | None = None) -> ChannelSetupOut:
    missing = rules.missing(inbox.channel_type, inbox.settings)
    return ChannelSetupOut(
        inbox_id=inbox.id,
        channel_type=inbox.channel_type,
        public_id=inbox.public_id,
        webhook_url=rules.webhook_url(base_url, inbox.channel_type, inbox.public_id),
        connected=not missing,
        missing=missing,
        settings=masked(inbox.settings),
        portal_url=portal_url,
    )


def get_setup(
    session: Session, *, principal: Principal, inbox_id: int, base_url: str
) -> ChannelSetupOut:
    inbox = inboxes.channel_inbox_by_id(
        session, workspace_id=principal.workspace_id, inbox_id=inbox_id
    )
    portal_url = None
    if inbox.channel_type == "portal":
        portal_url = portal_service.portal_address(
            session, workspace_id=principal.workspace_id, inbox_id=inbox.id, base_url=base_url
        )
    return _out(inbox, base_url, portal_url)


def _schema(inbox: ChannelInbox) -> type[BaseModel]:
    schema = rules.schema_for(inbox.channel_type)
    if schema is None:
        if inbox.channel_type == "telegram":
            raise Unprocessable(
                "a Telegram inbox is connected by its bot token: "
                f"POST /api/v1/inboxes/{inbox.id}/telegram/connect"
            )
        raise Unprocessable(f"{inbox.channel_type} inboxes have no channel settings here")
    return schema


def checked_settings(inbox: ChannelInbox, incoming: dict[str, Any]) -> dict[str, Any]:
    """The channel's fields as they would be after this change, validated: a 422 naming each
    wrong field (as request validation does), nothing written."""
    schema = _schema(inbox)
    try:
        return rules.changed_settings(schema, inbox.settings, incoming)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors)
        raise Unprocessable(detail, title="Invalid request", errors=errors) from exc


def save_settings(
    uow: UnitOfWork,
    *,
    principal: Principal,
    inbox_id: int,
    incoming: dict[str, Any],
    base_url: str,
) -> ChannelSetupOut:
    """Save a channel's fields. An e-mail inbox with an IMAP server starts (or goes on)
    reading its mailbox at once."""
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id
    )
    schema = _schema(inbox)
    checked = checked_settings(inbox, incoming)
    inboxes.update_channel_settings(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=inbox.id,
        changes=rules.settings_change(schema, inbox.settings, checked),
        principal=principal,
    )
    if inbox.channel_type == "email" and checked.get("imap_host"):
        email_service.mailbox_position(
            uow,
            inbox_id=inbox.id,
            workspace_id=principal.workspace_id,
            folder=str(checked.get("imap_folder") or "INBOX"),
        )
        email_service.schedule_poll(uow, workspace_id=principal.workspace_id, inbox_id=inbox.id)
    updated = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=principal.workspace_id, inbox_id=inbox.id
    )
    return _out(updated, base_url)


def new_inbound_token(
    uow: UnitOfWork, *, principal: Principal, inbox_id: int, base_url: str
) -> InboundToken:
    """A new token for an API channel's integrator (the old one stops working): answered
    this once, then shown as "set" only."""
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id
    )
    if inbox.channel_type != "api":
        raise Unprocessable(f"inbox {inbox_id} is a {inbox.channel_type} inbox, not api")
    token = new_token("fdi")
    inboxes.update_channel_settings(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=inbox.id,
        changes={"inbound_token": token},
        principal=principal,
    )
    url = rules.webhook_url(base_url, inbox.channel_type, inbox.public_id)
    assert url is not None
    return InboundToken(token=token, webhook_url=url)
