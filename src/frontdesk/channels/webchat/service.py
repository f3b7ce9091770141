"""Use cases of the widget: a visitor starts or continues, answers the pre-chat form, writes
(through the channel core, like every channel), reads, rates the conversation, or leaves a
message for later; agents see who the visitor is; the desk surveys resolved conversations
and mails replies to visitors who left an offline message.

A visitor only ever sees the conversation it follows, only its public messages, and of an
agent only the name: never notes, never other visitors, never an agent's e-mail.
"""

from __future__ import annotations

import enum
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from frontdesk.channels import registry
from frontdesk.channels import service as channels
from frontdesk.channels.base import InboundIdentity, InboundMessage
from frontdesk.channels.rules import status_advances
from frontdesk.channels.webchat import repository, rules
from frontdesk.channels.webchat.models import CsatResponse, WebchatVisitor
from frontdesk.channels.webchat.schemas import (
    AgentOut,
    ConversationState,
    CsatOut,
    CsatState,
    FieldMode,
    MessagesOut,
    OfflineIn,
    PageIn,
    PageViewOut,
    PrechatIn,
    SessionCreate,
    SessionOut,
    UploadLimits,
    VisitorOut,
    WebchatSetupOut,
    WidgetAttachmentOut,
    WidgetConfigOut,
    WidgetMessageOut,
    WidgetSettings,
)
from frontdesk.contacts import service as contacts
from frontdesk.contacts.schemas import ContactCreate, ContactUpdate, IdentityIn, IdentityKind
from frontdesk.conversations import service as conversations
from frontdesk.conversations.schemas import MessageOut
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Problem, TooLarge, Unauthorized, Unprocessable
from frontdesk.core.events import DomainEvent
from frontdesk.core.principal import Principal, Role
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.rules import InvalidSettings
from frontdesk.inboxes.service import ChannelInbox
from frontdesk.notifications.service import EMAIL_JOB
from frontdesk.outbox import service as outbox
from frontdesk.team import service as team

CHANNEL = "webchat"
SETTINGS_FIELDS = frozenset(WidgetSettings.model_fields)
# The outbox job that asks a resolved conversation's visitor for a rating.
SURVEY_JOB = "webchat.survey"


class Unset(enum.Enum):
    """An argument not given (None is a value: nobody was assigned)."""

    token = 0


UNSET = Unset.token


def _desk(workspace_id: int) -> Principal:
    """The widget acting for a visitor: it reads the conversations of its own workspace."""
    return Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="webchat")


