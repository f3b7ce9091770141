"""The script sites embed: /widget.js (a tiny loader, cached for minutes) loads the hashed
bundle (cached for a year), which stays under 30 KB gzipped."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
import pytest

from frontdesk.channels.webchat import script

MAX_GZIPPED = 30 * 1024


@pytest.fixture
def bundle() -> Path:
    name = script.bundle_name()
    if name is None:
        # Not a skip: an unbuilt widget is a failing widget.
        pytest.fail(
            f"the widget is not built ({script.WIDGET_DIR} has no manifest): run "
            "`npm ci && npm run build` in web/widget (./scripts/test and ./scripts/demo do it)"
        )
    return script.WIDGET_DIR / name


def test_the_widget_is_at_most_30_kb_gzipped(bundle: Path) -> None:
    size = len(gzip.compress(bundle.read_bytes(), compresslevel=9))
    assert size <= MAX_GZIPPED, f"widget.js is {size} bytes gzipped; the budget is {MAX_GZIPPED}"


async def test_the_loader_and_the_bundle_are_served(
    client: httpx.AsyncClient, bundle: Path
) -> None:
    built = await asyncio.to_thread(bundle.read_bytes)
    r = await client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "public, max-age=300"
    loader = r.text
    assert len(loader) < 1000
    assert "async=true" in loader and "data-inbox" in loader
    assert f'"widget/assets/{bundle.name}"' in loader
    r = await client.get(f"/widget/assets/{bundle.name}")
    assert r.status_code == 200
    assert r.content == built
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/javascript")
    for path in ("../.vite/manifest.json", "nope.js", "..%2F..%2Fstatic"):
        assert (await client.get(f"/widget/assets/{path}")).status_code == 404


async def test_an_unbuilt_widget_says_so_in_the_console(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(script, "WIDGET_DIR", tmp_path)
    r = await client.get("/widget.js")
    assert r.status_code == 503
    assert r.text.startswith("console.warn(")
    assert r.headers["cache-control"] == "no-store"
