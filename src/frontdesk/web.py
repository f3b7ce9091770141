"""Serves the agent workspace, the single-page app built from web/app, at `/app/`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response

from frontdesk.core.errors import problem_response

# Read at request time, so that a bundle built while the desk runs is served without a restart
# (and tests can point it elsewhere).
APP_DIR = Path(__file__).parent / "static" / "app"
# Vite puts a content hash in every asset's name: a changed file is a new URL.
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "the agent workspace is not built: run `npm ci && npm run build` in web/app "
    "(./scripts/demo and ./scripts/test do it)"
)


def _file_in(directory: Path, relative: str) -> Path | None:
    """The regular file at `relative` under `directory`, never a path that escapes it."""
    root = directory.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def app_built() -> bool:
    return (APP_DIR / "index.html").is_file()


def _index(directory: Path) -> Response:
    index = directory / "index.html"
    if not index.is_file():
        return problem_response(503, "Agent workspace not built", NOT_BUILT)
    # The page names the current assets: always ask whether it changed.
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


def mount_app(app: FastAPI) -> None:
    @app.get("/app", include_in_schema=False)
    async def app_root() -> Response:
        return RedirectResponse("/app/", status_code=308)

    @app.get("/app/assets/{path:path}", include_in_schema=False)
    async def app_asset(path: str) -> Response:
        found = _file_in(APP_DIR / "assets", path)
        if found is None:
            if not (APP_DIR / "index.html").is_file():
                return problem_response(503, "Agent workspace not built", NOT_BUILT)
            return problem_response(404, "Not found", f"no asset {path!r} in the agent workspace")
        return FileResponse(found, headers={"Cache-Control": IMMUTABLE})

    @app.get("/app/{path:path}", include_in_schema=False)
    async def app_page(path: str) -> Response:
        # A file the build copied as is (the icon); any other path is a route of the app.
        found = _file_in(APP_DIR, path) if path else None
        if found is not None and found.name != "index.html":
            return FileResponse(found, headers={"Cache-Control": "no-cache"})
        return _index(APP_DIR)
