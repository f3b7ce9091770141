"""A visitor's messages over HTTP (the websocket's fallback): idempotent by client id, with
files; what comes back is only the public conversation: never notes, system entries, other
visitors' messages or an agent's e-mail."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import StatementCounter, count_rows, post_message, problem
from tests.channels.webchat.conftest import API, SITE, Visitor, WebchatInbox, make_inbox
from tests.conftest import Desk

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


async def conversation_of(client: httpx.AsyncClient, desk: Desk) -> dict[str, Any]:
    r = await client.get(f"{API}/conversations", headers=desk.admin.headers)
    items: list[dict[str, Any]] = r.json()["items"]
    assert len(items) == 1, items
    return items[0]


async def test_the_same_client_id_is_the_same_message(
    client: httpx.AsyncClient, db: Database, desk: Desk, visitor: Visitor
) -> None:
    first = await visitor.say("Where is my order?", client_id="q-1")
    assert first.status_code == 201, first.text
    assert first.json()["client_id"] == "q-1"
    assert first.json()["author"] == "visitor"
    # Sent again (the answer was lost; the queue is replayed after a reconnect).
    for _ in range(3):
        again = await visitor.say("Where is my order?", client_id="q-1")
        assert again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        # The answer to the first send (not read back) is the message as stored.
        assert again.json() == first.json()
    assert (await visitor.messages())["items"] == [first.json()]
    assert count_rows(db, "messages", "kind = 'incoming'") == 1
    # Concurrent duplicates too.
    results = await asyncio.gather(*(visitor.say("Twice?", client_id="q-2") for _ in range(4)))
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert count_rows(db, "messages", "kind = 'incoming'") == 2
    conversation = await conversation_of(client, desk)
    assert conversation["message_count"] == 2
    assert conversation["inbox_id"] == visitor.inbox.id


async def test_notes_system_entries_and_agents_e_mails_never_reach_the_visitor(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Can I return the shoes?")
    conversation = await conversation_of(client, desk)
    cid = conversation["id"]
    secret_note = "NOTE: this customer returned 5 pairs already, say no"
    await post_message(client, desk.agent.headers, cid, secret_note, private=True)
    r = await client.post(
        f"{API}/conversations/{cid}/assignment",
        headers=desk.admin.headers,
        json={"assignee_id": desk.agent.id},
    )
    assert r.status_code == 200, r.text
    await post_message(client, desk.agent.headers, cid, "Yes, within 30 days.")
    page = await visitor.messages()
    assert [(m["author"], m["content"]) for m in page["items"]] == [
        ("visitor", "Can I return the shoes?"),
        ("agent", "Yes, within 30 days."),
    ]
    reply = page["items"][1]
    assert reply["agent"] == {"name": "Agent", "initials": "A"}
    assert reply["client_id"] is None
    everything = str(page)
    for leak in (secret_note, desk.agent.email, desk.admin.email, "assign"):
        assert leak not in everything
    # The newer messages only, after the last one seen.
    assert (await visitor.messages(after=page["last_id"]))["items"] == []


async def test_another_visitor_sees_nothing_of_it(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox, visitor: Visitor
) -> None:
    await visitor.say("My address is 1 Main Street")
    cid = (await conversation_of(client, desk))["id"]
    await post_message(client, desk.agent.headers, cid, "Thanks, noted")
    other = Visitor(client, webchat)
    await other.start()
    assert (await other.messages())["items"] == []
    assert (await other.messages(after=0))["items"] == []
    await other.say("Hello?")
    assert [m["content"] for m in (await other.messages())["items"]] == ["Hello?"]


async def test_files_are_sent_and_downloaded_by_their_visitor_only(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox, visitor: Visitor
) -> None:
    r = await client.post(
        f"{webchat.base}/messages",
        headers=visitor.headers,
        data={"content": "Here is the photo", "client_id": "f-1"},
        files={"files": ("broken.png", PNG, "image/png")},
    )
    assert r.status_code == 201, r.text
    [attachment] = r.json()["attachments"]
    assert attachment["file_name"] == "broken.png"
    assert attachment["url"] == f"{webchat.base}/attachments/{attachment['id']}"
    download = await client.get(attachment["url"], headers=visitor.headers)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["x-content-type-options"] == "nosniff"
    # The agent sees the file in the conversation.
    cid = (await conversation_of(client, desk))["id"]
    r = await client.get(f"{API}/conversations/{cid}/messages", headers=desk.agent.headers)
    assert r.json()["items"][0]["attachments"][0]["file_name"] == "broken.png"
    # Another visitor cannot fetch it, even knowing its id.
    other = Visitor(client, webchat)
    await other.start()
    problem(await client.get(attachment["url"], headers=other.headers), 404)
    # A file of a private note is not the visitor's either.
    r = await client.post(
        f"{API}/conversations/{cid}/messages",
        headers=desk.agent.headers,
        data={"content": "internal scan", "private": "true"},
        files={"files": ("scan.png", PNG, "image/png")},
    )
    note_file = r.json()["attachments"][0]["id"]
    problem(
        await client.get(f"{webchat.base}/attachments/{note_file}", headers=visitor.headers), 404
    )


@pytest.mark.parametrize(
    ("name", "content_type", "status"),
    [
        ("page.html", "text/html", 415),
        ("logo.svg", "image/svg+xml", 415),
        ("run.exe", "application/octet-stream", 415),
    ],
)
async def test_dangerous_files_are_refused(
    client: httpx.AsyncClient,
    db: Database,
    visitor: Visitor,
    name: str,
    content_type: str,
    status: int,
) -> None:
    r = await client.post(
        f"{visitor.inbox.base}/messages",
        headers=visitor.headers,
        data={"content": "look", "client_id": "bad-1"},
        files={"files": (name, b"<script>alert(1)</script>", content_type)},
    )
    problem(r, status, "type")
    assert count_rows(db, "messages") == 0


async def test_bad_messages_are_clear_4xx(
    client: httpx.AsyncClient, app: Any, db: Database, visitor: Visitor
) -> None:
    problem(await visitor.say("   "), 422, "text or a file")
    r = await visitor.post("messages", {"content": "hi"})
    problem(r, 422, "client_id")
    r = await visitor.post("messages", {"content": "hi", "client_id": "has spaces"})
    problem(r, 422, "client_id")
    r = await visitor.post("messages", {"content": "hi", "client_id": "ok", "private": True})
    problem(r, 422, "private")
    r = await client.post(
        f"{visitor.inbox.base}/messages",
        headers={**visitor.headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    problem(r, 422)
    limit = app.state.ctx.settings.max_message_chars
    problem(await visitor.say("x" * (limit + 1)), 413, "characters")
    big = b"x" * (10 * 1024 * 1024 + 1)
    r = await client.post(
        f"{visitor.inbox.base}/messages",
        headers=visitor.headers,
        data={"client_id": "big"},
        files={"files": ("big.pdf", big, "application/pdf")},
    )
    problem(r, 413, "limit")
    assert count_rows(db, "messages") == 0


async def test_text_is_stored_as_written_without_hidden_controls(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    text = "<img src=x onerror=alert(1)> \u202eevil\x00"
    r = await visitor.say(text)
    assert r.json()["content"] == "<img src=x onerror=alert(1)> evil"


async def test_a_long_poll_answers_when_an_agent_replies(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Anyone there?")
    cid = (await conversation_of(client, desk))["id"]
    last = (await visitor.messages())["last_id"]

    async def reply_soon() -> None:
        await asyncio.sleep(0.3)
        await post_message(client, desk.agent.headers, cid, "private thoughts", private=True)
        await post_message(client, desk.agent.headers, cid, "Yes, here!")

    loop = asyncio.get_running_loop()
    started = loop.time()
    task = asyncio.create_task(reply_soon())
    page = await visitor.messages(after=last, wait=10)
    await task
    assert loop.time() - started < 5
    contents = [m["content"] for m in page["items"]]
    if not contents:  # woken by the note, which the visitor does not see: ask again
        page = await visitor.messages(after=page["last_id"], wait=10)
        contents = [m["content"] for m in page["items"]]
    assert contents == ["Yes, here!"]
    # Nothing happens: the poll ends empty after the wait.
    started = loop.time()
    empty = await visitor.messages(after=page["last_id"], wait=1)
    assert empty["items"] == [] and loop.time() - started >= 0.9


async def test_the_pre_chat_form_comes_first_when_it_has_required_fields(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    inbox = await make_inbox(
        client,
        desk,
        prechat={
            "name": "required",
            "email": "required",
            "phone": "optional",
            "consent": "required",
        },
    )
    visitor = Visitor(client, inbox)
    await visitor.start(page={"url": f"{SITE}/", "title": "Home"})
    assert visitor.session["prechat_done"] is False
    problem(await visitor.say("hi"), 422, "pre-chat")
    r = await visitor.post("prechat", {"name": "Ivan", "email": "ivan@example.com"})
    body = problem(r, 422, "consent")
    assert body["errors"][0]["loc"] == ["body", "consent"]
    problem(await visitor.post("prechat", {"name": "Ivan", "email": "not-an-email"}), 422, "email")
    r = await visitor.post(
        "prechat",
        {"name": "Ivan", "email": "Ivan@Example.com", "phone": "+7 900 000-00-00", "consent": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["prechat_done"] is True
    assert (await visitor.say("hi")).status_code == 201
    contact = (await conversation_of(client, desk))["contact"]
    assert contact == {
        "id": contact["id"],
        "name": "Ivan",
        "email": "ivan@example.com",
        "phone": "+79000000000",
    }
    r = await client.get(
        f"{API}/conversations/{(await conversation_of(client, desk))['id']}/visitor",
        headers=desk.agent.headers,
    )
    assert r.json()["consent_at"] is not None


async def test_agents_see_the_visitor_s_pages_and_browser(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    await visitor.start(
        page={"url": f"{SITE}/catalog", "title": "Catalog", "referrer": "https://www.google.com/"},
        language="ru-RU",
    )
    await visitor.say("Do you have size 44?")
    r = await visitor.post("pageview", {"url": f"{SITE}/shoes/44", "title": "Shoes 44"})
    assert r.status_code == 204, r.text
    problem(await visitor.post("pageview", {"url": "x" * 3000}), 422)
    cid = (await conversation_of(client, desk))["id"]
    r = await client.get(f"{API}/conversations/{cid}/visitor", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["current_url"] == f"{SITE}/shoes/44"
    assert seen["page_title"] == "Shoes 44"
    assert seen["browser"] == "Chrome 131 on Linux"
    assert seen["language"] == "ru-RU"
    assert [p["url"] for p in seen["pages"]] == [f"{SITE}/catalog", f"{SITE}/shoes/44"]
    assert seen["identified"] is False
    # Somebody who may not see the conversation learns nothing, not even that it exists.
    problem(
        await client.get(f"{API}/conversations/{cid}/visitor", headers=desk.other_agent.headers),
        404,
    )
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "X"}, "message": {"content": "m"}},
    )
    problem(
        await client.get(
            f"{API}/conversations/{r.json()['id']}/visitor", headers=desk.agent.headers
        ),
        404,
        "no website visitor",
    )


async def test_reading_marks_the_agents_replies_read(
    client: httpx.AsyncClient, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Question")
    cid = (await conversation_of(client, desk))["id"]
    first = await post_message(client, desk.agent.headers, cid, "Answer one")
    second = await post_message(client, desk.agent.headers, cid, "Answer two")
    assert first["delivery_status"] == "sent"
    r = await visitor.post("read", {"message_id": first["id"]})
    assert r.status_code == 204
    r = await client.get(f"{API}/conversations/{cid}/messages", headers=desk.agent.headers)
    statuses = {m["id"]: m["delivery_status"] for m in r.json()["items"]}
    assert statuses[first["id"]] == "read"
    assert statuses[second["id"]] == "sent"
    await visitor.post("read", {"message_id": second["id"] + 1000})
    r = await client.get(f"{API}/conversations/{cid}/messages", headers=desk.agent.headers)
    assert {m["id"]: m["delivery_status"] for m in r.json()["items"]}[second["id"]] == "read"
    # An agent reading the conversation: the visitor learns when.
    r = await client.post(f"{API}/conversations/{cid}/read", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    state = (await visitor.messages())["conversation"]
    assert state["agent_read_at"] is not None
    problem(await visitor.post("read", {"message_id": 0}), 422)


async def test_the_visitor_s_messages_cost_a_fixed_number_of_queries(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    visitor: Visitor,
    statements: StatementCounter,
) -> None:
    async def cost() -> int:
        with statements.counting() as seen:
            r = await client.get(f"{visitor.inbox.base}/messages", headers=visitor.headers)
        assert r.status_code == 200
        return len(seen)

    await visitor.say("first")
    cid = (await conversation_of(client, desk))["id"]
    await post_message(client, desk.agent.headers, cid, "reply 1")
    few = await cost()
    for i in range(20):
        await visitor.say(f"more {i}")
        await post_message(client, desk.agent.headers, cid, f"r{i}")
        await post_message(client, desk.admin.headers, cid, f"a{i}")
    # inbox, visitor, conversation may-see check, page, attachments, agent names,
    # conversation state (conversation, read marks, contact, labels, participants),
    # survey, agents' read time
    assert await cost() == few == 13
