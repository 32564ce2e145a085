"""Webhooks: every matching event reaches a real HTTP receiver, signed, in order, exactly once
as seen by a receiver that dedupes by ``Frontdesk-Event-Id`` — while the receiver is down,
while it answers 500, and across two dispatchers sharing one database.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from helpers import legacy, make_site
from sqlalchemy import func, select

from core.auth import Actor, Role
from core.events import record_event
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from core.webhooks import WebhookDelivery, verify_signature

FAST = {
    "webhook_backoff_base": "0.05",
    "webhook_backoff_cap": "0.2",
    "webhook_timeout": "2",
    "webhook_poll_seconds": "0.5",
}
REGISTER = """
mutation($url: String!, $types: [String!]!, $secret: String) {
  registerWebhookEndpoint(input: {url: $url, eventTypes: $types, secret: $secret}) {
    endpoint { id url eventTypes active secretHint }
    secret userErrors { field message code } }
}"""
DELIVERIES = """
query($endpoint: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $endpoint, status: $status, first: 100) {
    nodes { id eventId eventType status attemptCount deliveredAt lastStatusCode
            attempts { at statusCode error durationMs } }
  }
}"""
REPLAY = (
    "mutation($id: ID!) { replayWebhookDelivery(input: {id: $id}) { delivery { id status } "
    "userErrors { field message code } } }"
)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README snippet: what a receiver runs on every request."""
    timestamp = headers["frontdesk-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(
        "v1=" + expected.hexdigest(), headers["frontdesk-signature"]
    )


@dataclass
class Receiver:
    """A real HTTP server on a loopback port: down until ``start()``, then it answers 500 to
    the first ``failures`` requests (after reading them), then 200.  ``seen`` is what an
    idempotent receiver keeps (deduplicated by event id); ``requests`` is every request."""

    secret: str = ""
    failures: int = 0
    port: int = 0
    requests: list[tuple[int, int]] = field(default_factory=list)  # (event id, status sent)
    seen: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    violations: list[str] = field(default_factory=list)
    _server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        with socket.socket() as s:  # a port nobody listens on (yet)
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/frontdesk"

    @property
    def seen_ids(self) -> list[int]:
        return [int(e["id"]) for e in self.seen]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                status = self._receive(headers, body)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _receive(self, headers: dict[str, str], body: bytes) -> int:
        if not verify(self.secret, headers, body):
            self.bad_signatures += 1
            return 400
        event = json.loads(body)
        if headers["frontdesk-event-id"] != event["id"]:
            self.violations.append(f"header {headers['frontdesk-event-id']} != {event['id']}")
        # In order: nothing new arrives before every earlier event was acknowledged.
        acknowledged = {i for i, status in self.requests if status == 200}
        if int(event["id"]) not in self.seen_ids and any(
            i not in acknowledged for i in self.seen_ids
        ):
            self.violations.append(f"event {event['id']} before {self.seen_ids} were all acked")
        if int(event["id"]) not in self.seen_ids:  # idempotent: first copy counts
            self.seen.append(event)
        status = 500 if self.failures > 0 else 200
        self.failures -= 1
        self.requests.append((int(event["id"]), status))
        return status


async def webhook_frontdesk(url: str, *, enable: bool = True) -> Frontdesk:
    """A Frontdesk with its background tasks (the webhook dispatcher among them)."""
    # The receivers listen on loopback: allowed on purpose (core/netguard.py).
    fd = Frontdesk(Settings(database_url=url, extra=FAST, webhook_allow=("127.0.0.1/32",)))
    if enable:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, "realestate", True, FIXED_NOW)
    await fd.start(watch=True)
    return fd


async def complaint_events(fd: Frontdesk, site: str, count: int, kind: str = "complaint.filed"):
    written = []
    for n in range(count):
        async with fd.write() as s:
            event = await record_event(
                s,
                stream="complaints",
                type=kind,
                now=datetime.now(UTC),
                site_id=legacy(site),
                subject_id=n + 1,
                payload={"n": n},
            )
        written.append(event.id)
    return written


