from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.conversations import service
from frontdesk.conversations.rules import ConversationPriority, ConversationStatus, ConversationType
from frontdesk.conversations.schemas import (
    AssignmentChange,
    BulkRequest,
    BulkResult,
    CannedResponseCreate,
    CannedResponseOut,
    CannedResponseUpdate,
    ConversationCounts,
    ConversationCreate,
    ConversationOut,
    ConversationSort,
    ConversationUpdate,
    LabelCreate,
    LabelOut,
    LabelUpdate,
    ParticipantAdd,
    ReadMark,
    StatusChange,
)
from frontdesk.conversations.service import Limits
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.pagination import Page

router = APIRouter(tags=["conversations"])
TEAM_PATTERN = r"^(mine|[0-9]{1,18})$"


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
    team_id: Annotated[
        str | None,
        Query(
            pattern=TEAM_PATTERN,
            description="a team id, or 'mine': any team the asking user is a member of",
        ),
    ] = None,
    mentioned: Annotated[
        Literal["me"] | None,
        Query(description="'me': conversations with a private note that mentions me"),
    ] = None,
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
            team_id=None if team_id in (None, "mine") else int(team_id),
            my_teams=team_id == "mine",
            mentioned=mentioned == "me",
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


# Before /conversations/{conversation_id}, which would take "counts" for an id.
@router.get("/conversations/counts", response_model=ConversationCounts)
async def view_counts(
    ctx: Ctx,
    principal: CurrentPrincipal,
    status: Annotated[
        list[ConversationStatus] | None, Query(description="open when left out")
    ] = None,
    team_id: int | None = None,
    inbox_id: int | None = None,
    label: Annotated[str | None, Query(max_length=64)] = None,
    type: ConversationType | None = None,
    priority: ConversationPriority | None = None,
) -> ConversationCounts:
    """How many conversations each built-in view holds: Mine, Unassigned, My teams, All (what
    the asking user may see) and Mentions, under the same filters as the list."""
    return await ctx.db.read(
        lambda s: service.view_counts(
            s,
            principal=principal,
            statuses=[x.value for x in status or []],
            team_id=team_id,
            inbox_id=inbox_id,
            label=label,
            type=type.value if type else None,
            priority=priority.value if priority else None,
        )
    )


@router.post("/conversations/bulk", response_model=BulkResult)
async def bulk(body: BulkRequest, ctx: Ctx, principal: CurrentPrincipal) -> BulkResult:
    """One action (assign, add a label, resolve) on up to 100 conversations. Each one is
    authorized and changed on its own; the answer says for each id whether it was done or why
    not (as a problem: status, title, detail)."""
    return await ctx.db.write(lambda uow: service.bulk(uow, principal=principal, request=body))


@router.post("/conversations/{conversation_id}/read", response_model=ReadMark)
async def mark_read(conversation_id: int, ctx: Ctx, principal: CurrentPrincipal) -> ReadMark:
    """I have read this conversation up to now (it stops being unread for me)."""
    return await ctx.db.write(
        lambda uow: service.mark_read(uow, principal=principal, conversation_id=conversation_id)
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


@router.patch("/labels/{label_id}", response_model=LabelOut)
async def update_label(
    label_id: int, body: LabelUpdate, ctx: Ctx, principal: AdminPrincipal
) -> Any:
    return await ctx.db.write(
        lambda uow: service.update_label(uow, principal=principal, label_id=label_id, data=body)
    )


@router.delete("/labels/{label_id}", status_code=204)
async def delete_label(label_id: int, ctx: Ctx, principal: AdminPrincipal) -> Response:
    await ctx.db.write(
        lambda uow: service.delete_label(uow, principal=principal, label_id=label_id)
    )
    return Response(status_code=204)


@router.patch("/canned-responses/{canned_id}", response_model=CannedResponseOut)
async def update_canned(
    canned_id: int, body: CannedResponseUpdate, ctx: Ctx, principal: AdminPrincipal
) -> Any:
    return await ctx.db.write(
        lambda uow: service.update_canned(uow, principal=principal, canned_id=canned_id, data=body)
    )


@router.delete("/canned-responses/{canned_id}", status_code=204)
async def delete_canned(canned_id: int, ctx: Ctx, principal: AdminPrincipal) -> Response:
    await ctx.db.write(
        lambda uow: service.delete_canned(uow, principal=principal, canned_id=canned_id)
    )
    return Response(status_code=204)
