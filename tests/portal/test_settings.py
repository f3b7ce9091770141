"""The portal inbox's settings are checked when an admin changes them: a malformed title,
form field or switch is refused with its place (422 problem+json), and nothing is stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import API
from tests.portal.conftest import PortalDesk


async def _patch(client: httpx.AsyncClient, portal: PortalDesk, settings: Any) -> httpx.Response:
    return await client.patch(
        f"{API}/inboxes/{portal.inbox_id}",
        json={"settings": settings},
        headers=portal.desk.admin.headers,
    )


@pytest.mark.parametrize(
    ("given", "where"),
    [
        ({"title": "x" * 201}, ["body", "settings", "title"]),
        ({"title": ["not", "text"]}, ["body", "settings", "title"]),
        ({"fields": "order_number"}, ["body", "settings", "fields"]),
        ({"fields": [{"key": "order_number", "mandatory": True}]}, ["body", "settings", "fields"]),
        ({"fields": ["order_number", {"key": "order_number"}]}, ["body", "settings", "fields"]),
        ({"fields": [""]}, ["body", "settings", "fields"]),
        ({"allow_new_customers": "perhaps"}, ["body", "settings", "allow_new_customers"]),
    ],
)
async def test_malformed_settings_are_refused_with_their_place(
    client: httpx.AsyncClient, portal: PortalDesk, given: dict[str, Any], where: list[str]
) -> None:
    before = (
        await client.get(f"{API}/inboxes/{portal.inbox_id}", headers=portal.desk.admin.headers)
    ).json()["settings"]
    r = await _patch(client, portal, given)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "portal settings" in r.json()["detail"]
    assert any(e["loc"][: len(where)] == where for e in r.json()["errors"]), r.json()
    after = (
        await client.get(f"{API}/inboxes/{portal.inbox_id}", headers=portal.desk.admin.headers)
    ).json()["settings"]
    assert after == before


async def test_good_settings_are_stored_in_their_plain_form(
    client: httpx.AsyncClient, portal: PortalDesk
) -> None:
    r = await _patch(
        client,
        portal,
        {
            "title": "Acme support",
            "fields": ["shop", {"key": "order_number", "required": "true"}],
            "allow_new_customers": False,
        },
    )
    assert r.status_code == 200, r.text
    settings = r.json()["settings"]
    assert settings["title"] == "Acme support"
    # "true" is read as the switch it means, and stored as one (the form reads `is True`).
    assert settings["fields"] == ["shop", {"key": "order_number", "required": True}]
    assert settings["allow_new_customers"] is False
