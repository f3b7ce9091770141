"""Inboxes: one per channel connection (webchat, telegram, whatsapp, vk, email, portal, api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class Inbox(Base):
    __tablename__ = "inboxes"

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    channel_type: Mapped[str] = mapped_column(String(16))
    # Public id used in webhook URLs and the widget snippet; never the numeric id.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class InboxMember(Base):
    __tablename__ = "inbox_members"

    inbox_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    __table_args__ = (Index("ix_inbox_members_user", "user_id"),)
