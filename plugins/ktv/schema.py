"""KTV GraphQL: tonight's board (the pre-shift roll with its fines, bookings and who receives
them, exit passes), a staff member's month (booking credits, fines, absences, conduct), the
KTV-3 knowledge checks, and the inputs of the line's mutations (KTV-1 … KTV-11).

Every type, field, argument and input field is described (schema lint).  Entities are
``Node`` types with global ids (``KtvBooking``, ``KtvKnowledgeCheck``, ``KtvConductRecord``);
foreign keys are object links (``line_link``), loaded in one statement per model.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from core.plugin_api import (
    Customer,
    CustomerType,
    Decision,
    Money,
    Node,
    Penalty,
    PenaltyType,
    Site,
    SiteType,
    Staff,
    StaffType,
    Visit,
    VisitType,
    legacy_id,
    line_link,
    node_id,
)
from plugins.ktv import rules

KtvConduct = strawberry.enum(
    rules.Conduct,
    name="KtvConduct",
    description="What a conduct record is for: KTV-7 (QUARREL_HOST_DESK, FAKE_BOOKING, "
    "RESELLING_ROOM), KTV-8 (TALKING_BACK, VIOLENT_CONFLICT, STARTING_FIGHT, SERIOUS, THEFT) or "
    "KTV-9 (DRUGS, SELLING_LIQUOR_CARDS).",
)
KtvKnowledgeTopic = strawberry.enum(
    rules.KnowledgeTopic,
    name="KtvKnowledgeTopic",
    description="KTV-3: what a new staff member must know (drink prices, rooms' minimum "
    "charges 低消, all-you-can-drink rooms, hall table numbers).",
)


_VALUE_DESCRIPTIONS = {
    "QUARREL_HOST_DESK": "KTV-7: quarrelling with the host desk (与咨客台争吵).",
    "FAKE_BOOKING": "KTV-7: a fake booking (假订房).",
    "RESELLING_ROOM": "KTV-7: reselling a room (转卖房间).",
    "TALKING_BACK": "KTV-8: talking back to a superior (顶撞上级), fine 300–500.",
    "VIOLENT_CONFLICT": "KTV-8: a violent conflict, fine 300–500.",
    "STARTING_FIGHT": "KTV-8: starting a fight (挑起打架), fine 500–1000.",
    "SERIOUS": "KTV-8: a serious case (情节严重): dismissal without pay.",
    "THEFT": "KTV-8: theft (偷竊), a serious case: dismissal without pay; an egregious case is "
    "for the venue to hand to the police.",
    "DRUGS": "KTV-9: drugs: dismissal and referral to the police.",
    "SELLING_LIQUOR_CARDS": "KTV-9: selling stored-liquor cards for cash (存酒卡套现): dismissal "
    "and police.",
    "DRINK_PRICES": "KTV-3: the drink prices.",
    "MINIMUM_CHARGES": "KTV-3: each room's minimum charge (低消).",
    "ALL_YOU_CAN_DRINK_ROOMS": "KTV-3: which rooms are all-you-can-drink.",
    "TABLE_NUMBERS": "KTV-3: the hall's table numbers.",
}
for _enum in (KtvConduct, KtvKnowledgeTopic):
    for _value in _enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        _value.description = _VALUE_DESCRIPTIONS[_value.name]


@strawberry.enum(description="KTV-10 / KTV-11: what is booked (only a room excuses from the roll).")
class KtvResourceKind(Enum):
    ROOM = strawberry.enum_value("room", description="A private room (包厢).")
    TABLE = strawberry.enum_value("table", description="A hall table (散台).")


ACTING = "The staff member who records this (the duty director for the roll and conduct)."


# --- output types ------------------------------------------------------------------------------


@strawberry.type(
    description="A ledger entry issued under a KTV rule (or C-14), as the month shows it."
)
class KtvFine:
    penalty_id: strawberry.ID = strawberry.field(description="The ledger entry's global id.")
    penalty: PenaltyType | None = line_link(
        Penalty, "penalty_id", PenaltyType | None, parse_as="Penalty", description="The entry."
    )
    code: str = strawberry.field(description="The penalty table's code (KTV-2-late, KTV-5 …).")
    rule: str = strawberry.field(description="The rule id (KTV-2, KTV-6, C-14 …).")
    amount: Money | None = strawberry.field(description="CNY; null for a dismissal.")
    reason: str = strawberry.field(description="Why, as the ledger shows it.")
    issued_at: datetime = strawberry.field(description="When it was issued.")
    business_date: date = strawberry.field(description="KTV-1: the business day it belongs to.")


@strawberry.type(description="One line of the pre-shift roll (KTV-2, KTV-10) with its fine.")
class KtvRollLine:
    staff_id: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who is on the roll."
    )
    signed_at: datetime | None = strawberry.field(description="When they signed; null if not.")
    room_booking: bool = strawberry.field(
        description="KTV-10: a room booking that evening lets them sign afterwards (补签)."
    )
    booking_cancelled_at: datetime | None = strawberry.field(
        description="KTV-10: when that room booking was cancelled (while the roll was open and "
        "they stayed away: absent)."
    )
    status: str | None = strawberry.field(
        description="present, late, excused or absent once decided; null while open (or "
        "excused by a room booking and not yet signed)."
    )
    minutes_late: int = strawberry.field(description="KTV-2: minutes after 19:30.")
    decision: Decision | None = strawberry.field(description="The rule that decided the line.")
    fine: KtvFine | None = strawberry.field(
        description="KTV-2 (late 30, absent 50) or KTV-10 (absent 50), issued with the roll call."
    )


@strawberry.type(description="The pre-shift meeting of a business day and its roll (KTV-2).")
class KtvMeeting:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting's id (core's).")
    business_date: date = strawberry.field(description="KTV-1: the business day.")
    assignment: str = strawberry.field(description="The evening's work assignment (its title).")
    starts_at: datetime = strawberry.field(description="KTV-2: 19:30, the roll opens.")
    closes_at: datetime = strawberry.field(description="KTV-2: the roll closes (20:00).")
    closed_at: datetime | None = strawberry.field(description="When the roll was closed.")
    roll: list[KtvRollLine] = strawberry.field(description="Everyone rostered, by staff id.")


@strawberry.type(
    description="A room or table booked by a staff member for a guest (KTV-7, KTV-11)."
)
class KtvBooking(Node):
    global_id = node_id("KtvBooking")
    id: int = legacy_id()
    site_id: strawberry.Private[int]
    booked_by_id: strawberry.Private[int]
    customer_id: strawberry.Private[int | None]
    visit_id: strawberry.Private[int | None]
    site: SiteType | None = line_link(
        Site, "site_id", SiteType | None, parse_as="Site", description="The venue."
    )
    booked_by: StaffType | None = line_link(
        Staff, "booked_by_id", StaffType | None, parse_as="Staff", description="Who booked."
    )
    receiver: StaffType | None = line_link(
        Staff,
        "booked_by_id",
        StaffType | None,
        parse_as="Staff",
        description="KTV-11: who receives the guest — the staff member who booked them.",
    )
    customer: CustomerType | None = line_link(
        Customer,
        "customer_id",
        CustomerType | None,
        parse_as="Customer",
        description="The registered guest, if any.",
    )
    guest_name: str = strawberry.field(description="The guest's name otherwise.")
    resource_kind: str = strawberry.field(description="room or table.")
    resource: str = strawberry.field(description="Which room or table.")
    business_date: date = strawberry.field(
        description="KTV-1: the business day it counts on (only that one)."
    )
    status: str = strawberry.field(description="held, honoured, cancelled or no_show.")
    created_at: datetime = strawberry.field(description="When it was booked.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")
    credited: bool = strawberry.field(
        description="KTV-11: honoured and credited to the booker's performance of the month."
    )
    visit: VisitType | None = line_link(
        Visit,
        "visit_id",
        VisitType | None,
        parse_as="Visit",
        description="KTV-11: the visit in which the guest was received.",
    )
    decision: Decision = strawberry.field(description="KTV-11: who receives the guest, and why.")


@strawberry.type(description="KTV-5: a pass to leave mid-shift, as tonight's board shows it.")
class KtvExitPass:
    pass_id: strawberry.ID = strawberry.field(description="The exit pass's id (core's).")
    staff_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int | None]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who asked to leave."
    )
    decided_by: StaffType | None = line_link(
        Staff,
        "decided_by_id",
        StaffType | None,
        parse_as="Staff",
        description="The direct superior who decided.",
    )
    reason: str = strawberry.field(description="Why they asked.")
    requested_at: datetime = strawberry.field(description="When they asked.")
    status: str = strawberry.field(description="requested, approved or refused.")
    decided_at: datetime | None = strawberry.field(
        description="KTV-5: a pass counts when approved at or before leaving."
    )


@strawberry.type(description="Tonight at a KTV venue: the business day 19:30–02:00 (KTV-1).")
class KtvTonight:
    site_id: strawberry.Private[int]
    site: SiteType | None = line_link(
        Site, "site_id", SiteType | None, parse_as="Site", description="The venue."
    )
    business_date: date = strawberry.field(
        description="KTV-1: the business day (before 06:00 the previous day's)."
    )
    opens_at: datetime = strawberry.field(description="KTV-1: 19:30 of the business day.")
    closes_at: datetime = strawberry.field(description="KTV-1: 02:00 of the next calendar day.")
    meeting: KtvMeeting | None = strawberry.field(
        description="The pre-shift meeting and its roll (KTV-2, KTV-10); null if not called."
    )
    bookings: list[KtvBooking] = strawberry.field(
        description="Rooms and tables booked for tonight and who receives each guest (KTV-11)."
    )
    exit_passes: list[KtvExitPass] = strawberry.field(
        description="KTV-5: tonight's exit passes; `onPass` are the approved ones."
    )

    @strawberry.field(description="KTV-5: who is on an approved exit pass tonight.")
    def on_pass(self) -> list[KtvExitPass]:
        return [p for p in self.exit_passes if p.status == "approved"]


@strawberry.type(description="A day missed or a late arrival in a staff member's month.")
class KtvAbsence:
    business_date: date = strawberry.field(description="KTV-1: the business day.")
    kind: str = strawberry.field(
        description="meeting_late / meeting_absent (KTV-2, KTV-10), absenteeism (KTV-4) or "
        "absent (a shift)."
    )
    decision: Decision | None = strawberry.field(description="The rule and why.")
    wage_deduction: Money | None = strawberry.field(
        description="KTV-4: the wage deducted (4 days' wages) for a day of absenteeism."
    )


@strawberry.type(description="KTV-7/8/9: a finding on a staff member's conduct.")
class KtvConductRecord(Node):
    global_id = node_id("KtvConductRecord")
    id: int = legacy_id()
    staff_id: strawberry.Private[int]
    recorded_by_id: strawberry.Private[int | None]
    penalty_id: strawberry.Private[int | None]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Whose conduct."
    )
    recorded_by: StaffType | None = line_link(
        Staff,
        "recorded_by_id",
        StaffType | None,
        parse_as="Staff",
        description="Who recorded it.",
    )
    penalty: PenaltyType | None = line_link(
        Penalty,
        "penalty_id",
        PenaltyType | None,
        parse_as="Penalty",
        description="The ledger entry it issued (a fine or a dismissal).",
    )
    conduct: KtvConduct = strawberry.field(description="What was found.")  # type: ignore[valid-type]
    rule: str = strawberry.field(description="KTV-7, KTV-8 or KTV-9.")
    business_date: date = strawberry.field(description="KTV-1: the business day recorded.")
    amount: Money | None = strawberry.field(description="The fine (CNY); null for a dismissal.")
    dismissal: bool = strawberry.field(description="KTV-8 serious case / KTV-9: dismissed.")
    police_referral: bool = strawberry.field(description="KTV-9: referred to the police.")
    cancels_credits: bool = strawberry.field(
        description="KTV-7: the month's booking credits are cancelled."
    )
    description: str = strawberry.field(description="What happened.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    decision: Decision = strawberry.field(description="The rule applied, and why.")


@strawberry.type(description="A staff member's month at the venue (business days, KTV-1).")
class KtvStaffMonth:
    staff_id: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="The staff member."
    )
    month: date = strawberry.field(description="The first day of the month.")
    honoured_bookings: int = strawberry.field(
        description="KTV-11: bookings of theirs honoured in the month."
    )
    credits: int = strawberry.field(
        description="KTV-11: performance credits standing (0 when KTV-7 cancelled them)."
    )
    performance: Decision = strawberry.field(description="KTV-11 / KTV-7: why that many.")
    fines: list[KtvFine] = strawberry.field(
        description="Ledger entries of the month's business days, revoked ones left out."
    )
    total_fines: Money = strawberry.field(description="The sum of those fines, CNY.")
    absences: list[KtvAbsence] = strawberry.field(
        description="Late or absent at the roll (KTV-2, KTV-10), absenteeism (KTV-4)."
    )
    absenteeism_days: int = strawberry.field(
        description="KTV-4: days of absenteeism in the month (the third ends employment)."
    )
    wage_deductions: Money = strawberry.field(description="KTV-4: wages deducted, CNY.")
    employment_ended: bool = strawberry.field(
        description="KTV-4: employment ended (automatic resignation) or dismissed."
    )
    conduct: list[KtvConductRecord] = strawberry.field(description="KTV-7/8/9 records.")


@strawberry.type(description="KTV-3: a new staff member's knowledge check.")
class KtvKnowledgeCheck(Node):
    global_id = node_id("KtvKnowledgeCheck")
    id: int = legacy_id()
    staff_id: strawberry.Private[int]
    checked_by_id: strawberry.Private[int | None]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="The new staff member."
    )
    checked_by: StaffType | None = line_link(
        Staff,
        "checked_by_id",
        StaffType | None,
        parse_as="Staff",
        description="The director who checked.",
    )
    joined_on: date = strawberry.field(description="The day they joined (day 1).")
    due_on: date = strawberry.field(description="KTV-3: the last day of the check (day 3).")
    passed_on: date | None = strawberry.field(description="The business day it was passed.")
    topics: list[KtvKnowledgeTopic] = strawberry.field(  # type: ignore[valid-type]
        description="The topics checked."
    )
    overdue: bool = strawberry.field(description="KTV-3: not passed by its due day (flagged).")
    decision: Decision | None = strawberry.field(description="KTV-3: why it is overdue.")


@strawberry.type(description="KTV-4: a leave request as the venue sees it.")
class KtvLeave:
    leave_id: strawberry.ID = strawberry.field(description="The leave request's id (core's).")
    staff_id: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who asked."
    )
    business_date: date = strawberry.field(description="KTV-1: the business day of the shift.")
    requested_at: datetime = strawberry.field(description="When it was asked.")
    deadline: datetime | None = strawberry.field(
        description="KTV-4: before 06:00 of the previous business day."
    )
    status: str = strawberry.field(description="requested, approved or refused.")
    late: Decision | None = strawberry.field(
        description="KTV-4: why the request was late (approved, it is absenteeism)."
    )
    attendance: str | None = strawberry.field(
        description="What the shift was recorded as once decided (on_leave, absenteeism …)."
    )
    decision: Decision | None = strawberry.field(description="The decision's rule and reason.")
    wage_deduction: Money | None = strawberry.field(
        description="KTV-4: 4 days' wages deducted for absenteeism."
    )
    employment_ended: bool = strawberry.field(
        description="KTV-4: the third day of absenteeism in a calendar month ended employment."
    )


@strawberry.type(description="KTV-5: a clock-out, and the fine for leaving the post.")
class KtvClockOut:
    staff_id: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who clocked out."
    )
    clocked_out_at: datetime = strawberry.field(description="When they left.")
    left_early: Decision | None = strawberry.field(
        description="KTV-5: left mid-shift without an approved exit pass."
    )
    fine: KtvFine | None = strawberry.field(description="KTV-5: fine 100 for leaving the post.")


@strawberry.type(description="KTV-11: a guest at the host desk and who receives them.")
class KtvReception:
    visit_id: strawberry.Private[int]
    receiver_id: strawberry.Private[int | None]
    visit: VisitType | None = line_link(
        Visit, "visit_id", VisitType | None, parse_as="Visit", description="The visit registered."
    )
    receiver: StaffType | None = line_link(
        Staff,
        "receiver_id",
        StaffType | None,
        parse_as="Staff",
        description="Who receives the guest (KTV-11: their booker).",
    )
    business_date: date = strawberry.field(description="KTV-1: the visit's business day.")
    booking: KtvBooking | None = strawberry.field(
        description="The guest's booking for tonight, honoured; null without one."
    )
    decision: Decision = strawberry.field(description="KTV-11: why this receiver.")


@strawberry.type(description="One KTV event, from the event log (stream `ktv`).")
class KtvEvent:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to resume right after this event."
    )
    type: str = strawberry.field(
        description="ktv.guest_received, ktv.conduct_recorded, ktv.knowledge_check_passed, "
        "ktv.left_post_fined, ktv.employment_ended."
    )
    site_id: strawberry.ID | None = strawberry.field(description="The venue's global id.")
    occurred_at: datetime = strawberry.field(description="When it was committed.")
    payload: JSON = strawberry.field(description="The event's facts (database ids).")


# --- inputs ----------------------------------------------------------------------------------


@strawberry.input(description="KTV-2: call tonight's pre-shift meeting (19:30).")
class CallKtvMeetingInput:
    site_id: strawberry.ID = strawberry.field(description="The venue.")
    business_date: date | None = strawberry.field(
        default=None, description="KTV-1: the business day; tonight's by default."
    )
    assignment: str = strawberry.field(
        default="", description="The evening's work assignment, recorded with the meeting."
    )


@strawberry.input(description="KTV-2: sign the pre-shift roll (KTV-10: 补签 afterwards).")
class SignKtvRollInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    staff_id: strawberry.ID = strawberry.field(description="Who signs.")
    at: datetime | None = strawberry.field(
        default=None, description="When they signed (with its offset); now by default."
    )


@strawberry.input(description="KTV-2 / KTV-10: close the roll and fine its lines.")
class CloseKtvRollInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")


@strawberry.input(description="KTV-3: a new staff member joined; their check is due in 3 days.")
class RegisterKtvJoiningInput:
    staff_id: strawberry.ID = strawberry.field(description="The new staff member.")
    joined_on: date = strawberry.field(description="The day they joined (day 1).")


@strawberry.input(description="KTV-3: the director checked a new staff member's knowledge.")
class PassKtvKnowledgeCheckInput:
    staff_id: strawberry.ID = strawberry.field(description="The new staff member.")
    checked_by_id: strawberry.ID = strawberry.field(description="The director who checked.")
    topics: list[KtvKnowledgeTopic] = strawberry.field(  # type: ignore[valid-type]
        description="Every topic: drink prices, minimum charges, all-you-can-drink rooms, table "
        "numbers."
    )


@strawberry.input(description="KTV-4: ask for leave on one's shift.")
class RequestKtvLeaveInput:
    staff_id: strawberry.ID = strawberry.field(description="Who asks.")
    shift_id: strawberry.ID = strawberry.field(description="Their rostered shift.")
    reason: str = strawberry.field(default="", description="Why (kept private, C-13).")


@strawberry.input(description="KTV-4: the direct superior decides a leave request.")
class DecideKtvLeaveInput:
    leave_id: strawberry.ID = strawberry.field(description="The leave request.")
    manager_id: strawberry.ID = strawberry.field(description="The direct superior deciding.")
    approve: bool = strawberry.field(description="Approve (true) or refuse (false).")
    reason: str = strawberry.field(default="", description="Why (required to refuse).")
    special_case: str | None = strawberry.field(
        default=None,
        description="KTV-4: the duty director approves a late request as a special case "
        "(特殊情况): why.  Then it is a leave, not absenteeism.",
    )


@strawberry.input(description="KTV-5: ask for a pass to leave mid-shift.")
class RequestKtvExitPassInput:
    staff_id: strawberry.ID = strawberry.field(description="Who asks.")
    shift_id: strawberry.ID = strawberry.field(description="Their shift tonight.")
    reason: str = strawberry.field(default="", description="Why.")


@strawberry.input(description="KTV-5: the direct superior decides an exit pass.")
class DecideKtvExitPassInput:
    pass_id: strawberry.ID = strawberry.field(description="The exit pass.")
    manager_id: strawberry.ID = strawberry.field(description="The direct superior deciding.")
    approve: bool = strawberry.field(description="Approve (true) or refuse (false).")


@strawberry.input(description="KTV-5 / KTV-1: clock out of one's shift.")
class ClockOutKtvInput:
    shift_id: strawberry.ID = strawberry.field(description="The shift.")
    at: datetime | None = strawberry.field(
        default=None, description="When they left (with its offset); now by default."
    )
    own_rooms_occupied: list[str] | None = strawberry.field(
        default=None,
        description="KTV-1: the person's own booked rooms or tables still occupied (the shift "
        "does not end while any is).",
    )


@strawberry.input(description="KTV-7 / KTV-11: book a room or table for a guest.")
class BookKtvInput:
    site_id: strawberry.ID = strawberry.field(description="The venue.")
    booked_by_id: strawberry.ID = strawberry.field(
        description="The staff member who books (KTV-11: receives the guest, is credited)."
    )
    resource_kind: KtvResourceKind = strawberry.field(description="Room or table.")
    resource: str = strawberry.field(description="Which room or table.")
    business_date: date | None = strawberry.field(
        default=None, description="KTV-1: the business day; tonight's by default."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The registered guest, if any."
    )
    guest_name: str = strawberry.field(default="", description="The guest's name otherwise.")


@strawberry.input(description="KTV-10: a booking is cancelled.")
class CancelKtvBookingInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")


@strawberry.input(description="KTV-11: a guest arrives at the host desk.")
class ReceiveKtvGuestInput:
    site_id: strawberry.ID = strawberry.field(description="The venue.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The registered guest, if any."
    )
    guest_name: str = strawberry.field(
        default="", description="The name the booking is under (when not registered)."
    )
    party_size: int = strawberry.field(default=1, description="How many came.")
    arrived_at: datetime | None = strawberry.field(
        default=None, description="When they arrived (with its offset); now by default."
    )


@strawberry.input(description="KTV-7 / KTV-8 / KTV-9: record a finding on conduct.")
class RecordKtvConductInput:
    staff_id: strawberry.ID = strawberry.field(description="Whose conduct.")
    conduct: KtvConduct = strawberry.field(description="What was found.")  # type: ignore[valid-type]
    amount: Money | None = strawberry.field(
        default=None,
        description="The fine within the table's bounds (KTV-7 100–500, KTV-8 300–500 or "
        "500–1000); none for a dismissal.",
    )
    description: str = strawberry.field(default="", description="What happened.")
    recorded_by_id: strawberry.ID = strawberry.field(description=ACTING)
    police_referral: bool = strawberry.field(
        default=False,
        description="THEFT only: the venue judged the theft egregious and handed it to the "
        "police (seed 000 篇七 8); refused with POLICE_REFERRAL_NOT_APPLICABLE on other conduct "
        "(KTV-9 is always referred, the rest never).",
    )


@strawberry.input(description="KTV facts of an arriving guest (KTV-11).")
class KtvVisitFactsInput:
    guest_name: str = strawberry.field(
        default="", description="The name the booking is under (when not registered)."
    )
