"""Use cases of outgoing webhooks: subscriptions (admin), deliveries created in the same
transaction as their event, the outcome of each attempt, the delivery log and redelivery."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Problem, Unprocessable
from frontdesk.core.events import DomainEvent
from frontdesk.core.pagination import Page, decode_cursor, encode_cursor
from frontdesk.core.principal import Principal
from frontdesk.outbox import service as outbox
from frontdesk.webhooks import repository, rules
from frontdesk.webhooks.models import WebhookDelivery, WebhookSubscription
from frontdesk.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

DELIVER_JOB = "webhook.deliver"
CATCH_UP_JOB = "webhook.catch_up"
MAX_SUBSCRIPTIONS = 50
CATCH_UP_PAGE = 500


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut.model_validate(subscription)


def _with_secret(subscription: WebhookSubscription) -> WebhookWithSecret:
    return WebhookWithSecret(**_out(subscription).model_dump(), secret=subscription.secret)


def _checked_url(url: str) -> str:
    try:
        rules.parse_url(url)
    except rules.RefusedUrl as exc:
        raise Unprocessable(str(exc), errors=[_error("url", str(exc))]) from exc
    return url


def _checked_events(events: list[str]) -> list[str]:
    try:
        return rules.checked_events(events)
    except rules.InvalidEvents as exc:
        raise Unprocessable(str(exc), errors=[_error("events", str(exc))]) from exc


def check_input(*, url: str | None, events: list[str] | None) -> None:
    """The checks that need no I/O, made before the URL's address is looked up (422s)."""
    if url is not None:
        _checked_url(url)
    if events is not None:
        _checked_events(events)


def _error(field: str, detail: str) -> dict[str, Any]:
    # A type the forms do not translate: they show the desk's reason itself.
    return {"loc": ["body", field], "msg": detail, "type": "refused"}


def _record_subscription(uow: UnitOfWork, kind: str, principal: Principal, out: WebhookOut) -> None:
    # Addressed to the admin who acted (their other tabs follow); every process hears it on
    # the bus all the same and drops its snapshot of the subscriptions (dispatch.py).
    uow.record(
        f"webhook.subscription_{kind}",
        workspace_id=principal.workspace_id,
        actor_user_id=principal.user_id,
        user_ids=[principal.user_id],
        data=out.model_dump(mode="json"),
    )


def _schedule_catch_up(uow: UnitOfWork, subscription: WebhookSubscription) -> None:
    """Events recorded while another process still matched against its older snapshot of
    the subscriptions are looked for once every snapshot is fresh again, and delivered."""
    after = repository.last_event_id(uow.session, workspace_id=subscription.workspace_id)
    until = uow.now() + timedelta(seconds=rules.SNAPSHOT_TTL_SECONDS + 5)
    outbox.enqueue(
        uow,
        kind=CATCH_UP_JOB,
        workspace_id=subscription.workspace_id,
        payload={
            "subscription_id": subscription.id,
            "after_event_id": after,
            "until": until.isoformat(),
        },
        idempotency_key=f"{CATCH_UP_JOB}:{subscription.id}:{after}:{until.timestamp()}",
        run_at=until,
    )


def _subscription(
    session: Session, principal: Principal, subscription_id: int
) -> WebhookSubscription:
    found = repository.get_subscription(
        session, workspace_id=principal.workspace_id, subscription_id=subscription_id
    )
    if found is None:
        raise NotFound(f"no webhook {subscription_id} in this workspace")
    return found


# -------------------------------------------------------------------------- subscriptions
def list_subscriptions(session: Session, *, principal: Principal) -> list[WebhookOut]:
    rows = repository.list_subscriptions(session, workspace_id=principal.workspace_id)
    return [_out(r) for r in rows]


def get_subscription(session: Session, *, principal: Principal, subscription_id: int) -> WebhookOut:
    return _out(_subscription(session, principal, subscription_id))


