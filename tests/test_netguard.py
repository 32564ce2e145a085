"""Issue 9, finding 3: webhooks never reach internal addresses, and never report a reply body.

The addresses the probe used are refused at registration (GRAPHQL error
WEBHOOK_ADDRESS_FORBIDDEN, nothing stored) in every spelling; a name that resolves to a
public address at registration and to loopback later (DNS rebinding) is refused at delivery
and never connected to; the connection goes to the checked address; redirects are not
followed; attempts record the status code and a fixed reason only."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from helpers import legacy, make_site
from served import make_token, serve, under_attack
from sqlalchemy import func, select

from core import netguard
from core.auth import Actor, Role
from core.events import record_event
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from core.webhooks import WebhookEndpoint
from schema.build import build_schema

INTEGRATOR = Actor(role=Role.INTEGRATOR, name="crm")
FAST = {"webhook_backoff_base": "30", "webhook_timeout": "2", "webhook_poll_seconds": "0.2"}
REGISTER = """mutation($url: String!) {
  registerWebhookEndpoint(input: {url: $url, eventTypes: ["*"]}) { endpoint { id } userErrors {
    field message code } } }"""
ATTEMPTS = """query($e: ID!) { webhookDeliveries(endpointId: $e, first: 10) {
  nodes { status attempts { statusCode error } } } }"""

# What the probe registered successfully before, and other spellings of the same places.
INTERNAL = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::1]:6379/",
    "http://0x7f000001:5432/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "http://2130706433/",  # decimal 127.0.0.1
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://0x7f.0.0.1/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, mapped, in hex
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud metadata (shared space)
    "http://10.0.0.5/",
    "http://172.16.1.1/",
    "http://192.168.1.1/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://0.0.0.0:8000/",
    "http://[::]/",
    "http://localhost:8000/",
    "http://api.localhost/",
    "http://metadata/computeMetadata/v1/",
]


@pytest.mark.parametrize("url", INTERNAL)
async def test_internal_addresses_are_refused_in_every_spelling(url):
    with pytest.raises(netguard.UnsafeAddress) as refused:
        await netguard.check_url(url, netguard.AllowList())
    assert refused.value.code == "WEBHOOK_ADDRESS_FORBIDDEN"
    with pytest.raises(netguard.UnsafeAddress):
        await netguard.pin(url, netguard.AllowList())


async def test_public_addresses_pass_and_are_pinned_with_host_and_server_name():
    for url in ("http://93.184.215.14/x?y=1", "https://[2606:4700:4700::1111]:8443/h"):
        assert await netguard.check_url(url, netguard.AllowList()) == url
    pinned = await netguard.pin("https://[2606:4700:4700::1111]:8443/h", netguard.AllowList())
    assert pinned.url == "https://[2606:4700:4700::1111]:8443/h"
    assert pinned.host_header == "[2606:4700:4700::1111]:8443"
    assert netguard.reason(ipaddress.ip_address("8.8.8.8")) is None


async def test_the_api_refuses_them_for_an_integrator_and_stores_nothing(fd):
    async with serve(fd) as base:
        token = await make_token(fd, "integrator")
        import httpx

        async def attack(in_flight):
            in_flight.set()
            async with httpx.AsyncClient(timeout=30) as c:
                return [
                    (
                        await c.post(
                            f"{base}/graphql",
                            json={"query": REGISTER, "variables": {"url": url}},
                            headers={"authorization": f"Bearer {token}"},
                        )
                    ).json()
                    for url in INTERNAL
                ]

        answers, prompt = await under_attack(base, token, attack)
    assert prompt < 1
    for url, answer in zip(INTERNAL, answers, strict=True):
        # Issue 17: a refused address is the client's mistake: a userError, nothing stored.
        assert "errors" not in answer, url
        [error] = answer["data"]["registerWebhookEndpoint"]["userErrors"]
        assert error["code"] == "WEBHOOK_ADDRESS_FORBIDDEN", url
        assert answer["data"]["registerWebhookEndpoint"]["endpoint"] is None
    async with fd.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


async def test_the_allow_list_admits_private_receivers_on_purpose(sqlite_url):
    allow = netguard.AllowList.parse(["10.20.0.0/16", "crm.corp.example"])
    assert await netguard.check_url("http://10.20.3.4/h", allow) == "http://10.20.3.4/h"
    with pytest.raises(netguard.UnsafeAddress):
        await netguard.check_url("http://10.21.3.4/h", allow)
    fd = Frontdesk(
        Settings(database_url=sqlite_url, webhook_allow=("10.20.0.0/16",)),
        schema_factory=build_schema,
    )
    await fd.start(watch=False)
    try:
        client = Client(fd, actor=INTEGRATOR)
        await client.data(REGISTER, {"url": "http://10.20.3.4/h"})
        err = await client.error(REGISTER, {"url": "http://10.21.3.4/h"})
        assert err.extensions["code"] == "WEBHOOK_ADDRESS_FORBIDDEN"
        assert "10.21.3.4: a private address" in err.message
    finally:
        await fd.stop()


@dataclass
class Receiver:
    """A loopback HTTP server answering ``status`` with ``body`` (and ``headers``)."""

    status: int = 200
    body: bytes = b"ok"
    headers: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    _server: Any = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            await reader.readexactly(int(headers.get("content-length", 0)))
            self.requests.append(headers)
            writer.write(
                f"HTTP/1.1 {self.status} X\r\ncontent-length: {len(self.body)}\r\n"
                f"{self.headers}\r\n".encode()
                + self.body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _eventually(check: Callable[[], Any]) -> Any:
    """Poll the stored state until ``check`` returns something (at most 20 s)."""
    for _ in range(400):
        if value := await check():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in 20 s")


async def _dispatching(sqlite_url: str, **settings: Any) -> Frontdesk:
    fd = Frontdesk(
        Settings(database_url=sqlite_url, extra=FAST, **settings), schema_factory=build_schema
    )
    async with fd.write() as s:
        await set_plugin_enabled(s, fd.host, "realestate", True, FIXED_NOW)
    await fd.start(watch=True)
    return fd


async def _first_attempt(client: Client, endpoint: str) -> dict[str, Any]:
    async def attempted() -> Any:
        nodes = (await client.data(ATTEMPTS, {"e": endpoint}))["webhookDeliveries"]["nodes"]
        return nodes and nodes[0]["attempts"] and nodes[0]["attempts"][0]

    return await _eventually(attempted)


async def _event(fd: Frontdesk, site: str) -> None:
    async with fd.write() as s:
        await record_event(
            s, stream="complaints", type="complaint.filed", now=FIXED_NOW, site_id=legacy(site)
        )


async def test_dns_rebinding_is_refused_at_delivery_and_never_connected(sqlite_url, monkeypatch):
    """Public at registration, loopback at delivery: the attempt is refused, nothing is
    sent to the internal service."""
    internal = Receiver(body=b"SECRET")
    await internal.start()
    answers = {"rebind.example": ["93.184.215.14"]}

    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(a) for a in answers.get(host, [])]

    monkeypatch.setattr(netguard, "resolve", resolve)
    fd = await _dispatching(sqlite_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        url = f"http://rebind.example:{internal.port}/hook"
        endpoint = (await client.data(REGISTER, {"url": url}))["registerWebhookEndpoint"]
        answers["rebind.example"] = ["127.0.0.1"]  # the attacker's DNS changes its answer
        await _event(fd, site)
        attempt = await _first_attempt(client, endpoint["endpoint"]["id"])
    finally:
        await fd.stop()
        await internal.stop()
    assert attempt["statusCode"] is None
    assert attempt["error"].startswith("refused: webhooks are not sent to rebind.example")
    assert "a loopback address" in attempt["error"]
    assert internal.requests == []


async def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    sqlite_url, monkeypatch
):
    receiver = Receiver()
    await receiver.start()

    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address("127.0.0.1")] if host == "hooks.corp.example" else []

    monkeypatch.setattr(netguard, "resolve", resolve)
    fd = await _dispatching(sqlite_url, webhook_allow=("hooks.corp.example",))
    try:
        client = Client(fd)
        site = await make_site(client)
        url = f"http://hooks.corp.example:{receiver.port}/hook"
        endpoint = (await client.data(REGISTER, {"url": url}))["registerWebhookEndpoint"]
        await _event(fd, site)
        attempt = await _first_attempt(client, endpoint["endpoint"]["id"])
    finally:
        await fd.stop()
        await receiver.stop()
    assert attempt == {"statusCode": 200, "error": None}
    assert [r["host"] for r in receiver.requests] == [f"hooks.corp.example:{receiver.port}"]


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (500, "", "HTTP 500"),
        (302, "location: http://169.254.169.254/latest/meta-data/\r\n", "HTTP 302 (redirects"),
    ],
)
async def test_attempts_record_the_status_and_a_fixed_reason_never_the_reply(
    sqlite_url, status, headers, expected
):
    receiver = Receiver(status=status, body=b"root:x:0:0 SECRET-FROM-INSIDE", headers=headers)
    await receiver.start()
    fd = await _dispatching(sqlite_url, webhook_allow=("127.0.0.1/32",))
    try:
        client = Client(fd)
        site = await make_site(client)
        url = f"http://127.0.0.1:{receiver.port}/hook"
        endpoint = (await client.data(REGISTER, {"url": url}))["registerWebhookEndpoint"]
        await _event(fd, site)
        attempt = await _first_attempt(client, endpoint["endpoint"]["id"])
    finally:
        await fd.stop()
        await receiver.stop()
    assert attempt["statusCode"] == status
    assert attempt["error"].startswith(expected)
    assert "SECRET" not in attempt["error"]
    assert len(receiver.requests) == 1  # the redirect was not followed
