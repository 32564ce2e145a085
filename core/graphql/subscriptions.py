"""Complaint updates over graphql-transport-ws, resumable from a cursor.

``complaintUpdates(siteId, after)`` streams the ``complaints`` stream of the event log
(C-9: every change of a complaint is an event).  With ``after`` it first replays the stored
events after that cursor, then continues live — in id order, with no duplicate and no gap at
the seam:

1. subscribe to this process's :class:`core.bus.StoredStream` (an in-order, gap-free view of
   the stream that re-reads the store when the bus rings) *before* reading the backlog;
2. replay ``id > after`` from the store, remembering the last id delivered;
3. deliver live events, dropping those at or below the last id delivered (they were in the
   backlog); if the subscriber's queue overflowed (a slow client), re-read from the store.

Reads stop at the event horizon (``core.events.EventHorizon``): every event up to it is final,
so "every event after the cursor" is well defined and a replay never skips an event that
commits later, although ids may commit out of order on PostgreSQL.

:class:`FrontdeskTransportWSHandler` sends text frames and refuses (C-13) before execution.
With ``Settings.accel`` on, its subclass in ``core.graphql.accel.subscriptions`` also serves
the common shape of this subscription without running GraphQL per subscriber.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import Info

from core import models
from core.bus import StoredStream
from core.contracts import DomainEvent
from core.errors import NotFound
from core.graphql.events import ComplaintEvent, VisitEvent, complaint_event, visit_event
from core.graphql.queries import parse_id
from core.graphql.types import decode_cursor, encode_cursor, global_id_of  # noqa: F401 - re-exported (tests, lines)
from core.revocation import CLOSE_CODE, CLOSE_REASON, still_valid
from core.trusted import unresolved_error

if TYPE_CHECKING:
    from core.runtime import Frontdesk

log = logging.getLogger("frontdesk.subscriptions")

COMPLAINTS = "complaints"
CURSOR_KIND = "event"
REPLAY_PAGE = 500


# --- the stream, shared by the GraphQL resolver and the fast path (core.graphql.accel) --------


def _to_domain(e: models.Event) -> DomainEvent:
    return DomainEvent(
        id=e.id,
        stream=e.stream,
        type=e.type,
        site_id=e.site_id,
        subject_id=e.subject_id,
        payload=dict(e.payload or {}),
        occurred_at=e.occurred_at,
    )


async def load_events(
    fd: Frontdesk, stream: str, after: int, limit: int, site_id: int | None = None
) -> list[DomainEvent]:
    """Stored events of ``stream`` with id > ``after`` up to the horizon, oldest first."""
    stmt = select(models.Event).where(models.Event.stream == stream, models.Event.id > after)
    horizon = await fd.horizon.safe_id()
    if horizon is not None:
        stmt = stmt.where(models.Event.id <= horizon)
    if site_id is not None:
        stmt = stmt.where(models.Event.site_id == site_id)
    stmt = stmt.order_by(models.Event.id).limit(limit)
    async with fd.db.session() as s:
        return [_to_domain(e) for e in (await s.scalars(stmt)).all()]


async def _stream_head(fd: Frontdesk, stream: str) -> int:
    horizon = await fd.horizon.safe_id()
    if horizon is not None:
        return horizon  # every event up to it is final; newer ones come through the bell
    async with fd.db.session() as s:
        head = await s.scalar(
            select(func.max(models.Event.id)).where(models.Event.stream == stream)
        )
    return int(head or 0)


# One StoredStream per (running Frontdesk, stream) in this process.
_streams: weakref.WeakKeyDictionary[Any, dict[str, StoredStream]] = weakref.WeakKeyDictionary()
_stream_locks: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


async def stored_stream(fd: Frontdesk, stream: str) -> StoredStream:
    """This process's in-order view of ``stream`` (started on first use, stopped with ``fd``)."""
    streams = _streams.setdefault(fd, {})
    existing = streams.get(stream)
    if existing is not None and existing.running:
        return existing
    lock = _stream_locks.setdefault(fd, asyncio.Lock())
    async with lock:
        existing = streams.get(stream)
        if existing is not None and existing.running:
            return existing
        created = StoredStream(
            fd.bus,
            stream,
            lambda after, limit: load_events(fd, stream, after, limit),
            lambda: _stream_head(fd, stream),
        )
        await created.start()
        assert created.task is not None
        # Frontdesk.stop() cancels its tasks; the stream goes with it.
        fd._tasks.append(created.task)
        streams[stream] = created
        return created


