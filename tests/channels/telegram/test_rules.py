"""Parsing Telegram updates and classifying Bot API failures: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.channels.telegram.rules import (
    InvalidUpdate,
    classify_failure,
    parse_update,
    send_method,
    split_text,
    webhook_url,
)
from tests.channels.telegram.conftest import samples, text_update

SAMPLES = samples()


def test_the_shared_samples_are_there() -> None:
    assert len(SAMPLES) >= 13, sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_parses_to_a_message_or_a_reason(name: str) -> None:
    parsed = parse_update(SAMPLES[name])
    assert parsed.update_id == SAMPLES[name]["update_id"]
    assert (parsed.message is None) == (parsed.skipped is not None)
    if parsed.message is not None:
        assert parsed.message.content.strip()
        assert parsed.message.sender.kind == "telegram"


def by_name(suffix: str) -> dict[str, Any]:
    [update] = [u for n, u in SAMPLES.items() if n.endswith(f":{suffix}")]
    return update


def test_a_text_message() -> None:
    message = parse_update(by_name("message_text")).message
    assert message is not None
    assert message.external_id == "1111111:1365"
    assert message.content == "/start"
    assert message.sender.value == "1111111"
    assert message.sender.name == "Test Firstname Test Lastname"
    assert message.sent_at == datetime.fromtimestamp(1441645532, UTC)
    assert message.attachments == () and not message.edited
    assert message.content_attributes["telegram"] == {
        "chat_id": 1111111,
        "message_id": 1365,
        "update_id": 10000,
        "kind": "text",
        "chat_type": "private",
        "username": "Testusername",
    }
    assert "placeholder" not in message.content_attributes


def test_the_minimal_message_without_a_chat_type() -> None:
    message = parse_update(by_name("message_text_minimal")).message
    assert message is not None and message.content == "/start"
    assert "chat_type" not in message.content_attributes["telegram"]


def test_forwarded_messages_say_from_whom() -> None:
    user = parse_update(by_name("forwarded_message")).message
    channel = parse_update(by_name("forwarded_channel_message")).message
    assert user is not None and channel is not None
    assert user.content_attributes["forwarded_from"] == "Forward Firstname Forward Lastname"
    assert channel.content_attributes["forwarded_from"] == "Test channel"
    modern = text_update(
        1, 2, "fw", forward_origin={"type": "hidden_user", "sender_user_name": "Anon"}
    )
    parsed = parse_update(modern).message
    assert parsed is not None and parsed.content_attributes["forwarded_from"] == "Anon"


def test_a_reply_names_the_message_it_answers() -> None:
    message = parse_update(by_name("message_with_reply")).message
    assert message is not None
    assert message.reply_to_external_id == "1111111:1334"


def test_an_edited_message_is_an_edit_at_its_edit_time() -> None:
    message = parse_update(by_name("edited_message")).message
    assert message is not None
    assert message.edited and message.content == "Edited text"
    assert message.external_id == "1111111:1365"
    assert message.sent_at == datetime.fromtimestamp(1441646600, UTC)


def test_files_become_attachments_to_fetch_with_readable_placeholders() -> None:
    voice = parse_update(by_name("voice_message")).message
    document = parse_update(by_name("message_with_document")).message
    audio = parse_update(by_name("message_with_audio")).message
    assert voice is not None and document is not None and audio is not None
    assert voice.content == "[Voice message, 0:05]" and voice.content_attributes["placeholder"]
    [file] = voice.attachments
    assert (file.file_name, file.content_type, file.fetch, file.size, file.data) == (
        "voice_1365.ogg",
        "audio/ogg",
        "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
        23000,
        None,
    )
    assert document.content == "[Document: Testfile.pdf]"
    assert document.attachments[0].file_name == "Testfile.pdf"
    assert document.attachments[0].content_type == "application/pdf"
    assert audio.content == "[Audio: Test music file]"
    assert audio.attachments[0].content_type == "audio/mpeg"


def test_a_photo_takes_the_largest_size_and_keeps_its_caption() -> None:
    sizes = [
        {"file_id": "small", "width": 90, "height": 60, "file_size": 1000},
        {"file_id": "big", "width": 1280, "height": 853, "file_size": 90000},
        {"file_id": "huge", "width": 9000, "height": 9000, "file_size": 30_000_000},
    ]
    message = parse_update(text_update(5, 6, "", photo=sizes, caption="my order")).message
    assert message is not None
    assert message.content == "my order" and "placeholder" not in message.content_attributes
    [photo] = message.attachments
    # The 30 MB one cannot be downloaded through the Bot API (20 MB at most).
    assert (photo.fetch, photo.file_name, photo.content_type) == (
        "big",
        "photo_6.jpg",
        "image/jpeg",
    )
    bare = parse_update(text_update(5, 7, "", photo=sizes[:1])).message
    assert bare is not None and bare.content == "[Photo]"


def test_stickers() -> None:
    static = {"file_id": "st1", "emoji": "😀", "is_animated": False, "is_video": False}
    message = parse_update(text_update(5, 8, "", sticker=static)).message
    assert message is not None and message.content == "[Sticker 😀]"
    assert message.attachments[0].file_name == "sticker_8.webp"
    assert message.attachments[0].content_type == "image/webp"
    animated = {"file_id": "st2", "emoji": "🔥", "is_animated": True, "is_video": False}
    lottie = parse_update(text_update(5, 9, "", sticker=animated)).message
    assert lottie is not None and lottie.content == "[Sticker 🔥]" and lottie.attachments == ()


@pytest.mark.parametrize(
    ("fields", "content"),
    [
        (
            {"location": {"latitude": 55.7558, "longitude": 37.6173}},
            "[Location: 55.75580, 37.61730]",
        ),
        (
            {"contact": {"phone_number": "+79001234567", "first_name": "Olga"}},
            "[Contact: Olga, +79001234567]",
        ),
        ({"poll": {"question": "Best pizza?"}}, "[Poll: Best pizza?]"),
        ({"dice": {"emoji": "🎲", "value": 4}}, "[Dice: 🎲 4]"),
        ({"video": {"file_id": "v", "duration": 75}}, "[Video, 1:15]"),
        ({"video_note": {"file_id": "vn", "duration": 9}}, "[Video message, 0:09]"),
        ({"animation": {"file_id": "a"}, "document": {"file_id": "a"}}, "[GIF]"),
        ({"game": {"title": "x"}}, "[Unsupported Telegram message: game]"),
        ({"something_new": {"x": 1}}, "[Unsupported Telegram message]"),
    ],
)
def test_other_kinds_become_readable_placeholders(fields: dict[str, Any], content: str) -> None:
    message = parse_update(text_update(5, 10, "", **fields)).message
    assert message is not None
    assert message.content == content
    assert message.content_attributes["placeholder"] is True


@pytest.mark.parametrize("name", ["inline_query", "chosen_inline_result", "callback_query"])
def test_updates_that_are_not_customer_messages_are_skipped(name: str) -> None:
    parsed = parse_update(by_name(name))
    assert parsed.message is None and parsed.skipped is not None and name in parsed.skipped


@pytest.mark.parametrize(
    "message",
    [
        {"message_id": 1, "text": "no chat"},
        {"chat": {"id": 1}, "text": "no message id"},
        {"chat": {"id": "1"}, "message_id": 1, "text": "chat id not a number"},
        {"chat": {"id": 1}, "message_id": 1, "from": {"id": 9, "is_bot": True}, "text": "bot"},
    ],
)
def test_messages_that_cannot_be_answered_are_skipped(message: dict[str, Any]) -> None:
    parsed = parse_update({"update_id": 1, "message": message})
    assert parsed.message is None and parsed.skipped


@pytest.mark.parametrize(
    "body", [[], "x", 5, None, {"message": {}}, {"update_id": "7"}, {"update_id": True}]
)
def test_a_body_that_is_not_an_update_is_refused(body: Any) -> None:
    with pytest.raises(InvalidUpdate):
        parse_update(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "text",
                    "chat",
                    "id",
                    "message_id",
                    "photo",
                    "file_id",
                    "from",
                    "date",
                    "sticker",
                    "caption",
                    "voice",
                    "reply_to_message",
                    "forward_origin",
                    "location",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(message=json_values, update_id=st.integers(min_value=0, max_value=2**53))
def test_no_payload_shape_raises_anything_but_invalid_update(message: Any, update_id: int) -> None:
    for key in ("message", "edited_message"):
        parsed = parse_update({"update_id": update_id, key: message})
        assert parsed.message is not None or parsed.skipped


# ---------------------------------------------------------------------------- outbound
@pytest.mark.parametrize(
    ("status", "body", "transient", "words"),
    [
        (
            429,
            {"description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}},
            True,
            "retry after 7 s",
        ),
        (500, {"description": "Internal Server Error"}, True, "unavailable"),
        (502, None, True, "HTTP 502"),
        (
            403,
            {"description": "Forbidden: bot was blocked by the user"},
            False,
            "customer has blocked the bot",
        ),
        (400, {"description": "Bad Request: chat not found"}, False, "does not know this chat"),
        (401, {"description": "Unauthorized"}, False, "bot token"),
        (400, {"description": "Bad Request: message is too long"}, False, "too large"),
        (400, {"description": "Bad Request: can't parse entities"}, False, "refused the message"),
    ],
)
def test_failures_are_transient_or_permanent_with_a_reason(
    status: int, body: Any, transient: bool, words: str
) -> None:
    failure = classify_failure(status, body)
    assert failure.transient is transient
    assert words in failure.reason
    if status != 429 and body and body.get("description"):
        assert body["description"] in failure.reason
    assert (failure.retry_after == 7) is (status == 429)


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    assert split_text("short") == ["short"]
    assert split_text("") == [""]
    text = "\n".join(f"line {i:04d} " + "x" * 40 for i in range(200))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    solid = "y" * 10_000
    assert "".join(split_text(solid)) == solid


def test_pictures_go_as_photos_and_the_rest_as_documents() -> None:
    assert send_method("image/jpeg", 1000) == "sendPhoto"
    assert send_method("image/PNG", 1000) == "sendPhoto"
    assert send_method("image/gif", 1000) == "sendDocument"
    assert send_method("image/jpeg", 11 * 1024 * 1024) == "sendDocument"
    assert send_method("application/pdf", 10) == "sendDocument"


def test_webhook_url() -> None:
    assert webhook_url("https://desk.example.com/", "abc") == (
        "https://desk.example.com/hooks/telegram/abc"
    )


def test_an_update_without_update_id_names_the_problem() -> None:
    with pytest.raises(InvalidUpdate, match="update_id"):
        parse_update({"message": {"text": "x"}})
