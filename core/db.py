"""Engine, sessions and the declarative base shared by core and plugin tables.

Database I/O is async (SQLAlchemy asyncio over asyncpg or aiosqlite) so that a slow query never
blocks the event loop serving other requests and subscriptions.  Migrations and the CLI use the
matching sync driver (psycopg / pysqlite) through :func:`sync_url`.

Lock order (PostgreSQL; every write path follows it, so no two transactions wait on each
other in a cycle):

1. the site row, ``FOR NO KEY UPDATE`` (check-ins and the real-estate rotation mutations,
   ``directory.get_site(lock=True)``);
2. the complaint being changed, ``FOR NO KEY UPDATE`` (``complaints._lock_complaint``; the
   overdue sweep with ``SKIP LOCKED``), or the month's complaint serial row (filing, C-6);
3. rows the transaction inserts or updates itself (visits, history, penalties, events,
   webhook deliveries, the audit row) -- no lock is taken on other transactions' rows.

Row locks that guard application state (whose turn it is, a complaint's status) are ``FOR NO
KEY UPDATE``, never ``FOR UPDATE``: the foreign-key check of an insert referencing the row
(an event or a penalty of that site, a history entry of that complaint) takes ``FOR KEY
SHARE``, which conflicts with ``FOR UPDATE`` but not with ``FOR NO KEY UPDATE``.  A
transaction that held an event-order lock and then inserted an event of a site could
otherwise wait for a check-in holding that site row, while the check-in waited for it.
Event inserts take no lock that writers wait on (``core.events``).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, bindparam, event, insert, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

# Registers the before_flush check of every text written (length, control characters).
from core import textguard
from core.errors import FrontdeskError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for core tables and every plugin's tables (prefixed with the plugin)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """The async-driver form of a database URL (what the server uses)."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgres"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The sync-driver form of a database URL (what Alembic and the CLI use)."""
    u = make_url(url)
    if u.drivername.startswith("sqlite"):
        u = u.set(drivername="sqlite")
    elif u.drivername.startswith("postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _skip_idle_rollbacks(engine: AsyncEngine) -> None:
    """aiosqlite: don't send ROLLBACK to a connection that has no transaction open.

    Every connection SQLAlchemy releases is rolled back, and through aiosqlite each rollback
    is a round trip to the connection's thread; a read-only request paid three of them for
    nothing (sqlite3 opens no transaction for a SELECT).  ``sqlite3.Connection.in_transaction``
    says whether there is anything to roll back; if the driver's shape is not the expected
    one, every rollback is sent as before.
    """
    dialect = engine.sync_engine.dialect
    send_rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        raw = getattr(getattr(dbapi_connection, "_connection", None), "_connection", None)
        if raw is not None and raw.in_transaction is False:
            return
        send_rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _one_round_trip_ping(engine: AsyncEngine) -> None:
    """asyncpg: the pool's pre-ping in one round trip instead of three (issue 8).

    SQLAlchemy's asyncpg ping wraps its ``SELECT`` in ``BEGIN`` … ``ROLLBACK`` on a connection
    outside a transaction (for PgBouncer's transaction mode, where a prepared statement could
    otherwise reach another server connection): three round trips at every pool checkout,
    two checkouts per request.  A simple-protocol ``SELECT 1`` prepares nothing, so it
    needs no transaction, and it fails on a dead connection exactly as the original does
    (the same exception handling: the pool then replaces the connection).  If the driver's
    shape is not the expected one, the stock ping runs.
    """
    from sqlalchemy.util.concurrency import await_

    dialect = engine.sync_engine.dialect
    stock_ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        raw = getattr(dbapi_connection, "_connection", None)
        handle = getattr(dbapi_connection, "_handle_exception", None)
        if raw is None or handle is None or not hasattr(raw, "execute"):
            return stock_ping(dbapi_connection)
        try:
            await_(raw.execute("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - translated as the stock ping does
            handle(error)
        return True

    dialect.do_ping = do_ping  # type: ignore[method-assign]


#: Session settings of every PostgreSQL connection the server opens (see create_engine).
POSTGRESQL_SERVER_SETTINGS: Mapping[str, str] = {
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
    "random_page_cost": "1.1",
}


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` with the pragmas and pool settings Frontdesk relies on."""
    url = async_url(url)
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _skip_idle_rollbacks(engine)
        return engine
    # Stable plans (issue 13).  asyncpg prepares every statement and SQLAlchemy caches the
    # prepared statements per connection; after five executions PostgreSQL may switch a
    # prepared statement to a generic plan, chosen without the parameter values: a page of
    # one site's register can then scan another index, a partial index (``NOT counted``)
    # or a trigram search cannot be used, and some generic plans start parallel workers for
    # a 100-row page.  ``force_custom_plan`` plans every execution with its values (a fraction
    # of a millisecond for these short statements), and the statement cache still saves the
    # parse.  JIT compiles a query whose *estimated* cost is high in tens of milliseconds,
    # which a keyset page never needs back: off.  ``random_page_cost`` 1.1 (the usual value
    # for SSDs and a working set in memory, instead of 4, which models spinning disks): with
    # 4 the planner prefers walking the primary key backwards and discarding other sites'
    # rows over seeking the site's own ``(site_id, id)`` index, a page whose cost grows with
    # the number of sites.  Callers may pass their own server_settings.
    connect_args = dict(kwargs.pop("connect_args", {}) or {})
    server_settings = dict(POSTGRESQL_SERVER_SETTINGS)
    server_settings.update(connect_args.get("server_settings") or {})
    connect_args["server_settings"] = server_settings
    kwargs["connect_args"] = connect_args
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    # A connection the server terminated (restart, failover, pg_terminate_backend) is
    # noticed at checkout and replaced, instead of failing the request that drew it.
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if engine.sync_engine.dialect.driver == "asyncpg":
        _one_round_trip_ping(engine)
    return engine


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means "the database cannot be reached" (retryable), not a bad request.

    Refused or dropped connections, a terminated backend, a pool that timed out, and the
    driver's protocol errors on a connection that died mid-operation.
    """
    from sqlalchemy import exc as sa_exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(
            current,
            sa_exc.OperationalError
            | sa_exc.InterfaceError
            | sa_exc.TimeoutError
            | sa_exc.DisconnectionError
            | ConnectionError
            | TimeoutError,
        ):
            return True
        if isinstance(current, OSError) and not isinstance(current, FileNotFoundError):
            return True
        name = type(current).__name__
        if name in {
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "AdminShutdownError",
            "TooManyConnectionsError",
        }:
            return True  # asyncpg, when not wrapped
        current = current.__cause__ or current.__context__
    return False


def _scalar_default(column: Any) -> tuple[bool, Any]:
    """(True, value) for a column whose Python-side default is a plain value."""
    default = column.default
    if default is None:
        return True, None
    if getattr(default, "is_scalar", False):
        return True, default.arg
    return False, None


@functools.cache
def _row_insert(mapper: Any) -> tuple[Any, tuple[tuple[str, str, Any], ...]] | None:
    """``INSERT … RETURNING <primary key>`` of a mapped class as one prebuilt Core statement,
    and (attribute, column, default) per column; None if the class needs the ORM to insert
    (a composite or non-integer key, server-side defaults, inheritance, version counters)."""
    table = mapper.local_table
    if mapper.inherits is not None or mapper.version_id_col is not None:
        return None
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        return None
    columns: list[tuple[str, str, Any]] = []
    for attr in mapper.column_attrs:
        if len(attr.columns) != 1:
            return None
        column = attr.columns[0]
        if column is keys[0]:
            continue
        plain, default = _scalar_default(column)
        if not plain or column.server_default is not None or column.computed is not None:
            return None
        columns.append((attr.key, column.key, default))
    statement = (
        insert(table)
        .values({c: bindparam(c, type_=table.c[c].type) for _a, c, _d in columns})
        .returning(keys[0])
    )
    return statement, tuple(columns)


async def insert_row(session: AsyncSession, obj: Any) -> None:
    """What ``session.add(obj); await session.flush()`` does for one new row, without the
    unit of work (issue 8, the check-in's hot path): the text checks of a flush
    (``core.textguard``), one prebuilt ``INSERT … RETURNING id``, and ``obj`` made persistent
    in ``session`` with every column loaded (unset columns get their default or None, as the
    INSERT stored them).  Anything the prebuilt statement cannot do falls back to the ORM;
    so does SQLite."""
    mapper = inspect(obj).mapper
    plan = _row_insert(mapper) if session.get_bind().dialect.name == "postgresql" else None
    if plan is None:
        session.add(obj)
        await session.flush()
        return
    statement, columns = plan
    textguard.check_row(obj)
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr, column, default in columns:
        values[column] = state.dict.get(attr, default)
    key = (await session.execute(statement, values)).scalar_one()
    # The values as stored, without pending history (no UPDATE at the next flush).
    for attr, column, _default in columns:
        set_committed_value(obj, attr, values[column])
    set_committed_value(obj, mapper.primary_key[0].key, key)
    # Persistent with these values loaded: as a flushed INSERT leaves it.
    make_transient_to_detached(obj)
    session.add(obj)


class ReadOnlySession(Session):
    """The ORM session behind :meth:`Database.read`: flushing changes raises."""


def _read_only_error() -> Exception:
    return FrontdeskError(
        "a read-only session cannot write; use Database.transaction()", code="READ_ONLY_SESSION"
    )


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise _read_only_error()


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_writes(state: Any) -> None:
    # INSERT / UPDATE / DELETE statements, ORM-enabled or not, through session.execute().
    if state.is_insert or state.is_update or state.is_delete:
        raise _read_only_error()


class OpenTransaction:
    """A write transaction finished later than the block that wrote it (:meth:`Database.begin`):
    used when the mutation's answer is stored with it (idempotency keys)."""

    def __init__(self, session: AsyncSession, lock: asyncio.Lock | None) -> None:
        self.session = session
        self._lock = lock
        self._open = True

    async def commit(self) -> None:
        try:
            await self.session.commit()
        finally:
            await self._close()

    async def abort(self) -> None:
        try:
            await self.session.rollback()
        finally:
            await self._close()

    async def _close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            await self.session.close()
        finally:
            if self._lock is not None:
                self._lock.release()


class Database:
    """One engine and its session factory; services receive sessions, never engines."""

    def __init__(
        self, url: str, *, session_info: Mapping[str, Any] | None = None, **engine_kwargs: Any
    ) -> None:
        """``session_info`` is copied into the ``info`` of every session of :meth:`session`
        and :meth:`transaction` (the runtime puts the event listeners of ``core.events``
        there)."""
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, info=dict(session_info or {})
        )
        self.sqlite = is_sqlite(url)
        # SQLite allows one writer; two deferred transactions that both upgrade to writing fail
        # with "database is locked" instead of waiting.  Serialise writers in-process there.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.sqlite else None
        self._read_one_engine = (
            self.engine
            if self.sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._read_sessions = async_sessionmaker(
            self._read_one_engine,
            expire_on_commit=False,
            autoflush=False,
            sync_session_class=ReadOnlySession,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error."""
        if self._write_lock is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_lock, self.sessions() as session, session.begin():
            yield session

    async def begin(self) -> OpenTransaction:
        """A session in a transaction that the caller finishes later (commit or abort)."""
        if self._write_lock is not None:
            await self._write_lock.acquire()
        return OpenTransaction(self.sessions(), self._write_lock)

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection for ONE Core SELECT: no ORM session, and no transaction.

        For hot single-statement reads (the API-token lookup of every request).  On
        PostgreSQL the connection is in autocommit, which saves the BEGIN and ROLLBACK round
        trips; a single statement reads exactly what it would read in a transaction of its
        own.  (SQLite's driver opens no transaction for a SELECT anyway.)  Never write here.
        """
        async with self._read_one_engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for read-only GraphQL queries: its statements run in autocommit.

        On PostgreSQL a query resolver's session would otherwise cost a BEGIN and a ROLLBACK
        round trip around its SELECTs.  Under READ COMMITTED (PostgreSQL's default, which
        Frontdesk uses) every statement takes its own snapshot even inside a transaction, so
        the reads see exactly what they would have seen in one.  Flushing changes and executing
        INSERT, UPDATE or DELETE raise READ_ONLY_SESSION: writes belong in :meth:`transaction`
        (a raw SQL string of a write is not recognised: don't).
        """
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
