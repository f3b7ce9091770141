"""Telegram Bot API: pure parsing of updates and classification of API failures (no I/O).

Updates come from Telegram, so every field is checked before use: a payload of an unexpected
shape becomes a readable placeholder or a skipped update, never an exception (the one
exception is `InvalidUpdate`, for a body that is not an update at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from frontdesk.channels.base import InboundAttachment, InboundIdentity, InboundMessage

IDENTITY_KIND = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The updates a desk inbox subscribes to (setWebhook allowed_updates).
ALLOWED_UPDATES = ("message", "edited_message")
# getFile serves files up to 20 MB; bigger ones exist only inside Telegram.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_LIMIT_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class InvalidUpdate(ValueError):
    """The body is not a Telegram update (not an object, no update_id)."""


@dataclass(frozen=True)
class ParsedUpdate:
    update_id: int
    # The customer message (or edit) the update carries; None when it is skipped.
    message: InboundMessage | None
    # Why an update leads to no message (an inline query, a channel post, ...).
    skipped: str | None = None


def _obj(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    seconds = _int(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _duration(value: Any) -> str:
    seconds = _int(value)
    if seconds is None or seconds < 0:
        return ""
    return f", {seconds // 60}:{seconds % 60:02d}"


def _person(obj: dict[str, Any] | None) -> str:
    if obj is None:
        return ""
    name = " ".join(p for p in (_str(obj.get("first_name")), _str(obj.get("last_name"))) if p)
    return name or _str(obj.get("title")) or _str(obj.get("username"))


def message_external_id(chat_id: int, message_id: int) -> str:
    """Message ids are unique per chat, so the desk's external id carries both."""
    return f"{chat_id}:{message_id}"


def parse_update(payload: Any) -> ParsedUpdate:
    """An Update object → the customer message it carries, or why it is skipped."""
    if not isinstance(payload, dict):
        raise InvalidUpdate("a Telegram update is a JSON object")
    update_id = _int(payload.get("update_id"))
    if update_id is None:
        raise InvalidUpdate("a Telegram update has an integer update_id")
    for key, edited in (("message", False), ("edited_message", True)):
        message = _obj(payload.get(key))
        if message is not None:
            inbound, reason = _message(message, update_id=update_id, edited=edited)
            return ParsedUpdate(update_id, inbound, reason)
    kinds = [k for k in payload if k != "update_id"]
    kind = kinds[0] if kinds else "empty"
    return ParsedUpdate(update_id, None, f"'{kind}' updates carry no customer message")


def _message(
    message: dict[str, Any], *, update_id: int, edited: bool
) -> tuple[InboundMessage | None, str | None]:
    chat = _obj(message.get("chat"))
    chat_id = _int(chat.get("id")) if chat else None
    message_id = _int(message.get("message_id"))
    if chat is None or chat_id is None or message_id is None:
        return None, "a message without a chat id or a message id"
    sender = _obj(message.get("from"))
    if sender is not None and sender.get("is_bot") is True:
        return None, "a message from a bot"
    name = _person(chat) or _person(sender) or f"Telegram {chat_id}"
    text = _str(message.get("text")) or _str(message.get("caption"))
    kind, placeholder, attachments, extra = _content(message, message_id)
    telegram: dict[str, Any] = {
        "chat_id": chat_id,
        "message_id": message_id,
        "update_id": update_id,
        "kind": kind,
    }
    chat_type = _str(chat.get("type"))
    if chat_type:
        telegram["chat_type"] = chat_type
    username = _str((sender or chat).get("username"))
    if username:
        telegram["username"] = username
    telegram.update(extra)
    attributes: dict[str, Any] = {"telegram": telegram}
    if not text:
        text = placeholder or "[Unsupported Telegram message]"
        attributes["placeholder"] = True
    forwarded = _forwarded_from(message)
    if forwarded:
        attributes["forwarded_from"] = forwarded
    reply_to = _obj(message.get("reply_to_message"))
    reply_to_id = None
    if reply_to is not None and _int(reply_to.get("message_id")) is not None:
        # A reply is always to a message of the same chat (the sample data aside).
        reply_to_id = message_external_id(chat_id, reply_to["message_id"])
    sent_at = _time(message.get("edit_date") if edited else message.get("date")) or _time(
        message.get("date")
    )
    return (
        InboundMessage(
            external_id=message_external_id(chat_id, message_id),
            sender=InboundIdentity(kind=IDENTITY_KIND, value=str(chat_id), name=name[:200]),
            content=text,
            sent_at=sent_at,
            attachments=tuple(attachments),
            reply_to_external_id=reply_to_id,
            edited=edited,
            content_attributes=attributes,
        ),
        None,
    )


