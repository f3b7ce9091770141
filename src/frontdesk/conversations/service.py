"""Use cases of conversations and messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.orm import Session

from frontdesk.channels import registry as channel_registry
from frontdesk.channels.base import DELIVER_JOB
from frontdesk.contacts import service as contacts_service
from frontdesk.conversations import repository
from frontdesk.conversations.models import Attachment, Conversation, Message
from frontdesk.conversations.repository import ConversationFilter
from frontdesk.conversations.rules import (
    DEFAULT_REOPEN_WINDOW,
    ConversationStatus,
    CustomerMessageOutcome,
    InvalidTransition,
    check_transition,
    is_unread,
    on_customer_message,
    snooze_due,
)
from frontdesk.conversations.schemas import (
    AssignmentChange,
    AttachmentOut,
    BulkAddLabel,
    BulkAssign,
    BulkItemResult,
    BulkProblem,
    BulkRequest,
    BulkResult,
    CannedResponseOut,
    CannedResponseUpdate,
    ContactConversationsPage,
    ConversationCounts,
    ConversationCreate,
    ConversationOut,
    ConversationSort,
    ConversationUpdate,
    LabelOut,
    LabelUpdate,
    MessageCreate,
    MessageKind,
    MessageOut,
    PostedMessage,
    ReadMark,
    StatusChange,
)
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Problem, TooLarge, Unprocessable
from frontdesk.core.pagination import Page, decode_cursor, encode_cursor
from frontdesk.core.principal import Principal, Role
from frontdesk.inboxes import service as inbox_service
from frontdesk.notifications import service as notifications
from frontdesk.notifications.rules import mentioned_user_ids
from frontdesk.outbox import service as outbox
from frontdesk.team import service as team_service

_TIME = TypeAdapter(datetime | None)


def _json_time(value: datetime | None) -> str | None:
    """A time as the API writes it, so an event's fields equal what a GET returns."""
    text: str | None = _TIME.dump_python(value, mode="json")
    return text


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = 64 * 1024
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW
    # A channel's rules for what may be sent now (WhatsApp's 24-hour window). Off only when
    # replaying a past that happened elsewhere (the demo seed, imports).
    channel_rules: bool = True


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file already saved to storage, to be attached to a message."""

    file_name: str
    content_type: str
    size: int
    storage_key: str


# ---------------------------------------------------------------------------------- reading
def _out(
    session: Session,
    conversations: list[Conversation],
    *,
    read_at: dict[int, datetime | None] | None = None,
) -> list[ConversationOut]:
    """The API's shape of the conversations; `read_at` (conversation id to when the asking user
    last read it) fills in `unread`, left null without it (events go to many users)."""
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    workspace_id = conversations[0].workspace_id
    contacts = contacts_service.summaries(
        session, workspace_id=workspace_id, contact_ids=[c.contact_id for c in conversations]
    )
    labels = repository.labels_of(session, conversation_ids=ids)
    participants = repository.participants_of(session, conversation_ids=ids)
    return [
        ConversationOut(
            id=c.id,
            number=c.number,
            inbox_id=c.inbox_id,
            contact=contacts[c.contact_id],
            subject=c.subject,
            status=c.status,
            priority=c.priority,
            type=c.type,
            assignee_id=c.assignee_id,
            team_id=c.team_id,
            labels=labels[c.id],
            participant_ids=participants[c.id],
            snoozed_until=c.snoozed_until,
            custom_attributes=dict(c.custom_attributes),
            created_at=c.created_at,
            last_activity_at=c.last_activity_at,
            waiting_since=c.waiting_since,
            first_reply_at=c.first_reply_at,
            resolved_at=c.resolved_at,
            message_count=c.message_count,
            last_incoming_at=c.last_incoming_at,
            unread=None
            if read_at is None
            else is_unread(last_incoming_at=c.last_incoming_at, last_read_at=read_at.get(c.id)),
        )
        for c in conversations
    ]


def _one_out(session: Session, conversation: Conversation) -> ConversationOut:
    return _out(session, [conversation])[0]


def _visible(session: Session, *, principal: Principal, conversation_id: int) -> Conversation:
    conversation = repository.get(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    if conversation is None or not _can_see(session, principal, conversation):
        # The same answer whether it does not exist or is not yours: ids reveal nothing.
        raise NotFound(f"no conversation {conversation_id} visible to you")
    return conversation


def _can_see(session: Session, principal: Principal, conversation: Conversation | Row[Any]) -> bool:
    return repository.can_see(
        session,
        user_id=principal.user_id,
        role=principal.role.value,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
    )


def participations(session: Session, *, principal: Principal) -> set[int]:
    """Conversations the user was invited into, whatever their inboxes."""
    return repository.participations(session, user_id=principal.user_id)


def get_conversation(
    session: Session, *, principal: Principal, conversation_id: int
) -> ConversationOut:
    conversation = _visible(session, principal=principal, conversation_id=conversation_id)
    reads = repository.read_times(
        session, user_id=principal.user_id, conversation_ids=[conversation.id]
    )
    return _out(session, [conversation], read_at=dict(reads))[0]


def _list_filter(
    session: Session,
    *,
    principal: Principal,
    statuses: list[str],
    assignee: str | None = None,
    team_id: int | None = None,
    my_teams: bool = False,
    mentioned: bool = False,
    inbox_id: int | None = None,
    label: str | None = None,
    type: str | None = None,
    priority: str | None = None,
    contact_id: int | None = None,
    q: str | None = None,
) -> ConversationFilter:
    """What the asking user may see, narrowed by the list's filters."""
    inbox_ids = (
        None if principal.is_admin else team_service.visible_inbox_ids(session, principal=principal)
    )
    assignee_id: int | None = None
    if assignee == "me":
        assignee_id = principal.user_id
    elif assignee not in (None, "none"):
        if not assignee.isdecimal():
            raise Unprocessable("assignee_id must be a user id, 'me' or 'none'")
        assignee_id = int(assignee)
    return ConversationFilter(
        workspace_id=principal.workspace_id,
        inbox_ids=inbox_ids,
        participant_user_id=None if principal.is_admin else principal.user_id,
        statuses=statuses,
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        team_id=team_id,
        inbox_id=inbox_id,
        label=label,
        type=type,
        priority=priority,
        contact_id=contact_id,
        q=q or None,
        teams_of_user_id=principal.user_id if my_teams else None,
        mentioned_user_id=principal.user_id if mentioned else None,
    )


