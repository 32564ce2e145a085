"""The client's address behind trusted reverse proxies (issue 9: rate limits and audit).

Behind a load balancer every request comes from the proxy's address, so per-address rate
limits would treat all clients as one.  The proxy says who its client was in a header; a
client can send that header too, so it is believed only from ``Settings.trusted_proxies``
(CIDR networks, empty by default: the header is ignored and the peer address is the client).

The header is the one the operator's proxy sets (``Settings.forwarded_header``):
``x-forwarded-for`` (the common one: ``client, proxy1, proxy2``) or ``forwarded`` (RFC 7239:
``for=client, for=proxy1``).  Only that one is read: a proxy that sets one header passes the
other through as the client sent it.

The list is read right to left, each hop appended by the one before it: the first address
that is not a trusted proxy is the client (everything left of it is what that client claimed
and is ignored).  If every hop is trusted the leftmost is the client.  An entry that is not
an IP address (``unknown``, an obfuscated RFC 7239 identifier, garbage from a client behind a
trusted proxy) stops the walk: the last trusted hop is the address used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Literal

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ForwardedHeader = Literal["x-forwarded-for", "forwarded"]


@lru_cache(maxsize=16)
def parse_networks(cidrs: frozenset[str]) -> tuple[IPNetwork, ...]:
    """The networks of ``cidrs`` (``10.0.0.0/8``, ``192.0.2.7``, ``::1``); a malformed
    entry is a ValueError naming it."""
    networks = []
    for cidr in sorted(cidrs):
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP network in CIDR notation: {cidr!r}") from None
    return tuple(networks)


def _ip(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def _x_forwarded_for(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _forwarded(values: Iterable[str]) -> list[str]:
    """The ``for=`` of each element of RFC 7239 ``Forwarded`` headers, host part only."""
    out = []
    for value in values:
        for element in value.split(","):
            node = None
            for pair in element.split(";"):
                name, _, raw = pair.strip().partition("=")
                if name.strip().lower() == "for":
                    node = raw.strip().strip('"')
            if node is None:
                continue
            if node.startswith("["):  # "[2001:db8::17]:4711"
                node = node[1 : node.find("]")] if "]" in node else node[1:]
            elif node.count(":") == 1:  # "192.0.2.60:4711"
                node = node.partition(":")[0]
            out.append(node)
    return out


def forwarded_chain(headers: Iterable[tuple[bytes, bytes]], header: ForwardedHeader) -> list[str]:
    """The hops the forwarding header lists, leftmost (the original client) first."""
    name = header.encode()
    values = [v.decode("latin-1") for k, v in headers if k.lower() == name]
    return _forwarded(values) if header == "forwarded" else _x_forwarded_for(values)


def client_address(
    peer: str | None,
    headers: Iterable[tuple[bytes, bytes]],
    trusted: frozenset[str],
    header: ForwardedHeader = "x-forwarded-for",
) -> str:
    """Who the client is (see the module docstring): ``peer`` unless it is a trusted proxy."""
    if peer is None:
        return "unknown"
    networks = parse_networks(trusted) if trusted else ()
    current = _ip(peer)
    if current is None or not networks or not _trusted(current, networks):
        return peer
    for hop in reversed(forwarded_chain(headers, header)):
        address = _ip(hop)
        if address is None:
            break  # not an address: the last trusted hop stands
        current = address
        if not _trusted(address, networks):
            break
    return str(current)


def scope_client_address(scope: Any, settings: Any) -> str:
    """:func:`client_address` of an ASGI scope, under ``settings`` (trusted_proxies and
    forwarded_header); computed once per scope."""
    known = scope.get("frontdesk.client_address")
    if known is not None:
        return known
    client = scope.get("client")
    address = client_address(
        client[0] if client else None,
        scope.get("headers", ()),
        settings.trusted_proxies,
        settings.forwarded_header,
    )
    scope["frontdesk.client_address"] = address
    return address
