"""Use cases of the customer portal: sign in by a one-time link, sessions, the customer's
conversations, new requests, replies, files, and what an agent's reply mail says.

The portal acts as the desk itself (a workspace-wide principal with no user): every check of
*whose* data this is happens here, against the contact the signed-in e-mail address belongs to.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from frontdesk.contacts import service as contacts_service
from frontdesk.contacts.schemas import ContactCreate
from frontdesk.conversations import service as conversations
from frontdesk.conversations.rules import ConversationType
from frontdesk.conversations.schemas import (
    ConversationCreate,
    ConversationOut,
    MessageCreate,
    MessageKind,
)
from frontdesk.conversations.service import Limits, StoredFile
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, Problem, Unprocessable
from frontdesk.core.principal import Principal, Role
from frontdesk.core.security import hash_token, new_token
from frontdesk.inboxes import service as inbox_service
from frontdesk.inboxes.rules import InvalidSettings
from frontdesk.outbox import service as outbox
from frontdesk.portal import repository, rules
from frontdesk.portal.models import PortalLink, PortalSession
from frontdesk.portal.schemas import (
    AttachmentFile,
    Customer,
    CustomerAttachment,
    CustomerConversation,
    CustomerConversationDetail,
    CustomerConversationPage,
    CustomerMessage,
    NewSession,
    Portal,
    PortalField,
    PortalInboxSettings,
)
from frontdesk.portal.texts import DEFAULT_LANGUAGE, LANGUAGES
from frontdesk.team import service as team_service

# The outbox job that mails a sign-in link (its token is made when the mail is sent: no
# readable token is ever stored, not even in the job).
LINK_JOB = "portal.sign_in_link"
# Public messages shown on a conversation's page (the newest ones).
MAX_MESSAGES = 500


def _desk(workspace_id: int) -> Principal:
    """The portal acting for a customer: it sees the workspace; user 0 records no actor."""
    return Principal(user_id=0, workspace_id=workspace_id, role=Role.admin, via="portal")


# ---------------------------------------------------------------------------------- portals
def find_portal(session: Session, *, slug: str) -> Portal | None:
    """The portal at /portal/<slug>: None when no workspace has that slug; disabled (no
    inbox_id) when the workspace has no portal inbox."""
    workspace = team_service.workspace_by_slug(session, slug=slug)
    if workspace is None:
        return None
    inboxes = inbox_service.list_inboxes(session, principal=_desk(workspace.id))
    inbox = next((i for i in inboxes if i.channel_type.value == "portal"), None)
    title = inbox.settings.get("title") if inbox is not None else None
    return Portal(
        workspace_id=workspace.id,
        slug=workspace.slug,
        name=title if isinstance(title, str) and title.strip() else workspace.name,
        inbox_id=inbox.id if inbox is not None else None,
        inbox_settings=dict(inbox.settings) if inbox is not None else {},
        channel_types={i.id: i.channel_type.value for i in inboxes},
    )


def portal_address(
    session: Session, *, workspace_id: int, inbox_id: int, base_url: str
) -> str | None:
    """The address of the portal this inbox serves, for its admin to share; None when it is
    not the workspace's portal inbox (the first portal inbox is: the others are not shown)."""
    workspace = team_service.workspace_by_id(session, workspace_id=workspace_id)
    if workspace is None:
        return None
    portal = find_portal(session, slug=workspace.slug)
    if portal is None or portal.inbox_id != inbox_id:
        return None
    return rules.portal_url(base_url, portal.slug)


def _enabled(portal: Portal) -> int:
    if portal.inbox_id is None:
        raise NotFound("this workspace has no customer portal")
    return portal.inbox_id


