"""The list's views (Mine, Unassigned, All) and filters: what they show, how they follow live
changes, and that a reload keeps them."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_login import log_in


def create(api: httpx.Client, desk: Desk, name: str, **fields: Any) -> int:
    r = api.post(
        "/conversations",
        json={
            "inbox_id": desk.inbox_id,
            "contact": {"name": name},
            "message": {"content": f"Hello from {name}"},
            **fields,
        },
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] == fields.get("assignee_id")
    cid: int = r.json()["id"]
    return cid


def row(page: Page, cid: int) -> Any:
    return page.locator(f'tr[data-conversation-id="{cid}"]')


def test_views_follow_assignment_live_and_survive_a_reload(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    waiting = create(api, desk, "Unassigned Customer")
    taken = create(api, desk, "Assigned Customer", assignee_id=desk.agent.id)

    log_in(page, server, desk.agent.email, PASSWORD)
    # All is the default view: both are there.
    expect(row(page, waiting)).to_be_visible()
    expect(row(page, taken)).to_be_visible()

    page.get_by_test_id("view-unassigned").click()
    expect(page).to_have_url(re.compile(r"[?&]view=unassigned"))
    expect(row(page, waiting)).to_be_visible()
    expect(row(page, taken)).to_have_count(0)
    page.evaluate("window.notReloaded = true")

    r = api.post(
        f"/conversations/{waiting}/assignment",
        json={"assignee_id": desk.agent.id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    # It leaves Unassigned without a reload.
    expect(row(page, waiting)).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    page.get_by_test_id("view-mine").click()
    expect(row(page, waiting)).to_be_visible()
    expect(row(page, taken)).to_be_visible()

    page.reload()
    expect(page).to_have_url(re.compile(r"[?&]view=mine"))
    expect(page.get_by_test_id("view-mine")).to_have_attribute("aria-selected", "true")
    expect(row(page, waiting)).to_be_visible()

    # The last view chosen is remembered even without the query.
    page.goto(f"{server.url}/app/")
    expect(page.get_by_test_id("view-mine")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"[?&]view=mine"))


def test_a_status_filter_shows_only_that_status_and_a_reload_keeps_it(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    still_open = create(api, desk, "Open Customer")
    done = create(api, desk, "Resolved Customer")
    r = api.post(
        f"/conversations/{done}/status", json={"status": "resolved"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text

    log_in(page, server, desk.agent.email, PASSWORD)
    # Open and pending by default: the resolved one is not listed.
    expect(row(page, still_open)).to_be_visible()
    expect(row(page, done)).to_have_count(0)

    page.get_by_test_id("status-filter-resolved").check()
    expect(row(page, done)).to_be_visible()
    page.get_by_test_id("status-filter-open").uncheck()
    page.get_by_test_id("status-filter-pending").uncheck()
    expect(row(page, still_open)).to_have_count(0)
    rows = page.locator("tr[data-conversation-id]")
    expect(rows).to_have_count(1)
    expect(row(page, done)).to_contain_text("Resolved")
    # The last status left cannot be unchecked: the list never means "nothing".
    expect(page.get_by_test_id("status-filter-resolved")).to_be_disabled()

    page.reload()
    expect(page).to_have_url(re.compile(r"[?&]status=resolved"))
    expect(row(page, done)).to_be_visible()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("status-filter-open")).not_to_be_checked()

    # Reopened elsewhere, it leaves the resolved list live.
    r = api.post(
        f"/conversations/{done}/status", json={"status": "open"}, headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    expect(rows).to_have_count(0)
    expect(page.get_by_test_id("empty")).to_be_visible()
