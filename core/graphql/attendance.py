"""GraphQL for attendance (PM-9), leave (KTV-4), exit passes (KTV-5), daily wages (KTV-4)
and the monthly points ledger (PM-9).

Private (C-13): daily wages, wage deductions and leave reasons are shown to administrators
and clerks only (the ``manage`` permission); other roles read them as null.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from core import models
from core.auth import Permission
from core.contracts import DomainEvent
from core.errors import NotFound
from core.graphql.complaints import _actor_id as acting
from core.graphql.ids import register_node
from core.graphql.loading import business_days_page
from core.graphql.queries import (
    After,
    Before,
    First,
    FromDate,
    Last,
    SiteId,
    ToDate,
    parse_id,
)
from core.graphql.scalars import Money
from core.graphql.subscriptions import (
    CURSOR_KIND,
    UpdatesAfter,
    UpdatesSiteId,
    parse_arguments,
    stream_events,
)
from core.graphql.types import (
    Connection,
    Decision,
    Node,
    Site,
    Staff,
    describe_values,
    encode_cursor,
    global_id_of,
    legacy_id,
    node_id,
    view_link,
)
from core.graphql.user_errors import payload
from core.graphql.workforce import Shift
from core.services import attendance as service

MANAGE = {"permission": "manage"}

AttendanceStatus = strawberry.enum(
    models.AttendanceStatus, description="How a shift was attended (PM-9, KTV-4)."
)
RequestStatus = strawberry.enum(
    models.RequestStatus, description="A leave request or exit pass: requested, then decided."
)
_REQUEST_STATUS_VALUES = {
    "REQUESTED": "Asked for, not decided yet.",
    "APPROVED": "Approved by the direct superior.",
    "REFUSED": "Refused by the direct superior (with the reason).",
    "LAPSED": "Leave still undecided when its business day started: it can no longer be "
    "approved; an unworked shift that day is absenteeism (PM-9, KTV-4).",
}
for _value in RequestStatus.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = _REQUEST_STATUS_VALUES.get(_value.name)
LeaveKind = strawberry.enum(
    models.LeaveKind, description="Leave (请假) or a day off in lieu (调休)."
)
describe_values(
    AttendanceStatus,
    {
        "PRESENT": "Clocked in on time.",
        "LATE": "Clocked in late (`minutesLate`), within the line's limit (PM-9: 30 minutes).",
        "ABSENT": "Absent (缺勤): too late (PM-9: over 30 minutes) or recorded absent.",
        "ABSENTEEISM": "Absenteeism (旷工): away without approved leave, or leave asked too late "
        "(KTV-4) or on a swapped or public-holiday shift (C-15).",
        "TIME_OFF_IN_LIEU": "A day off in lieu (调休), e.g. a forgotten clock-in (PM-9).",
        "ON_LEAVE": "Away on approved leave.",
    },
)
describe_values(
    RequestStatus,
    {
        "REQUESTED": "Waiting for the superior's decision.",
        "APPROVED": "Approved by the superior.",
        "REFUSED": "Refused by the superior.",
    },
)
describe_values(
    LeaveKind,
    {
        "LEAVE": "Leave (请假).",
        "TIME_OFF_IN_LIEU": "A day off in lieu (调休), within the month's allowance (PM-9: 4).",
    },
)


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _issuer(info: Info, given: strawberry.ID | None) -> int | None:
    """Who issues a points entry: the named staff member (acting for them needs ``act_for``,
    C-13), else the token's own staff member, else nobody recorded."""
    if given is None and (info.context.actor is None or info.context.actor.staff_id is None):
        return None
    return acting(info, given, "actingStaffId")


async def _own_shift(info: Info, session: AsyncSession, given: strawberry.ID) -> int:
    """C-13: one clocks in and out for one's own shift; a token bound to another staff member
    needs ``act_for`` (audited as on behalf of the shift's holder)."""
    shift_id = parse_id(given, "shiftId")
    shift = await session.get(models.Shift, shift_id)
    if shift is not None:
        acting(info, strawberry.ID(str(shift.staff_id)), "shiftId")
    return shift_id


def _private(info: Info) -> bool:
    # C-13: wages and leave reasons: administrators and clerks only.
    return bool(info.context.can(Permission.MANAGE) and info.context.can(Permission.PRIVATE))


def _decision(rule: str | None, message: str | None) -> Decision | None:
    return Decision(rule=rule, message=message or "") if rule else None


