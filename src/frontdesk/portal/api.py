"""The portal's pages: HTML rendered by the server (Jinja2) under /portal/<workspace slug>/.

Transport only: read the form, check the session and its CSRF token, call the service, render
a page or redirect (post/redirect/get). Pages work without JavaScript; portal.js only shows
times in the browser's zone and says when a reply arrived.

Cookies are scoped to the portal's path, httponly, SameSite=Lax: `frontdesk_portal` (the
session), `frontdesk_portal_csrf` (the signed-out forms' double-submit token) and
`frontdesk_portal_lang` (the chosen language).
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from babel.dates import format_date, format_time
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.context import AppContext, context_of
from frontdesk.core.errors import Problem, TooLarge, Unprocessable
from frontdesk.core.security import constant_time_equals, new_token
from frontdesk.portal import rules, service
from frontdesk.portal.schemas import Customer, Portal, SignInRequest
from frontdesk.portal.texts import LANGUAGES, text

SESSION_COOKIE = "frontdesk_portal"
CSRF_COOKIE = "frontdesk_portal_csrf"
LANG_COOKIE = "frontdesk_portal_lang"
MAX_ATTACHMENTS = 10
ASSETS = Path(__file__).parent / "assets"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
# Content hashes in the assets' URLs: cached for good, a changed file is a new URL.
_VERSIONS = {
    p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in ASSETS.iterdir() if p.is_file()
}
_HEADERS = {
    # No inline script or style anywhere: only the portal's own two files run.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    # A sign-in link in the address bar never travels on as a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


# ------------------------------------------------------------------------- error pages
class _PortalRoute(APIRoute):
    """Refusals become pages in the customer's language, not problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except _Closed as closed:
                return closed.response
            except Problem as exc:
                return _problem_page(request, exc.status, headers=exc.headers)
            except (RequestValidationError, ValidationError):
                return _problem_page(request, 404)
            except StarletteHTTPException as exc:
                return _problem_page(request, exc.status_code)

        return run


router = APIRouter(route_class=_PortalRoute, include_in_schema=False)


