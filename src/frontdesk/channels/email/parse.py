"""Parse a raw mail into what the desk stores: pure, no I/O, and it never raises.

The standard library's `email` package with `policy.default` does the MIME work. Mail from the
wild is often broken (bad headers, unknown or lying charsets, broken transfer encodings,
unnamed attachments), so every step has a fallback: undecodable bytes become replacement
characters, a header that cannot be parsed is read raw, an unnamed part is named after its
type. Only when even that fails does :func:`parse_mail` raise :class:`BadMail`, which the
caller logs and skips.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import email.utils
import hashlib
import html
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from html.parser import HTMLParser
from typing import Any

import nh3

from frontdesk.channels.email.rules import (
    Classification,
    classify,
    clean_message_id,
    split_message_ids,
    split_quoted,
)

__all__ = [
    "Address",
    "BadMail",
    "Bounce",
    "MailAttachment",
    "ParsedMail",
    "html_to_text",
    "parse_mail",
    "sanitize_html",
]

# The headers kept with a message (content_attributes.email.headers), for agents and audits.
KEPT_HEADERS = (
    "message-id",
    "in-reply-to",
    "references",
    "date",
    "from",
    "to",
    "cc",
    "reply-to",
    "subject",
    "auto-submitted",
    "precedence",
    "list-id",
    "x-autoreply",
)
MAX_HTML_CHARS = 200_000


class BadMail(Exception):
    """A mail that cannot be read at all."""


@dataclass(frozen=True)
class Address:
    name: str
    email: str


@dataclass(frozen=True)
class MailAttachment:
    file_name: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Bounce:
    """What a delivery failure report says: whose mail failed, to whom, and why."""

    original_message_id: str | None
    recipients: tuple[str, ...]
    status: str
    reason: str
    permanent: bool


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    # Where the mail was delivered (Delivered-To, X-Original-To, Envelope-To): plus addresses.
    delivered_to: tuple[str, ...]
    date: datetime | None
    text: str
    quoted: str
    html: str | None
    attachments: tuple[MailAttachment, ...]
    classification: Classification
    bounce: Bounce | None
    headers: dict[str, str]
    # A stable id for this mail's bytes: the external id of mail without a Message-ID.
    fingerprint: str
    defects: tuple[str, ...] = field(default=())

    @property
    def external_id(self) -> str:
        """What makes this mail idempotent in its inbox: its Message-ID, or its fingerprint."""
        if self.message_id and len(self.message_id) <= 240:
            return self.message_id
        if self.message_id:
            return "mid-sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()
        return "sha256:" + self.fingerprint

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, the direct parent first."""
        return tuple(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))

    @property
    def reply_address(self) -> Address | None:
        """Where an answer goes: Reply-To when given, else From."""
        return self.reply_to[0] if self.reply_to else self.sender


# ------------------------------------------------------------------------------ decoding
def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    aliases = {"unicode-1-1-utf-7": "utf-7", "x-unknown": "", "unknown-8bit": ""}
    name = aliases.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset that may be wrong, unknown or missing."""
    declared = _codec(charset)
    if declared and declared not in ("ascii", "us-ascii"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        return data.decode(declared, errors="replace")
    # Undeclared 8-bit text: Windows-1252 maps every byte, so nothing is lost.
    return data.decode("cp1252", errors="replace")


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words (=?utf-8?B?...?=) decoded; the text as is when they are broken."""
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:
        return text


def _header_text(message: Message, name: str) -> str:
    """A header as text, decoded from RFC 2047 words, whatever state it is in."""
    try:
        values = message.get_all(name)
    except Exception:  # a malformed header the policy cannot even parse
        values = None
    if not values:
        return ""
    value = values[0]
    try:
        text = str(value)
    except Exception:
        text = ""
    text = _decode_words(text)
    return _clean_text(text)


def _raw_header(message: Message, name: str) -> str:
    """The header's raw value (compat32), for headers policy.default may have mangled."""
    for key, value in message.raw_items() if hasattr(message, "raw_items") else []:
        if key.lower() == name.lower():
            try:
                text = value if isinstance(value, str) else str(value)
            except Exception:
                return ""
            # Raw 8-bit header bytes arrive as surrogates (RFC 6532 UTF-8 headers, or junk).
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return ""


