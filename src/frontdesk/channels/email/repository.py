"""Every query of the e-mail channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from frontdesk.channels.email.models import EmailMailbox, EmailThreadMessage
from frontdesk.core.models import table_of

_THREAD = table_of(EmailThreadMessage)


def mailbox(session: Session, *, inbox_id: int) -> EmailMailbox | None:
    return session.get(EmailMailbox, inbox_id)


def upsert_mailbox(
    session: Session, *, inbox_id: int, workspace_id: int, folder: str
) -> EmailMailbox:
    """The inbox's reading position; a changed folder starts from its first mail."""
    found = session.get(EmailMailbox, inbox_id)
    if found is None:
        found = EmailMailbox(
            inbox_id=inbox_id,
            workspace_id=workspace_id,
            folder=folder,
            uidvalidity=None,
            last_uid=0,
            failures=0,
        )
        session.add(found)
        session.flush()
    elif found.folder != folder:
        found.folder, found.uidvalidity, found.last_uid = folder, None, 0
        session.flush()
    return found


def mailbox_error(session: Session, *, inbox_id: int) -> str | None:
    return session.execute(
        select(EmailMailbox.last_error).where(EmailMailbox.inbox_id == inbox_id)
    ).scalar_one_or_none()


def advance_mailbox(
    session: Session,
    *,
    inbox_id: int,
    uidvalidity: int,
    last_uid: int,
    polled_at: datetime,
) -> None:
    session.execute(
        update(EmailMailbox)
        .where(EmailMailbox.inbox_id == inbox_id)
        .values(
            uidvalidity=uidvalidity,
            last_uid=last_uid,
            last_polled_at=polled_at,
            last_error=None,
            failures=0,
        )
    )


def mailbox_failed(session: Session, *, inbox_id: int, error: str, polled_at: datetime) -> int:
    """Remember a failed poll; the number of failures in a row."""
    found = session.get(EmailMailbox, inbox_id)
    if found is None:
        return 0
    found.last_error = error[:1000]
    found.last_polled_at = polled_at
    found.failures += 1
    session.flush()
    return found.failures


def add_thread_message(
    session: Session,
    *,
    workspace_id: int,
    inbox_id: int,
    conversation_id: int,
    message_id: int | None,
    rfc_message_id: str,
    direction: str,
    references: Sequence[str],
    subject: str,
    created_at: datetime,
) -> None:
    """Record a mail of a conversation; a Message-ID already known in the inbox is kept."""
    values = {
        "workspace_id": workspace_id,
        "inbox_id": inbox_id,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "rfc_message_id": rfc_message_id[:255],
        "direction": direction,
        "thread_references": list(references)[-50:],
        "subject": subject[:500],
        "created_at": created_at,
    }
    dialect = session.get_bind().dialect.name
    session.execute(_ADD_THREAD_MESSAGE[dialect == "postgresql"], values)


# Built once: a statement costs more to build than to run. A Message-ID already known in the
# inbox (the same mail read twice) is left as it is.
_ADD_THREAD_MESSAGE = {
    postgres: (pg_insert if postgres else sqlite_insert)(_THREAD).on_conflict_do_nothing(
        index_elements=["inbox_id", "rfc_message_id"]
    )
    for postgres in (False, True)
}


def conversation_of_message_ids(
    session: Session, *, inbox_id: int, rfc_message_ids: Sequence[str]
) -> int | None:
    """The conversation of the first of these Message-IDs that is known in the inbox."""
    ids = [m[:255] for m in rfc_message_ids if m][:100]
    if not ids:
        return None
    rows = session.execute(
        select(EmailThreadMessage.rfc_message_id, EmailThreadMessage.conversation_id).where(
            EmailThreadMessage.inbox_id == inbox_id,
            EmailThreadMessage.rfc_message_id.in_(ids),
        )
    ).all()
    found = {r.rfc_message_id: r.conversation_id for r in rows}
    return next((found[m] for m in ids if m in found), None)


def thread_message(
    session: Session, *, inbox_id: int, rfc_message_id: str
) -> EmailThreadMessage | None:
    return session.execute(
        select(EmailThreadMessage).where(
            EmailThreadMessage.inbox_id == inbox_id,
            EmailThreadMessage.rfc_message_id == rfc_message_id[:255],
        )
    ).scalar_one_or_none()


def latest_in_conversation(session: Session, *, conversation_id: int) -> EmailThreadMessage | None:
    """The conversation's newest mail, the one a reply answers."""
    return session.execute(
        select(EmailThreadMessage)
        .where(EmailThreadMessage.conversation_id == conversation_id)
        .order_by(EmailThreadMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def first_in_conversation(session: Session, *, conversation_id: int) -> EmailThreadMessage | None:
    return session.execute(
        select(EmailThreadMessage)
        .where(EmailThreadMessage.conversation_id == conversation_id)
        .order_by(EmailThreadMessage.id)
        .limit(1)
    ).scalar_one_or_none()


def known_message_ids(
    session: Session, *, inbox_id: int, rfc_message_ids: Sequence[str]
) -> set[str]:
    ids = [m[:255] for m in rfc_message_ids if m]
    if not ids:
        return set()
    return set(
        session.execute(
            select(EmailThreadMessage.rfc_message_id).where(
                EmailThreadMessage.inbox_id == inbox_id,
                EmailThreadMessage.rfc_message_id.in_(ids),
            )
        ).scalars()
    )
