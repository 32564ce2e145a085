"""Issue 12 foundation: departments and C-12 weekly statistics per department, rosters with
shifts crossing midnight (KTV-1, PM-1), who is on duty (PM-1) and C-15 shift swaps, with a
test line ("nightclub") whose business day runs to 06:00 and whose policy lowers the swap
limit through ``frontdesk_workforce_policy``."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from conftest import FIXED_NOW, Client
from helpers import add_staff, legacy, make_site
from sqlalchemy import create_engine, select, text

from core import migrate
from core.db import sync_url
from core.models import Event, Site
from core.plugin_api import PluginInfo, StaffRole, WorkforcePolicy, hookimpl
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services import complaints as complaint_service
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from core.testing import user_errors_of
from core.workforce_rules import (
    ShiftFacts,
    SwapFacts,
    in_a_row,
    on_duty,
    shift_window,
    swap_refusal,
)
from schema.build import build_schema

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


# --- pure rules ---------------------------------------------------------------------------


def test_KTV_1_and_PM_1_shifts_cross_midnight_in_the_sites_time_zone() -> None:
    # KTV-1: 19:30–02:00 on business day 11 Dec ends at 02:00 on the 12th.
    starts, ends = shift_window(date(2026, 12, 11), time(19, 30), time(2, 0), SHANGHAI)
    assert (starts, ends) == (sh(2026, 12, 11, 19, 30), sh(2026, 12, 12, 2, 0))
    assert ends - starts == timedelta(hours=6, minutes=30)
    # PM-1 night duty 20:00–08:00 is 12 hours in a zone without daylight saving …
    starts, ends = shift_window(date(2026, 11, 1), time(20), time(8), SHANGHAI)
    assert ends - starts == timedelta(hours=12)
    # … and 13 real hours over New York's fall-back night (1 Nov 2026, 02:00 → 01:00).
    starts, ends = shift_window(date(2026, 10, 31), time(20), time(8), NEW_YORK)
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == timedelta(hours=13)
    # A day shift does not cross midnight.
    starts, ends = shift_window(date(2026, 12, 11), time(8), time(20), SHANGHAI)
    assert ends.date() == starts.date() == date(2026, 12, 11)


def _shift(id: int, staff: int, day: date, start: int, end: int, **kw: Any) -> ShiftFacts:
    starts, ends = shift_window(day, time(start), time(end), SHANGHAI)
    return ShiftFacts(id, staff, day, starts, ends, **kw)


D = date(2026, 12, 7)  # a Monday


def test_PM_1_on_duty_start_inclusive_end_exclusive() -> None:
    night = _shift(1, 10, D, 20, 8)
    day = _shift(2, 11, D + timedelta(days=1), 8, 20)
    assert on_duty([night, day], sh(2026, 12, 8, 3)) == [night]
    assert on_duty([night, day], sh(2026, 12, 8, 8)) == [day]
    assert on_duty([night, day], sh(2026, 12, 7, 19, 59)) == []


def test_C_15_two_shifts_in_a_row_means_less_rest_than_the_policy() -> None:
    night = _shift(1, 10, D, 20, 8)
    next_day = _shift(2, 10, D + timedelta(days=1), 8, 20)
    day_after = _shift(3, 10, D + timedelta(days=2), 8, 20)
    assert in_a_row(night, next_day, timedelta(minutes=60))
    assert in_a_row(next_day, night, timedelta(minutes=60))  # order does not matter
    assert not in_a_row(night, day_after, timedelta(minutes=60))


def _refusal(**kw: Any) -> Any:
    args: dict[str, Any] = {
        "requester_id": 1,
        "counterpart_id": 2,
        "shift": _shift(10, 1, D, 8, 20),
        "payback": _shift(20, 2, D + timedelta(days=3), 8, 20),
        "requester_shifts": [],
        "counterpart_shifts": [],
        "other_swaps": [],
        "policy": WorkforcePolicy(),
        **kw,
    }
    return swap_refusal(**args)


def test_C_15_a_plain_swap_is_allowed() -> None:
    assert _refusal() is None


def test_C_15_refused_over_the_monthly_limit_of_either_party() -> None:
    earlier = [
        SwapFacts(i, 2, 9, date(2026, 12, 20 + 3 * i), date(2026, 12, 21 + 3 * i)) for i in range(3)
    ]
    refusal = _refusal(other_swaps=earlier)
    assert refusal.code == "SWAP_LIMIT_REACHED" and refusal.reason.rule == "C-15"
    assert "staff 2 already has 3 swaps in 2026-12" in refusal.reason.message
    # A line lowering the limit to 2 (seed 002 篇12) refuses the third.
    assert _refusal(other_swaps=earlier[:1]) is None
    lowered = WorkforcePolicy(swap_limit_per_month=2)
    assert _refusal(other_swaps=earlier[:2], policy=lowered).code == "SWAP_LIMIT_REACHED"
    # Swaps of another month do not count.
    november = [
        SwapFacts(i, 2, 9, date(2026, 11, 3 + 3 * i), date(2026, 11, 4 + 3 * i)) for i in range(3)
    ]
    assert _refusal(other_swaps=november) is None


def test_C_15_refused_for_consecutive_swaps() -> None:
    yesterday = SwapFacts(5, 1, 7, D - timedelta(days=1), D - timedelta(days=9))
    refusal = _refusal(other_swaps=[yesterday])
    assert refusal.code == "SWAP_CONSECUTIVE" and refusal.reason.rule == "C-15"
    two_days_before = SwapFacts(5, 1, 7, D - timedelta(days=2), D - timedelta(days=9))
    assert _refusal(other_swaps=[two_days_before]) is None


def test_C_15_refused_when_either_party_would_work_two_shifts_in_a_row() -> None:
    # The requester takes the counterpart's day shift right after their own night shift.
    own_night = _shift(11, 1, D + timedelta(days=2), 20, 8)
    refusal = _refusal(requester_shifts=[own_night])
    assert refusal.code == "SWAP_SHIFTS_IN_A_ROW" and refusal.reason.rule == "C-15"
    assert "staff 1" in refusal.reason.message
    # The counterpart would work the given day shift before their own night shift.
    their_night = _shift(21, 2, D, 20, 8)
    assert _refusal(counterpart_shifts=[their_night]).code == "SWAP_SHIFTS_IN_A_ROW"
    # The shift given away does not count against its former holder.
    assert _refusal(requester_shifts=[_shift(10, 1, D, 8, 20)]) is None


def test_C_15_refused_for_public_holiday_duty() -> None:
    holiday = _shift(10, 1, D, 8, 20, public_holiday=True)
    refusal = _refusal(shift=holiday)
    assert refusal.code == "SWAP_HOLIDAY_DUTY" and refusal.reason.rule == "C-15"
    payback = _shift(20, 2, D + timedelta(days=3), 8, 20, public_holiday=True)
    assert _refusal(payback=payback).code == "SWAP_HOLIDAY_DUTY"


# --- a test line ----------------------------------------------------------------------------


class NightClub:
    """KTV-like: the business day runs until 06:00 (KTV-1); two swaps a month (seed 002 篇12)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            code="nightclub", name="Night club", version="1", business_line="nightclub"
        )

    @hookimpl
    def frontdesk_staff_roles(self) -> list[StaffRole]:
        return [StaffRole("duty_director", "Duty director")]

    @hookimpl
    def frontdesk_business_date(
        self, site: Site, moment: datetime, settings: Mapping[str, Any]
    ) -> date:
        local = moment.astimezone(ZoneInfo(site.timezone))
        return (local - timedelta(hours=6)).date()

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        return dataclasses.replace(policy, swap_limit_per_month=2)


