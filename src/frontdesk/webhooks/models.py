"""Outgoing webhooks: a workspace's subscriptions, each event delivery, and every attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, BigId, id_column


class WebhookSubscription(Base):
    """Where a workspace wants its events POSTed, which ones, and the secret that signs them."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_workspace", "workspace_id", "id"),)

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Event names (rules.EVENTS), or ["*"] for all of them.
    events: Mapped[list[str]]
    active: Mapped[bool] = mapped_column(default=True)
    # Kept as is (an HMAC needs the secret itself); shown once, on create and on rotation.
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event on its way to one subscription: the body as sent (every attempt sends the
    same bytes) and the outcome of the latest attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # An event is delivered once per subscription, whoever enqueues it (see dispatch.py).
        UniqueConstraint("subscription_id", "event_id"),
        # The delivery log, newest first.
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = id_column()
    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    # No foreign key: a process whose snapshot of the subscriptions is a moment old may still
    # enqueue for one just deleted, and that must not fail the write it rides along with (the
    # delivery is then dropped, unsent). Deleting a subscription deletes its deliveries.
    subscription_id: Mapped[int] = mapped_column(BigId)
    # X-Frontdesk-Delivery: the same for every attempt and redelivery (the receiver dedupes).
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    # None for a ping sent from the settings.
    event_id: Mapped[int | None] = mapped_column(BigId)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    # pending | retrying | delivered | dead | skipped (the subscription was switched off)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # Manual redeliveries so far (each runs as its own outbox job).
    redeliveries: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """One POST of a delivery, as the receiver answered it (or why it could not)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = id_column()
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int]
    status_code: Mapped[int | None]
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
