"""Issue 13 on PostgreSQL: the batched overdue sweep never blocks other sites' writes, every
list's query uses its index (EXPLAIN), and plans stay stable under prepared statements.

Waits are on state (hooks between the sweep's statements), never on time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import FIXED_NOW, Client, start_frontdesk
from helpers import sent_statements
from sqlalchemy import create_engine, func, select, text

from bench.scale_data import Sizes, seed
from core.db import sync_url
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

# Complaints, each missing two deadlines (C-8 first response, C-11 resolution): the issue's
# 13,000-deadline backlog.
BACKLOG = 6_500


async def test_C_8_C_11_batched_sweep_lets_writes_at_another_site_commit_mid_sweep(pg_fd):
    """Issue 13: a backlog of 13,000 missed deadlines is swept in batches of 200, each its own
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
    with sent_statements(fd.db.engine) as seen:
        async with fd.db.sessions() as s, s.begin():
            await fn(s, *args)
            await s.rollback()
    return seen


async def _explain(fd: Frontdesk, sql: str, params: Any) -> str:
    """EXPLAIN of ``sql`` as the driver sends it ($n parameters), on an app connection."""
    async with fd.db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        rows = await driver.fetch("EXPLAIN " + sql, *(params or ()))
    return "\n".join(r[0] for r in rows)


# --- every list seeks: EXPLAIN of the statements the schema's lists send -------------------------

# Enough rows over enough sites that a scan and a seek differ (seeded in a few seconds).
EXPLAIN_SIZES = Sizes(
    sites=20,
    staff_per_site=10,
    customers=10_000,
    visits=40_000,
    complaints=5_000,
    penalties=5_000,
    events=40_000,
    shifts=40_000,  # 200 days of the 200 staff members' shifts
)

IDS = """query { sites(first: 1) { edges { node { id } } } }"""
SITE_IDS = """query($site: ID!) {
  visits(siteId: $site, first: 1) { edges { node { receiver { id } customer { id } } } } }"""
VISITS = """query($site: ID!, $counted: Boolean, $receiver: ID, $customer: ID,
  $from: DateTime, $before: DateTime) {
  visits(siteId: $site, first: 100, counted: $counted, receiverId: $receiver,
    customerId: $customer, arrivedFrom: $from, arrivedBefore: $before) {
    edges { node { id arrivedAt counted customer { id name } receiver { id name } } } } }"""
CUSTOMERS = """query($site: ID!, $name: String, $phone: String, $class: CustomerClass,
  $owner: ID) {
  customers(siteId: $site, first: 100, nameContains: $name, phone: $phone,
    customerClass: $class, ownerStaffId: $owner) { edges { node { id name phone } } } }"""
COMPLAINTS = """query($site: ID!, $status: ComplaintStatus, $severity: ComplaintSeverity,
  $handler: ID) {
  complaints(siteId: $site, first: 100, status: $status, severity: $severity,
    handlerId: $handler) { edges { node { id number status } } } }"""
PENALTIES = """query($site: ID!, $staff: ID) {
  penalties(siteId: $site, first: 100, staffId: $staff) { edges { node { id amount } } } }"""


@pytest.fixture
async def seeded_fd(pg_url: str):
    engine = create_engine(sync_url(pg_url))
    try:
        with engine.connect() as conn:
            seed(conn, EXPLAIN_SIZES)
    finally:
        engine.dispose()
    fd = await start_frontdesk(pg_url)
    try:
        yield fd
    finally:
        await fd.stop()


def _list_statement(statements: list[tuple[str, Any]], table: str) -> tuple[str, Any]:
    """The page's SELECT (the one reading ``table`` with ORDER BY … LIMIT)."""
    pages = [
        (sql, p)
        for sql, p in statements
        if f"FROM {table}" in sql and "ORDER BY" in sql and "LIMIT" in sql
    ]
    assert len(pages) == 1, statements
    return pages[0]


