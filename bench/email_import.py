"""Benchmark: reading 10,000 mails from a local IMAP server (dovecot) into an e-mail inbox.

    python bench/email_import.py [--mails 10000] [--database-url postgresql://.../bench_mail]

Starts everything itself: a fresh database (SQLite in a temp dir, or a reset PostgreSQL
database whose name starts with "bench"), a desk with one e-mail inbox, and Debian's dovecot on
a loopback port with a temporary Maildir (the one the tests use: tests/channels/email/dovecot.py).
The mails are written straight into the Maildir (dovecot gives them UIDs when the folder is
first opened, which is part of what is measured). Then the worker's own code path reads the
folder: `channels.email.poller.poll_inbox` (IMAP by UID in batches, parsing and saving files in
a thread, storing each batch in one transaction through the writer, the next batch fetched
while this one is stored).

The mails look like a support mailbox: about 1,000 customers, a third of the mails answers in
an earlier thread (In-Reply-To/References), some HTML-only, some in koi8-r or windows-1251,
some with a small attachment, a few auto-replies and mailing-list mails.

Prints one JSON object on stdout; progress on stderr. Goal: 10,000 mails in under 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import harness
from harness import log

sys.path.insert(0, str(harness.REPO))

GOAL_SECONDS = 60.0
INBOX_ADDRESS = "support@shop.example"
FOLDER = "Bench"


def make_mails(count: int, *, seed: int = 5) -> list[bytes]:
    rng = random.Random(seed)
    customers = [f"customer{n}@mail{n % 37}.example" for n in range(max(1, count // 10))]
    threads: dict[str, list[str]] = {}
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    mails: list[bytes] = []
    for n in range(count):
        customer = rng.choice(customers)
        message = EmailMessage()
        message_id = f"<bench-{n}@{customer.split('@')[1]}>"
        message["From"] = f"Customer {n % 997} <{customer}>"
        message["To"] = INBOX_ADDRESS
        message["Date"] = format_datetime(start + timedelta(minutes=n))
        message["Message-ID"] = message_id
        earlier = threads.get(customer)
        subject = f"Order {1000 + n}: question"
        if earlier and rng.random() < 0.33:
            subject = f"Re: Order thread of {customer}"
            message["In-Reply-To"] = earlier[-1]
            message["References"] = " ".join(earlier[-5:])
        message["Subject"] = subject
        roll = rng.random()
        text = (
            f"Hello,\n\nmy order {1000 + n} has not arrived. Could you check it, please?\n\n"
            "Regards,\nA customer\n\n> earlier quoted text\n> more of it\n"
        )
        if roll < 0.10:
            message.set_content(
                f"<html><body><p>Hello,</p><p>order <b>{1000 + n}</b> is late.</p>"
                "<script>alert(1)</script></body></html>",
                subtype="html",
            )
        elif roll < 0.15:
            message.set_content("Здравствуйте! Где мой заказ? Жду уже неделю.", charset="koi8-r")
        elif roll < 0.20:
            message.set_content("Добрый день, прошу вернуть деньги.", charset="windows-1251")
        else:
            message.set_content(text)
        if rng.random() < 0.05:
            message.add_attachment(
                bytes(rng.getrandbits(8) for _ in range(4096)),
                maintype="application",
                subtype="pdf",
                filename=f"invoice-{n}.pdf",
            )
        if rng.random() < 0.02:
            message["Auto-Submitted"] = "auto-replied"
        elif rng.random() < 0.02:
            message["List-Unsubscribe"] = "<mailto:unsubscribe@news.example>"
        threads.setdefault(customer, []).append(message_id)
        mails.append(message.as_bytes())
    return mails


def write_maildir(server: Any, mails: list[bytes]) -> None:
    """Drop the mails into the folder's Maildir `new/`, as a delivery agent would."""
    maildir = server.root / "mail" / server.user / f".{FOLDER}"
    new = maildir / "new"
    owner = (maildir.stat().st_uid, maildir.stat().st_gid)
    for n, raw in enumerate(mails):
        path = new / f"{1700000000 + n}.M{n}P1.bench"
        path.write_bytes(raw)
        os.chown(path, *owner)


def seed_inbox(db: Any, settings: dict[str, Any]) -> tuple[int, int]:
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate
    from frontdesk.team import service as team_service

    def build(uow: Any) -> tuple[int, int]:
        ws = team_service.create_workspace(uow, name="Bench", slug="bench")
        inbox = inbox_service.create_inbox(
            uow,
            workspace_id=ws.id,
            data=InboxCreate(name="Mail", channel_type=ChannelType.email, settings=settings),
        )
        return ws.id, inbox.id

    result: tuple[int, int] = db.write_sync(build)
    return result


