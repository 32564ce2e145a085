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

Event ids are handed out in commit order (``core.events``), so "every event after the cursor"
is well defined and a replay never skips an event that commits later.

:class:`FrontdeskTransportWSHandler` also serves the common shape of this subscription (one
``complaintUpdates`` field selecting plain fields) without running GraphQL per subscriber:
each event's ``next`` payload is serialised once per distinct selection and the same text is
sent to every subscriber — the cost of 1,000 subscribers is 1,000 socket writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.scalars import JSON
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import Info

from core import models
from core.bus import StoredStream
from core.contracts import DomainEvent
from core.errors import NotFound
from core.graphql.queries import parse_id
from core.graphql.types import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from core.runtime import Frontdesk

log = logging.getLogger("frontdesk.subscriptions")

COMPLAINTS = "complaints"
CURSOR_KIND = "event"
REPLAY_PAGE = 500


# --- the stream, shared by the GraphQL resolver and the fast path -----------------------------


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
    """Stored events of ``stream`` with id > ``after``, oldest first."""
    stmt = select(models.Event).where(models.Event.stream == stream, models.Event.id > after)
    if site_id is not None:
        stmt = stmt.where(models.Event.site_id == site_id)
    stmt = stmt.order_by(models.Event.id).limit(limit)
    async with fd.db.session() as s:
        return [_to_domain(e) for e in (await s.scalars(stmt)).all()]


async def _stream_head(fd: Frontdesk, stream: str) -> int:
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


def event_values(e: DomainEvent) -> dict[str, Any]:
    """ComplaintEvent's fields, serialised as GraphQL serialises them (by GraphQL name)."""
    return {
        "__typename": "ComplaintEvent",
        "cursor": encode_cursor(CURSOR_KIND, e.id),
        "id": str(e.id),
        "type": e.type,
        "siteId": str(e.site_id) if e.site_id is not None else None,
        "complaintId": str(e.subject_id) if e.subject_id is not None else None,
        "occurredAt": e.occurred_at.isoformat(),
        "payload": e.payload,
    }


@strawberry.type(description="One change in a complaint's life (C-9), from the event log.")
class ComplaintEvent:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to resume right after this event."
    )
    id: strawberry.ID
    type: str = strawberry.field(description='e.g. "complaint.filed", "complaint.acknowledged".')
    site_id: strawberry.ID | None
    complaint_id: strawberry.ID | None
    occurred_at: datetime
    payload: JSON = strawberry.field(description="The event's details, as recorded.")

    @classmethod
    def from_event(cls, e: DomainEvent) -> ComplaintEvent:
        return cls(
            cursor=encode_cursor(CURSOR_KIND, e.id),
            id=strawberry.ID(str(e.id)),
            type=e.type,
            site_id=strawberry.ID(str(e.site_id)) if e.site_id is not None else None,
            complaint_id=strawberry.ID(str(e.subject_id)) if e.subject_id is not None else None,
            occurred_at=e.occurred_at,
            payload=e.payload,
        )


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
        self, info: Info, site_id: strawberry.ID | None = None, after: str | None = None
    ) -> AsyncGenerator[ComplaintEvent, None]:
        fd = info.context.app
        site, after_id = await parse_arguments(fd, site_id, after)
        events = stream_events(fd, COMPLAINTS, site_id=site, after=after_id)
        try:
            async for e in events:
                yield ComplaintEvent.from_event(e)
        finally:
            await events.aclose()


# --- the fast path -------------------------------------------------------------------------------

FAST_FIELD = "complaintUpdates"
_FAST_LEAVES = frozenset(
    ("__typename", "cursor", "id", "type", "siteId", "complaintId", "occurredAt", "payload")
)


class _Plan:
    """A validated ``complaintUpdates`` operation whose result is a flat projection."""

    __slots__ = ("field_def", "field_node", "key", "operation", "root", "selection")

    def __init__(
        self,
        operation: OperationDefinitionNode,
        field_node: FieldNode,
        field_def: Any,
        selection: tuple[tuple[str, str], ...],
    ) -> None:
        self.operation = operation
        self.field_node = field_node
        self.field_def = field_def
        self.root = field_node.alias.value if field_node.alias else field_node.name.value
        self.selection = selection
        self.key = (self.root, selection)

    def payload(self, e: DomainEvent) -> str:
        values = event_values(e)
        data = {self.root: {alias: values[name] for alias, name in self.selection}}
        return orjson.dumps({"data": data}).decode()


_plans: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], _Plan | None]] = (
    weakref.WeakKeyDictionary()
)