def _clean_text(text: str) -> str:
    # Surrogates (from undecodable header bytes) cannot be stored or encoded: replace them.
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    return " ".join(text.replace("\x00", "").split())


def _addresses(message: Message, name: str) -> tuple[Address, ...]:
    raw = _raw_header(message, name) or _header_text(message, name)
    if not raw:
        return ()
    try:
        pairs = email.utils.getaddresses([raw])
    except Exception:
        pairs = []
    found: list[Address] = []
    for display, address in pairs:
        address = address.strip().strip("<>").strip()
        if "@" not in address or " " in address:
            continue
        display = _decode_words(display)
        found.append(Address(name=_clean_text(display), email=address.lower()))
    return tuple(dict.fromkeys(found))


def _date(message: Message) -> datetime | None:
    raw = _raw_header(message, "date") or _header_text(message, "date")
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(" ".join(raw.split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# -------------------------------------------------------------------------------- HTML
class _TextExtractor(HTMLParser):
    _BLOCK = frozenset(
        {
            *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
            *("footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol"),
            *("p", "pre", "section", "table", "tr", "ul"),
        }
    )
    _SKIP = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip = 0
        self.quote = 0
        self.pre = 0

    def _newline(self) -> None:
        if self.lines[-1].strip() or len(self.lines) == 1:
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "blockquote":
            self._newline()
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        if tag in self._BLOCK:
            self._newline()
        if tag == "li":
            self.lines[-1] += "- "
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.lines[-1] += f"[{alt}]"

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in self._BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            self.lines[-1] += parts[0]
            for part in parts[1:]:
                self.lines.append(part)
            return
        text = " ".join(data.split())
        if not text:
            if data and self.lines[-1] and not self.lines[-1].endswith(" "):
                self.lines[-1] += " "
            return
        if not self.lines[-1].strip() and self.quote:
            self.lines[-1] = "> " * self.quote
        if data[:1].isspace() and self.lines[-1] and not self.lines[-1].endswith(" "):
            self.lines[-1] += " "
        self.lines[-1] += text
        if data[-1:].isspace():
            self.lines[-1] += " "

    def text(self) -> str:
        out: list[str] = []
        for line in self.lines:
            line = line.rstrip()
            if not line and out and not out[-1]:
                continue
            out.append(line)
        return "\n".join(out).strip()


def html_to_text(markup: str) -> str:
    """Readable text of an HTML mail: blocks on lines, blockquotes as "> " lines."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient; this is only belt and braces
        return html.unescape(re.sub(r"<[^>]*>", " ", markup)).strip()
    return parser.text()


_HTML_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing", "width"},
    "*": {"dir", "lang"},
}


def sanitize_html(markup: str) -> str:
    """HTML safe to show: no scripts, styles, event handlers or javascript: links (nh3).

    ``cid:`` stays allowed in links and images, so inline images can be matched with the
    stored attachments by their Content-ID."""
    return nh3.clean(
        markup,
        tags=set(nh3.ALLOWED_TAGS),
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_HTML_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        strip_comments=True,
    )


# ------------------------------------------------------------------------------- parts
class _Part:
    """A MIME part with its Content-Type and Content-Disposition parsed once: the policy
    parses a header again on every access, and these are asked for many times."""

    def __init__(self, part: Message) -> None:
        self.part = part
        content_type = _header_object(part, "content-type")
        disposition = _header_object(part, "content-disposition")
        self.params: dict[str, Any] = _params(content_type)
        self.disposition_params: dict[str, Any] = _params(disposition)
        value = getattr(content_type, "content_type", None) if content_type is not None else None
        if content_type is None:
            try:
                value = part.get_default_type()
            except Exception:
                value = "text/plain"
        value = str(value or "").lower()
        # A broken Content-Type means text/plain (RFC 2045 §5.2), as the stdlib reads it.
        self.content_type = value if "/" in value else "text/plain"
        kind = getattr(disposition, "content_disposition", None)
        self.disposition = kind.lower() if isinstance(kind, str) and kind else None

    @property
    def charset(self) -> str | None:
        value = self.params.get("charset")
        return str(value) if value else None


def _header_object(part: Message, name: str) -> Any:
    try:
        return part.get(name)
    except Exception:  # a header the policy cannot parse reads as absent
        return None


def _params(header: Any) -> dict[str, Any]:
    try:
        params = getattr(header, "params", None) or {}
        return {str(k).lower(): v for k, v in params.items()}
    except Exception:
        return {}


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="replace")
    return b""


def _part_text(info: _Part) -> str:
    return decode_bytes(_payload_bytes(info.part), info.charset)


_RAW_PARAM = {
    key: re.compile(rf"(?:^|;)\s*{key}\s*=\s*(?:\"([^\"]*)\"|([^;]*))", re.IGNORECASE)
    for key in ("filename", "name")
}


def _raw_file_name(part: Message) -> str | None:
    """The file name as written, for what the parameter parser cuts short: unquoted names
    with spaces (name=This is a test.txt) or encoded words (name==?utf-8?B?...?=)."""
    for header, key in (("content-disposition", "filename"), ("content-type", "name")):
        raw = " ".join(_raw_header(part, header).split())
        found = _RAW_PARAM[key].search(raw)
        if found:
            value = (found.group(1) if found.group(1) is not None else found.group(2)).strip()
            if value:
                return value
    return None


def _file_name(info: _Part) -> str | None:
    name: Any = info.disposition_params.get("filename") or info.params.get("name")
    raw = _raw_file_name(info.part)
    if raw and (not name or "=?" in raw or (isinstance(name, str) and raw.startswith(name))):
        name = raw if "=?" in raw or not name or len(raw) > len(name) else name
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        try:
            name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    if not isinstance(name, str) or not name.strip():
        return None
    name = _decode_words(name)
    name = _clean_text(name).replace("/", "_").replace("\\", "_").strip(". ")
    return name[:255] or None


def _content_id(part: Message) -> str | None:
    value = _header_text(part, "content-id")
    return clean_message_id(value) if value else None


def _default_name(content_type: str, index: int) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    if content_type == "message/rfc822":
        extension = ".eml"
    kind = "image" if content_type.startswith("image/") else "attachment"
    return f"{kind}-{index}{extension}"


@dataclass
class _Walk:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    returned_headers: list[Message] = field(default_factory=list)


def _children(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _walk(part: Message, acc: _Walk, *, in_alternative: bool = False, depth: int = 0) -> None:
    if depth > 30:  # a crafted mail must not exhaust the stack
        return
    info = _Part(part)
    content_type = info.content_type
    disposition = info.disposition
    if content_type == "message/delivery-status":
        acc.delivery_status.append(_delivery_status_text(part))
        return
    if part.is_multipart() and content_type not in ("message/rfc822", "text/rfc822-headers"):
        # In multipart/alternative every child is the same body in another form.
        alternative = content_type == "multipart/alternative"
        for child in _children(part):
            _walk(child, acc, in_alternative=alternative, depth=depth + 1)
        return
    if content_type in ("message/rfc822", "text/rfc822-headers"):
        inner = _inner_message(part)
        if inner is not None:
            acc.returned_headers.append(inner)
        if content_type == "text/rfc822-headers":
            return
        data = _inner_bytes(part)
        name = _file_name(info) or _subject_file_name(inner) or _default_name(content_type, 0)
        acc.attachments.append(MailAttachment(name, "message/rfc822", data))
        return
    file_name = _file_name(info)
    is_body_text = (
        content_type in ("text/plain", "text/html")
        and disposition != "attachment"
        and (file_name is None or in_alternative)
    )
    if is_body_text:
        text = _part_text(info)
        (acc.plain if content_type == "text/plain" else acc.html).append(text)
        return
    data = _payload_bytes(part)
    if not data and file_name is None:
        return
    content_id = _content_id(part)
    inline = disposition != "attachment" and content_id is not None
    acc.attachments.append(
        MailAttachment(
            file_name=file_name or _default_name(content_type, len(acc.attachments) + 1),
            content_type=content_type,
            data=data,
            content_id=content_id,
            inline=inline,
        )
    )


def _subject_file_name(inner: Message | None) -> str | None:
    if inner is None:
        return None
    subject = _header_text(inner, "subject")
    safe = re.sub(r"[^\w\- ]+", "", subject).strip()[:80]
    return f"{safe}.eml" if safe else None


def _inner_message(part: Message) -> Message | None:
    children = _children(part)
    if children:
        return children[0]
    data = _payload_bytes(part)
    if not data:
        return None
    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except Exception:
        return None


def _inner_bytes(part: Message) -> bytes:
    children = _children(part)
    if children:
        try:
            return children[0].as_bytes(policy=email.policy.compat32)
        except Exception:
            try:
                return str(children[0]).encode("utf-8", errors="replace")
            except Exception:
                return b""
    return _payload_bytes(part)


def _delivery_status_text(part: Message) -> str:
    children = _children(part)
    if children:
        # The stdlib parses message/delivery-status into header blocks, one per recipient.
        blocks = []
        for child in children:
            blocks.append("\n".join(f"{k}: {v}" for k, v in child.items()))
        return "\n\n".join(blocks)
    return decode_bytes(_payload_bytes(part), "utf-8")


_STATUS = re.compile(r"^status:\s*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.MULTILINE)
_RECIPIENT = re.compile(
    r"^(?:final|original)-recipient:\s*(?:rfc822\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?",
    re.IGNORECASE | re.MULTILINE,
)
_DIAGNOSTIC = re.compile(
    r"^diagnostic-code:\s*(?:[\w-]+\s*;)?\s*(.+)$", re.IGNORECASE | re.MULTILINE
)
_ACTION = re.compile(r"^action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
_BODY_MESSAGE_ID = re.compile(r"^message-id:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _bounce(acc: _Walk, text: str, own_message_id: str | None) -> Bounce:
    report = "\n\n".join(acc.delivery_status)
    original: str | None = None
    for inner in acc.returned_headers:
        original = clean_message_id(_header_text(inner, "message-id"))
        if original:
            break
    if original is None:
        # Bounces that are not DSNs quote the returned headers in their text.
        for found in _BODY_MESSAGE_ID.findall(f"{report}\n{text}"):
            candidate = clean_message_id(found)
            if candidate and candidate != own_message_id:
                original = candidate
                break
    statuses = _STATUS.findall(report)
    actions = [a.lower() for a in _ACTION.findall(report)]
    recipients = tuple(dict.fromkeys(r.lower() for r in _RECIPIENT.findall(report)))
    diagnostic = " ".join(_DIAGNOSTIC.findall(report)).strip()
    status = statuses[0] if statuses else ""
    # 4.x.x and "delayed" are still being retried by the sending server: not a failure yet.
    permanent = (status.startswith("5") or not status) and "delayed" not in actions
    if not statuses and actions and all(a in ("delayed", "relayed", "delivered") for a in actions):
        permanent = False
    reason = diagnostic or (f"delivery failed with status {status}" if status else "")
    if not reason:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        reason = first[:300] or "the receiving server returned the mail"
    return Bounce(
        original_message_id=original,
        recipients=recipients,
        status=status,
        reason=_clean_text(reason)[:500],
        permanent=permanent,
    )


# ------------------------------------------------------------------------------- parse
def _headers(message: Message) -> dict[str, str]:
    """Every header (the first of each name, names lower-cased) as text. Read from the raw
    values: the policy's structured parsing of every Received line costs more than the rest of
    the mail, and only a few headers need it."""
    found: dict[str, str] = {}
    try:
        items = list(message.raw_items()) if hasattr(message, "raw_items") else []
    except Exception:
        items = []
    for key, value in items:
        name = key.lower()
        if name in found:
            continue
        try:
            text = value if isinstance(value, str) else str(value)
        except Exception:
            text = ""
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        # Present but empty (Return-Path: <> reads as empty in some forms) still counts.
        found[name] = _clean_text(_decode_words(text))[:2000]
    return found


def _iter_plus(values: list[str]) -> Iterator[str]:
    for value in values:
        for _name, address in email.utils.getaddresses([value]):
            if "@" in address:
                yield address.lower()


_OBSOLETE_COLON = re.compile(rb"(?m)^([A-Za-z][A-Za-z0-9-]*)[ \t]+:")
_BLANK_RUNS = re.compile(r"\n{3,}")


def parse_mail(raw: bytes, *, max_text_chars: int = 64 * 1024) -> ParsedMail:
    """Read a raw RFC 5322 mail. Raises :class:`BadMail` only when nothing can be read."""
    if not raw or not raw.strip():
        raise BadMail("the mail is empty")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this guards the unexpected
        raise BadMail(f"unreadable mail: {type(exc).__name__}: {exc}") from exc
    try:
        if not list(message):
            # Obsolete syntax (RFC 5322 §4.5: "Subject  : Hi") hides the headers from the
            # parser; close the gap before the colon and read the mail again.
            head, sep, body = (
                raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else (raw.partition(b"\r\n\r\n"))
            )
            fixed = _OBSOLETE_COLON.sub(rb"\1:", head) + sep + body
            message = email.message_from_bytes(fixed, policy=email.policy.default)
        return _parse(message, raw, max_text_chars=max_text_chars)
    except RecursionError as exc:
        raise BadMail("the mail nests too deeply to read") from exc
    except BadMail:
        raise
    except Exception as exc:
        raise BadMail(f"unreadable mail: {type(exc).__name__}: {exc}") from exc


def _parse(message: Message, raw: bytes, *, max_text_chars: int) -> ParsedMail:
    headers = _headers(message)
    if not headers:
        raise BadMail("the mail has no headers")
    subject = headers.get("subject", "")
    senders = _addresses(message, "from") or _addresses(message, "sender")
    sender = senders[0] if senders else None
    acc = _Walk()
    _walk(message, acc)
    plain = "\n\n".join(t.strip() for t in acc.plain if t.strip())
    sanitized: str | None = None
    raw_html = "\n".join(h for h in acc.html if h.strip())
    if raw_html:
        try:
            sanitized = sanitize_html(raw_html)
        except Exception:
            sanitized = None
        if sanitized is not None and len(sanitized) > MAX_HTML_CHARS:
            sanitized = None
    body = plain or (html_to_text(raw_html) if raw_html else "")
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    body = _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in body.split("\n")))
    new_text, quoted = split_quoted(body)
    if len(new_text) > max_text_chars:
        new_text = new_text[: max_text_chars - 1] + "…"
    quoted = quoted[:max_text_chars]
    message_id = clean_message_id(headers.get("message-id"))
    root = _Part(message)
    report_type = root.params.get("report-type")
    classification = classify(
        headers,
        subject=subject,
        sender=sender.email if sender else None,
        content_type=root.content_type,
        report_type=str(report_type) if report_type else None,
    )
    bounce = _bounce(acc, body, message_id) if classification.bounce else None
    delivered = [
        headers[k] for k in ("delivered-to", "x-original-to", "envelope-to") if headers.get(k)
    ]
    defects = tuple(type(d).__name__ for d in getattr(message, "defects", []))
    return ParsedMail(
        message_id=message_id,
        in_reply_to=tuple(split_message_ids(_raw_header(message, "in-reply-to"))),
        references=tuple(split_message_ids(_raw_header(message, "references"))),
        subject=subject[:500],
        sender=sender,
        reply_to=_addresses(message, "reply-to"),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        delivered_to=tuple(dict.fromkeys(_iter_plus(delivered))),
        date=_date(message),
        text=new_text,
        quoted=quoted,
        html=sanitized,
        attachments=tuple(acc.attachments),
        classification=classification,
        bounce=bounce,
        headers={k: v for k, v in headers.items() if k in KEPT_HEADERS},
        fingerprint=hashlib.sha256(raw).hexdigest(),
        defects=defects,
    )
