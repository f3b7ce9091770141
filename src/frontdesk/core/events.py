"""Domain events: recorded in the same transaction as the change, published after commit."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    # Users an event is addressed to (a mention, an assignment), besides its inbox's audience.
    user_ids: Mapped[list[int] | None]
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
            "actor_user_id": self.actor_user_id,
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
            actor_user_id=wire.get("actor_user_id"),
            user_ids=tuple(wire.get("user_ids") or ()),
            created_at=datetime.fromisoformat(wire["created_at"]),
            data=wire["data"],
        )


@dataclass(frozen=True)
class TailPage:
    """A page of the events log: how many ids it read, the last one, and the events wanted."""

    read: int
    last_id: int
    events: list[DomainEvent]


def events_after(
    session: Session, *, after_id: int, limit: int, skip: AbstractSet[int] = frozenset()
) -> TailPage:
    """Committed events with ids above `after_id`, oldest first (the log a process tails).
    `skip`: ids the caller has already (it published them itself): of those only the id is
    read, so that tailing one's own busy log costs an index scan, not the rows."""
    ids = (
        session.execute(
            select(EventRow.id).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        )
        .scalars()
        .all()
    )
    if not ids:
        return TailPage(read=0, last_id=after_id, events=[])
    wanted = [i for i in ids if i not in skip]
    rows = (
        session.execute(select(EventRow).where(EventRow.id.in_(wanted)).order_by(EventRow.id))
        .scalars()
        .all()
        if wanted
        else []
    )
    events = [
        DomainEvent(
            id=r.id,
            type=r.type,
            workspace_id=r.workspace_id,
            data=r.data,
            created_at=r.created_at,
            inbox_id=r.inbox_id,
            conversation_id=r.conversation_id,
            actor_user_id=r.actor_user_id,
            user_ids=tuple(r.user_ids or ()),
        )
        for r in rows
    ]
    return TailPage(read=len(ids), last_id=ids[-1], events=events)


def last_event_id(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(EventRow.id), 0))).scalar_one())
