"""The dispatcher: each endpoint's pending deliveries, oldest event first, one at a time,
under a short, renewed lease, with exponential backoff.

Leases (issue 8): a process sends to an endpoint only while it holds the endpoint's lease
(``lease_owner``/``lease_expires_at``).  The lease is short (``webhook_lease_seconds``,
10 s by default) and a heartbeat renews it every third of that while the sender works, even
during a slow attempt (the request timeout is not bounded by the lease).  So:

* a process killed mid-attempt stops renewing; its lease runs out within one short lease and
  another process, which waits for exactly that moment (not for its next poll), takes the
  endpoint over and sends the head again (same ``Frontdesk-Event-Id``: at least once);
* a process that cannot renew (the lease was taken over, or the database was unreachable
  until the lease ran out) abandons the attempt in flight and records nothing of it: an
  attempt is recorded only in a transaction that still holds the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update

from core import netguard
from core.bus import LocalBus
from core.db import Database
from core.models import Event
from core.settings import Settings
from core.webhooks.signing import event_body, signature
from core.webhooks.tables import (
    DELIVERED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger("frontdesk.webhooks")


class RunningFrontdesk(Protocol):
    """What the dispatcher uses of the running Frontdesk (``core.runtime``, a layer above)."""

    settings: Settings
    db: Database
    bus: LocalBus


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookConfig:
    """Dispatcher knobs, in seconds: ``Settings.webhook_*`` (``FRONTDESK_WEBHOOK_BACKOFF_BASE``
    …, or the config file), ``Settings.extra`` overriding them in tests."""

    backoff_base: float = 1.0
    backoff_cap: float = 600.0
    timeout: float = 10.0
    poll_seconds: float = 5.0
    lease_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> WebhookConfig:
        extra = getattr(settings, "extra", None) or {}
        values: dict[str, float] = {}
        for name in ("backoff_base", "backoff_cap", "timeout", "poll_seconds", "lease_seconds"):
            raw = extra.get(f"webhook_{name}") or getattr(settings, f"webhook_{name}", None)
            if raw not in (None, ""):
                values[name] = float(raw)
        return cls(**values)

    @property
    def heartbeat_seconds(self) -> float:
        """How often a sender renews its lease: three times per lease."""
        return self.lease_seconds / 3

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return min(self.backoff_cap, self.backoff_base * 2 ** max(attempts - 1, 0))


# --- the dispatcher --------------------------------------------------------------------------


@dataclass
class _Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookDispatcher:
    """Sends each endpoint's pending deliveries, oldest event first, one at a time."""

    def __init__(self, frontdesk: RunningFrontdesk, config: WebhookConfig | None = None) -> None:
        self.fd = frontdesk
        self.config = config or WebhookConfig.from_settings(frontdesk.settings)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._draining: dict[int, asyncio.Task[None]] = {}
        self._client: Any = None
        self.allow = netguard.AllowList.parse(getattr(frontdesk.settings, "webhook_allow", ()))

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        import httpx

        _dispatchers[id(self.fd)] = self
        self._client = httpx.AsyncClient(
            timeout=self.config.timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "Frontdesk-Webhooks/1"},
        )
        doorbell = asyncio.create_task(self._listen(), name="frontdesk-webhooks-doorbell")
        try:
            while True:
                self._wake.clear()
                try:
                    wait = await self.dispatch_due()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook dispatch failed; retrying")
                    wait = 1.0
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
                # cancellation of Frontdesk.stop() when the wake-up lands at the same moment,
                # and this loop would then run on with stop() waiting for it forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
        finally:
            doorbell.cancel()
            tasks = [doorbell, *self._draining.values()]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._client.aclose()
            if _dispatchers.get(id(self.fd)) is self:
                del _dispatchers[id(self.fd)]

    async def _listen(self) -> None:
        # Any committed event may have queued deliveries: look now instead of at the next poll.
        sub = self.fd.bus.subscribe()
        try:
            async for _event in sub:
                self._wake.set()
        finally:
            sub.close()

    async def dispatch_due(self) -> float:
        """Start a sender for every endpoint whose head is due; seconds until the next is."""
        now = datetime.now(UTC)
        wait = self.config.poll_seconds
        for endpoint_id, due_at, leased_until in await self._heads():
            if endpoint_id in self._draining:
                continue
            delay = (due_at - now).total_seconds()
            if delay > 0:
                wait = min(wait, delay)
                continue
            if await self._claim(endpoint_id):
                task = asyncio.create_task(self._drain(endpoint_id))
                self._draining[endpoint_id] = task
            elif leased_until is not None:
                # Another process holds it: look again the moment its lease would run out
                # (a dead holder stops renewing), not a whole poll later.
                wait = min(wait, (leased_until - now).total_seconds() + 0.05)
        return max(wait, 0.01)

    async def _heads(self) -> list[tuple[int, datetime, datetime | None]]:
        """(endpoint, when its head is due, until when its lease is held) for every active
        endpoint that is owed something.

        One index lookup per endpoint (endpoints are few; a backlog can be large)."""
        d = WebhookDelivery
        heads: list[tuple[int, datetime, datetime | None]] = []
        horizon = await self.fd.horizon.safe_id()
        async with self.fd.db.session() as s:
            endpoints = (
                await s.execute(
                    select(WebhookEndpoint.id, WebhookEndpoint.lease_expires_at).where(
                        WebhookEndpoint.active.is_(True)
                    )
                )
            ).all()
            for endpoint_id, leased_until in endpoints:
                stmt = select(d.next_attempt_at).where(
                    d.endpoint_id == endpoint_id, d.status == PENDING
                )
                if horizon is not None:
                    stmt = stmt.where(d.event_id <= horizon)
                due_at = await s.scalar(stmt.order_by(d.event_id, d.id).limit(1))
                if due_at is not None:
                    heads.append((endpoint_id, due_at, leased_until))
        return heads

    async def _claim(self, endpoint_id: int) -> bool:
        """Take (or renew) the lease on an endpoint; False if another process holds it."""
        now = datetime.now(UTC)
        e = WebhookEndpoint
        async with self.fd.db.transaction() as s:
            result = await s.execute(
                update(e)
                .where(e.id == endpoint_id)
                .where(
                    (e.lease_owner.is_(None))
                    | (e.lease_owner == self.owner)
                    | (e.lease_expires_at < now)
                )
                .values(
                    lease_owner=self.owner,
                    lease_expires_at=now + timedelta(seconds=self.config.lease_seconds),
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    async def _renew(self, endpoint_id: int) -> bool:
        """The heartbeat: extend our own lease; False if another process holds it now."""
        e = WebhookEndpoint
        async with self.fd.db.transaction() as s:
            result = await s.execute(
                update(e)
                .where(e.id == endpoint_id, e.lease_owner == self.owner)
                .values(
                    lease_expires_at=datetime.now(UTC)
                    + timedelta(seconds=self.config.lease_seconds)
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    async def _release(self, endpoint_id: int) -> None:
        e = WebhookEndpoint
        async with self.fd.db.transaction() as s:
            await s.execute(
                update(e)
                .where(e.id == endpoint_id, e.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    async def _drain(self, endpoint_id: int) -> None:
        """Send the endpoint's heads while a heartbeat renews the lease; abandon the attempt
        in flight if the lease cannot be renewed before it runs out."""
        work = asyncio.create_task(self._send_heads(endpoint_id))
        held_until = time.monotonic() + self.config.lease_seconds
        try:
            while True:
                done, _ = await asyncio.wait({work}, timeout=self.config.heartbeat_seconds)
                if done:
                    break
                try:
                    renewed = await self._renew(endpoint_id)
                except Exception:  # noqa: BLE001 - the database may be down for a moment
                    log.warning("renewing the lease on webhook endpoint %s failed", endpoint_id)
                    renewed = time.monotonic() < held_until
                else:
                    if renewed:
                        held_until = time.monotonic() + self.config.lease_seconds
                if not renewed:
                    log.warning(
                        "lost the lease on webhook endpoint %s; abandoning the attempt in "
                        "flight (the lease holder sends it again)",
                        endpoint_id,
                    )
                    break
        finally:
            if not work.done():
                work.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            self._draining.pop(endpoint_id, None)
            with contextlib.suppress(Exception):
                await self._release(endpoint_id)
            self._wake.set()

    async def _send_heads(self, endpoint_id: int) -> None:
        try:
            while await self._claim(endpoint_id):
                horizon = await self.fd.horizon.safe_id()
                async with self.fd.db.session() as s:
                    endpoint = await s.get(WebhookEndpoint, endpoint_id)
                    if endpoint is None or not endpoint.active:
                        return
                    stmt = select(WebhookDelivery).where(
                        WebhookDelivery.endpoint_id == endpoint_id,
                        WebhookDelivery.status == PENDING,
                    )
                    if horizon is not None:
                        stmt = stmt.where(WebhookDelivery.event_id <= horizon)
                    stmt = stmt.order_by(WebhookDelivery.event_id, WebhookDelivery.id).limit(1)
                    head = (await s.scalars(stmt)).first()
                    if head is None or head.next_attempt_at > datetime.now(UTC):
                        return  # nothing owed, or backing off: dispatch_due comes back
                    event = await s.get(Event, head.event_id)
                    assert event is not None  # deliveries reference committed events
                    url, secret = endpoint.url, endpoint.secret
                    delivery_id, attempts = head.id, head.attempt_count
                outcome = await self._send(url, secret, event)
                if not await self._record(endpoint_id, delivery_id, attempts, outcome):
                    return  # the lease was lost meanwhile: its new holder sends the head
                if not outcome.ok:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook sender for endpoint %s failed", endpoint_id)

    async def _send(self, url: str, secret: str, event: Event) -> _Outcome:
        body = event_body(event)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Frontdesk-Event-Id": str(event.id),
            "Frontdesk-Event-Type": event.type,
            "Frontdesk-Timestamp": timestamp,
            "Frontdesk-Signature": signature(secret, timestamp, body),
        }
        started = time.perf_counter()
        try:
            # SSRF: resolved and checked again now (DNS may have changed since registration),
            # and the connection goes to the checked address (core/netguard.py).
            target = await netguard.pin(url, self.allow)
        except netguard.UnsafeAddress as exc:
            return _Outcome(False, None, f"refused: {exc.message}"[:500], 0)
        headers["Host"] = target.host_header
        extensions = {"sni_hostname": target.server_name} if url.startswith("https") else {}
        try:
            # The reply's body is never read (nor stored): only its status code counts.
            async with self._client.stream(
                "POST", target.url, content=body, headers=headers, extensions=extensions
            ) as response:
                status = response.status_code
        except Exception as exc:  # noqa: BLE001 - down, refused, timed out: all retried
            return _Outcome(
                False,
                None,
                _failure_reason(exc, self.config.timeout),
                int((time.perf_counter() - started) * 1000),
            )
        elapsed = int((time.perf_counter() - started) * 1000)
        ok = 200 <= status < 300
        error = None
        if not ok:
            error = f"HTTP {status}"
            if 300 <= status < 400:
                error += " (redirects are not followed)"
        return _Outcome(ok, status, error, elapsed)

    async def _record(
        self, endpoint_id: int, delivery_id: int, attempts: int, outcome: _Outcome
    ) -> bool:
        """Store the attempt, in a transaction that still holds the lease (renewing it);
        False, storing nothing, if another process took the endpoint over meanwhile."""
        now = datetime.now(UTC)
        e = WebhookEndpoint
        async with self.fd.db.transaction() as s:
            held = await s.execute(
                update(e)
                .where(e.id == endpoint_id, e.lease_owner == self.owner)
                .values(lease_expires_at=now + timedelta(seconds=self.config.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            delivery = await s.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            if held.rowcount != 1 or delivery.status != PENDING:
                log.warning(
                    "webhook endpoint %s was taken over during an attempt; not recording it",
                    endpoint_id,
                )
                return False
            s.add(
                WebhookAttempt(
                    delivery_id=delivery_id,
                    attempted_at=now,
                    status_code=outcome.status_code,
                    error=outcome.error,
                    duration_ms=outcome.duration_ms,
                )
            )
            delivery.attempt_count = attempts + 1
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            if outcome.ok:
                delivery.status = DELIVERED
                delivery.delivered_at = now
            else:
                delay = self.config.backoff(attempts + 1)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
        return True


# The running dispatcher of each Frontdesk in this process (to wake it after a replay).
_dispatchers: dict[int, WebhookDispatcher] = {}


def wake_dispatcher(frontdesk: RunningFrontdesk) -> None:
    dispatcher = _dispatchers.get(id(frontdesk))
    if dispatcher is not None:
        dispatcher.wake()


async def run_webhook_dispatcher(frontdesk: RunningFrontdesk) -> None:
    """The background task ``Frontdesk.start`` runs."""
    await WebhookDispatcher(frontdesk).run()


def _failure_reason(exc: Exception, timeout: float) -> str:
    """A fixed sentence per kind of failure: nothing the receiver sent is stored."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"Timeout: no answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "ConnectError: could not connect to the receiver"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "ProtocolError: the receiver's answer was not valid HTTP"
    return f"{type(exc).__name__}: the request failed"
