"""`GET /api/v1/presence`: what every colleague's status looks like right now."""

from __future__ import annotations

from fastapi import APIRouter, Request

from frontdesk.auth.dependencies import CurrentPrincipal
from frontdesk.core.context import Ctx
from frontdesk.presence import service
from frontdesk.presence.schemas import PresenceOut
from frontdesk.presence.tracker import PresenceTracker

router = APIRouter(tags=["presence"])


@router.get("/presence", response_model=list[PresenceOut])
async def list_presence(
    request: Request, ctx: Ctx, principal: CurrentPrincipal
) -> list[PresenceOut]:
    """Every user of the workspace: `online` or `away` (as they chose) while they have the
    app open, else `offline`. Changes arrive on the websocket as `user.presence_changed`
    with the same `version`: keep whichever is larger."""
    tracker: PresenceTracker = request.app.state.presence
    people = await ctx.db.read(lambda s: service.colleagues(s, principal=principal))
    statuses = await tracker.statuses((principal.workspace_id, p.user_id) for p in people)
    return [
        PresenceOut(
            user_id=p.user_id,
            status=statuses[(principal.workspace_id, p.user_id)].status,
            version=statuses[(principal.workspace_id, p.user_id)].version,
        )
        for p in people
    ]
