from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from frontdesk.conversations.rules import ConversationPriority, ConversationStatus, ConversationType
from frontdesk.conversations.schemas import ConversationSort
from frontdesk.core.schemas import InputModel, OutputModel


class ViewFilters(InputModel):
    """The conversation list's query parameters (GET /conversations); unknown keys are refused."""

    status: list[ConversationStatus] | None = Field(default=None, max_length=5)
    assignee_id: str | None = Field(default=None, pattern=r"^(me|none|[1-9][0-9]{0,17})$")
    team_id: str | None = Field(default=None, pattern=r"^(mine|[1-9][0-9]{0,17})$")
    mentioned: Literal["me"] | None = None
    inbox_id: int | None = Field(default=None, ge=1)
    label: str | None = Field(default=None, min_length=1, max_length=64)
    type: ConversationType | None = None
    priority: ConversationPriority | None = None
    q: str | None = Field(default=None, max_length=200)
    sort: ConversationSort | None = None


class SavedViewCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    filters: ViewFilters = Field(default_factory=ViewFilters)


class SavedViewUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    filters: ViewFilters | None = None


class SavedViewOut(OutputModel):
    id: int
    name: str
    filters: dict[str, Any]
    created_at: datetime
    updated_at: datetime
