"""The widget's settings live in the inbox's settings: checked on create and on PATCH, the
identity secret write-only there and shown to admins only (GET .../webchat)."""

from __future__ import annotations

import httpx

from tests.api.conftest import StatementCounter, problem
from tests.channels.webchat.conftest import API, WebchatInbox, make_inbox, widget_settings
from tests.conftest import Desk


async def test_settings_are_checked_on_patch(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    url = f"{API}/inboxes/{webchat.id}"
    for bad, mention in (
        ({"color": "red"}, "color"),
        ({"position": "top"}, "position"),
        ({"allowed_domains": ["not a domain"]}, "allowed_domains"),
        ({"languages": []}, "languages"),
        ({"languages": ["de"]}, "languages"),
        ({"prechat": {"email": "sometimes"}}, "prechat"),
        ({"colour": "#ffffff"}, "colour"),
        ({"greeting": "x" * 501}, "greeting"),
    ):
        r = await client.patch(
            url, headers=desk.admin.headers, json={"settings": widget_settings(**bad)}
        )
        problem(r, 422, mention)
    r = await client.patch(
        url,
        headers=desk.admin.headers,
        json={
            "settings": widget_settings(
                color="#FF0000",
                allowed_domains=["https://Shop.Example.com/", "*.example.org"],
                prechat={"name": "required", "consent": "optional"},
            )
        },
    )
    assert r.status_code == 200, r.text
    settings = r.json()["settings"]
    assert settings["allowed_domains"] == ["shop.example.com", "*.example.org"]
    assert settings["prechat"] == {
        "name": "required",
        "email": "off",
        "phone": "off",
        "consent": "optional",
    }
    # Write-only: the secret is "set", and survives the PATCH that did not send it.
    assert settings["identity_secret"] == "set"
    r = await client.get(f"{API}/inboxes/{webchat.id}/webchat", headers=desk.admin.headers)
    assert r.json()["identity_secret"] == webchat.secret


async def test_other_channels_settings_are_not_the_widget_s(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.patch(
        f"{API}/inboxes/{desk.inbox_id}",
        headers=desk.admin.headers,
        json={"settings": {"color": "red", "anything": 1}},
    )
    assert r.status_code == 200, r.text


async def test_a_new_webchat_inbox_gets_defaults_and_a_secret(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.post(
        f"{API}/inboxes",
        headers=desk.admin.headers,
        # As the demo seeds it: one greeting for every language, the site for reference.
        json={
            "name": "Site",
            "channel_type": "webchat",
            "settings": {"website": "https://shop.example.com", "greeting": "Hello"},
        },
    )
    assert r.status_code == 201, r.text
    settings = r.json()["settings"]
    assert settings["identity_secret"] == "set"
    assert settings["csat"] is True
    assert settings["languages"] == ["en", "ru"]
    public_id = r.json()["public_id"]
    r = await client.get(f"/widget/v1/{public_id}/config")
    assert r.status_code == 200, r.text
    assert r.json()["greeting"] == {"en": "Hello", "ru": "Hello"}
    assert r.json()["title"] == "Site"  # no title: the inbox's name


async def test_only_admins_see_the_secret_and_can_rotate_it(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    url = f"{API}/inboxes/{webchat.id}/webchat"
    for actor in (desk.agent, desk.supervisor):
        problem(await client.get(url, headers=actor.headers), 403)
    r = await client.get(url, headers=desk.admin.headers)
    assert r.status_code == 200
    setup = r.json()
    assert setup["snippet"] == (
        f'<script async src="http://testserver/widget.js" data-inbox="{webchat.public_id}">'
        "</script>"
    )
    assert setup["settings"]["identity_secret"] is None
    assert len(setup["identity_secret"]) >= 32
    r = await client.post(f"{url}/identity-secret", headers=desk.admin.headers)
    assert r.status_code == 200
    assert r.json()["identity_secret"] not in (webchat.secret, "set")
    problem(await client.post(f"{url}/identity-secret", headers=desk.agent.headers), 403)
    # The secret is nowhere else: not in the inbox as listed, not in the widget's config.
    listed = (await client.get(f"{API}/inboxes", headers=desk.admin.headers)).text
    config = (
        await client.get(
            f"/widget/v1/{webchat.public_id}/config", headers={"Origin": "https://shop.example.com"}
        )
    ).text
    for text in (listed, config):
        assert webchat.secret not in text and r.json()["identity_secret"] not in text


async def test_the_setup_of_another_channel_is_refused(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    r = await client.get(f"{API}/inboxes/{desk.inbox_id}/webchat", headers=desk.admin.headers)
    problem(r, 422, "not webchat")
    r = await client.get(f"{API}/inboxes/999999/webchat", headers=desk.admin.headers)
    problem(r, 404)


async def test_config_shows_what_the_settings_say(client: httpx.AsyncClient, desk: Desk) -> None:
    inbox = await make_inbox(
        client,
        desk,
        color="#112233",
        position="left",
        languages=["ru"],
        prechat={"email": "required"},
        csat=False,
        reply_time="hour",
        require_identity=True,
        privacy_url="https://shop.example.com/privacy",
    )
    r = await client.get(f"{inbox.base}/config", headers={"Origin": "https://shop.example.com"})
    assert r.status_code == 200, r.text
    config = r.json()
    assert config["color"] == "#112233"
    assert config["position"] == "left"
    assert config["languages"] == ["ru"]
    assert config["prechat"]["email"] == "required"
    assert config["csat"] is False
    assert config["reply_time"] == "hour"
    assert config["require_identity"] is True
    assert config["privacy_url"] == "https://shop.example.com/privacy"
    assert config["online"] is False
    assert config["limits"]["max_upload_bytes"] <= 10 * 1024 * 1024
    assert "image/svg+xml" not in config["limits"]["upload_types"]
    # Nothing of the workspace beyond what the widget draws.
    for secretive in ("member", "email", "workspace", "secret"):
        assert secretive not in r.text.replace('email":"required', "")


async def test_config_costs_one_query_once_the_inbox_s_people_are_known(
    client: httpx.AsyncClient, webchat: WebchatInbox, statements: StatementCounter
) -> None:
    """Every page view of the site asks for the config: the inbox's people (who makes it
    "online") are looked up once in a while, not on every request."""
    url = f"/widget/v1/{webchat.public_id}/config"
    headers = {"Origin": "https://shop.example.com"}
    with statements.counting() as first:
        assert (await client.get(url, headers=headers)).status_code == 200
    with statements.counting() as then:
        for _ in range(5):
            assert (await client.get(url, headers=headers)).status_code == 200
    # inbox; then its name and members, and the teams with theirs
    assert len(first) == 1 + 5
    assert len(then) == 5
