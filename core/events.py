"""Domain events: written in the same transaction as the change they describe.

The row id is the stream cursor.  After commit, the event is published to the event bus so
subscriptions and plugins (``frontdesk_event``) hear of it.

Ids are handed out in commit order.  A sequence hands out ids at INSERT, and on PostgreSQL
two transactions can commit in the other order (id 8 visible, id 7 not yet): a reader with
cursor 8 would then never see 7.  So ``record_event`` first takes one transaction-scoped
advisory lock for all event inserts; it is held until commit, so the next event-writing
transaction gets its id only after this one committed or rolled back.  Consequence relied on
by subscriptions and webhooks: once event N is visible, every event below N is visible or
never will be.  One lock for every stream (not one per stream) because a transaction may
write several streams (a visit and its notifications); per-stream locks taken in different
orders could deadlock.  Services record their events last, so the lock is held for the few
statements before commit.  SQLite needs nothing: it has one writer at a time, holding the
database lock from its first write until commit.

Consumers that must act in the event's own transaction subscribe as *listeners*: the
runtime gives its database the session info of :func:`listening` (webhooks queue their
deliveries that way, ``core.webhooks.enqueue_deliveries``: a committed event always has its
deliveries, a rolled-back one never does).  This module knows no consumer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.contracts import DomainEvent
from core.models import Event

# pg_advisory_xact_lock key serialising event inserts (see above); any constant unused elsewhere.
EVENTS_LOCK_KEY = 0x46_44_45_56_4E_54  # "FDEVNT"

# ``Session.info`` key of the listeners ``record_event`` calls with each event it records.
LISTENERS_KEY: Final = "frontdesk_event_listeners"

EventListener = Callable[[AsyncSession, Event], Awaitable[None]]
"""Called with the session and the flushed event, in the event's transaction, in order; what
it adds to the session commits or rolls back with the event."""


def listening(*listeners: EventListener) -> dict[str, Any]:
    """Session info under which :func:`record_event` calls ``listeners`` (for
    ``Database(session_info=...)``)."""
    return {LISTENERS_KEY: tuple(listeners)}


async def lock_event_order(session: AsyncSession) -> None:
    """Take the event-order lock for the rest of this transaction (once; PostgreSQL only)."""
    transaction = session.get_transaction()
    if session.info.get("frontdesk_event_lock") is transaction and transaction is not None:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
    session.info["frontdesk_event_lock"] = session.get_transaction()


async def record_event(
    session: AsyncSession,
    *,
    stream: str,
    type: str,
    now: datetime,
    site_id: int | None = None,
    subject_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    await lock_event_order(session)
    event = Event(
        stream=stream,
        type=type,
        site_id=site_id,
        subject_id=subject_id,
        payload=payload or {},
        occurred_at=now,
    )
    session.add(event)
    await session.flush()
    pending = session.info.setdefault("frontdesk_events", [])
    pending.append(event)
    for listener in session.info.get(LISTENERS_KEY, ()):
        await listener(session, event)
    return event


def to_domain_event(event: Event) -> DomainEvent:
    return DomainEvent(
        id=event.id,
        stream=event.stream,
        type=event.type,
        site_id=event.site_id,
        subject_id=event.subject_id,
        payload=dict(event.payload or {}),
        occurred_at=event.occurred_at,
    )


def take_pending_events(session: AsyncSession) -> list[DomainEvent]:
    """Events recorded in the session's transaction (call after commit to publish them)."""
    events = session.info.pop("frontdesk_events", [])
    return [to_domain_event(e) for e in events]
