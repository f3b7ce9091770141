"""The outbox jobs of the channel core: deliver an outgoing message, fetch incoming files.

Both read what they need, call the provider outside any transaction, then write the outcome
(and a message.updated event) in a short transaction of their own. Delivery is at least once:
the outbox runs a job again when its worker died, with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

import httpx

from frontdesk.channels import service
from frontdesk.channels.base import (
    DELIVER_JOB,
    FETCH_JOB,
    AttachmentFetcher,
    ChannelConnection,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.channels.rules import MAX_INLINE_RETRY_AFTER_SECONDS, PendingFile
from frontdesk.conversations.service import StoredFile
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.storage import Storage
from frontdesk.inboxes.service import ChannelInbox
from frontdesk.outbox import service as outbox
from frontdesk.outbox.worker import Handler, Job, PermanentError
from frontdesk.settings import Settings

log = logging.getLogger(__name__)


def _connection(
    settings: Settings, inbox: ChannelInbox, http: httpx.AsyncClient
) -> ChannelConnection:
    return ChannelConnection(
        inbox_id=inbox.id,
        public_id=inbox.public_id,
        inbox_settings=inbox.settings,
        settings=settings,
        http=http,
    )


def handlers(settings: Settings, db: Database, storage: Storage) -> dict[str, Handler]:
    def last_attempt(job: Job) -> bool:
        return job.attempt >= settings.outbox_max_attempts

    async def fail(job: Job, workspace_id: int, message_id: int, reason: str) -> PermanentError:
        error = PermanentError(reason)

        def write(uow: UnitOfWork) -> None:
            service.record_failed(
                uow, workspace_id=workspace_id, message_id=message_id, reason=reason
            )
            # Dead in the same transaction: an agent who sees the reply failed may retry it at
            # once, and finds its job dead rather than still running.
            outbox.give_up(
                uow, job_id=job.id, attempt=job.attempt, error=f"{type(error).__name__}: {reason}"
            )

        await db.write(write)
        return error

    async def deliver(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        message_id = int(job.payload["message_id"])
        plan = await db.read(
            lambda s: service.outbound_plan(s, workspace_id=workspace_id, message_id=message_id)
        )
        if plan is None or plan.done:
            return
        if plan.error is not None or plan.driver is None or plan.driver.sender is None:
            raise await fail(
                job, workspace_id, message_id, plan.error or "nothing sends this message"
            )
        outbound = dataclasses.replace(
            plan.message,
            idempotency_key=job.idempotency_key,
            attachments=tuple(
                OutboundAttachment(f.file_name, f.content_type, storage.open(f.storage_key))
                for f in plan.files
            ),
        )
        async with httpx.AsyncClient() as http:
            try:
                sender = plan.driver.sender(_connection(settings, plan.inbox, http))
                result = await _send_honouring_retry_after(sender.send, outbound)
            except PermanentDeliveryError as exc:
                raise await fail(job, workspace_id, message_id, exc.reason) from exc
            except TransientDeliveryError as exc:
                if last_attempt(job):
                    raise await fail(job, workspace_id, message_id, exc.reason) from exc
                raise
        await db.write(
            lambda uow: service.record_sent(
                uow,
                workspace_id=workspace_id,
                message_id=message_id,
                external_id=result.external_id,
                content_attributes=result.content_attributes,
            )
        )

    async def fetch(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        message_id = int(job.payload["message_id"])
        plan = await db.read(
            lambda s: service.fetch_plan(s, workspace_id=workspace_id, message_id=message_id)
        )
        if plan is None:
            return
        files: list[StoredFile] = []
        unavailable: list[tuple[PendingFile, str]] = []
        async with httpx.AsyncClient() as http:
            fetcher: AttachmentFetcher | None = None
            try:
                if plan.driver is None or plan.driver.fetcher is None:
                    raise PermanentDeliveryError("this channel cannot download files")
                fetcher = plan.driver.fetcher(_connection(settings, plan.inbox, http))
            except PermanentDeliveryError as exc:
                unavailable = [(p, exc.reason) for p in plan.pending]
            for pending in plan.pending:
                if fetcher is None:
                    break
                try:
                    got = await fetcher.fetch(
                        pending.fetch, max_bytes=settings.max_attachment_bytes
                    )
                except PermanentDeliveryError as exc:
                    unavailable.append((pending, exc.reason))
                    continue
                except TransientDeliveryError as exc:
                    if not last_attempt(job):
                        for stored in files:
                            storage.delete(stored.storage_key)
                        raise
                    unavailable.append((pending, exc.reason))
                    continue
                files.append(
                    StoredFile(
                        file_name=got.file_name or pending.file_name,
                        content_type=got.content_type or pending.content_type,
                        size=len(got.data),
                        storage_key=storage.save(got.data),
                    )
                )
        try:
            await db.write(
                lambda uow: service.files_fetched(
                    uow,
                    workspace_id=workspace_id,
                    message_id=message_id,
                    files=files,
                    unavailable=unavailable,
                )
            )
        except BaseException:
            for stored in files:
                storage.delete(stored.storage_key)
            raise

    return {DELIVER_JOB: deliver, FETCH_JOB: fetch}


async def _send_honouring_retry_after(
    send: Callable[[OutboundMessage], Awaitable[SendResult]], outbound: OutboundMessage
) -> SendResult:
    """A provider asking to wait a few seconds is waited for once, inside this attempt; a
    longer wait is left to the outbox's backoff."""
    try:
        return await send(outbound)
    except TransientDeliveryError as exc:
        if exc.retry_after is None or exc.retry_after > MAX_INLINE_RETRY_AFTER_SECONDS:
            raise
        log.info("provider asked to retry after %s s", exc.retry_after)
        await asyncio.sleep(exc.retry_after)
        return await send(outbound)
