"""The widget's pure rules (no I/O; time is passed in): which sites may embed an inbox (the
desk's own pages always may), the snippet and its preview page, the visitor token and identity
signatures, rate-limit windows, what a visitor may see and send, and how the visitor's browser
is described to agents."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

# ---------------------------------------------------------------------------- embedding sites
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*(:\d{{1,5}})?$")


class InvalidDomain(ValueError):
    pass


def normalize_domain(entry: str) -> str:
    """An allowed-domain entry as stored: a host (`shop.example.com`), a wildcard for its
    subdomains (`*.example.com`), optionally with a port. A pasted URL is cut down to its
    host; anything else is refused."""
    text = entry.strip().lower().rstrip("/")
    if "://" in text:
        parts = urlsplit(text)
        text = parts.netloc
    text = text.rstrip(".")
    if not text or len(text) > 253 or not _DOMAIN.match(text):
        raise InvalidDomain(
            f"{entry[:80]!r} is not a domain like shop.example.com or *.example.com"
        )
    return text


def origin_allowed(origin: str | None, allowed: Sequence[str]) -> bool:
    """Whether a page of `origin` (the browser's Origin header) may use the widget. No list:
    every site may. With a list, a request without an Origin is refused too."""
    if not allowed:
        return True
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin.strip().lower())
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    for entry in allowed:
        name, _, wanted_port = entry.partition(":")
        if wanted_port and str(port or (443 if parts.scheme == "https" else 80)) != wanted_port:
            continue
        if name.startswith("*."):
            base = name[2:]
            if host == base or host.endswith("." + base):
                return True
        elif host == name:
            return True
    return False


def _origin_parts(url: str) -> tuple[str, str, int] | None:
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def page_origin(origin: str | None, referer: str | None) -> str | None:
    """The origin of the page a widget request comes from: its Origin header. Browsers leave
    that out of a GET to the page's own origin (the desk's preview page fetching the chat's
    config and messages); the Referer's origin stands in for it then."""
    if origin or not referer:
        return origin
    parts = urlsplit(referer.strip())
    host = parts.netloc.rpartition("@")[2]
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return f"{parts.scheme}://{host}"


def is_desk_origin(origin: str | None, base_url: str) -> bool:
    """Whether `origin` is the desk's own (scheme, host and port of its base URL): its own
    pages, the chat's preview, may always show the chat, whatever sites the inbox allows."""
    if not origin or origin == "null":
        return False
    own = _origin_parts(base_url)
    return own is not None and _origin_parts(origin) == own


# --------------------------------------------------------------------------------- the snippet
def script_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/widget.js"


def snippet(base_url: str, public_id: str) -> str:
    """The tag a site pastes (public ids are URL-safe tokens: nothing here needs escaping)."""
    return f'<script async src="{script_url(base_url)}" data-inbox="{public_id}"></script>'


def preview_url(base_url: str, public_id: str) -> str:
    """The desk's own page that shows the chat as a visitor sees it (GET /widget/preview/...)."""
    return f"{base_url.rstrip('/')}/widget/preview/{quote(public_id, safe='')}"


PREVIEW_LANGUAGES = ("en", "ru")


def preview_language(accept_language: str | None) -> str:
    """The preview page's language: the browser's most wanted of English and Russian."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "").split(",")[:50]):
        tag, _, params = part.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if base in PREVIEW_LANGUAGES and quality > 0:
            candidate = (-quality, index, base)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else "en"


# ------------------------------------------------------------------------ tokens and identity
TOKEN_VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token_signature(key: str, inbox_public_id: str, visitor: str) -> str:
    message = f"webchat-visitor\x00{inbox_public_id}\x00{visitor}".encode()
    return _b64(hmac.new(key.encode(), message, hashlib.sha256).digest())


def visitor_token(key: str, inbox_public_id: str, visitor: str) -> str:
    """What the script keeps in localStorage: the visitor's id, signed with the desk's secret
    key for this inbox (a token of one inbox is worthless at another)."""
    return f"{TOKEN_VERSION}.{visitor}.{_token_signature(key, inbox_public_id, visitor)}"


def visitor_of_token(key: str, inbox_public_id: str, token: str | None) -> str | None:
    """The visitor id a token carries, or None when it is not a token this desk signed."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION or not re.fullmatch(r"[0-9a-f]{32}", parts[1]):
        return None
    expected = _token_signature(key, inbox_public_id, parts[1])
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        return None
    return parts[1]


def identity_hash(secret: str, identifier: str) -> str:
    """HMAC-SHA256 of the host site's user id with the inbox's secret, in hex: what the host
    site computes on its server and passes to the script as `identifier_hash`."""
    return hmac.new(secret.encode(), identifier.encode(), hashlib.sha256).hexdigest()


def identity_valid(secret: str | None, identifier: str, given: str) -> bool:
    if not secret or not given:
        return False
    return hmac.compare_digest(identity_hash(secret, identifier), given.strip().lower())


