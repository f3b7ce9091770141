"""Sending an agent's reply as a mail over the inbox's SMTP server (aiosmtplib).

The mail threads in the customer's client: our own Message-ID, In-Reply-To the mail it
answers, References of the whole thread, "Re: <subject> [#number]", and a Reply-To with the
conversation's reply token, so the customer's answer finds its conversation even when their
client drops the headers.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib
from sqlalchemy.orm import Session

from frontdesk.channels.base import (
    ChannelConnection,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)
from frontdesk.channels.email import rules
from frontdesk.channels.email.schemas import (
    EmailSettings,
    EmailSettingsError,
    Security,
    email_settings,
)

__all__ = [
    "EmailSender",
    "OutgoingMail",
    "build_mail",
    "check_smtp",
    "make_sender",
    "our_message_id",
    "prepare",
    "send_mail",
]


@dataclass(frozen=True)
class OutgoingMail:
    """Everything a reply mail says, decided before it is built."""

    message_id: int
    conversation_id: int
    conversation_number: int
    recipient: str
    text: str
    subject: str
    # The Message-ID of the mail this one answers, and the thread's ids before it.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[OutboundAttachment, ...] = field(default=())
    sent_at: datetime | None = None


def our_message_id(mail: OutgoingMail, config: EmailSettings, *, secret: str) -> str:
    return rules.make_message_id(
        message_id=mail.message_id,
        conversation_id=mail.conversation_id,
        domain=config.domain,
        secret=secret,
    )


def build_mail(mail: OutgoingMail, config: EmailSettings, *, secret: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = (
        formataddr((config.from_name, config.email)) if config.from_name else (config.email)
    )
    message["To"] = mail.recipient
    message["Reply-To"] = formataddr(
        (
            config.from_name,
            rules.reply_address(config.email, conversation_id=mail.conversation_id, secret=secret),
        )
    )
    message["Subject"] = rules.reply_subject(mail.subject, number=mail.conversation_number)
    message["Message-ID"] = f"<{our_message_id(mail, config, secret=secret)}>"
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{mail.in_reply_to}>"
    references = rules.thread_references(mail.references, parent=mail.in_reply_to)
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    message["Date"] = format_datetime(mail.sent_at or datetime.now(UTC))
    message.set_content(mail.text or "")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.file_name
        )
    return message


async def send_mail(
    message: EmailMessage, config: EmailSettings, *, timeout_seconds: float
) -> None:
    """Hand the mail to the inbox's SMTP server; the errors say whether to try again."""
    if not config.sends_mail:
        raise PermanentDeliveryError("the inbox has no SMTP server set: replies cannot be sent")
    context = ssl.create_default_context()
    try:
        await aiosmtplib.send(
            message,
            hostname=config.smtp_host,
            port=config.smtp_port,
            username=config.smtp_username or None,
            password=config.smtp_password or None,
            use_tls=config.smtp_security is Security.ssl,
            start_tls=config.smtp_security is Security.starttls,
            tls_context=context,
            timeout=timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        if all(r.code >= 500 for r in exc.recipients):
            raise PermanentDeliveryError(
                f"the mail server refused the recipient ({reasons})"
            ) from exc
        raise TransientDeliveryError(f"the mail server deferred the recipient ({reasons})") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise PermanentDeliveryError(
            f"the mail server refused the inbox's SMTP login ({exc.code} {exc.message})"
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise PermanentDeliveryError(
                f"the mail server refused the mail ({exc.code} {exc.message})"
            ) from exc
        raise TransientDeliveryError(f"the mail server answered {exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TransientDeliveryError(
            f"cannot reach the mail server {config.smtp_host}:{config.smtp_port}: {exc}"
        ) from exc


async def check_smtp(config: EmailSettings, *, timeout_seconds: float = 15.0) -> str:
    """Connect and log in without sending anything; a description, or an exception."""
    if not config.sends_mail:
        raise PermanentDeliveryError("no SMTP server is set")
    client = aiosmtplib.SMTP(
        hostname=config.smtp_host,
        port=config.smtp_port,
        use_tls=config.smtp_security is Security.ssl,
        start_tls=config.smtp_security is Security.starttls,
        tls_context=ssl.create_default_context(),
        timeout=timeout_seconds,
    )
    await client.connect()
    try:
        if config.smtp_username:
            await client.login(config.smtp_username, config.smtp_password)
        await client.noop()
    finally:
        await client.quit()
    return f"connected to {config.smtp_host}:{config.smtp_port}"


class EmailSender:
    """The channel core's sender for e-mail inboxes: one reply, one mail."""

    def __init__(self, connection: ChannelConnection) -> None:
        self.connection = connection

    async def send(self, message: OutboundMessage) -> SendResult:
        try:
            config = email_settings(self.connection.inbox_settings)
        except EmailSettingsError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        attributes = message.content_attributes.get("email") or {}
        mail = OutgoingMail(
            message_id=message.message_id,
            conversation_id=message.conversation_id,
            conversation_number=int(attributes.get("conversation_number") or 0),
            recipient=message.recipient,
            text=message.content,
            subject=str(attributes.get("subject") or message.subject or ""),
            in_reply_to=attributes.get("in_reply_to") or message.reply_to_external_id,
            references=tuple(attributes.get("references") or ()),
            attachments=message.attachments,
        )
        secret = self.connection.settings.secret_key
        try:
            built = build_mail(mail, config, secret=secret)
        except (ValueError, TypeError) as exc:  # an address or header no mail may carry
            raise PermanentDeliveryError(f"the reply cannot be written as a mail: {exc}") from exc
        await send_mail(
            built, config, timeout_seconds=self.connection.settings.channel_timeout_seconds
        )
        return SendResult(
            external_id=our_message_id(mail, config, secret=secret),
            content_attributes={
                "email": {
                    "message_id": our_message_id(mail, config, secret=secret),
                    "subject": str(built["Subject"]),
                    "in_reply_to": mail.in_reply_to,
                }
            },
        )


def make_sender(connection: ChannelConnection) -> EmailSender:
    return EmailSender(connection)


def prepare(session: Session, workspace_id: int, message: OutboundMessage) -> OutboundMessage:
    """The thread a reply continues, read with the delivery plan (see service.prepare_reply)."""
    from frontdesk.channels.email.service import prepare_reply  # the service imports the core

    return prepare_reply(session, message, workspace_id=workspace_id)
