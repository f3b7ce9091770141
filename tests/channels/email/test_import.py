"""Importing mail (the shared samples, .eml folders, mbox) through the same parser and storing:
nothing raises, the facts of the chatwoot set hold, threads are joined, imports are idempotent,
and the CLI says clearly what it did or why it cannot."""

from __future__ import annotations

import mailbox
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from frontdesk.channels.email.importer import ImportSummary, import_mail, sources
from frontdesk.cli import app as cli
from frontdesk.contacts.models import ContactIdentity
from frontdesk.conversations.models import Message
from frontdesk.core.db import Database
from frontdesk.core.storage import LocalStorage
from frontdesk.inboxes import service as inbox_service
from frontdesk.settings import Settings
from tests.channels.email.conftest import (
    INBOX_ADDRESS,
    SAMPLES,
    email_inbox,
    mail,
    sample_files,
)
from tests.conftest import Desk

CHATWOOT = SAMPLES / "chatwoot"


@pytest.fixture
def inbox_id(db: Database, desk: Desk) -> int:
    return email_inbox(db, desk, {"email": INBOX_ADDRESS})


def run_import(db: Database, settings: Settings, inbox_id: int, paths: list[Path]) -> ImportSummary:
    desk_inbox = db.read_sync(
        lambda s: inbox_service.channel_inbox_by_id(
            s, workspace_id=_workspace(db, inbox_id), inbox_id=inbox_id
        )
    )
    return import_mail(
        db=db,
        settings=settings,
        storage=LocalStorage(settings.attachments_dir),
        inbox=desk_inbox,
        mails=sources(paths),
    )


def _workspace(db: Database, inbox_id: int) -> int:
    from frontdesk.inboxes.models import Inbox

    return int(db.read_sync(lambda s: s.get(Inbox, inbox_id).workspace_id))  # type: ignore[union-attr]


def messages(db: Database, inbox_id: int) -> list[Message]:
    return db.read_sync(
        lambda s: list(
            s.execute(
                select(Message)
                .where(Message.inbox_id == inbox_id, Message.kind == "incoming")
                .order_by(Message.id)
            ).scalars()
        )
    )


def by_external_id(db: Database, inbox_id: int) -> dict[str, Message]:
    return {m.external_id or "": m for m in messages(db, inbox_id)}


async def test_every_shared_mail_imports_without_an_exception(
    db: Database, settings: Settings, inbox_id: int
) -> None:
    files = sample_files()
    summary = run_import(db, settings, inbox_id, files)
    assert summary.read == len(files)
    assert (
        summary.imported + summary.duplicates + summary.bounces + summary.skipped_total
        == summary.read
    )
    # What is skipped is skipped for a reason a person can act on; nothing "cannot be stored".
    assert not [r for r in summary.skipped if r.startswith("cannot be stored")], summary.skipped
    assert summary.skipped["the mail is empty"] == 1
    # Many samples share a Message-ID (copies of one mail with other headers): stored once.
    assert summary.imported > 70 and summary.duplicates > 40
    # Bounces of mails this inbox never sent are recognized, and never become a customer.
    identities = db.read_sync(lambda s: set(s.execute(select(ContactIdentity.value)).scalars()))
    assert not {i for i in identities if "mailer-daemon" in i or "postmaster" in i}


async def test_importing_again_adds_nothing(
    db: Database, settings: Settings, inbox_id: int
) -> None:
    files = sample_files("chatwoot")
    first = run_import(db, settings, inbox_id, files)
    count = len(messages(db, inbox_id))
    again = run_import(db, settings, inbox_id, files)
    assert again.imported == 0
    assert again.duplicates == first.imported + first.duplicates
    assert len(messages(db, inbox_id)) == count


async def test_chatwoot_auto_replies_are_stored_and_flagged_never_to_be_answered(
    db: Database, settings: Settings, inbox_id: int
) -> None:
    summary = run_import(db, settings, inbox_id, [CHATWOOT / "auto_reply.eml"])
    assert summary.imported == 1
    (stored,) = messages(db, inbox_id)
    assert stored.content_attributes["automated"] is True
    assert stored.content_attributes["auto_reply"] is True


async def test_chatwoot_bounces_are_recognized_not_stored(
    db: Database, settings: Settings, inbox_id: int
) -> None:
    files = [CHATWOOT / "bounced_gmail.eml", CHATWOOT / "bounced_with_no_from.eml"]
    summary = run_import(db, settings, inbox_id, files)
    assert summary.imported == 0
    assert summary.skipped == {"a bounce of a mail this inbox did not send": 2}
    assert messages(db, inbox_id) == []


