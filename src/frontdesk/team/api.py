from __future__ import annotations

from fastapi import APIRouter

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.core.context import Ctx
from frontdesk.team import service
from frontdesk.team.schemas import (
    AvailabilityUpdate,
    ProfileUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(tags=["team"])


@router.get("/users", response_model=list[UserOut])
async def list_users(ctx: Ctx, principal: CurrentPrincipal) -> list[UserOut]:
    return await ctx.db.read(lambda s: service.list_users(s, principal=principal))


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(body: UserCreate, ctx: Ctx, principal: AdminPrincipal) -> UserOut:
    return await ctx.db.write(
        lambda uow: service.create_user(uow, workspace_id=principal.workspace_id, data=body)
    )


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: int, ctx: Ctx, principal: CurrentPrincipal) -> UserOut:
    return await ctx.db.read(lambda s: service.get_user(s, principal=principal, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: int, body: UserUpdate, ctx: Ctx, principal: AdminPrincipal
) -> UserOut:
    return await ctx.db.write(
        lambda uow: service.update_user(uow, principal=principal, user_id=user_id, data=body)
    )


@router.get("/profile", response_model=UserOut)
async def get_profile(ctx: Ctx, principal: CurrentPrincipal) -> UserOut:
    """The current user, with the availability they chose."""
    return await ctx.db.read(
        lambda s: service.get_user(s, principal=principal, user_id=principal.user_id)
    )


@router.patch("/profile", response_model=UserOut)
async def update_profile(body: ProfileUpdate, ctx: Ctx, principal: CurrentPrincipal) -> UserOut:
    """Change your own name, language (`en`, `ru`) or time zone (IANA, e.g. `Europe/Moscow`)."""
    return await ctx.db.write(
        lambda uow: service.update_profile(uow, principal=principal, data=body)
    )


@router.put("/profile/availability", response_model=UserOut)
async def set_availability(
    body: AvailabilityUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> UserOut:
    return await ctx.db.write(
        lambda uow: service.set_availability(
            uow, principal=principal, availability=body.availability
        )
    )


@router.get("/teams", response_model=list[TeamOut])
async def list_teams(ctx: Ctx, principal: CurrentPrincipal) -> list[TeamOut]:
    return await ctx.db.read(lambda s: service.list_teams(s, principal=principal))


@router.post("/teams", response_model=TeamOut, status_code=201)
async def create_team(body: TeamCreate, ctx: Ctx, principal: AdminPrincipal) -> TeamOut:
    return await ctx.db.write(lambda uow: service.create_team(uow, principal=principal, data=body))


@router.get("/teams/{team_id}", response_model=TeamOut)
async def get_team(team_id: int, ctx: Ctx, principal: CurrentPrincipal) -> TeamOut:
    return await ctx.db.read(lambda s: service.get_team(s, principal=principal, team_id=team_id))


@router.patch("/teams/{team_id}", response_model=TeamOut)
async def update_team(
    team_id: int, body: TeamUpdate, ctx: Ctx, principal: AdminPrincipal
) -> TeamOut:
    return await ctx.db.write(
        lambda uow: service.update_team(uow, principal=principal, team_id=team_id, data=body)
    )