def list_conversations(
    session: Session,
    *,
    principal: Principal,
    statuses: list[str],
    assignee: str | None,
    team_id: int | None,
    inbox_id: int | None,
    label: str | None,
    type: str | None,
    priority: str | None,
    contact_id: int | None,
    q: str | None,
    sort: ConversationSort,
    cursor: str | None,
    limit: int,
    my_teams: bool = False,
    mentioned: bool = False,
) -> Page[ConversationOut]:
    where = _list_filter(
        session,
        principal=principal,
        statuses=statuses,
        assignee=assignee,
        team_id=team_id,
        my_teams=my_teams,
        mentioned=mentioned,
        inbox_id=inbox_id,
        label=label,
        type=type,
        priority=priority,
        contact_id=contact_id,
        q=q,
    )
    after = None
    if cursor:
        key, last_id = decode_cursor(cursor, arity=2)
        try:
            after = (datetime.fromisoformat(key), int(last_id))
            if after[0].tzinfo is None:
                raise ValueError("a cursor's time has a time zone")
        except (TypeError, ValueError) as exc:
            raise Unprocessable(
                "the cursor is not one this API returned", title="Bad cursor"
            ) from exc
    rows = repository.search(
        session,
        where=where,
        sort=sort.value,
        after=after,
        limit=limit + 1,
        reader_id=principal.user_id,
    )
    page = [conversation for conversation, _ in rows[:limit]]
    read_at = {conversation.id: read for conversation, read in rows[:limit]}
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        key_value = {
            "last_activity": last.last_activity_at,
            "newest": last.created_at,
            "longest_waiting": last.waiting_since,
        }[sort.value]
        assert key_value is not None
        next_cursor = encode_cursor([key_value.isoformat(), last.id])
    return Page(items=_out(session, page, read_at=read_at), next_cursor=next_cursor)


def view_counts(
    session: Session,
    *,
    principal: Principal,
    statuses: list[str],
    team_id: int | None = None,
    inbox_id: int | None = None,
    label: str | None = None,
    type: str | None = None,
    priority: str | None = None,
) -> ConversationCounts:
    """The number behind each built-in view (Mine, Unassigned, My teams, All, Mentions) under
    the same filters as the list; open conversations when no status is given."""
    where = _list_filter(
        session,
        principal=principal,
        statuses=statuses or [ConversationStatus.OPEN.value],
        team_id=team_id,
        inbox_id=inbox_id,
        label=label,
        type=type,
        priority=priority,
    )
    counts = repository.view_counts(session, where=where, user_id=principal.user_id)
    return ConversationCounts(**counts)


def contact_conversations(
    session: Session, *, principal: Principal, contact_id: int, cursor: str | None, limit: int
) -> ContactConversationsPage:
    """A contact's history across every channel, as far as the caller may see it, and how many
    more conversations there are in inboxes they do not work (a count reveals no content)."""
    contacts_service.require_contact(
        session, workspace_id=principal.workspace_id, contact_id=contact_id
    )
    page = list_conversations(
        session,
        principal=principal,
        statuses=[],
        assignee=None,
        team_id=None,
        inbox_id=None,
        label=None,
        type=None,
        priority=None,
        contact_id=contact_id,
        q=None,
        sort=ConversationSort.last_activity,
        cursor=cursor,
        limit=limit,
    )
    hidden = 0
    if not principal.is_admin:
        hidden = repository.count_hidden_of_contact(
            session,
            workspace_id=principal.workspace_id,
            contact_id=contact_id,
            inbox_ids=team_service.visible_inbox_ids(session, principal=principal),
            user_id=principal.user_id,
        )
    return ContactConversationsPage(
        items=page.items, next_cursor=page.next_cursor, hidden_count=hidden
    )


def hidden_count_of_contact(session: Session, *, principal: Principal, contact_id: int) -> int:
    """How many of a contact's conversations the caller may not see (0 for admins)."""
    if principal.is_admin:
        return 0
    return repository.count_hidden_of_contact(
        session,
        workspace_id=principal.workspace_id,
        contact_id=contact_id,
        inbox_ids=team_service.visible_inbox_ids(session, principal=principal),
        user_id=principal.user_id,
    )


def conversation_counts(
    session: Session, *, workspace_id: int, contact_ids: list[int]
) -> dict[int, int]:
    """How many conversations each contact has (a count, whoever may see them)."""
    return repository.count_by_contact(session, workspace_id=workspace_id, contact_ids=contact_ids)


def move_contact_conversations(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    from_contact_id: int,
    to_contact_id: int,
    actor_user_id: int | None,
) -> list[int]:
    """Contacts merged: every conversation of one becomes the other's, each recorded as a
    `conversation.updated` (changed: contact) so open lists and timelines follow. The ids
    moved are returned."""
    moved = repository.of_contact(
        uow.session, workspace_id=workspace_id, contact_id=from_contact_id
    )
    for conversation in moved:
        conversation.contact_id = to_contact_id
    uow.session.flush()
    for conversation, out in zip(moved, _out(uow.session, moved), strict=True):
        uow.record(
            "conversation.updated",
            workspace_id=workspace_id,
            inbox_id=conversation.inbox_id,
            conversation_id=conversation.id,
            actor_user_id=actor_user_id,
            data={**out.model_dump(mode="json"), "changed": ["contact"]},
        )
    return [c.id for c in moved]


def _message_out(message: Message, attachments: list[Attachment]) -> MessageOut:
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        inbox_id=message.inbox_id,
        kind=message.kind,
        private=message.kind == "note",
        sender_type=message.sender_type,
        sender_id=message.sender_id,
        content=message.content,
        content_attributes=dict(message.content_attributes),
        external_id=message.external_id,
        delivery_status=message.delivery_status,
        delivery_error=message.delivery_error,
        attachments=[_attachment_out(a) for a in attachments],
        created_at=message.created_at,
    )


def _attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.id,
        file_name=a.file_name,
        content_type=a.content_type,
        size=a.size,
        url=f"/api/v1/attachments/{a.id}",
    )


def list_messages(
    session: Session,
    *,
    principal: Principal,
    conversation_id: int,
    before_id: int | None,
    after_id: int | None,
    limit: int,
) -> Page[MessageOut]:
    _visible(session, principal=principal, conversation_id=conversation_id)
    rows = repository.messages(
        session,
        conversation_id=conversation_id,
        before_id=before_id,
        after_id=after_id,
        limit=limit + 1,
    )
    has_more = len(rows) > limit
    if has_more:
        # Newest-first windows drop the oldest extra row; oldest-first ones the newest.
        rows = rows[1:] if after_id is None else rows[:limit]
    attachments = repository.attachments_of(session, message_ids=[m.id for m in rows])
    items = [_message_out(m, attachments[m.id]) for m in rows]
    next_cursor = None
    if has_more and rows:
        next_cursor = str(rows[0].id if after_id is None else rows[-1].id)
    return Page(items=items, next_cursor=next_cursor)


def get_attachment(session: Session, *, principal: Principal, attachment_id: int) -> Attachment:
    attachment = repository.get_attachment(
        session, workspace_id=principal.workspace_id, attachment_id=attachment_id
    )
    if attachment is not None:
        message = repository.get_message(
            session, workspace_id=principal.workspace_id, message_id=attachment.message_id
        )
        if message is not None:
            _visible(session, principal=principal, conversation_id=message.conversation_id)
            return attachment
    raise NotFound(f"no attachment {attachment_id} visible to you")


# ---------------------------------------------------------------------------------- writing
def _record_conversation(
    uow: UnitOfWork,
    event: str,
    conversation: Conversation,
    *,
    actor: int | None,
    extra: dict[str, Any] | None = None,
) -> ConversationOut:
    """Record a conversation event carrying its new state; that state is returned."""
    out = _one_out(uow.session, conversation)
    data = out.model_dump(mode="json")
    if extra:
        data = {**data, **extra}
    uow.record(
        event,
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        actor_user_id=actor,
        data=data,
    )
    return out


