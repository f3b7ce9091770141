"""Prometheus metrics: request latency, open websockets, outbox depth."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send


class Metrics:
    def __init__(self) -> None:
        # A registry per app, so several apps in one process (tests) do not collide.
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "frontdesk_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.open_websockets = Gauge(
            "frontdesk_open_websockets", "Open agent websockets", registry=self.registry
        )
        self.outbox_depth = Gauge(
            "frontdesk_outbox_jobs",
            "Outbox jobs not done, by status",
            ["status"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Times every HTTP request by its route template (not its path: ids would explode labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict) -> None:  # type: ignore[type-arg]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)  # type: ignore[arg-type]
        finally:
            self.metrics.request_seconds.labels(
                scope["method"], _route(scope), str(status)
            ).observe(time.perf_counter() - started)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        template = str(route.path)
        # An included router's route knows its path without the router's prefix (/api/v1):
        # take the prefix's segments from the request path.
        path = str(scope.get("path", ""))
        extra = path.rstrip("/").count("/") - template.rstrip("/").count("/")
        if extra > 0:
            template = "/".join(path.split("/")[: extra + 1]) + template
        return template
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(candidate.path)
    return "unmatched"


MetricsEndpoint = Callable[[Request], Awaitable[Response]]