@strawberry.type(description="How one rostered shift was attended (PM-9, KTV-4, KTV-5).")
class AttendanceRecord(Node):
    global_id = node_id("AttendanceRecord")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.",
        deprecation_reason="Use `site` (or `site { id }`); removed in 2.0.",
    )
    staff_id: strawberry.ID = strawberry.field(
        description="The staff member's global id.",
        deprecation_reason="Use `staff` (or `staff { id }`); removed in 2.0.",
    )
    shift_id: strawberry.ID = strawberry.field(
        description="The rostered shift's global id.",
        deprecation_reason="Use `shift` (or `shift { id }`); removed in 2.0.",
    )
    business_date: date = strawberry.field(description="The shift's business day (KTV-1).")
    status: AttendanceStatus = strawberry.field(description="How the shift counts.")
    minutes_late: int = strawberry.field(description="Minutes late at clock-in; 0 when on time.")
    clocked_in_at: datetime | None = strawberry.field(
        description="The clock-in (UTC); null when nobody clocked in (recorded by a manager)."
    )
    clocked_out_at: datetime | None = strawberry.field(
        description="The clock-out (UTC); null while still on shift or never clocked out."
    )
    decision: Decision | None = strawberry.field(
        description="Why the shift counts as it does (late, absent, absenteeism …)."
    )
    left_early: Decision | None = strawberry.field(
        description="KTV-5: left before the end without an approved exit pass."
    )
    wage_days: Decimal | None = strawberry.field(
        description="KTV-4: days of the daily wage deducted for absenteeism."
    )
    leave_request_id: strawberry.ID | None = strawberry.field(
        description="The approved leave request the day counts under (its integer id), if any."
    )
    recorded_at: datetime = strawberry.field(description="When the record was written (UTC).")
    _wage_deduction: strawberry.Private[Decimal | None]

    @strawberry.field(
        description="KTV-4: the deduction in CNY (wage days × daily wage). Private (C-13): "
        "administrators and clerks only, null for other roles."
    )
    def wage_deduction(self, info: Info) -> Money | None:
        return self._wage_deduction if _private(info) else None  # type: ignore[return-value]

    site: Site | None = view_link(
        models.Site,
        "site_id",
        Site | None,
        parse_as="Site",
        description="The site.",
    )
    staff: Staff | None = view_link(
        models.Staff,
        "staff_id",
        Staff | None,
        parse_as="Staff",
        description="Whose shift it was.",
    )
    shift: Shift | None = view_link(
        models.Shift,
        "shift_id",
        Shift | None,
        parse_as="Shift",
        view=Shift.of,
        description="The rostered shift.",
    )

    @classmethod
    def of(cls, row: models.AttendanceRecord) -> AttendanceRecord:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            staff_id=global_id_of("Staff", row.staff_id),
            shift_id=global_id_of("Shift", row.shift_id),
            business_date=row.business_date,
            status=row.status,
            minutes_late=row.minutes_late,
            clocked_in_at=row.clocked_in_at,
            clocked_out_at=row.clocked_out_at,
            decision=_decision(row.rule, row.reason),
            left_early=_decision(row.left_early_rule, row.left_early_reason),
            wage_days=row.wage_days,
            leave_request_id=global_id_of("LeaveRequest", row.leave_request_id),
            recorded_at=row.recorded_at,
            _wage_deduction=row.wage_deduction,
        )


@strawberry.type(description="A leave request on one rostered shift (KTV-4, PM-9).")
class LeaveRequest(Node):
    global_id = node_id("LeaveRequest")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.",
        deprecation_reason="Use `site` (or `site { id }`); removed in 2.0.",
    )
    staff_id: strawberry.ID = strawberry.field(
        description="The global id of the staff member asking.",
        deprecation_reason="Use `staff` (or `staff { id }`); removed in 2.0.",
    )
    shift_id: strawberry.ID = strawberry.field(
        description="The global id of the shift to be away from.",
        deprecation_reason="Use `shift` (or `shift { id }`); removed in 2.0.",
    )
    business_date: date = strawberry.field(description="The shift's business day (KTV-1).")
    kind: LeaveKind = strawberry.field(description="Leave or a day off in lieu.")
    requested_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    deadline: datetime | None = strawberry.field(
        description="KTV-4: requests at or after this instant count as absenteeism."
    )
    late: Decision | None = strawberry.field(
        description="Why the day counts as absenteeism if approved (KTV-4 late, C-15 swapped "
        "or public-holiday shift)."
    )
    status: RequestStatus = strawberry.field(description="Requested, approved or refused.")
    decided_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the superior who decided; null while requested.",
        deprecation_reason="Use `decidedBy` (or `decidedBy { id }`); removed in 2.0.",
    )
    decided_at: datetime | None = strawberry.field(
        description="When it was decided (UTC); null while requested."
    )
    decision: Decision | None = strawberry.field(
        description="The rule that decided how the approved day counts (PM-9, KTV-4, C-15)."
    )
    decision_note: str | None = strawberry.field(
        description="What the superior or the rules said (a refusal's reason)."
    )
    _reason: strawberry.Private[str]

    @strawberry.field(
        description="Private (C-13): administrators and clerks only, null for other roles."
    )
    def reason(self, info: Info) -> str | None:
        return self._reason if _private(info) else None

    site: Site | None = view_link(
        models.Site,
        "site_id",
        Site | None,
        parse_as="Site",
        description="The site.",
    )
    staff: Staff | None = view_link(
        models.Staff,
        "staff_id",
        Staff | None,
        parse_as="Staff",
        description="Who asked for leave.",
    )
    shift: Shift | None = view_link(
        models.Shift,
        "shift_id",
        Shift | None,
        parse_as="Shift",
        view=Shift.of,
        description="The shift the leave is for.",
    )
    decided_by: Staff | None = view_link(
        models.Staff,
        "decided_by_id",
        Staff | None,
        parse_as="Staff",
        description="The superior who decided it.",
    )

    @classmethod
    def of(cls, row: models.LeaveRequest) -> LeaveRequest:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            staff_id=global_id_of("Staff", row.staff_id),
            shift_id=global_id_of("Shift", row.shift_id),
            business_date=row.business_date,
            kind=row.kind,
            requested_at=row.requested_at,
            deadline=row.deadline,
            late=_decision(row.late_rule, row.late_reason),
            status=row.status,
            decided_by_id=global_id_of("Staff", row.decided_by_id),
            decided_at=row.decided_at,
            decision=_decision(row.decision_rule, row.decision_reason),
            decision_note=row.decision_reason,
            _reason=row.reason,
        )


