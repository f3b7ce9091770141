"""The Telegram Bot API over HTTP: calls, file downloads, the sender and the file fetcher."""

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
from frontdesk.channels.telegram.rules import (
    CAPTION_LIMIT,
    MAX_DOWNLOAD_BYTES,
    ApiFailure,
    classify_failure,
    send_method,
    split_text,
)


class TelegramApiError(Exception):
    def __init__(self, failure: ApiFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class BotApi:
    """One bot's calls. The token is part of every URL, so no URL ever goes into an error
    message or a log line."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, token: str, timeout: float):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def call(
        self,
        method: str,
        *,
        json: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        url = f"{self.base_url}/bot{self.token}/{method}"
        try:
            if files is not None:
                response = await self.http.post(url, data=data, files=files, timeout=self.timeout)
            else:
                response = await self.http.post(
                    url,
                    content=orjson.dumps(json or {}),
                    headers={"Content-Type": "application/json"},
                    timeout=self.timeout,
                )
        except httpx.TimeoutException as exc:
            raise TelegramApiError(
                ApiFailure(True, f"Telegram did not answer {method} in time")
            ) from exc
        except httpx.HTTPError as exc:
            raise TelegramApiError(
                ApiFailure(True, f"could not reach Telegram ({type(exc).__name__})")
            ) from exc
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        raise TelegramApiError(classify_failure(response.status_code, body))

    async def download(self, file_path: str, *, max_bytes: int) -> bytes:
        url = f"{self.base_url}/file/bot{self.token}/{file_path.lstrip('/')}"
        chunks: list[bytes] = []
        size = 0
        try:
            async with self.http.stream("GET", url, timeout=self.timeout) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise TelegramApiError(classify_failure(response.status_code, None))
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise TelegramApiError(
                            ApiFailure(False, f"the file is larger than {max_bytes} bytes")
                        )
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise TelegramApiError(
                ApiFailure(True, "Telegram did not send the file in time")
            ) from exc
        except httpx.HTTPError as exc:
            raise TelegramApiError(
                ApiFailure(True, f"could not download the file ({type(exc).__name__})")
            ) from exc
        return b"".join(chunks)


def api_for(connection: ChannelConnection) -> BotApi:
    token = connection.inbox_settings.get("bot_token")
    if not isinstance(token, str) or not token:
        raise PermanentDeliveryError("The Telegram inbox has no bot token; connect the bot first")
    return BotApi(
        connection.http,
        base_url=connection.settings.telegram_api_url,
        token=token,
        timeout=connection.settings.channel_timeout_seconds,
    )


def _delivery_error(exc: TelegramApiError) -> Exception:
    failure = exc.failure
    if failure.transient:
        return TransientDeliveryError(failure.reason, retry_after=failure.retry_after)
    return PermanentDeliveryError(failure.reason)


class TelegramSender:
    """sendMessage for text, sendPhoto / sendDocument per attachment (the text as the first
    file's caption when it fits). Telegram has no idempotency key: a retry after a lost
    answer may show the customer a message twice, never zero times."""

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def send(self, message: OutboundMessage) -> SendResult:
        try:
            ids = await self._send(message)
        except TelegramApiError as exc:
            raise _delivery_error(exc) from exc
        chat_id = message.recipient
        return SendResult(
            external_id=f"{chat_id}:{ids[0]}" if ids else None,
            content_attributes={"telegram": {"chat_id": _chat(chat_id), "message_ids": ids}},
        )

    async def _send(self, message: OutboundMessage) -> list[int]:
        chat_id = _chat(message.recipient)
        reply: dict[str, Any] = {}
        if message.reply_to_external_id:
            _, _, reply_id = message.reply_to_external_id.rpartition(":")
            if reply_id.isdecimal():
                reply["reply_parameters"] = {
                    "message_id": int(reply_id),
                    "allow_sending_without_reply": True,
                }
        text = message.content
        caption = ""
        ids: list[int] = []
        if message.attachments and len(text) <= CAPTION_LIMIT:
            caption, text = text, ""
        for chunk in split_text(text) if text.strip() else []:
            result = await self.api.call(
                "sendMessage", json={"chat_id": chat_id, "text": chunk, **reply}
            )
            ids.append(_message_id(result))
            reply = {}
        for attachment in message.attachments:
            method = send_method(attachment.content_type, len(attachment.data))
            field = "photo" if method == "sendPhoto" else "document"
            data: dict[str, Any] = {"chat_id": str(chat_id)}
            if caption:
                data["caption"] = caption
                caption = ""
            if reply:
                data["reply_parameters"] = orjson.dumps(reply["reply_parameters"]).decode()
                reply = {}
            result = await self.api.call(
                method,
                data=data,
                files={field: (attachment.file_name, attachment.data, attachment.content_type)},
            )
            ids.append(_message_id(result))
        return ids


def _chat(recipient: str) -> int | str:
    # Chat ids are integers (negative for groups); @channelusername also works in the API.
    try:
        return int(recipient)
    except ValueError:
        return recipient


def _message_id(result: Any) -> int:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    raise TelegramApiError(ApiFailure(True, "Telegram answered without a message id"))


class TelegramFetcher:
    """getFile, then the file's URL."""

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def fetch(self, reference: str, *, max_bytes: int) -> FetchedFile:
        limit = min(max_bytes, MAX_DOWNLOAD_BYTES)
        try:
            result = await self.api.call("getFile", json={"file_id": reference})
            if not isinstance(result, dict) or not isinstance(result.get("file_path"), str):
                raise PermanentDeliveryError("Telegram keeps no downloadable copy of this file")
            size = result.get("file_size")
            if isinstance(size, int) and size > limit:
                raise PermanentDeliveryError(f"the file is larger than {limit} bytes")
            data = await self.api.download(result["file_path"], max_bytes=limit)
        except TelegramApiError as exc:
            raise _delivery_error(exc) from exc
        return FetchedFile(file_name="", content_type="", data=data)


def make_sender(connection: ChannelConnection) -> TelegramSender:
    return TelegramSender(api_for(connection))


def make_fetcher(connection: ChannelConnection) -> TelegramFetcher:
    return TelegramFetcher(api_for(connection))
