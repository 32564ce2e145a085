"""Webhooks: every matching event, signed, in order, to each registered endpoint.

Design (why it cannot lose, reorder or — for an idempotent receiver — duplicate an event):

* **Outbox rows in the event's transaction.**  ``core.events.record_event`` calls
  :func:`enqueue_deliveries`, which adds one ``webhook_deliveries`` row per active endpoint
  whose ``event_types`` match, in the same transaction as the event.  A committed event has
  its deliveries; a rolled-back one has none.  Nothing depends on the in-process bus or the
  ``frontdesk_event`` hook, which may miss events (a crash between commit and publish).
* **In order per endpoint.**  The dispatcher only ever sends an endpoint's *head*: its
  pending delivery with the lowest event id.  Delivery N+1 waits until N succeeded (2xx).
  Event ids are handed out in commit order (``core.events``), so a delivery row never
  appears behind one that was already sent, within a stream and across streams.
* **At least once, with a stable id.**  A delivery is marked delivered only after the
  receiver answered 2xx; a crash in between resends it with the same
  ``Frontdesk-Event-Id``.  A receiver that ignores ids it has seen therefore sees every
  event exactly once, in order.
* **One sender per endpoint across processes.**  A process claims an endpoint with a lease
  (``lease_owner``/``lease_expires_at``, a conditional UPDATE that works on PostgreSQL and
  SQLite) before sending, and renews it before every attempt.
* **Never in the request path.**  Mutations only insert rows; HTTP happens in the
  dispatcher task, with exponential backoff (``base * 2**(attempt-1)``, capped) when the
  receiver is down or answers non-2xx.

Signature: ``Frontdesk-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` with
``Frontdesk-Timestamp`` (Unix seconds) and ``Frontdesk-Event-Id``; see :func:`verify_signature`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.errors import InvalidInput, NotFound
from core.models import Event, UTCDateTime

if TYPE_CHECKING:
    from core.runtime import Frontdesk

log = logging.getLogger("frontdesk.webhooks")

PENDING = "pending"
DELIVERED = "delivered"
SIGNATURE_VERSION = "v1"


# --- tables ----------------------------------------------------------------------------------


class WebhookEndpoint(Base):
    """A receiver of events: where, which event types, and the secret that signs them."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Kept readable: the dispatcher needs it to sign (C-13: only administrators see endpoints).
    secret: Mapped[str] = mapped_column(String(200))
    # Exact types ("complaint.filed"), a prefix ("complaint.*"), or everything ("*").
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Which dispatcher process may send to this endpoint right now, and until when.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event owed to one endpoint (the outbox row)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("events.id")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The head of an endpoint's queue: its pending delivery with the lowest event id.
        Index("ix_webhook_deliveries_endpoint_status_event", "endpoint_id", "status", "event_id"),
    )


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: what the receiver answered, or why it could not."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    delivery_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("webhook_deliveries.id"),
        index=True,
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


# --- matching and the outbox -----------------------------------------------------------------


def wants(event_types: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``event_types`` wants an event of ``event_type``."""
    for pattern in event_types:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


async def enqueue_deliveries(session: AsyncSession, event: Event) -> None:
    """Queue ``event`` for every active endpoint that wants it (in the event's transaction)."""
    cache_key = "frontdesk_webhook_endpoints"
    transaction = session.get_transaction()
    cached = session.info.get(cache_key)
    if cached is None or cached[0] is not transaction:
        rows = (
            await session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                    WebhookEndpoint.active.is_(True)
                )
            )
        ).all()
        cached = (transaction, [(r.id, list(r.event_types or [])) for r in rows])
        session.info[cache_key] = cached
    now = datetime.now(UTC)
    for endpoint_id, types in cached[1]:
        if wants(types, event.type):
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint_id,
                    event_id=event.id,
                    event_type=event.type,
                    status=PENDING,
                    attempt_count=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )


