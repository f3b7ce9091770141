"""The reply mail as built for the customer's client, and how SMTP answers are read."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import httpx
import pytest

from frontdesk.channels.base import (
    ChannelConnection,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
)
from frontdesk.channels.email import rules
from frontdesk.channels.email.client import EmailSender, OutgoingMail, build_mail
from frontdesk.channels.email.parse import parse_mail
from frontdesk.channels.email.schemas import EmailSettings
from frontdesk.settings import Settings

SECRET = "s3cret"
CONFIG = EmailSettings(email="support@shop.example", from_name="Магазин «Ёлка»")


def reply(**changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "message_id": 77,
        "conversation_id": 12,
        "conversation_number": 1042,
        "recipient": "ann@customer.example",
        "text": "Здравствуйте! Заказ отправлен.",
        "subject": "Re: Где мой заказ?",
        "in_reply_to": "c2@customer.example",
        "references": ("c1@customer.example",),
        **changes,
    }
    return OutgoingMail(**fields)


def test_the_reply_threads_in_the_customers_client() -> None:
    built = build_mail(reply(), CONFIG, secret=SECRET)
    again = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert again["To"] == "ann@customer.example"
    assert again["From"].addresses[0].display_name == "Магазин «Ёлка»"
    assert again["From"].addresses[0].addr_spec == "support@shop.example"
    assert again["Subject"] == "Re: Где мой заказ? [#1042]"
    assert again["In-Reply-To"] == "<c2@customer.example>"
    assert again["References"] == "<c1@customer.example> <c2@customer.example>"
    assert again["Date"]
    reply_to = again["Reply-To"].addresses[0].addr_spec
    assert rules.parse_reply_token([reply_to], secret=SECRET) == 12
    ours = again["Message-ID"].strip("<>")
    assert rules.parse_our_message_id(ours, secret=SECRET) == (12, 77)
    assert again.get_content().strip() == "Здравствуйте! Заказ отправлен."


def test_a_reply_reads_back_through_our_own_parser() -> None:
    built = build_mail(
        reply(attachments=(OutboundAttachment("счёт.pdf", "application/pdf", b"%PDF-1.4 x"),)),
        CONFIG,
        secret=SECRET,
    )
    parsed = parse_mail(built.as_bytes())
    assert parsed.text == "Здравствуйте! Заказ отправлен."
    assert [(a.file_name, a.size) for a in parsed.attachments] == [("счёт.pdf", 10)]
    assert parsed.in_reply_to == ("c2@customer.example",)
    assert not parsed.classification.automated


def test_a_first_reply_without_a_thread_has_no_threading_headers() -> None:
    built = build_mail(reply(in_reply_to=None, references=()), CONFIG, secret=SECRET)
    assert built["In-Reply-To"] is None and built["References"] is None


def test_header_injection_is_impossible() -> None:
    built = build_mail(reply(subject="Hi\r\nBcc: everyone@else.example"), CONFIG, secret=SECRET)
    assert built["Bcc"] is None
    assert built["Subject"] == "Re: Hi Bcc: everyone@else.example [#1042]"


async def test_a_recipient_no_mail_may_carry_fails_for_good() -> None:
    async with httpx.AsyncClient() as http:
        sender = EmailSender(
            ChannelConnection(
                inbox_id=1,
                public_id="p",
                inbox_settings={"email": "support@shop.example", "smtp_host": "127.0.0.1"},
                settings=Settings(secret_key=SECRET, _env_file=None),  # type: ignore[call-arg]
                http=http,
            )
        )
        message = OutboundMessage(
            message_id=1,
            conversation_id=1,
            idempotency_key="k",
            recipient="ann@customer.example\r\nBcc: x@y.example",
            content="hi",
        )
        with pytest.raises(PermanentDeliveryError, match="cannot be written as a mail"):
            await sender.send(message)


async def test_an_inbox_without_smtp_fails_with_a_reason() -> None:
    async with httpx.AsyncClient() as http:
        sender = EmailSender(
            ChannelConnection(
                inbox_id=1,
                public_id="p",
                inbox_settings={"email": "support@shop.example"},
                settings=Settings(secret_key=SECRET, _env_file=None),  # type: ignore[call-arg]
                http=http,
            )
        )
        message = OutboundMessage(
            message_id=1,
            conversation_id=1,
            idempotency_key="k",
            recipient="a@b.example",
            content="x",
        )
        with pytest.raises(PermanentDeliveryError, match="no SMTP server"):
            await sender.send(message)
        sender.connection = ChannelConnection(
            inbox_id=1,
            public_id="p",
            inbox_settings={},
            settings=sender.connection.settings,
            http=http,
        )
        with pytest.raises(PermanentDeliveryError, match="settings are incomplete"):
            await sender.send(message)
