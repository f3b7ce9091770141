"""VK transport: the Callback API webhook a community posts its events to."""

from __future__ import annotations

import logging

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import IntegrityError

from frontdesk.channels import service
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.channels.vk import rules
from frontdesk.channels.vk import service as vk
from frontdesk.conversations.api import limits_of
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

log = logging.getLogger(__name__)

hooks = APIRouter(tags=["channel webhooks"])

MAX_EVENT_BYTES = 1024 * 1024


@hooks.post(
    "/vk/{public_id}",
    summary="VK Callback API",
    description="A VK community posts its events here. `confirmation` is answered with the "
    "inbox's confirmation code; every other event must carry the inbox's `secret` (401 "
    "without it, 403 when wrong, nothing stored) and is answered `ok`. message_new becomes a "
    "message (its attachments files or placeholders), message_edit edits it, message_read "
    "marks the desk's replies read; other events are skipped.",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"example": "ok"}}}},
)
async def vk_callback(public_id: str, request: Request, ctx: Ctx) -> PlainTextResponse:
    cache: ChannelInboxCache = request.app.state.channel_inboxes
    inbox = await cache.lookup(ctx.db, public_id)
    if inbox is None or inbox.channel_type != "vk":
        raise NotFound("no VK inbox at this address")
    body = await _read_body(request, MAX_EVENT_BYTES)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem("the body is not JSON", title="Bad request") from exc
    try:
        event = rules.parse_event(payload)
    except rules.InvalidEvent as exc:
        raise Unprocessable(str(exc)) from exc
    settings = inbox.settings
    group_id = settings.get("group_id")
    if isinstance(group_id, int) and event.group_id is not None and event.group_id != group_id:
        raise Forbidden(f"this inbox is connected to the VK community {group_id}")
    secret = settings.get("secret")
    if event.type == "confirmation":
        # VK asks once, when the address is added; it sends the secret if one is set.
        if event.secret is not None and not _same(event.secret, secret):
            raise Forbidden("wrong secret")
        code = settings.get("confirmation_code")
        if not isinstance(code, str) or not code:
            raise Forbidden("the inbox has no confirmation code set")
        return PlainTextResponse(code)
    if event.secret is None:
        raise Unauthorized("the event carries no secret")
    if not _same(event.secret, secret):
        raise Forbidden("wrong secret")
    if event.message is not None:
        inbound = event.message
        limits = limits_of(ctx)

        def write(uow: UnitOfWork) -> service.Received:
            events_before = len(uow.events)
            received = service.receive_message(
                uow,
                inbox_id=inbox.id,
                workspace_id=inbox.workspace_id,
                inbound=inbound,
                limits=limits,
            )
            vk.ask_for_name(
                uow,
                workspace_id=inbox.workspace_id,
                inbox_id=inbox.id,
                events_before=events_before,
                inbound=inbound,
            )
            return received

        try:
            await ctx.db.write(write)
        except IntegrityError:
            # The same event (or this customer's first) committed by a concurrent request
            # (PostgreSQL): asked again, the service finds what that request stored.
            await ctx.db.write(write)
    elif event.status is not None:
        update = event.status
        await ctx.db.write(
            lambda uow: service.apply_status(
                uow, inbox_id=inbox.id, workspace_id=inbox.workspace_id, update=update
            )
        )
    else:
        log.info("vk inbox %s: skipped %s: %s", inbox.id, event.type, event.skipped)
    return PlainTextResponse(rules.OK)


def _same(sent: str, expected: object) -> bool:
    return isinstance(expected, str) and bool(expected) and constant_time_equals(sent, expected)


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"an event is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
