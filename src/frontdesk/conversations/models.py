"""Conversations, messages, attachments, labels and participants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        # One index per inbox filter the agent list uses, each ending in the sort key.
        Index("ix_conversations_ws_activity", "workspace_id", "last_activity_at", "id"),
        Index("ix_conversations_inbox_activity", "inbox_id", "last_activity_at", "id"),
        Index(
            "ix_conversations_ws_status_activity",
            "workspace_id",
            "status",
            "last_activity_at",
            "id",
        ),
        # Led by the workspace too: with two equalities SQLite prefers it to ws_activity for
        # Mine (without, it read the whole workspace: 140 ms at 100,000; migration 0003).
        Index(
            "ix_conversations_ws_assignee_activity",
            "workspace_id",
            "assignee_id",
            "last_activity_at",
            "id",
        ),
        Index("ix_conversations_team_activity", "team_id", "last_activity_at", "id"),
        Index("ix_conversations_contact", "contact_id", "id"),
        Index("ix_conversations_snoozed_until", "snoozed_until"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    number: Mapped[int]
    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("inboxes.id"))
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("contacts.id"))
    subject: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    type: Mapped[str] = mapped_column(String(16), default="question")
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id"))
    snoozed_until: Mapped[datetime | None]
    custom_attributes: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    # When the customer started waiting for a human reply; None when nobody is waiting.
    waiting_since: Mapped[datetime | None]
    first_reply_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(default=0)
    # The newest customer message: a reader who last read before it has something unread.
    last_incoming_at: Mapped[datetime | None]


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(64))
    color: Mapped[str] = mapped_column(String(16), default="#6b7280")
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]


class ConversationLabel(Base):
    __tablename__ = "conversation_labels"
    __table_args__ = (Index("ix_conversation_labels_label", "label_id", "conversation_id"),)

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )


class Participant(Base):
    """A colleague invited into a conversation besides the assignee ("invite a specialist")."""

    __tablename__ = "conversation_participants"

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id", "conversation_id", "id"),
        # Idempotency of inbound messages: one external id once per inbox.
        UniqueConstraint("inbox_id", "external_id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("inboxes.id"))
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    # incoming | outgoing | note | system | bot
    kind: Mapped[str] = mapped_column(String(16))
    # contact | user | bot | system
    sender_type: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[int | None] = mapped_column(BigId)
    content: Mapped[str] = mapped_column(Text, default="")
    content_attributes: Mapped[dict[str, Any]]
    external_id: Mapped[str | None] = mapped_column(String(255))
    # outgoing only: pending | sent | delivered | read | failed
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class CannedResponse(Base):
    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "short_code"),)

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    short_code: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ConversationMention(Base):
    """A colleague mentioned in a private note (`@[Name](user:ID)`): the Mentions view."""

    __tablename__ = "conversation_mentions"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id"),
        Index("ix_conversation_mentions_user_conversation", "user_id", "conversation_id"),
        Index("ix_conversation_mentions_conversation", "conversation_id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class ConversationRead(Base):
    """How far a user has read a conversation (unread markers in the list)."""

    __tablename__ = "conversation_reads"
    __table_args__ = (Index("ix_conversation_reads_conversation", "conversation_id"),)

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    last_read_at: Mapped[datetime]
