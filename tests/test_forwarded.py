"""Issue 9: the client's address behind trusted reverse proxies (core/forwarded.py), used by
the rate limits and the audit log (the served behaviour: tests/test_rate_limits.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.forwarded import client_address
from core.settings import Settings

PROXIES = frozenset({"10.0.0.0/8", "2001:db8::/32"})


def _headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in values.items()]


def test_without_trusted_proxies_the_header_is_ignored():
    headers = _headers(x_forwarded_for="203.0.113.5")
    assert client_address("10.0.0.2", headers, frozenset()) == "10.0.0.2"


def test_an_untrusted_peer_cannot_claim_another_address():
    headers = _headers(x_forwarded_for="203.0.113.5")
    assert client_address("198.51.100.1", headers, PROXIES) == "198.51.100.1"


def test_the_first_untrusted_hop_from_the_right_is_the_client():
    # The client claimed 192.0.2.1 itself; the edge proxy appended the client's real address,
    # an inner proxy appended the edge proxy's.
    headers = _headers(x_forwarded_for="192.0.2.1, 203.0.113.5, 10.1.1.1")
    assert client_address("10.0.0.2", headers, PROXIES) == "203.0.113.5"


def test_several_headers_are_one_list_and_all_trusted_means_the_leftmost():
    headers = [(b"x-forwarded-for", b"10.9.9.9"), (b"X-Forwarded-For", b"10.1.1.1")]
    assert client_address("10.0.0.2", headers, PROXIES) == "10.9.9.9"


def test_no_header_from_a_proxy_is_the_proxy():
    assert client_address("10.0.0.2", [], PROXIES) == "10.0.0.2"


def test_garbage_stops_at_the_last_trusted_hop():
    headers = _headers(x_forwarded_for="203.0.113.5, unknown")
    assert client_address("10.0.0.2", headers, PROXIES) == "10.0.0.2"
    headers = _headers(x_forwarded_for="nonsense, 10.1.1.1")
    assert client_address("10.0.0.2", headers, PROXIES) == "10.1.1.1"


def test_rfc_7239_forwarded_when_the_proxies_set_that_header():
    headers = _headers(
        forwarded='for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711", for=10.1.1.1:80',
        x_forwarded_for="198.51.100.9",  # not the configured header: ignored
    )
    assert client_address("10.0.0.2", headers, PROXIES, "forwarded") == "192.0.2.60"
    ipv6_client = _headers(forwarded='for="[2001:dc8::17]:4711";by=10.0.0.1')
    assert client_address("10.0.0.2", ipv6_client, PROXIES, "forwarded") == "2001:dc8::17"
    # The X-Forwarded-For setting does not read Forwarded either.
    assert client_address("10.0.0.2", _headers(forwarded="for=192.0.2.60"), PROXIES) == "10.0.0.2"


def test_ipv4_mapped_peers_and_ipv6_proxies():
    headers = _headers(x_forwarded_for="203.0.113.5")
    assert client_address("::ffff:10.0.0.2", headers, PROXIES) == "203.0.113.5"
    assert client_address("2001:db8::1", headers, PROXIES) == "203.0.113.5"


def test_the_setting_takes_comma_separated_cidrs_and_refuses_bad_ones(monkeypatch):
    monkeypatch.setenv("FRONTDESK_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
    monkeypatch.setenv("FRONTDESK_FORWARDED_HEADER", "forwarded")
    settings = Settings()
    assert settings.trusted_proxies == frozenset({"10.0.0.0/8", "192.0.2.7"})
    assert settings.forwarded_header == "forwarded"
    assert Settings(trusted_proxies="").trusted_proxies == frozenset()
    with pytest.raises(
        ValidationError, match=r"not an IP network in CIDR notation: '10\.0\.0\.300'"
    ):
        Settings(trusted_proxies="10.0.0.300")
