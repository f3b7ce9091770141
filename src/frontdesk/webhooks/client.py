"""Calling a URL an admin or an integrator gave, safely: only public addresses (unless the
operator allowed a private network), resolved once and connected to by that address (a DNS
answer that changes between the check and the call cannot redirect it), no redirects, answers
read up to a limit. Used by webhook deliveries and the API channel."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from frontdesk.webhooks import rules
from frontdesk.webhooks.rules import Address, Network, RefusedUrl, Target

MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """How a call went: the status code (None when there was no answer) and why not."""

    status_code: int | None
    latency_ms: int
    body: bytes = b""
    error: str | None = None
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and rules.delivered(self.status_code)

    @property
    def excerpt(self) -> str:
        return rules.excerpt(self.body.decode("utf-8", errors="replace"))


async def resolve(target: Target) -> list[Address]:
    literal = rules.literal_address(target.host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"the host {target.host} could not be resolved") from exc
    found: list[Address] = []
    for info in infos:
        address = rules.literal_address(str(info[4][0]).split("%")[0])
        if address is not None and address not in found:
            found.append(address)
    if not found:
        raise RefusedUrl(f"the host {target.host} has no address")
    return found


async def checked_address(url: str, allowed: tuple[Network, ...]) -> tuple[Target, Address]:
    """The address the URL will be called at, or RefusedUrl when it, or any address its host
    resolves to, is private and not allowed."""
    target = rules.parse_url(url)
    addresses = await resolve(target)
    refused = rules.refused_addresses(addresses, allowed)
    if refused:
        raise RefusedUrl(
            f"{target.host} resolves to {refused[0]}, a private or reserved address; "
            "webhooks only go to public addresses (an operator may allow networks with "
            "FRONTDESK_WEBHOOK_ALLOWED_NETWORKS)"
        )
    return target, addresses[0]


def _pinned(
    url: str, target: Target, address: Address
) -> tuple[str, dict[str, str], dict[str, str]]:
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{target.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = 443 if target.scheme == "https" else 80
    shown = target.host if ":" not in target.host else f"[{target.host}]"
    host_header = shown if target.port == default_port else f"{shown}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return pinned, {"Host": host_header}, extensions


def _failure(exc: httpx.HTTPError, host: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}"
    return f"the call to {host} failed ({type(exc).__name__})"


async def request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    allowed: tuple[Network, ...],
    timeout_seconds: float,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = MAX_ANSWER_BYTES,
    truncate: bool = True,
) -> Answer:
    """Call the URL; never raises for the receiver's faults (they are in the Answer), only
    RefusedUrl for a URL the desk will not call and AnswerTooLarge when `truncate` is off."""
    target, address = await checked_address(url, allowed)
    pinned, host_header, extensions = _pinned(url, target, address)
    started = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    try:
        async with http.stream(
            method,
            pinned,
            content=content,
            headers={**(headers or {}), **host_header},
            timeout=timeout_seconds,
            follow_redirects=False,
            extensions=extensions,
        ) as response:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    if not truncate:
                        raise AnswerTooLarge(max_bytes)
                    chunks.append(chunk[: max(0, max_bytes - (size - len(chunk)))])
                    break
                chunks.append(chunk)
            status = response.status_code
            location = response.headers.get("location")
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.HTTPError as exc:
        latency = int((time.monotonic() - started) * 1000)
        return Answer(None, latency, error=_failure(exc, target.host))
    latency = int((time.monotonic() - started) * 1000)
    error = None
    if 300 <= status < 400:
        error = f"redirected to {location or '?'} (redirects are not followed)"
    elif not rules.delivered(status):
        error = f"{target.host} answered {status}"
    return Answer(status, latency, b"".join(chunks), error, content_type)


class AnswerTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit} bytes")
        self.limit = limit
