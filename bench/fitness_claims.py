"""The fitness club's speed promises (issue 14), measured in process through the real schema.

    .venv/bin/python -m bench.fitness_claims [--db sqlite|postgres] [--claims 20] [--history 100000]

1. **A claim reads only the customer's own evidence.** A fresh database (real migrations, the
   fitness-club line enabled) with one club, 50 consultants and 100 prior follow-up sheets on
   other customers; then ``--claims`` contested sales (a sheet by one consultant, a check-in and
   a sale by another, all through GraphQL) each claimed with ``claimSale``: SQL statements and
   milliseconds per claim. The history then grows to ``--history`` prior sheets (bulk insert,
   spread over 10,000 other customers) and the same is measured again: the statements must be
   equal.
2. **A month's attribution report in one request, without N+1.** 5,000 card sales of one month
   spread over the 50 consultants (a fifth split half and half, bulk insert), then
   ``fitnessMonthReport`` (one line per consultant: shares, follow-up rights, fines) and
   ``fitnessSales`` (all 5,000 sales): statements, milliseconds (median of 5) and bytes; and
   the report again at 500 sales, whose statement count must be the same.

The clock is fixed (2026-11-24 10:00 Asia/Shanghai), the actor an admin. Exit status 0 when
the statement counts hold. Timings depend on the machine and its load (it is shared): compare
figures from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from sqlalchemy import delete, event, insert  # noqa: E402

from bench.common import all_plugins_host, fresh_database, pg_reachable  # noqa: E402
from core import migrate  # noqa: E402
from core.auth import Actor, Role  # noqa: E402
from core.graphql.context import Context  # noqa: E402
from core.models import Customer, Staff  # noqa: E402
from core.runtime import Frontdesk  # noqa: E402
from core.services.directory import create_site  # noqa: E402
from core.services.plugin_state import set_plugin_enabled  # noqa: E402
from core.settings import Settings  # noqa: E402
from plugins.fitnessclub.models import CardSale, FollowUpSheet  # noqa: E402
from schema.build import build_schema  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
ADMIN = Actor(role=Role.ADMIN, name="bench admin")
CONSULTANTS = 50
HISTORY_CUSTOMERS = 10_000
SALES = 5_000

SHEET = """mutation($input: RecordFollowUpSheetInput!) { recordFollowUpSheet(input: $input) {
  sheet { id } userErrors { field message code } } }"""
CHECK_IN = """mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { id }
      userErrors { field message code } } }"""
SALE = """mutation($input: RecordCardSaleInput!) { recordCardSale(input: $input) { sale { id }
  userErrors { field message code } } }"""
REGISTER = """mutation($s: ID!, $n: String!, $p: String) {
  registerCustomer(input: {siteId: $s, name: $n, phone: $p}) { customer { id } userErrors { field
    message code } } }"""
CLAIM = """mutation($sale: ID!, $who: ID!) { claimSale(input: {saleId: $sale, claimantId: $who})
  { result {
  claim { outcome evidence decision { rule message } } sale { shares { staffId share } } }
    userErrors { field message code } } }"""
REPORT = """query($s: ID!) { fitnessMonthReport(siteId: $s, month: "2026-11-01") {
  sales totalPrice lines { staffId name sales wholeSales halfSales totalShare followUpRights
  fines totalFines } } }"""
MONTH_SALES = """query($s: ID!) { fitnessSales(siteId: $s, month: "2026-11-01") { id closerId
  followUpHolderId shares { staffId share } decision { rule message } } }"""


class Bench:
    def __init__(self, fd: Frontdesk) -> None:
        self.fd = fd
        self.statements: list[str] | None = None
        event.listen(fd.db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        if self.statements is not None:
            self.statements.append(args[2])

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements = []
        try:
            yield self.statements
        finally:
            self.statements = None

    async def run(self, query: str, variables: dict[str, Any], now: datetime = NOW) -> Any:
        result = await self.fd.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(app=self.fd, fixed_now=now, actor=ADMIN),
        )
        if result.errors:
            raise RuntimeError([e.formatted for e in result.errors])
        return result.data


async def setup(url: str) -> tuple[Frontdesk, int, list[int]]:
    migrate.upgrade(url, all_plugins_host())
    fd = Frontdesk(Settings(database_url=url), schema_factory=build_schema)
    await fd.start(watch=False)
    async with fd.write() as s:
        await set_plugin_enabled(s, fd.host, "fitnessclub", True, datetime.now(UTC))
    await fd.refresh_plugins()
    async with fd.write() as s:
        site = await create_site(
            s,
            fd.host,
            name="Bench Club",
            business_line="fitnessclub",
            timezone="Asia/Shanghai",
            calendar_region="CN",
            now=NOW - timedelta(days=90),
        )
        site_id = site.id
    created = NOW - timedelta(days=90)
    async with fd.write() as s:
        await s.execute(
            insert(Staff.__table__),
            [
                {
                    "site_id": site_id,
                    "name": f"Consultant {i:02d}",
                    "role": "membership_consultant",
                    "employment_status": "active",
                    "phone": None,
                    "joined_on": None,
                    "created_at": created,
                }
                for i in range(1, CONSULTANTS + 1)
            ],
        )
        await s.execute(
            insert(Customer.__table__),
            [
                {
                    "site_id": site_id,
                    "name": f"History {i:05d}",
                    "phone": f"+86137{i:08d}",
                    "customer_class": "D",
                    "group_id": None,
                    "owner_staff_id": None,
                    "created_at": created,
                }
                for i in range(1, HISTORY_CUSTOMERS + 1)
            ],
        )
    async with fd.db.session() as s:
        from sqlalchemy import select

        staff = list(await s.scalars(select(Staff.id).where(Staff.site_id == site_id)))
    return fd, site_id, staff


async def grow_history(fd: Frontdesk, site_id: int, staff: list[int], total: int) -> int:
    """Prior follow-up sheets on the history customers up to ``total``; returns the count."""
    async with fd.db.session() as s:
        from sqlalchemy import func, select

        have = await s.scalar(select(func.count()).select_from(FollowUpSheet))
        first_customer = await s.scalar(
            select(func.min(Customer.id)).where(Customer.name.like("History %"))
        )
    assert have is not None and first_customer is not None
    rows = [
        {
            "site_id": site_id,
            "consultant_id": staff[i % len(staff)],
            "customer_id": first_customer + i % HISTORY_CUSTOMERS,
            "surname": "Ma",
            "phone": f"137{i % HISTORY_CUSTOMERS:08d}",
            "legible": True,
            "altered": False,
            "made_after_shown": False,
            "created_at": NOW - timedelta(days=60, minutes=i % 50_000),
        }
        for i in range(have, total)
    ]
    for start in range(0, len(rows), 10_000):
        async with fd.write() as s:
            await s.execute(insert(FollowUpSheet.__table__), rows[start : start + 10_000])
    return total


async def claims(bench: Bench, site: str, staff: list[int], count: int, tag: str) -> dict:
    """``count`` contested sales (sheet 11-20 by A, visit and sale 11-23 by B), each claimed on
    11-24 (day 2: the whole sale to A, FC-4): statements and ms per claimSale."""
    per_claim, timings, outcomes = [], [], set()
    for n in range(count):
        a, b = str(staff[n % len(staff)]), str(staff[(n + 1) % len(staff)])
        phone = f"139{tag}{n:07d}"[:11]
        customer = (await bench.run(REGISTER, {"s": site, "n": f"Claim {tag}{n}", "p": phone}))[
            "registerCustomer"
        ]["id"]
        sheet = {"siteId": site, "consultantId": a, "customerId": customer}
        sheet |= {"surname": "Liu", "phone": phone}
        await bench.run(SHEET, {"input": sheet}, datetime(2026, 11, 20, 9, tzinfo=TZ))
        visit = {"siteId": site, "customerId": customer, "fitnessclub": {"receiverId": b}}
        await bench.run(CHECK_IN, {"input": visit}, datetime(2026, 11, 23, 14, tzinfo=TZ))
        sale = {"siteId": site, "closerId": b, "buyerId": customer, "price": "3680.00"}
        sale |= {"surname": "Liu", "phone": phone}
        sold = await bench.run(SALE, {"input": sale}, datetime(2026, 11, 23, 15, tzinfo=TZ))
        variables = {"sale": sold["recordCardSale"]["sale"]["id"], "who": a}
        with bench.counting() as statements:
            started = time.perf_counter()
            decided = await bench.run(CLAIM, variables)
            timings.append((time.perf_counter() - started) * 1000)
        per_claim.append(len(statements))
        claim = decided["claimSale"]["result"]["claim"]
        outcomes.add((claim["outcome"], claim["decision"]["rule"]))
    return {
        "statements": sorted(set(per_claim)),
        "ms_median": statistics.median(timings),
        "ms_p90": sorted(timings)[int(len(timings) * 0.9) - 1] if timings else 0,
        "outcomes": sorted(outcomes),
    }


async def month_sales(fd: Frontdesk, site_id: int, staff: list[int], count: int) -> None:
    """``count`` card sales of November (ids of the history customers as buyers), replacing
    the bulk ones of an earlier call; every fifth split half and half."""
    async with fd.write() as s:
        await s.execute(delete(CardSale.__table__).where(CardSale.card_type == "bench"))
    async with fd.db.session() as s:
        from sqlalchemy import func, select

        first_customer = await s.scalar(
            select(func.min(Customer.id)).where(Customer.name.like("History %"))
        )
    assert first_customer is not None
    rows = []
    for i in range(count):
        closer = staff[i % len(staff)]
        other = staff[(i * 7 + 3) % len(staff)]
        half = i % 5 == 0 and other != closer
        shares = (
            [{"staff_id": other, "share": "0.5"}, {"staff_id": closer, "share": "0.5"}]
            if half
            else [{"staff_id": closer, "share": "1"}]
        )
        rows.append(
            {
                "site_id": site_id,
                "closer_id": closer,
                "buyer_id": first_customer + i % HISTORY_CUSTOMERS,
                "user_id": None,
                "kind": "new",
                "card_type": "bench",
                "price": Decimal("3680.00"),
                "phone": f"137{i % HISTORY_CUSTOMERS:08d}",
                "register_phone": None,
                "phone_fixed_at": None,
                "phone_fine_id": None,
                "group_size": 1,
                "valid_until": None,
                "registered": True,
                "sold_at": datetime(2026, 11, 1 + i % 22, 9, tzinfo=TZ) + timedelta(seconds=i),
                "shares": shares,
                "follow_up_holder_id": closer,
                "decision_rule": "FC-4" if half else "FC-8",
                "decision_message": "bench",
            }
        )
    async with fd.write() as s:
        await s.execute(insert(CardSale.__table__), rows)


async def measure(bench: Bench, query: str, site: str, rounds: int = 5) -> dict:
    timings, counts, size = [], set(), 0
    for _ in range(rounds):
        with bench.counting() as statements:
            started = time.perf_counter()
            data = await bench.run(query, {"s": site})
            timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(statements))
        size = len(orjson.dumps(data))
    return {
        "statements": sorted(counts),
        "ms_median": statistics.median(timings),
        "bytes": size,
        "data": data,
    }


async def main(kind: str, n_claims: int, history: int) -> int:
    ok = True
    with fresh_database(kind) as url:
        fd, site_id, staff = await setup(url)
        bench = Bench(fd)
        site = str(site_id)
        try:
            await grow_history(fd, site_id, staff, 100)
            small = await claims(bench, site, staff, n_claims, "1")
            await grow_history(fd, site_id, staff, history)
            large = await claims(bench, site, staff, n_claims, "2")
            print(f"database: {kind}; {CONSULTANTS} consultants; clock {NOW.isoformat()}")
            print("claimSale(对单), one decision per request:")
            for label, got in ((f"{100:>7,} prior sheets", small), (f"{history:>7,}", large)):
                print(
                    f"  {label}: statements {got['statements']}, "
                    f"{got['ms_median']:.1f} ms median, {got['ms_p90']:.1f} ms p90, "
                    f"outcomes {got['outcomes']}"
                )
            if small["statements"] != large["statements"] or len(small["statements"]) != 1:
                print("  FAIL: the statements per claim depend on the club's history")
                ok = False
            await month_sales(fd, site_id, staff, 500)
            few = await measure(bench, REPORT, site)
            await month_sales(fd, site_id, staff, SALES)
            report = await measure(bench, REPORT, site)
            listing = await measure(bench, MONTH_SALES, site)
            lines = report["data"]["fitnessMonthReport"]["lines"]
            total = report["data"]["fitnessMonthReport"]["sales"]
            print(f"fitnessMonthReport, {total:,} sales of November, {len(lines)} lines:")
            print(
                f"  statements {report['statements']} (at 500 sales: {few['statements']}), "
                f"{report['ms_median']:.0f} ms median, {report['bytes']:,} bytes"
            )
            print(f"fitnessSales, all {len(listing['data']['fitnessSales']):,} sales of November:")
            print(
                f"  statements {listing['statements']}, {listing['ms_median']:.0f} ms median, "
                f"{listing['bytes']:,} bytes"
            )
            if report["statements"] != few["statements"] or len(lines) != CONSULTANTS:
                print("  FAIL: the report's statements grow with the sales (N+1)")
                ok = False
        finally:
            await fd.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default=None)
    parser.add_argument("--claims", type=int, default=20)
    parser.add_argument("--history", type=int, default=100_000)
    args = parser.parse_args()
    chosen = args.db or ("postgres" if pg_reachable() else "sqlite")
    sys.exit(asyncio.run(main(chosen, args.claims, args.history)))
