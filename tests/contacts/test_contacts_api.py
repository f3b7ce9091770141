"""Contacts: identities per channel resolve to one person; typed custom attributes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.contacts.rules import AttributeSpec, InvalidAttribute, check_attributes
from frontdesk.contacts.rules import normalize_identity as norm
from tests.conftest import Desk

API = "/api/v1"


async def _post(client: httpx.AsyncClient, desk: Desk, path: str, body: dict[str, Any]) -> Any:
    return await client.post(API + path, json=body, headers=desk.admin.headers)


async def test_identities_resolve_one_customer_across_channels(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await _post(
        client,
        desk,
        "/contacts",
        {
            "name": "Мария Иванова",
            "email": "Maria@Example.com",
            "phone": "+7 (916) 123-45-67",
            "identities": [{"kind": "telegram", "value": "555001"}],
        },
    )
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["email"] == "maria@example.com" and contact["phone"] == "+79161234567"
    kinds = {(i["kind"], i["value"]) for i in contact["identities"]}
    assert kinds == {
        ("email", "maria@example.com"),
        ("phone", "+79161234567"),
        ("telegram", "555001"),
    }
    # The same person writes from Telegram: a new conversation finds the existing contact.
    r = await _post(
        client,
        desk,
        "/conversations",
        {
            "inbox_id": desk.inbox_id,
            "contact": {"name": "Masha", "identities": [{"kind": "telegram", "value": "555001"}]},
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["contact"]["id"] == contact["id"]
    # Another contact may not take an identity that is already someone's.
    r = await _post(client, desk, "/contacts", {"name": "X", "email": "maria@example.com"})
    assert r.status_code == 409
    assert r.json()["contact_id"] == contact["id"]


async def test_typed_custom_attributes(client: httpx.AsyncClient, desk: Desk) -> None:
    for body in (
        {"applies_to": "contact", "key": "orders", "label": "Orders", "value_type": "number"},
        {
            "applies_to": "contact",
            "key": "tier",
            "label": "Tier",
            "value_type": "list",
            "options": ["gold", "silver"],
        },
        {"applies_to": "contact", "key": "birthday", "label": "Birthday", "value_type": "date"},
    ):
        r = await _post(client, desk, "/custom-attributes", body)
        assert r.status_code == 201, r.text
    r = await _post(
        client,
        desk,
        "/custom-attributes",
        {"applies_to": "contact", "key": "tier", "label": "Again", "value_type": "text"},
    )
    assert r.status_code == 409
    r = await _post(
        client,
        desk,
        "/custom-attributes",
        {"applies_to": "contact", "key": "color", "label": "Color", "value_type": "list"},
    )
    assert r.status_code == 422 and "options" in r.json()["detail"]

    good = {"orders": 3, "tier": "gold", "birthday": "1990-05-17"}
    r = await _post(client, desk, "/contacts", {"name": "A", "custom_attributes": good})
    assert r.status_code == 201 and r.json()["custom_attributes"] == good
    contact_id = r.json()["id"]
    for bad, word in (
        ({"orders": "three"}, "number"),
        ({"tier": "bronze"}, "gold"),
        ({"birthday": "17.05.1990"}, "date"),
        ({"favourite": "x"}, "favourite"),
    ):
        r = await client.patch(
            f"{API}/contacts/{contact_id}",
            json={"custom_attributes": bad},
            headers=desk.agent.headers,
        )
        assert r.status_code == 422, (bad, r.text)
        assert word in r.json()["detail"]
    # null clears one attribute and keeps the others
    r = await client.patch(
        f"{API}/contacts/{contact_id}",
        json={"custom_attributes": {"orders": None}},
        headers=desk.agent.headers,
    )
    assert r.json()["custom_attributes"] == {"tier": "gold", "birthday": "1990-05-17"}


async def test_search_and_cursor_pages(client: httpx.AsyncClient, desk: Desk) -> None:
    for i in range(7):
        await _post(client, desk, "/contacts", {"name": f"Client {i}", "email": f"c{i}@ex.com"})
    await _post(client, desk, "/contacts", {"name": "Пётр Сидоров"})
    r = await client.get(f"{API}/contacts", params={"q": "Пётр"}, headers=desk.agent.headers)
    assert [c["name"] for c in r.json()["items"]] == ["Пётр Сидоров"]
    names: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "q": "client"}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get(f"{API}/contacts", params=params, headers=desk.agent.headers)
        ).json()
        names += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert names == [f"Client {i}" for i in reversed(range(7))]


async def test_other_workspace_contacts_are_invisible(
    client: httpx.AsyncClient, desk: Desk, db: Any
) -> None:
    from tests.conftest import seed_desk

    other = seed_desk(db, slug="other")
    r = await _post(client, desk, "/contacts", {"name": "Secret", "email": "s@ex.com"})
    contact_id = r.json()["id"]
    r = await client.get(f"{API}/contacts/{contact_id}", headers=other.admin.headers)
    assert r.status_code == 404
    r = await client.get(f"{API}/contacts", headers=other.admin.headers)
    assert r.json()["items"] == []
    # The same e-mail is free in another workspace: workspaces are separate desks.
    r = await client.post(
        f"{API}/contacts", json={"name": "S", "email": "s@ex.com"}, headers=other.admin.headers
    )
    assert r.status_code == 201


def test_attribute_rules() -> None:
    specs = {"n": AttributeSpec("n", "number"), "b": AttributeSpec("b", "boolean")}
    assert check_attributes({"n": 1.5, "b": False}, specs) == {"n": 1.5, "b": False}
    with pytest.raises(InvalidAttribute):
        check_attributes({"n": True}, specs)  # a bool is not a number here
    with pytest.raises(InvalidAttribute):
        check_attributes({"b": "yes"}, specs)
    assert norm("email", " A@B.RU ") == "a@b.ru"
    assert norm("whatsapp", "8 (800) 555-35-35") == "+88005553535"
    assert norm("telegram", " 42 ") == "42"
