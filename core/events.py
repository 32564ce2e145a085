"""Domain events: written in the same transaction as the change they describe.

The row id is the stream cursor.  After commit, the event is published to the event bus so
subscriptions and plugins (``frontdesk_event``) hear of it.

**No lock shared by all sites.**  Event ids come from a sequence at INSERT, and on PostgreSQL
two transactions can commit in the other order (id 8 visible, id 7 not yet).  Writers do not
queue on each other for that; instead, readers never read past the *horizon*: the largest id
H such that every id up to H is final (committed, or never will be).  Subscriptions, the
stored-stream reader and the webhook dispatcher read ``id <= H`` only
(:meth:`EventHorizon.safe_id`), so a reader whose cursor is N has seen every event below N
that will ever exist, and delivers each event once, in id order.

Why :meth:`EventHorizon.safe_id` is safe (PostgreSQL):

1. Before it takes its first event id, a writer takes the *shared* advisory lock
   ``EVENT_WRITER_KEY`` for the rest of its transaction (in its first event's own INSERT,
   :func:`_event_insert`).  Shared locks never conflict with each other and nothing takes
   this one exclusively, so writers never wait on it; it only marks "this transaction may
   hold event ids" in ``pg_locks`` (advisory locks are per database).
2. The sequence hands out increasing values (``CACHE 1``, the default), so if id ``m`` is
   visible, every id ``g < m`` was handed out before ``m`` committed, i.e. before the
   snapshot P of the read that saw ``m``.
3. The reader reads ``id > H`` in one statement (snapshot P).  Ids visible in P that continue
   H without a hole are committed: H moves over them.
4. A hole ``g`` below a visible ``m`` belongs to a transaction that took ``g`` before P and
   held the writer lock since.  After P, the reader lists the transactions holding the writer
   lock (``pg_locks.virtualtransaction``).  The owner of ``g`` is either among them, or has
   ended (committed: ``g`` is visible from now on; rolled back: ``g`` stays a hole forever).
   The reader waits until none of the listed transactions holds the lock any more; then every
   id up to ``m`` is final and H moves to ``m``.  Writers that start later take ids above
   ``m`` and are not waited for.

The wait in 4 lasts as long as the event-writing transactions in flight at that moment
(milliseconds; a transaction left open after recording an event holds readers, never
writers).  Writers never wait for each other here: each site's writes only meet on that
site's rows (see "Lock order" in ``core.db``).  The guarantee holds across processes: it is a
property of the database, and every process computes the same horizon.  SQLite needs none of
this: it has one writer at a time, holding the database lock from its first write until
commit, so ids are in commit order.

Consumers that must act in the event's own transaction subscribe as *listeners*: the
runtime gives its database the session info of :func:`listening` (webhooks queue their
deliveries that way, ``core.webhooks.enqueue_deliveries``: a committed event always has its
deliveries, a rolled-back one never does).  This module knows no consumer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import ColumnElement, bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.contracts import DomainEvent
from core.models import Event

if TYPE_CHECKING:
    from core.db import Database

# Ids read per horizon step (a page of the primary key index).
_HORIZON_PAGE = 5_000

# ``Session.info`` key of the listeners ``record_event`` calls with each event it records.
LISTENERS_KEY: Final = "frontdesk_event_listeners"

EventListener = Callable[[AsyncSession, Event], Awaitable[None]]
"""Called with the session and the flushed event, in the event's transaction, in order; what
it adds to the session commits or rolls back with the event."""


@dataclass(frozen=True)
class FirstEventRead:
    """A read a listener wants done with its transaction's first event row (PostgreSQL).

    ``column(dialect_name)`` is a scalar subquery (or None: read on its own) added to that
    row's ``RETURNING``; its value, through ``load``, is kept as ``session.info[key] =
    (transaction, value)``, where the listener looks first.  One round trip fewer per
    transaction (issue 8); the subquery runs in the INSERT's own snapshot, exactly when a
    separate read right after it would have run.
    """

    key: str
    column: Callable[[str], ColumnElement[Any] | None]
    load: Callable[[Any], Any]


def listening(*listeners: EventListener) -> dict[str, Any]:
    """Session info under which :func:`record_event` calls ``listeners`` (for
    ``Database(session_info=...)``)."""
    return {LISTENERS_KEY: tuple(listeners)}


# The shared advisory lock every event-writing transaction holds (see above): the bigint key
# K is listed in pg_locks as classid = K >> 32, objid = K & 0xffffffff, objsubid = 1.
EVENT_WRITER_KEY = 0x46444556  # "FDEV"
_WRITERS = (
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    f" AND classid = 0 AND objid = {EVENT_WRITER_KEY} AND objsubid = 1 AND granted"
)


def _writer_announced(session: AsyncSession) -> bool:
    transaction = session.get_transaction()
    return transaction is not None and session.info.get("frontdesk_event_writer") is transaction


_EVENTS = Event.__table__
_EVENT_COLUMNS = ("stream", "type", "site_id", "subject_id", "payload", "occurred_at")


_STATEMENTS: dict[tuple[bool, str, tuple[FirstEventRead, ...]], Any] = {}


def _event_insert(announce: bool, dialect: str, reads: tuple[FirstEventRead, ...]) -> Any:
    """``INSERT INTO events … RETURNING id`` as one Core statement (no ORM unit of work on the
    hot path), built once per shape (the values are bound parameters).  With ``announce``
    (PostgreSQL, the transaction's first event) the row comes from ``SELECT … FROM (SELECT
    pg_advisory_xact_lock_shared(K))``: the shared writer lock is taken by the subquery,
    which produces the row, before the row's default ``nextval`` is evaluated, so step 1
    above holds in one round trip instead of two.  ``reads`` ride along in ``RETURNING``."""
    key = (announce, dialect, reads)
    statement = _STATEMENTS.get(key)
    if statement is not None:
        return statement
    also = [r.column(dialect).label(f"read_{i}") for i, r in enumerate(reads)]  # type: ignore[union-attr]
    params = {name: bindparam(name, type_=_EVENTS.c[name].type) for name in _EVENT_COLUMNS}
    if not announce:
        statement = insert(_EVENTS).values(params).returning(_EVENTS.c.id, *also)
    else:
        writer = select(func.pg_advisory_xact_lock_shared(EVENT_WRITER_KEY).label("w")).subquery(
            "event_writer"
        )
        row = select(*(params[name].label(name) for name in _EVENT_COLUMNS)).select_from(writer)
        insert_row = insert(_EVENTS).from_select(list(_EVENT_COLUMNS), row)
        statement = insert_row.returning(_EVENTS.c.id, *also)
    _STATEMENTS[key] = statement
    return statement


class EventHorizon:
    """The largest event id up to which every event is final (see the module docstring).

    One per process and database; it only moves forward.  ``safe_id`` returns None on SQLite
    (every visible id is final there: no bound is needed).
    """

    def __init__(self, db: Database, *, poll_max: float = 0.05) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._safe = 0
        self._started = False
        self._poll_max = poll_max
        # The writer transactions a reader is waiting for (diagnostics and tests).
        self.waiting_for: list[str] = []

    @property
    def current(self) -> int:
        return self._safe

    async def safe_id(self) -> int | None:
        """Move the horizon as far as it goes now and return it (None on SQLite)."""
        if self._db.sqlite:
            return None
        async with self._lock:
            if not self._started:
                async with self._db.read_one() as conn:
                    top = await conn.scalar(text("SELECT max(id) FROM events"))
                await self._wait_for_writers()
                self._safe = max(self._safe, int(top or 0))
                self._started = True
            while True:
                async with self._db.read_one() as conn:
                    ids = list(
                        (
                            await conn.scalars(
                                text("SELECT id FROM events WHERE id > :h ORDER BY id LIMIT :n"),
                                {"h": self._safe, "n": _HORIZON_PAGE},
                            )
                        ).all()
                    )
                safe = self._safe
                for i in ids:
                    if i != safe + 1:
                        break
                    safe = i
                self._safe = safe
                if not ids or safe == ids[-1]:
                    if len(ids) < _HORIZON_PAGE:
                        return self._safe
                    continue  # a full page without holes: read on
                # A hole below a visible id: wait for the writers in flight now (step 4).
                await self._wait_for_writers()
                self._safe = max(self._safe, ids[-1])

    async def _wait_for_writers(self) -> None:
        async with self._db.read_one() as conn:
            waiting = list((await conn.scalars(text(_WRITERS))).all())
        delay = 0.001
        self.waiting_for = waiting
        try:
            while waiting:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._poll_max)
                async with self._db.read_one() as conn:
                    still = set((await conn.scalars(text(_WRITERS))).all())
                waiting = [w for w in waiting if w in still]
                self.waiting_for = waiting
        finally:
            self.waiting_for = []


def utc_iso(moment: datetime | None) -> str | None:
    """A moment as event payloads carry it: ISO 8601 in UTC (``…+00:00``), exactly as the GraphQL
    API's DateTime; the site's time zone is the site's ``timezone`` (issue 10, finding 7)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"an event time must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC).isoformat()


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
    values = {
        "stream": stream,
        "type": type,
        "site_id": site_id,
        "subject_id": subject_id,
        "payload": payload or {},
        "occurred_at": now,
    }
    # What the transaction wrote before goes first (its rows, then the event: the lock order
    # of ``core.db``); the event row itself is one Core INSERT, and on PostgreSQL the
    # transaction's first one also takes the writer lock (step 1) in the same statement.
    await session.flush()
    dialect = session.get_bind().dialect.name
    first = not _writer_announced(session)
    announce = first and dialect == "postgresql"
    reads: list[FirstEventRead] = []
    if first:
        for listener in session.info.get(LISTENERS_KEY, ()):
            read = getattr(listener, "first_event_read", None)
            if read is not None and read.column(dialect) is not None:
                reads.append(read)
    statement = _event_insert(announce, dialect, tuple(reads))
    row = (await session.execute(statement, values)).one()
    event_id = row[0]
    transaction = session.get_transaction()
    session.info["frontdesk_event_writer"] = transaction
    for i, read in enumerate(reads, start=1):
        session.info[read.key] = (transaction, read.load(row[i]))
    # The row as written (not attached to the session: events are append-only, nothing
    # changes it, and readers read the table).
    event = Event(id=event_id, **values)
    pending = session.info.setdefault("frontdesk_events", [])
    pending.append(event)
    for listener in session.info.get(LISTENERS_KEY, ()):
        await listener(session, event)
    return event


