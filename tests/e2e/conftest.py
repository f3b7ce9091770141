"""Browser tests: Playwright for Python driving Debian's Chromium against a live desk that
serves the built agent workspace. Playwright never downloads a browser here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from frontdesk import web
from tests.conftest import Desk, LiveServer, seed_desk

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (./scripts/test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def built_app() -> Path:
    index = web.APP_DIR / "index.html"
    if not index.is_file():
        # Not a skip: a browser test that does not run is a browser test that does not pass.
        pytest.fail(
            f"the agent workspace is not built ({index} is missing): "
            "run `npm ci && npm run build` in web/app, or ./scripts/test, which does it"
        )
    return web.APP_DIR


@pytest.fixture
def live_desk(live_app: tuple[Any, LiveServer], built_app: Path) -> tuple[LiveServer, Desk]:
    application, server = live_app
    return server, seed_desk(application.state.ctx.db)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the page threw: {errors}"
