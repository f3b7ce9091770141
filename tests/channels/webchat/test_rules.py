"""The widget's pure rules: embedding sites, tokens and identity signatures, rate windows,
what a visitor may see and send, and how a browser is described to agents."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.channels.webchat import rules
from frontdesk.channels.webchat.rules import Limit, WindowCounter


@pytest.mark.parametrize(
    ("entry", "stored"),
    [
        ("shop.example.com", "shop.example.com"),
        ("  Shop.Example.COM. ", "shop.example.com"),
        ("https://shop.example.com/some/page", "shop.example.com"),
        ("*.example.com", "*.example.com"),
        ("localhost:3000", "localhost:3000"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_allowed_domains_are_stored_as_hosts(entry: str, stored: str) -> None:
    assert rules.normalize_domain(entry) == stored


@pytest.mark.parametrize(
    "entry", ["", "exa mple.com", "*", "javascript:alert(1)", "a..b", "-a.com"]
)
def test_what_is_not_a_domain_is_refused(entry: str) -> None:
    with pytest.raises(rules.InvalidDomain):
        rules.normalize_domain(entry)


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://shop.example.com", ["shop.example.com"], True),
        ("https://SHOP.example.com", ["shop.example.com"], True),
        ("https://evil.example.com", ["shop.example.com"], False),
        ("https://shop.example.com.evil.net", ["shop.example.com"], False),
        ("https://evilshop.example.com", ["*.shop.example.com"], False),
        ("https://a.b.example.com", ["*.example.com"], True),
        ("https://example.com", ["*.example.com"], True),
        ("http://localhost:3000", ["localhost:3000"], True),
        ("http://localhost:3001", ["localhost:3000"], False),
        ("https://shop.example.com", ["shop.example.com:443"], True),
        ("http://127.0.0.1:8123", ["127.0.0.1"], True),
        (None, ["shop.example.com"], False),
        ("null", ["shop.example.com"], False),
        ("file://", ["shop.example.com"], False),
        ("https://anything.org", [], True),
        (None, [], True),
    ],
)
def test_origin_is_checked_against_the_allowed_domains(
    origin: str | None, allowed: list[str], ok: bool
) -> None:
    assert rules.origin_allowed(origin, allowed) is ok


@pytest.mark.parametrize(
    ("origin", "base_url", "ok"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/", True),
        ("https://desk.example", "https://desk.example:443/support/", True),
        ("https://desk.example:443", "https://DESK.example", True),
        ("http://[::1]:8000", "http://[::1]:8000", True),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8000", False),
        ("https://127.0.0.1:8000", "http://127.0.0.1:8000", False),
        ("http://localhost:8000", "http://127.0.0.1:8000", False),
        ("https://desk.example.evil.net", "https://desk.example", False),
        ("http://desk.example", "https://desk.example", False),
        ("http://127.0.0.1:99999", "http://127.0.0.1:8000", False),
        ("null", "http://127.0.0.1:8000", False),
        (None, "http://127.0.0.1:8000", False),
        ("", "http://127.0.0.1:8000", False),
        ("http://127.0.0.1:8000", "not a url", False),
    ],
)
def test_the_desks_own_origin_is_that_of_its_base_url(
    origin: str | None, base_url: str, ok: bool
) -> None:
    assert rules.is_desk_origin(origin, base_url) is ok


@pytest.mark.parametrize(
    ("origin", "referer", "page"),
    [
        ("https://shop.example.com", None, "https://shop.example.com"),
        ("https://shop.example.com", "https://desk.example/x", "https://shop.example.com"),
        (None, "https://desk.example/widget/preview/p1?x=1#y", "https://desk.example"),
        (None, "http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        (None, "https://user:pw@desk.example/", "https://desk.example"),
        (None, "javascript:alert(1)", None),
        (None, "/relative", None),
        (None, "", None),
        (None, None, None),
        ("null", "https://desk.example/", "null"),  # an opaque origin stays one
    ],
)
def test_a_page_without_an_origin_is_known_by_its_referer(
    origin: str | None, referer: str | None, page: str | None
) -> None:
    assert rules.page_origin(origin, referer) == page


def test_the_snippet_and_the_preview_address() -> None:
    assert rules.snippet("https://desk.example/", "p8W-x_1") == (
        '<script async src="https://desk.example/widget.js" data-inbox="p8W-x_1"></script>'
    )
    assert rules.preview_url("https://desk.example/", "p8W-x_1") == (
        "https://desk.example/widget/preview/p8W-x_1"
    )


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("de-DE,de;q=0.9,ru;q=0.5,en;q=0.4", "ru"),
        ("en;q=0.5,ru;q=0.8", "ru"),
        ("ru;q=0,en", "en"),
        ("fr", "en"),
        ("ru;q=bad, en;q=0.1", "en"),
    ],
)
def test_the_preview_speaks_the_browsers_language(header: str | None, language: str) -> None:
    assert rules.preview_language(header) == language


def test_a_visitor_token_is_signed_per_inbox() -> None:
    key = "a" * 32
    token = rules.visitor_token("secret", "inbox1", key)
    assert rules.visitor_of_token("secret", "inbox1", token) == key
    assert rules.visitor_of_token("secret", "inbox2", token) is None  # another inbox
    assert rules.visitor_of_token("other", "inbox1", token) is None  # another desk
    forged = token.replace(key, "b" * 32)
    assert rules.visitor_of_token("secret", "inbox1", forged) is None
    for junk in (None, "", "v1", "v1.x.y", "v2." + token[3:], token + "x", "x" * 500):
        assert rules.visitor_of_token("secret", "inbox1", junk) is None


def test_the_identity_hash_is_hmac_sha256_of_the_identifier() -> None:
    expected = hmac.new(b"s3cret", b"user-42", hashlib.sha256).hexdigest()
    assert rules.identity_hash("s3cret", "user-42") == expected
    assert rules.identity_valid("s3cret", "user-42", expected)
    assert rules.identity_valid("s3cret", "user-42", expected.upper())
    assert not rules.identity_valid("s3cret", "user-43", expected)
    assert not rules.identity_valid("other", "user-42", expected)
    assert not rules.identity_valid(None, "user-42", expected)
    assert not rules.identity_valid("s3cret", "user-42", "")


def test_a_window_counts_hits_until_it_moves_on() -> None:
    counter = WindowCounter()
    limit = Limit(3, 60)
    assert [counter.hit("k", limit, 120.0 + i) for i in range(3)] == [None, None, None]
    wait = counter.hit("k", limit, 130.0)
    assert wait == pytest.approx(50.0)
    assert counter.hit("other", limit, 130.0) is None  # per key
    assert counter.hit("k", limit, 180.0) is None  # the next window


@given(st.floats(min_value=0, max_value=1e9), st.floats(min_value=0.5, max_value=3600))
def test_retry_after_is_within_the_window(now: float, seconds: float) -> None:
    wait = rules.retry_after(now, seconds)
    assert 0 < wait <= seconds + 1e-6


@pytest.mark.parametrize(
    ("agent", "described"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
            "Edge 131 on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Safari/605.1.15",
            "Safari 17 on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari 17 on iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox 133 on Linux",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 "
            "YaBrowser/24.10.1 Mobile Safari/537.36",
            "Yandex Browser 24 on Android",
        ),
        ("curl/8.5.0", ""),
        (None, ""),
    ],
)
def test_the_browser_is_described_for_agents(agent: str | None, described: str) -> None:
    assert rules.browser_of(agent) == described


@pytest.mark.parametrize(
    ("name", "letters"),
    [("Anna Smith", "AS"), ("анна", "А"), ("Jean-Luc Picard", "JL"), ("", "?"), ("  ", "?")],
)
def test_an_agent_avatar_is_their_initials(name: str, letters: str) -> None:
    assert rules.initials(name) == letters


def test_only_the_conversation_itself_is_visible_to_the_visitor() -> None:
    assert rules.visible_to_visitor("incoming", False)
    assert rules.visible_to_visitor("outgoing", False)
    assert rules.visible_to_visitor("bot", False)
    assert not rules.visible_to_visitor("note", True)
    assert not rules.visible_to_visitor("outgoing", True)
    assert not rules.visible_to_visitor("system", False)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://shop.example.com/a?b=1", "https://shop.example.com/a?b=1"),
        ("https://user:pw@shop.example.com/a", "https://shop.example.com/a"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>", None),
        ("/relative", None),
        (42, None),
    ],
)
def test_page_addresses_are_http_only(url: object, kept: str | None) -> None:
    assert rules.clean_url(url) == kept


def test_text_loses_control_and_direction_override_characters() -> None:
    assert rules.clean_text("a\x00b\u202ec\nd\te", 100) == "abc\nd\te"
    assert rules.clean_text("x" * 50, 10) == "x" * 10


def test_pages_viewed_keep_the_newest_and_skip_reloads() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pages: list[dict[str, object]] = []
    for i in range(25):
        pages = rules.with_page(pages, url=f"https://s.example/{i}", title=str(i), at=at)
    pages = rules.with_page(pages, url="https://s.example/24", title="again", at=at)
    assert len(pages) == rules.MAX_PAGES
    assert pages[-1] == {"url": "https://s.example/24", "title": "again", "at": at.isoformat()}
    assert pages[0]["url"] == "https://s.example/5"


def test_a_client_id_is_found_again_in_the_external_id() -> None:
    external = rules.external_id("f" * 32, "msg-1_a")
    assert rules.client_id_of(external) == "msg-1_a"
    assert rules.visitor_of_external_id(external) == "f" * 32
    assert rules.client_id_of("tg:123") is None
    assert rules.client_id_of(None) is None


def test_the_follow_up_mail_speaks_the_visitor_language() -> None:
    subject, body = rules.followup_mail(
        language="ru-RU", site="Shop", agent="Anna", content="Готово", files=1
    )
    assert "Ответ" in subject and "Shop" in subject
    assert body.startswith("Anna:\n\nГотово") and "Файлов" in body
    subject, body = rules.followup_mail(language="en", site="", agent="", content="Done", files=0)
    assert subject == "A reply to your message (our website)"
    assert "Done" in body and "Files" not in body


def test_online_means_somebody_is_online_not_away() -> None:
    assert rules.is_online(["offline", "online"])
    assert not rules.is_online(["away", "offline"])
    assert not rules.is_online([])
