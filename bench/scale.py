"""Constant cost as the data grows (issue 13): every list, filter and search, check-in,
filing, statistics, the overdue sweep and a subscription resume, at a small and a large size.

    .venv/bin/python bench/scale.py                      # this checkout, both sizes
    .venv/bin/python bench/scale.py --sizes small --reps 10
    cd ../main && .venv/bin/python /work/wt/scale/bench/scale.py --label before
                                                         # another checkout's code ("before")

For each size: a fresh PostgreSQL database (``frontdesk_bench_*``, dropped at the end), the
real migrations of the checkout the script runs from (its ``core`` package: run it from
another checkout's root to measure that code), the real-estate line enabled, rows seeded
server-side with ``INSERT … SELECT generate_series`` (bench/scale_data.py), VACUUM ANALYZE.
Then each operation runs ``--reps`` times (after 2 warm-ups, so prepared-statement plan
switching after five executions shows) in-process through the served schema
(``schema.execute``, an admin actor; no HTTP) at rotating sites, and the script prints
p50/p95 in ms, SQL statements per request, and for each operation the growth factor
large/small of p50, and for each read the shared buffers its SELECTs touch (EXPLAIN
ANALYZE, BUFFERS: the load-independent figure).  Then, where the size has enough complaints,
the sweep of a ``--backlog`` of missed first responses (13,000 by default), once by another
process (as another server's periodic sweep would) and once in this process (as this
server's own would), while this process files a complaint and checks a visit in at another
site one after the other, its connections with ``lock_timeout = 100ms`` (a write that waited
that long for a lock fails and is counted); it prints the sweep's time, the writes' delay
(p50, p95, max over their latency without a sweep) and, in process, the event loop's longest
stall.  ``--keep`` seeds each size once into ``frontdesk_scale_<size>`` and reuses it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, os.getcwd())  # the checkout being measured (its core, schema, plugins)
sys.path.insert(1, str(Path(__file__).resolve().parent))  # scale_data, from this directory

from scale_data import (
    LINES,
    Sizes,
    line_sites,
    reseed_penalties,
    seed,
    seed_lines,
    seed_workforce,
)

from core import migrate
from core.db import sync_url

PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

SIZES = {
    "small": Sizes(
        sites=10,
        staff_per_site=10,
        customers=10_000,
        visits=100_000,
        complaints=10_000,
        penalties=10_000,
        events=100_000,
        shifts=36_500,  # each staff member's shifts of a year
    ),
    "large": Sizes(
        sites=100,
        staff_per_site=10,
        customers=100_000,
        visits=1_000_000,
        complaints=100_000,
        penalties=100_000,
        events=1_000_000,
        shifts=365_000,
    ),
}

VISITS = """query($site: ID!, $after: String, $counted: Boolean, $receiver: ID, $customer: ID,
  $from: DateTime, $before: DateTime) {
  visits(siteId: $site, first: 100, after: $after, counted: $counted, receiverId: $receiver,
    customerId: $customer, arrivedFrom: $from, arrivedBefore: $before) {
    edges { node { id arrivedAt counted customer { id name } receiver { id name } } }
    pageInfo { endCursor hasNextPage } } }"""
CUSTOMERS = """query($site: ID!, $name: String, $class: CustomerClass, $owner: ID) {
  customers(siteId: $site, first: 100, nameContains: $name, customerClass: $class,
    ownerStaffId: $owner) { edges { node { id name phone } } } }"""
CUSTOMERS_PHONE = """query($site: ID!, $phone: String) {
  customers(siteId: $site, first: 100, phone: $phone) { edges { node { id name phone } } } }"""
COMPLAINTS = """query($site: ID!, $status: ComplaintStatus, $severity: ComplaintSeverity,
  $handler: ID) {
  complaints(siteId: $site, first: 100, status: $status, severity: $severity,
    handlerId: $handler) { edges { node { id number status } } } }"""
PENALTIES = """query($site: ID!, $staff: ID) {
  penalties(siteId: $site, first: 100, staffId: $staff) { edges { node { id amount } } } }"""
STAFF = """query($site: ID!) { staff(siteId: $site, first: 100) { edges { node { id name } } } }"""
OVERDUE = """query($site: ID!) { overdueComplaints(siteId: $site, first: 100) {
  nodes { complaint { id number } } } }"""
STATISTICS = """query($site: ID!, $start: Date!) {
  complaintStatistics(siteId: $site, period: MONTH, start: $start) { total } }"""
SHIFTS = """query($site: ID!, $from: Date!, $to: Date!) {
  shifts(siteId: $site, fromDate: $from, toDate: $to, first: 100) {
    edges { node { id startsAt } } } }"""
SWAPS = """query($site: ID!) { shiftSwaps(siteId: $site, first: 100) { edges { node { id } } } }"""
ATTENDANCE = """query($site: ID!, $from: Date!, $to: Date!) {
  attendance(siteId: $site, fromDate: $from, toDate: $to) { id status } }"""
LEAVE = """query($site: ID!, $from: Date!, $to: Date!) {
  leaveRequests(siteId: $site, fromDate: $from, toDate: $to) { id } }"""
APPOINTMENTS = """query($site: ID!, $from: DateTime!, $to: DateTime!) {
  appointments(siteId: $site, fromAt: $from, toAt: $to) { id } }"""
BOOKINGS = """query($site: ID!, $day: Date!) {
  bookings(siteId: $site, businessDate: $day) { id } }"""
PENALTIES_RULE = """query($site: ID!, $rule: String) {
  penalties(siteId: $site, first: 100, rule: $rule) { edges { node { id amount } } } }"""
# The business lines' lists (issue 13, third pass), at the lines' own sites.
FITNESS_SALES = """query($site: ID!, $month: Date) {
  fitnessSales(siteId: $site, month: $month, first: 100) { edges { node { id soldAt } } } }"""
FITNESS_CLAIMS = """query($sale: ID!) {
  fitnessClaims(saleId: $sale, first: 100) { edges { node { id foundAt } } } }"""
PROPERTY_UNITS = """query($site: ID!) {
  propertyUnits(siteId: $site, first: 100) { edges { node { id number } } } }"""
PROPERTY_VISITORS = """query($site: ID!) {
  propertyVisitors(siteId: $site, first: 100) { edges { node { id registeredAt } } } }"""
PROPERTY_SURVEYS = """query($site: ID!, $open: Boolean) {
  propertySurveyOpinions(siteId: $site, open: $open, first: 100) {
    edges { node { id collectedAt } } } }"""
PROPERTY_PAID = """query($site: ID!, $pending: Boolean) {
  propertyPaidServices(siteId: $site, pending: $pending, first: 100) {
    edges { node { id performedAt } } } }"""
KTV_CHECKS = """query($site: ID!) {
  ktvOverdueKnowledgeChecks(siteId: $site, first: 100) { edges { node { id dueOn } } } }"""
CHECK_IN = """mutation($site: ID!) { checkInVisit(input: {siteId: $site}) { visit { id }
  userErrors { field message code } } }"""
FILE = """mutation($site: ID!, $taker: ID!) { fileComplaint(input: {siteId: $site,
  channel: IN_PERSON, category: "service", description: "slow", customerName: "Sun",
  actingStaffId: $taker}) { complaint { id } userErrors { field message code } } }"""


SWEEPER = """
import asyncio, sys, time
from datetime import UTC, datetime
from core.runtime import Frontdesk
from core.settings import Settings
from core.services import complaints as svc