async def stream_events(
    fd: Frontdesk, stream: str, *, site_id: int | None, after: int | None
) -> AsyncGenerator[DomainEvent, None]:
    """Stored events after ``after`` (if given), then live ones: in order, each once."""
    feed = await stored_stream(fd, stream)
    sub = feed.subscribe()  # before reading the backlog: nothing committed meanwhile is missed
    try:
        last = after if after is not None else feed.last_id

        async def replay() -> AsyncIterator[DomainEvent]:
            nonlocal last
            while True:
                page = await load_events(fd, stream, last, REPLAY_PAGE, site_id)
                for e in page:
                    last = e.id
                    yield e
                if len(page) < REPLAY_PAGE:
                    return

        if after is not None:
            async for e in replay():
                yield e
        while True:
            if sub.overflowed:
                # We fell behind and the queue dropped events: the store has them all.
                sub.overflowed = False
                sub.drain()
                async for e in replay():
                    yield e
                continue
            e = await sub.queue.get()
            if e.id <= last or e.stream != stream:
                continue  # already delivered from the backlog (or a bus resync marker)
            last = e.id
            if site_id is not None and e.site_id != site_id:
                continue
            yield e
    finally:
        sub.close()


async def _check_site(fd: Frontdesk, site_id: int) -> None:
    async with fd.db.session() as s:
        if await s.get(models.Site, site_id) is None:
            raise NotFound(f"site {site_id} does not exist", code="SITE_NOT_FOUND", field="siteId")


async def parse_arguments(
    fd: Frontdesk, site_id: Any, after: str | None
) -> tuple[int | None, int | None]:
    site = parse_id(site_id, "siteId") if site_id is not None else None
    if site is not None:
        await _check_site(fd, site)
    return site, decode_cursor(CURSOR_KIND, after) if after is not None else None


# --- GraphQL -----------------------------------------------------------------------------------

# The arguments of every resumable event subscription, described once.
UpdatesSiteId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="Only this site's events (a Site's global `id` or `legacyId`; "
        "SITE_NOT_FOUND if there is none); null: every site."
    ),
]
UpdatesAfter = Annotated[
    str | None,
    strawberry.argument(
        description="The `cursor` of the last event you received: every stored event after it "
        "comes first, then live ones (in order, none twice). Null: live events from now on."
    ),
]


@strawberry.type
class ComplaintSubscription:
    @strawberry.subscription(
        description=(
            "Complaint events as they are committed, optionally for one site.  Pass the "
            "`cursor` of the last event you received as `after` to get everything you missed "
            "first (stored events after it), then live events: in order, none twice."
        )
    )
    async def complaint_updates(
        self, info: Info, site_id: UpdatesSiteId = None, after: UpdatesAfter = None
    ) -> AsyncGenerator[ComplaintEvent, None]:
        fd = info.context.app
        site, after_id = await parse_arguments(fd, site_id, after)
        events = stream_events(fd, COMPLAINTS, site_id=site, after=after_id)
        try:
            async for e in events:
                yield complaint_event(e)
        finally:
            await events.aclose()


VISITS = "visits"


@strawberry.type
class VisitSubscription:
    @strawberry.subscription(
        description=(
            "The live visit board (issue 17): every entry written to one site's visit register "
            "(C-4: check-ins and corrections) as it is committed.  Resumable like "
            "`complaintUpdates`: pass the `cursor` of the last event you received as `after` "
            "to get the stored events after it first, then live ones: in order, none twice, "
            "across server processes."
        )
    )
    async def visit_updates(
        self,
        info: Info,
        site_id: Annotated[
            strawberry.ID, strawberry.argument(description="The site whose register to follow.")
        ],
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The `cursor` of the last event received; omit it to start live."
            ),
        ] = None,
    ) -> AsyncGenerator[VisitEvent, None]:
        fd = info.context.app
        site, after_id = await parse_arguments(fd, site_id, after)
        events = stream_events(fd, VISITS, site_id=site, after=after_id)
        try:
            async for e in events:
                if e.type.startswith("visit."):  # a line's own events share the stream
                    yield visit_event(e)
        finally:
            await events.aclose()


