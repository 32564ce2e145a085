"""KTV GraphQL resolvers: the queries and mutations of :mod:`plugins.ktv.schema`.

Every mutation runs in one write transaction (``write_session``, or ``line_write`` for a
mutation whose body is a step of the session, the input and ``now``): the core service it calls
(roll call, leave, exit pass, booking, check-in) and the line's consequences (its fines,
credits, records and events) commit or roll back together.  Events go on the ``ktv`` stream
(subscription ``ktvUpdates``, webhooks); core's own events (``booking.*``, ``meeting.late``,
``absence.recorded``, ``staff.employment_ended`` …) stay on theirs.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.plugin_api import (
    After,
    AttendanceRecord,
    AttendanceStatus,
    Before,
    Booking,
    BookingStatus,
    CheckIn,
    Conflict,
    Connection,
    Decision,
    EmploymentStatus,
    ExitPass,
    First,
    InvalidInput,
    Last,
    LeaveKind,
    LeaveRequest,
    Meeting,
    NotFound,
    Penalty,
    PenaltyRule,
    Reason,
    RequestStatus,
    RollCallEntry,
    Shift,
    Site,
    Staff,
    acting_staff,
    book,
    call_meeting,
    check_in_visit,
    clock_out,
    close_roll,
    decide_exit_pass,
    decide_leave,
    event_cursor,
    event_updates,
    get_line_site,
    get_staff,
    global_id,
    line_node,
    line_page,
    line_write,
    load_line_policy,
    now,
    parse_id,
    read_session,
    record_event,
    request_exit_pass,
    request_leave,
    revoked_penalties,
    set_booking_status,
    sign_roll,
    site_zone,
    write_session,
)
from plugins import ktv
from plugins.ktv import rules, service
from plugins.ktv import schema as gql
from plugins.ktv.models import BookingCredit, ConductRecord, KnowledgeCheck, RollFine
from plugins.ktv.policy import KtvPolicy

STREAM = "ktv"
CODE = ktv.CODE
CENT = Decimal("0.01")


def _cents(amount: Decimal | None) -> Decimal | None:
    """A CNY amount as the ledger stores it (2 decimals), also before it was reloaded."""
    return None if amount is None else Decimal(amount).quantize(CENT)


def _decision(reason: Reason | None) -> Decision | None:
    return None if reason is None else Decision(rule=reason.rule, message=reason.message)


def _decision_of(rule: str | None, message: str | None) -> Decision | None:
    return None if rule is None else Decision(rule=rule, message=message or "")


async def _site(session: AsyncSession, site_id: Any) -> tuple[Site, KtvPolicy]:
    site = await get_line_site(session, site_id, CODE, what=service.WHAT)
    return site, await load_line_policy(session, KtvPolicy, CODE)


async def _staff_site(session: AsyncSession, staff_id: int, field: str) -> tuple[Staff, Site]:
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field=field)
    site = await get_line_site(session, staff.site_id, CODE, what=service.WHAT)
    return staff, site


async def _staff_of(session: AsyncSession, staff_id: Any) -> tuple[Staff, Site]:
    return await _staff_site(session, parse_id(staff_id, "staffId", of="Staff"), "staffId")


async def _staff_venue(session: AsyncSession, staff_id: Any) -> tuple[Staff, Site, KtvPolicy]:
    """Staff member ``staff_id`` (argument ``staffId``), their KTV venue and the line's policy."""
    staff, site = await _staff_of(session, staff_id)
    _site_row, policy = await _site(session, site.id)
    return staff, site, policy


async def _check_venue(session: AsyncSession, model: Any, key: int) -> None:
    """The ``model`` row ``key`` belongs to a KTV venue (WRONG_BUSINESS_LINE otherwise); a
    missing row is left to the service called next, which answers its NOT_FOUND."""
    found = await session.get(model, key)
    if found is not None:
        await _site(session, found.site_id)


def _today(site: Site, policy: KtvPolicy, moment: datetime) -> date:
    return service.business_date(site, moment, policy)


