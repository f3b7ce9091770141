"""Inbox settings: which values are secrets, how they are shown and how a change keeps them.

A channel's credentials (a bot token, an app secret, an IMAP password) live in the inbox's
settings. They are write-only: an answer shows "set" or "not set" in their place, and a change
that sends the settings back with those words (or without the key) keeps the stored secret.
A new value replaces it; null or "" removes it. Which keys are secrets is told by their names,
so every channel's settings are covered without a list per channel.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from pydantic import ValidationError

SET = "set"
NOT_SET = "not set"
MAX_SETTINGS_BYTES = 64 * 1024
_SECRET_NAME = re.compile(r"(^|_)(token|secret|password|passwd|key|apikey)$", re.IGNORECASE)


class InvalidSettings(ValueError):
    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        # Where each problem is ({loc, msg, type} as pydantic says, under the request body),
        # so that a settings form shows it beside its field.
        self.errors = errors or []

    @classmethod
    def of(cls, what: str, exc: ValidationError) -> InvalidSettings:
        """Pydantic's refusal of a channel's settings, with each problem placed."""
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        errors = [
            {"loc": ["body", "settings", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        return cls(f"{what}: {where}", errors=errors)


def is_secret(key: str) -> bool:
    return bool(_SECRET_NAME.search(key))


def masked(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as answers show them: every secret replaced by "set" or "not set"."""
    shown: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            shown[key] = masked(value)
        elif is_secret(key):
            shown[key] = SET if value not in (None, "") else NOT_SET
        else:
            shown[key] = value
    return shown


def merged(stored: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """New settings from a change: `incoming` replaces the settings, except that secrets it
    leaves out or sends back masked keep their stored values, and null or "" removes one."""
    result: dict[str, Any] = {}
    for key, value in incoming.items():
        old = stored.get(key)
        if isinstance(value, dict):
            result[key] = merged(old if isinstance(old, dict) else {}, value)
        elif is_secret(key) and value in (SET, NOT_SET):
            if old not in (None, ""):
                result[key] = old
        elif is_secret(key) and value in (None, ""):
            continue
        else:
            result[key] = value
    for key, old in stored.items():
        if key not in incoming and is_secret(key) and old not in (None, ""):
            result[key] = old
    return result


def check_size(settings: dict[str, Any]) -> None:
    if len(orjson.dumps(settings)) > MAX_SETTINGS_BYTES:
        raise InvalidSettings(f"inbox settings are limited to {MAX_SETTINGS_BYTES // 1024} KB")