@pytest.fixture
async def app(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    fd = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[NightClub()]),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        for name in ("realestate", "nightclub"):
            await set_plugin_enabled(s, fd.host, name, True, FIXED_NOW)
    await fd.start(watch=False)
    yield fd
    await fd.stop()


SCHEDULE = """mutation($i: ScheduleShiftInput!) { scheduleShift(input: $i) { shift {
  id staffId businessDate startsAt endsAt dutyRole } userErrors { field message code } } }"""
ON_DUTY = """query($s: ID!, $at: DateTime!, $r: String) { onDuty(siteId: $s, at: $at, role: $r) {
  staff { name } shift { dutyRole businessDate } } }"""
REQUEST = """mutation($i: RequestShiftSwapInput!) { requestShiftSwap(input: $i) { swap { id
  status } userErrors { field message code } } }"""
AGREE = """mutation($w: ID!, $s: ID!) { agreeShiftSwap(input: {swapId: $w, actingStaffId: $s}) {
  swap { status } userErrors { field message code } } }"""
APPROVE = """mutation($i: ApproveShiftSwapInput!) { approveShiftSwap(input: $i) { swap {
  status decidedById decision { rule message } } userErrors { field message code } } }"""
REFUSE = """mutation($i: RefuseShiftSwapInput!) { refuseShiftSwap(input: $i) { swap {
  status decision { rule message } } userErrors { field message code } } }"""
