"""KTV services, in the caller's transaction (they flush, never commit).

Bookings, meetings, leave and passes are core's (``core.plugin_api``: ``book``,
``set_booking_status``, ``request_leave`` …); this module adds the line's decisions and its
own records: KTV-11 reception and credits, KTV-3 knowledge checks, KTV-7/8/9 conduct, the
fines of KTV-2/4/5/6/10 issued into core's ledger from the line's table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugin_api import (
    Booking,
    BookingStatus,
    ComplaintCharge,
    ComplaintFines,
    Conflict,
    InvalidInput,
    Penalty,
    Reason,
    ReceptionContext,
    ReceptionOutcome,
    RollCallDecided,
    Site,
    VisitRecorded,
    end_employment,
    get_line_site,
    get_staff,
    issue_penalty,
    line_policy,
    load_line_policy,
    local_time,
    set_booking_status,
)
from core.plugin_api.rules import AttendanceDecision
from plugins import ktv
from plugins.ktv import rules
from plugins.ktv.models import BookingCredit, ConductRecord, KnowledgeCheck, RollFine
from plugins.ktv.policy import ATTITUDE_CODE, KtvPolicy

CODE = ktv.CODE
WHAT = "a KTV venue"


def policy_of(settings: Mapping[str, Mapping[str, Any]] | None) -> KtvPolicy:
    """The KTV policy with the operator's settings (INVALID_POLICY when refused)."""
    return line_policy(KtvPolicy, CODE, settings)


def business_date(site: Site, moment: datetime, policy: KtvPolicy) -> date:
    """KTV-1: the business day of ``moment`` at ``site``."""
    return rules.business_date_for(local_time(site, moment), policy)


async def _site(session: AsyncSession, site_id: int) -> tuple[Site, KtvPolicy]:
    site = await get_line_site(session, site_id, CODE, what=WHAT)
    return site, await load_line_policy(session, KtvPolicy, CODE)


def _facts(booking: Booking) -> rules.BookingFacts:
    return rules.BookingFacts(
        booking_id=booking.id,
        booked_by_id=booking.booked_by_id,
        customer_id=booking.customer_id,
        guest_name=booking.guest_name,
        resource_kind=booking.resource_kind,
        resource=booking.resource,
        business_date=booking.business_date,
        status=booking.status.value,
    )


# --- KTV-11: reception and credits ---------------------------------------------------------


async def receive_visit(context: ReceptionContext) -> ReceptionOutcome | None:
    """KTV-11: a guest arriving with a held booking on this business date (KTV-1) is received
    by the staff member who booked them (whoever else was named).  Without a booking the line
    does not decide (None): the host desk chooses the receiver as core does (C-4).  The
    booking's id travels to :func:`record_visit` as ``line_data``."""
    guest_name = ""
    if isinstance(context.line_input, Mapping):
        guest_name = str(context.line_input.get("guest_name") or "")
    elif context.line_input is not None:  # CheckInVisitInput.ktv (KtvVisitFactsInput)
        guest_name = str(getattr(context.line_input, "guest_name", "") or "")
    held = await context.session.scalars(
        select(Booking).where(
            Booking.site_id == context.site.id,
            Booking.business_date == context.business_date,
            Booking.status == BookingStatus.HELD,
        )
    )
    found = rules.booking_for_guest(
        [_facts(b) for b in held.all()],
        business_date=context.business_date,
        customer_id=context.customer_id,
        guest_name=guest_name,
    )
    if found is None:
        return None
    receiver, reason = rules.receiver_for_booking(found)
    return ReceptionOutcome(
        receiver_id=receiver,
        counted=True,
        reason=reason,
        line_data={"booking_id": found.booking_id},
    )


async def record_visit(event: VisitRecorded) -> None:
    """KTV-11: the booked guest came — the booking is honoured and credits its booker for
    the booking's business month."""
    outcome = event.outcome
    data = outcome.line_data if outcome is not None else None
    if not isinstance(data, Mapping) or "booking_id" not in data:
        return
    booking = await set_booking_status(
        event.session,
        booking_id=int(data["booking_id"]),
        status=BookingStatus.HONOURED,
        now=event.now,
    )
    await credit_booking(event.session, booking, now=event.now, visit_id=event.visit.id)


