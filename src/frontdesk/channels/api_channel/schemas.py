"""What an integrator posts to an API channel inbox, and what it is answered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr, Field

from frontdesk.core.schemas import InputModel, OutputModel

MAX_ATTACHMENTS = 10


class ContactIn(InputModel):
    """Who wrote, in the integrator's terms: its own id of the person (replies go to it), and
    what it knows of them. The same e-mail or phone as a known contact makes them one."""

    source_id: str = Field(min_length=1, max_length=255, description="the integrator's user id")
    name: str = Field(default="", max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{3,32}$")


class AttachmentIn(InputModel):
    """A file the desk downloads from the integrator (a public http(s) URL)."""

    url: str = Field(min_length=8, max_length=2000)
    file_name: str = Field(default="", max_length=255)
    content_type: str = Field(default="", max_length=200)
    size: int | None = Field(default=None, ge=0)


class InboundMessageIn(InputModel):
    external_id: str = Field(
        min_length=1,
        max_length=255,
        description="the integrator's id of the message: posting it again changes nothing",
    )
    contact: ContactIn
    content: str = ""
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    sent_at: datetime | None = None
    reply_to_external_id: str | None = Field(default=None, max_length=255)


class InboundOutcome(StrEnum):
    created = "created"
    duplicate = "duplicate"


class InboundAccepted(OutputModel):
    outcome: InboundOutcome
    message_id: int
    conversation_id: int


class DeliveryStatusIn(InputModel):
    """A report on a reply the desk sent: name it by the desk's message id, or by the id the
    integrator answered the delivery with."""

    message_id: int | None = Field(default=None, ge=1)
    external_id: str | None = Field(default=None, min_length=1, max_length=255)
    status: str = Field(pattern=r"^(sent|delivered|read|failed)$")
    error: str | None = Field(default=None, max_length=1000)


class StatusesIn(InputModel):
    statuses: list[DeliveryStatusIn] = Field(min_length=1, max_length=100)


class StatusesApplied(OutputModel):
    # How many reports changed a message (older or repeated reports change nothing).
    applied: int


class WebhookSecretOut(OutputModel):
    """The API channel's new signing secret for replies to the integrator: shown this once."""

    secret: str
