"""Use cases of presence and collision hints."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontdesk.conversations import service as conversations_service
from frontdesk.core.db import UnitOfWork
from frontdesk.core.principal import Principal
from frontdesk.team import service as team_service

PRESENCE_CHANGED = "user.presence_changed"


@dataclass(frozen=True, slots=True)
class Colleague:
    user_id: int
    # What they chose; None when they cannot be present (deactivated).
    chosen: str | None


def chosen_availability(session: Session, *, workspace_id: int, user_id: int) -> str | None:
    """The availability the user chose, or None for a deactivated or unknown user."""
    users = team_service.users_by_ids(session, workspace_id=workspace_id, user_ids=[user_id])
    if not users or not users[0].is_active:
        return None
    return users[0].availability


def colleagues(session: Session, *, principal: Principal) -> list[Colleague]:
    """Every user of the principal's workspace, with what they chose."""
    return [
        Colleague(user_id=u.id, chosen=u.availability if u.is_active else None)
        for u in team_service.list_users(session, principal=principal)
    ]


def record_presence_change(
    uow: UnitOfWork, *, workspace_id: int, user_id: int, status: str, version: int
) -> None:
    """Colleagues are told (the whole workspace): kept in the events, so that how long
    people were online can be worked out later."""
    uow.record(
        PRESENCE_CHANGED,
        workspace_id=workspace_id,
        data={"user_id": user_id, "status": status, "version": version},
        actor_user_id=user_id,
    )


def conversation_inbox(session: Session, *, principal: Principal, conversation_id: int) -> int:
    """The inbox of a conversation the principal may see; NotFound otherwise."""
    return conversations_service.get_conversation(
        session, principal=principal, conversation_id=conversation_id
    ).inbox_id
