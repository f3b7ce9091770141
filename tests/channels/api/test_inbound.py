"""The integrator posts customer messages: authenticated by the inbox token, idempotent by
external id, one contact per person, files by URL or multipart; never a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from frontdesk.core.db import Database
from frontdesk.outbox.worker import Worker
from tests.api.conftest import count_rows, problem
from tests.channels.api.conftest import API, ApiInbox, inbound
from tests.channels.fake_provider import Call, FakeProvider, Reply
from tests.conftest import Desk


async def messages(client: httpx.AsyncClient, desk: Desk, conversation_id: int) -> list[Any]:
    r = await client.get(
        f"{API}/conversations/{conversation_id}/messages", headers=desk.admin.headers
    )
    assert r.status_code == 200, r.text
    items: list[Any] = r.json()["items"]
    return items


async def test_a_message_starts_a_conversation_once_per_external_id(
    client: httpx.AsyncClient, desk: Desk, db: Database, api_inbox: ApiInbox
) -> None:
    r = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=inbound())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["outcome"] == "created"
    again = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=inbound())
    assert again.status_code == 200, again.text
    assert again.json() == {**created, "outcome": "duplicate"}
    assert count_rows(db, "messages", "external_id = 'm-1'") == 1
    [message] = await messages(client, desk, created["conversation_id"])
    assert message["content"] == "Where is my order?" and message["external_id"] == "m-1"
    r = await client.get(
        f"{API}/conversations/{created['conversation_id']}", headers=desk.admin.headers
    )
    conversation = r.json()
    assert conversation["inbox_id"] == desk.inbox_id
    assert conversation["contact"]["name"] == "Olga Integrova"
    # The next message of the same person goes to the same conversation.
    r = await client.post(
        api_inbox.messages_url, headers=api_inbox.headers, json=inbound("m-2", "Hello?")
    )
    assert r.json()["conversation_id"] == created["conversation_id"]


async def test_a_known_email_is_the_same_contact(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    r = await client.post(
        f"{API}/contacts",
        headers=desk.admin.headers,
        json={"name": "Olga", "email": "olga@example.com"},
    )
    contact_id = r.json()["id"]
    body = inbound()
    body["contact"]["email"] = "Olga@Example.com"
    r = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=body)
    assert r.status_code == 201, r.text
    conversation = (
        await client.get(
            f"{API}/conversations/{r.json()['conversation_id']}", headers=desk.admin.headers
        )
    ).json()
    assert conversation["contact"]["id"] == contact_id
    contact = (await client.get(f"{API}/contacts/{contact_id}", headers=desk.admin.headers)).json()
    assert {"kind": "external", "value": "user-42"} in contact["identities"]
    # Later messages find the contact by the integrator's id alone.
    r = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=inbound("m-2"))
    assert r.json()["conversation_id"] == conversation["id"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}],
)
async def test_a_bad_token_is_401_and_stores_nothing(
    client: httpx.AsyncClient, db: Database, api_inbox: ApiInbox, headers: dict[str, str]
) -> None:
    r = await client.post(api_inbox.messages_url, headers=headers, json=inbound())
    problem(r, 401, "token")
    r = await client.post(
        api_inbox.statuses_url,
        headers=headers,
        json={"statuses": [{"message_id": 1, "status": "read"}]},
    )
    problem(r, 401)
    assert count_rows(db, "messages") == 0


async def test_a_replaced_token_stops_working(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    r = await client.post(f"{API}/inboxes/{api_inbox.id}/channel/token", headers=desk.admin.headers)
    problem(
        await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=inbound()), 401
    )
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert (
        await client.post(api_inbox.messages_url, headers=new, json=inbound())
    ).status_code == 201


async def test_unknown_inboxes_and_other_channels_are_404(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    problem(
        await client.post("/hooks/api/nope/messages", headers=api_inbox.headers, json=inbound()),
        404,
    )
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        json={"name": "Bot", "channel_type": "telegram"},
    )
    telegram = r.json()
    url = f"/hooks/api/{telegram['public_id']}/messages"
    problem(await client.post(url, headers=api_inbox.headers, json=inbound()), 404)


async def test_an_inbox_without_a_token_refuses_everyone(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    other = (
        await client.get(f"{API}/inboxes/{desk.other_inbox_id}", headers=desk.admin.headers)
    ).json()
    url = f"/hooks/api/{other['public_id']}/messages"
    problem(await client.post(url, headers=api_inbox.headers, json=inbound()), 401)
    problem(await client.post(url, headers={"Authorization": "Bearer "}, json=inbound()), 401)


@pytest.mark.parametrize(
    ("body", "status", "mentions"),
    [
        (b"{not json", 422, ["json"]),
        (b"[]", 422, []),
        (orjson.dumps({"contact": {"source_id": "u"}, "content": "x"}), 422, ["external_id"]),
        (orjson.dumps(inbound(content="  ")), 422, ["content or an attachment"]),
        (orjson.dumps(inbound(extra=1)), 422, ["unknown field"]),
        (
            orjson.dumps(inbound(attachments=[{"url": "file:///etc/passwd"}])),
            422,
            ["http"],
        ),
        (
            orjson.dumps({**inbound(), "contact": {"source_id": "u", "email": "nope"}}),
            422,
            ["email"],
        ),
        (
            orjson.dumps(
                inbound(content="x" * 100, attachments=[{"url": "https://x.example/a"}] * 11)
            ),
            422,
            ["attachments"],
        ),
    ],
)
async def test_bad_posts_are_4xx_never_5xx(
    client: httpx.AsyncClient,
    db: Database,
    api_inbox: ApiInbox,
    body: bytes,
    status: int,
    mentions: list[str],
) -> None:
    r = await client.post(
        api_inbox.messages_url,
        headers={**api_inbox.headers, "Content-Type": "application/json"},
        content=body,
    )
    problem(r, status, *mentions)
    assert count_rows(db, "messages") == 0


async def test_other_media_types_are_415(client: httpx.AsyncClient, api_inbox: ApiInbox) -> None:
    r = await client.post(
        api_inbox.messages_url,
        headers={**api_inbox.headers, "Content-Type": "text/plain"},
        content=b"hi",
    )
    problem(r, 415, "multipart")


async def test_files_by_multipart(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox
) -> None:
    r = await client.post(
        api_inbox.messages_url,
        headers=api_inbox.headers,
        data={"payload": orjson.dumps(inbound(content="")).decode()},
        files=[("files", ("invoice.pdf", b"%PDF-1.4 test", "application/pdf"))],
    )
    assert r.status_code == 201, r.text
    [message] = await messages(client, desk, r.json()["conversation_id"])
    [attachment] = message["attachments"]
    assert attachment["file_name"] == "invoice.pdf" and attachment["size"] == 13
    got = await client.get(attachment["url"], headers=desk.admin.headers)
    assert got.content == b"%PDF-1.4 test"
    r = await client.post(
        api_inbox.messages_url,
        headers=api_inbox.headers,
        files=[("files", ("a.txt", b"x", "text/plain"))],
    )
    problem(r, 422, "payload")


async def test_files_by_url_are_downloaded_afterwards(
    client: httpx.AsyncClient, desk: Desk, api_inbox: ApiInbox, worker: Worker
) -> None:
    def files(call: Call) -> Reply:
        if call.path == "/files/photo.jpg":
            return Reply(body=b"\xff\xd8jpeg-bytes", content_type="image/jpeg")
        return Reply(status=404, json={"error": "no such file"})

    with FakeProvider(files) as host:
        body = inbound(
            attachments=[
                {"url": f"{host.url}/files/photo.jpg"},
                {"url": f"{host.url}/files/gone.pdf", "file_name": "gone.pdf"},
            ]
        )
        r = await client.post(api_inbox.messages_url, headers=api_inbox.headers, json=body)
        assert r.status_code == 201, r.text
        assert await worker.run_once() >= 1
    [message] = await messages(client, desk, r.json()["conversation_id"])
    [attachment] = message["attachments"]
    assert attachment["file_name"] == "photo.jpg" and attachment["content_type"] == "image/jpeg"
    got = await client.get(attachment["url"], headers=desk.admin.headers)
    assert got.content == b"\xff\xd8jpeg-bytes"
    [unavailable] = message["content_attributes"]["unavailable_attachments"]
    assert unavailable["file_name"] == "gone.pdf" and "404" in unavailable["reason"]
