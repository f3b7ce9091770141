"""The VK channel's pure rules: events, attachments, random_id, errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.channels.vk import rules
from tests.channels.vk.conftest import GROUP_ID, USER_ID, message_new


@pytest.mark.parametrize("payload", [None, [], "ok", {}, {"type": ""}, {"type": 5}])
def test_what_is_not_an_event_is_refused(payload: Any) -> None:
    with pytest.raises(rules.InvalidEvent):
        rules.parse_event(payload)


def test_a_message_new_event_is_a_customer_message() -> None:
    event = rules.parse_event(message_new("hi", cmid=7))
    assert (event.type, event.group_id, event.secret) == ("message_new", GROUP_ID, "Sh0pSecret42")
    message = event.message
    assert message is not None
    assert message.external_id == f"{USER_ID}:7"
    assert (message.sender.kind, message.sender.value) == ("vk", str(USER_ID))
    assert message.content == "hi" and not message.edited


def test_the_old_flat_message_new_is_understood_too() -> None:
    """Before API 5.103 the object was the message itself."""
    event = message_new("old", cmid=8)
    event["object"] = event["object"]["message"]
    parsed = rules.parse_event(event)
    assert parsed.message is not None and parsed.message.content == "old"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"from_id": -GROUP_ID}, "community"),
        ({"out": 1}, "community"),
        ({"conversation_message_id": None}, "conversation_message_id"),
        ({"peer_id": "x"}, "peer_id"),
    ],
)
def test_messages_that_are_not_a_customers_are_skipped(change: dict[str, Any], reason: str) -> None:
    event = message_new("x")
    event["object"]["message"].update(change)
    parsed = rules.parse_event(event)
    assert parsed.message is None and reason in (parsed.skipped or "")


def test_forwards_geo_and_unknown_attachments() -> None:
    event = message_new(
        "",
        fwd_messages=[{"from_id": 1, "text": "a"}, {"from_id": 2, "text": "b"}],
        geo={"coordinates": {"latitude": 55.75, "longitude": 37.61}, "place": {"title": "Moscow"}},
        attachments=[
            {"type": "story", "story": {}},
            {"type": "poll", "poll": {"question": "Which color?"}},
            {"type": "photo", "photo": {"sizes": []}},
            "junk",
        ],
    )
    message = rules.parse_event(event).message
    assert message is not None
    assert message.content == "\n".join(
        [
            "[Unsupported VK attachment: story]",
            "[Photo]",
            "[Poll: Which color?]",
            "[Location: Moscow]",
            "[Forwarded messages: 2]",
        ]
    )
    attributes = message.content_attributes
    assert attributes["location"] == {"latitude": 55.75, "longitude": 37.61}
    assert [m["text"] for m in attributes["forwarded_messages"]] == ["a", "b"]
    assert attributes["unavailable_attachments"][0]["reason"] == "VK sent no file URL"
    assert message.attachments == ()


def test_file_urls_must_be_http() -> None:
    event = message_new(
        "",
        attachments=[{"type": "doc", "doc": {"title": "a.txt", "url": "file:///etc/passwd"}}],
    )
    message = rules.parse_event(event).message
    assert message is not None and message.attachments == ()


def test_read_reports_and_skipped_events() -> None:
    read = rules.parse_event(
        {"type": "message_read", "object": {"peer_id": 5, "conversation_message_id": 9}}
    )
    assert read.status is not None
    assert (read.status.external_id, read.status.status) == ("5:9", "read")
    assert rules.parse_event({"type": "group_join", "object": {"user_id": 1}}).skipped
    assert rules.parse_event({"type": "message_new"}).skipped == "an event without an object"
    assert rules.parse_event({"type": "confirmation", "group_id": 1}).skipped is None


@given(st.text(min_size=1, max_size=20), st.integers(1, 2**62), st.integers(0, 100))
def test_random_id_is_a_stable_positive_int32(public_id: str, message_id: int, part: int) -> None:
    value = rules.random_id(public_id, message_id, part)
    assert 1 <= value <= 2**31 - 1
    assert value == rules.random_id(public_id, message_id, part)


def test_random_id_differs_per_message_part_and_inbox() -> None:
    ids = {rules.random_id(p, m, n) for p in ("a", "b") for m in range(1, 200) for n in range(3)}
    assert len(ids) == 2 * 199 * 3


def test_a_reply_forwards_the_customers_message_of_that_peer() -> None:
    assert rules.reply_forward(5, "5:9") == (
        '{"peer_id":5,"conversation_message_ids":[9],"is_reply":true}'
    )
    assert rules.reply_forward(5, "6:9") is None
    assert rules.reply_forward(5, None) is None
    assert rules.reply_forward(5, "5:x") is None


@pytest.mark.parametrize(
    ("error", "transient", "starts"),
    [
        ({"error_code": 6, "error_msg": "Too many requests per second"}, True, "VK is unavail"),
        ({"error_code": 10, "error_msg": "Internal server error"}, True, "VK is unavailable"),
        ({"error_code": 9, "error_msg": "Flood control"}, True, "VK's flood control"),
        ({"error_code": 5, "error_msg": "User authorization failed"}, False, "VK rejected the"),
        ({"error_code": 900, "error_msg": "blacklist"}, False, "The customer has blocked"),
        ({"code": 901, "description": "no permission"}, False, "The customer has not allowed"),
        ({"error_code": 12345, "error_msg": "?"}, False, "VK refused the message"),
        ("junk", False, "VK refused the message (VK: unknown error)"),
    ],
)
def test_vk_errors_are_classified(error: Any, transient: bool, starts: str) -> None:
    failure = rules.classify_error(error)
    assert failure.transient is transient
    assert failure.reason.startswith(starts), failure.reason


def test_http_failures() -> None:
    assert rules.http_failure(502).transient
    assert rules.http_failure(429).transient
    assert not rules.http_failure(404).transient


def test_names_until_vk_says_them() -> None:
    assert rules.peer_name(USER_ID, USER_ID) == f"VK user {USER_ID}"
    assert rules.peer_name(2000000066, USER_ID) == "VK chat 66"
