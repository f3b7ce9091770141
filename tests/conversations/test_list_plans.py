"""The conversation list stays fast at 100,000 conversations: its queries walk an index.

bench/app_perf.py measured two full scans at that size (docs/performance.md, "Agent workspace
in Chromium"): a page deep in the list read every row above the cursor, and the Mine view read
the whole workspace when the user had few conversations. Here the database's own plan for the
statements the API runs proves each is an ordered index range, on SQLite and on PostgreSQL
(where scans and sorts are switched off for the EXPLAIN, so the planner shows whether an
index *can* do it: tiny test tables would otherwise always be scanned).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.api.conftest import API, new_conversation
from tests.conftest import Desk


@contextlib.contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def before(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def list_statement(seen: list[tuple[str, Any]]) -> tuple[str, Any]:
    """The page query: the one ordered by the list's sort key."""
    hits = [s for s in seen if "ORDER BY conversations.last_activity_at DESC" in s[0]]
    assert len(hits) == 1, [s[0][:200] for s in seen]
    return hits[0]


def plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """How the database runs the statement: one line per step (SQLite's EXPLAIN QUERY PLAN;
    PostgreSQL's plan nodes with their index conditions)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return [str(r[3]) for r in rows]
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
        conn.rollback()
    tree = raw if isinstance(raw, list) else json.loads(raw)
    lines: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        lines.append(
            f"{node['Node Type']} {node.get('Index Name', '')} "
            f"cond={node.get('Index Cond', '')} filter={node.get('Filter', '')}"
        )
        for child in node.get("Plans", []):
            walk(child)

    walk(tree[0]["Plan"])
    return lines


def conversations_step(lines: list[str]) -> str:
    steps = [line for line in lines if "conversations" in line and "USING" in line.upper()]
    steps += [line for line in lines if line.startswith("Index Scan")]
    assert steps, lines
    return steps[0]


async def test_a_page_deep_in_the_list_starts_at_its_cursor(
    client: httpx.AsyncClient, desk: Desk, app: Any
) -> None:
    for _ in range(3):
        await new_conversation(client, desk.admin.headers, desk.inbox_id)
    first = await client.get(
        f"{API}/conversations", headers=desk.admin.headers, params={"limit": 1}
    )
    cursor = first.json()["next_cursor"]
    engine = app.state.ctx.db.read_engine

    with captured(engine) as seen:
        page = await client.get(
            f"{API}/conversations",
            headers=desk.admin.headers,
            params={"limit": 1, "cursor": cursor},
        )
    assert page.status_code == 200
    lines = plan(engine, *list_statement(seen))

    # The cursor bounds the index range (last_activity_at below the cursor's), so a page deep
    # in 100,000 conversations reads its 50 rows, not every row above them; and no sort.
    step = conversations_step(lines)
    if engine.dialect.name == "sqlite":
        assert "last_activity_at<?" in step.replace(" ", ""), lines
        assert not any("TEMP B-TREE" in line for line in lines), lines
    else:
        assert "last_activity_at <=" in step, lines
        assert not any(line.startswith("Sort") for line in lines), lines


async def test_mine_walks_the_users_own_conversations(
    client: httpx.AsyncClient, desk: Desk, app: Any
) -> None:
    await new_conversation(client, desk.admin.headers, desk.inbox_id, assignee_id=desk.agent.id)
    await new_conversation(client, desk.admin.headers, desk.inbox_id)
    engine = app.state.ctx.db.read_engine

    with captured(engine) as seen:
        page = await client.get(
            f"{API}/conversations",
            headers=desk.agent.headers,
            params=[("assignee_id", "me"), ("status", "open"), ("status", "pending")],
        )
    assert page.status_code == 200
    assert [c["assignee_id"] for c in page.json()["items"]] == [desk.agent.id]
    lines = plan(engine, *list_statement(seen))

    # Read through an index led by (workspace, assignee): the user's rows only, in list order;
    # never the whole workspace filtered row by row.
    step = conversations_step(lines)
    if engine.dialect.name == "sqlite":
        assert "assignee_id=?" in step.replace(" ", ""), lines
        assert not any("TEMP B-TREE" in line for line in lines), lines
    else:
        assert "assignee_id =" in step, lines
        assert not any(line.startswith("Sort") for line in lines), lines
