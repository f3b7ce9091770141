"""The admin settings screens: an admin creates a label and a canned reply and agents' screens
can use them at once, builds a team, changes a role, deactivates a user who then cannot log
in, and is told inline what the desk refused; an agent has no settings at all."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_conversation import start_conversation, stored_messages
from tests.e2e.test_login import log_in


def field_error(page: Page, form: str, field: str) -> Locator:
    return page.get_by_test_id(form).locator(f'[data-testid="field-error"][data-field="{field}"]')


def checkbox(page: Page, testid: str, option_id: int) -> Locator:
    return page.locator(f'[data-testid="{testid}"][data-id="{option_id}"] input')


def test_admin_sets_up_the_desk_and_agents_use_it(
    page: Page, browser: Browser, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    cid = start_conversation(api, desk, "My parcel is late")["id"]

    log_in(page, server, desk.admin.email, PASSWORD)
    page.get_by_test_id("settings-link").click()
    expect(page).to_have_url(re.compile(r"/app/settings/inboxes$"))
    inboxes = page.get_by_test_id("inbox-row")
    expect(inboxes).to_have_count(2)
    # The channel is shown read-only.
    inboxes.filter(has_text="Other").get_by_test_id("edit").click()
    expect(page.get_by_test_id("inbox-channel")).to_have_value("API")
    expect(page.get_by_test_id("inbox-channel")).not_to_be_editable()
    checkbox(page, "inbox-member", desk.agent.id).check()
    page.get_by_test_id("inbox-form").get_by_test_id("save").click()
    expect(inboxes.filter(has_text="Other").get_by_test_id("inbox-members")).to_have_text(
        "Agent, Other Agent"
    )

    # Labels: the desk's refusals appear beside the field, then the label is created.
    page.get_by_test_id("settings-tab-labels").click()
    expect(page).to_have_url(re.compile(r"/app/settings/labels$"))
    page.get_by_test_id("create").click()
    form = page.get_by_test_id("label-form")
    form.get_by_test_id("save").click()
    expect(field_error(page, "label-form", "name")).to_have_text("Required.")
    page.get_by_test_id("label-name").fill("late/delivery")
    form.get_by_test_id("save").click()
    expect(field_error(page, "label-form", "name")).to_have_text("Not in the expected format.")
    page.get_by_test_id("label-name").fill("late delivery")
    page.get_by_test_id("label-color").fill("#d97706")
    page.get_by_test_id("label-description").fill("The parcel is late")
    form.get_by_test_id("save").click()
    row = page.locator('[data-testid="label-row"][data-name="late delivery"]')
    expect(row).to_contain_text("The parcel is late")
    expect(form).to_be_hidden()
    labels = api.get("/labels", headers=desk.agent.headers).json()
    assert [(x["name"], x["color"]) for x in labels] == [("late delivery", "#d97706")]
    # The same name again is taken.
    page.get_by_test_id("create").click()
    page.get_by_test_id("label-name").fill("late delivery")
    form.get_by_test_id("save").click()
    expect(field_error(page, "label-form", "name")).to_have_text("Already taken: choose another.")
    form.get_by_role("button", name="Cancel").click()

    # A canned reply with a variable put in by a click.
    page.get_by_test_id("settings-tab-canned").click()
    page.get_by_test_id("create").click()
    page.get_by_test_id("canned-short-code").fill("late")
    page.get_by_test_id("canned-content").fill("Sorry for the delay, ")
    page.get_by_test_id("canned-variable").filter(has_text="{{contact.name}}").click()
    page.keyboard.type("! It ships today.")
    expect(page.get_by_test_id("canned-content")).to_have_value(
        "Sorry for the delay, {{contact.name}}! It ships today."
    )
    page.get_by_test_id("canned-form").get_by_test_id("save").click()
    expect(page.locator('[data-testid="canned-row"][data-code="late"]')).to_contain_text(
        "Sorry for the delay, {{contact.name}}! It ships today."
    )

    # A team with two members and an inbox.
    page.get_by_test_id("settings-tab-teams").click()
    page.get_by_test_id("create").click()
    page.get_by_test_id("team-name").fill("Delivery")
    page.get_by_test_id("team-description").fill("Parcels and couriers")
    checkbox(page, "team-member", desk.other_agent.id).check()
    checkbox(page, "team-member", desk.supervisor.id).check()
    checkbox(page, "team-inbox", desk.inbox_id).check()
    page.get_by_test_id("team-form").get_by_test_id("save").click()
    team_row = page.locator('[data-testid="team-row"][data-name="Delivery"]')
    expect(team_row.get_by_test_id("team-members")).to_have_text("Supervisor, Other Agent")
    expect(team_row.get_by_test_id("team-inboxes")).to_have_text("API")
    [team] = [t for t in api.get("/teams", headers=desk.admin.headers).json()
              if t["name"] == "Delivery"]  # fmt: skip
    assert sorted(team["member_ids"]) == sorted([desk.supervisor.id, desk.other_agent.id])
    assert team["inbox_ids"] == [desk.inbox_id]

    # Users: a role changed, a user deactivated; the last admin cannot step down.
    page.get_by_test_id("settings-tab-users").click()
    other = page.locator(f'[data-testid="user-row"][data-email="{desk.other_agent.email}"]')
    other.get_by_test_id("edit").click()
    page.get_by_test_id("user-role").select_option("supervisor")
    page.get_by_test_id("user-form").get_by_test_id("save").click()
    expect(other.get_by_test_id("user-role-cell")).to_have_text("Supervisor")
    assert api.get("/auth/me", headers=desk.other_agent.headers).json()["role"] == "supervisor"
    other.get_by_test_id("edit").click()
    page.get_by_test_id("user-active").uncheck()
    page.get_by_test_id("user-form").get_by_test_id("save").click()
    expect(other.get_by_test_id("user-status")).to_have_text("Deactivated")
    assert api.get("/auth/me", headers=desk.other_agent.headers).status_code == 401

    me = page.locator(f'[data-testid="user-row"][data-email="{desk.admin.email}"]')
    me.get_by_test_id("edit").click()
    page.get_by_test_id("user-role").select_option("agent")
    page.get_by_test_id("user-form").get_by_test_id("save").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("no active admin")
    page.get_by_test_id("user-form").get_by_role("button", name="Cancel").click()
    expect(me.get_by_test_id("user-role-cell")).to_have_text("Admin")

    # Invite a user with a password: they can log in at once.
    page.get_by_test_id("create").click()
    page.get_by_test_id("user-name-input").fill("Nina")
    page.get_by_test_id("user-email").fill("nina@acme.example.com")
    page.get_by_test_id("user-password").fill("short")
    page.get_by_test_id("user-form").get_by_test_id("save").click()
    expect(field_error(page, "user-form", "password")).to_have_text("Too short.")
    page.get_by_test_id("user-password").fill("a long secret")
    page.get_by_test_id("user-form").get_by_test_id("save").click()
    expect(
        page.locator('[data-testid="user-row"][data-email="nina@acme.example.com"]')
    ).to_be_visible()

    # In another browser: the deactivated user is refused, the invited one gets in.
    context = browser.new_context(locale="en-US")
    try:
        other_page = context.new_page()
        log_in(other_page, server, desk.other_agent.email, PASSWORD)
        expect(other_page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
        expect(other_page).to_have_url(re.compile(r"/app/login$"))
        other_page.get_by_label("E-mail").fill("nina@acme.example.com")
        other_page.get_by_label("Password").fill("a long secret")
        other_page.get_by_role("button", name="Log in").click()
        expect(other_page.get_by_test_id("user-name")).to_have_text("Nina")
        expect(other_page.get_by_test_id("settings-link")).to_have_count(0)
    finally:
        context.close()

    # Back in the conversation: the new label is a choice, the canned reply comes with `/`.
    page.get_by_test_id("settings-back").click()
    expect(page).to_have_url(re.compile(r"/app/$"))
    page.goto(f"{server.url}/app/conversations/{cid}")
    expect(page.get_by_test_id("contact-name")).to_have_text("Ivan Petrov")
    page.get_by_test_id("labels-button").click()
    choice = page.locator('input[type="checkbox"][data-label="late delivery"]')
    expect(choice).to_be_visible()
    choice.check()
    expect(page.locator('[data-testid="label-chip"][data-label="late delivery"]')).to_be_visible()
    assert api.get(f"/conversations/{cid}", headers=desk.admin.headers).json()["labels"] == [
        "late delivery"
    ]
    page.keyboard.press("Escape")
    box = page.get_by_test_id("reply-text")
    box.click()
    page.keyboard.type("/lat")
    expect(page.get_by_test_id("canned-option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(box).to_have_value("Sorry for the delay, Ivan Petrov! It ships today.")
    page.keyboard.press("Enter")
    outgoing = page.get_by_test_id("timeline").locator('[data-kind="outgoing"]')
    expect(outgoing).to_have_count(1)
    expect(box).to_have_value("")
    # The timeline shows the reply at once; the desk may store it a moment later.
    deadline = time.monotonic() + 10
    while True:
        replies = [m["content"] for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"]
        if replies or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert replies == ["Sorry for the delay, Ivan Petrov! It ships today."]


def test_deleting_a_label_in_settings_takes_it_off_conversations(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    for name in ("vip", "refund"):
        assert api.post("/labels", json={"name": name}, headers=desk.admin.headers).is_success
    cid = start_conversation(api, desk, "Refund please")["id"]
    r = api.patch(f"/conversations/{cid}", json={"labels": ["vip", "refund"]},
                  headers=desk.admin.headers)  # fmt: skip
    assert r.status_code == 200, r.text

    log_in(page, server, desk.admin.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Admin")
    page.goto(f"{server.url}/app/settings/labels")
    row = page.locator('[data-testid="label-row"][data-name="vip"]')
    row.get_by_test_id("delete").click()
    expect(row).to_contain_text("Delete vip?")
    row.get_by_test_id("cancel-delete").click()
    expect(row.get_by_test_id("confirm-delete")).to_have_count(0)
    row.get_by_test_id("delete").click()
    row.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("label-row")).to_have_count(1)
    expect(row).to_have_count(0)
    assert api.get(f"/conversations/{cid}", headers=desk.admin.headers).json()["labels"] == [
        "refund"
    ]


def test_an_agent_has_no_settings(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    expect(page.get_by_test_id("settings-link")).to_have_count(0)
    for path in ("settings", "settings/users", "settings/labels"):
        page.goto(f"{server.url}/app/{path}")
        expect(page).to_have_url(re.compile(r"/app/$"))
        expect(page.get_by_test_id("user-name")).to_have_text("Agent")
        expect(page.get_by_test_id("settings-users")).to_have_count(0)


def test_settings_speak_russian(page: Page, live_desk: tuple[LiveServer, Desk]) -> None:
    server, desk = live_desk
    log_in(page, server, desk.admin.email, PASSWORD)
    page.get_by_label("Language").select_option("ru")
    page.get_by_test_id("settings-link").click()
    expect(page.get_by_role("heading", name="Настройки")).to_be_visible()
    page.get_by_test_id("settings-tab-labels").click()
    expect(page.get_by_test_id("settings-tab-labels")).to_have_text("Метки")
    page.get_by_test_id("create").click()
    page.get_by_test_id("label-form").get_by_test_id("save").click()
    expect(field_error(page, "label-form", "name")).to_have_text("Обязательное поле.")
    page.get_by_test_id("settings-tab-users").click()
    me = page.locator(f'[data-testid="user-row"][data-email="{desk.admin.email}"]')
    expect(me.get_by_test_id("user-role-cell")).to_have_text("Администратор")
