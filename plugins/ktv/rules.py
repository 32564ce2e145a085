"""KTV rules KTV-1 … KTV-11 (DOMAIN.md, seed 000 篇七) as pure functions of facts and ``now``.

Every number comes from a :class:`~plugins.ktv.policy.KtvPolicy`; every decision carries a
:class:`Reason` naming its rule id.  Where core's workforce rules already decide (the roll
call, the leave deadline, absenteeism, exit passes) these functions call them with the
line's numbers, so the KTV and core cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.plugin_api.rules import (
    AttendanceDecision,
    LeaveFacts,
    PenaltyRuleSpec,
    Reason,
    absenteeism_wage_deduction,
    check_amount,
    early_leave_reason,
    employment_ended_by_absenteeism,
    leave_absenteeism,
    leave_request_deadline,
    roll_call_status,
)
from plugins.ktv.policy import (
    ABSENT_CODE,
    ABSENTEEISM_CODE,
    ATTITUDE_CODE,
    BOOKING_CANCELLED_ABSENT_CODE,
    BOOKING_MISCONDUCT_CODE,
    DRUGS_CODE,
    FIGHT_CODE,
    LATE_CODE,
    LEAVING_POST_CODE,
    RESIGNATION_CODE,
    SERIOUS_CODE,
    TALKING_BACK_CODE,
    KtvPolicy,
)

C14_STAFF_CODE = "C-14-staff"


@dataclass(frozen=True, slots=True)
class Penalise:
    """A penalty a rule calls for: the table ``code``, the ``amount`` (CNY; None for a
    dismissal), ``police`` when the case is referred to the police (KTV-9), ``cancels_credits``
    when the month's booking credits are cancelled (KTV-7), and the ``reason``."""

    code: str
    amount: Decimal | None
    reason: Reason
    police: bool = False
    cancels_credits: bool = False
    dismissal: bool = False


# --- KTV-1: the business day ------------------------------------------------------------------


def business_date_for(local: datetime, policy: KtvPolicy) -> date:
    """KTV-1: the business day a site-local moment belongs to.

    *Decided:* a moment before the cutoff (06:00) belongs to the previous day — 01:59, 02:00
    and 05:59 on the 12th are the 11th's business day, 06:00 is the 12th's.  For visits,
    bookings, attendance, statistics and penalties alike.
    """
    if local.tzinfo is None:
        raise ValueError("business_date_for needs a site-local aware datetime")
    if local.timetz().replace(tzinfo=None) < policy.business_day_cutoff:
        return local.date() - timedelta(days=1)
    return local.date()


