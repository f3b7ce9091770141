"""Connection tests: try the provider (or the mail servers) with an inbox's settings and say,
in words an admin can act on, what worked and what did not. Never raises: a failure of any
kind is a failed check with its reason."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from frontdesk.channels.email import imap
from frontdesk.channels.email.client import check_smtp
from frontdesk.channels.email.schemas import EmailSettings
from frontdesk.channels.setup.rules import template_parameters
from frontdesk.channels.setup.schemas import (
    ChannelCheckOut,
    CheckItem,
    ProviderTemplate,
    VkSetup,
    WhatsAppSetup,
)
from frontdesk.channels.telegram.client import BotApi, TelegramApiError
from frontdesk.settings import Settings

VK_API_VERSION = "5.199"


def _report(checks: list[CheckItem], **extra: Any) -> ChannelCheckOut:
    return ChannelCheckOut(ok=bool(checks) and all(c.ok for c in checks), checks=checks, **extra)


def _unreachable(exc: httpx.HTTPError, who: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"{who} did not answer in time"
    return f"could not reach {who} ({type(exc).__name__})"


# ------------------------------------------------------------------------------- telegram
async def telegram(settings: Settings, token: str, http: httpx.AsyncClient) -> ChannelCheckOut:
    api = BotApi(
        http,
        base_url=settings.telegram_api_url,
        token=token,
        timeout=min(settings.channel_timeout_seconds, 15.0),
    )
    try:
        me = await api.call("getMe")
    except TelegramApiError as exc:
        return _report([CheckItem(name="bot", ok=False, detail=exc.failure.reason)])
    bot = me if isinstance(me, dict) else {}
    detail = f"the bot @{bot.get('username', '?')} ({bot.get('first_name', '')})"
    return _report([CheckItem(name="bot", ok=True, detail=detail)])


# ---------------------------------------------------------------------------------- e-mail
async def email(settings: Settings, config: EmailSettings) -> ChannelCheckOut:
    seconds = min(settings.channel_timeout_seconds, 15.0)

    async def incoming() -> CheckItem:
        if not config.reads_mail:
            return CheckItem(name="imap", ok=False, detail="no IMAP server set")
        try:
            detail = await asyncio.to_thread(imap.check, config, timeout=seconds)
        except Exception as exc:  # the IMAP library's, the socket's, TLS's: say which
            return CheckItem(name="imap", ok=False, detail=_reason(exc))
        return CheckItem(name="imap", ok=True, detail=detail)

    async def outgoing() -> CheckItem:
        if not config.sends_mail:
            return CheckItem(name="smtp", ok=False, detail="no SMTP server set")
        try:
            detail = await check_smtp(config, timeout_seconds=seconds)
        except Exception as exc:
            return CheckItem(name="smtp", ok=False, detail=_reason(exc))
        return CheckItem(name="smtp", ok=True, detail=detail)

    return _report(list(await asyncio.gather(incoming(), outgoing())))


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if isinstance(exc, imap.ImapError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -------------------------------------------------------------------------------- whatsapp
def _graph_error(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    return f"Meta answered {response.status_code}: {message or response.reason_phrase}"


async def whatsapp(
    settings: Settings, config: WhatsAppSetup, http: httpx.AsyncClient
) -> ChannelCheckOut:
    base = settings.whatsapp_api_url.rstrip("/")
    headers = {"Authorization": f"Bearer {config.access_token}"}
    timeout = min(settings.channel_timeout_seconds, 15.0)
    checks: list[CheckItem] = []
    templates: list[ProviderTemplate] = []
    try:
        r = await http.get(
            f"{base}/{config.phone_number_id}",
            params={"fields": "display_phone_number,verified_name"},
            headers=headers,
            timeout=timeout,
        )
        if r.status_code == 200:
            number = r.json()
            detail = f"the number {number.get('display_phone_number', '?')}"
            if number.get("verified_name"):
                detail += f" ({number['verified_name']})"
            checks.append(CheckItem(name="phone_number", ok=True, detail=detail))
        else:
            checks.append(CheckItem(name="phone_number", ok=False, detail=_graph_error(r)))
        if config.business_account_id:
            r = await http.get(
                f"{base}/{config.business_account_id}/message_templates",
                params={"fields": "name,language,status,components", "limit": "200"},
                headers=headers,
                timeout=timeout,
            )
            if r.status_code == 200:
                data = r.json().get("data") or []
                templates = [
                    ProviderTemplate(
                        name=str(t.get("name", "")),
                        language=str(t.get("language", "")),
                        parameters=template_parameters(t.get("components")),
                        status=str(t.get("status", "")).lower(),
                    )
                    for t in data
                    if isinstance(t, dict)
                ]
                approved = sum(1 for t in templates if t.status == "approved")
                checks.append(
                    CheckItem(
                        name="templates",
                        ok=True,
                        detail=f"{len(templates)} templates, {approved} approved",
                    )
                )
            else:
                checks.append(CheckItem(name="templates", ok=False, detail=_graph_error(r)))
    except httpx.HTTPError as exc:
        checks.append(CheckItem(name="phone_number", ok=False, detail=_unreachable(exc, "Meta")))
    except ValueError:
        checks.append(CheckItem(name="phone_number", ok=False, detail="Meta answered not JSON"))
    return _report(checks, templates=templates)


# -------------------------------------------------------------------------------------- vk
async def vk(settings: Settings, config: VkSetup, http: httpx.AsyncClient) -> ChannelCheckOut:
    base = settings.vk_api_url.rstrip("/")
    try:
        r = await http.post(
            f"{base}/method/groups.getById",
            data={
                "group_id": str(config.group_id),
                "access_token": config.access_token,
                "v": VK_API_VERSION,
            },
            timeout=min(settings.channel_timeout_seconds, 15.0),
        )
        body = r.json()
    except httpx.HTTPError as exc:
        return _report([CheckItem(name="group", ok=False, detail=_unreachable(exc, "VK"))])
    except ValueError:
        return _report([CheckItem(name="group", ok=False, detail="VK answered not JSON")])
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        reason = f"VK refused: {error.get('error_msg', 'unknown error')}"
        return _report([CheckItem(name="group", ok=False, detail=reason)])
    response = body.get("response") if isinstance(body, dict) else None
    # API 5.199 answers {"groups": [...]}; older versions a plain list.
    groups = response.get("groups") if isinstance(response, dict) else response
    group = groups[0] if isinstance(groups, list) and groups else None
    if not isinstance(group, dict):
        return _report([CheckItem(name="group", ok=False, detail="VK answered no community")])
    if int(group.get("id", 0) or 0) != config.group_id:
        detail = f"the token belongs to the community {group.get('id')}, not {config.group_id}"
        return _report([CheckItem(name="group", ok=False, detail=detail)])
    detail = f"the community {group.get('name', '')} (id {config.group_id})"
    return _report([CheckItem(name="group", ok=True, detail=detail)])
