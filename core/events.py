"""Domain events: written in the same transaction as the change they describe.

The row id is the stream cursor.  After commit, the event is published to the event bus so
subscriptions and plugins (``frontdesk_event``) hear of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Event
from core.plugin_api import DomainEvent


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
