"""Domain events: recorded in the same transaction as the change, published after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class EventRow(Base):
    """The event log: realtime, webhooks, automation, reports and audit all read from it."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_workspace_created", "workspace_id", "id"),
        Index("ix_events_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id"))
    type: Mapped[str] = mapped_column(String(64))
    inbox_id: Mapped[int | None] = mapped_column(BigId)
    conversation_id: Mapped[int | None] = mapped_column(BigId)
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One change of state. `inbox_id` scopes who may see it; `user_ids` targets it at users."""

    type: str
    workspace_id: int
    data: dict[str, Any]
    created_at: datetime
    inbox_id: int | None = None
    conversation_id: int | None = None
    actor_user_id: int | None = None
    user_ids: tuple[int, ...] = ()
    id: int | None = field(default=None, compare=False)

    def to_wire(self) -> dict[str, Any]:
        """The websocket/bus form: `{"type": ..., "data": ...}` plus routing fields."""
        return {
            "id": self.id,
            "type": self.type,
            "workspace_id": self.workspace_id,
            "inbox_id": self.inbox_id,
            "conversation_id": self.conversation_id,
            "user_ids": list(self.user_ids),
            "created_at": self.created_at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> DomainEvent:
        return cls(
            id=wire.get("id"),
            type=wire["type"],
            workspace_id=wire["workspace_id"],
            inbox_id=wire.get("inbox_id"),
            conversation_id=wire.get("conversation_id"),
            user_ids=tuple(wire.get("user_ids") or ()),
            created_at=datetime.fromisoformat(wire["created_at"]),
            data=wire["data"],
        )
