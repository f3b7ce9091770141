"""The agent workspace is served at /app/: index.html for every route, hashed assets cached."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from frontdesk import web


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=app></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    monkeypatch.setattr(web, "APP_DIR", tmp_path)
    return tmp_path


async def test_every_app_route_gets_the_page(client: httpx.AsyncClient, bundle: Path) -> None:
    for path in ("/app/", "/app/login", "/app/conversations/17"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.text == "<!doctype html><div id=app></div>"
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
    r = await client.get("/app")
    assert r.status_code == 308
    assert r.headers["location"] == "/app/"


async def test_assets_are_cached_for_long(client: httpx.AsyncClient, bundle: Path) -> None:
    r = await client.get("/app/assets/index-abc123.js")
    assert r.status_code == 200
    assert r.text == "console.log(1)"
    assert "javascript" in r.headers["content-type"]
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = await client.get("/app/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["cache-control"] == "no-cache"


async def test_a_missing_asset_is_a_404_and_nothing_escapes(
    client: httpx.AsyncClient, bundle: Path
) -> None:
    r = await client.get("/app/assets/index-gone.js")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "index-gone.js" in r.json()["detail"]
    for path in ("/app/assets/%2e%2e/%2e%2e/secret.txt", "/app/%2e%2e/secret.txt"):
        r = await client.get(path)
        assert "not for the web" not in r.text, path


async def test_an_unbuilt_app_says_how_to_build_it(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "APP_DIR", tmp_path / "missing")
    for path in ("/app/", "/app/login", "/app/assets/index-abc123.js"):
        r = await client.get(path)
        assert r.status_code == 503, path
        assert r.headers["content-type"] == "application/problem+json"
        assert "npm run build" in r.json()["detail"]


async def test_the_desk_opens_straight_into_the_agent_workspace(
    client: httpx.AsyncClient, bundle: Path
) -> None:
    r = await client.get("/")
    assert r.status_code == 302
    assert r.headers["location"] == "/app/"


async def test_without_a_build_the_landing_page_says_where_things_are(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "APP_DIR", tmp_path / "missing")
    r = await client.get("/")
    assert r.status_code == 200
    assert 'href="/app/"' in r.text
    assert 'href="/api/docs"' in r.text
