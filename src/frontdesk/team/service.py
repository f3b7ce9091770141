"""Use cases of workspaces, users and teams."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Unprocessable
from frontdesk.core.principal import Principal, Role
from frontdesk.core.security import hash_password
from frontdesk.team import repository
from frontdesk.team.models import Team, User, Workspace
from frontdesk.team.schemas import TeamCreate, TeamOut, TeamUpdate, UserCreate, UserOut, UserUpdate


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return repository.user_by_email(session, email=email)


def has_workspace(session: Session) -> bool:
    return repository.first_workspace(session) is not None


def create_workspace(uow: UnitOfWork, *, name: str, slug: str) -> Workspace:
    if repository.get_workspace_by_slug(uow.session, slug=slug):
        raise Conflict(f"a workspace '{slug}' already exists")
    workspace = Workspace(name=name, slug=slug, created_at=uow.now())
    repository.insert(uow.session, workspace)
    return workspace


def create_user(uow: UnitOfWork, *, workspace_id: int, data: UserCreate) -> UserOut:
    if repository.user_by_email(uow.session, email=data.email):
        raise Conflict(f"a user with e-mail {data.email} already exists")
    user = User(
        workspace_id=workspace_id,
        email=data.email.lower(),
        name=data.name,
        role=data.role.value,
        password_hash=hash_password(data.password) if data.password else None,
        time_zone=data.time_zone,
        language=data.language,
        availability="offline",
        is_active=True,
        created_at=uow.now(),
    )
    repository.insert(uow.session, user)
    out = UserOut.model_validate(user)
    uow.record("user.created", workspace_id=workspace_id, data=out.model_dump(mode="json"))
    return out


def update_user(
    uow: UnitOfWork, *, principal: Principal, user_id: int, data: UserUpdate
) -> UserOut:
    user = _user(uow.session, principal=principal, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    if user.id == principal.user_id and (
        changes.get("role") not in (None, Role.admin) or changes.get("is_active") is False
    ):
        raise Unprocessable("an admin cannot demote or deactivate themselves")
    if "password" in changes:
        password = changes.pop("password")
        user.password_hash = hash_password(password) if password else None
    for key, value in changes.items():
        setattr(user, key, value.value if isinstance(value, Role) else value)
    uow.session.flush()
    out = UserOut.model_validate(user)
    uow.record(
        "user.updated",
        workspace_id=principal.workspace_id,
        data=out.model_dump(mode="json"),
        actor_user_id=principal.user_id,
    )
    return out


def set_availability(uow: UnitOfWork, *, principal: Principal, availability: str) -> UserOut:
    user = _user(uow.session, principal=principal, user_id=principal.user_id)
    user.availability = availability
    out = UserOut.model_validate(user)
    uow.record(
        "user.availability_changed",
        workspace_id=principal.workspace_id,
        data={"user_id": user.id, "availability": availability},
        actor_user_id=principal.user_id,
    )
    return out


def get_user(session: Session, *, principal: Principal, user_id: int) -> UserOut:
    return UserOut.model_validate(_user(session, principal=principal, user_id=user_id))


def list_users(session: Session, *, principal: Principal) -> list[UserOut]:
    return [
        UserOut.model_validate(u)
        for u in repository.list_users(session, workspace_id=principal.workspace_id)
    ]


def _user(session: Session, *, principal: Principal, user_id: int) -> User:
    user = repository.get_user(session, workspace_id=principal.workspace_id, user_id=user_id)
    if user is None:
        raise NotFound(f"no user {user_id} in this workspace")
    return user


def check_users_exist(session: Session, *, workspace_id: int, user_ids: list[int]) -> None:
    found = {
        u.id for u in repository.users_by_ids(session, workspace_id=workspace_id, user_ids=user_ids)
    }
    missing = sorted(set(user_ids) - found)
    if missing:
        raise Unprocessable(f"no users {missing} in this workspace")


def _team_out(session: Session, team: Team) -> TeamOut:
    members = repository.team_member_ids(session, team_ids=[team.id])[team.id]
    inboxes = repository.team_inbox_ids(session, team_ids=[team.id])[team.id]
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        member_ids=members,
        inbox_ids=inboxes,
        created_at=team.created_at,
    )


def _check_inboxes(session: Session, *, workspace_id: int, inbox_ids: list[int]) -> None:
    visible = repository.visible_inbox_ids(
        session, workspace_id=workspace_id, user_id=0, role="admin"
    )
    missing = sorted(set(inbox_ids) - visible)
    if missing:
        raise Unprocessable(f"no inboxes {missing} in this workspace")


def create_team(uow: UnitOfWork, *, principal: Principal, data: TeamCreate) -> TeamOut:
    check_users_exist(uow.session, workspace_id=principal.workspace_id, user_ids=data.member_ids)
    _check_inboxes(uow.session, workspace_id=principal.workspace_id, inbox_ids=data.inbox_ids)
    team = Team(
        workspace_id=principal.workspace_id,
        name=data.name,
        description=data.description,
        created_at=uow.now(),
    )
    try:
        repository.insert(uow.session, team)
    except IntegrityError as exc:
        raise Conflict(f"a team named '{data.name}' already exists") from exc
    repository.set_team_members(uow.session, team_id=team.id, user_ids=data.member_ids)
    repository.set_team_inboxes(uow.session, team_id=team.id, inbox_ids=data.inbox_ids)
    uow.session.flush()
    out = _team_out(uow.session, team)
    uow.record(
        "team.created",
        workspace_id=principal.workspace_id,
        data=out.model_dump(mode="json"),
        actor_user_id=principal.user_id,
    )
    return out


def update_team(
    uow: UnitOfWork, *, principal: Principal, team_id: int, data: TeamUpdate
) -> TeamOut:
    team = repository.get_team(uow.session, workspace_id=principal.workspace_id, team_id=team_id)
    if team is None:
        raise NotFound(f"no team {team_id} in this workspace")
    if data.name is not None:
        team.name = data.name
    if data.description is not None:
        team.description = data.description
    if data.member_ids is not None:
        check_users_exist(
            uow.session, workspace_id=principal.workspace_id, user_ids=data.member_ids
        )
        repository.set_team_members(uow.session, team_id=team.id, user_ids=data.member_ids)
    if data.inbox_ids is not None:
        _check_inboxes(uow.session, workspace_id=principal.workspace_id, inbox_ids=data.inbox_ids)
        repository.set_team_inboxes(uow.session, team_id=team.id, inbox_ids=data.inbox_ids)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a team named '{data.name}' already exists") from exc
    out = _team_out(uow.session, team)
    uow.record(
        "team.updated",
        workspace_id=principal.workspace_id,
        data=out.model_dump(mode="json"),
        actor_user_id=principal.user_id,
    )
    return out


def list_teams(session: Session, *, principal: Principal) -> list[TeamOut]:
    teams = repository.list_teams(session, workspace_id=principal.workspace_id)
    members = repository.team_member_ids(session, team_ids=[t.id for t in teams])
    inboxes = repository.team_inbox_ids(session, team_ids=[t.id for t in teams])
    return [
        TeamOut(
            id=t.id,
            name=t.name,
            description=t.description,
            member_ids=members[t.id],
            inbox_ids=inboxes[t.id],
            created_at=t.created_at,
        )
        for t in teams
    ]


def get_team(session: Session, *, principal: Principal, team_id: int) -> TeamOut:
    team = repository.get_team(session, workspace_id=principal.workspace_id, team_id=team_id)
    if team is None:
        raise NotFound(f"no team {team_id} in this workspace")
    return _team_out(session, team)


def team_exists(session: Session, *, workspace_id: int, team_id: int) -> bool:
    return repository.get_team(session, workspace_id=workspace_id, team_id=team_id) is not None


def is_team_member(session: Session, *, team_id: int, user_id: int) -> bool:
    return repository.is_team_member(session, team_id=team_id, user_id=user_id)


def visible_inbox_ids(session: Session, *, principal: Principal) -> set[int]:
    return repository.visible_inbox_ids(
        session,
        workspace_id=principal.workspace_id,
        user_id=principal.user_id,
        role=principal.role.value,
    )


def next_conversation_number(session: Session, *, workspace_id: int) -> int:
    return repository.next_conversation_number(session, workspace_id=workspace_id)


def users_by_ids(session: Session, *, workspace_id: int, user_ids: list[int]) -> list[User]:
    return repository.users_by_ids(session, workspace_id=workspace_id, user_ids=user_ids)