# --- signing ---------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``Frontdesk-Signature`` header value for ``body`` sent at ``timestamp``."""
    message = timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(
    secret: str, headers: Any, body: bytes, *, tolerance: float = 300, now: float | None = None
) -> bool:
    """What a receiver does (the README snippet): recompute, compare in constant time, and
    refuse old timestamps so a captured request cannot be replayed later."""
    timestamp = headers["Frontdesk-Timestamp"]
    expected = signature(secret, timestamp, body)
    fresh = abs((now if now is not None else time.time()) - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(expected, headers["Frontdesk-Signature"])


def event_body(event: Event) -> bytes:
    """The JSON a receiver gets for ``event`` (ids as strings, like the GraphQL API)."""
    return orjson.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "stream": event.stream,
            "siteId": str(event.site_id) if event.site_id is not None else None,
            "subjectId": str(event.subject_id) if event.subject_id is not None else None,
            "occurredAt": event.occurred_at.isoformat(),
            "payload": event.payload or {},
        }
    )


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookConfig:
    """Dispatcher knobs, in seconds: ``Settings.webhook_*`` (``FRONTDESK_WEBHOOK_BACKOFF_BASE``
    …, or the config file), ``Settings.extra`` overriding them in tests."""

    backoff_base: float = 1.0
    backoff_cap: float = 600.0
    timeout: float = 10.0
    poll_seconds: float = 5.0
    lease_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any) -> WebhookConfig:
        extra = getattr(settings, "extra", None) or {}
        values: dict[str, float] = {}
        for name in ("backoff_base", "backoff_cap", "timeout", "poll_seconds", "lease_seconds"):
            raw = extra.get(f"webhook_{name}") or getattr(settings, f"webhook_{name}", None)
            if raw not in (None, ""):
                values[name] = float(raw)
        return cls(**values)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return min(self.backoff_cap, self.backoff_base * 2 ** max(attempts - 1, 0))


# --- services (what the GraphQL mutations call) ----------------------------------------------


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"webhook url {url!r} must be an absolute http:// or https:// URL",
            code="INVALID_WEBHOOK_URL",
            field="url",
        )
    return url.strip()


def _check_types(event_types: list[str]) -> list[str]:
    cleaned = [t.strip() for t in event_types if t.strip()]
    if not cleaned:
        raise InvalidInput(
            'give at least one event type, e.g. "complaint.filed", "complaint.*" or "*"',
            code="INVALID_EVENT_TYPES",
            field="eventTypes",
        )
    for t in cleaned:
        if "*" in t and t != "*" and not (t.endswith(".*") and "*" not in t[:-2]):
            raise InvalidInput(
                f'event type pattern {t!r}: use an exact type, "prefix.*" or "*"',
                code="INVALID_EVENT_TYPES",
                field="eventTypes",
            )
    return list(dict.fromkeys(cleaned))


def _check_secret(secret: str) -> str:
    if len(secret) < 16:
        raise InvalidInput(
            "a webhook secret must be at least 16 characters; omit it to have one generated",
            code="WEAK_WEBHOOK_SECRET",
            field="secret",
        )
    return secret