async def credit_booking(
    session: AsyncSession, booking: Booking, *, now: datetime, visit_id: int | None = None
) -> BookingCredit:
    """KTV-11: one credit per honoured booking (idempotent), by the booking's business date."""
    if booking.status != BookingStatus.HONOURED:
        raise Conflict(
            f"booking {booking.id} is {booking.status.value}: only an honoured booking credits",
            code="BOOKING_NOT_HONOURED",
            field="bookingId",
        )
    credit = await session.get(BookingCredit, booking.id)
    if credit is None:
        credit = BookingCredit(
            booking_id=booking.id,
            site_id=booking.site_id,
            staff_id=booking.booked_by_id,
            visit_id=visit_id,
            business_date=booking.business_date,
            month=rules.month_of(booking.business_date),
            credited_at=now,
        )
        session.add(credit)
        await session.flush()
    return credit


@dataclass(frozen=True)
class MonthPerformance:
    """KTV-11/KTV-7: a staff member's month — honoured bookings credited, credits standing."""

    staff_id: int
    month: date
    honoured: int
    credits: int
    reason: Reason


async def month_performance(
    session: AsyncSession, *, site_id: int, staff_id: int, month: date
) -> MonthPerformance:
    """KTV-11: credits of the month; KTV-7: a conduct record cancelling them makes them 0."""
    await get_line_site(session, site_id, CODE, what=WHAT)
    first = rules.month_of(month)
    honoured = await session.scalar(
        select(func.count())
        .select_from(BookingCredit)
        .where(
            BookingCredit.site_id == site_id,
            BookingCredit.staff_id == staff_id,
            BookingCredit.month == first,
        )
    )
    cancelled = await session.scalar(
        select(func.count())
        .select_from(ConductRecord)
        .where(
            ConductRecord.site_id == site_id,
            ConductRecord.staff_id == staff_id,
            ConductRecord.month == first,
            ConductRecord.cancels_credits.is_(True),
        )
    )
    count = int(honoured or 0)
    if cancelled:
        return MonthPerformance(
            staff_id,
            first,
            count,
            0,
            Reason("KTV-7", f"performance of {first:%Y-%m} cancelled by a conduct record"),
        )
    return MonthPerformance(
        staff_id,
        first,
        count,
        count,
        Reason("KTV-11", f"{count} honoured booking(s) in {first:%Y-%m}"),
    )


# --- KTV-3: knowledge checks ---------------------------------------------------------------


async def register_joining(
    session: AsyncSession, *, site_id: int, staff_id: int, joined_on: date, now: datetime
) -> KnowledgeCheck:
    """KTV-3: a new staff member's check is due within 3 business days of ``joined_on``."""
    site, policy = await _site(session, site_id)
    await get_staff(session, staff_id, site.id, "staffId")
    if await session.get(KnowledgeCheck, staff_id) is not None:
        raise Conflict(
            f"staff {staff_id} already has a knowledge check",
            code="KNOWLEDGE_CHECK_EXISTS",
            field="staffId",
        )
    check = KnowledgeCheck(
        staff_id=staff_id,
        site_id=site.id,
        joined_on=joined_on,
        due_on=rules.knowledge_check_due(joined_on, policy),
        passed_on=None,
        topics=[],
        checked_by_id=None,
        recorded_at=now,
    )
    session.add(check)
    await session.flush()
    return check


async def pass_knowledge_check(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    checked_by_id: int,
    topics: Sequence[str],
    now: datetime,
) -> tuple[KnowledgeCheck, Reason | None]:
    """KTV-3: the director records the passed check (every topic: drink prices, minimum
    charges, all-you-can-drink rooms, table numbers) on today's business date; a reason is
    returned when it came after the due day (flagged, no fine)."""
    site, policy = await _site(session, site_id)
    await get_staff(session, checked_by_id, site.id, "checkedById")
    check = await session.get(KnowledgeCheck, staff_id)
    if check is None or check.site_id != site.id:
        raise InvalidInput(
            f"staff {staff_id} has no knowledge check at site {site.id}",
            code="KNOWLEDGE_CHECK_NOT_FOUND",
            field="staffId",
        )
    missing = sorted(rules.KNOWLEDGE_TOPICS - set(topics))
    unknown = sorted(set(topics) - rules.KNOWLEDGE_TOPICS)
    if missing or unknown:
        raise InvalidInput(
            f"a knowledge check covers {', '.join(sorted(rules.KNOWLEDGE_TOPICS))}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else ""),
            code="KNOWLEDGE_TOPICS_INCOMPLETE",
            field="topics",
        )
    if check.passed_on is not None:
        raise Conflict(
            f"staff {staff_id} passed the check on {check.passed_on.isoformat()}",
            code="KNOWLEDGE_CHECK_PASSED",
            field="staffId",
        )
    today = business_date(site, now, policy)
    check.passed_on, check.topics, check.checked_by_id = today, sorted(topics), checked_by_id
    await session.flush()
    return check, rules.knowledge_check_overdue(check.joined_on, today, today, policy)