async def eventually(condition, within: float = 10.0) -> None:
    """Wait on state (checked every 20 ms), failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def until(check, within: float = 10.0) -> None:
    """:func:`eventually` for an async check (e.g. reading the deliveries' stored state)."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def settled_deliveries(client: Client, endpoint: str, within: float = 10.0) -> list[Any]:
    """The endpoint's deliveries once none is pending: a receiver counts a request before the
    dispatcher has recorded its answer, so wait on the stored state."""
    deadline = time.monotonic() + within
    while True:
        data = await client.data(DELIVERIES, {"endpoint": endpoint})
        nodes = data["webhookDeliveries"]["nodes"]
        if all(n["status"] != "PENDING" for n in nodes):
            return nodes
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def stored_deliveries(fd: Frontdesk) -> list[WebhookDelivery]:
    async with fd.db.session() as s:
        return list((await s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


async def all_delivered(fd: Frontdesk, count: int) -> bool:
    rows = await stored_deliveries(fd)
    return len(rows) == count and all(r.status == "delivered" for r in rows)


async def register(client: Client, receiver: Receiver, types: list[str]) -> str:
    data = await client.data(REGISTER, {"url": receiver.url, "types": types})
    receiver.secret = data["registerWebhookEndpoint"]["secret"]
    return data["registerWebhookEndpoint"]["endpoint"]["id"]


@pytest.fixture
async def wfd(sqlite_url: str):
    fd = await webhook_frontdesk(sqlite_url)
    yield fd
    await fd.stop()


async def test_a_receiver_down_then_failing_gets_every_event_in_order_exactly_once(wfd):
    client = Client(wfd)
    site = await make_site(client)
    receiver = Receiver(failures=3)
    endpoint = await register(client, receiver, ["complaint.*"])
    try:
        started = time.monotonic()
        written = await complaint_events(wfd, site, 5)  # the receiver's port is closed
        assert time.monotonic() - started < 2, "writes must not wait for the receiver"
        async with wfd.write() as s:  # not a complaint: not for this endpoint
            await record_event(s, stream="visits", type="visit.checked_in", now=FIXED_NOW)

        async def refused_twice() -> bool:  # the dispatcher retried the head with backoff
            rows = await stored_deliveries(wfd)
            return bool(rows) and rows[0].attempt_count >= 2

        await until(refused_twice)
        head = (await stored_deliveries(wfd))[0]
        assert head.status == "pending" and head.last_status_code is None
        assert "Connect" in (head.last_error or ""), head.last_error
        await receiver.start()
        await eventually(lambda: receiver.seen_ids == written)
        more = await complaint_events(wfd, site, 2, "complaint.acknowledged")
        await eventually(lambda: receiver.seen_ids == written + more)
        # The receiver has the requests before the dispatcher stores its answers.
        await until(lambda: all_delivered(wfd, len(written + more)))
    finally:
        await receiver.stop()
    assert receiver.bad_signatures == 0 and receiver.violations == []
    assert [e["type"] for e in receiver.seen] == ["complaint.filed"] * 5 + [
        "complaint.acknowledged"
    ] * 2
    # Webhook bodies keep the event log's integer ids (the webhook contract, not the schema).
    assert receiver.seen[0]["payload"] == {"n": 0}
    assert receiver.seen[0]["siteId"] == str(legacy(site))
    # 500s were retried: the first event was requested more than once.
    assert [i for i, status in receiver.requests if status == 500] == [written[0]] * 3

    nodes = await settled_deliveries(client, endpoint)
    assert [int(n["eventId"]) for n in nodes] == list(reversed(written + more))  # newest first
    assert {n["status"] for n in nodes} == {"DELIVERED"}
    first = nodes[-1]
    statuses = [a["statusCode"] for a in first["attempts"]]
    assert statuses[-4:] == [500, 500, 500, 200] and None in statuses  # refused, then 500s
    refused = first["attempts"][0]
    assert refused["statusCode"] is None and "Connect" in refused["error"]
    assert first["attemptCount"] == len(first["attempts"]) and first["lastStatusCode"] == 200


async def test_replaying_a_delivery_sends_it_again_with_the_same_event_id(wfd):
    client = Client(wfd)
    site = await make_site(client)
    receiver = Receiver()
    await receiver.start()
    try:
        endpoint = await register(client, receiver, ["complaint.filed"])
        (event_id,) = await complaint_events(wfd, site, 1)
        await until(lambda: all_delivered(wfd, 1))
        nodes = (await client.data(DELIVERIES, {"endpoint": endpoint}))["webhookDeliveries"]
        delivery = nodes["nodes"][0]
        assert delivery["status"] == "DELIVERED"
        replayed = await client.data(REPLAY, {"id": delivery["id"]})
        assert replayed["replayWebhookDelivery"]["delivery"]["status"] == "PENDING"
        await eventually(lambda: len(receiver.requests) == 2)
        await until(lambda: all_delivered(wfd, 1))
    finally:
        await receiver.stop()
    assert receiver.requests == [(event_id, 200), (event_id, 200)]
    assert receiver.seen_ids == [event_id]  # the idempotent receiver ignores the copy
    nodes = await settled_deliveries(client, endpoint)
    assert nodes[0]["status"] == "DELIVERED"
    assert nodes[0]["attemptCount"] == 2


async def test_rolled_back_events_are_never_delivered_and_paused_endpoints_wait(wfd):
    client = Client(wfd)
    site = await make_site(client)
    receiver = Receiver()
    endpoint = await register(client, receiver, ["*"])
    with pytest.raises(RuntimeError):
        async with wfd.write() as s:
            await record_event(s, stream="complaints", type="complaint.filed", now=FIXED_NOW)
            raise RuntimeError("the service failed after recording its event")
    async with wfd.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0

    pause = """mutation($id: ID!, $on: Boolean) {
      updateWebhookEndpoint(input: {id: $id, active: $on}) { endpoint { active } userErrors {
        field message code } } }"""
    await client.data(pause, {"id": endpoint, "on": False})
    await receiver.start()
    try:
        while_paused = await complaint_events(wfd, site, 1)  # a paused endpoint gets nothing
        assert await stored_deliveries(wfd) == []  # not even a queued delivery to send later
        await client.data(pause, {"id": endpoint, "on": True})
        after_resume = await complaint_events(wfd, site, 1)
        await eventually(lambda: receiver.seen_ids == after_resume)
    finally:
        await receiver.stop()
    assert while_paused[0] not in receiver.seen_ids


async def test_registering_checks_input_and_needs_the_webhooks_permission(wfd):
    client = Client(wfd)
    err = await client.error(REGISTER, {"url": "ftp://x", "types": ["*"]})
    assert err.extensions["code"] == "INVALID_WEBHOOK_URL"
    err = await client.error(REGISTER, {"url": "http://127.0.0.1/x", "types": []})
    assert err.extensions["code"] == "INVALID_EVENT_TYPES"
    err = await client.error(REGISTER, {"url": "http://h/x", "types": ["*"], "secret": "short"})
    assert err.extensions["code"] == "WEAK_WEBHOOK_SECRET"
    staff = Client(wfd, actor=Actor(role=Role.STAFF, name="desk"))
    err = await staff.error(REGISTER, {"url": "http://127.0.0.1/x", "types": ["*"]})
    assert err.extensions["code"] == "FORBIDDEN"
    crm = Client(wfd, actor=Actor(role=Role.INTEGRATOR, name="crm"))
    data = await crm.data(REGISTER, {"url": "http://127.0.0.1/x", "types": ["complaint.*"]})
    registered = data["registerWebhookEndpoint"]
    assert registered["secret"].startswith("whsec_")
    assert registered["endpoint"]["secretHint"] == "…" + registered["secret"][-4:]
    listed = await crm.data("{ webhookEndpoints { nodes { url eventTypes active } } }")
    assert listed["webhookEndpoints"]["nodes"] == [
        {"url": "http://127.0.0.1/x", "eventTypes": ["complaint.*"], "active": True}
    ]


def test_the_signature_helper_and_the_readme_snippet_agree() -> None:
    from core.webhooks import signature

    body = b'{"id":"1"}'
    now = int(time.time())
    headers = {
        "Frontdesk-Timestamp": str(now),
        "Frontdesk-Signature": signature("s3cret-s3cret-s3cret", str(now), body),
    }
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify("s3cret-s3cret-s3cret", lower, body)
    assert verify_signature("s3cret-s3cret-s3cret", headers, body)
    assert not verify_signature("s3cret-s3cret-s3cret", headers, body + b" ")
    assert not verify_signature("other-secret-0000000", headers, body)
    assert not verify_signature("s3cret-s3cret-s3cret", headers, body, now=now + 3600)


@pytest.mark.postgres
async def test_two_dispatchers_on_one_database_deliver_in_order_once(pg_url):
    """Two server processes' dispatchers share the deliveries; the lease keeps one sender
    per endpoint, so the receiver still sees each event once, in order."""
    one = await webhook_frontdesk(pg_url)
    two = await webhook_frontdesk(pg_url, enable=False)
    receiver = Receiver(failures=2)
    try:
        client = Client(one)
        site = await make_site(client)
        await register(client, receiver, ["complaint.*"])
        await receiver.start()
        written: list[int] = []
        for fd in (one, two, one, two):
            written += await complaint_events(fd, site, 5)
        await eventually(lambda: receiver.seen_ids == written, within=15)
        await until(lambda: all_delivered(one, len(written)))  # nothing left to send
    finally:
        await receiver.stop()
        await one.stop()
        await two.stop()
    assert receiver.seen_ids == written and receiver.violations == []
    assert len(receiver.requests) == len(written) + 2  # the two 500s, nothing else twice
