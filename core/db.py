"""Engine, sessions and the declarative base shared by core and plugin tables.

Database I/O is async (SQLAlchemy asyncio over asyncpg or aiosqlite) so that a slow query never
blocks the event loop serving other requests and subscriptions.  Migrations and the CLI use the
matching sync driver (psycopg / pysqlite) through :func:`sync_url`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session

# Registers the before_flush check of every text written (length, control characters).
from core import textguard  # noqa: F401
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


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` with the pragmas and pool settings Frontdesk relies on."""
    url = async_url(url)
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _skip_idle_rollbacks(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, **kwargs)


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
