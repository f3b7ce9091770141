"""Use cases of the VK channel beyond the core's: the Callback API names no one, so a new
customer's contact is named after what VK says of them, asked by an outbox job."""

from __future__ import annotations

from typing import Any

from frontdesk.channels.base import InboundMessage
from frontdesk.contacts import service as contacts
from frontdesk.contacts.schemas import ContactUpdate
from frontdesk.core.db import UnitOfWork
from frontdesk.core.principal import Principal, Role
from frontdesk.outbox import service as outbox

PROFILE_JOB = "vk.profile"


def ask_for_name(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    events_before: int,
    inbound: InboundMessage,
) -> None:
    """After a message that started a conversation: ask VK the name of its contact (once per
    contact; the job renames it only while it has the name the desk made up)."""
    for event in uow.events[events_before:]:
        contact = event.data.get("contact") if event.type == "conversation.created" else None
        if not isinstance(contact, dict) or not isinstance(contact.get("id"), int):
            continue
        vk = inbound.content_attributes.get("vk") or {}
        outbox.enqueue(
            uow,
            kind=PROFILE_JOB,
            workspace_id=workspace_id,
            payload={
                "inbox_id": inbox_id,
                "contact_id": contact["id"],
                "peer_id": vk.get("peer_id"),
                "from_id": vk.get("from_id"),
                "placeholder": inbound.sender.name,
            },
            idempotency_key=f"{PROFILE_JOB}:{contact['id']}",
        )


def name_contact(
    uow: UnitOfWork, *, workspace_id: int, contact_id: int, placeholder: str, name: str
) -> bool:
    """Give the contact VK's name, unless someone named it meanwhile."""
    contact: Any = contacts.require_contact(
        uow.session, workspace_id=workspace_id, contact_id=contact_id
    )
    if contact.name != placeholder or not name:
        return False
    desk = Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="channel")
    contacts.update_contact(
        uow, principal=desk, contact_id=contact_id, data=ContactUpdate(name=name)
    )
    return True