SHIFTS = """query($s: ID!, $f: Date!, $t: Date!) { shifts(siteId: $s, fromDate: $f, toDate: $t) {
  nodes { id staffId businessDate } } }"""


async def _schedule(
    client: Client, staff: str, day: str, start: str, end: str, role: str | None = None
) -> dict[str, Any]:
    i = {"staffId": staff, "businessDate": day, "start": start, "end": end, "dutyRole": role}
    return (await client.data(SCHEDULE, {"i": i}))["scheduleShift"]["shift"]


async def test_PM_1_night_duty_manager_on_duty_at_a_moment(app: Frontdesk) -> None:
    client = Client(app)
    site = await make_site(client, "Harbour Towers")
    zhou = await add_staff(client, site, "Zhou", "night_duty_manager")
    desk = await add_staff(client, site, "Desk", "front_desk")
    night = await _schedule(client, zhou, "2026-12-07", "20:00", "08:00")
    assert night["dutyRole"] == "night_duty_manager"  # by default the staff role
    assert night["endsAt"].startswith("2026-12-08T00:00:00")  # 08:00 Shanghai, in UTC
    await _schedule(client, desk, "2026-12-08", "08:00", "20:00")
    at_three = await client.data(
        ON_DUTY, {"s": site, "at": "2026-12-08T03:00:00+08:00", "r": "night_duty_manager"}
    )
    assert at_three["onDuty"] == [
        {
            "staff": {"name": "Zhou"},
            "shift": {"dutyRole": "night_duty_manager", "businessDate": "2026-12-07"},
        }
    ]
    at_eight = await client.data(ON_DUTY, {"s": site, "at": "2026-12-08T08:00:00+08:00"})
    assert [d["staff"]["name"] for d in at_eight["onDuty"]] == ["Desk"]
    nobody = await client.data(
        ON_DUTY, {"s": site, "at": "2026-12-08T08:00:00+08:00", "r": "night_duty_manager"}
    )
    assert nobody["onDuty"] == []
    # The same person cannot work two overlapping shifts.
    error = await client.error(
        SCHEDULE,
        {"i": {"staffId": zhou, "businessDate": "2026-12-08", "start": "07:00", "end": "12:00"}},
    )
    assert error.extensions["code"] == "SHIFT_OVERLAP"
    unknown = await client.error(
        SCHEDULE,
        {
            "i": {
                "staffId": desk,
                "businessDate": "2026-12-09",
                "start": "08:00",
                "end": "20:00",
                "dutyRole": "astronaut",
            }
        },
    )
    assert unknown.extensions["code"] == "UNKNOWN_ROLE"


async def test_KTV_1_shift_on_the_lines_business_day(app: Frontdesk) -> None:
    client = Client(app)
    site = await make_site(client, "Starlight KTV", "nightclub")
    host = await add_staff(client, site, "Xu", "duty_director")
    await _schedule(client, host, "2026-12-11", "19:30", "02:00")
    late = await client.data(ON_DUTY, {"s": site, "at": "2026-12-12T01:30:00+08:00"})
    assert late["onDuty"] == [
        {
            "staff": {"name": "Xu"},
            "shift": {"dutyRole": "duty_director", "businessDate": "2026-12-11"},
        }
    ]
    # 03:00 on the 12th belongs to business day 11 (KTV-1): not a shift of the 12th.
    error = await client.error(
        SCHEDULE,
        {"i": {"staffId": host, "businessDate": "2026-12-12", "start": "03:00", "end": "05:00"}},
    )
    assert error.extensions["code"] == "SHIFT_OUTSIDE_BUSINESS_DAY"
    assert "2026-12-11" in error.message