async def main(url):
    fd = Frontdesk(Settings(database_url=url))
    await fd.start(watch=False)
    try:  # as a serving process (core/app.py's lifespan)
        from core.graphql.subscriptions import tune_gc_for_long_lived_connections
        tune_gc_for_long_lived_connections()
    except ImportError:
        pass
    try:
        now = datetime.now(UTC)
        started = time.perf_counter()
        batched = getattr(svc, "sweep_overdue_in_batches", None)
        if batched is not None:
            n = await batched(fd.write, now)
        else:  # before issue 13: one transaction
            async with fd.write() as s:
                n = len(await svc.sweep_overdue(s, now))
        took = time.perf_counter() - started
        with open("/proc/self/status") as status:
            rss = next(line.split()[1] for line in status if line.startswith("VmHWM"))
        print(n, took, rss, flush=True)
    finally:
        await fd.stop()

asyncio.run(main(sys.argv[1]))
"""


@dataclass
class Result:
    name: str
    p50: float
    p95: float
    statements: float
    db_p50: float = 0.0  # time inside the driver's execute calls (the database's share)
    # Shared buffers (8 kB pages, hit or read) the request's SELECTs touch: EXPLAIN (ANALYZE,
    # BUFFERS) of each, summed; the load-independent measure of the work a page costs.
    buffers: int | None = None


class Bench:
    def __init__(self, fd: Any, sizes: Sizes, url: str) -> None:
        from core.auth import Actor, Role
        from core.graphql.context import Context

        self.fd = fd
        self.url = url
        self.sizes = sizes
        self.actor = Actor(role=Role.ADMIN, name="bench")
        self.context = Context
        self.count = 0
        self.db_ms = 0.0
        self.capture: list[tuple[str, Any]] | None = None
        self._started = 0.0
        event.listen(fd.db.engine.sync_engine, "before_cursor_execute", self._count)
        event.listen(fd.db.engine.sync_engine, "after_cursor_execute", self._done)

    def _count(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.count += 1
        if self.capture is not None:
            self.capture.append((statement, parameters))
        self._started = time.perf_counter()

    async def buffers(self, make: Callable[[int], Awaitable[Any]]) -> int:
        """Shared buffers the SELECTs of one ``make`` touch (EXPLAIN ANALYZE, BUFFERS)."""
        self.capture = []
        try:
            await make(0)
            captured = self.capture
        finally:
            self.capture = None
        total = 0
        async with self.fd.db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            for statement, parameters in captured:
                sql = statement.lstrip()
                if not sql.upper().startswith("SELECT") or " FOR " in sql.upper():
                    continue
                plan = await driver.fetchval(
                    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *(parameters or ())
                )
                top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
                total += top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
        return total

    def _done(self, *_: Any) -> None:
        self.db_ms += (time.perf_counter() - self._started) * 1000

    def site(self, n: int) -> int:
        return n % self.sizes.sites + 1

    def staff_of(self, site: int, n: int = 0) -> int:
        return (site - 1) * self.sizes.staff_per_site + n % self.sizes.staff_per_site + 1

    async def gql(self, query: str, variables: dict[str, Any]) -> Any:
        result = await self.fd.schema.execute(
            query,
            variable_values=variables,
            context_value=self.context(app=self.fd, actor=self.actor),
        )
        if result.errors:
            raise RuntimeError(f"{result.errors[0].message} {variables}")
        return result.data

    async def measure(
        self,
        name: str,
        make: Callable[[int], Awaitable[Any]],
        reps: int,
        *,
        warm: int = 2,
        explain: bool = False,
    ) -> Result | None:
        try:
            for i in range(warm):
                await make(10_000 + i)
        except Exception as exc:  # noqa: BLE001 - an operation this checkout lacks
            print(f"  {name:<34} n/a ({str(exc)[:70]})", flush=True)
            return None
        times, counts, db = [], [], []
        for i in range(reps):
            before, db_before = self.count, self.db_ms
            started = time.perf_counter()
            await make(i)
            times.append((time.perf_counter() - started) * 1000)
            counts.append(self.count - before)
            db.append(self.db_ms - db_before)
        times.sort()
        result = Result(
            name,
            statistics.median(times),
            times[min(len(times) - 1, int(len(times) * 0.95))],
            statistics.mean(counts),
            statistics.median(db),
        )
        if explain:
            result.buffers = await self.buffers(make)
        print(
            f"  {name:<34} p50 {result.p50:8.2f} ms  p95 {result.p95:8.2f} ms"
            f"  SQL/req {result.statements:5.1f}  db p50 {result.db_p50:7.2f} ms"
            f"  buffers {result.buffers if result.buffers is not None else '-':>5}"
            f"  (load {_load()})",
            flush=True,
        )
        return result


def _deep_cursor(bench: Bench, site: int) -> str:
    """A cursor about half-way down the site's register (page ~50 at the small size)."""
    from core.graphql.types import encode_cursor

    s = bench.sizes.sites
    middle = bench.sizes.visits // 2
    return encode_cursor("visit", middle - middle % s + site)


