"""An app whose outbox worker mails through the real SMTP server of `tests/smtp_server.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from frontdesk.app import create_app
from frontdesk.settings import Settings
from tests.outbox.helpers import FakeClock
from tests.smtp_server import SMTPServer, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def run_worker() -> bool:
    """Parametrize a test with `run_worker=False` to drive the outbox by hand."""
    return True


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SMTPServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_from": "Frontdesk <desk@acme.example.com>",
            # Mail must go out because the commit wakes the worker, not because it polled.
            "outbox_poll_seconds": 30.0,
            "outbox_max_attempts": 3,
        }
    )


@pytest.fixture
async def app(mail_settings: Settings, clock: FakeClock, run_worker: bool) -> AsyncIterator[Any]:
    application = create_app(mail_settings, clock=clock, run_worker=run_worker)
    async with application.router.lifespan_context(application):
        yield application
