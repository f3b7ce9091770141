"""Mentions in private notes: `@[Anna Petrova](user:12)` names user 12 unambiguously."""

from __future__ import annotations

import re

MENTION = re.compile(r"@\[([^\]\n]{1,200})\]\(user:(\d{1,18})\)")


def mentioned_user_ids(content: str) -> list[int]:
    """User ids mentioned in `content`, in order of first mention, each once."""
    return list(dict.fromkeys(int(m.group(2)) for m in MENTION.finditer(content)))


def plain_text(content: str) -> str:
    """The note as a person reads it: mentions shown as @Name."""
    return MENTION.sub(lambda m: "@" + m.group(1), content)
