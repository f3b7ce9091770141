from __future__ import annotations

import mimetypes
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.conversations import service
from frontdesk.conversations.rules import ConversationPriority, ConversationStatus, ConversationType
from frontdesk.conversations.schemas import (
    AssignmentChange,
    CannedResponseCreate,
    CannedResponseOut,
    ConversationCreate,
    ConversationOut,
    ConversationSort,
    ConversationUpdate,
    LabelCreate,
    LabelOut,
    MessageCreate,
    MessageOut,
    ParticipantAdd,
    PostedMessage,
    StatusChange,
)
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.errors import Problem, TooLarge, Unprocessable
from frontdesk.core.pagination import Page

router = APIRouter(tags=["conversations"])


def _limits(ctx: AppContext) -> Limits:
    return Limits(
        max_message_chars=ctx.settings.max_message_chars,
        reopen_window=timedelta(days=ctx.settings.reopen_window_days),
    )


@router.get("/conversations", response_model=Page[ConversationOut])
async def list_conversations(
    ctx: Ctx,
    principal: CurrentPrincipal,
    status: Annotated[list[ConversationStatus] | None, Query()] = None,
    assignee_id: Annotated[str | None, Query(description="a user id, 'me' or 'none'")] = None,
    team_id: int | None = None,
    inbox_id: int | None = None,
    label: Annotated[str | None, Query(max_length=64)] = None,
    type: ConversationType | None = None,
    priority: ConversationPriority | None = None,
    contact_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: ConversationSort = ConversationSort.last_activity,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Page[ConversationOut]:
    return await ctx.db.read(
        lambda s: service.list_conversations(
            s,
            principal=principal,
            statuses=[x.value for x in status or []],
            assignee=assignee_id,
            team_id=team_id,
            inbox_id=inbox_id,
            label=label,
            type=type.value if type else None,
            priority=priority.value if priority else None,
            contact_id=contact_id,
            q=q,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
    )


@router.post("/conversations", response_model=ConversationOut, status_code=201)
async def create_conversation(
    body: ConversationCreate, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    limits = _limits(ctx)
    return await ctx.db.write(
        lambda uow: service.create_conversation(uow, principal=principal, data=body, limits=limits)
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.read(
        lambda s: service.get_conversation(s, principal=principal, conversation_id=conversation_id)
    )


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
async def update_conversation(
    conversation_id: int, body: ConversationUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.write(
        lambda uow: service.update_conversation(
            uow, principal=principal, conversation_id=conversation_id, data=body
        )
    )


@router.post("/conversations/{conversation_id}/status", response_model=ConversationOut)
async def change_status(
    conversation_id: int, body: StatusChange, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.write(
        lambda uow: service.change_status(
            uow, principal=principal, conversation_id=conversation_id, data=body
        )
    )


@router.post("/conversations/{conversation_id}/assignment", response_model=ConversationOut)
async def assign(
    conversation_id: int, body: AssignmentChange, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.write(
        lambda uow: service.assign(
            uow, principal=principal, conversation_id=conversation_id, data=body
        )
    )


@router.post("/conversations/{conversation_id}/participants", response_model=ConversationOut)
async def add_participant(
    conversation_id: int, body: ParticipantAdd, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.write(
        lambda uow: service.add_participant(
            uow, principal=principal, conversation_id=conversation_id, user_id=body.user_id
        )
    )


@router.delete(
    "/conversations/{conversation_id}/participants/{user_id}", response_model=ConversationOut
)
async def remove_participant(
    conversation_id: int, user_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> ConversationOut:
    return await ctx.db.write(
        lambda uow: service.remove_participant(
            uow, principal=principal, conversation_id=conversation_id, user_id=user_id
        )
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
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        try:
            return MessageCreate.model_validate_json(await request.body()), []
        except ValidationError as exc:
            raise _validation_problem(exc) from exc
    limit = ctx.settings.max_attachment_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * 10 + 1024 * 1024:
        raise TooLarge(f"the request is over the attachment limit of {limit} bytes")
    form = await request.form(max_files=10, max_fields=20)
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
                "application/json": {"schema": MessageCreate.model_json_schema()},
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
) -> PostedMessage:
    data, files = await _parse_message(request, ctx)
    limits = _limits(ctx)
    try:
        return await ctx.db.write(
            lambda uow: service.post_message(
                uow,
                principal=principal,
                conversation_id=conversation_id,
                data=data,
                files=files,
                limits=limits,
            )
        )
    except BaseException:
        # Refused or failed: the stored files belong to nothing, so remove them.
        for f in files:
            ctx.storage.delete(f.storage_key)
        raise


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


@router.get("/labels", response_model=list[LabelOut])
async def list_labels(ctx: Ctx, principal: CurrentPrincipal) -> list[Any]:
    return await ctx.db.read(lambda s: service.list_labels(s, principal=principal))


@router.post("/labels", response_model=LabelOut, status_code=201)
async def create_label(body: LabelCreate, ctx: Ctx, principal: AdminPrincipal) -> Any:
    return await ctx.db.write(
        lambda uow: service.create_label(
            uow, principal=principal, name=body.name, color=body.color, description=body.description
        )
    )


@router.get("/canned-responses", response_model=list[CannedResponseOut])
async def list_canned(
    ctx: Ctx, principal: CurrentPrincipal, q: Annotated[str | None, Query(max_length=200)] = None
) -> list[Any]:
    return await ctx.db.read(lambda s: service.list_canned(s, principal=principal, q=q))


@router.post("/canned-responses", response_model=CannedResponseOut, status_code=201)
async def create_canned(body: CannedResponseCreate, ctx: Ctx, principal: AdminPrincipal) -> Any:
    return await ctx.db.write(
        lambda uow: service.create_canned(
            uow, principal=principal, short_code=body.short_code, content=body.content
        )
    )
