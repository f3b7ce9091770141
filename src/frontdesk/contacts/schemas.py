from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import EmailStr, Field

from frontdesk.core.schemas import InputModel, OutputModel


class IdentityKind(StrEnum):
    email = "email"
    phone = "phone"
    telegram = "telegram"
    whatsapp = "whatsapp"
    vk = "vk"
    external = "external"


class AttributeType(StrEnum):
    text = "text"
    number = "number"
    boolean = "boolean"
    date = "date"
    list = "list"
    link = "link"


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
    tags: list[str] = Field(default_factory=list, max_length=100)
    notes: str = Field(default="", max_length=10000)
    custom_attributes: dict[str, Any] = Field(default_factory=dict)


class ContactUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{3,32}$")
    identities: list[IdentityIn] | None = Field(default=None, max_length=50)
    tags: list[str] | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=10000)
    custom_attributes: dict[str, Any] | None = None


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


class AttributeDefinitionCreate(InputModel):
    applies_to: str = Field(pattern="^(contact|conversation)$")
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=200)
    value_type: AttributeType
    options: list[str] = Field(default_factory=list, max_length=200)


class AttributeDefinitionOut(OutputModel):
    id: int
    applies_to: str
    key: str
    label: str
    value_type: AttributeType
    options: list[str]
