"""FRONTDESK_* settings, read from the environment (and a .env file when present)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    # Pub/sub ignores Redis database numbers: desks sharing a Redis need their own channel.
    redis_channel: str = "frontdesk:events"
    # Set by `frontdesk serve --workers N` on SQLite without Redis: processes share events
    # by tailing the events table.
    tail_events: bool = False
    secret_key: str = "change-me-in-production"
    base_url: str = "http://127.0.0.1:8000"

    # Limits on what a client may send; exceeding them is a 4xx, never a crash.
    max_message_chars: int = Field(default=64 * 1024, ge=1)
    max_attachment_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # A customer message later than this after resolution starts a new conversation.
    reopen_window_days: int = Field(default=7, ge=0)

    # Session cookie lifetime; API tokens do not expire until revoked.
    session_days: int = 14
    cookie_secure: bool = False

    # SMTP used for agent notifications (mentions, assignments).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Frontdesk <frontdesk@localhost>"

    # Durable work: how the outbox worker retries.
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_backoff_base_seconds: float = Field(default=2.0, gt=0)
    outbox_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # A running job whose worker has not finished it by then is taken over by another worker
    # (the first one is presumed dead): longer than any delivery takes.
    outbox_lease_seconds: float = Field(default=300.0, gt=0)

    # Channels: provider API base URLs (tests point them at local servers) and how long a
    # call to a provider may take before it counts as failed (and is retried).
    telegram_api_url: str = "https://api.telegram.org"
    # Meta's Graph API with its version (WhatsApp Cloud API) and VK's API host.
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    vk_api_url: str = "https://api.vk.com"
    channel_timeout_seconds: float = Field(default=30.0, gt=0)

    # Outgoing webhooks and the API channel's replies to the integrator: how long a receiver
    # may take to answer, and the private networks a URL may point at anyway (comma-separated
    # CIDRs or addresses, e.g. "127.0.0.1,10.0.0.0/8"); by default only public addresses (SSRF).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_allowed_networks: str = ""

    # permessage-deflate on the websockets (agents' and the widget's). Off: their frames are
    # small JSON events, and compressing each one for each socket took half the event loop's
    # time in bench/widget_load.py, and keeps a zlib context per socket.
    ws_compression: bool = False

    # Writer: how many queued writes one SQLite transaction may group.
    writer_batch_size: int = Field(default=256, ge=1)
    db_pool_size: int = Field(default=10, ge=1)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'frontdesk.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"