# ---------------------------------------------------------------------------- sign-in links
def request_link(uow: UnitOfWork, *, portal: Portal, email: str, language: str) -> None:
    """Mail a sign-in link to `email`, when it may sign in and has not had too many lately.
    Says nothing either way: the page answers the same for every address."""
    _enabled(portal)
    email = rules.normalize_email(email)
    now = uow.now()
    known = (
        contacts_service.contact_id_by_identity(
            uow.session, workspace_id=portal.workspace_id, kind="email", value=email
        )
        is not None
    )
    if not known and not rules.allows_new_customers(portal.inbox_settings):
        return
    recent = repository.count_links_since(
        uow.session,
        workspace_id=portal.workspace_id,
        email=email,
        since=now - rules.LINKS_PER_EMAIL_WINDOW,
    )
    if not rules.may_send_link(recent):
        return
    link = repository.add_link(
        uow.session,
        PortalLink(
            workspace_id=portal.workspace_id,
            email=email,
            # A placeholder nobody knows; the mail job puts the hash of the real token here.
            token_hash=hash_token(new_token("fdp")),
            language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
            created_at=now,
            expires_at=now + rules.LINK_LIFETIME,
            used_at=None,
        ),
    )
    outbox.enqueue(
        uow,
        kind=LINK_JOB,
        workspace_id=portal.workspace_id,
        payload={"link_id": link.id},
        idempotency_key=f"{LINK_JOB}:{link.id}",
    )


@dataclass(frozen=True)
class IssuedLink:
    email: str
    language: str
    token: str
    slug: str
    portal_name: str


def issue_link_token(uow: UnitOfWork, *, link_id: int) -> IssuedLink | None:
    """A fresh token for a link about to be mailed (a retried mail gets a new one, and the
    one before stops working); None when the link is used or expired: nothing to send."""
    link = repository.get_link(uow.session, link_id=link_id)
    if link is None:
        return None
    state = rules.link_state(expires_at=link.expires_at, used_at=link.used_at, now=uow.now())
    if state is not rules.LinkState.VALID:
        return None
    workspace = team_service.workspace_by_id(uow.session, workspace_id=link.workspace_id)
    if workspace is None:
        return None
    portal = find_portal(uow.session, slug=workspace.slug)
    if portal is None or not portal.enabled:
        return None
    token = new_token("fdp")
    repository.set_link_hash(uow.session, link_id=link.id, token_hash=hash_token(token))
    return IssuedLink(
        email=link.email,
        language=link.language,
        token=token,
        slug=portal.slug,
        portal_name=portal.name,
    )


class LinkRefused(Problem):
    """A sign-in link that does not sign in: used, expired or unknown."""

    def __init__(self, state: rules.LinkState) -> None:
        status = 404 if state is rules.LinkState.UNKNOWN else 410
        super().__init__(f"the sign-in link is {state.value}", status=status, title="Link refused")
        self.state = state


def check_link(session: Session, *, portal: Portal, token: str, now: datetime) -> str:
    """The address a link would sign in, without using it (the confirmation page)."""
    _enabled(portal)
    link = repository.link_by_hash(
        session, workspace_id=portal.workspace_id, token_hash=hash_token(token)
    )
    state = rules.link_state(
        expires_at=link.expires_at if link else None,
        used_at=link.used_at if link else None,
        now=now,
    )
    if link is None or state is not rules.LinkState.VALID:
        raise LinkRefused(state)
    return link.email


def sign_in(
    uow: UnitOfWork, *, portal: Portal, token: str, language: str, lifetime: timedelta
) -> NewSession:
    """Use a link (once) and open a session for its address."""
    _enabled(portal)
    now = uow.now()
    link = repository.link_by_hash(
        uow.session, workspace_id=portal.workspace_id, token_hash=hash_token(token)
    )
    state = rules.link_state(
        expires_at=link.expires_at if link else None,
        used_at=link.used_at if link else None,
        now=now,
    )
    if link is None or state is not rules.LinkState.VALID:
        raise LinkRefused(state)
    if not repository.use_link(uow.session, link_id=link.id, now=now):
        raise LinkRefused(rules.LinkState.USED)
    session_token = new_token("fdc")
    csrf = secrets.token_urlsafe(24)
    expires_at = now + lifetime
    repository.add_session(
        uow.session,
        PortalSession(
            workspace_id=portal.workspace_id,
            email=link.email,
            token_hash=hash_token(session_token),
            csrf_token=csrf,
            language=language if language in LANGUAGES else link.language,
            created_at=now,
            expires_at=expires_at,
        ),
    )
    return NewSession(token=session_token, csrf_token=csrf, expires_at=expires_at)


