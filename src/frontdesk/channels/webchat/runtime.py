"""The widget's part of a running app: the visitor hub, the rate limiter, and whether an
inbox's people are online.

What the desk does for the widget after a resolution (the survey) or an agent's reply (mail
to a visitor who left the offline form) is not here: it is durable work, enqueued in the
outbox in the same transaction (service.survey_on_resolution, service.followup_on_reply).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from frontdesk.channels.webchat import rules, service
from frontdesk.channels.webchat.hub import VisitorHub
from frontdesk.channels.webchat.service import InboxPeople, WidgetInbox
from frontdesk.channels.webchat.throttle import Limiter
from frontdesk.core.context import AppContext
from frontdesk.core.errors import TooManyRequests
from frontdesk.core.events import DomainEvent
from frontdesk.presence.tracker import PresenceTracker
from frontdesk.realtime.hub import MEMBERSHIP_EVENTS

# Who works an inbox changes rarely (and such events clear it): looked up at most this often.
STAFF_TTL = timedelta(seconds=10)


class Widget:
    """The widget's part of an app: the visitor hub, the rate limiter, who is online."""

    def __init__(self, ctx: AppContext, presence: PresenceTracker, limiter: Limiter) -> None:
        self.ctx = ctx
        self.presence = presence
        self.limiter = limiter
        self.hub = VisitorHub(self._names)
        self._staff: dict[int, tuple[float, InboxPeople]] = {}

    async def _names(self, workspace_id: int, user_ids: set[int]) -> dict[int, str]:
        return await self.ctx.db.read(
            lambda s: service.agent_names(s, workspace_id=workspace_id, user_ids=user_ids)
        )

    async def stop(self) -> None:
        await self.limiter.close()

    # -- the bus ------------------------------------------------------------------------------
    def on_event(self, event: DomainEvent) -> None:
        if event.type in MEMBERSHIP_EVENTS:
            self._staff.clear()
        self.hub.on_event(event)

    # -- requests ---------------------------------------------------------------------------
    async def limit(self, name: str, key: str) -> None:
        wait = await self.limiter.hit(name, key)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            raise TooManyRequests(
                f"too many requests; try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    async def online(self, inbox: WidgetInbox) -> tuple[str, bool]:
        """The inbox's name, and whether anybody who answers its chats is online now."""
        loop = asyncio.get_running_loop()
        cached = self._staff.get(inbox.id)
        if cached is None or cached[0] < loop.time():
            people = await self.ctx.db.read(lambda s: service.inbox_people(s, inbox=inbox))
            cached = self._staff[inbox.id] = (loop.time() + STAFF_TTL.total_seconds(), people)
        people = cached[1]
        statuses = await self.presence.statuses(
            (inbox.workspace_id, user_id) for user_id in people.staff_ids
        )
        return people.name, rules.is_online(a.status for a in statuses.values())
