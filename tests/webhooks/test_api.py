"""The admin API of webhooks: subscriptions, the secret shown once, validation, SSRF refusal,
roles and workspace isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.settings import Settings
from frontdesk.webhooks import rules
from tests.api.conftest import count_rows, problem
from tests.conftest import Desk, free_port, seed_desk
from tests.outbox.helpers import eventually
from tests.webhooks.conftest import API, Receiver, deliveries, subscribe


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the default settings: no private network allowed."""
    assert settings.webhook_allowed_networks == ""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_create_shows_the_secret_once(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver
) -> None:
    h = desk.admin.headers
    hook = await subscribe(
        client, h, receiver.url, ["message.created", "conversation.created"], description="CRM"
    )
    assert hook.secret.startswith("whsec_") and len(hook.secret) > 30
    assert hook.body["events"] == ["conversation.created", "message.created"]
    assert hook.body["active"] is True and hook.body["description"] == "CRM"
    listed = (await client.get(f"{API}/webhooks", headers=h)).json()
    assert [w["id"] for w in listed] == [hook.id]
    one = (await client.get(f"{API}/webhooks/{hook.id}", headers=h)).json()
    for shown in (listed[0], one):
        assert "secret" not in shown and hook.secret not in str(shown)


async def test_rotating_the_secret_answers_a_new_one_once(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver
) -> None:
    h = desk.admin.headers
    hook = await subscribe(client, h, receiver.url, ["*"])
    r = await client.post(f"{API}/webhooks/{hook.id}/secret", headers=h)
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new.startswith("whsec_") and new != hook.secret
    assert "secret" not in (await client.get(f"{API}/webhooks/{hook.id}", headers=h)).json()


async def test_update_and_delete(
    client: httpx.AsyncClient, desk: Desk, db: Database, receiver: Receiver
) -> None:
    h = desk.admin.headers
    hook = await subscribe(client, h, receiver.url, ["message.created"])
    r = await client.patch(
        f"{API}/webhooks/{hook.id}",
        headers=h,
        json={"events": ["contact.created"], "active": False, "description": "off"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["events"] == ["contact.created"] and r.json()["active"] is False
    r = await client.post(f"{API}/webhooks/{hook.id}/ping", headers=h)
    assert r.status_code == 201 and r.json()["event_type"] == rules.PING
    r = await client.delete(f"{API}/webhooks/{hook.id}", headers=h)
    assert r.status_code == 204
    problem(await client.get(f"{API}/webhooks/{hook.id}", headers=h), 404, "webhook")
    problem(await client.get(f"{API}/webhooks/{hook.id}/deliveries", headers=h), 404)
    # Its delivery log goes with it.
    assert count_rows(db, "webhook_deliveries") == 0


async def test_the_event_catalogue(client: httpx.AsyncClient, desk: Desk) -> None:
    r = await client.get(f"{API}/webhooks/events", headers=desk.admin.headers)
    assert r.status_code == 200
    events = r.json()["events"]
    assert "message.created" in events and "conversation.status_changed" in events
    assert not [e for e in events if e.startswith("webhook.") or e.endswith("typing")]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"url": "ftp://93.184.216.34/hook", "events": ["*"]}, ["http"]),
        ({"url": "https://93.184.216.34/hook", "events": ["conversation.typing"]}, ["typing"]),
        ({"url": "https://93.184.216.34/hook", "events": []}, ["events"]),
        ({"url": "https://a:b@93.184.216.34/hook", "events": ["*"]}, ["user name"]),
        ({"url": "https://93.184.216.34/hook", "events": ["*"], "secret": "x"}, ["secret"]),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, desk: Desk, body: dict[str, Any], mentions: list[str]
) -> None:
    r = await client.post(f"{API}/webhooks", headers=desk.admin.headers, json=body)
    problem(r, 422, *mentions)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/hook",
        "http://0.0.0.0:{port}/",
    ],
)
async def test_private_addresses_are_refused_by_default(
    strict_client: httpx.AsyncClient, settings: Settings, url: str
) -> None:
    desk = seed_desk_for(strict_client)
    target = url.format(port=free_port())
    r = await strict_client.post(
        f"{API}/webhooks", headers=desk.admin.headers, json={"url": target, "events": ["*"]}
    )
    body = problem(r, 422, "private")
    assert body["errors"][0]["loc"] == ["body", "url"]
    # Nor can an existing webhook be pointed there.
    r = await strict_client.post(
        f"{API}/webhooks",
        headers=desk.admin.headers,
        json={"url": "https://93.184.216.34/hook", "events": ["*"]},
    )
    assert r.status_code == 201, r.text
    r = await strict_client.patch(
        f"{API}/webhooks/{r.json()['id']}", headers=desk.admin.headers, json={"url": target}
    )
    problem(r, 422, "private")