async def _graphql_statements(
    fd: Frontdesk, query: str, variables: dict[str, Any]
) -> list[tuple[str, Any]]:
    with sent_statements(fd.db.engine) as seen:
        await Client(fd).data(query, variables)
    return seen


async def test_every_list_uses_its_index(seeded_fd):
    """Issue 13: each list and filter of the schema reads its own index (no sequential scan of
    the table): a page costs the same at 10,000 and at 10,000,000 rows."""
    fd = seeded_fd
    client = Client(fd)
    site = (await client.data(IDS))["sites"]["edges"][0]["node"]["id"]
    node = (await client.data(SITE_IDS, {"site": site}))["visits"]["edges"][0]["node"]
    receiver, customer = node["receiver"]["id"], node["customer"]["id"]
    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        (VISITS, {}, "visits", "ix_visits_site_id_id"),
        (VISITS, {"counted": False}, "visits", "ix_visits_site_uncounted"),
        (VISITS, {"receiver": receiver}, "visits", "ix_visits_site_receiver_id"),
        (VISITS, {"customer": customer}, "visits", "ix_visits_customer_id_id"),
        (
            VISITS,
            {"from": "2026-01-01T00:00:00Z", "before": "2026-02-01T00:00:00Z"},
            "visits",
            None,  # a month: the (site, arrived_at, id) range or the (site, id) keyset
        ),
        (CUSTOMERS, {}, "customers", "ix_customers_site_id_cover"),
        (CUSTOMERS, {"name": "qqqzzz"}, "customers", "ix_customers_name_trgm"),
        (CUSTOMERS, {"name": "Zh"}, "customers", None),  # prefix or keyset, never a scan
        (CUSTOMERS, {"phone": "+8613800000001"}, "customers", "uq_customers_site_id_phone"),
        (CUSTOMERS, {"class": "A"}, "customers", "ix_customers_site_class_id"),
        (CUSTOMERS, {"owner": receiver}, "customers", "ix_customers_site_owner_id"),
        (COMPLAINTS, {}, "complaints", "ix_complaints_site_id_id"),
        (COMPLAINTS, {"status": "RECEIVED"}, "complaints", "ix_complaints_site_status"),
        (COMPLAINTS, {"severity": "MAJOR"}, "complaints", "ix_complaints_site_severity_id"),
        (COMPLAINTS, {"handler": receiver}, "complaints", "ix_complaints_site_handler_id"),
        (PENALTIES, {}, "penalties", "ix_penalties_site_id_id"),
        (PENALTIES, {"staff": receiver}, "penalties", "ix_penalties_site_staff_id"),
    ]
    for query, variables, table, index in cases:
        statements = await _graphql_statements(fd, query, {"site": site, **variables})
        sql, params = _list_statement(statements, table)
        plan = await _explain(fd, sql, params)
        assert f"Seq Scan on {table}" not in plan, f"{variables}\n{plan}"
        if index is not None:
            assert index in plan, f"{variables}\n{plan}"


async def test_one_site_subscription_resume_reads_only_that_sites_events(seeded_fd):
    """Issue 13: resuming ``complaintUpdates(siteId)`` seeks (stream, site_id, id)."""
    from core.graphql.subscriptions import load_events

    async def resume(_session: Any) -> None:
        await load_events(seeded_fd, "complaints", 0, 500, 3)

    statements = await _captured(seeded_fd, resume)
    [(sql, params)] = [(q, p) for q, p in statements if "FROM events" in q and "stream" in q]
    plan = await _explain(seeded_fd, sql, params)
    assert "ix_events_stream_site_id_id" in plan, plan
    assert "Seq Scan on events" not in plan, plan


# --- stable plans under prepared statements ---------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    escaped = str(value).replace("'", "''")
    return f"'{escaped}'"


