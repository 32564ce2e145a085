"""The event bus: committed domain events fan out to subscribers.

``LocalBus`` (default) fans out inside one process.  ``RedisBus`` publishes every event to a
Redis channel and fans out what it hears, so every server process sharing the database sees
every event, including the ones it published itself (exactly once: local delivery happens
only from the Redis listener).

The bus is a doorbell, not the record: events live in the ``events`` table and a listener
that may have missed something (its queue overflowed, Redis reconnected) re-reads from there.
:class:`StoredStream` turns the doorbell into one stream's events in id order without gaps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from core.contracts import DomainEvent

log = logging.getLogger("frontdesk.bus")
CHANNEL = "frontdesk:events"
# Not an event: tells listeners they may have missed events (Redis reconnected) and must
# re-read the store.  Its id 0 is below every stored id.
RESYNC_TYPE = "bus.resync"


def resync_marker() -> DomainEvent:
    return DomainEvent(
        id=0,
        stream="bus",
        type=RESYNC_TYPE,
        site_id=None,
        subject_id=None,
        payload={},
        occurred_at=datetime.now(UTC),
    )


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
    """One subscriber's queue; iterate it for events in publish order.

    ``overflowed`` is set when the queue was full and an event was dropped (or the bus lost
    events on its way here): the subscriber must re-read the store from its cursor.
    """

    def __init__(self, bus: LocalBus, maxsize: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[DomainEvent] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = False

    def __aiter__(self) -> AsyncIterator[DomainEvent]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[DomainEvent]:
        while True:
            yield await self.queue.get()

    def drain(self) -> None:
        """Forget what is queued (the caller is about to re-read the store)."""
        while True:
            try:
                self.queue.get_nowait()
            except asyncio.QueueEmpty:
                return

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

    def _signal_loss(self) -> None:
        """Events may have been lost on the way: every subscriber must re-read the store."""
        for sub in list(self._subscribers):
            sub.overflowed = True
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(resync_marker())

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
        if self._task is not None and not self._task.done():
            return  # already listening
        import redis.asyncio as redis

        # The health check notices a silently dead pub/sub connection (no RST from a crashed
        # Redis host) instead of listening to it forever.
        self._redis = redis.from_url(self.url, health_check_interval=15)
        self._task = asyncio.create_task(self._listen(), name="frontdesk-redis-bus")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def _listen(self) -> None:
        failed = False
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                self._ready.set()
                if failed:
                    # Whatever was published while we were away is only in the store.
                    self._signal_loss()
                    failed = False
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._fan_out(decode_event(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus listener failed; reconnecting")
                failed = True
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def publish(self, events: list[DomainEvent]) -> None:
        try:
            # One round trip per transaction, in commit order.
            async with self._redis.pipeline(transaction=False) as pipe:
                for e in events:
                    pipe.publish(CHANNEL, encode_event(e))
                await pipe.execute()
        except Exception:
            # Redis is down: this process still hears its own events; other processes catch
            # up from the store (their listeners resync when Redis comes back).
            for e in events:
                self._fan_out(e)
            raise

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


# --- one stream, in order, from the store ------------------------------------------------------

LoadAfter = Callable[[int, int], Awaitable[list[DomainEvent]]]
LoadHead = Callable[[], Awaitable[int]]


class StoredStream:
    """One stream's stored events, in id order and without gaps, for this process's listeners.

    Publishing order on the bus is not commit order (two writers publish after their own
    commits, in any order) and the bus can lose events (full queues, Redis reconnects).  So
    the bus only rings the bell; on each ring for an id beyond what was emitted, this reads
    ``id > last`` from the store once for the whole process and emits what it finds, in id
    order.  Event ids are assigned in commit order (``core.events.record_event`` serialises
    inserts), so when event N is visible every event below N is visible too: a read never
    skips an event that commits later.  A periodic read catches a bell that never rang.
    """

    def __init__(
        self,
        bus: LocalBus,
        stream: str,
        load_after: LoadAfter,
        load_head: LoadHead,
        *,
        poll_seconds: float = 5.0,
        queue_size: int = 1_000,
        batch: int = 500,
    ) -> None:
        self.stream = stream
        self._bus = bus
        self._load_after = load_after
        self._load_head = load_head
        self._poll = poll_seconds
        self._batch = batch
        self._listeners = LocalBus(queue_size)
        self._bell: Subscription | None = None
        self.task: asyncio.Task[None] | None = None
        # The id of the last event emitted (every stored event of the stream up to it is out).
        self.last_id = 0

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def start(self) -> None:
        # Listen first, then read where the stream is: nothing that commits in between is
        # missed (its bell is queued) and nothing before is emitted.
        self._bell = self._bus.subscribe()
        self.last_id = await self._load_head()
        self.task = asyncio.create_task(self._run(), name=f"frontdesk-stream-{self.stream}")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self._bell is not None:
            self._bell.close()
        await self._listeners.close()

    def subscribe(self) -> Subscription:
        """Events emitted from now on (each with an id above ``last_id`` at this moment)."""
        return self._listeners.subscribe()

    async def _run(self) -> None:
        bell = self._bell
        assert bell is not None
        try:
            while True:
                try:
                    event = await asyncio.wait_for(bell.queue.get(), timeout=self._poll)
                except TimeoutError:
                    event = None
                if bell.overflowed:
                    bell.overflowed = False
                    bell.drain()
                elif event is not None and (
                    (event.stream == self.stream and event.id <= self.last_id)
                    or (event.stream != self.stream and event.type != RESYNC_TYPE)
                ):
                    continue  # already emitted from the store, or another stream
                await self._catch_up()
        finally:
            bell.close()

    async def _catch_up(self) -> None:
        while True:
            try:
                events = await self._load_after(self.last_id, self._batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "reading stream %s after %s failed; retrying", self.stream, self.last_id
                )
                await asyncio.sleep(0.5)
                continue
            for e in events:
                if e.id > self.last_id:
                    self.last_id = e.id
                    self._listeners._fan_out(e)
            if len(events) < self._batch:
                return