@strawberry.type(description="KTV-5: a pass to leave mid-shift.")
class ExitPass(Node):
    global_id = node_id("ExitPass")
    id: int = legacy_id()
    staff_id: strawberry.ID = strawberry.field(
        description="The global id of the staff member leaving.",
        deprecation_reason="Use `staff` (or `staff { id }`); removed in 2.0.",
    )
    shift_id: strawberry.ID = strawberry.field(
        description="The global id of the shift being worked.",
        deprecation_reason="Use `shift` (or `shift { id }`); removed in 2.0.",
    )
    requested_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    status: RequestStatus = strawberry.field(
        description="Requested, approved or refused; KTV-5: approved at or before leaving."
    )
    decided_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the direct superior who decided; null while requested.",
        deprecation_reason="Use `decidedBy` (or `decidedBy { id }`); removed in 2.0.",
    )
    decided_at: datetime | None = strawberry.field(
        description="When it was decided (UTC); null while requested."
    )

    staff: Staff | None = view_link(
        models.Staff,
        "staff_id",
        Staff | None,
        parse_as="Staff",
        description="Who asked to leave mid-shift.",
    )
    shift: Shift | None = view_link(
        models.Shift,
        "shift_id",
        Shift | None,
        parse_as="Shift",
        view=Shift.of,
        description="The shift they leave.",
    )
    decided_by: Staff | None = view_link(
        models.Staff,
        "decided_by_id",
        Staff | None,
        parse_as="Staff",
        description="The superior who decided it.",
    )

    @classmethod
    def of(cls, row: models.ExitPass) -> ExitPass:
        return cls(
            id=row.id,
            staff_id=global_id_of("Staff", row.staff_id),
            shift_id=global_id_of("Shift", row.shift_id),
            requested_at=row.requested_at,
            status=row.status,
            decided_by_id=global_id_of("Staff", row.decided_by_id),
            decided_at=row.decided_at,
        )


@strawberry.type(description="Private (C-13): a staff member's daily wage and superior.")
class StaffPay:
    staff_id: strawberry.ID = strawberry.field(description="The staff member's global id.")
    daily_wage: Money | None = strawberry.field(description="CNY; KTV-4's wage days count in it.")
    superior_id: strawberry.ID | None = strawberry.field(
        description="The direct superior who approves leave and exit passes (KTV-4, KTV-5)."
    )

    @classmethod
    def of(cls, row: models.Staff) -> StaffPay:
        return cls(
            staff_id=global_id_of("Staff", row.id),
            daily_wage=row.daily_wage,  # type: ignore[arg-type]
            superior_id=global_id_of("Staff", row.superior_id),
        )


@strawberry.type(description="An entry of the monthly points ledger (PM-9).")
class PointsEntry(Node):
    global_id = node_id("PointsEntry")
    id: int = legacy_id()
    staff_id: strawberry.ID = strawberry.field(
        description="The staff member's global id.",
        deprecation_reason="Use `staff` (or `staff { id }`); removed in 2.0.",
    )
    month: date = strawberry.field(description="The first day of the month it counts in.")
    item: str = strawberry.field(description="The code of the item of the line's points table.")
    rule: str = strawberry.field(description="The rule id it applies, e.g. PM-9.")
    points: Decimal | None = strawberry.field(
        description="The amount of a discretionary item; null for fixed and stepped items."
    )
    reason: str = strawberry.field(description="Why, as the issuer or the rule wrote it.")
    attendance_id: strawberry.ID | None = strawberry.field(
        description="The attendance record it comes from (its integer id), if any."
    )
    issued_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the staff member who issued it; null: the rules did.",
        deprecation_reason="Use `issuedBy` (or `issuedBy { id }`); removed in 2.0.",
    )
    issued_at: datetime = strawberry.field(description="When it was issued (UTC).")
    revokes_id: strawberry.ID | None = strawberry.field(
        description="Set on a revocation: the entry it revokes (its integer id)."
    )
    revoked: bool = strawberry.field(
        description="A later entry revoked this one: it no longer counts in the balance."
    )

    staff: Staff | None = view_link(
        models.Staff,
        "staff_id",
        Staff | None,
        parse_as="Staff",
        description="Whose points.",
    )
    issued_by: Staff | None = view_link(
        models.Staff,
        "issued_by_id",
        Staff | None,
        parse_as="Staff",
        description="Who issued the entry (null: the rules, e.g. an attendance record).",
    )

    @classmethod
    def of(cls, row: models.PointsEntry, revoked: bool) -> PointsEntry:
        return cls(
            id=row.id,
            staff_id=global_id_of("Staff", row.staff_id),
            month=row.month,
            item=row.item_code,
            rule=row.rule,
            points=row.points,
            reason=row.reason,
            attendance_id=global_id_of("AttendanceRecord", row.attendance_id),
            issued_by_id=global_id_of("Staff", row.issued_by_id),
            issued_at=row.issued_at,
            revokes_id=global_id_of("PointsEntry", row.revokes_id),
            revoked=revoked,
        )


@strawberry.type(description="PM-9: a staff member's points for one month.")
class MonthPoints:
    staff_id: strawberry.ID = strawberry.field(description="The staff member's global id.")
    month: date = strawberry.field(description="The first day of the month.")
    allowance: Decimal = strawberry.field(
        description="The points the month starts with (PM-9: 10)."
    )
    balance: Decimal = strawberry.field(
        description="Allowance less the month's deductions (stepped rules applied), never "
        "below the floor."
    )
    level: str | None = strawberry.field(
        description='"warning" at the warning threshold or below, "penalty" at the penalty '
        "threshold or below, else null (PM-9: 5 and 2, inclusive)."
    )
    entries: list[PointsEntry] = strawberry.field(
        description="The month's ledger entries, revocations and revoked ones included."
    )