def create_subscription(
    uow: UnitOfWork, *, principal: Principal, data: WebhookCreate
) -> WebhookWithSecret:
    """A new subscription with a new signing secret, answered this once."""
    url = _checked_url(data.url)
    events = _checked_events(data.events)
    existing = repository.list_subscriptions(uow.session, workspace_id=principal.workspace_id)
    if len(existing) >= MAX_SUBSCRIPTIONS:
        raise Conflict(f"a workspace has at most {MAX_SUBSCRIPTIONS} webhooks")
    now = uow.now()
    subscription = repository.insert(
        uow.session,
        WebhookSubscription(
            workspace_id=principal.workspace_id,
            url=url,
            description=data.description,
            events=events,
            active=data.active,
            secret=new_secret(),
            created_at=now,
            updated_at=now,
        ),
    )
    out = _with_secret(subscription)
    _record_subscription(uow, "created", principal, _out(subscription))
    if subscription.active:
        _schedule_catch_up(uow, subscription)
    return out


def update_subscription(
    uow: UnitOfWork, *, principal: Principal, subscription_id: int, data: WebhookUpdate
) -> WebhookOut:
    subscription = _subscription(uow.session, principal, subscription_id)
    before_events, before_active = set(subscription.events), subscription.active
    if data.url is not None:
        subscription.url = _checked_url(data.url)
    if data.events is not None:
        subscription.events = _checked_events(data.events)
    if data.description is not None:
        subscription.description = data.description
    if data.active is not None:
        subscription.active = data.active
    subscription.updated_at = uow.now()
    uow.session.flush()
    out = _out(subscription)
    _record_subscription(uow, "updated", principal, out)
    widened = subscription.active and (
        not before_active or not set(subscription.events) <= before_events
    )
    if widened:
        _schedule_catch_up(uow, subscription)
    return out


def delete_subscription(uow: UnitOfWork, *, principal: Principal, subscription_id: int) -> None:
    subscription = _subscription(uow.session, principal, subscription_id)
    out = _out(subscription)
    repository.delete_subscription(uow.session, subscription_id=subscription.id)
    _record_subscription(uow, "deleted", principal, out)


def rotate_secret(
    uow: UnitOfWork, *, principal: Principal, subscription_id: int
) -> WebhookWithSecret:
    """A new signing secret, answered this once; the old one signs nothing from now on
    (deliveries still being retried are signed with the new one)."""
    subscription = _subscription(uow.session, principal, subscription_id)
    subscription.secret = new_secret()
    subscription.updated_at = uow.now()
    uow.session.flush()
    _record_subscription(uow, "updated", principal, _out(subscription))
    return _with_secret(subscription)


# ----------------------------------------------------------------------------- deliveries
def enqueue_delivery(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    subscription_id: int,
    event_type: str,
    event_id: int | None,
    created_at: datetime,
    inbox_id: int | None,
    conversation_id: int | None,
    data: dict[str, Any],
) -> int | None:
    """A delivery of an event to a subscription and its outbox job, in the caller's
    transaction; None when the subscription already has this event."""
    public_id = f"whd_{secrets.token_urlsafe(16)}"
    body = rules.body_of(
        delivery_id=public_id,
        event_type=event_type,
        event_id=event_id,
        created_at=created_at,
        workspace_id=workspace_id,
        inbox_id=inbox_id,
        conversation_id=conversation_id,
        data=data,
    )
    delivery_id = repository.add_delivery(
        uow.session,
        {
            "workspace_id": workspace_id,
            "subscription_id": subscription_id,
            "public_id": public_id,
            "event_id": event_id,
            "event_type": event_type,
            "body": body,
            "status": "pending",
            "attempts": 0,
            "redeliveries": 0,
            "created_at": uow.now(),
        },
    )
    if delivery_id is None:
        return None
    outbox.enqueue(
        uow,
        kind=DELIVER_JOB,
        workspace_id=workspace_id,
        payload={"delivery_id": delivery_id},
        idempotency_key=f"{DELIVER_JOB}:{delivery_id}:0",
    )
    return delivery_id