# ------------------------------------------------------------------------------- settings
def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A webchat inbox's settings as stored (the inboxes' settings check for "webchat"):
    validated against WidgetSettings; an identity secret is made when there is none."""
    try:
        parsed = WidgetSettings.model_validate(settings)
    except ValidationError as exc:
        raise InvalidSettings.of("widget settings", exc) from exc
    if not parsed.identity_secret:
        parsed.identity_secret = secrets.token_urlsafe(32)
    return parsed.model_dump(mode="json", exclude_none=True)


def widget_settings(raw: dict[str, Any]) -> WidgetSettings:
    """Stored settings read leniently: a value that does not fit (set before the widget
    checked settings) falls back to its default instead of breaking the widget."""
    known = {k: v for k, v in raw.items() if k in SETTINGS_FIELDS}
    try:
        return WidgetSettings.model_validate(known)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        return WidgetSettings.model_validate({k: v for k, v in known.items() if k not in bad})


@dataclass(frozen=True)
class WidgetInbox:
    id: int
    workspace_id: int
    public_id: str
    settings: WidgetSettings


def find_inbox(session: Session, *, public_id: str) -> WidgetInbox:
    """The webchat inbox a widget names by its public id (the same answer for any other)."""
    inbox = inboxes.channel_inbox(session, public_id=public_id) if len(public_id) <= 32 else None
    if inbox is None or inbox.channel_type != CHANNEL:
        raise NotFound("no website chat at this address")
    return WidgetInbox(
        id=inbox.id,
        workspace_id=inbox.workspace_id,
        public_id=inbox.public_id,
        settings=widget_settings(inbox.settings),
    )


@dataclass(frozen=True)
class WidgetPreview:
    """What the preview page says about its chat: no more than the widget shows anyone."""

    public_id: str
    title: str
    require_identity: bool


def preview(session: Session, *, public_id: str) -> WidgetPreview:
    """The webchat inbox the preview page shows (404 for any other public id)."""
    inbox = find_inbox(session, public_id=public_id)
    found = inboxes.get_inbox(session, principal=_desk(inbox.workspace_id), inbox_id=inbox.id)
    return WidgetPreview(
        public_id=inbox.public_id,
        title=inbox.settings.title or found.name,
        require_identity=inbox.settings.require_identity,
    )


@dataclass(frozen=True)
class InboxPeople:
    name: str
    # Who answers this inbox's chats: its members and the members of teams working it.
    staff_ids: list[int]


def inbox_people(session: Session, *, inbox: WidgetInbox) -> InboxPeople:
    desk = _desk(inbox.workspace_id)
    found = inboxes.get_inbox(session, principal=desk, inbox_id=inbox.id)
    members = set(found.member_ids)
    for a_team in team.list_teams(session, principal=desk):
        if inbox.id in a_team.inbox_ids:
            members.update(a_team.member_ids)
    return InboxPeople(name=found.name, staff_ids=sorted(members))


def config(
    inbox: WidgetInbox, *, name: str, online: bool, max_message_chars: int, max_bytes: int
) -> WidgetConfigOut:
    s = inbox.settings
    return WidgetConfigOut(
        inbox=inbox.public_id,
        title=s.title or name,
        greeting=s.greetings(),
        color=s.color,
        position=s.position,
        languages=list(s.languages),
        prechat=s.prechat,
        privacy_url=s.privacy_url,
        csat=s.csat,
        require_identity=s.require_identity,
        reply_time=s.reply_time,
        online=online,
        limits=UploadLimits(
            max_message_chars=max_message_chars,
            max_upload_bytes=min(max_bytes, rules.MAX_UPLOAD_BYTES),
            max_uploads=rules.MAX_UPLOADS,
            upload_types=sorted(rules.UPLOAD_TYPES),
        ),
    )


# -------------------------------------------------------------------------------- visitors
def _visitor(session: Session, *, inbox: WidgetInbox, key: str) -> WebchatVisitor:
    visitor = repository.visitor_by_key(session, inbox_id=inbox.id, key=key)
    if visitor is None:
        raise Unauthorized("this visitor is unknown here; start a new session")
    return visitor


def _note_browser(
    visitor: WebchatVisitor,
    *,
    now: datetime,
    user_agent: str | None,
    language: str | None,
    page: PageIn | None,
) -> None:
    info = dict(visitor.info or {})
    if user_agent:
        info["user_agent"] = rules.clean_text(user_agent, 500)
    if language is not None and rules.clean_language(language):
        info["language"] = rules.clean_language(language)
    if page is not None:
        url = rules.clean_url(page.url)
        if url is not None:
            title = rules.clean_text(page.title, rules.MAX_TITLE)
            info["url"] = url
            info["title"] = title
            info["pages"] = rules.with_page(info.get("pages") or [], url=url, title=title, at=now)
        referrer = rules.clean_url(page.referrer)
        if referrer is not None and "referrer" not in info:
            info["referrer"] = referrer  # how they came to the site: the first one counts
    visitor.info = info
    visitor.last_seen_at = now


def _record_visitor(uow: UnitOfWork, visitor: WebchatVisitor) -> None:
    """Agents looking at the visitor's conversation see the new page, name, ..."""
    if visitor.conversation_id is None:
        return  # nobody looks at a visitor who never wrote
    uow.record(
        "webchat.visitor_updated",
        workspace_id=visitor.workspace_id,
        inbox_id=visitor.inbox_id,
        conversation_id=visitor.conversation_id,
        data={"conversation_id": visitor.conversation_id},
    )


