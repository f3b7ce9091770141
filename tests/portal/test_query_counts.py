"""The portal's pages cost a fixed number of SQL statements, however many conversations and
messages a customer has (no N+1); a change in these numbers is one to explain."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests.api.conftest import StatementCounter
from tests.outbox.helpers import jobs
from tests.portal.conftest import PortalDesk, csrf_of, sign_in
from tests.portal.test_requests import conversation_id, open_request
from tests.smtp_server import SMTPServer

# portal (workspace, inbox ids, inboxes, members), session, contact id, contact, page,
# contacts, labels, participants
LIST_PAGE = 11
# portal (4), session, contact id, conversation, read marks, contacts, labels, participants,
# the conversation again (may-see), messages, their files, agents' names
CONVERSATION_PAGE = 15


@pytest.fixture
def statements(app: Any) -> Iterator[StatementCounter]:
    from sqlalchemy import event

    db = app.state.ctx.db
    counter = StatementCounter()
    engines = {id(e): e for e in (db.read_engine, db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", counter)
    yield counter
    for engine in engines:
        event.remove(engine, "before_cursor_execute", counter)


async def counted(statements: StatementCounter, client: httpx.AsyncClient, url: str) -> int:
    with statements.counting() as seen:
        r = await client.get(url)
    assert r.status_code == 200, r.text
    # The worker polls the outbox now and then, on its own: not the page's statements.
    return len([q for q in seen if "outbox_jobs" not in q])


async def agent_answers(
    client: httpx.AsyncClient, portal: PortalDesk, cid: int, text: str, headers: dict[str, str]
) -> None:
    r = await client.post(
        f"/api/v1/conversations/{cid}/messages", json={"content": text}, headers=headers
    )
    assert r.status_code == 201, r.text


async def idle(db: Database) -> None:
    """Wait until the worker has mailed everything: its queries are not the page's."""
    for _ in range(500):
        if all(j.status in ("done", "dead") for j in await jobs(db)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox did not drain")


async def test_pages_cost_the_same_for_few_and_many(
    db: Database,
    client: httpx.AsyncClient,
    portal: PortalDesk,
    smtp_server: SMTPServer,
    statements: StatementCounter,
) -> None:
    await sign_in(client, portal, smtp_server, "ivan@example.com")
    first = conversation_id(await open_request(client, portal), portal)
    await agent_answers(client, portal, first, "Hello", portal.desk.agent.headers)
    await idle(db)
    few_list = await counted(statements, client, portal.path)
    few_page = await counted(statements, client, f"{portal.path}/conversations/{first}")

    for i in range(6):
        await open_request(client, portal, subject=f"Request {i}")
    for i in range(6):
        page = await client.get(f"{portal.path}/conversations/{first}")
        await client.post(
            f"{portal.path}/conversations/{first}/messages",
            data={"csrf": csrf_of(page), "content": f"More {i}"},
            files=[("files", (f"f{i}.txt", b"x", "text/plain"))],
        )
        agent = portal.desk.agent if i % 2 else portal.desk.admin
        await agent_answers(client, portal, first, f"Answer {i}", agent.headers)
    await idle(db)
    many_list = await counted(statements, client, portal.path)
    many_page = await counted(statements, client, f"{portal.path}/conversations/{first}")
    assert (few_list, many_list) == (LIST_PAGE, LIST_PAGE)
    assert (few_page, many_page) == (CONVERSATION_PAGE, CONVERSATION_PAGE)