def _system_message(
    uow: UnitOfWork,
    conversation: Conversation,
    content: str,
    attributes: dict[str, Any],
    *,
    actor: int | None,
) -> None:
    """An inline timeline entry (assigned, status, labels) that the agent UI translates."""
    now = uow.now()
    message_id = repository.insert_message(
        uow.session,
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        kind="system",
        sender_type="system" if actor is None else "user",
        sender_id=actor,
        content=content,
        content_attributes=attributes,
        created_at=now,
    )
    out = MessageOut(
        id=message_id,
        conversation_id=conversation.id,
        inbox_id=conversation.inbox_id,
        kind=MessageKind.system,
        private=False,
        sender_type="system" if actor is None else "user",
        sender_id=actor,
        content=content,
        content_attributes=attributes,
        external_id=None,
        delivery_status=None,
        created_at=now,
    )
    uow.record(
        "message.created",
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        actor_user_id=actor,
        data=out.model_dump(mode="json"),
    )


def _set_labels(uow: UnitOfWork, conversation: Conversation, names: list[str]) -> None:
    found = repository.labels_by_name(
        uow.session, workspace_id=conversation.workspace_id, names=names
    )
    missing = sorted(set(names) - found.keys())
    if missing:
        raise Unprocessable(f"no labels {missing} in this workspace; create them first")
    repository.set_labels(uow.session, conversation_id=conversation.id, label_ids=found.values())


def _check_assignee(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    assignee_id: int | None,
    team_id: int | None,
) -> None:
    if team_id is not None and not team_service.team_exists(
        uow.session, workspace_id=workspace_id, team_id=team_id
    ):
        raise Unprocessable(f"no team {team_id} in this workspace")
    if assignee_id is None:
        return
    users = team_service.users_by_ids(
        uow.session, workspace_id=workspace_id, user_ids=[assignee_id]
    )
    if not users or not users[0].is_active:
        raise Unprocessable(f"no active user {assignee_id} in this workspace")
    user = users[0]
    assignee = Principal(
        user_id=user.id, workspace_id=workspace_id, role=Role(user.role), via="assignment"
    )
    if not assignee.is_admin and inbox_id not in team_service.visible_inbox_ids(
        uow.session, principal=assignee
    ):
        raise Unprocessable(f"{user.name} is not a member of this conversation's inbox")


def create_conversation(
    uow: UnitOfWork, *, principal: Principal, data: ConversationCreate, limits: Limits
) -> ConversationOut:
    inbox = inbox_service.require_visible(uow.session, principal=principal, inbox_id=data.inbox_id)
    if (data.contact_id is None) == (data.contact is None):
        raise Unprocessable("give exactly one of contact_id and contact")
    if data.contact_id is not None:
        contact_id = contacts_service.require_contact(
            uow.session, workspace_id=principal.workspace_id, contact_id=data.contact_id
        ).id
    else:
        assert data.contact is not None
        contact_id = contacts_service.resolve_contact(
            uow, workspace_id=principal.workspace_id, data=data.contact
        )
    if data.status not in (
        ConversationStatus.OPEN,
        ConversationStatus.BOT,
        ConversationStatus.PENDING,
    ):
        raise Unprocessable("a new conversation starts as open, bot or pending")
    _check_assignee(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=inbox.id,
        assignee_id=data.assignee_id,
        team_id=data.team_id,
    )
    attributes = contacts_service.checked_attributes(
        uow.session,
        workspace_id=principal.workspace_id,
        applies_to="conversation",
        values=data.custom_attributes,
    )
    conversation = _new_conversation(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=inbox.id,
        contact_id=contact_id,
        status=data.status.value,
        subject=data.subject,
        priority=data.priority.value,
        type=data.type.value,
        assignee_id=data.assignee_id,
        team_id=data.team_id,
        custom_attributes=attributes,
    )
    if data.labels:
        _set_labels(uow, conversation, data.labels)
    _record_conversation(uow, "conversation.created", conversation, actor=principal.user_id)
    if data.assignee_id is not None:
        _after_assignment(
            uow, conversation, previous_assignee=None, previous_team=None, actor=principal.user_id
        )
    if data.message is not None:
        post_message(
            uow,
            principal=principal,
            conversation_id=conversation.id,
            limits=limits,
            data=MessageCreate(
                content=data.message.content,
                message_type=data.message.message_type,
                external_id=data.message.external_id,
            ),
            files=[],
        )
        uow.session.refresh(conversation)
    return _one_out(uow.session, conversation)


def _new_conversation(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    contact_id: int,
    status: str,
    **fields: Any,
) -> Conversation:
    now = uow.now()
    number = team_service.next_conversation_number(uow.session, workspace_id=workspace_id)
    return repository.add(
        uow.session,
        workspace_id=workspace_id,
        number=number,
        inbox_id=inbox_id,
        contact_id=contact_id,
        status=status,
        created_at=now,
        last_activity_at=now,
        message_count=0,
        snoozed_until=None,
        waiting_since=None,
        first_reply_at=None,
        resolved_at=None,
        **{"custom_attributes": {}, **fields},
    )


def update_conversation(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, data: ConversationUpdate
) -> ConversationOut:
    conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return _one_out(uow.session, conversation)
    for key in ("subject", "priority", "type"):
        if key in changes:
            setattr(conversation, key, str(changes[key]))
    if data.custom_attributes is not None:
        merged = dict(conversation.custom_attributes)
        merged.update(
            contacts_service.checked_attributes(
                uow.session,
                workspace_id=principal.workspace_id,
                applies_to="conversation",
                values=data.custom_attributes,
            )
        )
        conversation.custom_attributes = {k: v for k, v in merged.items() if v is not None}
    if data.labels is not None:
        before = repository.labels_of(uow.session, conversation_ids=[conversation.id])
        _set_labels(uow, conversation, data.labels)
        if sorted(set(data.labels)) != before[conversation.id]:
            _system_message(
                uow,
                conversation,
                "labels changed",
                {
                    "event": "labels_changed",
                    "labels": sorted(set(data.labels)),
                    "previous": before[conversation.id],
                },
                actor=principal.user_id,
            )
    uow.session.flush()
    return _record_conversation(
        uow,
        "conversation.updated",
        conversation,
        actor=principal.user_id,
        extra={"changed": sorted(changes)},
    )


def change_status(
    uow: UnitOfWork,
    *,
    principal: Principal | None,
    conversation_id: int,
    data: StatusChange,
    workspace_id: int | None = None,
) -> ConversationOut:
    if principal is not None:
        conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
    else:
        assert workspace_id is not None
        found = repository.get(
            uow.session, workspace_id=workspace_id, conversation_id=conversation_id
        )
        if found is None:
            raise NotFound(f"no conversation {conversation_id}")
        conversation = found
    changed = _transition(
        uow,
        conversation,
        ConversationStatus(data.status),
        snoozed_until=data.snoozed_until,
        actor=principal.user_id if principal else None,
    )
    return changed or _one_out(uow.session, conversation)


