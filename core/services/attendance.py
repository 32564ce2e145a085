"""Attendance, leave, exit passes, wage-day deductions and the monthly points ledger
(issue 12: PM-9, KTV-4, KTV-5, C-15).

Every function works in the caller's session and writes nothing when it raises.  The rules
are pure functions in ``core.workforce_rules``; the line's numbers come from
``frontdesk_workforce_policy`` (:class:`~core.contracts.WorkforcePolicy`).

Consequences follow the record that causes them, in the same transaction: a day of
absenteeism deducts the line's wage days (KTV-4) and, at the line's count in a calendar
month, ends the employment (event ``staff.employment_ended``); an attendance status that the
line's points table charges issues the points entry, and a balance falling to a threshold
raises ``points.threshold_crossed`` (PM-9).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import calendar_for, require_aware
from core.contracts import FORGOTTEN_CLOCK_IN, PointsScheme, RollCallDecided, WorkforcePolicy
from core.decisions import Reason
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.events import record_event
from core.models import (
    AttendanceRecord,
    AttendanceStatus,
    Booking,
    BookingStatus,
    EmploymentStatus,
    ExitPass,
    LeaveKind,
    LeaveRequest,
    Meeting,
    PointsEntry,
    RequestStatus,
    RollCallEntry,
    Shift,
    ShiftSwap,
    Site,
    Staff,
    SwapStatus,
)
from core.plugins import PluginHost
from core.services.directory import get_site, get_staff_at
from core.services.plugin_settings import load_settings
from core.services.visits import business_date_of
from core.services.workforce import STREAM, SWAP_APPROVER_ROLES, workforce_policy
from core.workforce_rules import (
    AttendanceDecision,
    LeaveFacts,
    PointsOccurrence,
    absenteeism_wage_deduction,
    clock_in_decision,
    day_off_decision,
    early_leave_reason,
    employment_ended_by_absenteeism,
    forgotten_clock_in_decision,
    lapsed_leave_reason,
    leave_absenteeism,
    leave_day_start,
    leave_request_deadline,
    points_balance,
    points_threshold_crossed,
    roll_call_status,
)

CENT: Final = Decimal("0.01")
DAYS_OFF: Final = (AttendanceStatus.TIME_OFF_IN_LIEU, AttendanceStatus.ON_LEAVE)
#: What a manager may record for a shift nobody clocked in for.
RECORDABLE: Final = frozenset({"absent", "absenteeism", "forgotten_clock_in", "time_off_in_lieu"})


# --- shared --------------------------------------------------------------------------------


async def site_policy(
    session: AsyncSession, host: PluginHost | None, site: Site
) -> WorkforcePolicy:
    """The site's workforce policy as its line and the company-wide plugins set it."""
    policy = workforce_policy(host, site, await load_settings(session))
    if policy.forgotten_clock_in not in FORGOTTEN_CLOCK_IN or (
        policy.points is not None and not isinstance(policy.points, PointsScheme)
    ):
        raise InvalidInput(
            "the line's frontdesk_workforce_policy answered an invalid policy",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    return policy


async def _shift(session: AsyncSession, shift_id: int) -> Shift:
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(f"shift {shift_id} does not exist", code="SHIFT_NOT_FOUND", field="shiftId")
    return shift


async def _record_of(session: AsyncSession, shift_id: int) -> AttendanceRecord | None:
    return await session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.shift_id == shift_id).with_for_update()
    )


def _already(record: AttendanceRecord) -> Conflict:
    return Conflict(
        f"shift {record.shift_id} already has its attendance recorded ({record.status.value})",
        code="ATTENDANCE_ALREADY_RECORDED",
        field="shiftId",
    )


async def _manager(
    session: AsyncSession, site_id: int, manager_id: int, staff: Staff, what: str
) -> Staff:
    """The direct superior of ``staff`` (their ``superior_id``; without one, any manager of
    the site) deciding ``what`` — never the person themselves."""
    manager = await get_staff_at(session, manager_id, site_id, "managerId")
    if staff.superior_id is not None:
        allowed = manager.id == staff.superior_id
    else:
        allowed = manager.role in SWAP_APPROVER_ROLES
    if not allowed or manager.id == staff.id:
        who = (
            f"their direct superior, staff {staff.superior_id}"
            if staff.superior_id is not None
            else "a manager of the site"
        )
        raise PermissionDenied(
            f"staff {manager.id} ({manager.role}) cannot decide {what} of staff {staff.id}: "
            f"{who} decides (KTV-4, KTV-5)",
            code="NOT_THE_SUPERIOR",
            field="managerId",
        )
    return manager


def _month(d: date) -> date:
    return d.replace(day=1)


async def _days_off_used(session: AsyncSession, staff_id: int, day: date) -> int:
    first = _month(day)
    last = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    count = await session.scalar(
        select(func.count(AttendanceRecord.id)).where(
            AttendanceRecord.staff_id == staff_id,
            AttendanceRecord.status.in_(DAYS_OFF),
            AttendanceRecord.business_date >= first,
            AttendanceRecord.business_date < last,
        )
    )
    return int(count or 0)


async def _write(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    site: Site,
    staff: Staff,
    shift: Shift,
    decision: AttendanceDecision,
    policy: WorkforcePolicy,
    now: datetime,
    clocked_in_at: datetime | None = None,
    recorded_by_id: int | None = None,
    leave_request_id: int | None = None,
) -> AttendanceRecord:
    record = AttendanceRecord(
        site_id=site.id,
        staff_id=staff.id,
        shift_id=shift.id,
        business_date=shift.business_date,
        status=AttendanceStatus(decision.status),
        minutes_late=decision.minutes_late,
        clocked_in_at=clocked_in_at,
        rule=decision.reason.rule if decision.reason else None,
        reason=decision.reason.message if decision.reason else None,
        leave_request_id=leave_request_id,
        recorded_by_id=recorded_by_id,
        recorded_at=now,
    )
    session.add(record)
    await session.flush()
    await _consequences(session, host, site, staff, record, policy, now)
    return record


