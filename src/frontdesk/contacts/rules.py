"""Typed custom attributes: checking values against their definitions; identity normalizing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class AttributeSpec:
    key: str
    value_type: str
    options: tuple[str, ...] = ()


class InvalidAttribute(ValueError):
    pass


def check_attributes(
    values: Mapping[str, Any], specs: Mapping[str, AttributeSpec]
) -> dict[str, Any]:
    """Validate (and normalize) custom attribute values; None clears an attribute."""
    checked: dict[str, Any] = {}
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            raise InvalidAttribute(f"no custom attribute '{key}' is defined")
        checked[key] = None if value is None else _check(spec, value)
    return checked


def _check(spec: AttributeSpec, value: Any) -> Any:
    kind = spec.value_type
    if kind == "text" and isinstance(value, str):
        if len(value) > 10000:
            raise InvalidAttribute(f"'{spec.key}' is longer than 10000 characters")
        return value
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    if kind == "list" and isinstance(value, str) and value in spec.options:
        return value
    if kind == "link" and isinstance(value, str) and re.match(r"^https?://\S+$", value):
        return value
    expected = {
        "list": f"one of {list(spec.options)}",
        "date": "a date YYYY-MM-DD",
        "link": "an http(s) URL",
    }.get(kind, f"a {kind}")
    raise InvalidAttribute(f"'{spec.key}' must be {expected}, got {value!r}")


def normalize_identity(kind: str, value: str) -> str:
    """One canonical spelling per identity, so the same person resolves to one contact."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind in ("phone", "whatsapp"):
        digits = re.sub(r"[^0-9]", "", value)
        return f"+{digits}" if digits else value
    return value
