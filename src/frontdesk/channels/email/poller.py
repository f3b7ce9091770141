"""Reading an inbox's mailbox: the `email.poll` outbox job.

Each run reads the mails above the last stored UID in batches (IMAP in a thread, parsing and
saving attachments in a thread, storing through the writer), moves the reading position in the
same transaction as the mails, and schedules the next run. A run never fails as a job: a
mailbox that cannot be reached is remembered (shown to admins) and tried again later, with a
longer pause after each failure, so polling never ends up in the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from frontdesk.channels.email import imap, service
from frontdesk.channels.email.parse import BadMail, parse_mail
from frontdesk.channels.email.schemas import EmailSettings, EmailSettingsError, email_settings
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.errors import Problem
from frontdesk.core.storage import Storage
from frontdesk.inboxes import service as inbox_service
from frontdesk.outbox.worker import Handler, Job
from frontdesk.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Mails one run reads at most: a run stays well inside the outbox lease (5 minutes), so no
# other worker takes the job over while it works; the next run follows at once.
MAX_MAILS_PER_RUN = 5000
STAGES = ("open", "fetch", "parse", "store")


@dataclass
class PollReport:
    """What one look into a mailbox did."""

    inbox_id: int
    fetched: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None
    # False when the inbox no longer reads mail (deleted, another channel, no IMAP server).
    active: bool = True
    poll_seconds: int = 60
    # More mail is waiting than one run reads: the next run should follow at once.
    more: bool = False
    # Where the time went (the stages overlap: the next batch is read while one is stored).
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_message_chars=settings.max_message_chars,
        reopen_window=timedelta(days=settings.reopen_window_days),
    )


def prepare_mails(
    raws: Sequence[tuple[int | None, bytes]],
    *,
    storage: Storage,
    max_attachment_bytes: int,
    max_text_chars: int,
) -> tuple[list[service.IncomingMail], list[str]]:
    """Parse mails and save their files (blocking: run it in a thread). Unreadable mails are
    left out and named in the second list."""
    ready: list[service.IncomingMail] = []
    bad: list[str] = []
    for uid, raw in raws:
        try:
            mail = parse_mail(raw, max_text_chars=max_text_chars)
        except BadMail as exc:
            log.warning("mail uid %s skipped: %s", uid, exc)
            bad.append(f"uid {uid}: {exc}" if uid is not None else str(exc))
            continue
        files: list[StoredFile] = []
        dropped: list[str] = []
        for attachment in mail.attachments:
            if attachment.size > max_attachment_bytes:
                dropped.append(attachment.file_name)
                continue
            suffix = mimetypes.guess_extension(attachment.content_type) or ""
            key = storage.save(attachment.data, suffix=suffix if len(suffix) <= 8 else "")
            files.append(
                StoredFile(
                    file_name=attachment.file_name,
                    content_type=attachment.content_type,
                    size=attachment.size,
                    storage_key=key,
                )
            )
        ready.append(service.IncomingMail(mail=mail, files=files, dropped=dropped, uid=uid))
    return ready, bad


async def poll_inbox(
    *,
    db: Database,
    settings: Settings,
    storage: Storage,
    workspace_id: int,
    inbox_id: int,
    batch_size: int = BATCH_SIZE,
    max_mails: int | None = None,
) -> PollReport:
    """Read the inbox's new mail now. Never raises for the mailbox's sake: see `error`."""
    report = PollReport(inbox_id=inbox_id)
    try:
        inbox = await db.read(
            lambda s: inbox_service.channel_inbox_by_id(
                s, workspace_id=workspace_id, inbox_id=inbox_id
            )
        )
    except Problem:
        report.active = False
        return report
    if inbox.channel_type != "email":
        report.active = False
        return report
    try:
        config = email_settings(inbox.settings)
    except EmailSettingsError as exc:
        report.error = str(exc)
        report.active = False
        return report
    if not config.reads_mail:
        report.active = False
        return report
    report.poll_seconds = config.poll_seconds
    mail_inbox = service.MailInbox(
        id=inbox.id,
        workspace_id=inbox.workspace_id,
        address=config.email,
        secret=settings.secret_key,
    )
    position = await db.write(
        lambda uow: service.mailbox_position(
            uow, inbox_id=inbox.id, workspace_id=inbox.workspace_id, folder=config.imap_folder
        )
    )
    try:
        await _read(
            db,
            settings,
            storage,
            config,
            mail_inbox,
            position,
            report,
            batch_size,
            max_mails or MAX_MAILS_PER_RUN,
        )
    except imap.ImapError as exc:
        report.error = str(exc)
    if report.error is not None:
        error = report.error
        log.warning("inbox %s: mailbox not read: %s", inbox_id, error)
        await db.write(lambda uow: service.mailbox_failed(uow, inbox_id=inbox.id, error=error))
    return report


async def _read(
    db: Database,
    settings: Settings,
    storage: Storage,
    config: EmailSettings,
    inbox: service.MailInbox,
    position: service.MailboxPosition,
    report: PollReport,
    batch_size: int,
    max_mails: int,
) -> None:
    mailbox = imap.Mailbox(config, timeout=settings.channel_timeout_seconds)
    started = time.perf_counter()
    await asyncio.to_thread(mailbox.open)
    upcoming: asyncio.Future[list[service.IncomingMail]] | None = None
    try:
        status = await asyncio.to_thread(mailbox.status, after_uid=0)
        report.seconds["open"] += time.perf_counter() - started
        after = position.last_uid if position.uidvalidity == status.uidvalidity else 0
        if position.uidvalidity not in (None, status.uidvalidity):
            log.warning(
                "inbox %s: UIDVALIDITY changed (%s to %s): reading the folder again",
                inbox.id,
                position.uidvalidity,
                status.uidvalidity,
            )
        uids = [u for u in status.new_uids if u > after]
        report.more = len(uids) > max_mails
        uids = uids[:max_mails]
        limits = limits_of(settings)
        chunks = [uids[i : i + batch_size] for i in range(0, len(uids), batch_size)]

        async def fetch_and_prepare(chunk: list[int]) -> list[service.IncomingMail]:
            started = time.perf_counter()
            fetched = await asyncio.to_thread(mailbox.fetch, chunk)
            report.fetched += len(fetched)
            report.seconds["fetch"] += time.perf_counter() - started
            started = time.perf_counter()
            ready, bad = await asyncio.to_thread(
                prepare_mails,
                [(m.uid, m.raw) for m in fetched],
                storage=storage,
                max_attachment_bytes=settings.max_attachment_bytes,
                max_text_chars=settings.max_message_chars,
            )
            report.seconds["parse"] += time.perf_counter() - started
            report.skipped.extend(bad)
            report.outcomes["skipped"] += len(bad)
            return ready

        def store(
            ready: list[service.IncomingMail], last: int
        ) -> Callable[[UnitOfWork], list[service.MailOutcome]]:
            return lambda uow: service.receive_batch(
                uow,
                inbox=inbox,
                mails=ready,
                limits=limits,
                position=(status.uidvalidity, last),
            )

        if not chunks:
            # Nothing new: the position is confirmed (a new UIDVALIDITY stored, errors cleared).
            await db.write(store([], after))
        for index, chunk in enumerate(chunks):
            # The next batch is fetched and parsed while this one is stored.
            ready = await (upcoming or asyncio.ensure_future(fetch_and_prepare(chunk)))
            upcoming = (
                asyncio.ensure_future(fetch_and_prepare(chunks[index + 1]))
                if index + 1 < len(chunks)
                else None
            )
            started = time.perf_counter()
            stored = await db.write(store(ready, chunk[-1]))
            report.seconds["store"] += time.perf_counter() - started
            for outcome in stored:
                report.outcomes[outcome.status] += 1
                if outcome.status == "skipped":
                    report.skipped.append(outcome.reason)
    finally:
        if upcoming is not None:
            # Storing failed: the read in flight finishes before its connection closes.
            with contextlib.suppress(Exception):
                await upcoming
        await asyncio.to_thread(mailbox.close)


def make_poll_handler(settings: Settings, db: Database, storage: Storage) -> Handler:
    """The `email.poll` job: read the mailbox, then schedule the next look."""

    async def poll(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        inbox_id = int(job.payload["inbox_id"])
        try:
            report = await poll_inbox(
                db=db,
                settings=settings,
                storage=storage,
                workspace_id=workspace_id,
                inbox_id=inbox_id,
            )
        except Exception as exc:
            # Not the mailbox's fault (the database, a bug): remembered like a mailbox error,
            # and the next look is scheduled all the same, so polling never stops. Should even
            # that fail, the outbox retries this job.
            log.exception("inbox %s: reading the mailbox failed", inbox_id)
            reason = f"{type(exc).__name__}: {exc}"
            await db.write(lambda uow: service.mailbox_failed(uow, inbox_id=inbox_id, error=reason))
            report = PollReport(inbox_id=inbox_id, error=reason)
        if not report.active:
            return

        def again(uow: UnitOfWork) -> None:
            if report.more:
                service.schedule_poll(uow, workspace_id=workspace_id, inbox_id=inbox_id)
                return
            service.schedule_next_poll(
                uow,
                workspace_id=workspace_id,
                inbox_id=inbox_id,
                every_seconds=report.poll_seconds,
            )

        await db.write(again)

    return poll
