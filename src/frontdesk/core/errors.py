"""RFC 9457 problem+json errors: every refusal says clearly what was wrong."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raised by services and endpoints; rendered as problem+json."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.extra = extra


class NotFound(Problem):
    status = 404
    title = "Not found"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class Unauthorized(Problem):
    status = 401
    title = "Unauthorized"


class Conflict(Problem):
    status = 409
    title = "Conflict"


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"


class Unprocessable(Problem):
    status = 422
    title = "Unprocessable content"


class TooLarge(Problem):
    status = 413
    title = "Content too large"


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return f"unknown field '{where}'"
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(exc.status, exc.title, exc.detail, **exc.extra)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        detail = "; ".join(_describe(e) for e in exc.errors()) or "invalid request"
        return problem_response(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _exc: OverflowError) -> JSONResponse:
        # SQLite refuses integers past 64 bits (an id of 30 digits): the input's fault.
        return problem_response(422, "Invalid request", "a number in the request is out of range")

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL's way of saying the same (SQLSTATE 22003); other data errors are ours.
        if getattr(exc.orig, "sqlstate", None) == "22003":
            return problem_response(
                422, "Invalid request", "a number in the request is out of range"
            )
        raise exc

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        # Services check uniqueness first; this is two requests racing past that check on
        # PostgreSQL. Nothing was written, and the client may simply send it again.
        return problem_response(
            409, "Conflict", "the request conflicts with a change made at the same moment; retry"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
        return problem_response(
            exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
        )
