from __future__ import annotations

from fastapi import APIRouter, Response

from frontdesk.auth.dependencies import CurrentPrincipal
from frontdesk.core.context import Ctx
from frontdesk.views import service
from frontdesk.views.schemas import SavedViewCreate, SavedViewOut, SavedViewUpdate

router = APIRouter(tags=["views"])


@router.get("/views", response_model=list[SavedViewOut])
async def list_views(ctx: Ctx, principal: CurrentPrincipal) -> list[SavedViewOut]:
    return await ctx.db.read(lambda s: service.list_views(s, principal=principal))


@router.post("/views", response_model=SavedViewOut, status_code=201)
async def create_view(body: SavedViewCreate, ctx: Ctx, principal: CurrentPrincipal) -> SavedViewOut:
    return await ctx.db.write(lambda uow: service.create_view(uow, principal=principal, data=body))


@router.patch("/views/{view_id}", response_model=SavedViewOut)
async def update_view(
    view_id: int, body: SavedViewUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> SavedViewOut:
    return await ctx.db.write(
        lambda uow: service.update_view(uow, principal=principal, view_id=view_id, data=body)
    )


@router.delete("/views/{view_id}", status_code=204)
async def delete_view(view_id: int, ctx: Ctx, principal: CurrentPrincipal) -> Response:
    await ctx.db.write(lambda uow: service.delete_view(uow, principal=principal, view_id=view_id))
    return Response(status_code=204)
