"""Pure rules of the portal (no I/O, time passed in): sign-in links, rate limits, what a
customer sees of a conversation, the request form's fields, languages, the mails' words."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from frontdesk.portal.texts import DEFAULT_LANGUAGE, LANGUAGES, text

# A sign-in link works once, for this long.
LINK_LIFETIME = timedelta(minutes=15)
LINK_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)
# Links mailed to one address per window: more requests are answered the same way but send
# nothing (a mailbox is never flooded, and the answer tells nothing about the address).
LINKS_PER_EMAIL = 5
LINKS_PER_EMAIL_WINDOW = timedelta(hours=1)
# Link requests from one IP address per window: more are refused with 429 (offices and
# mobile carriers share addresses, hence the margin).
REQUESTS_PER_ADDRESS = 20
REQUESTS_PER_ADDRESS_WINDOW_SECONDS = 15 * 60.0
# Customer messages per session per minute (requests and replies): a script, not a person.
POSTS_PER_SESSION = 20
POSTS_PER_SESSION_WINDOW_SECONDS = 60.0

# Messages a customer sees: their own, the agents' public replies and the bot's. Never
# private notes or system entries (assignments, status changes: the desk's internals).
PUBLIC_KINDS = frozenset({"incoming", "outgoing", "bot"})
# The request types a customer chooses from ("other" stays for agents to classify).
REQUEST_TYPES = ("question", "order", "complaint")
MAX_SUBJECT = 500
MAX_FIELD_TEXT = 10000


# ----------------------------------------------------------------------------- sign-in links
class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def link_state(
    *, expires_at: datetime | None, used_at: datetime | None, now: datetime
) -> LinkState:
    """Whether a sign-in link may still sign in: used once is used; expired at its end."""
    if expires_at is None:
        return LinkState.UNKNOWN
    if used_at is not None:
        return LinkState.USED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.VALID


def may_send_link(recent_links: int) -> bool:
    """Whether one more link may be mailed to an address that got `recent_links` lately."""
    return recent_links < LINKS_PER_EMAIL


def portal_url(base_url: str, slug: str) -> str:
    """The portal's address, to share with customers (FRONTDESK_BASE_URL and the slug)."""
    return f"{base_url.rstrip('/')}/portal/{slug}"


def normalize_email(value: str) -> str:
    return value.strip().lower()


@dataclass
class WindowLimiter:
    """At most `limit` hits per key within a sliding window. In memory, per process: with N
    processes a client gets N times the limit, which still stops a flood."""

    limit: int
    window_seconds: float
    clock: Callable[[], float]
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def hit(self, key: str) -> float | None:
        """Count a hit; None when allowed, else the seconds until one is allowed again."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_seconds - now
        hits.append(now)
        if len(self._hits) > 100_000:  # keys of a flood of addresses: forget idle ones
            for stale in [k for k, v in self._hits.items() if not v]:
                del self._hits[stale]
        return None


# ------------------------------------------------------------------------ what customers see
class CustomerStatus(StrEnum):
    RECEIVED = "received"  # nobody has answered yet
    IN_PROGRESS = "in_progress"
    AWAITING_YOU = "awaiting_you"  # pending: the desk waits for the customer
    RESOLVED = "resolved"


def customer_status(status: str, *, first_reply_at: datetime | None) -> CustomerStatus:
    """The desk's status as a customer understands it (bot, snoozed are the desk's business)."""
    if status == "resolved":
        return CustomerStatus.RESOLVED
    if status == "pending":
        return CustomerStatus.AWAITING_YOU
    if first_reply_at is None:
        return CustomerStatus.RECEIVED
    return CustomerStatus.IN_PROGRESS


def is_public(kind: str) -> bool:
    return kind in PUBLIC_KINDS


def may_reply(channel_type: str) -> bool:
    """Customers reply in the portal to portal conversations; a conversation of another
    channel continues there (the agent's answer goes back through that channel)."""
    return channel_type == "portal"


def first_name(name: str) -> str:
    """How an agent signs to customers: the first name only (never their e-mail)."""
    parts = name.split()
    return parts[0] if parts else ""


# ------------------------------------------------------------------------------- languages
def pick_language(*, asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: asked for in the URL, else remembered in the cookie, else the
    browser's first language we speak, else English."""
    for candidate in (asked, cookie):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted(accept_language or ""):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def _accepted(header: str) -> list[str]:
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([^;]*)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.lower()))
    return [tag for _q, _i, tag in sorted(weighted)]


