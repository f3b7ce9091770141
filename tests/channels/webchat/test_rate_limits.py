"""Rate limits per visitor and per IP address: 429 problem+json with Retry-After; counted in
Redis when the desk has it, so every process counts the same requests."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx
import pytest

from frontdesk.channels.webchat.rules import Limit
from frontdesk.channels.webchat.throttle import InProcessLimiter, RedisLimiter
from frontdesk.core.db import Database
from tests.api.conftest import count_rows, problem
from tests.channels.webchat.conftest import Visitor, WebchatInbox

REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL")


def tighten(app: Any, **limits: Limit) -> None:
    limiter = app.state.widget.limiter
    limiter.limits.update({k.replace("_", ":"): v for k, v in limits.items()})
    # The counters are per window of the clock: a test that straddled a window's end would see
    # its count start again. Its clock stands still, well inside one window.
    now = time.time()
    longest = max(limit.seconds for limit in limits.values())
    into = now % longest
    moment = now if into < longest - 15 else now - into + longest + 1
    limiter.clock = lambda: moment


async def test_a_visitor_writing_too_fast_is_slowed_down(
    client: httpx.AsyncClient, app: Any, db: Database, webchat: WebchatInbox, visitor: Visitor
) -> None:
    tighten(app, message_visitor=Limit(3, 60))
    for i in range(3):
        assert (await visitor.say(f"m{i}")).status_code == 201
    r = await visitor.say("one too many")
    body = problem(r, 429, "too many")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert body["status"] == 429
    assert count_rows(db, "messages") == 3
    # Another visitor (same address, more room) is not slowed down by this one.
    other = Visitor(client, webchat)
    await other.start()
    assert (await other.say("hello")).status_code == 201


async def test_one_address_opening_many_sessions_is_slowed_down(
    client: httpx.AsyncClient, app: Any, db: Database, webchat: WebchatInbox
) -> None:
    tighten(app, session_ip=Limit(5, 60))
    for _ in range(5):
        assert (await Visitor(client, webchat).start()).status_code == 200
    problem(await Visitor(client, webchat).start(), 429)
    assert count_rows(db, "webchat_visitors") == 5


async def test_every_request_of_an_address_counts(
    client: httpx.AsyncClient, app: Any, webchat: WebchatInbox
) -> None:
    tighten(app, request_ip=Limit(4, 60))
    codes = [
        (
            await client.get(
                f"{webchat.base}/config", headers={"Origin": "https://shop.example.com"}
            )
        ).status_code
        for _ in range(6)
    ]
    assert codes == [200, 200, 200, 200, 429, 429]


async def test_the_in_process_limiter_counts_per_window() -> None:
    now = [1000.0]
    limiter = InProcessLimiter({"x": Limit(2, 10)}, clock=lambda: now[0])
    assert await limiter.hit("x", "a") is None
    assert await limiter.hit("x", "a") is None
    assert await limiter.hit("x", "a") == pytest.approx(10.0)
    now[0] = 1010.0
    assert await limiter.hit("x", "a") is None


@pytest.mark.skipif(not REDIS_URL, reason="runs in the PostgreSQL + Redis pass")
async def test_processes_share_their_counts_in_redis() -> None:
    assert REDIS_URL is not None
    prefix = f"frontdesk:test:{uuid.uuid4().hex}"
    now = [1_000_000.0]
    one = RedisLimiter(REDIS_URL, prefix=prefix, limits={"x": Limit(3, 60)}, clock=lambda: now[0])
    two = RedisLimiter(REDIS_URL, prefix=prefix, limits={"x": Limit(3, 60)}, clock=lambda: now[0])
    try:
        assert await one.hit("x", "visitor") is None
        assert await two.hit("x", "visitor") is None
        assert await one.hit("x", "visitor") is None
        assert await two.hit("x", "visitor") == pytest.approx(20.0)
        assert await two.hit("x", "another") is None
        now[0] += 60
        assert await one.hit("x", "visitor") is None
    finally:
        await one.close()
        await two.close()


async def test_redis_away_lets_requests_through() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0", prefix="x", limits={"x": Limit(1, 60)})
    try:
        assert await limiter.hit("x", "a") is None
        assert await limiter.hit("x", "a") is None
    finally:
        await limiter.close()
