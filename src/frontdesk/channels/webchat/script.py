"""Serves the widget script: `/widget.js`, a tiny loader that sites embed (cached briefly, so
a new release reaches them within minutes), which loads the content-hashed bundle built from
web/widget (`/widget/assets/...`, cached for a year)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from frontdesk.core.errors import problem_response

WIDGET_DIR = Path(__file__).resolve().parents[2] / "static" / "widget"
MANIFEST = Path(".vite") / "manifest.json"
ENTRY = "src/main.ts"
LOADER_CACHE = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = "the widget is not built: run `npm ci && npm run build` in web/widget"
_JS = "text/javascript; charset=utf-8"

# Finds its own <script> (the snippet), and adds the bundle next to it, asynchronously: the
# host page never waits for the widget. Only the first snippet on a page counts.
_LOADER = """(function(){var s=document.currentScript,w=window;
if(!s||w.__frontdeskWidget)return;var i=s.getAttribute("data-inbox");if(!i)return;
w.__frontdeskWidget={inbox:i,desk:new URL(".",s.src).href};
var b=document.createElement("script");b.async=true;b.src=new URL(%s,s.src).href;
(document.head||document.documentElement).appendChild(b);})();
"""


def bundle_name(directory: Path | None = None) -> str | None:
    """The hashed bundle's path under the widget's static directory, from Vite's manifest."""
    manifest = (directory or WIDGET_DIR) / MANIFEST
    try:
        entry = json.loads(manifest.read_text())[ENTRY]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    name = entry.get("file") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else None


def loader(bundle: str) -> str:
    return _LOADER % json.dumps(f"widget/{bundle}")


def mount(app: FastAPI) -> None:
    @app.get("/widget.js", include_in_schema=False)
    async def widget_js() -> Response:
        bundle = bundle_name()
        if bundle is None:
            return Response(
                f"console.warn({json.dumps('Frontdesk: ' + NOT_BUILT)});\n",
                status_code=503,
                media_type=_JS,
                headers={"Cache-Control": "no-store"},
            )
        return Response(loader(bundle), media_type=_JS, headers={"Cache-Control": LOADER_CACHE})

    @app.get("/widget/assets/{path:path}", include_in_schema=False)
    async def widget_asset(path: str) -> Response:
        root = (WIDGET_DIR / "assets").resolve()
        found = (root / path).resolve()
        if not found.is_relative_to(root) or not found.is_file():
            return problem_response(404, "Not found", f"no widget asset {path!r}")
        media = _JS if found.suffix == ".js" else None
        return FileResponse(found, media_type=media, headers={"Cache-Control": IMMUTABLE})
