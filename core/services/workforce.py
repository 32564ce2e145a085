"""Departments (C-12), rosters of shifts (PM-1, KTV-1) and the C-15 swap register.

Every function works in the caller's session and writes nothing when it raises.  The rules
are pure functions in ``core.workforce_rules``; this module gathers their facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import calendar_for, require_aware
from core.contracts import SwapFine, SwapProposal, SwapVerdict
from core.decisions import Reason
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PluginError
from core.events import record_event
from core.models import Department, EmploymentStatus, Shift, ShiftSwap, Site, Staff, SwapStatus
from core.plugins import PluginHost
from core.services.directory import get_site, get_staff_at, site_roles
from core.services.penalties import issue_penalty
from core.services.plugin_settings import load_settings
from core.services.visits import business_date_of
from core.services.workforce_policy import STREAM, workforce_policy
from core.workforce_rules import (
    ShiftFacts,
    SwapFacts,
    overlaps,
    shift_window,
    swap_refusal,
)

ACTIVE_SWAP: Final = (SwapStatus.REQUESTED, SwapStatus.AGREED, SwapStatus.APPROVED)
# C-15: the swap register is signed by the department manager (seed 002 篇9); the ranks
# above may sign too.
SWAP_APPROVER_ROLES: Final = frozenset(
    {
        "supervisor",
        "sales_manager",  # the sales office's department manager
        "department_manager",
        "department_director",
        "site_head",
        "vice_president",
        "general_manager",
    }
)


# --- departments (C-12) -------------------------------------------------------------------


async def create_department(
    session: AsyncSession, *, site_id: int, name: str, now: datetime
) -> Department:
    site = await get_site(session, site_id)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "a department needs a name of 1 to 200 characters", code="NAME_REQUIRED", field="name"
        )
    taken = await session.scalar(
        select(Department.id).where(Department.site_id == site.id, Department.name == name)
    )
    if taken is not None:
        raise Conflict(
            f"site {site.id} already has a department named {name!r}",
            code="DEPARTMENT_EXISTS",
            field="name",
        )
    department = Department(site_id=site.id, name=name, created_at=now)
    session.add(department)
    await session.flush()
    return department


async def get_department(session: AsyncSession, department_id: int) -> Department:
    department = await session.get(Department, department_id)
    if department is None:
        raise NotFound(
            f"department {department_id} does not exist",
            code="DEPARTMENT_NOT_FOUND",
            field="departmentId",
        )
    return department


async def assign_department(
    session: AsyncSession, *, staff_id: int, department_id: int | None
) -> Staff:
    """C-12: put a staff member in one department of their site (None: in none)."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    if department_id is not None:
        department = await get_department(session, department_id)
        if department.site_id != staff.site_id:
            raise InvalidInput(
                f"department {department.id} belongs to site {department.site_id}, staff "
                f"{staff.id} works at site {staff.site_id}; choose a department of their site",
                code="DEPARTMENT_OF_ANOTHER_SITE",
                field="departmentId",
            )
    staff.department_id = department_id
    await session.flush()
    return staff


# --- rosters (PM-1, KTV-1) ------------------------------------------------------------------