@strawberry.type(description="One line of a meeting's roll (KTV-2, KTV-10).")
class RollCallEntry:
    staff_id: strawberry.ID = strawberry.field(description="The staff member's global id.")
    signed_at: datetime | None = strawberry.field(
        description="When they signed (UTC); null: not signed."
    )
    room_booking: bool = strawberry.field(
        description="KTV-10: a room booking for the evening lets them sign afterwards (补签)."
    )
    booking_cancelled_at: datetime | None = strawberry.field(
        description="KTV-10: when their room booking was cancelled (UTC); null: not cancelled."
    )
    status: str | None = strawberry.field(
        description="present, late, excused or absent once decided; null while open."
    )
    minutes_late: int = strawberry.field(description="Minutes late signing; 0 when on time.")
    decision: Decision | None = strawberry.field(
        description="Why the line counts as it does (KTV-2, KTV-10); null while the roll is open."
    )

    @classmethod
    def of(cls, row: models.RollCallEntry) -> RollCallEntry:
        return cls(
            staff_id=global_id_of("Staff", row.staff_id),
            signed_at=row.signed_at,
            room_booking=row.room_booking,
            booking_cancelled_at=row.booking_cancelled_at,
            status=row.status,
            minutes_late=row.minutes_late,
            decision=_decision(row.rule, row.reason),
        )


@strawberry.type(description="A meeting with a roll call (KTV-2: 19:30, roll closing 20:00).")
class Meeting(Node):
    global_id = node_id("Meeting")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.",
        deprecation_reason="Use `site` (or `site { id }`); removed in 2.0.",
    )
    business_date: date = strawberry.field(description="The business day it is held on.")
    title: str = strawberry.field(description="What it is about; may be empty.")
    starts_at: datetime = strawberry.field(
        description="When it starts (UTC); signing later is late (KTV-2: 19:30 site time)."
    )
    closes_at: datetime = strawberry.field(
        description="When the roll closes (UTC); unsigned then is absent (KTV-2: 20:00)."
    )
    closed_at: datetime | None = strawberry.field(
        description="When the roll was closed and decided (UTC); null while open."
    )
    roll: list[RollCallEntry] = strawberry.field(
        description="One line per staff member rostered on its business day."
    )

    site: Site | None = view_link(
        models.Site,
        "site_id",
        Site | None,
        parse_as="Site",
        description="The site.",
    )

    @classmethod
    def of(cls, row: models.Meeting, roll: list[models.RollCallEntry]) -> Meeting:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            business_date=row.business_date,
            title=row.title,
            starts_at=row.starts_at,
            closes_at=row.closes_at,
            closed_at=row.closed_at,
            roll=[RollCallEntry.of(e) for e in roll],
        )


async def _meeting_view(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(models.Meeting, meeting_id)
    if meeting is None:
        raise NotFound(
            f"meeting {meeting_id} does not exist", code="MEETING_NOT_FOUND", field="meetingId"
        )
    roll = await session.scalars(
        select(models.RollCallEntry)
        .where(models.RollCallEntry.meeting_id == meeting_id)
        .order_by(models.RollCallEntry.staff_id)
    )
    return Meeting.of(meeting, list(roll.all()))


def _row_node(model: type, view: Any) -> Any:
    async def load(info: Info, key: int) -> Any:
        async with info.context.db.read() as s:
            row = await s.get(model, key)
        return None if row is None else view(row)

    return load


async def _points_node(info: Info, key: int) -> PointsEntry | None:
    async with info.context.db.read() as s:
        row = await s.get(models.PointsEntry, key)
        if row is None:
            return None
        revoked = await s.scalar(
            select(models.PointsEntry.id).where(models.PointsEntry.revokes_id == key).limit(1)
        )
    return PointsEntry.of(row, revoked is not None)


async def _meeting_node(info: Info, key: int) -> Meeting | None:
    async with info.context.db.read() as s:
        if await s.get(models.Meeting, key) is None:
            return None
        return await _meeting_view(s, key)


# Schema 1.0 (issue 17): refetchable with node(id:) / nodes(ids:).
register_node("AttendanceRecord", _row_node(models.AttendanceRecord, AttendanceRecord.of))
register_node("LeaveRequest", _row_node(models.LeaveRequest, LeaveRequest.of))
register_node("ExitPass", _row_node(models.ExitPass, ExitPass.of))
register_node("PointsEntry", _points_node)
register_node("Meeting", _meeting_node)


@strawberry.input(description="Input of `callMeeting` (KTV-2).")
class CallMeetingInput:
    site_id: strawberry.ID = strawberry.field(description="The site.")
    business_date: date = strawberry.field(description="The business day of the meeting.")
    start: time | None = strawberry.field(
        default=None, description="Site-local; default: the line's meeting time (KTV-2: 19:30)."
    )
    title: str = strawberry.field(default="", description="What it is about.")


@strawberry.input(description="Input of `signRoll` (KTV-2).")
class SignRollInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    staff_id: strawberry.ID = strawberry.field(
        description="Who signs (oneself; act_for to sign for another)."
    )
    at: datetime = strawberry.field(description="When, with its UTC offset.")


@strawberry.input(description="Input of `noteRoomBooking` (KTV-10).")
class NoteRoomBookingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    staff_id: strawberry.ID = strawberry.field(description="Whose booking it is.")
    cancelled_at: datetime | None = strawberry.field(
        default=None, description="When the booking was cancelled, if it was (KTV-10)."
    )


@strawberry.input(description="Input of `clockIn`.")
class ClockInInput:
    shift_id: strawberry.ID = strawberry.field(description="The rostered shift.")
    at: datetime = strawberry.field(description="When, with its UTC offset.")


@strawberry.input(description="Input of `clockOut`.")
class ClockOutInput(ClockInInput):
    pass


@strawberry.input(description="Input of `recordAttendance`.")
class RecordAttendanceInput:
    shift_id: strawberry.ID = strawberry.field(description="The shift nobody clocked in for.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: the manager."
    )
    what: str = strawberry.field(
        description="absent, absenteeism, forgotten_clock_in (recorded as the line's policy "
        "says, PM-9) or time_off_in_lieu."
    )
    note: str = strawberry.field(default="", description="A note for the record.")
    rule: str | None = strawberry.field(
        default=None,
        description="The rule id of an absence or absenteeism (default PM-9; C-15 for a "
        "missed shift after an unclear handover).",
    )


@strawberry.input(description="Input of `requestLeave` (KTV-4).")
class RequestLeaveInput:
    staff_id: strawberry.ID = strawberry.field(
        description="Who asks for leave (one's own shift; act_for to name another)."
    )
    shift_id: strawberry.ID = strawberry.field(description="The shift to be away from.")
    kind: LeaveKind = strawberry.field(  # type: ignore[assignment]
        default=models.LeaveKind.LEAVE, description="Leave or time off in lieu."
    )
    reason: str = strawberry.field(default="", description="Why.")


@strawberry.input(description="Input of `decideLeave`.")
class DecideLeaveInput:
    leave_id: strawberry.ID = strawberry.field(description="The leave request.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: the manager."
    )
    approve: bool = strawberry.field(description="true approves, false refuses.")
    reason: str = strawberry.field(default="", description="Why (shown to the requester).")


@strawberry.input(description="Input of `sweepUndecidedLeave`.")
class SweepUndecidedLeaveInput:
    site_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this site's leave requests (default: every site)."
    )


