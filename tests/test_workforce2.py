"""Issue 12, the rest: C-3 at the desk (``checkInVisit`` refuses a visit without an approved
appointment where the line requires one, one minute short of the lead time, and receives it
at exactly the lead time; leading an unapproved visit is a C-3 penalty entry), the
``frontdesk_validate_shift_swap`` hook (a line refuses a swap with its own code, waives a core
refusal, fines a swap on approval: seed 002 篇12), leave undecided when its day starts
(lapses, then absenteeism with KTV-4's wage days and the third day ending the employment), and
bookings of a kind that needs approval (FC-3 / FC-6: the fitness club's appointment book)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import Client
from helpers import add_staff, legacy, make_site, register
from sqlalchemy import select

from core.auth import Actor, Role
from core.models import Event, Penalty, PenaltyRule, Site
from core.plugin_api import (
    LineErrorCode,
    PenaltyRuleSpec,
    PluginInfo,
    Reason,
    SwapFine,
    SwapProposal,
    SwapVerdict,
    WorkforcePolicy,
    hookimpl,
)
from core.plugin_api.rules import (
    BookingFacts,
    BookingKind,
    booking_validity,
    check_in_refusal,
)
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from plugins.fitnessclub.policy import APPOINTMENT_BOOK
from schema.build import build_schema

SHANGHAI = ZoneInfo("Asia/Shanghai")
MADE = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


# --- test lines ------------------------------------------------------------------------------


class Pavilion:
    """A showroom that receives walk-in customers only by appointment (C-3 policy data)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="pavilion", name="Pavilion", version="1", business_line="pavilion")

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        return dataclasses.replace(policy, appointment_required_for=frozenset({"customer"}))


