"""The channels' routers: provider webhooks under /hooks/<channel>/<inbox public id>, and the
admin endpoints that connect a channel to an inbox (under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.channels.api_channel import api as api_channel
from frontdesk.channels.email import api as email
from frontdesk.channels.setup import api as setup
from frontdesk.channels.telegram import api as telegram
from frontdesk.channels.vk import api as vk
from frontdesk.channels.whatsapp import api as whatsapp

# Public: providers call these; each channel checks its own signature or secret.
hooks_router = APIRouter(prefix="/hooks")
hooks_router.include_router(telegram.hooks)
hooks_router.include_router(whatsapp.hooks)
hooks_router.include_router(vk.hooks)
hooks_router.include_router(api_channel.hooks)

# Admin: connecting and checking channels (mounted under /api/v1).
router = APIRouter()
router.include_router(telegram.admin)
router.include_router(email.admin)
router.include_router(setup.admin)
router.include_router(api_channel.admin)
# Agents: a WhatsApp conversation's reply window and templates.
router.include_router(whatsapp.agent)