def customer_for(session: Session, *, portal: Portal, token: str, now: datetime) -> Customer | None:
    """Who a session cookie belongs to, while the session lasts."""
    token_hash = hash_token(token)
    row = repository.session_by_hash(
        session, workspace_id=portal.workspace_id, token_hash=token_hash, now=now
    )
    if row is None:
        return None
    return Customer(
        email=row.email, csrf_token=row.csrf_token, language=row.language, token_hash=token_hash
    )


def sign_out(uow: UnitOfWork, *, portal: Portal, customer: Customer) -> None:
    repository.end_session(
        uow.session, workspace_id=portal.workspace_id, token_hash=customer.token_hash, now=uow.now()
    )


def set_language(uow: UnitOfWork, *, portal: Portal, customer: Customer, language: str) -> None:
    """The customer switched the language: their notification mails follow."""
    if language in LANGUAGES and language != customer.language:
        repository.set_session_language(
            uow.session,
            workspace_id=portal.workspace_id,
            token_hash=customer.token_hash,
            language=language,
        )


# --------------------------------------------------------------------------- conversations
def _contact_id(session: Session, *, portal: Portal, email: str) -> int | None:
    return contacts_service.contact_id_by_identity(
        session, workspace_id=portal.workspace_id, kind="email", value=email
    )


def _customer_conversation(portal: Portal, c: ConversationOut) -> CustomerConversation:
    channel = portal.channel_types.get(c.inbox_id, "api")
    return CustomerConversation(
        id=c.id,
        number=c.number,
        subject=c.subject,
        type=c.type.value,
        channel_type=channel,
        status=rules.customer_status(c.status.value, first_reply_at=c.first_reply_at).value,
        can_reply=rules.may_reply(channel) and c.inbox_id == portal.inbox_id,
        created_at=c.created_at,
        last_activity_at=c.last_activity_at,
    )


def list_conversations(
    session: Session, *, portal: Portal, email: str, cursor: str | None, limit: int
) -> CustomerConversationPage:
    """The customer's conversations from every channel their contact writes from, newest
    activity first."""
    _enabled(portal)
    contact_id = _contact_id(session, portal=portal, email=email)
    if contact_id is None:
        return CustomerConversationPage(items=[])
    page = conversations.contact_conversations(
        session,
        principal=_desk(portal.workspace_id),
        contact_id=contact_id,
        cursor=cursor,
        limit=limit,
    )
    return CustomerConversationPage(
        items=[_customer_conversation(portal, c) for c in page.items],
        next_cursor=page.next_cursor,
    )


def _owned(
    session: Session, *, portal: Portal, email: str, conversation_id: int
) -> ConversationOut:
    """The conversation, if it is this customer's; else the same 404 as for none at all."""
    _enabled(portal)
    contact_id = _contact_id(session, portal=portal, email=email)
    if contact_id is not None:
        try:
            found = conversations.get_conversation(
                session, principal=_desk(portal.workspace_id), conversation_id=conversation_id
            )
        except NotFound:
            found = None
        if found is not None and found.contact.id == contact_id:
            return found
    raise NotFound(f"no conversation {conversation_id} of yours")


def _public_messages(session: Session, *, portal: Portal, conversation_id: int) -> list[Any]:
    """The newest public messages, oldest first (notes and system entries never leave)."""
    desk = _desk(portal.workspace_id)
    collected: list[Any] = []
    before: int | None = None
    while len(collected) < MAX_MESSAGES:
        page = conversations.list_messages(
            session,
            principal=desk,
            conversation_id=conversation_id,
            before_id=before,
            after_id=None,
            limit=200,
        )
        collected = [m for m in page.items if rules.is_public(m.kind.value)] + collected
        if page.next_cursor is None or not page.items:
            break
        before = page.items[0].id
    return collected[-MAX_MESSAGES:]