async def test_chatwoot_references_are_threaded(
    db: Database, settings: Settings, inbox_id: int, tmp_path: Path
) -> None:
    original = tmp_path / "original.eml"
    original.write_bytes(
        mail(
            sender="Sony Mathew <sony@chatwoot.com>",
            subject="Discussion: Let's debate these attachments",
            message_id="<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>",
        )
    )
    run_import(db, settings, inbox_id, [original])
    for name in ("references.eml", "in_reply_to.eml", "mail_with_references.eml"):
        summary = run_import(db, settings, inbox_id, [CHATWOOT / name])
        assert summary.imported + summary.duplicates == 1, (name, summary)
    stored = messages(db, inbox_id)
    assert len({m.conversation_id for m in stored}) == 1
    reply = by_external_id(db, inbox_id)["0CB459E0-0336-41DA-BC88-E6E28C697DDBF@chatwoot.com"]
    assert reply.content_attributes["email"]["threaded_by"] == "references"
    assert reply.content_attributes["email"]["in_reply_to"] == [
        "4e6e35f5a38b4_479f13bb90078178@small-app-01.mail"
    ]


async def test_a_reply_to_an_unknown_thread_from_another_customer_starts_its_own(
    db: Database, settings: Settings, inbox_id: int, tmp_path: Path
) -> None:
    (tmp_path / "a.eml").write_bytes(mail(sender="ann@customer.example"))
    (tmp_path / "b.eml").write_bytes(
        mail(sender="bob@other.example", in_reply_to="<unknown@nowhere.example>")
    )
    summary = run_import(db, settings, inbox_id, [tmp_path])
    assert summary.imported == 2 and summary.threaded == 0
    assert len({m.conversation_id for m in messages(db, inbox_id)}) == 2


async def test_chatwoot_attachments_are_stored_with_names_and_sizes(
    db: Database, settings: Settings, inbox_id: int, client: httpx.AsyncClient, desk: Desk
) -> None:
    run_import(db, settings, inbox_id, [CHATWOOT / "only_attachments.eml"])
    (stored,) = messages(db, inbox_id)
    page = await client.get(
        f"/api/v1/conversations/{stored.conversation_id}/messages", headers=desk.agent.headers
    )
    assert page.status_code == 200, page.text
    (item,) = [m for m in page.json()["items"] if m["kind"] == "incoming"]
    (attachment,) = item["attachments"]
    assert attachment["file_name"] == "66638193_2047148535391784_8239239177862905856_o.jpg"
    assert attachment["size"] == 203542
    download = await client.get(attachment["url"], headers=desk.agent.headers)
    assert download.status_code == 200 and len(download.content) == 203542


async def test_html_only_mail_is_stored_as_text_with_sanitized_html(
    db: Database, settings: Settings, inbox_id: int
) -> None:
    run_import(db, settings, inbox_id, [CHATWOOT / "only_html.eml"])
    (stored,) = messages(db, inbox_id)
    assert stored.content == "This is html only mail"
    assert "<script" not in stored.content_attributes["email"]["html"]


async def test_an_mbox_imports_every_mail_in_it(
    db: Database, settings: Settings, inbox_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "export"
    box = mailbox.mbox(path)
    for n in range(3):
        box.add(mail(sender=f"c{n}@customer.example", subject=f"Mail {n}"))
    box.flush()
    box.close()
    assert len(sources([path])) == 3
    summary = run_import(db, settings, inbox_id, [path])
    assert summary.imported == 3


# ------------------------------------------------------------------------------------ CLI
runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("FRONTDESK_SECRET_KEY", settings.secret_key)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read


def test_cli_imports_with_a_progress_bar_and_a_summary(
    cli_env: None, db: Database, inbox_id: int
) -> None:
    result = runner.invoke(
        cli,
        ["import-mail", "--inbox", str(inbox_id), str(CHATWOOT), str(CHATWOOT / "only_text.eml")],
    )
    assert result.exit_code == 0, result.output
    for line in ("mails read", "imported", "threaded", "already there", "skipped"):
        assert line in result.output
    assert "a bounce of a mail this inbox did not send" in result.output
    assert messages(db, inbox_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inbox", "999999", str(CHATWOOT / "only_text.eml")], "no inbox 999999"),
        (["--inbox", "nope", str(CHATWOOT / "only_text.eml")], "no inbox with the public id"),
        (["--inbox", "1", "/no/such/mail.eml"], "no such file or folder"),
    ],
)
def test_cli_refuses_clearly(cli_env: None, args: list[str], message: str, inbox_id: int) -> None:
    result = runner.invoke(cli, ["import-mail", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_refuses_an_inbox_of_another_channel(cli_env: None, desk: Desk) -> None:
    result = runner.invoke(
        cli, ["import-mail", "--inbox", str(desk.inbox_id), str(CHATWOOT / "only_text.eml")]
    )
    assert result.exit_code == 2
    assert "not an e-mail inbox" in result.output


async def test_a_web_form_mail_belongs_to_the_customer_in_reply_to(
    db: Database, settings: Settings, inbox_id: int, tmp_path: Path
) -> None:
    form = tmp_path / "form.eml"
    form.write_bytes(
        mail(
            sender="Shop website <noreply@shop.example>",
            headers={"Reply-To": "Ann Customer <ann@customer.example>"},
        )
    )
    summary = run_import(db, settings, inbox_id, [form])
    assert summary.imported == 1
    identities = db.read_sync(lambda s: set(s.execute(select(ContactIdentity.value)).scalars()))
    assert "ann@customer.example" in identities and "noreply@shop.example" not in identities
