"""Telegram transport: the webhook Telegram posts updates to, and connecting a bot to an inbox."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

import httpx
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.channels import service
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.channels.telegram import rules
from frontdesk.channels.telegram.client import BotApi, TelegramApiError
from frontdesk.conversations.api import limits_of
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import (
    Forbidden,
    NotFound,
    Problem,
    TooLarge,
    Unauthorized,
    Unprocessable,
)
from frontdesk.core.schemas import InputModel, OutputModel
from frontdesk.core.security import constant_time_equals
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.schemas import InboxOut
from frontdesk.inboxes.service import ChannelInbox

hooks = APIRouter(tags=["channel webhooks"])
admin = APIRouter(tags=["channels"])

MAX_UPDATE_BYTES = 1024 * 1024
_OK = b'{"ok":true}'


@hooks.post(
    "/telegram/{public_id}",
    summary="Telegram webhook",
    description="Telegram posts Update objects here (setWebhook is called by "
    "POST /api/v1/inboxes/{id}/telegram/connect). The X-Telegram-Bot-Api-Secret-Token header "
    "must carry the inbox's secret: 401 without it, 403 when wrong, and nothing is stored.",
    responses={200: {"content": {"application/json": {"example": {"ok": True}}}}},
)
async def telegram_webhook(public_id: str, request: Request, ctx: Ctx) -> Response:
    cache: ChannelInboxCache = request.app.state.channel_inboxes
    inbox = await cache.lookup(ctx.db, public_id)
    if inbox is None or inbox.channel_type != "telegram":
        raise NotFound("no Telegram inbox at this address")
    sent = request.headers.get(rules.SECRET_HEADER)
    if not sent:
        raise Unauthorized(f"missing {rules.SECRET_HEADER}")
    secret = inbox.settings.get("webhook_secret")
    if not isinstance(secret, str) or not secret or not constant_time_equals(sent, secret):
        raise Forbidden(f"wrong {rules.SECRET_HEADER}")
    body = await _read_body(request, MAX_UPDATE_BYTES)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem("the body is not JSON", title="Bad request") from exc
    try:
        parsed = rules.parse_update(payload)
    except rules.InvalidUpdate as exc:
        raise Unprocessable(str(exc)) from exc
    inbound = parsed.message
    if inbound is not None:
        limits = limits_of(ctx)

        def write(uow: UnitOfWork) -> service.Received:
            assert inbound is not None
            return service.receive_message(
                uow,
                inbox_id=inbox.id,
                workspace_id=inbox.workspace_id,
                inbound=inbound,
                limits=limits,
            )

        try:
            await ctx.db.write(write)
        except IntegrityError:
            # The same update (or this customer's first) committed by a concurrent request
            # (PostgreSQL): asked again, the service finds what that request stored.
            await ctx.db.write(write)
    return Response(_OK, media_type="application/json")


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"an update is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# ------------------------------------------------------------------------- connecting a bot
class TelegramConnect(InputModel):
    bot_token: str = Field(
        min_length=20,
        max_length=100,
        pattern=r"^[0-9]+:[A-Za-z0-9_-]+$",
        description="the token @BotFather gave, like 123456:ABC-DEF...",
    )


class TelegramStatus(OutputModel):
    connected: bool
    bot_username: str | None = None
    bot_name: str | None = None
    webhook_url: str | None = None
    # From Telegram's getWebhookInfo, when connected.
    pending_update_count: int | None = None
    last_error_message: str | None = None
    last_error_at: int | None = None


def _api(ctx: AppContext, http: httpx.AsyncClient, token: str) -> BotApi:
    return BotApi(
        http,
        base_url=ctx.settings.telegram_api_url,
        token=token,
        timeout=ctx.settings.channel_timeout_seconds,
    )


def _refusal(exc: TelegramApiError, doing: str) -> Problem:
    failure = exc.failure
    if failure.transient:
        return Problem(
            f"could not {doing}: {failure.reason}; try again", status=502, title="Bad gateway"
        )
    return Unprocessable(f"could not {doing}: {failure.reason}")


async def _telegram_inbox(ctx: AppContext, workspace_id: int, inbox_id: int) -> ChannelInbox:
    inbox = await ctx.db.read(
        lambda s: inboxes.channel_inbox_by_id(s, workspace_id=workspace_id, inbox_id=inbox_id)
    )
    if inbox.channel_type != "telegram":
        raise Unprocessable(f"inbox {inbox_id} is a {inbox.channel_type} inbox, not telegram")
    return inbox


@admin.post("/inboxes/{inbox_id}/telegram/connect", response_model=InboxOut)
async def connect_telegram(
    inbox_id: int, body: TelegramConnect, ctx: Ctx, principal: AdminPrincipal
) -> InboxOut:
    """Check the bot token (getMe), point the bot's webhook at this inbox with a new secret
    (setWebhook), and keep both in the inbox's settings (write-only)."""
    inbox = await _telegram_inbox(ctx, principal.workspace_id, inbox_id)
    secret = secrets.token_urlsafe(32)
    url = rules.webhook_url(ctx.settings.base_url, inbox.public_id)
    async with httpx.AsyncClient() as http:
        api = _api(ctx, http, body.bot_token)
        try:
            me = await api.call("getMe")
        except TelegramApiError as exc:
            raise _refusal(exc, "check the bot token") from exc
        try:
            await api.call(
                "setWebhook",
                json={
                    "url": url,
                    "secret_token": secret,
                    "allowed_updates": list(rules.ALLOWED_UPDATES),
                },
            )
        except TelegramApiError as exc:
            raise _refusal(exc, f"set the webhook to {url}") from exc
    bot = me if isinstance(me, dict) else {}
    changes = {
        "bot_token": body.bot_token,
        "webhook_secret": secret,
        "webhook_url": url,
        "bot_id": bot.get("id"),
        "bot_username": bot.get("username"),
        "bot_name": bot.get("first_name"),
    }
    return await ctx.db.write(
        lambda uow: inboxes.update_channel_settings(
            uow,
            workspace_id=principal.workspace_id,
            inbox_id=inbox_id,
            changes=changes,
            principal=principal,
        )
    )


