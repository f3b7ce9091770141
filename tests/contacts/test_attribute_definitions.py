"""Custom attribute definitions as admins manage them: relabel, new options for a list,
delete; every refusal a 4xx problem+json that names its field, values already stored kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.contacts.rules import InvalidAttribute, checked_options
from frontdesk.core.db import Database
from tests.api.conftest import API, problem
from tests.conftest import Desk, seed_desk


async def _define(client: httpx.AsyncClient, desk: Desk, **body: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/custom-attributes", json=body, headers=desk.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _field(body: dict[str, Any]) -> str:
    """The field the refusal is placed at (`loc` ["body", <field>])."""
    return str(body["errors"][0]["loc"][1])


def test_options_belong_to_lists_only_each_once() -> None:
    assert checked_options("list", [" gold", "silver "]) == ["gold", "silver"]
    assert checked_options("text", []) == []
    for value_type, options, says in (
        ("list", [], "needs its options"),
        ("list", ["gold", " "], "empty"),
        ("list", ["gold", "silver", "gold"], "twice: gold"),
        ("number", ["1"], "only a list"),
    ):
        with pytest.raises(InvalidAttribute, match=says):
            checked_options(value_type, options)


async def test_an_admin_relabels_changes_options_and_deletes(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    admin = desk.admin.headers
    tier = await _define(
        client,
        desk,
        applies_to="contact",
        key="tier",
        label="Tier",
        value_type="list",
        options=["gold", "silver"],
    )
    r = await client.post(
        f"{API}/contacts",
        json={"name": "A", "custom_attributes": {"tier": "silver"}},
        headers=admin,
    )
    contact = r.json()

    r = await client.patch(
        f"{API}/custom-attributes/{tier['id']}",
        json={"label": "Loyalty tier", "options": ["gold", "platinum"]},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {**tier, "label": "Loyalty tier", "options": ["gold", "platinum"]}
    # A field left out stays; the list shows the change.
    r = await client.patch(
        f"{API}/custom-attributes/{tier['id']}", json={"label": "Tier"}, headers=admin
    )
    assert r.json()["options"] == ["gold", "platinum"]
    listed = (await client.get(f"{API}/custom-attributes", headers=desk.agent.headers)).json()
    assert [(d["key"], d["label"], d["options"]) for d in listed] == [
        ("tier", "Tier", ["gold", "platinum"])
    ]
    # New values are checked against the new options; the stored one stays as it was.
    r = await client.patch(
        f"{API}/contacts/{contact['id']}",
        json={"custom_attributes": {"tier": "silver"}},
        headers=admin,
    )
    problem(r, 422, "platinum")
    stored = (await client.get(f"{API}/contacts/{contact['id']}", headers=admin)).json()
    assert stored["custom_attributes"] == {"tier": "silver"}

    r = await client.delete(f"{API}/custom-attributes/{tier['id']}", headers=admin)
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(f"{API}/custom-attributes", headers=admin)).json() == []
    # Its values stay on the records; the key can no longer be set.
    stored = (await client.get(f"{API}/contacts/{contact['id']}", headers=admin)).json()
    assert stored["custom_attributes"] == {"tier": "silver"}
    r = await client.patch(
        f"{API}/contacts/{contact['id']}",
        json={"custom_attributes": {"tier": "gold"}},
        headers=admin,
    )
    problem(r, 422, "no custom attribute 'tier'")
    # The key is free again, for contacts as for conversations.
    await _define(client, desk, applies_to="contact", key="tier", label="Tier", value_type="text")


async def test_refusals_name_their_field(client: httpx.AsyncClient, desk: Desk) -> None:
    admin = desk.admin.headers
    orders = await _define(
        client, desk, applies_to="contact", key="orders", label="Orders", value_type="number"
    )
    shop = await _define(
        client,
        desk,
        applies_to="conversation",
        key="shop",
        label="Shop",
        value_type="list",
        options=["Moscow"],
    )
    # Creating: the key taken, the options a list needs, options of a number.
    r = await client.post(
        f"{API}/custom-attributes",
        json={"applies_to": "contact", "key": "orders", "label": "X", "value_type": "text"},
        headers=admin,
    )
    assert _field(problem(r, 409, "'orders'", "already exists")) == "key"
    r = await client.post(
        f"{API}/custom-attributes",
        json={"applies_to": "contact", "key": "color", "label": "Color", "value_type": "list"},
        headers=admin,
    )
    assert _field(problem(r, 422, "needs its options")) == "options"
    r = await client.post(
        f"{API}/custom-attributes",
        json={
            "applies_to": "contact",
            "key": "size",
            "label": "Size",
            "value_type": "number",
            "options": ["1"],
        },
        headers=admin,
    )
    assert _field(problem(r, 422, "only a list")) == "options"

    cases: list[tuple[int, dict[str, Any], int, str, str]] = [
        (shop["id"], {"options": []}, 422, "options", "needs its options"),
        (shop["id"], {"options": ["Moscow", "Moscow"]}, 422, "options", "twice"),
        (shop["id"], {"options": [""]}, 422, "options", "options.0"),
        (shop["id"], {"options": "Moscow"}, 422, "options", "options"),
        (orders["id"], {"options": ["1", "2"]}, 422, "options", "only a list"),
        (orders["id"], {"label": ""}, 422, "label", "label"),
        (orders["id"], {"label": "x" * 201}, 422, "label", "label"),
        # Fixed once defined: stored values were checked against them.
        (orders["id"], {"value_type": "text"}, 422, "value_type", "unknown field 'value_type'"),
        (orders["id"], {"key": "total"}, 422, "key", "unknown field 'key'"),
    ]
    for definition_id, body, status, field, says in cases:
        r = await client.patch(f"{API}/custom-attributes/{definition_id}", json=body, headers=admin)
        assert _field(problem(r, status, says)) == field, body
    # Nothing was changed by the refusals.
    listed = (await client.get(f"{API}/custom-attributes", headers=admin)).json()
    assert listed == [orders, shop]

    for method in ("PATCH", "DELETE"):
        for missing in (999999, 10**30):
            r = await client.request(
                method, f"{API}/custom-attributes/{missing}", json={"label": "X"}, headers=admin
            )
            assert r.status_code in (404, 422), r.text
            problem(r, r.status_code)
        r = await client.request(
            method, f"{API}/custom-attributes/999999", json={"label": "X"}, headers=admin
        )
        problem(r, 404, "no custom attribute 999999")
        r = await client.request(
            method, f"{API}/custom-attributes/orders", json={"label": "X"}, headers=admin
        )
        problem(r, 422, "definition_id")


async def test_only_admins_change_definitions(
    client: httpx.AsyncClient, desk: Desk, db: Database
) -> None:
    other_workspace_admin = seed_desk(db, slug="other").admin.headers
    orders = await _define(
        client, desk, applies_to="contact", key="orders", label="Orders", value_type="number"
    )
    url = f"{API}/custom-attributes/{orders['id']}"
    for who in (desk.agent, desk.supervisor):
        problem(await client.patch(url, json={"label": "X"}, headers=who.headers), 403, "admin")
        problem(await client.delete(url, headers=who.headers), 403, "admin")
    # Another workspace's admin finds no such definition.
    problem(await client.patch(url, json={"label": "X"}, headers=other_workspace_admin), 404)
    problem(await client.delete(url, headers=other_workspace_admin), 404)
    listed = (await client.get(f"{API}/custom-attributes", headers=desk.admin.headers)).json()
    assert listed == [orders]
