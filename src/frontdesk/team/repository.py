"""Every query on workspaces, users, teams and their memberships."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from frontdesk.core.models import insert_row
from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.team.models import Team, TeamInbox, TeamMember, User, Workspace


def get_workspace_by_slug(session: Session, *, slug: str) -> Workspace | None:
    return session.execute(select(Workspace).where(Workspace.slug == slug)).scalar_one_or_none()


def get_workspace(session: Session, *, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def first_workspace(session: Session) -> Workspace | None:
    return session.execute(select(Workspace).order_by(Workspace.id).limit(1)).scalar_one_or_none()


def next_conversation_number(session: Session, *, workspace_id: int) -> int:
    # An atomic increment: on PostgreSQL the row lock serializes concurrent writers.
    return int(
        session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id)
            .values(last_conversation_number=Workspace.last_conversation_number + 1)
            .returning(Workspace.last_conversation_number)
        ).scalar_one()
    )


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == email.lower())
    ).scalar_one_or_none()


def get_user(session: Session, *, workspace_id: int, user_id: int) -> User | None:
    return session.execute(
        select(User).where(User.id == user_id, User.workspace_id == workspace_id)
    ).scalar_one_or_none()


def users_by_ids(session: Session, *, workspace_id: int, user_ids: Iterable[int]) -> list[User]:
    ids = list(set(user_ids))
    if not ids:
        return []
    return list(
        session.execute(
            select(User).where(User.workspace_id == workspace_id, User.id.in_(ids))
        ).scalars()
    )


def list_users(session: Session, *, workspace_id: int) -> list[User]:
    return list(
        session.execute(
            select(User).where(User.workspace_id == workspace_id).order_by(User.id)
        ).scalars()
    )


def active_admin_ids(session: Session, *, workspace_id: int) -> list[int]:
    """The workspace's active admins. Their rows stay locked (PostgreSQL) until commit, taken
    in id order so that two admins demoting themselves at once neither both succeed nor
    deadlock: the second waits, then sees the first one's change."""
    return list(
        session.execute(
            select(User.id)
            .where(
                User.workspace_id == workspace_id,
                User.role == "admin",
                User.is_active.is_(True),
            )
            .order_by(User.id)
            .with_for_update()
        ).scalars()
    )


def get_team(session: Session, *, workspace_id: int, team_id: int) -> Team | None:
    return session.execute(
        select(Team).where(Team.id == team_id, Team.workspace_id == workspace_id)
    ).scalar_one_or_none()


def list_teams(session: Session, *, workspace_id: int) -> list[Team]:
    return list(
        session.execute(
            select(Team).where(Team.workspace_id == workspace_id).order_by(Team.id)
        ).scalars()
    )


def team_member_ids(session: Session, *, team_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(team_ids)
    result: dict[int, list[int]] = {team_id: [] for team_id in ids}
    if ids:
        for team_id, user_id in session.execute(
            select(TeamMember.team_id, TeamMember.user_id)
            .where(TeamMember.team_id.in_(ids))
            .order_by(TeamMember.user_id)
        ):
            result[team_id].append(user_id)
    return result


def team_inbox_ids(session: Session, *, team_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(team_ids)
    result: dict[int, list[int]] = {team_id: [] for team_id in ids}
    if ids:
        for team_id, inbox_id in session.execute(
            select(TeamInbox.team_id, TeamInbox.inbox_id)
            .where(TeamInbox.team_id.in_(ids))
            .order_by(TeamInbox.inbox_id)
        ):
            result[team_id].append(inbox_id)
    return result


def set_team_members(session: Session, *, team_id: int, user_ids: Iterable[int]) -> None:
    session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    session.add_all(TeamMember(team_id=team_id, user_id=u) for u in sorted(set(user_ids)))


def set_team_inboxes(session: Session, *, team_id: int, inbox_ids: Iterable[int]) -> None:
    session.execute(delete(TeamInbox).where(TeamInbox.team_id == team_id))
    session.add_all(TeamInbox(team_id=team_id, inbox_id=i) for i in sorted(set(inbox_ids)))


def is_team_member(session: Session, *, team_id: int, user_id: int) -> bool:
    return (
        session.execute(
            select(TeamMember.user_id).where(
                TeamMember.team_id == team_id, TeamMember.user_id == user_id
            )
        ).first()
        is not None
    )


def visible_inbox_ids(session: Session, *, workspace_id: int, user_id: int, role: str) -> set[int]:
    """Admins: every inbox; supervisors: their teams' and their own; agents: their own."""
    if role == "admin":
        return set(
            session.execute(select(Inbox.id).where(Inbox.workspace_id == workspace_id)).scalars()
        )
    own = select(InboxMember.inbox_id).where(InboxMember.user_id == user_id)
    if role == "supervisor":
        teams = (
            select(TeamInbox.inbox_id)
            .join(TeamMember, TeamMember.team_id == TeamInbox.team_id)
            .where(TeamMember.user_id == user_id)
        )
        own = own.union(teams)  # type: ignore[assignment]
    return set(session.execute(own).scalars())


# New rows of this capability are added (and flushed, for their ids) through here.
insert = insert_row