async def _consequences(
    session: AsyncSession,
    host: PluginHost | None,
    site: Site,
    staff: Staff,
    record: AttendanceRecord,
    policy: WorkforcePolicy,
    now: datetime,
) -> None:
    status = record.status
    if status in (AttendanceStatus.ABSENT, AttendanceStatus.ABSENTEEISM, AttendanceStatus.LATE):
        await record_event(
            session,
            stream=STREAM,
            type="attendance.late" if status is AttendanceStatus.LATE else "absence.recorded",
            now=now,
            site_id=site.id,
            subject_id=record.id,
            payload={
                "staff": staff.id,
                "shift": record.shift_id,
                "business_date": record.business_date.isoformat(),
                "status": status.value,
                "minutes_late": record.minutes_late,
                "rule": record.rule,
            },
        )
    if status is AttendanceStatus.ABSENTEEISM:
        # KTV-4: each day of absenteeism deducts the line's wage days of the daily wage.
        if policy.absenteeism_wage_days is not None:
            record.wage_days = policy.absenteeism_wage_days.quantize(CENT)
            if staff.daily_wage is not None:
                record.wage_deduction = absenteeism_wage_deduction(
                    Decimal(staff.daily_wage), policy.absenteeism_wage_days
                )
        await session.flush()
        await _maybe_end_employment(session, site, staff, record.business_date, policy, now)
    scheme = policy.points
    if scheme is not None:
        item = next((i for i in scheme.items if i.attendance == status.value), None)
        if item is not None:
            await _add_points(
                session,
                site=site,
                staff=staff,
                scheme=scheme,
                item_code=item.code,
                rule=item.rule,
                points=None,
                month=_month(record.business_date),
                reason=record.reason or item.title,
                attendance_id=record.id,
                issued_by_id=record.recorded_by_id,
                now=now,
            )


async def _maybe_end_employment(
    session: AsyncSession,
    site: Site,
    staff: Staff,
    business_date: date,
    policy: WorkforcePolicy,
    now: datetime,
) -> None:
    """KTV-4: the line's count of absenteeism days in one calendar month (by business date)
    is automatic resignation: the staff member's employment ends, as an event."""
    if policy.absenteeism_days_ending_employment is None:
        return
    if staff.employment_status is EmploymentStatus.LEFT:
        return
    days = await session.scalars(
        select(AttendanceRecord.business_date).where(
            AttendanceRecord.staff_id == staff.id,
            AttendanceRecord.status == AttendanceStatus.ABSENTEEISM,
        )
    )
    reason = employment_ended_by_absenteeism(
        days.all(), business_date, policy.absenteeism_days_ending_employment
    )
    if reason is None:
        return
    await end_employment(session, staff=staff, site_id=site.id, reason=reason, now=now)


async def end_employment(
    session: AsyncSession, *, staff: Staff, site_id: int, reason: Reason, now: datetime
) -> bool:
    """End ``staff``'s employment for ``reason`` (KTV-4 automatic resignation, KTV-8/KTV-9
    dismissal): ``employmentStatus`` becomes LEFT and ``staff.employment_ended`` is recorded in
    the caller's transaction.  False (nothing written) when it had ended already."""
    if staff.employment_status is EmploymentStatus.LEFT:
        return False
    staff.employment_status = EmploymentStatus.LEFT
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="staff.employment_ended",
        now=now,
        site_id=site_id,
        subject_id=staff.id,
        payload={"staff": staff.id, "rule": reason.rule, "reason": reason.message},
    )
    return True


# --- clock-in and clock-out (PM-9, KTV-5) ----------------------------------------------------


async def _staff_of(session: AsyncSession, shift: Shift) -> tuple[Site, Staff]:
    site = await get_site(session, shift.site_id)
    staff = await get_staff_at(session, shift.staff_id, site.id, "staffId")
    return site, staff


async def clock_in(
    session: AsyncSession, host: PluginHost | None, *, shift_id: int, at: datetime, now: datetime
) -> AttendanceRecord:
    """The person rostered on ``shift_id`` clocks in at ``at``: present, late (minutes) or,
    more than the line's ``absent_after_minutes_late`` late, absent (PM-9)."""
    require_aware(at, "at")
    shift = await _shift(session, shift_id)
    site, staff = await _staff_of(session, shift)
    if staff.employment_status is not EmploymentStatus.ACTIVE:
        raise Conflict(
            f"staff {staff.id} is {staff.employment_status.value}",
            code="STAFF_NOT_ACTIVE",
            field="shiftId",
        )
    existing = await _record_of(session, shift.id)
    if existing is not None:
        raise _already(existing)
    if at >= shift.ends_at:
        raise InvalidInput(
            f"shift {shift.id} ended at {shift.ends_at.isoformat()}; a clock-in at "
            f"{at.isoformat()} is after it (record the day instead)",
            code="CLOCK_IN_AFTER_SHIFT",
            field="at",
        )
    policy = await site_policy(session, host, site)
    decision = clock_in_decision(shift.starts_at, at, policy)
    return await _write(
        session,
        host,
        site=site,
        staff=staff,
        shift=shift,
        decision=decision,
        policy=policy,
        now=now,
        clocked_in_at=at,
    )