class Lounge:
    """KTV-like: the business day starts at 06:00 (KTV-1), leave one business day ahead,
    4 days' wages per day of absenteeism and 3 days a month ending the employment (KTV-4); at
    most 2 swaps a month, the second fined 20 CNY, consecutive swaps allowed (its
    ``frontdesk_validate_shift_swap``, seed 002 篇12)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="lounge", name="Lounge", version="1", business_line="lounge")

    @hookimpl
    def frontdesk_business_date(
        self, site: Site, moment: datetime, settings: Mapping[str, Any]
    ) -> date:
        return (moment.astimezone(ZoneInfo(site.timezone)) - timedelta(hours=6)).date()

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        return dataclasses.replace(
            policy,
            leave_lead_days=1,
            business_day_starts=time(6),
            absenteeism_wage_days=Decimal(4),
            absenteeism_days_ending_employment=3,
        )

    @hookimpl
    def frontdesk_penalty_table(self, business_line: str) -> list[PenaltyRuleSpec]:
        return [
            PenaltyRuleSpec(
                "SWAP-FINE", "C-15", "Second swap of the month", "fine", Decimal(20), Decimal(20)
            )
        ]

    @hookimpl
    def frontdesk_error_codes(self) -> list[LineErrorCode]:
        return [
            LineErrorCode(
                "SWAP_LINE_LIMIT", "C-15: the lounge allows 2 swaps a month.", ("Workforce",)
            )
        ]

    @hookimpl
    async def frontdesk_validate_shift_swap(self, proposal: SwapProposal) -> SwapVerdict | None:
        used = max(proposal.swaps_this_month.values())
        if used >= 2:
            return SwapVerdict(
                refusal=(
                    "SWAP_LINE_LIMIT",
                    Reason("C-15", f"the lounge allows 2 swaps a month; a party has {used}"),
                )
            )
        fines: tuple[SwapFine, ...] = ()
        if used == 1:
            fines = (SwapFine(proposal.requester_id, "SWAP-FINE", "second swap of the month"),)
        if proposal.refusal is not None and proposal.refusal[0] != "SWAP_CONSECUTIVE":
            return None  # core's other C-15 refusals stand
        return SwapVerdict(fines=fines)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every API test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[Frontdesk]:
    fd = Frontdesk(
        Settings(database_url=db_url),
        pm=create_plugin_manager(extra=[Pavilion(), Lounge()]),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        for name in ("realestate", "fitnessclub", "pavilion", "lounge"):
            await set_plugin_enabled(s, fd.host, name, True, MADE)
    await fd.start(watch=False)
    yield fd
    await fd.stop()


async def _events(app: Frontdesk, type_: str) -> list[dict[str, Any]]:
    async with app.db.session() as s:
        rows = await s.scalars(select(Event).where(Event.type == type_).order_by(Event.id))
        return [r.payload for r in rows.all()]


# --- C-3 at the desk -------------------------------------------------------------------------

MAKE = """mutation($i: MakeAppointmentInput!) { makeAppointment(input: $i) { appointment { id }
  userErrors { field message code rule } } }"""
APPROVE = """mutation($a: ID!, $m: ID!) { approveAppointment(input: {appointmentId: $a,
  actingStaffId: $m}) { appointment { status } userErrors { field message code rule } } }"""
CHECK_IN = """mutation($i: CheckInVisitInput!) { checkInVisit(input: $i) { visit { id }
  decision { rule message } userErrors { field message code rule } } }"""
APPOINTMENTS = """query($s: ID!, $f: DateTime!, $t: DateTime!) { appointments(siteId: $s,
  fromAt: $f, toAt: $t) { id status arrivedAt visitId } }"""
PENALISE = """mutation($i: PenaliseUnapprovedVisitInput!) { penaliseUnapprovedVisit(input: $i) {
  penalty { amount reason staff { name } penaltyRule { code rule kind } }
  userErrors { field message code rule } } }"""


def test_C_3_check_in_refusal_is_a_pure_rule() -> None:
    assert check_in_refusal(required=False, appointment=None, arrived_at=MADE) is None
    refused = check_in_refusal(required=True, appointment=None, arrived_at=MADE)
    assert refused is not None and refused.rule == "C-3"
    assert "without an approved appointment is refused" in refused.message


async def _appointment(client: Client, site: str, visit_at: datetime, kind: str = "key") -> str:
    i = {
        "siteId": site,
        "kind": kind,
        "organisation": "Harbour Bureau",
        "headCount": 6,
        "contact": "Ms Lin",
        "visitAt": visit_at.isoformat(),
    }
    return (await client.data(MAKE, {"i": i}))["makeAppointment"]["appointment"]["id"]


async def test_C_3_check_in_refused_one_minute_short_of_the_lead_time_accepted_at_exactly_it(
    app: Frontdesk,
) -> None:
    admin = Client(app, now=MADE)
    site = await make_site(admin, "Riverside Pavilion", "pavilion")
    csm = await add_staff(admin, site, "Chen", "customer_service_manager")
    # A key visit needs 3 days: made at 10:00 on the 1st for 09:59 on the 4th is a minute
    # short; for 10:00 on the 4th it is exactly in time.
    short = await _appointment(admin, site, MADE + timedelta(days=3, minutes=-1))
    exact = await _appointment(admin, site, MADE + timedelta(days=3))
    for appointment in (short, exact):
        await admin.data(APPROVE, {"a": appointment, "m": csm})
    desk_short = Client(app, now=MADE + timedelta(days=3, minutes=-1))
    refused = await desk_short.user_error(
        CHECK_IN, {"i": {"siteId": site, "appointmentId": short, "partySize": 6}}
    )
    assert (refused.extensions["code"], refused.extensions["rule"]) == (
        "APPOINTMENT_REFUSED",
        "C-3",
    )
    assert "made 2 d 23 h 59 min before the visit; it needs 3 d" in refused.message
    assert refused.extensions["field"] == ["input", "appointmentId"]
    desk = Client(app, now=MADE + timedelta(days=3))
    received = (
        await desk.data(CHECK_IN, {"i": {"siteId": site, "appointmentId": exact, "partySize": 6}})
    )["checkInVisit"]
    listed = {
        a["id"]: a
        for a in (
            await admin.data(
                APPOINTMENTS,
                {"s": site, "f": "2026-12-01T00:00:00+08:00", "t": "2026-12-31T00:00:00+08:00"},
            )
        )["appointments"]
    }
    assert listed[exact]["status"] == "ARRIVED"
    assert listed[exact]["visitId"] == received["visit"]["id"]
    assert listed[short]["status"] == "APPROVED"  # the refusal wrote nothing
    arrived = await _events(app, "appointment.arrived")
    assert [p["visit"] for p in arrived] == [legacy(received["visit"]["id"])]
    # Received once: the same appointment does not let a second party in.
    again = await desk.user_error(CHECK_IN, {"i": {"siteId": site, "appointmentId": exact}})
    assert again.extensions["code"] == "APPOINTMENT_WRONG_STATUS"


async def test_C_3_a_visit_without_an_approved_appointment_is_refused_where_one_is_required(
    app: Frontdesk,
) -> None:
    admin = Client(app, now=MADE)
    site = await make_site(admin, "Riverside Pavilion", "pavilion")
    desk = Client(app, now=MADE + timedelta(days=3))
    none = await desk.user_error(CHECK_IN, {"i": {"siteId": site}})
    assert (none.extensions["code"], none.extensions["rule"]) == ("APPOINTMENT_REQUIRED", "C-3")
    assert "a visit without an approved appointment is refused at check-in" in none.message
    # Not approved: refused naming C-3.
    unapproved = await _appointment(admin, site, MADE + timedelta(days=3))
    refused = await desk.user_error(CHECK_IN, {"i": {"siteId": site, "appointmentId": unapproved}})
    assert refused.extensions["code"] == "APPOINTMENT_REFUSED"
    assert refused.extensions["rule"] == "C-3"
    assert "the key or group visit appointment is not approved" in refused.message
    # A phone inquiry needs none; a sales office (no such policy) receives walk-ins as before.
    phone = await desk.data(CHECK_IN, {"i": {"siteId": site, "channel": "PHONE"}})
    assert phone["checkInVisit"]["decision"]["rule"] == "C-4"
    office = await make_site(admin, "Sunrise Sales Office")
    await add_staff(admin, office, "Wang")
    walk_in = await desk.data(CHECK_IN, {"i": {"siteId": office}})
    assert walk_in["checkInVisit"]["visit"]["id"]
    # An appointment of another site is not found here.
    foreign = await desk.user_error(
        CHECK_IN, {"i": {"siteId": office, "appointmentId": unapproved}}
    )
    assert foreign.extensions["code"] == "APPOINTMENT_NOT_FOUND"


async def test_C_3_leading_an_unapproved_visit_is_a_penalty_entry(app: Frontdesk) -> None:
    admin = Client(app, now=MADE)
    site = await make_site(admin, "Riverside Pavilion", "pavilion")
    csm = await add_staff(admin, site, "Chen", "customer_service_manager")
    boss = await add_staff(admin, site, "Gao", "department_manager")
    guide = await add_staff(admin, site, "Hu", "front_desk")
    unapproved = await _appointment(admin, site, MADE + timedelta(days=3))
    approved = await _appointment(admin, site, MADE + timedelta(days=4))
    await admin.data(APPROVE, {"a": approved, "m": csm})
    later = Client(app, now=MADE + timedelta(days=5))
    led = {
        "siteId": site,
        "staffId": guide,
        "ledAt": (MADE + timedelta(days=3)).isoformat(),
        "actingStaffId": boss,
        "appointmentId": unapproved,
        "amount": "500",
    }
    penalty = (await later.data(PENALISE, {"i": led}))["penaliseUnapprovedVisit"]["penalty"]
    assert penalty["penaltyRule"] == {"code": "C-3-unapproved-visit", "rule": "C-3", "kind": "FINE"}
    assert penalty["amount"] == "500.00" and penalty["staff"]["name"] == "Hu"
    assert "although the key or group visit appointment is not approved" in penalty["reason"]
    assert "treated as leaking business secrets (C-3)" in penalty["reason"]
    # An appointment approved in time is no fault; the guide cannot enter it; the bounds hold.
    fine = await later.user_error(
        PENALISE,
        {"i": {**led, "appointmentId": approved, "ledAt": (MADE + timedelta(days=4)).isoformat()}},
    )
    assert (fine.extensions["code"], fine.extensions["rule"]) == ("APPOINTMENT_WAS_APPROVED", "C-3")
    self_entry = await later.error(PENALISE, {"i": {**led, "actingStaffId": guide}})
    assert self_entry.extensions["code"] == "NOT_AN_APPOINTMENT_APPROVER"
    too_much = await later.user_error(PENALISE, {"i": {**led, "amount": "5000"}})
    assert too_much.extensions["code"] == "PENALTY_AMOUNT_OUT_OF_RANGE"
    async with app.db.session() as s:
        count = len((await s.scalars(select(Penalty.id))).all())
    assert count == 1


# --- frontdesk_validate_shift_swap -----------------------------------------------------------

SCHEDULE = """mutation($i: ScheduleShiftInput!) { scheduleShift(input: $i) { shift { id }
  userErrors { field message code } } }"""
REQUEST = """mutation($i: RequestShiftSwapInput!) { requestShiftSwap(input: $i) { swap { id
  status } userErrors { field message code rule } } }"""
AGREE = """mutation($w: ID!, $s: ID!) { agreeShiftSwap(input: {swapId: $w, actingStaffId: $s}) {
  swap { status } userErrors { field message code } } }"""
APPROVE_SWAP = """mutation($w: ID!, $m: ID!) { approveShiftSwap(input: {swapId: $w,
  actingStaffId: $m}) { swap { status } userErrors { field message code rule } } }"""


async def _shift(client: Client, staff: str, day: str, start: str = "19:30", end: str = "02:00"):
    i = {"staffId": staff, "businessDate": day, "start": start, "end": end}
    return (await client.data(SCHEDULE, {"i": i}))["scheduleShift"]["shift"]["id"]


async def _request(client: Client, a: str, b: str, day_a: str, day_b: str) -> Any:
    given, payback = await _shift(client, a, day_a), await _shift(client, b, day_b)
    i = {"actingStaffId": a, "shiftId": given, "counterpartId": b, "paybackShiftId": payback}
    return await client.execute(REQUEST, {"i": i})


async def _swap_through(client: Client, a: str, b: str, boss: str, day_a: str, day_b: str) -> str:
    result = await _request(client, a, b, day_a, day_b)
    assert not result.errors, result.errors
    swap = result.data["requestShiftSwap"]["swap"]
    assert swap is not None, result.data
    await client.data(AGREE, {"w": swap["id"], "s": b})
    await client.data(APPROVE_SWAP, {"w": swap["id"], "m": boss})
    return swap["id"]


async def _fines(app: Frontdesk) -> list[tuple[str, str, str]]:
    async with app.db.session() as s:
        rows = await s.execute(
            select(PenaltyRule.code, Penalty.amount, Penalty.reason)
            .join(PenaltyRule, PenaltyRule.id == Penalty.penalty_rule_id)
            .order_by(Penalty.id)
        )
        return [(code, str(amount), reason) for code, amount, reason in rows.all()]


async def test_C_15_frontdesk_validate_shift_swap_refuses_waives_and_fines(app: Frontdesk) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client, "Starlight Lounge", "lounge")
    a, b = await add_staff(client, site, "Ann", "front_desk"), await add_staff(client, site, "Bo")
    boss = await add_staff(client, site, "Boss", "department_manager")
    # The first swap of the month: no fine.
    await _swap_through(client, a, b, boss, "2026-12-02", "2026-12-05")
    assert await _fines(app) == []
    # The second: core allows it, the line fines the requester 20 CNY when it is approved.
    second = await _swap_through(client, a, b, boss, "2026-12-10", "2026-12-13")
    assert await _fines(app) == [
        ("SWAP-FINE", "20.00", f"swap {legacy(second)}: second swap of the month")
    ]
    # The third: core's limit is 3, the line's verdict refuses it with its own code.
    third = await _request(client, a, b, "2026-12-18", "2026-12-22")
    assert not third.errors and third.data["requestShiftSwap"]["swap"] is None
    refusal = third.data["requestShiftSwap"]["userErrors"][0]
    assert (refusal["code"], refusal["rule"]) == ("SWAP_LINE_LIMIT", "C-15")
    assert "the lounge allows 2 swaps a month; a party has 2" in refusal["message"]
    # The line waives core's "no consecutive swaps" (another pair: the 7th, then the 8th).
    c, d = await add_staff(client, site, "Cai"), await add_staff(client, site, "Du")
    await _swap_through(client, c, d, boss, "2026-12-07", "2026-12-15")
    consecutive = await _request(client, c, d, "2026-12-08", "2026-12-20")
    assert consecutive.data["requestShiftSwap"]["swap"]["status"] == "REQUESTED"
    # …but core's other C-15 refusals stand (public-holiday duty on 1 January).
    e, f = await add_staff(client, site, "Er"), await add_staff(client, site, "Fu")
    holiday = await _request(client, e, f, "2027-01-01", "2027-01-06")
    assert holiday.data["requestShiftSwap"]["userErrors"][0]["code"] == "SWAP_HOLIDAY_DUTY"


# --- leave undecided when its day starts (PM-9, KTV-4) ---------------------------------------

REQUEST_LEAVE = """mutation($i: RequestLeaveInput!) { requestLeave(input: $i) { leave { id status
  late { rule } } userErrors { field message code } } }"""
DECIDE_LEAVE = """mutation($i: DecideLeaveInput!) { decideLeave(input: $i) { leave { id status }
  userErrors { field message code rule } } }"""
SWEEP = """mutation { sweepUndecidedLeave(input: {}) { lapsed { id status
  decision { rule message } } absenteeism { status businessDate wageDays wageDeduction
  decision { rule message } }
  userErrors { field message code } } }"""
SET_PAY = """mutation($i: SetStaffPayInput!) { setStaffPay(input: $i) { pay { dailyWage }
  userErrors { field message code } } }"""
STAFF = """query($s: ID!) { staff: staffMember(id: $s) { employmentStatus } }"""
CLOCK_IN = """mutation($i: ClockInInput!) { clockIn(input: $i) { record { status }
  userErrors { field message code } } }"""


async def _sweep(app: Frontdesk, at: datetime) -> dict[str, Any]:
    return (await Client(app, now=at).data(SWEEP))["sweepUndecidedLeave"]


async def test_KTV_4_leave_undecided_when_its_day_starts_lapses_then_is_absenteeism(
    app: Frontdesk,
) -> None:
    admin = Client(app, now=MADE)
    site = await make_site(admin, "Starlight Lounge", "lounge")
    li = await add_staff(admin, site, "Li", "front_desk")
    bo = await add_staff(admin, site, "Bo", "front_desk")
    boss = await add_staff(admin, site, "Boss", "department_manager")
    await admin.data(SET_PAY, {"i": {"staffId": li, "dailyWage": "250.00"}})
    days = ["2026-12-03", "2026-12-09", "2026-12-15"]
    shifts = [await _shift(admin, li, d) for d in days]
    came = await _shift(admin, bo, "2026-12-03")
    leaves = [
        (await admin.data(REQUEST_LEAVE, {"i": {"staffId": who, "shiftId": shift}}))[
            "requestLeave"
        ]["leave"]
        for who, shift in [(li, s) for s in shifts] + [(bo, came)]
    ]
    assert all(leave["late"] is None for leave in leaves)  # all in time (KTV-4)
    # 05:59 on the 3rd: the business day (06:00, KTV-1) has not started; nothing lapses.
    assert await _sweep(app, sh(2026, 12, 3, 5, 59)) == {
        "lapsed": [],
        "absenteeism": [],
        "userErrors": [],
    }
    # 06:00: the superior can no longer approve it in advance.
    late = await Client(app, now=sh(2026, 12, 3, 6)).user_error(
        DECIDE_LEAVE, {"i": {"leaveId": leaves[0]["id"], "actingStaffId": boss, "approve": True}}
    )
    assert (late.extensions["code"], late.extensions["rule"]) == ("LEAVE_LAPSED", "PM-9")
    swept = await _sweep(app, sh(2026, 12, 3, 6))
    assert [lp["id"] for lp in swept["lapsed"]] == [leaves[0]["id"], leaves[3]["id"]]
    assert {lp["status"] for lp in swept["lapsed"]} == {"LAPSED"}
    assert swept["lapsed"][0]["decision"]["rule"] == "KTV-4"
    assert "still undecided when the day started" in swept["lapsed"][0]["decision"]["message"]
    assert swept["absenteeism"] == []  # the shift has not ended: they may still come
    # Bo came after all; Li did not.
    await Client(app, now=sh(2026, 12, 3, 19, 30)).data(
        CLOCK_IN, {"i": {"shiftId": came, "at": sh(2026, 12, 3, 19, 30).isoformat()}}
    )
    swept = await _sweep(app, sh(2026, 12, 4, 2))
    assert swept["lapsed"] == []
    [record] = swept["absenteeism"]
    assert record["status"] == "ABSENTEEISM" and record["businessDate"] == "2026-12-03"
    assert (record["wageDays"], record["wageDeduction"]) == ("4.00", "1000.00")  # KTV-4
    assert record["decision"]["rule"] == "KTV-4"
    assert "leave without prior approval is absenteeism" in record["decision"]["message"]
    assert await _sweep(app, sh(2026, 12, 4, 3)) == {
        "lapsed": [],
        "absenteeism": [],
        "userErrors": [],
    }  # idempotent
    assert (await admin.data(STAFF, {"s": li}))["staff"]["employmentStatus"] == "ACTIVE"
    # The 9th and the 15th, swept together once both shifts are over: the third day of
    # absenteeism in December ends the employment (KTV-4), as an event.
    swept = await _sweep(app, sh(2026, 12, 16, 3))
    assert len(swept["lapsed"]) == 2 and len(swept["absenteeism"]) == 2
    assert (await admin.data(STAFF, {"s": li}))["staff"]["employmentStatus"] == "LEFT"
    [ended] = await _events(app, "staff.employment_ended")
    assert ended["rule"] == "KTV-4" and "3 days of absenteeism in 2026-12" in ended["reason"]
    decided = await _events(app, "leave.decided")
    assert [p["lapsed"] for p in decided] == [True, True, True, True]


# --- bookings that need approval (FC-3 / FC-6) ----------------------------------------------

BOOK = """mutation($i: BookInput!) { book(input: $i) { booking { id status approval approvedAt
  approvedById } userErrors { field message code } } }"""
APPROVE_BOOKING = """mutation($i: ApproveBookingInput!) { approveBooking(input: $i) { booking {
  id approval approvedById } userErrors { field message code } } }"""
RECORD_APPOINTMENT = """mutation($i: RecordAppointmentInput!) { recordAppointment(input: $i) {
  appointment { id bookingId decision { rule message } } userErrors { field message code } } }"""
BOOKINGS = """query($s: ID!, $d: Date!) { bookings(siteId: $s, businessDate: $d) { id
  resourceKind approval bookedById customerId } }"""


def test_FC_3_a_booking_counts_only_on_its_day_and_once_approved() -> None:
    def held(approval: str | None, status: str = "held") -> BookingFacts:
        return BookingFacts(APPOINTMENT_BOOK, date(2026, 12, 5), status, approval)

    ok, why = booking_validity(held("signature"), date(2026, 12, 5))
    assert ok and why.rule == "FC-3" and "counts on its day (signature)" in why.message
    ok, why = booking_validity(held("sms"), date(2026, 12, 6))
    assert not ok and "valid only on its own day, not on 2026-12-06" in why.message
    ok, why = booking_validity(held(None), date(2026, 12, 5))
    assert not ok and "takes effect only with a signature or an SMS; it has none" in why.message
    ok, why = booking_validity(held("signature", "cancelled"), date(2026, 12, 5))
    assert not ok and "is cancelled" in why.message
    # A room (KTV-11) needs no approval.
    room = BookingFacts(BookingKind("room", "Room"), date(2026, 12, 5), "held")
    assert booking_validity(room, date(2026, 12, 5))[0]


async def test_FC_3_the_appointment_book_is_the_generic_booking_with_a_signature_or_sms(
    app: Frontdesk,
) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client, "Iron Temple Fitness", "fitnessclub")
    wang = await add_staff(client, site, "Wang Li", "membership_consultant")
    zhao = await add_staff(client, site, "Zhao Min", "membership_consultant")
    director = await add_staff(client, site, "Qian", "club_director")
    customer = (await register(client, site, "Liu K", phone="13812345611"))["id"]
    # The fitness line's own appointment book holds a core booking of kind "appointment".
    data = {
        "siteId": site,
        "consultantId": wang,
        "customerId": customer,
        "phone": "13812345611",
        "visitDate": "2026-12-01",
        "signature": "SMS",
    }
    entry = (await client.data(RECORD_APPOINTMENT, {"i": data}))["recordAppointment"]["appointment"]
    assert entry["decision"]["rule"] == "FC-3" and entry["bookingId"]
    # Not exclusive: a colleague books the same customer the same day (earliest entry wins).
    unsigned = {
        "siteId": site,
        "actingStaffId": zhao,
        "resourceKind": "appointment",
        "resource": "club visit",
        "businessDate": "2026-12-01",
        "customerId": customer,
    }
    later = (await client.data(BOOK, {"i": unsigned}))["book"]["booking"]
    assert later["approval"] is None and later["approvedAt"] is None
    listed = (await client.data(BOOKINGS, {"s": site, "d": "2026-12-01"}))["bookings"]
    assert [(b["id"], b["approval"]) for b in listed] == [
        (entry["bookingId"], "sms"),
        (later["id"], None),
    ]
    # It takes effect with the director's signature; a consultant cannot sign.
    wrong = await client.error(
        APPROVE_BOOKING,
        {"i": {"bookingId": later["id"], "approval": "signature", "approvedById": wang}},
    )
    assert wrong.extensions["code"] == "NOT_A_BOOKING_APPROVER"
    assert "FC-3 names club_director, general_manager" in wrong.message
    odd = await client.user_error(
        APPROVE_BOOKING, {"i": {"bookingId": later["id"], "approval": "fax"}}
    )
    assert odd.extensions["code"] == "UNKNOWN_BOOKING_APPROVAL"
    # C-13: a signature is the signer's own act: Zhao's token cannot sign as the director.
    zhao_token = Client(
        app, now=MADE, actor=Actor(role=Role.STAFF, name="Zhao's token", staff_id=legacy(zhao))
    )
    forged = await zhao_token.error(
        APPROVE_BOOKING,
        {"i": {"bookingId": later["id"], "approval": "signature", "approvedById": director}},
    )
    assert forged.extensions["code"] == "FORBIDDEN"
    signed = (
        await client.data(
            APPROVE_BOOKING,
            {"i": {"bookingId": later["id"], "approval": "signature", "approvedById": director}},
        )
    )["approveBooking"]["booking"]
    assert (signed["approval"], signed["approvedById"]) == ("signature", director)
    twice = await client.user_error(
        APPROVE_BOOKING, {"i": {"bookingId": later["id"], "approval": "sms"}}
    )
    assert twice.extensions["code"] == "BOOKING_ALREADY_APPROVED"
    # A room elsewhere stays exclusive and needs no approval.
    office = await make_site(client, "Sunrise Sales Office")
    sales = await add_staff(client, office, "Wang")
    room = {
        "siteId": office,
        "actingStaffId": sales,
        "resourceKind": "room",
        "resource": "VIP 1",
        "businessDate": "2026-12-01",
        "guestName": "Mr Qian",
    }
    booked = (await client.data(BOOK, {"i": room}))["book"]["booking"]
    not_needed = await client.user_error(
        APPROVE_BOOKING,
        {"i": {"bookingId": booked["id"], "approval": "signature", "approvedById": sales}},
    )
    assert not_needed.extensions["code"] == "BOOKING_APPROVAL_NOT_NEEDED"
    taken = await client.user_error(BOOK, {"i": room})
    assert taken.extensions["code"] == "RESOURCE_TAKEN"


# --- public-holiday duty from the site's calendar; an unclear handover (C-15) ----------------

SHIFTS = """query($s: ID!, $f: Date!, $t: Date!) { shifts(siteId: $s, fromDate: $f, toDate: $t) {
  nodes { businessDate publicHolidayDuty staff { name } } } }"""
SHIFT_IDS = """query($s: ID!, $f: Date!, $t: Date!) { shifts(siteId: $s, fromDate: $f,
  toDate: $t) { nodes { id } } }"""
RECORD = """mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { record { status
  decision { rule message } } userErrors { field message code } } }"""


async def test_C_15_public_holiday_duty_comes_from_the_sites_calendar(app: Frontdesk) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client, "Starlight Lounge", "lounge")
    ann = await add_staff(client, site, "Ann", "front_desk")
    for day in ("2026-12-31", "2027-01-01", "2027-01-04"):
        await _shift(client, ann, day)
    roster = (await client.data(SHIFTS, {"s": site, "f": "2026-12-31", "t": "2027-01-04"}))[
        "shifts"
    ]["nodes"]
    # 1 January is a public holiday in CN (the site's calendar region): holiday duty.
    assert [(r["businessDate"], r["publicHolidayDuty"]) for r in roster] == [
        ("2026-12-31", False),
        ("2027-01-01", True),
        ("2027-01-04", False),
    ]


async def test_C_15_a_shift_missed_after_an_unclear_handover_is_absenteeism(
    app: Frontdesk,
) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client, "Starlight Lounge", "lounge")
    ann, bo = await add_staff(client, site, "Ann"), await add_staff(client, site, "Bo")
    boss = await add_staff(client, site, "Boss", "department_manager")
    await _swap_through(client, ann, bo, boss, "2026-12-09", "2026-12-12")
    roster = (await client.data(SHIFTS, {"s": site, "f": "2026-12-09", "t": "2026-12-09"}))[
        "shifts"
    ]["nodes"]
    assert roster[0]["staff"]["name"] == "Bo"  # the swapped shift is Bo's now
    shifts = await client.data(SHIFT_IDS, {"s": site, "f": "2026-12-09", "t": "2026-12-09"})
    missed = shifts["shifts"]["nodes"][0]["id"]
    record = (
        await Client(app, now=sh(2026, 12, 10, 3)).data(
            RECORD,
            {
                "i": {
                    "shiftId": missed,
                    "actingStaffId": boss,
                    "what": "absenteeism",
                    "rule": "C-15",
                    "note": "nobody came: the handover of the swap was unclear",  # C-15
                }
            },
        )
    )["recordAttendance"]["record"]
    note = "nobody came: the handover of the swap was unclear"
    assert record == {"status": "ABSENTEEISM", "decision": {"rule": "C-15", "message": note}}
