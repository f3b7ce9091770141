"""WhatsApp transport: the webhook Meta verifies and posts events to, and the agents' reply
window and template endpoints."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.exc import IntegrityError

from frontdesk.auth.dependencies import CurrentPrincipal
from frontdesk.channels import service
from frontdesk.channels.base import DeliveryStatusUpdate, InboundMessage
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.channels.whatsapp import rules
from frontdesk.channels.whatsapp import service as whatsapp
from frontdesk.channels.whatsapp.schemas import ReplyWindowOut, TemplateSend
from frontdesk.conversations.api import limits_of
from frontdesk.conversations.schemas import PostedMessage
from frontdesk.core.context import Ctx
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import (
    Forbidden,
    NotFound,
    Problem,
    TooLarge,
    Unauthorized,
    Unprocessable,
)
from frontdesk.core.security import constant_time_equals
from frontdesk.inboxes.service import ChannelInbox

log = logging.getLogger(__name__)

hooks = APIRouter(tags=["channel webhooks"])
agent = APIRouter(tags=["channels"])

# Meta batches events; a body is far below this.
MAX_EVENT_BYTES = 3 * 1024 * 1024


async def _inbox(request: Request, ctx: Ctx, public_id: str) -> ChannelInbox:
    cache: ChannelInboxCache = request.app.state.channel_inboxes
    inbox = await cache.lookup(ctx.db, public_id)
    if inbox is None or inbox.channel_type != "whatsapp":
        raise NotFound("no WhatsApp inbox at this address")
    return inbox


@hooks.get(
    "/whatsapp/{public_id}",
    summary="WhatsApp webhook verification",
    description="Meta calls this once when the webhook is set up: with hub.mode=subscribe and "
    "the inbox's verify token, the answer is hub.challenge as text; a wrong token is a 403.",
    response_class=PlainTextResponse,
)
async def verify_webhook(public_id: str, request: Request, ctx: Ctx) -> PlainTextResponse:
    inbox = await _inbox(request, ctx, public_id)
    query = request.query_params
    mode, token, challenge = (
        query.get("hub.mode"),
        query.get("hub.verify_token"),
        query.get("hub.challenge"),
    )
    if mode != "subscribe" or token is None or not challenge:
        raise Unprocessable(
            "a verification request has hub.mode=subscribe, hub.verify_token and hub.challenge"
        )
    expected = inbox.settings.get("verify_token")
    if not isinstance(expected, str) or not expected or not constant_time_equals(token, expected):
        raise Forbidden("wrong hub.verify_token")
    if len(challenge) > 200:
        raise Unprocessable("hub.challenge is too long")
    return PlainTextResponse(challenge)


@hooks.post(
    "/whatsapp/{public_id}",
    summary="WhatsApp webhook",
    description="Meta posts WhatsApp Business Account events here, signed with the app secret "
    f"in {rules.SIGNATURE_HEADER}: 401 without it, 403 when it does not match, and nothing is "
    "stored. Customer messages become messages, statuses update the desk's replies; every "
    "other event is answered 200 and skipped.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {"ok": True, "messages": 1, "statuses": 0, "skipped": 0}
                }
            }
        }
    },
)
async def whatsapp_webhook(public_id: str, request: Request, ctx: Ctx) -> Response:
    inbox = await _inbox(request, ctx, public_id)
    signature = request.headers.get(rules.SIGNATURE_HEADER)
    if not signature:
        raise Unauthorized(f"missing {rules.SIGNATURE_HEADER}")
    body = await _read_body(request, MAX_EVENT_BYTES)
    secret = inbox.settings.get("app_secret")
    if not isinstance(secret, str) or not secret:
        raise Forbidden("the inbox has no app secret to check signatures with")
    if not rules.signature_valid(body, signature, secret):
        raise Forbidden(f"wrong {rules.SIGNATURE_HEADER}")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem("the body is not JSON", title="Bad request") from exc
    number = inbox.settings.get("phone_number_id")
    try:
        parsed = rules.parse_payload(payload, phone_number_id=number if number else None)
    except rules.InvalidPayload as exc:
        raise Unprocessable(str(exc)) from exc
    limits = limits_of(ctx)
    stored = 0
    skipped = len(parsed.skipped)
    for item in parsed.skipped:
        log.info("whatsapp inbox %s: skipped %s: %s", inbox.id, item.kind, item.reason)
    for kind in parsed.unknown_kinds:
        log.warning("whatsapp inbox %s: a %r message, stored as a placeholder", inbox.id, kind)
    for inbound in parsed.messages:
        if await _receive(ctx, inbox, inbound, limits):
            stored += 1
        else:
            skipped += 1
    statuses = 0
    for update in parsed.statuses:
        if await _apply(ctx, inbox, update):
            statuses += 1
    answer = {"ok": True, "messages": stored, "statuses": statuses, "skipped": skipped}
    return Response(orjson.dumps(answer), media_type="application/json")


async def _receive(ctx: Ctx, inbox: ChannelInbox, inbound: InboundMessage, limits: Any) -> bool:
    def write(uow: UnitOfWork) -> service.Received:
        return service.receive_message(
            uow,
            inbox_id=inbox.id,
            workspace_id=inbox.workspace_id,
            inbound=inbound,
            limits=limits,
        )

    try:
        try:
            await ctx.db.write(write)
        except IntegrityError:
            # The same message (or this customer's first) committed by a concurrent request
            # (PostgreSQL): asked again, the service finds what that request stored.
            await ctx.db.write(write)
    except Problem as exc:
        # One message the desk cannot take never keeps the rest of the batch out.
        log.warning(
            "whatsapp inbox %s: message %s not stored: %s",
            inbox.id,
            inbound.external_id,
            exc.detail,
        )
        return False
    return True


async def _apply(ctx: Ctx, inbox: ChannelInbox, update: DeliveryStatusUpdate) -> bool:
    return await ctx.db.write(
        lambda uow: service.apply_status(
            uow, inbox_id=inbox.id, workspace_id=inbox.workspace_id, update=update
        )
    )


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"an event is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# ------------------------------------------------------------------ the agent's side
@agent.get(
    "/conversations/{conversation_id}/whatsapp",
    response_model=ReplyWindowOut,
    summary="WhatsApp reply window and templates",
)
async def reply_window(
    conversation_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> ReplyWindowOut:
    """Whether a free-form reply can be sent now (the customer wrote in the last 24 hours),
    until when, and the templates the inbox offers for when it cannot."""
    now = ctx.db.clock()
    return await ctx.db.read(
        lambda s: whatsapp.reply_window(
            s, principal=principal, conversation_id=conversation_id, now=now
        )
    )


@agent.post(
    "/conversations/{conversation_id}/whatsapp/templates",
    response_model=PostedMessage,
    status_code=201,
    summary="Send a WhatsApp template",
)
async def send_template(
    conversation_id: int, body: TemplateSend, ctx: Ctx, principal: CurrentPrincipal
) -> PostedMessage:
    """Send one of the inbox's templates with its parameters: allowed at any time (outside
    the 24-hour window it is the only way to write). The message is delivered like any
    reply (pending, then sent)."""
    limits = limits_of(ctx)
    return await ctx.db.write(
        lambda uow: whatsapp.send_template(
            uow, principal=principal, conversation_id=conversation_id, data=body, limits=limits
        )
    )
