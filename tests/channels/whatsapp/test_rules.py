"""The WhatsApp channel's pure rules: signatures, parsing odd payloads, the window, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.channels.whatsapp import rules
from tests.channels.whatsapp.conftest import event, message_value, text_message

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_the_signature_is_the_hmac_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    header = rules.sign(body, "s3cret")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert rules.signature_valid(body, header, "s3cret")
    assert rules.signature_valid(body, header.upper().replace("SHA256=", "sha256="), "s3cret")
    assert not rules.signature_valid(body + b" ", header, "s3cret")
    assert not rules.signature_valid(body, header, "other")
    for bad in ("", "sha256=", "sha1=" + header[7:], header[7:]):
        assert not rules.signature_valid(body, bad, "s3cret")


@given(st.binary(max_size=200), st.text(min_size=1, max_size=30))
def test_any_body_signed_with_the_secret_is_valid(body: bytes, secret: str) -> None:
    assert rules.signature_valid(body, rules.sign(body, secret), secret)


@pytest.mark.parametrize(
    "payload",
    [None, [], "x", {"object": "page", "entry": []}, {"object": "whatsapp_business_account"}],
)
def test_what_is_not_an_event_is_refused(payload: Any) -> None:
    with pytest.raises(rules.InvalidPayload):
        rules.parse_payload(payload)


def test_odd_parts_of_an_event_are_skipped_not_fatal() -> None:
    good = text_message("fine")
    payload = event(
        message_value(
            good,
            "not a message",  # type: ignore[arg-type]
            {"id": "wamid.NOFROM", "type": "text", "text": {"body": "?"}},
            {"from": "79001234567", "type": "text"},
            {**text_message("bad time"), "timestamp": "yesterday"},
        )
    )
    payload["entry"][0]["changes"].append({"field": "messages"})
    payload["entry"].append("junk")
    payload["entry"].append({"changes": "junk"})
    parsed = rules.parse_payload(payload)
    assert [m.content for m in parsed.messages] == ["fine", "bad time"]
    assert parsed.messages[1].sent_at is None
    assert len(parsed.skipped) == 4


def test_a_sender_name_falls_back_to_the_number() -> None:
    value = message_value(text_message("hi", wa_id="79001112233"))
    value["contacts"] = []
    [message] = rules.parse_payload(event(value)).messages
    assert message.sender.name == "+79001112233"
    assert message.sender.kind == "whatsapp" and message.sender.value == "79001112233"


def test_an_unknown_message_type_is_a_placeholder_and_reported() -> None:
    strange = {"from": "79001234567", "id": "wamid.N", "timestamp": "1", "type": "hologram"}
    parsed = rules.parse_payload(event(message_value(strange)))
    [message] = parsed.messages
    assert message.content == "[Unsupported WhatsApp message: hologram]"
    assert message.content_attributes["placeholder"] is True
    assert parsed.unknown_kinds == ["hologram"]


def test_statuses_map_to_the_desk_delivery_statuses() -> None:
    value = {
        "statuses": [
            {"id": "w1", "status": "played"},
            {"id": "w2", "status": "failed"},
            {"id": "w3", "status": "deleted"},
            {"id": "c1", "status": "RINGING", "type": "call"},
            {"status": "read"},
        ]
    }
    parsed = rules.parse_payload(event(value))
    assert [(s.external_id, s.status, s.error) for s in parsed.statuses] == [
        ("w1", "read", None),
        ("w2", "failed", "WhatsApp could not deliver it"),
    ]
    assert len(parsed.skipped) == 3


def test_the_window_is_24_hours_after_the_customer_wrote() -> None:
    assert rules.window_open(T0, T0 + timedelta(hours=23, minutes=59, seconds=59))
    assert not rules.window_open(T0, T0 + timedelta(hours=24))
    assert not rules.window_open(None, T0)
    assert rules.window_closes_at(T0) == T0 + timedelta(hours=24)
    assert rules.window_refusal(T0, T0 + timedelta(hours=1)) is None
    assert rules.window_refusal(T0, T0 + timedelta(hours=25)) == (
        "the customer last wrote 25 hours ago; outside 24 hours only a template can be sent"
    )
    assert "not written" in (rules.window_refusal(None, T0) or "")


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(hours=24), "24 hours"),
        (timedelta(hours=47, minutes=59), "47 hours"),
        (timedelta(days=9, hours=5), "9 days"),
    ],
)
def test_ago_reads_naturally(delta: timedelta, shown: str) -> None:
    assert rules.ago(delta) == shown


def test_the_reply_check_lets_templates_through() -> None:
    late = T0 + timedelta(days=2)
    refusal = rules.reply_check(T0, late, {})
    assert refusal is not None and refusal.status == 422
    assert refusal.extra["code"] == rules.WINDOW_CLOSED
    template = {"whatsapp": {"template": {"name": "hello_world", "language": "en_US"}}}
    assert rules.reply_check(T0, late, template) is None
    assert rules.reply_check(T0, T0 + timedelta(hours=2), {}) is None


def test_templates_come_from_the_inbox_settings() -> None:
    settings = {
        "templates": [
            {"name": "a", "language": "en", "parameters": 1},
            {"name": "b", "language": "ru"},
            {"name": "", "language": "en"},
            "junk",
        ]
    }
    assert rules.templates_of(settings) == [
        rules.Template("a", "en", 1),
        rules.Template("b", "ru", 0),
    ]
    a = rules.find_template(settings, "a", "en")
    assert rules.template_problem(a, "a", ["x"]) is None
    assert "takes 1" in (rules.template_problem(a, "a", []) or "")
    assert "no template" in (rules.template_problem(None, "zz", []) or "")
    assert rules.find_template(settings, "a", "ru") is None
    assert rules.template_content("a", ["x", "y"]) == "[Template a: x, y]"
    assert rules.template_content("b", []) == "[Template b]"


@pytest.mark.parametrize(
    ("content_type", "size", "kind"),
    [
        ("image/jpeg", 1000, "image"),
        ("image/png", 6 * 1024 * 1024, "document"),
        ("image/webp", 1000, "document"),
        ("video/mp4", 1000, "video"),
        ("audio/ogg; codecs=opus", 1000, "audio"),
        ("application/pdf", 1000, "document"),
    ],
)
def test_files_go_as_the_media_whatsapp_plays(content_type: str, size: int, kind: str) -> None:
    assert rules.media_kind(content_type, size) == kind


@pytest.mark.parametrize(
    ("status", "body", "transient", "starts"),
    [
        (500, None, True, "WhatsApp is unavailable"),
        (400, {"error": {"code": 131000, "message": "Something went wrong"}}, True, "WhatsApp is"),
        (429, {"error": {"code": 130429, "message": "Rate limit hit"}}, True, "WhatsApp is rate"),
        (400, {"error": {"code": 131056, "message": "pair rate limit"}}, True, "WhatsApp is rate"),
        (401, {"error": {"code": 190, "message": "expired"}}, False, "Meta rejected the access"),
        (401, None, False, "Meta rejected the access token"),
        (400, {"error": {"code": 131047, "message": "Re-engagement"}}, False, "More than 24"),
        (400, {"error": {"code": 132001, "message": "no template"}}, False, "The template does"),
        (400, {"error": {"code": 100, "message": "Invalid parameter"}}, False, "WhatsApp refused"),
    ],
)
def test_graph_failures_are_classified(
    status: int, body: Any, transient: bool, starts: str
) -> None:
    failure = rules.classify_failure(status, body)
    assert failure.transient is transient
    assert failure.reason.startswith(starts), failure.reason


def test_long_text_is_cut_into_parts_of_4096() -> None:
    text = "\n".join("line " * 30 for _ in range(100))
    parts = rules.split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert rules.split_text("short") == ["short"]


def test_bodies_of_the_calls() -> None:
    assert rules.text_body("7900", "hi", reply_to="wamid.X")["context"] == {"message_id": "wamid.X"}
    audio = rules.media_body("7900", "audio", "m1", caption="ignored")
    assert audio["audio"] == {"id": "m1"}
    document = rules.media_body("7900", "document", "m2", caption="c", file_name="a.pdf")
    assert document["document"] == {"id": "m2", "caption": "c", "filename": "a.pdf"}
    assert rules.recipient_number("+7 (900) 123-45-67") == "79001234567"