# ----------------------------------------------------------------- the request form's fields
@dataclass(frozen=True)
class FieldConfig:
    key: str
    required: bool = False


def configured_fields(inbox_settings: Mapping[str, Any]) -> list[FieldConfig]:
    """The conversation attributes the portal inbox asks for, from its settings:
    `"fields": ["order_number", {"key": "city", "required": true}]`. Entries of another shape
    are ignored: a typo in the settings must not take the portal down."""
    raw = inbox_settings.get("fields")
    if not isinstance(raw, list):
        return []
    found: dict[str, FieldConfig] = {}
    for entry in raw:
        if isinstance(entry, str) and entry:
            found.setdefault(entry, FieldConfig(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("key"), str) and entry["key"]:
            found.setdefault(entry["key"], FieldConfig(entry["key"], entry.get("required") is True))
    return list(found.values())


def allows_new_customers(inbox_settings: Mapping[str, Any]) -> bool:
    """Whether an address the desk does not know yet may sign in (and so become a contact)."""
    return inbox_settings.get("allow_new_customers", True) is not False


class FieldError(ValueError):
    """A field's value is refused: `key` names the message of texts.py that says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_field(value_type: str, raw: str | None, *, options: Iterable[str] = ()) -> Any:
    """A form's string as the attribute's typed value; None when left empty."""
    value = (raw or "").strip()
    if value_type == "boolean":
        return True if value.lower() in ("on", "true", "1", "yes") else None
    if not value:
        return None
    if value_type == "number":
        try:
            number = float(value.replace(",", ".").replace(" ", ""))
        except ValueError as exc:
            raise FieldError("error_number") from exc
        if number != number or number in (float("inf"), float("-inf")):
            raise FieldError("error_number")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if value_type == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise FieldError("error_date") from exc
    if value_type == "list":
        if value not in tuple(options):
            raise FieldError("error_choice")
        return value
    if value_type == "link":
        if not re.match(r"^https?://\S+$", value):
            raise FieldError("error_link")
        return value
    if len(value) > MAX_FIELD_TEXT:
        raise FieldError("error_too_long", max=MAX_FIELD_TEXT)
    return value


# ------------------------------------------------------------------------------- the mails
def sign_in_mail(*, language: str, portal: str, url: str) -> tuple[str, str]:
    return (
        text(language, "mail_sign_in_subject", portal=portal),
        text(language, "mail_sign_in_body", portal=portal, url=url, minutes=LINK_MINUTES),
    )


def reply_mail(
    *,
    language: str,
    number: int,
    subject: str,
    agent: str,
    content: str,
    url: str,
    attachments: Iterable[str] = (),
) -> tuple[str, str]:
    names = list(attachments)
    body_text = content.strip()
    if names:
        listing = "\n".join(f"- {n}" for n in names)
        body_text = f"{body_text}\n\n{text(language, 'files_of')}:\n{listing}".strip()
    return (
        text(
            language,
            "mail_reply_subject",
            number=number,
            subject=subject.strip() or text(language, "no_subject"),
        ),
        text(
            language,
            "mail_reply_body",
            agent=agent or text(language, "support"),
            number=number,
            text=body_text,
            url=url,
        ),
    )


def human_size(size: int, language: str) -> str:
    units = ("B", "KB", "MB", "GB") if language != "ru" else ("Б", "КБ", "МБ", "ГБ")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            return (
                f"{value:.0f} {unit}" if value >= 10 or unit == units[0] else f"{value:.1f} {unit}"
            )
        value /= 1024
    return f"{size} B"  # not reached