def _seeded(admin: Any, name: str) -> bool:
    """Whether database ``name`` exists and holds a finished seed (``--keep``)."""
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            return False
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(text("SELECT to_regclass('frontdesk_bench_seeded') IS NOT NULL"))
            )
    finally:
        engine.dispose()


async def run_size(
    label: str,
    sizes: Sizes,
    reps: int,
    backlog: int,
    *,
    keep: str | None = None,
    only: set[str] | None = None,
) -> dict[str, Result]:
    """Measure one size; ``keep``: a database of that name is seeded once and kept (later
    runs only migrate it to this checkout's head: the seed takes minutes at the large size).
    ``only``: the operations to measure (all by default; "sweep" for the backlog sweep)."""
    from core.plugins import PluginHost, create_plugin_manager
    from core.runtime import Frontdesk
    from core.services.plugin_state import set_plugin_enabled
    from core.settings import Settings
    from schema.build import build_schema

    name = keep or f"frontdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(PG_SERVER_URL), isolation_level="AUTOCOMMIT")
    reuse = keep is not None and _seeded(admin, name)
    if not reuse:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    results: dict[str, Result] = {}
    try:
        host = PluginHost(create_plugin_manager(entry_points_group=None))
        host.set_enabled(host.installed.keys())
        started = time.perf_counter()
        migrate.upgrade(url, host)
        if reuse:
            engine = create_engine(sync_url(url))
            with engine.connect() as conn:
                if sizes.shifts and not conn.scalar(text("SELECT count(*) FROM shifts")):
                    seed_workforce(conn, sizes)  # a seed kept from before the workforce lists
                if not conn.scalar(text("SELECT count(*) FROM fc_card_sales")):
                    seed_lines(conn, sizes)  # a seed kept from before the lines' lists
                reseed_penalties(conn, sizes)  # … or from before the rare penalty rule
            engine.dispose()
        if not reuse:
            engine = create_engine(sync_url(url))
            with engine.connect() as conn:
                seed(conn, sizes)
                seed_lines(conn, sizes)
                conn.execute(text("CREATE TABLE frontdesk_bench_seeded (at timestamptz)"))
            engine.dispose()
        done = "migrated (kept seed)" if reuse else "migrated and seeded"
        print(
            f"[{label}] {sizes.describe()}: {done}"
            f" in {time.perf_counter() - started:.0f} s; load average {_load()}",
            flush=True,
        )
        fd = Frontdesk(Settings(database_url=url), schema_factory=build_schema)
        now = datetime.now(UTC)
        for line in ("realestate", *LINES):
            async with fd.write() as s:
                await set_plugin_enabled(s, fd.host, line, True, now)
        await fd.start(watch=False)
        try:
            bench = Bench(fd, sizes, url)
            results = await _operations(bench, reps, only)
            results.update(await _sweeps(bench, reps, backlog, only))
        finally:
            await fd.stop()
    finally:
        if keep is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return results