async def clock_out(
    session: AsyncSession, *, shift_id: int, at: datetime, now: datetime
) -> AttendanceRecord:
    """The person clocks out at ``at``; before the shift's end without an exit pass approved
    at or before leaving it is recorded as leaving without a pass (KTV-5) and raises the
    ``attendance.left_early`` event (the line issues its fine)."""
    require_aware(at, "at")
    shift = await _shift(session, shift_id)
    record = await _record_of(session, shift.id)
    if record is None or record.clocked_in_at is None:
        raise Conflict(
            f"nobody clocked in for shift {shift.id}", code="NOT_CLOCKED_IN", field="shiftId"
        )
    if record.clocked_out_at is not None:
        raise Conflict(
            f"shift {shift.id} was clocked out at {record.clocked_out_at.isoformat()}",
            code="ALREADY_CLOCKED_OUT",
            field="shiftId",
        )
    if at < record.clocked_in_at:
        raise InvalidInput(
            "a clock-out cannot be before the clock-in", code="CLOCK_OUT_BEFORE_IN", field="at"
        )
    approved = await session.scalar(
        select(func.min(ExitPass.decided_at)).where(
            ExitPass.shift_id == shift.id, ExitPass.status == RequestStatus.APPROVED
        )
    )
    record.clocked_out_at = at
    reason = early_leave_reason(shift.ends_at, at, approved)
    if reason is not None:
        record.left_early_rule, record.left_early_reason = reason.rule, reason.message
    await session.flush()
    if reason is not None:
        await record_event(
            session,
            stream=STREAM,
            type="attendance.left_early",
            now=now,
            site_id=record.site_id,
            subject_id=record.id,
            payload={"staff": record.staff_id, "shift": shift.id, "rule": reason.rule},
        )
    return record


async def record_day(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    shift_id: int,
    what: str,
    manager_id: int,
    note: str,
    rule: str | None,
    now: datetime,
) -> AttendanceRecord:
    """A manager records a shift nobody clocked in for: ``absent``, ``absenteeism`` (e.g.
    leaving the post without a swap, PM-9; a missed shift after an unclear handover, for each
    party, C-15), ``forgotten_clock_in`` (recorded as the line's policy says, PM-9) or
    ``time_off_in_lieu`` (调休, within the month's allowance)."""
    if what not in RECORDABLE:
        raise InvalidInput(
            f"record one of: {', '.join(sorted(RECORDABLE))}",
            code="UNKNOWN_ATTENDANCE",
            field="what",
        )
    shift = await _shift(session, shift_id)
    site, staff = await _staff_of(session, shift)
    await _manager(session, site.id, manager_id, staff, "the attendance")
    existing = await _record_of(session, shift.id)
    if existing is not None:
        raise _already(existing)
    policy = await site_policy(session, host, site)
    used = await _days_off_used(session, staff.id, shift.business_date)
    note = (note or "").strip()
    if what == "forgotten_clock_in":
        decision = forgotten_clock_in_decision(used, policy, shift.business_date)
    elif what == "time_off_in_lieu":
        decision = day_off_decision("time_off_in_lieu", used, policy, shift.business_date)
    else:
        if not note:
            raise InvalidInput(
                "say what happened (e.g. left the post without a swap)",
                code="REASON_REQUIRED",
                field="note",
            )
        decision = AttendanceDecision(what, 0, Reason(rule or "PM-9", note))
    return await _write(
        session,
        host,
        site=site,
        staff=staff,
        shift=shift,
        decision=decision,
        policy=policy,
        now=now,
        recorded_by_id=manager_id,
    )


# --- leave (KTV-4, C-15, PM-9) -----------------------------------------------------------------


async def request_leave(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    staff_id: int,
    shift_id: int,
    kind: LeaveKind,
    reason: str,
    now: datetime,
) -> LeaveRequest:
    """Request leave (or a day off in lieu) on one's own rostered shift.  A request after the
    line's deadline (KTV-4: before the start of the previous business day), or on a swapped,
    pay-back or public-holiday shift (C-15), is recorded with the reason it will count as
    absenteeism if the superior lets the person stay away."""
    shift = await _shift(session, shift_id)
    site = await get_site(session, shift.site_id)
    staff = await get_staff_at(session, staff_id, site.id, "staffId")
    if shift.staff_id != staff.id:
        raise InvalidInput(
            f"shift {shift.id} is not staff {staff.id}'s shift",
            code="SHIFT_NOT_HELD",
            field="shiftId",
        )
    existing = await _record_of(session, shift.id)
    if existing is not None:
        raise _already(existing)
    if now >= shift.ends_at:
        raise InvalidInput(
            f"shift {shift.id} ended at {shift.ends_at.isoformat()}; leave is asked before "
            "(a manager records the day instead)",
            code="SHIFT_OVER",
            field="shiftId",
        )
    pending = await session.scalar(
        select(LeaveRequest.id).where(
            LeaveRequest.shift_id == shift.id,
            LeaveRequest.status.in_((RequestStatus.REQUESTED, RequestStatus.APPROVED)),
        )
    )
    if pending is not None:
        raise Conflict(
            f"leave request {pending} already covers shift {shift.id}",
            code="LEAVE_ALREADY_REQUESTED",
            field="shiftId",
        )
    policy = await site_policy(session, host, site)
    calendar = calendar_for(site.calendar_region, site.timezone)
    deadline = None
    if policy.leave_lead_days is not None:
        deadline = leave_request_deadline(
            shift.business_date, policy.leave_lead_days, policy.business_day_starts, calendar.zone
        )
    swapped = await session.scalar(
        select(ShiftSwap.id).where(
            ShiftSwap.status == SwapStatus.APPROVED,
            or_(ShiftSwap.shift_id == shift.id, ShiftSwap.payback_shift_id == shift.id),
        )
    )
    late = leave_absenteeism(
        LeaveFacts(
            staff_id=staff.id,
            business_date=shift.business_date,
            requested_at=now,
            approved=True,
            on_public_holiday_duty=calendar.is_public_holiday(shift.business_date),
            on_swapped_shift=swapped is not None,
        ),
        deadline,
    )
    leave = LeaveRequest(
        site_id=site.id,
        staff_id=staff.id,
        shift_id=shift.id,
        business_date=shift.business_date,
        kind=kind,
        reason=(reason or "").strip(),
        requested_at=now,
        deadline=deadline.astimezone(UTC) if deadline is not None else None,
        late_rule=late.rule if late else None,
        late_reason=late.message if late else None,
        status=RequestStatus.REQUESTED,
    )
    session.add(leave)
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="leave.requested",
        now=now,
        site_id=site.id,
        subject_id=leave.id,
        payload={"staff": staff.id, "shift": shift.id, "late_rule": leave.late_rule},
    )
    return leave


