"""The API channel over HTTP: agents' replies POSTed to the integrator's webhook URL (signed),
and files the integrator's messages link to, downloaded. Both only reach public addresses
unless FRONTDESK_WEBHOOK_ALLOWED_NETWORKS allows a private network."""

from __future__ import annotations

import time
from collections.abc import Callable

from frontdesk.channels.api_channel import rules
from frontdesk.channels.base import (
    ChannelConnection,
    FetchedFile,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.webhooks import client as http_client
from frontdesk.webhooks import rules as webhook_rules

WEBHOOK_URL = "webhook_url"
WEBHOOK_SECRET = "webhook_secret"


class ApiChannelSender:
    """One POST per reply, signed like outgoing webhooks (X-Frontdesk-Signature) with the
    inbox's webhook secret. X-Frontdesk-Delivery (and Idempotency-Key) are the same on every
    attempt of one message: a receiver that saw it already answers 2xx and ignores it."""

    def __init__(
        self, connection: ChannelConnection, *, wallclock: Callable[[], float] = time.time
    ) -> None:
        self.connection = connection
        self.wallclock = wallclock

    async def send(self, message: OutboundMessage) -> SendResult:
        settings = self.connection.inbox_settings
        url = settings.get(WEBHOOK_URL)
        secret = settings.get(WEBHOOK_SECRET)
        if not isinstance(url, str) or not url:
            raise PermanentDeliveryError(
                "the API channel has no webhook URL; set it in the inbox's channel settings"
            )
        if not isinstance(secret, str) or not secret:
            raise PermanentDeliveryError(
                "the API channel has no webhook secret; create one in the inbox's channel settings"
            )
        body = rules.reply_body(message, inbox_public_id=self.connection.public_id)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": webhook_rules.USER_AGENT,
            webhook_rules.EVENT_HEADER: rules.REPLY_EVENT,
            webhook_rules.DELIVERY_HEADER: message.idempotency_key,
            "Idempotency-Key": message.idempotency_key,
            webhook_rules.SIGNATURE_HEADER: webhook_rules.signature(
                secret, int(self.wallclock()), body
            ),
        }
        app_settings = self.connection.settings
        try:
            answer = await http_client.request(
                self.connection.http,
                "POST",
                url,
                content=body,
                headers=headers,
                allowed=webhook_rules.allowed_networks(app_settings.webhook_allowed_networks),
                timeout_seconds=app_settings.webhook_timeout_seconds,
            )
        except webhook_rules.RefusedUrl as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        if answer.ok:
            return SendResult(external_id=rules.external_id_of(answer.body))
        refusal = rules.refusal(answer.status_code, answer.error, answer.excerpt)
        if refusal.transient:
            raise TransientDeliveryError(refusal.reason)
        raise PermanentDeliveryError(refusal.reason)


class ApiChannelFetcher:
    """Downloads a file the integrator linked to (GET, no redirects, size-limited)."""

    def __init__(self, connection: ChannelConnection) -> None:
        self.connection = connection

    async def fetch(self, reference: str, *, max_bytes: int) -> FetchedFile:
        app_settings = self.connection.settings
        try:
            answer = await http_client.request(
                self.connection.http,
                "GET",
                reference,
                allowed=webhook_rules.allowed_networks(app_settings.webhook_allowed_networks),
                timeout_seconds=app_settings.webhook_timeout_seconds,
                max_bytes=max_bytes,
                truncate=False,
            )
        except webhook_rules.RefusedUrl as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        except http_client.AnswerTooLarge as exc:
            raise PermanentDeliveryError(f"the file is larger than {exc.limit} bytes") from exc
        if answer.ok:
            return FetchedFile(file_name="", content_type=answer.content_type, data=answer.body)
        refusal = rules.refusal(answer.status_code, answer.error, "")
        if refusal.transient:
            raise TransientDeliveryError(refusal.reason)
        raise PermanentDeliveryError(refusal.reason)


def make_sender(connection: ChannelConnection) -> ApiChannelSender:
    return ApiChannelSender(connection)


def make_fetcher(connection: ChannelConnection) -> ApiChannelFetcher:
    return ApiChannelFetcher(connection)
