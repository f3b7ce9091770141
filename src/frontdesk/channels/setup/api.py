"""Channel setup transport (admins only): an inbox's channel as its admin sees it, saving the
channel's fields, and a connection test of what the form holds (saved or not)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.channels.email.schemas import EmailSettings
from frontdesk.channels.setup import checks, service
from frontdesk.channels.setup.schemas import (
    ChannelCheckOut,
    ChannelSetupOut,
    CheckItem,
    InboundToken,
    VkSetup,
    WhatsAppSetup,
)
from frontdesk.core.context import Ctx
from frontdesk.core.errors import Unprocessable
from frontdesk.inboxes import service as inboxes

admin = APIRouter(tags=["channels"])

Fields = Annotated[
    dict[str, Any],
    Body(
        description="the channel's fields, as the setup form holds them; a secret left out "
        '(or sent as "set") keeps its stored value, null removes it',
        examples=[{"group_id": 123456, "access_token": "vk1.a.…", "secret": "s3cret"}],
    ),
]


@admin.get("/inboxes/{inbox_id}/channel", response_model=ChannelSetupOut)
async def channel_setup(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> ChannelSetupOut:
    """The channel's settings (secrets as "set" / "not set"), what it still lacks, and the
    webhook URL to register at the provider (from FRONTDESK_BASE_URL); for the portal inbox,
    the portal's address to share with customers."""
    base_url = ctx.settings.base_url
    return await ctx.db.read(
        lambda s: service.get_setup(s, principal=principal, inbox_id=inbox_id, base_url=base_url)
    )


@admin.put("/inboxes/{inbox_id}/channel", response_model=ChannelSetupOut)
async def save_channel(
    inbox_id: int, body: Fields, ctx: Ctx, principal: AdminPrincipal
) -> ChannelSetupOut:
    """Save the channel's fields (WhatsApp, VK, e-mail, API channel), validated per channel
    type; unknown fields are refused. An e-mail inbox starts reading its mailbox."""
    base_url = ctx.settings.base_url
    return await ctx.db.write(
        lambda uow: service.save_settings(
            uow, principal=principal, inbox_id=inbox_id, incoming=body, base_url=base_url
        )
    )


@admin.post("/inboxes/{inbox_id}/channel/check", response_model=ChannelCheckOut)
async def check_channel(
    inbox_id: int, ctx: Ctx, principal: AdminPrincipal, body: Fields | None = None
) -> ChannelCheckOut:
    """Try the provider (Telegram: getMe; WhatsApp: the number and its templates; VK: the
    community) or the mail servers (IMAP login and folder, SMTP login) with the fields given,
    completed by the stored ones; nothing is saved or sent. Always answers: a failure is a
    check with `ok: false` and the reason."""
    inbox = await ctx.db.read(
        lambda s: inboxes.channel_inbox_by_id(
            s, workspace_id=principal.workspace_id, inbox_id=inbox_id
        )
    )
    incoming = body or {}
    settings = ctx.settings
    if inbox.channel_type == "telegram":
        token = incoming.get("bot_token") or inbox.settings.get("bot_token")
        if not isinstance(token, str) or not token.strip() or token == "set":
            return ChannelCheckOut(
                ok=False, checks=[CheckItem(name="bot", ok=False, detail="no bot token set")]
            )
        async with httpx.AsyncClient() as http:
            return await checks.telegram(settings, token.strip(), http)
    if inbox.channel_type not in ("email", "whatsapp", "vk"):
        raise Unprocessable(f"{inbox.channel_type} inboxes have no connection to test")
    fields = service.checked_settings(inbox, incoming)
    if inbox.channel_type == "email":
        return await checks.email(settings, EmailSettings.model_validate(fields))
    async with httpx.AsyncClient() as http:
        if inbox.channel_type == "whatsapp":
            return await checks.whatsapp(settings, WhatsAppSetup.model_validate(fields), http)
        return await checks.vk(settings, VkSetup.model_validate(fields), http)


@admin.post("/inboxes/{inbox_id}/channel/token", response_model=InboundToken, status_code=201)
async def new_inbound_token(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> InboundToken:
    """An API channel's inbound token for the integrator (Authorization: Bearer), shown this
    once; the previous one stops working."""
    base_url = ctx.settings.base_url
    return await ctx.db.write(
        lambda uow: service.new_inbound_token(
            uow, principal=principal, inbox_id=inbox_id, base_url=base_url
        )
    )
