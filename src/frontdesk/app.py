"""The FastAPI application factory: wires settings, database, bus, realtime hub and worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.requests import Request

from frontdesk import jobs, web
from frontdesk.auth.api import router as auth_router
from frontdesk.auth.cache import PrincipalCache
from frontdesk.auth.throttle import LoginThrottles
from frontdesk.channels.api import hooks_router
from frontdesk.channels.api import router as channels_router
from frontdesk.channels.cache import ChannelInboxCache
from frontdesk.channels.webchat import api as webchat
from frontdesk.contacts.api import router as contacts_router
from frontdesk.conversations import service as conversations_service
from frontdesk.conversations.api import router as conversations_router
from frontdesk.conversations.messages_api import router as messages_router
from frontdesk.core import errors
from frontdesk.core.bus import Bus, Subscriber, make_bus
from frontdesk.core.clock import Clock, utcnow
from frontdesk.core.context import AppContext
from frontdesk.core.db import Database
from frontdesk.core.events import DomainEvent
from frontdesk.core.metrics import Metrics, MetricsMiddleware
from frontdesk.core.principal import Principal
from frontdesk.core.runtime import settle_heap
from frontdesk.core.storage import LocalStorage
from frontdesk.inboxes.api import router as inboxes_router
from frontdesk.landing import landing_page
from frontdesk.outbox import service as outbox_service
from frontdesk.outbox.api import router as outbox_router
from frontdesk.outbox.rules import RetryPolicy
from frontdesk.outbox.worker import Worker
from frontdesk.portal.api import router as portal_router
from frontdesk.presence.api import router as presence_router
from frontdesk.presence.tracker import make_presence
from frontdesk.realtime.api import router as realtime_router
from frontdesk.realtime.hub import Hub
from frontdesk.settings import Settings
from frontdesk.team import service as team_service
from frontdesk.team.api import router as team_router
from frontdesk.views.api import router as views_router
from frontdesk.webhooks import dispatch as webhook_dispatch
from frontdesk.webhooks.api import router as webhooks_router


def make_database(settings: Settings, *, clock: Clock = utcnow) -> Database:
    return Database(
        settings.resolved_database_url,
        clock=clock,
        batch_size=settings.writer_batch_size,
        pool_size=settings.db_pool_size,
    )


def publish_after_commit(
    db: Database,
    bus: Bus,
    *,
    first: Sequence[Subscriber] = (),
    worker: Worker | None = None,
) -> None:
    """After every commit, put its events on the bus (so every process pushes them to the
    websockets allowed to see them) and wake the worker for the jobs it enqueued."""

    async def after_commit(events: list[DomainEvent], jobs_enqueued: int) -> None:
        if events:
            # `first` hears the events before the bus: with Redis the bus echo arrives later
            # than the next request may.
            for event in events:
                for subscriber in first:
                    subscriber(event)
            await bus.publish(events)
        if jobs_enqueued and worker is not None:
            worker.wake()

    db.add_after_commit(after_commit)


def make_worker(settings: Settings, db: Database) -> Worker:
    # The worker's own writes (a mail read, a delivery report) send webhooks too.
    webhook_dispatch.install(db)
    return Worker(
        db,
        handlers=jobs.handlers(settings, db),
        policy=RetryPolicy(
            max_attempts=settings.outbox_max_attempts,
            base_seconds=settings.outbox_backoff_base_seconds,
            max_seconds=settings.outbox_backoff_max_seconds,
        ),
        poll_seconds=settings.outbox_poll_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


async def run_worker_process(settings: Settings, stop: asyncio.Event) -> None:
    """`frontdesk worker`: the outbox worker in a process of its own, until `stop` is set.

    What it commits (delivery reports, mail read, snoozed conversations waking up) reaches
    agents' screens through the bus: with Redis it publishes there; without, its bus stays in
    this process and `frontdesk serve` on SQLite tails the events table instead (on PostgreSQL
    without Redis, agents see it on reload).
    """
    db = make_database(settings)
    # Never a tail here: nothing in this process pushes events to websockets.
    bus = make_bus(settings.redis_url, channel=settings.redis_channel)
    worker = make_worker(settings, db)
    publish_after_commit(db, bus, worker=worker)
    # A webhook subscription changed in another process: match against it from now on.
    bus.subscribe(webhook_dispatch.install(db).on_event)
    try:
        await bus.start()
        await worker.run(stop)
    finally:
        await bus.stop()
        db.close()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utcnow,
    run_worker: bool = False,
    tune_gc: bool = False,
    bus: Bus | None = None,
) -> FastAPI:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = make_database(settings, clock=clock)
    bus = bus or make_bus(
        settings.redis_url,
        channel=settings.redis_channel,
        db=db,
        tail_database=settings.tail_events,
    )
    storage = LocalStorage(settings.attachments_dir)
    ctx = AppContext(settings=settings, db=db, bus=bus, storage=storage)
    metrics = Metrics()

    async def visible_inboxes(principal: Principal) -> set[int]:
        return await db.read(lambda s: team_service.visible_inbox_ids(s, principal=principal))

    async def participations(principal: Principal) -> set[int]:
        return await db.read(lambda s: conversations_service.participations(s, principal=principal))

    hub = Hub(visible_inboxes, participations)
    presence = make_presence(
        db, redis_url=settings.redis_url, channel=settings.redis_channel, clock=clock
    )
    worker = make_worker(settings, db) if run_worker else None

    principal_cache = PrincipalCache()
    channel_inboxes = ChannelInboxCache()

    # The caches evict at once, not on the bus echo.
    publish_after_commit(
        db, bus, first=(principal_cache.on_event, channel_inboxes.on_event), worker=worker
    )
    # Webhook deliveries are written in the transaction of the events they carry.
    bus.subscribe(webhook_dispatch.install(db).on_event)
    bus.subscribe(principal_cache.on_event)
    bus.subscribe(channel_inboxes.on_event)
    bus.subscribe(hub.on_event)
    bus.subscribe(presence.on_event)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        await presence.start()
        if tune_gc:
            settle_heap()  # a server's long-lived objects: see core/runtime.py
        stop = asyncio.Event()
        worker_task = asyncio.create_task(worker.run(stop)) if worker else None
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            await widget.stop()
            await presence.stop()
            await bus.stop()
            db.close()

    app = FastAPI(
        title="Frontdesk",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        description="Omnichannel customer-service desk. Errors are RFC 9457 problem+json.",
    )
    app.state.ctx = ctx
    app.state.hub = hub
    app.state.presence = presence
    app.state.principal_cache = principal_cache
    app.state.channel_inboxes = channel_inboxes
    app.state.login_throttles = LoginThrottles()
    app.state.metrics = metrics
    app.state.worker = worker
    errors.install(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    # Routers are matched one by one, in order: the busiest (conversations and messages)
    # go first. Included straight onto the app, since each nesting level costs per request.
    # Channel webhooks (/hooks/<channel>/<inbox public id>): providers post here, busily.
    app.include_router(hooks_router)
    for router in (
        messages_router,
        conversations_router,
        auth_router,
        contacts_router,
        inboxes_router,
        team_router,
        outbox_router,
        presence_router,
        views_router,
        realtime_router,
        channels_router,
        webhooks_router,
    ):
        app.include_router(router, prefix="/api/v1")
    # The customer portal: server-rendered pages under /portal/<workspace slug>.
    app.include_router(portal_router)
    # The website chat widget: its API under /widget/v1, the visitor websocket, /widget.js.
    widget = webchat.install(app, ctx, presence)

    web.mount_app(app)

    @app.get("/", include_in_schema=False)
    async def landing() -> Response:
        # The desk opens straight into the agent workspace; without a build, say where things are.
        if web.app_built():
            return RedirectResponse("/app/", status_code=302)
        return HTMLResponse(landing_page(app.version))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(_request: Request) -> Response:
        try:
            depth = await db.read(outbox_service.depth)
        except Exception:  # metrics must answer even when the database does not
            depth = {}
        for status in ("pending", "running", "dead"):
            metrics.outbox_depth.labels(status).set(depth.get(status, 0))
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        return errors.problem_response(
            500, "Internal error", "something went wrong on our side; it was logged"
        )

    return app
