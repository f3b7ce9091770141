"""The widget's transport: its public API under /widget/v1 (HTTP and the visitor websocket),
the script at /widget.js, and the endpoints agents and admins use (under /api/v1).

Every widget request names its inbox by public id and is checked against the inbox's allowed
domains (the Origin header; 403 otherwise; the desk's own pages are always allowed), then
rate-limited per IP address and, once the visitor token says who it is, per visitor. The
visitor token travels as `Authorization: Bearer <token>` (`?token=` on the websocket)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers, UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.auth.dependencies import AdminPrincipal, CurrentPrincipal
from frontdesk.channels.webchat import preview, rules, script, service
from frontdesk.channels.webchat.hub import VisitorSocket, frame
from frontdesk.channels.webchat.runtime import Widget
from frontdesk.channels.webchat.schemas import (
    CsatIn,
    CsatOut,
    MessagesOut,
    OfflineIn,
    PageIn,
    PrechatIn,
    ReadIn,
    SessionCreate,
    SessionOut,
    TypingIn,
    VisitorMessageIn,
    VisitorOut,
    WebchatSetupOut,
    WidgetConfigOut,
    WidgetMessageOut,
)
from frontdesk.channels.webchat.service import WidgetInbox
from frontdesk.channels.webchat.throttle import make_limiter
from frontdesk.conversations.api import limits_of
from frontdesk.conversations.service import StoredFile
from frontdesk.core.context import AppContext, Ctx, context_of
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import (
    Forbidden,
    Problem,
    TooLarge,
    Unauthorized,
    Unprocessable,
    problem_response,
)
from frontdesk.presence.rules import FrameBudget
from frontdesk.presence.tracker import PresenceTracker

log = logging.getLogger(__name__)
T = TypeVar("T")
widget_router = APIRouter(prefix="/widget/v1", tags=["widget"])
router = APIRouter(tags=["widget"])  # for agents and admins, under /api/v1
LONG_POLL_MAX = 25
MAX_FRAME_CHARS = 16 * 1024


def install(app: FastAPI, ctx: AppContext, presence: PresenceTracker) -> Widget:
    """Wire the widget into an app: routes, CORS for the widget API, the bus."""
    limiter = make_limiter(ctx.settings.redis_url, channel=ctx.settings.redis_channel)
    widget = Widget(ctx, presence, limiter)
    app.state.widget = widget
    ctx.bus.subscribe(widget.on_event)
    app.add_middleware(WidgetCors)
    app.include_router(widget_router)
    app.include_router(router, prefix="/api/v1")
    app.include_router(preview.router)
    script.mount(app)
    return widget


def _widget(request: Request | WebSocket) -> Widget:
    widget: Widget = request.app.state.widget
    return widget


def _address(request: Request | WebSocket) -> str:
    return request.client.host if request.client else "unknown"


class WidgetCors:
    """Any site may call the widget API from the browser (the inbox's allowed domains are then
    checked per request): no cookies are involved, the visitor token is a header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/widget/v1/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Authorization, Content-Type",
                    "Access-Control-Max-Age": "7200",
                },
            )
            await response(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", b"Retry-After"),
                ]
            await send(message)

        await self.app(scope, receive, with_cors)


# ------------------------------------------------------------------------------ widget HTTP
def _site_allowed(headers: Headers, inbox: WidgetInbox, ctx: AppContext) -> bool:
    """Whether the page a request comes from may use the inbox's chat: a page of one of its
    allowed domains, or one of the desk's own (the chat's preview), whatever the inbox allows."""
    origin = rules.page_origin(headers.get("origin"), headers.get("referer"))
    return rules.origin_allowed(origin, inbox.settings.allowed_domains) or rules.is_desk_origin(
        origin, ctx.settings.base_url
    )


async def _inbox(request: Request, ctx: AppContext, public_id: str) -> WidgetInbox:
    """The inbox of the request, if this site may use it (403 otherwise), within the IP's
    request budget."""
    widget = _widget(request)
    await widget.limit("request:ip", _address(request))
    inbox = await ctx.db.read(lambda s: service.find_inbox(s, public_id=public_id))
    if not _site_allowed(request.headers, inbox, ctx):
        raise Forbidden("this site may not use this chat (not among the inbox's allowed domains)")
    return inbox


