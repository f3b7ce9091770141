"""Pure rules of channel setup: the webhook URL of an inbox, what a change of a channel's
fields makes of its stored settings, and whether a channel has all it needs."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from frontdesk.channels.setup.schemas import SETUP_SCHEMAS
from frontdesk.inboxes.rules import is_secret, merged

# The path providers post to, per channel type (ARCHITECTURE.md: /hooks/<channel>/<public id>).
_HOOK_PATHS = {
    "telegram": "/hooks/telegram/{public_id}",
    "whatsapp": "/hooks/whatsapp/{public_id}",
    "vk": "/hooks/vk/{public_id}",
    "api": "/hooks/api/{public_id}/messages",
}
# What each channel needs before it can work (beyond what its schema requires).
_NEEDS = {
    "telegram": ("bot_token", "webhook_secret"),
    "whatsapp": ("phone_number_id", "access_token", "app_secret", "verify_token"),
    "vk": ("group_id", "access_token", "secret", "confirmation_code"),
    "email": ("email", "imap_host", "imap_password", "smtp_host"),
    "api": ("inbound_token",),
}


def webhook_url(base_url: str, channel_type: str, public_id: str) -> str | None:
    path = _HOOK_PATHS.get(channel_type)
    if path is None:
        return None
    return base_url.rstrip("/") + path.format(public_id=public_id)


def missing(channel_type: str, settings: dict[str, Any]) -> list[str]:
    """The settings a channel still lacks to work, by name."""
    return [k for k in _NEEDS.get(channel_type, ()) if settings.get(k) in (None, "", [])]


def schema_for(channel_type: str) -> type[BaseModel] | None:
    return SETUP_SCHEMAS.get(channel_type)


def changed_settings(
    schema: type[BaseModel], stored: dict[str, Any], incoming: dict[str, Any]
) -> dict[str, Any]:
    """The channel's fields after an admin's change, validated (pydantic's ValidationError
    when not): `incoming` holds every field of the form; a secret left out, or sent back as
    "set", keeps its stored value; null removes it. Keys of other parts of the settings (a
    mailbox's position, a bot's name) are not the form's and are not touched. An empty change
    is what is stored, checked again."""
    fields = schema.model_fields
    own = {k: v for k, v in stored.items() if k in fields}
    if not incoming:
        incoming = own
    # Unknown keys stay in, so that the schema refuses them by name.
    wanted = merged(own, {k: v for k, v in incoming.items() if not _blank_secret(k, v)})
    # Defaults the admin never saw are written too, so what is stored is what was checked.
    return schema.model_validate(wanted).model_dump(mode="json")


def settings_change(
    schema: type[BaseModel], stored: dict[str, Any], checked: dict[str, Any]
) -> dict[str, Any]:
    """The keys to write (None removes one) so that the stored fields become `checked`."""
    change: dict[str, Any] = {k: None for k in schema.model_fields if k in stored}
    change.update(checked)
    return change


def _blank_secret(key: str, value: Any) -> bool:
    # An empty password box means "keep the one you have", not "remove it".
    return is_secret(key) and isinstance(value, str) and value.strip() == ""


_PARAMETER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


def template_parameters(components: Any) -> int:
    """How many parameters a WhatsApp template's body takes ({{1}}, {{2}}, ...)."""
    if not isinstance(components, list):
        return 0
    for component in components:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "BODY":
            numbers = {int(n) for n in _PARAMETER.findall(str(component.get("text") or ""))}
            return max(numbers, default=0)
    return 0
