"""The list's built-in views (Mine, Unassigned, My teams, All, Mentions) and their live counts:
`team_id=mine`, `mentioned=me`, mentions stored with the note, GET /conversations/counts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from frontdesk.core.db import Database
from tests.api.conftest import (
    API,
    StatementCounter,
    count_rows,
    new_conversation,
    post_message,
    problem,
)
from tests.conftest import Desk, seed_desk

# Statements of GET /conversations/counts with the token cached: the visible inboxes (not for
# admins) and one aggregate for all five views.
COUNTS = 2


def mention(user_id: int, name: str = "Colleague") -> str:
    return f"@[{name}](user:{user_id})"


async def ids(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> set[int]:
    r = await client.get(f"{API}/conversations", headers=headers, params=query)
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


async def counts(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> Any:
    r = await client.get(f"{API}/conversations/counts", headers=headers, params=query)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def board(client: httpx.AsyncClient, desk: Desk) -> dict[str, int]:
    """The supervisor is the only member of the desk's team (which works the first inbox)."""
    h = desk.admin.headers
    made = {
        "mine": await new_conversation(client, h, desk.inbox_id, assignee_id=desk.agent.id),
        "team": await new_conversation(client, h, desk.inbox_id, team_id=desk.team_id),
        "free": await new_conversation(client, h, desk.inbox_id),
        "other_inbox": await new_conversation(
            client, h, desk.other_inbox_id, assignee_id=desk.other_agent.id
        ),
        "pending": await new_conversation(
            client, h, desk.inbox_id, status="pending", assignee_id=desk.agent.id, message=None
        ),
    }
    return {key: value["id"] for key, value in made.items()}


async def test_my_teams_lists_the_conversations_of_my_teams(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    assert await ids(client, desk.supervisor.headers, team_id="mine") == {board["team"]}
    # The agent is in no team: nothing, however many team conversations they can see.
    assert await ids(client, desk.agent.headers, team_id="mine") == set()
    # A plain team id keeps working.
    assert await ids(client, desk.agent.headers, team_id=str(desk.team_id)) == {board["team"]}


@pytest.mark.parametrize("value", ["ours", "-1", "1.5", "", "1" * 19])
async def test_a_team_id_is_an_id_or_mine(
    client: httpx.AsyncClient, desk: Desk, value: str
) -> None:
    r = await client.get(
        f"{API}/conversations", headers=desk.agent.headers, params={"team_id": value}
    )
    problem(r, 422, "team_id")


async def test_a_note_mentioning_me_puts_the_conversation_in_my_mentions(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int], db: Database
) -> None:
    h = desk.agent.headers
    assert await ids(client, h, mentioned="me") == set()
    await post_message(
        client, desk.admin.headers, board["free"],
        f"{mention(desk.agent.id, 'Agent')} and {mention(desk.supervisor.id)}, look",
        private=True,
    )  # fmt: skip
    assert await ids(client, h, mentioned="me") == {board["free"]}
    assert await ids(client, desk.supervisor.headers, mentioned="me") == {board["free"]}
    assert await ids(client, desk.other_agent.headers, mentioned="me") == set()
    # Combined with the other filters like any of them.
    assert await ids(client, h, mentioned="me", assignee_id="none") == {board["free"]}
    assert await ids(client, h, mentioned="me", assignee_id="me") == set()

    def rows(session: Session) -> list[Any]:
        return list(
            session.execute(
                text(
                    "SELECT workspace_id, conversation_id, user_id, message_id "
                    "FROM conversation_mentions ORDER BY user_id"
                )
            )
        )

    stored = db.read_sync(rows)
    assert sorted((r.conversation_id, r.user_id) for r in stored) == sorted(
        [(board["free"], desk.supervisor.id), (board["free"], desk.agent.id)]
    )
    assert {r.workspace_id for r in stored} == {desk.workspace_id}
    note = count_rows(db, "messages", "id = :m AND kind = 'note'", m=stored[0].message_id)
    assert note == 1


async def test_only_notes_and_only_colleagues_of_the_workspace_are_mentioned(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int], db: Database
) -> None:
    h = desk.agent.headers
    stranger = seed_desk(db, slug="elsewhere")
    # A public reply does not mention anybody; the author does not mention themselves; a user of
    # another workspace and an id nobody has are ignored.
    await post_message(client, h, board["mine"], f"hi {mention(desk.supervisor.id)}")
    await post_message(
        client, h, board["mine"],
        f"{mention(desk.agent.id)} {mention(stranger.agent.id)} {mention(999999)}",
        private=True,
    )  # fmt: skip
    assert count_rows(db, "conversation_mentions") == 0
    assert await ids(client, h, mentioned="me") == set()
    assert await ids(client, stranger.agent.headers, mentioned="me") == set()


