"""Issue 12, attendance and what follows from it, at core level with a test line's policy:
clock-in lateness and "over 30 minutes late is an absence" (PM-9), a forgotten clock-in as a
day off in lieu within the month's 4 (PM-9), leave requested before the start of the previous
business day and approved by the direct superior (KTV-4), leave on a swapped shift (C-15),
exit passes (KTV-5), wage-day deductions and the third day of absenteeism in a month ending
the employment (KTV-4), the monthly points ledger with stepped deductions, floor and
thresholds (PM-9), the meeting roll call (KTV-2, KTV-10)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import Client
from helpers import add_staff, legacy, make_site
from sqlalchemy import select, text

from core.auth import Actor, Role
from core.graphql.context import Context
from core.graphql.types import encode_cursor
from core.models import Event, Site
from core.plugin_api import (
    PluginInfo,
    PointsItem,
    PointsScheme,
    StaffRole,
    WorkforcePolicy,
    hookimpl,
)
from core.plugin_api.rules import (
    PointsOccurrence,
    clock_in_decision,
    item_total,
    points_balance,
    points_threshold_crossed,
    roll_call_status,
)
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


#: PM-9's table as a line would declare it (seed 002 篇6).
PM9 = PointsScheme(
    allowance=Decimal(10),
    items=(
        PointsItem("late", "PM-9", "Late", points=Decimal("0.5"), attendance="late"),
        PointsItem("absence", "PM-9", "Absence", points=Decimal(2), attendance="absent"),
        PointsItem(
            "absenteeism", "PM-9", "Absenteeism", points=Decimal(5), attendance="absenteeism"
        ),
        PointsItem(
            "attitude",
            "PM-9",
            "Attitude complaint",
            points=Decimal(1),
            steps=((3, Decimal(5)), (5, Decimal(10))),
        ),
        PointsItem(
            "unanswered",
            "PM-9",
            "Unanswered calls",
            points=Decimal(0),
            steps=((3, Decimal(5)), (5, Decimal(10))),
        ),
        PointsItem(
            "unfinished",
            "PM-9",
            "Unfinished daily work",
            min_points=Decimal("0.5"),
            max_points=Decimal(1),
        ),
    ),
)

POLICY = dataclasses.replace(
    WorkforcePolicy(),
    absent_after_minutes_late=30,
    forgotten_clock_in="time_off_in_lieu",
    days_off_per_month=4,
    leave_lead_days=1,
    business_day_starts=time(6),
    absenteeism_wage_days=Decimal(4),
    absenteeism_days_ending_employment=3,
    points=PM9,
    meeting_time=time(19, 30),
)


# --- pure rules ---------------------------------------------------------------------------


def test_PM_9_exactly_30_minutes_late_is_late_31_is_an_absence() -> None:
    start = sh(2026, 12, 7, 8)
    on_time = clock_in_decision(start, start, POLICY)
    assert on_time.status == "present" and on_time.reason is None
    late = clock_in_decision(start, start + timedelta(minutes=30), POLICY)
    assert (late.status, late.minutes_late, late.reason.rule) == ("late", 30, "PM-9")
    absent = clock_in_decision(start, start + timedelta(minutes=31), POLICY)
    assert (absent.status, absent.minutes_late) == ("absent", 31)
    assert absent.reason.rule == "PM-9" and "more than 30 minutes" in absent.reason.message
    # A second over 30 minutes is over 30 minutes; a line without the rule only counts late.
    assert clock_in_decision(start, start + timedelta(minutes=30, seconds=1), POLICY).status == (
        "absent"
    )
    assert clock_in_decision(start, start + timedelta(hours=2), WorkforcePolicy()).status == "late"


def test_PM_9_attitude_complaints_are_stepped_not_added() -> None:
    attitude = PM9.item("attitude")
    assert attitude is not None
    totals = [item_total(attitude, [PointsOccurrence("attitude")] * n) for n in range(1, 7)]
    assert totals == [1, 2, 5, 5, 10, 10]
    unanswered = PM9.item("unanswered")
    assert [item_total(unanswered, [PointsOccurrence("unanswered")] * n) for n in (2, 3, 4, 5)] == [
        0,
        5,
        5,
        10,
    ]


def test_PM_9_balance_floor_and_thresholds() -> None:
    six_attitude = [PointsOccurrence("attitude")] * 5 + [PointsOccurrence("absenteeism")]
    assert points_balance(PM9, six_attitude) == 0  # 10 − 10 − 5, floored at 0
    assert points_balance(PM9, [PointsOccurrence("unfinished", Decimal("0.5"))]) == Decimal("9.5")
    crossed = points_threshold_crossed(PM9, Decimal(6), Decimal(5))
    assert crossed is not None and crossed[0] == "warning" and crossed[1].rule == "PM-9"
    assert points_threshold_crossed(PM9, Decimal(5), Decimal(4)) is None  # already below
    assert points_threshold_crossed(PM9, Decimal(3), Decimal(2))[0] == "penalty"
    assert points_threshold_crossed(PM9, Decimal(10), Decimal(0))[0] == "penalty"  # both: lower


def test_KTV_2_and_KTV_10_roll_call() -> None:
    opens, closes = sh(2026, 12, 7, 19, 30), sh(2026, 12, 7, 20)
    after = sh(2026, 12, 7, 23)

    def status(**kw: Any) -> Any:
        return roll_call_status(opens_at=opens, closes_at=closes, now=after, **kw)

    assert status(signed_at=sh(2026, 12, 7, 19, 30)).status == "present"
    late = status(signed_at=sh(2026, 12, 7, 19, 30, 1))
    assert (late.status, late.reason.rule) == ("late", "KTV-2")
    absent = status(signed_at=None)
    assert (absent.status, absent.reason.rule) == ("absent", "KTV-2")
    # KTV-10: a room booking excuses; they sign afterwards (补签).
    assert status(signed_at=None, room_booking=True) is None
    excused = status(signed_at=sh(2026, 12, 7, 22), room_booking=True)
    assert (excused.status, excused.reason.rule) == ("excused", "KTV-10")
    # Cancelled while the roll was open and they stayed away: absent; cancelled later: excused.
    cancelled = status(
        signed_at=None, room_booking=True, booking_cancelled_at=sh(2026, 12, 7, 19, 50)
    )
    assert (cancelled.status, cancelled.reason.rule) == ("absent", "KTV-10")
    later = status(
        signed_at=sh(2026, 12, 7, 22),
        room_booking=True,
        booking_cancelled_at=sh(2026, 12, 7, 20, 1),
    )
    assert later.status == "excused"
    # While the roll is open an unsigned person is not decided yet.
    assert (
        roll_call_status(
            opens_at=opens, closes_at=closes, signed_at=None, now=sh(2026, 12, 7, 19, 45)
        )
        is None
    )


# --- the test line and the API ------------------------------------------------------------


class Teahouse:
    """A test line with PM-9's points and KTV-4's leave, wage days and resignation; its
    business day starts at 06:00 (KTV-1)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="teahouse", name="Teahouse", version="1", business_line="teahouse")

    @hookimpl
    def frontdesk_staff_roles(self) -> list[StaffRole]:
        return [StaffRole("host", "Host")]

    @hookimpl
    def frontdesk_business_date(
        self, site: Site, moment: datetime, settings: Mapping[str, Any]
    ) -> date:
        return (moment.astimezone(ZoneInfo(site.timezone)) - timedelta(hours=6)).date()

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        return dataclasses.replace(
            policy,
            absent_after_minutes_late=POLICY.absent_after_minutes_late,
            forgotten_clock_in=POLICY.forgotten_clock_in,
            days_off_per_month=POLICY.days_off_per_month,
            leave_lead_days=POLICY.leave_lead_days,
            business_day_starts=POLICY.business_day_starts,
            absenteeism_wage_days=POLICY.absenteeism_wage_days,
            absenteeism_days_ending_employment=POLICY.absenteeism_days_ending_employment,
            points=POLICY.points,
            meeting_time=POLICY.meeting_time,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every API test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[Frontdesk]:
    fd = Frontdesk(
        Settings(database_url=db_url),
        pm=create_plugin_manager(extra=[Teahouse()]),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        await set_plugin_enabled(s, fd.host, "teahouse", True, sh(2026, 11, 24, 10))
    await fd.start(watch=False)
    yield fd
    await fd.stop()


SCHEDULE = """mutation($i: ScheduleShiftInput!) { scheduleShift(input: $i) { shift { id }
  userErrors { field message code } } }"""
RECORD_FIELDS = """id status minutesLate decision { rule message } leftEarly { rule message }
  wageDays wageDeduction leaveRequestId"""
CLOCK_IN = f"""mutation($i: ClockInInput!) {{ clockIn(input: $i) {{ record {{ {RECORD_FIELDS} }}
  userErrors {{ field message code }} }} }}"""
CLOCK_OUT = f"""mutation($i: ClockOutInput!) {{ clockOut(input: $i) {{ record {{ {RECORD_FIELDS} }}
  userErrors {{ field message code }} }} }}"""
RECORD = f"""mutation($i: RecordAttendanceInput!) {{ recordAttendance(input: $i) {{
  record {{ {RECORD_FIELDS} }} userErrors {{ field message code }} }} }}"""
LEAVE_FIELDS = "id status reason deadline late { rule message } decision { rule message }"
REQUEST_LEAVE = f"""mutation($i: RequestLeaveInput!) {{ requestLeave(input: $i) {{
  leave {{ {LEAVE_FIELDS} }} userErrors {{ field message code }} }} }}"""
DECIDE_LEAVE = f"""mutation($i: DecideLeaveInput!) {{ decideLeave(input: $i) {{
  leave {{ {LEAVE_FIELDS} }} userErrors {{ field message code }} }} }}"""
EXIT_PASS = """mutation($i: RequestExitPassInput!) { requestExitPass(input: $i) { exitPass { id
  status } userErrors { field message code } } }"""
DECIDE_PASS = """mutation($i: DecideExitPassInput!) { decideExitPass(input: $i) { exitPass { id
  status } userErrors { field message code } } }"""
SET_PAY = """mutation($i: SetStaffPayInput!) { setStaffPay(input: $i) { pay { dailyWage
  superiorId } userErrors { field message code } } }"""
STAFF_PAY = """query($s: ID!) { staffPay(staffId: $s) { dailyWage superiorId } }"""
STAFF = """query($s: ID!) { staff: staffMember(id: $s) { employmentStatus } }"""
ISSUE = """mutation($i: IssuePointsInput!) { issuePoints(input: $i) { entry { id item rule points
  } userErrors { field message code } } }"""
REVOKE = """mutation($i: RevokePointsInput!) { revokePoints(input: $i) { entry { id revokesId }
  userErrors { field message code } } }"""
POINTS = """query($s: ID!, $m: Date!) { monthPoints(staffId: $s, month: $m) {
  allowance balance level entries { id item rule revoked revokesId } } }"""
ATTENDANCE = """query($s: ID!, $f: Date!, $t: Date!) { attendance(siteId: $s, fromDate: $f,
  toDate: $t) { status businessDate wageDeduction } }"""


async def _shift(
    client: Client, staff: str, day: str, start: str = "08:00", end: str = "20:00"
) -> str:
    i = {"staffId": staff, "businessDate": day, "start": start, "end": end}
    return (await client.data(SCHEDULE, {"i": i}))["scheduleShift"]["shift"]["id"]


def _pk(gid: str) -> int:
    """The database id behind a GraphQL id (event payloads carry database ids); the one place
    to change when output ids become opaque global IDs (issue 17)."""
    return legacy(gid)


async def _events(app: Frontdesk, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    async with app.db.session() as s:
        rows = (await s.execute(select(Event.type, Event.payload).order_by(Event.id))).all()
    return [(t, p) for t, p in rows if t.startswith(prefix)]


async def _team(client: Client) -> dict[str, str]:
    site = await make_site(client, "Jade Teahouse", "teahouse")
    return {
        "site": site,
        "li": await add_staff(client, site, "Li", "host"),
        "wu": await add_staff(client, site, "Wu", "host"),
        "boss": await add_staff(client, site, "Boss", "department_manager"),
    }


async def test_PM_9_late_arrival_costs_points_and_over_30_minutes_is_an_absence(
    app: Frontdesk,
) -> None:
    client = Client(app)
    t = await _team(client)
    mon = await _shift(client, t["li"], "2026-12-07")
    tue = await _shift(client, t["li"], "2026-12-08")
    late = (
        await client.data(CLOCK_IN, {"i": {"shiftId": mon, "at": "2026-12-07T08:30:00+08:00"}})
    )["clockIn"]["record"]
    assert (late["status"], late["minutesLate"], late["decision"]["rule"]) == ("LATE", 30, "PM-9")
    absent = (
        await client.data(CLOCK_IN, {"i": {"shiftId": tue, "at": "2026-12-08T08:31:00+08:00"}})
    )["clockIn"]["record"]
    assert (absent["status"], absent["minutesLate"]) == ("ABSENT", 31)
    assert "more than 30 minutes" in absent["decision"]["message"]
    twice = await client.error(CLOCK_IN, {"i": {"shiftId": tue, "at": "2026-12-08T09:00:00+08:00"}})
    assert twice.extensions["code"] == "ATTENDANCE_ALREADY_RECORDED"
    points = (await client.data(POINTS, {"s": t["li"], "m": "2026-12-01"}))["monthPoints"]
    assert points["balance"] == "7.5" and points["level"] is None  # 10 − 0.5 − 2
    assert [e["item"] for e in points["entries"]] == ["late", "absence"]
    kinds = [k for k, _ in await _events(app, "a")]
    assert kinds == ["attendance.late", "absence.recorded"]


async def test_PM_9_forgotten_clock_in_is_a_day_off_in_lieu_within_four_a_month(
    app: Frontdesk,
) -> None:
    client = Client(app)
    t = await _team(client)
    statuses = []
    for day in range(7, 12):
        shift = await _shift(client, t["li"], f"2026-12-{day:02d}")
        record = await client.data(
            RECORD,
            {"i": {"shiftId": shift, "actingStaffId": t["boss"], "what": "forgotten_clock_in"}},
        )
        statuses.append(record["recordAttendance"]["record"]["status"])
    # 4 days off a month are shared by 调休 (a forgotten clock-in included) and leave: the
    # fifth counts as an absence (PM-9).
    assert statuses == ["TIME_OFF_IN_LIEU"] * 4 + ["ABSENT"]
    # Only a manager (or the direct superior) records the day.
    shift = await _shift(client, t["li"], "2026-12-14")
    wrong = await client.error(
        RECORD, {"i": {"shiftId": shift, "actingStaffId": t["wu"], "what": "forgotten_clock_in"}}
    )
    assert wrong.extensions["code"] == "NOT_THE_SUPERIOR"


async def test_KTV_4_leave_before_the_start_of_the_previous_business_day(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    shift = await _shift(client, t["li"], "2026-12-12", "19:30", "02:00")
    # The deadline is 06:00 on the 11th (the start of business day 11): 05:59 is in time.
    in_time = Client(app, now=sh(2026, 12, 11, 5, 59))
    leave = (
        await in_time.data(
            REQUEST_LEAVE, {"i": {"staffId": t["li"], "shiftId": shift, "reason": "sick mother"}}
        )
    )["requestLeave"]["leave"]
    assert leave["late"] is None and leave["deadline"].startswith("2026-12-10T22:00:00")
    # Only the direct superior decides once one is set.
    await client.data(SET_PAY, {"i": {"staffId": t["li"], "superiorId": t["boss"]}})
    other_boss = await add_staff(client, t["site"], "Other", "department_manager")
    refused = await client.error(
        DECIDE_LEAVE, {"i": {"leaveId": leave["id"], "actingStaffId": other_boss, "approve": True}}
    )
    assert refused.extensions["code"] == "NOT_THE_SUPERIOR"
    approved = (
        await client.data(
            DECIDE_LEAVE,
            {"i": {"leaveId": leave["id"], "actingStaffId": t["boss"], "approve": True}},
        )
    )["decideLeave"]["leave"]
    assert approved["status"] == "APPROVED" and approved["decision"] is None
    assert (
        "leave.decided",
        {"staff": _pk(t["li"]), "approved": True, "attendance": "on_leave"},
    ) in [(k, p) for k, p in await _events(app, "leave.decided")]
    # 06:00 is late: approving it lets Wu stay away, but the day is absenteeism (KTV-4).
    shift = await _shift(client, t["wu"], "2026-12-12", "19:30", "02:00")
    too_late = Client(app, now=sh(2026, 12, 11, 6, 0))
    late = (await too_late.data(REQUEST_LEAVE, {"i": {"staffId": t["wu"], "shiftId": shift}}))[
        "requestLeave"
    ]["leave"]
    assert late["late"]["rule"] == "KTV-4"
    decided = (
        await client.data(
            DECIDE_LEAVE,
            {"i": {"leaveId": late["id"], "actingStaffId": t["boss"], "approve": True}},
        )
    )["decideLeave"]["leave"]
    assert decided["decision"]["rule"] == "KTV-4"
    records = (
        await client.data(ATTENDANCE, {"s": t["site"], "f": "2026-12-12", "t": "2026-12-12"})
    )["attendance"]
    assert sorted(r["status"] for r in records) == ["ABSENTEEISM", "ON_LEAVE"]


async def test_C_13_leave_reasons_and_wages_are_private_to_admins_and_clerks(
    app: Frontdesk,
) -> None:
    client = Client(app)
    t = await _team(client)
    await client.data(SET_PAY, {"i": {"staffId": t["li"], "dailyWage": "300.00"}})
    shift = await _shift(client, t["li"], "2026-12-20")
    await client.data(
        REQUEST_LEAVE, {"i": {"staffId": t["li"], "shiftId": shift, "reason": "doctor"}}
    )
    staff = Client(app, actor=Actor(role=Role.STAFF, name="a host"))
    clerk = Client(app, actor=Actor(role=Role.CLERK, name="the clerk"))
    query = """query($s: ID!) { leaveRequests(siteId: $s, fromDate: "2026-12-01",
      toDate: "2026-12-31") { reason } }"""
    assert (await clerk.data(query, {"s": t["site"]}))["leaveRequests"] == [{"reason": "doctor"}]
    assert (await staff.data(query, {"s": t["site"]}))["leaveRequests"] == [{"reason": None}]
    assert (await clerk.data(STAFF_PAY, {"s": t["li"]}))["staffPay"]["dailyWage"] == "300.00"
    denied = await staff.error(STAFF_PAY, {"s": t["li"]})
    assert denied.extensions["code"] == "FORBIDDEN"


async def test_KTV_4_third_day_of_absenteeism_in_a_month_ends_employment(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    await client.data(SET_PAY, {"i": {"staffId": t["li"], "dailyWage": "250.00"}})
    # One day in November does not count towards December's three.
    days = ["2026-11-30", "2026-12-03", "2026-12-09", "2026-12-15"]
    shifts = [await _shift(client, t["li"], d) for d in days]
    deductions = []
    for shift in shifts[:3]:
        record = (
            await client.data(
                RECORD,
                {
                    "i": {
                        "shiftId": shift,
                        "actingStaffId": t["boss"],
                        "what": "absenteeism",
                        "note": "did not come, no leave",
                    }
                },
            )
        )["recordAttendance"]["record"]
        deductions.append((record["wageDays"], record["wageDeduction"]))
    # KTV-4: each day of absenteeism deducts 4 days' wages.
    assert deductions == [("4.00", "1000.00")] * 3
    assert (await client.data(STAFF, {"s": t["li"]}))["staff"]["employmentStatus"] == "ACTIVE"
    await client.data(
        RECORD,
        {
            "i": {
                "shiftId": shifts[3],
                "actingStaffId": t["boss"],
                "what": "absenteeism",
                "note": "again",
            }
        },
    )
    assert (await client.data(STAFF, {"s": t["li"]}))["staff"]["employmentStatus"] == "LEFT"
    ended = await _events(app, "staff.employment_ended")
    assert len(ended) == 1 and ended[0][1]["rule"] == "KTV-4"
    assert "3 days of absenteeism in 2026-12" in ended[0][1]["reason"]
    # PM-9 points, per month: November's one day (5) reaches the warning; December's three
    # (5 each) reach the warning, then the penalty, and floor the balance at 0.
    crossed = [(p["month"], p["level"]) for _, p in await _events(app, "points.threshold_crossed")]
    assert crossed == [
        ("2026-11-01", "warning"),
        ("2026-12-01", "warning"),
        ("2026-12-01", "penalty"),
    ]
    assert (await client.data(POINTS, {"s": t["li"], "m": "2026-12-20"}))["monthPoints"][
        "balance"
    ] == "0"


async def test_C_15_leave_on_a_swapped_shift_is_absenteeism(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    given = await _shift(client, t["li"], "2026-12-09")
    payback = await _shift(client, t["wu"], "2026-12-16")
    swap = await client.data(
        """mutation($i: RequestShiftSwapInput!) { requestShiftSwap(input: $i) { swap { id }
          userErrors { field message code } } }""",
        {
            "i": {
                "actingStaffId": t["li"],
                "shiftId": given,
                "counterpartId": t["wu"],
                "paybackShiftId": payback,
            }
        },
    )
    sid = swap["requestShiftSwap"]["swap"]["id"]
    await client.data(
        """mutation($w: ID!, $s: ID!) { agreeShiftSwap(input: {swapId: $w, actingStaffId: $s}) {
          swap { status } userErrors { field message code } } }""",
        {"w": sid, "s": t["wu"]},
    )
    await client.data(
        """mutation($i: ApproveShiftSwapInput!) { approveShiftSwap(input: $i) { swap { status }
          userErrors { field message code } } }""",
        {"i": {"swapId": sid, "actingStaffId": t["boss"]}},
    )
    # Li now works the pay-back shift of the 16th; leave on it is absenteeism (C-15).
    leave = (await client.data(REQUEST_LEAVE, {"i": {"staffId": t["li"], "shiftId": payback}}))[
        "requestLeave"
    ]["leave"]
    assert leave["late"]["rule"] == "C-15"


async def test_KTV_5_leaving_mid_shift_needs_an_approved_exit_pass(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    first = await _shift(client, t["li"], "2026-12-07", "19:30", "02:00")
    second = await _shift(client, t["li"], "2026-12-08", "19:30", "02:00")
    for shift, day in ((first, "07"), (second, "08")):
        await client.data(
            CLOCK_IN, {"i": {"shiftId": shift, "at": f"2026-12-{day}T19:20:00+08:00"}}
        )
    gone = (
        await client.data(CLOCK_OUT, {"i": {"shiftId": first, "at": "2026-12-08T00:30:00+08:00"}})
    )["clockOut"]["record"]
    assert gone["leftEarly"]["rule"] == "KTV-5"
    exit_pass = (
        await client.data(
            EXIT_PASS, {"i": {"staffId": t["li"], "shiftId": second, "reason": "ill"}}
        )
    )["requestExitPass"]["exitPass"]
    self_approval = await client.error(
        DECIDE_PASS, {"i": {"passId": exit_pass["id"], "actingStaffId": t["li"], "approve": True}}
    )
    assert self_approval.extensions["code"] == "NOT_THE_SUPERIOR"
    approving = Client(app, now=sh(2026, 12, 9, 0, 0))
    await approving.data(
        DECIDE_PASS, {"i": {"passId": exit_pass["id"], "actingStaffId": t["boss"], "approve": True}}
    )
    ok = (
        await client.data(CLOCK_OUT, {"i": {"shiftId": second, "at": "2026-12-09T00:30:00+08:00"}})
    )["clockOut"]["record"]
    assert ok["leftEarly"] is None
    assert [p["rule"] for _, p in await _events(app, "attendance.left_early")] == ["KTV-5"]


async def test_PM_9_points_stepped_discretionary_revoked(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)

    async def issue(item: str, points: str | None = None) -> Any:
        i = {"staffId": t["wu"], "item": item, "businessDate": "2026-12-10", "points": points}
        return await client.execute(ISSUE, {"i": i})

    def refused(result: Any) -> str:
        """Issue 17: a refusal is the payload's userErrors, not a top-level error."""
        assert not result.errors, result.errors
        return result.data["issuePoints"]["userErrors"][0]["code"]

    for _ in range(3):
        result = await issue("attitude")
        assert not result.errors and not result.data["issuePoints"]["userErrors"]
    month = (await client.data(POINTS, {"s": t["wu"], "m": "2026-12-01"}))["monthPoints"]
    assert (month["balance"], month["level"]) == ("5", "warning")  # 3 → 5 in total
    warnings = await _events(app, "points.threshold_crossed")
    assert [p["level"] for _, p in warnings] == ["warning"]
    # Discretionary within bounds; a fixed item takes no amount; unknown items are refused.
    assert refused(await issue("unfinished", "1.5")) == "POINTS_OUT_OF_BOUNDS"
    assert refused(await issue("attitude", "1")) == "POINTS_FIXED"
    assert refused(await issue("singing")) == "UNKNOWN_POINTS_ITEM"
    entry = (await issue("unfinished", "1")).data["issuePoints"]["entry"]
    assert entry["rule"] == "PM-9"
    # A revocation is a new entry; the balance comes back.
    revocation = (
        await client.data(REVOKE, {"i": {"entryId": entry["id"], "reason": "work was finished"}})
    )["revokePoints"]["entry"]
    assert revocation["revokesId"] == entry["id"]
    again = await client.error(REVOKE, {"i": {"entryId": entry["id"], "reason": "twice"}})
    assert again.extensions["code"] == "ALREADY_REVOKED"
    month = (await client.data(POINTS, {"s": t["wu"], "m": "2026-12-31"}))["monthPoints"]
    assert month["balance"] == "5"
    assert [e["revoked"] for e in month["entries"]] == [False, False, False, True, False]
    async with app.db.session() as s:
        count = (await s.execute(text("select count(*) from points_entries"))).scalar_one()
    assert count == 5


CALL = """mutation($i: CallMeetingInput!) { callMeeting(input: $i) { meeting { id startsAt closesAt
  roll { staffId status } } userErrors { field message code } } }"""
SIGN = """mutation($i: SignRollInput!) { signRoll(input: $i) { entry { staffId status }
  userErrors { field message code } } }"""
BOOKING = """mutation($i: NoteRoomBookingInput!) { noteRoomBooking(input: $i) { entry { staffId
      roomBooking } userErrors { field message code } } }"""
CLOSE = """mutation($m: ID!) { closeRoll(input: {meetingId: $m}) { meeting { closedAt roll {
  staffId status
  minutesLate decision { rule message } } } userErrors { field message code } } }"""


async def test_KTV_2_and_KTV_10_meeting_roll_call(app: Frontdesk) -> None:
    client = Client(app, now=sh(2026, 12, 7, 12))
    t = await _team(client)
    names = ["On time", "Late", "Away", "Booked", "Cancelled"]
    staff = [await add_staff(client, t["site"], n, "host") for n in names]
    for person in staff:
        await _shift(client, person, "2026-12-07", "19:30", "02:00")
    meeting = (await client.data(CALL, {"i": {"siteId": t["site"], "businessDate": "2026-12-07"}}))[
        "callMeeting"
    ]["meeting"]
    # The line's meeting time (KTV-2: 19:30) and the roll closing 30 minutes later.
    assert meeting["startsAt"].startswith("2026-12-07T11:30:00")
    assert meeting["closesAt"].startswith("2026-12-07T12:00:00")
    assert sorted(r["staffId"] for r in meeting["roll"]) == sorted(staff)
    mid = meeting["id"]
    await client.data(
        SIGN, {"i": {"meetingId": mid, "staffId": staff[0], "at": "2026-12-07T19:30:00+08:00"}}
    )
    await client.data(
        SIGN, {"i": {"meetingId": mid, "staffId": staff[1], "at": "2026-12-07T19:42:00+08:00"}}
    )
    await client.data(BOOKING, {"i": {"meetingId": mid, "staffId": staff[3]}})
    await client.data(
        BOOKING,
        {"i": {"meetingId": mid, "staffId": staff[4], "cancelledAt": "2026-12-07T19:50:00+08:00"}},
    )
    early = Client(app, now=sh(2026, 12, 7, 19, 59))
    assert (await early.error(CLOSE, {"m": mid})).extensions["code"] == "ROLL_STILL_OPEN"
    closer = Client(app, now=sh(2026, 12, 7, 20))
    closed = (await closer.data(CLOSE, {"m": mid}))["closeRoll"]["meeting"]
    by_staff = {r["staffId"]: r for r in closed["roll"]}
    assert by_staff[staff[0]]["status"] == "present"
    assert (by_staff[staff[1]]["status"], by_staff[staff[1]]["minutesLate"]) == ("late", 12)
    assert by_staff[staff[1]]["decision"]["rule"] == "KTV-2"
    assert (by_staff[staff[2]]["status"], by_staff[staff[2]]["decision"]["rule"]) == (
        "absent",
        "KTV-2",
    )
    assert by_staff[staff[3]]["status"] is None  # excused: signs afterwards (补签)
    assert (by_staff[staff[4]]["status"], by_staff[staff[4]]["decision"]["rule"]) == (
        "absent",
        "KTV-10",
    )
    later = (
        await closer.data(
            SIGN, {"i": {"meetingId": mid, "staffId": staff[3], "at": "2026-12-07T23:10:00+08:00"}}
        )
    )["signRoll"]["entry"]
    assert later["status"] == "excused"
    events = [(k, p["staff"], p["rule"]) for k, p in await _events(app, "") if p.get("meeting")]
    assert events == [
        ("meeting.late", _pk(staff[1]), "KTV-2"),
        ("absence.recorded", _pk(staff[2]), "KTV-2"),
        ("absence.recorded", _pk(staff[4]), "KTV-10"),
    ]
    # Someone not rostered that day is not on the roll.
    stranger = await client.error(
        SIGN, {"i": {"meetingId": mid, "staffId": t["boss"], "at": "2026-12-07T19:00:00+08:00"}}
    )
    assert stranger.extensions["code"] == "NOT_ON_THE_ROLL"


UPDATES = """subscription($s: ID, $a: String) { workforceUpdates(siteId: $s, after: $a) {
  type payload } }"""


async def test_workforce_events_reach_subscribers_from_a_cursor(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    shift = await _shift(client, t["li"], "2026-12-07")
    await client.data(CLOCK_IN, {"i": {"shiftId": shift, "at": "2026-12-07T08:05:00+08:00"}})
    stream = await app.schema.subscribe(
        UPDATES,
        variable_values={"s": t["site"], "a": encode_cursor("event", 0)},
        context_value=Context(app=app, fixed_now=client.now, actor=client.actor),
    )
    first = await anext(stream)  # type: ignore[arg-type]
    await stream.aclose()  # type: ignore[union-attr]
    assert not first.errors
    update = first.data["workforceUpdates"]
    assert update["type"] == "attendance.late" and update["payload"]["minutes_late"] == 5


async def test_C_13_a_staff_token_acts_only_as_its_own_staff_member(app: Frontdesk) -> None:
    client = Client(app)
    t = await _team(client)
    shift = await _shift(client, t["wu"], "2026-12-20")
    li = Client(app, actor=Actor(role=Role.STAFF, name="Li's token", staff_id=_pk(t["li"])))
    # Li cannot ask for leave in Wu's name …
    other = await li.error(REQUEST_LEAVE, {"i": {"staffId": t["wu"], "shiftId": shift}})
    assert other.extensions["code"] == "FORBIDDEN"
    # … nor clock in for Wu's shift.
    clocking = await li.error(
        CLOCK_IN, {"i": {"shiftId": shift, "at": "2026-12-20T08:00:00+08:00"}}
    )
    assert clocking.extensions["code"] == "FORBIDDEN"
    wu = Client(app, actor=Actor(role=Role.STAFF, name="Wu's token", staff_id=_pk(t["wu"])))
    leave = (await wu.data(REQUEST_LEAVE, {"i": {"staffId": t["wu"], "shiftId": shift}}))[
        "requestLeave"
    ]["leave"]
    # … and deciding leave is a manager's (the manage permission: administrators, clerks).
    denied = await wu.error(
        DECIDE_LEAVE, {"i": {"leaveId": leave["id"], "actingStaffId": t["boss"], "approve": True}}
    )
    assert denied.extensions["code"] == "FORBIDDEN"


BOOK = """mutation($i: BookInput!) { book(input: $i) { booking { id } userErrors { field message
  code } } }"""
SET_BOOKING = """mutation($b: ID!, $s: BookingStatus!) { setBookingStatus(input: {bookingId: $b,
  status: $s}) { booking { status } userErrors { field message code } } }"""


async def test_KTV_10_room_bookings_in_the_book_excuse_table_bookings_do_not(
    app: Frontdesk,
) -> None:
    client = Client(app, now=sh(2026, 12, 7, 12))
    t = await _team(client)
    room = await add_staff(client, t["site"], "Room", "host")
    table = await add_staff(client, t["site"], "Table", "host")
    cancelled = await add_staff(client, t["site"], "Cancelled", "host")
    for person in (room, table, cancelled):
        await _shift(client, person, "2026-12-07", "19:30", "02:00")

    async def book(who: str, kind: str, resource: str) -> str:
        i = {
            "siteId": t["site"],
            "actingStaffId": who,
            "resourceKind": kind,
            "resource": resource,
            "businessDate": "2026-12-07",
            "guestName": "Guest",
        }
        return (await client.data(BOOK, {"i": i}))["book"]["booking"]["id"]

    await book(room, "room", "V1")
    await book(table, "table", "T1")
    to_cancel = await book(cancelled, "room", "V2")
    meeting = (await client.data(CALL, {"i": {"siteId": t["site"], "businessDate": "2026-12-07"}}))[
        "callMeeting"
    ]["meeting"]["id"]
    # Cancelled at 19:50, while the roll is open, and they stay away: an absence (KTV-10).
    await Client(app, now=sh(2026, 12, 7, 19, 50)).data(
        SET_BOOKING, {"b": to_cancel, "s": "CANCELLED"}
    )
    closed = (await Client(app, now=sh(2026, 12, 7, 20, 0)).data(CLOSE, {"m": meeting}))[
        "closeRoll"
    ]["meeting"]
    by_staff = {r["staffId"]: r for r in closed["roll"]}
    assert by_staff[room]["status"] is None  # excused until they sign afterwards
    assert (by_staff[table]["status"], by_staff[table]["decision"]["rule"]) == ("absent", "KTV-2")
    assert (by_staff[cancelled]["status"], by_staff[cancelled]["decision"]["rule"]) == (
        "absent",
        "KTV-10",
    )


async def test_leave_is_asked_before_the_shift_ends(app: Frontdesk) -> None:
    client = Client(app, now=sh(2026, 12, 8, 9))
    t = await _team(client)
    shift = await _shift(client, t["li"], "2026-12-07")
    over = await client.error(REQUEST_LEAVE, {"i": {"staffId": t["li"], "shiftId": shift}})
    assert over.extensions["code"] == "SHIFT_OVER"


async def test_issue_17_workforce_records_are_nodes_with_object_links(app: Frontdesk) -> None:
    """Schema 1.0: attendance records, leave requests, exit passes and points entries are
    Nodes (node(id:) refetches them) and link their site, staff member, shift and decider."""
    client = Client(app)
    t = await _team(client)
    shift = await _shift(client, t["li"], "2026-12-07")
    record = (
        await client.data(CLOCK_IN, {"i": {"shiftId": shift, "at": "2026-12-07T08:30:00+08:00"}})
    )["clockIn"]["record"]
    leave_shift = await _shift(client, t["li"], "2026-12-20")
    leave = (await client.data(REQUEST_LEAVE, {"i": {"staffId": t["li"], "shiftId": leave_shift}}))[
        "requestLeave"
    ]["leave"]
    await client.data(
        DECIDE_LEAVE, {"i": {"leaveId": leave["id"], "actingStaffId": t["boss"], "approve": True}}
    )
    entry = (await client.data(POINTS, {"s": t["li"], "m": "2026-12-01"}))["monthPoints"][
        "entries"
    ][0]
    got = await client.data(
        """query($r: ID!, $l: ID!, $e: ID!) {
          r: node(id: $r) { __typename ... on AttendanceRecord { legacyId site { id }
            staff { name } shift { id } } }
          l: node(id: $l) { __typename ... on LeaveRequest { staff { name } shift { id }
            decidedBy { name } } }
          e: node(id: $e) { __typename ... on PointsEntry { staff { name } issuedBy { name } } }
        }""",
        {"r": record["id"], "l": leave["id"], "e": entry["id"]},
    )
    assert got["r"] == {
        "__typename": "AttendanceRecord",
        "legacyId": _pk(record["id"]),
        "site": {"id": t["site"]},
        "staff": {"name": "Li"},
        "shift": {"id": shift},
    }
    assert got["l"] == {
        "__typename": "LeaveRequest",
        "staff": {"name": "Li"},
        "shift": {"id": leave_shift},
        "decidedBy": {"name": "Boss"},
    }
    assert got["e"] == {"__typename": "PointsEntry", "staff": {"name": "Li"}, "issuedBy": None}
