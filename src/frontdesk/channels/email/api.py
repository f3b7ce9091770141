"""E-mail transport: connecting a mailbox (IMAP/SMTP) to an inbox, testing the connection,
reading the mailbox now, and where its reading stands. Admins only."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.channels.email import imap, repository, service
from frontdesk.channels.email.client import check_smtp
from frontdesk.channels.email.schemas import (
    CheckResult,
    ConnectionCheck,
    EmailSettings,
    EmailSettingsError,
    Security,
    email_settings,
)
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Unprocessable
from frontdesk.core.schemas import InputModel, OutputModel
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.service import ChannelInbox

admin = APIRouter(tags=["channels"])


class EmailConnect(InputModel):
    """The mailbox of an e-mail inbox. Passwords are write-only: GET /inboxes shows "set"."""

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    from_name: str = Field(default="", max_length=200)
    imap_host: str = Field(min_length=1, max_length=255)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_security: Security = Security.ssl
    imap_username: str = Field(min_length=1, max_length=320)
    imap_password: str = Field(min_length=1, max_length=1000)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=255)
    poll_seconds: int = Field(default=60, ge=5, le=86_400)
    smtp_host: str = Field(min_length=1, max_length=255)
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_security: Security = Security.ssl
    smtp_username: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", max_length=1000)
    # Log in to both servers before saving (the default): a typo is refused, not stored.
    check: bool = True


class EmailStatus(OutputModel):
    connected: bool
    email: str | None = None
    folder: str | None = None
    uidvalidity: int | None = None
    last_uid: int | None = None
    last_polled_at: datetime | None = None
    # Why the last look into the mailbox failed; None when it worked.
    last_error: str | None = None
    failures: int = 0


class PollScheduled(OutputModel):
    scheduled: bool


async def _email_inbox(ctx: AppContext, workspace_id: int, inbox_id: int) -> ChannelInbox:
    inbox = await ctx.db.read(
        lambda s: inboxes.channel_inbox_by_id(s, workspace_id=workspace_id, inbox_id=inbox_id)
    )
    if inbox.channel_type != "email":
        raise Unprocessable(f"inbox {inbox_id} is a {inbox.channel_type} inbox, not email")
    return inbox


async def _check(config: EmailSettings, seconds: float) -> ConnectionCheck:
    async def check_imap() -> CheckResult:
        if not config.reads_mail:
            return CheckResult(ok=False, detail="no IMAP server set")
        try:
            detail = await asyncio.to_thread(imap.check, config, timeout=seconds)
        except imap.ImapError as exc:
            return CheckResult(ok=False, detail=str(exc))
        return CheckResult(ok=True, detail=detail)

    async def check_outgoing() -> CheckResult:
        if not config.sends_mail:
            return CheckResult(ok=False, detail="no SMTP server set")
        try:
            detail = await check_smtp(config, timeout_seconds=seconds)
        except Exception as exc:  # aiosmtplib's and the socket's errors alike: say what failed
            return CheckResult(ok=False, detail=f"{type(exc).__name__}: {exc}")
        return CheckResult(ok=True, detail=detail)

    imap_result, smtp_result = await asyncio.gather(check_imap(), check_outgoing())
    return ConnectionCheck(imap=imap_result, smtp=smtp_result)


def _status(inbox: ChannelInbox, session: Any) -> EmailStatus:
    mailbox = repository.mailbox(session, inbox_id=inbox.id)
    connected = bool(inbox.settings.get("imap_host")) and mailbox is not None
    return EmailStatus(
        connected=connected,
        email=inbox.settings.get("email"),
        folder=mailbox.folder if mailbox else inbox.settings.get("imap_folder"),
        uidvalidity=mailbox.uidvalidity if mailbox else None,
        last_uid=mailbox.last_uid if mailbox else None,
        last_polled_at=mailbox.last_polled_at if mailbox else None,
        last_error=mailbox.last_error if mailbox else None,
        failures=mailbox.failures if mailbox else 0,
    )


@admin.post("/inboxes/{inbox_id}/email/connect", response_model=EmailStatus)
async def connect_email(
    inbox_id: int, body: EmailConnect, ctx: Ctx, principal: AdminPrincipal
) -> EmailStatus:
    """Keep the mailbox's IMAP and SMTP settings in the inbox (after logging in to both,
    unless `check` is false) and start reading it: the first look is right away, then every
    `poll_seconds`."""
    inbox = await _email_inbox(ctx, principal.workspace_id, inbox_id)
    changes = body.model_dump(mode="json", exclude={"check"})
    config = EmailSettings.model_validate(changes)
    if body.check:
        result = await _check(config, min(ctx.settings.channel_timeout_seconds, 15.0))
        failed = [
            f"{name}: {r.detail}"
            for name, r in (("IMAP", result.imap), ("SMTP", result.smtp))
            if not r.ok
        ]
        if failed:
            raise Unprocessable("could not connect the mailbox: " + "; ".join(failed))

    def write(uow: UnitOfWork) -> EmailStatus:
        inboxes.update_channel_settings(
            uow,
            workspace_id=principal.workspace_id,
            inbox_id=inbox.id,
            changes=changes,
            principal=principal,
        )
        service.mailbox_position(
            uow, inbox_id=inbox.id, workspace_id=principal.workspace_id, folder=config.imap_folder
        )
        service.schedule_poll(uow, workspace_id=principal.workspace_id, inbox_id=inbox.id)
        updated = inboxes.channel_inbox_by_id(
            uow.session, workspace_id=principal.workspace_id, inbox_id=inbox.id
        )
        return _status(updated, uow.session)

    return await ctx.db.write(write)


@admin.get("/inboxes/{inbox_id}/email", response_model=EmailStatus)
async def email_status(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> EmailStatus:
    """Where reading the mailbox stands: the last UID stored, when, and the last error."""
    inbox = await _email_inbox(ctx, principal.workspace_id, inbox_id)
    return await ctx.db.read(lambda s: _status(inbox, s))


@admin.post("/inboxes/{inbox_id}/email/check", response_model=ConnectionCheck)
async def check_email(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> ConnectionCheck:
    """Log in to the inbox's IMAP and SMTP servers with its stored settings (nothing is sent
    or changed) and say what worked."""
    inbox = await _email_inbox(ctx, principal.workspace_id, inbox_id)
    try:
        config = email_settings(inbox.settings)
    except EmailSettingsError as exc:
        raise Unprocessable(str(exc)) from exc
    return await _check(config, min(ctx.settings.channel_timeout_seconds, 15.0))


@admin.post("/inboxes/{inbox_id}/email/poll", response_model=PollScheduled, status_code=202)
async def poll_email(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> PollScheduled:
    """Look into the mailbox now instead of at the next regular time."""
    inbox = await _email_inbox(ctx, principal.workspace_id, inbox_id)
    if not inbox.settings.get("imap_host"):
        raise Unprocessable("the inbox has no IMAP server: connect its mailbox first")

    def write(uow: UnitOfWork) -> bool:
        service.mailbox_position(
            uow,
            inbox_id=inbox.id,
            workspace_id=principal.workspace_id,
            folder=str(inbox.settings.get("imap_folder") or "INBOX"),
        )
        return service.schedule_poll(uow, workspace_id=principal.workspace_id, inbox_id=inbox.id)

    return PollScheduled(scheduled=await ctx.db.write(write))
