"""A refused widget setting says where it is, so that the settings form shows the desk's
error beside its field: problem+json `errors` with `loc` ["body", "settings", <key>, ...]."""

from __future__ import annotations

import httpx

from tests.api.conftest import problem
from tests.channels.webchat.conftest import API, WebchatInbox, widget_settings
from tests.conftest import Desk


async def test_each_refused_setting_is_placed(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    r = await client.patch(
        f"{API}/inboxes/{webchat.id}",
        headers=desk.admin.headers,
        json={
            "settings": widget_settings(
                color="blue",
                allowed_domains=["shop.example.com", "not a domain"],
                prechat={"email": "sometimes"},
            )
        },
    )
    body = problem(r, 422, "color", "allowed_domains", "prechat")
    placed = {tuple(e["loc"]): e for e in body["errors"]}
    assert set(placed) == {
        ("body", "settings", "color"),
        ("body", "settings", "allowed_domains"),
        ("body", "settings", "prechat", "email"),
    }
    assert placed[("body", "settings", "color")]["type"] == "string_pattern_mismatch"
    assert "not a domain" in placed[("body", "settings", "allowed_domains")]["msg"]
    assert all(e["msg"] for e in body["errors"])
    # Nothing was saved.
    r = await client.get(f"{API}/inboxes/{webchat.id}/webchat", headers=desk.admin.headers)
    assert r.json()["settings"]["color"] == "#2563eb"