async def test_plans_stay_custom_and_indexed_after_many_executions_on_one_connection(seeded_fd):
    """Issue 13: PostgreSQL may switch a prepared statement to a generic plan after five
    executions.  The server's connections run with plan_cache_mode=force_custom_plan (and
    JIT off, core.db): the same list statements, executed eight times on one connection,
    are still planned with their values (no ``$n`` left in the plan) and still use their
    index."""
    fd = seeded_fd
    client = Client(fd)
    site = (await client.data(IDS))["sites"]["edges"][0]["node"]["id"]
    month = {"from": "2026-01-01T00:00:00Z", "before": "2026-02-01T00:00:00Z"}
    cases = [
        (VISITS, {"counted": False}, "visits", "ix_visits_site_uncounted"),
        (VISITS, {}, "visits", "ix_visits_site_id_id"),
        (VISITS, month, "visits", None),
        (CUSTOMERS, {"name": "qqqzzz"}, "customers", "ix_customers_name_trgm"),
    ]
    async with fd.db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert await driver.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
        assert await driver.fetchval("SHOW jit") == "off"
        for n, (query, variables, table, index) in enumerate(cases):
            statements = await _graphql_statements(fd, query, {"site": site, **variables})
            sql, params = _list_statement(statements, table)
            args = ", ".join(_literal(p) for p in params)
            await driver.execute(f"PREPARE fd_page_{n} AS {sql}")
            for _ in range(8):
                await driver.fetch(f"EXECUTE fd_page_{n}({args})")
            plan = "\n".join(
                r[0] for r in await driver.fetch(f"EXPLAIN EXECUTE fd_page_{n}({args})")
            )
            assert "$1" not in plan, plan  # a custom plan: the values are in it
            assert f"Seq Scan on {table}" not in plan and "Gather" not in plan, plan
            if index is not None:
                assert index in plan, plan
            await driver.execute(f"DEALLOCATE fd_page_{n}")


# --- c0019: the orders, the remaining filters and the workforce lists seek too ----------------

ORDERED = {
    "complaints": """query($site: ID!, $order: ComplaintOrder, $after: String) {
      complaints(siteId: $site, first: 100, orderBy: $order, after: $after) {
        edges { node { id } } pageInfo { endCursor } } }""",
    "customers": """query($site: ID!, $order: CustomerOrder, $after: String) {
      customers(siteId: $site, first: 100, orderBy: $order, after: $after) {
        edges { node { id name } } pageInfo { endCursor } } }""",
    "penalties": """query($site: ID!, $order: PenaltyOrder, $after: String) {
      penalties(siteId: $site, first: 100, orderBy: $order, after: $after) {
        edges { node { id } } pageInfo { endCursor } } }""",
    "visits": """query($site: ID!, $order: VisitOrder, $after: String) {
      visits(siteId: $site, first: 100, orderBy: $order, after: $after) {
        edges { node { id customer { name } } } pageInfo { endCursor } } }""",
}


def _reading(statements: list[tuple[str, Any]], table: str) -> tuple[str, Any]:
    """The one statement that reads ``table`` in order (a list's SELECT)."""
    reads = [(sql, p) for sql, p in statements if f"FROM {table}" in sql and "ORDER BY" in sql]
    assert len(reads) == 1, statements
    return reads[0]


