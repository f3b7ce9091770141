"""Pure rules of outgoing webhooks: which events may be subscribed to, the signature, which
addresses a webhook may point at (SSRF), and what an attempt's answer means."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

SIGNATURE_HEADER = "X-Frontdesk-Signature"
EVENT_HEADER = "X-Frontdesk-Event"
DELIVERY_HEADER = "X-Frontdesk-Delivery"
USER_AGENT = "Frontdesk-Webhooks/1"
# A receiver should refuse a signature older than this (replayed), see docs/webhooks.md.
DEFAULT_TOLERANCE_SECONDS = 300
EXCERPT_CHARS = 1000
ALL = "*"
PING = "webhook.ping"
# How long a process matches events against its snapshot of the subscriptions before reading
# them again (changes made in the same process, or heard of on the bus, apply at once).
SNAPSHOT_TTL_SECONDS = 30.0

# The domain events a workspace may subscribe to: changes an integrator acts on. Hints
# (typing, viewing), read marks, notifications, presence and personal views are not offered;
# webhook.* events are never delivered (a delivery must not cause deliveries).
EVENTS: tuple[str, ...] = (
    "conversation.created",
    "conversation.updated",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.participants_changed",
    "message.created",
    "message.updated",
    "contact.created",
    "contact.updated",
    "contact.merged",
    "csat.requested",
    "csat.received",
    "sla.warning",
    "sla.breached",
    "inbox.created",
    "inbox.updated",
    "label.created",
    "label.updated",
    "label.deleted",
    "team.created",
    "team.updated",
    "user.created",
    "user.updated",
)
_EVENT_SET = frozenset(EVENTS)
MAX_EVENTS_PER_SUBSCRIPTION = len(EVENTS) + 1


class InvalidEvents(ValueError):
    pass


def checked_events(names: Iterable[str]) -> list[str]:
    """A subscription's event list as stored: known names only, each once, in catalogue order
    ("*" alone when it is among them)."""
    wanted = {n.strip() for n in names}
    unknown = sorted(n for n in wanted if n != ALL and n not in _EVENT_SET)
    if unknown:
        raise InvalidEvents(
            f"unknown event {', '.join(repr(n) for n in unknown)}; "
            "GET /api/v1/webhooks/events lists them"
        )
    if not wanted:
        raise InvalidEvents("choose at least one event (or '*' for all)")
    if ALL in wanted:
        return [ALL]
    return [e for e in EVENTS if e in wanted]


def subscribed(events: Collection[str], event_type: str) -> bool:
    """Whether a subscription to `events` receives an event of this type."""
    if event_type not in _EVENT_SET:
        return False
    return ALL in events or event_type in events


# ------------------------------------------------------------------------------ the body
def body_of(
    *,
    delivery_id: str,
    event_type: str,
    event_id: int | None,
    created_at: datetime,
    workspace_id: int,
    inbox_id: int | None,
    conversation_id: int | None,
    data: dict[str, Any],
) -> str:
    """The JSON a delivery POSTs (the same bytes on every attempt, so the receiver may
    compare them): the event as the websocket carries it, plus the delivery's id."""
    return orjson.dumps(
        {
            "id": delivery_id,
            "type": event_type,
            "event_id": event_id,
            "created_at": created_at.isoformat(),
            "workspace_id": workspace_id,
            "inbox_id": inbox_id,
            "conversation_id": conversation_id,
            "data": data,
        }
    ).decode()


# ---------------------------------------------------------------------------- signatures
def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`X-Frontdesk-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does (docs/webhooks.md has the same code to copy): the timestamp is
    recent and one of the v1 signatures matches, compared in constant time."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdecimal():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, c) for c in candidates)


# ----------------------------------------------------------------------------------- SSRF
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(ValueError):
    """A webhook URL the desk will not call; the message says why, for the admin."""


def allowed_networks(setting: str) -> tuple[Network, ...]:
    """FRONTDESK_WEBHOOK_ALLOWED_NETWORKS: comma-separated CIDRs or addresses."""
    networks: list[Network] = []
    for item in setting.replace(" ", "").split(","):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"not a network or address: {item!r}") from exc
    return tuple(networks)


def address_allowed(address: Address, allowed: Iterable[Network]) -> bool:
    """Public addresses are; private, loopback, link-local (cloud metadata), multicast and
    reserved ones only inside a network the operator allowed."""
    forms: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        forms.append(address.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(form in network for form in forms for network in allowed):
        return True
    return all(form.is_global and not form.is_multicast for form in forms)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def parse_url(url: str) -> Target:
    """An http(s) URL with a host and no credentials in it, or RefusedUrl."""
    if any(c.isspace() for c in url) or len(url) > 2000:
        raise RefusedUrl("the URL must be a single http(s) address of at most 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl(f"the URL is not valid: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise RefusedUrl("the URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("the URL must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedUrl("the URL has no host")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def refused_addresses(addresses: Iterable[Address], allowed: Iterable[Network]) -> list[Address]:
    allowed = tuple(allowed)
    return [a for a in addresses if not address_allowed(a, allowed)]


# -------------------------------------------------------------------------------- answers
def delivered(status_code: int) -> bool:
    return 200 <= status_code < 300


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outcome(*, ok: bool, last: bool) -> str:
    """A delivery's status after an attempt: delivered, retrying, or dead (it was the last)."""
    if ok:
        return "delivered"
    return "dead" if last else "retrying"