def start_session(
    uow: UnitOfWork,
    *,
    inbox: WidgetInbox,
    data: SessionCreate,
    secret_key: str,
    user_agent: str | None,
) -> SessionOut:
    """Continue the visitor of `data.token`, or start a new one. A verified identity must
    carry its signature (401 otherwise); an inbox that requires one refuses anonymous
    visitors. A browser whose host-site user changed (logged out, another user) becomes a
    new visitor: one person's conversation never shows to the next."""
    now = uow.now()
    identifier = data.identifier
    if identifier is not None:
        if not data.identifier_hash:
            raise Unauthorized("identifier_hash is required with identifier")
        if not rules.identity_valid(
            inbox.settings.identity_secret, identifier, data.identifier_hash
        ):
            raise Unauthorized(
                "identifier_hash does not match identifier (it must be the hex HMAC-SHA256 "
                "of the identifier with the inbox's identity secret)"
            )
    elif inbox.settings.require_identity:
        raise Unauthorized("this chat is for signed-in users: identifier and identifier_hash")
    visitor = None
    key = rules.visitor_of_token(secret_key, inbox.public_id, data.token)
    if key is not None:
        visitor = repository.visitor_by_key(uow.session, inbox_id=inbox.id, key=key)
    if visitor is not None and visitor.identifier != identifier:
        if visitor.identifier is None and visitor.contact_id is None:
            visitor.identifier = identifier  # never wrote: simply becomes the signed-in user
        else:
            visitor = None
    if visitor is None:
        visitor = repository.insert(
            uow.session,
            WebchatVisitor(
                workspace_id=inbox.workspace_id,
                inbox_id=inbox.id,
                key=secrets.token_hex(16),
                identifier=identifier,
                name="",
                info={},
                created_at=now,
                last_seen_at=now,
            ),
        )
    if data.name and (identifier is not None or not visitor.name):
        visitor.name = rules.clean_text(data.name, 200)
    if data.email and (identifier is not None or not visitor.email):
        visitor.email = str(data.email).lower()
    _note_browser(visitor, now=now, user_agent=user_agent, language=data.language, page=data.page)
    if identifier is not None:
        _ensure_contact(uow, inbox=inbox, visitor=visitor)
        if visitor.conversation_id is None and visitor.contact_id is not None:
            visitor.conversation_id = repository.latest_conversation_of_contact(
                uow.session,
                inbox_id=inbox.id,
                contact_id=visitor.contact_id,
                exclude_visitor_id=visitor.id,
            )
    uow.session.flush()
    _record_visitor(uow, visitor)
    return SessionOut(
        token=rules.visitor_token(secret_key, inbox.public_id, visitor.key),
        identified=visitor.identifier is not None,
        name=visitor.name,
        email=visitor.email,
        prechat_done=_prechat_done(inbox.settings, visitor),
        conversation=_state(uow.session, inbox=inbox, visitor=visitor),
    )


def page_view(
    uow: UnitOfWork,
    *,
    inbox: WidgetInbox,
    key: str,
    page: PageIn,
    user_agent: str | None,
) -> None:
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    _note_browser(visitor, now=uow.now(), user_agent=user_agent, language=None, page=page)
    uow.session.flush()
    _record_visitor(uow, visitor)


def _prechat_done(settings: WidgetSettings, visitor: WebchatVisitor) -> bool:
    """Whether the widget is past its pre-chat form: answered, or never asked (no form, or
    a conversation already under way)."""
    return (
        not settings.prechat.enabled
        or visitor.conversation_id is not None
        or visitor.prechat_at is not None
    )


def _may_write(settings: WidgetSettings, visitor: WebchatVisitor) -> bool:
    """Whether the visitor may write: every required pre-chat answer is there (a visitor who
    already has a conversation is past the form)."""
    if visitor.conversation_id is not None or visitor.prechat_at is not None:
        return True
    fields = settings.prechat
    return not (
        (fields.name is FieldMode.required and not visitor.name)
        or (fields.email is FieldMode.required and not visitor.email)
        or (fields.phone is FieldMode.required and not visitor.phone)
        or (fields.consent is FieldMode.required and visitor.consent_at is None)
    )


def answer_prechat(
    uow: UnitOfWork, *, inbox: WidgetInbox, key: str, data: PrechatIn, secret_key: str
) -> SessionOut:
    """The pre-chat form: its answers go on the visitor and onto their contact (an e-mail or
    phone that belongs to another contact stays with the visitor only: an unverified visitor
    never becomes somebody else's contact)."""
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    fields = inbox.settings.prechat
    given = {
        "name": bool(data.name),
        "email": data.email is not None,
        "phone": data.phone is not None,
        "consent": data.consent,
    }
    missing = [
        name
        for name, mode in fields.__dict__.items()
        if mode is FieldMode.required and not given[name]
    ]
    if missing:
        raise Unprocessable(
            f"the pre-chat form needs {', '.join(missing)}",
            errors=[{"loc": ["body", m], "msg": "required", "type": "missing"} for m in missing],
        )
    now = uow.now()
    if data.name and fields.name is not FieldMode.off:
        visitor.name = rules.clean_text(data.name, 200)
    if data.email is not None and fields.email is not FieldMode.off:
        visitor.email = str(data.email).lower()
    if data.phone is not None and fields.phone is not FieldMode.off:
        visitor.phone = data.phone
    if data.consent and fields.consent is not FieldMode.off and visitor.consent_at is None:
        visitor.consent_at = now
    visitor.prechat_at = now
    _ensure_contact(uow, inbox=inbox, visitor=visitor)
    uow.session.flush()
    _record_visitor(uow, visitor)
    return SessionOut(
        token=rules.visitor_token(secret_key, inbox.public_id, visitor.key),
        identified=visitor.identifier is not None,
        name=visitor.name,
        email=visitor.email,
        prechat_done=True,
        conversation=_state(uow.session, inbox=inbox, visitor=visitor),
    )


