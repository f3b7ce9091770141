"""The list's views and live counts, Mentions, unread markers, waiting badges, bulk actions and
saved personal views, in the browser."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_login import log_in


def client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)


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
    cid: int = r.json()["id"]
    return cid


def row(page: Page, cid: int) -> Any:
    return page.locator(f'tr[data-conversation-id="{cid}"]')


def count(page: Page, view: str) -> Any:
    return page.get_by_test_id(f"count-{view}")


def test_views_and_counts_follow_an_assignment_live(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    waiting = create(api, desk, "Unassigned Customer")
    create(api, desk, "Assigned Customer", assignee_id=desk.agent.id)

    log_in(page, server, desk.agent.email, PASSWORD)
    expect(count(page, "mine")).to_have_text("1")
    expect(count(page, "unassigned")).to_have_text("1")
    expect(count(page, "all")).to_have_text("2")
    expect(count(page, "my_teams")).to_have_text("0")
    expect(count(page, "mentions")).to_have_text("0")

    page.get_by_test_id("view-unassigned").click()
    expect(row(page, waiting)).to_be_visible()
    page.evaluate("window.notReloaded = true")
    r = api.post(
        f"/conversations/{waiting}/assignment",
        json={"assignee_id": desk.agent.id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    expect(row(page, waiting)).to_have_count(0)
    expect(count(page, "mine")).to_have_text("2")
    expect(count(page, "unassigned")).to_have_text("0")
    expect(count(page, "all")).to_have_text("2")
    # A new conversation counts too; all without a reload.
    create(api, desk, "Third Customer")
    expect(count(page, "unassigned")).to_have_text("1")
    expect(count(page, "all")).to_have_text("3")
    assert page.evaluate("window.notReloaded") is True

    # Counts follow the status filter: nothing resolved yet.
    page.get_by_test_id("view-all").click()
    page.get_by_test_id("status-filter-resolved").check()
    page.get_by_test_id("status-filter-open").uncheck()
    page.get_by_test_id("status-filter-pending").uncheck()
    expect(count(page, "all")).to_have_text("0")


def test_my_teams_shows_what_is_handed_to_my_team(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    cid = create(api, desk, "Team Customer")
    # The supervisor is the only member of the desk's team.
    log_in(page, server, desk.supervisor.email, PASSWORD)
    page.get_by_test_id("view-my_teams").click()
    expect(page).to_have_url(re.compile(r"[?&]view=my_teams"))
    expect(page.get_by_test_id("empty")).to_be_visible()
    r = api.post(
        f"/conversations/{cid}/assignment",
        json={"team_id": desk.team_id},
        headers=desk.admin.headers,
    )
    assert r.status_code == 200, r.text
    expect(row(page, cid)).to_be_visible()
    expect(count(page, "my_teams")).to_have_text("1")


def test_a_note_mentioning_me_brings_the_conversation_into_mentions(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    cid = create(api, desk, "Mentioned Customer")
    create(api, desk, "Other Customer")
    log_in(page, server, desk.agent.email, PASSWORD)
    page.get_by_test_id("view-mentions").click()
    expect(page.get_by_test_id("empty")).to_be_visible()
    expect(count(page, "mentions")).to_have_text("0")

    r = api.post(
        f"/conversations/{cid}/messages",
        json={"content": f"@[Agent](user:{desk.agent.id}) please look", "private": True},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    expect(row(page, cid)).to_be_visible()
    expect(page.locator("tr[data-conversation-id]")).to_have_count(1)
    expect(count(page, "mentions")).to_have_text("1")
    page.reload()
    expect(page.get_by_test_id("view-mentions")).to_have_attribute("aria-selected", "true")
    expect(row(page, cid)).to_be_visible()


def test_bulk_resolve_of_three(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = client(server)
    chosen = [create(api, desk, f"Bulk Customer {i}") for i in range(3)]
    kept = create(api, desk, "Kept Customer")
    log_in(page, server, desk.agent.email, PASSWORD)
    for cid in chosen:
        page.get_by_test_id(f"select-{cid}").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("3 selected")
    # Selecting does not open the conversation.
    expect(page).to_have_url(re.compile(r"/app/(\?.*)?$"))
    page.get_by_test_id("bulk-resolve").click()
    expect(page.get_by_test_id("bulk-outcome")).to_contain_text("Done: 3.")
    for cid in chosen:
        expect(row(page, cid)).to_have_count(0)
    expect(row(page, kept)).to_be_visible()
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)
    for cid in chosen:
        r = api.get(f"/conversations/{cid}", headers=desk.admin.headers)
        assert r.json()["status"] == "resolved"
    assert api.get(f"/conversations/{kept}", headers=desk.admin.headers).json()["status"] == "open"


def test_bulk_assign_reports_what_was_refused(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    first = create(api, desk, "First Customer")
    second = create(api, desk, "Second Customer")
    log_in(page, server, desk.supervisor.email, PASSWORD)
    page.get_by_test_id("select-page").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("2 selected")
    # The other agent does not work this inbox: refused for both, said so, still selected.
    page.get_by_test_id("bulk-assignee").select_option(label="Other Agent")
    outcome = page.get_by_test_id("bulk-outcome")
    expect(outcome).to_contain_text("Not done: 2.")
    expect(outcome).to_contain_text("not a member")
    expect(page.get_by_test_id("bulk-count")).to_have_text("2 selected")
    page.get_by_test_id("bulk-assignee").select_option(label="Agent")
    expect(outcome).to_contain_text("Done: 2.")
    for cid in (first, second):
        r = api.get(f"/conversations/{cid}", headers=desk.admin.headers)
        assert r.json()["assignee_id"] == desk.agent.id


def test_unread_marker_comes_with_a_customer_message_and_goes_when_opened(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    cid = create(api, desk, "Unread Customer")
    log_in(page, server, desk.agent.email, PASSWORD)
    marker = page.get_by_test_id(f"unread-{cid}")
    expect(marker).to_be_visible()  # nobody read it yet

    row(page, cid).get_by_role("link").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Hello from Unread Customer")
    expect(marker).to_have_count(0)
    page.goto(f"{server.url}/app/")
    expect(row(page, cid)).to_be_visible()
    expect(marker).to_have_count(0)  # read on the desk, not just on this screen

    page.evaluate("window.notReloaded = true")
    r = api.post(
        f"/conversations/{cid}/messages",
        json={"content": "Any news?", "message_type": "incoming"},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    expect(marker).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    # A reply by a colleague does not make it unread, nor read.
    api.post(
        f"/conversations/{cid}/messages", json={"content": "On it"}, headers=desk.admin.headers
    )
    page.reload()
    expect(marker).to_be_visible()

    row(page, cid).get_by_role("link").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Any news?")
    # A message arriving while it is open is read as it arrives.
    api.post(
        f"/conversations/{cid}/messages",
        json={"content": "Hello again", "message_type": "incoming"},
        headers=desk.admin.headers,
    )
    expect(page.get_by_test_id("timeline")).to_contain_text("Hello again")
    page.goto(f"{server.url}/app/")
    expect(row(page, cid)).to_be_visible()
    expect(marker).to_have_count(0)


def test_waiting_badge_ticks_without_a_reload(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = client(server)
    page.clock.install()
    cid = create(api, desk, "Waiting Customer")
    log_in(page, server, desk.agent.email, PASSWORD)
    badge = page.get_by_test_id(f"waiting-{cid}")
    expect(badge).to_have_text("waiting 0 min")
    expect(badge).to_have_attribute("data-level", "fresh")
    page.evaluate("window.notReloaded = true")
    page.clock.fast_forward("12:30")
    expect(badge).to_have_text("waiting 12 min")
    expect(badge).to_have_attribute("data-level", "warm")
    page.clock.fast_forward("01:00:00")
    expect(badge).to_have_text("waiting 1 h 12 min")
    expect(badge).to_have_attribute("data-level", "overdue")
    assert page.evaluate("window.notReloaded") is True
    # Answered, nobody waits.
    api.post(f"/conversations/{cid}/messages", json={"content": "Hi!"}, headers=desk.admin.headers)
    expect(badge).to_have_count(0)


def test_a_saved_view_restores_its_filters(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    api = client(server)
    hot = create(api, desk, "Hot Customer", priority="high", assignee_id=desk.agent.id)
    create(api, desk, "Calm Customer", assignee_id=desk.agent.id)
    log_in(page, server, desk.agent.email, PASSWORD)

    page.get_by_test_id("view-mine").click()
    page.get_by_test_id("filter-priority").select_option("high")
    page.get_by_test_id("filter-sort").select_option("newest")
    expect(page.locator("tr[data-conversation-id]")).to_have_count(1)
    page.get_by_test_id("save-view").click()
    page.get_by_test_id("save-view-name").fill("Hot ones")
    page.get_by_test_id("save-view-confirm").click()
    saved = page.locator('[data-testid^="saved-view-"]', has_text="Hot ones")
    expect(saved).to_have_attribute("aria-pressed", "true")
    [stored] = api.get("/views", headers=desk.agent.headers).json()
    assert stored["filters"] == {
        "assignee_id": "me",
        "status": ["open", "pending"],
        "priority": "high",
        "sort": "newest",
    }

    # Elsewhere, then back through the saved view.
    page.get_by_test_id("view-all").click()
    page.get_by_test_id("filter-priority").select_option("")
    expect(saved).to_have_attribute("aria-pressed", "false")
    expect(page.locator("tr[data-conversation-id]")).to_have_count(2)
    saved.click()
    expect(page.locator("tr[data-conversation-id]")).to_have_count(1)
    expect(row(page, hot)).to_be_visible()
    expect(page.get_by_test_id("filter-priority")).to_have_value("high")
    expect(page.get_by_test_id("filter-sort")).to_have_value("newest")
    expect(page).to_have_url(re.compile(r"[?&]view=mine"))
    expect(page).to_have_url(re.compile(r"[?&]priority=high"))
    expect(saved).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(saved).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id(f"delete-view-{stored['id']}").click()
    expect(saved).to_have_count(0)
    assert api.get("/views", headers=desk.agent.headers).json() == []
