"""Pure rules of the API channel: an integrator's post as the desk's inbound message, a reply
as the JSON the integrator receives, and what the integrator's answer means."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import orjson

from frontdesk.channels.api_channel.schemas import DeliveryStatusIn, InboundMessageIn
from frontdesk.channels.base import (
    InboundAttachment,
    InboundIdentity,
    InboundMessage,
    OutboundMessage,
)
from frontdesk.webhooks import rules as webhook_rules

# The identity kind of an API channel's customers (the integrator's user id).
IDENTITY_KIND = "external"
REPLY_EVENT = "message.created"
MAX_EXTERNAL_ID = 255


class InvalidPost(ValueError):
    """What is wrong with an integrator's post, in words for its developer."""


def inbound(post: InboundMessageIn, *, files: int = 0) -> InboundMessage:
    """The integrator's message as the channel core takes it; attachments given by URL are
    downloaded afterwards (channel.fetch_attachments)."""
    if not post.content.strip() and not post.attachments and not files:
        raise InvalidPost("a message needs content or an attachment")
    for attachment in post.attachments:
        try:
            webhook_rules.parse_url(attachment.url)
        except webhook_rules.RefusedUrl as exc:
            raise InvalidPost(f"attachment {attachment.url[:80]!r}: {exc}") from exc
    return InboundMessage(
        external_id=post.external_id,
        sender=InboundIdentity(
            kind=IDENTITY_KIND, value=post.contact.source_id, name=post.contact.name
        ),
        content=post.content,
        sent_at=post.sent_at,
        attachments=tuple(
            InboundAttachment(
                file_name=a.file_name or _name_from_url(a.url),
                content_type=a.content_type or "application/octet-stream",
                fetch=a.url,
                size=a.size,
            )
            for a in post.attachments
        ),
        reply_to_external_id=post.reply_to_external_id,
    )


def _name_from_url(url: str) -> str:
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail[:255] or "file"


def status_target(report: DeliveryStatusIn) -> tuple[int | None, str | None]:
    """Which message a report names: exactly one of message_id and external_id."""
    if (report.message_id is None) == (report.external_id is None):
        raise InvalidPost("name the message by message_id or by external_id (one of them)")
    return report.message_id, report.external_id


# --------------------------------------------------------------------------------- replies
def reply_body(message: OutboundMessage, *, inbox_public_id: str) -> bytes:
    """What the integrator's webhook URL receives for an agent's reply (docs/webhooks.md)."""
    return orjson.dumps(
        {
            "id": message.idempotency_key,
            "type": REPLY_EVENT,
            "inbox": inbox_public_id,
            "conversation_id": message.conversation_id,
            "contact": {"source_id": message.recipient},
            "message": {
                "id": message.message_id,
                "content": message.content,
                "reply_to_external_id": message.reply_to_external_id,
                "attachments": [
                    {
                        "file_name": a.file_name,
                        "content_type": a.content_type,
                        "size": len(a.data),
                        "data_base64": base64.b64encode(a.data).decode(),
                    }
                    for a in message.attachments
                ],
            },
        }
    )


def external_id_of(answer: bytes) -> str | None:
    """The integrator's id of the delivered message, when its 2xx answer names one
    (`{"external_id": "..."}`); status reports may then use it."""
    try:
        parsed = orjson.loads(answer) if answer.strip() else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    value = parsed.get("external_id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text[:MAX_EXTERNAL_ID] or None


@dataclass(frozen=True)
class Refusal:
    transient: bool
    reason: str


def refusal(status_code: int | None, error: str | None, excerpt: str) -> Refusal:
    """Why a reply was not accepted, and whether trying again may help: no answer, a time-out,
    429 or a 5xx may pass; any other refusal is the integrator's final word."""
    base = error or "the integrator did not accept the reply"
    detail = f"{base}: {excerpt}" if excerpt.strip() else base
    if status_code is None or status_code in (408, 425, 429) or status_code >= 500:
        return Refusal(True, detail)
    return Refusal(False, detail)