# --------------------------------------------------------------------------------- contacts
def _sender(visitor: WebchatVisitor) -> InboundIdentity:
    if visitor.identifier is not None:
        return InboundIdentity(kind=IdentityKind.webchat_user.value, value=visitor.identifier)
    return InboundIdentity(kind="external", value=rules.visitor_identity(visitor.key))


def _savepoint(uow: UnitOfWork, change: Callable[[], object]) -> bool:
    """Make a change that may be refused (an e-mail that is another contact's): refused,
    it leaves nothing behind, not even its events."""
    events, jobs = len(uow.events), uow.jobs_enqueued
    savepoint = uow.session.begin_nested()
    try:
        change()
    except Problem:
        savepoint.rollback()
        del uow.events[events:]
        uow.jobs_enqueued = jobs
        return False
    savepoint.commit()
    return True


def _ensure_contact(
    uow: UnitOfWork, *, inbox: WidgetInbox, visitor: WebchatVisitor, profile: bool = True
) -> int:
    """The visitor's contact (made now if need be); with `profile`, the visitor's answers
    (name, e-mail, phone) are put on it where it has none yet."""
    if visitor.contact_id is not None and not profile:
        return visitor.contact_id
    sender = _sender(visitor)
    default_name = visitor.name or visitor.identifier or f"Visitor {visitor.key[:6]}"
    contact_id = contacts.resolve_contact(
        uow,
        workspace_id=inbox.workspace_id,
        data=ContactCreate(
            name=default_name[:200],
            identities=[IdentityIn(kind=IdentityKind(sender.kind), value=sender.value[:320])],
        ),
    )
    visitor.contact_id = contact_id
    if not profile:
        return contact_id
    desk = _desk(inbox.workspace_id)
    current = contacts.get_contact(uow.session, principal=desk, contact_id=contact_id)
    changes: list[ContactUpdate] = []
    if visitor.name and visitor.name != current.name and visitor.prechat_at is not None:
        changes.append(ContactUpdate(name=visitor.name))
    if visitor.email and not current.email:
        changes.append(ContactUpdate(email=visitor.email))
    if visitor.phone and not current.phone:
        changes.append(ContactUpdate(phone=visitor.phone))
    for change in changes:
        _savepoint(
            uow,
            functools.partial(
                contacts.update_contact, uow, principal=desk, contact_id=contact_id, data=change
            ),
        )
    return contact_id


# --------------------------------------------------------------------------------- messages
def _attachment(public_id: str, a: Any) -> WidgetAttachmentOut:
    return WidgetAttachmentOut(
        id=a.id,
        file_name=a.file_name,
        content_type=a.content_type,
        size=a.size,
        url=f"/widget/v1/{public_id}/attachments/{a.id}",
    )


def public_message(
    public_id: str, message: MessageOut | dict[str, Any], agents: dict[int, str]
) -> WidgetMessageOut | None:
    """A message as the visitor sees it, or None when it is not for the visitor's eyes.
    `agents` maps user ids to names (the only thing shown of an agent)."""
    m = message if isinstance(message, MessageOut) else MessageOut.model_validate(message)
    if not rules.visible_to_visitor(m.kind.value, m.private):
        return None
    author = {"incoming": "visitor", "outgoing": "agent", "bot": "bot"}[m.kind.value]
    agent = None
    if author == "agent":
        name = rules.first_name(agents.get(m.sender_id or 0, ""))
        agent = AgentOut(name=name, initials=rules.initials(name))
    return WidgetMessageOut(
        id=m.id,
        client_id=rules.client_id_of(m.external_id) if author == "visitor" else None,
        author=author,
        content=m.content,
        attachments=[_attachment(public_id, a) for a in m.attachments],
        agent=agent,
        created_at=m.created_at,
    )


