from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from frontdesk.core.schemas import InputModel, OutputModel

URL_FIELD = Field(
    min_length=8,
    max_length=2000,
    description="where events are POSTed: http(s), a public address (see "
    "FRONTDESK_WEBHOOK_ALLOWED_NETWORKS for private ones)",
    examples=["https://example.com/frontdesk/webhook"],
)
EVENTS_FIELD = Field(
    min_length=1,
    max_length=64,
    description='event names from GET /api/v1/webhooks/events, or ["*"] for all of them',
    examples=[["conversation.created", "message.created"]],
)


class WebhookCreate(InputModel):
    url: str = URL_FIELD
    events: list[str] = EVENTS_FIELD
    description: str = Field(default="", max_length=200)
    active: bool = True


class WebhookUpdate(InputModel):
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class WebhookOut(OutputModel):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    """On create and on rotation only: the signing secret, shown this once."""

    secret: str


class EventCatalogue(OutputModel):
    events: list[str]


class DeliveryStatus(StrEnum):
    pending = "pending"
    retrying = "retrying"
    delivered = "delivered"
    dead = "dead"
    skipped = "skipped"


class DeliveryOut(OutputModel):
    id: int
    # X-Frontdesk-Delivery: the same on every attempt and redelivery.
    public_id: str
    event_type: str
    event_id: int | None
    status: DeliveryStatus
    attempts: int
    redeliveries: int
    # The latest attempt's answer (None: no answer, see `error`).
    status_code: int | None
    latency_ms: int | None
    error: str | None
    response_excerpt: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    finished_at: datetime | None


class AttemptOut(OutputModel):
    attempt: int
    status_code: int | None
    latency_ms: int | None
    error: str | None
    response_excerpt: str | None
    created_at: datetime


class DeliveryDetail(DeliveryOut):
    # The JSON body as POSTed (the same bytes on every attempt).
    body: str
    attempts_log: list[AttemptOut]
