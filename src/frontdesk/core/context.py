"""What a request handler can reach: settings, database, bus, storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from frontdesk.core.bus import Bus
from frontdesk.core.db import Database
from frontdesk.core.storage import Storage
from frontdesk.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    bus: Bus
    storage: Storage


def context_of(connection: HTTPConnection) -> AppContext:
    ctx: AppContext = connection.app.state.ctx
    return ctx


async def get_context(connection: HTTPConnection) -> AppContext:
    # async on purpose: FastAPI runs plain-def dependencies in a thread pool.
    return context_of(connection)


Ctx = Annotated[AppContext, Depends(get_context)]
__all__ = ["AppContext", "Ctx", "Request", "context_of", "get_context"]
