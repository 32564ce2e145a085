"""Issue 13 on PostgreSQL: the batched overdue sweep never blocks other sites' writes, every
list's query uses its index (EXPLAIN), and plans stay stable under prepared statements.

Waits are on state (hooks between the sweep's statements), never on time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from conftest import FIXED_NOW, start_frontdesk
from sqlalchemy import event, func, select, text

from core.models import Complaint, Event
from core.runtime import Frontdesk
from core.services import complaints as svc
from core.services import directory

pytestmark = pytest.mark.postgres

# A deadlock guard for waits that must finish (never a timing assertion).
GUARD_SECONDS = 120


async def _site(fd: Frontdesk, name: str) -> tuple[int, int]:
    async with fd.write() as s:
        site = await directory.create_site(
            s,
            fd.host,
            name=name,
            business_line="realestate",
            timezone="Asia/Shanghai",
            calendar_region="CN",
            now=FIXED_NOW,
        )
        li = await directory.add_staff(
            s, site_id=site.id, name="Li", role="salesperson", phone=None, now=FIXED_NOW
        )
        return site.id, li.id


async def _file(fd: Frontdesk, site: int, taker: int) -> Complaint:
    filing = svc.ComplaintFiling(
        site_id=site,
        channel="phone",
        category="service",
        description="nobody called back",
        received_at=FIXED_NOW,
        taken_by_id=taker,
        caller_company="Acme Ltd",
        caller_name="Zhang San",
    )
    async with fd.write() as s:
        return (await svc.file_complaint(s, fd.host, filing, FIXED_NOW)).complaint


async def _clone_complaints(fd: Frontdesk, complaint_id: int, copies: int) -> None:
    """``copies`` more complaints like ``complaint_id`` (same site, same deadlines), written
    server-side with INSERT … SELECT generate_series."""
    columns = [c.name for c in Complaint.__table__.columns if c.name not in ("id", "number")]
    names = ", ".join(columns)
    values = ", ".join(f"c.{c}" for c in columns)
    async with fd.db.transaction() as s:
        await s.execute(
            text(
                f"INSERT INTO complaints (number, {names}) SELECT 'B' || g, {values}"
                " FROM complaints c, generate_series(1, :n) g WHERE c.id = :id"
            ),
            {"n": copies, "id": complaint_id},
        )
        await s.execute(text("ANALYZE complaints"))


@pytest.fixture
async def pg_fd(pg_url: str):
    fd = await start_frontdesk(pg_url)
    try:
        yield fd
    finally:
        await fd.stop()


# --- the overdue sweep (C-8, C-11) in batches ---------------------------------------------------

BACKLOG = 1_000  # complaints, each missing two deadlines (C-8 first response, C-11 resolution)


async def test_C_8_C_11_batched_sweep_lets_writes_at_another_site_commit_mid_sweep(pg_fd):
    """Issue 13: a backlog of 2,000 missed deadlines is swept in batches of 200, each its own
    transaction.  While a batch's transaction is open (its rows locked, its events
    recorded), a filing and a staff hire at ANOTHER site run to completion and commit; the
    sweep then finishes and reports every deadline exactly once."""
    site_a, li_a = await _site(pg_fd, "Sunrise")
    site_b, li_b = await _site(pg_fd, "Moonrise")
    first = await _file(pg_fd, site_a, li_a)
    await _clone_complaints(pg_fd, first.id, BACKLOG - 1)
    saturday = FIXED_NOW + timedelta(days=4)  # first response and resolution both missed

    order: list[str] = []
    batches: list[int] = []

    async def other_site_writes() -> None:
        await _file(pg_fd, site_b, li_b)
        async with pg_fd.write() as s:
            await directory.add_staff(
                s, site_id=site_b, name="Wang", role="front_desk", phone=None, now=FIXED_NOW
            )
        order.append("other site committed")

    async def hook(session: Any, marks: list[svc.OverdueMark]) -> None:
        batches.append(len(marks))
        if len(batches) == 2:
            # Inside the second batch's open transaction: the other site's writes must not
            # wait for it (a deadlock here would trip the guard, not a timing assertion).
            await asyncio.wait_for(other_site_writes(), GUARD_SECONDS)
            async with pg_fd.db.read() as other:
                filed_b = await other.scalar(
                    select(func.count()).select_from(Complaint).where(Complaint.site_id == site_b)
                )
            assert filed_b == 1  # committed and visible while the sweep still runs

    total = await svc.sweep_overdue_in_batches(
        pg_fd.write, saturday, site_id=site_a, batch_size=svc.SWEEP_BATCH, on_batch=hook
    )
    order.append("sweep finished")

    assert total == 2 * BACKLOG
    assert order == ["other site committed", "sweep finished"]
    assert len(batches) == 2 * BACKLOG // svc.SWEEP_BATCH + 1  # bounded batches, last empty
    assert max(batches) == svc.SWEEP_BATCH
    async with pg_fd.db.read() as s:
        reported = (
            await s.execute(
                select(Event.subject_id, Event.payload["kind"].as_string()).where(
                    Event.type == "complaint.overdue"
                )
            )
        ).all()
    assert len(reported) == len(set(reported)) == 2 * BACKLOG  # each deadline once
    # Idempotent: nothing is left to sweep (the site B complaint was filed the same morning
    # and is overdue too: its two deadlines are the only new marks).
    assert await svc.sweep_overdue_in_batches(pg_fd.write, saturday) == 2


async def test_C_8_C_11_concurrent_batched_sweeps_report_each_deadline_once(pg_fd):
    """Two processes sweeping in small batches skip each other's locked rows (SKIP LOCKED):
    together they report every missed deadline once."""
    site, li = await _site(pg_fd, "Sunrise")
    first = await _file(pg_fd, site, li)
    await _clone_complaints(pg_fd, first.id, 199)
    saturday = FIXED_NOW + timedelta(days=4)
    counts = await asyncio.gather(
        *(svc.sweep_overdue_in_batches(pg_fd.write, saturday, batch_size=25) for _ in range(3))
    )
    # A sweeper stops after its first short batch; what the others held is swept next time.
    rest = await svc.sweep_overdue_in_batches(pg_fd.write, saturday, batch_size=25)
    assert sum(counts) + rest == 400
    async with pg_fd.db.read() as s:
        n = await s.scalar(
            select(func.count()).select_from(Event).where(Event.type == "complaint.overdue")
        )
    assert n == 400


async def test_C_8_sweep_batch_is_a_range_scan_of_its_partial_index(pg_fd):
    """Each sweep batch reads its deadline's partial index (open, unreported, due < now)."""
    site, li = await _site(pg_fd, "Sunrise")
    first = await _file(pg_fd, site, li)
    await _clone_complaints(pg_fd, first.id, 3_000)
    statements = await _captured(pg_fd, svc.sweep_overdue_batch, FIXED_NOW + timedelta(days=4))
    sweeps = [(sql, p) for sql, p in statements if "FOR NO KEY UPDATE SKIP LOCKED" in sql]
    assert len(sweeps) == 1  # the first kind fills the batch
    sql, params = sweeps[0]
    plan = await _explain(pg_fd, sql, params)
    assert "ix_complaints_first_response_pending" in plan, plan
    assert "Seq Scan" not in plan, plan


async def _captured(fd: Frontdesk, fn: Any, *args: Any) -> list[tuple[str, Any]]:
    """The statements (with parameters) ``fn(session, *args)`` sends, in a rolled-back
    transaction."""
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(fd.db.engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with fd.db.sessions() as s, s.begin():
            await fn(s, *args)
            await s.rollback()
    finally:
        event.remove(fd.db.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def _explain(fd: Frontdesk, sql: str, params: Any) -> str:
    """EXPLAIN of ``sql`` as the driver sends it ($n parameters), on an app connection."""
    async with fd.db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        rows = await driver.fetch("EXPLAIN " + sql, *(params or ()))
    return "\n".join(r[0] for r in rows)
