"""Pure rules of the channel core: delivery status order, limits on what a channel brings in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

DELIVERY_STATUSES = ("pending", "sent", "delivered", "read", "failed")
_ORDER = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}
# When a transient failure is retried inside the same attempt instead of waiting for the
# outbox's backoff: a provider's short "retry after" is cheaper to honour than to re-queue.
MAX_INLINE_RETRY_AFTER_SECONDS = 5.0


def status_advances(current: str | None, new: str) -> bool:
    """Whether a provider's status report changes the message: statuses only move forward
    (reports arrive out of order: "delivered" after "read" changes nothing); "failed" counts
    until the customer has the message, and a later success report beats a failure."""
    if new not in DELIVERY_STATUSES or new == current:
        return False
    if new == "failed":
        return current not in ("delivered", "read")
    if current == "failed":
        return True
    return _ORDER[new] > _ORDER.get(current or "", -1)


def clipped(text: str, limit: int) -> str:
    """Text a channel brings in is cut to the desk's message limit rather than refused: the
    customer already sent it, and refusing would only make the provider retry forever."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


@dataclass(frozen=True)
class PendingFile:
    """A file of an incoming message still to be downloaded from the provider."""

    file_name: str
    content_type: str
    fetch: str
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "content_type": self.content_type,
            "fetch": self.fetch,
            "size": self.size,
        }

    @classmethod
    def from_json(cls, data: Any) -> PendingFile | None:
        if not isinstance(data, dict) or not isinstance(data.get("fetch"), str):
            return None
        size = data.get("size")
        return cls(
            file_name=str(data.get("file_name") or "file"),
            content_type=str(data.get("content_type") or "application/octet-stream"),
            fetch=data["fetch"],
            size=size if isinstance(size, int) else None,
        )


def sent_at_attribute(sent_at: datetime | None) -> dict[str, Any]:
    return {"sent_at": sent_at.isoformat()} if sent_at is not None else {}
