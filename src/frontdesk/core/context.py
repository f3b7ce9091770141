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


def get_context(connection: HTTPConnection) -> AppContext:
    ctx: AppContext = connection.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_context)]
__all__ = ["AppContext", "Ctx", "Request", "get_context"]