def get_conversation(
    session: Session, *, portal: Portal, email: str, conversation_id: int
) -> CustomerConversationDetail:
    conversation = _owned(session, portal=portal, email=email, conversation_id=conversation_id)
    messages = _public_messages(session, portal=portal, conversation_id=conversation.id)
    agent_ids = sorted({m.sender_id for m in messages if m.sender_type == "user" and m.sender_id})
    names = {
        u.id: rules.first_name(u.name)
        for u in team_service.users_by_ids(
            session, workspace_id=portal.workspace_id, user_ids=agent_ids
        )
    }
    items = []
    for m in messages:
        author = {"incoming": "customer", "bot": "bot"}.get(m.kind.value, "agent")
        items.append(
            CustomerMessage(
                id=m.id,
                author=author,
                author_name=names.get(m.sender_id or 0, "") if author == "agent" else "",
                content=m.content,
                attachments=[
                    CustomerAttachment(
                        id=a.id, file_name=a.file_name, content_type=a.content_type, size=a.size
                    )
                    for a in m.attachments
                ],
                created_at=m.created_at,
            )
        )
    # The customer's own answers to the form's fields, as the form asked them.
    shown = []
    for f in form_fields(session, portal=portal):
        value = conversation.custom_attributes.get(f.key)
        if value is not None and value != "":
            shown.append((f.label, _shown(value)))
    return CustomerConversationDetail(
        conversation=_customer_conversation(portal, conversation),
        messages=items,
        custom_fields=shown,
    )


def _shown(value: Any) -> str:
    if value is True:
        return "✓"
    return str(value)


def latest_message_id(session: Session, *, portal: Portal, email: str, conversation_id: int) -> int:
    """The newest public message of the conversation (the page asks whether it changed)."""
    conversation = _owned(session, portal=portal, email=email, conversation_id=conversation_id)
    page = conversations.list_messages(
        session,
        principal=_desk(portal.workspace_id),
        conversation_id=conversation.id,
        before_id=None,
        after_id=None,
        limit=50,
    )
    public = [m.id for m in page.items if rules.is_public(m.kind.value)]
    return public[-1] if public else 0


# ----------------------------------------------------------------------- requests, replies
def form_fields(session: Session, *, portal: Portal) -> list[PortalField]:
    """The custom conversation attributes the portal inbox's settings put on the form, in
    their order; keys with no definition are left out."""
    configured = rules.configured_fields(portal.inbox_settings)
    if not configured:
        return []
    definitions = {
        d.key: d
        for d in contacts_service.list_attribute_definitions(
            session, principal=_desk(portal.workspace_id)
        )
        if d.applies_to == "conversation"
    }
    return [
        PortalField(
            key=c.key,
            label=definitions[c.key].label,
            value_type=definitions[c.key].value_type.value,
            options=list(definitions[c.key].options),
            required=c.required,
        )
        for c in configured
        if c.key in definitions
    ]


def parse_fields(
    fields: list[PortalField], form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, rules.FieldError]]:
    """The form's answers as typed attribute values, and the refusals by field key."""
    values: dict[str, Any] = {}
    errors: dict[str, rules.FieldError] = {}
    for f in fields:
        try:
            value = rules.parse_field(f.value_type, form.get(f"field_{f.key}"), options=f.options)
        except rules.FieldError as exc:
            errors[f.key] = exc
            continue
        if value is None:
            if f.required:
                errors[f.key] = rules.FieldError("error_required")
            continue
        values[f.key] = value
    return values, errors


def open_request(
    uow: UnitOfWork,
    *,
    portal: Portal,
    email: str,
    type: str,
    subject: str,
    content: str,
    custom_attributes: dict[str, Any],
    files: list[StoredFile],
    limits: Limits,
) -> int:
    """A new conversation in the portal inbox, its first message the customer's text."""
    inbox_id = _enabled(portal)
    if type not in rules.REQUEST_TYPES:
        raise Unprocessable(f"type must be one of {list(rules.REQUEST_TYPES)}")
    contact_id = contacts_service.resolve_contact(
        uow, workspace_id=portal.workspace_id, data=ContactCreate(email=email)
    )
    desk = _desk(portal.workspace_id)
    created = conversations.create_conversation(
        uow,
        principal=desk,
        data=ConversationCreate(
            inbox_id=inbox_id,
            contact_id=contact_id,
            subject=subject[: rules.MAX_SUBJECT],
            type=ConversationType(type),
            custom_attributes=custom_attributes,
        ),
        limits=limits,
    )
    conversations.post_message(
        uow,
        principal=desk,
        conversation_id=created.id,
        data=MessageCreate(content=content, message_type=MessageKind.incoming),
        files=files,
        limits=limits,
    )
    return created.id


