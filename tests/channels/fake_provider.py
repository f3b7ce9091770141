"""A local stand-in for a provider's HTTP API (Telegram, WhatsApp, VK, ...), for channel tests.

A real HTTP server (Starlette on uvicorn, in a thread, on a loopback port) that records every
request and answers through a `route` function the test gives. Faults are scripted per
path: `fail(...)` answers an error status the next n times, `hang(...)` holds the next calls
until released (a provider that times out, or a worker killed while it waits).

    fake = FakeProvider(route).start()
    fake.fail("/sendMessage", status=500, times=2)
    gate = fake.hang("/sendMessage")
    ...
    gate.set()          # let the held calls answer
    fake.calls_to("/sendMessage")
    fake.stop()
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import free_port


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    # Form fields (urlencoded or multipart) and uploaded files: name -> (file name, type, bytes).
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def params(self) -> dict[str, Any]:
        """JSON body, or form fields, or query: however the client sent its parameters."""
        if isinstance(self.json, dict):
            return self.json
        return {**self.query, **self.form}


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    content_type: str = "application/json"
    delay: float = 0.0

    def response(self) -> Response:
        if self.body is not None:
            return Response(self.body, status_code=self.status, media_type=self.content_type)
        return Response(
            orjson.dumps(self.json), status_code=self.status, media_type="application/json"
        )


Route_ = Callable[[Call], Reply]


@dataclass
class _Fault:
    suffix: str
    times: int
    reply: Reply | None = None  # None: hang until `gate` is set
    gate: threading.Event | None = None


class FakeProvider:
    def __init__(self, route: Route_) -> None:
        self.route = route
        self.calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._gates: list[threading.Event] = []
        self.port = free_port()
        app = Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._handle,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                )
            ]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake provider did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        for gate in self._gates:
            gate.set()
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------------------
    def fail(self, suffix: str, *, status: int = 500, json: Any = None, times: int = 1) -> None:
        """The next `times` calls whose path ends with `suffix` answer `status`."""
        body = json if json is not None else {"ok": False, "error_code": status}
        with self._lock:
            self._faults.append(_Fault(suffix, times, Reply(status=status, json=body)))

    def hang(self, suffix: str, *, times: int = 1) -> threading.Event:
        """The next `times` calls to `suffix` wait until the returned event is set."""
        gate = threading.Event()
        with self._lock:
            self._faults.append(_Fault(suffix, times, None, gate))
            self._gates.append(gate)
        return gate

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- looking -------------------------------------------------------------------------
    def calls_to(self, suffix: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.endswith(suffix)]

    def wait_for(self, suffix: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_to(suffix)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(calls)} calls to {suffix}, expected {count}")
            time.sleep(0.01)

    # -- serving ---------------------------------------------------------------------------
    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        call = Call(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json") and body:
            try:
                call.json = orjson.loads(body)
            except orjson.JSONDecodeError:
                call.json = None
        elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form()
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    call.files[key] = (
                        value.filename or "",
                        value.content_type or "",
                        await value.read(),
                    )
                else:
                    call.form[key] = value
        with self._lock:
            self.calls.append(call)
            fault = next((f for f in self._faults if call.path.endswith(f.suffix)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        if fault is not None and fault.gate is not None:
            await asyncio.to_thread(fault.gate.wait)
        reply = fault.reply if fault is not None and fault.reply is not None else self.route(call)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return reply.response()
