"""Outgoing webhooks (admins only): subscriptions, their secrets, the delivery log, redelivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.core.context import AppContext, Ctx
from frontdesk.core.errors import Unprocessable
from frontdesk.core.pagination import Page
from frontdesk.webhooks import client, rules, service
from frontdesk.webhooks.schemas import (
    DeliveryDetail,
    DeliveryOut,
    DeliveryStatus,
    EventCatalogue,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(tags=["webhooks"])


async def check_reachable(ctx: AppContext, url: str) -> None:
    """Refuse (422) a URL whose host is, or resolves to, a private address not allowed by
    FRONTDESK_WEBHOOK_ALLOWED_NETWORKS. Checked again before every delivery."""
    allowed = rules.allowed_networks(ctx.settings.webhook_allowed_networks)
    try:
        await client.checked_address(url, allowed)
    except rules.RefusedUrl as exc:
        raise Unprocessable(
            str(exc), errors=[{"loc": ["body", "url"], "msg": str(exc), "type": "refused"}]
        ) from exc


@router.get("/webhooks/events", response_model=EventCatalogue)
async def event_catalogue(principal: AdminPrincipal) -> EventCatalogue:
    """The event names a webhook may subscribe to."""
    return EventCatalogue(events=list(rules.EVENTS))


@router.get("/webhooks", response_model=list[WebhookOut])
async def list_webhooks(ctx: Ctx, principal: AdminPrincipal) -> list[WebhookOut]:
    return await ctx.db.read(lambda s: service.list_subscriptions(s, principal=principal))


@router.post("/webhooks", response_model=WebhookWithSecret, status_code=201)
async def create_webhook(
    body: WebhookCreate, ctx: Ctx, principal: AdminPrincipal
) -> WebhookWithSecret:
    """Subscribe a URL to events. The answer carries the signing secret, this once (see
    docs/webhooks.md for verifying X-Frontdesk-Signature)."""
    service.check_input(url=body.url, events=body.events)
    await check_reachable(ctx, body.url)
    return await ctx.db.write(
        lambda uow: service.create_subscription(uow, principal=principal, data=body)
    )


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
async def get_webhook(webhook_id: int, ctx: Ctx, principal: AdminPrincipal) -> WebhookOut:
    return await ctx.db.read(
        lambda s: service.get_subscription(s, principal=principal, subscription_id=webhook_id)
    )


@router.patch("/webhooks/{webhook_id}", response_model=WebhookOut)
async def update_webhook(
    webhook_id: int, body: WebhookUpdate, ctx: Ctx, principal: AdminPrincipal
) -> WebhookOut:
    service.check_input(url=body.url, events=body.events)
    if body.url is not None:
        await check_reachable(ctx, body.url)
    return await ctx.db.write(
        lambda uow: service.update_subscription(
            uow, principal=principal, subscription_id=webhook_id, data=body
        )
    )


@router.delete("/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: int, ctx: Ctx, principal: AdminPrincipal) -> Response:
    """Delete the subscription with its delivery log; deliveries not yet sent are dropped."""
    await ctx.db.write(
        lambda uow: service.delete_subscription(
            uow, principal=principal, subscription_id=webhook_id
        )
    )
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/secret", response_model=WebhookWithSecret)
async def rotate_secret(webhook_id: int, ctx: Ctx, principal: AdminPrincipal) -> WebhookWithSecret:
    """A new signing secret, shown this once; the old one stops signing at once."""
    return await ctx.db.write(
        lambda uow: service.rotate_secret(uow, principal=principal, subscription_id=webhook_id)
    )


@router.post("/webhooks/{webhook_id}/ping", response_model=DeliveryOut, status_code=201)
async def ping_webhook(webhook_id: int, ctx: Ctx, principal: AdminPrincipal) -> DeliveryOut:
    """Send a `webhook.ping` event now, to try the receiver; it shows in the delivery log."""
    return await ctx.db.write(
        lambda uow: service.ping(uow, principal=principal, subscription_id=webhook_id)
    )


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryOut])
async def list_deliveries(
    webhook_id: int,
    ctx: Ctx,
    principal: AdminPrincipal,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DeliveryOut]:
    """The delivery log, newest first: each delivery's status, attempts, and the latest
    attempt's status code, latency, error and answer excerpt."""
    statuses = [s.value for s in status or []]
    return await ctx.db.read(
        lambda s: service.list_deliveries(
            s,
            principal=principal,
            subscription_id=webhook_id,
            statuses=statuses,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def get_delivery(
    webhook_id: int, delivery_id: int, ctx: Ctx, principal: AdminPrincipal
) -> DeliveryDetail:
    """One delivery with the body it sends and every attempt."""
    return await ctx.db.read(
        lambda s: service.get_delivery(
            s, principal=principal, subscription_id=webhook_id, delivery_id=delivery_id
        )
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut
)
async def redeliver(
    webhook_id: int, delivery_id: int, ctx: Ctx, principal: AdminPrincipal
) -> DeliveryOut:
    """Send a finished delivery again: the same body and X-Frontdesk-Delivery, a new
    signature, a fresh round of retries. 409 while it is still being tried."""
    return await ctx.db.write(
        lambda uow: service.redeliver(
            uow, principal=principal, subscription_id=webhook_id, delivery_id=delivery_id
        )
    )