async def decide_leave(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    leave_id: int,
    manager_id: int,
    approve: bool,
    reason: str,
    now: datetime,
    special_case: Reason | None = None,
) -> LeaveRequest:
    """The direct superior approves or refuses a leave request.  Approved, the shift is
    recorded as leave or a day off in lieu within the month's allowance (beyond it: an
    absence, PM-9), or as absenteeism when the request was late or on a swapped or
    public-holiday shift (KTV-4, C-15).  Refused, nothing is recorded for the shift: the
    person is expected at work.  Raises ``leave.decided``.

    ``special_case`` (a line's decision, e.g. KTV-4: the duty director approves a late
    request as a special case, 特殊情况): an approved late request is then a proper leave,
    recorded with that reason instead of absenteeism."""
    leave = await session.scalar(
        select(LeaveRequest).where(LeaveRequest.id == leave_id).with_for_update()
    )
    if leave is None:
        raise NotFound(
            f"leave request {leave_id} does not exist", code="LEAVE_NOT_FOUND", field="leaveId"
        )
    site = await get_site(session, leave.site_id)
    staff = await get_staff_at(session, leave.staff_id, site.id, "staffId")
    await _manager(session, site.id, manager_id, staff, f"leave request {leave.id}")
    if leave.status is RequestStatus.REQUESTED:
        policy = await site_policy(session, host, site)
        zone = calendar_for(site.calendar_region, site.timezone).zone
        starts = leave_day_start(leave.business_date, policy.business_day_starts, zone)
        if now >= await _lapses_at(session, leave, starts):
            raise Conflict(
                f"leave request {leave.id} was undecided when its day started at "
                f"{starts.isoformat()}: it lapsed (leave needs prior approval; staying away is "
                "absenteeism, PM-9)",
                code="LEAVE_LAPSED",
                field="leaveId",
                rule="PM-9",
            )
    if leave.status is RequestStatus.LAPSED:
        raise Conflict(
            f"leave request {leave.id} lapsed: it was undecided when its day started",
            code="LEAVE_LAPSED",
            field="leaveId",
            rule="PM-9",
        )
    if leave.status is not RequestStatus.REQUESTED:
        raise Conflict(
            f"leave request {leave.id} is already {leave.status.value}",
            code="LEAVE_ALREADY_DECIDED",
            field="leaveId",
        )
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InvalidInput("say why the leave is refused", code="REASON_REQUIRED", field="reason")
    leave.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    leave.decided_by_id, leave.decided_at = manager_id, now
    record = None
    if approve:
        shift = await _shift(session, leave.shift_id)
        existing = await _record_of(session, shift.id)
        if existing is not None:
            raise _already(existing)
        policy = await site_policy(session, host, site)
        if leave.late_rule is not None and special_case is None:
            decision = AttendanceDecision(
                "absenteeism", 0, Reason(leave.late_rule, leave.late_reason or "")
            )
        else:
            used = await _days_off_used(session, staff.id, shift.business_date)
            decision = day_off_decision(leave.kind.value, used, policy, shift.business_date)
        if leave.late_rule is not None and special_case is not None and decision.reason is None:
            decision = AttendanceDecision(decision.status, decision.minutes_late, special_case)
        leave.decision_rule = decision.reason.rule if decision.reason else None
        leave.decision_reason = (
            decision.reason.message if decision.reason else f"approved: {decision.status}"
        )
        await session.flush()
        record = await _write(
            session,
            host,
            site=site,
            staff=staff,
            shift=shift,
            decision=decision,
            policy=policy,
            now=now,
            recorded_by_id=manager_id,
            leave_request_id=leave.id,
        )
    else:
        leave.decision_reason = reason
        await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="leave.decided",
        now=now,
        site_id=site.id,
        subject_id=leave.id,
        payload={
            "staff": staff.id,
            "approved": approve,
            "attendance": record.status.value if record is not None else None,
        },
    )
    return leave