# -------------------------------------------------------------------------------- rate limits
@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `seconds` (a fixed window; the same in Redis)."""

    count: int
    seconds: float


# Per visitor and per IP address; an office behind one address gets more room than a visitor.
LIMITS: dict[str, Limit] = {
    "session:ip": Limit(60, 60),
    "message:visitor": Limit(30, 60),
    "message:ip": Limit(120, 60),
    "upload:visitor": Limit(10, 60),
    "offline:ip": Limit(10, 600),
    "csat:visitor": Limit(10, 60),
    "request:visitor": Limit(300, 60),
    "request:ip": Limit(1200, 60),
}


def window_of(now: float, seconds: float) -> int:
    return math.floor(now / seconds)


def retry_after(now: float, seconds: float) -> float:
    """Seconds until the current window ends."""
    return max(0.001, (window_of(now, seconds) + 1) * seconds - now)


@dataclass
class WindowCounter:
    """Counts hits per key in the current window of each limit (in-process variant)."""

    _hits: dict[str, tuple[int, int]] = field(default_factory=dict)

    def hit(self, key: str, limit: Limit, now: float) -> float | None:
        """Count one hit; seconds to wait when it is over the limit, else None."""
        window = window_of(now, limit.seconds)
        current, count = self._hits.get(key, (window, 0))
        if current != window:
            count = 0
        count += 1
        self._hits[key] = (window, count)
        if len(self._hits) > 100_000:
            self._prune(now, limit.seconds)
        return retry_after(now, limit.seconds) if count > limit.count else None

    def _prune(self, now: float, seconds: float) -> None:
        # Old windows are worth nothing: forget them (bounded memory under a flood).
        window = window_of(now, seconds)
        self._hits = {k: v for k, v in self._hits.items() if v[0] >= window}


# -------------------------------------------------------------------------- what is sent in
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_URL = 2000
MAX_TITLE = 300
MAX_PAGES = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, limit: int) -> str:
    """Untrusted text as stored: control and bidi-override characters removed, normalized,
    cut to `limit` characters (the agent app shows it as text, never as HTML)."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return text[:limit]


def clean_url(url: Any) -> str | None:
    """A page address from the browser: http(s) only, no credentials, bounded."""
    if not isinstance(url, str):
        return None
    url = clean_text(url.strip(), MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return str(parts.geturl())


def clean_language(tag: Any) -> str | None:
    if not isinstance(tag, str):
        return None
    tag = tag.strip()[:35]
    return tag if re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", tag) else None


def with_page(
    pages: Sequence[dict[str, Any]], *, url: str, title: str, at: datetime
) -> list[dict[str, Any]]:
    """The visitor's pages, newest last: a reload of the same page is not a new page view."""
    kept = list(pages)[-MAX_PAGES:]
    if kept and kept[-1].get("url") == url:
        kept[-1] = {**kept[-1], "title": title or kept[-1].get("title", "")}
        return kept
    return [*kept, {"url": url, "title": title, "at": at.isoformat()}][-MAX_PAGES:]


def external_id(visitor: str, client_id: str) -> str:
    """A visitor message's idempotency key at the desk: the same client id sent again (a retry
    after a lost answer, the queue replayed on reconnect) is the same message."""
    return f"webchat:{visitor}:{client_id}"


def client_id_of(external: str | None) -> str | None:
    if not external or not external.startswith("webchat:"):
        return None
    parts = external.split(":", 2)
    return parts[2] if len(parts) == 3 else None


def visitor_of_external_id(external: str | None) -> str | None:
    if not external or not external.startswith("webchat:"):
        return None
    parts = external.split(":", 2)
    return parts[1] if len(parts) == 3 else None


def visitor_identity(visitor: str) -> str:
    """The contact identity an anonymous visitor is known by (kind `external`)."""
    return f"webchat:{visitor}"


# Files a visitor may send: images and office documents; never HTML or SVG (script inside).
UPLOAD_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOADS = 5


def upload_allowed(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in UPLOAD_TYPES


# -------------------------------------------------------------------------- what is sent out
VISITOR_KINDS = frozenset({"incoming", "outgoing", "bot"})


def visible_to_visitor(kind: str, private: bool) -> bool:
    """Only the conversation itself: the visitor's messages and public replies. Never private
    notes, never the desk's system entries (assignments, labels)."""
    return kind in VISITOR_KINDS and not private


def initials(name: str) -> str:
    """An agent's avatar: the first letters of their first two names."""
    words = [w for w in re.split(r"[\s._-]+", name.strip()) if w and w[0].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def first_name(name: str) -> str:
    """What the visitor sees of an agent: their name as written (never their e-mail)."""
    return name.strip()[:100]


def is_online(statuses: Iterable[str]) -> bool:
    """Somebody working the inbox is online (away does not answer chats)."""
    return any(s == "online" for s in statuses)


def survey_due(*, csat_enabled: bool, status: str, answered: bool) -> bool:
    """Whether a resolved conversation asks its visitor for a rating."""
    return csat_enabled and status == "resolved" and not answered


# ------------------------------------------------------------------------ the visitor's browser
_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Yandex Browser", re.compile(r"YaBrowser/(\d+)")),
    ("Opera", re.compile(r"(?:OPR|Opera)/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)


def browser_of(user_agent: str | None) -> str:
    """ "Chrome 131 on Windows" from a User-Agent header; "" when it says nothing known."""
    if not user_agent:
        return ""
    browser = ""
    for name, pattern in _BROWSERS:
        found = pattern.search(user_agent)
        if found:
            browser = f"{name} {found.group(1)}"
            break
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system


def followup_mail(
    *, language: str, site: str, agent: str, content: str, files: int
) -> tuple[str, str]:
    """The e-mail that brings an agent's reply to a visitor who left an offline message:
    (subject, body), in Russian for a Russian-speaking browser, else in English."""
    if language.lower().startswith("ru"):
        where = site or "сайт"
        subject = f"Ответ на ваше сообщение ({where})"
        body = f"{agent or 'Оператор'}:\n\n{content}\n"
        if files:
            body += f"\nФайлов в ответе: {files}. Они видны в чате на сайте.\n"
        body += "\nЧтобы ответить, напишите в чате на сайте.\n"
        return subject, body
    where = site or "our website"
    subject = f"A reply to your message ({where})"
    body = f"{agent or 'Our team'}:\n\n{content}\n"
    if files:
        body += f"\nFiles in the reply: {files}. You will find them in the chat on the site.\n"
    body += "\nTo answer, write in the chat on the site.\n"
    return subject, body
