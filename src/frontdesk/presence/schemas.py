"""What the presence API answers, and the frames an agent's app sends over the websocket."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.schemas import OutputModel

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class PresenceOut(OutputModel):
    user_id: int
    status: Literal["online", "away", "offline"]
    version: int = Field(
        description="increases with every change of this user's status; 0 if never announced"
    )


class _Frame(BaseModel):
    # Fields a newer app may add are ignored; a wrong type of a known one is refused.
    model_config = ConfigDict(extra="ignore")


class PingFrame(_Frame):
    type: Literal["ping"]


class ViewingFrame(_Frame):
    """The sender has the conversation open (sent when opening it, then every 20 s or so)."""

    type: Literal["conversation.viewing"]
    conversation_id: Id


class LeftFrame(_Frame):
    """The sender closed the conversation."""

    type: Literal["conversation.left"]
    conversation_id: Id


class TypingFrame(_Frame):
    """The sender is typing in the conversation (sent every few seconds while typing)."""

    type: Literal["conversation.typing"]
    conversation_id: Id
    private: Annotated[bool, Field(strict=True)] = False


ClientFrame = Annotated[
    PingFrame | ViewingFrame | LeftFrame | TypingFrame, Field(discriminator="type")
]
FRAME_TYPES = ("ping", "conversation.viewing", "conversation.left", "conversation.typing")