@strawberry.input(description="Input of `requestExitPass` (KTV-5).")
class RequestExitPassInput:
    staff_id: strawberry.ID = strawberry.field(description="Who asks to leave mid-shift.")
    shift_id: strawberry.ID = strawberry.field(description="The shift being worked.")
    reason: str = strawberry.field(default="", description="Why.")


@strawberry.input(description="Input of `decideExitPass` (KTV-5).")
class DecideExitPassInput:
    pass_id: strawberry.ID = strawberry.field(description="The exit pass.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: the manager."
    )
    approve: bool = strawberry.field(description="true approves, false refuses.")


@strawberry.input(description="Input of `setStaffPay`.")
class SetStaffPayInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff member.")
    daily_wage: Money | None = strawberry.field(
        default=None, description="Their daily wage (private, C-13)."
    )
    superior_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their direct superior."
    )


@strawberry.input(description="Input of `issuePoints` (PM-9).")
class IssuePointsInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff member.")
    item: str = strawberry.field(description="A code of the line's points table.")
    business_date: date = strawberry.field(description="The business day it happened.")
    points: Decimal | None = strawberry.field(
        default=None, description="Only for a discretionary item, within its bounds."
    )
    reason: str = strawberry.field(default="", description="Why.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: who issues the points; default the token's staff member.",
    )


@strawberry.input(description="Input of `revokePoints` (PM-9).")
class RevokePointsInput:
    entry_id: strawberry.ID = strawberry.field(description="The points entry to revoke.")
    reason: str = strawberry.field(description="Why it is revoked.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: who revokes; default the token's staff member.",
    )


def _month_points(
    staff_id: int,
    month: date,
    scheme: object,
    balance: Decimal,
    entries: list[models.PointsEntry],
) -> MonthPoints:
    revoked = {e.revokes_id for e in entries if e.revokes_id is not None}
    level = None
    penalty_at = getattr(scheme, "penalty_at", None)
    warning_at = getattr(scheme, "warning_at", None)
    if penalty_at is not None and balance <= penalty_at:
        level = "penalty"
    elif warning_at is not None and balance <= warning_at:
        level = "warning"
    return MonthPoints(
        staff_id=global_id_of("Staff", staff_id),
        month=month.replace(day=1),
        allowance=scheme.allowance,  # type: ignore[attr-defined]
        balance=balance,
        level=level,
        entries=[PointsEntry.of(e, e.id in revoked) for e in entries],
    )


# The leave lists' first day: of the shifts the leave is asked for.
ShiftsFromDate = Annotated[
    date, strawberry.argument(description="The first business day of the shifts.")
]


async def _business_days_list(
    info: Info, model: Any, view: Any, site_id: strawberry.ID, from_date: date, to_date: date
) -> list[Any]:
    """The deprecated lists (``attendance``, ``leaveRequests``): every ``model`` row of the
    site from ``from_date`` to ``to_date`` (business days, both included), by business day
    (ties by id)."""
    sid = parse_id(site_id, "siteId")
    async with info.context.db.session() as s:
        rows = await s.scalars(
            select(model)
            .where(model.site_id == sid, model.business_date.between(from_date, to_date))
            .order_by(model.business_date, model.id)
        )
        return [view(r) for r in rows.all()]


