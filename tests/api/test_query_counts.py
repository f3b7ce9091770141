"""Pinned SQL statement counts of the hot endpoints: a page of 25 costs what a page of 5 does
(no N+1), and a change in these numbers is a change someone has to explain."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import API, StatementCounter, new_conversation, post_message
from tests.conftest import Desk

# Statements per request with the bearer token already cached (the first request of a token
# costs one more, its lookup); transaction control left out (see StatementCounter).
LIST_CONVERSATIONS = 5  # visible inboxes, page, contacts, labels, participants
LIST_MESSAGES = 4  # conversation, may-see check, page, attachments
POST_REPLY = 4  # conversation with the may-see check, message, conversation update, event
POST_WITH_FILES = POST_REPLY + 1  # one insert for all the attachments


@pytest.fixture
async def busy_inbox(client: httpx.AsyncClient, desk: Desk) -> list[dict[str, Any]]:
    """25 conversations with labels, participants and several contacts: everything that a
    naive list would load one conversation at a time."""
    h = desk.admin.headers
    for name in ("vip", "refund"):
        await client.post(f"{API}/labels", headers=h, json={"name": name})
    made = []
    for i in range(25):
        conv = await new_conversation(
            client, h, desk.inbox_id, contact={"name": f"Customer {i}"},
            labels=["vip", "refund"][: i % 3], assignee_id=desk.agent.id if i % 2 else None,
        )  # fmt: skip
        if i % 4 == 0:
            r = await client.post(
                f"{API}/conversations/{conv['id']}/participants",
                headers=h,
                json={"user_id": desk.other_agent.id},
            )
            assert r.status_code == 200
        made.append(conv)
    return made


async def count(
    statements: StatementCounter, call: Any, *args: Any, **kwargs: Any
) -> tuple[httpx.Response, list[str]]:
    with statements.counting() as seen:
        response = await call(*args, **kwargs)
    # Statement heads, so a failing count shows which queries ran.
    return response, [" ".join(q.split())[:90] for q in seen]


async def test_a_cold_token_costs_one_lookup(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    await new_conversation(client, desk.admin.headers, desk.inbox_id)
    url = f"{API}/conversations"
    _, cold = await count(statements, client.get, url, headers=desk.agent.headers)
    _, warm = await count(statements, client.get, url, headers=desk.agent.headers)
    assert len(cold) == LIST_CONVERSATIONS + 1 and "api_tokens" in cold[0], cold
    assert len(warm) == LIST_CONVERSATIONS, warm


async def test_list_conversations_is_n_plus_one_free(
    client: httpx.AsyncClient,
    desk: Desk,
    busy_inbox: list[dict[str, Any]],
    statements: StatementCounter,
) -> None:
    for who in (desk.agent, desk.supervisor, desk.admin):
        await client.get(f"{API}/auth/me", headers=who.headers)  # caches the token
    for who in (desk.agent, desk.supervisor):
        counts = {}
        for limit in (5, 25):
            r, seen = await count(
                statements,
                client.get,
                f"{API}/conversations",
                headers=who.headers,
                params={"limit": limit},
            )
            assert r.status_code == 200 and len(r.json()["items"]) == limit
            counts[limit] = len(seen)
        assert counts == {5: LIST_CONVERSATIONS, 25: LIST_CONVERSATIONS}, seen
    # Admins skip the visible-inboxes query.
    r, seen = await count(
        statements, client.get, f"{API}/conversations", headers=desk.admin.headers,
        params={"limit": 25, "q": "Customer", "label": "vip"},
    )  # fmt: skip
    assert r.status_code == 200 and len(seen) == LIST_CONVERSATIONS - 1, seen


async def test_list_messages_count_does_not_grow(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    h = desk.agent.headers
    conv = await new_conversation(client, h, desk.inbox_id)
    for i in range(30):
        if i % 3 == 0:
            r = await client.post(
                f"{API}/conversations/{conv['id']}/messages",
                headers=h,
                data={"content": f"file {i}"},
                files={"files": (f"{i}.txt", b"x", "text/plain")},
            )
            assert r.status_code == 201
        else:
            await post_message(client, h, conv["id"], f"reply {i}")
    counts = {}
    await client.get(f"{API}/auth/me", headers=h)  # caches the token
    for limit in (5, 25):
        r, seen = await count(
            statements,
            client.get,
            f"{API}/conversations/{conv['id']}/messages",
            headers=h,
            params={"limit": limit},
        )
        items = r.json()["items"]
        assert len(items) == limit and any(m["attachments"] for m in items)
        counts[limit] = len(seen)
    assert counts == {5: LIST_MESSAGES, 25: LIST_MESSAGES}, seen


async def test_post_message_statement_count(
    client: httpx.AsyncClient, desk: Desk, statements: StatementCounter
) -> None:
    h = desk.agent.headers
    conv = await new_conversation(client, h, desk.inbox_id)
    url = f"{API}/conversations/{conv['id']}/messages"
    await client.get(f"{API}/auth/me", headers=h)  # caches the token
    r, seen = await count(statements, client.post, url, headers=h, json={"content": "Hi!"})
    assert r.status_code == 201
    assert len(seen) == POST_REPLY, seen
    # A private note without mentions and a customer message on an open conversation cost
    # the same; attachments add one insert however many files there are.
    for body in (
        {"content": "note", "private": True},
        {"content": "q", "message_type": "incoming"},
    ):
        r, seen = await count(statements, client.post, url, headers=h, json=body)
        assert r.status_code == 201 and len(seen) == POST_REPLY, (body, seen)
    for files in (1, 5):
        r, seen = await count(
            statements, client.post, url, headers=h, data={"content": "files"},
            files=[("files", (f"{i}.txt", b"x", "text/plain")) for i in range(files)],
        )  # fmt: skip
        assert r.status_code == 201 and len(r.json()["attachments"]) == files
        assert len(seen) == POST_WITH_FILES, (files, seen)