async def schedule_shift(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    staff_id: int,
    business_date: date,
    start: time,
    end: time,
    duty_role: str | None,
    now: datetime,
) -> Shift:
    """Put a shift on the roster: ``start``–``end`` local to the site, on ``business_date``
    (an end at or before the start is the next morning: KTV-1, PM-1).  The start must belong
    to ``business_date`` by the line's business-day rule, and the person may not already
    work a shift overlapping it."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    if staff.employment_status is not EmploymentStatus.ACTIVE:
        raise InvalidInput(
            f"staff {staff.id} is {staff.employment_status.value}; only active staff are rostered",
            code="STAFF_NOT_ACTIVE",
            field="staffId",
        )
    site = await get_site(session, staff.site_id)
    accepted = site_roles(host, site)
    if duty_role is not None and duty_role not in accepted:
        raise InvalidInput(
            f"unknown duty role {duty_role!r} at a {site.business_line} site; choose one of: "
            f"{', '.join(accepted)}",
            code="UNKNOWN_ROLE",
            field="dutyRole",
        )
    calendar = calendar_for(site.calendar_region, site.timezone)
    starts_at, ends_at = shift_window(business_date, start, end, calendar.zone)
    settings = await load_settings(session)
    if host is not None:
        belongs = business_date_of(host, site, starts_at, settings)
        if belongs != business_date:
            raise InvalidInput(
                f"a shift starting {start.isoformat('minutes')} on {business_date.isoformat()} "
                f"belongs to business day {belongs.isoformat()} at {site.name} (KTV-1: the "
                "business day runs past midnight); roster it on that day",
                code="SHIFT_OUTSIDE_BUSINESS_DAY",
                field="businessDate",
            )
    new = ShiftFacts(0, staff.id, business_date, starts_at, ends_at)
    for other in await staff_shifts_near(session, staff.id, business_date):
        if overlaps(new, other):
            raise Conflict(
                f"staff {staff.id} already works shift {other.id} from "
                f"{other.starts_at.isoformat()} to {other.ends_at.isoformat()}",
                code="SHIFT_OVERLAP",
                field="start",
            )
    shift = Shift(
        site_id=site.id,
        staff_id=staff.id,
        business_date=business_date,
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        duty_role=duty_role or staff.role,
        created_at=now,
    )
    session.add(shift)
    await session.flush()
    return shift


def _facts(shift: Shift, site: Site | None = None) -> ShiftFacts:
    holiday = False
    if site is not None:
        calendar = calendar_for(site.calendar_region, site.timezone)
        holiday = calendar.is_public_holiday(shift.business_date)
    return ShiftFacts(
        shift.id, shift.staff_id, shift.business_date, shift.starts_at, shift.ends_at, holiday
    )


async def staff_shifts_near(
    session: AsyncSession, staff_id: int, *days: date, margin: int = 2
) -> list[ShiftFacts]:
    """The person's shifts within ``margin`` business days of any of ``days``."""
    conditions = [
        Shift.business_date.between(d - timedelta(days=margin), d + timedelta(days=margin))
        for d in days
    ]
    rows = await session.scalars(
        select(Shift).where(Shift.staff_id == staff_id, or_(*conditions)).order_by(Shift.id)
    )
    return [_facts(s) for s in rows.all()]


async def on_duty(
    session: AsyncSession, *, site_id: int, moment: datetime, role: str | None = None
) -> list[tuple[Shift, Staff]]:
    """PM-1: who is on duty at the site at ``moment`` (e.g. the night duty manager at 23:00),
    optionally only those holding duty role ``role``; active staff only, earliest start
    first."""
    require_aware(moment, "at")
    site = await get_site(session, site_id)
    stmt = (
        select(Shift, Staff)
        .join(Staff, Staff.id == Shift.staff_id)
        .where(
            Shift.site_id == site.id,
            Shift.starts_at <= moment,
            Shift.ends_at > moment,
            Staff.employment_status == EmploymentStatus.ACTIVE,
        )
        .order_by(Shift.starts_at, Shift.id)
    )
    if role is not None:
        stmt = stmt.where(Shift.duty_role == role)
    return [(shift, staff) for shift, staff in (await session.execute(stmt)).all()]


# --- C-15 shift swaps -----------------------------------------------------------------------


async def _shift(session: AsyncSession, shift_id: int, field: str) -> Shift:
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(f"shift {shift_id} does not exist", code="SHIFT_NOT_FOUND", field=field)
    return shift


def _month(d: date) -> date:
    return d.replace(day=1)


