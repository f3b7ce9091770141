"""The VK channel's outbox job: ask VK the name of a new customer (or the title of a chat)."""

from __future__ import annotations

import httpx

from frontdesk.channels.vk import rules, service
from frontdesk.channels.vk.client import VkApi, VkApiError
from frontdesk.core.db import Database
from frontdesk.inboxes import service as inboxes
from frontdesk.outbox.worker import Handler, Job
from frontdesk.settings import Settings


def handlers(settings: Settings, db: Database) -> dict[str, Handler]:
    async def profile(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        payload = job.payload
        peer_id, from_id = payload.get("peer_id"), payload.get("from_id")
        if not isinstance(peer_id, int) or not isinstance(from_id, int):
            return
        inbox = await db.read(
            lambda s: inboxes.channel_inbox_by_id(
                s, workspace_id=workspace_id, inbox_id=int(payload["inbox_id"])
            )
        )
        token = inbox.settings.get("access_token")
        if not isinstance(token, str) or not token:
            return
        async with httpx.AsyncClient() as http:
            api = VkApi(
                http,
                base_url=settings.vk_api_url,
                token=token,
                timeout=settings.channel_timeout_seconds,
            )
            try:
                if peer_id > rules.CHAT_PEER_BASE:
                    name = rules.chat_title(
                        await api.call("messages.getConversationsById", peer_ids=peer_id)
                    )
                else:
                    name = rules.user_name(await api.call("users.get", user_ids=from_id))
            except VkApiError as exc:
                if exc.failure.transient:
                    raise  # the outbox tries again later
                return  # no name to be had: the contact keeps the one it has
        if name:
            await db.write(
                lambda uow: service.name_contact(
                    uow,
                    workspace_id=workspace_id,
                    contact_id=int(payload["contact_id"]),
                    placeholder=str(payload.get("placeholder") or ""),
                    name=name,
                )
            )

    return {service.PROFILE_JOB: profile}