async def sweep_undecided_leave(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    now: datetime,
    site_id: int | None = None,
) -> tuple[list[LeaveRequest], list[AttendanceRecord]]:
    """Leave still undecided when its day starts (issue 12, *Decided*; PM-9, KTV-4).

    Two steps, idempotent (a second run finds nothing new), in the caller's transaction:

    1. A request still ``requested`` at the start of its business day (site-local, the
       line's ``business_day_starts``: KTV 06:00, core 00:00) **lapses**: leave needs prior
       approval, so it can no longer be approved (``decideLeave`` answers LEAVE_LAPSED);
       event ``leave.decided`` with ``lapsed: true``.  The person is expected at work.
    2. Once the shift of a lapsed request has ended with nothing recorded for it (no clock-in,
       no manager's record), the day is recorded as **absenteeism** — leave without prior
       approval (PM-9; KTV-4 at a line with a leave deadline) — with its consequences: the
       line's wage days, the points entry, and at the line's count of absenteeism days in a
       calendar month the end of the employment (``staff.employment_ended``, KTV-4).  A person
       who came to work anyway clocked in, and nothing more happens.

    Why not at the day's start: someone who came after all must still be able to clock in.
    The server runs this with the complaint sweep (``overdue_sweep_seconds``); the mutation
    ``sweepUndecidedLeave`` runs it at once.  Returns the requests lapsed and the records
    written.
    """
    recorded = (
        select(AttendanceRecord.id)
        .where(AttendanceRecord.shift_id == LeaveRequest.shift_id)
        .exists()
    )
    stmt = select(LeaveRequest).where(
        or_(
            LeaveRequest.status == RequestStatus.REQUESTED,
            (LeaveRequest.status == RequestStatus.LAPSED) & ~recorded,
        ),
        # Cheap bound: no business day starts more than a day before its date's midnight UTC.
        LeaveRequest.business_date <= (now + timedelta(days=2)).date(),
    )
    if site_id is not None:
        stmt = stmt.where(LeaveRequest.site_id == site_id)
    rows = (await session.scalars(stmt.order_by(LeaveRequest.id).with_for_update())).all()
    lapsed: list[LeaveRequest] = []
    written: list[AttendanceRecord] = []
    sites: dict[int, tuple[Site, WorkforcePolicy]] = {}
    for leave in rows:
        if leave.site_id not in sites:
            site = await get_site(session, leave.site_id)
            sites[leave.site_id] = (site, await site_policy(session, host, site))
        site, policy = sites[leave.site_id]
        zone = calendar_for(site.calendar_region, site.timezone).zone
        starts = leave_day_start(leave.business_date, policy.business_day_starts, zone)
        if now < await _lapses_at(session, leave, starts):
            continue
        rule = "KTV-4" if policy.leave_lead_days is not None else "PM-9"
        why = lapsed_leave_reason(leave.business_date, starts, rule)
        if leave.status is RequestStatus.REQUESTED:
            leave.status = RequestStatus.LAPSED
            leave.decided_at = now
            leave.decision_rule, leave.decision_reason = why.rule, why.message
            await session.flush()
            lapsed.append(leave)
            await record_event(
                session,
                stream=STREAM,
                type="leave.decided",
                now=now,
                site_id=site.id,
                subject_id=leave.id,
                payload={
                    "staff": leave.staff_id,
                    "approved": False,
                    "lapsed": True,
                    "attendance": None,
                    "rule": why.rule,
                },
            )
        shift = await _shift(session, leave.shift_id)
        if now < shift.ends_at or await _record_of(session, shift.id) is not None:
            continue
        staff = await session.get(Staff, shift.staff_id)
        if (
            staff is None
            or staff.id != leave.staff_id
            or staff.employment_status is not EmploymentStatus.ACTIVE
        ):
            continue
        written.append(
            await _write(
                session,
                host,
                site=site,
                staff=staff,
                shift=shift,
                decision=AttendanceDecision("absenteeism", 0, why),
                policy=policy,
                now=now,
                leave_request_id=leave.id,
            )
        )
    return lapsed, written


async def _lapses_at(session: AsyncSession, leave: LeaveRequest, starts: datetime) -> datetime:
    """When an undecided request lapses: at the start of its business day — or, for a request
    made on the day itself (already late: KTV-4's deadline has passed, so the line decides it as
    absenteeism or a special case), at the end of its shift, so the manager can still decide it
    that day."""
    if leave.requested_at < starts:
        return starts
    return (await _shift(session, leave.shift_id)).ends_at


# --- exit passes (KTV-5) ---------------------------------------------------------------------


async def request_exit_pass(
    session: AsyncSession, *, staff_id: int, shift_id: int, reason: str, now: datetime
) -> ExitPass:
    """KTV-5: ask to leave one's shift before its end."""
    shift = await _shift(session, shift_id)
    staff = await get_staff_at(session, staff_id, shift.site_id, "staffId")
    if shift.staff_id != staff.id:
        raise InvalidInput(
            f"shift {shift.id} is not staff {staff.id}'s shift",
            code="SHIFT_NOT_HELD",
            field="shiftId",
        )
    exit_pass = ExitPass(
        site_id=shift.site_id,
        staff_id=staff.id,
        shift_id=shift.id,
        reason=(reason or "").strip(),
        requested_at=now,
        status=RequestStatus.REQUESTED,
    )
    session.add(exit_pass)
    await session.flush()
    return exit_pass


async def decide_exit_pass(
    session: AsyncSession, *, pass_id: int, manager_id: int, approve: bool, now: datetime
) -> ExitPass:
    """KTV-5: the direct superior approves or refuses an exit pass (it counts when approved
    at or before leaving)."""
    exit_pass = await session.scalar(
        select(ExitPass).where(ExitPass.id == pass_id).with_for_update()
    )
    if exit_pass is None:
        raise NotFound(
            f"exit pass {pass_id} does not exist", code="EXIT_PASS_NOT_FOUND", field="passId"
        )
    staff = await get_staff_at(session, exit_pass.staff_id, exit_pass.site_id, "staffId")
    await _manager(session, exit_pass.site_id, manager_id, staff, f"exit pass {exit_pass.id}")
    if exit_pass.status is not RequestStatus.REQUESTED:
        raise Conflict(
            f"exit pass {exit_pass.id} is already {exit_pass.status.value}",
            code="EXIT_PASS_ALREADY_DECIDED",
            field="passId",
        )
    exit_pass.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    exit_pass.decided_by_id, exit_pass.decided_at = manager_id, now
    await session.flush()
    return exit_pass


# --- daily wage and superior (KTV-4) -----------------------------------------------------------