def _transition(
    uow: UnitOfWork,
    conversation: Conversation,
    target: ConversationStatus,
    *,
    snoozed_until: datetime | None,
    actor: int | None,
    reason: str | None = None,
) -> ConversationOut | None:
    current = ConversationStatus(conversation.status)
    try:
        changed = check_transition(current, target, snoozed_until=snoozed_until, now=uow.now())
    except InvalidTransition as exc:
        raise Conflict(str(exc), title="Invalid status transition") from exc
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    if not changed:
        return None
    now = uow.now()
    conversation.status = target.value
    conversation.snoozed_until = snoozed_until if target is ConversationStatus.SNOOZED else None
    if target is ConversationStatus.RESOLVED:
        conversation.resolved_at = now
        conversation.waiting_since = None
    conversation.last_activity_at = now
    uow.session.flush()
    attributes: dict[str, Any] = {
        "event": "status_changed",
        "from": current.value,
        "to": target.value,
    }
    if snoozed_until is not None:
        attributes["snoozed_until"] = snoozed_until.isoformat()
    if reason:
        attributes["reason"] = reason
    _system_message(
        uow,
        conversation,
        f"status changed from {current.value} to {target.value}",
        attributes,
        actor=actor,
    )
    out = _record_conversation(
        uow,
        "conversation.status_changed",
        conversation,
        actor=actor,
        extra={"previous_status": current.value},
    )
    if target is ConversationStatus.RESOLVED:
        # The channel's durable work at a resolution (the widget's survey), in this transaction.
        channel_registry.resolved(
            uow,
            inbox=inbox_service.channel_inbox_by_id(
                uow.session, workspace_id=conversation.workspace_id, inbox_id=conversation.inbox_id
            ),
            conversation_id=conversation.id,
            assignee_id=conversation.assignee_id,
            resolved_at=now,
        )
    if target is ConversationStatus.SNOOZED and snoozed_until is not None:
        # The wake-up is durable work: it survives restarts and runs on any worker.
        outbox.enqueue(
            uow,
            kind="conversation.wake",
            workspace_id=conversation.workspace_id,
            payload={
                "conversation_id": conversation.id,
                "snoozed_until": snoozed_until.isoformat(),
            },
            idempotency_key=f"wake:{conversation.id}:{snoozed_until.isoformat()}",
            run_at=snoozed_until,
        )
    return out


def settle_seeded_deliveries(uow: UnitOfWork, *, workspace_id: int, before: datetime) -> int:
    """A seeded or imported past's replies were delivered long ago: never shown "Sending…"
    (their delivery jobs are closed unrun, like the past's e-mails)."""
    return repository.settle_pending_deliveries(
        uow.session, workspace_id=workspace_id, before=before, status="delivered"
    )


def wake_if_due(uow: UnitOfWork, *, workspace_id: int, conversation_id: int) -> bool:
    """Run by the snooze job: open the conversation again if it is still snoozed and due."""
    conversation = repository.get(
        uow.session, workspace_id=workspace_id, conversation_id=conversation_id
    )
    if conversation is None or conversation.snoozed_until is None:
        return False
    if not snooze_due(
        ConversationStatus(conversation.status),
        snoozed_until=conversation.snoozed_until,
        now=uow.now(),
    ):
        return False
    woken = _transition(
        uow,
        conversation,
        ConversationStatus.OPEN,
        snoozed_until=None,
        actor=None,
        reason="snooze ended",
    )
    return woken is not None


def assign(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, data: AssignmentChange
) -> ConversationOut:
    conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
    fields = data.model_fields_set
    assignee_id = data.assignee_id if "assignee_id" in fields else conversation.assignee_id
    team_id = data.team_id if "team_id" in fields else conversation.team_id
    _check_assignee(
        uow,
        workspace_id=principal.workspace_id,
        inbox_id=conversation.inbox_id,
        assignee_id=assignee_id if assignee_id != conversation.assignee_id else None,
        team_id=team_id if team_id != conversation.team_id else None,
    )
    previous_assignee, previous_team = conversation.assignee_id, conversation.team_id
    if (assignee_id, team_id) == (previous_assignee, previous_team):
        return _one_out(uow.session, conversation)
    conversation.assignee_id, conversation.team_id = assignee_id, team_id
    conversation.last_activity_at = uow.now()
    uow.session.flush()
    return _after_assignment(
        uow,
        conversation,
        previous_assignee=previous_assignee,
        previous_team=previous_team,
        actor=principal.user_id,
    )


def _after_assignment(
    uow: UnitOfWork,
    conversation: Conversation,
    *,
    previous_assignee: int | None,
    previous_team: int | None,
    actor: int | None,
) -> ConversationOut:
    attributes = {
        "event": "assigned",
        "assignee_id": conversation.assignee_id,
        "previous_assignee_id": previous_assignee,
        "team_id": conversation.team_id,
        "previous_team_id": previous_team,
    }
    _system_message(uow, conversation, "assignment changed", attributes, actor=actor)
    out = _record_conversation(
        uow,
        "conversation.assigned",
        conversation,
        actor=actor,
        extra={"previous_assignee_id": previous_assignee, "previous_team_id": previous_team},
    )
    if (
        conversation.assignee_id is not None
        and conversation.assignee_id != previous_assignee
        and conversation.assignee_id != actor
    ):
        notifications.notify_assignment(
            uow,
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            number=conversation.number,
            user_id=conversation.assignee_id,
            actor_user_id=actor,
        )
    return out


def add_participant(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, user_id: int
) -> ConversationOut:
    conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
    team_service.check_users_exist(
        uow.session, workspace_id=principal.workspace_id, user_ids=[user_id]
    )
    if repository.add_participant(
        uow.session, conversation_id=conversation.id, user_id=user_id, now=uow.now()
    ):
        _system_message(
            uow,
            conversation,
            "participant added",
            {"event": "participant_added", "user_id": user_id},
            actor=principal.user_id,
        )
        return _record_conversation(
            uow, "conversation.participants_changed", conversation, actor=principal.user_id
        )
    return _one_out(uow.session, conversation)


def remove_participant(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, user_id: int
) -> ConversationOut:
    conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
    if not repository.remove_participant(
        uow.session, conversation_id=conversation.id, user_id=user_id
    ):
        raise NotFound(f"user {user_id} is not a participant of this conversation")
    _system_message(
        uow,
        conversation,
        "participant removed",
        {"event": "participant_removed", "user_id": user_id},
        actor=principal.user_id,
    )
    return _record_conversation(
        uow, "conversation.participants_changed", conversation, actor=principal.user_id
    )