@strawberry.type
class AttendanceQuery:
    @strawberry.field(
        description="Attendance records of a site from `fromDate` to `toDate` (business days).",
        deprecation_reason="Use `attendanceRecords` (a connection); removed in 2.0.",
    )
    async def attendance(
        self, info: Info, site_id: SiteId, from_date: FromDate, to_date: ToDate
    ) -> list[AttendanceRecord]:
        return await _business_days_list(
            info, models.AttendanceRecord, AttendanceRecord.of, site_id, from_date, to_date
        )

    @strawberry.field(
        description="Leave requests of a site from `fromDate` to `toDate`.",
        deprecation_reason="Use `leaveRequestsPage` (a connection); removed in 2.0.",
    )
    async def leave_requests(
        self, info: Info, site_id: SiteId, from_date: ShiftsFromDate, to_date: ToDate
    ) -> list[LeaveRequest]:
        return await _business_days_list(
            info, models.LeaveRequest, LeaveRequest.of, site_id, from_date, to_date
        )

    @strawberry.field(
        description="Attendance records of a site from `fromDate` to `toDate` (business days), "
        "by business day (ties by id): a connection (Schema 1.0, issue 17)."
    )
    async def attendance_records(
        self,
        info: Info,
        site_id: SiteId,
        from_date: FromDate,
        to_date: ToDate,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AttendanceRecord]:
        # As ix_attendance_site_date_id (c0019_scale) is written.
        return await business_days_page(
            info,
            models.AttendanceRecord,
            site_id=site_id,
            from_date=from_date,
            to_date=to_date,
            type_name="AttendanceRecord",
            cursor_kind="attendance",
            view=AttendanceRecord.of,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        description="Leave requests of a site for shifts from `fromDate` to `toDate` (business "
        "days), by business day (ties by id): a connection (Schema 1.0, issue 17)."
    )
    async def leave_requests_page(
        self,
        info: Info,
        site_id: SiteId,
        from_date: ShiftsFromDate,
        to_date: ToDate,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LeaveRequest]:
        # As ix_leave_requests_site_date_id (c0019_scale) is written.
        return await business_days_page(
            info,
            models.LeaveRequest,
            site_id=site_id,
            from_date=from_date,
            to_date=to_date,
            type_name="LeaveRequest",
            cursor_kind="leave",
            view=LeaveRequest.of,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        description="PM-9: a staff member's points for the month containing `month`; null "
        "when their line keeps no monthly points."
    )
    async def month_points(
        self,
        info: Info,
        staff_id: Annotated[strawberry.ID, strawberry.argument(description="The staff member.")],
        month: Annotated[
            date, strawberry.argument(description="Any day of the month (by business date).")
        ],
    ) -> MonthPoints | None:
        ctx = info.context
        sid = parse_id(staff_id, "staffId")
        async with ctx.db.session() as s:
            answer = await service.month_points(s, ctx.host, staff_id=sid, month=month)
            if answer is None:
                return None
            scheme, balance, entries, _ = answer
            return _month_points(sid, month, scheme, balance, entries)

    @strawberry.field(description="KTV-2: a meeting and its roll; null if there is none.")
    async def meeting(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The meeting's global id (from `callMeeting`)."),
        ],
    ) -> Meeting | None:
        mid = parse_id(id, "id", of="Meeting")
        async with info.context.db.session() as s:
            if await s.get(models.Meeting, mid) is None:
                return None
            return await _meeting_view(s, mid)

    @strawberry.field(
        description="Private (C-13): a staff member's daily wage and direct superior "
        "(administrators and clerks).",
        metadata=MANAGE,
    )
    async def staff_pay(
        self,
        info: Info,
        staff_id: Annotated[strawberry.ID, strawberry.argument(description="The staff member.")],
    ) -> StaffPay:
        sid = parse_id(staff_id, "staffId")
        async with info.context.db.session() as s:
            staff = await s.get(models.Staff, sid)
            if staff is None:
                raise NotFound(
                    f"staff {sid} does not exist", code="STAFF_NOT_FOUND", field="staffId"
                )
            return StaffPay.of(staff)


@strawberry.input(description="Input of `closeRoll`.")
class CloseRollInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting whose roll closes.")


ClockInPayload = payload(
    "clockIn", "Workforce", {"record": (AttendanceRecord, "The shift's attendance record.")}
)
ClockOutPayload = payload(
    "clockOut", "Workforce", {"record": (AttendanceRecord, "The shift's attendance record.")}
)
RecordAttendancePayload = payload(
    "recordAttendance", "Workforce", {"record": (AttendanceRecord, "The attendance record.")}
)
RequestLeavePayload = payload(
    "requestLeave", "Workforce", {"leave": (LeaveRequest, "The leave request.")}
)
DecideLeavePayload = payload(
    "decideLeave", "Workforce", {"leave": (LeaveRequest, "The decided leave request.")}
)
SweepUndecidedLeavePayload = payload(
    "sweepUndecidedLeave",
    "Workforce",
    {
        "lapsed": (
            list[LeaveRequest],
            "Leave requests that lapsed now: undecided when their day started.",
        ),
        "absenteeism": (
            list[AttendanceRecord],
            "Shifts of lapsed requests that ended unworked, recorded now as absenteeism.",
        ),
    },
)
RequestExitPassPayload = payload(
    "requestExitPass", "Workforce", {"exit_pass": (ExitPass, "The exit pass requested.")}
)
DecideExitPassPayload = payload(
    "decideExitPass", "Workforce", {"exit_pass": (ExitPass, "The decided exit pass.")}
)
SetStaffPayPayload = payload(
    "setStaffPay", "Workforce", {"pay": (StaffPay, "The staff member's pay.")}
)
IssuePointsPayload = payload(
    "issuePoints", "Workforce", {"entry": (PointsEntry, "The points entry.")}
)
RevokePointsPayload = payload(
    "revokePoints", "Workforce", {"entry": (PointsEntry, "The revoking entry.")}
)
CallMeetingPayload = payload(
    "callMeeting", "Workforce", {"meeting": (Meeting, "The meeting with its roll.")}
)
SignRollPayload = payload("signRoll", "Workforce", {"entry": (RollCallEntry, "The roll entry.")})
NoteRoomBookingPayload = payload(
    "noteRoomBooking", "Workforce", {"entry": (RollCallEntry, "The roll entry with the booking.")}
)
CloseRollPayload = payload(
    "closeRoll", "Workforce", {"meeting": (Meeting, "The meeting, its roll decided.")}
)


