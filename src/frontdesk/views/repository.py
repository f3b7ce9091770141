"""Every query on saved views."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from frontdesk.core.db import rowcount
from frontdesk.core.models import insert_row
from frontdesk.views.models import SavedView


def list_for_user(session: Session, *, workspace_id: int, user_id: int) -> list[SavedView]:
    return list(
        session.execute(
            select(SavedView)
            .where(SavedView.workspace_id == workspace_id, SavedView.user_id == user_id)
            .order_by(SavedView.name, SavedView.id)
        ).scalars()
    )


def count_for_user(session: Session, *, workspace_id: int, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(SavedView)
            .where(SavedView.workspace_id == workspace_id, SavedView.user_id == user_id)
        ).scalar_one()
    )


def get(session: Session, *, workspace_id: int, user_id: int, view_id: int) -> SavedView | None:
    return session.execute(
        select(SavedView).where(
            SavedView.id == view_id,
            SavedView.workspace_id == workspace_id,
            SavedView.user_id == user_id,
        )
    ).scalar_one_or_none()


def name_taken(session: Session, *, user_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = select(SavedView.id).where(SavedView.user_id == user_id, SavedView.name == name)
    if except_id is not None:
        stmt = stmt.where(SavedView.id != except_id)
    return session.execute(stmt.limit(1)).first() is not None


def remove(session: Session, *, view_id: int) -> bool:
    return bool(rowcount(session.execute(delete(SavedView).where(SavedView.id == view_id))))


insert = insert_row