def agent_names(session: Session, *, workspace_id: int, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {
        u.id: u.name
        for u in team.users_by_ids(session, workspace_id=workspace_id, user_ids=sorted(user_ids))
    }


def _state(
    session: Session, *, inbox: WidgetInbox, visitor: WebchatVisitor
) -> ConversationState | None:
    if visitor.conversation_id is None:
        return None
    try:
        conversation = conversations.get_conversation(
            session, principal=_desk(inbox.workspace_id), conversation_id=visitor.conversation_id
        )
    except NotFound:
        return None
    survey = repository.survey_of(session, conversation_id=conversation.id)
    csat = None
    if survey is not None:
        csat = CsatState(requested=True, rating=survey.rating, comment=survey.comment)
    elif rules.survey_due(
        csat_enabled=inbox.settings.csat, status=conversation.status.value, answered=False
    ):
        csat = CsatState(requested=True)  # resolved but not surveyed yet: it will be
    return ConversationState(
        status=conversation.status.value,
        agent_read_at=repository.agent_read_at(session, conversation_id=conversation.id),
        csat=csat,
    )


def _check_content(content: str, files: list[StoredFile], limits: Limits) -> None:
    if len(content) > limits.max_message_chars:
        raise TooLarge(
            f"the message has {len(content)} characters; the limit is {limits.max_message_chars}"
        )
    if not content.strip() and not files:
        raise Unprocessable("a message needs text or a file")


def post_message(
    uow: UnitOfWork,
    *,
    inbox: WidgetInbox,
    key: str,
    content: str,
    client_id: str,
    files: list[StoredFile],
    limits: Limits,
    attributes: dict[str, Any] | None = None,
) -> WidgetMessageOut:
    """A visitor's message, stored by the channel core like any channel's. Sent again with the
    same client id, it is the same message (nothing is stored twice)."""
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    if inbox.settings.require_identity and visitor.identifier is None:
        raise Unauthorized("this chat is for signed-in users")
    if not _may_write(inbox.settings, visitor):
        raise Unprocessable("answer the pre-chat form first", title="Pre-chat form")
    content = rules.clean_text(content, limits.max_message_chars + 1)
    _check_content(content, files, limits)
    _ensure_contact(uow, inbox=inbox, visitor=visitor, profile=visitor.contact_id is None)
    received = channels.receive_message(
        uow,
        inbox_id=inbox.id,
        workspace_id=inbox.workspace_id,
        inbound=InboundMessage(
            external_id=rules.external_id(visitor.key, client_id),
            sender=_sender(visitor),
            content=content,
            conversation_id=visitor.conversation_id,
            content_attributes=dict(attributes or {}),
        ),
        limits=limits,
        files=files,
    )
    if visitor.conversation_id != received.conversation_id:
        visitor.conversation_id = received.conversation_id
    visitor.last_seen_at = uow.now()
    uow.session.flush()
    if received.outcome == "created" and not files:
        # Just stored as sent (text within the limit, so not clipped; its time is this unit
        # of work's): nothing to read back. A repeat or a file is read as stored.
        return WidgetMessageOut(
            id=received.message_id,
            client_id=client_id,
            author="visitor",
            content=content,
            attachments=[],
            agent=None,
            created_at=uow.now(),
        )
    stored = conversations.message_for_delivery(
        uow.session, workspace_id=inbox.workspace_id, message_id=received.message_id
    )
    assert stored is not None
    out = public_message(inbox.public_id, stored.message, {})
    assert out is not None
    return out


def messages(
    session: Session, *, inbox: WidgetInbox, key: str, after_id: int | None, limit: int
) -> MessagesOut:
    """The visitor's conversation: its newest messages, or those after `after_id`."""
    visitor = _visitor(session, inbox=inbox, key=key)
    if visitor.conversation_id is None:
        return MessagesOut(items=[], last_id=after_id, conversation=None)
    page = conversations.list_messages(
        session,
        principal=_desk(inbox.workspace_id),
        conversation_id=visitor.conversation_id,
        before_id=None,
        after_id=after_id,
        limit=limit,
    )
    agents = agent_names(
        session,
        workspace_id=inbox.workspace_id,
        user_ids={m.sender_id for m in page.items if m.kind.value == "outgoing" and m.sender_id},
    )
    items = [p for m in page.items if (p := public_message(inbox.public_id, m, agents))]
    last_id = max((m.id for m in page.items), default=after_id)
    return MessagesOut(
        items=items, last_id=last_id, conversation=_state(session, inbox=inbox, visitor=visitor)
    )


@dataclass(frozen=True)
class Following:
    """What a visitor's socket listens to: its conversation (and contact), and its state."""

    conversation_id: int | None
    contact_id: int | None
    state: ConversationState | None = None


def following(
    session: Session, *, inbox: WidgetInbox, key: str, with_state: bool = False
) -> Following:
    visitor = _visitor(session, inbox=inbox, key=key)
    return Following(
        conversation_id=visitor.conversation_id,
        contact_id=visitor.contact_id,
        state=_state(session, inbox=inbox, visitor=visitor) if with_state else None,
    )


def attachment_of_visitor(
    session: Session, *, inbox: WidgetInbox, key: str, attachment_id: int
) -> Any:
    """A file of a public message of the visitor's conversation."""
    visitor = _visitor(session, inbox=inbox, key=key)
    desk = _desk(inbox.workspace_id)
    try:
        attachment = conversations.get_attachment(
            session, principal=desk, attachment_id=attachment_id
        )
    except NotFound:
        attachment = None
    if attachment is not None:
        stored = conversations.message_for_delivery(
            session, workspace_id=inbox.workspace_id, message_id=attachment.message_id
        )
        if (
            stored is not None
            and stored.message.conversation_id == visitor.conversation_id
            and rules.visible_to_visitor(stored.message.kind.value, stored.message.private)
        ):
            return attachment
    raise NotFound(f"no file {attachment_id} in your conversation")


def mark_read(uow: UnitOfWork, *, inbox: WidgetInbox, key: str, message_id: int) -> None:
    """The visitor has seen the conversation up to `message_id`: the agents' replies up to it
    are "read" (agents see it on each reply), and they hear of it (webchat.visitor_read)."""
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    if visitor.conversation_id is None:
        return
    previous = visitor.read_message_id or 0
    if message_id <= previous:
        return
    page = conversations.list_messages(
        uow.session,
        principal=_desk(inbox.workspace_id),
        conversation_id=visitor.conversation_id,
        before_id=message_id + 1,
        after_id=previous,
        limit=200,
    )
    seen = [m for m in page.items if m.id <= message_id]
    if not seen:
        return
    for m in seen:
        if m.kind.value in ("outgoing", "bot") and status_advances(m.delivery_status, "read"):
            conversations.set_delivery_status(
                uow,
                workspace_id=inbox.workspace_id,
                message_id=m.id,
                status="read",
                when=lambda current: status_advances(current, "read"),
            )
    visitor.read_message_id = max(m.id for m in seen)
    uow.session.flush()
    uow.record(
        "webchat.visitor_read",
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        conversation_id=visitor.conversation_id,
        data={"conversation_id": visitor.conversation_id, "message_id": visitor.read_message_id},
    )


def typing_event(
    session: Session, *, inbox: WidgetInbox, key: str, typing: bool, now: datetime
) -> DomainEvent | None:
    """The visitor is typing: an ephemeral hint for the conversation's agents (published on
    the bus, never stored), like an agent's own typing hints."""
    visitor = _visitor(session, inbox=inbox, key=key)
    if visitor.conversation_id is None:
        return None
    return DomainEvent(
        type="conversation.typing",
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        conversation_id=visitor.conversation_id,
        created_at=now,
        data={
            "conversation_id": visitor.conversation_id,
            "contact_id": visitor.contact_id,
            "user_id": None,
            "typing": typing,
        },
    )


# ------------------------------------------------------------------------------ offline form
def leave_offline_message(
    uow: UnitOfWork, *, inbox: WidgetInbox, key: str, data: OfflineIn, limits: Limits
) -> WidgetMessageOut:
    """Nobody is online: the message becomes a conversation, and the agents' replies in it
    are also sent to the e-mail address given (see `followup_for`)."""
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    email = str(data.email).lower()
    if data.name:
        visitor.name = rules.clean_text(data.name, 200)
    visitor.email = visitor.email or email
    visitor.followup_email = email
    if visitor.prechat_at is None:
        visitor.prechat_at = uow.now()  # the offline form asked what the pre-chat form would
    out = post_message(
        uow,
        inbox=inbox,
        key=key,
        content=data.content,
        client_id=data.client_id,
        files=[],
        limits=limits,
        attributes={"webchat_offline": True, "followup_email": email},
    )
    visitor.followup_conversation_id = visitor.conversation_id
    uow.session.flush()
    return out


def followup_on_reply(
    uow: UnitOfWork, *, workspace_id: int, conversation_id: int, message_id: int
) -> None:
    """An agent replied in a webchat conversation (the channel's reply hook, in the reply's
    transaction): when it began with the offline form, the reply's e-mail is enqueued with it.
    One indexed look-up for every other reply."""
    if repository.followup_of_conversation(uow.session, conversation_id=conversation_id):
        followup_for(uow, workspace_id=workspace_id, message_id=message_id)


def followup_for(uow: UnitOfWork, *, workspace_id: int, message_id: int, title: str = "") -> bool:
    """An agent replied in a conversation that began with the offline form: the reply goes to
    the visitor's e-mail too, through the outbox (once per message, whoever asks)."""
    stored = conversations.message_for_delivery(
        uow.session, workspace_id=workspace_id, message_id=message_id
    )
    if stored is None or stored.message.kind.value not in ("outgoing", "bot"):
        return False
    address = repository.followup_of_conversation(
        uow.session, conversation_id=stored.message.conversation_id
    )
    if not address:
        return False
    visitor = repository.visitor_of_conversation(
        uow.session, workspace_id=workspace_id, conversation_id=stored.message.conversation_id
    )
    language = str((visitor.info or {}).get("language") or "") if visitor else ""
    names = agent_names(
        uow.session,
        workspace_id=workspace_id,
        user_ids={stored.message.sender_id} if stored.message.sender_id else set(),
    )
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=workspace_id, inbox_id=stored.message.inbox_id
    )
    settings = widget_settings(inbox.settings)
    subject, body = rules.followup_mail(
        language=language,
        site=settings.title or settings.website or title,
        agent=names.get(stored.message.sender_id or 0, ""),
        content=stored.message.content,
        files=len(stored.message.attachments),
    )
    return outbox.enqueue(
        uow,
        kind=EMAIL_JOB,
        workspace_id=workspace_id,
        payload={"to": address, "subject": subject, "body": body},
        idempotency_key=f"webchat.followup:{message_id}",
    )


