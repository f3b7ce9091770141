"""Collision hints: "Anna is viewing", "Anna is typing".

What an agent's app sends over its websocket is read here, one socket at a time: the frame is
checked (JSON, a known type, sane fields, within the socket's budget), the sender must be
allowed to see the conversation, and the hint goes out as an *ephemeral* event: published on
the bus (so it reaches the other processes) but never stored in the events table nor replayed.
Its audience is the conversation's (as for its messages), without the sender.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from frontdesk.core.bus import Bus
from frontdesk.core.clock import Clock, utcnow
from frontdesk.core.db import Database
from frontdesk.core.errors import Problem
from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal
from frontdesk.presence import service
from frontdesk.presence.rules import FrameBudget
from frontdesk.presence.schemas import (
    FRAME_TYPES,
    ClientFrame,
    LeftFrame,
    PingFrame,
    TypingFrame,
    ViewingFrame,
)

MAX_FRAME_CHARS = 4096
# A conversation found visible is trusted this long before it is looked up again.
RECHECK_SECONDS = 60.0
# A client that keeps sending past its budget this many times in a row is cut off.
MAX_REFUSED_IN_A_ROW = 200
HINT_TYPES = frozenset({"conversation.viewing", "conversation.left", "conversation.typing"})
PONG = b'{"type":"pong","data":{}}'
_frames: TypeAdapter[Any] = TypeAdapter(ClientFrame)


class TooManyFrames(Exception):
    """The client ignores its budget: close the socket (1008)."""


def error_frame(code: str, detail: str, **extra: Any) -> bytes:
    return orjson.dumps({"type": "error", "data": {"code": code, "detail": detail, **extra}})


class HintRelay:
    """One websocket's incoming frames."""

    def __init__(
        self,
        *,
        principal: Principal,
        db: Database,
        bus: Bus,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        budget: FrameBudget | None = None,
    ) -> None:
        self.principal = principal
        self.db = db
        self.bus = bus
        self.clock = clock
        self.monotonic = monotonic
        self.budget = budget or FrameBudget()
        self.viewing: tuple[int, int] | None = None  # (conversation id, inbox id)
        self._visible: dict[int, tuple[int, float]] = {}  # conversation -> (inbox, checked)
        self._refused = 0

    async def receive(self, text: str) -> bytes | None:
        """Handle one frame; the frame to answer with (a pong or an error), if any."""
        if not self.budget.take(self.monotonic()):
            self._refused += 1
            if self._refused >= MAX_REFUSED_IN_A_ROW:
                raise TooManyFrames
            return error_frame("rate_limited", "too many frames; this one was dropped (send fewer)")
        self._refused = 0
        if len(text) > MAX_FRAME_CHARS:
            return error_frame(
                "too_large", f"a frame may have at most {MAX_FRAME_CHARS} characters"
            )
        try:
            raw = orjson.loads(text)
        except orjson.JSONDecodeError:
            return error_frame("bad_frame", "the frame is not JSON")
        if not isinstance(raw, dict):
            return error_frame("bad_frame", "a frame is a JSON object with a 'type'")
        kind = raw.get("type")
        if kind not in FRAME_TYPES:
            return error_frame(
                "unknown_type",
                f"unknown frame type {str(kind)[:64]!r}; known: {', '.join(FRAME_TYPES)}",
            )
        try:
            frame = _frames.validate_python(raw)
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'][1:]) or 'frame'}: {e['msg']}"
                for e in exc.errors()
            )
            return error_frame("bad_frame", where, frame_type=kind)
        if isinstance(frame, PingFrame):
            return PONG
        try:
            inbox_id = await self._inbox_of(frame.conversation_id)
        except Problem as exc:
            return error_frame(
                "not_found", exc.detail, frame_type=kind, conversation_id=frame.conversation_id
            )
        if isinstance(frame, ViewingFrame):
            if self.viewing is not None and self.viewing[0] != frame.conversation_id:
                await self._relay("conversation.left", *self.viewing)
            self.viewing = (frame.conversation_id, inbox_id)
            await self._relay("conversation.viewing", frame.conversation_id, inbox_id)
        elif isinstance(frame, LeftFrame):
            if self.viewing is not None and self.viewing[0] == frame.conversation_id:
                self.viewing = None
                await self._relay("conversation.left", frame.conversation_id, inbox_id)
        elif isinstance(frame, TypingFrame):
            await self._relay(
                "conversation.typing", frame.conversation_id, inbox_id, private=frame.private
            )
        return None

    async def closed(self) -> None:
        """The socket went away: whoever saw its "viewing" hint hears that it left."""
        if self.viewing is not None:
            viewing, self.viewing = self.viewing, None
            await self._relay("conversation.left", *viewing)

    async def _inbox_of(self, conversation_id: int) -> int:
        now = self.monotonic()
        known = self._visible.get(conversation_id)
        if known is not None and now - known[1] < RECHECK_SECONDS:
            return known[0]
        inbox_id = await self.db.read(
            lambda s: service.conversation_inbox(
                s, principal=self.principal, conversation_id=conversation_id
            )
        )
        if len(self._visible) > 256:
            self._visible.clear()
        self._visible[conversation_id] = (inbox_id, now)
        return inbox_id

    async def _relay(self, kind: str, conversation_id: int, inbox_id: int, **extra: Any) -> None:
        user_id = self.principal.user_id
        await self.bus.publish(
            [
                DomainEvent(
                    type=kind,
                    workspace_id=self.principal.workspace_id,
                    inbox_id=inbox_id,
                    conversation_id=conversation_id,
                    actor_user_id=user_id,
                    created_at=self.clock(),
                    data={"user_id": user_id, "conversation_id": conversation_id, **extra},
                )
            ]
        )
