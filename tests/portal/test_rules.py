"""The portal's pure rules: link validity, rate limits, statuses, languages, form fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.portal import rules
from frontdesk.portal.rules import CustomerStatus, FieldConfig, FieldError, LinkState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_link_is_valid_once_and_until_it_expires() -> None:
    expires = NOW + rules.LINK_LIFETIME
    assert rules.link_state(expires_at=expires, used_at=None, now=NOW) is LinkState.VALID
    assert (
        rules.link_state(expires_at=expires, used_at=None, now=expires - timedelta(seconds=1))
        is LinkState.VALID
    )
    assert rules.link_state(expires_at=expires, used_at=None, now=expires) is LinkState.EXPIRED
    assert rules.link_state(expires_at=expires, used_at=NOW, now=NOW) is LinkState.USED
    assert rules.link_state(expires_at=None, used_at=None, now=NOW) is LinkState.UNKNOWN
    assert timedelta(minutes=15) == rules.LINK_LIFETIME


def test_links_per_address() -> None:
    assert rules.may_send_link(rules.LINKS_PER_EMAIL - 1)
    assert not rules.may_send_link(rules.LINKS_PER_EMAIL)


def test_the_window_limiter_slides() -> None:
    now = [0.0]
    limiter = rules.WindowLimiter(limit=2, window_seconds=10, clock=lambda: now[0])
    assert limiter.hit("a") is None
    assert limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(10)
    assert limiter.hit("b") is None  # keys are separate
    now[0] = 5
    assert limiter.hit("a") == pytest.approx(5)
    now[0] = 10.5
    assert limiter.hit("a") is None


@given(st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=60))
def test_never_more_than_the_limit_within_a_window(offsets: list[float]) -> None:
    now = [0.0]
    limiter = rules.WindowLimiter(limit=3, window_seconds=60, clock=lambda: now[0])
    allowed: list[float] = []
    for t in sorted(offsets):
        now[0] = t
        if limiter.hit("k") is None:
            allowed.append(t)
    for t in allowed:
        assert sum(1 for a in allowed if t - 60 < a <= t) <= 3


def test_customer_statuses() -> None:
    assert rules.customer_status("open", first_reply_at=None) is CustomerStatus.RECEIVED
    assert rules.customer_status("bot", first_reply_at=None) is CustomerStatus.RECEIVED
    assert rules.customer_status("open", first_reply_at=NOW) is CustomerStatus.IN_PROGRESS
    assert rules.customer_status("snoozed", first_reply_at=NOW) is CustomerStatus.IN_PROGRESS
    assert rules.customer_status("pending", first_reply_at=NOW) is CustomerStatus.AWAITING_YOU
    assert rules.customer_status("resolved", first_reply_at=None) is CustomerStatus.RESOLVED


def test_only_public_messages_are_shown() -> None:
    assert {k for k in ("incoming", "outgoing", "bot", "note", "system") if rules.is_public(k)} == {
        "incoming",
        "outgoing",
        "bot",
    }


def test_agents_sign_with_their_first_name() -> None:
    assert rules.first_name("Anna Smirnova") == "Anna"
    assert rules.first_name("  ") == ""


@pytest.mark.parametrize(
    ("asked", "cookie", "header", "expected"),
    [
        ("ru", "en", "en", "ru"),
        (None, "ru", "en", "ru"),
        ("xx", None, "de;q=1, ru;q=0.8, en;q=0.5", "ru"),
        (None, None, "en-GB,ru;q=0.9", "en"),
        (None, None, "ru;q=0.2, en;q=0.9", "en"),
        (None, None, "ru;q=0, en;q=0.1", "en"),
        (None, None, "de, fr", "en"),
        (None, None, None, "en"),
        (None, None, "ru;q=abc", "en"),
    ],
)
def test_languages(
    asked: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert rules.pick_language(asked=asked, cookie=cookie, accept_language=header) == expected


def test_configured_fields_tolerate_bad_settings() -> None:
    assert rules.configured_fields({}) == []
    assert rules.configured_fields({"fields": "order"}) == []
    assert rules.configured_fields(
        {"fields": ["order", {"key": "city", "required": True}, {"key": 3}, None, "order", ""]}
    ) == [FieldConfig("order"), FieldConfig("city", required=True)]
    assert rules.allows_new_customers({})
    assert not rules.allows_new_customers({"allow_new_customers": False})


@pytest.mark.parametrize(
    ("value_type", "raw", "expected"),
    [
        ("text", "  hello ", "hello"),
        ("text", "", None),
        ("number", "12", 12),
        ("number", "12,5", 12.5),
        ("number", "1 000", 1000),
        ("boolean", "on", True),
        ("boolean", None, None),
        ("date", "2026-03-01", "2026-03-01"),
        ("list", "Kazan", "Kazan"),
        ("link", "https://example.com/x", "https://example.com/x"),
    ],
)
def test_form_values_become_typed(value_type: str, raw: str | None, expected: object) -> None:
    assert rules.parse_field(value_type, raw, options=["Moscow", "Kazan"]) == expected


@pytest.mark.parametrize(
    ("value_type", "raw", "error"),
    [
        ("number", "12a", "error_number"),
        ("number", "nan", "error_number"),
        ("number", "inf", "error_number"),
        ("date", "01.03.2026", "error_date"),
        ("list", "Paris", "error_choice"),
        ("link", "javascript:alert(1)", "error_link"),
        ("text", "x" * (rules.MAX_FIELD_TEXT + 1), "error_too_long"),
    ],
)
def test_bad_form_values_are_refused(value_type: str, raw: str, error: str) -> None:
    with pytest.raises(FieldError) as refused:
        rules.parse_field(value_type, raw, options=["Moscow"])
    assert refused.value.key == error


def test_mails() -> None:
    subject, body = rules.sign_in_mail(language="en", portal="Acme", url="http://x/l")
    assert subject == "Your sign-in link for Acme" and "http://x/l" in body and "15" in body
    subject, body = rules.reply_mail(
        language="ru",
        number=7,
        subject="",
        agent="",
        content="Готово",
        url="http://x/c",
        attachments=["a.pdf"],
    )
    assert subject == "Новый ответ на ваше обращение №7: (без темы)"
    assert body.startswith("Поддержка ответил(а)")
    assert "Готово" in body and "- a.pdf" in body and "http://x/c" in body


def test_sizes() -> None:
    assert rules.human_size(5, "en") == "5 B"
    assert rules.human_size(1536, "en") == "1.5 KB"
    assert rules.human_size(25 * 1024 * 1024, "ru") == "25 МБ"
