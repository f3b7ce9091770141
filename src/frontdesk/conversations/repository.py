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
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import (
    Attachment,
    CannedResponse,
    Conversation,
    ConversationLabel,
    ConversationMention,
    ConversationRead,
    Label,
    Message,
    Participant,
)
from frontdesk.core.db import rowcount
from frontdesk.core.models import BigId, UTCDateTime, table_of


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
    # "My teams": conversations of any team this user is a member of.
    teams_of_user_id: int | None = None
    # "Mentions": conversations with a private note mentioning this user.
    mentioned_user_id: int | None = None


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


def _conditions(where: ConversationFilter) -> list[ColumnElement[bool]]:
    """The WHERE of the list and of its counts: visibility and every filter."""
    conditions: list[ColumnElement[bool]] = [Conversation.workspace_id == where.workspace_id]
    if where.inbox_ids is not None:
        visible: ColumnElement[bool] = Conversation.inbox_id.in_(sorted(where.inbox_ids))
        if where.participant_user_id is not None:
            invited = select(Participant.conversation_id).where(
                Participant.user_id == where.participant_user_id
            )
            visible = or_(visible, Conversation.id.in_(invited))
        conditions.append(visible)
    if where.statuses:
        conditions.append(Conversation.status.in_(list(where.statuses)))
    if where.unassigned:
        conditions.append(Conversation.assignee_id.is_(None))
    elif where.assignee_id is not None:
        conditions.append(Conversation.assignee_id == where.assignee_id)
    for col, value in (
        (Conversation.team_id, where.team_id),
        (Conversation.inbox_id, where.inbox_id),
        (Conversation.type, where.type),
        (Conversation.priority, where.priority),
        (Conversation.contact_id, where.contact_id),
    ):
        if value is not None:
            conditions.append(col == value)
    if where.teams_of_user_id is not None:
        conditions.append(_of_my_teams(where.teams_of_user_id))
    if where.mentioned_user_id is not None:
        conditions.append(_mentioning(where.mentioned_user_id))
    if where.label is not None:
        conditions.append(
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
        conditions.append(
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
    return conditions


def _of_my_teams(user_id: int) -> ColumnElement[bool]:
    from frontdesk.team.models import TeamMember

    return Conversation.team_id.in_(select(TeamMember.team_id).where(TeamMember.user_id == user_id))


def _mentioning(user_id: int) -> ColumnElement[bool]:
    return Conversation.id.in_(
        select(ConversationMention.conversation_id).where(ConversationMention.user_id == user_id)
    )


def search(
    session: Session,
    *,
    where: ConversationFilter,
    sort: str,
    after: tuple[datetime, int] | None,
    limit: int,
    reader_id: int,
) -> list[tuple[Conversation, datetime | None]]:
    """A page of conversations, each with when `reader_id` last read it (a LEFT JOIN, so the
    unread markers cost no query of their own)."""
    column, descending = _SORTS[sort]
    stmt = (
        select(Conversation, ConversationRead.last_read_at)
        .outerjoin(
            ConversationRead,
            (ConversationRead.conversation_id == Conversation.id)
            & (ConversationRead.user_id == reader_id),
        )
        .where(*_conditions(where))
    )
    if sort == "longest_waiting":
        stmt = stmt.where(Conversation.waiting_since.is_not(None))
    if after is not None:
        key, last_id = after
        # The plain bound (<= / >=) is what lets SQLite and PostgreSQL start the index range at
        # the cursor; with the OR alone they read every row above it (slow deep in the list).
        if descending:
            stmt = stmt.where(
                column <= key, or_(column < key, (column == key) & (Conversation.id < last_id))
            )
        else:
            stmt = stmt.where(
                column >= key, or_(column > key, (column == key) & (Conversation.id > last_id))
            )
    order = (
        (column.desc(), Conversation.id.desc())
        if descending
        else (column.asc(), Conversation.id.asc())
    )
    rows = session.execute(stmt.order_by(*order).limit(limit))
    return [(conversation, read_at) for conversation, read_at in rows]


def view_counts(session: Session, *, where: ConversationFilter, user_id: int) -> dict[str, int]:
    """How many conversations of the filter each built-in view holds, in one statement."""

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count().label("all"),
            count_if(Conversation.assignee_id == user_id).label("mine"),
            count_if(Conversation.assignee_id.is_(None)).label("unassigned"),
            count_if(_of_my_teams(user_id)).label("my_teams"),
            count_if(_mentioning(user_id)).label("mentions"),
        ).where(*_conditions(where))
    ).one()
    return {key: int(value) for key, value in row._mapping.items()}


