"""What an admin sets per channel type (kept in `inboxes.settings`), and what setup answers.

Secrets (names ending in token, secret, password, key) are write-only: answers show "set" or
"not set", and a change that leaves one out keeps the stored value."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.channels.email.schemas import EmailSettings
from frontdesk.core.schemas import OutputModel


class _Setup(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WhatsAppTemplate(_Setup):
    """An approved message template agents may send outside the 24-hour window."""

    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field(min_length=2, max_length=15, pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    # How many {{n}} parameters its body has: the agent fills that many.
    parameters: int = Field(default=0, ge=0, le=20)


class WhatsAppSetup(_Setup):
    """A WhatsApp Cloud API number: its ids in Meta's Business Manager, the system user's
    access token, the app secret (signs the webhooks) and the verify token (the admin makes
    one up and types it at Meta too)."""

    phone_number_id: str = Field(min_length=5, max_length=32, pattern=r"^[0-9]+$")
    business_account_id: str = Field(default="", max_length=32, pattern=r"^[0-9]*$")
    access_token: str = Field(min_length=20, max_length=1000)
    app_secret: str = Field(min_length=16, max_length=200)
    verify_token: str = Field(min_length=8, max_length=200)
    templates: list[WhatsAppTemplate] = Field(default_factory=list, max_length=200)


class VkSetup(_Setup):
    """A VK community: its id, a community access token (messages), the Callback API secret
    and the confirmation string VK shows in the community's Callback API settings."""

    group_id: int = Field(ge=1, le=10**12)
    access_token: str = Field(min_length=20, max_length=1000)
    secret: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9]+$")
    confirmation_code: str = Field(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9]+$")


class ApiChannelSetup(_Setup):
    """The integrator's side of an API channel: where agents' replies are posted."""

    webhook_url: str = Field(default="", max_length=2000, pattern=r"^(https?://[^\s]+)?$")


class EmailSetup(EmailSettings):
    """The e-mail channel's own settings, refusing keys it does not know."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# The channel types whose fields are saved through setup. Telegram connects through its own
# endpoint (getMe, setWebhook with a new secret); the widget and portal have their own.
SETUP_SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": WhatsAppSetup,
    "vk": VkSetup,
    "api": ApiChannelSetup,
    "email": EmailSetup,
}


class ChannelSetupOut(OutputModel):
    inbox_id: int
    channel_type: str
    public_id: str
    # Where the provider must send its events: register it there (None: nothing to register).
    webhook_url: str | None
    # Whether everything the channel needs to work is set.
    connected: bool
    missing: list[str]
    settings: dict[str, Any]
    # A portal inbox: the portal's address to share with customers (None: not a portal inbox,
    # or not the workspace's portal, which is its first portal inbox).
    portal_url: str | None = None


class CheckItem(OutputModel):
    name: str = Field(description="what was tried: bot, imap, smtp, phone_number, templates, group")
    ok: bool
    detail: str


class ProviderTemplate(OutputModel):
    name: str
    language: str
    parameters: int
    status: str


class ChannelCheckOut(OutputModel):
    ok: bool
    checks: list[CheckItem]
    # WhatsApp: the business account's templates as Meta lists them.
    templates: list[ProviderTemplate] = Field(default_factory=list)


class InboundToken(OutputModel):
    """An API channel's new inbound token: shown this once, stored write-only."""

    token: str
    webhook_url: str
