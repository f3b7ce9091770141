"""Every query of the widget: visitors, surveys, and when agents last read a conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from frontdesk.channels.webchat.models import CsatResponse, WebchatVisitor
from frontdesk.core.events import EventRow
from frontdesk.core.models import insert_row


def visitor_by_key(session: Session, *, inbox_id: int, key: str) -> WebchatVisitor | None:
    return session.execute(
        select(WebchatVisitor).where(WebchatVisitor.key == key, WebchatVisitor.inbox_id == inbox_id)
    ).scalar_one_or_none()


def visitor_of_conversation(
    session: Session, *, workspace_id: int, conversation_id: int
) -> WebchatVisitor | None:
    """The visitor who last followed the conversation."""
    return session.execute(
        select(WebchatVisitor)
        .where(
            WebchatVisitor.workspace_id == workspace_id,
            WebchatVisitor.conversation_id == conversation_id,
        )
        .order_by(WebchatVisitor.last_seen_at.desc(), WebchatVisitor.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def followup_of_conversation(session: Session, *, conversation_id: int) -> str | None:
    """The e-mail an offline-form conversation's replies also go to."""
    return session.execute(
        select(WebchatVisitor.followup_email)
        .where(WebchatVisitor.followup_conversation_id == conversation_id)
        .order_by(WebchatVisitor.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_conversation_of_contact(
    session: Session, *, inbox_id: int, contact_id: int, exclude_visitor_id: int
) -> int | None:
    """The conversation another browser of the same (verified) contact follows."""
    return session.execute(
        select(WebchatVisitor.conversation_id)
        .where(
            WebchatVisitor.inbox_id == inbox_id,
            WebchatVisitor.contact_id == contact_id,
            WebchatVisitor.id != exclude_visitor_id,
            WebchatVisitor.conversation_id.is_not(None),
        )
        .order_by(WebchatVisitor.conversation_id.desc())
        .limit(1)
    ).scalar_one_or_none()


def survey_of(session: Session, *, conversation_id: int) -> CsatResponse | None:
    return session.execute(
        select(CsatResponse).where(CsatResponse.conversation_id == conversation_id)
    ).scalar_one_or_none()


def agent_read_at(session: Session, *, conversation_id: int) -> datetime | None:
    """When an agent last read the conversation (their read marks are events)."""
    return session.execute(
        select(func.max(EventRow.created_at)).where(
            EventRow.conversation_id == conversation_id, EventRow.type == "conversation.read"
        )
    ).scalar_one_or_none()


def move_contact(
    session: Session, *, workspace_id: int, from_contact_id: int, to_contact_id: int
) -> None:
    """Two contacts merged: the visitors and surveys of one become the other's."""
    for model in (WebchatVisitor, CsatResponse):
        session.execute(
            update(model)
            .where(model.workspace_id == workspace_id, model.contact_id == from_contact_id)
            .values(contact_id=to_contact_id)
            .execution_options(synchronize_session="fetch")
        )


# New rows of this capability are added (and flushed, for their ids) through here.
insert = insert_row