async def set_staff_pay(
    session: AsyncSession,
    *,
    staff_id: int,
    daily_wage: Decimal | None,
    superior_id: int | None,
) -> Staff:
    """Record a staff member's daily wage (CNY, KTV-4's wage days are counted in it) and
    direct superior (who approves their leave and exit passes)."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    if daily_wage is not None and (not daily_wage.is_finite() or daily_wage < 0):
        raise InvalidInput(
            "a daily wage is a non-negative amount of CNY",
            code="INVALID_AMOUNT",
            field="dailyWage",
        )
    if daily_wage is not None and daily_wage != daily_wage.quantize(Decimal("0.01")):
        raise InvalidInput(
            "a daily wage has at most 2 decimals (CNY cents)",
            code="INVALID_AMOUNT",
            field="dailyWage",
        )
    if superior_id is not None:
        await get_staff_at(session, superior_id, staff.site_id, "superiorId")
        if superior_id == staff.id:
            raise InvalidInput(
                "nobody is their own superior", code="SUPERIOR_IS_SELF", field="superiorId"
            )
    staff.daily_wage = daily_wage
    staff.superior_id = superior_id
    await session.flush()
    return staff


# --- monthly points (PM-9) -------------------------------------------------------------------


async def _standing(
    session: AsyncSession, staff_id: int, month: date
) -> tuple[list[PointsEntry], list[PointsEntry]]:
    """The month's ledger of ``staff_id``: every entry, and the standing ones (neither
    revoked nor a revocation)."""
    rows = (
        await session.scalars(
            select(PointsEntry)
            .where(PointsEntry.staff_id == staff_id, PointsEntry.month == month)
            .order_by(PointsEntry.id)
        )
    ).all()
    revoked = {r.revokes_id for r in rows if r.revokes_id is not None}
    standing = [r for r in rows if r.revokes_id is None and r.id not in revoked]
    return list(rows), standing


def _occurrences(entries: list[PointsEntry]) -> list[PointsOccurrence]:
    return [PointsOccurrence(e.item_code, e.points) for e in entries]


def scheme_of(policy: WorkforcePolicy) -> PointsScheme:
    if policy.points is None:
        raise InvalidInput(
            "this site's line keeps no monthly points (PM-9)",
            code="POINTS_NOT_KEPT",
            field="staffId",
        )
    return policy.points


async def _add_points(
    session: AsyncSession,
    *,
    site: Site,
    staff: Staff,
    scheme: PointsScheme,
    item_code: str,
    rule: str,
    points: Decimal | None,
    month: date,
    reason: str,
    attendance_id: int | None,
    issued_by_id: int | None,
    now: datetime,
) -> PointsEntry:
    _, standing = await _standing(session, staff.id, month)
    before = points_balance(scheme, _occurrences(standing))
    entry = PointsEntry(
        site_id=site.id,
        staff_id=staff.id,
        month=month,
        item_code=item_code,
        rule=rule,
        points=points.quantize(CENT) if points is not None else None,
        reason=reason,
        attendance_id=attendance_id,
        issued_by_id=issued_by_id,
        issued_at=now,
    )
    session.add(entry)
    await session.flush()
    after = points_balance(scheme, _occurrences([*standing, entry]))
    crossed = points_threshold_crossed(scheme, before, after)
    if crossed is not None:
        level, why = crossed
        await record_event(
            session,
            stream=STREAM,
            type="points.threshold_crossed",
            now=now,
            site_id=site.id,
            subject_id=staff.id,
            payload={
                "staff": staff.id,
                "month": month.isoformat(),
                "level": level,
                "balance": str(after),
                "rule": why.rule,
                "reason": why.message,
                "entry": entry.id,
            },
        )
    return entry


async def issue_points(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    staff_id: int,
    item_code: str,
    business_date: date,
    points: Decimal | None,
    reason: str,
    issued_by_id: int | None,
    now: datetime,
) -> PointsEntry:
    """PM-9: enter one occurrence of an item of the line's points table in the month of
    ``business_date``; a discretionary item needs ``points`` within its bounds, a fixed one
    takes none.  The balance is recomputed (stepped rules, floor) and a threshold reached
    raises ``points.threshold_crossed``."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    site = await get_site(session, staff.site_id)
    scheme = scheme_of(await site_policy(session, host, site))
    item = scheme.item(item_code)
    if item is None:
        raise InvalidInput(
            f"unknown points item {item_code!r}; the table has: "
            f"{', '.join(i.code for i in scheme.items)}",
            code="UNKNOWN_POINTS_ITEM",
            field="item",
        )
    if item.points is None:
        low, high = item.min_points, item.max_points
        if (
            points is None
            or not points.is_finite()
            or (low is not None and points < low)
            or (high is not None and points > high)
        ):
            raise InvalidInput(
                f"{item.title} ({item.rule}) is issued within {low}–{high} points",
                code="POINTS_OUT_OF_BOUNDS",
                field="points",
            )
    elif points is not None:
        raise InvalidInput(
            f"{item.title} ({item.rule}) costs {item.points} points each; give no amount",
            code="POINTS_FIXED",
            field="points",
        )
    if issued_by_id is not None:
        await get_staff_at(session, issued_by_id, site.id, "issuedById")
    return await _add_points(
        session,
        site=site,
        staff=staff,
        scheme=scheme,
        item_code=item.code,
        rule=item.rule,
        points=points,
        month=_month(business_date),
        reason=(reason or "").strip() or item.title,
        attendance_id=None,
        issued_by_id=issued_by_id,
        now=now,
    )