def working_hours(
    business_date: date, policy: KtvPolicy, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """KTV-1: [19:30 of the business day, 02:00 of the next calendar day) in ``zone``."""
    start = datetime.combine(business_date, policy.opens_at, tzinfo=zone)
    end_day = (
        business_date + timedelta(days=1) if policy.closes_at <= policy.opens_at else business_date
    )
    return start, datetime.combine(end_day, policy.closes_at, tzinfo=zone)


def shift_end_refusal(occupied_own_rooms: Sequence[str]) -> Reason | None:
    """KTV-1 *Decided*: ending one's shift while one's own booked room or table is still
    occupied is refused (the working day ends only once they have left)."""
    if not occupied_own_rooms:
        return None
    return Reason(
        "KTV-1",
        f"your booked {', '.join(occupied_own_rooms)} still occupied: the shift ends once "
        "your guests have left",
    )


# --- KTV-2 / KTV-10: the pre-shift meeting -----------------------------------------------------


def meeting_window(
    business_date: date, policy: KtvPolicy, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """KTV-2 *Decided*: the roll opens at 19:30 and closes 30 minutes later (20:00)."""
    opens = datetime.combine(business_date, policy.meeting_time, tzinfo=zone)
    return opens, opens + timedelta(minutes=policy.roll_call_minutes)


def roll_call(
    *,
    opens_at: datetime,
    closes_at: datetime,
    signed_at: datetime | None,
    room_booking: bool = False,
    table_booking: bool = False,
    booking_cancelled_at: datetime | None = None,
    now: datetime,
) -> AttendanceDecision | None:
    """KTV-2/KTV-10: one person's line on the roll (core's ``roll_call_status``).

    Signed by 19:30:00 present, 19:31 late, unsigned at 20:00 absent; a room booking that
    evening excuses (补签 afterwards), a table booking does not (``table_booking`` is taken
    only to say so: it changes nothing); a room booking cancelled while the roll is open and
    the person staying away: absent (KTV-10).  None while undecided.
    """
    del table_booking  # KTV-10: a table booking does not excuse
    return roll_call_status(
        opens_at=opens_at,
        closes_at=closes_at,
        signed_at=signed_at,
        room_booking=room_booking,
        booking_cancelled_at=booking_cancelled_at,
        now=now,
    )


def roll_call_penalty(decision: AttendanceDecision | None, policy: KtvPolicy) -> Penalise | None:
    """KTV-2: late 30, absent 50; KTV-10: an absence because a room booking was cancelled
    while the roll was open (the decision's reason names KTV-10) is fined 50 under KTV-10 —
    there is no fine for the cancellation itself.  None for present, excused or undecided."""
    if decision is None or decision.status not in ("late", "absent"):
        return None
    if decision.status == "late":
        reason = decision.reason or Reason("KTV-2", "late for the pre-shift meeting")
        return Penalise(LATE_CODE, policy.penalty(LATE_CODE).min_amount, reason)
    reason = decision.reason or Reason("KTV-2", "absent from the pre-shift meeting")
    code = BOOKING_CANCELLED_ABSENT_CODE if reason.rule == "KTV-10" else ABSENT_CODE
    return Penalise(code, policy.penalty(code).min_amount, reason)


# --- KTV-3: knowledge check of new staff -------------------------------------------------------


class KnowledgeTopic(StrEnum):
    """KTV-3: what a new staff member must know."""

    DRINK_PRICES = "drink_prices"
    MINIMUM_CHARGES = "minimum_charges"  # 低消
    ALL_YOU_CAN_DRINK_ROOMS = "all_you_can_drink_rooms"
    TABLE_NUMBERS = "table_numbers"


KNOWLEDGE_TOPICS: frozenset[str] = frozenset(t.value for t in KnowledgeTopic)


def knowledge_check_due(joined_on: date, policy: KtvPolicy) -> date:
    """KTV-3 *Decided*: the last business day of the check, the joining day being day 1 (3
    days: joined on the 1st, due by the end of the 3rd)."""
    return joined_on + timedelta(days=policy.knowledge_check_days - 1)


def knowledge_check_overdue(
    joined_on: date, passed_on: date | None, today: date, policy: KtvPolicy
) -> Reason | None:
    """KTV-3: why a check is overdue (flagged for the director, no fine), else None.  ``today``
    is the business date; passing the check on the due day is in time."""
    due = knowledge_check_due(joined_on, policy)
    if passed_on is not None and passed_on <= due:
        return None
    if passed_on is None and today <= due:
        return None
    return Reason(
        "KTV-3",
        "knowledge check (drink prices, minimum charges, all-you-can-drink rooms, table "
        "numbers) was due by "
        f"{due.isoformat()}"
        + ("" if passed_on is None else f"; passed on {passed_on.isoformat()}"),
    )


def overdue_checks(
    joined: Iterable[tuple[int, date, date | None]], today: date, policy: KtvPolicy
) -> list[tuple[int, Reason]]:
    """KTV-3: the director's list — ``(staff_id, joined_on, passed_on)`` still unchecked
    after their due day, by staff id."""
    out = []
    for staff_id, joined_on, passed_on in joined:
        if passed_on is not None:
            continue
        reason = knowledge_check_overdue(joined_on, None, today, policy)
        if reason is not None:
            out.append((staff_id, reason))
    return sorted(out, key=lambda item: item[0])


# --- KTV-4: leave and absenteeism --------------------------------------------------------------


def leave_deadline(leave_date: date, policy: KtvPolicy, zone: ZoneInfo) -> datetime:
    """KTV-4 *Decided*: leave is in time strictly before the start of the previous business
    day (its 06:00 cutoff): for the 12th, 05:59 on the 11th is in time, 06:00 late."""
    return leave_request_deadline(
        leave_date, policy.leave_lead_days, policy.business_day_cutoff, zone
    )


def leave_decision(
    *,
    leave_date: date,
    requested_at: datetime,
    approved: bool,
    policy: KtvPolicy,
    zone: ZoneInfo,
    director_exception: bool = False,
) -> Reason | None:
    """KTV-4: why a leave is absenteeism, or None for a proper leave.  A late request the
    duty director approves as a special case (特殊情况) is a proper leave."""
    deadline = None if director_exception else leave_deadline(leave_date, policy, zone)
    return leave_absenteeism(
        LeaveFacts(
            staff_id=0, business_date=leave_date, requested_at=requested_at, approved=approved
        ),
        deadline,
    )


DIRECTOR_ROLE = "duty_director"


def leave_special_case(role: str, why: str) -> Reason | None:
    """KTV-4: a late leave request the duty director approves as a special case (特殊情况)
    is a proper leave.  *Decision:* only a staff member with the ``duty_director`` role
    grants it, and says why; None when the approver may not (the caller refuses)."""
    text = " ".join((why or "").split())
    if role != DIRECTOR_ROLE or not text:
        return None
    return Reason("KTV-4", f"special case approved by the duty director: {text}")


def absenteeism_deduction(daily_wage: Decimal, policy: KtvPolicy) -> Penalise:
    """KTV-4: a day of absenteeism deducts 4 days' wages (CNY, cents)."""
    amount = absenteeism_wage_deduction(daily_wage, policy.absenteeism_wage_days)
    return Penalise(
        ABSENTEEISM_CODE,
        amount,
        Reason(
            "KTV-4",
            f"absenteeism: {policy.absenteeism_wage_days} days' wages of {daily_wage} deducted",
        ),
    )


def absenteeism_resignation(
    absenteeism_days: Iterable[date], business_date: date, policy: KtvPolicy
) -> Penalise | None:
    """KTV-4 *Decided*: the third day of absenteeism within one calendar month (of business
    dates) ends employment — automatic resignation, recorded as a dismissal entry; the first
    day of the next month starts a new count."""
    reason = employment_ended_by_absenteeism(
        [d for d in absenteeism_days if d <= business_date],
        business_date,
        policy.absenteeism_days_ending_employment,
    )
    if reason is None:
        return None
    return Penalise(RESIGNATION_CODE, None, reason, dismissal=True)


# --- KTV-5: exit passes ------------------------------------------------------------------------


def leaving_post(
    ends_at: datetime, left_at: datetime, pass_approved_at: datetime | None, policy: KtvPolicy
) -> Penalise | None:
    """KTV-5: leaving before the shift's end without a pass approved by the direct superior
    at or before leaving is leaving the post: fine 100."""
    reason = early_leave_reason(ends_at, left_at, pass_approved_at)
    if reason is None:
        return None
    return Penalise(LEAVING_POST_CODE, policy.penalty(LEAVING_POST_CODE).min_amount, reason)


# --- KTV-6: attitude complaints ----------------------------------------------------------------


def complaint_fine_code(category: str) -> tuple[str, Reason]:
    """KTV-6 *Decided*: a verified guest complaint about a staff member's attitude is fined
    under KTV-6 (100) in place of C-14's staff fine; other verified service faults stay C-14."""
    if category.strip().lower() in ("attitude", "service_attitude"):
        return ATTITUDE_CODE, Reason(
            "KTV-6", "guest complaint about attitude: KTV-6's fine replaces C-14's staff fine"
        )
    return C14_STAFF_CODE, Reason("C-14", f"verified service fault ({category}): C-14 applies")


def attitude_fine(policy: KtvPolicy) -> Penalise:
    """KTV-6: fine 100."""
    code, reason = complaint_fine_code("attitude")
    return Penalise(code, policy.penalty(code).min_amount, reason)


# --- KTV-7, KTV-8, KTV-9: conduct --------------------------------------------------------------


class Conduct(StrEnum):
    """What a conduct record is for."""

    QUARREL_HOST_DESK = "quarrel_host_desk"  # KTV-7 与咨客台争吵
    FAKE_BOOKING = "fake_booking"  # KTV-7 假订房
    RESELLING_ROOM = "reselling_room"  # KTV-7 转卖房间
    TALKING_BACK = "talking_back"  # KTV-8 顶撞上级
    VIOLENT_CONFLICT = "violent_conflict"  # KTV-8
    STARTING_FIGHT = "starting_fight"  # KTV-8 挑起打架
    SERIOUS = "serious"  # KTV-8 情节严重: dismissal without pay
    THEFT = "theft"  # KTV-8 serious case (seed 000 篇七 8: 偷竊 … 嚴重處罰)
    DRUGS = "drugs"  # KTV-9
    SELLING_LIQUOR_CARDS = "selling_liquor_cards"  # KTV-9 存酒卡套现


_CONDUCT: dict[Conduct, tuple[str, str]] = {
    Conduct.QUARREL_HOST_DESK: (BOOKING_MISCONDUCT_CODE, "quarrelling with the host desk"),
    Conduct.FAKE_BOOKING: (BOOKING_MISCONDUCT_CODE, "a fake booking"),
    Conduct.RESELLING_ROOM: (BOOKING_MISCONDUCT_CODE, "reselling a room"),
    Conduct.TALKING_BACK: (TALKING_BACK_CODE, "talking back to a superior"),
    Conduct.VIOLENT_CONFLICT: (TALKING_BACK_CODE, "a violent conflict"),
    Conduct.STARTING_FIGHT: (FIGHT_CODE, "starting a fight"),
    Conduct.SERIOUS: (SERIOUS_CODE, "a serious case: dismissal without pay"),
    Conduct.THEFT: (
        SERIOUS_CODE,
        "theft: a severe punishment, dismissal without pay; an egregious case is for the "
        "venue to hand to the police",
    ),
    Conduct.DRUGS: (DRUGS_CODE, "drugs: dismissal and referral to the police"),
    Conduct.SELLING_LIQUOR_CARDS: (
        DRUGS_CODE,
        "selling stored-liquor cards for cash: dismissal and referral to the police",
    ),
}


def conduct_penalty(
    conduct: Conduct | str,
    amount: Decimal | None,
    policy: KtvPolicy,
    *,
    police_referral: bool = False,
) -> Penalise:
    """KTV-7/8/9: the penalty for a conduct record.

    KTV-7 cancels the month's booking credits (KTV-11) and adds a fine within the table's
    bounds; KTV-8 fines 300–500 (talking back, violent conflict) or 500–1000 (starting a
    fight), a serious case is dismissal without pay; KTV-9 (drugs, selling stored-liquor cards)
    is dismissal and a police referral.

    *Decided* (theft): DOMAIN's KTV-9 does not list theft, and the seed does not put it with
    drugs: 000 篇七 8 "不能有偷竊行為，否則將作出嚴重處罰，情況惡劣者轉交公安機關處理" (theft is
    severely punished; only an egregious case goes to the police; drugs are item 11).  Theft is
    therefore recorded as KTV-8's serious case, dismissal without pay, with no automatic police
    referral: whether a case is egregious is the venue's judgement, given as ``police_referral``
    (theft only: KTV-9 always refers, the other conduct never; the service refuses the flag on
    them).

    An amount outside the bounds, or one given for a dismissal, raises core's
    ``PenaltyAmountError`` (a ValueError with a stable ``code``: PENALTY_AMOUNT_OUT_OF_RANGE …).
    """
    kind = Conduct(conduct)
    code, what = _CONDUCT[kind]
    spec: PenaltyRuleSpec = policy.penalty(code)
    issued = check_amount(spec, amount)
    referred = kind is Conduct.THEFT and police_referral
    if referred:
        what = (
            "theft: a severe punishment, dismissal without pay; an egregious case, handed to "
            "the police"
        )
    return Penalise(
        code,
        issued,
        Reason(spec.rule, what),
        police=code == DRUGS_CODE or referred,
        cancels_credits=code == BOOKING_MISCONDUCT_CODE,
        dismissal=spec.kind == "dismissal",
    )


# --- KTV-11 (and KTV-7): bookings, receptions and credits --------------------------------------


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """A booking as these rules see it (core's ``bookings`` row)."""

    booking_id: int
    booked_by_id: int
    customer_id: int | None
    guest_name: str
    resource_kind: str  # "room" or "table"
    resource: str
    business_date: date
    status: str  # held, honoured, cancelled, no_show


def booking_for_guest(
    bookings: Iterable[BookingFacts],
    *,
    business_date: date,
    customer_id: int | None,
    guest_name: str = "",
) -> BookingFacts | None:
    """KTV-11 *Decided*: the held booking of the arriving guest on this business date (a
    booking counts only on its own business date); matched by customer, else by guest name
    (case- and space-insensitive).  The earliest booking wins when several match."""
    name = " ".join(guest_name.split()).lower()
    for booking in sorted(bookings, key=lambda b: b.booking_id):
        if booking.business_date != business_date or booking.status != "held":
            continue
        if customer_id is not None and booking.customer_id == customer_id:
            return booking
        if (
            name
            and booking.customer_id is None
            and " ".join(booking.guest_name.split()).lower() == name
        ):
            return booking
    return None


def receiver_for_booking(booking: BookingFacts | None) -> tuple[int | None, Reason]:
    """KTV-11: a guest with a booking is received by the staff member who booked them."""
    if booking is None:
        return None, Reason("KTV-11", "no booking for this guest tonight: the host desk receives")
    return booking.booked_by_id, Reason(
        "KTV-11",
        f"booked {booking.resource_kind} {booking.resource}: received by the staff member who "
        "booked the guest",
    )


def month_of(business_date: date) -> date:
    return business_date.replace(day=1)


def performance_credits(
    bookings: Iterable[BookingFacts],
    staff_id: int,
    month: date,
    cancelled_months: Iterable[date] = (),
) -> tuple[int, Reason]:
    """KTV-11: the staff member's honoured bookings of the month (by business date) are their
    performance credits; KTV-7: a conduct record of the month cancels them all (0)."""
    first = month_of(month)
    if first in {month_of(m) for m in cancelled_months}:
        return 0, Reason(
            "KTV-7", f"performance of {first:%Y-%m} cancelled (host desk, fake booking or resale)"
        )
    count = sum(
        1
        for b in bookings
        if b.booked_by_id == staff_id
        and b.status == "honoured"
        and month_of(b.business_date) == first
    )
    return count, Reason("KTV-11", f"{count} honoured booking(s) in {first:%Y-%m}")


__all__ = [
    "KNOWLEDGE_TOPICS",
    "BookingFacts",
    "Conduct",
    "KnowledgeTopic",
    "Penalise",
    "absenteeism_deduction",
    "absenteeism_resignation",
    "attitude_fine",
    "booking_for_guest",
    "business_date_for",
    "complaint_fine_code",
    "conduct_penalty",
    "knowledge_check_due",
    "knowledge_check_overdue",
    "leave_deadline",
    "leave_decision",
    "leave_special_case",
    "leaving_post",
    "meeting_window",
    "overdue_checks",
    "performance_credits",
    "receiver_for_booking",
    "roll_call",
    "roll_call_penalty",
    "shift_end_refusal",
    "working_hours",
]