async def _swap_pair(client: Client, site: str) -> dict[str, str]:
    a = await add_staff(client, site, "Ann", "front_desk")
    b = await add_staff(client, site, "Bo", "front_desk")
    boss = await add_staff(client, site, "Boss", "department_manager")
    return {"a": a, "b": b, "boss": boss}


async def test_C_15_swap_requested_agreed_approved_moves_the_shifts(app: Frontdesk) -> None:
    client = Client(app)
    site = await make_site(client, "Harbour Towers")
    p = await _swap_pair(client, site)
    given = await _schedule(client, p["a"], "2026-12-09", "08:00", "20:00")
    payback = await _schedule(client, p["b"], "2026-12-12", "08:00", "20:00")
    swap = (
        await client.data(
            REQUEST,
            {
                "i": {
                    "actingStaffId": p["a"],
                    "shiftId": given["id"],
                    "counterpartId": p["b"],
                    "paybackShiftId": payback["id"],
                    "reason": "family visit",
                }
            },
        )
    )["requestShiftSwap"]["swap"]
    assert swap["status"] == "REQUESTED"
    # Only the counterpart agrees; nobody approves before both agreed.
    wrong = await client.error(AGREE, {"w": swap["id"], "s": p["boss"]})
    assert wrong.extensions["code"] == "NOT_THE_COUNTERPART"
    early = await client.error(APPROVE, {"i": {"swapId": swap["id"], "actingStaffId": p["boss"]}})
    assert early.extensions["code"] == "SWAP_WRONG_STATUS"
    assert (await client.data(AGREE, {"w": swap["id"], "s": p["b"]}))["agreeShiftSwap"]["swap"] == {
        "status": "AGREED"
    }
    # A party cannot approve their own swap.
    own = await client.error(APPROVE, {"i": {"swapId": swap["id"], "actingStaffId": p["a"]}})
    assert own.extensions["code"] == "NOT_A_SWAP_APPROVER"
    approved = (
        await client.data(APPROVE, {"i": {"swapId": swap["id"], "actingStaffId": p["boss"]}})
    )["approveShiftSwap"]["swap"]
    assert approved["status"] == "APPROVED" and approved["decision"]["rule"] == "C-15"
    assert approved["decidedById"] == p["boss"]
    roster = await client.data(SHIFTS, {"s": site, "f": "2026-12-01", "t": "2026-12-31"})
    held = {r["id"]: r["staffId"] for r in roster["shifts"]["nodes"]}
    assert held == {given["id"]: p["b"], payback["id"]: p["a"]}
    async with app.db.session() as s:
        types = (await s.scalars(select(Event.type).where(Event.stream == "workforce"))).all()
    assert list(types) == ["shift_swap.requested", "shift_swap.agreed", "shift_swap.approved"]


def _user_refusal(result: Any) -> Any:
    """The first user error of a refused mutation (issue 17: a refusal is data, not an error)."""
    assert not result.errors, result.errors
    refused = user_errors_of(result.data)
    assert refused, result.data
    return refused[0]