async def revoke_points(
    session: AsyncSession, *, entry_id: int, reason: str, issued_by_id: int | None, now: datetime
) -> PointsEntry:
    """PM-9: revoke a points entry by a new entry (the ledger is append-only)."""
    entry = await session.scalar(
        select(PointsEntry).where(PointsEntry.id == entry_id).with_for_update()
    )
    if entry is None:
        raise NotFound(
            f"points entry {entry_id} does not exist",
            code="POINTS_ENTRY_NOT_FOUND",
            field="entryId",
        )
    if entry.revokes_id is not None:
        raise InvalidInput(
            f"entry {entry.id} is itself a revocation",
            code="CANNOT_REVOKE_REVOCATION",
            field="entryId",
        )
    taken = await session.scalar(select(PointsEntry.id).where(PointsEntry.revokes_id == entry.id))
    if taken is not None:
        raise Conflict(
            f"entry {entry.id} was already revoked by entry {taken}",
            code="ALREADY_REVOKED",
            field="entryId",
        )
    if not (reason or "").strip():
        raise InvalidInput("say why the entry is revoked", code="REASON_REQUIRED", field="reason")
    revocation = PointsEntry(
        site_id=entry.site_id,
        staff_id=entry.staff_id,
        month=entry.month,
        item_code=entry.item_code,
        rule=entry.rule,
        points=None,
        reason=reason.strip(),
        issued_by_id=issued_by_id,
        issued_at=now,
        revokes_id=entry.id,
    )
    session.add(revocation)
    await session.flush()
    return revocation