def read_times(
    session: Session, *, user_id: int, conversation_ids: Iterable[int]
) -> dict[int, datetime]:
    ids = list(conversation_ids)
    if not ids:
        return {}
    return {
        conversation_id: read_at
        for conversation_id, read_at in session.execute(
            select(ConversationRead.conversation_id, ConversationRead.last_read_at).where(
                ConversationRead.user_id == user_id, ConversationRead.conversation_id.in_(ids)
            )
        )
    }


def mark_read(
    session: Session, *, workspace_id: int, user_id: int, conversation_id: int, at: datetime
) -> None:
    """Upsert the reader's mark (one statement, safe when two tabs mark at once)."""
    values = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "conversation_id": conversation_id,
        "last_read_at": at,
    }
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(ConversationRead)
    session.execute(
        upsert.values(values).on_conflict_do_update(
            index_elements=["user_id", "conversation_id"],
            set_={"last_read_at": at},
        )
    )


def add_mentions(
    session: Session,
    *,
    workspace_id: int,
    conversation_id: int,
    message_id: int,
    user_ids: Sequence[int],
    created_at: datetime,
) -> None:
    """Store who a note mentions: only users of this workspace (unknown ids are ignored), in one
    INSERT ... SELECT."""
    from frontdesk.team.models import User

    if not user_ids:
        return
    chosen = select(
        literal(workspace_id, BigId),
        literal(conversation_id, BigId),
        User.id,
        literal(message_id, BigId),
        literal(created_at, UTCDateTime()),
    ).where(User.workspace_id == workspace_id, User.id.in_(list(user_ids)))
    session.execute(
        insert(ConversationMention).from_select(
            ["workspace_id", "conversation_id", "user_id", "message_id", "created_at"], chosen
        )
    )


def count_hidden_of_contact(
    session: Session, *, workspace_id: int, contact_id: int, inbox_ids: set[int], user_id: int
) -> int:
    """How many of a contact's conversations this user may not see: outside their inboxes and
    not invited into. A count only, for "N more in inboxes you don't work"."""
    invited = select(Participant.conversation_id).where(Participant.user_id == user_id)
    return int(
        session.execute(
            select(func.count()).where(
                Conversation.workspace_id == workspace_id,
                Conversation.contact_id == contact_id,
                Conversation.inbox_id.not_in(sorted(inbox_ids)),
                Conversation.id.not_in(invited),
            )
        ).scalar_one()
    )


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


def _channel_type() -> Any:
    """The conversation's inbox channel (does a reply need delivering?), in the same query.
    None for an API channel inbox without a webhook URL: its integrator reads the replies over
    the REST API, so there is nothing to deliver them to."""
    from sqlalchemy import and_, case, func

    from frontdesk.inboxes.models import Inbox

    no_webhook = and_(
        Inbox.channel_type == "api",
        func.coalesce(Inbox.settings["webhook_url"].as_string(), "") == "",
    )
    return (
        select(case((no_webhook, None), else_=Inbox.channel_type))
        .where(Inbox.id == _conversations.c.inbox_id)
        .scalar_subquery()
        .label("channel_type")
    )


