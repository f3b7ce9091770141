from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from frontdesk.contacts.schemas import ContactCreate, ContactSummary
from frontdesk.conversations.rules import (
    ConversationPriority,
    ConversationStatus,
    ConversationType,
)
from frontdesk.core.schemas import InputModel, OutputModel


class MessageKind(StrEnum):
    incoming = "incoming"
    outgoing = "outgoing"
    note = "note"
    system = "system"
    bot = "bot"


class ConversationSort(StrEnum):
    last_activity = "last_activity"
    newest = "newest"
    longest_waiting = "longest_waiting"


class FirstMessage(InputModel):
    content: str = Field(min_length=1)
    message_type: MessageKind = MessageKind.incoming
    external_id: str | None = Field(default=None, max_length=255)


class ConversationCreate(InputModel):
    inbox_id: int
    contact_id: int | None = None
    contact: ContactCreate | None = None
    subject: str = Field(default="", max_length=500)
    status: ConversationStatus = ConversationStatus.OPEN
    priority: ConversationPriority = ConversationPriority.NORMAL
    type: ConversationType = ConversationType.QUESTION
    assignee_id: int | None = None
    team_id: int | None = None
    labels: list[str] = Field(default_factory=list, max_length=50)
    custom_attributes: dict[str, Any] = Field(default_factory=dict)
    message: FirstMessage | None = None


class ConversationUpdate(InputModel):
    subject: str | None = Field(default=None, max_length=500)
    priority: ConversationPriority | None = None
    type: ConversationType | None = None
    labels: list[str] | None = Field(default=None, max_length=50)
    custom_attributes: dict[str, Any] | None = None


class StatusChange(InputModel):
    status: ConversationStatus
    snoozed_until: datetime | None = None


class AssignmentChange(InputModel):
    assignee_id: int | None = None
    team_id: int | None = None


class ParticipantAdd(InputModel):
    user_id: int


class MessageCreate(InputModel):
    content: str = ""
    private: bool = False
    message_type: MessageKind = MessageKind.outgoing
    external_id: str | None = Field(default=None, max_length=255)
    content_attributes: dict[str, Any] = Field(default_factory=dict)


class AttachmentOut(OutputModel):
    id: int
    file_name: str
    content_type: str
    size: int
    url: str


class MessageLimitsOut(OutputModel):
    """What a message may hold, so a client can refuse a file before uploading it."""

    max_message_chars: int
    max_attachment_bytes: int
    max_attachments: int


class MessageOut(OutputModel):
    id: int
    conversation_id: int
    inbox_id: int
    kind: MessageKind
    private: bool
    sender_type: str
    sender_id: int | None
    content: str
    content_attributes: dict[str, Any]
    external_id: str | None
    delivery_status: str | None
    delivery_error: str | None = None
    attachments: list[AttachmentOut] = Field(default_factory=list)
    created_at: datetime


class ConversationOut(OutputModel):
    id: int
    number: int
    inbox_id: int
    contact: ContactSummary
    subject: str
    status: ConversationStatus
    priority: ConversationPriority
    type: ConversationType
    assignee_id: int | None
    team_id: int | None
    labels: list[str]
    participant_ids: list[int]
    snoozed_until: datetime | None
    custom_attributes: dict[str, Any]
    created_at: datetime
    last_activity_at: datetime
    waiting_since: datetime | None
    first_reply_at: datetime | None
    resolved_at: datetime | None
    message_count: int
    # When the newest customer message arrived.
    last_incoming_at: datetime | None = None
    # Whether a customer message arrived after the asking user last read the conversation;
    # null in websocket events, which go to many users at once.
    unread: bool | None = None


class ConversationCounts(OutputModel):
    """How many conversations each built-in view of the list holds."""

    mine: int
    unassigned: int
    my_teams: int
    all: int
    mentions: int


class ReadMark(OutputModel):
    conversation_id: int
    last_read_at: datetime
    unread: bool = False


class BulkAssign(InputModel):
    type: Literal["assign"]
    assignee_id: int | None = None
    team_id: int | None = None


class BulkAddLabel(InputModel):
    type: Literal["add_label"]
    label: str = Field(min_length=1, max_length=64)


class BulkResolve(InputModel):
    type: Literal["resolve"]


BULK_MAX = 100


class BulkRequest(InputModel):
    """One action on up to 100 conversations; each is authorized and changed on its own."""

    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1, max_length=BULK_MAX)
    action: Annotated[BulkAssign | BulkAddLabel | BulkResolve, Field(discriminator="type")]


class BulkProblem(OutputModel):
    status: int
    title: str
    detail: str


class BulkItemResult(OutputModel):
    id: int
    ok: bool
    conversation: ConversationOut | None = None
    problem: BulkProblem | None = None


class BulkResult(OutputModel):
    results: list[BulkItemResult]


class ContactConversationsPage(OutputModel):
    """A contact's conversations that the caller may see, most recent first; `hidden_count`
    more are in inboxes the caller does not work (counted, never shown)."""

    items: list[ConversationOut]
    next_cursor: str | None
    hidden_count: int


class PostedMessage(MessageOut):
    """A posted message; when a late customer message opened a new conversation, says so."""

    new_conversation: bool = False


class LabelCreate(InputModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w\- ]+$")
    color: str = Field(default="#6b7280", pattern=r"^#[0-9a-fA-F]{6}$")
    description: str = Field(default="", max_length=500)


class LabelUpdate(InputModel):
    """A label's new name, color or description; a field left out stays as it is."""

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[\w\- ]+$")
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    description: str | None = Field(default=None, max_length=500)


class LabelOut(OutputModel):
    id: int
    name: str
    color: str
    description: str


class CannedResponseCreate(InputModel):
    short_code: str = Field(min_length=1, max_length=64, pattern=r"^[\w\-]+$")
    content: str = Field(min_length=1, max_length=10000)


class CannedResponseUpdate(InputModel):
    short_code: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[\w\-]+$")
    content: str | None = Field(default=None, min_length=1, max_length=10000)


class CannedResponseOut(OutputModel):
    id: int
    short_code: str
    content: str
