"""What the portal's pages are made from: only what a customer may see, nothing internal
(no assignee, team, labels, notes, agents' e-mails, channel headers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from frontdesk.core.schemas import InputModel, OutputModel


@dataclass(frozen=True)
class Portal:
    """A workspace's portal: its portal inbox, or none (then the portal is off)."""

    workspace_id: int
    slug: str
    name: str
    inbox_id: int | None
    inbox_settings: dict[str, Any] = field(default_factory=dict)
    # Every inbox of the workspace and its channel: a conversation shows where it came from.
    channel_types: dict[int, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.inbox_id is not None


@dataclass(frozen=True)
class Customer:
    """A signed-in browser: the address it proved, and its session's CSRF token."""

    email: str
    csrf_token: str
    language: str
    token_hash: str


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


class SignInRequest(InputModel):
    email: EmailStr = Field(max_length=320)


class PortalField(OutputModel):
    """A custom conversation attribute the request form asks for."""

    key: str
    label: str
    value_type: str
    options: list[str] = Field(default_factory=list)
    required: bool = False


class CustomerAttachment(OutputModel):
    id: int
    file_name: str
    content_type: str
    size: int


class CustomerMessage(OutputModel):
    id: int
    # "customer", "agent" or "bot"
    author: str
    # The agent's first name; empty for the customer's own messages.
    author_name: str
    content: str
    attachments: list[CustomerAttachment]
    created_at: datetime


class CustomerConversation(OutputModel):
    id: int
    number: int
    subject: str
    type: str
    channel_type: str
    # received | in_progress | awaiting_you | resolved (rules.customer_status)
    status: str
    can_reply: bool
    created_at: datetime
    last_activity_at: datetime


class CustomerConversationPage(OutputModel):
    items: list[CustomerConversation]
    next_cursor: str | None = None


class CustomerConversationDetail(OutputModel):
    conversation: CustomerConversation
    messages: list[CustomerMessage]
    custom_fields: list[tuple[str, str]] = Field(default_factory=list)


@dataclass(frozen=True)
class AttachmentFile:
    file_name: str
    content_type: str
    storage_key: str


class PortalFieldSetting(BaseModel):
    """One field of the request form: a conversation attribute's key, required or not."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=100)
    required: bool = False


class PortalInboxSettings(BaseModel):
    """The portal inbox's settings as an admin may set them (other keys are kept as they are)."""

    model_config = ConfigDict(extra="allow")
    title: str = Field(default="", max_length=200)
    fields: list[str | PortalFieldSetting] = Field(default_factory=list, max_length=50)
    allow_new_customers: bool = True

    @field_validator("fields")
    @classmethod
    def _each_field_once(
        cls, fields: list[str | PortalFieldSetting]
    ) -> list[str | PortalFieldSetting]:
        keys = [f if isinstance(f, str) else f.key for f in fields]
        if "" in keys:
            raise ValueError("a field needs the key of a conversation attribute")
        if len(set(keys)) != len(keys):
            raise ValueError("each field may be on the form once")
        return fields