# gen0 collections this rare let the objects of an in-flight fan-out die young instead of being
# promoted; the promotions are what trigger full collections, and a full collection walks every
# long-lived connection's objects (measured: 100-200 ms with 1,000 sockets, stalling delivery).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc_for_long_lived_connections() -> None:
    """Called once by a serving process (the app's lifespan), never by library code."""
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


async def subscription_rate_limited(context: Any) -> GraphQLError | None:
    """Issue 9: each ``subscribe`` message of a graphql-transport-ws socket counts against
    its client address and its token (``Settings.rate_limit_subscriptions`` per
    ``rate_limit_window_seconds``, the same sliding window as the HTTP limits, shared through
    Redis when configured); over the limit it is refused with ``RATE_LIMITED`` and
    ``retryAfter`` before anything is parsed or looked up.  Off when rate limiting is."""
    limiter = getattr(context.app, "rate_limiter", None)
    if limiter is None:
        return None
    settings = context.app.settings
    actor = getattr(context, "actor", None)
    keys = []
    if actor is not None and actor.token_id is not None:
        keys.append(("token", f"subs:token:{actor.token_id}"))
    keys.append(("address", f"subs:addr:{getattr(context, 'client_address', None) or 'unknown'}"))
    for whose, key in keys:
        wait = await limiter.hit(
            key, settings.rate_limit_subscriptions, settings.rate_limit_window_seconds
        )
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            return GraphQLError(
                f"too many subscriptions started with this {whose}; retry in {seconds} s",
                extensions={"code": "RATE_LIMITED", "retryAfter": seconds},
            )
    return None


class FrontdeskTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws with text frames and the C-13 refusal before execution.

    With ``Settings.accel`` on, the view uses the subclass in
    ``core.graphql.accel.subscriptions``, which adds the ``complaintUpdates`` fast path.
    """

    async def send_text(self, text: str) -> None:
        ws = getattr(self.websocket, "ws", None)
        if ws is None:  # not the ASGI adapter: let it encode
            await self.websocket.send_json(orjson.loads(text))
            return
        try:
            await ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise WebSocketDisconnected from exc

    async def send_message(self, message: Any) -> None:
        # The protocol speaks text frames (browsers' graphql-ws rejects binary ones); the
        # view's JSON encoder returns bytes, which the ASGI adapter would send as binary.
        await self.send_text(orjson.dumps(message).decode())

    async def handle_subscribe(self, message: Any) -> None:
        payload = message.get("payload")
        refusal = None
        if isinstance(payload, dict) and payload.get("query") is None:
            refusal = unresolved_error(payload.get("extensions"))
        if refusal is not None:
            # A document id that named no registered document (core/trusted.py): the
            # protocol's "error" message for this id, like any refusal before execution.
            if self.connection_acknowledged and message.get("id") not in self.operations:
                error = GraphQLError(refusal.message, extensions={"code": refusal.code})
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        limited = await subscription_rate_limited(self.context)
        if limited is not None:
            # Issue 9: subscription starts are rate limited; the socket stays open and the
            # client is told when to retry (the protocol's "error" message for this id).
            await operation.send_initial_errors([limited])
            return
        if not await still_valid(self.context.app, self.context):
            # Revoked since the socket opened: nothing more runs on it (core/revocation.py).
            await self.websocket.close(CLOSE_CODE, CLOSE_REASON)
            return
        access_error = getattr(self.schema, "access_error", None)
        denied = access_error and access_error(
            operation.query, operation.operation_name, self.context
        )
        if denied:
            # C-13 refusal before execution: the protocol's "error" message for the operation.
            await operation.send_initial_errors([denied])
            return
        await self.run_permitted_operation(operation)

    async def run_permitted_operation(self, operation: Operation[Any, Any]) -> None:
        """An operation the caller may run: strawberry's own handling."""
        await super().run_operation(operation)