async def register_endpoint(
    session: AsyncSession,
    *,
    url: str,
    event_types: list[str],
    now: datetime,
    secret: str | None = None,
    active: bool = True,
    description: str | None = None,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=_check_url(url),
        secret=_check_secret(secret) if secret else "whsec_" + secrets.token_urlsafe(32),
        event_types=_check_types(event_types),
        active=active,
        description=description,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(
            f"webhook endpoint {endpoint_id} does not exist", code="WEBHOOK_ENDPOINT_NOT_FOUND"
        )
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    endpoint_id: int,
    *,
    now: datetime,
    url: str | None = None,
    event_types: list[str] | None = None,
    secret: str | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint.  Pausing (``active=False``) keeps its pending deliveries queued;
    they resume in order when it is switched on again."""
    endpoint = await get_endpoint(session, endpoint_id)
    if url is not None:
        endpoint.url = _check_url(url)
    if event_types is not None:
        endpoint.event_types = _check_types(event_types)
    if secret is not None:
        endpoint.secret = _check_secret(secret)
    if active is not None:
        endpoint.active = active
    if description is not None:
        endpoint.description = description
    endpoint.updated_at = now
    await session.flush()
    return endpoint


async def replay_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now: a failing one skips the rest of its backoff; a delivered
    one is queued again (it goes before newer pending ones; receivers dedupe by event id).
    The dispatcher runs on the wall clock, so "now" is the real time, not a request's clock."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(
            f"webhook delivery {delivery_id} does not exist", code="WEBHOOK_DELIVERY_NOT_FOUND"
        )
    delivery.status = PENDING
    delivery.next_attempt_at = datetime.now(UTC)
    await session.flush()
    return delivery


# --- the dispatcher --------------------------------------------------------------------------


@dataclass
class _Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookDispatcher:
    """Sends each endpoint's pending deliveries, oldest event first, one at a time."""

    def __init__(self, frontdesk: Frontdesk, config: WebhookConfig | None = None) -> None:
        self.fd = frontdesk
        self.config = config or WebhookConfig.from_settings(frontdesk.settings)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._draining: dict[int, asyncio.Task[None]] = {}
        self._client: Any = None

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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
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
        for endpoint_id, due_at in await self._heads():
            if endpoint_id in self._draining:
                continue
            delay = (due_at - now).total_seconds()
            if delay > 0:
                wait = min(wait, delay)
                continue
            if await self._claim(endpoint_id):
                task = asyncio.create_task(self._drain(endpoint_id))
                self._draining[endpoint_id] = task
        return max(wait, 0.01)

    async def _heads(self) -> list[tuple[int, datetime]]:
        """(endpoint, when its head is due) for every active endpoint that is owed something.

        One index lookup per endpoint (endpoints are few; a backlog can be large)."""
        d = WebhookDelivery
        heads: list[tuple[int, datetime]] = []
        async with self.fd.db.session() as s:
            endpoints = (
                await s.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)))
            ).all()
            for endpoint_id in endpoints:
                due_at = await s.scalar(
                    select(d.next_attempt_at)
                    .where(d.endpoint_id == endpoint_id, d.status == PENDING)
                    .order_by(d.event_id, d.id)
                    .limit(1)
                )
                if due_at is not None:
                    heads.append((endpoint_id, due_at))
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
        try:
            while await self._claim(endpoint_id):
                async with self.fd.db.session() as s:
                    endpoint = await s.get(WebhookEndpoint, endpoint_id)
                    if endpoint is None or not endpoint.active:
                        return
                    head = (
                        await s.scalars(
                            select(WebhookDelivery)
                            .where(
                                WebhookDelivery.endpoint_id == endpoint_id,
                                WebhookDelivery.status == PENDING,
                            )
                            .order_by(WebhookDelivery.event_id, WebhookDelivery.id)
                            .limit(1)
                        )
                    ).first()
                    if head is None or head.next_attempt_at > datetime.now(UTC):
                        return  # nothing owed, or backing off: dispatch_due comes back
                    event = await s.get(Event, head.event_id)
                    assert event is not None  # deliveries reference committed events
                    url, secret = endpoint.url, endpoint.secret
                    delivery_id, attempts = head.id, head.attempt_count
                outcome = await self._send(url, secret, event)
                await self._record(delivery_id, attempts, outcome)
                if not outcome.ok:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook sender for endpoint %s failed", endpoint_id)
        finally:
            self._draining.pop(endpoint_id, None)
            with contextlib.suppress(Exception):
                await self._release(endpoint_id)
            self._wake.set()

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
            response = await self._client.post(url, content=body, headers=headers)
        except Exception as exc:  # noqa: BLE001 - down, refused, timed out: all retried
            return _Outcome(
                False,
                None,
                f"{type(exc).__name__}: {exc}"[:500],
                int((time.perf_counter() - started) * 1000),
            )
        elapsed = int((time.perf_counter() - started) * 1000)
        ok = 200 <= response.status_code < 300
        error = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
        return _Outcome(ok, response.status_code, error, elapsed)

    async def _record(self, delivery_id: int, attempts: int, outcome: _Outcome) -> None:
        now = datetime.now(UTC)
        async with self.fd.db.transaction() as s:
            delivery = await s.get(WebhookDelivery, delivery_id)
            assert delivery is not None
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


# The running dispatcher of each Frontdesk in this process (to wake it after a replay).
_dispatchers: dict[int, WebhookDispatcher] = {}


def wake_dispatcher(frontdesk: Frontdesk) -> None:
    dispatcher = _dispatchers.get(id(frontdesk))
    if dispatcher is not None:
        dispatcher.wake()


async def run_webhook_dispatcher(frontdesk: Frontdesk) -> None:
    """The background task ``Frontdesk.start`` runs."""
    await WebhookDispatcher(frontdesk).run()
