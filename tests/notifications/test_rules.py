"""Mentions in notes: `@[Name](user:ID)` parsing and the text people read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.notifications.rules import mentioned_user_ids, plain_text

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="]\n"),
    min_size=1,
    max_size=200,
)
ids = st.integers(min_value=1, max_value=10**18 - 1)


def test_mentions_in_order_of_first_mention_each_once() -> None:
    text = "@[Anna](user:12) and @[Boris](user:7), again @[Anna](user:12) and @[Vera](user:30)"
    assert mentioned_user_ids(text) == [12, 7, 30]


def test_mention_anywhere_in_text() -> None:
    assert mentioned_user_ids("ping@[Anna Petrova](user:12).") == [12]
    assert mentioned_user_ids("(@[Анна Петрова](user:3))") == [3]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no mention here",
        "@Anna",
        "[Anna](user:12)",  # no @
        "@[](user:12)",  # no name
        "@[Anna](user:)",
        "@[Anna](user:abc)",
        "@[Anna](user:-1)",
        "@[Anna] (user:12)",
        "@[Anna](User:12)",
        "@[Anna](user:12",
        "@[An\nna](user:12)",  # a name never spans lines
        "@[Anna](https://example.com)",  # an ordinary link
        "@[Anna](user:1234567890123456789)",  # 19 digits: not an id we issue
        "@[" + "a" * 201 + "](user:1)",  # over the name limit
    ],
)
def test_not_mentions(text: str) -> None:
    assert mentioned_user_ids(text) == []
    assert plain_text(text) == text


def test_plain_text_shows_mentions_as_at_name() -> None:
    text = "@[Other Agent](user:4) please check; cc @[Анна](user:5)\nthanks"
    assert plain_text(text) == "@Other Agent please check; cc @Анна\nthanks"


@given(names, ids)
def test_any_name_and_id_round_trip(name: str, user_id: int) -> None:
    text = f"before @[{name}](user:{user_id}) after"
    assert mentioned_user_ids(text) == [user_id]
    assert plain_text(text) == f"before @{name} after"


@given(st.text(max_size=300))
def test_text_without_mention_syntax_is_left_alone(text: str) -> None:
    if "](user:" not in text:
        assert mentioned_user_ids(text) == []
        assert plain_text(text) == text


@given(st.lists(st.tuples(names, ids), max_size=8))
def test_many_mentions(mentions: list[tuple[str, int]]) -> None:
    text = " ".join(f"@[{name}](user:{user_id})" for name, user_id in mentions)
    assert mentioned_user_ids(text) == list(dict.fromkeys(u for _, u in mentions))
