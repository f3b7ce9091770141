"""The outbox jobs of webhooks: deliver one event to one subscription; look for events a stale
snapshot of the subscriptions missed.

A delivery reads what it needs, POSTs outside any transaction, then writes the attempt (and a
webhook.delivery_updated event) in a short transaction of its own. A failed attempt raises, so
the outbox retries it with backoff; the last one (FRONTDESK_OUTBOX_MAX_ATTEMPTS) is written as
dead with its reason and parks the job in dead-letter.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import datetime

import httpx

from frontdesk.core.db import Database
from frontdesk.outbox.worker import Handler, Job, PermanentError
from frontdesk.settings import Settings
from frontdesk.webhooks import client, rules, service
from frontdesk.webhooks.client import Answer


class DeliveryFailed(Exception):
    """An attempt the receiver did not accept: the outbox tries again later."""


def handlers(
    settings: Settings, db: Database, *, wallclock: Callable[[], float] = time.time
) -> dict[str, Handler]:
    allowed = rules.allowed_networks(settings.webhook_allowed_networks)

    async def deliver(job: Job) -> None:
        delivery_id = int(job.payload["delivery_id"])
        plan = await db.read(lambda s: service.delivery_plan(s, delivery_id=delivery_id))
        if plan is None or plan.status in ("delivered", "dead", "skipped"):
            return  # deleted, or finished by an earlier run of this job
        if plan.skip is not None:
            reason = plan.skip
            await db.write(
                lambda uow: service.skip_delivery(uow, delivery_id=delivery_id, reason=reason)
            )
            return
        body = plan.body.encode()
        timestamp = int(wallclock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": rules.USER_AGENT,
            rules.EVENT_HEADER: plan.event_type,
            rules.DELIVERY_HEADER: plan.public_id,
            rules.SIGNATURE_HEADER: rules.signature(plan.secret, timestamp, body),
        }
        permanent = False
        try:
            async with httpx.AsyncClient() as http:
                answer = await client.request(
                    http,
                    "POST",
                    plan.url,
                    content=body,
                    headers=headers,
                    allowed=allowed,
                    timeout_seconds=settings.webhook_timeout_seconds,
                )
        except rules.RefusedUrl as exc:
            # The URL now resolves to a private address: retrying will not make it public.
            answer, permanent = Answer(None, 0, error=str(exc)), True
        attempt = plan.attempts + 1
        last = permanent or job.attempt >= settings.outbox_max_attempts
        status = rules.outcome(ok=answer.ok, last=last)
        error = answer.error
        await db.write(
            lambda uow: service.record_attempt(
                uow,
                delivery_id=delivery_id,
                attempt=attempt,
                status=status,
                status_code=answer.status_code,
                latency_ms=answer.latency_ms,
                error=error,
                response_excerpt=answer.excerpt if answer.body else None,
            )
        )
        if answer.ok:
            return
        reason = error or "not delivered"
        if last:
            raise PermanentError(reason)
        raise DeliveryFailed(reason)

    async def catch_up(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        subscription_id = int(job.payload["subscription_id"])
        after = int(job.payload["after_event_id"])
        until = datetime.fromisoformat(str(job.payload["until"]))
        while True:
            found = await db.write(
                functools.partial(
                    service.catch_up,
                    workspace_id=workspace_id,
                    subscription_id=subscription_id,
                    after_event_id=after,
                    until=until,
                )
            )
            if found is None:
                return
            after = found

    return {service.DELIVER_JOB: deliver, service.CATCH_UP_JOB: catch_up}
