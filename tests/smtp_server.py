"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port.

Use the `smtp_server` fixture (import it into a conftest.py, or `from tests.smtp_server import
smtp_server` in a test module). Received mail is parsed into `email.message.EmailMessage`
objects in `smtp_server.messages`; `await smtp_server.wait_for(n)` polls until n arrived.
The server can be stopped and started again on the same port to test delivery retries, and
told to refuse recipients to test permanent failures.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


@dataclass(frozen=True)
class Envelope:
    """What the SMTP transaction said, beside the message headers."""

    mail_from: str
    rcpt_tos: tuple[str, ...]


@dataclass
class _Handler:
    """aiosmtpd handler: runs on the server's own thread and event loop."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # the names aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append(Envelope(envelope.mail_from, tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        self._handler = _Handler()
        self._controller: Controller | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SMTPServer:
        if self._controller is None:
            controller = Controller(self._handler, hostname=self.host, port=self.port)
            deadline = time.monotonic() + 5
            while True:
                try:
                    controller.start()
                    break
                except OSError:
                    # The port of a just-stopped server can take a moment to be free again.
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until `start()` (same port)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # -- what arrived ------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def envelopes(self) -> list[Envelope]:
        with self._handler.lock:
            return list(self._handler.envelopes)

    def refuse(self, *addresses: str) -> None:
        """Answer 550 to RCPT TO for these addresses (a mailbox that does not exist)."""
        self._handler.refused.update(a.lower() for a in addresses)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.messages.clear()
            self._handler.envelopes.clear()

    async def wait_for(self, count: int, *, within: float = 10.0) -> list[EmailMessage]:
        """Wait (without blocking the event loop) until `count` messages arrived."""
        deadline = time.monotonic() + within
        while True:
            received = self.messages
            if len(received) >= count:
                return received
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} e-mails within {within}s, got {len(received)}: "
                    f"{[m['Subject'] for m in received]}"
                )
            await asyncio.sleep(0.01)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer().start()
    try:
        yield server
    finally:
        server.stop()
