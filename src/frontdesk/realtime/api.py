"""The agent websocket: `/api/v1/ws`, events as `{"type": ..., "data": ...}` JSON."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from frontdesk.auth.dependencies import SESSION_COOKIE, authenticate_connection
from frontdesk.core.context import context_of
from frontdesk.core.errors import Problem
from frontdesk.presence.hints import HintRelay, TooManyFrames, error_frame
from frontdesk.presence.tracker import PresenceTracker
from frontdesk.realtime.hub import Hub

router = APIRouter(tags=["realtime"])
log = logging.getLogger(__name__)


def _origin_allowed(websocket: WebSocket, base_url: str) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser
    host = urlsplit(origin).netloc
    return host in (websocket.headers.get("host"), urlsplit(base_url).netloc)


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    # Closed after the handshake: closing before it is a bare HTTP 403 to the client, and a
    # browser cannot tell "log in again" (4401) from "wrong origin" (4403).
    await websocket.accept()
    await websocket.close(code=code, reason=reason[:120])


@router.websocket("/ws")
async def agent_socket(websocket: WebSocket) -> None:
    ctx = context_of(websocket)
    hub: Hub = websocket.app.state.hub
    try:
        principal = await authenticate_connection(websocket, ctx)
    except Problem as exc:
        await _refuse(websocket, 4401, exc.detail)
        return
    uses_cookie = "token" not in websocket.query_params and SESSION_COOKIE in websocket.cookies
    if uses_cookie and not _origin_allowed(websocket, ctx.settings.base_url):
        # A cookie rides along from any site; only our own pages may open the socket.
        await _refuse(websocket, 4403, "origin not allowed")
        return
    await websocket.accept()
    connection = await hub.connect(principal)
    metrics = websocket.app.state.metrics
    metrics.open_websockets.inc()

    # Everything goes out through the one queue, so frames never interleave and "ready"
    # is first: events committed after it are guaranteed to follow.
    connection.queue.put_nowait(
        orjson.dumps(
            {"type": "ready", "data": {"user_id": principal.user_id, "role": principal.role.value}}
        )
    )

    async def sender() -> None:
        while True:
            payload = await connection.queue.get()
            if payload is None:
                await websocket.close(code=connection.close_code, reason=connection.close_reason)
                return
            await websocket.send_text(payload.decode())

    send_task = asyncio.create_task(sender())
    presence: PresenceTracker = websocket.app.state.presence
    presence.connected(principal)
    # What the client sends: pings and collision hints. A bad frame is answered with an
    # error frame; the socket stays open.
    relay = HintRelay(principal=principal, db=ctx.db, bus=ctx.bus, clock=ctx.db.clock)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                try:
                    text = (message.get("bytes") or b"").decode()
                except UnicodeDecodeError:
                    text = ""
            try:
                answer = await relay.receive(text)
            except TooManyFrames:
                raise
            except Exception:  # the database went away, say: not the client's fault
                log.exception("could not handle a websocket frame")
                answer = error_frame("unavailable", "could not handle the frame; try again")
            if answer is not None:
                connection.push(answer)
    except TooManyFrames:
        with contextlib.suppress(Exception):
            await websocket.close(code=1008, reason="too many frames")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.disconnect(connection)
        presence.disconnected(principal)
        metrics.open_websockets.dec()
        send_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await send_task
        with contextlib.suppress(Exception):
            await relay.closed()
