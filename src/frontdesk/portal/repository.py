"""Every query on sign-in links and portal sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from frontdesk.core.db import rowcount
from frontdesk.core.models import insert_row
from frontdesk.portal.models import PortalLink, PortalSession


def count_links_since(session: Session, *, workspace_id: int, email: str, since: datetime) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(PortalLink)
            .where(
                PortalLink.workspace_id == workspace_id,
                PortalLink.email == email,
                PortalLink.created_at > since,
            )
        ).scalar_one()
    )


def add_link(session: Session, link: PortalLink) -> PortalLink:
    return insert_row(session, link)


def get_link(session: Session, *, link_id: int) -> PortalLink | None:
    return session.get(PortalLink, link_id)


def link_by_hash(session: Session, *, workspace_id: int, token_hash: str) -> PortalLink | None:
    return session.execute(
        select(PortalLink).where(
            PortalLink.token_hash == token_hash, PortalLink.workspace_id == workspace_id
        )
    ).scalar_one_or_none()


def set_link_hash(session: Session, *, link_id: int, token_hash: str) -> None:
    session.execute(
        update(PortalLink).where(PortalLink.id == link_id).values(token_hash=token_hash)
    )


def use_link(session: Session, *, link_id: int, now: datetime) -> bool:
    """Mark a link used, only if nobody used it first (two clicks racing: one wins)."""
    result = session.execute(
        update(PortalLink)
        .where(PortalLink.id == link_id, PortalLink.used_at.is_(None), PortalLink.expires_at > now)
        .values(used_at=now)
    )
    return rowcount(result) == 1


def add_session(session: Session, row: PortalSession) -> PortalSession:
    return insert_row(session, row)


def session_by_hash(
    session: Session, *, workspace_id: int, token_hash: str, now: datetime
) -> PortalSession | None:
    return session.execute(
        select(PortalSession).where(
            PortalSession.token_hash == token_hash,
            PortalSession.workspace_id == workspace_id,
            PortalSession.expires_at > now,
        )
    ).scalar_one_or_none()


def end_session(session: Session, *, workspace_id: int, token_hash: str, now: datetime) -> None:
    """Expired rather than deleted: its language still tells how to write to the customer."""
    session.execute(
        update(PortalSession)
        .where(PortalSession.token_hash == token_hash, PortalSession.workspace_id == workspace_id)
        .values(expires_at=now)
    )


def set_session_language(
    session: Session, *, workspace_id: int, token_hash: str, language: str
) -> None:
    session.execute(
        update(PortalSession)
        .where(PortalSession.token_hash == token_hash, PortalSession.workspace_id == workspace_id)
        .values(language=language)
    )


def latest_language(session: Session, *, workspace_id: int, email: str) -> str | None:
    """The language of the address's newest session: what its notifications speak."""
    return session.execute(
        select(PortalSession.language)
        .where(PortalSession.workspace_id == workspace_id, PortalSession.email == email)
        .order_by(PortalSession.id.desc())
        .limit(1)
    ).scalar_one_or_none()
