"""The data builder of bench/app_perf.py at a tiny scale: code that never runs rots.

The benchmark itself (a browser, 100,000 conversations) stays out of the suite; this checks
that the desk it builds with bulk inserts is one the app serves as the benchmark assumes:
the measured agent logs in, the big conversation is the newest in the list and holds all its
messages, and the agent sees exactly the conversations the builder says they do.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

from frontdesk.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import app_perf
import app_perf_data as data

API = "/api/v1"
PLAN = data.Plan(
    conversations=240,
    messages_per_conversation=2,
    big_messages=30,
    agents=4,
    inboxes=3,
    teams=2,
    contacts=25,
)


async def test_builds_a_desk_the_app_serves(
    settings: Settings, client: httpx.AsyncClient, app: Any
) -> None:
    desk = data.build(settings.resolved_database_url, PLAN, log=lambda _: None)

    assert desk.conversations == 240
    assert desk.messages == 239 * 2 + 30
    assert sum(desk.status_counts.values()) == 240
    login = await client.post(
        f"{API}/auth/login", json={"email": desk.agent_email, "password": desk.password}
    )
    assert login.status_code == 200, login.text

    # The app's default list (open + pending, newest activity first) starts with the big one.
    first = await client.get(
        f"{API}/conversations", params=[("status", "open"), ("status", "pending")]
    )
    assert first.status_code == 200, first.text
    assert first.json()["items"][0]["id"] == desk.big_conversation_id
    assert first.json()["items"][0]["message_count"] == 30

    messages = await client.get(f"{API}/conversations/{desk.big_conversation_id}/messages")
    assert messages.status_code == 200
    assert len(messages.json()["items"]) == 30
    kinds = {m["kind"] for m in messages.json()["items"]}
    assert {"incoming", "outgoing"} <= kinds

    # Every conversation the agent may see, page by page: what the builder counted.
    seen: set[int] = set()
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{API}/conversations", params=params)).json()
        seen.update(c["id"] for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    statuses = {"open", "pending", "snoozed", "resolved", "bot"}
    assert set(desk.status_counts) <= statuses
    assert len(seen) == desk.agent_visible_conversations
    assert 0 < len(seen) < 240  # an agent sees their inboxes, not the whole desk


def test_cache_key_follows_the_plan() -> None:
    assert data.Plan().key() == data.Plan().key()
    assert data.Plan().key() != data.Plan(conversations=5).key()


def test_bundle_size_sums_gzipped_javascript(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "index-1.js").write_text("let a = 1;\n" * 1000)
    (tmp_path / "assets" / "chunk-2.js").write_text("let b = 2;\n" * 10)
    (tmp_path / "assets" / "index-1.css").write_text("a { color: red }\n" * 100)

    size = app_perf.bundle_size(tmp_path)

    assert size["js_files"] == 2
    assert size["js_bytes"] == 11_000 + 110
    assert 0 < size["js_gzip_bytes"] < 1000  # repetitive text compresses well
    assert size["css_gzip_bytes"] > 0
    assert size["goal_met"] is True