def _problem_page(
    request: Request, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    language = _language(request)
    heading, body = {
        401: ("sign_in", "sign_in_first"),
        403: ("error", "error_form_expired"),
        404: ("not_found", "not_found_body"),
        429: ("error", "too_many"),
    }.get(status, ("error", "error_body"))
    values = {"minutes": 1} if body == "too_many" else {}
    return _html(
        "error.html",
        language=language,
        status=status,
        portal=None,
        customer=None,
        heading=text(language, heading),
        message=text(language, body, **values),
        extra_headers=dict(headers or {}),
    )


# ------------------------------------------------------------------------------ helpers
def _language(request: Request) -> str:
    return rules.pick_language(
        asked=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def _time(value: datetime, language: str) -> str:
    value = value.astimezone(UTC)
    day = format_date(value, format="medium", locale=language)
    return f"{day}, {format_time(value, format='short', tzinfo=UTC, locale=language)} UTC"


def _html(
    template: str,
    *,
    language: str,
    status: int = 200,
    portal: Portal | None,
    customer: Customer | None,
    extra_headers: Mapping[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    def t(key: str, **kw: object) -> str:
        return text(language, key, **kw)

    page = _ENV.get_template(template).render(
        t=t,
        lang=language,
        languages=LANGUAGES,
        portal=portal,
        customer=customer,
        home=f"/portal/{quote(portal.slug)}" if portal else None,
        asset=lambda name: f"/portal/-/{name}?v={_VERSIONS.get(name, '0')}",
        when=lambda value: _time(value, language),
        iso=lambda value: value.astimezone(UTC).isoformat(),
        size=lambda value: rules.human_size(value, language),
        **values,
    )
    return HTMLResponse(page, status_code=status, headers={**_HEADERS, **(extra_headers or {})})


@dataclass
class _Page:
    """What every portal request starts from."""

    request: Request
    ctx: AppContext
    portal: Portal
    language: str
    customer: Customer | None
    anonymous_csrf: str | None = None

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        response = _html(
            template,
            language=self.language,
            status=status,
            portal=self.portal,
            customer=self.customer,
            **values,
        )
        self.remember_language(response)
        return response

    def redirect(self, path: str) -> RedirectResponse:
        response = RedirectResponse(f"/portal/{quote(self.portal.slug)}{path}", status_code=303)
        self.remember_language(response)
        return response

    def remember_language(self, response: Response) -> None:
        if self.request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                self.language,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=self.ctx.settings.cookie_secure,
                path="/portal",
            )

    @property
    def path(self) -> str:
        return f"/portal/{quote(self.portal.slug)}"

    @property
    def limits(self) -> Limits:
        return Limits(
            max_message_chars=self.ctx.settings.max_message_chars,
            reopen_window=timedelta(days=self.ctx.settings.reopen_window_days),
        )


class _Closed(Exception):
    """The portal is not there or not enabled: answered with its own page."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def _page(request: Request, slug: str) -> _Page:
    ctx = context_of(request)
    language = _language(request)
    portal = await ctx.db.read(lambda s: service.find_portal(s, slug=slug))
    if portal is None or not portal.enabled:
        raise _Closed(
            _html(
                "error.html",
                language=language,
                status=404,
                portal=None,
                customer=None,
                heading=text(language, "not_found" if portal is None else "portal_off"),
                message=text(language, "no_portal")
                if portal is None
                else text(language, "portal_off_body", portal=portal.name),
            )
        )
    token = request.cookies.get(SESSION_COOKIE)
    customer = None
    if token:
        now = ctx.db.clock()
        customer = await ctx.db.read(
            lambda s: service.customer_for(s, portal=portal, token=token, now=now)
        )
        asked = request.query_params.get("lang")
        if customer is not None and asked in LANGUAGES and asked != customer.language:
            signed_in = customer
            await ctx.db.write(
                lambda uow: service.set_language(
                    uow, portal=portal, customer=signed_in, language=language
                )
            )
    return _Page(request, ctx, portal, language, customer)


def _limiter(request: Request, name: str, limit: int, window: float) -> rules.WindowLimiter:
    """Per app (tests run many apps in one process), created on first use."""
    limiters: dict[str, rules.WindowLimiter] | None = getattr(
        request.app.state, "portal_limiters", None
    )
    if limiters is None:
        limiters = request.app.state.portal_limiters = {}
    if name not in limiters:
        limiters[name] = rules.WindowLimiter(
            limit=limit, window_seconds=window, clock=time.monotonic
        )
    return limiters[name]


def _too_many(page: _Page, wait: float) -> HTMLResponse:
    minutes = max(1, int(wait // 60) + 1)
    return page.render(
        "sign_in.html",
        status=429,
        notice=text(page.language, "too_many", minutes=minutes),
        notice_kind="error",
        csrf=_anonymous_csrf(page),
        email="",
        extra_headers={"Retry-After": str(max(1, int(wait)))},
    )


def _anonymous_csrf(page: _Page) -> str:
    """The signed-out forms' token (double submit): the cookie's, or a new one to set."""
    if page.anonymous_csrf is None:
        current = page.request.cookies.get(CSRF_COOKIE)
        valid = current is not None and 20 <= len(current) <= 100
        page.anonymous_csrf = current if valid else new_token("fpc")
    return page.anonymous_csrf or ""


def _with_anonymous_csrf(page: _Page, response: Response, csrf: str) -> Response:
    if page.request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="lax",
            secure=page.ctx.settings.cookie_secure,
            path=page.path,
        )
    return response


def _csrf_ok(sent: Any, expected: str | None) -> bool:
    return isinstance(sent, str) and bool(expected) and constant_time_equals(sent, expected or "")


def _sign_in_page(
    page: _Page, *, status: int = 200, notice: str = "", notice_kind: str = "info", email: str = ""
) -> Response:
    csrf = _anonymous_csrf(page)
    response = page.render(
        "sign_in.html",
        status=status,
        notice=notice,
        notice_kind=notice_kind,
        csrf=csrf,
        email=email,
    )
    return _with_anonymous_csrf(page, response, csrf)


async def _read_form(page: _Page) -> tuple[FormData, list[UploadFile]]:
    limit = page.ctx.settings.max_attachment_bytes
    declared = int(page.request.headers.get("content-length") or 0)
    if declared > limit * MAX_ATTACHMENTS + 1024 * 1024:
        raise TooLarge(f"the request is over the attachment limit of {limit} bytes")
    try:
        # More files than allowed are read (up to a bound) to be refused on the form.
        form = await page.request.form(max_files=MAX_ATTACHMENTS * 3, max_fields=100)
    except StarletteHTTPException as exc:
        raise Unprocessable(str(exc.detail)) from exc
    uploads = [
        v
        for k, v in form.multi_items()
        if k == "files" and isinstance(v, UploadFile) and (v.filename or v.size)
    ]
    return form, uploads


async def _store(page: _Page, uploads: list[UploadFile]) -> tuple[list[StoredFile], str | None]:
    """Save the uploads; or, for one over the limit, nothing and why."""
    limit = page.ctx.settings.max_attachment_bytes
    blobs = []
    for upload in uploads:
        chunks, size = [], 0
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                return [], text(
                    page.language,
                    "error_file_too_large",
                    name=upload.filename or "",
                    size=rules.human_size(limit, page.language),
                )
            chunks.append(chunk)
        blobs.append((upload, b"".join(chunks)))
    stored = []
    for upload, blob in blobs:
        name = (upload.filename or "file").replace("/", "_").replace("\\", "_")[-255:]
        ctype = upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored.append(
            StoredFile(
                file_name=name,
                content_type=ctype,
                size=len(blob),
                storage_key=page.ctx.storage.save(blob),
            )
        )
    return stored, None


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _post_limited(page: _Page) -> float | None:
    assert page.customer is not None
    return _limiter(
        page.request,
        "posts",
        rules.POSTS_PER_SESSION,
        rules.POSTS_PER_SESSION_WINDOW_SECONDS,
    ).hit(page.customer.token_hash)


# ------------------------------------------------------------------------------ assets
@router.get("/portal/-/{name}")
async def asset(name: str) -> Response:
    if name not in _VERSIONS:
        return Response(status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(
        ASSETS / name,
        media_type=media,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


# ---------------------------------------------------------------------- signing in / out
@router.get("/portal/{slug}/")
async def home_slash(slug: str) -> Response:
    return RedirectResponse(f"/portal/{quote(slug)}", status_code=308)


@router.get("/portal/{slug}")
async def home(slug: str, request: Request, cursor: str | None = None) -> Response:
    page = await _page(request, slug)
    if page.customer is None:
        notice = ""
        if request.query_params.get("signed_out"):
            notice = text(page.language, "signed_out")
        return _sign_in_page(page, notice=notice)
    customer = page.customer
    listing = await page.ctx.db.read(
        lambda s: service.list_conversations(
            s, portal=page.portal, email=customer.email, cursor=cursor, limit=50
        )
    )
    return page.render("conversations.html", listing=listing, paged=cursor is not None)


@router.post("/portal/{slug}/sign-in")
async def ask_for_link(slug: str, request: Request) -> Response:
    page = await _page(request, slug)
    form = await request.form(max_files=0, max_fields=10)
    raw_email = _field(form, "email")
    if not _csrf_ok(form.get("csrf"), request.cookies.get(CSRF_COOKIE)):
        return _sign_in_page(
            page,
            status=403,
            notice=text(page.language, "error_form_expired"),
            notice_kind="error",
            email=raw_email,
        )
    try:
        email = str(SignInRequest(email=raw_email).email)
    except ValidationError:
        return _sign_in_page(
            page,
            status=422,
            notice=text(page.language, "error_email"),
            notice_kind="error",
            email=raw_email,
        )
    address = request.client.host if request.client else "unknown"
    wait = _limiter(
        request,
        "links",
        rules.REQUESTS_PER_ADDRESS,
        rules.REQUESTS_PER_ADDRESS_WINDOW_SECONDS,
    ).hit(address)
    if wait is not None:
        return _too_many(page, wait)
    await page.ctx.db.write(
        lambda uow: service.request_link(
            uow, portal=page.portal, email=email, language=page.language
        )
    )
    csrf = _anonymous_csrf(page)
    response = page.render("check_email.html", email=email, minutes=rules.LINK_MINUTES, csrf=csrf)
    return _with_anonymous_csrf(page, response, csrf)


def _refused_link(page: _Page, exc: service.LinkRefused) -> Response:
    reason = {
        rules.LinkState.USED: text(page.language, "link_used"),
        rules.LinkState.EXPIRED: text(page.language, "link_expired", minutes=rules.LINK_MINUTES),
    }.get(exc.state, text(page.language, "link_unknown"))
    return _sign_in_page(
        page,
        status=exc.status,
        notice=f"{reason} {text(page.language, 'link_new')}",
        notice_kind="error",
    )


@router.get("/portal/{slug}/sign-in/{token}")
async def confirm_link(slug: str, token: str, request: Request) -> Response:
    """Shows who the link signs in; only the button uses it (mail scanners open links)."""
    page = await _page(request, slug)
    now = page.ctx.db.clock()
    try:
        email = await page.ctx.db.read(
            lambda s: service.check_link(s, portal=page.portal, token=token, now=now)
        )
    except service.LinkRefused as exc:
        return _refused_link(page, exc)
    csrf = _anonymous_csrf(page)
    response = page.render("confirm.html", email=email, csrf=csrf, token=token)
    return _with_anonymous_csrf(page, response, csrf)


@router.post("/portal/{slug}/sign-in/{token}")
async def use_link(slug: str, token: str, request: Request) -> Response:
    page = await _page(request, slug)
    form = await request.form(max_files=0, max_fields=10)
    if not _csrf_ok(form.get("csrf"), request.cookies.get(CSRF_COOKIE)):
        return _sign_in_page(
            page, status=403, notice=text(page.language, "error_form_expired"), notice_kind="error"
        )
    lifetime = timedelta(days=page.ctx.settings.session_days)
    try:
        new = await page.ctx.db.write(
            lambda uow: service.sign_in(
                uow, portal=page.portal, token=token, language=page.language, lifetime=lifetime
            )
        )
    except service.LinkRefused as exc:
        return _refused_link(page, exc)
    response = page.redirect("")
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=page.ctx.settings.cookie_secure,
        path=page.path,
    )
    response.delete_cookie(CSRF_COOKIE, path=page.path)
    return response


@router.post("/portal/{slug}/sign-out")
async def sign_out(slug: str, request: Request) -> Response:
    page = await _page(request, slug)
    customer = page.customer
    if customer is not None:
        form = await request.form(max_files=0, max_fields=10)
        if not _csrf_ok(form.get("csrf"), customer.csrf_token):
            raise Problem("missing or wrong CSRF token", status=403, title="Forbidden")
        await page.ctx.db.write(
            lambda uow: service.sign_out(uow, portal=page.portal, customer=customer)
        )
    response = page.redirect("?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path=page.path)
    return response


# ------------------------------------------------------------------------- new requests
def _signed_in(page: _Page) -> Customer:
    if page.customer is None:
        raise Problem("sign in first", status=401, title="Unauthorized")
    return page.customer


@router.get("/portal/{slug}/requests/new")
async def new_request(slug: str, request: Request) -> Response:
    page = await _page(request, slug)
    if page.customer is None:
        return _sign_in_page(page, notice=text(page.language, "sign_in_first"))
    fields = await page.ctx.db.read(lambda s: service.form_fields(s, portal=page.portal))
    return page.render("new_request.html", **_request_form(page, fields, {}, {}))


def _request_form(
    page: _Page, fields: list[Any], values: Mapping[str, str], errors: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "fields": fields,
        "values": values,
        "errors": errors,
        "types": rules.REQUEST_TYPES,
        "max_files": MAX_ATTACHMENTS,
        "max_size": page.ctx.settings.max_attachment_bytes,
    }


@router.post("/portal/{slug}/requests")
async def create_request(slug: str, request: Request) -> Response:
    page = await _page(request, slug)
    customer = _signed_in(page)
    form, uploads = await _read_form(page)
    if not _csrf_ok(form.get("csrf"), customer.csrf_token):
        raise Problem("missing or wrong CSRF token", status=403, title="Forbidden")
    wait = _post_limited(page)
    if wait is not None:
        raise Problem("too many messages", status=429, title="Too many requests")
    fields = await page.ctx.db.read(lambda s: service.form_fields(s, portal=page.portal))
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    kind = _field(form, "type")
    subject = _field(form, "subject")
    content = _field(form, "content")
    attributes, field_errors = service.parse_fields(fields, values)
    errors = {
        f"field_{key}": text(page.language, e.key, **e.values) for key, e in field_errors.items()
    }
    if kind not in rules.REQUEST_TYPES:
        errors["type"] = text(page.language, "error_choice")
    if not subject:
        errors["subject"] = text(page.language, "error_required")
    elif len(subject) > rules.MAX_SUBJECT:
        errors["subject"] = text(page.language, "error_too_long", max=rules.MAX_SUBJECT)
    if not content:
        errors["content"] = text(page.language, "error_required")
    elif len(content) > page.ctx.settings.max_message_chars:
        errors["content"] = text(
            page.language, "error_too_long", max=page.ctx.settings.max_message_chars
        )
    if len(uploads) > MAX_ATTACHMENTS:
        errors["files"] = text(page.language, "error_too_many_files", count=MAX_ATTACHMENTS)
    files: list[StoredFile] = []
    if not errors:
        files, too_large = await _store(page, uploads)
        if too_large:
            errors["files"] = too_large
    if errors:
        return page.render(
            "new_request.html", status=422, **_request_form(page, fields, values, errors)
        )
    limits = page.limits
    try:
        conversation_id = await page.ctx.db.write(
            lambda uow: service.open_request(
                uow,
                portal=page.portal,
                email=customer.email,
                type=kind,
                subject=subject,
                content=content,
                custom_attributes=attributes,
                files=files,
                limits=limits,
            )
        )
    except BaseException:
        for f in files:
            page.ctx.storage.delete(f.storage_key)
        raise
    return page.redirect(f"/conversations/{conversation_id}")


# ------------------------------------------------------------------------ conversations
@router.get("/portal/{slug}/conversations/{conversation_id}")
async def conversation(slug: str, conversation_id: int, request: Request) -> Response:
    page = await _page(request, slug)
    if page.customer is None:
        return _sign_in_page(page, notice=text(page.language, "sign_in_first"))
    return await _conversation_page(page, conversation_id)


async def _conversation_page(
    page: _Page, conversation_id: int, *, status: int = 200, error: str = "", draft: str = ""
) -> Response:
    customer = _signed_in(page)
    detail = await page.ctx.db.read(
        lambda s: service.get_conversation(
            s, portal=page.portal, email=customer.email, conversation_id=conversation_id
        )
    )
    latest = detail.messages[-1].id if detail.messages else 0
    return page.render(
        "conversation.html",
        status=status,
        detail=detail,
        latest=latest,
        error=error,
        draft=draft,
        max_files=MAX_ATTACHMENTS,
        max_size=page.ctx.settings.max_attachment_bytes,
    )


@router.post("/portal/{slug}/conversations/{conversation_id}/messages")
async def reply(slug: str, conversation_id: int, request: Request) -> Response:
    page = await _page(request, slug)
    customer = _signed_in(page)
    form, uploads = await _read_form(page)
    if not _csrf_ok(form.get("csrf"), customer.csrf_token):
        raise Problem("missing or wrong CSRF token", status=403, title="Forbidden")
    wait = _post_limited(page)
    if wait is not None:
        raise Problem("too many messages", status=429, title="Too many requests")
    content = _field(form, "content")
    if len(content) > page.ctx.settings.max_message_chars:
        return await _conversation_page(
            page,
            conversation_id,
            status=422,
            error=text(page.language, "error_too_long", max=page.ctx.settings.max_message_chars),
            draft=content,
        )
    if len(uploads) > MAX_ATTACHMENTS:
        return await _conversation_page(
            page,
            conversation_id,
            status=422,
            error=text(page.language, "error_too_many_files", count=MAX_ATTACHMENTS),
            draft=content,
        )
    if not content and not uploads:
        return await _conversation_page(
            page, conversation_id, status=422, error=text(page.language, "error_required")
        )
    files, too_large = await _store(page, uploads)
    if too_large:
        return await _conversation_page(
            page, conversation_id, status=422, error=too_large, draft=content
        )
    limits = page.limits
    try:
        target = await page.ctx.db.write(
            lambda uow: service.reply(
                uow,
                portal=page.portal,
                email=customer.email,
                conversation_id=conversation_id,
                content=content,
                files=files,
                limits=limits,
            )
        )
    except BaseException:
        for f in files:
            page.ctx.storage.delete(f.storage_key)
        raise
    return page.redirect(f"/conversations/{target}")


@router.get("/portal/{slug}/conversations/{conversation_id}/latest")
async def latest(slug: str, conversation_id: int, request: Request) -> Response:
    """The newest public message id, for the page to tell the customer a reply arrived."""
    ctx = context_of(request)
    portal = await ctx.db.read(lambda s: service.find_portal(s, slug=slug))
    token = request.cookies.get(SESSION_COOKIE)
    customer = None
    if portal is not None and portal.enabled and token:
        now = ctx.db.clock()
        customer = await ctx.db.read(
            lambda s: service.customer_for(s, portal=portal, token=token, now=now)
        )
    if portal is None or customer is None:
        return JSONResponse(
            {"latest": None}, status_code=401, headers={"Cache-Control": "no-store"}
        )
    email = customer.email
    newest = await ctx.db.read(
        lambda s: service.latest_message_id(
            s, portal=portal, email=email, conversation_id=conversation_id
        )
    )
    return JSONResponse({"latest": newest}, headers={"Cache-Control": "no-store"})


@router.get("/portal/{slug}/attachments/{attachment_id}")
async def attachment(slug: str, attachment_id: int, request: Request) -> Response:
    page = await _page(request, slug)
    customer = _signed_in(page)
    found = await page.ctx.db.read(
        lambda s: service.attachment_file(
            s, portal=page.portal, email=customer.email, attachment_id=attachment_id
        )
    )
    # A download with its declared type, never rendered as a page of the portal's origin.
    return FileResponse(
        page.ctx.storage.path(found.storage_key),
        filename=found.file_name,
        media_type=found.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, no-store",
        },
    )


__all__ = ["router"]
