"""E-mail tables: where each mailbox's IMAP reading stands, and the Message-IDs of the mails
stored in each conversation (the threads that replies and bounces are matched against)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class EmailMailbox(Base):
    """The IMAP folder an e-mail inbox reads, and the last UID stored from it.

    UIDs only mean something within one UIDVALIDITY: when the server changes it (the folder
    was re-created), everything is read again and the Message-IDs keep it from doubling."""

    __tablename__ = "email_mailboxes"

    inbox_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int | None]
    last_uid: Mapped[int] = mapped_column(default=0)
    last_polled_at: Mapped[datetime | None]
    # The last poll's failure (cannot connect, login refused), shown to admins; None when fine.
    last_error: Mapped[str | None] = mapped_column(String(1000))
    failures: Mapped[int] = mapped_column(default=0)


class EmailThreadMessage(Base):
    """One mail of a conversation by its Message-ID (without angle brackets).

    Incoming mails and our outgoing replies both land here, so a reply that names any of them
    in In-Reply-To or References finds its conversation, and a bounce its original."""

    __tablename__ = "email_thread_messages"
    __table_args__ = (
        UniqueConstraint("inbox_id", "rfc_message_id"),
        Index("ix_email_thread_messages_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("inboxes.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="CASCADE")
    )
    rfc_message_id: Mapped[str] = mapped_column(String(255))
    # in | out
    direction: Mapped[str] = mapped_column(String(8))
    # The References of this mail (the thread before it), so a reply can continue the chain.
    thread_references: Mapped[list[str]]
    subject: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