def post_message(
    uow: UnitOfWork,
    *,
    principal: Principal,
    conversation_id: int,
    data: MessageCreate,
    files: list[StoredFile],
    limits: Limits,
    external_id_checked: bool = False,
    conversation_row: Row[Any] | None = None,
) -> PostedMessage:
    """Post a customer message, an agent reply or a private note (hot path: few queries).
    `external_id_checked`: the caller already knows no message has this external id;
    `conversation_row`: the conversation as visible_conversation_row reads it, when the caller
    read it already in this transaction (a channel's customer_thread)."""
    if len(data.content) > limits.max_message_chars:
        raise TooLarge(
            f"the message has {len(data.content)} characters; the limit is "
            f"{limits.max_message_chars}"
        )
    if not data.content.strip() and not files:
        raise Unprocessable("a message needs content or an attachment")
    kind = MessageKind.note if data.private else data.message_type
    if kind is MessageKind.system:
        raise Unprocessable(
            "system messages are written by the desk itself; post incoming or outgoing "
            "messages, bot messages or private notes"
        )
    if data.private and data.message_type is MessageKind.incoming:
        raise Unprocessable("a customer message cannot be private")
    conversation: Conversation | Row[Any] | None = conversation_row
    if conversation is None:
        conversation = repository.visible_conversation_row(
            uow.session,
            workspace_id=principal.workspace_id,
            conversation_id=conversation_id,
            user_id=principal.user_id,
            role=principal.role.value,
        )
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} visible to you")
    if data.external_id is not None and not external_id_checked:
        existing = repository.message_by_external_id(
            uow.session, inbox_id=conversation.inbox_id, external_id=data.external_id
        )
        if existing is not None:
            # Idempotent: the same external id posted twice is the same message.
            attachments = repository.attachments_of(uow.session, message_ids=[existing.id])
            return PostedMessage(**_message_out(existing, attachments[existing.id]).model_dump())
    now = uow.now()
    new_conversation = False
    if kind is MessageKind.incoming:
        outcome = on_customer_message(
            ConversationStatus(conversation.status),
            resolved_at=conversation.resolved_at,
            now=now,
            reopen_window=limits.reopen_window,
        )
        if outcome is CustomerMessageOutcome.NEW_CONVERSATION:
            conversation = _new_conversation(
                uow,
                workspace_id=conversation.workspace_id,
                inbox_id=conversation.inbox_id,
                contact_id=conversation.contact_id,
                status=ConversationStatus.OPEN.value,
                subject=conversation.subject,
                priority="normal",
                type=conversation.type,
                assignee_id=None,
                team_id=None,
            )
            _record_conversation(
                uow,
                "conversation.created",
                conversation,
                actor=None,
                extra={"previous_conversation_id": conversation_id},
            )
            new_conversation = True
        elif outcome is not CustomerMessageOutcome.APPEND:
            conversation = _visible(
                uow.session, principal=principal, conversation_id=conversation_id
            )
            _transition(
                uow,
                conversation,
                ConversationStatus.OPEN,
                snoozed_until=None,
                actor=None,
                reason="customer replied",
            )

    # Only a public message written by an agent is a human reply (bot messages never are).
    is_agent_reply = kind is MessageKind.outgoing
    sender_type = {MessageKind.incoming: "contact", MessageKind.bot: "bot"}.get(kind, "user")
    sender_id = conversation.contact_id if kind is MessageKind.incoming else principal.user_id
    delivery_status = "sent" if kind in (MessageKind.outgoing, MessageKind.bot) else None
    # A reply in a messenger's inbox is sent by the channel.deliver job; until then, pending.
    deliver = delivery_status is not None and channel_registry.has_sender(
        getattr(conversation, "channel_type", None)
    )
    if deliver:
        delivery_status = "pending"
        # A channel may refuse it now (WhatsApp: only templates 24 hours after the customer).
        refusal = channel_registry.reply_refusal(
            getattr(conversation, "channel_type", None),
            last_customer_message_at=conversation.last_incoming_at,
            now=now,
            content_attributes=data.content_attributes,
        )
        if refusal is not None and limits.channel_rules:
            raise refusal
    message_id = repository.insert_message(
        uow.session,
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        kind=kind.value,
        sender_type=sender_type,
        sender_id=sender_id,
        content=data.content,
        content_attributes=data.content_attributes,
        external_id=data.external_id,
        delivery_status=delivery_status,
        created_at=now,
    )
    attachment_rows = [
        {
            "workspace_id": conversation.workspace_id,
            "message_id": message_id,
            "file_name": f.file_name,
            "content_type": f.content_type,
            "size": f.size,
            "storage_key": f.storage_key,
            "created_at": now,
        }
        for f in files
    ]
    attachment_ids = repository.insert_attachments(uow.session, attachment_rows)

    updates: dict[str, Any] = {
        "last_activity_at": now,
        "message_count": conversation.message_count + 1,
    }
    if kind is MessageKind.incoming:
        updates["last_incoming_at"] = now
        if conversation.waiting_since is None:
            updates["waiting_since"] = now
    if is_agent_reply:
        updates["waiting_since"] = None
        if conversation.first_reply_at is None:
            updates["first_reply_at"] = now
    repository.update_conversation(uow.session, conversation_id=conversation.id, **updates)
    waiting_since = updates.get("waiting_since", conversation.waiting_since)
    first_reply_at = updates.get("first_reply_at", conversation.first_reply_at)

    out = PostedMessage(
        id=message_id,
        conversation_id=conversation.id,
        inbox_id=conversation.inbox_id,
        kind=kind,
        private=kind is MessageKind.note,
        sender_type=sender_type,
        sender_id=sender_id,
        content=data.content,
        content_attributes=data.content_attributes,
        external_id=data.external_id,
        delivery_status=delivery_status,
        attachments=[
            AttachmentOut(
                id=i,
                file_name=f.file_name,
                content_type=f.content_type,
                size=f.size,
                url=f"/api/v1/attachments/{i}",
            )
            for i, f in zip(attachment_ids, files, strict=True)
        ],
        created_at=now,
        new_conversation=new_conversation,
    )
    event_data = out.model_dump(mode="json", exclude={"new_conversation"})
    event_data["conversation"] = {
        "id": conversation.id,
        "number": conversation.number,
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "last_activity_at": _json_time(now),
        "message_count": updates["message_count"],
        "waiting_since": _json_time(waiting_since),
        "first_reply_at": _json_time(first_reply_at),
        "last_incoming_at": _json_time(
            updates.get("last_incoming_at", conversation.last_incoming_at)
        ),
    }
    uow.record(
        "message.created",
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        # 0 is the desk itself (a channel receiving a customer message): no user acted.
        actor_user_id=principal.user_id or None,
        data=event_data,
    )
    if deliver:
        outbox.enqueue(
            uow,
            kind=DELIVER_JOB,
            workspace_id=conversation.workspace_id,
            payload={"message_id": message_id},
            idempotency_key=f"{DELIVER_JOB}:{message_id}",
        )
    if kind in (MessageKind.outgoing, MessageKind.bot):
        # The channel's durable work for a public reply (the widget: mail it to a visitor who
        # left the offline form), in this transaction.
        channel_registry.replied(
            getattr(conversation, "channel_type", None),
            uow,
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            message_id=message_id,
        )
    if kind is MessageKind.note:
        mentioned = mentioned_user_ids(data.content)
        if mentioned:
            # Stored for the Mentions view in the note's own transaction.
            repository.add_mentions(
                uow.session,
                workspace_id=conversation.workspace_id,
                conversation_id=conversation.id,
                message_id=message_id,
                user_ids=[u for u in mentioned if u != principal.user_id],
                created_at=now,
            )
            notifications.notify_mentions(
                uow,
                workspace_id=conversation.workspace_id,
                conversation_id=conversation.id,
                number=conversation.number,
                inbox_id=conversation.inbox_id,
                message_id=message_id,
                content=data.content,
                user_ids=mentioned,
                actor_user_id=principal.user_id,
            )
    return out