async def _visitor(request: Request, ctx: AppContext, inbox: WidgetInbox) -> str:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the visitor token: 'Authorization: Bearer <token>'")
    key = rules.visitor_of_token(ctx.settings.secret_key, inbox.public_id, token.strip())
    if key is None:
        raise Unauthorized("the visitor token is not valid here; start a new session")
    await _widget(request).limit("request:visitor", key)
    return key


def _json(model: Any, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


@widget_router.get("/{public_id}/config", response_model=WidgetConfigOut)
async def widget_config(public_id: str, request: Request, ctx: Ctx) -> Response:
    """Everything the script draws the widget from: looks, languages, the pre-chat form,
    CSAT, whether somebody is online and the limits of files."""
    inbox = await _inbox(request, ctx, public_id)
    name, online = await _widget(request).online(inbox)
    out = service.config(
        inbox,
        name=name,
        online=online,
        max_message_chars=ctx.settings.max_message_chars,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    response = _json(out)
    response.headers["Cache-Control"] = "no-cache"
    return response


@widget_router.post("/{public_id}/sessions", response_model=SessionOut)
async def start_session(
    public_id: str, body: SessionCreate, request: Request, ctx: Ctx
) -> Response:
    """Start a visitor (or continue the one of `token`); 401 for an identity whose hash does
    not match, or when the inbox requires a verified identity and none is given."""
    inbox = await _inbox(request, ctx, public_id)
    await _widget(request).limit("session:ip", _address(request))
    user_agent = request.headers.get("user-agent")
    out = await ctx.db.write(
        lambda uow: service.start_session(
            uow,
            inbox=inbox,
            data=body,
            secret_key=ctx.settings.secret_key,
            user_agent=user_agent,
        )
    )
    return _json(out)


@widget_router.post("/{public_id}/prechat", response_model=SessionOut)
async def answer_prechat(public_id: str, body: PrechatIn, request: Request, ctx: Ctx) -> Response:
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    out = await ctx.db.write(
        lambda uow: service.answer_prechat(
            uow, inbox=inbox, key=key, data=body, secret_key=ctx.settings.secret_key
        )
    )
    return _json(out)


@widget_router.post("/{public_id}/pageview", status_code=204)
async def page_view(public_id: str, body: PageIn, request: Request, ctx: Ctx) -> Response:
    """The visitor opened another page of the site (agents see the pages viewed)."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    user_agent = request.headers.get("user-agent")
    await ctx.db.write(
        lambda uow: service.page_view(uow, inbox=inbox, key=key, page=body, user_agent=user_agent)
    )
    return Response(status_code=204)


@widget_router.get("/{public_id}/messages", response_model=MessagesOut)
async def list_messages(
    public_id: str,
    request: Request,
    ctx: Ctx,
    after: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="newer than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    wait: Annotated[
        int, Query(ge=0, le=LONG_POLL_MAX, description="seconds to wait for news (long poll)")
    ] = 0,
) -> Response:
    """The visitor's conversation (the newest messages, or those after `after`); with `wait`,
    the answer waits until something happens in the conversation (the websocket's fallback)."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)

    def read() -> Any:
        return ctx.db.read(
            lambda s: service.messages(s, inbox=inbox, key=key, after_id=after or None, limit=limit)
        )

    out: MessagesOut = await read()
    if wait and not out.items:
        widget = _widget(request)
        following = await ctx.db.read(lambda s: service.following(s, inbox=inbox, key=key))
        waiter = VisitorSocket(
            key=key,
            workspace_id=inbox.workspace_id,
            inbox_id=inbox.id,
            public_id=inbox.public_id,
            contact_id=following.contact_id,
            conversation_id=following.conversation_id,
        )
        widget.hub.connect(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.queue.get(), wait)
        finally:
            widget.hub.disconnect(waiter)
        out = await read()
    return _json(out)


async def _read_upload(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the file '{upload.filename}' is over the {limit} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse_message(
    request: Request, ctx: AppContext
) -> tuple[VisitorMessageIn, list[StoredFile]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        try:
            return VisitorMessageIn.model_validate_json(await request.body()), []
        except ValidationError as exc:
            raise _invalid(exc) from exc
    limit = min(ctx.settings.max_attachment_bytes, rules.MAX_UPLOAD_BYTES)
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * rules.MAX_UPLOADS + 1024 * 1024:
        raise TooLarge(f"the files are over the limit of {limit} bytes each")
    try:
        form = await request.form(max_files=rules.MAX_UPLOADS, max_fields=10)
    except Exception as exc:  # python-multipart's refusals: too many files or fields, bad form
        raise Unprocessable(f"the form could not be read: {exc}") from exc
    fields: dict[str, Any] = {}
    uploads: list[UploadFile] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            uploads.append(value)
        else:
            fields[name] = value
    try:
        data = VisitorMessageIn.model_validate(fields)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    checked = []
    for upload in uploads:
        name = (upload.filename or "file").replace("/", "_").replace("\\", "_")[-200:]
        declared_type = (upload.content_type or "").split(";")[0].strip().lower()
        if declared_type in ("", "application/octet-stream"):
            declared_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if not rules.upload_allowed(declared_type):
            raise Problem(
                f"files of type {declared_type} cannot be sent here (images, PDF and office "
                "documents can)",
                status=415,
                title="Unsupported media type",
            )
        checked.append((name, declared_type, await _read_upload(upload, limit)))
    stored = [
        StoredFile(
            file_name=name, content_type=ctype, size=len(blob), storage_key=ctx.storage.save(blob)
        )
        for name, ctype, blob in checked
    ]
    return data, stored


def _invalid(exc: ValidationError) -> Problem:
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    return Unprocessable(detail, title="Invalid request")


@widget_router.post(
    "/{public_id}/messages",
    response_model=WidgetMessageOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": VisitorMessageIn.model_json_schema(
                        ref_template="#/components/schemas/{model}"
                    )
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "content": {"type": "string"},
                            "client_id": {"type": "string"},
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                        "required": ["client_id"],
                    }
                },
            },
            "required": True,
        }
    },
)
async def post_message(public_id: str, request: Request, ctx: Ctx) -> Response:
    """A visitor's message: JSON, or multipart with files. `client_id` makes it idempotent:
    sent again (after a lost answer, from the offline queue) it is the same message."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    widget = _widget(request)
    await widget.limit("message:ip", _address(request))
    await widget.limit("message:visitor", key)
    if request.headers.get("content-type", "").startswith("multipart/"):
        await widget.limit("upload:visitor", key)
    data, files = await _parse_message(request, ctx)
    out = await _store_message(ctx, widget, inbox, key, data, files)
    return _json(out, 201)


async def _store_message(
    ctx: AppContext,
    widget: Widget,
    inbox: WidgetInbox,
    key: str,
    data: VisitorMessageIn,
    files: list[StoredFile],
) -> WidgetMessageOut:
    limits = limits_of(ctx)

    def write(uow: UnitOfWork) -> WidgetMessageOut:
        return service.post_message(
            uow,
            inbox=inbox,
            key=key,
            content=data.content,
            client_id=data.client_id,
            files=files,
            limits=limits,
        )

    try:
        out = await _retrying(ctx, write)
    except BaseException:
        for f in files:
            ctx.storage.delete(f.storage_key)
        raise
    if files and not out.attachments:
        for f in files:  # a repeated send: the first one's files are the message's
            ctx.storage.delete(f.storage_key)
    return out


async def _retrying(ctx: AppContext, write: Callable[[UnitOfWork], T]) -> T:
    try:
        return await ctx.db.write(write)
    except IntegrityError:
        # The same client id (or this visitor's first contact) committed by a concurrent
        # request (PostgreSQL): asked again, the service finds what that request stored.
        return await ctx.db.write(write)


@widget_router.post("/{public_id}/read", status_code=204)
async def mark_read(public_id: str, body: ReadIn, request: Request, ctx: Ctx) -> Response:
    """The visitor has seen the conversation up to this message."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    await ctx.db.write(
        lambda uow: service.mark_read(uow, inbox=inbox, key=key, message_id=body.message_id)
    )
    return Response(status_code=204)


