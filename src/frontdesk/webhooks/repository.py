"""Every query on webhook subscriptions, deliveries and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from frontdesk.core.db import rowcount
from frontdesk.core.events import DomainEvent, EventRow
from frontdesk.core.models import insert_row
from frontdesk.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

insert = insert_row


# -------------------------------------------------------------------------- subscriptions
def list_subscriptions(session: Session, *, workspace_id: int) -> list[WebhookSubscription]:
    return list(
        session.execute(
            select(WebhookSubscription)
            .where(WebhookSubscription.workspace_id == workspace_id)
            .order_by(WebhookSubscription.id)
        ).scalars()
    )


def get_subscription(
    session: Session, *, workspace_id: int, subscription_id: int
) -> WebhookSubscription | None:
    return session.execute(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.workspace_id == workspace_id,
        )
    ).scalar_one_or_none()


def count_subscriptions(session: Session, *, workspace_id: int) -> int:
    return len(
        session.execute(
            select(WebhookSubscription.id).where(WebhookSubscription.workspace_id == workspace_id)
        ).all()
    )


def delete_subscription(session: Session, *, subscription_id: int) -> None:
    # Attempts go with their deliveries (ON DELETE CASCADE; SQLite too, foreign_keys=ON).
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    )
    session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id))


def active_subscriptions(session: Session) -> list[tuple[int, int, list[str]]]:
    """(workspace id, subscription id, events) of every active subscription: the snapshot the
    dispatcher matches events against."""
    rows = session.execute(
        select(
            WebhookSubscription.workspace_id, WebhookSubscription.id, WebhookSubscription.events
        ).where(WebhookSubscription.active.is_(True))
    ).all()
    return [(r[0], r[1], list(r[2] or [])) for r in rows]


# ----------------------------------------------------------------------------- deliveries
def add_delivery(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a delivery unless this subscription has one for this event; its id, or None."""
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_fn(WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    found = session.execute(stmt).scalar_one_or_none()
    return int(found) if found is not None else None


def get_delivery(session: Session, *, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)


def delivery_in(
    session: Session, *, workspace_id: int, subscription_id: int, delivery_id: int
) -> WebhookDelivery | None:
    return session.execute(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.workspace_id == workspace_id,
        )
    ).scalar_one_or_none()


def list_deliveries(
    session: Session,
    *,
    subscription_id: int,
    statuses: list[str],
    before_id: int | None,
    limit: int,
) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if statuses:
        stmt = stmt.where(WebhookDelivery.status.in_(statuses))
    if before_id is not None:
        stmt = stmt.where(WebhookDelivery.id < before_id)
    return list(session.execute(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)).scalars())


def record_attempt(
    session: Session,
    *,
    delivery_id: int,
    attempt: int,
    status: str,
    status_code: int | None,
    latency_ms: int | None,
    error: str | None,
    response_excerpt: str | None,
    now: datetime,
) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            attempt=attempt,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            response_excerpt=response_excerpt,
            created_at=now,
        )
    )
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            status=status,
            attempts=attempt,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            response_excerpt=response_excerpt,
            last_attempt_at=now,
            finished_at=now if status in ("delivered", "dead") else None,
        )
    )
    session.flush()


def set_delivery_status(
    session: Session, *, delivery_id: int, status: str, error: str | None, now: datetime
) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status=status, error=error, finished_at=now)
    )


def requeue_delivery(session: Session, *, delivery_id: int) -> int:
    """Back to pending for a manual redelivery; the redelivery's number."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(_FINISHED))
        .values(
            status="pending",
            finished_at=None,
            redeliveries=WebhookDelivery.redeliveries + 1,
        )
        .returning(WebhookDelivery.redeliveries)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else 0


_FINISHED = ("delivered", "dead", "skipped")


def attempts_of(session: Session, *, delivery_id: int) -> list[WebhookAttempt]:
    return list(
        session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        ).scalars()
    )


# ------------------------------------------------------------------------------- catch-up
def workspace_events_after(
    session: Session, *, workspace_id: int, after_id: int, until: datetime, limit: int
) -> list[DomainEvent]:
    """A workspace's committed events after an id and up to a time, oldest first."""
    rows = session.execute(
        select(EventRow)
        .where(
            EventRow.workspace_id == workspace_id,
            EventRow.id > after_id,
            EventRow.created_at <= until,
        )
        .order_by(EventRow.id)
        .limit(limit)
    ).scalars()
    return [
        DomainEvent(
            id=r.id,
            type=r.type,
            workspace_id=r.workspace_id,
            data=r.data,
            created_at=r.created_at,
            inbox_id=r.inbox_id,
            conversation_id=r.conversation_id,
            actor_user_id=r.actor_user_id,
            user_ids=tuple(r.user_ids or ()),
        )
        for r in rows
    ]


def last_event_id(session: Session, *, workspace_id: int) -> int:
    found = session.execute(
        select(EventRow.id)
        .where(EventRow.workspace_id == workspace_id)
        .order_by(EventRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return int(found or 0)


def subscription_exists(session: Session, *, subscription_id: int) -> bool:
    return (
        session.execute(
            select(WebhookSubscription.id).where(WebhookSubscription.id == subscription_id)
        ).first()
        is not None
    )


def updated(result: Any) -> int:
    return rowcount(result)