async def measure(args: argparse.Namespace, work: harness.Workdir) -> dict[str, Any]:
    from tests.channels.email.dovecot import Dovecot, available

    from frontdesk.channels.email.poller import poll_inbox
    from frontdesk.core.db import Database
    from frontdesk.core.storage import LocalStorage
    from frontdesk.settings import Settings

    if not available():
        raise SystemExit("dovecot is not installed (as root: apt-get install dovecot-imapd)")
    log(f"building {args.mails} mails")
    mails = make_mails(args.mails)
    server = Dovecot().start()
    try:
        server.create(FOLDER)
        write_maildir(server, mails)
        settings = Settings(
            data_dir=work.data_dir,
            database_url=work.database_url,
            secret_key="bench",
            _env_file=None,  # type: ignore[call-arg]
        )
        db = Database(settings.resolved_database_url, batch_size=settings.writer_batch_size)
        try:
            workspace_id, inbox_id = seed_inbox(
                db,
                {
                    **server.inbox_settings(folder=FOLDER, smtp_port=25, address=INBOX_ADDRESS),
                    "smtp_host": "",
                },
            )
            storage = LocalStorage(settings.attachments_dir)
            busy_before = harness.wait_for_quiet(args.quiet_wait)
            log("reading the mailbox")
            machine_before = harness.machine_cpu()
            started, cpu = time.perf_counter(), harness.self_cpu_seconds()
            report = await poll_inbox(
                db=db,
                settings=settings,
                storage=storage,
                workspace_id=workspace_id,
                inbox_id=inbox_id,
                batch_size=args.batch,
            )
            runs = 1
            while report.more:  # as the worker does: the next run follows at once
                more = await poll_inbox(
                    db=db,
                    settings=settings,
                    storage=storage,
                    workspace_id=workspace_id,
                    inbox_id=inbox_id,
                    batch_size=args.batch,
                )
                runs += 1
                report.fetched += more.fetched
                report.outcomes.update(more.outcomes)
                for stage, spent in more.seconds.items():
                    report.seconds[stage] += spent
                report.more, report.error = more.more, report.error or more.error
            seconds = time.perf_counter() - started
            cpu_seconds = harness.self_cpu_seconds() - cpu
            machine_after = harness.machine_cpu()
            log(f"read {report.fetched} mails in {seconds:.1f} s")
            again_started = time.perf_counter()
            again = await poll_inbox(
                db=db,
                settings=settings,
                storage=storage,
                workspace_id=workspace_id,
                inbox_id=inbox_id,
            )
            again_seconds = time.perf_counter() - again_started
        finally:
            db.close()
    finally:
        server.stop()
    stored = harness.count_rows(work.database_url, "messages WHERE kind = 'incoming'")
    conversations = harness.count_rows(work.database_url, "conversations")
    contacts = harness.count_rows(work.database_url, "contacts")
    threaded = harness.count_rows(work.database_url, "email_thread_messages WHERE direction = 'in'")
    return {
        "benchmark": "email_import",
        "database": "sqlite" if work.is_sqlite else "postgresql",
        "source": harness.source_state(),
        "mails": args.mails,
        "batch": args.batch,
        "poll_runs": runs,
        "seconds": round(seconds, 2),
        "mails_per_second": round(report.fetched / seconds, 1) if seconds else None,
        "process_cpu_seconds": round(cpu_seconds, 2),
        # Of the whole machine (percent of one core, summed over cores), this run included:
        # the machine is shared, and other work there slows every stage down.
        "machine_busy_before_start": busy_before,
        "machine_busy_percent_during": round(
            100
            * (os.cpu_count() or 1)
            * (machine_after[0] - machine_before[0])
            / max(1e-9, machine_after[1] - machine_before[1]),
            1,
        ),
        "fetched": report.fetched,
        "outcomes": dict(report.outcomes),
        # Summed per stage; they overlap (the next batch is read while one is stored).
        "stage_seconds": {k: round(v, 2) for k, v in report.seconds.items()},
        "error": report.error,
        "stored_messages": stored,
        "thread_rows": threaded,
        "conversations": conversations,
        "contacts": contacts,
        "nothing_lost": stored == report.outcomes.get("stored", 0) == args.mails,
        "second_poll": {"seconds": round(again_seconds, 3), "fetched": again.fetched},
        "goal_seconds": GOAL_SECONDS,
        "goal_met": seconds < GOAL_SECONDS and stored == args.mails,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200, help="mails per IMAP fetch and commit")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (name must start bench)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument(
        "--quiet-wait", type=float, default=120, help="seconds to wait for a calm machine"
    )
    args = parser.parse_args()
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result = asyncio.run(measure(args, work))
    harness.emit(result)


if __name__ == "__main__":
    main()
