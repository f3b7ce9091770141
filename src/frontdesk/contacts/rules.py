"""Typed custom attributes: checking values against their definitions; identity normalizing;
the version of a contact that an optimistic edit is checked against."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
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


def checked_options(value_type: str, options: Iterable[str]) -> list[str]:
    """A definition's options: a list attribute needs at least one, each once; other types
    have none (a value of theirs is never checked against options)."""
    found = [o.strip() for o in options]
    if value_type != "list":
        if found:
            raise InvalidAttribute(f"a {value_type} attribute has no options; only a list has")
        return []
    if not found:
        raise InvalidAttribute("a list attribute needs its options")
    if any(not o for o in found):
        raise InvalidAttribute("an option is empty")
    twice = sorted({o for o in found if found.count(o) > 1})
    if twice:
        raise InvalidAttribute(f"options are listed twice: {', '.join(twice)}")
    return found


def normalize_identity(kind: str, value: str) -> str:
    """One canonical spelling per identity, so the same person resolves to one contact."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind in ("phone", "whatsapp"):
        digits = re.sub(r"[^0-9]", "", value)
        return f"+{digits}" if digits else value
    return value


def contact_version(
    *,
    name: str,
    email: str | None,
    phone: str | None,
    tags: Iterable[str],
    notes: str,
    custom_attributes: Mapping[str, Any],
    identities: Iterable[tuple[str, str]],
) -> str:
    """A fingerprint of everything an agent can edit on a contact.

    An edit sent with the version it was based on is refused when the contact changed since
    (two agents editing at once must not silently overwrite each other). A fingerprint of the
    content, rather than a counter, needs no column and never refuses an edit whose base is
    the current content anyway."""
    state = {
        "name": name,
        "email": email,
        "phone": phone,
        "tags": sorted(tags),
        "notes": notes,
        "custom_attributes": dict(custom_attributes),
        "identities": sorted(identities),
    }
    canonical = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def matches_version(if_match: str, version: str) -> bool:
    """Whether an If-Match header (one or more entity tags, or `*`) names this version."""
    for tag in if_match.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag in ("*", version):
            return True
    return False


# ----------------------------------------------------------------------- duplicates and merge
# The identity kinds whose values are e-mail addresses or phone numbers (an API channel's
# external id may be either).
EMAIL_KINDS = ("email", "external")
PHONE_KINDS = ("phone", "whatsapp", "external")
_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-.]{7,32}$")


def email_key(value: str | None) -> str | None:
    """What two spellings of one e-mail address have in common (case and spaces aside)."""
    if not value or "@" not in value:
        return None
    return normalize_identity("email", value)


def phone_key(value: str | None) -> str | None:
    """What two spellings of one phone number have in common: its digits, with a Russian
    trunk prefix dropped (8 916 … and +7 916 … are one number; so is 916 … without it)."""
    if not value or not _PHONE_LIKE.match(value.strip()):
        return None
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) < 7:
        return None
    if len(digits) == 11 and digits[0] in "78":
        return digits[1:]
    return digits


def phone_spellings(key: str) -> list[str]:
    """Every stored (normalized) spelling whose `phone_key` is `key`: what a lookup asks for,
    so it stays an indexed equality on the stored values."""
    spellings = [f"+{key}"]
    if len(key) == 10:
        spellings += [f"+7{key}", f"+8{key}"]
    return spellings


@dataclass(frozen=True, order=True)
class MatchKey:
    """Why two contacts may be one person: the same e-mail or phone, however written."""

    kind: str  # "email" or "phone"
    value: str


def match_keys(
    *, email: str | None, phone: str | None, identities: Iterable[tuple[str, str]]
) -> set[MatchKey]:
    keys: set[MatchKey] = set()
    emails = [email, *(v for k, v in identities if k in EMAIL_KINDS)]
    phones = [phone, *(v for k, v in identities if k in PHONE_KINDS)]
    keys |= {MatchKey("email", k) for k in map(email_key, emails) if k}
    keys |= {MatchKey("phone", k) for k in map(phone_key, phones) if k}
    return keys


def lookup_values(keys: Iterable[MatchKey]) -> tuple[list[str], list[str]]:
    """The stored e-mails and phones to look for: (e-mails, phone spellings)."""
    emails = sorted({k.value for k in keys if k.kind == "email"})
    phones = sorted({s for k in keys if k.kind == "phone" for s in phone_spellings(k.value)})
    return emails, phones


def shared_keys(mine: set[MatchKey], theirs: set[MatchKey]) -> list[MatchKey]:
    """What a candidate shares with the contact: empty when a lookup's hit is not a match
    after all (a phone spelling that belongs to another key)."""
    return sorted(mine & theirs)


NOTES_SEPARATOR = "\n\n———\n\n"
MAX_NOTES_CHARS = 10000


class MergeRefused(ValueError):
    pass


@dataclass(frozen=True)
class ContactFields:
    """What merging decides about: the fields of one contact."""

    name: str
    email: str | None
    phone: str | None
    tags: tuple[str, ...]
    notes: str
    custom_attributes: Mapping[str, Any]


def merged_fields(survivor: ContactFields, other: ContactFields) -> ContactFields:
    """The survivor after taking in `other`: the survivor's values win; what it lacks (a name,
    an e-mail, a phone, an attribute) comes from the other; tags are united and notes kept
    both, one after the other. Refused, rather than cut, when the notes would not fit."""
    notes = [n for n in (survivor.notes.strip(), other.notes.strip()) if n]
    if len(notes) == 2 and notes[1] in notes[0]:
        notes = notes[:1]  # merged before, or copied over by hand: not twice
    joined = NOTES_SEPARATOR.join(notes)
    if len(joined) > MAX_NOTES_CHARS:
        raise MergeRefused(
            f"the notes of both contacts together are {len(joined)} characters, more than "
            f"{MAX_NOTES_CHARS}: shorten them, then merge"
        )
    return ContactFields(
        name=survivor.name or other.name,
        email=survivor.email or other.email,
        phone=survivor.phone or other.phone,
        tags=tuple(sorted(set(survivor.tags) | set(other.tags))),
        notes=joined,
        custom_attributes={**other.custom_attributes, **survivor.custom_attributes},
    )
