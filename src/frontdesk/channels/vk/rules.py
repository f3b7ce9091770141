"""VK community messages: pure rules (no I/O) for Callback API events, replies with
messages.send and the API's errors.

Events come from VK, so every field is checked before use: a message of an unexpected shape
becomes a readable placeholder, an event that is not a customer message is skipped with its
reason, never an exception (the one exception is `InvalidEvent`, for a body that is not a
Callback API event at all).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from frontdesk.channels.base import (
    DeliveryStatusUpdate,
    InboundAttachment,
    InboundIdentity,
    InboundMessage,
)

IDENTITY_KIND = "vk"
API_VERSION = "5.199"
# Peer ids of group chats start here (2000000000 + chat id).
CHAT_PEER_BASE = 2_000_000_000
TEXT_LIMIT = 4096
# messages.send takes at most 10 attachments.
MAX_ATTACHMENTS = 10
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
PHOTO_LIMIT_BYTES = 50 * 1024 * 1024
DOC_LIMIT_BYTES = 200 * 1024 * 1024
OK = "ok"


class InvalidEvent(ValueError):
    """The body is not a Callback API event (not an object, no type)."""


def _obj(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


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


def _http(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


# ------------------------------------------------------------------------------- inbound
@dataclass(frozen=True)
class ParsedEvent:
    type: str
    group_id: int | None
    event_id: str
    # The secret the event carries (checked against the inbox's; None when it has none).
    secret: str | None
    message: InboundMessage | None = None
    status: DeliveryStatusUpdate | None = None
    # Why an event makes no message (a typing notice, a like, the community's own reply...).
    skipped: str | None = None


def parse_event(payload: Any) -> ParsedEvent:
    """A Callback API event → the customer message (or edit) or read report it carries, or
    why it is skipped. `confirmation` is returned as is: the caller answers its code."""
    if not isinstance(payload, dict):
        raise InvalidEvent("a VK Callback API event is a JSON object")
    kind = _str(payload.get("type"))
    if not kind:
        raise InvalidEvent('a VK Callback API event has a "type"')
    group_id = _int(payload.get("group_id"))
    secret = payload.get("secret")
    event = ParsedEvent(
        type=kind,
        group_id=group_id,
        event_id=_str(payload.get("event_id"))[:100],
        secret=secret if isinstance(secret, str) else None,
    )
    if kind == "confirmation":
        return event
    body = _obj(payload.get("object"))
    if body is None:
        return _skip(event, "an event without an object")
    if kind in ("message_new", "message_edit"):
        # API 5.103+ wraps message_new's message with the client's abilities; message_edit
        # (and older versions of message_new) carry the message itself.
        message = _obj(body.get("message")) or body
        inbound, reason = _message(
            message, group_id=group_id, event_id=event.event_id, edited=kind == "message_edit"
        )
        if inbound is None:
            return _skip(event, reason or "no message")
        return ParsedEvent(**{**event.__dict__, "message": inbound})
    if kind == "message_reply":
        return _skip(event, "the community's own message (a reply sent by the desk or in VK)")
    if kind == "message_read":
        peer_id, cmid = _int(body.get("peer_id")), _int(body.get("conversation_message_id"))
        if peer_id is None or cmid is None:
            return _skip(event, "a read report without the message")
        status = DeliveryStatusUpdate(external_id=external_id(peer_id, cmid), status="read")
        return ParsedEvent(**{**event.__dict__, "status": status})
    return _skip(event, f"'{kind}' events carry no customer message")


def _skip(event: ParsedEvent, reason: str) -> ParsedEvent:
    return ParsedEvent(**{**event.__dict__, "skipped": reason})


def external_id(peer_id: int, conversation_message_id: int) -> str:
    """A message's id in its conversation (peer), which VK gives in every event; the global
    `id` is 0 in group chats."""
    return f"{peer_id}:{conversation_message_id}"


def peer_name(peer_id: int, from_id: int) -> str:
    """Until VK says the customer's name, what the contact is called."""
    if peer_id > CHAT_PEER_BASE:
        return f"VK chat {peer_id - CHAT_PEER_BASE}"
    return f"VK user {from_id}"


