"""The portal's address as its admin sees it in the inbox's channel setup: built from
FRONTDESK_BASE_URL and the workspace's slug, shown for the inbox that serves the portal only."""

from __future__ import annotations

import httpx

from frontdesk.portal.rules import portal_url
from tests.api.conftest import API
from tests.portal.conftest import PortalDesk, add_portal


def test_the_address_is_the_base_url_and_the_slug() -> None:
    assert portal_url("https://desk.example.com", "acme") == "https://desk.example.com/portal/acme"
    assert portal_url("https://desk.example.com/", "acme") == "https://desk.example.com/portal/acme"


async def test_channel_setup_gives_the_portal_inbox_its_address(
    client: httpx.AsyncClient, portal: PortalDesk
) -> None:
    admin = portal.desk.admin.headers
    r = await client.get(f"{API}/inboxes/{portal.inbox_id}/channel", headers=admin)
    assert r.status_code == 200, r.text
    url = r.json()["portal_url"]
    assert url == "http://testserver/portal/acme"
    # It is where the portal answers.
    assert (await client.get(url)).status_code == 200
    # Other channels have none; nor has a second portal inbox, which serves no portal.
    r = await client.get(f"{API}/inboxes/{portal.desk.inbox_id}/channel", headers=admin)
    assert r.json()["portal_url"] is None
    second = await add_portal(client, portal.desk)
    r = await client.get(f"{API}/inboxes/{second}/channel", headers=admin)
    assert r.status_code == 200 and r.json()["portal_url"] is None
    # Admins only, like the rest of the channel setup.
    r = await client.get(
        f"{API}/inboxes/{portal.inbox_id}/channel", headers=portal.desk.agent.headers
    )
    assert r.status_code == 403
