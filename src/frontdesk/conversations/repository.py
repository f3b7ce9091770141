"""Every query on conversations, messages, attachments, labels, participants, canned replies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import (
    Attachment,
    CannedResponse,
    Conversation,
    ConversationLabel,
    Label,
    Message,
    Participant,
)
from frontdesk.core.db import rowcount
from frontdesk.core.models import table_of


@dataclass(frozen=True)
class ConversationFilter:
    workspace_id: int
    inbox_ids: set[int] | None  # None: every inbox of the workspace
    # Also the conversations this user was invited into, whatever their inbox.
    participant_user_id: int | None = None
    statuses: Sequence[str] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    inbox_id: int | None = None
    label: str | None = None
    type: str | None = None
    priority: str | None = None
    contact_id: int | None = None
    q: str | None = None


def get(session: Session, *, workspace_id: int, conversation_id: int) -> Conversation | None:
    return session.execute(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
        )
    ).scalar_one_or_none()


def add(session: Session, **values: Any) -> Conversation:
    conversation = Conversation(**values)
    session.add(conversation)
    session.flush()
    return conversation


_SORTS = {
    "last_activity": (Conversation.last_activity_at, True),
    "newest": (Conversation.created_at, True),
    "longest_waiting": (Conversation.waiting_since, False),
}


def search(
    session: Session,
    *,
    where: ConversationFilter,
    sort: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Conversation]:
    column, descending = _SORTS[sort]
    stmt = select(Conversation).where(Conversation.workspace_id == where.workspace_id)
    if where.inbox_ids is not None:
        visible: ColumnElement[bool] = Conversation.inbox_id.in_(sorted(where.inbox_ids))
        if where.participant_user_id is not None:
            invited = select(Participant.conversation_id).where(
                Participant.user_id == where.participant_user_id
            )
            visible = or_(visible, Conversation.id.in_(invited))
        stmt = stmt.where(visible)
    if where.statuses:
        stmt = stmt.where(Conversation.status.in_(list(where.statuses)))
    if where.unassigned:
        stmt = stmt.where(Conversation.assignee_id.is_(None))
    elif where.assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == where.assignee_id)
    for col, value in (
        (Conversation.team_id, where.team_id),
        (Conversation.inbox_id, where.inbox_id),
        (Conversation.type, where.type),
        (Conversation.priority, where.priority),
        (Conversation.contact_id, where.contact_id),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    if where.label is not None:
        stmt = stmt.where(
            exists().where(
                ConversationLabel.conversation_id == Conversation.id,
                ConversationLabel.label_id == Label.id,
                Label.name == where.label,
                Label.workspace_id == where.workspace_id,
            )
        )
    if where.q:
        like = f"%{where.q}%"
        digits = where.q.lstrip("#")
        # isdecimal, not isdigit: '²' is a digit int() refuses; 18 digits fit any id column.
        number = int(digits) if digits.isdecimal() and len(digits) <= 18 else None
        stmt = stmt.where(
            or_(
                Conversation.subject.ilike(like),
                Conversation.contact_id.in_(
                    select(Contact.id).where(
                        Contact.workspace_id == where.workspace_id,
                        or_(Contact.name.ilike(like), Contact.email.ilike(like)),
                    )
                ),
                Conversation.id.in_(
                    select(Message.conversation_id).where(
                        Message.workspace_id == where.workspace_id, Message.content.ilike(like)
                    )
                ),
                *([Conversation.number == number] if number is not None else []),
            )
        )
    if sort == "longest_waiting":
        stmt = stmt.where(Conversation.waiting_since.is_not(None))
    if after is not None:
        key, last_id = after
        if descending:
            stmt = stmt.where(or_(column < key, (column == key) & (Conversation.id < last_id)))
        else:
            stmt = stmt.where(or_(column > key, (column == key) & (Conversation.id > last_id)))
    order = (
        (column.desc(), Conversation.id.desc())
        if descending
        else (column.asc(), Conversation.id.asc())
    )
    return list(session.execute(stmt.order_by(*order).limit(limit)).scalars())


def labels_of(session: Session, *, conversation_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(conversation_ids)
    result: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for conversation_id, name in session.execute(
            select(ConversationLabel.conversation_id, Label.name)
            .join(Label, Label.id == ConversationLabel.label_id)
            .where(ConversationLabel.conversation_id.in_(ids))
            .order_by(Label.name)
        ):
            result[conversation_id].append(name)
    return result


def participants_of(session: Session, *, conversation_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(conversation_ids)
    result: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for conversation_id, user_id in session.execute(
            select(Participant.conversation_id, Participant.user_id)
            .where(Participant.conversation_id.in_(ids))
            .order_by(Participant.user_id)
        ):
            result[conversation_id].append(user_id)
    return result


def labels_by_name(session: Session, *, workspace_id: int, names: Iterable[str]) -> dict[str, int]:
    wanted = list(set(names))
    if not wanted:
        return {}
    return {
        name: label_id
        for label_id, name in session.execute(
            select(Label.id, Label.name).where(
                Label.workspace_id == workspace_id, Label.name.in_(wanted)
            )
        )
    }


def set_labels(session: Session, *, conversation_id: int, label_ids: Iterable[int]) -> None:
    session.execute(
        delete(ConversationLabel).where(ConversationLabel.conversation_id == conversation_id)
    )
    rows = [{"conversation_id": conversation_id, "label_id": i} for i in sorted(set(label_ids))]
    if rows:
        session.execute(insert(ConversationLabel), rows)


def participations(session: Session, *, user_id: int) -> set[int]:
    return set(
        session.execute(
            select(Participant.conversation_id).where(Participant.user_id == user_id)
        ).scalars()
    )


def add_participant(session: Session, *, conversation_id: int, user_id: int, now: datetime) -> bool:
    if session.get(Participant, (conversation_id, user_id)) is not None:
        return False
    session.add(Participant(conversation_id=conversation_id, user_id=user_id, added_at=now))
    session.flush()
    return True


def remove_participant(session: Session, *, conversation_id: int, user_id: int) -> bool:
    return bool(
        rowcount(
            session.execute(
                delete(Participant).where(
                    Participant.conversation_id == conversation_id, Participant.user_id == user_id
                )
            )
        )
    )


# The message hot path uses statements built once (Core, not ORM): building a statement
# per call cost more than executing it.
_messages = table_of(Message)
_conversations = table_of(Conversation)
_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)
_UPDATE_CONVERSATION = update(_conversations).where(_conversations.c.id == bindparam("_id"))


def _visibility(role: str) -> ColumnElement[bool]:
    """Whether the asking user may see the conversation: agents see their inboxes' and those
    they were invited into; supervisors also their teams' inboxes; admins everything."""
    from frontdesk.inboxes.models import InboxMember
    from frontdesk.team.models import TeamInbox, TeamMember

    if role == "admin":
        return true()
    user: BindParameter[int] = bindparam("user")
    own = exists().where(
        InboxMember.user_id == user, InboxMember.inbox_id == _conversations.c.inbox_id
    )
    invited = exists().where(
        Participant.user_id == user, Participant.conversation_id == _conversations.c.id
    )
    if role != "supervisor":
        return or_(own, invited)
    teams = exists().where(
        TeamMember.user_id == user,
        TeamInbox.team_id == TeamMember.team_id,
        TeamInbox.inbox_id == _conversations.c.inbox_id,
    )
    return or_(own, invited, teams)


