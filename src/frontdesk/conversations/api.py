from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

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
    ParticipantAdd,
    StatusChange,
)
from frontdesk.conversations.service import Limits
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.pagination import Page

router = APIRouter(tags=["conversations"])


def limits_of(ctx: AppContext) -> Limits:
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
    limits = limits_of(ctx)
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
