"""An e-mail inbox's settings (kept in `inboxes.settings`) and what the e-mail endpoints answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdesk.core.schemas import OutputModel


class Security(StrEnum):
    ssl = "ssl"  # TLS from the first byte (IMAPS 993, SMTPS 465)
    starttls = "starttls"  # plain, then upgraded (IMAP 143, submission 587)
    none = "none"  # plain text: only for a server on the same machine or in tests


class EmailSettings(BaseModel):
    """How an e-mail inbox reads (IMAP) and sends (SMTP) its mail.

    `email` is the inbox's address: customers write to it and replies come from it (with a
    reply token in a plus address: support+c42.1a2b…@shop.example)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    from_name: str = Field(default="", max_length=200)
    imap_host: str = Field(default="", max_length=255)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_security: Security = Security.ssl
    imap_username: str = Field(default="", max_length=320)
    imap_password: str = Field(default="", max_length=1000)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=255)
    # Seconds between two looks into the mailbox.
    poll_seconds: int = Field(default=60, ge=5, le=86_400)
    smtp_host: str = Field(default="", max_length=255)
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_security: Security = Security.ssl
    smtp_username: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", max_length=1000)

    @property
    def reads_mail(self) -> bool:
        return bool(self.imap_host)

    @property
    def sends_mail(self) -> bool:
        return bool(self.smtp_host)

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()


class EmailSettingsError(ValueError):
    """The inbox's settings do not describe a usable mailbox; the message says what is wrong."""


def email_settings(settings: dict[str, Any]) -> EmailSettings:
    try:
        return EmailSettings.model_validate(settings)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise EmailSettingsError(f"the e-mail inbox's settings are incomplete: {problems}") from exc


class CheckResult(OutputModel):
    ok: bool
    detail: str


class ConnectionCheck(OutputModel):
    """What testing an inbox's IMAP and SMTP connections found."""

    imap: CheckResult
    smtp: CheckResult


class MailboxOut(OutputModel):
    inbox_id: int
    folder: str
    uidvalidity: int | None
    last_uid: int
    last_polled_at: str | None
    last_error: str | None
    failures: int = 0