# -------------------------------------------------------------------------------------- CSAT
def _survey_data(survey: CsatResponse) -> dict[str, Any]:
    return {
        "conversation_id": survey.conversation_id,
        "inbox_id": survey.inbox_id,
        "contact_id": survey.contact_id,
        "assignee_id": survey.assignee_id,
        "rating": survey.rating,
        "comment": survey.comment,
        "surveyed_at": survey.surveyed_at.isoformat(),
        "answered_at": survey.answered_at.isoformat() if survey.answered_at else None,
    }


def survey_on_resolution(
    uow: UnitOfWork,
    *,
    inbox: ChannelInbox,
    conversation_id: int,
    assignee_id: int | None,
    resolved_at: datetime,
) -> None:
    """A conversation of a webchat inbox was resolved: its survey is durable work, enqueued in
    the resolution's transaction (whichever process resolves it, the survey is sent even if
    that process dies right after the commit). One job per resolution."""
    if not widget_settings(inbox.settings).csat:
        return
    outbox.enqueue(
        uow,
        kind=SURVEY_JOB,
        workspace_id=inbox.workspace_id,
        payload={"conversation_id": conversation_id, "assignee_id": assignee_id},
        idempotency_key=f"{SURVEY_JOB}:{conversation_id}:{resolved_at.isoformat()}",
    )