# One statement per role, built once: the conversation and whether the user may see it.
_SELECT_VISIBLE = {
    role: select(_conversations, _visibility(role).label("visible"), _channel_type()).where(
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


def _customer_thread() -> Any:
    from frontdesk.contacts.models import ContactIdentity

    identity = table_of(ContactIdentity)
    candidate = _conversations.alias("candidate")
    inbox: BindParameter[int] = bindparam("inbox")
    latest = (
        select(candidate.c.id)
        .where(candidate.c.contact_id == identity.c.contact_id, candidate.c.inbox_id == inbox)
        .order_by((candidate.c.status == "resolved").asc(), candidate.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stored = (
        select(_messages.c.id)
        .where(_messages.c.inbox_id == inbox, _messages.c.external_id == bindparam("external_id"))
        .scalar_subquery()
    )
    return (
        select(
            identity.c.contact_id.label("identity_contact_id"),
            stored.label("stored_message_id"),
            _conversations,
            _channel_type(),
        )
        .select_from(identity.outerjoin(_conversations, _conversations.c.id == latest))
        .where(
            identity.c.workspace_id == bindparam("ws"),
            identity.c.kind == bindparam("kind"),
            identity.c.value == bindparam("value"),
        )
        .limit(1)
    )


# Built once: a channel asks this for every incoming message.
_SELECT_CUSTOMER_THREAD = _customer_thread()


def customer_thread(
    session: Session,
    *,
    workspace_id: int,
    inbox_id: int,
    kind: str,
    value: str,
    external_id: str | None,
) -> Row[Any] | None:
    """In one query, for a customer known by a channel identity: their contact
    (`identity_contact_id`), the message already stored under `external_id` (a provider's
    retry; `stored_message_id`), and the conversation of the inbox their message belongs to
    (as latest_of_contact picks it), with the columns visible_conversation_row gives (all None
    when they have none there). None for an unknown identity."""
    return session.execute(
        _SELECT_CUSTOMER_THREAD,
        {
            "ws": workspace_id,
            "inbox": inbox_id,
            "kind": kind,
            "value": value,
            "external_id": external_id,
        },
    ).first()


def latest_of_contact(session: Session, *, inbox_id: int, contact_id: int) -> int | None:
    """The contact's conversation in the inbox a new customer message belongs to: the newest
    one not resolved, else the newest (the reopen rule decides about that one)."""
    return session.execute(
        select(Conversation.id)
        .where(Conversation.contact_id == contact_id, Conversation.inbox_id == inbox_id)
        .order_by((Conversation.status == "resolved").asc(), Conversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def update_message(session: Session, *, message_id: int, **values: Any) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(**values))


def reset_failed_delivery(session: Session, *, message_id: int) -> bool:
    """A failed outgoing message back to pending, unless it is no longer failed (two agents
    retrying at once: the second finds it pending and changes nothing). The provider's id of
    the failed send goes too: the new send has its own, which its status reports carry."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.delivery_status == "failed")
        .values(delivery_status="pending", delivery_error=None, external_id=None)
    )
    return bool(rowcount(result))


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


def get_label(session: Session, *, workspace_id: int, label_id: int) -> Label | None:
    return session.execute(
        select(Label).where(Label.id == label_id, Label.workspace_id == workspace_id)
    ).scalar_one_or_none()


def delete_label(session: Session, *, label_id: int) -> int:
    """Delete a label and take it off every conversation; how many conversations had it."""
    # Explicit rather than left to ON DELETE CASCADE: the count goes into the event.
    removed = rowcount(
        session.execute(delete(ConversationLabel).where(ConversationLabel.label_id == label_id))
    )
    session.execute(delete(Label).where(Label.id == label_id))
    return removed


def get_canned(session: Session, *, workspace_id: int, canned_id: int) -> CannedResponse | None:
    return session.execute(
        select(CannedResponse).where(
            CannedResponse.id == canned_id, CannedResponse.workspace_id == workspace_id
        )
    ).scalar_one_or_none()


def canned_by_short_code(
    session: Session, *, workspace_id: int, short_code: str
) -> CannedResponse | None:
    return session.execute(
        select(CannedResponse).where(
            CannedResponse.workspace_id == workspace_id, CannedResponse.short_code == short_code
        )
    ).scalar_one_or_none()


def delete_canned(session: Session, *, canned_id: int) -> None:
    session.execute(delete(CannedResponse).where(CannedResponse.id == canned_id))


def of_contact(session: Session, *, workspace_id: int, contact_id: int) -> list[Conversation]:
    return list(
        session.execute(
            select(Conversation)
            .where(Conversation.workspace_id == workspace_id, Conversation.contact_id == contact_id)
            .order_by(Conversation.id)
        ).scalars()
    )


def count_by_contact(
    session: Session, *, workspace_id: int, contact_ids: Iterable[int]
) -> dict[int, int]:
    ids = sorted(set(contact_ids))
    counts = dict.fromkeys(ids, 0)
    if ids:
        for contact_id, n in session.execute(
            select(Conversation.contact_id, func.count())
            .where(Conversation.workspace_id == workspace_id, Conversation.contact_id.in_(ids))
            .group_by(Conversation.contact_id)
        ):
            counts[contact_id] = int(n)
    return counts


def settle_pending_deliveries(
    session: Session, *, workspace_id: int, before: datetime, status: str
) -> int:
    """Replies of a seeded or imported past still waiting for a channel: given `status`."""
    result = session.execute(
        update(Message)
        .where(
            Message.workspace_id == workspace_id,
            Message.delivery_status == "pending",
            Message.created_at < before,
        )
        .values(delivery_status=status)
    )
    return rowcount(result)
