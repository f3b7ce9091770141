"""The widget's settings (kept in a webchat inbox's settings) and its public API's bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from frontdesk.channels.webchat import rules
from frontdesk.core.schemas import InputModel, OutputModel

Language = Literal["en", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "ru")
ClientId = Annotated[str, Field(pattern=rules.CLIENT_ID.pattern)]
Phone = Annotated[str, Field(max_length=32, pattern=r"^\+?[0-9 ()\-]{3,32}$")]


class FieldMode(StrEnum):
    off = "off"
    optional = "optional"
    required = "required"


class PrechatFields(BaseModel):
    """What the pre-chat form asks before the first message; all off: no form."""

    model_config = ConfigDict(extra="forbid")

    name: FieldMode = FieldMode.off
    email: FieldMode = FieldMode.off
    phone: FieldMode = FieldMode.off
    # Consent to the processing of personal data (a checkbox; "required" must be ticked).
    consent: FieldMode = FieldMode.off

    @property
    def enabled(self) -> bool:
        return any(mode is not FieldMode.off for mode in self.__dict__.values())


class WidgetSettings(BaseModel):
    """A webchat inbox's settings (PATCH /api/v1/inboxes/{id} `settings`). Unknown keys are
    refused; `identity_secret` is write-only (shown to admins by GET .../webchat)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(default="", max_length=100, description="header; empty: the inbox name")
    greeting: str | dict[Language, Annotated[str, Field(max_length=500)]] = Field(
        default="", description="one text, or one per language: {'en': ..., 'ru': ...}"
    )
    color: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    position: Literal["right", "left"] = "right"
    languages: list[Language] = Field(
        default_factory=lambda: list(LANGUAGES),
        min_length=1,
        description="offered languages; the browser's is chosen when it is one of them",
    )
    allowed_domains: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="sites that may embed the widget (shop.example.com, *.example.com); "
        "empty: any site",
    )
    prechat: PrechatFields = Field(default_factory=PrechatFields)
    privacy_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    csat: bool = Field(default=True, description="ask for a rating 1-5 after resolution")
    require_identity: bool = Field(
        default=False, description="only visitors the host site identified (HMAC) may chat"
    )
    reply_time: Literal["minutes", "hour", "day"] = Field(
        default="minutes", description="the expected reply time shown to visitors"
    )
    website: str = Field(default="", max_length=500, description="the site, for reference")
    identity_secret: str | None = Field(default=None, min_length=16, max_length=200)

    @field_validator("greeting")
    @classmethod
    def _greeting_length(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, str) and len(value) > 500:
            raise ValueError("a greeting is at most 500 characters")
        return value

    @field_validator("languages")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        try:
            return list(dict.fromkeys(rules.normalize_domain(v) for v in value))
        except rules.InvalidDomain as exc:
            raise ValueError(str(exc)) from exc

    def greetings(self) -> dict[str, str]:
        if isinstance(self.greeting, str):
            return {language: self.greeting for language in self.languages}
        return {k: v for k, v in self.greeting.items() if v}


# ------------------------------------------------------------------------------- public API
class UploadLimits(OutputModel):
    max_message_chars: int
    max_upload_bytes: int
    max_uploads: int
    upload_types: list[str]


class WidgetConfigOut(OutputModel):
    """What the script needs to draw the widget: nothing else about the workspace."""

    inbox: str
    title: str
    greeting: dict[str, str]
    color: str
    position: str
    languages: list[str]
    prechat: PrechatFields
    privacy_url: str | None
    csat: bool
    require_identity: bool
    reply_time: str
    online: bool
    limits: UploadLimits


class PageIn(InputModel):
    url: str = Field(max_length=rules.MAX_URL)
    title: str = Field(default="", max_length=1000)
    referrer: str | None = Field(default=None, max_length=rules.MAX_URL)


class SessionCreate(InputModel):
    """Start or continue a visitor: `token` from an earlier answer continues the same
    visitor; `identifier` + `identifier_hash` come from the host site (identity check)."""

    token: str | None = Field(default=None, max_length=200)
    identifier: str | None = Field(default=None, min_length=1, max_length=200)
    identifier_hash: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    language: str | None = Field(default=None, max_length=35)
    page: PageIn | None = None


class CsatState(OutputModel):
    requested: bool
    rating: int | None = None
    comment: str = ""


class ConversationState(OutputModel):
    status: str
    # Until when an agent has read the conversation (the visitor's messages up to it: "read").
    agent_read_at: datetime | None = None
    csat: CsatState | None = None


class SessionOut(OutputModel):
    token: str
    identified: bool
    name: str
    email: str | None
    prechat_done: bool
    conversation: ConversationState | None


class PrechatIn(InputModel):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: Phone | None = None
    consent: bool = False


class VisitorMessageIn(InputModel):
    content: str = ""
    client_id: ClientId


class AgentOut(OutputModel):
    name: str
    initials: str


class WidgetAttachmentOut(OutputModel):
    id: int
    file_name: str
    content_type: str
    size: int
    url: str


class WidgetMessageOut(OutputModel):
    id: int
    # The id the script gave the message (its own messages only).
    client_id: str | None = None
    author: Literal["visitor", "agent", "bot"]
    content: str
    attachments: list[WidgetAttachmentOut] = Field(default_factory=list)
    agent: AgentOut | None = None
    created_at: datetime


class MessagesOut(OutputModel):
    items: list[WidgetMessageOut]
    # Ask again with `after` = this for what comes next.
    last_id: int | None
    conversation: ConversationState | None


class ReadIn(InputModel):
    message_id: int = Field(ge=1, le=2**63 - 1)


class TypingIn(InputModel):
    typing: bool = True


class CsatIn(InputModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class CsatOut(OutputModel):
    conversation_status: str
    rating: int
    comment: str
    answered_at: datetime


class OfflineIn(InputModel):
    """The offline form: the visitor leaves a message and where to answer it."""

    email: EmailStr
    name: str = Field(default="", max_length=200)
    content: str = Field(min_length=1, max_length=5000)
    client_id: ClientId


# --------------------------------------------------------------------------- agents and admins
class PageViewOut(OutputModel):
    url: str
    title: str = ""
    at: datetime | None = None


class VisitorOut(OutputModel):
    """What the widget tells agents about the visitor of a conversation."""

    identified: bool
    identifier: str | None
    name: str
    email: str | None
    phone: str | None
    consent_at: datetime | None
    followup_email: str | None
    current_url: str | None
    page_title: str
    referrer: str | None
    browser: str
    user_agent: str
    language: str | None
    pages: list[PageViewOut]
    first_seen_at: datetime
    last_seen_at: datetime


class WebchatSetupOut(OutputModel):
    """For admins: how to embed the widget, and the secret for identity verification."""

    inbox_id: int
    public_id: str
    script_url: str
    snippet: str
    preview_url: str = Field(
        description="the desk's page that shows this chat as visitors see it, to try it out"
    )
    identity_secret: str
    settings: WidgetSettings