def deliver_event(uow: UnitOfWork, *, subscription_id: int, event: DomainEvent) -> int | None:
    return enqueue_delivery(
        uow,
        workspace_id=event.workspace_id,
        subscription_id=subscription_id,
        event_type=event.type,
        event_id=event.id,
        created_at=event.created_at,
        inbox_id=event.inbox_id,
        conversation_id=event.conversation_id,
        data=event.data,
    )


def ping(uow: UnitOfWork, *, principal: Principal, subscription_id: int) -> DeliveryOut:
    """A `webhook.ping` delivery, to try the receiver (and its signature check) from the
    settings; sent even to a subscription that is switched off."""
    subscription = _subscription(uow.session, principal, subscription_id)
    delivery_id = enqueue_delivery(
        uow,
        workspace_id=principal.workspace_id,
        subscription_id=subscription.id,
        event_type=rules.PING,
        event_id=None,
        created_at=uow.now(),
        inbox_id=None,
        conversation_id=None,
        data={"webhook_id": subscription.id, "url": subscription.url},
    )
    assert delivery_id is not None
    delivery = repository.get_delivery(uow.session, delivery_id=delivery_id)
    assert delivery is not None
    return DeliveryOut.model_validate(delivery)


def catch_up(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    subscription_id: int,
    after_event_id: int,
    until: datetime,
) -> int | None:
    """Deliveries for the events (up to `until`) a stale snapshot may have missed; the last
    event id looked at when more are left, else None."""
    subscription = repository.get_subscription(
        uow.session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    if subscription is None or not subscription.active:
        return None
    events = repository.workspace_events_after(
        uow.session,
        workspace_id=workspace_id,
        after_id=after_event_id,
        until=until,
        limit=CATCH_UP_PAGE,
    )
    for event in events:
        if rules.subscribed(subscription.events, event.type):
            deliver_event(uow, subscription_id=subscription.id, event=event)
    if len(events) < CATCH_UP_PAGE:
        return None
    last = events[-1].id
    assert last is not None
    return last


@dataclass(frozen=True)
class DeliveryPlan:
    """What an attempt needs, read before the call."""

    delivery_id: int
    workspace_id: int
    public_id: str
    event_type: str
    body: str
    url: str
    secret: str
    attempts: int
    status: str
    # Why it is not sent after all (the subscription was switched off or no longer wants
    # this event), or None.
    skip: str | None


def delivery_plan(session: Session, *, delivery_id: int) -> DeliveryPlan | None:
    delivery = repository.get_delivery(session, delivery_id=delivery_id)
    if delivery is None:
        return None  # its subscription was deleted
    subscription = repository.get_subscription(
        session, workspace_id=delivery.workspace_id, subscription_id=delivery.subscription_id
    )
    if subscription is None:
        return None
    skip = None
    if delivery.event_type != rules.PING:
        if not subscription.active:
            skip = "the webhook is switched off"
        elif not rules.subscribed(subscription.events, delivery.event_type):
            skip = f"the webhook no longer subscribes to {delivery.event_type}"
    return DeliveryPlan(
        delivery_id=delivery.id,
        workspace_id=delivery.workspace_id,
        public_id=delivery.public_id,
        event_type=delivery.event_type,
        body=delivery.body,
        url=subscription.url,
        secret=subscription.secret,
        attempts=delivery.attempts,
        status=delivery.status,
        skip=skip,
    )


def _delivery_event(uow: UnitOfWork, delivery: WebhookDelivery) -> None:
    uow.record(
        "webhook.delivery_updated",
        workspace_id=delivery.workspace_id,
        data={
            "id": delivery.id,
            "webhook_id": delivery.subscription_id,
            "event_type": delivery.event_type,
            "status": delivery.status,
            "attempts": delivery.attempts,
            "status_code": delivery.status_code,
        },
    )


def record_attempt(
    uow: UnitOfWork,
    *,
    delivery_id: int,
    attempt: int,
    status: str,
    status_code: int | None,
    latency_ms: int | None,
    error: str | None,
    response_excerpt: str | None,
) -> None:
    repository.record_attempt(
        uow.session,
        delivery_id=delivery_id,
        attempt=attempt,
        status=status,
        status_code=status_code,
        latency_ms=latency_ms,
        error=error,
        response_excerpt=response_excerpt,
        now=uow.now(),
    )
    delivery = repository.get_delivery(uow.session, delivery_id=delivery_id)
    if delivery is not None:
        uow.session.refresh(delivery)
        _delivery_event(uow, delivery)


def skip_delivery(uow: UnitOfWork, *, delivery_id: int, reason: str) -> None:
    repository.set_delivery_status(
        uow.session, delivery_id=delivery_id, status="skipped", error=reason, now=uow.now()
    )
    delivery = repository.get_delivery(uow.session, delivery_id=delivery_id)
    if delivery is not None:
        uow.session.refresh(delivery)
        _delivery_event(uow, delivery)


# ---------------------------------------------------------------------------- the log
def list_deliveries(
    session: Session,
    *,
    principal: Principal,
    subscription_id: int,
    statuses: list[str],
    cursor: str | None,
    limit: int,
) -> Page[DeliveryOut]:
    """A subscription's deliveries, newest first."""
    subscription = _subscription(session, principal, subscription_id)
    before_id = None
    if cursor:
        value = decode_cursor(cursor, arity=1)[0]
        if not isinstance(value, int) or isinstance(value, bool):
            raise Problem("the cursor is not one this API returned", title="Bad cursor")
        before_id = value
    rows = repository.list_deliveries(
        session,
        subscription_id=subscription.id,
        statuses=statuses,
        before_id=before_id,
        limit=limit + 1,
    )
    items = [DeliveryOut.model_validate(r) for r in rows[:limit]]
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def _delivery(
    session: Session, principal: Principal, subscription_id: int, delivery_id: int
) -> WebhookDelivery:
    found = repository.delivery_in(
        session,
        workspace_id=principal.workspace_id,
        subscription_id=subscription_id,
        delivery_id=delivery_id,
    )
    if found is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {subscription_id}")
    return found


def get_delivery(
    session: Session, *, principal: Principal, subscription_id: int, delivery_id: int
) -> DeliveryDetail:
    delivery = _delivery(session, principal, subscription_id, delivery_id)
    attempts = repository.attempts_of(session, delivery_id=delivery.id)
    return DeliveryDetail(
        **DeliveryOut.model_validate(delivery).model_dump(),
        body=delivery.body,
        attempts_log=[AttemptOut.model_validate(a) for a in attempts],
    )


def redeliver(
    uow: UnitOfWork, *, principal: Principal, subscription_id: int, delivery_id: int
) -> DeliveryOut:
    """Send a finished delivery again (same body, same X-Frontdesk-Delivery), with a fresh
    round of retries; one still being tried is refused."""
    delivery = _delivery(uow.session, principal, subscription_id, delivery_id)
    number = repository.requeue_delivery(uow.session, delivery_id=delivery.id)
    if not number:
        raise Conflict(
            f"delivery {delivery_id} is still being tried ({delivery.status}); "
            "wait for it to finish"
        )
    outbox.enqueue(
        uow,
        kind=DELIVER_JOB,
        workspace_id=delivery.workspace_id,
        payload={"delivery_id": delivery.id},
        idempotency_key=f"{DELIVER_JOB}:{delivery.id}:{number}",
    )
    uow.session.refresh(delivery)
    _delivery_event(uow, delivery)
    return DeliveryOut.model_validate(delivery)


def active_snapshot(session: Session) -> dict[int, list[tuple[int, frozenset[str]]]]:
    """Workspace id → (subscription id, events) of the active subscriptions."""
    snapshot: dict[int, list[tuple[int, frozenset[str]]]] = {}
    for workspace_id, subscription_id, events in repository.active_subscriptions(session):
        snapshot.setdefault(workspace_id, []).append((subscription_id, frozenset(events)))
    return snapshot