def fast_plan(
    schema: Any, query: str, operation_name: str | None, max_fields: int = 30
) -> _Plan | None:
    """A plan if the document is a valid subscription to ``complaintUpdates`` selecting plain
    fields only (no fragments, directives or sub-selections); None sends it down the ordinary
    GraphQL path, which handles — and reports errors for — everything else."""
    cache = _plans.setdefault(schema, {})
    key = (query, operation_name)
    if key in cache:
        return cache[key]
    plan = _make_plan(schema, query, operation_name, max_fields)
    if len(cache) > 256:
        cache.clear()
    cache[key] = plan
    return plan


def _make_plan(
    schema: Any, query: str, operation_name: str | None, max_fields: int
) -> _Plan | None:
    if len(query) > 4000:
        return None
    try:
        document: DocumentNode = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None  # fragment definitions
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    op = operations[0]
    if op.operation is not OperationType.SUBSCRIPTION or op.directives:
        return None
    roots = op.selection_set.selections
    if len(roots) != 1 or not isinstance(roots[0], FieldNode):
        return None
    root = roots[0]
    if root.name.value != FAST_FIELD or root.directives or root.selection_set is None:
        return None
    selection: list[tuple[str, str]] = []
    for node in root.selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            return None
        if node.selection_set is not None or node.name.value not in _FAST_LEAVES:
            return None
        selection.append((node.alias.value if node.alias else node.name.value, node.name.value))
    if len(selection) > max_fields:
        return None  # the ordinary path applies the alias limit and says so
    gql_schema = schema._schema
    if validate(gql_schema, document):
        return None
    subscription_type = gql_schema.subscription_type
    if subscription_type is None or FAST_FIELD not in subscription_type.fields:
        return None
    return _Plan(op, root, subscription_type.fields[FAST_FIELD], tuple(selection))


class _PayloadCache:
    """Each event's ``next`` payload, serialised once per distinct selection."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, Any], str] = OrderedDict()

    def get(self, plan: _Plan, e: DomainEvent) -> str:
        key = (e.id, plan.key)
        text = self._items.get(key)
        if text is None:
            text = plan.payload(e)
            self._items[key] = text
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return text


# Per Frontdesk (event ids are per database).
_payloads: weakref.WeakKeyDictionary[Any, _PayloadCache] = weakref.WeakKeyDictionary()


# gen0 collections this rare let the objects of an in-flight fan-out die young instead of being
# promoted; the promotions are what trigger full collections, and a full collection walks every
# long-lived connection's objects (measured: 100-200 ms with 1,000 sockets, stalling delivery).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc_for_long_lived_connections() -> None:
    """Called once by a serving process (the app's lifespan), never by library code."""
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


class FrontdeskTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws with text frames and the ``complaintUpdates`` fast path."""

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

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        access_error = getattr(self.schema, "access_error", None)
        denied = access_error and access_error(
            operation.query, operation.operation_name, self.context
        )
        if denied:
            # C-13 refusal before execution: the protocol's "error" message for the operation.
            await operation.send_initial_errors([denied])
            return
        plan = fast_plan(
            self.schema,
            operation.query,
            operation.operation_name,
            self.context.app.settings.max_aliases,
        )
        arguments = None
        if plan is not None:
            arguments = await self._fast_arguments(plan, operation)
        if plan is None or arguments is None:
            await super().run_operation(operation)
            return
        await self._run_fast(plan, operation, *arguments)

    async def _fast_arguments(
        self, plan: _Plan, operation: Operation[Any, Any]
    ) -> tuple[int | None, int | None] | None:
        """Coerced (siteId, after); None when anything is off (the slow path reports it)."""
        try:
            variables = get_variable_values(
                self.schema._schema,
                plan.operation.variable_definitions or (),
                operation.variables or {},
            )
            if isinstance(variables, list):
                return None
            args = get_argument_values(plan.field_def, plan.field_node, variables)
            return await parse_arguments(self.context.app, args.get("siteId"), args.get("after"))
        except Exception:  # noqa: BLE001 - the ordinary path produces the proper error
            return None

    async def _run_fast(
        self, plan: _Plan, operation: Operation[Any, Any], site: int | None, after: int | None
    ) -> None:
        prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        fd = self.context.app
        cache = _payloads.setdefault(fd, _PayloadCache())
        events = stream_events(fd, COMPLAINTS, site_id=site, after=after)
        try:
            async for e in events:
                if operation.completed:
                    return
                await self.send_text(prefix + cache.get(plan, e) + "}")
        except WebSocketDisconnected:
            return
        except Exception as error:  # pragma: no cover - mirrors the base handler
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            await events.aclose()
