"""A live server with a seeded desk, an HTTP client for it, and agent websockets."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Actor, Desk, LiveServer, seed_desk

Frame = dict[str, Any]


@dataclass
class Live:
    app: Any
    server: LiveServer
    desk: Desk

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/api/v1/ws"


@pytest.fixture
def live(live_app: tuple[Any, LiveServer]) -> Live:
    application, server = live_app
    # Seeded through the live app's own database, so its hub hears what the HTTP calls do.
    return Live(app=application, server=server, desk=seed_desk(application.state.ctx.db))


@pytest.fixture
async def http(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.server.url, trust_env=False, timeout=10) as c:
        yield c


@dataclass
class Socket:
    """An agent websocket, read frame by frame with timeouts."""

    ws: ClientConnection
    name: str
    seen: list[Frame] = field(default_factory=list)

    async def next(self, within: float = 5.0) -> Frame:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), within)
        except TimeoutError:
            raise AssertionError(f"{self.name}: no frame within {within}s") from None
        frame: Frame = orjson.loads(raw)
        self.seen.append(frame)
        return frame

    async def until(
        self, match: Callable[[Frame], bool], *, within: float = 5.0
    ) -> tuple[Frame, list[Frame]]:
        """Read up to the first frame that matches; return it and the frames skipped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        skipped: list[Frame] = []
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.name}: no matching frame in {within}s; got {_types(skipped)}"
                )
            frame = await self.next(remaining)
            if match(frame):
                return frame, skipped
            skipped.append(frame)

    async def next_of(self, event_type: str, *, within: float = 5.0) -> Frame:
        frame, _ = await self.until(lambda f: f["type"] == event_type, within=within)
        return frame

    async def close_code(self, within: float = 5.0) -> int | None:
        """Wait for the server to close the socket; the close code it sent."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), within)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def _types(frames: list[Frame]) -> list[str]:
    return [f["type"] for f in frames]


OpenSocket = Callable[..., Awaitable[Socket]]


@pytest.fixture
async def open_socket(live: Live) -> AsyncIterator[OpenSocket]:
    """`await open_socket(actor)`: a websocket whose "ready" frame has been read."""
    opened: list[ClientConnection] = []

    async def _open(
        actor: Actor | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
        wait_ready: bool = True,
        name: str | None = None,
    ) -> Socket:
        url = live.ws_url
        if actor is not None:
            token = actor.token
        if token is not None:
            url += f"?token={token}"
        ws = await connect(
            url,
            additional_headers=headers,
            origin=origin,  # type: ignore[arg-type]
            proxy=None,
            open_timeout=5,
        )
        opened.append(ws)
        socket = Socket(ws, name or (actor.email if actor else "anonymous"))
        if wait_ready:
            ready = await socket.next()
            assert ready["type"] == "ready", ready
            socket.seen.clear()
        return socket

    yield _open
    for ws in opened:
        await ws.close()


async def barrier(http: httpx.AsyncClient, actor: Actor) -> None:
    """An event every socket of the actor's workspace receives, to mark "everything before
    this has been delivered": what a socket skipped before it is all it got."""
    r = await http.put(
        "/api/v1/profile/availability", headers=actor.headers, json={"availability": "online"}
    )
    assert r.status_code == 200, r.text


def is_barrier(actor: Actor) -> Callable[[Frame], bool]:
    return lambda f: f["type"] == "user.availability_changed" and f["data"]["user_id"] == actor.id


async def open_websockets(http: httpx.AsyncClient) -> int:
    text = (await http.get("/metrics")).text
    match = re.search(r"^frontdesk_open_websockets (\S+)$", text, re.M)
    assert match, text
    return int(float(match.group(1)))


async def second_workspace(live: Live) -> Desk:
    return seed_desk(live.app.state.ctx.db, slug="globex")