# ------------------------------------------------------------------------------ channels
def _desk(workspace_id: int) -> Principal:
    """The desk itself acting for a channel: it sees the whole workspace, and its user id 0
    records no actor on the events."""
    return Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="channel")


@dataclass(frozen=True)
class MessageForDelivery:
    message: MessageOut
    contact_id: int
    subject: str
    files: list[StoredFile]


@dataclass(frozen=True)
class CustomerThread:
    """Where a known customer's new message goes: their contact, the inbox conversation it
    belongs to (None: a new one; as read for post_message), and the message already stored
    under its external id."""

    contact_id: int
    conversation: Row[Any] | None
    existing_message_id: int | None
    # Created in this transaction: nobody else can be writing to them at the same time.
    new_contact: bool = False

    @property
    def conversation_id(self) -> int | None:
        return self.conversation.id if self.conversation is not None else None


def customer_thread(
    session: Session,
    *,
    workspace_id: int,
    inbox_id: int,
    identity: tuple[str, str],
    external_id: str | None,
) -> CustomerThread | None:
    """For a channel identity (kind, normalized value), in one query; None when unknown."""
    row = repository.customer_thread(
        session,
        workspace_id=workspace_id,
        inbox_id=inbox_id,
        kind=identity[0],
        value=identity[1],
        external_id=external_id,
    )
    if row is None:
        return None
    return CustomerThread(
        contact_id=row.identity_contact_id,
        conversation=row if row.id is not None else None,
        existing_message_id=row.stored_message_id,
    )


def _stored(session: Session, message: Message) -> PostedMessage:
    attachments = repository.attachments_of(session, message_ids=[message.id])
    return PostedMessage(**_message_out(message, attachments[message.id]).model_dump())


def receive_customer_message(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    contact_id: int,
    data: MessageCreate,
    files: list[StoredFile],
    limits: Limits,
    conversation_id: int | None = None,
    subject: str = "",
    thread: CustomerThread | None = None,
) -> PostedMessage:
    """The desk receives a customer message from a channel. It goes onto the conversation the
    channel chose (when that is one of this inbox), else the contact's open one in the inbox,
    else their latest (the reopen rule may start a new one), else a new conversation.
    Idempotent by (inbox, external id), like any posted message. `thread`, when the caller
    looked it up in this transaction (customer_thread), saves asking again."""
    data = data.model_copy(update={"message_type": MessageKind.incoming, "private": False})
    if thread is not None and thread.existing_message_id is not None:
        existing = repository.get_message(
            uow.session, workspace_id=workspace_id, message_id=thread.existing_message_id
        )
        if existing is not None:
            return _stored(uow.session, existing)
    target = None
    if conversation_id is not None:
        chosen = repository.get(
            uow.session, workspace_id=workspace_id, conversation_id=conversation_id
        )
        if chosen is not None and chosen.inbox_id == inbox_id:
            target = chosen.id
    if target is None:
        target = (
            thread.conversation_id
            if thread is not None
            else repository.latest_of_contact(uow.session, inbox_id=inbox_id, contact_id=contact_id)
        )
    waited = target is None and not (thread is not None and thread.new_contact)
    if waited:
        # Two first messages of one customer at once (PostgreSQL runs them side by side): the
        # second waits here for the first to commit, then finds what it stored.
        contacts_service.lock_contact(uow.session, workspace_id=workspace_id, contact_id=contact_id)
        target = repository.latest_of_contact(uow.session, inbox_id=inbox_id, contact_id=contact_id)
    if target is None:
        # A new contact may still send a message the inbox has (the same mail from two
        # addresses): only a thread read under this external id has ruled that out.
        if data.external_id is not None and (thread is None or thread.new_contact):
            existing = repository.message_by_external_id(
                uow.session, inbox_id=inbox_id, external_id=data.external_id
            )
            if existing is not None:
                return _stored(uow.session, existing)
        conversation = _new_conversation(
            uow,
            workspace_id=workspace_id,
            inbox_id=inbox_id,
            contact_id=contact_id,
            status=ConversationStatus.OPEN.value,
            subject=subject[:500],
            priority="normal",
            type="question",
            assignee_id=None,
            team_id=None,
        )
        _record_conversation(uow, "conversation.created", conversation, actor=None)
        target = conversation.id
    return post_message(
        uow,
        principal=_desk(workspace_id),
        conversation_id=target,
        data=data,
        files=files,
        limits=limits,
        # Looked up with the thread; after waiting on the contact's lock post_message asks
        # again (the other message may have been this one).
        external_id_checked=thread is not None and not waited,
        conversation_row=(
            thread.conversation if thread is not None and target == thread.conversation_id else None
        ),
    )


def _record_message_updated(uow: UnitOfWork, message: Message, *, changed: list[str]) -> MessageOut:
    uow.session.flush()
    attachments = repository.attachments_of(uow.session, message_ids=[message.id])
    out = _message_out(message, attachments[message.id])
    uow.record(
        "message.updated",
        workspace_id=message.workspace_id,
        inbox_id=message.inbox_id,
        conversation_id=message.conversation_id,
        data={**out.model_dump(mode="json"), "changed": changed},
    )
    return out


def find_message(
    session: Session, *, workspace_id: int, inbox_id: int, external_id: str
) -> MessageOut | None:
    """A message of the inbox by its channel id (a reply's target, a status report's)."""
    message = repository.message_by_external_id(session, inbox_id=inbox_id, external_id=external_id)
    if message is None or message.workspace_id != workspace_id:
        return None
    return _message_out(message, [])


def edit_customer_message(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    inbox_id: int,
    external_id: str,
    content: str,
    content_attributes: dict[str, Any],
) -> tuple[MessageOut, bool] | None:
    """The customer edited a message in their messenger: the new text replaces the stored one,
    the first text stays in content_attributes.original_content. None when the message is not
    stored; (message, False) when the text is already this (a repeated edit)."""
    message = repository.message_by_external_id(
        uow.session, inbox_id=inbox_id, external_id=external_id
    )
    if message is None or message.workspace_id != workspace_id or message.kind != "incoming":
        return None
    if message.content == content:
        attachments = repository.attachments_of(uow.session, message_ids=[message.id])
        return _message_out(message, attachments[message.id]), False
    previous = dict(message.content_attributes)
    merged = {**previous, **content_attributes, "edited": True}
    merged.setdefault("original_content", message.content)
    if "placeholder" not in content_attributes:
        merged.pop("placeholder", None)
    message.content = content
    message.content_attributes = merged
    return _record_message_updated(uow, message, changed=["content"]), True