def _message(
    message: dict[str, Any], *, group_id: int | None, event_id: str, edited: bool
) -> tuple[InboundMessage | None, str | None]:
    peer_id = _int(message.get("peer_id"))
    from_id = _int(message.get("from_id"))
    cmid = _int(message.get("conversation_message_id"))
    if peer_id is None or from_id is None or cmid is None:
        return None, "a message without peer_id, from_id or conversation_message_id"
    if from_id <= 0 or message.get("out") == 1:
        return None, "a message of a community or a bot"
    text = _str(message.get("text"))
    found = _attachments(_list(message.get("attachments")), cmid)
    vk: dict[str, Any] = {
        "peer_id": peer_id,
        "from_id": from_id,
        "conversation_message_id": cmid,
        "kind": found.kinds[0] if found.kinds else "text",
    }
    if _int(message.get("id")):
        vk["message_id"] = message["id"]
    if event_id:
        vk["event_id"] = event_id
    if group_id is not None:
        vk["group_id"] = group_id
    payload = _str(message.get("payload"))
    if payload:
        vk["payload"] = payload[:1000]  # a keyboard button's data
    attributes: dict[str, Any] = {"vk": vk, **found.extra}
    lines = list(found.notes)
    geo = _geo(_obj(message.get("geo")), attributes)
    if geo:
        lines.append(geo)
    forwarded = [m for m in map(_obj, _list(message.get("fwd_messages"))) if m is not None]
    if forwarded:
        attributes["forwarded_messages"] = [
            {"from_id": _int(m.get("from_id")), "text": _str(m.get("text"))[:4000]}
            for m in forwarded[:50]
        ]
        count = len(forwarded)
        lines.append(f"[Forwarded message{'s' if count > 1 else ''}: {count}]")
    if text:
        content = "\n".join([text, *lines])
    elif found.placeholders or lines:
        content = "\n".join([*found.placeholders, *lines])
        attributes["placeholder"] = True
    else:
        content = "[Empty VK message]"
        attributes["placeholder"] = True
    reply = _obj(message.get("reply_message"))
    reply_cmid = _int(reply.get("conversation_message_id")) if reply else None
    sent_at = _time(message.get("update_time")) if edited else None
    return (
        InboundMessage(
            external_id=external_id(peer_id, cmid),
            sender=InboundIdentity(
                kind=IDENTITY_KIND, value=str(peer_id), name=peer_name(peer_id, from_id)
            ),
            content=content,
            sent_at=sent_at or _time(message.get("date")),
            attachments=tuple(found.files),
            reply_to_external_id=external_id(peer_id, reply_cmid) if reply_cmid else None,
            edited=edited,
            content_attributes=attributes,
        ),
        None,
    )


def _geo(geo: dict[str, Any] | None, attributes: dict[str, Any]) -> str:
    if geo is None:
        return ""
    coordinates = _obj(geo.get("coordinates")) or {}
    lat, lon = _num(coordinates.get("latitude")), _num(coordinates.get("longitude"))
    where = _str((_obj(geo.get("place")) or {}).get("title"))
    if lat is not None and lon is not None:
        attributes["location"] = {"latitude": lat, "longitude": lon}
        where = where or f"{lat:.5f}, {lon:.5f}"
    return f"[Location: {where}]" if where else "[Location]"


@dataclass
class _Found:
    files: list[InboundAttachment] = field(default_factory=list)
    # Shown in place of the text when there is none (a photo's "[Photo]").
    placeholders: list[str] = field(default_factory=list)
    # Facts a file cannot carry (a wall post, a link): shown even under text.
    notes: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _largest(images: list[Any], url_key: str = "url") -> str:
    best, area = "", -1
    for image in map(_obj, images):
        if image is None or not _http(_str(image.get(url_key))):
            continue
        size = (_int(image.get("width")) or 0) * (_int(image.get("height")) or 0)
        if size > area:
            best, area = image[url_key], size
    return best


def _clean_name(name: str) -> str:
    return name.replace("/", "_").replace("\\", "_").strip()[-255:]


