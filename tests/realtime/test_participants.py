"""An invited specialist hears the conversation live, though its inbox is not theirs."""

from __future__ import annotations

import httpx

from tests.realtime.conftest import Live, OpenSocket, barrier, is_barrier
from tests.realtime.test_websocket import concerning, create_conversation, message_created, post


async def test_invited_participant_hears_the_conversation_until_removed(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    specialist = await open_socket(desk.other_agent)  # not a member of desk.inbox_id
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    url = f"/api/v1/conversations/{conversation['id']}/participants"

    r = await http.post(url, headers=desk.agent.headers, json={"user_id": desk.other_agent.id})
    assert r.status_code == 200, r.text
    invited = await specialist.next_of("conversation.participants_changed")
    assert invited["data"]["participant_ids"] == [desk.other_agent.id]
    await post(http, desk.agent, conversation["id"], "Нужна консультация юриста")
    await message_created(specialist, "Нужна консультация юриста")

    r = await http.delete(f"{url}/{desk.other_agent.id}", headers=desk.agent.headers)
    assert r.status_code == 200, r.text
    await post(http, desk.agent, conversation["id"], "Спасибо, дальше сами")
    await barrier(http, desk.other_agent)
    _, before = await specialist.until(is_barrier(desk.other_agent))
    # The removal itself is the last thing they hear of it.
    heard = [f["data"].get("content") for f in before if f["type"] == "message.created"]
    assert heard == ["participant removed"]
    assert concerning(before, conversation["id"])[-1] == "conversation.participants_changed"


async def test_a_participant_connecting_later_hears_it_too(
    live: Live, http: httpx.AsyncClient, open_socket: OpenSocket
) -> None:
    desk = live.desk
    conversation = await create_conversation(http, desk.agent, desk.inbox_id)
    r = await http.post(
        f"/api/v1/conversations/{conversation['id']}/participants",
        headers=desk.agent.headers,
        json={"user_id": desk.other_agent.id},
    )
    assert r.status_code == 200, r.text
    specialist = await open_socket(desk.other_agent)
    await post(http, desk.agent, conversation["id"], "Вы ещё здесь?")
    frame = await message_created(specialist, "Вы ещё здесь?")
    assert frame["conversation_id"] == conversation["id"]
