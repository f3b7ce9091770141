"""The WhatsApp Cloud API (Meta's Graph API) over HTTP: calls, media, the sender and the
media fetcher."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from frontdesk.channels.base import (
    ChannelConnection,
    FetchedFile,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.channels.whatsapp.rules import (
    CAPTION_LIMIT,
    MEDIA_LIMITS,
    ApiFailure,
    classify_failure,
    find_template,
    media_body,
    media_kind,
    recipient_number,
    split_text,
    template_attribute,
    template_body,
    text_body,
)


class GraphApiError(Exception):
    def __init__(self, failure: ApiFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class GraphApi:
    """One WhatsApp number's calls. The access token goes in a header, never in a URL, an
    error message or a log line."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        token: str,
        phone_number_id: str,
        timeout: float,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.phone_number_id = phone_number_id
        self.timeout = timeout

    async def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        extra_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        try:
            response = await self.http.request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                headers={**self.headers, **(extra_headers or {})},
                timeout=self.timeout,
                **kwargs,
            )
        except httpx.TimeoutException as exc:
            raise GraphApiError(
                ApiFailure(True, f"WhatsApp did not answer {what} in time")
            ) from exc
        except httpx.HTTPError as exc:
            raise GraphApiError(
                ApiFailure(True, f"could not reach WhatsApp ({type(exc).__name__})")
            ) from exc
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and "error" not in body:
            return body
        raise GraphApiError(classify_failure(response.status_code, body))

    async def send(self, body: dict[str, Any]) -> str:
        """POST /<phone number id>/messages → the new message's wamid."""
        result = await self._request(
            "POST",
            f"{self.phone_number_id}/messages",
            "the message",
            content=orjson.dumps(body),
            extra_headers={"Content-Type": "application/json"},
        )
        messages = result.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            wamid = messages[0].get("id")
            if isinstance(wamid, str) and wamid:
                return wamid
        raise GraphApiError(ApiFailure(True, "WhatsApp answered without a message id"))

    async def upload(self, file_name: str, content_type: str, data: bytes) -> str:
        """POST /<phone number id>/media → the media id to send."""
        result = await self._request(
            "POST",
            f"{self.phone_number_id}/media",
            "the file upload",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (file_name, data, content_type)},
        )
        media_id = result.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise GraphApiError(ApiFailure(True, "WhatsApp answered the upload without an id"))
        return media_id

    async def media(self, media_id: str) -> dict[str, Any]:
        """GET /<media id> → {"url", "mime_type", "file_size", ...}; the URL lives 5 minutes."""
        result: dict[str, Any] = await self._request("GET", media_id, "the media lookup")
        return result

    async def download(self, url: str, *, max_bytes: int) -> bytes:
        """The media URL wants the same bearer token."""
        chunks: list[bytes] = []
        size = 0
        try:
            async with self.http.stream(
                "GET", url, headers=self.headers, timeout=self.timeout
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    try:
                        body = orjson.loads(response.content)
                    except orjson.JSONDecodeError:
                        body = None
                    raise GraphApiError(classify_failure(response.status_code, body))
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise GraphApiError(
                            ApiFailure(False, f"the file is larger than {max_bytes} bytes")
                        )
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise GraphApiError(ApiFailure(True, "WhatsApp did not send the file in time")) from exc
        except httpx.HTTPError as exc:
            raise GraphApiError(
                ApiFailure(True, f"could not download the file ({type(exc).__name__})")
            ) from exc
        return b"".join(chunks)


def api_for(connection: ChannelConnection) -> GraphApi:
    settings = connection.inbox_settings
    token = settings.get("access_token")
    number = settings.get("phone_number_id")
    if not isinstance(token, str) or not token:
        raise PermanentDeliveryError("The WhatsApp inbox has no access token; set it up first")
    if not isinstance(number, str) or not number:
        raise PermanentDeliveryError("The WhatsApp inbox has no phone number id; set it up first")
    return GraphApi(
        connection.http,
        base_url=connection.settings.whatsapp_api_url,
        token=token,
        phone_number_id=number,
        timeout=connection.settings.channel_timeout_seconds,
    )


def _delivery_error(exc: GraphApiError) -> Exception:
    failure = exc.failure
    if failure.transient:
        return TransientDeliveryError(failure.reason, retry_after=failure.retry_after)
    return PermanentDeliveryError(failure.reason)


class WhatsAppSender:
    """A template (content_attributes.whatsapp.template), or the text and each file as its own
    message, the text as the first file's caption when it fits. The Cloud API has no
    idempotency key: a retry after a lost answer may show the customer a message twice, never
    zero times."""

    def __init__(self, api: GraphApi, inbox_settings: dict[str, Any]) -> None:
        self.api = api
        self.inbox_settings = inbox_settings

    async def send(self, message: OutboundMessage) -> SendResult:
        to = recipient_number(message.recipient)
        if not to:
            raise PermanentDeliveryError(f"{message.recipient!r} is not a WhatsApp number")
        try:
            ids = await self._send(to, message)
        except GraphApiError as exc:
            raise _delivery_error(exc) from exc
        whatsapp = message.content_attributes.get("whatsapp")
        attributes = {**(whatsapp if isinstance(whatsapp, dict) else {}), "message_ids": ids}
        return SendResult(
            external_id=ids[0] if ids else None, content_attributes={"whatsapp": attributes}
        )

    async def _send(self, to: str, message: OutboundMessage) -> list[str]:
        template = template_attribute(message.content_attributes)
        if template is not None:
            return [await self._template(to, template)]
        reply_to = message.reply_to_external_id
        text, caption = message.content, ""
        if message.attachments and len(text) <= CAPTION_LIMIT:
            caption, text = text, ""
        ids: list[str] = []
        for chunk in split_text(text) if text.strip() else []:
            ids.append(await self.api.send(text_body(to, chunk, reply_to=reply_to)))
            reply_to = None
        for attachment in message.attachments:
            size = len(attachment.data)
            if size > MEDIA_LIMITS["document"]:
                raise GraphApiError(
                    ApiFailure(False, f"{attachment.file_name} is larger than WhatsApp's 100 MB")
                )
            kind = media_kind(attachment.content_type, size)
            media_id = await self.api.upload(
                attachment.file_name, attachment.content_type, attachment.data
            )
            body = media_body(
                to,
                kind,
                media_id,
                caption=caption,
                file_name=attachment.file_name,
                reply_to=reply_to,
            )
            if kind != "audio":
                caption = ""
            reply_to = None
            ids.append(await self.api.send(body))
        if caption:  # only audio files: the text goes after them
            ids.append(await self.api.send(text_body(to, caption)))
        return ids

    async def _template(self, to: str, template: dict[str, Any]) -> str:
        name = str(template.get("name"))
        language = str(template.get("language") or "")
        raw = template.get("parameters")
        parameters = [str(p) for p in raw] if isinstance(raw, list) else []
        if find_template(self.inbox_settings, name, language) is None:
            raise GraphApiError(
                ApiFailure(False, f"The inbox no longer offers the template {name} ({language})")
            )
        return await self.api.send(template_body(to, name, language, parameters))


class WhatsAppFetcher:
    """GET /<media id> for the file's URL, then the file."""

    def __init__(self, api: GraphApi) -> None:
        self.api = api

    async def fetch(self, reference: str, *, max_bytes: int) -> FetchedFile:
        try:
            info = await self.api.media(reference)
            url = info.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise PermanentDeliveryError("WhatsApp keeps no downloadable copy of this file")
            size = info.get("file_size")
            if isinstance(size, str) and size.isdecimal():
                size = int(size)
            if isinstance(size, int) and size > max_bytes:
                raise PermanentDeliveryError(f"the file is larger than {max_bytes} bytes")
            data = await self.api.download(url, max_bytes=max_bytes)
        except GraphApiError as exc:
            raise _delivery_error(exc) from exc
        content_type = info.get("mime_type")
        return FetchedFile(
            file_name="",
            content_type=content_type.split(";")[0] if isinstance(content_type, str) else "",
            data=data,
        )


def make_sender(connection: ChannelConnection) -> WhatsAppSender:
    return WhatsAppSender(api_for(connection), connection.inbox_settings)


def make_fetcher(connection: ChannelConnection) -> WhatsAppFetcher:
    return WhatsAppFetcher(api_for(connection))