async def month_points(
    session: AsyncSession, host: PluginHost | None, *, staff_id: int, month: date
) -> tuple[PointsScheme, Decimal, list[PointsEntry], list[PointsEntry]] | None:
    """PM-9: the line's scheme, the month's balance, every entry and the standing ones; None
    when the staff member's line keeps no monthly points."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    site = await get_site(session, staff.site_id)
    scheme = (await site_policy(session, host, site)).points
    if scheme is None:
        return None
    entries, standing = await _standing(session, staff.id, _month(month))
    return scheme, points_balance(scheme, _occurrences(standing)), entries, standing


# --- meetings with a roll call (KTV-2, KTV-10) -----------------------------------------------


async def call_meeting(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    site_id: int,
    business_date: date,
    start: time | None,
    title: str,
    now: datetime,
) -> Meeting:
    """Call a meeting with a roll call on ``business_date`` at the site-local ``start`` (by
    default the line's ``meeting_time``, KTV-2: 19:30); the roll closes the line's
    ``roll_call_minutes`` later and lists everyone rostered that business day."""
    site = await get_site(session, site_id)
    policy = await site_policy(session, host, site)
    start = start or policy.meeting_time
    if start is None:
        raise InvalidInput(
            "give the meeting's start (the line has no meeting time)",
            code="MEETING_TIME_REQUIRED",
            field="start",
        )
    zone = calendar_for(site.calendar_region, site.timezone).zone
    starts_at = datetime.combine(business_date, start, tzinfo=zone)
    if host is not None:
        belongs = business_date_of(host, site, starts_at, await load_settings(session))
        if belongs != business_date:
            raise InvalidInput(
                f"a meeting at {start.isoformat('minutes')} on {business_date.isoformat()} "
                f"belongs to business day {belongs.isoformat()} (KTV-1)",
                code="MEETING_OUTSIDE_BUSINESS_DAY",
                field="businessDate",
            )
    meeting = Meeting(
        site_id=site.id,
        business_date=business_date,
        title=(title or "").strip() or "Pre-shift meeting",
        starts_at=starts_at.astimezone(UTC),
        closes_at=(starts_at + timedelta(minutes=policy.roll_call_minutes)).astimezone(UTC),
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    rostered = await session.scalars(
        select(Shift.staff_id)
        .join(Staff, Staff.id == Shift.staff_id)
        .where(
            Shift.site_id == site.id,
            Shift.business_date == business_date,
            Staff.employment_status == EmploymentStatus.ACTIVE,
        )
        .distinct()
        .order_by(Shift.staff_id)
    )
    for staff_id in rostered.all():
        session.add(RollCallEntry(meeting_id=meeting.id, staff_id=staff_id, room_booking=False))
    await session.flush()
    return meeting


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).with_for_update()
    )
    if meeting is None:
        raise NotFound(
            f"meeting {meeting_id} does not exist", code="MEETING_NOT_FOUND", field="meetingId"
        )
    return meeting


async def _roll_entry(session: AsyncSession, meeting: Meeting, staff_id: int) -> RollCallEntry:
    entry = await session.scalar(
        select(RollCallEntry).where(
            RollCallEntry.meeting_id == meeting.id, RollCallEntry.staff_id == staff_id
        )
    )
    if entry is None:
        raise NotFound(
            f"staff {staff_id} is not on the roll of meeting {meeting.id} (not rostered on "
            f"{meeting.business_date.isoformat()})",
            code="NOT_ON_THE_ROLL",
            field="staffId",
        )
    return entry


#: KTV-10: only a booking of this resource kind excuses from the meeting (a table does not).
ROOM: Final = "room"


async def _room_booking(session: AsyncSession, meeting: Meeting, entry: RollCallEntry) -> None:
    """KTV-10: a room booking the person made for the meeting's business day (before the
    roll closed) excuses them; when every such booking was cancelled, the latest
    cancellation counts.  A booking noted by hand (``noteRoomBooking``) is kept as noted."""
    if entry.room_booking:
        return
    rows = (
        await session.execute(
            select(Booking.status, Booking.updated_at).where(
                Booking.site_id == meeting.site_id,
                Booking.booked_by_id == entry.staff_id,
                Booking.business_date == meeting.business_date,
                Booking.resource_kind == ROOM,
                Booking.created_at < meeting.closes_at,
                Booking.status != BookingStatus.NO_SHOW,
            )
        )
    ).all()
    if not rows:
        return
    entry.room_booking = True
    cancelled = [at for status, at in rows if status is BookingStatus.CANCELLED]
    if len(cancelled) == len(rows):
        entry.booking_cancelled_at = max(cancelled)


def _decide(meeting: Meeting, entry: RollCallEntry, now: datetime) -> AttendanceDecision | None:
    return roll_call_status(
        opens_at=meeting.starts_at,
        closes_at=meeting.closes_at,
        signed_at=entry.signed_at,
        room_booking=entry.room_booking,
        booking_cancelled_at=entry.booking_cancelled_at,
        now=now,
    )


def _apply(entry: RollCallEntry, decision: AttendanceDecision) -> None:
    entry.status = decision.status
    entry.minutes_late = decision.minutes_late
    entry.rule = decision.reason.rule if decision.reason else None
    entry.reason = decision.reason.message if decision.reason else None


async def _line_fines(
    session: AsyncSession,
    host: PluginHost | None,
    meeting: Meeting,
    entry: RollCallEntry,
    decision: AttendanceDecision,
    now: datetime,
) -> list[int]:
    """``frontdesk_roll_call_decided``: the site's line fines a decided line of the roll in
    this transaction (KTV-2, KTV-10); the ids of the penalties it issued."""
    if host is None:
        return []
    site = await get_site(session, meeting.site_id)
    issued = await host.acall_line(
        site.business_line,
        "frontdesk_roll_call_decided",
        context=RollCallDecided(
            session=session,
            site=site,
            meeting_id=meeting.id,
            business_date=meeting.business_date,
            entry_id=entry.id,
            staff_id=entry.staff_id,
            decision=decision,
            now=now,
        ),
    )
    return [int(p.id) for p in issued or () if getattr(p, "id", None) is not None]


async def sign_roll(
    session: AsyncSession,
    *,
    meeting_id: int,
    staff_id: int,
    at: datetime,
    now: datetime,
    host: PluginHost | None = None,
) -> RollCallEntry:
    """Sign the meeting's roll at ``at``: by the start on time, until the close late (KTV-2);
    after the close only someone a room booking excuses signs (补签, KTV-10).  A line decided
    by that signature goes to the line's ``frontdesk_roll_call_decided`` (its fines) in this
    transaction."""
    require_aware(at, "at")
    meeting = await _meeting(session, meeting_id)
    entry = await _roll_entry(session, meeting, staff_id)
    if entry.signed_at is not None:
        raise Conflict(
            f"staff {staff_id} signed the roll at {entry.signed_at.isoformat()}",
            code="ALREADY_SIGNED",
            field="staffId",
        )
    if meeting.closed_at is not None and entry.status is not None:
        raise Conflict(
            f"the roll of meeting {meeting.id} is closed and staff {staff_id} is recorded "
            f"{entry.status}",
            code="ROLL_CLOSED",
            field="meetingId",
        )
    entry.signed_at = at
    if meeting.closed_at is not None:
        await _room_booking(session, meeting, entry)
        decision = _decide(meeting, entry, now)
        if decision is not None:
            _apply(entry, decision)
            await session.flush()
            await _line_fines(session, host, meeting, entry, decision, now)
    await session.flush()
    return entry


async def note_room_booking(
    session: AsyncSession,
    *,
    meeting_id: int,
    staff_id: int,
    cancelled_at: datetime | None,
    now: datetime,
) -> RollCallEntry:
    """KTV-10: the person has a room booking for the evening (they may sign afterwards); with
    ``cancelled_at``, the booking was cancelled then (while the roll was open and they stay
    away, an absence)."""
    meeting = await _meeting(session, meeting_id)
    entry = await _roll_entry(session, meeting, staff_id)
    if meeting.closed_at is not None and entry.status is not None:
        raise Conflict(
            f"the roll of meeting {meeting.id} is closed and staff {staff_id} is recorded "
            f"{entry.status}",
            code="ROLL_CLOSED",
            field="meetingId",
        )
    entry.room_booking = True
    if cancelled_at is not None:
        require_aware(cancelled_at, "cancelledAt")
        entry.booking_cancelled_at = cancelled_at
    await session.flush()
    return entry


async def close_roll(
    session: AsyncSession, *, meeting_id: int, now: datetime, host: PluginHost | None = None
) -> Meeting:
    """Close the roll at or after its closing time and decide every line (KTV-2, KTV-10; a
    room booking of the person's for the day, in the bookings or noted, excuses); someone
    excused by a room booking stays open until they sign.  Every decided line goes to the
    line's ``frontdesk_roll_call_decided`` in this transaction (KTV-2: fines 30 and 50), and
    late and absent raise ``meeting.late`` / ``absence.recorded`` with the penalties' ids."""
    meeting = await _meeting(session, meeting_id)
    if meeting.closed_at is not None:
        raise Conflict(
            f"the roll of meeting {meeting.id} was closed at {meeting.closed_at.isoformat()}",
            code="ROLL_ALREADY_CLOSED",
            field="meetingId",
        )
    if now < meeting.closes_at:
        raise Conflict(
            f"the roll of meeting {meeting.id} is open until {meeting.closes_at.isoformat()}",
            code="ROLL_STILL_OPEN",
            field="meetingId",
        )
    meeting.closed_at = now
    entries = (
        await session.scalars(
            select(RollCallEntry)
            .where(RollCallEntry.meeting_id == meeting.id)
            .order_by(RollCallEntry.staff_id)
        )
    ).all()
    for entry in entries:
        await _room_booking(session, meeting, entry)
        decision = _decide(meeting, entry, now)
        if decision is None:
            continue
        _apply(entry, decision)
        await session.flush()
        penalty_ids = await _line_fines(session, host, meeting, entry, decision, now)
        if decision.status in ("late", "absent"):
            await record_event(
                session,
                stream=STREAM,
                type="meeting.late" if decision.status == "late" else "absence.recorded",
                now=now,
                site_id=meeting.site_id,
                subject_id=entry.id,
                payload={
                    "staff": entry.staff_id,
                    "meeting": meeting.id,
                    "business_date": meeting.business_date.isoformat(),
                    "status": decision.status,
                    "minutes_late": decision.minutes_late,
                    "rule": entry.rule,
                    "penalty_ids": penalty_ids,
                },
            )
    await session.flush()
    return meeting