async def test_every_order_seeks_its_index_from_the_cursor(seeded_fd):
    """Issue 13 (c0019): a page in each ``orderBy`` order, after a cursor, is a range scan of
    the ``(site_id, <order>, id)`` index starting at the cursor (the row comparison is an
    index condition): no sort, no scan of the rows before the cursor, no sequential scan."""
    fd = seeded_fd
    client = Client(fd)
    site = (await client.data(IDS))["sites"]["edges"][0]["node"]["id"]
    cases = [
        ("complaints", "FILED_AT", "ix_complaints_site_filed_id", "filed_at"),
        ("complaints", "UPDATED_AT", "ix_complaints_site_updated_id", "updated_at"),
        ("customers", "NAME", "ix_customers_site_name_id", "name"),
        ("customers", "CREATED_AT", "ix_customers_site_created_id", "created_at"),
        ("penalties", "ISSUED_AT", "ix_penalties_site_issued_id", "issued_at"),
        ("visits", "ARRIVED_AT", "ix_visits_site_arrived", "arrived_at"),
    ]
    for table, field, index, column in cases:
        for direction in ("ASC", "DESC"):
            variables = {"site": site, "order": {"field": field, "direction": direction}}
            first = await client.data(ORDERED[table], variables)
            cursor = first[table]["pageInfo"]["endCursor"]
            assert cursor is not None, (table, field)
            statements = await _graphql_statements(
                fd, ORDERED[table], {**variables, "after": cursor}
            )
            sql, params = _reading(statements, table)
            plan = await _explain(fd, sql, params)
            where = f"{table} {field} {direction}\n{plan}"
            assert index in plan, where
            assert f"Seq Scan on {table}" not in plan, where
            assert "Sort Key" not in plan.split("Limit")[1], where  # the index gives the order
            condition = next(line for line in plan.splitlines() if "Index Cond" in line)
            assert f"ROW({column}, id)" in condition, where  # seeks to the cursor


async def test_order_pages_on_postgresql_walk_every_row_once_in_order(seeded_fd):
    """The row-comparison keyset returns what the order says, on PostgreSQL: walking a
    site's customers by name (ties by id) page after page, forward, gives every customer once,
    in ``ORDER BY name, id``."""
    fd = seeded_fd
    client = Client(fd)
    site = (await client.data(IDS))["sites"]["edges"][0]["node"]["id"]
    variables: dict[str, Any] = {"site": site, "order": {"field": "NAME", "direction": "ASC"}}
    walked: list[str] = []
    while True:
        page = (await client.data(ORDERED["customers"], variables))["customers"]
        walked += [e["node"]["name"] for e in page["edges"]]
        if len(page["edges"]) < 100:
            break
        variables["after"] = page["pageInfo"]["endCursor"]
    async with fd.db.read() as s:
        expected = (
            await s.scalars(
                text(
                    "SELECT name FROM customers WHERE site_id = (SELECT max(id) FROM sites)"
                    ' ORDER BY name COLLATE "default", id'
                )
            )
        ).all()
    assert walked == list(expected)


WORKFORCE = {
    "shifts": """query($site: ID!) { shifts(siteId: $site, fromDate: "2025-03-03",
      toDate: "2025-03-09", first: 100) { edges { node { id } } } }""",
    "shift_swaps": """query($site: ID!) { shiftSwaps(siteId: $site, first: 100) {
      edges { node { id } } } }""",
    "attendance_records": """query($site: ID!) { attendance(siteId: $site,
      fromDate: "2025-03-03", toDate: "2025-03-09") { id } }""",
    "leave_requests": """query($site: ID!) { leaveRequests(siteId: $site,
      fromDate: "2025-03-01", toDate: "2025-03-31") { id } }""",
    "appointments": """query($site: ID!) { appointments(siteId: $site,
      fromAt: "2025-03-01T00:00:00Z", toAt: "2025-04-01T00:00:00Z") { id } }""",
    "bookings": """query($site: ID!) { bookings(siteId: $site, businessDate: "2025-03-05") {
      id } }""",
}
# Their connections (issue 17): the page's SELECT reads the same index.
WORKFORCE_CONNECTIONS = {
    "attendance_records": """query($site: ID!) { attendanceRecords(siteId: $site,
      fromDate: "2025-03-03", toDate: "2025-03-09", first: 100) { edges { node { id } } } }""",
    "leave_requests": """query($site: ID!) { leaveRequestsPage(siteId: $site,
      fromDate: "2025-03-01", toDate: "2025-03-31", first: 100) { edges { node { id } } } }""",
    "appointments": """query($site: ID!) { appointmentsPage(siteId: $site,
      fromAt: "2025-03-01T00:00:00Z", toAt: "2025-04-01T00:00:00Z", first: 100) {
      edges { node { id } } } }""",
    "bookings": """query($site: ID!) { bookingsPage(siteId: $site, businessDate: "2025-03-05",
      first: 100) { edges { node { id } } } }""",
}
WORKFORCE_INDEXES = {
    "shifts": "ix_shifts_site_date",
    "shift_swaps": "ix_shift_swaps_site_id_id",
    "attendance_records": "ix_attendance_site_date_id",
    "leave_requests": "ix_leave_requests_site_date_id",
    "appointments": "ix_appointments_site_visit_id",
    "bookings": "ix_bookings_site_date",
}