def _load() -> str:
    """The machine's 1-minute load average (a shared machine: read the figures with it)."""
    return f"{os.getloadavg()[0]:.1f}"


async def _operations(b: Bench, reps: int, only: set[str] | None = None) -> dict[str, Result]:
    month = {"from": "2026-01-01T00:00:00Z", "before": "2026-02-01T00:00:00Z"}
    start = date(2026, 1, 1).isoformat()

    def q(query: str, line: str | None = None, **extra: Any) -> Callable[[int], Awaitable[Any]]:
        async def run(i: int) -> Any:
            site = b.site(i) if line is None else line_sites(b.sizes, line)[i % b.sizes.sites]
            variables: dict[str, Any] = {"site": str(site)}
            for key, value in extra.items():
                variables[key] = value(b, site, i) if callable(value) else value
            return await b.gql(query, variables)

        return run

    week = {"from": "2025-06-02", "to": "2025-06-08"}
    staff = lambda b, site, i: str(b.staff_of(site, i))  # noqa: E731
    customer = lambda b, site, i: str(site)  # noqa: E731 - the site's first customer
    phone = lambda b, site, i: f"+86138{site + b.sizes.sites * (i % 50):08d}"  # noqa: E731
    deep = lambda b, site, i: _deep_cursor(b, site)  # noqa: E731
    ops: list[tuple[str, Callable[[int], Awaitable[Any]]]] = [
        ("visits page 1", q(VISITS)),
        ("visits deep page (after)", q(VISITS, after=deep)),
        ("visits counted: false", q(VISITS, counted=False)),
        ("visits receiverId", q(VISITS, receiver=staff)),
        ("visits customerId", q(VISITS, customer=customer)),
        ("visits one-month range", q(VISITS, **{k: v for k, v in month.items()})),
        ("customers", q(CUSTOMERS)),
        ("customers nameContains rare (6)", q(CUSTOMERS, name="qqqzzz")),
        ("customers nameContains common (5)", q(CUSTOMERS, name="Zhang")),
        ("customers nameContains short (2)", q(CUSTOMERS, name="Zh")),
        ("customers customerClass A", q(CUSTOMERS, **{"class": "A"})),
        ("customers ownerStaffId", q(CUSTOMERS, owner=staff)),
        ("customers phone", q(CUSTOMERS_PHONE, phone=phone)),
        ("staff", q(STAFF)),
        ("complaints", q(COMPLAINTS)),
        ("complaints status RECEIVED", q(COMPLAINTS, status="RECEIVED")),
        ("complaints severity MAJOR", q(COMPLAINTS, severity="MAJOR")),
        ("complaints handlerId", q(COMPLAINTS, handler=staff)),
        ("penalties", q(PENALTIES)),
        ("penalties staffId", q(PENALTIES, staff=staff)),
        ("overdueComplaints", q(OVERDUE)),
        ("complaintStatistics (month)", q(STATISTICS, start=start)),
        ("checkInVisit", q(CHECK_IN)),
        ("fileComplaint", q(FILE, taker=staff)),
        ("subscription resume (1 site, 500)", _resume(b)),
        ("shifts (a week)", q(SHIFTS, **week)),
        ("shiftSwaps", q(SWAPS)),
        ("attendance (a week)", q(ATTENDANCE, **week)),
        ("leaveRequests (a month)", q(LEAVE, **{"from": "2025-06-01", "to": "2025-06-30"})),
        (
            "appointments (a month)",
            q(APPOINTMENTS, **{"from": "2025-06-01T00:00:00Z", "to": "2025-07-01T00:00:00Z"}),
        ),
        ("bookings (a day)", q(BOOKINGS, day="2025-06-10")),
        ("penalties rule C-14", q(PENALTIES_RULE, rule="C-14")),
        ("penalties rule C-3 (1 in 97)", q(PENALTIES_RULE, rule="C-3")),
        ("fitnessSales (a month)", q(FITNESS_SALES, "fitnessclub", month="2025-06-10")),
        ("fitnessClaims (a sale)", q(FITNESS_CLAIMS, sale=lambda b, site, i: str(10 * (i + 1)))),
        ("propertyUnits", q(PROPERTY_UNITS, "property")),
        ("propertyVisitors", q(PROPERTY_VISITORS, "property")),
        ("propertySurveyOpinions", q(PROPERTY_SURVEYS, "property")),
        ("propertySurveyOpinions open", q(PROPERTY_SURVEYS, "property", open=True)),
        ("propertyPaidServices", q(PROPERTY_PAID, "property")),
        ("propertyPaidServices pending", q(PROPERTY_PAID, "property", pending=True)),
        ("ktvOverdueKnowledgeChecks", q(KTV_CHECKS, "ktv")),
    ]
    results = {}
    for name, make in ops:
        if only is not None and name not in only:
            continue
        if name in WRITES:
            # At the first 10 sites at both sizes, each warmed once: a site's first check-in
            # of the day also starts its rotation day (more statements, once per site and day).
            result = await b.measure(name, _at_ten(make), reps, warm=10)
        else:
            result = await b.measure(name, make, reps, explain=True)
        if result is not None:
            results[name] = result
    return results


