"""WhatsApp Cloud API: pure rules (no I/O) for the webhook's signature, parsing its events into
messages and delivery reports, the 24-hour customer service window, and building and judging
the Graph API calls that send replies.

Payloads come from Meta, so every field is checked before use: a message of an unexpected
shape becomes a readable placeholder, an event that is not a customer message is skipped with
its reason, never an exception (the one exception is `InvalidPayload`, for a body that is not
a WhatsApp Business Account event at all).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from frontdesk.channels.base import (
    DeliveryStatusUpdate,
    InboundAttachment,
    InboundIdentity,
    InboundMessage,
)
from frontdesk.core.errors import Unprocessable

IDENTITY_KIND = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
OBJECT = "whatsapp_business_account"
# Free-form messages are allowed until 24 hours after the customer's last message; after
# that, only approved templates (Meta's "customer service window").
WINDOW = timedelta(hours=24)
# The problem's `code` when a reply is refused for it (the agent app offers templates then).
WINDOW_CLOSED = "whatsapp_window_closed"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# What the Cloud API accepts per media type (larger files go as documents, up to 100 MB).
MEDIA_LIMITS = {
    "image": 5 * 1024 * 1024,
    "video": 16 * 1024 * 1024,
    "audio": 16 * 1024 * 1024,
    "document": 100 * 1024 * 1024,
}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
VIDEO_TYPES = frozenset({"video/mp4", "video/3gpp"})
AUDIO_TYPES = frozenset(
    {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/opus"}
)
# Statuses Meta reports on a business message, as the desk's delivery statuses.
_STATUSES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",  # a voice message listened to
    "failed": "failed",
}


class InvalidPayload(ValueError):
    """The body is not a WhatsApp Business Account event (not an object, another object)."""


# ------------------------------------------------------------------------------- helpers
def _obj(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    """Meta sends Unix times as strings ("1697043223")."""
    if isinstance(value, str) and value.isdecimal():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _clean_name(name: str) -> str:
    return name.replace("/", "_").replace("\\", "_").strip()[-255:]


def is_phone(value: str) -> bool:
    """A WhatsApp id is the customer's phone number in digits."""
    return bool(re.fullmatch(r"\+?[0-9]{5,20}", value))


def signature_valid(body: bytes, header: str, app_secret: str) -> bool:
    """X-Hub-Signature-256 is "sha256=" and the HMAC-SHA256 of the raw body with the app
    secret, in hex; compared in constant time."""
    scheme, _, sent = header.strip().partition("=")
    if scheme.lower() != "sha256" or not sent:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), sent.strip().lower().encode())