async def test_workforce_lists_and_complaints_by_customer_use_their_index(seeded_fd):
    """Issue 13 (c0019): the workforce lists (40,000 shifts with their attendance, leave,
    swaps, appointments and bookings over 20 sites) and ``complaints(customerId)`` read their
    own index, never the whole table."""
    fd = seeded_fd
    client = Client(fd)
    site = (await client.data(IDS))["sites"]["edges"][0]["node"]["id"]
    for table, query in [*WORKFORCE.items(), *WORKFORCE_CONNECTIONS.items()]:
        statements = await _graphql_statements(fd, query, {"site": site})
        sql, params = _reading(statements, table)
        plan = await _explain(fd, sql, params)
        assert f"Seq Scan on {table}" not in plan, f"{table}\n{plan}"
        assert WORKFORCE_INDEXES[table] in plan, f"{table}\n{plan}"
    async with fd.db.transaction() as s:  # complaints of the site's first customers
        await s.execute(
            text(
                "UPDATE complaints c SET customer_id = v.customer_id FROM visits v"
                " WHERE v.id = c.id AND c.site_id = v.site_id"
            )
        )
        await s.execute(text("ANALYZE complaints"))
    node = (await client.data(SITE_IDS, {"site": site}))["visits"]["edges"][0]["node"]
    query = """query($site: ID!, $customer: ID) { complaints(siteId: $site, first: 100,
      customerId: $customer) { edges { node { id } } } }"""
    statements = await _graphql_statements(
        fd, query, {"site": site, "customer": node["customer"]["id"]}
    )
    sql, params = _list_statement(statements, "complaints")
    plan = await _explain(fd, sql, params)
    assert "ix_complaints_customer_id_id" in plan, plan
    assert "Seq Scan on complaints" not in plan, plan


async def test_C_8_a_sweep_batch_is_a_few_statements_whatever_its_size(pg_fd):
    """Issue 13: a batch of 200 marks writes its marks, events and history entries in a
    fixed number of statements (not three per mark), with the same event and history rows
    as one mark at a time would: the 13,000-deadline backlog costs 65 short batches."""
    site, li = await _site(pg_fd, "Sunrise")
    first = await _file(pg_fd, site, li)
    await _clone_complaints(pg_fd, first.id, svc.SWEEP_BATCH - 1)
    saturday = FIXED_NOW + timedelta(days=4)
    with sent_statements(pg_fd.db.engine) as counted:
        async with pg_fd.write() as s:
            marks = await svc.sweep_overdue_batch(s, saturday)
    assert len(marks) == svc.SWEEP_BATCH  # 200 first responses (C-8); resolution next batch
    assert len(counted) <= 8, counted
    async with pg_fd.db.read() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT e.subject_id, e.payload, h.rule, h.message, h.to_value"
                    " FROM events e JOIN complaint_history h ON h.event_id = e.id"
                    " WHERE e.type = 'complaint.overdue' ORDER BY e.id"
                )
            )
        ).all()
    assert len(rows) == svc.SWEEP_BATCH
    assert [r.subject_id for r in rows] == [m.complaint.id for m in marks]
    for row, mark in zip(rows, marks, strict=True):
        assert row.payload["kind"] == "first_response" == row.to_value
        assert row.payload["rule"] == row.rule == "C-8"
        assert row.payload["message"] == row.message == mark.reason.message
        assert row.message.startswith("no first response")
        assert row.payload["number"] == mark.complaint.number
