"""End-to-end GraphQL tests of the KTV line (issue 16): each names the rule it proves (KTV-1 …
KTV-11) and asserts the decision and its reason, at the exact minute of every boundary —
19:30/19:31 at the meeting, 01:59/02:00/05:59/06:00 around the business day, leave one
minute before and after its deadline, the third absence of a month vs the first of the next.

The venue is in Asia/Shanghai; ``at(day, h, m)`` is December 2026 local time.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.models import Event, Staff
from core.plugin_api import global_id
from core.testing import FrontdeskClient

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def frontdesk_lines() -> tuple[str, ...]:
    return ("ktv",)


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def sid(row: Any) -> str:
    return global_id("Staff", row.id)


@dataclasses.dataclass
class Venue:
    client: FrontdeskClient
    site: Any
    director: Any
    mei: Any
    kit: Any
    wing: Any
    guest: Any

    def at(self, moment: datetime) -> FrontdeskClient:
        return dataclasses.replace(self.client, now=moment)

    @property
    def site_id(self) -> str:
        return global_id("Site", self.site.id)


@pytest.fixture
async def venue(frontdesk_client, make_site, make_staff, make_customer) -> Venue:
    site = await make_site("Starlight KTV")
    director = await make_staff(site, "Director Lam", role="duty_director")
    mei = await make_staff(site, "Ah Mei", role="booking_agent")
    kit = await make_staff(site, "Ah Kit", role="booking_agent")
    wing = await make_staff(site, "Ah Wing", role="waiter")
    guest = await make_customer(site, "Mr Chan", phone="13800138001")
    v = Venue(frontdesk_client, site, director, mei, kit, wing, guest)
    for person in (mei, kit, wing):
        await v.client.data(
            SET_PAY,
            {"i": {"staffId": sid(person), "dailyWage": "200", "superiorId": sid(director)}},
        )
    return v


SET_PAY = """mutation($i: SetStaffPayInput!) { setStaffPay(input: $i) { userErrors { code } } }"""
SCHEDULE = """mutation($i: ScheduleShiftInput!) { scheduleShift(input: $i) { shift { id }
  userErrors { code message } } }"""
FINE = "code rule amount reason businessDate penalty { id }"
LINE = f"""staff {{ name }} status minutesLate signedAt roomBooking decision {{ rule message }}
  fine {{ {FINE} }}"""
MEETING = f"meetingId businessDate assignment startsAt closesAt closedAt roll {{ {LINE} }}"
CALL = f"""mutation($i: CallKtvMeetingInput!) {{ callKtvMeeting(input: $i) {{
  meeting {{ {MEETING} }} userErrors {{ code message rule }} }} }}"""
SIGN = f"""mutation($i: SignKtvRollInput!) {{ signKtvRoll(input: $i) {{ line {{ {LINE} }}
  userErrors {{ code message rule }} }} }}"""
CLOSE = f"""mutation($i: CloseKtvRollInput!) {{ closeKtvRoll(input: $i) {{ meeting {{ {MEETING} }}
  userErrors {{ code message rule }} }} }}"""
BOOKING = """id legacyId bookedBy { name } receiver { name } customer { name } guestName
  resourceKind resource businessDate status credited visit { id } decision { rule message }"""
BOOK = f"""mutation($i: BookKtvInput!) {{ bookKtv(input: $i) {{ booking {{ {BOOKING} }}
  userErrors {{ code message rule }} }} }}"""
CANCEL = f"""mutation($i: CancelKtvBookingInput!) {{ cancelKtvBooking(input: $i) {{
  booking {{ {BOOKING} }} userErrors {{ code message }} }} }}"""
RECEIVE = f"""mutation($i: ReceiveKtvGuestInput!) {{ receiveKtvGuest(input: $i) {{ reception {{
  receiver {{ name }} businessDate booking {{ {BOOKING} }} decision {{ rule message }}
  visit {{ id }} }} userErrors {{ code message }} }} }}"""
TONIGHT = f"""query($s: ID!, $d: Date) {{ ktvTonight(siteId: $s, businessDate: $d) {{
  businessDate opensAt closesAt meeting {{ {MEETING} }} bookings {{ {BOOKING} }}
  exitPasses {{ staff {{ name }} status decidedAt }} onPass {{ staff {{ name }} }} }} }}"""
MONTH = f"""query($s: ID!, $m: Date) {{ ktvStaffMonth(staffId: $s, month: $m) {{
  staff {{ name }} month honouredBookings credits performance {{ rule message }}
  fines {{ {FINE} }} totalFines absences {{ businessDate kind decision {{ rule message }}
  wageDeduction }} absenteeismDays wageDeductions employmentEnded
  conduct {{ id conduct rule amount dismissal policeReferral cancelsCredits
  decision {{ rule message }} penalty {{ id }} }} }} }}"""


async def shift(v: Venue, person: Any, day: str, start: str = "19:30", end: str = "02:00") -> str:
    i = {"staffId": sid(person), "businessDate": day, "start": start, "end": end}
    data = await v.client.data(SCHEDULE, {"i": i})
    return data["scheduleShift"]["shift"]["id"]


def by_name(roll: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["staff"]["name"]: line for line in roll}


# --- KTV-1: the business day past midnight ------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "business_date"),
    [
        (at(12, 1, 59), "2026-12-11"),
        (at(12, 2, 0), "2026-12-11"),
        (at(12, 5, 59), "2026-12-11"),
        (at(12, 6, 0), "2026-12-12"),
    ],
)
async def test_KTV_1_tonight_is_the_previous_business_day_until_0600(
    venue: Venue, moment: datetime, business_date: str
) -> None:
    tonight = (await venue.at(moment).data(TONIGHT, {"s": venue.site_id}))["ktvTonight"]
    assert tonight["businessDate"] == business_date
    # Working hours 19:30–02:00 of that business day (KTV-1).
    assert tonight["opensAt"] == f"{business_date}T19:30:00+08:00"
    next_day = f"2026-12-{int(business_date[-2:]) + 1:02d}"
    assert tonight["closesAt"] == f"{next_day}T02:00:00+08:00"


@pytest.mark.parametrize(
    ("moment", "received_by_booker"),
    [(at(12, 1, 59), True), (at(12, 5, 59), True), (at(12, 6, 0), False)],
)
async def test_KTV_1_and_KTV_11_booking_counts_only_on_its_business_date(
    venue: Venue, moment: datetime, received_by_booker: bool
) -> None:
    book = {
        "siteId": venue.site_id,
        "bookedById": sid(venue.mei),
        "resourceKind": "ROOM",
        "resource": "V8",
        "businessDate": "2026-12-11",
        "guestName": "Mr Ho",
    }
    await venue.at(at(11, 15)).data(BOOK, {"i": book})
    reception = (
        await venue.at(moment).data(
            RECEIVE, {"i": {"siteId": venue.site_id, "guestName": "mr  ho"}}
        )
    )["receiveKtvGuest"]["reception"]
    if received_by_booker:
        assert reception["businessDate"] == "2026-12-11"
        assert reception["receiver"] == {"name": "Ah Mei"}
        assert reception["decision"]["rule"] == "KTV-11"
        assert (
            "received by the staff member who booked the guest"
            in (reception["decision"]["message"])
        )
    else:  # 06:00 of the 12th is the 12th's business day: the 11th's booking does not count
        assert reception["businessDate"] == "2026-12-12"
        assert reception["receiver"] is None and reception["booking"] is None
        assert reception["decision"]["message"].startswith("no booking for this guest tonight")


# --- KTV-2 / KTV-10: the pre-shift meeting --------------------------------------------------------


async def test_KTV_2_roll_call_1930_present_1931_late_absent_and_fines(venue: Venue) -> None:
    for person in (venue.mei, venue.kit, venue.wing):
        await shift(venue, person, "2026-12-07")
    meeting = (
        await venue.at(at(7, 18)).data(
            CALL, {"i": {"siteId": venue.site_id, "assignment": "Mei: rooms V1–V8; Kit: hall"}}
        )
    )["callKtvMeeting"]["meeting"]
    assert meeting["businessDate"] == "2026-12-07"
    assert meeting["assignment"] == "Mei: rooms V1–V8; Kit: hall"
    assert meeting["startsAt"].startswith("2026-12-07T11:30:00")  # 19:30 local
    mid = meeting["meetingId"]
    signed = {}
    for person, minute in ((venue.mei, 30), (venue.kit, 31)):
        i = {"meetingId": mid, "staffId": sid(person), "at": iso(at(7, 19, minute))}
        signed[person.name] = (await venue.at(at(7, 19, minute)).data(SIGN, {"i": i}))[
            "signKtvRoll"
        ]["line"]
    assert signed["Ah Mei"]["status"] is None  # decided at the close
    early = await venue.at(at(7, 19, 59)).execute(CLOSE, {"i": {"meetingId": mid}})
    assert [e["code"] for e in early.data["closeKtvRoll"]["userErrors"]] == ["ROLL_STILL_OPEN"]
    closed = (await venue.at(at(7, 20)).data(CLOSE, {"i": {"meetingId": mid}}))["closeKtvRoll"][
        "meeting"
    ]
    roll = by_name(closed["roll"])
    # 19:30:00 on time; 19:31 late (KTV-2), fined 30; not signed at 20:00 absent, fined 50.
    assert (roll["Ah Mei"]["status"], roll["Ah Mei"]["fine"]) == ("present", None)
    assert (roll["Ah Kit"]["status"], roll["Ah Kit"]["minutesLate"]) == ("late", 1)
    assert roll["Ah Kit"]["decision"]["rule"] == "KTV-2"
    assert roll["Ah Kit"]["fine"]["code"] == "KTV-2-late"
    assert roll["Ah Kit"]["fine"]["amount"] == "30.00"
    assert "[KTV-2]" in roll["Ah Kit"]["fine"]["reason"]
    assert (roll["Ah Wing"]["status"], roll["Ah Wing"]["decision"]["rule"]) == ("absent", "KTV-2")
    assert (roll["Ah Wing"]["fine"]["code"], roll["Ah Wing"]["fine"]["amount"]) == (
        "KTV-2-absent",
        "50.00",
    )
    # The month shows the fine and the meeting absence, on the business day.
    month = (await venue.at(at(8, 12)).data(MONTH, {"s": sid(venue.wing)}))["ktvStaffMonth"]
    assert [(f["code"], f["businessDate"]) for f in month["fines"]] == [
        ("KTV-2-absent", "2026-12-07")
    ]
    assert month["totalFines"] == "50.00"
    assert [(a["kind"], a["decision"]["rule"]) for a in month["absences"]] == [
        ("meeting_absent", "KTV-2")
    ]


async def test_KTV_10_room_booking_excuses_table_does_not_cancelled_room_is_absent(
    venue: Venue,
) -> None:
    for person in (venue.mei, venue.kit, venue.wing):
        await shift(venue, person, "2026-12-07")
    morning = venue.at(at(7, 14))

    async def book(person: Any, kind: str, resource: str) -> str:
        i = {
            "siteId": venue.site_id,
            "bookedById": sid(person),
            "resourceKind": kind,
            "resource": resource,
            "guestName": f"Guest of {person.name}",
        }
        return (await morning.data(BOOK, {"i": i}))["bookKtv"]["booking"]["id"]

    await book(venue.mei, "ROOM", "V1")
    await book(venue.kit, "TABLE", "T3")
    cancelled = await book(venue.wing, "ROOM", "V2")
    mid = (await morning.data(CALL, {"i": {"siteId": venue.site_id}}))["callKtvMeeting"]["meeting"][
        "meetingId"
    ]
    await venue.at(at(7, 19, 50)).data(CANCEL, {"i": {"bookingId": cancelled}})
    closed = (await venue.at(at(7, 20)).data(CLOSE, {"i": {"meetingId": mid}}))["closeKtvRoll"][
        "meeting"
    ]
    roll = by_name(closed["roll"])
    assert roll["Ah Mei"]["status"] is None and roll["Ah Mei"]["roomBooking"]  # excused for now
    assert roll["Ah Mei"]["fine"] is None
    # A table booking does not excuse: absent under KTV-2.
    assert (roll["Ah Kit"]["status"], roll["Ah Kit"]["decision"]["rule"]) == ("absent", "KTV-2")
    # The room booking cancelled while the roll was open, and Wing stayed away: absent, 50.
    assert (roll["Ah Wing"]["status"], roll["Ah Wing"]["decision"]["rule"]) == (
        "absent",
        "KTV-10",
    )
    assert (roll["Ah Wing"]["fine"]["code"], roll["Ah Wing"]["fine"]["amount"]) == (
        "KTV-10-absent",
        "50.00",
    )
    # 补签: Mei signs afterwards, at 23:10: excused, no fine.
    later = (
        await venue.at(at(7, 23, 10)).data(
            SIGN, {"i": {"meetingId": mid, "staffId": sid(venue.mei), "at": iso(at(7, 23, 10))}}
        )
    )["signKtvRoll"]["line"]
    assert (later["status"], later["fine"]) == ("excused", None)
    assert later["decision"]["rule"] == "KTV-10"


# --- KTV-3: knowledge checks ---------------------------------------------------------------------

REGISTER = """mutation($i: RegisterKtvJoiningInput!) { registerKtvJoining(input: $i) { check {
  id dueOn overdue } userErrors { code } } }"""
PASS = """mutation($i: PassKtvKnowledgeCheckInput!) { passKtvKnowledgeCheck(input: $i) { check {
  passedOn overdue topics checkedBy { name } decision { rule message } }
  userErrors { code message field } } }"""
OVERDUE = """query($s: ID!) { ktvOverdueKnowledgeChecks(siteId: $s) { nodes { staff { name }
  dueOn decision { rule message } } } }"""
TOPICS = ["DRINK_PRICES", "MINIMUM_CHARGES", "ALL_YOU_CAN_DRINK_ROOMS", "TABLE_NUMBERS"]


async def test_KTV_3_knowledge_check_due_on_day_3_and_overdue_listed(venue: Venue) -> None:
    check = (
        await venue.at(at(1, 20)).data(
            REGISTER, {"i": {"staffId": sid(venue.wing), "joinedOn": "2026-12-01"}}
        )
    )["registerKtvJoining"]["check"]
    assert check["dueOn"] == "2026-12-03" and check["overdue"] is False

    async def overdue(moment: datetime) -> list[dict[str, Any]]:
        data = await venue.at(moment).data(OVERDUE, {"s": venue.site_id})
        return data["ktvOverdueKnowledgeChecks"]["nodes"]

    # 05:59 on the 4th is still the 3rd's business day (KTV-1): in time; 06:00 overdue.
    assert await overdue(at(4, 5, 59)) == []
    [late] = await overdue(at(4, 6, 0))
    assert late["staff"] == {"name": "Ah Wing"} and late["decision"]["rule"] == "KTV-3"
    assert "was due by 2026-12-03" in late["decision"]["message"]
    missing = await venue.at(at(4, 20)).execute(
        PASS,
        {
            "i": {
                "staffId": sid(venue.wing),
                "checkedById": sid(venue.director),
                "topics": TOPICS[:2],
            }
        },
    )
    [error] = missing.data["passKtvKnowledgeCheck"]["userErrors"]
    assert (
        error["code"] == "KNOWLEDGE_TOPICS_INCOMPLETE"
        and "all_you_can_drink_rooms" in (error["message"])
    )
    passed = (
        await venue.at(at(4, 20)).data(
            PASS,
            {
                "i": {
                    "staffId": sid(venue.wing),
                    "checkedById": sid(venue.director),
                    "topics": TOPICS,
                }
            },
        )
    )["passKtvKnowledgeCheck"]["check"]
    assert passed["passedOn"] == "2026-12-04" and passed["overdue"] is True  # flagged, no fine
    assert passed["checkedBy"] == {"name": "Director Lam"}
    assert await overdue(at(5, 20)) == []


# --- KTV-4: leave and absenteeism ----------------------------------------------------------------

REQUEST_LEAVE = """mutation($i: RequestKtvLeaveInput!) { requestKtvLeave(input: $i) { leave {
  leaveId deadline late { rule message } } userErrors { code message } } }"""
DECIDE_LEAVE = """mutation($i: DecideKtvLeaveInput!) { decideKtvLeave(input: $i) { leave {
  status attendance wageDeduction employmentEnded decision { rule message } late { rule } }
  userErrors { code message rule } } }"""


@pytest.mark.parametrize(("requested", "late"), [(at(11, 5, 59), False), (at(11, 6, 0), True)])
async def test_KTV_4_leave_one_minute_before_and_after_the_deadline(
    venue: Venue, requested: datetime, late: bool
) -> None:
    shift_id = await shift(venue, venue.mei, "2026-12-12")
    leave = (
        await venue.at(requested).data(
            REQUEST_LEAVE, {"i": {"staffId": sid(venue.mei), "shiftId": shift_id}}
        )
    )["requestKtvLeave"]["leave"]
    assert leave["deadline"].startswith("2026-12-10T22:00:00")  # 06:00 of the 11th, +08:00
    decided = (
        await venue.at(at(11, 12)).data(
            DECIDE_LEAVE,
            {"i": {"leaveId": leave["leaveId"], "managerId": sid(venue.director), "approve": True}},
        )
    )["decideKtvLeave"]["leave"]
    if not late:
        assert leave["late"] is None
        assert (decided["attendance"], decided["wageDeduction"]) == ("on_leave", None)
    else:
        assert leave["late"]["rule"] == "KTV-4"
        # Approved late: absenteeism, 4 days' wages of 200 deducted.
        assert (decided["attendance"], decided["wageDeduction"]) == ("absenteeism", "800.00")
        assert decided["decision"]["rule"] == "KTV-4"


async def test_KTV_4_late_leave_approved_by_the_duty_director_as_a_special_case(
    venue: Venue,
) -> None:
    shift_id = await shift(venue, venue.mei, "2026-12-12")
    leave = (
        await venue.at(at(12, 9)).data(
            REQUEST_LEAVE, {"i": {"staffId": sid(venue.mei), "shiftId": shift_id}}
        )
    )["requestKtvLeave"]["leave"]
    decide = {
        "leaveId": leave["leaveId"],
        "managerId": sid(venue.director),
        "approve": True,
        "specialCase": "family emergency",
    }
    decided = (await venue.at(at(12, 10)).data(DECIDE_LEAVE, {"i": decide}))["decideKtvLeave"][
        "leave"
    ]
    assert decided["attendance"] == "on_leave" and decided["wageDeduction"] is None
    assert decided["decision"] == {
        "rule": "KTV-4",
        "message": "special case approved by the duty director: family emergency",
    }


async def _absenteeism(v: Venue, person: Any, day: datetime) -> dict[str, Any]:
    shift_id = await shift(v, person, day.date().isoformat())
    leave = (
        await v.at(day.replace(hour=12)).data(
            REQUEST_LEAVE, {"i": {"staffId": sid(person), "shiftId": shift_id}}
        )
    )["requestKtvLeave"]["leave"]
    return (
        await v.at(day.replace(hour=13)).data(
            DECIDE_LEAVE,
            {"i": {"leaveId": leave["leaveId"], "managerId": sid(v.director), "approve": True}},
        )
    )["decideKtvLeave"]["leave"]


async def test_KTV_4_third_absenteeism_of_a_month_ends_employment_first_of_next_does_not(
    frontdesk_app, venue: Venue
) -> None:
    # Mei: 29, 30, 31 December — the third day in December ends her employment.
    results = [await _absenteeism(venue, venue.mei, at(d, 0)) for d in (29, 30, 31)]
    assert [r["employmentEnded"] for r in results] == [False, False, True]
    month = (await venue.at(at(31, 20)).data(MONTH, {"s": sid(venue.mei)}))["ktvStaffMonth"]
    assert month["absenteeismDays"] == 3 and month["wageDeductions"] == "2400.00"
    assert month["employmentEnded"] is True
    # Kit: 30, 31 December and 1 January — the count restarts on the 1st: still employed.
    days = [at(30, 0), at(31, 0), at(1, 0, month=1, year=2027)]
    results = [await _absenteeism(venue, venue.kit, d) for d in days]
    assert [r["employmentEnded"] for r in results] == [False, False, False]
    async with frontdesk_app.db.session() as s:
        ended = (await s.scalars(select(Event).where(Event.type == "ktv.employment_ended"))).all()
    assert [e.payload["staff"] for e in ended] == [venue.mei.id]


# --- KTV-5: exit passes -------------------------------------------------------------------------

CLOCK_IN = """mutation($i: ClockInInput!) { clockIn(input: $i) { userErrors { code } } }"""
CLOCK_OUT = f"""mutation($i: ClockOutKtvInput!) {{ clockOutKtv(input: $i) {{ clockOut {{
  staff {{ name }} leftEarly {{ rule message }} fine {{ {FINE} }} }}
  userErrors {{ code message rule field }} }} }}"""
REQUEST_PASS = """mutation($i: RequestKtvExitPassInput!) { requestKtvExitPass(input: $i) {
  exitPass { passId status } userErrors { code } } }"""
DECIDE_PASS = """mutation($i: DecideKtvExitPassInput!) { decideKtvExitPass(input: $i) {
  exitPass { status decidedBy { name } } userErrors { code } } }"""


async def test_KTV_5_leaving_the_post_without_an_approved_pass_is_fined_100(venue: Venue) -> None:
    mei_shift = await shift(venue, venue.mei, "2026-12-07")
    kit_shift = await shift(venue, venue.kit, "2026-12-07")
    for shift_id in (mei_shift, kit_shift):
        await venue.at(at(7, 19, 25)).data(
            CLOCK_IN, {"i": {"shiftId": shift_id, "at": iso(at(7, 19, 25))}}
        )
    # Kit has a pass approved at 22:50 by his direct superior; Mei has none.
    pass_id = (
        await venue.at(at(7, 22, 40)).data(
            REQUEST_PASS, {"i": {"staffId": sid(venue.kit), "shiftId": kit_shift}}
        )
    )["requestKtvExitPass"]["exitPass"]["passId"]
    approved = (
        await venue.at(at(7, 22, 50)).data(
            DECIDE_PASS,
            {"i": {"passId": pass_id, "managerId": sid(venue.director), "approve": True}},
        )
    )["decideKtvExitPass"]["exitPass"]
    assert approved == {"status": "approved", "decidedBy": {"name": "Director Lam"}}
    board = (await venue.at(at(7, 23)).data(TONIGHT, {"s": venue.site_id}))["ktvTonight"]
    assert board["onPass"] == [{"staff": {"name": "Ah Kit"}}]
    # KTV-1: Mei's own booked room still occupied: she cannot end her shift.
    refused = await venue.at(at(7, 23)).execute(
        CLOCK_OUT, {"i": {"shiftId": mei_shift, "ownRoomsOccupied": ["V8"]}}
    )
    [error] = refused.data["clockOutKtv"]["userErrors"]
    assert (error["code"], error["rule"]) == ("SHIFT_END_REFUSED", "KTV-1")
    left = (
        await venue.at(at(7, 23)).data(
            CLOCK_OUT, {"i": {"shiftId": mei_shift, "at": iso(at(7, 23))}}
        )
    )["clockOutKtv"]["clockOut"]
    assert left["leftEarly"]["rule"] == "KTV-5"
    assert (left["fine"]["code"], left["fine"]["amount"]) == ("KTV-5", "100.00")
    kit = (
        await venue.at(at(7, 23)).data(
            CLOCK_OUT, {"i": {"shiftId": kit_shift, "at": iso(at(7, 23))}}
        )
    )["clockOutKtv"]["clockOut"]
    assert (kit["leftEarly"], kit["fine"]) == (None, None)


# --- KTV-6: attitude complaints -------------------------------------------------------------------

FILE = """mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id }
  userErrors { code message } } }"""
VERIFY = """mutation($i: VerifyComplaintFaultInput!) { verifyComplaintFault(input: $i) {
  penalties { amount reason penaltyRule { code rule } } decision { rule message }
  userErrors { code message } } }"""


async def test_KTV_6_attitude_complaint_fined_100_in_place_of_c14(venue: Venue) -> None:
    client = venue.at(at(7, 22))

    async def verified(category: str) -> dict[str, Any]:
        filed = {
            "siteId": venue.site_id,
            "channel": "IN_PERSON",
            "category": category,
            "description": "the waiter rolled his eyes",
            "customerName": "Mr Chan",
            "actingStaffId": sid(venue.director),
        }
        cid = (await client.data(FILE, {"i": filed}))["fileComplaint"]["complaint"]["id"]
        verify = {
            "complaintId": cid,
            "staffId": sid(venue.wing),
            "fineAmount": "300",
            "reason": "confirmed by the room attendant",
            "actingStaffId": sid(venue.director),
        }
        return (await client.data(VERIFY, {"i": verify}))["verifyComplaintFault"]

    attitude = await verified("attitude")
    assert [(p["penaltyRule"]["code"], p["amount"]) for p in attitude["penalties"]] == [
        ("KTV-6", "100.00")
    ]
    assert attitude["penalties"][0]["reason"].startswith(
        "KTV-6: guest complaint about attitude: KTV-6's fine replaces C-14's staff fine"
    )
    other = await verified("service")
    assert [(p["penaltyRule"]["code"], p["amount"]) for p in other["penalties"]] == [
        ("C-14-staff", "300.00")
    ]


# --- KTV-7, KTV-11: bookings and credits ----------------------------------------------------------

CONDUCT = """mutation($i: RecordKtvConductInput!) { recordKtvConduct(input: $i) { record { id
  conduct rule amount dismissal policeReferral cancelsCredits decision { rule message }
  staff { name } penalty { id } } userErrors { code field message } } }"""


async def test_KTV_11_guest_received_by_the_booker_at_0130_and_credited(
    frontdesk_app, venue: Venue
) -> None:
    book = {
        "siteId": venue.site_id,
        "bookedById": sid(venue.mei),
        "resourceKind": "ROOM",
        "resource": "V8",
        "customerId": global_id("Customer", venue.guest.id),
    }
    booking = (await venue.at(at(11, 15)).data(BOOK, {"i": book}))["bookKtv"]["booking"]
    assert booking["businessDate"] == "2026-12-11" and booking["receiver"] == {"name": "Ah Mei"}
    reception = (
        await venue.at(at(12, 1, 30)).data(
            RECEIVE,
            {"i": {"siteId": venue.site_id, "customerId": global_id("Customer", venue.guest.id)}},
        )
    )["receiveKtvGuest"]["reception"]
    assert reception["receiver"] == {"name": "Ah Mei"}
    assert reception["booking"]["status"] == "honoured" and reception["booking"]["credited"]
    assert reception["booking"]["visit"] == reception["visit"]
    board = (await venue.at(at(12, 1, 45)).data(TONIGHT, {"s": venue.site_id}))["ktvTonight"]
    assert [(b["resource"], b["receiver"]["name"], b["credited"]) for b in board["bookings"]] == [
        ("V8", "Ah Mei", True)
    ]
    month = (await venue.at(at(12, 12)).data(MONTH, {"s": sid(venue.mei)}))["ktvStaffMonth"]
    assert (month["honouredBookings"], month["credits"]) == (1, 1)
    assert month["performance"]["rule"] == "KTV-11"
    node = await venue.client.data(
        "query($id: ID!) { node(id: $id) { ... on KtvBooking { resource credited } } }",
        {"id": booking["id"]},
    )
    assert node["node"] == {"resource": "V8", "credited": True}
    async with frontdesk_app.db.session() as s:
        events = (await s.scalars(select(Event).where(Event.stream == "ktv"))).all()
    assert [(e.type, e.payload["receiver"]) for e in events] == [
        ("ktv.guest_received", venue.mei.id)
    ]


async def test_KTV_7_fake_booking_cancels_the_months_credits_plus_a_fine_within_bounds(
    venue: Venue,
) -> None:
    book = {
        "siteId": venue.site_id,
        "bookedById": sid(venue.mei),
        "resourceKind": "TABLE",
        "resource": "T1",
        "guestName": "Ms Lee",
    }
    await venue.at(at(11, 15)).data(BOOK, {"i": book})
    await venue.at(at(11, 21)).data(
        RECEIVE, {"i": {"siteId": venue.site_id, "guestName": "Ms Lee"}}
    )
    conduct = {
        "staffId": sid(venue.mei),
        "conduct": "FAKE_BOOKING",
        "description": "booked V3 for a guest who never existed",
        "recordedById": sid(venue.director),
    }
    over = await venue.at(at(12, 20)).execute(CONDUCT, {"i": {**conduct, "amount": "501"}})
    assert [e["code"] for e in over.data["recordKtvConduct"]["userErrors"]] == [
        "PENALTY_AMOUNT_OUT_OF_RANGE"
    ]
    record = (await venue.at(at(12, 20)).data(CONDUCT, {"i": {**conduct, "amount": "500"}}))[
        "recordKtvConduct"
    ]["record"]
    assert (record["rule"], record["amount"], record["cancelsCredits"]) == ("KTV-7", "500.00", True)
    month = (await venue.at(at(12, 21)).data(MONTH, {"s": sid(venue.mei)}))["ktvStaffMonth"]
    assert (month["honouredBookings"], month["credits"]) == (1, 0)
    assert month["performance"]["rule"] == "KTV-7"
    assert "cancelled by a conduct record" in month["performance"]["message"]


# --- KTV-8, KTV-9: conduct -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "amount", "refused"),
    [
        ("TALKING_BACK", "299", True),
        ("TALKING_BACK", "300", False),
        ("VIOLENT_CONFLICT", "500", False),
        ("STARTING_FIGHT", "499", True),
        ("STARTING_FIGHT", "1000", False),
        ("STARTING_FIGHT", "1001", True),
    ],
)
async def test_KTV_8_conduct_fines_within_their_bounds(
    venue: Venue, conduct: str, amount: str, refused: bool
) -> None:
    i = {
        "staffId": sid(venue.wing),
        "conduct": conduct,
        "amount": amount,
        "recordedById": sid(venue.director),
    }
    result = await venue.at(at(7, 23)).execute(CONDUCT, {"i": i})
    payload = result.data["recordKtvConduct"]
    if refused:
        assert [e["code"] for e in payload["userErrors"]] == ["PENALTY_AMOUNT_OUT_OF_RANGE"]
        assert payload["record"] is None
    else:
        assert payload["record"]["rule"] == "KTV-8" and payload["record"]["amount"] == (
            f"{int(amount)}.00"
        )


async def test_KTV_8_an_egregious_theft_is_recorded_with_its_police_referral(
    frontdesk_app, venue: Venue
) -> None:
    """Seed 000 篇七 8: theft is KTV-8's serious case; the venue may record that it handed an
    egregious one to the police. The flag on other conduct is a client mistake with its code."""
    i = {
        "staffId": sid(venue.wing),
        "conduct": "THEFT",
        "recordedById": sid(venue.director),
        "policeReferral": True,
    }
    record = (await venue.at(at(12, 1, 10)).data(CONDUCT, {"i": i}))["recordKtvConduct"]["record"]
    assert (record["rule"], record["dismissal"], record["policeReferral"]) == ("KTV-8", True, True)
    assert record["decision"]["message"].endswith("an egregious case, handed to the police")
    refused = await venue.at(at(12, 1, 20)).execute(
        CONDUCT, {"i": {**i, "staffId": sid(venue.kit), "conduct": "TALKING_BACK", "amount": "300"}}
    )
    assert refused.data["recordKtvConduct"]["record"] is None
    [error] = refused.data["recordKtvConduct"]["userErrors"]
    assert (error["code"], error["field"]) == (
        "POLICE_REFERRAL_NOT_APPLICABLE",
        ["input", "policeReferral"],
    )


@pytest.mark.parametrize(
    ("conduct", "rule", "police"),
    [
        ("SERIOUS", "KTV-8", False),
        ("THEFT", "KTV-8", False),
        ("DRUGS", "KTV-9", True),
        ("SELLING_LIQUOR_CARDS", "KTV-9", True),
    ],
)
async def test_KTV_8_serious_and_KTV_9_dismissal_and_police_recorded(
    frontdesk_app, venue: Venue, conduct: str, rule: str, police: bool
) -> None:
    i = {"staffId": sid(venue.wing), "conduct": conduct, "recordedById": sid(venue.director)}
    record = (await venue.at(at(12, 1, 10)).data(CONDUCT, {"i": i}))["recordKtvConduct"]["record"]
    assert (record["rule"], record["dismissal"], record["policeReferral"]) == (rule, True, police)
    assert record["amount"] is None and record["penalty"] is not None
    # 01:10 on the 12th is the 11th's business day (KTV-1).
    month = (await venue.at(at(12, 12)).data(MONTH, {"s": sid(venue.wing)}))["ktvStaffMonth"]
    assert month["employmentEnded"] is True
    assert [c["conduct"] for c in month["conduct"]] == [conduct]
    async with frontdesk_app.db.session() as s:
        [event] = (await s.scalars(select(Event).where(Event.type == "ktv.conduct_recorded"))).all()
    assert (event.payload["dismissal"], event.payload["police_referral"]) == (True, police)
    # The dismissal ends the employment in the same transaction, as an event naming the rule.
    async with frontdesk_app.db.session() as s:
        [ended] = (
            await s.scalars(select(Event).where(Event.type == "staff.employment_ended"))
        ).all()
        wing = await s.get(Staff, venue.wing.id)
    assert (ended.subject_id, ended.payload["rule"]) == (venue.wing.id, rule)
    assert wing is not None and wing.employment_status.value == "left"
    # A dismissal takes no amount.
    with_amount = await venue.at(at(12, 1, 20)).execute(CONDUCT, {"i": {**i, "amount": "100"}})
    assert [e["code"] for e in with_amount.data["recordKtvConduct"]["userErrors"]] == [
        "PENALTY_AMOUNT_NOT_APPLICABLE"
    ]


UPDATES = """subscription($s: ID, $a: String) { ktvUpdates(siteId: $s, after: $a) {
  cursor type siteId payload } }"""


async def test_KTV_11_ktv_updates_deliver_the_line_events_from_a_cursor(
    frontdesk_app, venue: Venue
) -> None:
    from core.graphql.context import Context
    from core.graphql.types import encode_cursor

    book = {
        "siteId": venue.site_id,
        "bookedById": sid(venue.kit),
        "resourceKind": "ROOM",
        "resource": "V2",
        "guestName": "Ms Lee",
    }
    client = venue.at(at(7, 21))
    await client.data(BOOK, {"i": book})
    await client.data(RECEIVE, {"i": {"siteId": venue.site_id, "guestName": "Ms Lee"}})
    stream = await frontdesk_app.schema.subscribe(
        UPDATES,
        variable_values={"s": venue.site_id, "a": encode_cursor("event", 0)},
        context_value=Context(app=frontdesk_app, fixed_now=client.now, actor=client.actor),
    )
    first = await anext(stream)  # type: ignore[arg-type]
    await stream.aclose()  # type: ignore[union-attr]
    assert not first.errors
    update = first.data["ktvUpdates"]
    assert (update["type"], update["siteId"]) == ("ktv.guest_received", venue.site_id)
    assert update["payload"]["receiver"] == venue.kit.id and update["payload"]["rule"] == "KTV-11"


async def test_C_13_a_staff_token_signs_the_KTV_2_roll_only_as_itself(venue: Venue) -> None:
    from core.auth import Actor, Role

    for person in (venue.mei, venue.kit):
        await shift(venue, person, "2026-12-07")
    mid = (await venue.at(at(7, 18)).data(CALL, {"i": {"siteId": venue.site_id}}))[
        "callKtvMeeting"
    ]["meeting"]["meetingId"]
    mei = dataclasses.replace(
        venue.at(at(7, 19, 29)), actor=Actor(role=Role.STAFF, name="Mei", staff_id=venue.mei.id)
    )
    other = await mei.execute(SIGN, {"i": {"meetingId": mid, "staffId": sid(venue.kit)}})
    assert other.errors and other.errors[0].extensions["code"] == "FORBIDDEN"
    own = (await mei.data(SIGN, {"i": {"meetingId": mid, "staffId": sid(venue.mei)}}))[
        "signKtvRoll"
    ]["line"]
    assert own["staff"] == {"name": "Ah Mei"} and own["signedAt"] is not None