@widget_router.post("/{public_id}/typing", status_code=204)
async def typing(public_id: str, body: TypingIn, request: Request, ctx: Ctx) -> Response:
    """The visitor is typing (or stopped): agents of the conversation see it."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    await _publish_typing(ctx, inbox, key, body.typing)
    return Response(status_code=204)


async def _publish_typing(ctx: AppContext, inbox: WidgetInbox, key: str, typing: bool) -> None:
    now = ctx.db.clock()
    event = await ctx.db.read(
        lambda s: service.typing_event(s, inbox=inbox, key=key, typing=typing, now=now)
    )
    if event is not None:
        await ctx.bus.publish([event])


@widget_router.post("/{public_id}/csat", response_model=CsatOut)
async def rate(public_id: str, body: CsatIn, request: Request, ctx: Ctx) -> Response:
    """The visitor rates the resolved conversation 1-5 (rating again changes the answer)."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    await _widget(request).limit("csat:visitor", key)
    out = await ctx.db.write(
        lambda uow: service.answer_survey(
            uow, inbox=inbox, key=key, rating=body.rating, comment=body.comment
        )
    )
    return _json(out)


@widget_router.post("/{public_id}/offline", response_model=WidgetMessageOut, status_code=201)
async def leave_message(public_id: str, body: OfflineIn, request: Request, ctx: Ctx) -> Response:
    """Nobody online: the message becomes a conversation; replies also go to the e-mail."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    await _widget(request).limit("offline:ip", _address(request))
    limits = limits_of(ctx)
    out = await _retrying(
        ctx,
        lambda uow: service.leave_offline_message(
            uow, inbox=inbox, key=key, data=body, limits=limits
        ),
    )
    return _json(out, 201)


@widget_router.get("/{public_id}/attachments/{attachment_id}")
async def download(public_id: str, attachment_id: int, request: Request, ctx: Ctx) -> FileResponse:
    """A file of the visitor's conversation (the script fetches it with the token)."""
    inbox = await _inbox(request, ctx, public_id)
    key = await _visitor(request, ctx, inbox)
    found = await ctx.db.read(
        lambda s: service.attachment_of_visitor(
            s, inbox=inbox, key=key, attachment_id=attachment_id
        )
    )
    return FileResponse(
        ctx.storage.path(found.storage_key),
        filename=found.file_name,
        media_type=found.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


# --------------------------------------------------------------------------- the websocket
async def _deny(websocket: WebSocket, status: int, title: str, detail: str) -> None:
    """Refused before the handshake: an HTTP answer (problem+json where the server can)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(problem_response(status, title, detail))
    else:
        await websocket.close(code=4000 + status)


@widget_router.websocket("/{public_id}/ws")
async def visitor_socket(websocket: WebSocket, public_id: str) -> None:
    """Frames out: `ready`, `message`, `typing`, `read`, `conversation` (status),
    `csat.requested`, `message.ack`, `pong`, `error`. Frames in: `ping`,
    `message` {client_id, content}, `typing` {typing}, `read` {message_id}."""
    ctx = context_of(websocket)
    widget = _widget(websocket)
    try:
        await widget.limit("request:ip", _address(websocket))
        inbox = await ctx.db.read(lambda s: service.find_inbox(s, public_id=public_id))
    except Problem as exc:
        await _deny(websocket, exc.status, exc.title, exc.detail)
        return
    if not _site_allowed(websocket.headers, inbox, ctx):
        await _deny(websocket, 403, "Forbidden", "this site may not use this chat")
        return
    key = rules.visitor_of_token(
        ctx.settings.secret_key, inbox.public_id, websocket.query_params.get("token")
    )
    try:
        if key is None:
            raise Unauthorized("the visitor token is not valid here; start a new session")
        visitor_key = key
        following = await ctx.db.read(
            lambda s: service.following(s, inbox=inbox, key=visitor_key, with_state=True)
        )
    except Problem as exc:
        await _deny(websocket, exc.status, exc.title, exc.detail)
        return
    await websocket.accept()
    socket = VisitorSocket(
        key=key,
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        public_id=inbox.public_id,
        contact_id=following.contact_id,
        conversation_id=following.conversation_id,
    )
    widget.hub.connect(socket)
    state = following.state.model_dump(mode="json") if following.state else None
    socket.push(frame("ready", {"conversation": state}))

    async def sender() -> None:
        while True:
            item = await socket.queue.get()
            if item is None:
                await websocket.close(code=1013, reason="too slow; reconnect")
                return
            payload = item if isinstance(item, bytes) else await widget.hub.render(socket, item)
            if payload is not None:
                await websocket.send_text(payload.decode())

    send_task = asyncio.create_task(sender())
    budget = FrameBudget()
    loop = asyncio.get_running_loop()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text") or (message.get("bytes") or b"").decode(errors="replace")
            if not budget.take(loop.time()):
                socket.push(frame("error", {"code": "rate_limited", "detail": "too many frames"}))
                continue
            answer = await _on_frame(ctx, widget, inbox, socket, text, _address(websocket))
            if answer is not None:
                socket.push(answer)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        widget.hub.disconnect(socket)
        send_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await send_task


async def _on_frame(
    ctx: AppContext,
    widget: Widget,
    inbox: WidgetInbox,
    socket: VisitorSocket,
    text: str,
    address: str,
) -> bytes | None:
    if len(text) > MAX_FRAME_CHARS:
        return frame("error", {"code": "too_large", "detail": "a frame is at most 16 KB"})
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return frame("error", {"code": "bad_frame", "detail": "the frame is not JSON"})
    kind = raw.get("type") if isinstance(raw, dict) else None
    try:
        if kind == "ping":
            return frame("pong", {})
        if kind == "typing":
            await _publish_typing(ctx, inbox, socket.key, bool(raw.get("typing", True)))
            return None
        if kind == "read":
            body = ReadIn.model_validate({"message_id": raw.get("message_id")})
            await ctx.db.write(
                lambda uow: service.mark_read(
                    uow, inbox=inbox, key=socket.key, message_id=body.message_id
                )
            )
            return None
        if kind == "message":
            data = VisitorMessageIn.model_validate(
                {"content": raw.get("content", ""), "client_id": raw.get("client_id")}
            )
            await widget.limit("message:ip", address)
            await widget.limit("message:visitor", socket.key)
            if len(socket.sent) > 100:
                socket.sent.clear()  # events that never came (a repeat stores nothing)
            socket.sent.add(rules.external_id(socket.key, data.client_id))
            out = await _store_message(ctx, widget, inbox, socket.key, data, [])
            if socket.conversation_id is None:
                # The first message started the conversation: follow it now (later moves to a
                # new conversation come with their events: see VisitorHub.on_event).
                following = await ctx.db.read(
                    lambda s: service.following(s, inbox=inbox, key=socket.key)
                )
                if following.conversation_id is not None:
                    widget.hub.follow(socket, following.conversation_id)
            return frame("message.ack", out.model_dump(mode="json"))
    except ValidationError as exc:
        return frame(
            "error",
            {"code": "bad_frame", "detail": str(_invalid(exc).detail), "frame_type": kind},
        )
    except Problem as exc:
        extra = {"client_id": raw.get("client_id")} if kind == "message" else {}
        code = exc.title.lower().replace(" ", "_")
        return frame(
            "error",
            {"code": code, "detail": exc.detail, "status": exc.status, "frame_type": kind, **extra},
        )
    return frame("error", {"code": "unknown_type", "detail": "known: ping, message, typing, read"})


# ------------------------------------------------------------------------- agents and admins
@router.get("/conversations/{conversation_id}/visitor", response_model=VisitorOut)
async def conversation_visitor(
    conversation_id: int, ctx: Ctx, principal: CurrentPrincipal
) -> VisitorOut:
    """The website visitor of a webchat conversation: current page, referrer, browser,
    language, pages viewed, pre-chat answers (404 for other conversations)."""
    return await ctx.db.read(
        lambda s: service.visitor_of_conversation(
            s, principal=principal, conversation_id=conversation_id
        )
    )


@router.get("/inboxes/{inbox_id}/webchat", response_model=WebchatSetupOut)
async def webchat_setup(inbox_id: int, ctx: Ctx, principal: AdminPrincipal) -> WebchatSetupOut:
    """For admins: the snippet to paste into the site, and the identity secret the site signs
    its users' ids with (never shown to anybody else)."""
    return await ctx.db.write(
        lambda uow: service.setup(
            uow, principal=principal, inbox_id=inbox_id, base_url=ctx.settings.base_url
        )
    )


@router.post("/inboxes/{inbox_id}/webchat/identity-secret", response_model=WebchatSetupOut)
async def rotate_identity_secret(
    inbox_id: int, ctx: Ctx, principal: AdminPrincipal
) -> WebchatSetupOut:
    """A new identity secret: signatures made with the old one are refused from now on."""
    return await ctx.db.write(
        lambda uow: service.setup(
            uow,
            principal=principal,
            inbox_id=inbox_id,
            base_url=ctx.settings.base_url,
            rotate=True,
        )
    )
