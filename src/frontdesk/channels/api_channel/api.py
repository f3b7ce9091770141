"""API channel transport: the integrator posts messages and delivery reports (Bearer: the
inbox's inbound token); an admin makes the secret that signs the replies sent to it."""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.channels.api_channel import service
from frontdesk.channels.api_channel.schemas import (
    MAX_ATTACHMENTS,
    InboundAccepted,
    InboundMessageIn,
    InboundOutcome,
    StatusesApplied,
    StatusesIn,
    WebhookSecretOut,
)
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.conversations.api import limits_of
from frontdesk.conversations.service import StoredFile
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Problem, TooLarge, Unauthorized, Unprocessable
from frontdesk.core.security import constant_time_equals
from frontdesk.inboxes.service import ChannelInbox

hooks = APIRouter(tags=["channel webhooks"])
admin = APIRouter(tags=["channels"])

MAX_JSON_BYTES = 1024 * 1024
_AUTH = (
    "Authorization: Bearer <the inbox's inbound token> (POST /api/v1/inboxes/{id}/channel/token "
    "makes one): 401 without it or when wrong, and nothing is stored."
)


async def _inbox(request: Request, ctx: AppContext, public_id: str) -> ChannelInbox:
    cache: ChannelInboxCache = request.app.state.channel_inboxes
    inbox = await cache.lookup(ctx.db, public_id)
    if inbox is None or inbox.channel_type != service.CHANNEL:
        raise NotFound("no API channel inbox at this address")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        raise Unauthorized("send the inbox's inbound token: 'Authorization: Bearer <token>'")
    token = inbox.settings.get("inbound_token")
    if not isinstance(token, str) or not token or not constant_time_equals(sent.strip(), token):
        raise Unauthorized("the inbound token is wrong, or was replaced by a newer one")
    return inbox


async def _read_json(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise TooLarge(f"a JSON body is at most {MAX_JSON_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _invalid(exc: ValidationError) -> Unprocessable:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown field '{where}'")
        else:
            parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return Unprocessable("; ".join(parts), title="Invalid request")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_upload(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"file '{upload.filename}' is over the {limit} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse_post(
    request: Request, ctx: AppContext
) -> tuple[InboundMessageIn, list[StoredFile]]:
    media_type = _media_type(request)
    if media_type in ("", "application/json"):
        try:
            return InboundMessageIn.model_validate_json(await _read_json(request)), []
        except ValidationError as exc:
            raise _invalid(exc) from exc
    if media_type != "multipart/form-data":
        raise Problem(
            "send the message as application/json, or as multipart/form-data with a 'payload' "
            f"field (the same JSON) and files; got {media_type}",
            status=415,
            title="Unsupported media type",
        )
    limit = ctx.settings.max_attachment_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * MAX_ATTACHMENTS + MAX_JSON_BYTES:
        raise TooLarge(f"the request is over the limit of {MAX_ATTACHMENTS} files of {limit} bytes")
    form = await request.form(max_files=MAX_ATTACHMENTS, max_fields=5)
    payload = form.get("payload")
    if not isinstance(payload, str):
        raise Unprocessable("a multipart message needs a 'payload' field with the message JSON")
    try:
        post = InboundMessageIn.model_validate_json(payload)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    blobs = [await _read_upload(upload, limit) for upload in uploads]
    stored = []
    for upload, blob in zip(uploads, blobs, strict=True):
        name = (upload.filename or "file").replace("/", "_")[-255:]
        content_type = (
            upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        stored.append(
            StoredFile(
                file_name=name,
                content_type=content_type,
                size=len(blob),
                storage_key=ctx.storage.save(blob),
            )
        )
    return post, stored


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written out in place: its own $defs
    would dangle inside the OpenAPI document, and these models are in no other route."""
    defs = schema.pop("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return expand(defs[ref.rsplit("/", 1)[1]])
            return {k: expand(v) for k, v in node.items()}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    inlined: dict[str, Any] = expand(schema)
    return inlined


@hooks.post(
    "/api/{public_id}/messages",
    summary="API channel: a customer message",
    description="The integrator posts a customer's message. " + _AUTH + " The same "
    "external_id posted again answers 200 with the stored message and changes nothing (201 "
    "when created). Files: attachments by URL (downloaded by the desk), or multipart/form-data "
    "with the JSON in a 'payload' field and the files as 'files'.",
    response_model=InboundAccepted,
    status_code=201,
    responses={200: {"model": InboundAccepted, "description": "already stored"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": _inlined(InboundMessageIn.model_json_schema())},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "payload": {"type": "string", "description": "the message JSON"},
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                        "required": ["payload"],
                    }
                },
            },
            "required": True,
        }
    },
)
async def post_message(public_id: str, request: Request, ctx: Ctx) -> Response:
    inbox = await _inbox(request, ctx, public_id)
    post, files = await _parse_post(request, ctx)
    limits = limits_of(ctx)

    def write(uow: UnitOfWork) -> InboundAccepted:
        return service.receive(uow, inbox=inbox, post=post, files=files, limits=limits)

    try:
        try:
            accepted = await ctx.db.write(write)
        except IntegrityError:
            # The same message (or this customer's first) committed by a concurrent request
            # (PostgreSQL): asked again, the service finds what that request stored.
            accepted = await ctx.db.write(write)
    except BaseException:
        for f in files:
            ctx.storage.delete(f.storage_key)
        raise
    if accepted.outcome is InboundOutcome.duplicate:
        for f in files:
            ctx.storage.delete(f.storage_key)
    status = 200 if accepted.outcome is InboundOutcome.duplicate else 201
    return Response(accepted.model_dump_json(), status_code=status, media_type="application/json")


@hooks.post(
    "/api/{public_id}/statuses",
    summary="API channel: delivery reports",
    description="The integrator reports what became of the agents' replies it received "
    "(sent, delivered, read, failed with an error), naming each by the desk's message id or "
    "by the external id its delivery answer gave. Statuses only move forward. " + _AUTH,
    response_model=StatusesApplied,
)
async def post_statuses(public_id: str, request: Request, ctx: Ctx) -> StatusesApplied:
    inbox = await _inbox(request, ctx, public_id)
    try:
        body = StatusesIn.model_validate_json(await _read_json(request))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    applied = await ctx.db.write(
        lambda uow: service.apply_statuses(uow, inbox=inbox, reports=body.statuses)
    )
    return StatusesApplied(applied=applied)


@admin.post(
    "/inboxes/{inbox_id}/channel/webhook-secret",
    response_model=WebhookSecretOut,
    status_code=201,
)
async def new_webhook_secret(
    inbox_id: int, ctx: Ctx, principal: AdminPrincipal
) -> WebhookSecretOut:
    """An API channel's new secret signing the replies POSTed to the integrator's webhook URL
    (X-Frontdesk-Signature, as outgoing webhooks): shown this once, then "set"."""
    return await ctx.db.write(
        lambda uow: service.new_webhook_secret(uow, principal=principal, inbox_id=inbox_id)
    )