def _attachments(items: list[Any], cmid: int) -> _Found:
    found = _Found()
    unavailable: list[dict[str, str]] = []

    def fetch(url: str, file_name: str, content_type: str, size: int | None = None) -> None:
        if url:
            found.files.append(
                InboundAttachment(
                    file_name=_clean_name(file_name) or "file",
                    content_type=content_type,
                    fetch=url,
                    size=size,
                )
            )
        else:
            unavailable.append({"file_name": file_name, "reason": "VK sent no file URL"})

    for n, item in enumerate(map(_obj, items), start=1):
        if item is None:
            continue
        kind = _str(item.get("type")) or "unknown"
        body = _obj(item.get(kind)) or {}
        found.kinds.append(kind)
        stem = f"{cmid}_{n}"
        if kind == "photo":
            fetch(_largest(_list(body.get("sizes"))), f"photo_{stem}.jpg", "image/jpeg")
            found.placeholders.append("[Photo]")
        elif kind == "doc":
            title = _str(body.get("title")) or f"document_{stem}"
            ext = _str(body.get("ext"))
            if ext and not title.lower().endswith(f".{ext.lower()}"):
                title = f"{title}.{ext}"
            content_type = mimetypes.guess_type(title)[0] or "application/octet-stream"
            fetch(_http(_str(body.get("url"))), title, content_type, _int(body.get("size")))
            found.placeholders.append(f"[Document: {title}]")
        elif kind == "audio_message":
            url = _http(_str(body.get("link_ogg")))
            if url:
                fetch(url, f"voice_{stem}.ogg", "audio/ogg")
            else:
                fetch(_http(_str(body.get("link_mp3"))), f"voice_{stem}.mp3", "audio/mpeg")
            found.placeholders.append(f"[Voice message{_duration(body.get('duration'))}]")
            transcript = _str(body.get("transcript"))
            if transcript:
                found.extra["transcript"] = transcript
        elif kind == "sticker":
            url = _largest(_list(body.get("images"))) or _largest(
                _list(body.get("images_with_background"))
            )
            if url:
                fetch(url, f"sticker_{stem}.png", "image/png")
            found.placeholders.append("[Sticker]")
        elif kind == "graffiti":
            fetch(_http(_str(body.get("url"))), f"graffiti_{stem}.png", "image/png")
            found.placeholders.append("[Graffiti]")
        elif kind in ("wall", "wall_reply"):
            owner = (
                _int(body.get("owner_id")) or _int(body.get("to_id")) or _int(body.get("from_id"))
            )
            post = _int(body.get("post_id")) if kind == "wall_reply" else _int(body.get("id"))
            link = f"https://vk.com/wall{owner}_{post}" if owner and post else ""
            excerpt = " ".join(_str(body.get("text")).split())[:200]
            label = "Wall post" if kind == "wall" else "Wall comment"
            found.notes.append(
                f"[{label}: {' — '.join(p for p in (link, excerpt) if p)}]"
                if link or excerpt
                else f"[{label}]"
            )
            if link:
                found.extra.setdefault("links", []).append(link)
        elif kind == "link":
            url = _http(_str(body.get("url")))
            title = _str(body.get("title"))
            found.notes.append(
                f"[Link: {' — '.join(p for p in (title, url) if p)}]" if url or title else "[Link]"
            )
            if url:
                found.extra.setdefault("links", []).append(url)
        elif kind == "video":
            owner, video = _int(body.get("owner_id")), _int(body.get("id"))
            link = f"https://vk.com/video{owner}_{video}" if owner and video else ""
            shown = " — ".join(p for p in (_str(body.get("title")), link) if p)
            length = _duration(body.get("duration"))
            found.notes.append(f"[Video{length}: {shown}]" if shown else f"[Video{length}]")
        elif kind == "audio":
            title = " – ".join(p for p in (_str(body.get("artist")), _str(body.get("title"))) if p)
            found.placeholders.append(f"[Audio: {title}]" if title else "[Audio]")
        elif kind == "market":
            title = _str(body.get("title"))
            found.notes.append(f"[Product: {title}]" if title else "[Product]")
        elif kind == "poll":
            question = _str(body.get("question"))
            found.notes.append(f"[Poll: {question}]" if question else "[Poll]")
        elif kind == "gift":
            found.placeholders.append("[Gift]")
        else:
            found.placeholders.append(f"[Unsupported VK attachment: {kind.replace('_', ' ')}]")
    if unavailable:
        found.extra["unavailable_attachments"] = unavailable
    return found


def user_name(users: Any) -> str:
    """users.get's answer → "First Last" (empty when VK says nothing usable)."""
    user = _obj(users[0]) if isinstance(users, list) and users else None
    if user is None or user.get("deactivated"):
        return ""
    name = " ".join(p for p in (_str(user.get("first_name")), _str(user.get("last_name"))) if p)
    return name.strip()[:200]


