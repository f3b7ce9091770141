"""What the WhatsApp endpoints take and answer (transport only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from frontdesk.core.schemas import InputModel, OutputModel


class TemplateOut(OutputModel):
    name: str
    language: str
    parameters: int = Field(description="how many {{n}} parameters its body takes")


class ReplyWindowOut(OutputModel):
    """Whether an agent may write freely in a WhatsApp conversation now (the customer wrote in
    the last 24 hours), and the templates the inbox offers for when not."""

    open: bool
    last_customer_message_at: datetime | None
    closes_at: datetime | None
    templates: list[TemplateOut]


class TemplateSend(InputModel):
    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=15)
    parameters: list[Annotated[str, Field(max_length=1024)]] = Field(
        default_factory=list, max_length=20, description="the values of {{1}}, {{2}}, ..."
    )
