"""Which channel types deliver outgoing messages and fetch incoming files, and how.

A channel registers a `ChannelDriver` for its inbox `channel_type`. The desk asks the registry
whether an inbox's messages need delivering (`has_sender`: an agent's reply there starts as
`pending` with a `channel.deliver` job) and builds senders and fetchers from an inbox's
settings when the worker runs a job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.channels.base import (
    AttachmentFetcher,
    ChannelConnection,
    ChannelSender,
    OutboundMessage,
)
from frontdesk.core.errors import Problem

SenderFactory = Callable[[ChannelConnection], ChannelSender]
FetcherFactory = Callable[[ChannelConnection], AttachmentFetcher]
# Adds what only the channel knows to an outgoing message, read in the delivery plan's
# session (e-mail: the thread's Message-IDs and the conversation's number for the subject).
Preparer = Callable[[Session, int, OutboundMessage], OutboundMessage]
# Refuses an outgoing message the channel cannot send now, before it is stored (WhatsApp:
# outside 24 hours of the customer's last message only templates). Given when the customer
# last wrote in the conversation, now, and the message's content attributes: the refusal.
ReplyCheck = Callable[[datetime | None, datetime, dict[str, Any]], Problem | None]
# Durable work a channel adds in the transaction that resolved one of its conversations (the
# widget: its satisfaction survey, as an outbox job). Called with the unit of work and, as
# keywords, `inbox` (a ChannelInbox), `conversation_id`, `assignee_id` and `resolved_at`.
ResolvedHook = Callable[..., None]
# ... in the transaction of an agent's public reply or a bot message (the widget: the reply
# mailed to a visitor who left the offline form). Keywords: workspace_id, conversation_id,
# message_id. The hot path: a hook should cost nothing for most conversations.
ReplyHook = Callable[..., None]


@dataclass(frozen=True)
class ChannelDriver:
    # The contact identity kind the channel's customers have (replies go to that address).
    identity_kind: str
    sender: SenderFactory | None = None
    fetcher: FetcherFactory | None = None
    prepare: Preparer | None = None
    reply_check: ReplyCheck | None = None
    on_resolved: ResolvedHook | None = None
    on_reply: ReplyHook | None = None


_DRIVERS: dict[str, ChannelDriver] = {}


def register(channel_type: str, driver: ChannelDriver) -> None:
    _DRIVERS[channel_type] = driver


def driver_for(channel_type: str) -> ChannelDriver | None:
    return _DRIVERS.get(channel_type)


def has_sender(channel_type: str | None) -> bool:
    driver = _DRIVERS.get(channel_type or "")
    return driver is not None and driver.sender is not None


def reply_refusal(
    channel_type: str | None,
    *,
    last_customer_message_at: datetime | None,
    now: datetime,
    content_attributes: dict[str, Any],
) -> Problem | None:
    """Why the channel cannot send this outgoing message now, or None."""
    driver = _DRIVERS.get(channel_type or "")
    if driver is None or driver.reply_check is None:
        return None
    return driver.reply_check(last_customer_message_at, now, content_attributes)


def resolved(uow: Any, *, inbox: Any, conversation_id: int, **details: Any) -> None:
    """A conversation of `inbox` (a ChannelInbox) was resolved in `uow`: its channel's hook."""
    driver = _DRIVERS.get(inbox.channel_type)
    if driver is not None and driver.on_resolved is not None:
        driver.on_resolved(uow, inbox=inbox, conversation_id=conversation_id, **details)


def replied(channel_type: str | None, uow: Any, **details: Any) -> None:
    """An agent replied (or a bot wrote) publicly in a conversation of this channel, in `uow`."""
    driver = _DRIVERS.get(channel_type or "")
    if driver is not None and driver.on_reply is not None:
        driver.on_reply(uow, **details)


def _register_builtin() -> None:
    # Imported here, not at the top: the channel packages import this module's types.
    from frontdesk.channels.api_channel import client as api_channel
    from frontdesk.channels.email import client as email
    from frontdesk.channels.telegram import client as telegram
    from frontdesk.channels.vk import client as vk
    from frontdesk.channels.whatsapp import client as whatsapp
    from frontdesk.channels.whatsapp import rules as whatsapp_rules
    from frontdesk.portal import channel as portal

    register(
        "telegram",
        ChannelDriver(
            identity_kind="telegram", sender=telegram.make_sender, fetcher=telegram.make_fetcher
        ),
    )
    register(
        "whatsapp",
        ChannelDriver(
            identity_kind="whatsapp",
            sender=whatsapp.make_sender,
            fetcher=whatsapp.make_fetcher,
            reply_check=whatsapp_rules.reply_check,
        ),
    )
    register(
        "vk", ChannelDriver(identity_kind="vk", sender=vk.make_sender, fetcher=vk.make_fetcher)
    )
    register(
        "email",
        ChannelDriver(identity_kind="email", sender=email.make_sender, prepare=email.prepare),
    )
    # The integrator's own system: replies POSTed to its webhook URL, signed; an inbox
    # without a webhook URL delivers nothing (conversations/repository.py: the integrator
    # reads replies over the REST API).
    register(
        "api",
        ChannelDriver(
            identity_kind="external",
            sender=api_channel.make_sender,
            fetcher=api_channel.make_fetcher,
        ),
    )
    # The reply is in the portal already; "sending" it mails the customer a notice.
    register(
        "portal",
        ChannelDriver(
            identity_kind=portal.IDENTITY_KIND, sender=portal.make_sender, prepare=portal.prepare
        ),
    )


_register_builtin()