def send_survey(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    conversation_id: int,
    assignee_id: int | Unset | None = UNSET,
) -> bool:
    """A webchat conversation was resolved: its visitor is asked for a rating (once per
    conversation; resolved again before an answer, the survey is attributed anew to the
    assignee of this resolution). `assignee_id`: the assignee at the resolution (the job
    says), else the conversation's now."""
    try:
        conversation = conversations.get_conversation(
            uow.session, principal=_desk(workspace_id), conversation_id=conversation_id
        )
    except NotFound:
        return False
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=workspace_id, inbox_id=conversation.inbox_id
    )
    if inbox.channel_type != CHANNEL:
        return False
    survey = repository.survey_of(uow.session, conversation_id=conversation_id)
    if not rules.survey_due(
        csat_enabled=widget_settings(inbox.settings).csat,
        status=conversation.status.value,
        answered=survey is not None and survey.rating is not None,
    ):
        return False
    now = uow.now()
    assignee = conversation.assignee_id if isinstance(assignee_id, Unset) else assignee_id
    if survey is None:
        survey = repository.insert(
            uow.session,
            CsatResponse(
                workspace_id=workspace_id,
                inbox_id=conversation.inbox_id,
                conversation_id=conversation_id,
                contact_id=conversation.contact.id,
                assignee_id=assignee,
                comment="",
                surveyed_at=now,
            ),
        )
    elif survey.assignee_id == assignee:
        return False  # already asked, for this assignee
    else:
        survey.assignee_id = assignee
        survey.surveyed_at = now
        uow.session.flush()
    uow.record(
        "csat.requested",
        workspace_id=workspace_id,
        inbox_id=conversation.inbox_id,
        conversation_id=conversation_id,
        data=_survey_data(survey),
    )
    return True