async def _emit(
    session: AsyncSession,
    type_: str,
    *,
    site_id: int,
    subject_id: int | None,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    await record_event(
        session,
        stream=STREAM,
        type=type_,
        now=at,
        site_id=site_id,
        subject_id=subject_id,
        payload=payload,
    )


# --- views -------------------------------------------------------------------------------------


async def _fines(
    session: AsyncSession, ids: Iterable[int | None], site: Site, policy: KtvPolicy
) -> dict[int, gql.KtvFine]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.execute(
        select(Penalty, PenaltyRule.code, PenaltyRule.rule)
        .join(PenaltyRule, PenaltyRule.id == Penalty.penalty_rule_id)
        .where(Penalty.id.in_(wanted))
    )
    return {
        p.id: gql.KtvFine(
            penalty_id=global_id("Penalty", p.id),
            code=code,
            rule=rule,
            amount=_cents(p.amount),
            reason=p.reason,
            issued_at=p.issued_at,
            business_date=service.business_date(site, p.issued_at, policy),
        )
        for p, code, rule in rows.all()
    }


def _booking_view(b: Booking, credit: BookingCredit | None) -> gql.KtvBooking:
    _receiver, reason = rules.receiver_for_booking(service._facts(b))
    return gql.KtvBooking(
        id=b.id,
        site_id=b.site_id,
        booked_by_id=b.booked_by_id,
        customer_id=b.customer_id,
        visit_id=credit.visit_id if credit is not None else None,
        guest_name=b.guest_name,
        resource_kind=b.resource_kind,
        resource=b.resource,
        business_date=b.business_date,
        status=b.status.value,
        created_at=b.created_at,
        updated_at=b.updated_at,
        credited=credit is not None,
        decision=Decision(rule=reason.rule, message=reason.message),
    )


async def _booking_views(session: AsyncSession, rows: Sequence[Booking]) -> list[gql.KtvBooking]:
    ids = [b.id for b in rows]
    credits = {}
    if ids:
        found = await session.scalars(
            select(BookingCredit).where(BookingCredit.booking_id.in_(ids))
        )
        credits = {c.booking_id: c for c in found.all()}
    return [_booking_view(b, credits.get(b.id)) for b in rows]


async def _meeting_view(
    session: AsyncSession, meeting: Meeting, site: Site, policy: KtvPolicy
) -> gql.KtvMeeting:
    entries = (
        await session.scalars(
            select(RollCallEntry)
            .where(RollCallEntry.meeting_id == meeting.id)
            .order_by(RollCallEntry.staff_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    links = dict(
        (
            await session.execute(
                select(RollFine.entry_id, RollFine.penalty_id).where(
                    RollFine.meeting_id == meeting.id
                )
            )
        ).all()
    )
    fines = await _fines(session, links.values(), site, policy)
    return gql.KtvMeeting(
        meeting_id=strawberry.ID(str(meeting.id)),
        business_date=meeting.business_date,
        assignment=meeting.title,
        starts_at=meeting.starts_at,
        closes_at=meeting.closes_at,
        closed_at=meeting.closed_at,
        roll=[_roll_line(e, fines.get(links.get(e.id))) for e in entries],
    )


def _roll_line(e: RollCallEntry, fine: gql.KtvFine | None) -> gql.KtvRollLine:
    return gql.KtvRollLine(
        staff_id=e.staff_id,
        signed_at=e.signed_at,
        room_booking=e.room_booking,
        booking_cancelled_at=e.booking_cancelled_at,
        status=e.status,
        minutes_late=e.minutes_late,
        decision=_decision_of(e.rule, e.reason),
        fine=fine,
    )


def _pass_view(p: ExitPass) -> gql.KtvExitPass:
    return gql.KtvExitPass(
        pass_id=strawberry.ID(str(p.id)),
        staff_id=p.staff_id,
        decided_by_id=p.decided_by_id,
        reason=p.reason,
        requested_at=p.requested_at,
        status=p.status.value,
        decided_at=p.decided_at,
    )


def _conduct_view(r: ConductRecord) -> gql.KtvConductRecord:
    _rule, _, message = r.reason.partition("] ")
    return gql.KtvConductRecord(
        id=r.id,
        staff_id=r.staff_id,
        recorded_by_id=r.recorded_by_id,
        penalty_id=r.penalty_id,
        conduct=rules.Conduct(r.conduct),
        rule=r.rule,
        business_date=r.business_date,
        amount=_cents(r.amount),
        dismissal=r.dismissal,
        police_referral=r.police_referral,
        cancels_credits=r.cancels_credits,
        description=r.description,
        recorded_at=r.recorded_at,
        decision=Decision(rule=r.rule, message=message or r.reason),
    )


def _check_view(c: KnowledgeCheck, today: date, policy: KtvPolicy) -> gql.KtvKnowledgeCheck:
    reason = rules.knowledge_check_overdue(c.joined_on, c.passed_on, today, policy)
    return gql.KtvKnowledgeCheck(
        id=c.staff_id,
        staff_id=c.staff_id,
        checked_by_id=c.checked_by_id,
        joined_on=c.joined_on,
        due_on=c.due_on,
        passed_on=c.passed_on,
        topics=[rules.KnowledgeTopic(t) for t in c.topics or []],
        overdue=reason is not None,
        decision=_decision(reason),
    )


async def _leave_view(session: AsyncSession, leave: LeaveRequest) -> gql.KtvLeave:
    record = await session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.leave_request_id == leave.id)
    )
    staff = await session.get(Staff, leave.staff_id)
    return gql.KtvLeave(
        leave_id=strawberry.ID(str(leave.id)),
        staff_id=leave.staff_id,
        business_date=leave.business_date,
        requested_at=leave.requested_at,
        deadline=leave.deadline,
        status=leave.status.value,
        late=_decision_of(leave.late_rule, leave.late_reason),
        attendance=record.status.value if record is not None else None,
        decision=_decision_of(leave.decision_rule, leave.decision_reason),
        wage_deduction=record.wage_deduction if record is not None else None,
        employment_ended=staff is not None and staff.employment_status is EmploymentStatus.LEFT,
    )


# --- node loaders ------------------------------------------------------------------------------


async def _booking_node(info: Info, key: int) -> Any:
    async with read_session(info) as s:
        row = await s.get(Booking, key)
        site = await s.get(Site, row.site_id) if row is not None else None
        if row is None or site is None or site.business_line != CODE:
            return None
        return (await _booking_views(s, [row]))[0]


async def _conduct_node(info: Info, key: int) -> Any:
    async with read_session(info) as s:
        row = await s.get(ConductRecord, key)
        return _conduct_view(row) if row is not None else None


async def _check_node(info: Info, key: int) -> Any:
    async with read_session(info) as s:
        row = await s.get(KnowledgeCheck, key)
        if row is None:
            return None
        site, policy = await _site(s, row.site_id)
        return _check_view(row, _today(site, policy, now(info)), policy)


line_node("KtvBooking", _booking_node)
line_node("KtvConductRecord", _conduct_node)
line_node("KtvKnowledgeCheck", _check_node)


# --- queries -----------------------------------------------------------------------------------


SiteArg = Annotated[strawberry.ID, strawberry.argument(description="The venue.")]


async def tonight(
    info: Info,
    site_id: SiteArg,
    business_date: Annotated[
        date | None,
        strawberry.argument(description="KTV-1: the business day; tonight's (now's) by default."),
    ] = None,
    nights_before: Annotated[
        int,
        strawberry.argument(
            description="Without businessDate: that many nights before tonight (1: last night)."
        ),
    ] = 0,
) -> gql.KtvTonight:
    """KTV-1: tonight's board (the business day of now by default)."""
    if not 0 <= nights_before <= 366:
        raise InvalidInput(
            "nightsBefore is a number of nights from 0 to 366",
            code="INVALID_INPUT",
            field="nightsBefore",
        )
    async with read_session(info) as s:
        site, policy = await _site(s, site_id)
        day = business_date or _today(site, policy, now(info)) - timedelta(days=nights_before)
        opens, closes = rules.working_hours(day, policy, site_zone(site))
        meeting = await s.scalar(
            select(Meeting)
            .where(Meeting.site_id == site.id, Meeting.business_date == day)
            .order_by(Meeting.id.desc())
            .limit(1)
        )
        bookings = (
            await s.scalars(
                select(Booking)
                .where(Booking.site_id == site.id, Booking.business_date == day)
                .order_by(Booking.id)
            )
        ).all()
        passes = (
            await s.scalars(
                select(ExitPass)
                .join(Shift, Shift.id == ExitPass.shift_id)
                .where(ExitPass.site_id == site.id, Shift.business_date == day)
                .order_by(ExitPass.id)
            )
        ).all()
        return gql.KtvTonight(
            site_id=site.id,
            business_date=day,
            opens_at=opens,
            closes_at=closes,
            meeting=await _meeting_view(s, meeting, site, policy) if meeting else None,
            bookings=await _booking_views(s, bookings),
            exit_passes=[_pass_view(p) for p in passes],
        )


def _month_bounds(first: date, site: Site, policy: KtvPolicy) -> tuple[datetime, datetime]:
    """KTV-1: the month's business days run from its 1st at the cutoff (06:00) to the next
    month's 1st at the cutoff."""
    nxt = (first + timedelta(days=32)).replace(day=1)
    zone = site_zone(site)
    cutoff = policy.business_day_cutoff
    return datetime.combine(first, cutoff, tzinfo=zone), datetime.combine(nxt, cutoff, tzinfo=zone)


async def staff_month(
    info: Info,
    staff_id: Annotated[strawberry.ID, strawberry.argument(description="The staff member.")],
    month: Annotated[
        date | None,
        strawberry.argument(description="Any day of the month; this business month by default."),
    ] = None,
) -> gql.KtvStaffMonth:
    """A staff member's month: KTV-11 credits (KTV-7 cancellations), fines, absences."""
    async with read_session(info) as s:
        staff, site, policy = await _staff_venue(s, staff_id)
        first = rules.month_of(month or _today(site, policy, now(info)))
        nxt = (first + timedelta(days=32)).replace(day=1)
        perf = await service.month_performance(s, site_id=site.id, staff_id=staff.id, month=first)
        start, end = _month_bounds(first, site, policy)
        penalty_ids = (
            await s.scalars(
                select(Penalty.id)
                .where(
                    Penalty.staff_id == staff.id,
                    Penalty.site_id == site.id,
                    Penalty.issued_at >= start,
                    Penalty.issued_at < end,
                    Penalty.revokes_id.is_(None),
                )
                .order_by(Penalty.id)
            )
        ).all()
        revoked = await revoked_penalties(s, penalty_ids)
        fines_by_id = await _fines(s, [i for i in penalty_ids if i not in revoked], site, policy)
        fines = [fines_by_id[i] for i in penalty_ids if i in fines_by_id]
        absences: list[tuple[date, int, gql.KtvAbsence]] = []
        roll = await s.execute(
            select(Meeting.business_date, RollCallEntry)
            .join(Meeting, Meeting.id == RollCallEntry.meeting_id)
            .where(
                RollCallEntry.staff_id == staff.id,
                Meeting.business_date >= first,
                Meeting.business_date < nxt,
                RollCallEntry.status.in_(("late", "absent")),
            )
        )
        for day, entry in roll.all():
            absences.append(
                (
                    day,
                    0,
                    gql.KtvAbsence(
                        business_date=day,
                        kind=f"meeting_{entry.status}",
                        decision=_decision_of(entry.rule, entry.reason),
                        wage_deduction=None,
                    ),
                )
            )
        records = (
            await s.scalars(
                select(AttendanceRecord).where(
                    AttendanceRecord.staff_id == staff.id,
                    AttendanceRecord.business_date >= first,
                    AttendanceRecord.business_date < nxt,
                    AttendanceRecord.status.in_(
                        (AttendanceStatus.ABSENT, AttendanceStatus.ABSENTEEISM)
                    ),
                )
            )
        ).all()
        for r in records:
            absences.append(
                (
                    r.business_date,
                    1,
                    gql.KtvAbsence(
                        business_date=r.business_date,
                        kind=r.status.value,
                        decision=_decision_of(r.rule, r.reason),
                        wage_deduction=r.wage_deduction,
                    ),
                )
            )
        conduct = (
            await s.scalars(
                select(ConductRecord)
                .where(ConductRecord.staff_id == staff.id, ConductRecord.month == first)
                .order_by(ConductRecord.id)
            )
        ).all()
        absenteeism = [r for r in records if r.status is AttendanceStatus.ABSENTEEISM]
        return gql.KtvStaffMonth(
            staff_id=staff.id,
            month=first,
            honoured_bookings=perf.honoured,
            credits=perf.credits,
            performance=Decision(rule=perf.reason.rule, message=perf.reason.message),
            fines=fines,
            total_fines=sum((f.amount or Decimal(0) for f in fines), Decimal(0)).quantize(CENT),
            absences=[a for _d, _k, a in sorted(absences, key=lambda x: (x[0], x[1]))],
            absenteeism_days=len(absenteeism),
            wage_deductions=sum(
                (r.wage_deduction or Decimal(0) for r in absenteeism), Decimal(0)
            ).quantize(CENT),
            employment_ended=staff.employment_status is EmploymentStatus.LEFT
            or any(c.dismissal for c in conduct),
            conduct=[_conduct_view(c) for c in conduct],
        )


async def overdue_knowledge_checks(
    info: Info,
    site_id: SiteArg,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[gql.KtvKnowledgeCheck]:
    """KTV-3: the director's list of checks past their due day and not passed."""
    async with read_session(info) as s:
        site, policy = await _site(s, site_id)
        today = _today(site, policy, now(info))
        stmt = select(KnowledgeCheck).where(
            KnowledgeCheck.site_id == site.id,
            KnowledgeCheck.passed_on.is_(None),
            KnowledgeCheck.due_on < today,
        )
        return await line_page(
            info,
            s,
            stmt,
            model=KnowledgeCheck,
            type_name="KtvKnowledgeCheck",
            first=first,
            after=after,
            last=last,
            before=before,
            order="due_on",
            descending=False,
            view=lambda c: _check_view(c, today, policy),
        )


async def ktv_updates(
    info: Info,
    site_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this venue's events.")
    ] = None,
    after: Annotated[
        str | None,
        strawberry.argument(description="The `cursor` of the last event received: resume."),
    ] = None,
) -> AsyncGenerator[gql.KtvEvent, None]:
    """KTV events as they are committed, optionally of one venue, resumable from ``after``."""
    async for e in event_updates(info, STREAM, site_id, after):
        yield gql.KtvEvent(
            cursor=event_cursor(e),
            type=e.type,
            site_id=global_id("Site", e.site_id),
            occurred_at=e.occurred_at,
            payload=e.payload,
        )


# --- mutations: the roll call (KTV-2, KTV-10) ----------------------------------------------------


async def call_ktv_meeting(info: Info, input: gql.CallKtvMeetingInput) -> gql.KtvMeeting:
    """KTV-2: tonight's meeting at 19:30 with everyone rostered on the roll."""
    at = now(info)
    async with write_session(info) as s:
        site, policy = await _site(s, input.site_id)
        day = input.business_date or _today(site, policy, at)
        meeting = await call_meeting(
            s,
            info.context.host,
            site_id=site.id,
            business_date=day,
            start=None,
            title=(input.assignment or "").strip() or "Pre-shift meeting",
            now=at,
        )
        return await _meeting_view(s, meeting, site, policy)


async def _meeting_of(s: AsyncSession, meeting_id: Any) -> tuple[Meeting, Site, KtvPolicy]:
    meeting = await s.get(Meeting, parse_id(meeting_id, "meetingId", of="Meeting"))
    if meeting is None:
        raise NotFound(
            f"meeting {meeting_id} does not exist", code="MEETING_NOT_FOUND", field="meetingId"
        )
    site, policy = await _site(s, meeting.site_id)
    return meeting, site, policy


async def sign_ktv_roll(info: Info, input: gql.SignKtvRollInput) -> gql.KtvRollLine:
    """KTV-2: signed by 19:30:00 present, from 19:31 late; KTV-10: after the close only a
    room booking's holder signs (补签).  A line decided by the signature is fined here."""
    at = now(info)
    async with write_session(info) as s:
        meeting, site, policy = await _meeting_of(s, input.meeting_id)
        staff_id = acting_staff(info, input.staff_id, "staffId")
        await sign_roll(
            s,
            meeting_id=meeting.id,
            staff_id=staff_id,
            at=input.at or at,
            now=at,
            host=info.context.host,
        )
        view = await _meeting_view(s, meeting, site, policy)
        return next(line for line in view.roll if line.staff_id == staff_id)


async def close_ktv_roll(info: Info, input: gql.CloseKtvRollInput) -> gql.KtvMeeting:
    """KTV-2 / KTV-10: close the roll at 20:00 or later; late 30, absent 50 (a room booking
    cancelled while the roll was open and the person away: absent 50, KTV-10), all in the
    roll call's transaction (``frontdesk_roll_call_decided``)."""
    at = now(info)
    async with write_session(info) as s:
        meeting, site, policy = await _meeting_of(s, input.meeting_id)
        await close_roll(s, meeting_id=meeting.id, now=at, host=info.context.host)
        return await _meeting_view(s, meeting, site, policy)


# --- KTV-3 ---------------------------------------------------------------------------------------


async def register_ktv_joining(
    info: Info, input: gql.RegisterKtvJoiningInput
) -> gql.KtvKnowledgeCheck:
    """KTV-3: the new staff member's check falls due on day 3 (the joining day is day 1)."""
    return await line_write(info, _register_joining, input)


async def _register_joining(
    s: AsyncSession, input: gql.RegisterKtvJoiningInput, now: datetime
) -> gql.KtvKnowledgeCheck:
    """``registerKtvJoining``'s step (``line_write``): the check, due on day 3 (KTV-3)."""
    staff, site, policy = await _staff_venue(s, input.staff_id)
    check = await service.register_joining(
        s, site_id=site.id, staff_id=staff.id, joined_on=input.joined_on, now=now
    )
    return _check_view(check, _today(site, policy, now), policy)


async def pass_ktv_knowledge_check(
    info: Info, input: gql.PassKtvKnowledgeCheckInput
) -> gql.KtvKnowledgeCheck:
    """KTV-3: the director records the passed check (every topic); late ones stay flagged."""
    at = now(info)
    async with write_session(info) as s:
        staff, site, policy = await _staff_venue(s, input.staff_id)
        check, late = await service.pass_knowledge_check(
            s,
            site_id=site.id,
            staff_id=staff.id,
            checked_by_id=acting_staff(info, input.checked_by_id, "checkedById"),
            topics=[rules.KnowledgeTopic(t).value for t in input.topics],
            now=at,
        )
        await _emit(
            s,
            "ktv.knowledge_check_passed",
            site_id=site.id,
            subject_id=staff.id,
            payload={"staff": staff.id, "late": late is not None, "rule": "KTV-3"},
            at=at,
        )
        return _check_view(check, _today(site, policy, at), policy)


# --- KTV-4 ---------------------------------------------------------------------------------------


async def request_ktv_leave(info: Info, input: gql.RequestKtvLeaveInput) -> gql.KtvLeave:
    """KTV-4: in time strictly before 06:00 of the previous business day; later, the leave is
    recorded late (approved, it is absenteeism)."""
    at = now(info)
    async with write_session(info) as s:
        staff, _site_row = await _staff_site(
            s, acting_staff(info, input.staff_id, "staffId"), "staffId"
        )
        leave = await request_leave(
            s,
            info.context.host,
            staff_id=staff.id,
            shift_id=parse_id(input.shift_id, "shiftId", of="Shift"),
            kind=LeaveKind.LEAVE,
            reason=input.reason,
            now=at,
        )
        return await _leave_view(s, leave)


async def decide_ktv_leave(info: Info, input: gql.DecideKtvLeaveInput) -> gql.KtvLeave:
    """KTV-4: approved late it is absenteeism (4 days' wages; the third day in a calendar
    month ends employment), unless the duty director approves it as a special case."""
    at = now(info)
    async with write_session(info) as s:
        leave = await s.get(LeaveRequest, parse_id(input.leave_id, "leaveId", of="LeaveRequest"))
        if leave is None:
            raise NotFound(
                f"leave request {input.leave_id} does not exist",
                code="LEAVE_NOT_FOUND",
                field="leaveId",
            )
        site, _policy = await _site(s, leave.site_id)
        manager_id = acting_staff(info, input.manager_id, "managerId")
        special = None
        if input.special_case is not None:
            manager = await get_staff(s, manager_id, site.id, "managerId")
            special = rules.leave_special_case(manager.role, input.special_case)
            if special is None:
                raise InvalidInput(
                    f"staff {manager.id} ({manager.role}) cannot approve a late leave as a "
                    "special case: the duty director does, saying why (KTV-4)",
                    code="SPECIAL_CASE_DIRECTOR_ONLY",
                    field="specialCase",
                    rule="KTV-4",
                )
        was_active = (await s.get(Staff, leave.staff_id)).employment_status  # type: ignore[union-attr]
        decided = await decide_leave(
            s,
            info.context.host,
            leave_id=leave.id,
            manager_id=manager_id,
            approve=input.approve,
            reason=input.reason,
            now=at,
            special_case=special,
        )
        view = await _leave_view(s, decided)
        if view.employment_ended and was_active is EmploymentStatus.ACTIVE:
            await _emit(
                s,
                "ktv.employment_ended",
                site_id=site.id,
                subject_id=leave.staff_id,
                payload={"staff": leave.staff_id, "rule": "KTV-4", "leave": leave.id},
                at=at,
            )
        return view


# --- KTV-5 ---------------------------------------------------------------------------------------


async def request_ktv_exit_pass(info: Info, input: gql.RequestKtvExitPassInput) -> gql.KtvExitPass:
    """KTV-5: ask the direct superior for a pass to leave mid-shift."""
    at = now(info)
    async with write_session(info) as s:
        staff, _site_row = await _staff_site(
            s, acting_staff(info, input.staff_id, "staffId"), "staffId"
        )
        row = await request_exit_pass(
            s,
            staff_id=staff.id,
            shift_id=parse_id(input.shift_id, "shiftId", of="Shift"),
            reason=input.reason,
            now=at,
        )
        return _pass_view(row)


async def decide_ktv_exit_pass(info: Info, input: gql.DecideKtvExitPassInput) -> gql.KtvExitPass:
    """KTV-5: the direct superior approves (counts when at or before leaving) or refuses."""
    at = now(info)
    async with write_session(info) as s:
        pass_id = parse_id(input.pass_id, "passId", of="ExitPass")
        await _check_venue(s, ExitPass, pass_id)
        row = await decide_exit_pass(
            s,
            pass_id=pass_id,
            manager_id=acting_staff(info, input.manager_id, "managerId"),
            approve=input.approve,
            now=at,
        )
        return _pass_view(row)


async def clock_out_ktv(info: Info, input: gql.ClockOutKtvInput) -> gql.KtvClockOut:
    """KTV-1: not while one's own booked rooms are occupied; KTV-5: before the shift's end
    without an approved pass it is leaving the post, fined 100 in this transaction."""
    at = now(info)
    async with write_session(info) as s:
        shift = await s.get(Shift, parse_id(input.shift_id, "shiftId", of="Shift"))
        if shift is None:
            raise NotFound(
                f"shift {input.shift_id} does not exist", code="SHIFT_NOT_FOUND", field="shiftId"
            )
        site, policy = await _site(s, shift.site_id)
        acting_staff(info, strawberry.ID(str(shift.staff_id)), "shiftId")
        refusal = rules.shift_end_refusal(
            [r.strip() for r in input.own_rooms_occupied or [] if r.strip()]
        )
        if refusal is not None:
            raise Conflict(
                refusal.message, code="SHIFT_END_REFUSED", field="ownRoomsOccupied", rule="KTV-1"
            )
        left = input.at or at
        record = await clock_out(s, shift_id=shift.id, at=left, now=at)
        approved = await s.scalar(
            select(ExitPass.decided_at)
            .where(ExitPass.shift_id == shift.id, ExitPass.decided_at.is_not(None))
            .where(ExitPass.status == RequestStatus.APPROVED)
            .order_by(ExitPass.decided_at)
            .limit(1)
        )
        fine = await service.fine_leaving_post(
            s,
            site_id=site.id,
            staff_id=shift.staff_id,
            shift_ends_at=shift.ends_at,
            left_at=left,
            pass_approved_at=approved,
            issued_by_id=None,
            now=at,
        )
        if fine is not None:
            await _emit(
                s,
                "ktv.left_post_fined",
                site_id=site.id,
                subject_id=fine.id,
                payload={"staff": shift.staff_id, "shift": shift.id, "rule": "KTV-5"},
                at=at,
            )
        fines = await _fines(s, [fine.id] if fine else [], site, policy)
        return gql.KtvClockOut(
            staff_id=shift.staff_id,
            clocked_out_at=record.clocked_out_at or left,
            left_early=_decision_of(record.left_early_rule, record.left_early_reason),
            fine=fines.get(fine.id) if fine else None,
        )


# --- KTV-7, KTV-10, KTV-11: bookings --------------------------------------------------------------


async def book_ktv(info: Info, input: gql.BookKtvInput) -> gql.KtvBooking:
    """KTV-7: through the booking system; KTV-11: the booker receives the guest."""
    at = now(info)
    async with write_session(info) as s:
        site, policy = await _site(s, input.site_id)
        day = input.business_date or _today(site, policy, at)
        if day < _today(site, policy, at):
            raise InvalidInput(
                f"business day {day.isoformat()} is over (KTV-1)",
                code="BUSINESS_DAY_OVER",
                field="businessDate",
            )
        row = await book(
            s,
            site_id=site.id,
            booked_by_id=acting_staff(info, input.booked_by_id, "bookedById"),
            customer_id=parse_id(input.customer_id, "customerId", of="Customer")
            if input.customer_id is not None
            else None,
            guest_name=input.guest_name,
            resource_kind=str(input.resource_kind.value),
            resource=input.resource,
            business_date=day,
            now=at,
        )
        return (await _booking_views(s, [row]))[0]


async def cancel_ktv_booking(info: Info, input: gql.CancelKtvBookingInput) -> gql.KtvBooking:
    """KTV-10: a cancelled room booking no longer excuses from the roll (cancelled while the
    roll is open and the booker away: absent at the close)."""
    at = now(info)
    async with write_session(info) as s:
        booking_id = parse_id(input.booking_id, "bookingId", of="KtvBooking")
        await _check_venue(s, Booking, booking_id)
        row = await set_booking_status(
            s, booking_id=booking_id, status=BookingStatus.CANCELLED, now=at
        )
        return (await _booking_views(s, [row]))[0]


async def receive_ktv_guest(info: Info, input: gql.ReceiveKtvGuestInput) -> gql.KtvReception:
    """KTV-11: a guest with a booking tonight is received by their booker, the booking is
    honoured and credits the booker's month; without one the host desk receives."""
    at = now(info)
    async with write_session(info) as s:
        site, _policy = await _site(s, input.site_id)
        customer_id = (
            parse_id(input.customer_id, "customerId", of="Customer")
            if input.customer_id is not None
            else None
        )
        visit, outcome = await check_in_visit(
            s,
            info.context.host,
            CheckIn(
                site_id=site.id,
                customer_id=customer_id,
                party_size=input.party_size,
                arrived_at=input.arrived_at,
                line_input={CODE: {"guest_name": input.guest_name}},
            ),
            at,
        )
        data = outcome.line_data if outcome is not None else None
        booking = None
        if isinstance(data, dict) and "booking_id" in data:
            row = await s.get(Booking, int(data["booking_id"]))
            booking = (await _booking_views(s, [row]))[0] if row is not None else None
        reason = (
            outcome.reason
            if outcome is not None and outcome.reason is not None
            else rules.receiver_for_booking(None)[1]
        )
        await _emit(
            s,
            "ktv.guest_received",
            site_id=site.id,
            subject_id=visit.id,
            payload={
                "visit": visit.id,
                "receiver": visit.receiver_id,
                "booking": booking.id if booking is not None else None,
                "rule": "KTV-11",
            },
            at=at,
        )
        return gql.KtvReception(
            visit_id=visit.id,
            receiver_id=visit.receiver_id,
            business_date=visit.business_date,
            booking=booking,
            decision=Decision(rule=reason.rule, message=reason.message),
        )


# --- KTV-7, KTV-8, KTV-9: conduct ----------------------------------------------------------------


async def record_ktv_conduct(info: Info, input: gql.RecordKtvConductInput) -> gql.KtvConductRecord:
    """KTV-7 (month's credits cancelled + fine within bounds), KTV-8 (fines, serious case:
    dismissal without pay), KTV-9 (dismissal and police referral), recorded as such."""
    at = now(info)
    async with write_session(info) as s:
        staff, site = await _staff_of(s, input.staff_id)
        record, penalty = await service.record_conduct(
            s,
            site_id=site.id,
            staff_id=staff.id,
            conduct=rules.Conduct(input.conduct).value,
            amount=input.amount,
            description=input.description,
            recorded_by_id=acting_staff(info, input.recorded_by_id, "recordedById"),
            now=at,
            police_referral=input.police_referral,
        )
        await _emit(
            s,
            "ktv.conduct_recorded",
            site_id=site.id,
            subject_id=record.id,
            payload={
                "staff": staff.id,
                "conduct": record.conduct,
                "rule": record.rule,
                "penalty": penalty.id,
                "dismissal": record.dismissal,
                "police_referral": record.police_referral,
                "cancels_credits": record.cancels_credits,
            },
            at=at,
        )
        return _conduct_view(record)
