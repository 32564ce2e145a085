"""core.db: the read-only session GraphQL queries use, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text, update

from core import models
from core.db import Database
from core.errors import FrontdeskError


async def _now_twice(session) -> tuple[object, object]:
    first = (await session.execute(text("SELECT now()"))).scalar_one()
    # Wait on the server's clock, not ours: until it has moved past the first now().
    moved = text("SELECT clock_timestamp() > :first")
    while not (await session.execute(moved, {"first": first})).scalar_one():
        pass
    second = (await session.execute(text("SELECT now()"))).scalar_one()
    return first, second


async def test_read_session_runs_each_statement_in_autocommit_on_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        # now() is the start of the transaction: equal twice in one, different in autocommit.
        async with db.session() as s:
            first, second = await _now_twice(s)
        assert first == second
        async with db.read() as s:
            first, second = await _now_twice(s)
        assert first != second, "Database.read() opened a transaction (BEGIN/ROLLBACK trips)"
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_read_session_refuses_to_write(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    db = Database(url)
    try:
        async with db.read() as s:
            s.add(models.Site(name="x", business_line="realestate", timezone="Asia/Shanghai"))
            with pytest.raises(FrontdeskError) as excinfo:
                await s.flush()
            assert excinfo.value.code == "READ_ONLY_SESSION"
        async with db.read() as s:
            with pytest.raises(FrontdeskError) as excinfo:
                await s.execute(
                    insert(models.Site).values(
                        name="x",
                        business_line="realestate",
                        timezone="Asia/Shanghai",
                        calendar_region="CN",
                        created_at=datetime(2026, 11, 24, tzinfo=UTC),
                    )
                )
            assert excinfo.value.code == "READ_ONLY_SESSION"
            with pytest.raises(FrontdeskError):
                await s.execute(update(models.Site).values(name="y"))
        async with db.read() as s:
            assert (await s.scalars(select(models.Site))).all() == []
    finally:
        await db.dispose()


async def test_sqlite_sends_rollback_only_when_a_transaction_is_open(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiosqlite

    sent: list[str] = []
    rollback = aiosqlite.Connection.rollback

    async def counting_rollback(self: aiosqlite.Connection) -> None:
        sent.append("rollback")
        await rollback(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counting_rollback)
    db = Database(sqlite_url)
    try:
        async with db.read() as s:
            assert (await s.scalars(select(models.Site))).all() == []
        async with db.read_one() as c:
            await c.execute(text("SELECT 1"))
        assert sent == [], "a read paid for ROLLBACK round trips with nothing to roll back"

        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                await s.execute(
                    text(
                        "INSERT INTO sites (name, business_line, timezone, calendar_region, "
                        "created_at) VALUES ('x', 'realestate', 'Asia/Shanghai', 'CN', "
                        "'2026-11-24 02:00:00')"
                    )
                )
                raise RuntimeError("fail after writing")
        assert sent, "an open write transaction must still be rolled back"
        async with db.read() as s:
            assert (await s.scalars(select(models.Site))).all() == []
    finally:
        await db.dispose()