def _forwarded_from(message: dict[str, Any]) -> str:
    origin = _obj(message.get("forward_origin"))
    if origin is not None:
        return (
            _person(_obj(origin.get("sender_user")))
            or _person(_obj(origin.get("sender_chat")))
            or _person(_obj(origin.get("chat")))
            or _str(origin.get("sender_user_name"))
            or "unknown"
        )
    for key in ("forward_from", "forward_from_chat"):
        found = _person(_obj(message.get(key)))
        if found:
            return found
    return _str(message.get("forward_sender_name"))


def _file(
    obj: dict[str, Any] | None, file_name: str, default_type: str
) -> InboundAttachment | None:
    if obj is None:
        return None
    file_id = _str(obj.get("file_id"))
    if not file_id:
        return None
    name = _str(obj.get("file_name")) or file_name
    return InboundAttachment(
        file_name=name.replace("/", "_")[-255:],
        content_type=_str(obj.get("mime_type")) or default_type,
        fetch=file_id,
        size=_int(obj.get("file_size")),
    )


def _largest_photo(sizes: Any) -> dict[str, Any] | None:
    if not isinstance(sizes, list):
        return None
    photos = [p for p in sizes if isinstance(p, dict) and _str(p.get("file_id"))]
    if not photos:
        return None
    fitting = [p for p in photos if (_int(p.get("file_size")) or 0) <= MAX_DOWNLOAD_BYTES]
    pool = fitting or photos

    def area(p: dict[str, Any]) -> int:
        return (_int(p.get("width")) or 0) * (_int(p.get("height")) or 0)

    return max(pool, key=area)


def _content(
    message: dict[str, Any], message_id: int
) -> tuple[str, str, list[InboundAttachment], dict[str, Any]]:
    """(kind, readable placeholder, files to fetch, extra attributes) of a message."""
    files: list[InboundAttachment] = []

    def keep(attachment: InboundAttachment | None) -> None:
        if attachment is not None:
            files.append(attachment)

    if "text" in message and _str(message.get("text")):
        return "text", "", files, {}
    photo = _largest_photo(message.get("photo"))
    if photo is not None:
        keep(_file(photo, f"photo_{message_id}.jpg", "image/jpeg"))
        return "photo", "[Photo]", files, {}
    # An animation also comes with a `document` for old clients: look at it first.
    animation = _obj(message.get("animation"))
    if animation is not None:
        keep(_file(animation, f"animation_{message_id}.mp4", "video/mp4"))
        return "animation", "[GIF]", files, {}
    sticker = _obj(message.get("sticker"))
    if sticker is not None:
        emoji = _str(sticker.get("emoji"))
        if sticker.get("is_animated") is not True:  # .tgs is Lottie: nothing a browser shows
            moving = sticker.get("is_video") is True
            keep(
                _file(
                    sticker,
                    f"sticker_{message_id}.{'webm' if moving else 'webp'}",
                    "video/webm" if moving else "image/webp",
                )
            )
        return "sticker", f"[Sticker {emoji}]" if emoji else "[Sticker]", files, {}
    voice = _obj(message.get("voice"))
    if voice is not None:
        keep(_file(voice, f"voice_{message_id}.ogg", "audio/ogg"))
        return "voice", f"[Voice message{_duration(voice.get('duration'))}]", files, {}
    video_note = _obj(message.get("video_note"))
    if video_note is not None:
        keep(_file(video_note, f"video_note_{message_id}.mp4", "video/mp4"))
        return "video_note", f"[Video message{_duration(video_note.get('duration'))}]", files, {}
    video = _obj(message.get("video"))
    if video is not None:
        keep(_file(video, f"video_{message_id}.mp4", "video/mp4"))
        return "video", f"[Video{_duration(video.get('duration'))}]", files, {}
    audio = _obj(message.get("audio"))
    if audio is not None:
        title = " – ".join(p for p in (_str(audio.get("performer")), _str(audio.get("title"))) if p)
        attachment = _file(audio, f"audio_{message_id}.mp3", "audio/mpeg")
        keep(attachment)
        label = title or (attachment.file_name if attachment else "")
        return "audio", f"[Audio: {label}]" if label else "[Audio]", files, {}
    document = _obj(message.get("document"))
    if document is not None:
        attachment = _file(document, f"document_{message_id}", "application/octet-stream")
        keep(attachment)
        label = attachment.file_name if attachment else ""
        return "document", f"[Document: {label}]" if label else "[Document]", files, {}
    return _no_file_content(message)


