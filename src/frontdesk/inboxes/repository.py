"""Every query on inboxes and their members."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from frontdesk.core.models import insert_row
from frontdesk.inboxes.models import Inbox, InboxMember


def get(session: Session, *, workspace_id: int, inbox_id: int) -> Inbox | None:
    return session.execute(
        select(Inbox).where(Inbox.id == inbox_id, Inbox.workspace_id == workspace_id)
    ).scalar_one_or_none()


def by_public_id(session: Session, *, public_id: str) -> Inbox | None:
    return session.execute(select(Inbox).where(Inbox.public_id == public_id)).scalar_one_or_none()


def first_of_channel(session: Session, *, workspace_id: int, channel_type: str) -> Inbox | None:
    return session.execute(
        select(Inbox)
        .where(Inbox.workspace_id == workspace_id, Inbox.channel_type == channel_type)
        .order_by(Inbox.id)
        .limit(1)
    ).scalar_one_or_none()


def list_by_ids(session: Session, *, workspace_id: int, inbox_ids: Iterable[int]) -> list[Inbox]:
    return list(
        session.execute(
            select(Inbox)
            .where(Inbox.workspace_id == workspace_id, Inbox.id.in_(list(inbox_ids)))
            .order_by(Inbox.id)
        ).scalars()
    )


def member_ids(session: Session, *, inbox_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(inbox_ids)
    result: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for inbox_id, user_id in session.execute(
            select(InboxMember.inbox_id, InboxMember.user_id)
            .where(InboxMember.inbox_id.in_(ids))
            .order_by(InboxMember.user_id)
        ):
            result[inbox_id].append(user_id)
    return result


def set_members(session: Session, *, inbox_id: int, user_ids: Iterable[int]) -> None:
    session.execute(delete(InboxMember).where(InboxMember.inbox_id == inbox_id))
    session.add_all(InboxMember(inbox_id=inbox_id, user_id=u) for u in sorted(set(user_ids)))


# New rows of this capability are added (and flushed, for their ids) through here.
insert = insert_row