async def record_events(
    session: AsyncSession,
    *,
    stream: str,
    type: str,
    now: datetime,
    rows: list[tuple[int | None, int | None, dict[str, Any]]],
) -> list[Event]:
    """Record one event per ``(site_id, subject_id, payload)`` of ``rows``, in order, as
    :func:`record_event` would one after the other (the first takes the writer lock and the
    listeners' first reads), but the rest in one multi-row ``INSERT … RETURNING id``: a batch
    of the overdue sweep (issue 13) is a few statements, not one per mark.  The listeners
    are called with each event, in order, after the rows are written."""
    if not rows:
        return []
    site_id, subject_id, payload = rows[0]
    events = [
        await record_event(
            session,
            stream=stream,
            type=type,
            now=now,
            site_id=site_id,
            subject_id=subject_id,
            payload=payload,
        )
    ]
    rest = [
        {
            "stream": stream,
            "type": type,
            "site_id": site_id,
            "subject_id": subject_id,
            "payload": payload or {},
            "occurred_at": now,
        }
        for site_id, subject_id, payload in rows[1:]
    ]
    if not rest:
        return events
    await session.flush()
    connection = await session.connection()
    statement = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
    ids = (await connection.execute(statement, rest)).scalars().all()
    written = [Event(id=event_id, **values) for event_id, values in zip(ids, rest, strict=True)]
    session.info.setdefault("frontdesk_events", []).extend(written)
    for event in written:
        for listener in session.info.get(LISTENERS_KEY, ()):
            await listener(session, event)
    return events + written


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
