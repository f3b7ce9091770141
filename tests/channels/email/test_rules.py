"""E-mail rules: classification, quoted history, Message-IDs, reply tokens, subjects, polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.channels.email import rules

SECRET = "test-secret"


def classify(headers: dict[str, str], **facts: str | None) -> rules.Classification:
    return rules.classify(
        {k.lower(): v for k, v in headers.items()},
        subject=facts.get("subject") or "",
        sender=facts.get("sender", "ann@customer.example"),
        content_type=facts.get("content_type") or "text/plain",
        report_type=facts.get("report_type"),
    )


# ------------------------------------------------------------------------- classification
@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"Precedence": "auto_reply"},
        {"X-Auto-Response-Suppress": "OOF, AutoReply"},
    ],
)
def test_auto_reply_headers_are_recognized(headers: dict[str, str]) -> None:
    kind = classify(headers)
    assert kind.auto_reply and kind.automated and not kind.bounce


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: order 42",
        "Automatic reply: your question",
        "Auto: on leave",
        "Автоматический ответ: Заказ",
        "Автоответ",
        "Vacation",
    ],
)
def test_vacation_subjects_are_auto_replies(subject: str) -> None:
    assert classify({}, subject=subject).auto_reply


def test_a_person_saying_no_to_auto_submitted_is_a_person() -> None:
    kind = classify({"Auto-Submitted": "no"}, subject="Re: my order")
    assert kind == rules.Classification()
    assert not kind.automated


@pytest.mark.parametrize(
    ("headers", "facts"),
    [
        ({}, {"content_type": "multipart/report", "report_type": "delivery-status"}),
        ({}, {"sender": "MAILER-DAEMON@mx.example"}),
        ({}, {"sender": "postmaster@mx.example"}),
        ({"Return-Path": "<>"}, {"subject": "Undelivered Mail Returned to Sender"}),
        ({}, {"sender": None, "subject": "Delivery Status Notification (Failure)"}),
    ],
)
def test_bounces_are_recognized(headers: dict[str, str], facts: dict[str, str | None]) -> None:
    kind = classify(headers, **facts)
    assert kind.bounce and kind.automated
    # Bounces carry Auto-Submitted too; they are bounces, not auto-replies.
    assert not classify({"Auto-Submitted": "auto-replied", **headers}, **facts).auto_reply


def test_a_read_receipt_is_an_auto_reply() -> None:
    kind = classify({}, content_type="multipart/report", report_type="disposition-notification")
    assert kind.auto_reply and not kind.bounce


@pytest.mark.parametrize(
    "headers",
    [
        {"List-Unsubscribe": "<mailto:unsub@news.example>"},
        {"List-Id": "<news.shop.example>"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Precedence": "junk"},
    ],
)
def test_bulk_mail_is_recognized(headers: dict[str, str]) -> None:
    kind = classify(headers)
    assert kind.bulk and kind.automated


# ------------------------------------------------------------------------- quoted history
def test_the_new_text_comes_first_and_the_quote_is_kept_apart() -> None:
    text = (
        "Thanks, that helped!\n\n"
        "On Mon, 2 Mar 2026 at 10:30, Shop support <support@shop.example> wrote:\n"
        "> We sent it today.\n> \n> Regards"
    )
    new, quoted = rules.split_quoted(text)
    assert new == "Thanks, that helped!"
    assert quoted.startswith("On Mon, 2 Mar 2026")
    assert "> We sent it today." in quoted


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Mar 2, 2026 at 10:30 AM Shop <support@shop.example> wrote:",
        "Am 02.03.2026 um 10:30 schrieb Shop <support@shop.example>:",
        "Le lun. 2 mars 2026 à 10:30, Shop <support@shop.example> a écrit :",
        "2 марта 2026 г., в 10:30, Магазин <support@shop.example> написал(а):",
        "Понедельник, 2 марта 2026, 10:30 +03:00 от Магазин <support@shop.example>:\n"
        "-----Original Message-----",
        "-----Original Message-----",
        "-------- Пересылаемое сообщение --------",
    ],
)
def test_attributions_in_several_languages_start_the_quote(attribution: str) -> None:
    new, quoted = rules.split_quoted(f"Спасибо!\n\n{attribution}\n> старый текст")
    assert new == "Спасибо!"
    assert quoted


def test_an_outlook_header_block_starts_the_quote() -> None:
    text = (
        "Yes, please cancel it.\n\n"
        "________________________________\n"
        "From: Shop support <support@shop.example>\n"
        "Sent: Monday, March 2, 2026 10:30\n"
        "To: Ann\nSubject: RE: order\n\nWe can cancel it."
    )
    new, quoted = rules.split_quoted(text)
    assert new == "Yes, please cancel it."
    assert quoted.startswith("____")


def test_answers_between_quoted_lines_are_kept_whole() -> None:
    text = "> Which size?\nM, please.\n> Which colour?\nRed."
    assert rules.split_quoted(text) == (text, "")


def test_a_mail_that_is_only_a_quote_is_kept() -> None:
    text = "On Mon, Ann wrote:\n> hello"
    assert rules.split_quoted(text) == (text, "")


def test_a_line_merely_mentioning_from_is_not_a_quote() -> None:
    text = "From: now on I will order online.\nThanks"
    assert rules.split_quoted(text) == (text, "")


# ---------------------------------------------------------------------------- message ids
def test_message_ids_are_cleaned_and_split() -> None:
    assert rules.clean_message_id(" <abc@x.example> ") == "abc@x.example"
    assert rules.clean_message_id("abc@x.example") == "abc@x.example"
    assert rules.clean_message_id("") is None
    refs = "<a@x> <b@y>\n\t<a@x> not-an-id <c@z>"
    assert rules.split_message_ids(refs) == ["a@x", "b@y", "c@z"]
    assert rules.split_message_ids("bare@x.example") == ["bare@x.example"]
    assert rules.split_message_ids("two bare words") == []


def test_our_message_ids_name_their_conversation_and_are_signed() -> None:
    ours = rules.make_message_id(
        message_id=77, conversation_id=12, domain="shop.example", secret=SECRET
    )
    assert ours.endswith("@shop.example")
    assert rules.parse_our_message_id(ours, secret=SECRET) == (12, 77)
    # Stable: a retried send is the same mail.
    assert ours == rules.make_message_id(
        message_id=77, conversation_id=12, domain="shop.example", secret=SECRET
    )
    forged = ours.replace("frontdesk.c12.", "frontdesk.c13.")
    assert rules.parse_our_message_id(forged, secret=SECRET) is None
    assert rules.parse_our_message_id(ours, secret="another desk") is None
    assert rules.parse_our_message_id("abc@customer.example", secret=SECRET) is None


def test_references_keep_the_root_and_the_newest() -> None:
    assert rules.thread_references(["a", "b"], parent="c") == ["a", "b", "c"]
    assert rules.thread_references(["a", "b"], parent="b") == ["a", "b"]
    assert rules.thread_references([], parent=None) == []
    long = [f"m{i}" for i in range(40)]
    kept = rules.thread_references(long, parent="new", limit=5)
    assert kept == ["m0", "m37", "m38", "m39", "new"]


# ---------------------------------------------------------------------------- reply tokens
def test_reply_addresses_carry_a_signed_conversation_token() -> None:
    address = rules.reply_address("support@shop.example", conversation_id=42, secret=SECRET)
    assert address.startswith("support+c42.") and address.endswith("@shop.example")
    assert rules.parse_reply_token(["someone@else.example", address], secret=SECRET) == 42
    assert rules.parse_reply_token([address.upper()], secret=SECRET) == 42
    forged = address.replace("+c42.", "+c43.")
    assert rules.parse_reply_token([forged], secret=SECRET) is None
    assert rules.parse_reply_token(["support@shop.example"], secret=SECRET) is None
    # A plus address already in the inbox's address is replaced, not stacked.
    again = rules.reply_address("support+sales@shop.example", conversation_id=1, secret=SECRET)
    assert again.count("+") == 1


# ------------------------------------------------------------------------------- subjects
@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Where is my order?", "Re: Where is my order? [#7]"),
        ("Re: Where is my order?", "Re: Where is my order? [#7]"),
        ("RE: Fwd: Re: Where is my order? [#7]", "Re: Where is my order? [#7]"),
        ("Ответ: Заказ", "Re: Заказ [#7]"),
        ("", "Re: [#7]"),
    ],
)
def test_reply_subjects(subject: str, expected: str) -> None:
    assert rules.reply_subject(subject, number=7) == expected


def test_subject_tags() -> None:
    assert rules.parse_subject_tag("Re: Where is my order? [#1042]") == 1042
    assert rules.parse_subject_tag("Order #1042") is None
    assert rules.parse_subject_tag("") is None


# --------------------------------------------------------------------------------- polling
NOW = datetime(2026, 3, 2, 10, 30, 17, tzinfo=UTC)


def test_polls_land_on_the_period_boundary() -> None:
    assert rules.next_poll_at(NOW, every_seconds=60) == datetime(2026, 3, 2, 10, 31, tzinfo=UTC)


def test_failures_lengthen_the_pause_up_to_an_hour() -> None:
    pauses = [rules.next_poll_at(NOW, every_seconds=60, failures=f) - NOW for f in range(0, 12)]
    assert pauses == sorted(pauses)
    assert pauses[-1] <= timedelta(hours=1)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=5, max_value=86_400),
    st.integers(min_value=0, max_value=50),
)
def test_the_next_poll_is_always_ahead_and_within_its_period(
    now: datetime, every: int, failures: int
) -> None:
    at = rules.next_poll_at(now, every_seconds=every, failures=failures)
    longest = max(every, rules.MAX_POLL_PAUSE_SECONDS) + every
    assert now < at <= now + timedelta(seconds=longest)
    # Runs land on boundaries of the period, so two schedulers agree on the same instant.
    assert at.timestamp() % every == 0


# ------------------------------------------------------------------------------ customers
def test_the_customer_is_the_sender_unless_a_machine_sent_it_for_them() -> None:
    assert rules.customer_address("ann@customer.example", []) == "ann@customer.example"
    assert (
        rules.customer_address("ann@customer.example", ["list@lists.example"])
        == "ann@customer.example"
    )
    assert (
        rules.customer_address("noreply@shop.example", ["ann@customer.example"])
        == "ann@customer.example"
    )
    assert rules.customer_address("wordpress@blog.example", ["bob@x.example"]) == "bob@x.example"
    assert rules.customer_address(None, ["bob@x.example"]) == "bob@x.example"
    assert rules.customer_address(None, []) is None
