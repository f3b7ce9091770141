"""Use cases of authentication: log in and out, create and revoke API tokens, authenticate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from frontdesk.auth import repository
from frontdesk.auth.models import ApiToken as ApiTokenRow
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Unauthorized
from frontdesk.core.principal import Principal, Role
from frontdesk.core.security import hash_token, new_token, verify_password
from frontdesk.team import service as team_service


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    user_id: int
    expires_at: datetime


@dataclass(frozen=True)
class NewApiToken:
    id: int
    token: str
    name: str
    prefix: str
    created_at: datetime


def check_credentials(session: Session, *, email: str, password: str) -> int:
    """The user id for a valid e-mail and password; the same refusal for every failure."""
    user = team_service.find_user_by_email(session, email=email)
    if (
        not verify_password(user.password_hash if user else None, password)
        or user is None
        or not user.is_active
    ):
        raise Unauthorized("wrong e-mail or password")
    return user.id


def start_session(uow: UnitOfWork, *, user_id: int, lifetime: timedelta) -> NewSession:
    token = new_token("fds")
    csrf = secrets.token_urlsafe(24)
    expires_at = uow.now() + lifetime
    repository.add_session(
        uow.session,
        user_id=user_id,
        token_hash=hash_token(token),
        csrf_token=csrf,
        now=uow.now(),
        expires_at=expires_at,
    )
    return NewSession(token=token, csrf_token=csrf, user_id=user_id, expires_at=expires_at)


def end_session(uow: UnitOfWork, *, token: str) -> None:
    repository.delete_session(uow.session, token_hash=hash_token(token))


def create_token(uow: UnitOfWork, *, user_id: int, name: str) -> NewApiToken:
    token = new_token("fdt")
    row = repository.add_token(
        uow.session,
        user_id=user_id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:10],
        now=uow.now(),
    )
    return NewApiToken(
        id=row.id, token=token, name=name, prefix=row.prefix, created_at=row.created_at
    )


def revoke_token(uow: UnitOfWork, *, principal: Principal, token_id: int) -> None:
    if not repository.revoke_token(
        uow.session, token_id=token_id, user_id=principal.user_id, now=uow.now()
    ):
        raise NotFound(f"no active API token {token_id} of yours")
    # Every process drops its cached copy of this user's tokens when it sees this.
    uow.record(
        "auth.token_revoked",
        workspace_id=principal.workspace_id,
        user_ids=[principal.user_id],
        actor_user_id=principal.user_id,
        data={"user_id": principal.user_id, "token_id": token_id},
    )


def principal_for_token(session: Session, *, token: str) -> Principal | None:
    row = repository.principal_row_by_token(session, token_hash=hash_token(token))
    if row is None:
        return None
    return Principal(user_id=row[0], workspace_id=row[1], role=Role(row[2]), via="token")


def principal_for_session(
    session: Session, *, token: str, now: datetime
) -> tuple[Principal, str] | None:
    row = repository.principal_row_by_session(session, token_hash=hash_token(token), now=now)
    if row is None:
        return None
    principal = Principal(user_id=row[0], workspace_id=row[1], role=Role(row[2]), via="session")
    return principal, row[3]


def list_tokens(session: Session, *, principal: Principal) -> list[ApiTokenRow]:
    return repository.list_tokens(session, user_id=principal.user_id)
