"""CSAT after resolution: the visitor is asked (csat.requested), answers 1-5 with a comment
(csat.received), stored once per conversation and attributed to the assignee at resolution."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text

from frontdesk.app import make_worker
from frontdesk.core.db import Database
from tests.api.conftest import count_rows, post_message, problem
from tests.channels.webchat.conftest import API, Visitor, make_inbox
from tests.conftest import Desk


async def resolve(client: httpx.AsyncClient, app: Any, desk: Desk, cid: int) -> None:
    r = await client.post(
        f"{API}/conversations/{cid}/status", headers=desk.agent.headers, json={"status": "resolved"}
    )
    assert r.status_code == 200, r.text
    await run_jobs(app)  # the survey is an outbox job of the resolution


async def run_jobs(app: Any) -> int:
    """What a worker does with the outbox now (the app of these tests runs none)."""
    ctx = app.state.ctx
    return int(await make_worker(ctx.settings, ctx.db).run_once())


async def assign(client: httpx.AsyncClient, desk: Desk, cid: int, user_id: int) -> None:
    r = await client.post(
        f"{API}/conversations/{cid}/assignment",
        headers=desk.admin.headers,
        json={"assignee_id": user_id},
    )
    assert r.status_code == 200, r.text


def events(db: Database, kind: str) -> list[dict[str, Any]]:
    def run(session: Any) -> list[dict[str, Any]]:
        rows = session.execute(
            text("SELECT data FROM events WHERE type = :t ORDER BY id"), {"t": kind}
        ).scalars()
        return [r if isinstance(r, dict) else json.loads(r) for r in rows]

    return db.read_sync(run)


def surveys(db: Database) -> list[dict[str, Any]]:
    def run(session: Any) -> list[dict[str, Any]]:
        return [
            dict(r._mapping)
            for r in session.execute(
                text(
                    "SELECT conversation_id, contact_id, assignee_id, rating, comment, "
                    "surveyed_at, answered_at FROM csat_responses"
                )
            )
        ]

    return db.read_sync(run)


async def conversation_id(client: httpx.AsyncClient, desk: Desk) -> int:
    r = await client.get(f"{API}/conversations", headers=desk.admin.headers)
    return int(r.json()["items"][0]["id"])


async def test_resolving_asks_for_a_rating_stored_once(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("My parcel is late")
    cid = await conversation_id(client, desk)
    await assign(client, desk, cid, desk.agent.id)
    await post_message(client, desk.agent.headers, cid, "It arrives tomorrow")
    problem(await visitor.post("csat", {"rating": 5}), 409, "not resolved")
    assert (await visitor.messages())["conversation"]["csat"] is None
    await resolve(client, app, desk, cid)
    [requested] = events(db, "csat.requested")
    assert requested["conversation_id"] == cid and requested["assignee_id"] == desk.agent.id
    state = (await visitor.messages())["conversation"]
    assert state["status"] == "resolved"
    assert state["csat"] == {"requested": True, "rating": None, "comment": ""}

    r = await visitor.post("csat", {"rating": 4, "comment": "Quick, thanks"})
    assert r.status_code == 200, r.text
    assert r.json()["rating"] == 4
    # Changing one's mind changes the answer: still one survey.
    r = await visitor.post("csat", {"rating": 5, "comment": "Actually perfect"})
    assert r.status_code == 200
    [survey] = surveys(db)
    assert survey["rating"] == 5 and survey["comment"] == "Actually perfect"
    assert survey["assignee_id"] == desk.agent.id
    assert survey["conversation_id"] == cid
    assert survey["answered_at"] is not None and survey["surveyed_at"] is not None
    received = events(db, "csat.received")
    assert [(e["rating"], e["updated"]) for e in received] == [(4, False), (5, True)]
    assert (await visitor.messages())["conversation"]["csat"]["rating"] == 5
    # Resolved again after the answer: no second survey.
    r = await client.post(
        f"{API}/conversations/{cid}/status", headers=desk.agent.headers, json={"status": "open"}
    )
    assert r.status_code == 200, r.text
    await resolve(client, app, desk, cid)
    assert len(events(db, "csat.requested")) == 1
    assert count_rows(db, "csat_responses") == 1


async def test_ratings_outside_1_to_5_are_refused(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Hi")
    await resolve(client, app, desk, await conversation_id(client, desk))
    for bad in (0, 6, -1, "five", None, 4.5):
        problem(await visitor.post("csat", {"rating": bad}), 422, "rating")
    problem(await visitor.post("csat", {"rating": 3, "comment": "x" * 2001}), 422, "comment")
    assert surveys(db)[0]["rating"] is None


async def test_the_assignee_at_resolution_gets_the_rating(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk, visitor: Visitor
) -> None:
    await visitor.say("Hi")
    cid = await conversation_id(client, desk)
    await assign(client, desk, cid, desk.agent.id)
    await resolve(client, app, desk, cid)
    r = await client.post(
        f"{API}/conversations/{cid}/status", headers=desk.admin.headers, json={"status": "open"}
    )
    assert r.status_code == 200, r.text
    await assign(client, desk, cid, desk.admin.id)
    await resolve(client, app, desk, cid)
    await assign(client, desk, cid, desk.agent.id)  # after the resolution: changes nothing
    await visitor.post("csat", {"rating": 2})
    [survey] = surveys(db)
    assert survey["assignee_id"] == desk.admin.id
    assert len(events(db, "csat.requested")) == 2


async def test_without_csat_nobody_is_asked(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk
) -> None:
    inbox = await make_inbox(client, desk, csat=False)
    visitor = Visitor(client, inbox)
    await visitor.start()
    await visitor.say("Hi")
    await resolve(client, app, desk, await conversation_id(client, desk))
    assert (await visitor.messages())["conversation"]["csat"] is None
    problem(await visitor.post("csat", {"rating": 5}), 409, "does not ask")
    assert count_rows(db, "csat_responses") == 0


async def test_other_channels_are_not_surveyed_by_the_widget(
    client: httpx.AsyncClient, app: Any, db: Database, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/conversations",
        headers=desk.agent.headers,
        json={"inbox_id": desk.inbox_id, "contact": {"name": "X"}, "message": {"content": "m"}},
    )
    await resolve(client, app, desk, r.json()["id"])
    assert count_rows(db, "csat_responses") == 0


async def test_a_visitor_without_a_conversation_has_nothing_to_rate(visitor: Visitor) -> None:
    problem(await visitor.post("csat", {"rating": 5}), 409, "no conversation")
