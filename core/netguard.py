"""Outbound requests only to the public internet (webhooks): no SSRF.

A webhook URL is an integrator's choice of where *this server* sends requests.  Without a
guard it reaches what only the server can reach: the database (``127.0.0.1:5432``), Redis
(``[::1]:6379``), the cloud metadata service (``169.254.169.254``,
``metadata.google.internal``), the company network.

:func:`check_url` (at registration) and :func:`pin` (before every delivery) resolve the host
and refuse when any address it resolves to is loopback, private, link-local (cloud
metadata), shared/carrier-grade NAT, multicast, unspecified, reserved or otherwise not
globally routable — IPv4, IPv6, IPv4-mapped/-embedded IPv6 (``::ffff:127.0.0.1``,
``64:ff9b::7f00:1``, 6to4, Teredo), and the numeric spellings the C resolver accepts
(``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``).  Well-known metadata host names
are refused by name.  :func:`pin` returns the URL rewritten to the checked address (with the
original ``Host`` header and TLS server name), so the connection goes to the address that
was checked: DNS cannot answer differently between the check and the connect (rebinding).

``Settings.webhook_allow`` lists receivers on a company network that are allowed on purpose:
networks (``10.20.0.0/16``, ``127.0.0.1/32``) whose addresses are accepted for any host, and
host names (``crm.corp.example``) accepted whatever private address they resolve to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services reached by name (their addresses are link-local or private and
# refused anyway; the names are refused even where they do not resolve).
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.packet.net",
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# Numbers and dots only (decimal, 0x hex, 0-octal parts): what inet_aton reads as IPv4.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)
RESOLVE_TIMEOUT = 5.0


class UnsafeAddress(InvalidInput):
    code = "WEBHOOK_ADDRESS_FORBIDDEN"


@dataclass(frozen=True)
class AllowList:
    """Receivers on private networks allowed on purpose (``Settings.webhook_allow``)."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        networks = []
        hosts = set()
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def allows(self, host: str, address: IPAddress) -> bool:
        return host in self.hosts or any(address in net for net in self.networks)


@dataclass(frozen=True)
class Pinned:
    """Where to connect: ``url`` names the checked address; send ``host_header`` as Host and
    ``server_name`` as the TLS server name (certificates are verified for it)."""

    url: str
    host_header: str
    server_name: str
    address: IPAddress


def reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public receiver, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = (
            address.ipv4_mapped
            or address.sixtofour
            or (address.teredo[1] if address.teredo else None)
            or (
                ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
                if address in _NAT64 or address in _NAT64_LOCAL
                else None
            )
        )
        if embedded is not None:
            inner = reason(embedded)
            return f"{inner} (embedded in {address})" if inner else None
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "not a public address"
    return None


def literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form the resolver accepts, or None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            raise UnsafeAddress(
                f"{host!r} is not a valid address", code="INVALID_WEBHOOK_URL", field="url"
            ) from None
    return None


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"webhook url {url!r} must be an absolute http:// or https:// URL",
            code="INVALID_WEBHOOK_URL",
            field="url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(
            f"webhook url {url!r} has an invalid port", code="INVALID_WEBHOOK_URL", field="url"
        ) from None
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def _refuse(host: str, address: IPAddress | None, why: str) -> UnsafeAddress:
    where = f"{host} ({address})" if address is not None and str(address) != host else host
    return UnsafeAddress(
        f"webhooks are not sent to {where}: {why}. Use a public receiver, or ask the operator "
        "to allow this private receiver (FRONTDESK_WEBHOOK_ALLOW)",
        field="url",
    )


def _check_name(host: str, allow: AllowList) -> None:
    if host in allow.hosts:
        return
    if host in METADATA_HOSTS:
        raise _refuse(host, None, "a cloud metadata service")
    if host == "localhost" or host.endswith(".localhost"):
        raise _refuse(host, None, "a loopback address")


def _check_address(host: str, address: IPAddress, allow: AllowList) -> None:
    why = reason(address)
    if why is not None and not allow.allows(host, address):
        raise _refuse(host, address, why)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (empty when it does not resolve)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError):
        return []
    out: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in out:
            out.append(address)
    return out


async def check_url(url: str, allow: AllowList) -> str:
    """At registration: refuse a URL whose host is, or resolves to, a forbidden address.

    A name that does not resolve (yet) is accepted: every delivery resolves it again and
    refuses it then if it points inside."""
    url = url.strip()
    _scheme, host, port = _split(url)
    _check_name(host, allow)
    address = literal(host)
    if address is not None:
        _check_address(host, address, allow)
        return url
    for address in await resolve(host, port):
        _check_address(host, address, allow)
    return url


class Unresolvable(UnsafeAddress):
    code = "WEBHOOK_HOST_UNRESOLVABLE"


async def pin(url: str, allow: AllowList) -> Pinned:
    """Before a delivery: check the host again and return the URL pinned to one checked
    address.  Raises :class:`UnsafeAddress` (or :class:`Unresolvable`)."""
    scheme, host, port = _split(url)
    _check_name(host, allow)
    address = literal(host)
    addresses = [address] if address is not None else await resolve(host, port)
    if not addresses:
        raise Unresolvable(f"{host} does not resolve", field="url")
    for candidate in addresses:  # every record must be public: the client may pick any
        _check_address(host, candidate, allow)
    chosen = addresses[0]
    parts = urlsplit(url)
    netloc = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    pinned = urlunsplit((scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
    default = 443 if scheme == "https" else 80
    raw_host = parts.hostname or host
    shown = f"[{raw_host}]" if ":" in raw_host else raw_host
    host_header = shown if port == default else f"{shown}:{port}"
    return Pinned(pinned, host_header, raw_host.strip("[]"), chosen)