WRITES = {"checkInVisit", "fileComplaint"}


def _at_ten(make: Callable[[int], Awaitable[Any]]) -> Callable[[int], Awaitable[Any]]:
    async def run(i: int) -> Any:
        return await make(i % 10)

    return run


def _resume(b: Bench) -> Callable[[int], Awaitable[Any]]:
    from core.graphql.subscriptions import load_events

    async def run(i: int) -> Any:
        # The stored page a complaintUpdates(siteId) subscription reads when it resumes.
        return await load_events(b.fd, "complaints", 0, 500, b.site(i))

    return run


async def _sweeps(
    b: Bench, reps: int, backlog: int, only: set[str] | None = None, writes_alone: int = 100
) -> dict[str, Result]:
    from core.services import complaints as svc

    batched = getattr(svc, "sweep_overdue_in_batches", None)

    async def sweep(now: datetime) -> int:
        if batched is not None:
            return await batched(b.fd.write, now)
        async with b.fd.write() as s:  # before issue 13: one transaction
            return len(await svc.sweep_overdue(s, now))

    results = {}
    if only is None or "overdue sweep (nothing due)" in only:
        steady = await b.measure(
            "overdue sweep (nothing due)", lambda i: sweep(datetime.now(UTC)), max(3, reps // 4)
        )
        if steady is not None:
            results[steady.name] = steady
    if (only is not None and "backlog" not in only) or backlog <= 0:
        return results
    # A backlog: ``backlog`` received complaints whose first response is overdue, at every
    # site but ``other``, where writes go on during the sweep.
    other = 2 if b.sizes.sites > 1 else 1
    async with b.fd.db.read() as s:
        available = await s.scalar(
            text("SELECT count(*) FROM complaints WHERE site_id <> :other"), {"other": other}
        )
    if available < backlog:
        print(f"  backlog sweep: skipped ({available:,} complaints < {backlog:,})", flush=True)
        return results
    # This process now writes as a serving process does: with the GC thresholds its lifespan
    # sets (core/app.py); with the interpreter's defaults a full collection walks the schema's
    # and mappers' objects (~100 ms of CPU) every few thousand marks, sweep or no sweep.
    from core.graphql.subscriptions import tune_gc_for_long_lived_connections

    tune_gc_for_long_lived_connections()
    writes: dict[str, Callable[[], Awaitable[Any]]] = {
        "fileComplaint": lambda: b.gql(FILE, {"site": str(other), "taker": str(b.staff_of(other))}),
        "checkInVisit": lambda: b.gql(CHECK_IN, {"site": str(other)}),
    }
    usual: dict[str, float] = {}
    quiet: dict[str, list[float]] = {kind: [] for kind in writes}
    for _ in range(writes_alone):  # each write's latency at the other site, no sweep
        for kind, write in writes.items():
            t = time.perf_counter()
            await write()
            quiet[kind].append((time.perf_counter() - t) * 1000)
    for kind, latencies in quiet.items():
        latencies.sort()
        usual[kind] = statistics.median(latencies)
        print(
            f"  {kind} at the other site, no sweep: {len(latencies)}, p50 {usual[kind]:.1f} ms,"
            f" p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms, max {latencies[-1]:.1f} ms"
            f" (load {_load()})",
            flush=True,
        )
    async with b.fd.db.read() as s:
        last_event = await s.scalar(text("SELECT coalesce(max(id), 0) FROM events"))
        last_entry = await s.scalar(text("SELECT coalesce(max(id), 0) FROM complaint_history"))
    try:
        for mode in ("own process", "in process"):
            await _make_backlog(b, other, backlog)
            results.update(await _backlog_sweep(b, mode, writes, usual, sweep))
    finally:
        await _restore_backlog(b, other, backlog, last_event, last_entry)
    return results


async def _restore_backlog(
    b: Bench, other: int, backlog: int, last_event: int, last_entry: int
) -> None:
    """The backlog's complaints as seeded (bench/scale_data.py) and its overdue events and
    history gone: a kept database (``--keep``) measures the same data next time."""
    async with b.fd.db.transaction() as s:
        await s.execute(text("DELETE FROM complaint_history WHERE id > :n"), {"n": last_entry})
        await s.execute(
            text("DELETE FROM events WHERE id > :n AND type = 'complaint.overdue'"),
            {"n": last_event},
        )
        await s.execute(
            text(
                "UPDATE complaints SET first_response_overdue_at = NULL,"
                " resolution_overdue_at = NULL,"
                " status = CASE WHEN id % 50 = 0 THEN 'received' ELSE 'closed' END,"
                " first_response_due = CASE WHEN id % 50 = 0 THEN now() + interval '30 days'"
                " ELSE filed_at + interval '1 day' END,"
                " resolution_due = CASE WHEN id % 50 = 0 THEN now() + interval '60 days'"
                " ELSE filed_at + interval '3 days' END,"
                " closed_at = CASE WHEN id % 50 = 0 THEN NULL ELSE filed_at + interval '2 days'"
                " END"
                " WHERE id IN (SELECT id FROM complaints WHERE site_id <> :other ORDER BY id"
                " LIMIT :n)"
            ),
            {"n": backlog, "other": other},
        )
    async with b.fd.db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("complaints", "events", "complaint_history"):
            await autocommit.execute(text(f"VACUUM ANALYZE {table}"))


async def _make_backlog(b: Bench, other: int, backlog: int) -> None:
    """``backlog`` received complaints whose first response is overdue, at every site but
    ``other``."""
    async with b.fd.db.transaction() as s:
        await s.execute(
            text(
                "UPDATE complaints SET status = 'received', first_response_due = now()"
                " - interval '1 hour', first_response_overdue_at = NULL, resolution_due = now()"
                " + interval '30 days', resolution_overdue_at = NULL, closed_at = NULL"
                " WHERE id IN (SELECT id FROM complaints WHERE site_id <> :other ORDER BY id"
                " LIMIT :n)"
            ),
            {"n": backlog, "other": other},
        )
        await s.execute(text("ANALYZE complaints"))


async def _backlog_sweep(
    b: Bench,
    mode: str,
    writes: dict[str, Callable[[], Awaitable[Any]]],
    usual: dict[str, float],
    sweep: Callable[[datetime], Awaitable[int]],
) -> dict[str, Result]:
    """Sweep the backlog (in its own process, as another server process's periodic sweep
    would, or in this one, as this server process's own would: then the writes share its
    event loop) while this process writes at the other site one write after the other."""
    # Every connection of this process waits at most 100 ms for a lock from now on: a write
    # that waited longer for one the sweep holds fails (counted below) instead of being slow.
    # What delay remains is the shared cores (and in process, the shared event loop).
    event.listen(b.fd.db.engine.sync_engine, "connect", _lock_timeout)
    await b.fd.db.engine.dispose()
    async with b.fd.db.read() as s:
        assert await s.scalar(text("SHOW lock_timeout")) == "100ms"
    lock_waits = 0
    during: dict[str, list[float]] = {kind: [] for kind in writes}
    load_before = _load()
    stalls: list[float] = []
    cpu_stalls: list[float] = []
    if mode == "own process":
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SWEEPER,
            b.url,
            cwd=os.getcwd(),
            env={**os.environ, "PYTHONPATH": os.getcwd()},
            stdout=asyncio.subprocess.PIPE,
        )
        task = asyncio.create_task(proc.stdout.read())  # type: ignore[union-attr]
    else:
        started = time.perf_counter()

        async def in_process() -> bytes:
            marked = await sweep(datetime.now(UTC))
            took = time.perf_counter() - started
            return f"{marked} {took} 0".encode()

        async def ticker() -> None:  # the event loop's longest stall while the sweep runs
            while True:
                t, cpu = time.perf_counter(), time.process_time()
                await asyncio.sleep(0.005)
                stalls.append((time.perf_counter() - t) * 1000 - 5)
                # The CPU this process spent meanwhile: the stall's own cost, which the
                # other jobs on the shared cores stretch in wall time.
                cpu_stalls.append((time.process_time() - cpu) * 1000)

        task = asyncio.create_task(in_process())
        ticking = asyncio.create_task(ticker())
    while not task.done():
        for kind, write in writes.items():
            t = time.perf_counter()
            try:
                await write()
            except Exception as exc:  # noqa: BLE001 - counted: a lock wait over 100 ms
                lock_waits += 1
                print(f"  {kind} failed during the sweep: {str(exc)[:120]}", flush=True)
                continue
            during[kind].append((time.perf_counter() - t) * 1000)
    if mode == "own process":
        await proc.wait()
    else:
        ticking.cancel()
    event.remove(b.fd.db.engine.sync_engine, "connect", _lock_timeout)
    await b.fd.db.engine.dispose()
    marked_text, took_text, rss_text = (await task).decode().split()
    marked, took = int(marked_text), float(took_text) * 1000
    extra = (
        f"sweeper peak RSS {int(rss_text) // 1024} MiB"
        if mode == "own process"
        else f"event loop's longest stall {max(stalls):.1f} ms wall, {max(cpu_stalls):.1f} ms"
        " of this process's CPU"
    )
    print(
        f"  backlog sweep ({mode}): {marked:,} marks in {took / 1000:.1f} s ({extra};"
        f" load {load_before} → {_load()}); writes that waited over 100 ms for a lock: "
        f"{lock_waits}",
        flush=True,
    )
    results = {}
    name = f"backlog sweep, {mode} (s)"
    results[name] = Result(name, took / 1000, took / 1000, 0)
    for kind, latencies in during.items():
        latencies.sort()
        delays = [t - usual[kind] for t in latencies]
        p95 = delays[min(len(delays) - 1, int(len(delays) * 0.95))]
        print(
            f"  {kind} at another site during the sweep ({mode}): {len(latencies)}, p50"
            f" {statistics.median(latencies):.1f} ms, max {latencies[-1]:.1f} ms (usual p50"
            f" {usual[kind]:.1f} ms): delay p50 {statistics.median(delays):.1f} ms, p95"
            f" {p95:.1f} ms, max {delays[-1]:.1f} ms",
            flush=True,
        )
        name = f"{kind} delay during sweep, {mode} (p50 / max)"
        results[name] = Result(name, statistics.median(delays), delays[-1], 0)
    return results