def sign(body: bytes, app_secret: str) -> str:
    """The header Meta would send with this body (for tests and tools)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------- inbound
@dataclass(frozen=True)
class Skipped:
    """An event (or part of one) that makes no message: what it was and why."""

    kind: str
    reason: str


@dataclass(frozen=True)
class ParsedPayload:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatusUpdate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Message types this desk does not know yet (stored as placeholders): worth a log line.
    unknown_kinds: list[str] = field(default_factory=list)


def parse_payload(payload: Any, *, phone_number_id: str | None = None) -> ParsedPayload:
    """A webhook body → the customer messages and delivery reports it carries, in order.
    Every entry and every change is looked at; one part of an unexpected shape never keeps
    the others out. Changes for another phone number than `phone_number_id` are skipped (one
    Meta app may post every number's events to one URL)."""
    if not isinstance(payload, dict):
        raise InvalidPayload("a WhatsApp webhook event is a JSON object")
    if payload.get("object") != OBJECT:
        raise InvalidPayload(f'a WhatsApp webhook event has "object": "{OBJECT}"')
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise InvalidPayload("a WhatsApp webhook event has an entry list")
    parsed = ParsedPayload()
    for entry in entries:
        for change in _list((_obj(entry) or {}).get("changes")):
            _change(_obj(change) or {}, parsed, phone_number_id)
    return parsed


def _change(change: dict[str, Any], parsed: ParsedPayload, phone_number_id: str | None) -> None:
    kind = _str(change.get("field")) or "unknown"
    value = _obj(change.get("value"))
    if value is None:
        parsed.skipped.append(Skipped(kind, "a change without a value"))
        return
    metadata = _obj(value.get("metadata")) or {}
    number = metadata.get("phone_number_id")
    if phone_number_id and number is not None and str(number) != phone_number_id:
        parsed.skipped.append(
            Skipped(kind, f"an event of the phone number {number}, not this inbox's")
        )
        return
    if kind != "messages":
        # Account, template, call and preference updates, echoes of messages sent from the
        # WhatsApp Business app: nothing a customer wrote.
        parsed.skipped.append(Skipped(kind, f"'{kind}' events carry no customer message"))
        return
    names = {
        _str(c.get("wa_id")): _str((_obj(c.get("profile")) or {}).get("name"))
        for c in map(_obj, _list(value.get("contacts")))
        if c is not None
    }
    value_errors = _list(value.get("errors"))
    for raw in _list(value.get("messages")):
        message = _obj(raw)
        if message is None:
            parsed.skipped.append(Skipped("message", "a message that is not an object"))
            continue
        result = _message(message, names, value_errors)
        if isinstance(result, Skipped):
            parsed.skipped.append(result)
            continue
        parsed.messages.append(result)
        if result.content_attributes["whatsapp"].get("unknown_kind"):
            parsed.unknown_kinds.append(result.content_attributes["whatsapp"]["kind"])
    for raw in _list(value.get("statuses")):
        status = _obj(raw)
        result_status = _status(status) if status is not None else None
        if result_status is None:
            parsed.skipped.append(Skipped("status", "a status of no business message"))
        else:
            parsed.statuses.append(result_status)


def _error_text(errors: list[Any]) -> str:
    """Meta's error list → "title: details" of the first error."""
    for error in map(_obj, errors):
        if error is None:
            continue
        title = _str(error.get("title")) or _str(error.get("message"))
        details = _str((_obj(error.get("error_data")) or {}).get("details"))
        if title and details and details != title:
            return f"{title}: {details}"
        if title or details:
            return title or details
    return ""


def _status(status: dict[str, Any]) -> DeliveryStatusUpdate | None:
    external_id = _str(status.get("id"))
    desk_status = _STATUSES.get(_str(status.get("status")))
    if not external_id or desk_status is None or _str(status.get("type")) == "call":
        return None
    error = None
    if desk_status == "failed":
        error = _error_text(_list(status.get("errors"))) or "WhatsApp could not deliver it"
    return DeliveryStatusUpdate(external_id=external_id, status=desk_status, error=error)


@dataclass
class _Content:
    """What a message of one type shows: its text (or placeholder) and files."""

    kind: str
    text: str = ""
    placeholder: str = ""
    attachments: list[InboundAttachment] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # The message this one is about (a reaction's), when the context does not say.
    about: str = ""
    # A kind the desk does not know: shown as a placeholder, and logged.
    unsupported: bool = False


def _message(
    message: dict[str, Any], names: dict[str, str], value_errors: list[Any]
) -> InboundMessage | Skipped:
    sender = _str(message.get("from"))
    message_id = _str(message.get("id"))
    kind = _str(message.get("type")) or "unknown"
    if not message_id:
        return Skipped(kind, "a message without an id")
    if not is_phone(sender):
        return Skipped(kind, f"a message whose sender {sender[:40]!r} is not a phone number")
    wa_id = sender.lstrip("+")
    name = names.get(wa_id) or names.get(sender) or f"+{wa_id}"
    sent_at = _time(message.get("timestamp"))
    edited = False
    external_id = message_id
    if kind == "edit":
        edit = _obj(message.get("edit")) or {}
        original = _str(edit.get("original_message_id"))
        inner = _obj(edit.get("message")) or {}
        if not original:
            return Skipped(kind, "an edit without the edited message's id")
        external_id, edited = original, True
        content = _content(inner, _str(inner.get("type")) or "unknown", message_id, [])
    elif kind == "revoke":
        original = _str((_obj(message.get("revoke")) or {}).get("original_message_id"))
        if not original:
            return Skipped(kind, "a deletion without the deleted message's id")
        # Shown in place of the deleted message (its text stays in original_content).
        external_id, edited = original, True
        content = _Content("revoke", placeholder="[Message deleted by the customer]")
        content.extra["deleted"] = True
    else:
        errors = _list(message.get("errors")) or value_errors
        content = _content(message, kind, message_id, errors)
    whatsapp: dict[str, Any] = {"message_id": message_id, "kind": content.kind, "wa_id": wa_id}
    if content.unsupported:
        whatsapp["unknown_kind"] = True
    attributes: dict[str, Any] = {"whatsapp": whatsapp, **content.extra}
    text = content.text
    if not text:
        text = content.placeholder or "[Unsupported WhatsApp message]"
        attributes["placeholder"] = True
    context = _obj(message.get("context")) or {}
    if context.get("forwarded") is True or context.get("frequently_forwarded") is True:
        attributes["forwarded"] = True
        if context.get("frequently_forwarded") is True:
            attributes["frequently_forwarded"] = True
    reply_to = _str(context.get("id")) or content.about if not edited else ""
    referral = _obj(message.get("referral"))
    if referral is not None:
        # The customer came from a click-to-WhatsApp ad or post.
        attributes["referral"] = {
            k: v for k, v in referral.items() if isinstance(v, str | int | float)
        }
    return InboundMessage(
        external_id=external_id,
        sender=InboundIdentity(kind=IDENTITY_KIND, value=wa_id, name=name[:200]),
        content=text,
        sent_at=sent_at,
        attachments=tuple(content.attachments),
        reply_to_external_id=reply_to or None,
        edited=edited,
        content_attributes=attributes,
    )


_MEDIA_NAMES = {
    "image": ("photo", "jpg", "image/jpeg", "[Photo]"),
    "video": ("video", "mp4", "video/mp4", "[Video]"),
    "document": ("document", "bin", "application/octet-stream", "[Document]"),
    "sticker": ("sticker", "webp", "image/webp", "[Sticker]"),
    "audio": ("audio", "ogg", "audio/ogg", "[Audio]"),
}


def _media(message: dict[str, Any], kind: str, message_id: str) -> _Content:
    media = _obj(message.get(kind)) or {}
    stem, extension, default_type, placeholder = _MEDIA_NAMES[kind]
    shown = kind
    if kind == "audio" and media.get("voice") is True:
        shown, stem, placeholder = "voice", "voice", "[Voice message]"
    content_type = _str(media.get("mime_type")).split(";")[0].strip() or default_type
    suffix = re.sub(r"[^A-Za-z0-9]", "", message_id)[-12:] or "file"
    file_name = _clean_name(_str(media.get("filename"))) or f"{stem}_{suffix}.{extension}"
    if kind == "document":
        placeholder = f"[Document: {file_name}]" if media.get("filename") else "[Document]"
    content = _Content(shown, text=_str(media.get("caption")), placeholder=placeholder)
    media_id = _str(media.get("id"))
    if media_id:
        content.attachments.append(
            InboundAttachment(file_name=file_name, content_type=content_type, fetch=media_id)
        )
    else:
        content.extra["unavailable_attachments"] = [
            {"file_name": file_name, "reason": "WhatsApp sent no media id"}
        ]
    return content


def _content(message: dict[str, Any], kind: str, message_id: str, errors: list[Any]) -> _Content:
    if kind == "text":
        return _Content("text", text=_str((_obj(message.get("text")) or {}).get("body")))
    if kind in _MEDIA_NAMES:
        return _media(message, kind, message_id)
    if kind == "reaction":
        reaction = _obj(message.get("reaction")) or {}
        emoji = _str(reaction.get("emoji"))
        content = _Content(
            "reaction", placeholder=f"[Reaction {emoji}]" if emoji else "[Reaction removed]"
        )
        content.about = _str(reaction.get("message_id"))
        content.extra["reaction"] = {"emoji": emoji, "message_external_id": content.about}
        return content
    if kind == "location":
        return _location(_obj(message.get("location")) or {})
    if kind == "contacts":
        return _contacts(_list(message.get("contacts")))
    if kind == "order":
        return _order(_obj(message.get("order")) or {})
    if kind == "button":
        button = _obj(message.get("button")) or {}
        content = _Content("button", text=_str(button.get("text")), placeholder="[Button]")
        content.extra["button"] = {
            "text": _str(button.get("text")),
            "payload": _str(button.get("payload")),
        }
        return content
    if kind == "interactive":
        return _interactive(_obj(message.get("interactive")) or {}, errors)
    if kind == "system":
        return _system(_obj(message.get("system")) or {})
    content = _Content(kind, unsupported=kind not in ("unsupported", "unknown"))
    detail = _str((_obj(message.get("unsupported")) or {}).get("type"))
    content.placeholder = (
        f"[Unsupported WhatsApp message: {detail or kind}]"
        if detail or kind not in ("unsupported", "unknown")
        else "[Unsupported WhatsApp message]"
    )
    error = _error_text(errors)
    if error:
        content.extra["whatsapp_error"] = error
    return content


def _location(location: dict[str, Any]) -> _Content:
    lat, lon = _num(location.get("latitude")), _num(location.get("longitude"))
    content = _Content("location")
    if lat is not None and lon is not None:
        content.extra["location"] = {"latitude": lat, "longitude": lon}
    where = ", ".join(p for p in (_str(location.get("name")), _str(location.get("address"))) if p)
    if not where and lat is not None and lon is not None:
        where = f"{lat:.5f}, {lon:.5f}"
    content.placeholder = f"[Location: {where}]" if where else "[Location]"
    return content


def _contacts(cards: list[Any]) -> _Content:
    people: list[dict[str, Any]] = []
    for card in map(_obj, cards):
        if card is None:
            continue
        name = _obj(card.get("name")) or {}
        full = _str(name.get("formatted_name")) or " ".join(
            p for p in (_str(name.get("first_name")), _str(name.get("last_name"))) if p
        )
        phones = [
            _str(p.get("phone")) for p in map(_obj, _list(card.get("phones"))) if p is not None
        ]
        people.append({"name": full, "phones": [p for p in phones if p]})
    content = _Content("contacts")
    if people:
        content.extra["contacts"] = people
    labels = [", ".join(p for p in (c["name"], *c["phones"][:1]) if p) for c in people]
    shown = "; ".join(label for label in labels if label)
    content.placeholder = f"[Contact: {shown}]" if shown else "[Contact]"
    return content


def _order(order: dict[str, Any]) -> _Content:
    items: list[dict[str, Any]] = []
    labels: list[str] = []
    for item in map(_obj, _list(order.get("product_items"))):
        if item is None:
            continue
        quantity = item.get("quantity")
        count = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None
        product = _str(item.get("product_retailer_id"))
        items.append(
            {
                "product_retailer_id": product,
                "quantity": count,
                "item_price": _num(item.get("item_price")),
                "currency": _str(item.get("currency")),
            }
        )
        labels.append(f"{count} × {product}" if count else product)
    content = _Content("order", text=_str(order.get("text")))
    content.extra["order"] = {"catalog_id": _str(order.get("catalog_id")), "items": items}
    listed = ", ".join(label for label in labels if label)
    content.placeholder = f"[Order: {listed}]" if listed else "[Order]"
    if content.text and listed:
        content.text = f"{content.text}\n[Order: {listed}]"
    return content


def _interactive(interactive: dict[str, Any], errors: list[Any]) -> _Content:
    """A tap on a button or a list row the desk (or a bot) offered, a filled-in form (flow),
    an answer to a call permission request."""
    kind = _str(interactive.get("type"))
    reply = _obj(interactive.get(kind)) if kind else None
    if kind in ("button_reply", "list_reply") and reply is not None:
        title = _str(reply.get("title"))
        content = _Content(kind, text=title, placeholder="[Button]")
        content.extra["interactive"] = {
            "type": kind,
            "id": _str(reply.get("id")),
            "title": title,
            "description": _str(reply.get("description")),
        }
        return content
    if kind == "nfm_reply" and reply is not None:
        name = _str(reply.get("name")) or "flow"
        content = _Content(kind, placeholder=f"[Form submitted: {name}]")
        try:
            answers = json.loads(_str(reply.get("response_json")) or "{}")
        except ValueError:
            answers = {}
        content.extra["form"] = {
            "name": name,
            "answers": {
                k: v
                for k, v in (answers.items() if isinstance(answers, dict) else [])
                if k != "flow_token"
            },
        }
        return content
    if kind == "call_permission_reply" and reply is not None:
        answer = _str(reply.get("response"))
        shown = {"accept": "accepted", "reject": "declined"}.get(answer, answer or "answered")
        content = _Content(kind, placeholder=f"[Call permission: {shown}]")
        content.extra["call_permission"] = answer
        return content
    shown = f"interactive {kind}" if kind else "interactive"
    content = _Content(
        shown.replace(" ", ":"),
        placeholder=f"[Unsupported WhatsApp message: {shown}]",
        unsupported=bool(kind),
    )
    error = _error_text(errors)
    if error:
        content.extra["whatsapp_error"] = error
    return content


def _system(system: dict[str, Any]) -> _Content:
    kind = _str(system.get("type"))
    content = _Content(f"system:{kind}" if kind else "system")
    if kind == "user_changed_number":
        new = _str(system.get("wa_id"))
        content.extra["new_wa_id"] = new
        content.placeholder = (
            f"[The customer changed their WhatsApp number to +{new.lstrip('+')}]"
            if new
            else "[The customer changed their WhatsApp number]"
        )
    elif kind == "customer_identity_changed":
        content.placeholder = "[The customer's WhatsApp security code changed]"
    else:
        body = _str(system.get("body"))
        content.placeholder = f"[WhatsApp: {body}]" if body else "[WhatsApp system message]"
    return content


# ------------------------------------------------------------ the customer service window
def window_closes_at(last_customer_message_at: datetime | None) -> datetime | None:
    if last_customer_message_at is None:
        return None
    return last_customer_message_at + WINDOW


def window_open(last_customer_message_at: datetime | None, now: datetime) -> bool:
    closes = window_closes_at(last_customer_message_at)
    return closes is not None and now < closes


def ago(delta: timedelta) -> str:
    """A duration in the largest unit that keeps it readable: 25 hours, 3 days."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


def window_refusal(last_customer_message_at: datetime | None, now: datetime) -> str | None:
    """Why a free-form reply cannot be sent now, or None when it can."""
    if window_open(last_customer_message_at, now):
        return None
    if last_customer_message_at is None:
        return (
            "the customer has not written in this conversation yet; WhatsApp lets a business "
            "write first only with a template"
        )
    return (
        f"the customer last wrote {ago(now - last_customer_message_at)} ago; outside 24 hours "
        "only a template can be sent"
    )


def reply_check(
    last_customer_message_at: datetime | None, now: datetime, content_attributes: dict[str, Any]
) -> Unprocessable | None:
    """The channel registry's check before an agent's or the bot's message is stored: a
    template goes any time, anything else only inside the window."""
    if template_attribute(content_attributes) is not None:
        return None
    refusal = window_refusal(last_customer_message_at, now)
    if refusal is None:
        return None
    return Unprocessable(
        refusal,
        title="Outside the WhatsApp customer service window",
        code=WINDOW_CLOSED,
        last_customer_message_at=(
            last_customer_message_at.isoformat() if last_customer_message_at else None
        ),
    )


# ------------------------------------------------------------------------------- templates
@dataclass(frozen=True)
class Template:
    name: str
    language: str
    parameters: int


def templates_of(settings: dict[str, Any]) -> list[Template]:
    """The templates an inbox offers its agents (inbox settings `templates`)."""
    found = []
    for item in map(_obj, _list(settings.get("templates"))):
        if item is None or not _str(item.get("name")) or not _str(item.get("language")):
            continue
        count = item.get("parameters")
        found.append(
            Template(
                name=item["name"],
                language=item["language"],
                parameters=count if isinstance(count, int) and count >= 0 else 0,
            )
        )
    return found


def find_template(settings: dict[str, Any], name: str, language: str) -> Template | None:
    return next(
        (t for t in templates_of(settings) if t.name == name and t.language == language), None
    )


def template_problem(template: Template | None, name: str, parameters: list[str]) -> str | None:
    """Why these parameters do not fit the template, or None."""
    if template is None:
        return f"the inbox offers no template {name!r} in that language"
    if len(parameters) != template.parameters:
        return (
            f"the template {template.name!r} takes {template.parameters} parameter(s), "
            f"{len(parameters)} given"
        )
    if any(not p.strip() for p in parameters):
        return "every template parameter needs a value"
    return None


def template_content(name: str, parameters: list[str]) -> str:
    """How a template message reads in the desk's timeline."""
    return f"[Template {name}: {', '.join(parameters)}]" if parameters else f"[Template {name}]"


def template_attribute(content_attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The template a message is to be sent as (content_attributes.whatsapp.template)."""
    whatsapp = _obj(content_attributes.get("whatsapp")) or {}
    template = _obj(whatsapp.get("template"))
    if template is None or not _str(template.get("name")):
        return None
    return template


# ------------------------------------------------------------------------------- outbound
def recipient_number(recipient: str) -> str:
    return re.sub(r"[^0-9]", "", recipient)


def media_kind(content_type: str, size: int) -> str:
    """How a file goes: image, video or audio when WhatsApp plays that type at that size,
    else a document."""
    base = content_type.split(";")[0].strip().lower()
    for kind, types in (("image", IMAGE_TYPES), ("video", VIDEO_TYPES), ("audio", AUDIO_TYPES)):
        if base in types and size <= MEDIA_LIMITS[kind]:
            return kind
    return "document"


def _context(reply_to: str | None) -> dict[str, Any]:
    return {"context": {"message_id": reply_to}} if reply_to else {}


def text_body(to: str, text: str, *, reply_to: str | None = None) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": text, "preview_url": False},
        **_context(reply_to),
    }


def media_body(
    to: str,
    kind: str,
    media_id: str,
    *,
    caption: str = "",
    file_name: str = "",
    reply_to: str | None = None,
) -> dict[str, Any]:
    media: dict[str, Any] = {"id": media_id}
    if caption and kind != "audio":  # audio takes no caption
        media["caption"] = caption
    if kind == "document" and file_name:
        media["filename"] = file_name
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: media,
        **_context(reply_to),
    }


def template_body(to: str, name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    }


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """At most 4,096 characters a message: cut longer text at line breaks or spaces."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", limit // 2, limit)
        if cut <= 0:
            cut = rest.rfind(" ", limit // 2, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    if rest or not chunks:
        chunks.append(rest)
    return chunks


@dataclass(frozen=True)
class ApiFailure:
    """A failed Graph API call: whether trying again may help, and why, in readable words."""

    transient: bool
    reason: str
    retry_after: float | None = None


# Meta's error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
_RATE_LIMITED = {4, 80007, 130429, 131048, 131056}
_TEMPORARY = {1, 2, 131000, 131016, 133004}
_PERMANENT_REASONS = {
    131047: "More than 24 hours have passed since the customer last wrote; only a template "
    "can be sent",
    131026: "WhatsApp could not deliver the message (the number may not be on WhatsApp, or the "
    "customer has not accepted the latest terms)",
    131030: "The number is not in the allowed list of this test account",
    131051: "WhatsApp does not support this kind of message",
    131052: "WhatsApp could not download the customer's file",
    131053: "WhatsApp refused the file (its type or size is not supported)",
    132000: "The template's parameters do not match the template",
    132001: "The template does not exist in that language (or is not approved)",
    132015: "The template is paused for its low quality",
    132016: "The template is disabled",
    190: "Meta rejected the access token; update it in the inbox settings",
    10: "The access token lacks the permission to send from this number",
    200: "The access token lacks the permission to send from this number",
}


def classify_failure(status: int, body: Any) -> ApiFailure:
    """Graph API errors are {"error": {"message", "type", "code", "error_data": {...}}}."""
    error = _obj((_obj(body) or {}).get("error")) or {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    message = _str(error.get("message")) or f"HTTP {status}"
    details = _str((_obj(error.get("error_data")) or {}).get("details"))
    said = f"{message}: {details}" if details and details not in message else message
    if status == 429 or code in _RATE_LIMITED:
        return ApiFailure(True, f"WhatsApp is rate-limiting this number (Meta: {said})")
    if status >= 500 or status in (408, 409) or status < 100 or code in _TEMPORARY:
        return ApiFailure(True, f"WhatsApp is unavailable (Meta: {said})")
    if status == 401 and code is None:
        code = 190
    reason = _PERMANENT_REASONS.get(code or 0, "WhatsApp refused the message")
    return ApiFailure(False, f"{reason} (Meta: {said})")
