from __future__ import annotations

from fastapi import APIRouter

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.core.context import Ctx
from frontdesk.inboxes import service
from frontdesk.inboxes.schemas import InboxCreate, InboxMembers, InboxOut, InboxUpdate

router = APIRouter(tags=["inboxes"])


@router.get("/inboxes", response_model=list[InboxOut])
async def list_inboxes(ctx: Ctx, principal: CurrentPrincipal) -> list[InboxOut]:
    return await ctx.db.read(lambda s: service.list_inboxes(s, principal=principal))


@router.post("/inboxes", response_model=InboxOut, status_code=201)
async def create_inbox(body: InboxCreate, ctx: Ctx, principal: AdminPrincipal) -> InboxOut:
    return await ctx.db.write(
        lambda uow: service.create_inbox(
            uow, workspace_id=principal.workspace_id, data=body, principal=principal
        )
    )


@router.get("/inboxes/{inbox_id}", response_model=InboxOut)
async def get_inbox(inbox_id: int, ctx: Ctx, principal: CurrentPrincipal) -> InboxOut:
    return await ctx.db.read(lambda s: service.get_inbox(s, principal=principal, inbox_id=inbox_id))


@router.patch("/inboxes/{inbox_id}", response_model=InboxOut)
async def update_inbox(
    inbox_id: int, body: InboxUpdate, ctx: Ctx, principal: AdminPrincipal
) -> InboxOut:
    return await ctx.db.write(
        lambda uow: service.update_inbox(uow, principal=principal, inbox_id=inbox_id, data=body)
    )


@router.put("/inboxes/{inbox_id}/members", response_model=InboxOut)
async def set_members(
    inbox_id: int, body: InboxMembers, ctx: Ctx, principal: AdminPrincipal
) -> InboxOut:
    return await ctx.db.write(
        lambda uow: service.set_members(
            uow, principal=principal, inbox_id=inbox_id, user_ids=body.user_ids
        )
    )