async def overdue_knowledge_checks(
    session: AsyncSession, *, site_id: int, now: datetime
) -> list[tuple[int, Reason]]:
    """KTV-3: the director's list of checks past their due day and not passed."""
    site, policy = await _site(session, site_id)
    rows = await session.execute(
        select(KnowledgeCheck.staff_id, KnowledgeCheck.joined_on, KnowledgeCheck.passed_on).where(
            KnowledgeCheck.site_id == site.id, KnowledgeCheck.passed_on.is_(None)
        )
    )
    return rules.overdue_checks(
        [tuple(r) for r in rows.all()], business_date(site, now, policy), policy
    )


# --- fines and conduct -----------------------------------------------------------------------


async def issue(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    penalise: rules.Penalise,
    issued_by_id: int | None,
    now: datetime,
    visit_id: int | None = None,
    complaint_id: int | None = None,
) -> Penalty:
    """Issue a rule's penalty (KTV-2/4/5/6/10 …) into core's ledger from the line's table."""
    return await issue_penalty(
        session,
        site_id=site_id,
        staff_id=staff_id,
        rule_code=penalise.code,
        amount=penalise.amount,
        reason=str(penalise.reason),
        issued_by_id=issued_by_id,
        now=now,
        visit_id=visit_id,
        complaint_id=complaint_id,
    )


async def record_conduct(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    conduct: str,
    amount: Decimal | None,
    description: str,
    recorded_by_id: int,
    now: datetime,
    police_referral: bool = False,
) -> tuple[ConductRecord, Penalty]:
    """KTV-7/8/9: record a finding, issue its penalty (fine within bounds, or a dismissal),
    note a police referral (KTV-9; an egregious theft when ``police_referral``) and whether the
    month's credits are cancelled (KTV-7)."""
    if police_referral and conduct != rules.Conduct.THEFT.value:
        raise InvalidInput(
            "policeReferral is for THEFT only: KTV-9 conduct is always referred to the police, "
            "other conduct never",
            code="POLICE_REFERRAL_NOT_APPLICABLE",
            field="policeReferral",
        )
    site, policy = await _site(session, site_id)
    staff = await get_staff(session, staff_id, site.id, "staffId")
    await get_staff(session, recorded_by_id, site.id, "recordedById")
    try:
        decided = rules.conduct_penalty(conduct, amount, policy, police_referral=police_referral)
    except ValueError as exc:
        code = getattr(exc, "code", None)
        if code:
            raise
        raise InvalidInput(
            f"unknown conduct {conduct!r}; use one of {', '.join(c.value for c in rules.Conduct)}",
            code="UNKNOWN_CONDUCT",
            field="conduct",
        ) from None
    penalty = await issue(
        session,
        site_id=site.id,
        staff_id=staff_id,
        penalise=decided,
        issued_by_id=recorded_by_id,
        now=now,
    )
    day = business_date(site, now, policy)
    record = ConductRecord(
        site_id=site.id,
        staff_id=staff_id,
        conduct=rules.Conduct(conduct).value,
        rule=decided.reason.rule,
        business_date=day,
        month=rules.month_of(day),
        amount=decided.amount,
        penalty_id=penalty.id,
        dismissal=decided.dismissal,
        police_referral=decided.police,
        cancels_credits=decided.cancels_credits,
        description=(description or "").strip(),
        reason=str(decided.reason),
        recorded_by_id=recorded_by_id,
        recorded_at=now,
    )
    session.add(record)
    await session.flush()
    if decided.dismissal:
        # KTV-8 serious case / KTV-9: dismissal ends the employment (as KTV-4's resignation
        # does), in this transaction, with ``staff.employment_ended`` naming the rule.
        await end_employment(session, staff=staff, site_id=site.id, reason=decided.reason, now=now)
    return record, penalty