async def test_C_15_refusals_write_nothing_and_name_the_rule(app: Frontdesk) -> None:
    client = Client(app)
    site = await make_site(client, "Harbour Towers")
    p = await _swap_pair(client, site)

    async def request(day_a: str, day_b: str, night_b: bool = False) -> Any:
        given = await _schedule(client, p["a"], day_a, "08:00", "20:00")
        start, end = ("20:00", "08:00") if night_b else ("08:00", "20:00")
        payback = await _schedule(client, p["b"], day_b, start, end)
        return await client.execute(
            REQUEST,
            {
                "i": {
                    "actingStaffId": p["a"],
                    "shiftId": given["id"],
                    "counterpartId": p["b"],
                    "paybackShiftId": payback["id"],
                }
            },
        )

    # Public-holiday duty (1 January is a public holiday in CN).
    holiday = await request("2027-01-01", "2027-01-05")
    assert _user_refusal(holiday).extensions["code"] == "SWAP_HOLIDAY_DUTY"
    assert "C-15" in _user_refusal(holiday).message
    # Two shifts in a row: Ann would work Bo's night of the 8th right after… her own day.
    await _schedule(client, p["a"], "2026-12-08", "08:00", "20:00")
    in_a_row_ = await request("2026-12-03", "2026-12-08", night_b=True)
    assert _user_refusal(in_a_row_).extensions["code"] == "SWAP_SHIFTS_IN_A_ROW"
    # Consecutive swaps: one on the 14th, then another on the 15th.
    assert not user_errors_of((await request("2026-12-14", "2026-12-20")).data)
    consecutive = await request("2026-12-15", "2026-12-26")
    assert _user_refusal(consecutive).extensions["code"] == "SWAP_CONSECUTIVE"
    async with app.db.session() as s:
        count = (await s.execute(text("select count(*) from shift_swaps"))).scalar_one()
    assert count == 1


async def test_C_15_a_line_lowers_the_monthly_limit_through_the_chain_hook(
    app: Frontdesk,
) -> None:
    client = Client(app)
    site = await make_site(client, "Starlight KTV", "nightclub")
    p = await _swap_pair(client, site)
    results = []
    for day_a, day_b in (
        ("2026-12-02", "2026-12-05"),
        ("2026-12-10", "2026-12-13"),
        ("2026-12-18", "2026-12-22"),
    ):
        given = await _schedule(client, p["a"], day_a, "19:30", "02:00")
        payback = await _schedule(client, p["b"], day_b, "19:30", "02:00")
        results.append(
            await client.execute(
                REQUEST,
                {
                    "i": {
                        "actingStaffId": p["a"],
                        "shiftId": given["id"],
                        "counterpartId": p["b"],
                        "paybackShiftId": payback["id"],
                    }
                },
            )
        )
    assert [bool(user_errors_of(r.data)) for r in results] == [False, False, True]
    refusal = _user_refusal(results[2])
    assert refusal.extensions["code"] == "SWAP_LIMIT_REACHED"
    assert "at most 2 swaps per person per month" in refusal.message
    # A refused entry no longer counts: the manager refuses one, the third fits.
    swaps = await client.data(
        "query($s: ID!) { shiftSwaps(siteId: $s) { nodes { id } } }", {"s": site}
    )
    last = swaps["shiftSwaps"]["nodes"][0]["id"]
    refused = await client.data(
        REFUSE,
        {"i": {"swapId": last, "actingStaffId": p["boss"], "reason": "short-handed that week"}},
    )
    assert refused["refuseShiftSwap"]["swap"]["status"] == "REFUSED"
    given = await _schedule(client, p["a"], "2026-12-27", "19:30", "02:00")
    payback = await _schedule(client, p["b"], "2026-12-30", "19:30", "02:00")
    again = await client.data(
        REQUEST,
        {
            "i": {
                "actingStaffId": p["a"],
                "shiftId": given["id"],
                "counterpartId": p["b"],
                "paybackShiftId": payback["id"],
            }
        },
    )
    assert again["requestShiftSwap"]["swap"]["status"] == "REQUESTED"


# --- departments and C-12 -------------------------------------------------------------------

DEPT = """mutation($s: ID!, $n: String!) { createDepartment(input: {siteId: $s, name: $n}) {
  department {
  id name siteId } userErrors { field message code } } }"""
ASSIGN = """mutation($st: ID!, $d: ID) { assignStaffDepartment(input: {staffId: $st,
  departmentId: $d}) { staff { id departmentId } userErrors { field message code } } }"""