async def _check_swap(
    session: AsyncSession,
    host: PluginHost | None,
    site: Site,
    *,
    requester_id: int,
    counterpart_id: int,
    shift: Shift,
    payback: Shift,
    exclude_swap: int | None,
    stage: str,
    now: datetime,
) -> tuple[SwapFine, ...]:
    """C-15 on today's roster and register, then the line's ``frontdesk_validate_shift_swap``
    (whose verdict replaces core's); raises the refusal, else returns the fines to issue
    when the swap is approved."""
    settings = await load_settings(session)
    policy = workforce_policy(host, site, settings)
    parties = (requester_id, counterpart_id)
    register = await session.scalars(
        select(ShiftSwap).where(
            ShiftSwap.status.in_(ACTIVE_SWAP),
            or_(ShiftSwap.requester_id.in_(parties), ShiftSwap.counterpart_id.in_(parties)),
            ShiftSwap.id != (exclude_swap or 0),
        )
    )
    others: list[SwapFacts] = []
    for w in register.all():
        given, taken = (
            await _shift(session, w.shift_id, "shiftId"),
            await _shift(session, w.payback_shift_id, "paybackShiftId"),
        )
        others.append(
            SwapFacts(
                w.id, w.requester_id, w.counterpart_id, given.business_date, taken.business_date
            )
        )
    days = (shift.business_date, payback.business_date)
    refusal = swap_refusal(
        requester_id=requester_id,
        counterpart_id=counterpart_id,
        shift=_facts(shift, site),
        payback=_facts(payback, site),
        requester_shifts=await staff_shifts_near(session, requester_id, *days),
        counterpart_shifts=await staff_shifts_near(session, counterpart_id, *days),
        other_swaps=others,
        policy=policy,
    )
    decided: tuple[str, Reason] | None = (
        (refusal.code, refusal.reason) if refusal is not None else None
    )
    fines: tuple[SwapFine, ...] = ()
    if host is not None:
        month = _month(shift.business_date)
        verdict = await host.acall_line(
            site.business_line,
            "frontdesk_validate_shift_swap",
            proposal=SwapProposal(
                session=session,
                site=site,
                stage=stage,
                swap_id=exclude_swap,
                requester_id=requester_id,
                counterpart_id=counterpart_id,
                shift_id=shift.id,
                payback_shift_id=payback.id,
                shift_date=shift.business_date,
                payback_date=payback.business_date,
                swaps_this_month={
                    p: sum(1 for w in others if p in w.parties() and _month(w.shift_date) == month)
                    for p in parties
                },
                policy=policy,
                refusal=decided,
                now=now,
                settings=settings,
            ),
        )
        if verdict is not None:
            if not isinstance(verdict, SwapVerdict):
                raise PluginError(
                    f"the {site.business_line} line answered frontdesk_validate_shift_swap with "
                    f"{type(verdict).__name__}, not a SwapVerdict",
                    code="PLUGIN_CONTRACT_VIOLATION",
                )
            decided, fines = verdict.refusal, tuple(verdict.fines)
    if decided is not None:
        code, reason = decided
        raise Conflict(str(reason), code=code, rule=reason.rule)
    return fines


async def request_swap(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    requester_id: int,
    shift_id: int,
    counterpart_id: int,
    payback_shift_id: int,
    reason: str,
    now: datetime,
) -> ShiftSwap:
    """C-15: the requester offers their ``shift`` to the counterpart and names the pay-back
    shift (还班) they take from the counterpart; the request is the requester's consent."""
    shift = await _shift(session, shift_id, "shiftId")
    payback = await _shift(session, payback_shift_id, "paybackShiftId")
    site = await get_site(session, shift.site_id, lock=True)  # one swap check at a time
    await get_staff_at(session, requester_id, site.id, "requesterId")
    await get_staff_at(session, counterpart_id, site.id, "counterpartId")
    if requester_id == counterpart_id:
        raise InvalidInput(
            "a swap is between two staff members (C-15)",
            code="SWAP_WITH_ONESELF",
            field="counterpartId",
        )
    if shift.staff_id != requester_id:
        raise InvalidInput(
            f"shift {shift.id} is not the requester's shift",
            code="SHIFT_NOT_HELD",
            field="shiftId",
        )
    if payback.staff_id != counterpart_id or payback.site_id != site.id:
        raise InvalidInput(
            f"pay-back shift {payback.id} is not the counterpart's shift at this site (C-15: "
            "the pay-back shift is one the counterpart works)",
            code="SHIFT_NOT_HELD",
            field="paybackShiftId",
        )
    await _check_swap(
        session,
        host,
        site,
        requester_id=requester_id,
        counterpart_id=counterpart_id,
        shift=shift,
        payback=payback,
        exclude_swap=None,
        stage="request",
        now=now,
    )
    swap = ShiftSwap(
        site_id=site.id,
        requester_id=requester_id,
        counterpart_id=counterpart_id,
        shift_id=shift.id,
        payback_shift_id=payback.id,
        status=SwapStatus.REQUESTED,
        reason=reason or "",
        requested_at=now,
    )
    session.add(swap)
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="shift_swap.requested",
        now=now,
        site_id=site.id,
        subject_id=swap.id,
        payload={"requester": requester_id, "counterpart": counterpart_id},
    )
    return swap


async def _swap(session: AsyncSession, swap_id: int) -> ShiftSwap:
    swap = await session.scalar(select(ShiftSwap).where(ShiftSwap.id == swap_id).with_for_update())
    if swap is None:
        raise NotFound(f"swap {swap_id} does not exist", code="SWAP_NOT_FOUND", field="swapId")
    return swap


def _expect(swap: ShiftSwap, status: SwapStatus, step: str) -> None:
    if swap.status is not status:
        raise Conflict(
            f"swap {swap.id} is {swap.status.value}; it can be {step} only when {status.value}",
            code="SWAP_WRONG_STATUS",
            field="swapId",
        )


