from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from pydantic import EmailStr, Field, field_validator

from frontdesk.core.principal import Role
from frontdesk.core.schemas import InputModel, OutputModel

_ZONES = frozenset(available_timezones()) | {"UTC"}
Language = str


def _check_zone(value: str | None) -> str | None:
    if value is not None and value not in _ZONES:
        raise ValueError(f"unknown time zone '{value}'")
    return value


class WorkspaceOut(OutputModel):
    id: int
    name: str
    slug: str


class UserCreate(InputModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.agent
    password: str | None = Field(default=None, min_length=8, max_length=200)
    time_zone: str = "UTC"
    language: str = Field(default="en", pattern="^(en|ru)$")

    _zone = field_validator("time_zone")(_check_zone)


class UserUpdate(InputModel):
    email: EmailStr | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    time_zone: str | None = None
    language: str | None = Field(default=None, pattern="^(en|ru)$")
    is_active: bool | None = None

    _zone = field_validator("time_zone")(_check_zone)


class ProfileUpdate(InputModel):
    """The current user's own settings; a field left out (or null) stays as it is."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    language: str | None = Field(default=None, pattern="^(en|ru)$")
    time_zone: str | None = Field(default=None, description="an IANA zone, e.g. Europe/Moscow")

    _zone = field_validator("time_zone")(_check_zone)


class AvailabilityUpdate(InputModel):
    availability: str = Field(pattern="^(online|away|offline)$")


class UserOut(OutputModel):
    id: int
    email: str
    name: str
    role: Role
    time_zone: str
    language: str
    availability: str
    is_active: bool
    created_at: datetime


class TeamCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=1000)
    member_ids: list[int] = Field(default_factory=list, max_length=1000)
    inbox_ids: list[int] = Field(default_factory=list, max_length=1000)


class TeamUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    member_ids: list[int] | None = Field(default=None, max_length=1000)
    inbox_ids: list[int] | None = Field(default=None, max_length=1000)


class TeamOut(OutputModel):
    id: int
    name: str
    description: str
    member_ids: list[int]
    inbox_ids: list[int]
    created_at: datetime
