from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import EmailStr, Field

from frontdesk.core.schemas import InputModel, OutputModel


class IdentityKind(StrEnum):
    email = "email"
    phone = "phone"
    telegram = "telegram"
    whatsapp = "whatsapp"
    vk = "vk"
    external = "external"
    # A website user the host site identified to the chat widget (its user id, HMAC-signed).
    webchat_user = "webchat_user"


class AttributeType(StrEnum):
    text = "text"
    number = "number"
    boolean = "boolean"
    date = "date"
    list = "list"
    link = "link"


Tag = Annotated[str, Field(min_length=1, max_length=64)]


class IdentityIn(InputModel):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class IdentityOut(OutputModel):
    kind: IdentityKind
    value: str


class ContactCreate(InputModel):
    name: str = Field(default="", max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{3,32}$")
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=100)
    notes: str = Field(default="", max_length=10000)
    custom_attributes: dict[str, Any] = Field(default_factory=dict)


class ContactUpdate(InputModel):
    """Fields left out stay as they are. With `version` (or the If-Match header) the change is
    made only if the contact is still at that version, else 409."""

    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{3,32}$")
    identities: list[IdentityIn] | None = Field(default=None, max_length=50)
    tags: list[Tag] | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=10000)
    custom_attributes: dict[str, Any] | None = None
    version: str | None = Field(default=None, min_length=1, max_length=64)


class ContactSummary(OutputModel):
    id: int
    name: str
    email: str | None
    phone: str | None


class ContactOut(ContactSummary):
    identities: list[IdentityOut]
    tags: list[str]
    notes: str
    custom_attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    # Changes with every edit; send it back with a PATCH to refuse lost updates.
    version: str


AttributeOption = Annotated[str, Field(min_length=1, max_length=200)]


class AttributeDefinitionCreate(InputModel):
    applies_to: str = Field(pattern="^(contact|conversation)$")
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=200)
    value_type: AttributeType
    options: list[AttributeOption] = Field(default_factory=list, max_length=200)


class AttributeDefinitionUpdate(InputModel):
    """A new label, or a list attribute's new options; a field left out stays as it is. The
    key, type and what it applies to are fixed: stored values were checked against them."""

    label: str | None = Field(default=None, min_length=1, max_length=200)
    options: list[AttributeOption] | None = Field(default=None, max_length=200)


class AttributeDefinitionOut(OutputModel):
    id: int
    applies_to: str
    key: str
    label: str
    value_type: AttributeType
    options: list[str]


class MatchReason(OutputModel):
    """What a possible duplicate shares with the contact: an e-mail or a phone (its digits
    as compared, e.g. without the country's trunk prefix)."""

    kind: str = Field(description="email or phone")
    value: str


class ContactDuplicate(OutputModel):
    contact: ContactOut
    reasons: list[MatchReason]
    # The duplicate's conversations: what a merge would move (a count, whoever may see them).
    conversation_count: int


class ContactMerge(InputModel):
    other_id: int = Field(ge=1, description="the contact merged into this one, then deleted")