def reply(
    uow: UnitOfWork,
    *,
    portal: Portal,
    email: str,
    conversation_id: int,
    content: str,
    files: list[StoredFile],
    limits: Limits,
) -> int:
    """The customer answers in one of their portal conversations. It reopens a resolved one;
    long after resolution it starts a new conversation: its id is returned."""
    conversation = _owned(uow.session, portal=portal, email=email, conversation_id=conversation_id)
    if not _customer_conversation(portal, conversation).can_reply:
        raise Unprocessable("this conversation continues in its own channel, not in the portal")
    posted = conversations.post_message(
        uow,
        principal=_desk(portal.workspace_id),
        conversation_id=conversation.id,
        data=MessageCreate(content=content, message_type=MessageKind.incoming),
        files=files,
        limits=limits,
    )
    return posted.conversation_id


def attachment_file(
    session: Session, *, portal: Portal, email: str, attachment_id: int
) -> AttachmentFile:
    """A file of one of the customer's public messages; else 404, as if it did not exist."""
    _enabled(portal)
    contact_id = _contact_id(session, portal=portal, email=email)
    refused = NotFound(f"no file {attachment_id} of yours")
    if contact_id is None:
        raise refused
    try:
        attachment = conversations.get_attachment(
            session, principal=_desk(portal.workspace_id), attachment_id=attachment_id
        )
    except NotFound:
        raise refused from None
    item = conversations.message_for_delivery(
        session, workspace_id=portal.workspace_id, message_id=attachment.message_id
    )
    if item is None or item.contact_id != contact_id or not rules.is_public(item.message.kind):
        raise refused
    return AttachmentFile(
        file_name=attachment.file_name,
        content_type=attachment.content_type,
        storage_key=attachment.storage_key,
    )


# -------------------------------------------------------------------- agents' reply mails
@dataclass(frozen=True)
class ReplyNotice:
    """What the mail about an agent's reply says, read when the delivery job plans it."""

    language: str
    number: int
    subject: str
    agent: str
    path: str
    attachments: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "number": self.number,
            "subject": self.subject,
            "agent": self.agent,
            "path": self.path,
            "attachments": list(self.attachments),
        }


def reply_notice(
    session: Session, *, workspace_id: int, message_id: int, recipient: str
) -> ReplyNotice | None:
    item = conversations.message_for_delivery(
        session, workspace_id=workspace_id, message_id=message_id
    )
    workspace = team_service.workspace_by_id(session, workspace_id=workspace_id)
    if item is None or workspace is None:
        return None
    conversation = conversations.get_conversation(
        session, principal=_desk(workspace_id), conversation_id=item.message.conversation_id
    )
    agent = ""
    if item.message.sender_type == "user" and item.message.sender_id:
        users = team_service.users_by_ids(
            session, workspace_id=workspace_id, user_ids=[item.message.sender_id]
        )
        agent = rules.first_name(users[0].name) if users else ""
    language = repository.latest_language(
        session, workspace_id=workspace_id, email=rules.normalize_email(recipient)
    )
    return ReplyNotice(
        language=language or DEFAULT_LANGUAGE,
        number=conversation.number,
        subject=conversation.subject,
        agent=agent,
        path=f"/portal/{workspace.slug}/conversations/{conversation.id}",
        attachments=tuple(f.file_name for f in item.files),
    )


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A portal inbox's settings as stored (the inboxes' settings check for "portal"): a
    malformed title, form field or switch is refused with its place, not stored."""
    try:
        parsed = PortalInboxSettings.model_validate(settings)
    except ValidationError as exc:
        raise InvalidSettings.of("portal settings", exc) from exc
    return parsed.model_dump(mode="json", exclude_unset=True)


inbox_service.SETTINGS_CHECKS["portal"] = check_settings
