"""Issue 13 on SQLite: the partial indexes are written so SQLite uses them too (a partial
index serves a query only when the query repeats its WHERE term)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import FIXED_NOW, Client
from sqlalchemy import event

from core.runtime import Frontdesk
from core.services import complaints as svc

SITES = """query { sites(first: 1) { edges { node { id } } } }"""
CREATE_SITE = """mutation { createSite(input: {name: "Sunrise", businessLine: "realestate"}) {
  site {
  id } userErrors { field message code } } }"""
UNCOUNTED = """query($site: ID!) { visits(siteId: $site, counted: false, first: 10) {
  edges { node { id } } } }"""


async def _statements(fd: Frontdesk, run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(fd.db.engine.sync_engine, "before_cursor_execute", listen)
    try:
        await run()
    finally:
        event.remove(fd.db.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def _plan(fd: Frontdesk, sql: str, params: Any) -> str:
    async with fd.db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params))).all()
    return "\n".join(str(r[-1]) for r in rows)


async def test_uncounted_visits_read_the_partial_index_on_sqlite(fd: Frontdesk) -> None:
    client = Client(fd)
    site = (await client.data(CREATE_SITE))["createSite"]["site"]["id"]
    statements = await _statements(fd, lambda: client.data(UNCOUNTED, {"site": site}))
    [(sql, params)] = [(q, p) for q, p in statements if "FROM visits" in q]
    assert "ix_visits_site_uncounted" in await _plan(fd, sql, params)


async def test_C_8_sweep_batches_read_the_partial_indexes_on_sqlite(fd: Frontdesk) -> None:
    async def sweep() -> None:
        async with fd.write() as s:
            await svc.sweep_overdue_batch(s, FIXED_NOW + timedelta(days=4))

    statements = await _statements(fd, sweep)
    sweeps = [(q, p) for q, p in statements if "FROM complaints" in q]
    assert len(sweeps) == len(svc.OverdueKind) == 4  # one per watched deadline (none to mark)
    for (sql, params), kind in zip(sweeps, svc.OverdueKind, strict=True):
        assert f"ix_complaints_{kind.value}_pending" in await _plan(fd, sql, params)
