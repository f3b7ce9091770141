"""The portal as a channel: an agent's reply in a portal conversation is already there for the
customer to read; "delivering" it mails them a notice with the text and a link back.

Registered in channels/registry.py, so a reply there goes through the channel.deliver outbox
job like a messenger's: pending, then sent once the notice is mailed (or at once when the desk
has no SMTP server: the portal shows the reply all the same).
"""

from __future__ import annotations

import dataclasses
import logging

import aiosmtplib
from sqlalchemy.orm import Session

from frontdesk.channels.base import (
    ChannelConnection,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.notifications.mailer import send_mail
from frontdesk.portal import rules
from frontdesk.settings import Settings

log = logging.getLogger(__name__)
IDENTITY_KIND = "email"
NOTICE = "portal_notice"


def prepare(session: Session, workspace_id: int, message: OutboundMessage) -> OutboundMessage:
    """Read what the mail says while the delivery job plans (the sender has no database)."""
    # Imported here: the channel registry loads this module while conversations load it.
    from frontdesk.portal import service

    notice = service.reply_notice(
        session,
        workspace_id=workspace_id,
        message_id=message.message_id,
        recipient=message.recipient,
    )
    if notice is None:
        return message
    return dataclasses.replace(
        message, content_attributes={**message.content_attributes, NOTICE: notice.to_json()}
    )


class PortalNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: OutboundMessage) -> SendResult:
        notice = message.content_attributes.get(NOTICE)
        if not isinstance(notice, dict):
            raise PermanentDeliveryError("the reply's conversation is gone")
        if not self.settings.smtp_host:
            log.info(
                "no SMTP server: the customer reads reply %s in the portal", message.message_id
            )
            return SendResult()
        language = str(notice.get("language") or "en")
        subject, body = rules.reply_mail(
            language=language,
            number=int(notice.get("number") or 0),
            subject=str(notice.get("subject") or ""),
            agent=str(notice.get("agent") or ""),
            content=message.content,
            url=self.settings.base_url.rstrip("/") + str(notice.get("path") or "/portal"),
            attachments=[str(n) for n in notice.get("attachments") or []],
        )
        try:
            await send_mail(
                self.settings,
                to=message.recipient,
                subject=subject,
                body=body,
                key=f"portal-reply-{message.message_id}",
                idempotency_key=message.idempotency_key,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(
                f"the customer's address refused the notice mail ({exc}); the reply is in the "
                "portal"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError(f"the notice mail could not be sent: {exc}") from exc
        return SendResult()


def make_sender(connection: ChannelConnection) -> PortalNotifier:
    return PortalNotifier(connection.settings)
