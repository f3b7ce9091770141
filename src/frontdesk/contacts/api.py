from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.contacts import service
from frontdesk.contacts.schemas import (
    AttributeDefinitionCreate,
    AttributeDefinitionOut,
    AttributeDefinitionUpdate,
    ContactCreate,
    ContactDuplicate,
    ContactMerge,
    ContactOut,
    ContactUpdate,
)
from frontdesk.conversations import service as conversations_service
from frontdesk.conversations.schemas import ContactConversationsPage
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
async def get_contact(
    contact_id: int, ctx: Ctx, principal: CurrentPrincipal, response: Response
) -> ContactOut:
    contact = await ctx.db.read(
        lambda s: service.get_contact(s, principal=principal, contact_id=contact_id)
    )
    response.headers["ETag"] = f'"{contact.version}"'
    return contact


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
async def update_contact(
    contact_id: int,
    body: ContactUpdate,
    ctx: Ctx,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(max_length=500, description="the ETag (version) the change is based on"),
    ] = None,
) -> ContactOut:
    contact = await ctx.db.write(
        lambda uow: service.update_contact(
            uow, principal=principal, contact_id=contact_id, data=body, if_match=if_match
        )
    )
    response.headers["ETag"] = f'"{contact.version}"'
    return contact


@router.get("/contacts/{contact_id}/conversations", response_model=ContactConversationsPage)
async def contact_conversations(
    contact_id: int,
    ctx: Ctx,
    principal: CurrentPrincipal,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ContactConversationsPage:
    return await ctx.db.read(
        lambda s: conversations_service.contact_conversations(
            s, principal=principal, contact_id=contact_id, cursor=cursor, limit=limit
        )
    )


@router.get("/contacts/{contact_id}/duplicates", response_model=list[ContactDuplicate])
async def contact_duplicates(
    contact_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> list[ContactDuplicate]:
    """Possible duplicates: other contacts with the same e-mail or phone (however written,
    e.g. 8 916… and +7 916…), in their fields or as a channel identity."""
    return await ctx.db.read(
        lambda s: service.find_duplicates(s, principal=principal, contact_id=contact_id)
    )


@router.post("/contacts/{contact_id}/merge", response_model=ContactOut)
async def merge_contacts(
    contact_id: int, body: ContactMerge, ctx: Ctx, principal: CurrentPrincipal
) -> ContactOut:
    """Merge `other_id` into this contact: its conversations, identities, tags, notes and
    attributes move here (this contact's values win), then it is deleted. Records
    `contact.merged` {contact_id, merged_id}. Agents may merge only contacts whose
    conversations they can all see (403)."""
    return await ctx.db.write(
        lambda uow: service.merge_contacts(
            uow, principal=principal, contact_id=contact_id, other_id=body.other_id
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


@router.patch("/custom-attributes/{definition_id}", response_model=AttributeDefinitionOut)
async def update_definition(
    definition_id: int, body: AttributeDefinitionUpdate, ctx: Ctx, principal: AdminPrincipal
) -> AttributeDefinitionOut:
    """A new label, or a list attribute's new options. The key, the type and what it applies
    to cannot change: the values stored were checked against them."""
    return await ctx.db.write(
        lambda uow: service.update_attribute(
            uow, principal=principal, definition_id=definition_id, data=body
        )
    )


@router.delete("/custom-attributes/{definition_id}", status_code=204)
async def delete_definition(definition_id: int, ctx: Ctx, principal: AdminPrincipal) -> Response:
    """Delete a definition; values stored under its key stay on the records (read-only)."""
    await ctx.db.write(
        lambda uow: service.delete_attribute(uow, principal=principal, definition_id=definition_id)
    )
    return Response(status_code=204)