@admin.get("/inboxes/{inbox_id}/telegram", response_model=TelegramStatus)
async def telegram_status(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> TelegramStatus:
    """Whether a bot is connected, and what Telegram says of the webhook (undelivered updates,
    its last error)."""
    inbox = await _telegram_inbox(ctx, principal.workspace_id, inbox_id)
    token = inbox.settings.get("bot_token")
    status = TelegramStatus(
        connected=bool(token and inbox.settings.get("webhook_secret")),
        bot_username=inbox.settings.get("bot_username"),
        bot_name=inbox.settings.get("bot_name"),
        webhook_url=inbox.settings.get("webhook_url"),
    )
    if not isinstance(token, str) or not token:
        return status
    async with httpx.AsyncClient() as http:
        try:
            info = await _api(ctx, http, token).call("getWebhookInfo")
        except TelegramApiError as exc:
            raise _refusal(exc, "ask Telegram about the webhook") from exc
    if isinstance(info, dict):
        status.pending_update_count = _int_or_none(info.get("pending_update_count"))
        message = info.get("last_error_message")
        status.last_error_message = message if isinstance(message, str) else None
        status.last_error_at = _int_or_none(info.get("last_error_date"))
    return status


@admin.delete("/inboxes/{inbox_id}/telegram/connect", response_model=InboxOut)
async def disconnect_telegram(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> InboxOut:
    """Remove the webhook at Telegram (best effort) and forget the bot token and secret."""
    inbox = await _telegram_inbox(ctx, principal.workspace_id, inbox_id)
    token = inbox.settings.get("bot_token")
    if isinstance(token, str) and token:
        async with httpx.AsyncClient() as http:
            # A revoked token or Telegram away: the desk forgets the bot all the same.
            with contextlib.suppress(TelegramApiError):
                await _api(ctx, http, token).call("deleteWebhook")
    return await ctx.db.write(
        lambda uow: inboxes.update_channel_settings(
            uow,
            workspace_id=principal.workspace_id,
            inbox_id=inbox_id,
            changes={"bot_token": None, "webhook_secret": None},
            principal=principal,
        )
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
