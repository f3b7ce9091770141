"""Use cases of inboxes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.core.principal import Principal
from frontdesk.core.security import public_id
from frontdesk.inboxes import repository
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.schemas import InboxCreate, InboxOut, InboxUpdate
from frontdesk.team import service as team_service


def _out(inbox: Inbox, members: list[int]) -> InboxOut:
    return InboxOut(
        id=inbox.id,
        name=inbox.name,
        channel_type=inbox.channel_type,
        public_id=inbox.public_id,
        settings=inbox.settings,
        member_ids=members,
        created_at=inbox.created_at,
    )


def _record(
    uow: UnitOfWork, kind: str, principal: Principal | None, out: InboxOut, workspace_id: int
) -> None:
    uow.record(
        kind,
        workspace_id=workspace_id,
        inbox_id=out.id,
        data=out.model_dump(mode="json"),
        actor_user_id=principal.user_id if principal else None,
    )


def create_inbox(
    uow: UnitOfWork, *, workspace_id: int, data: InboxCreate, principal: Principal | None = None
) -> InboxOut:
    team_service.check_users_exist(uow.session, workspace_id=workspace_id, user_ids=data.member_ids)
    inbox = Inbox(
        workspace_id=workspace_id,
        name=data.name,
        channel_type=data.channel_type.value,
        public_id=public_id(),
        settings=data.settings,
        created_at=uow.now(),
    )
    repository.insert(uow.session, inbox)
    repository.set_members(uow.session, inbox_id=inbox.id, user_ids=data.member_ids)
    out = _out(inbox, sorted(set(data.member_ids)))
    _record(uow, "inbox.created", principal, out, workspace_id)
    return out


def _visible(session: Session, *, principal: Principal, inbox_id: int) -> Inbox:
    inbox = repository.get(session, workspace_id=principal.workspace_id, inbox_id=inbox_id)
    if inbox is None or (
        not principal.is_admin
        and inbox_id not in team_service.visible_inbox_ids(session, principal=principal)
    ):
        raise NotFound(f"no inbox {inbox_id} visible to you")
    return inbox


def get_inbox(session: Session, *, principal: Principal, inbox_id: int) -> InboxOut:
    inbox = _visible(session, principal=principal, inbox_id=inbox_id)
    return _out(inbox, repository.member_ids(session, inbox_ids=[inbox.id])[inbox.id])


def require_visible(session: Session, *, principal: Principal, inbox_id: int) -> Inbox:
    return _visible(session, principal=principal, inbox_id=inbox_id)


def list_inboxes(session: Session, *, principal: Principal) -> list[InboxOut]:
    ids = team_service.visible_inbox_ids(session, principal=principal)
    inboxes = repository.list_by_ids(session, workspace_id=principal.workspace_id, inbox_ids=ids)
    members = repository.member_ids(session, inbox_ids=[i.id for i in inboxes])
    return [_out(i, members[i.id]) for i in inboxes]


def update_inbox(
    uow: UnitOfWork, *, principal: Principal, inbox_id: int, data: InboxUpdate
) -> InboxOut:
    inbox = repository.get(uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id)
    if inbox is None:
        raise NotFound(f"no inbox {inbox_id} in this workspace")
    if data.name is not None:
        inbox.name = data.name
    if data.settings is not None:
        inbox.settings = data.settings
    uow.session.flush()
    out = _out(inbox, repository.member_ids(uow.session, inbox_ids=[inbox.id])[inbox.id])
    _record(uow, "inbox.updated", principal, out, principal.workspace_id)
    return out


def set_members(
    uow: UnitOfWork, *, principal: Principal, inbox_id: int, user_ids: list[int]
) -> InboxOut:
    inbox = repository.get(uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id)
    if inbox is None:
        raise NotFound(f"no inbox {inbox_id} in this workspace")
    team_service.check_users_exist(
        uow.session, workspace_id=principal.workspace_id, user_ids=user_ids
    )
    repository.set_members(uow.session, inbox_id=inbox.id, user_ids=user_ids)
    uow.session.flush()
    out = _out(inbox, sorted(set(user_ids)))
    _record(uow, "inbox.members_changed", principal, out, principal.workspace_id)
    return out
