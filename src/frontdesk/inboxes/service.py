"""Use cases of inboxes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Unprocessable
from frontdesk.core.principal import Principal
from frontdesk.core.security import public_id
from frontdesk.inboxes import repository, rules
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.schemas import InboxCreate, InboxOut, InboxUpdate
from frontdesk.team import service as team_service


def _out(inbox: Inbox, members: list[int]) -> InboxOut:
    return InboxOut(
        id=inbox.id,
        name=inbox.name,
        channel_type=inbox.channel_type,
        public_id=inbox.public_id,
        # Secrets (tokens, passwords) are write-only: shown as "set" / "not set".
        settings=rules.masked(inbox.settings),
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
        settings=_checked_settings({}, data.settings, data.channel_type.value),
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
        inbox.settings = _checked_settings(inbox.settings, data.settings, inbox.channel_type)
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


# A channel may check (and complete) its inboxes' settings: channel type → check, which
# raises rules.InvalidSettings (registered by the channel's package, e.g. the widget's).
SETTINGS_CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _checked_settings(
    stored: dict[str, Any], incoming: dict[str, Any], channel_type: str | None = None
) -> dict[str, Any]:
    settings = rules.merged(stored, incoming)
    try:
        check = SETTINGS_CHECKS.get(channel_type or "")
        if check is not None:
            settings = check(settings)
        rules.check_size(settings)
    except rules.InvalidSettings as exc:
        placed: dict[str, Any] = {"errors": exc.errors} if exc.errors else {}
        raise Unprocessable(str(exc), **placed) from exc
    return settings


# ------------------------------------------------------------------------------- channels
@dataclass(frozen=True)
class ChannelInbox:
    """An inbox as its channel sees it: with the secrets in its settings."""

    id: int
    workspace_id: int
    channel_type: str
    public_id: str
    settings: dict[str, Any]


def _channel_inbox(inbox: Inbox) -> ChannelInbox:
    return ChannelInbox(
        id=inbox.id,
        workspace_id=inbox.workspace_id,
        channel_type=inbox.channel_type,
        public_id=inbox.public_id,
        settings=dict(inbox.settings),
    )


def channel_inbox(session: Session, *, public_id: str) -> ChannelInbox | None:
    """The inbox a webhook URL names (by its public id), across workspaces."""
    inbox = repository.by_public_id(session, public_id=public_id)
    return _channel_inbox(inbox) if inbox is not None else None


def first_channel_inbox(
    session: Session, *, workspace_id: int, channel_type: str
) -> ChannelInbox | None:
    """The workspace's oldest inbox of a channel."""
    inbox = repository.first_of_channel(
        session, workspace_id=workspace_id, channel_type=channel_type
    )
    return _channel_inbox(inbox) if inbox is not None else None


def channel_inbox_by_id(session: Session, *, workspace_id: int, inbox_id: int) -> ChannelInbox:
    inbox = repository.get(session, workspace_id=workspace_id, inbox_id=inbox_id)
    if inbox is None:
        raise NotFound(f"no inbox {inbox_id} in this workspace")
    return _channel_inbox(inbox)


def update_channel_settings(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    changes: dict[str, Any],
    principal: Principal | None = None,
) -> InboxOut:
    """A channel connecting or disconnecting writes its keys (None removes one); the rest of
    the settings stay as they are."""
    inbox = repository.get(uow.session, workspace_id=workspace_id, inbox_id=inbox_id)
    if inbox is None:
        raise NotFound(f"no inbox {inbox_id} in this workspace")
    settings = {**inbox.settings, **changes}
    inbox.settings = {k: v for k, v in settings.items() if v is not None}
    uow.session.flush()
    out = _out(inbox, repository.member_ids(uow.session, inbox_ids=[inbox.id])[inbox.id])
    _record(uow, "inbox.updated", principal, out, workspace_id)
    return out
