"""Visitor sessions: a returning visitor continues; the host site's users are verified with an
HMAC of their id (valid: linked to their contact; forged: 401); an inbox may require it."""

from __future__ import annotations

import httpx

from frontdesk.channels.webchat import rules
from frontdesk.core.db import Database
from tests.api.conftest import count_rows, problem
from tests.channels.webchat.conftest import API, Visitor, WebchatInbox, make_inbox
from tests.conftest import Desk


def signed(inbox: WebchatInbox, identifier: str) -> dict[str, str]:
    return {
        "identifier": identifier,
        "identifier_hash": rules.identity_hash(inbox.secret, identifier),
    }


async def test_a_returning_visitor_continues_the_same_conversation(
    client: httpx.AsyncClient, webchat: WebchatInbox, visitor: Visitor
) -> None:
    assert (await visitor.say("Where is my order?")).status_code == 201
    again = Visitor(client, webchat, token=visitor.token)
    r = await again.start()
    assert r.status_code == 200, r.text
    assert again.token == visitor.token
    assert again.session["conversation"]["status"] == "open"
    assert [m["content"] for m in (await again.messages())["items"]] == ["Where is my order?"]
    # A token that was tampered with is no token: a new visitor, who sees nothing.
    stranger = Visitor(client, webchat, token=visitor.token[:-2] + "xx")
    assert (await stranger.start()).status_code == 200
    assert stranger.token != visitor.token
    assert stranger.session["conversation"] is None
    assert (await stranger.messages())["items"] == []


async def test_a_verified_identity_is_linked_to_its_contact(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    laptop = Visitor(client, webchat)
    r = await laptop.start(
        **signed(webchat, "user-42"), name="Ivan Petrov", email="ivan@example.com"
    )
    assert r.status_code == 200, r.text
    assert laptop.session["identified"] is True
    assert (await laptop.say("Hello from the laptop")).status_code == 201
    # The same user on another device: the same contact, the same conversation.
    phone = Visitor(client, webchat)
    assert (await phone.start(**signed(webchat, "user-42"))).status_code == 200
    assert phone.token != laptop.token
    assert [m["content"] for m in (await phone.messages())["items"]] == ["Hello from the laptop"]
    r = await client.get(f"{API}/conversations", headers=desk.admin.headers)
    [conversation] = r.json()["items"]
    contact = (
        await client.get(
            f"{API}/contacts/{conversation['contact']['id']}", headers=desk.admin.headers
        )
    ).json()
    assert contact["name"] == "Ivan Petrov"
    assert contact["email"] == "ivan@example.com"
    assert {"kind": "webchat_user", "value": "user-42"} in contact["identities"]


async def test_a_forged_identity_is_refused(
    client: httpx.AsyncClient, db: Database, webchat: WebchatInbox
) -> None:
    before = count_rows(db, "webchat_visitors")
    forger = Visitor(client, webchat)
    wrong = {"identifier": "user-42", "identifier_hash": rules.identity_hash("guessed", "user-42")}
    problem(await forger.start(**wrong), 401, "identifier_hash")
    problem(await forger.start(identifier="user-42"), 401, "identifier_hash")
    # A hash of another id does not fit this one.
    other = {
        "identifier": "user-42",
        "identifier_hash": signed(webchat, "user-7")["identifier_hash"],
    }
    problem(await forger.start(**other), 401)
    assert count_rows(db, "webchat_visitors") == before
    assert count_rows(db, "contacts") == 0


async def test_a_rotated_secret_refuses_old_signatures(
    client: httpx.AsyncClient, desk: Desk, webchat: WebchatInbox
) -> None:
    old = signed(webchat, "user-42")
    r = await client.post(
        f"{API}/inboxes/{webchat.id}/webchat/identity-secret", headers=desk.admin.headers
    )
    webchat.secret = r.json()["identity_secret"]
    problem(await Visitor(client, webchat).start(**old), 401)
    assert (await Visitor(client, webchat).start(**signed(webchat, "user-42"))).status_code == 200


async def test_a_required_identity_refuses_anonymous_visitors(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    inbox = await make_inbox(client, desk, require_identity=True)
    anonymous = Visitor(client, inbox)
    problem(await anonymous.start(), 401, "signed-in")
    user = Visitor(client, inbox)
    assert (await user.start(**signed(inbox, "user-1"))).status_code == 200
    assert (await user.say("hi")).status_code == 201


async def test_another_user_in_the_same_browser_is_a_new_visitor(
    client: httpx.AsyncClient, webchat: WebchatInbox
) -> None:
    browser = Visitor(client, webchat)
    await browser.start(**signed(webchat, "alice"))
    await browser.say("Alice's private question")
    alice_token = browser.token
    # Alice logs out and Bob logs in on the same computer: the old token comes along.
    assert (await browser.start(token=alice_token, **signed(webchat, "bob"))).status_code == 200
    assert browser.token != alice_token
    assert (await browser.messages())["items"] == []
    # Logged out entirely: a new anonymous visitor, who does not see Alice's chat either.
    assert (await browser.start(token=alice_token)).status_code == 200
    assert (await browser.messages())["items"] == []


async def test_signing_in_before_writing_keeps_the_visitor(
    client: httpx.AsyncClient, webchat: WebchatInbox, visitor: Visitor
) -> None:
    token = visitor.token
    assert (await visitor.start(**signed(webchat, "carol"))).status_code == 200
    assert visitor.token == token
    assert visitor.session["identified"] is True


async def test_a_visitor_never_becomes_another_contact_by_e_mail(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    """An unverified visitor typing somebody's e-mail in the pre-chat form must not see that
    person's conversations: they get a contact of their own."""
    webchat = await make_inbox(client, desk, prechat={"name": "optional", "email": "optional"})
    victim = Visitor(client, webchat)
    await victim.start()
    r = await victim.post("prechat", {"name": "Victim", "email": "victim@example.com"})
    assert r.status_code == 200, r.text
    await victim.say("my card number is ...")
    attacker = Visitor(client, webchat)
    await attacker.start()
    r = await attacker.post("prechat", {"name": "Mallory", "email": "victim@example.com"})
    assert r.status_code == 200, r.text
    await attacker.say("hello")
    assert [m["content"] for m in (await attacker.messages())["items"]] == ["hello"]
    r = await client.get(f"{API}/conversations", headers=desk.admin.headers)
    contacts = {c["contact"]["name"]: c["contact"] for c in r.json()["items"]}
    assert contacts["Victim"]["email"] == "victim@example.com"
    assert contacts["Mallory"]["id"] != contacts["Victim"]["id"]
    assert contacts["Mallory"]["email"] is None  # the e-mail stays with the visitor only
