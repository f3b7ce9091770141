"""The reply box and how the timeline shows what it sends: files picked, pasted or dropped go as
chips and come back as a download link or an image preview; emoji land at the caret; a note's
@mention is picked from the colleagues, stored as `@[Name](user:ID)` and shown as @Name."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, Desk, LiveServer
from tests.e2e.test_conversation import expect_stored, start_conversation, stored_messages
from tests.e2e.test_login import log_in


def png(width: int = 24, height: int = 16) -> bytes:
    """A real (red) PNG, so the browser can show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def open_conversation(page: Page, server: LiveServer, desk: Desk, cid: int) -> None:
    log_in(page, server, desk.agent.email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Agent")
    # The reply box asks the desk's limits when it appears; files are checked against them.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/messages/limits")):
        page.goto(f"{server.url}/app/conversations/{cid}")
    expect(page.get_by_test_id("contact-name")).to_have_text("Ivan Petrov")


def test_files_go_with_a_reply_and_come_back_as_a_download_and_a_preview(
    page: Page, live_app: tuple[Any, LiveServer], live_desk: tuple[LiveServer, Desk]
) -> None:
    application, _ = live_app
    server, desk = live_desk
    application.state.ctx.settings.max_attachment_bytes = 5000
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    # A Telegram inbox: its icon marks the conversation and the customer's message.
    r = api.post(
        "/inboxes",
        json={"name": "Shop bot", "channel_type": "telegram", "member_ids": [desk.agent.id]},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    desk.inbox_id = r.json()["id"]
    cid = start_conversation(api, desk, "Can you send the invoice?")["id"]
    open_conversation(page, server, desk, cid)

    header_icon = page.locator("header").get_by_role("img", name="Telegram")
    expect(header_icon).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    incoming = timeline.locator('[data-kind="incoming"]')
    expect(incoming.get_by_role("img", name="Telegram")).to_be_visible()

    box = page.get_by_test_id("reply-text")
    chips = page.get_by_test_id("attachment-chip")
    picker = page.get_by_test_id("attach-input")
    picker.set_input_files(
        [
            {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " * 300},
            {"name": "huge.bin", "mimeType": "application/octet-stream", "buffer": b"h" * 6000},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"spare"},
        ]
    )
    # Over the desk's limit (5000 bytes here): refused before uploading, and said why.
    expect(page.get_by_test_id("attachment-refused")).to_have_text(
        "huge.bin is too large (5.9 kB): a file may be at most 4.9 kB."
    )
    expect(chips).to_have_count(2)
    expect(chips.first).to_contain_text("invoice.pdf")
    expect(chips.first).to_contain_text("2.6 kB")
    page.get_by_role("button", name="Remove notes.txt").click()
    expect(chips).to_have_count(1)
    expect(page.get_by_test_id("attachment-refused")).to_have_count(0)

    # A screenshot pasted into the box joins them, under a name of its own.
    image = list(png())
    page.evaluate(
        """bytes => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
            const box = document.querySelector('[data-testid="reply-text"]');
            box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true,
                                                            cancelable: true }));
        }""",
        image,
    )
    expect(chips).to_have_count(2)
    expect(chips.last).to_contain_text(re.compile(r"pasted-[\d-]+\.png"))

    box.click()
    page.keyboard.type("Here is your invoice and the label.")
    page.keyboard.press("Enter")
    outgoing = timeline.locator('[data-kind="outgoing"]')
    expect(outgoing).to_have_count(1)
    # Telegram delivery is the outbox's business, so its status may still say "Sending…".
    expect_stored(outgoing)
    expect(chips).to_have_count(0)
    expect(box).to_have_value("")

    stored = [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"]
    assert len(stored) == 1
    assert stored[0]["content"] == "Here is your invoice and the label."
    files = {a["file_name"]: a for a in stored[0]["attachments"]}
    assert files["invoice.pdf"]["size"] == 2700
    pasted = next(name for name in files if name.startswith("pasted-"))
    assert files[pasted]["content_type"] == "image/png"

    # The PDF is a download link with its name and size; the image a preview that loaded.
    download = outgoing.get_by_test_id("attachment-file")
    expect(download).to_have_count(1)
    expect(download).to_contain_text("invoice.pdf")
    expect(download).to_contain_text("2.6 kB")
    expect(download).to_have_attribute("href", files["invoice.pdf"]["url"])
    expect(download).to_have_attribute("download", "invoice.pdf")
    preview = outgoing.get_by_test_id("attachment-image")
    expect(preview).to_have_count(1)
    thumbnail = preview.locator("img")
    expect(thumbnail).to_have_attribute("loading", "lazy")
    expect(thumbnail).to_have_attribute("src", files[pasted]["url"])
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 24", arg=thumbnail.element_handle()
    )
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "invoice.pdf"

    # A click opens the image full size; Escape closes it.
    preview.click()
    viewer = page.get_by_test_id("image-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_attribute("src", files[pasted]["url"])
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)

    # Dropped files are attached too; a file alone is a message.
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["a,b\\n1,2\\n"], "orders.csv", { type: "text/csv" }));
            const box = document.querySelector('[data-testid="reply-text"]');
            for (const type of ["dragenter", "dragover", "drop"]) {
                box.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true,
                                                        cancelable: true }));
            }
        }"""
    )
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("orders.csv")
    page.get_by_role("button", name="Send").click()
    expect(outgoing).to_have_count(2)
    expect(outgoing.last.get_by_test_id("attachment-file")).to_contain_text("orders.csv")
    expect_stored(outgoing.last)
    last = [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"][-1]
    assert (last["content"], [a["file_name"] for a in last["attachments"]]) == ("", ["orders.csv"])


def test_emoji_are_found_in_both_languages_and_inserted_at_the_caret(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    cid = start_conversation(api, desk, "Thank you!")["id"]
    open_conversation(page, server, desk, cid)
    # The API inbox's icon.
    expect(page.locator("header").get_by_role("img", name="API")).to_be_visible()

    box = page.get_by_test_id("reply-text")
    box.click()
    page.keyboard.type("Thanks for your order")
    page.keyboard.press("Home")  # the caret at the start
    button = page.get_by_test_id("emoji-button")
    button.click()
    search = page.get_by_test_id("emoji-search")
    expect(search).to_be_focused()
    options = page.get_by_test_id("emoji-option")
    search.fill("спасибо")  # a Russian name
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("emoji-picker")).to_have_count(0)
    expect(box).to_have_value("🙏Thanks for your order")
    expect(box).to_be_focused()
    page.keyboard.type(" ")  # typed on where the emoji went in
    expect(box).to_have_value("🙏 Thanks for your order")

    # ↑↓ walk the matches; Enter inserts the chosen one at the end.
    page.keyboard.press("End")
    button.click()
    search.fill("thumbs")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(options.last).to_have_attribute("aria-selected", "true")
    expect(options.last).to_have_attribute("aria-label", "thumbs down")
    page.keyboard.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(box).to_have_value("🙏 Thanks for your order👍")

    # Escape closes the picker and leaves the text; so does a click elsewhere.
    button.click()
    expect(page.get_by_test_id("emoji-picker")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("emoji-picker")).to_have_count(0)
    expect(box).to_be_focused()
    button.click()
    search.fill("no such emoji")
    expect(page.get_by_test_id("emoji-picker")).to_contain_text("No emoji matches.")
    page.get_by_test_id("timeline").click()
    expect(page.get_by_test_id("emoji-picker")).to_have_count(0)

    box.click()
    page.keyboard.press("Enter")
    outgoing = page.get_by_test_id("timeline").locator('[data-kind="outgoing"]')
    expect(outgoing.locator(".content")).to_have_text("🙏 Thanks for your order👍")
    expect_stored(outgoing)
    replies = [m for m in stored_messages(api, desk, cid) if m["kind"] == "outgoing"]
    assert [m["content"] for m in replies] == ["🙏 Thanks for your order👍"]


def test_a_note_mentions_a_colleague_picked_from_the_list(
    page: Page, live_desk: tuple[LiveServer, Desk]
) -> None:
    server, desk = live_desk
    api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=10)
    cid = start_conversation(api, desk, "My parcel is damaged")["id"]
    open_conversation(page, server, desk, cid)
    box = page.get_by_test_id("reply-text")
    mentions = page.get_by_test_id("mention-list")
    options = page.get_by_test_id("mention-option")

    # In a reply to the customer `@` is only a character.
    box.click()
    page.keyboard.type("Write to @ot")
    expect(mentions).to_have_count(0)
    box.fill("")

    page.get_by_role("radio", name="Private note").click()
    box.click()
    page.keyboard.type("Please check @")
    # Every colleague but me, then narrowed as typed.
    expect(options).to_have_count(3)
    expect(options).to_contain_text(["Admin", "Other Agent", "Supervisor"])
    page.keyboard.type("ag")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Other Agent")
    page.keyboard.press("Escape")  # closed for this @, the text stays
    expect(mentions).to_have_count(0)
    expect(box).to_have_value("Please check @ag")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("@")
    expect(options).to_have_count(3)
    page.keyboard.type("s")
    expect(options.first).to_contain_text("Supervisor")
    page.keyboard.press("Backspace")
    page.keyboard.type("oth")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")  # one match: stays on it
    page.keyboard.press("Enter")  # picks rather than sends
    expect(mentions).to_have_count(0)
    markup = f"@[Other Agent](user:{desk.other_agent.id})"
    expect(box).to_have_value(f"Please check {markup} ")
    assert [m for m in stored_messages(api, desk, cid) if m["kind"] == "note"] == []
    page.keyboard.type("today")
    page.keyboard.press("Enter")

    note = page.get_by_test_id("timeline").locator('[data-kind="note"]')
    expect(note).to_have_count(1)
    expect(note.locator(".content")).to_have_text("Please check @Other Agent today")
    expect_stored(note)
    mention = note.get_by_test_id("mention")
    expect(mention).to_have_text("@Other Agent")
    expect(mention).to_have_attribute("data-user-id", str(desk.other_agent.id))
    notes = [m for m in stored_messages(api, desk, cid) if m["kind"] == "note"]
    assert [m["content"] for m in notes] == [f"Please check {markup} today"]

    # A mention whose name is markup stays text; the same text from a customer is not a mention.
    trap = f"@[<img src=x onerror=window.injected=1>](user:{desk.other_agent.id})"
    r = api.post(
        f"/conversations/{cid}/messages",
        json={"content": f"see {trap}", "private": True},
        headers=desk.admin.headers,
    )
    assert r.status_code == 201, r.text
    r = api.post(
        f"/conversations/{cid}/messages",
        json={"content": trap, "message_type": "incoming"},
        headers=desk.agent.headers,
    )
    assert r.status_code == 201, r.text
    expect(note).to_have_count(2)
    expect(note.last.get_by_test_id("mention")).to_have_text(
        "@<img src=x onerror=window.injected=1>"
    )
    customer = page.get_by_test_id("timeline").locator('[data-kind="incoming"]').last
    expect(customer.locator(".content")).to_have_text(trap)
    expect(customer.get_by_test_id("mention")).to_have_count(0)
    assert page.get_by_test_id("timeline").locator("img").count() == 0
    assert page.evaluate("window.injected") is None