async def fine_roll_call(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    decision: AttendanceDecision | None,
    issued_by_id: int | None,
    now: datetime,
) -> Penalty | None:
    """KTV-2/KTV-10: fine a decided line of the roll (late 30, absent 50, KTV-10's absence
    50); nothing for present, excused or undecided.  Core's ``close_roll`` decides the lines
    and raises ``meeting.late`` / ``absence.recorded`` after commit; the line fines here."""
    site, policy = await _site(session, site_id)
    decided = rules.roll_call_penalty(decision, policy)
    if decided is None:
        return None
    return await issue(
        session,
        site_id=site.id,
        staff_id=staff_id,
        penalise=decided,
        issued_by_id=issued_by_id,
        now=now,
    )


async def fine_leaving_post(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    shift_ends_at: datetime,
    left_at: datetime,
    pass_approved_at: datetime | None,
    issued_by_id: int | None,
    now: datetime,
) -> Penalty | None:
    """KTV-5: leaving mid-shift without a pass approved at or before leaving: fine 100."""
    site, policy = await _site(session, site_id)
    decided = rules.leaving_post(shift_ends_at, left_at, pass_approved_at, policy)
    if decided is None:
        return None
    return await issue(
        session,
        site_id=site.id,
        staff_id=staff_id,
        penalise=decided,
        issued_by_id=issued_by_id,
        now=now,
    )


async def fine_complaint(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    category: str,
    amount: Decimal | None,
    issued_by_id: int | None,
    now: datetime,
    complaint_id: int | None = None,
) -> Penalty:
    """KTV-6 *Decided*: a verified attitude complaint is fined 100 under KTV-6 in place of
    C-14's staff fine; any other verified service fault is C-14's staff fine (``amount``
    within C-14's bounds)."""
    site, policy = await _site(session, site_id)
    code, reason = rules.complaint_fine_code(category)
    if code == ATTITUDE_CODE:
        decided = rules.attitude_fine(policy)
    else:
        decided = rules.Penalise(code, amount, reason)
    return await issue(
        session,
        site_id=site.id,
        staff_id=staff_id,
        penalise=decided,
        issued_by_id=issued_by_id,
        now=now,
        complaint_id=complaint_id,
    )


async def complaint_charges(context: ComplaintFines) -> list[ComplaintCharge] | None:
    """KTV-6 *Decided*: core's C-14 charges for a verified complaint, with the staff fine of
    an attitude complaint replaced by KTV-6's (100, the line's table); None (core's charges
    unchanged) for any other category.  Decision: the amount given for C-14's staff fine is
    ignored for an attitude complaint — KTV-6's fine is fixed — and the reason says so."""
    code, _reason = rules.complaint_fine_code(context.category)
    if code != ATTITUDE_CODE:
        return None
    policy = await load_line_policy(context.session, KtvPolicy, CODE)
    decided = rules.attitude_fine(policy)
    out: list[ComplaintCharge] = []
    for charge in context.charges:
        if charge.charged == "staff" and charge.code == rules.C14_STAFF_CODE:
            out.append(
                ComplaintCharge(
                    code=decided.code,
                    charged="staff",
                    amount=decided.amount,
                    reason=decided.reason,
                )
            )
        else:
            out.append(charge)
    return out


async def fine_roll_line(context: RollCallDecided) -> Penalty | None:
    """KTV-2 / KTV-10 (``frontdesk_roll_call_decided``): fine the decided roll line in the
    roll call's transaction and link the fine to the line (``ktv_roll_fines``)."""
    penalty = await fine_roll_call(
        context.session,
        site_id=context.site.id,
        staff_id=context.staff_id,
        decision=context.decision,
        issued_by_id=None,
        now=context.now,
    )
    if penalty is not None:
        context.session.add(
            RollFine(
                entry_id=context.entry_id, meeting_id=context.meeting_id, penalty_id=penalty.id
            )
        )
        await context.session.flush()
    return penalty
