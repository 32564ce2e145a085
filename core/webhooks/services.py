"""What the GraphQL mutations call (register, change, replay) and the outbox: one delivery
row per matching active endpoint, in the event's transaction."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import JSON, ColumnElement, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core import netguard
from core.errors import InvalidInput, NotFound
from core.events import FirstEventRead
from core.models import Event
from core.webhooks.tables import PENDING, WebhookDelivery, WebhookEndpoint

# --- matching and the outbox -----------------------------------------------------------------


def wants(event_types: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``event_types`` wants an event of ``event_type``."""
    for pattern in event_types:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


_ENDPOINTS_KEY = "frontdesk_webhook_endpoints"


@functools.cache
def _active_endpoints_column(dialect: str) -> ColumnElement[Any] | None:
    """The active endpoints as one JSON value ``[[id, event_types], …]`` (PostgreSQL), read
    with the transaction's first event row (``core.events.FirstEventRead``)."""
    if dialect != "postgresql":
        return None
    pairs = func.json_agg(func.json_build_array(WebhookEndpoint.id, WebhookEndpoint.event_types))
    return type_coerce(
        select(pairs).where(WebhookEndpoint.active.is_(True)).scalar_subquery(), JSON
    )


def _load_endpoints(value: Any) -> list[tuple[int, list[str]]]:
    return [(int(i), list(types or [])) for i, types in value or []]


async def enqueue_deliveries(session: AsyncSession, event: Event) -> None:
    """Queue ``event`` for every active endpoint that wants it (in the event's transaction).

    The endpoints are read once per transaction: with its first event row on PostgreSQL
    (``first_event_read``), else on their own here."""
    cache_key = _ENDPOINTS_KEY
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


enqueue_deliveries.first_event_read = FirstEventRead(  # type: ignore[attr-defined]
    key=_ENDPOINTS_KEY, column=_active_endpoints_column, load=_load_endpoints
)


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
    allow: netguard.AllowList | None = None,
) -> WebhookEndpoint:
    # SSRF: the host must be public unless the operator allowed it (core/netguard.py).
    url = await netguard.check_url(_check_url(url), allow or netguard.AllowList())
    endpoint = WebhookEndpoint(
        url=url,
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
    allow: netguard.AllowList | None = None,
) -> WebhookEndpoint:
    """Change an endpoint.  Pausing (``active=False``) keeps its pending deliveries queued;
    they resume in order when it is switched on again."""
    endpoint = await get_endpoint(session, endpoint_id)
    if url is not None:
        endpoint.url = await netguard.check_url(_check_url(url), allow or netguard.AllowList())
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
