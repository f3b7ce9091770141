from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from frontdesk.core.schemas import InputModel, OutputModel


class ChannelType(StrEnum):
    webchat = "webchat"
    telegram = "telegram"
    whatsapp = "whatsapp"
    vk = "vk"
    email = "email"
    portal = "portal"
    api = "api"


class InboxCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    channel_type: ChannelType
    settings: dict[str, Any] = Field(default_factory=dict)
    member_ids: list[int] = Field(default_factory=list, max_length=1000)


class InboxUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = None


class InboxMembers(InputModel):
    user_ids: list[int] = Field(max_length=1000)


class InboxOut(OutputModel):
    id: int
    name: str
    channel_type: ChannelType
    public_id: str
    settings: dict[str, Any]
    member_ids: list[int]
    created_at: datetime
