from __future__ import annotations

import math
from datetime import timedelta

from fastapi import APIRouter, Request, Response

from frontdesk.auth import service
from frontdesk.auth.dependencies import CSRF_COOKIE, SESSION_COOKIE, CurrentPrincipal
from frontdesk.auth.schemas import LoginIn, LoginOut, MeOut, NewTokenOut, TokenCreate, TokenOut
from frontdesk.auth.throttle import LoginThrottles
from frontdesk.core.context import Ctx
from frontdesk.core.errors import TooManyRequests, Unauthorized
from frontdesk.team import service as team_service

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=LoginOut)
async def login(body: LoginIn, ctx: Ctx, request: Request, response: Response) -> LoginOut:
    throttles: LoginThrottles = request.app.state.login_throttles
    address = request.client.host if request.client else "unknown"
    wait = throttles.retry_after(email=body.email, address=address)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"too many failed logins; try again in {seconds} seconds",
            headers={"Retry-After": str(seconds)},
        )
    try:
        user_id = await ctx.db.read(
            lambda s: service.check_credentials(s, email=body.email, password=body.password)
        )
    except Unauthorized:
        throttles.failed(email=body.email, address=address)
        raise
    throttles.succeeded(email=body.email)
    lifetime = timedelta(days=ctx.settings.session_days)
    new = await ctx.db.write(
        lambda uow: service.start_session(uow, user_id=user_id, lifetime=lifetime)
    )
    max_age = int(lifetime.total_seconds())
    secure = ctx.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(
        CSRF_COOKIE,
        new.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return LoginOut(user_id=user_id, csrf_token=new.csrf_token, expires_at=new.expires_at)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, ctx: Ctx, _principal: CurrentPrincipal) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await ctx.db.write(lambda uow: service.end_session(uow, token=cookie))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=MeOut)
async def me(ctx: Ctx, principal: CurrentPrincipal) -> MeOut:
    # The browser app greets the user and shows times in their zone and language.
    user = await ctx.db.read(
        lambda s: team_service.get_user(s, principal=principal, user_id=principal.user_id)
    )
    return MeOut(
        user_id=principal.user_id,
        workspace_id=principal.workspace_id,
        role=principal.role.value,
        via=principal.via,
        name=user.name,
        email=user.email,
        language=user.language,
        time_zone=user.time_zone,
    )


@router.get("/auth/tokens", response_model=list[TokenOut])
async def list_tokens(ctx: Ctx, principal: CurrentPrincipal) -> list[TokenOut]:
    rows = await ctx.db.read(lambda s: service.list_tokens(s, principal=principal))
    return [TokenOut.model_validate(r) for r in rows]


@router.post("/auth/tokens", response_model=NewTokenOut, status_code=201)
async def create_token(body: TokenCreate, ctx: Ctx, principal: CurrentPrincipal) -> NewTokenOut:
    new = await ctx.db.write(
        lambda uow: service.create_token(uow, user_id=principal.user_id, name=body.name)
    )
    return NewTokenOut(
        id=new.id, name=new.name, prefix=new.prefix, created_at=new.created_at, token=new.token
    )


@router.delete("/auth/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: int, ctx: Ctx, principal: CurrentPrincipal) -> Response:
    await ctx.db.write(
        lambda uow: service.revoke_token(uow, principal=principal, token_id=token_id)
    )
    return Response(status_code=204)