@strawberry.type
class AttendanceMutation:
    @strawberry.mutation(
        description="Clock in for a rostered shift: present, late (minutes) or, over the "
        "line's limit, absent (PM-9)."
    )
    async def clock_in(self, info: Info, input: ClockInInput) -> ClockInPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            shift_id = await _own_shift(info, s, input.shift_id)
            row = await service.clock_in(
                s,
                ctx.host,
                shift_id=shift_id,
                at=input.at,
                now=ctx.now(),
            )
            return ClockInPayload(record=AttendanceRecord.of(row))

    @strawberry.mutation(
        description="Clock out; before the shift's end without an approved exit pass it is "
        "recorded as leaving without a pass (KTV-5)."
    )
    async def clock_out(self, info: Info, input: ClockOutInput) -> ClockOutPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            shift_id = await _own_shift(info, s, input.shift_id)
            row = await service.clock_out(s, shift_id=shift_id, at=input.at, now=ctx.now())
            return ClockOutPayload(record=AttendanceRecord.of(row))

    @strawberry.mutation(
        description="A manager records a shift nobody clocked in for (absence, absenteeism, "
        "forgotten clock-in, day off in lieu).",
        metadata=MANAGE,
    )
    async def record_attendance(
        self, info: Info, input: RecordAttendanceInput
    ) -> RecordAttendancePayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.record_day(
                s,
                ctx.host,
                shift_id=parse_id(input.shift_id, "shiftId"),
                what=input.what,
                manager_id=acting(info, input.acting_staff_id, "actingStaffId"),
                note=input.note,
                rule=input.rule,
                now=ctx.now(),
            )
            return RecordAttendancePayload(record=AttendanceRecord.of(row))

    @strawberry.mutation(
        description="Request leave on one's shift (KTV-4: before the start of the previous "
        "business day, else it counts as absenteeism)."
    )
    async def request_leave(self, info: Info, input: RequestLeaveInput) -> RequestLeavePayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.request_leave(
                s,
                ctx.host,
                staff_id=acting(info, input.staff_id, "staffId"),
                shift_id=parse_id(input.shift_id, "shiftId"),
                kind=models.LeaveKind(input.kind),
                reason=input.reason,
                now=ctx.now(),
            )
            return RequestLeavePayload(leave=LeaveRequest.of(row))

    @strawberry.mutation(
        description="The direct superior approves or refuses a leave request.", metadata=MANAGE
    )
    async def decide_leave(self, info: Info, input: DecideLeaveInput) -> DecideLeavePayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.decide_leave(
                s,
                ctx.host,
                leave_id=parse_id(input.leave_id, "leaveId", of="LeaveRequest"),
                manager_id=acting(info, input.acting_staff_id, "actingStaffId"),
                approve=input.approve,
                reason=input.reason,
                now=ctx.now(),
            )
            return DecideLeavePayload(leave=LeaveRequest.of(row))

    @strawberry.mutation(
        description="Leave undecided when its business day starts lapses, and a lapsed "
        "request's shift that ended unworked is absenteeism (PM-9, KTV-4: wage days, the 3rd "
        "day in a calendar month ends the employment).  The server does this periodically; "
        "this runs it now.  Idempotent.",
        metadata=MANAGE,
    )
    async def sweep_undecided_leave(
        self, info: Info, input: SweepUndecidedLeaveInput
    ) -> SweepUndecidedLeavePayload:
        ctx = info.context
        async with ctx.app.write() as s:
            lapsed, written = await service.sweep_undecided_leave(
                s,
                ctx.host,
                now=ctx.now(),
                site_id=parse_id(input.site_id, "siteId") if input.site_id else None,
            )
            return SweepUndecidedLeavePayload(
                lapsed=[LeaveRequest.of(r) for r in lapsed],
                absenteeism=[AttendanceRecord.of(r) for r in written],
            )

    @strawberry.mutation(description="KTV-5: ask for a pass to leave mid-shift.")
    async def request_exit_pass(
        self, info: Info, input: RequestExitPassInput
    ) -> RequestExitPassPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.request_exit_pass(
                s,
                staff_id=acting(info, input.staff_id, "staffId"),
                shift_id=parse_id(input.shift_id, "shiftId"),
                reason=input.reason,
                now=ctx.now(),
            )
            return RequestExitPassPayload(exit_pass=ExitPass.of(row))

    @strawberry.mutation(
        description="KTV-5: the direct superior approves or refuses an exit pass.",
        metadata=MANAGE,
    )
    async def decide_exit_pass(
        self, info: Info, input: DecideExitPassInput
    ) -> DecideExitPassPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.decide_exit_pass(
                s,
                pass_id=parse_id(input.pass_id, "passId", of="ExitPass"),
                manager_id=acting(info, input.acting_staff_id, "actingStaffId"),
                approve=input.approve,
                now=ctx.now(),
            )
            return DecideExitPassPayload(exit_pass=ExitPass.of(row))

    @strawberry.mutation(
        description="Private (C-13): set a staff member's daily wage and direct superior.",
        metadata=MANAGE,
    )
    async def set_staff_pay(self, info: Info, input: SetStaffPayInput) -> SetStaffPayPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.set_staff_pay(
                s,
                staff_id=parse_id(input.staff_id, "staffId"),
                daily_wage=input.daily_wage,
                superior_id=parse_id(input.superior_id, "superiorId", of="Staff")
                if input.superior_id
                else None,
            )
            return SetStaffPayPayload(pay=StaffPay.of(row))

    @strawberry.mutation(
        description="PM-9: enter a deduction from the line's points table.", metadata=MANAGE
    )
    async def issue_points(self, info: Info, input: IssuePointsInput) -> IssuePointsPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.issue_points(
                s,
                ctx.host,
                staff_id=parse_id(input.staff_id, "staffId"),
                item_code=input.item,
                business_date=input.business_date,
                points=input.points,
                reason=input.reason,
                issued_by_id=_issuer(info, input.acting_staff_id),
                now=ctx.now(),
            )
            return IssuePointsPayload(entry=PointsEntry.of(row, False))

    @strawberry.mutation(description="PM-9: revoke a points entry by a new entry.", metadata=MANAGE)
    async def revoke_points(self, info: Info, input: RevokePointsInput) -> RevokePointsPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.revoke_points(
                s,
                entry_id=parse_id(input.entry_id, "entryId", of="PointsEntry"),
                reason=input.reason,
                issued_by_id=_issuer(info, input.acting_staff_id),
                now=ctx.now(),
            )
            return RevokePointsPayload(entry=PointsEntry.of(row, False))

    @strawberry.mutation(
        description="KTV-2: call a meeting with a roll call; everyone rostered that business "
        "day is on the roll.",
        metadata=MANAGE,
    )
    async def call_meeting(self, info: Info, input: CallMeetingInput) -> CallMeetingPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.call_meeting(
                s,
                ctx.host,
                site_id=parse_id(input.site_id, "siteId"),
                business_date=input.business_date,
                start=input.start,
                title=input.title,
                now=ctx.now(),
            )
            return CallMeetingPayload(meeting=await _meeting_view(s, row.id))

    @strawberry.mutation(description="KTV-2: sign a meeting's roll (KTV-10: 补签 afterwards).")
    async def sign_roll(self, info: Info, input: SignRollInput) -> SignRollPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.sign_roll(
                s,
                meeting_id=parse_id(input.meeting_id, "meetingId", of="Meeting"),
                staff_id=acting(info, input.staff_id, "staffId"),
                at=input.at,
                now=ctx.now(),
                host=ctx.host,
            )
            return SignRollPayload(entry=RollCallEntry.of(row))

    @strawberry.mutation(
        description="KTV-10: note a room booking for the evening (and its cancellation)."
    )
    async def note_room_booking(
        self, info: Info, input: NoteRoomBookingInput
    ) -> NoteRoomBookingPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.note_room_booking(
                s,
                meeting_id=parse_id(input.meeting_id, "meetingId", of="Meeting"),
                staff_id=parse_id(input.staff_id, "staffId"),
                cancelled_at=input.cancelled_at,
                now=ctx.now(),
            )
            return NoteRoomBookingPayload(entry=RollCallEntry.of(row))

    @strawberry.mutation(
        description="KTV-2/KTV-10: close the roll and decide it (late and absent raise events).",
        metadata=MANAGE,
    )
    async def close_roll(self, info: Info, input: CloseRollInput) -> CloseRollPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.close_roll(
                s,
                meeting_id=parse_id(input.meeting_id, "meetingId", of="Meeting"),
                now=ctx.now(),
                host=ctx.host,
            )
            return CloseRollPayload(meeting=await _meeting_view(s, row.id))