def answer_survey(
    uow: UnitOfWork, *, inbox: WidgetInbox, key: str, rating: int, comment: str
) -> CsatOut:
    """The visitor rates their conversation; rating again changes the answer (one row)."""
    visitor = _visitor(uow.session, inbox=inbox, key=key)
    if visitor.conversation_id is None:
        raise Conflict("there is no conversation to rate yet")
    if not inbox.settings.csat:
        raise Conflict("this chat does not ask for ratings")
    survey = repository.survey_of(uow.session, conversation_id=visitor.conversation_id)
    if survey is None:
        # Resolved, but the survey is not written yet (it is, right after the resolution).
        send_survey(uow, workspace_id=inbox.workspace_id, conversation_id=visitor.conversation_id)
        survey = repository.survey_of(uow.session, conversation_id=visitor.conversation_id)
    if survey is None:
        raise Conflict("the conversation is not resolved yet: rate it once it is")
    updated = survey.rating is not None
    survey.rating = rating
    survey.comment = rules.clean_text(comment, 2000)
    survey.answered_at = uow.now()
    uow.session.flush()
    uow.record(
        "csat.received",
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        conversation_id=survey.conversation_id,
        data={**_survey_data(survey), "updated": updated},
    )
    status = _state(uow.session, inbox=inbox, visitor=visitor)
    return CsatOut(
        conversation_status=status.status if status else "resolved",
        rating=rating,
        comment=survey.comment,
        answered_at=survey.answered_at,
    )


# --------------------------------------------------------------------------- agents, admins
def visitor_of_conversation(
    session: Session, *, principal: Principal, conversation_id: int
) -> VisitorOut:
    """What the widget told about the visitor of a conversation the agent may see."""
    conversations.get_conversation(session, principal=principal, conversation_id=conversation_id)
    visitor = repository.visitor_of_conversation(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    if visitor is None:
        raise NotFound(f"conversation {conversation_id} has no website visitor")
    info = visitor.info or {}
    pages = []
    for page in info.get("pages") or []:
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            pages.append(PageViewOut.model_validate(page))
    return VisitorOut(
        identified=visitor.identifier is not None,
        identifier=visitor.identifier,
        name=visitor.name,
        email=visitor.email,
        phone=visitor.phone,
        consent_at=visitor.consent_at,
        followup_email=visitor.followup_email,
        current_url=info.get("url"),
        page_title=str(info.get("title") or ""),
        referrer=info.get("referrer"),
        browser=rules.browser_of(info.get("user_agent")),
        user_agent=str(info.get("user_agent") or ""),
        language=info.get("language"),
        pages=pages,
        first_seen_at=visitor.created_at,
        last_seen_at=visitor.last_seen_at,
    )


def setup(
    uow: UnitOfWork, *, principal: Principal, inbox_id: int, base_url: str, rotate: bool = False
) -> WebchatSetupOut:
    """For admins: the snippet to paste, and the identity secret (made when missing, new when
    rotated: the host site must then sign with the new one)."""
    inbox = inboxes.channel_inbox_by_id(
        uow.session, workspace_id=principal.workspace_id, inbox_id=inbox_id
    )
    if inbox.channel_type != CHANNEL:
        raise Unprocessable(f"inbox {inbox_id} is a {inbox.channel_type} inbox, not webchat")
    secret = inbox.settings.get("identity_secret")
    if rotate or not isinstance(secret, str) or not secret:
        secret = secrets.token_urlsafe(32)
        inboxes.update_channel_settings(
            uow,
            workspace_id=principal.workspace_id,
            inbox_id=inbox_id,
            changes={"identity_secret": secret},
            principal=principal,
        )
    shown = widget_settings(inbox.settings).model_copy(update={"identity_secret": None})
    return WebchatSetupOut(
        inbox_id=inbox.id,
        public_id=inbox.public_id,
        script_url=rules.script_url(base_url),
        snippet=rules.snippet(base_url, inbox.public_id),
        preview_url=rules.preview_url(base_url, inbox.public_id),
        identity_secret=secret,
        settings=shown,
    )


def move_merged_contact(uow: UnitOfWork, workspace_id: int, from_id: int, to_id: int) -> None:
    """Two contacts merged (contacts' merge hook, in the merge's transaction): the merged
    contact's widget visitors and satisfaction surveys are the survivor's, so its visitors
    keep their chat and its ratings stay attributed to the person."""
    repository.move_contact(
        uow.session, workspace_id=workspace_id, from_contact_id=from_id, to_contact_id=to_id
    )


contacts.on_merge(move_merged_contact)
# A webchat inbox's settings are the widget's: checked (and given an identity secret) by it.
inboxes.SETTINGS_CHECKS[CHANNEL] = check_settings
# Nothing to deliver (the visitor's socket gets the reply), but durable work in the
# transactions of a resolution (the survey) and of a reply (an offline visitor's e-mail).
registry.register(
    CHANNEL,
    registry.ChannelDriver(
        identity_kind="external", on_resolved=survey_on_resolution, on_reply=followup_on_reply
    ),
)