def chat_title(conversations: Any) -> str:
    """messages.getConversationsById's answer → the chat's title."""
    items = _list((_obj(conversations) or {}).get("items"))
    chat = _obj((_obj(items[0]) or {}).get("chat_settings")) if items else None
    return _str((chat or {}).get("title")).strip()[:200]


# ------------------------------------------------------------------------------- outbound
def random_id(public_id: str, message_id: int, part: int = 0) -> int:
    """messages.send's idempotency key: VK sends a message once per (community, random_id).
    Derived from the desk's message id (and the part of a long text), so every retry of one
    message carries the same one; mixed with the inbox so two desks on one community differ.
    A positive int32."""
    digest = hashlib.sha256(f"{public_id}:{message_id}:{part}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1) + 1


def peer_of(recipient: str) -> int | None:
    try:
        peer = int(recipient)
    except ValueError:
        return None
    return peer if peer > 0 else None


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """VK takes at most 4,096 characters a message: cut at line breaks or spaces."""
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


def reply_forward(peer_id: int, reply_to_external_id: str | None) -> str | None:
    """messages.send's `forward` for a reply to the customer's message (works in chats too,
    where messages have no global id)."""
    if not reply_to_external_id:
        return None
    peer, _, cmid = reply_to_external_id.rpartition(":")
    if peer != str(peer_id) or not cmid.isdecimal():
        return None
    return f'{{"peer_id":{peer_id},"conversation_message_ids":[{int(cmid)}],"is_reply":true}}'


def is_photo(content_type: str, size: int) -> bool:
    return content_type.split(";")[0].strip().lower() in PHOTO_TYPES and size <= PHOTO_LIMIT_BYTES


def attachment_ref(kind: str, saved: Any) -> str | None:
    """A saved upload → messages.send's attachment string (photo<owner>_<id>[_<key>])."""
    obj = _obj(saved)
    if obj is None:
        return None
    owner, item = _int(obj.get("owner_id")), _int(obj.get("id"))
    if owner is None or item is None:
        return None
    key = _str(obj.get("access_key"))
    return f"{kind}{owner}_{item}" + (f"_{key}" if key else "")


@dataclass(frozen=True)
class ApiFailure:
    """A failed VK API call: whether trying again may help, and why, in readable words."""

    transient: bool
    reason: str
    retry_after: float | None = None


# https://dev.vk.com/ru/reference/errors
_TRANSIENT = {1: "unknown error", 6: "too many requests", 10: "internal error", 29: "rate limit"}
_PERMANENT = {
    5: "VK rejected the community access token; update it in the inbox settings",
    7: "The community access token lacks the messages permission",
    15: "VK denied access",
    27: "The community access token cannot call this method",
    100: "VK refused a parameter of the message",
    900: "The customer has blocked the community",
    901: "The customer has not allowed messages from the community",
    902: "The customer's privacy settings do not allow this message",
    914: "The message is too long for VK",
    917: "The community has no access to this chat",
    936: "VK does not know this customer",
    945: "The chat is disabled",
}


def classify_error(error: Any) -> ApiFailure:
    """VK answers errors with HTTP 200 and {"error": {"error_code", "error_msg"}} (per peer
    in messages.send's answer: {"code", "description"})."""
    data = _obj(error) or {}
    code = _int(data.get("error_code"))
    if code is None:
        code = _int(data.get("code"))
    message = _str(data.get("error_msg")) or _str(data.get("description")) or "unknown error"
    said = f"VK error {code}: {message}" if code is not None else f"VK: {message}"
    if code in _TRANSIENT:
        return ApiFailure(True, f"VK is unavailable or busy ({said})")
    if code == 9:
        return ApiFailure(True, f"VK's flood control holds the message back ({said})")
    reason = _PERMANENT.get(code or 0, "VK refused the message")
    return ApiFailure(False, f"{reason} ({said})")


def http_failure(status: int) -> ApiFailure:
    if status >= 500 or status in (408, 429) or status < 100:
        return ApiFailure(True, f"VK is unavailable (HTTP {status})")
    return ApiFailure(False, f"VK refused the call (HTTP {status})")


def clean_file_name(name: str) -> str:
    """VK's document title: no path, no characters its uploader trips on."""
    return re.sub(r"[\x00-\x1f]", "", _clean_name(name)) or "file"
