"""Use cases of conversations and messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.orm import Session

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
    on_customer_message,
    snooze_due,
)
from frontdesk.conversations.schemas import (
    AssignmentChange,
    AttachmentOut,
    ConversationCreate,
    ConversationOut,
    ConversationSort,
    ConversationUpdate,
    MessageCreate,
    MessageKind,
    MessageOut,
    PostedMessage,
    StatusChange,
)
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, TooLarge, Unprocessable
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


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file already saved to storage, to be attached to a message."""

    file_name: str
    content_type: str
    size: int
    storage_key: str


# ---------------------------------------------------------------------------------- reading
def _out(session: Session, conversations: list[Conversation]) -> list[ConversationOut]:
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
    return _one_out(
        session, _visible(session, principal=principal, conversation_id=conversation_id)
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
) -> Page[ConversationOut]:
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
    where = ConversationFilter(
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
    rows = repository.search(session, where=where, sort=sort.value, after=after, limit=limit + 1)
    page = rows[:limit]
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
    return Page(items=_out(session, page), next_cursor=next_cursor)


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
) -> PostedMessage:
    """Post a customer message, an agent reply or a private note (hot path: few queries)."""
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
    conversation: Conversation | Row[Any] | None = repository.visible_conversation_row(
        uow.session,
        workspace_id=principal.workspace_id,
        conversation_id=conversation_id,
        user_id=principal.user_id,
        role=principal.role.value,
    )
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} visible to you")
    if data.external_id is not None:
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
    if kind is MessageKind.incoming and conversation.waiting_since is None:
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
    }
    uow.record(
        "message.created",
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
        actor_user_id=principal.user_id,
        data=event_data,
    )
    if kind is MessageKind.note:
        mentioned = mentioned_user_ids(data.content)
        if mentioned:
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


# ----------------------------------------------------------------- labels and canned replies
def list_labels(session: Session, *, principal: Principal) -> list[Any]:
    return repository.list_labels(session, workspace_id=principal.workspace_id)


def create_label(
    uow: UnitOfWork, *, principal: Principal, name: str, color: str, description: str
) -> Any:
    if repository.labels_by_name(uow.session, workspace_id=principal.workspace_id, names=[name]):
        raise Conflict(f"a label '{name}' already exists")
    return repository.add_label(
        uow.session,
        workspace_id=principal.workspace_id,
        name=name,
        color=color,
        description=description,
        created_at=uow.now(),
    )


def list_canned(session: Session, *, principal: Principal, q: str | None) -> list[Any]:
    return repository.list_canned(session, workspace_id=principal.workspace_id, q=q)


def create_canned(uow: UnitOfWork, *, principal: Principal, short_code: str, content: str) -> Any:
    existing = repository.list_canned(
        uow.session, workspace_id=principal.workspace_id, q=short_code
    )
    if any(c.short_code == short_code for c in existing):
        raise Conflict(f"a canned reply '/{short_code}' already exists")
    return repository.add_canned(
        uow.session,
        workspace_id=principal.workspace_id,
        short_code=short_code,
        content=content,
        created_at=uow.now(),
    )
