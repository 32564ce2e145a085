"""ASGI factories the benchmark serves with uvicorn (one worker each).

* ``frontdesk_app``: the real ``create_app(Frontdesk(Settings(database_url=...)))``, wrapped by
  a tiny ASGI shim that answers ``GET /__bench/sql`` with the number of SQL statements the
  engine has sent (a ``before_cursor_execute`` listener; core is not modified).  With
  ``BENCH_PATCHES=a,b`` it first applies the named experimental patches from
  :mod:`bench.patches` (proposed core changes, measured without editing core).
* ``floor_app``: a hand-written Starlette endpoint answering the same page with ONE SQL
  statement through the raw driver (asyncpg / aiosqlite) and ``orjson`` - the same JSON bytes
  as Frontdesk; the floor no GraphQL server can beat.

Configuration comes from the environment: ``BENCH_DATABASE_URL`` (required).
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

SQL_COUNT_PATH = "/__bench/sql"


class Counter:
    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, *_args: Any, **_kw: Any) -> None:
        self.statements += 1


class BenchShim:
    """Answers ``GET /__bench/sql`` itself; everything else (lifespan too) goes to ``app``."""

    def __init__(self, app: ASGIApp, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == SQL_COUNT_PATH:
            body = orjson.dumps({"statements": self.counter.statements, "pid": os.getpid()})
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def frontdesk_app() -> ASGIApp:
    from sqlalchemy import event

    from core.app import create_app
    from core.runtime import Frontdesk
    from core.settings import Settings

    patches = [p for p in os.environ.get("BENCH_PATCHES", "").split(",") if p]
    if patches:
        from bench.patches import apply

        apply(patches)
    # A long plugin-state poll so that the background re-read does not pollute the statement
    # count; everything else is the default configuration.
    fd = Frontdesk(
        Settings(database_url=os.environ["BENCH_DATABASE_URL"], plugin_state_poll_seconds=3600.0)
    )
    counter = Counter()
    event.listen(fd.db.engine.sync_engine, "before_cursor_execute", counter)
    return BenchShim(create_app(fd), counter)


# --- the floor ------------------------------------------------------------------------------

FLOOR_SQL = """
SELECT v.id, v.arrived_at, v.counted, c.id, c.name, s.id, s.name, r.visit_id, r.made_up_turn
FROM visits v
LEFT JOIN customers c ON c.id = v.customer_id
LEFT JOIN staff s ON s.id = v.receiver_id
LEFT JOIN re_visit_receptions r ON r.visit_id = v.id
WHERE v.site_id = {p1}
ORDER BY v.id DESC
LIMIT {p2}
"""


def _cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"visit:{key}".encode()).decode().rstrip("=")


def _iso_pg(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _iso_sqlite(value: str) -> str:
    # SQLAlchemy's SQLite DATETIME stores "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, offset dropped).
    return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()


def _gid(type_name: str, key: int) -> str:
    """Schema 1.0 global id, as the real app answers it."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def page_json(rows: list[Any], first: int, iso: Any) -> bytes:
    has_next = len(rows) > first
    rows = rows[:first]
    edges = [
        {
            "node": {
                "id": _gid("Visit", vid),
                "arrivedAt": iso(arrived),
                "counted": bool(counted),
                "customer": {"id": _gid("Customer", cid), "name": cname}
                if cid is not None
                else None,
                "receiver": {"id": _gid("Staff", sid), "name": sname} if sid is not None else None,
                "realestate": {"madeUpTurn": bool(made_up)} if rid is not None else None,
            }
        }
        for vid, arrived, counted, cid, cname, sid, sname, rid, made_up in rows
    ]
    return orjson.dumps(
        {
            "data": {
                "visits": {
                    "edges": edges,
                    "pageInfo": {
                        "endCursor": _cursor(rows[-1][0]) if rows else None,
                        "hasNextPage": has_next,
                    },
                }
            }
        }
    )


class _SqlitePool:
    """A few aiosqlite connections handed out in turn (aiosqlite runs each on its thread)."""

    def __init__(self, path: str, size: int) -> None:
        self.path, self.size = path, size
        self.free: asyncio.Queue[Any] = asyncio.Queue()

    async def open(self) -> None:
        import aiosqlite

        for _ in range(self.size):
            self.free.put_nowait(await aiosqlite.connect(self.path))

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        conn = await self.free.get()
        try:
            async with conn.execute(sql, args) as cur:
                return list(await cur.fetchall())
        finally:
            self.free.put_nowait(conn)

    async def close(self) -> None:
        while not self.free.empty():
            await self.free.get_nowait().close()


class _PgPool:
    def __init__(self, dsn: str, size: int) -> None:
        self.dsn, self.size = dsn, size
        self.pool: Any = None

    async def open(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=self.size, max_size=self.size)

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        return await self.pool.fetch(sql, *args)

    async def close(self) -> None:
        await self.pool.close()


def floor_app() -> ASGIApp:
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["BENCH_DATABASE_URL"])
    counter = Counter()
    if url.get_backend_name() == "sqlite":
        db: Any = _SqlitePool(url.database or "", size=8)
        sql, iso = FLOOR_SQL.format(p1="?", p2="?"), _iso_sqlite
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        db = _PgPool(dsn, size=8)
        sql, iso = FLOOR_SQL.format(p1="$1", p2="$2"), _iso_pg

    async def graphql(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        var = payload.get("variables") or {}
        site, first = int(var["site"]), int(var.get("first", 100))
        counter()
        rows = await db.fetch(sql, site, first + 1)
        return Response(page_json(rows, first, iso), media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.open()
        yield
        await db.close()

    app = Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
    return BenchShim(app, counter)
