"""Use cases of workspaces, users and teams."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Unprocessable
from frontdesk.core.principal import Principal, Role
from frontdesk.core.security import hash_password
from frontdesk.team import repository, rules
from frontdesk.team.models import Team, User, Workspace
from frontdesk.team.schemas import (
    ProfileUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)


def _taken(field: str, detail: str) -> Conflict:
    """A uniqueness refusal that also names the field, so a form can show it beside it."""
    return Conflict(detail, errors=[{"loc": ["body", field], "msg": detail, "type": "taken"}])


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return repository.user_by_email(session, email=email)


def workspace_by_slug(session: Session, *, slug: str) -> Workspace | None:
    return repository.get_workspace_by_slug(session, slug=slug)


def workspace_by_id(session: Session, *, workspace_id: int) -> Workspace | None:
    return repository.get_workspace(session, workspace_id=workspace_id)


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
        raise _taken("email", f"a user with e-mail {data.email} already exists")
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
    # null leaves a field as it is; only a null password means something (API tokens only).
    changes = {k: v for k, v in changes.items() if v is not None or k == "password"}
    if ("role" in changes or "is_active" in changes) and user.role == Role.admin:
        admins = repository.active_admin_ids(uow.session, workspace_id=principal.workspace_id)
        if rules.leaves_no_admin(
            is_admin_now=True,
            is_active_now=user.is_active,
            new_role=changes.get("role"),
            new_is_active=changes.get("is_active"),
            other_active_admins=len(set(admins) - {user.id}),
        ):
            raise Conflict(
                "the workspace would have no active admin left: make someone else an admin first"
            )
    if "email" in changes:
        changes["email"] = changes["email"].lower()
        other = repository.user_by_email(uow.session, email=changes["email"])
        if other is not None and other.id != user.id:
            raise _taken("email", f"a user with e-mail {changes['email']} already exists")
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


def update_profile(uow: UnitOfWork, *, principal: Principal, data: ProfileUpdate) -> UserOut:
    """The current user changes their own name, language or time zone."""
    user = _user(uow.session, principal=principal, user_id=principal.user_id)
    changes = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None and getattr(user, k) != v
    }
    if not changes:
        return UserOut.model_validate(user)
    for key, value in changes.items():
        setattr(user, key, value)
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
        raise _taken("name", f"a team named '{data.name}' already exists") from exc
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
        raise _taken("name", f"a team named '{data.name}' already exists") from exc
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
