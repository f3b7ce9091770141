"""The pure rules of webhooks: the signature a receiver checks, the event catalogue, which
addresses a webhook may reach."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.webhooks import rules


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"type":"message.created"}'
    header = rules.signature("whsec_x", 1700000000, body)
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=200))
def test_a_signature_verifies_and_any_change_breaks_it(secret: str, body: bytes) -> None:
    header = rules.signature(secret, 1000, body)
    assert rules.verify_signature(secret, header, body, now=1000)
    assert not rules.verify_signature(secret + "x", header, body, now=1000)
    assert not rules.verify_signature(secret, header, body + b" ", now=1000)


def test_old_or_malformed_signatures_are_refused() -> None:
    body = b"{}"
    header = rules.signature("s", 1000, body)
    assert rules.verify_signature("s", header, body, now=1000 + 300)
    assert not rules.verify_signature("s", header, body, now=1000 + 301)  # replayed later
    assert not rules.verify_signature("s", header, body, now=1000 - 301)
    assert not rules.verify_signature("s", "v1=" + header.partition("v1=")[2], body, now=1000)
    assert not rules.verify_signature("s", "t=1000", body, now=1000)
    assert not rules.verify_signature("s", "garbage", body, now=1000)
    # Several v1 values (a receiver during a secret rotation): one matching is enough.
    assert rules.verify_signature("s", header + ",v1=deadbeef", body, now=1000)


def test_events_are_checked_against_the_catalogue() -> None:
    assert rules.checked_events(["message.created", "conversation.created", "message.created"]) == [
        "conversation.created",
        "message.created",
    ]
    assert rules.checked_events(["*", "message.created"]) == ["*"]
    with pytest.raises(rules.InvalidEvents, match=r"conversation\.typing"):
        rules.checked_events(["conversation.typing"])
    with pytest.raises(rules.InvalidEvents, match=r"webhook\.delivery_updated"):
        rules.checked_events(["webhook.delivery_updated"])
    with pytest.raises(rules.InvalidEvents):
        rules.checked_events([])


def test_matching_never_delivers_hints_or_webhook_events() -> None:
    assert rules.subscribed(["message.created"], "message.created")
    assert not rules.subscribed(["message.created"], "conversation.created")
    assert rules.subscribed(["*"], "contact.merged")
    # "*" means every event of the catalogue, not typing hints or the webhooks' own events.
    assert not rules.subscribed(["*"], "conversation.typing")
    assert not rules.subscribed(["*"], "webhook.delivery_updated")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fc00::1",
        "fe80::1",
        "::ffff:127.0.0.1",  # IPv4 loopback mapped into IPv6
    ],
)
def test_private_addresses_are_refused_unless_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not rules.address_allowed(ip, ())
    allowed = rules.allowed_networks(f"{address}, 8.8.8.8")
    assert rules.address_allowed(ip, allowed)


def test_public_addresses_are_allowed() -> None:
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        assert rules.address_allowed(ipaddress.ip_address(address), ())


def test_allowed_networks_setting() -> None:
    assert rules.allowed_networks("") == ()
    assert rules.allowed_networks("127.0.0.0/8,10.0.0.1") == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("10.0.0.1/32"),
    )
    with pytest.raises(ValueError, match="nonsense"):
        rules.allowed_networks("nonsense")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "http"),
        ("https://user:pw@example.com/", "user name"),
        ("https:///path", "no host"),
        ("https://exa mple.com/", "single"),
        ("https://example.com:99999/", "not valid"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(rules.RefusedUrl, match=reason):
        rules.parse_url(url)


def test_url_targets() -> None:
    assert rules.parse_url("https://Example.com./x?y=1") == rules.Target(
        "https", "example.com", 443
    )
    assert rules.parse_url("http://[::1]:8080/") == rules.Target("http", "::1", 8080)


def test_outcome_of_an_attempt() -> None:
    assert rules.outcome(ok=True, last=True) == "delivered"
    assert rules.outcome(ok=False, last=False) == "retrying"
    assert rules.outcome(ok=False, last=True) == "dead"
