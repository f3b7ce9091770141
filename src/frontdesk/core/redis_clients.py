"""Closing Redis clients at shutdown."""

from __future__ import annotations

import logging

import redis.asyncio as aioredis

log = logging.getLogger(__name__)


async def close_client(client: aioredis.Redis, *, what: str) -> None:
    """Close a client whose pooled connections may have been opened on another event loop
    (an app driven from several loops, as test clients and schemathesis do): those cannot be
    closed from this loop and go with their own, so shutting down must not fail on them."""
    try:
        await client.aclose()
    except RuntimeError:
        log.debug("%s: Redis connections left to their event loop", what, exc_info=True)
