"""The channel interface: what every channel hands the desk, and what the desk hands it back.

Inbound, a channel verifies and parses a provider's payload into `InboundMessage`s (or
`DeliveryStatusUpdate`s) and gives them to `channels.service`. Outbound, the desk's
`channel.deliver` job builds an `OutboundMessage` and calls the channel's `ChannelSender`,
which either returns a `SendResult` or raises `TransientDeliveryError` (try again later) or
`PermanentDeliveryError` (give up: the message is marked failed with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from frontdesk.settings import Settings

# Outbox job kinds of the channel core.
DELIVER_JOB = "channel.deliver"
FETCH_JOB = "channel.fetch_attachments"


@dataclass(frozen=True, slots=True)
class InboundIdentity:
    """Who wrote: `kind` is a contact identity kind (telegram, whatsapp, vk, email, phone,
    external), `value` the address on that channel (replies go there), `name` as shown."""

    kind: str
    value: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """A file of an incoming message: its bytes (`data`) when the payload carried them, or a
    provider reference (`fetch`, e.g. a Telegram file_id) the desk downloads later."""

    file_name: str
    content_type: str
    data: bytes | None = None
    fetch: str | None = None
    # Declared size, when the provider tells it before the download.
    size: int | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    external_id: str
    sender: InboundIdentity
    content: str
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    reply_to_external_id: str | None = None
    # An edit of the message stored under `external_id`: its text is replaced.
    edited: bool = False
    # A threading decision the channel already made (e-mail: In-Reply-To / References).
    conversation_id: int | None = None
    subject: str = ""
    # Channel extras kept on the message (e-mail headers, a Telegram chat's type, ...).
    content_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryStatusUpdate:
    """A provider's report on a message the desk sent: sent, delivered, read or failed."""

    external_id: str
    status: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundAttachment:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """An agent's (or the bot's) public message on its way to the customer."""

    message_id: int
    conversation_id: int
    # The same for every attempt of one message: pass it on where the provider dedupes.
    idempotency_key: str
    # The customer's address on the channel (a Telegram chat id, an e-mail address, ...).
    recipient: str
    content: str
    attachments: tuple[OutboundAttachment, ...] = ()
    reply_to_external_id: str | None = None
    subject: str = ""
    content_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendResult:
    # The provider's id of the sent message (stored as the message's external_id).
    external_id: str | None = None
    content_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchedFile:
    file_name: str
    content_type: str
    data: bytes


class DeliveryError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientDeliveryError(DeliveryError):
    """The provider is down, slow or rate-limiting: the same call may work later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """The provider refused for good (blocked bot, unknown chat, bad token): do not retry.
    `reason` is written for the agent who sees the failed message."""


@dataclass(frozen=True)
class ChannelConnection:
    """What a sender or fetcher is built from: the inbox's own settings (with secrets), the
    desk's settings (provider base URLs, timeouts) and the HTTP client to use."""

    inbox_id: int
    public_id: str
    inbox_settings: dict[str, Any]
    settings: Settings
    http: httpx.AsyncClient


class ChannelSender(Protocol):
    async def send(self, message: OutboundMessage) -> SendResult: ...


class AttachmentFetcher(Protocol):
    async def fetch(self, reference: str, *, max_bytes: int) -> FetchedFile: ...
