"""Use cases of saved personal views: private to their owner, so another user's id is a 404."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Unprocessable
from frontdesk.core.principal import Principal
from frontdesk.views import repository
from frontdesk.views.models import SavedView
from frontdesk.views.schemas import SavedViewCreate, SavedViewOut, SavedViewUpdate

MAX_VIEWS_PER_USER = 50


def _out(view: SavedView) -> SavedViewOut:
    return SavedViewOut.model_validate(view)


def _record(uow: UnitOfWork, event: str, principal: Principal, data: dict[str, object]) -> None:
    # Only the owner's own screens hear of their views.
    uow.record(
        event,
        workspace_id=principal.workspace_id,
        user_ids=[principal.user_id],
        actor_user_id=principal.user_id,
        data=data,
    )


def _mine(session: Session, *, principal: Principal, view_id: int) -> SavedView:
    view = repository.get(
        session, workspace_id=principal.workspace_id, user_id=principal.user_id, view_id=view_id
    )
    if view is None:
        raise NotFound(f"you have no saved view {view_id}")
    return view


def list_views(session: Session, *, principal: Principal) -> list[SavedViewOut]:
    return [
        _out(v)
        for v in repository.list_for_user(
            session, workspace_id=principal.workspace_id, user_id=principal.user_id
        )
    ]


def create_view(uow: UnitOfWork, *, principal: Principal, data: SavedViewCreate) -> SavedViewOut:
    if (
        repository.count_for_user(
            uow.session, workspace_id=principal.workspace_id, user_id=principal.user_id
        )
        >= MAX_VIEWS_PER_USER
    ):
        raise Unprocessable(f"at most {MAX_VIEWS_PER_USER} saved views; delete one first")
    if repository.name_taken(uow.session, user_id=principal.user_id, name=data.name):
        raise Conflict(f"you already have a view named '{data.name}'")
    now = uow.now()
    view = SavedView(
        workspace_id=principal.workspace_id,
        user_id=principal.user_id,
        name=data.name,
        filters=data.filters.model_dump(mode="json", exclude_none=True),
        created_at=now,
        updated_at=now,
    )
    try:
        repository.insert(uow.session, view)
    except IntegrityError as exc:
        raise Conflict(f"you already have a view named '{data.name}'") from exc
    out = _out(view)
    _record(uow, "view.created", principal, out.model_dump(mode="json"))
    return out


def update_view(
    uow: UnitOfWork, *, principal: Principal, view_id: int, data: SavedViewUpdate
) -> SavedViewOut:
    view = _mine(uow.session, principal=principal, view_id=view_id)
    if data.name is not None and data.name != view.name:
        if repository.name_taken(
            uow.session, user_id=principal.user_id, name=data.name, except_id=view.id
        ):
            raise Conflict(f"you already have a view named '{data.name}'")
        view.name = data.name
    if data.filters is not None:
        view.filters = data.filters.model_dump(mode="json", exclude_none=True)
    view.updated_at = uow.now()
    uow.session.flush()
    out = _out(view)
    _record(uow, "view.updated", principal, out.model_dump(mode="json"))
    return out


def delete_view(uow: UnitOfWork, *, principal: Principal, view_id: int) -> None:
    view = _mine(uow.session, principal=principal, view_id=view_id)
    repository.remove(uow.session, view_id=view.id)
    _record(uow, "view.deleted", principal, {"id": view.id})
