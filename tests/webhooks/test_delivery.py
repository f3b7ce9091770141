"""Deliveries: written in the event's transaction, signed so a receiver can verify them,
retried with backoff, dead-lettered with the reason in the log, redelivered on request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson

from frontdesk.app import create_app
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.outbox.worker import Worker
from frontdesk.settings import Settings
from frontdesk.webhooks import dispatch, rules
from tests.api.conftest import count_rows, new_conversation, post_message, problem
from tests.conftest import Desk, free_port, seed_desk
from tests.outbox.helpers import FakeClock, eventually, jobs, one_job
from tests.webhooks.conftest import (
    API,
    Receiver,
    deliveries,
    make_worker,
    subscribe,
    verified,
)


async def test_an_event_arrives_signed_and_verifiable(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    conversation = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await worker.run_once()
    [call] = receiver.calls()
    assert call.method == "POST" and call.headers["content-type"] == "application/json"
    assert verified(call, hook.secret)
    assert not verified(call, "whsec_someone_else")
    body = orjson.loads(call.body)
    assert call.headers["x-frontdesk-event"] == "message.created" == body["type"]
    assert call.headers["x-frontdesk-delivery"] == body["id"]
    assert body["id"].startswith("whd_")
    assert body["conversation_id"] == conversation["id"]
    assert body["inbox_id"] == desk.inbox_id
    assert body["data"]["content"] == "Hello, I need help"
    [logged] = await deliveries(client, desk.admin.headers, hook.id)
    assert logged["status"] == "delivered" and logged["attempts"] == 1
    assert logged["status_code"] == 200 and logged["latency_ms"] >= 0
    assert logged["response_excerpt"] == '{"ok":true}' and logged["error"] is None
    assert logged["public_id"] == body["id"] and logged["event_type"] == "message.created"


async def test_the_delivery_commits_with_its_event_and_survives_the_process(
    client: httpx.AsyncClient,
    desk: Desk,
    db: Database,
    receiver: Receiver,
    wh_settings: Settings,
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    conversation = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    # Before any worker ran, the delivery and its job are stored with the message.
    [job] = await jobs(db, kind="webhook.deliver")
    assert job.status == "pending"
    assert count_rows(db, "webhook_deliveries") == 1
    # A refused write records no event and so no delivery.
    await post_message(client, desk.agent.headers, conversation["id"], "", expect=422)
    assert count_rows(db, "webhook_deliveries") == 1
    # This process "dies" before delivering: another one, started on the same database,
    # delivers what was committed.
    other = create_app(wh_settings)
    async with other.router.lifespan_context(other):
        assert await make_worker(wh_settings, other.state.ctx.db).run_once() >= 1
    [call] = receiver.calls()
    assert verified(call, hook.secret)


async def test_only_subscribed_events_of_the_workspace_are_delivered(
    client: httpx.AsyncClient, desk: Desk, db: Database, receiver: Receiver, worker: Worker
) -> None:
    await subscribe(client, desk.admin.headers, receiver.url, ["conversation.status_changed"])
    conversation = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    other = seed_desk(db, slug="other")
    other_conversation = await new_conversation(client, other.agent.headers, other.inbox_id)
    for who, conv in ((desk, conversation), (other, other_conversation)):
        r = await client.post(
            f"{API}/conversations/{conv['id']}/status",
            headers=who.agent.headers,
            json={"status": "resolved"},
        )
        assert r.status_code == 200, r.text
    await worker.run_once()
    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["conversation.status_changed"]
    assert bodies[0]["conversation_id"] == conversation["id"]
    assert bodies[0]["workspace_id"] == desk.workspace_id


async def test_a_500_is_retried_with_backoff_until_the_receiver_recovers(
    client: httpx.AsyncClient,
    desk: Desk,
    receiver: Receiver,
    worker: Worker,
    clock: FakeClock,
    app: Any,
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    receiver.provider.fail("/hook", status=500, json={"error": "db down"}, times=1)
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await worker.run_once()
    [logged] = await deliveries(client, desk.admin.headers, hook.id)
    assert logged["status"] == "retrying" and logged["status_code"] == 500
    assert "500" in logged["error"] and "db down" in logged["response_excerpt"]
    job = await one_job(app.state.ctx.db, kind="webhook.deliver")
    assert job.status == "pending" and job.run_at == clock.now + timedelta(seconds=2)
    assert await worker.run_once() == 0  # not due yet
    clock.advance(2)
    await worker.run_once()
    first, second = receiver.calls()
    # The same delivery, the same bytes, each attempt signed on its own.
    assert first.headers["x-frontdesk-delivery"] == second.headers["x-frontdesk-delivery"]
    assert first.body == second.body
    assert verified(first, hook.secret) and verified(second, hook.secret)
    [logged] = await deliveries(client, desk.admin.headers, hook.id)
    assert logged["status"] == "delivered" and logged["attempts"] == 2
    r = await client.get(
        f"{API}/webhooks/{hook.id}/deliveries/{logged['id']}", headers=desk.admin.headers
    )
    detail = r.json()
    assert [a["status_code"] for a in detail["attempts_log"]] == [500, 200]
    assert [a["attempt"] for a in detail["attempts_log"]] == [1, 2]
    assert orjson.loads(detail["body"])["id"] == logged["public_id"]


async def test_dead_letter_after_the_last_attempt_with_the_reason_and_redelivery(
    client: httpx.AsyncClient,
    desk: Desk,
    receiver: Receiver,
    worker: Worker,
    clock: FakeClock,
    app: Any,
) -> None:
    h = desk.admin.headers
    hook = await subscribe(client, h, receiver.url, ["message.created"])
    receiver.provider.fail("/hook", status=503, times=3)
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    for wait in (0, 2, 4):  # outbox_max_attempts is 3 here; backoff 2 s, then 4 s
        clock.advance(wait)
        assert await worker.run_once() == 1
    assert len(receiver.calls()) == 3
    [logged] = await deliveries(client, h, hook.id)
    assert logged["status"] == "dead" and logged["attempts"] == 3
    assert logged["status_code"] == 503 and "answered 503" in logged["error"]
    assert logged["finished_at"] is not None
    job = await one_job(app.state.ctx.db, kind="webhook.deliver")
    assert job.status == "dead" and "answered 503" in (job.last_error or "")
    assert await deliveries(client, h, hook.id, status="dead") == [logged]
    clock.advance(3600)
    await worker.run_once()  # (the subscription's catch-up job runs: it finds nothing new)
    assert len(receiver.calls()) == 3  # nothing is retried after the dead-letter

    # Redelivery: the same delivery id and body, a fresh round of attempts.
    url = f"{API}/webhooks/{hook.id}/deliveries/{logged['id']}/redeliver"
    r = await client.post(url, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["redeliveries"] == 1
    problem(await client.post(url, headers=h), 409, "still being tried")
    assert await worker.run_once() == 1
    calls = receiver.calls()
    assert len(calls) == 4 and calls[-1].body == calls[0].body
    assert calls[-1].headers["x-frontdesk-delivery"] == logged["public_id"]
    assert verified(calls[-1], hook.secret)
    [again] = await deliveries(client, h, hook.id)
    assert again["status"] == "delivered" and again["attempts"] == 4
    # A delivered one may be sent again too.
    assert (await client.post(url, headers=h)).status_code == 200


async def test_a_receiver_that_cannot_be_reached_is_retried_with_the_reason(
    client: httpx.AsyncClient, desk: Desk, worker: Worker
) -> None:
    hook = await subscribe(
        client, desk.admin.headers, f"http://127.0.0.1:{free_port()}/hook", ["message.created"]
    )
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await worker.run_once()
    [logged] = await deliveries(client, desk.admin.headers, hook.id)
    assert logged["status"] == "retrying" and logged["status_code"] is None
    assert "could not connect" in logged["error"]


async def test_an_address_turned_private_is_dead_at_once(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    receiver: Receiver,
    wh_settings: Settings,
) -> None:
    """The address is checked again before every delivery (the operator may have withdrawn
    the allowance, or the host may resolve elsewhere now): refused, not retried."""
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    strict = wh_settings.model_copy(update={"webhook_allowed_networks": ""})
    assert await make_worker(strict, app.state.ctx.db).run_once() == 1
    assert receiver.calls() == []
    [logged] = await deliveries(client, desk.admin.headers, hook.id)
    assert logged["status"] == "dead" and "private" in logged["error"]
    job = await one_job(app.state.ctx.db, kind="webhook.deliver")
    assert job.status == "dead"


async def test_a_switched_off_webhook_skips_what_is_pending(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    h = desk.admin.headers
    hook = await subscribe(client, h, receiver.url, ["message.created"])
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await client.patch(f"{API}/webhooks/{hook.id}", headers=h, json={"active": False})
    await worker.run_once()
    assert receiver.calls() == []
    [logged] = await deliveries(client, h, hook.id)
    assert logged["status"] == "skipped" and "switched off" in logged["error"]
    # Switched off, it gets no new deliveries.
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    assert len(await deliveries(client, h, hook.id)) == 1


async def test_a_ping_tries_the_receiver(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["contact.created"])
    r = await client.post(f"{API}/webhooks/{hook.id}/ping", headers=desk.admin.headers)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    await worker.run_once()
    [call] = receiver.calls()
    assert call.headers["x-frontdesk-event"] == rules.PING and verified(call, hook.secret)
    assert orjson.loads(call.body)["data"] == {"webhook_id": hook.id, "url": receiver.url}


async def test_deliveries_are_signed_with_the_rotated_secret(
    client: httpx.AsyncClient, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    r = await client.post(f"{API}/webhooks/{hook.id}/secret", headers=desk.admin.headers)
    new_secret = r.json()["secret"]
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await worker.run_once()
    [call] = receiver.calls()
    assert verified(call, new_secret) and not verified(call, hook.secret)


async def test_attempts_are_events_for_the_admins_screens(
    client: httpx.AsyncClient, app: Any, desk: Desk, receiver: Receiver, worker: Worker
) -> None:
    seen: list[DomainEvent] = []
    app.state.ctx.bus.subscribe(seen.append)
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["*"])
    await new_conversation(client, desk.agent.headers, desk.inbox_id)
    await worker.run_once()

    async def some() -> list[DomainEvent] | None:
        return [e for e in seen if e.type == "webhook.delivery_updated"] or None

    updates = await eventually(some, what="webhook.delivery_updated")  # Redis: a moment later
    assert updates and all(e.data["webhook_id"] == hook.id for e in updates)
    assert {e.data["status"] for e in updates} == {"delivered"}
    # A delivery's own events are never delivered (no delivery causes deliveries).
    assert await worker.run_once() == 0


async def test_a_stale_snapshot_is_caught_up_without_duplicates(
    client: httpx.AsyncClient,
    app: Any,
    desk: Desk,
    receiver: Receiver,
    worker: Worker,
    clock: FakeClock,
) -> None:
    """Another process that has not heard of a new subscription yet (its snapshot is still
    fresh) records events without deliveries; the subscription's catch-up job, once every
    snapshot has expired, delivers them, and nothing twice."""
    db: Database = app.state.ctx.db
    dispatcher = dispatch.install(db)
    seen: list[DomainEvent] = []
    app.state.ctx.bus.subscribe(seen.append)
    hook = await subscribe(client, desk.admin.headers, receiver.url, ["message.created"])
    first = await new_conversation(client, desk.agent.headers, desk.inbox_id)  # delivered

    async def heard() -> bool:  # through Redis the bus echo comes a moment later
        return any(e.type == "webhook.subscription_created" for e in seen)

    await eventually(heard, what="the subscription's event on the bus")
    # Now play the stale process: it still believes there are no subscriptions.
    dispatcher._snapshot, dispatcher._expires = {}, float("inf")
    missed = await new_conversation(client, desk.agent.headers, desk.inbox_id)
    assert count_rows(db, "webhook_deliveries") == 1
    dispatcher.invalidate()
    await worker.run_once()
    clock.advance(rules.SNAPSHOT_TTL_SECONDS + 5)
    assert await worker.run_once() == 1  # the catch-up
    await worker.run_once()
    delivered = [b["conversation_id"] for b in receiver.bodies()]
    assert sorted(delivered) == sorted([first["id"], missed["id"]])
    assert (await one_job(db, kind="webhook.catch_up")).status == "done"
    assert len(await deliveries(client, desk.admin.headers, hook.id)) == 2