def seed_desk_for(client: httpx.AsyncClient) -> Desk:
    app: Any = client._transport.app  # type: ignore[attr-defined]
    return seed_desk(app.state.ctx.db)


async def test_only_admins_manage_webhooks(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["*"])
    for who in (desk.agent, desk.supervisor):
        for method, path in (
            ("GET", "/webhooks"),
            ("GET", "/webhooks/events"),
            ("POST", "/webhooks"),
            ("GET", f"/webhooks/{hook.id}/deliveries"),
            ("POST", f"/webhooks/{hook.id}/secret"),
            ("DELETE", f"/webhooks/{hook.id}"),
        ):
            r = await client.request(
                method,
                f"{API}{path}",
                headers=who.headers,
                json={"url": receiver.url, "events": ["*"]} if method == "POST" else None,
            )
            problem(r, 403, "admin")


async def test_workspaces_never_see_each_others_webhooks(
    client: httpx.AsyncClient, desk: Desk, db: Database, receiver: Receiver
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["*"])
    r = await client.post(f"{API}/webhooks/{hook.id}/ping", headers=desk.admin.headers)
    delivery_id = r.json()["id"]
    other = seed_desk(db, slug="other")
    h = other.admin.headers
    assert (await client.get(f"{API}/webhooks", headers=h)).json() == []
    for method, path in (
        ("GET", f"/webhooks/{hook.id}"),
        ("PATCH", f"/webhooks/{hook.id}"),
        ("DELETE", f"/webhooks/{hook.id}"),
        ("POST", f"/webhooks/{hook.id}/secret"),
        ("POST", f"/webhooks/{hook.id}/ping"),
        ("GET", f"/webhooks/{hook.id}/deliveries"),
        ("GET", f"/webhooks/{hook.id}/deliveries/{delivery_id}"),
        ("POST", f"/webhooks/{hook.id}/deliveries/{delivery_id}/redeliver"),
    ):
        body = {"active": False} if method == "PATCH" else None
        r = await client.request(method, f"{API}{path}", headers=h, json=body)
        problem(r, 404)
    assert len(await deliveries(client, desk.admin.headers, hook.id)) == 1


async def test_changes_are_events_without_the_secret(
    client: httpx.AsyncClient, app: Any, desk: Desk, receiver: Receiver
) -> None:
    seen: list[DomainEvent] = []
    app.state.ctx.bus.subscribe(seen.append)
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["*"])
    await client.patch(
        f"{API}/webhooks/{hook.id}", headers=desk.admin.headers, json={"active": False}
    )
    await client.delete(f"{API}/webhooks/{hook.id}", headers=desk.admin.headers)

    async def three() -> list[DomainEvent] | None:
        found = [e for e in seen if e.type.startswith("webhook.subscription_")]
        return found if len(found) >= 3 else None

    mine = await eventually(three, what="three subscription events")  # Redis: a moment later
    assert [e.type for e in mine] == [
        "webhook.subscription_created",
        "webhook.subscription_updated",
        "webhook.subscription_deleted",
    ]
    assert all(e.user_ids == (desk.admin.id,) and hook.secret not in str(e.data) for e in mine)


async def test_bad_cursor_and_status_filter(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["*"])
    url = f"{API}/webhooks/{hook.id}/deliveries"
    problem(await client.get(url, headers=desk.admin.headers, params={"cursor": "x"}), 400)
    problem(await client.get(url, headers=desk.admin.headers, params={"status": "nope"}), 422)
    for _ in range(3):
        await client.post(f"{API}/webhooks/{hook.id}/ping", headers=desk.admin.headers)
    first = await client.get(url, headers=desk.admin.headers, params={"limit": 2})
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await client.get(
        url, headers=desk.admin.headers, params={"limit": 2, "cursor": page["next_cursor"]}
    )
    ids = [d["id"] for d in page["items"]] + [d["id"] for d in rest.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    pending = await deliveries(client, desk.admin.headers, hook.id, status="pending")
    assert len(pending) == 3
    assert await deliveries(client, desk.admin.headers, hook.id, status="dead") == []


async def test_a_host_that_does_not_resolve_is_refused(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/webhooks",
        headers=desk.admin.headers,
        json={"url": "https://receiver.invalid/hook", "events": ["*"]},
    )
    problem(r, 422, "could not be resolved")
