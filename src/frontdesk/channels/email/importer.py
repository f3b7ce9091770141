"""Importing mail from files into an e-mail inbox (moving from another desk): .eml files,
folders of them, or mbox files, through the same parser and the same storing as IMAP.

Idempotent by Message-ID: importing the same mail again stores nothing new. A mail that
cannot be read or stored is skipped with its reason; it never stops the import.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from frontdesk.channels.email import service
from frontdesk.channels.email.poller import limits_of, prepare_mails
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.storage import Storage
from frontdesk.inboxes.service import ChannelInbox
from frontdesk.settings import Settings

BATCH_SIZE = 100


class ImportSourceError(Exception):
    """A path that is neither an .eml file, a folder nor an mbox."""


@dataclass
class ImportSummary:
    read: int = 0
    imported: int = 0
    threaded: int = 0
    duplicates: int = 0
    bounces: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass(frozen=True)
class Source:
    """One mail to import: where it comes from (for messages) and how to read its bytes."""

    label: str
    read: Callable[[], bytes]


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def _mbox_sources(path: Path) -> list[Source]:
    box = mailbox.mbox(path, create=False)

    def reader(key: str) -> Callable[[], bytes]:
        return lambda: box.get_bytes(key, from_=False)

    return [Source(f"{path}#{index}", reader(key)) for index, key in enumerate(box.keys(), start=1)]


def sources(paths: Sequence[Path]) -> list[Source]:
    """Every mail the paths hold: .eml files, folders of them (recursively), mbox files."""
    found: list[Source] = []
    for path in paths:
        if not path.exists():
            raise ImportSourceError(f"{path}: no such file or folder")
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.suffix.lower() == ".eml":
                    found.append(Source(str(file), file.read_bytes))
                elif file.suffix.lower() == ".mbox" or (
                    file.suffix == "" and file.stat().st_size and _is_mbox(file)
                ):
                    found.extend(_mbox_sources(file))
            continue
        if not path.is_file():
            raise ImportSourceError(f"{path}: not a file or folder")
        if path.suffix.lower() != ".eml" and path.stat().st_size and _is_mbox(path):
            found.extend(_mbox_sources(path))
        else:
            found.append(Source(str(path), path.read_bytes))
    return found


def _batches(items: Sequence[Source], size: int) -> Iterator[Sequence[Source]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_mail(
    *,
    db: Database,
    settings: Settings,
    storage: Storage,
    inbox: ChannelInbox,
    mails: Sequence[Source],
    progress: Callable[[int], None] = lambda _n: None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Store the mails in the inbox, a batch per transaction; `progress(n)` after each batch."""
    summary = ImportSummary()
    address = inbox.settings.get("email")
    mail_inbox = service.MailInbox(
        id=inbox.id,
        workspace_id=inbox.workspace_id,
        address=address if isinstance(address, str) and address else None,
        secret=settings.secret_key,
    )
    limits = limits_of(settings)
    for batch in _batches(mails, batch_size):
        raws: list[tuple[int | None, bytes]] = []
        for source in batch:
            try:
                raws.append((None, source.read()))
            except OSError as exc:
                summary.skipped[f"unreadable file: {exc.strerror or exc}"] += 1
        summary.read += len(batch)
        ready, bad = prepare_mails(
            raws,
            storage=storage,
            max_attachment_bytes=settings.max_attachment_bytes,
            max_text_chars=settings.max_message_chars,
        )
        for reason in bad:
            summary.skipped[reason] += 1

        def store(
            uow: UnitOfWork, ready: list[service.IncomingMail] = ready
        ) -> list[service.MailOutcome]:
            return service.receive_batch(uow, inbox=mail_inbox, mails=ready, limits=limits)

        for outcome in db.write_sync(store):
            if outcome.status == "stored":
                summary.imported += 1
                summary.threaded += outcome.threaded
            elif outcome.status == "duplicate":
                summary.duplicates += 1
            elif outcome.status == "bounce":
                summary.bounces += 1
            else:
                summary.skipped[outcome.reason] += 1
        progress(len(batch))
    return summary