def message_for_delivery(
    session: Session, *, workspace_id: int, message_id: int
) -> MessageForDelivery | None:
    """An outgoing message with what sending it needs: its files and its customer."""
    message = repository.get_message(session, workspace_id=workspace_id, message_id=message_id)
    if message is None:
        return None
    conversation = repository.get(
        session, workspace_id=workspace_id, conversation_id=message.conversation_id
    )
    if conversation is None:
        return None
    attachments = repository.attachments_of(session, message_ids=[message.id])[message.id]
    return MessageForDelivery(
        message=_message_out(message, attachments),
        contact_id=conversation.contact_id,
        subject=conversation.subject,
        files=[
            StoredFile(
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                storage_key=a.storage_key,
            )
            for a in attachments
        ],
    )


def set_delivery_status(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    message_id: int,
    status: str,
    error: str | None = None,
    external_id: str | None = None,
    content_attributes: dict[str, Any] | None = None,
    when: Callable[[str | None], bool] | None = None,
) -> MessageOut | None:
    """Where an outgoing message is on its way (pending, sent, delivered, read, failed); the
    agents' screens follow through message.updated. `when` may refuse the change, given the
    current status (reports arrive out of order)."""
    message = repository.get_message(uow.session, workspace_id=workspace_id, message_id=message_id)
    if message is None or (when is not None and not when(message.delivery_status)):
        return None
    changed = ["delivery_status"]
    message.delivery_status = status
    message.delivery_error = error[:1000] if error else None
    if external_id is not None and message.external_id is None:
        message.external_id = external_id[:255]
        changed.append("external_id")
    if content_attributes:
        message.content_attributes = {**message.content_attributes, **content_attributes}
    return _record_message_updated(uow, message, changed=changed)


def retry_delivery(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, message_id: int
) -> MessageOut:
    """An agent sends a failed reply again once its cause is fixed: the message's delivery
    job back in the queue with fresh attempts (enqueued if it never had one), the message
    pending again. A deliberate step back, so not through set_delivery_status, whose
    statuses only move forward."""
    conversation = repository.visible_conversation_row(
        uow.session,
        workspace_id=principal.workspace_id,
        conversation_id=conversation_id,
        user_id=principal.user_id,
        role=principal.role.value,
    )
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} visible to you")
    message = repository.get_message(
        uow.session, workspace_id=principal.workspace_id, message_id=message_id
    )
    if message is None or message.conversation_id != conversation.id:
        raise NotFound(f"no message {message_id} in conversation {conversation_id}")
    if message.kind not in (MessageKind.outgoing, MessageKind.bot):
        what = {
            "note": "a private note",
            "incoming": "from the customer",
            "system": "a system entry",
        }
        raise Conflict(
            f"message {message_id} is {what.get(message.kind, message.kind)}: only replies "
            "and bot messages are sent to the customer, so only they can be retried"
        )
    if message.delivery_status != "failed":
        raise Conflict(
            f"message {message_id} is {message.delivery_status or 'not sent by a channel'}, "
            "not failed: only a failed delivery can be retried"
        )
    channel_type = conversation.channel_type
    if not channel_registry.has_sender(channel_type):
        raise Conflict(
            "nothing sends replies from this inbox now (an API inbox without a webhook URL)"
        )
    # Sent now, so the channel's rules of now apply (WhatsApp: 24 hours after the customer).
    refusal = channel_registry.reply_refusal(
        channel_type,
        last_customer_message_at=conversation.last_incoming_at,
        now=uow.now(),
        content_attributes=dict(message.content_attributes),
    )
    if refusal is not None:
        raise refusal
    if not repository.reset_failed_delivery(uow.session, message_id=message.id):
        raise Conflict(f"message {message_id} is already being sent again")
    if not outbox.run_again(
        uow,
        kind=DELIVER_JOB,
        payload={"message_id": message.id},
        idempotency_key=f"{DELIVER_JOB}:{message.id}",
        workspace_id=message.workspace_id,
    ):
        raise Conflict(
            f"an attempt to send message {message_id} is finishing right now; retry in a moment"
        )
    return _record_message_updated(uow, message, changed=["delivery_status"])


def delivery_redelivered(uow: UnitOfWork, workspace_id: int, payload: dict[str, Any]) -> None:
    """An admin put a reply's dead delivery back in the queue (Settings → Deliveries): the
    message is pending again, on every screen, as after an agent's retry."""
    message_id = payload.get("message_id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        return
    message = repository.get_message(uow.session, workspace_id=workspace_id, message_id=message_id)
    if message is not None and repository.reset_failed_delivery(uow.session, message_id=message.id):
        _record_message_updated(uow, message, changed=["delivery_status"])


outbox.ON_REDELIVER[DELIVER_JOB] = delivery_redelivered


def attach_files(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    message_id: int,
    files: list[StoredFile],
    attributes: Callable[[dict[str, Any]], dict[str, Any]],
) -> MessageOut | None:
    """Files of a message that arrive after it (a messenger's photo downloaded later);
    `attributes` gives the message's content attributes from its current ones."""
    message = repository.get_message(uow.session, workspace_id=workspace_id, message_id=message_id)
    if message is None:
        return None
    now = uow.now()
    repository.insert_attachments(
        uow.session,
        [
            {
                "workspace_id": workspace_id,
                "message_id": message_id,
                "file_name": f.file_name,
                "content_type": f.content_type,
                "size": f.size,
                "storage_key": f.storage_key,
                "created_at": now,
            }
            for f in files
        ],
    )
    message.content_attributes = attributes(dict(message.content_attributes))
    return _record_message_updated(uow, message, changed=["attachments"])


# ------------------------------------------------------------------ read marks and bulk actions
def mark_read(uow: UnitOfWork, *, principal: Principal, conversation_id: int) -> ReadMark:
    """The user has read the conversation up to now; their other screens hear of it."""
    conversation = repository.visible_conversation_row(
        uow.session,
        workspace_id=principal.workspace_id,
        conversation_id=conversation_id,
        user_id=principal.user_id,
        role=principal.role.value,
    )
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} visible to you")
    now = uow.now()
    repository.mark_read(
        uow.session,
        workspace_id=principal.workspace_id,
        user_id=principal.user_id,
        conversation_id=conversation.id,
        at=now,
    )
    mark = ReadMark(conversation_id=conversation.id, last_read_at=now, unread=False)
    uow.record(
        "conversation.read",
        workspace_id=principal.workspace_id,
        conversation_id=conversation.id,
        user_ids=[principal.user_id],
        actor_user_id=principal.user_id,
        data=mark.model_dump(mode="json"),
    )
    return mark


def _bulk_one(
    uow: UnitOfWork, *, principal: Principal, conversation_id: int, request: BulkRequest
) -> ConversationOut:
    action = request.action
    if isinstance(action, BulkAssign):
        return assign(
            uow,
            principal=principal,
            conversation_id=conversation_id,
            data=AssignmentChange.model_validate(
                action.model_dump(include=action.model_fields_set - {"type"})
            ),
        )
    if isinstance(action, BulkAddLabel):
        conversation = _visible(uow.session, principal=principal, conversation_id=conversation_id)
        current = repository.labels_of(uow.session, conversation_ids=[conversation.id])
        if action.label in current[conversation.id]:
            return _one_out(uow.session, conversation)
        return update_conversation(
            uow,
            principal=principal,
            conversation_id=conversation_id,
            data=ConversationUpdate(labels=[*current[conversation.id], action.label]),
        )
    return change_status(
        uow,
        principal=principal,
        conversation_id=conversation_id,
        data=StatusChange(status=ConversationStatus.RESOLVED),
    )