def _lock_timeout(dbapi_connection: Any, _record: Any) -> None:
    # On the driver's connection itself: through the adapted cursor it would be inside a
    # transaction, and the pool's rollback would undo it.
    dbapi_connection.run_async(lambda conn: conn.execute("SET lock_timeout = '100ms'"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--backlog", type=int, default=13_000)
    parser.add_argument("--label", default="after")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="seed each size once into frontdesk_scale_<size> and keep it (later runs reuse it)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated operation names to measure (default: all); 'backlog' for the"
        " backlog sweep",
    )
    args = parser.parse_args()
    names = args.sizes.split(",")
    only = set(args.only.split(",")) if args.only else None
    runs = {}
    for size in names:
        runs[size] = asyncio.run(
            run_size(
                f"{args.label} {size}",
                SIZES[size],
                args.reps,
                args.backlog,
                keep=f"frontdesk_scale_{size}" if args.keep else None,
                only=only,
            )
        )
    if len(names) == 2:
        small, large = (runs[n] for n in names)
        print(
            f"\n| operation ({args.label}) | {names[0]} p50 / p95 ms | {names[1]} p50 / p95 ms "
            "| SQL/req | growth (p50) | db ms p50 | growth (db) | buffers | growth (buffers) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, r in small.items():
            big = large.get(name)
            if big is None:
                continue
            growth = big.p50 / r.p50 if r.p50 else float("nan")
            db_growth = big.db_p50 / r.db_p50 if r.db_p50 else float("nan")
            if r.buffers is not None and big.buffers is not None:
                buffers = f"{r.buffers} → {big.buffers}"
                buffer_growth = f"{big.buffers / r.buffers:.2f}" if r.buffers else "—"
            else:
                buffers = buffer_growth = "—"
            print(
                f"| {name} | {r.p50:.2f} / {r.p95:.2f} | {big.p50:.2f} / {big.p95:.2f} "
                f"| {r.statements:.0f} → {big.statements:.0f} | {growth:.2f} "
                f"| {r.db_p50:.2f} → {big.db_p50:.2f} | {db_growth:.2f} "
                f"| {buffers} | {buffer_growth} |"
            )


if __name__ == "__main__":
    main()
