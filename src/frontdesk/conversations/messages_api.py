"""Messages of a conversation (the hottest endpoints) and attachment downloads."""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile

from frontdesk.auth.dependencies import CurrentPrincipal
from frontdesk.conversations import service
from frontdesk.conversations.api import limits_of
from frontdesk.conversations.schemas import (
    MessageCreate,
    MessageLimitsOut,
    MessageOut,
    PostedMessage,
)
from frontdesk.conversations.service import StoredFile
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Problem, TooLarge, Unprocessable
from frontdesk.core.pagination import Page

router = APIRouter(tags=["messages"])

# Files one message may carry (a multipart form with more is refused with 400).
MAX_ATTACHMENTS = 10


@router.get("/messages/limits", response_model=MessageLimitsOut)
async def message_limits(ctx: Ctx, principal: CurrentPrincipal) -> MessageLimitsOut:
    """The limits of this desk, so a client refuses a file before uploading it."""
    return MessageLimitsOut(
        max_message_chars=ctx.settings.max_message_chars,
        max_attachment_bytes=ctx.settings.max_attachment_bytes,
        max_attachments=MAX_ATTACHMENTS,
    )


@router.get("/conversations/{conversation_id}/messages", response_model=Page[MessageOut])
async def list_messages(
    conversation_id: int,
    ctx: Ctx,
    principal: CurrentPrincipal,
    before: Annotated[int | None, Query(ge=1, description="older than this message id")] = None,
    after: Annotated[int | None, Query(ge=1, description="newer than this message id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[MessageOut]:
    return await ctx.db.read(
        lambda s: service.list_messages(
            s,
            principal=principal,
            conversation_id=conversation_id,
            before_id=before,
            after_id=after,
            limit=limit,
        )
    )


async def _read_upload(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"attachment '{upload.filename}' is over the {limit} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse_message(
    request: Request, ctx: AppContext
) -> tuple[MessageCreate, list[StoredFile]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("", "application/json", "multipart/form-data"):
        raise Problem(
            f"send the message as application/json, or as multipart/form-data with files; "
            f"got {content_type}",
            status=415,
            title="Unsupported media type",
        )
    if content_type != "multipart/form-data":
        try:
            return MessageCreate.model_validate_json(await request.body()), []
        except ValidationError as exc:
            raise _validation_problem(exc) from exc
    limit = ctx.settings.max_attachment_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * 10 + 1024 * 1024:
        raise TooLarge(f"the request is over the attachment limit of {limit} bytes")
    form = await request.form(max_files=MAX_ATTACHMENTS, max_fields=20)
    fields: dict[str, Any] = {}
    uploads: list[UploadFile] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            uploads.append(value)
        elif key == "private":
            fields[key] = value.lower() in ("1", "true", "yes", "on")
        else:
            fields[key] = value
    try:
        data = MessageCreate.model_validate(fields)
    except ValidationError as exc:
        raise _validation_problem(exc) from exc
    contents = [await _read_upload(upload, limit) for upload in uploads]
    stored = []
    for upload, blob in zip(uploads, contents, strict=True):
        name = (upload.filename or "file").replace("/", "_")[-255:]
        ctype = upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored.append(
            StoredFile(
                file_name=name,
                content_type=ctype,
                size=len(blob),
                storage_key=ctx.storage.save(blob),
            )
        )
    return data, stored


def _validation_problem(exc: ValidationError) -> Problem:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(
            f"unknown field '{where}'"
            if error["type"] == "extra_forbidden"
            else f"{where}: {error['msg']}"
            if where
            else error["msg"]
        )
    return Unprocessable("; ".join(parts), title="Invalid request")


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=PostedMessage,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                # Refs into components: a bare schema's "#/$defs/..." would dangle there.
                "application/json": {
                    "schema": MessageCreate.model_json_schema(
                        ref_template="#/components/schemas/{model}"
                    )
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "content": {"type": "string"},
                            "private": {"type": "boolean"},
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
            "required": True,
        }
    },
)
async def post_message(
    conversation_id: int, request: Request, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    data, files = await _parse_message(request, ctx)
    limits = limits_of(ctx)

    def write(uow: UnitOfWork) -> PostedMessage:
        return service.post_message(
            uow,
            principal=principal,
            conversation_id=conversation_id,
            data=data,
            files=files,
            limits=limits,
        )

    try:
        try:
            posted = await ctx.db.write(write)
        except IntegrityError:
            if data.external_id is None:
                raise
            # A request with the same external id committed first (PostgreSQL, concurrent
            # transactions): asked again, the service answers with that message.
            posted = await ctx.db.write(write)
            for f in files:
                ctx.storage.delete(f.storage_key)
    except BaseException:
        # Refused or failed: the stored files belong to nothing, so remove them.
        for f in files:
            ctx.storage.delete(f.storage_key)
        raise
    # Serialized once by the model itself: the hot path skips FastAPI's second validation.
    return Response(posted.model_dump_json(), status_code=201, media_type="application/json")


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/retry", response_model=MessageOut
)
async def retry_delivery(
    conversation_id: int, message_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> MessageOut:
    """Send a failed reply again: `pending` at once, then `sent` (or `failed` with the new
    reason) through message.updated events."""
    return await ctx.db.write(
        lambda uow: service.retry_delivery(
            uow, principal=principal, conversation_id=conversation_id, message_id=message_id
        )
    )


@router.get("/attachments/{attachment_id}")
async def download_attachment(
    attachment_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> FileResponse:
    attachment = await ctx.db.read(
        lambda s: service.get_attachment(s, principal=principal, attachment_id=attachment_id)
    )
    # Served as a download with its declared type, never rendered inline as HTML.
    return FileResponse(
        ctx.storage.path(attachment.storage_key),
        filename=attachment.file_name,
        media_type=attachment.content_type,
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"},
    )