STATS = """query($s: ID!, $start: Date!, $d: ID) {
  complaintStatistics(siteId: $s, period: WEEK, start: $start, departmentId: $d) {
    total firstDay lastDay reportDueOn departmentId
    byDepartment { departmentId count } byStaffAtFault { staff { name } count }
    decision { rule message } } }"""


async def test_C_12_weekly_statistics_per_department_with_staff_at_fault(
    app: Frontdesk,
) -> None:
    client = Client(app)
    site = await make_site(client, "Harbour Towers")
    other_site = await make_site(client, "Elsewhere")
    service_dept = await client.data(DEPT, {"s": site, "n": "Customer service"})
    sales_dept = await client.data(DEPT, {"s": site, "n": "Sales"})
    cs, sales = (
        service_dept["createDepartment"]["department"]["id"],
        sales_dept["createDepartment"]["department"]["id"],
    )
    dup = await client.error(DEPT, {"s": site, "n": "Sales"})
    assert dup.extensions["code"] == "DEPARTMENT_EXISTS"
    li = await add_staff(client, site, "Li", "front_desk")
    wu = await add_staff(client, site, "Wu", "salesperson")
    boss = await add_staff(client, site, "Boss", "site_head")
    stranger = await add_staff(client, other_site, "Far", "front_desk")
    assert (await client.data(ASSIGN, {"st": li, "d": cs}))["assignStaffDepartment"]["staff"] == {
        "id": li,
        "departmentId": cs,
    }
    await client.data(ASSIGN, {"st": wu, "d": sales})
    wrong = await client.error(ASSIGN, {"st": stranger, "d": cs})
    assert wrong.extensions["code"] == "DEPARTMENT_OF_ANOTHER_SITE"

    async def file(at: datetime, handler: str) -> int:
        filing = complaint_service.ComplaintFiling(
            site_id=legacy(site),
            channel="phone",
            category="service",
            description="rude",
            received_at=at,
            taken_by_id=legacy(handler),
            caller_company="Acme",
            caller_name="Zhang",
            handler_id=legacy(handler),
        )
        async with app.write() as s:
            return (await complaint_service.file_complaint(s, app.host, filing, at)).complaint.id

    # Week Mon 30 Nov – Sun 6 Dec: two handled by Li (customer service), one by Wu (sales)
    # but caused by Li's service: the staff at fault's department is responsible.
    await file(sh(2026, 11, 30, 9), li)
    await file(sh(2026, 12, 6, 23, 59), li)
    caused = await file(sh(2026, 12, 2, 9), wu)
    await file(sh(2026, 12, 7, 0, 1), wu)  # next week
    async with app.write() as s:
        await complaint_service.verify_complaint_fault(
            s,
            complaint_id=caused,
            staff_id=legacy(li),
            fine_amount=Decimal(200),
            reason="rude on phone",
            actor_staff_id=legacy(boss),
            now=sh(2026, 12, 3, 9),
        )
    whole = (await client.data(STATS, {"s": site, "start": "2026-12-03"}))["complaintStatistics"]
    assert (whole["firstDay"], whole["lastDay"], whole["total"]) == ("2026-11-30", "2026-12-06", 3)
    assert whole["reportDueOn"] == "2026-12-07"  # C-12: due the following Monday
    assert whole["byDepartment"] == [{"departmentId": cs, "count": 3}]
    assert whole["byStaffAtFault"] == [
        {"staff": None, "count": 2},
        {"staff": {"name": "Li"}, "count": 1},
    ]
    one = await client.data(STATS, {"s": site, "start": "2026-12-03", "d": cs})
    assert one["complaintStatistics"]["total"] == 3
    assert one["complaintStatistics"]["departmentId"] == cs
    assert "department" in one["complaintStatistics"]["decision"]["message"]
    none_for_sales = await client.data(STATS, {"s": site, "start": "2026-12-03", "d": sales})
    assert none_for_sales["complaintStatistics"]["total"] == 0
    next_week = await client.data(STATS, {"s": site, "start": "2026-12-07", "d": sales})
    assert next_week["complaintStatistics"]["total"] == 1
    foreign = await client.error(STATS, {"s": other_site, "start": "2026-12-03", "d": cs})
    assert foreign.extensions["code"] == "DEPARTMENT_NOT_FOUND"


