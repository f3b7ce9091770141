"""Every query on login sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from frontdesk.auth.models import ApiToken, LoginSession
from frontdesk.core.db import rowcount
from frontdesk.team.models import User


def principal_row_by_token(session: Session, *, token_hash: str) -> tuple[int, int, str] | None:
    row = session.execute(
        select(User.id, User.workspace_id, User.role)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_hash,
            ApiToken.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


def principal_row_by_session(
    session: Session, *, token_hash: str, now: datetime
) -> tuple[int, int, str, str] | None:
    row = session.execute(
        select(User.id, User.workspace_id, User.role, LoginSession.csrf_token)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == token_hash,
            LoginSession.expires_at > now,
            User.is_active.is_(True),
        )
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


def add_session(
    session: Session,
    *,
    user_id: int,
    token_hash: str,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        LoginSession(
            user_id=user_id,
            token_hash=token_hash,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


def delete_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash))


def add_token(
    session: Session, *, user_id: int, name: str, token_hash: str, prefix: str, now: datetime
) -> ApiToken:
    token = ApiToken(
        user_id=user_id, name=name, token_hash=token_hash, prefix=prefix, created_at=now
    )
    session.add(token)
    session.flush()
    return token


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).scalars()
    )


def revoke_token(session: Session, *, token_id: int, user_id: int, now: datetime) -> bool:
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(rowcount(result))
