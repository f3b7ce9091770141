"""One-time sign-in links and portal sessions; both stored only as hashes of their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class PortalLink(Base):
    """A sign-in link e-mailed to a customer: valid once, for a short time."""

    __tablename__ = "portal_links"
    __table_args__ = (
        # Counting an address's recent links (the per-e-mail rate limit).
        Index("ix_portal_links_workspace_email_created", "workspace_id", "email", "created_at"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    # Lower-cased: the customer is whoever reads this mailbox.
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The language of the page that asked for it: the mail and the session speak it.
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PortalSession(Base):
    """A signed-in customer's browser: the cookie holds the token, the table its hash."""

    __tablename__ = "portal_sessions"
    __table_args__ = (
        # The language of an address's latest session: the one its notifications speak.
        Index("ix_portal_sessions_workspace_email", "workspace_id", "email", "id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Echoed by every form of the session's pages (synchronizer token).
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
