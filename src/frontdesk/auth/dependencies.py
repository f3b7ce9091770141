"""The FastAPI dependency that authenticates a request (bearer token or session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from frontdesk.auth import service
from frontdesk.auth.cache import PrincipalCache
from frontdesk.core.context import Ctx
from frontdesk.core.errors import Forbidden, Unauthorized
from frontdesk.core.principal import Principal
from frontdesk.core.security import constant_time_equals, hash_token

SESSION_COOKIE = "frontdesk_session"
CSRF_COOKIE = "frontdesk_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def authenticate_connection(connection: HTTPConnection, ctx: Ctx) -> Principal:
    auth = connection.headers.get("authorization")
    token = None
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        token = value.strip()
    elif connection.scope["type"] == "websocket":
        token = connection.query_params.get("token")
    if token:
        cache: PrincipalCache = connection.app.state.principal_cache
        token_hash = hash_token(token)
        principal = cache.get(token_hash)
        if principal is None:
            principal = await ctx.db.read(lambda s: service.principal_for_token(s, token=token))
            if principal is None:
                raise Unauthorized("the API token is unknown or has been revoked")
            cache.put(token_hash, principal)
        return principal

    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("authentication required: a bearer token or a session cookie")
    now = ctx.db.clock()
    found = await ctx.db.read(lambda s: service.principal_for_session(s, token=cookie, now=now))
    if found is None:
        raise Unauthorized("the session has expired or was ended; log in again")
    principal, csrf = found
    method = connection.scope.get("method", "GET")
    if connection.scope["type"] == "http" and method not in SAFE_METHODS:
        # Cookies ride along on cross-site requests; the header proves the page is ours.
        sent = connection.headers.get(CSRF_HEADER, "")
        if not sent or not constant_time_equals(sent, csrf):
            raise Forbidden("missing or wrong CSRF token (send the X-CSRF-Token header)")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate_connection)]


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise Forbidden("only an admin may do this")
    return principal


async def require_supervisor(principal: CurrentPrincipal) -> Principal:
    if not principal.is_supervisor_or_admin:
        raise Forbidden("only a supervisor or an admin may do this")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
SupervisorPrincipal = Annotated[Principal, Depends(require_supervisor)]
