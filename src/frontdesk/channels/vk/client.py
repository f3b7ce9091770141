"""The VK API over HTTP: method calls, uploads, the sender (messages.send) and the fetcher of
customers' files."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from frontdesk.channels.base import (
    ChannelConnection,
    FetchedFile,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.channels.vk.rules import (
    API_VERSION,
    DOC_LIMIT_BYTES,
    MAX_ATTACHMENTS,
    ApiFailure,
    attachment_ref,
    classify_error,
    clean_file_name,
    external_id,
    http_failure,
    is_photo,
    peer_of,
    random_id,
    reply_forward,
    split_text,
)


class VkApiError(Exception):
    def __init__(self, failure: ApiFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def _loads(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


class VkApi:
    """One community's calls. The token goes in the form body, never in a URL, an error
    message or a log line."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, token: str, timeout: float):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def call(self, method: str, **params: Any) -> Any:
        data = {k: str(v) for k, v in params.items() if v is not None}
        data.update(access_token=self.token, v=API_VERSION)
        try:
            response = await self.http.post(
                f"{self.base_url}/method/{method}", data=data, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise VkApiError(ApiFailure(True, f"VK did not answer {method} in time")) from exc
        except httpx.HTTPError as exc:
            raise VkApiError(
                ApiFailure(True, f"could not reach VK ({type(exc).__name__})")
            ) from exc
        if response.status_code != 200:
            raise VkApiError(http_failure(response.status_code))
        body = _loads(response.content)
        if not isinstance(body, dict):
            raise VkApiError(ApiFailure(True, f"VK answered {method} with something not JSON"))
        if "error" in body:
            raise VkApiError(classify_error(body["error"]))
        return body.get("response")

    async def upload(self, url: str, field: str, attachment: OutboundAttachment) -> Any:
        """POST a file to the upload server VK named; its answer is passed to the save method."""
        try:
            response = await self.http.post(
                url,
                files={field: (attachment.file_name, attachment.data, attachment.content_type)},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise VkApiError(ApiFailure(True, "VK did not take the file in time")) from exc
        except httpx.HTTPError as exc:
            raise VkApiError(
                ApiFailure(True, f"could not upload the file to VK ({type(exc).__name__})")
            ) from exc
        if response.status_code != 200:
            raise VkApiError(http_failure(response.status_code))
        body = _loads(response.content)
        if not isinstance(body, dict) or "error" in body:
            raise VkApiError(ApiFailure(False, f"VK refused the file {attachment.file_name}"))
        return body


def api_for(connection: ChannelConnection) -> VkApi:
    token = connection.inbox_settings.get("access_token")
    if not isinstance(token, str) or not token:
        raise PermanentDeliveryError("The VK inbox has no access token; set it up first")
    return VkApi(
        connection.http,
        base_url=connection.settings.vk_api_url,
        token=token,
        timeout=connection.settings.channel_timeout_seconds,
    )


def _delivery_error(exc: VkApiError) -> Exception:
    failure = exc.failure
    if failure.transient:
        return TransientDeliveryError(failure.reason, retry_after=failure.retry_after)
    return PermanentDeliveryError(failure.reason)


class VkSender:
    """messages.send with a `random_id` derived from the desk's message id: VK sends one
    message per random_id, so a retry after a lost answer does not reach the customer twice.
    Files are uploaded first (photos as photos, anything else as documents) and go with the
    last part of the text."""

    def __init__(self, api: VkApi, public_id: str) -> None:
        self.api = api
        self.public_id = public_id

    async def send(self, message: OutboundMessage) -> SendResult:
        peer_id = peer_of(message.recipient)
        if peer_id is None:
            raise PermanentDeliveryError(f"{message.recipient!r} is not a VK peer id")
        if len(message.attachments) > MAX_ATTACHMENTS:
            raise PermanentDeliveryError(f"VK takes at most {MAX_ATTACHMENTS} files a message")
        try:
            sent = await self._send(peer_id, message)
        except VkApiError as exc:
            raise _delivery_error(exc) from exc
        ids = [cmid for cmid in sent if cmid is not None]
        return SendResult(
            external_id=external_id(peer_id, ids[0]) if ids else None,
            content_attributes={"vk": {"peer_id": peer_id, "conversation_message_ids": ids}},
        )

    async def _send(self, peer_id: int, message: OutboundMessage) -> list[int | None]:
        refs = [await self._upload(peer_id, a) for a in message.attachments]
        parts = split_text(message.content) if message.content.strip() else [""]
        forward = reply_forward(peer_id, message.reply_to_external_id)
        sent: list[int | None] = []
        for n, text in enumerate(parts):
            last = n == len(parts) - 1
            result = await self.api.call(
                "messages.send",
                peer_ids=peer_id,
                random_id=random_id(self.public_id, message.message_id, n),
                message=text or None,
                attachment=",".join(refs) if last and refs else None,
                forward=forward if n == 0 else None,
            )
            sent.append(_conversation_message_id(result, peer_id))
        return sent

    async def _upload(self, peer_id: int, attachment: OutboundAttachment) -> str:
        size = len(attachment.data)
        if is_photo(attachment.content_type, size):
            server = await self.api.call("photos.getMessagesUploadServer", peer_id=peer_id)
            uploaded = await self.api.upload(_upload_url(server), "photo", attachment)
            saved = await self.api.call(
                "photos.saveMessagesPhoto",
                photo=uploaded.get("photo"),
                server=uploaded.get("server"),
                hash=uploaded.get("hash"),
            )
            ref = attachment_ref("photo", saved[0] if isinstance(saved, list) and saved else None)
        else:
            if size > DOC_LIMIT_BYTES:
                raise VkApiError(
                    ApiFailure(False, f"{attachment.file_name} is larger than VK's 200 MB")
                )
            server = await self.api.call(
                "docs.getMessagesUploadServer", type="doc", peer_id=peer_id
            )
            uploaded = await self.api.upload(_upload_url(server), "file", attachment)
            saved = await self.api.call(
                "docs.save", file=uploaded.get("file"), title=clean_file_name(attachment.file_name)
            )
            doc = saved.get("doc") if isinstance(saved, dict) else None
            ref = attachment_ref("doc", doc)
        if ref is None:
            raise VkApiError(ApiFailure(True, f"VK did not save {attachment.file_name}"))
        return ref


def _upload_url(server: Any) -> str:
    url = server.get("upload_url") if isinstance(server, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise VkApiError(ApiFailure(True, "VK gave no upload server"))
    return url


def _conversation_message_id(result: Any, peer_id: int) -> int | None:
    """messages.send with peer_ids answers one item per peer: its ids, or its own error."""
    if isinstance(result, list):
        for item in result:
            if not isinstance(item, dict) or item.get("peer_id") != peer_id:
                continue
            if "error" in item:
                raise VkApiError(classify_error(item["error"]))
            cmid = item.get("conversation_message_id")
            return cmid if isinstance(cmid, int) else None
    return None


class VkFetcher:
    """Customers' files come as direct URLs on VK's servers."""

    def __init__(self, http: httpx.AsyncClient, timeout: float) -> None:
        self.http = http
        self.timeout = timeout

    async def fetch(self, reference: str, *, max_bytes: int) -> FetchedFile:
        if not reference.startswith(("https://", "http://")):
            raise PermanentDeliveryError("not a file URL")
        chunks: list[bytes] = []
        size = 0
        try:
            async with self.http.stream(
                "GET", reference, timeout=self.timeout, follow_redirects=True
            ) as response:
                if response.status_code != 200:
                    failure = http_failure(response.status_code)
                    if failure.transient:
                        raise TransientDeliveryError(failure.reason)
                    raise PermanentDeliveryError("VK no longer has this file")
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentDeliveryError(f"the file is larger than {max_bytes} bytes")
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "")
        except httpx.TimeoutException as exc:
            raise TransientDeliveryError("VK did not send the file in time") from exc
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(
                f"could not download the file ({type(exc).__name__})"
            ) from exc
        # VK's file servers often say octet-stream: the type the event gave is kept then.
        shown = content_type.split(";")[0].strip()
        if shown in ("", "application/octet-stream", "binary/octet-stream"):
            shown = ""
        return FetchedFile(file_name="", content_type=shown, data=b"".join(chunks))


def make_sender(connection: ChannelConnection) -> VkSender:
    return VkSender(api_for(connection), connection.public_id)


def make_fetcher(connection: ChannelConnection) -> VkFetcher:
    return VkFetcher(connection.http, connection.settings.channel_timeout_seconds)