def _no_file_content(
    message: dict[str, Any],
) -> tuple[str, str, list[InboundAttachment], dict[str, Any]]:
    venue = _obj(message.get("venue"))
    location = _obj(message.get("location")) or (
        _obj(venue.get("location")) if venue is not None else None
    )
    extra: dict[str, Any] = {}
    if location is not None:
        lat, lon = _num(location.get("latitude")), _num(location.get("longitude"))
        if lat is not None and lon is not None:
            extra["location"] = {"latitude": lat, "longitude": lon}
    if venue is not None:
        where = ", ".join(p for p in (_str(venue.get("title")), _str(venue.get("address"))) if p)
        return "venue", f"[Place: {where}]" if where else "[Place]", [], extra
    if location is not None:
        where = (
            f"{extra['location']['latitude']:.5f}, {extra['location']['longitude']:.5f}"
            if extra
            else ""
        )
        return "location", f"[Location: {where}]" if where else "[Location]", [], extra
    contact = _obj(message.get("contact"))
    if contact is not None:
        phone = _str(contact.get("phone_number"))
        if phone:
            extra["contact"] = {"name": _person(contact), "phone_number": phone}
        label = ", ".join(p for p in (_person(contact), phone) if p)
        return "contact", f"[Contact: {label}]" if label else "[Contact]", [], extra
    poll = _obj(message.get("poll"))
    if poll is not None:
        question = _str(poll.get("question"))
        return "poll", f"[Poll: {question}]" if question else "[Poll]", [], extra
    dice = _obj(message.get("dice"))
    if dice is not None:
        value = _int(dice.get("value"))
        label = " ".join(p for p in (_str(dice.get("emoji")), str(value or "")) if p)
        return "dice", f"[Dice: {label}]" if label else "[Dice]", [], extra
    known = (
        "game",
        "invoice",
        "successful_payment",
        "story",
        "giveaway",
        "new_chat_members",
        "left_chat_member",
        "pinned_message",
        "web_app_data",
        "users_shared",
        "chat_shared",
    )
    for key in known:
        if key in message:
            return key, f"[Unsupported Telegram message: {key.replace('_', ' ')}]", [], extra
    return "unsupported", "[Unsupported Telegram message]", [], extra


# ------------------------------------------------------------------------------- outbound
@dataclass(frozen=True)
class ApiFailure:
    """A failed Bot API call: whether trying again may help, and why, in readable words."""

    transient: bool
    reason: str
    retry_after: float | None = None


def classify_failure(status: int, body: Any) -> ApiFailure:
    """Telegram answers errors as {"ok": false, "error_code", "description", "parameters"}."""
    data = _obj(body) or {}
    description = _str(data.get("description")) or f"HTTP {status}"
    parameters = _obj(data.get("parameters")) or {}
    retry_after = _num(parameters.get("retry_after"))
    if status == 429:
        wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
        return ApiFailure(True, f"Telegram is rate-limiting the bot{wait}", retry_after)
    if status >= 500 or status in (408, 409) or status < 100:
        return ApiFailure(True, f"Telegram is unavailable ({description})")
    lowered = description.lower()
    if "blocked by the user" in lowered:
        reason = "The customer has blocked the bot"
    elif "user is deactivated" in lowered:
        reason = "The customer's Telegram account is deleted"
    elif "chat not found" in lowered:
        reason = "Telegram does not know this chat (the customer may never have started the bot)"
    elif status == 401 or "unauthorized" in lowered:
        reason = "Telegram rejected the bot token; connect the inbox again"
    elif "too long" in lowered or "too big" in lowered or "too large" in lowered:
        reason = "Telegram refused the message as too large"
    else:
        reason = "Telegram refused the message"
    return ApiFailure(False, f"{reason} (Telegram: {description})")


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram takes at most 4096 characters a message: cut longer text at line breaks or
    spaces where possible."""
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


def send_method(content_type: str, size: int) -> str:
    """Pictures Telegram can show go as photos, everything else as documents."""
    if content_type.lower() in PHOTO_TYPES and size <= PHOTO_LIMIT_BYTES:
        return "sendPhoto"
    return "sendDocument"


def webhook_url(base_url: str, public_id: str) -> str:
    return f"{base_url.rstrip('/')}/hooks/telegram/{public_id}"
