"""The event bus: committed domain events fan out to subscribers.

``LocalBus`` (default) fans out inside one process.  ``RedisBus`` publishes every event to a
Redis channel and fans out what it hears, so every server process sharing the database sees
every event, including the ones it published itself (exactly once: local delivery happens
only from the Redis listener).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from core.plugin_api import DomainEvent

log = logging.getLogger("frontdesk.bus")
CHANNEL = "frontdesk:events"


def encode_event(e: DomainEvent) -> str:
    return json.dumps(
        {
            "id": e.id,
            "stream": e.stream,
            "type": e.type,
            "site_id": e.site_id,
            "subject_id": e.subject_id,
            "payload": e.payload,
            "occurred_at": e.occurred_at.isoformat(),
        },
        default=str,
    )


def decode_event(raw: str | bytes) -> DomainEvent:
    d = json.loads(raw)
    return DomainEvent(
        id=d["id"],
        stream=d["stream"],
        type=d["type"],
        site_id=d["site_id"],
        subject_id=d["subject_id"],
        payload=d["payload"],
        occurred_at=datetime.fromisoformat(d["occurred_at"]),
    )


class Subscription:
    """One subscriber's queue; iterate it for events in publish order."""

    def __init__(self, bus: LocalBus, maxsize: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[DomainEvent] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = False

    def __aiter__(self) -> AsyncIterator[DomainEvent]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[DomainEvent]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self._bus._subscribers.discard(self)


class LocalBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._subscribers: set[Subscription] = set()
        self._queue_size = queue_size

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscribers.clear()

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self._queue_size)
        self._subscribers.add(sub)
        return sub

    def _fan_out(self, event: DomainEvent) -> None:
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # A subscriber that cannot keep up is marked; it re-reads from the stored events
                # (the cursor makes that lossless) instead of holding the bus back.
                sub.overflowed = True

    async def publish(self, events: list[DomainEvent]) -> None:
        for e in events:
            self._fan_out(e)


class RedisBus(LocalBus):
    def __init__(self, url: str, queue_size: int = 10_000) -> None:
        super().__init__(queue_size)
        self.url = url
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url)
        self._task = asyncio.create_task(self._listen(), name="frontdesk-redis-bus")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._fan_out(decode_event(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect on any Redis failure
                log.exception("redis bus listener failed; reconnecting")
                await asyncio.sleep(0.5)

    async def publish(self, events: list[DomainEvent]) -> None:
        for e in events:
            await self._redis.publish(CHANNEL, encode_event(e))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()
        await super().close()


def make_bus(redis_url: str | None) -> LocalBus:
    return RedisBus(redis_url) if redis_url else LocalBus()
