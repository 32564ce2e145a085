"""Complaints under concurrency on PostgreSQL: C-6 numbering, C-9 row locks, the overdue
sweep (each deadline reported once), and migration c0002 with existing rows."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import FIXED_NOW, all_plugins_host, start_frontdesk
from sqlalchemy import func, select, text

from core import migrate
from core.complaint_rules import ComplaintStatus, IllegalTransition
from core.db import sync_url
from core.models import Complaint, ComplaintHistoryEntry, Event
from core.runtime import Frontdesk
from core.services import complaints as svc
from core.services import directory

pytestmark = pytest.mark.postgres


async def _office(fd: Frontdesk) -> tuple[int, int]:
    async with fd.write() as s:
        site = await directory.create_site(
            s,
            fd.host,
            name="Sunrise",
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


@pytest.fixture
async def pg_fd(pg_url: str):
    fd = await start_frontdesk(pg_url)
    try:
        yield fd
    finally:
        await fd.stop()


async def test_C_6_twenty_concurrent_filings_get_distinct_consecutive_numbers(pg_fd):
    """C-6: each filing takes the (site, month) counter row's lock in its own transaction."""
    site, li = await _office(pg_fd)
    filed = await asyncio.gather(*(_file(pg_fd, site, li) for _ in range(20)))
    numbers = sorted((c.number for c in filed), key=lambda n: (len(n), n))
    assert numbers == [f"2611{i:02d}" for i in range(1, 21)]
    async with pg_fd.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Complaint)) == 20


async def test_C_9_two_concurrent_acknowledgements_one_wins_the_other_is_illegal(pg_fd):
    site, li = await _office(pg_fd)
    c = await _file(pg_fd, site, li)

    async def acknowledge() -> str:
        try:
            async with pg_fd.write() as s:
                await svc.transition_complaint(
                    s, c.id, ComplaintStatus.ACKNOWLEDGED, li, "", FIXED_NOW + timedelta(hours=1)
                )
            return "ok"
        except IllegalTransition as exc:
            return exc.code

    results = await asyncio.gather(*(acknowledge() for _ in range(5)))
    assert sorted(results) == ["ILLEGAL_TRANSITION"] * 4 + ["ok"]
    async with pg_fd.db.session() as s:
        acks = await s.scalar(
            select(func.count()).where(ComplaintHistoryEntry.to_value == "acknowledged")
        )
    assert acks == 1


async def test_C_8_C_11_concurrent_sweeps_report_each_deadline_once(pg_fd):
    site, li = await _office(pg_fd)
    for _ in range(10):
        await _file(pg_fd, site, li)
    saturday = FIXED_NOW + timedelta(days=4)  # first response and resolution both missed

    async def sweep() -> int:
        async with pg_fd.write() as s:
            return len(await svc.sweep_overdue(s, saturday))

    counts = await asyncio.gather(*(sweep() for _ in range(4)))
    assert sum(counts) == 20
    async with pg_fd.db.session() as s:
        events = (await s.scalars(select(Event).where(Event.type == "complaint.overdue"))).all()
    reported = sorted((e.subject_id, e.payload["kind"]) for e in events)
    assert len(reported) == len(set(reported)) == 20  # every (complaint, deadline) once


def test_c0002_upgrade_and_downgrade_with_existing_rows_on_postgresql(pg_empty_url):
    host = all_plugins_host()
    migrate.upgrade(pg_empty_url, host, plugins=[])
    migrate.downgrade(pg_empty_url, host, "c0001")
    engine = sa.create_engine(sync_url(pg_empty_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sites (id, name, business_line, timezone, calendar_region,"
                    " created_at) VALUES (1, 'Old', 'realestate', 'Asia/Shanghai', 'CN',"
                    " '2026-11-24T02:00:00Z')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO complaints (id, site_id, number, channel, channel_details,"
                    " category, severity, status, description, filed_at, escalation_level)"
                    " VALUES (1, 1, '2611-0001', 'phone', '{}', 'service', 'general',"
                    " 'received', 'old', '2026-11-24T02:00:00Z', 0)"
                )
            )
        migrate.upgrade(pg_empty_url, host, plugins=[])
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT recorded_at = filed_at, cycle_started_at = filed_at, cycle,"
                    " revisit_days FROM complaints"
                )
            ).one()
            assert tuple(row) == (True, True, 1, 14)
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(text("UPDATE complaints SET status = 'lost'"))
        migrate.downgrade(pg_empty_url, host, "c0001")
        with engine.connect() as conn:
            assert "complaint_serials" not in sa.inspect(conn).get_table_names()
            assert conn.execute(text("SELECT count(*) FROM complaints")).scalar_one() == 1
    finally:
        engine.dispose()
