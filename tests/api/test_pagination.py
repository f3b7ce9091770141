"""Cursor pagination: every conversation exactly once, in order, for each sort; messages
paged backwards and forwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.api.conftest import API, MovableClock, new_conversation, post_message
from tests.conftest import Desk


@pytest.fixture
def app(clocked_app: Any) -> Any:
    return clocked_app


def ts(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


async def walk(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], list[int]]:
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    cursor = None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"{API}/conversations", headers=headers, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes
    raise AssertionError("the cursor never ended")


@pytest.fixture
async def sixty(client: httpx.AsyncClient, desk: Desk, clock: MovableClock) -> dict[str, Any]:
    """60 conversations; pairs share a creation second (ties for the id to break), some got a
    reply (nobody waits), some a late customer message (activity order differs from creation)."""
    h = desk.agent.headers
    ids: list[int] = []
    for i in range(60):
        if i % 2 == 0:
            clock.advance(seconds=1)
        conv = await new_conversation(
            client, h, desk.inbox_id, contact={"name": f"Customer {i}"}, message=f"question {i}"
        )
        ids.append(conv["id"])
    replied = set(ids[::3])
    for cid in sorted(replied):
        clock.advance(seconds=1)
        await post_message(client, h, cid, "answer")
    came_back = ids[::5]
    for cid in reversed(came_back):
        clock.advance(seconds=1)
        await post_message(client, h, cid, "one more thing", message_type="incoming")
    waiting = (set(ids) - replied) | set(came_back)
    return {"ids": ids, "waiting": waiting}


def _desc(key: str) -> Any:
    return lambda c: (ts(c[key]), c["id"])


async def test_every_sort_walks_every_conversation_once_in_order(
    client: httpx.AsyncClient, desk: Desk, sixty: dict[str, Any]
) -> None:
    h = desk.agent.headers
    ids = set(sixty["ids"])

    items, sizes = await walk(client, h, limit=25)  # default sort: last activity
    assert sizes == [25, 25, 10]
    assert [c["id"] for c in items] == [
        c["id"] for c in sorted(items, key=_desc("last_activity_at"), reverse=True)
    ]
    assert sorted(c["id"] for c in items) == sorted(ids)
    # The late customer messages moved those conversations to the top.
    assert [c["id"] for c in items[:12]] == sixty["ids"][::5]

    items, sizes = await walk(client, h, limit=25, sort="newest")
    assert sizes == [25, 25, 10]
    # Creation ties (same second) fall back to the id, newest first.
    assert [c["id"] for c in items] == sorted(ids, reverse=True)
    assert [c["id"] for c in items] == [
        c["id"] for c in sorted(items, key=_desc("created_at"), reverse=True)
    ]

    items, sizes = await walk(client, h, limit=25, sort="longest_waiting")
    waiting = sixty["waiting"]
    assert len(waiting) == 44  # 60 - 20 replied + 4 of those came back
    assert sizes == [25, 19]
    assert sorted(c["id"] for c in items) == sorted(waiting)
    # Longest waiting first: oldest waiting_since, then lowest id.
    assert [c["id"] for c in items] == [
        c["id"] for c in sorted(items, key=lambda c: (ts(c["waiting_since"]), c["id"]))
    ]
    assert all(c["waiting_since"] is not None for c in items)


async def test_limits_and_filters_page_the_same_way(
    client: httpx.AsyncClient, desk: Desk, sixty: dict[str, Any]
) -> None:
    h = desk.agent.headers
    for limit in (1, 7, 60, 200):
        items, sizes = await walk(client, h, limit=limit, sort="newest")
        assert [c["id"] for c in items] == sorted(sixty["ids"], reverse=True), limit
        assert sizes[-1] > 0 and all(s == limit for s in sizes[:-1])
    # Paging a filtered list keeps the filter on every page.
    items, _ = await walk(client, h, limit=4, q="one more thing")
    assert sorted(c["id"] for c in items) == sorted(sixty["ids"][::5])


async def test_new_activity_while_paging_neither_repeats_nor_skips(
    client: httpx.AsyncClient, desk: Desk, clock: MovableClock
) -> None:
    h = desk.agent.headers
    ids = []
    for i in range(10):
        clock.advance(seconds=1)
        ids.append((await new_conversation(client, h, desk.inbox_id, message=f"m{i}"))["id"])
    r = await client.get(f"{API}/conversations", headers=h, params={"limit": 4, "sort": "newest"})
    first = r.json()
    clock.advance(seconds=1)
    await new_conversation(client, h, desk.inbox_id, message="arrived meanwhile")
    rest: list[int] = []
    cursor = first["next_cursor"]
    while cursor:
        r = await client.get(
            f"{API}/conversations",
            headers=h,
            params={"limit": 4, "sort": "newest", "cursor": cursor},
        )
        rest += [c["id"] for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
    assert [c["id"] for c in first["items"]] + rest == sorted(ids, reverse=True)


async def test_messages_page_backwards_and_forwards(client: httpx.AsyncClient, desk: Desk) -> None:
    h = desk.agent.headers
    conv = await new_conversation(client, h, desk.inbox_id, message="m0")
    for i in range(1, 12):
        await post_message(client, h, conv["id"], f"m{i}")
    url = f"{API}/conversations/{conv['id']}/messages"

    # Without a position: the newest window, oldest first within it.
    page = (await client.get(url, headers=h, params={"limit": 5})).json()
    assert [m["content"] for m in page["items"]] == ["m7", "m8", "m9", "m10", "m11"]
    all_ids = [m["id"] for m in page["items"]]
    seen = [m["content"] for m in page["items"]]
    while page["next_cursor"]:
        assert page["next_cursor"] == str(page["items"][0]["id"])
        page = (
            await client.get(url, headers=h, params={"limit": 5, "before": page["next_cursor"]})
        ).json()
        seen = [m["content"] for m in page["items"]] + seen
        all_ids = [m["id"] for m in page["items"]] + all_ids
    assert seen == [f"m{i}" for i in range(12)]
    assert all_ids == sorted(all_ids)

    # Forwards from the first message: the ones after it, oldest first.
    first_id = all_ids[0]
    forward: list[str] = []
    page = (await client.get(url, headers=h, params={"limit": 5, "after": first_id})).json()
    forward += [m["content"] for m in page["items"]]
    while page["next_cursor"]:
        assert page["next_cursor"] == str(page["items"][-1]["id"])
        page = (
            await client.get(url, headers=h, params={"limit": 5, "after": page["next_cursor"]})
        ).json()
        forward += [m["content"] for m in page["items"]]
    assert forward == [f"m{i}" for i in range(1, 12)]

    # A window between two messages.
    r = await client.get(url, headers=h, params={"after": all_ids[2], "before": all_ids[6]})
    assert [m["content"] for m in r.json()["items"]] == ["m3", "m4", "m5"]
    assert r.json()["next_cursor"] is None
    # New messages since the last one seen: none yet, then the new one.
    r = await client.get(url, headers=h, params={"after": all_ids[-1]})
    assert r.json() == {"items": [], "next_cursor": None}
    new = await post_message(client, h, conv["id"], "m12")
    r = await client.get(url, headers=h, params={"after": all_ids[-1]})
    assert [m["id"] for m in r.json()["items"]] == [new["id"]]
    for bad in ({"before": 0}, {"after": -1}, {"limit": 0}, {"limit": 501}, {"before": "x"}):
        assert (await client.get(url, headers=h, params=bad)).status_code == 422, bad