async def agree_swap(
    session: AsyncSession, *, swap_id: int, staff_id: int, now: datetime
) -> ShiftSwap:
    """C-15: the counterpart's consent (both parties agree before the manager approves)."""
    swap = await _swap(session, swap_id)
    if staff_id != swap.counterpart_id:
        raise PermissionDenied(
            f"only staff {swap.counterpart_id}, the other party, can agree to swap {swap.id}",
            code="NOT_THE_COUNTERPART",
            field="staffId",
        )
    _expect(swap, SwapStatus.REQUESTED, "agreed to")
    swap.status = SwapStatus.AGREED
    swap.agreed_at = now
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="shift_swap.agreed",
        now=now,
        site_id=swap.site_id,
        subject_id=swap.id,
        payload={},
    )
    return swap


async def _approver(session: AsyncSession, swap: ShiftSwap, manager_id: int) -> Staff:
    manager = await get_staff_at(session, manager_id, swap.site_id, "managerId")
    if manager.role not in SWAP_APPROVER_ROLES or manager.id in (
        swap.requester_id,
        swap.counterpart_id,
    ):
        raise PermissionDenied(
            f"staff {manager.id} ({manager.role}) cannot decide swap {swap.id}: C-15 swaps are "
            "approved by a manager who is not a party",
            code="NOT_A_SWAP_APPROVER",
            field="managerId",
        )
    return manager


async def approve_swap(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    swap_id: int,
    manager_id: int,
    now: datetime,
) -> ShiftSwap:
    """C-15: the manager approves an agreed swap; the rules are checked again on today's
    roster and register, then the two shifts change hands."""
    swap = await _swap(session, swap_id)
    await _approver(session, swap, manager_id)
    _expect(swap, SwapStatus.AGREED, "approved")
    site = await get_site(session, swap.site_id, lock=True)
    shift = await _shift(session, swap.shift_id, "shiftId")
    payback = await _shift(session, swap.payback_shift_id, "paybackShiftId")
    if shift.staff_id != swap.requester_id or payback.staff_id != swap.counterpart_id:
        raise Conflict(
            f"the shifts of swap {swap.id} changed hands since it was requested",
            code="SHIFT_NOT_HELD",
            field="swapId",
        )
    fines = await _check_swap(
        session,
        host,
        site,
        requester_id=swap.requester_id,
        counterpart_id=swap.counterpart_id,
        shift=shift,
        payback=payback,
        exclude_swap=swap.id,
        stage="approval",
        now=now,
    )
    shift.staff_id, payback.staff_id = swap.counterpart_id, swap.requester_id
    swap.status = SwapStatus.APPROVED
    swap.decided_at, swap.decided_by_id = now, manager_id
    swap.decision_rule = "C-15"
    swap.decision_reason = (
        f"approved: staff {swap.counterpart_id} works shift {shift.id}, staff "
        f"{swap.requester_id} works the pay-back shift {payback.id}"
    )
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="shift_swap.approved",
        now=now,
        site_id=site.id,
        subject_id=swap.id,
        payload={"shift": shift.id, "payback_shift": payback.id, "manager": manager_id},
    )
    for fine in fines:
        # The line's verdict (frontdesk_validate_shift_swap): a fine from its penalty table,
        # issued with the approval (seed 002 篇12: 20 CNY).
        await issue_penalty(
            session,
            site_id=site.id,
            staff_id=fine.staff_id,
            rule_code=fine.penalty_code,
            amount=fine.amount,
            reason=f"swap {swap.id}: {fine.reason}",
            issued_by_id=manager_id,
            now=now,
        )
    return swap


async def refuse_swap(
    session: AsyncSession, *, swap_id: int, manager_id: int, reason: str, now: datetime
) -> ShiftSwap:
    """C-15: the manager refuses a pending swap, saying why; the roster is unchanged."""
    swap = await _swap(session, swap_id)
    await _approver(session, swap, manager_id)
    if swap.status not in (SwapStatus.REQUESTED, SwapStatus.AGREED):
        _expect(swap, SwapStatus.AGREED, "refused")
    if not (reason or "").strip():
        raise InvalidInput("say why the swap is refused", code="REASON_REQUIRED", field="reason")
    swap.status = SwapStatus.REFUSED
    swap.decided_at, swap.decided_by_id = now, manager_id
    swap.decision_rule, swap.decision_reason = "C-15", reason.strip()
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="shift_swap.refused",
        now=now,
        site_id=swap.site_id,
        subject_id=swap.id,
        payload={"manager": manager_id},
    )
    return swap