async def test_mentions_respect_what_the_user_may_see(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    # The other agent works the other inbox only: mentioned in the first inbox, they see nothing.
    await post_message(
        client, desk.admin.headers, board["free"], mention(desk.other_agent.id), private=True
    )
    assert await ids(client, desk.other_agent.headers, mentioned="me") == set()
    assert (await counts(client, desk.other_agent.headers))["mentions"] == 0


async def test_a_failed_note_stores_no_mention(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int], db: Database
) -> None:
    r = await client.post(
        f"{API}/conversations/{board['free']}/messages",
        headers=desk.other_agent.headers,  # may not see it
        json={"content": mention(desk.agent.id), "private": True},
    )
    problem(r, 404)
    assert count_rows(db, "conversation_mentions") == 0


async def test_counts_of_each_view_follow_the_role(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    await post_message(
        client, desk.admin.headers, board["team"], mention(desk.agent.id), private=True
    )
    # Open conversations by default: the pending one is left out.
    assert await counts(client, desk.agent.headers) == {
        "mine": 1, "unassigned": 2, "my_teams": 0, "all": 3, "mentions": 1,
    }  # fmt: skip
    assert await counts(client, desk.supervisor.headers) == {
        "mine": 0, "unassigned": 2, "my_teams": 1, "all": 3, "mentions": 0,
    }  # fmt: skip
    assert await counts(client, desk.admin.headers) == {
        "mine": 0, "unassigned": 2, "my_teams": 0, "all": 4, "mentions": 0,
    }  # fmt: skip
    assert await counts(client, desk.other_agent.headers) == {
        "mine": 1, "unassigned": 0, "my_teams": 0, "all": 1, "mentions": 0,
    }  # fmt: skip


async def test_counts_follow_the_status_and_the_other_filters(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    h = desk.agent.headers
    assert (await counts(client, h, status="pending"))["mine"] == 1
    both = await counts(client, h, status=["open", "pending"])
    assert both["mine"] == 2 and both["all"] == 4
    r = await client.post(
        f"{API}/conversations/{board['free']}/status", headers=h, json={"status": "resolved"}
    )
    assert r.status_code == 200, r.text
    assert (await counts(client, h))["unassigned"] == 1
    assert (await counts(client, h, status="resolved"))["unassigned"] == 1
    assert (await counts(client, h, team_id=desk.team_id))["all"] == 1
    assert (await counts(client, desk.admin.headers, inbox_id=desk.other_inbox_id))["all"] == 1
    problem(await client.get(f"{API}/conversations/counts", headers=h, params={"status": "x"}), 422)


async def test_counts_equal_the_lists_they_count(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int]
) -> None:
    await post_message(
        client, desk.admin.headers, board["mine"], mention(desk.supervisor.id), private=True
    )
    views = {
        "mine": {"assignee_id": "me"},
        "unassigned": {"assignee_id": "none"},
        "my_teams": {"team_id": "mine"},
        "all": {},
        "mentions": {"mentioned": "me"},
    }
    for who in (desk.agent, desk.supervisor, desk.admin, desk.other_agent):
        for statuses in (["open"], ["open", "pending"], ["resolved"]):
            numbers = await counts(client, who.headers, status=statuses)
            for view, query in views.items():
                listed = await ids(client, who.headers, status=statuses, limit=200, **query)
                assert numbers[view] == len(listed), (who.email, statuses, view)


async def test_counts_cost_two_statements_however_many_conversations(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int], statements: StatementCounter
) -> None:
    for who in (desk.agent, desk.admin):
        await client.get(f"{API}/auth/me", headers=who.headers)  # caches the token
    for extra in range(2):
        if extra:
            for _ in range(5):
                await new_conversation(client, desk.admin.headers, desk.inbox_id)
        with statements.counting() as seen:
            r = await client.get(f"{API}/conversations/counts", headers=desk.agent.headers)
        assert r.status_code == 200
        assert len(seen) == COUNTS, seen
    with statements.counting() as seen:
        r = await client.get(f"{API}/conversations/counts", headers=desk.admin.headers)
    assert r.status_code == 200 and len(seen) == COUNTS - 1, seen


async def test_counts_never_reach_into_another_workspace(
    client: httpx.AsyncClient, desk: Desk, board: dict[str, int], db: Database
) -> None:
    other = seed_desk(db, slug="other")
    assert await counts(client, other.admin.headers) == {
        "mine": 0, "unassigned": 0, "my_teams": 0, "all": 0, "mentions": 0,
    }  # fmt: skip