# One statement per role, built once: the conversation and whether the user may see it.
_SELECT_VISIBLE = {
    role: select(_conversations, _visibility(role).label("visible")).where(
        _conversations.c.id == bindparam("id"), _conversations.c.workspace_id == bindparam("ws")
    )
    for role in ("admin", "supervisor", "agent")
}


def visible_conversation_row(
    session: Session, *, workspace_id: int, conversation_id: int, user_id: int, role: str
) -> Row[Any] | None:
    """The conversation as a plain row if it exists and the user may see it (one query)."""
    row = session.execute(
        _SELECT_VISIBLE[role], {"id": conversation_id, "ws": workspace_id, "user": user_id}
    ).first()
    return row if row is not None and row.visible else None


def can_see(
    session: Session, *, user_id: int, role: str, inbox_id: int, conversation_id: int
) -> bool:
    if role == "admin":
        return True
    row = session.execute(
        select(_visibility(role)).where(_conversations.c.id == conversation_id),
        {"user": user_id},
    ).first()
    return bool(row and row[0])


def insert_message(session: Session, **values: Any) -> int:
    return int(session.execute(_INSERT_MESSAGE, values).scalar_one())


def message_by_external_id(session: Session, *, inbox_id: int, external_id: str) -> Message | None:
    return session.execute(
        select(Message).where(Message.inbox_id == inbox_id, Message.external_id == external_id)
    ).scalar_one_or_none()


def get_message(session: Session, *, workspace_id: int, message_id: int) -> Message | None:
    return session.execute(
        select(Message).where(Message.id == message_id, Message.workspace_id == workspace_id)
    ).scalar_one_or_none()


def update_conversation(session: Session, *, conversation_id: int, **values: Any) -> None:
    session.execute(_UPDATE_CONVERSATION, {"_id": conversation_id, **values})


def messages(
    session: Session,
    *,
    conversation_id: int,
    before_id: int | None,
    after_id: int | None,
    limit: int,
) -> list[Message]:
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if before_id is not None:
        stmt = stmt.where(Message.id < before_id)
    if after_id is not None:
        stmt = stmt.where(Message.id > after_id)
        return list(session.execute(stmt.order_by(Message.id.asc()).limit(limit)).scalars())
    rows = list(session.execute(stmt.order_by(Message.id.desc()).limit(limit)).scalars())
    rows.reverse()
    return rows


def insert_attachments(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    return [
        int(r) for r in session.execute(insert(Attachment).returning(Attachment.id), rows).scalars()
    ]


def attachments_of(session: Session, *, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    ids = list(message_ids)
    result: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for attachment in session.execute(
            select(Attachment).where(Attachment.message_id.in_(ids)).order_by(Attachment.id)
        ).scalars():
            result[attachment.message_id].append(attachment)
    return result


def get_attachment(session: Session, *, workspace_id: int, attachment_id: int) -> Attachment | None:
    return session.execute(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.workspace_id == workspace_id
        )
    ).scalar_one_or_none()


def list_labels(session: Session, *, workspace_id: int) -> list[Label]:
    return list(
        session.execute(
            select(Label).where(Label.workspace_id == workspace_id).order_by(Label.name)
        ).scalars()
    )


def add_label(session: Session, **values: Any) -> Label:
    label = Label(**values)
    session.add(label)
    session.flush()
    return label


def list_canned(session: Session, *, workspace_id: int, q: str | None) -> list[CannedResponse]:
    stmt = select(CannedResponse).where(CannedResponse.workspace_id == workspace_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(CannedResponse.short_code.ilike(like), CannedResponse.content.ilike(like))
        )
    return list(session.execute(stmt.order_by(CannedResponse.short_code).limit(200)).scalars())


def add_canned(session: Session, **values: Any) -> CannedResponse:
    canned = CannedResponse(**values)
    session.add(canned)
    session.flush()
    return canned
