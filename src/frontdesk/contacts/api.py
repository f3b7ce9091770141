from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.contacts import service
from frontdesk.contacts.schemas import (
    AttributeDefinitionCreate,
    AttributeDefinitionOut,
    ContactCreate,
    ContactOut,
    ContactUpdate,
)
from frontdesk.core.context import Ctx
from frontdesk.core.pagination import Page

router = APIRouter(tags=["contacts"])


@router.get("/contacts", response_model=Page[ContactOut])
async def list_contacts(
    ctx: Ctx,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ContactOut]:
    return await ctx.db.read(
        lambda s: service.list_contacts(s, principal=principal, q=q, cursor=cursor, limit=limit)
    )


@router.post("/contacts", response_model=ContactOut, status_code=201)
async def create_contact(body: ContactCreate, ctx: Ctx, principal: CurrentPrincipal) -> ContactOut:
    return await ctx.db.write(
        lambda uow: service.create_contact(
            uow, workspace_id=principal.workspace_id, data=body, actor_user_id=principal.user_id
        )
    )


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: int, ctx: Ctx, principal: CurrentPrincipal) -> ContactOut:
    return await ctx.db.read(
        lambda s: service.get_contact(s, principal=principal, contact_id=contact_id)
    )


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
async def update_contact(
    contact_id: int, body: ContactUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> ContactOut:
    return await ctx.db.write(
        lambda uow: service.update_contact(
            uow, principal=principal, contact_id=contact_id, data=body
        )
    )


@router.get("/custom-attributes", response_model=list[AttributeDefinitionOut])
async def list_definitions(ctx: Ctx, principal: CurrentPrincipal) -> list[AttributeDefinitionOut]:
    return await ctx.db.read(lambda s: service.list_attribute_definitions(s, principal=principal))


@router.post("/custom-attributes", response_model=AttributeDefinitionOut, status_code=201)
async def define_attribute(
    body: AttributeDefinitionCreate, ctx: Ctx, principal: AdminPrincipal
) -> AttributeDefinitionOut:
    return await ctx.db.write(
        lambda uow: service.define_attribute(uow, principal=principal, data=body)
    )