def bulk(uow: UnitOfWork, *, principal: Principal, request: BulkRequest) -> BulkResult:
    """One action on many conversations through the same use cases as one at a time. Each
    conversation is authorized and changed in its own savepoint: a refusal (not visible, an
    assignee outside its inbox ...) undoes that one only and is reported beside its id."""
    action = request.action
    if isinstance(action, BulkAssign) and not action.model_fields_set - {"type"}:
        raise Unprocessable("an assign action needs assignee_id, team_id or both")
    if isinstance(action, BulkAddLabel) and not repository.labels_by_name(
        uow.session, workspace_id=principal.workspace_id, names=[action.label]
    ):
        raise Unprocessable(f"no label '{action.label}' in this workspace; create it first")
    results: list[BulkItemResult] = []
    for conversation_id in dict.fromkeys(request.ids):
        events, jobs = len(uow.events), uow.jobs_enqueued
        savepoint = uow.session.begin_nested()
        try:
            out = _bulk_one(
                uow, principal=principal, conversation_id=conversation_id, request=request
            )
        except Problem as exc:
            savepoint.rollback()
            # What the undone change recorded is undone with it.
            del uow.events[events:]
            uow.jobs_enqueued = jobs
            results.append(
                BulkItemResult(
                    id=conversation_id,
                    ok=False,
                    problem=BulkProblem(status=exc.status, title=exc.title, detail=exc.detail),
                )
            )
            continue
        savepoint.commit()
        results.append(BulkItemResult(id=conversation_id, ok=True, conversation=out))
    return BulkResult(results=results)


# ----------------------------------------------------------------- labels and canned replies
def _taken(field: str, detail: str) -> Conflict:
    """A uniqueness refusal that also names the field, so a form can show it beside it."""
    return Conflict(detail, errors=[{"loc": ["body", field], "msg": detail, "type": "taken"}])


def _label_data(label: Any) -> dict[str, Any]:
    return LabelOut.model_validate(label).model_dump(mode="json")


def list_labels(session: Session, *, principal: Principal) -> list[Any]:
    return repository.list_labels(session, workspace_id=principal.workspace_id)


def _label(session: Session, *, principal: Principal, label_id: int) -> Any:
    label = repository.get_label(session, workspace_id=principal.workspace_id, label_id=label_id)
    if label is None:
        raise NotFound(f"no label {label_id} in this workspace")
    return label


def create_label(
    uow: UnitOfWork, *, principal: Principal, name: str, color: str, description: str
) -> Any:
    if repository.labels_by_name(uow.session, workspace_id=principal.workspace_id, names=[name]):
        raise _taken("name", f"a label '{name}' already exists")
    label = repository.add_label(
        uow.session,
        workspace_id=principal.workspace_id,
        name=name,
        color=color,
        description=description,
        created_at=uow.now(),
    )
    uow.record(
        "label.created",
        workspace_id=principal.workspace_id,
        data=_label_data(label),
        actor_user_id=principal.user_id,
    )
    return label


def update_label(uow: UnitOfWork, *, principal: Principal, label_id: int, data: LabelUpdate) -> Any:
    """Rename or recolor a label; conversations hold it by id, so they show the new name."""
    label = _label(uow.session, principal=principal, label_id=label_id)
    previous_name = label.name
    if data.name is not None and data.name != label.name:
        if repository.labels_by_name(
            uow.session, workspace_id=principal.workspace_id, names=[data.name]
        ):
            raise _taken("name", f"a label '{data.name}' already exists")
        label.name = data.name
    if data.color is not None:
        label.color = data.color
    if data.description is not None:
        label.description = data.description
    uow.session.flush()
    uow.record(
        "label.updated",
        workspace_id=principal.workspace_id,
        data={**_label_data(label), "previous_name": previous_name},
        actor_user_id=principal.user_id,
    )
    return label


def delete_label(uow: UnitOfWork, *, principal: Principal, label_id: int) -> None:
    """Delete a label and take it off every conversation that has it (as Chatwoot does: a
    deleted label must not linger on conversations where nobody can choose or filter it)."""
    label = _label(uow.session, principal=principal, label_id=label_id)
    data = _label_data(label)
    removed = repository.delete_label(uow.session, label_id=label.id)
    uow.record(
        "label.deleted",
        workspace_id=principal.workspace_id,
        data={**data, "conversation_count": removed},
        actor_user_id=principal.user_id,
    )


def _canned_data(canned: Any) -> dict[str, Any]:
    return CannedResponseOut.model_validate(canned).model_dump(mode="json")


def list_canned(session: Session, *, principal: Principal, q: str | None) -> list[Any]:
    return repository.list_canned(session, workspace_id=principal.workspace_id, q=q)


def _canned(session: Session, *, principal: Principal, canned_id: int) -> Any:
    canned = repository.get_canned(
        session, workspace_id=principal.workspace_id, canned_id=canned_id
    )
    if canned is None:
        raise NotFound(f"no canned reply {canned_id} in this workspace")
    return canned


def _check_short_code_free(uow: UnitOfWork, *, principal: Principal, short_code: str) -> None:
    if repository.canned_by_short_code(
        uow.session, workspace_id=principal.workspace_id, short_code=short_code
    ):
        raise _taken("short_code", f"a canned reply '/{short_code}' already exists")


def create_canned(uow: UnitOfWork, *, principal: Principal, short_code: str, content: str) -> Any:
    _check_short_code_free(uow, principal=principal, short_code=short_code)
    canned = repository.add_canned(
        uow.session,
        workspace_id=principal.workspace_id,
        short_code=short_code,
        content=content,
        created_at=uow.now(),
    )
    uow.record(
        "canned_response.created",
        workspace_id=principal.workspace_id,
        data=_canned_data(canned),
        actor_user_id=principal.user_id,
    )
    return canned


def update_canned(
    uow: UnitOfWork, *, principal: Principal, canned_id: int, data: CannedResponseUpdate
) -> Any:
    canned = _canned(uow.session, principal=principal, canned_id=canned_id)
    if data.short_code is not None and data.short_code != canned.short_code:
        _check_short_code_free(uow, principal=principal, short_code=data.short_code)
        canned.short_code = data.short_code
    if data.content is not None:
        canned.content = data.content
    uow.session.flush()
    uow.record(
        "canned_response.updated",
        workspace_id=principal.workspace_id,
        data=_canned_data(canned),
        actor_user_id=principal.user_id,
    )
    return canned


def delete_canned(uow: UnitOfWork, *, principal: Principal, canned_id: int) -> None:
    canned = _canned(uow.session, principal=principal, canned_id=canned_id)
    data = _canned_data(canned)
    repository.delete_canned(uow.session, canned_id=canned.id)
    uow.record(
        "canned_response.deleted",
        workspace_id=principal.workspace_id,
        data=data,
        actor_user_id=principal.user_id,
    )