@strawberry.type(
    description="One workforce event (issue 12), from the event log: shift_swap.requested / "
    ".agreed / .approved / .refused, leave.requested, leave.decided, attendance.late, "
    "attendance.left_early, absence.recorded, meeting.late, points.threshold_crossed, "
    "staff.employment_ended."
)
class WorkforceEvent:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to resume right after this event."
    )
    id: strawberry.ID = strawberry.field(
        description="The event's position in the event log (not a Node id; use `cursor` to resume)."
    )
    type: str = strawberry.field(
        description='What happened, e.g. "leave.decided", "absence.recorded" (see the type).'
    )
    site_id: strawberry.ID | None = strawberry.field(description="The site's global id.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="The swap, leave request, attendance record, roll entry or staff member."
    )
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    payload: JSON = strawberry.field(description="The event's details, as recorded.")

    @classmethod
    def from_event(cls, e: DomainEvent) -> WorkforceEvent:
        return cls(
            cursor=encode_cursor(CURSOR_KIND, e.id),
            id=strawberry.ID(str(e.id)),
            type=e.type,
            site_id=_id(e.site_id),
            subject_id=_id(e.subject_id),
            occurred_at=e.occurred_at,
            payload=e.payload,
        )


@strawberry.type
class AttendanceSubscription:
    @strawberry.subscription(
        description="Workforce events as they are committed (leave decided, absence "
        "recorded, points threshold crossed, employment ended …), optionally for one site; "
        "resumable from `after` like `complaintUpdates`."
    )
    async def workforce_updates(
        self, info: Info, site_id: UpdatesSiteId = None, after: UpdatesAfter = None
    ) -> AsyncGenerator[WorkforceEvent, None]:
        fd = info.context.app
        site, after_id = await parse_arguments(fd, site_id, after)
        events = stream_events(fd, service.STREAM, site_id=site, after=after_id)
        try:
            async for e in events:
                yield WorkforceEvent.from_event(e)
        finally:
            await events.aclose()