def test_C_12_existing_staff_keep_their_rows_without_a_department(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    host = PluginHost(create_plugin_manager(), enabled=())
    command.upgrade(migrate.alembic_config(url, host), "c0010")
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into sites (id, name, business_line, timezone, calendar_region, created_at)"
                " values (1, 'Old', 'realestate', 'Asia/Shanghai', 'CN', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "insert into staff (id, site_id, name, role, employment_status, created_at)"
                " values (7, 1, 'Veteran', 'front_desk', 'active', '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(url, host)
    with engine.connect() as conn:
        row = conn.execute(text("select name, department_id from staff where id = 7")).one()
    engine.dispose()
    assert tuple(row) == ("Veteran", None)


@pytest.mark.postgres
async def test_C_15_concurrent_requests_cannot_overrun_the_monthly_limit(pg_url: str) -> None:
    """Two requests in flight for the same person's last allowed swap: the site lock makes
    the second see the first, so exactly one is written."""
    import asyncio

    from core.services import workforce

    fd = Frontdesk(
        Settings(database_url=pg_url),
        pm=create_plugin_manager(extra=[NightClub()]),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        await set_plugin_enabled(s, fd.host, "nightclub", True, FIXED_NOW)
    await fd.start(watch=False)
    try:
        client = Client(fd)
        site = await make_site(client, "Starlight KTV", "nightclub")
        p = await _swap_pair(client, site)
        pairs = []
        for day_a, day_b in (
            ("2026-12-02", "2026-12-05"),
            ("2026-12-10", "2026-12-13"),
            ("2026-12-18", "2026-12-22"),
        ):
            given = await _schedule(client, p["a"], day_a, "19:30", "02:00")
            payback = await _schedule(client, p["b"], day_b, "19:30", "02:00")
            pairs.append((legacy(given["id"]), legacy(payback["id"])))

        async def request(given: int, payback: int) -> bool:
            try:
                async with fd.write() as s:
                    await workforce.request_swap(
                        s,
                        fd.host,
                        requester_id=legacy(p["a"]),
                        shift_id=given,
                        counterpart_id=legacy(p["b"]),
                        payback_shift_id=payback,
                        reason="",
                        now=FIXED_NOW,
                    )
                return True
            except Exception as exc:  # noqa: BLE001
                assert getattr(exc, "code", None) == "SWAP_LIMIT_REACHED", exc
                return False

        assert await request(*pairs[0])
        outcomes = await asyncio.gather(request(*pairs[1]), request(*pairs[2]))
        assert sorted(outcomes) == [False, True]
        async with fd.db.session() as s:
            count = (await s.execute(text("select count(*) from shift_swaps"))).scalar_one()
        assert count == 2
    finally:
        await fd.stop()


SHIFT_LINKS = """query($s: ID!) { shifts(siteId: $s, fromDate: "2026-12-01", toDate: "2026-12-31") {
  totalCount nodes { id staff { name site { name } department { name } } site { name } } } }"""


async def test_schema_1_0_shift_links_load_in_a_fixed_number_of_statements(
    app: Frontdesk,
) -> None:
    # Issue 17: object links of views are batched per request, never one SELECT per shift.
    from test_graphql_api import StatementCounter

    client = Client(app)
    site = await make_site(client, "Link Tower")
    people = [await add_staff(client, site, n, "front_desk") for n in ("Ann", "Bo")]
    counts = []
    for days in (range(1, 3), range(3, 9)):
        for day in days:
            for who in people:
                await _schedule(client, who, f"2026-12-{day:02d}", "08:00", "12:00")
        with StatementCounter(app.db.engine) as counter:
            data = await client.data(SHIFT_LINKS, {"s": site})
        shifts = data["shifts"]["nodes"]
        assert len(shifts) == data["shifts"]["totalCount"] == 2 * days.stop - 2
        assert {s["staff"]["name"] for s in shifts} == {"Ann", "Bo"}
        assert {s["site"]["name"] for s in shifts} == {"Link Tower"}
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 4, counts  # count, page, staff batch, site batch
