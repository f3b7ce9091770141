"""Widget visitors, and the satisfaction surveys (CSAT) sent after resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class WebchatVisitor(Base):
    """One browser that opened an inbox's widget: the token in its localStorage names it.

    Its contact is made when it first writes (or answers the pre-chat form); a verified
    visitor (the host site's user, `identifier`) shares the contact of that user. It follows
    one conversation at a time, the one its widget shows."""

    __tablename__ = "webchat_visitors"
    __table_args__ = (
        Index("ix_webchat_visitors_conversation", "conversation_id"),
        Index("ix_webchat_visitors_inbox_contact", "inbox_id", "contact_id"),
        Index("ix_webchat_visitors_followup", "followup_conversation_id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("inboxes.id", ondelete="CASCADE"))
    # The random id signed into the visitor's token (32 hex characters).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    # The host site's user id, verified with the inbox's identity secret.
    identifier: Mapped[str | None] = mapped_column(String(200))
    # Pre-chat answers as given (an e-mail another contact owns stays only here).
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    prechat_at: Mapped[datetime | None]
    # When the visitor agreed to the processing of their personal data.
    consent_at: Mapped[datetime | None]
    # The offline form: replies in that conversation are also e-mailed to this address.
    followup_email: Mapped[str | None] = mapped_column(String(320))
    followup_conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    # What the script reports: current page, referrer, language, user agent, pages viewed.
    info: Mapped[dict[str, Any]]
    # The newest message the visitor has seen.
    read_message_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class CsatResponse(Base):
    """A satisfaction survey of one conversation and its answer (PRODUCT.md: ratings 1-5,
    attributed to the assignee at resolution; response rate = answered / surveyed). One row
    per conversation: answering again changes the answer."""

    __tablename__ = "csat_responses"
    __table_args__ = (
        Index("ix_csat_responses_workspace_surveyed", "workspace_id", "surveyed_at"),
        Index("ix_csat_responses_assignee", "assignee_id", "surveyed_at"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("inboxes.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    surveyed_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
