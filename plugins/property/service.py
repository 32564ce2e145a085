"""Property services, in the caller's transaction (nothing commits here).

Each service reads the facts, asks a pure rule in :mod:`plugins.property.rules`, and either
writes the record with the rule's reason or raises a :class:`FrontdeskError` whose code is
stable and whose message names the rule id (nothing is written then).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugin_api import (
    Complaint,
    Conflict,
    InvalidInput,
    NotFound,
    Reason,
    Shift,
    Site,
    Staff,
    get_line_site,
    get_staff,
    line_policy,
    load_line_policy,
    local_time,
    record_event,
    site_zone,
)
from core.plugin_api.rules import calendar_for
from plugins.property import CODE, rules
from plugins.property.models import (
    HandlingStep,
    IncidentReport,
    PaidService,
    RepairOrder,
    Resident,
    Revisit,
    SurveyOpinion,
    Unit,
    VisitorRegistration,
)
from plugins.property.policy import HANDLING_STEPS, PropertyPolicy

__all__ = [
    "add_resident",
    "add_unit",
    "close_decision",
    "complete_repair",
    "deliver_payment_notice",
    "dispatch_repair",
    "local_time",
    "policy_of",
    "project_month",
    "record_arrival",
    "record_handling_step",
    "record_paid_service",
    "record_paid_service_revisit",
    "record_reply_step",
    "record_revisit",
    "record_survey_opinion",
    "record_survey_step",
    "register_visitor",
    "repair_rates_for",
    "report_incident",
    "schedule_repair",
    "spot_check_repair",
    "start_repair",
    "technician_month",
]

NIGHT_DUTY_ROLE = "night_duty_manager"
SATISFACTION = ("very_satisfied", "satisfied", "neutral", "dissatisfied")


def policy_of(settings: Mapping[str, Mapping[str, Any]] | None) -> PropertyPolicy:
    """The line's policy with the operator's stored settings (as hooks receive them)."""
    return line_policy(PropertyPolicy, CODE, settings)


def _text(value: Any, field: str, most: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{field} is required", code="MISSING_FIELD", field=field)
    if len(text) > most:
        raise InvalidInput(
            f"{field} is at most {most} characters", code="TEXT_TOO_LONG", field=field
        )
    return text


def _aware(moment: datetime, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidInput(f"{field} must carry a time zone", code="NAIVE_DATETIME", field=field)
    return moment


async def _site(session: AsyncSession, site_id: Any) -> Site:
    return await get_line_site(session, site_id, CODE, what="a property project")


async def _unit(session: AsyncSession, site: Site, unit_id: int) -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.site_id != site.id:
        raise NotFound(
            f"unit {unit_id} is not at site {site.id}", code="UNIT_NOT_FOUND", field="unitId"
        )
    return unit


# --- units and residents ---------------------------------------------------------------------


async def add_unit(
    session: AsyncSession, *, site_id: int, building: str, number: str, now: datetime
) -> Unit:
    site = await _site(session, site_id)
    building, number = _text(building, "building", 40), _text(number, "number", 40)
    existing = await session.scalar(
        select(Unit).where(
            Unit.site_id == site.id, Unit.building == building, Unit.number == number
        )
    )
    if existing is not None:
        raise Conflict(
            f"unit {building}-{number} already exists", code="UNIT_EXISTS", field="number"
        )
    unit = Unit(site_id=site.id, building=building, number=number, created_at=now)
    session.add(unit)
    await session.flush()
    return unit


async def add_resident(
    session: AsyncSession,
    *,
    site_id: int,
    unit_id: int,
    name: str,
    phone: str | None = None,
    company: str | None = None,
    now: datetime,
) -> Resident:
    site = await _site(session, site_id)
    unit = await _unit(session, site, unit_id)
    resident = Resident(
        site_id=site.id,
        unit_id=unit.id,
        name=_text(name, "name", 80),
        phone=_text(phone, "phone", 32) if phone else None,
        company=_text(company, "company", 120) if company else None,
        created_at=now,
    )
    session.add(resident)
    await session.flush()
    return resident


# --- PM-1 visitors -----------------------------------------------------------------------------


async def _on_night_duty(session: AsyncSession, site: Site, staff_id: int, now: datetime) -> bool:
    """Whether ``staff_id`` holds a night-duty-manager shift at ``site`` covering ``now``."""
    found = await session.scalar(
        select(Shift.id).where(
            Shift.site_id == site.id,
            Shift.staff_id == staff_id,
            Shift.duty_role == NIGHT_DUTY_ROLE,
            Shift.starts_at <= now,
            Shift.ends_at > now,
        )
    )
    return found is not None


async def register_visitor(
    session: AsyncSession,
    *,
    site_id: int,
    unit_id: int,
    resident_id: int,
    visitor_name: str,
    contact_method: str | None,
    resident_confirmed: bool,
    registrar_id: int,
    now: datetime,
) -> tuple[VisitorRegistration, Reason]:
    """PM-1: register a resident's visitor; from 20:00 to 08:00 (site time) only the night duty
    manager on the roster may (NIGHT_DUTY_ONLY); the resident must have been contacted and
    have confirmed (RESIDENT_NOT_CONTACTED / RESIDENT_NOT_CONFIRMED)."""
    now = _aware(now, "now")
    site = await _site(session, site_id)
    unit = await _unit(session, site, unit_id)
    resident = await session.get(Resident, resident_id)
    if resident is None or resident.unit_id != unit.id:
        raise NotFound(
            f"resident {resident_id} does not live in unit {unit.id}",
            code="RESIDENT_NOT_FOUND",
            field="residentId",
        )
    registrar = await get_staff(session, registrar_id, site.id, "registrarId")
    name = _text(visitor_name, "visitorName", 80)
    method = contact_method.strip() if isinstance(contact_method, str) else None
    policy = await load_line_policy(session, PropertyPolicy, CODE)
    zone = site_zone(site)
    night = rules.is_night_duty(now, zone, policy)
    on_duty = night and await _on_night_duty(session, site, registrar.id, now)
    verdict = rules.visitor_registration(
        rules.VisitorFacts(method or None, bool(resident_confirmed), on_duty), now, zone, policy
    )
    if not verdict.allowed:
        if not method:
            code, field = "RESIDENT_NOT_CONTACTED", "contactMethod"
        elif not resident_confirmed:
            code, field = "RESIDENT_NOT_CONFIRMED", "residentConfirmed"
        else:
            # A business rule, not a token's permission: a user error naming PM-1.
            raise Conflict(
                str(verdict.reason), code="NIGHT_DUTY_ONLY", field="registrarId", rule="PM-1"
            )
        raise InvalidInput(str(verdict.reason), code=code, field=field, rule="PM-1")
    registration = VisitorRegistration(
        site_id=site.id,
        unit_id=unit.id,
        resident_id=resident.id,
        visitor_name=name,
        contact_method=_text(method, "contactMethod", 32),
        resident_confirmed_at=now,
        registered_by_id=registrar.id,
        registered_at=now,
        night_duty=night,
        reason=str(verdict.reason),
    )
    session.add(registration)
    await session.flush()
    await record_event(
        session,
        stream="property",
        type="property.visitor_registered",
        now=now,
        site_id=site.id,
        subject_id=registration.id,
        payload={"unitId": unit.id, "nightDuty": night, "rule": "PM-1"},
    )
    return registration, verdict.reason


# --- PM-8 repairs -------------------------------------------------------------------------------


async def _order(session: AsyncSession, order_id: int) -> RepairOrder:
    order = await session.get(RepairOrder, order_id)
    if order is None:
        raise NotFound(
            f"repair order {order_id} does not exist", code="REPAIR_NOT_FOUND", field="repairId"
        )
    return order


async def schedule_repair(
    session: AsyncSession,
    *,
    site_id: int,
    unit_id: int,
    technician_id: int,
    speciality: str,
    agreed_at: datetime,
    now: datetime,
    resident_id: int | None = None,
    description: str = "",
) -> RepairOrder:
    """PM-8: a repair order with its appointment time, dispatched to a technician."""
    site = await _site(session, site_id)
    unit = await _unit(session, site, unit_id)
    technician = await get_staff(session, technician_id, site.id, "technicianId")
    order = RepairOrder(
        site_id=site.id,
        unit_id=unit.id,
        resident_id=resident_id,
        technician_id=technician.id,
        speciality=_text(speciality, "speciality", 40),
        description=description or "",
        agreed_at=_aware(agreed_at, "agreedAt"),
        fee_accepted=False,
        furniture_consent=False,
        fee_lines=[],
        status="scheduled",
        created_at=now,
    )
    session.add(order)
    await session.flush()
    return order


async def record_arrival(
    session: AsyncSession,
    *,
    order_id: int,
    arrived_at: datetime,
    rescheduled_to: datetime | None = None,
    now: datetime,
) -> tuple[RepairOrder, Reason]:
    """PM-8: the technician's arrival, on time up to and including 10 minutes after the agreed
    time (or the new time the customer agreed to)."""
    order = await _order(session, order_id)
    arrived_at = _aware(arrived_at, "arrivedAt")
    if order.arrived_at is not None:
        raise Conflict("the arrival is already recorded", code="ALREADY_ARRIVED", field="repairId")
    if arrived_at > now:
        raise InvalidInput(
            f"arrivedAt {arrived_at.isoformat()} is in the future",
            code="ARRIVAL_IN_FUTURE",
            field="arrivedAt",
        )
    policy = await load_line_policy(session, PropertyPolicy, CODE)
    if rescheduled_to is not None:
        order.rescheduled_to = _aware(rescheduled_to, "rescheduledTo")
    verdict = rules.arrival_decision(
        order.agreed_at, _aware(arrived_at, "arrivedAt"), policy, order.rescheduled_to
    )
    order.arrived_at, order.on_time, order.status = arrived_at, verdict.allowed, "arrived"
    await session.flush()
    return order, verdict.reason


async def start_repair(
    session: AsyncSession,
    *,
    order_id: int,
    fee_quoted: Decimal | str,
    fee_accepted: bool,
    moves_furniture: bool = False,
    furniture_consent: bool = False,
    now: datetime,
) -> RepairOrder:
    """PM-8: work starts once the fee was told and accepted (and furniture consent given)."""
    order = await _order(session, order_id)
    if order.arrived_at is None:
        raise Conflict("record the arrival first", code="NOT_ARRIVED", field="repairId")
    try:
        fee = Decimal(fee_quoted)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(
            "the fee is an amount of money", code="INVALID_FEE", field="feeQuoted"
        ) from None
    refusal = rules.work_start_refusal(fee, fee_accepted, moves_furniture, furniture_consent)
    if refusal is not None:
        raise InvalidInput(str(refusal), code="WORK_NOT_AGREED", field="feeQuoted", rule="PM-8")
    order.fee_quoted, order.fee_accepted = fee.quantize(Decimal("0.01")), True
    order.furniture_consent = bool(furniture_consent)
    order.started_at, order.status = now, "in_progress"
    await session.flush()
    return order


async def complete_repair(
    session: AsyncSession,
    *,
    order_id: int,
    signed_by: str | None,
    fee_lines: list[dict[str, Any]] | None = None,
    now: datetime,
) -> RepairOrder:
    """PM-8: the customer signs the completed order (fee lines as charged)."""
    order = await _order(session, order_id)
    if order.started_at is None:
        raise Conflict("the work has not started", code="NOT_STARTED", field="repairId")
    refusal = rules.repair_close_refusal(bool(signed_by and signed_by.strip()))
    if refusal is not None:
        raise InvalidInput(str(refusal), code="SIGNATURE_REQUIRED", field="signedBy", rule="PM-8")
    lines = []
    for line in fee_lines or []:
        try:
            lines.append({"item": str(line["item"]), "amount": str(Decimal(str(line["amount"])))})
        except (KeyError, InvalidOperation, TypeError):
            raise InvalidInput(
                "a fee line has an item and an amount", code="INVALID_FEE", field="feeLines"
            ) from None
    order.fee_lines, order.signed_by = lines, _text(signed_by, "signedBy", 80)
    order.completed_at, order.status = now, "completed"
    await session.flush()
    return order


async def spot_check_repair(
    session: AsyncSession, *, order_id: int, passed: bool, now: datetime
) -> RepairOrder:
    """PM-8: a spot-check revisit, pass or fail (the pass rate counts these only)."""
    order = await _order(session, order_id)
    if order.completed_at is None:
        raise Conflict("the repair is not completed", code="NOT_COMPLETED", field="repairId")
    order.spot_check_passed, order.spot_checked_at = bool(passed), now
    await session.flush()
    return order


async def repair_rates_for(
    session: AsyncSession, *, site_id: int, month: date, by: str = "technician"
) -> list[rules.RepairRates]:
    """PM-8: the month's (site-local, by agreed time) on-time and pass rates."""
    site = await _site(session, site_id)
    zone = site_zone(site)
    orders = (
        await session.scalars(select(RepairOrder).where(RepairOrder.site_id == site.id))
    ).all()
    facts = []
    for o in orders:
        local = o.agreed_at.astimezone(zone)
        if (local.year, local.month) == (month.year, month.month):
            facts.append(
                rules.RepairFacts(o.technician_id, str(o.site_id), o.on_time, o.spot_check_passed)
            )
    return rules.repair_rates(facts, by=by)


# --- PM-6 handling steps, PM-5 revisits ---------------------------------------------------------


async def _complaint(session: AsyncSession, complaint_id: int) -> Complaint:
    complaint = await session.get(Complaint, complaint_id)
    site = await session.get(Site, complaint.site_id) if complaint is not None else None
    if complaint is None or site is None or site.business_line != CODE:
        raise NotFound(
            f"complaint {complaint_id} is not a property complaint",
            code="COMPLAINT_NOT_FOUND",
            field="complaintId",
        )
    return complaint


async def record_handling_step(
    session: AsyncSession,
    *,
    complaint_id: int,
    step: str,
    staff_id: int,
    now: datetime,
    next_reply_at: datetime | None = None,
    customer_confirmed: bool = False,
    note: str | None = None,
) -> HandlingStep:
    """PM-6: one of the five clears and one report, once per complaint."""
    complaint = await _complaint(session, complaint_id)
    staff = await get_staff(session, staff_id, complaint.site_id, "staffId")
    refusal = rules.handling_step_refusal(step, next_reply_at, customer_confirmed)
    if refusal is not None:
        raise InvalidInput(str(refusal), code="INVALID_HANDLING_STEP", field="step", rule="PM-6")
    done = await session.scalar(
        select(HandlingStep.id).where(
            HandlingStep.complaint_id == complaint.id, HandlingStep.step == step
        )
    )
    if done is not None:
        raise Conflict(
            f"[PM-6] step {step} is already recorded",
            code="STEP_RECORDED",
            field="step",
            rule="PM-6",
        )
    row = HandlingStep(
        complaint_id=complaint.id,
        step=step,
        staff_id=staff.id,
        at=now,
        next_reply_at=next_reply_at,
        customer_confirmed=bool(customer_confirmed),
        note=note,
    )
    session.add(row)
    await session.flush()
    await record_event(
        session,
        stream="complaints",
        type="property.handling_step",
        now=now,
        site_id=complaint.site_id,
        subject_id=complaint.id,
        payload={"rule": "PM-6", "step": step, "staffId": staff.id},
    )
    return row


async def close_decision(session: AsyncSession, *, complaint_id: int) -> rules.Verdict:
    """PM-6: whether the complaint may be closed (every required step recorded)."""
    complaint = await _complaint(session, complaint_id)
    steps = (
        await session.scalars(
            select(HandlingStep.step).where(HandlingStep.complaint_id == complaint.id)
        )
    ).all()
    return rules.close_decision(complaint.severity, [s for s in steps if s in HANDLING_STEPS])


async def record_revisit(
    session: AsyncSession,
    *,
    complaint_id: int,
    staff_id: int,
    revisited_at: datetime,
    signed_by: str | None,
    satisfaction: str,
    now: datetime,
) -> tuple[Revisit, Reason]:
    """PM-5: the revisit after the fix, signed by the customer, with satisfaction; whether it
    was in time (1 week major / 2 weeks general) is recorded with its reason."""
    complaint = await _complaint(session, complaint_id)
    staff = await get_staff(session, staff_id, complaint.site_id, "staffId")
    if complaint.resolved_at is None:
        raise Conflict("[PM-5] a revisit follows the fix", code="NOT_FIXED", field="complaintId")
    if satisfaction not in SATISFACTION:
        raise InvalidInput(
            f"satisfaction is one of {', '.join(SATISFACTION)}",
            code="INVALID_SATISFACTION",
            field="satisfaction",
        )
    site = await session.get(Site, complaint.site_id)
    assert site is not None
    policy = await load_line_policy(session, PropertyPolicy, CODE)
    signed = bool(signed_by and signed_by.strip())
    verdict = rules.revisit_decision(
        complaint.resolved_at,
        _aware(revisited_at, "revisitedAt"),
        complaint.severity,
        signed,
        site_zone(site),
        policy,
    )
    if not signed:
        raise InvalidInput(
            str(verdict.reason), code="SIGNATURE_REQUIRED", field="signedBy", rule="PM-5"
        )
    if revisited_at > now:
        raise InvalidInput(
            f"revisitedAt {revisited_at.isoformat()} is in the future",
            code="REVISIT_IN_FUTURE",
            field="revisitedAt",
        )
    if revisited_at < complaint.resolved_at:
        raise InvalidInput(
            str(verdict.reason), code="REVISIT_BEFORE_FIX", field="revisitedAt", rule="PM-5"
        )
    row = Revisit(
        complaint_id=complaint.id,
        staff_id=staff.id,
        revisited_at=revisited_at,
        signed_by=_text(signed_by, "signedBy", 80),
        satisfaction=satisfaction,
        in_time=verdict.allowed,
        reason=str(verdict.reason),
    )
    session.add(row)
    await session.flush()
    await record_event(
        session,
        stream="complaints",
        type="property.revisit",
        now=now,
        site_id=complaint.site_id,
        subject_id=complaint.id,
        payload={
            "rule": "PM-5",
            "signedBy": row.signed_by,
            "satisfaction": satisfaction,
            "inTime": row.in_time,
            "message": verdict.reason.message,
        },
    )
    return row, verdict.reason


def site_calendar(site: Site) -> Any:
    """The site's working calendar (C-11), for PM-5's working-day deadlines."""
    return calendar_for(site.calendar_region, site.timezone)


# --- PM-2 written replies ------------------------------------------------------------------------

#: PM-2: who approves a written reply (the supervisor, or someone above them).
APPROVERS = frozenset(
    {"supervisor", "department_manager", "department_director", "site_head", "general_manager"}
)
REPLY_PREFIX = "reply_"


async def record_reply_step(
    session: AsyncSession,
    *,
    complaint_id: int,
    step: str,
    staff_id: int,
    now: datetime,
    note: str | None = None,
) -> tuple[HandlingStep, Reason]:
    """PM-2: a written complaint's reply is drafted, approved by the supervisor, then sent —
    each step once, in order, recorded with who and when (``reply_<step>`` rows beside the
    PM-6 steps).  Only written complaints have these steps (NOT_WRITTEN)."""
    complaint = await _complaint(session, complaint_id)
    staff = await get_staff(session, staff_id, complaint.site_id, "actingStaffId")
    if complaint.channel != "written":
        raise InvalidInput(
            f"[PM-2] complaint {complaint.number} was not made in writing; its reply needs no "
            "supervisor's approval",
            code="NOT_WRITTEN",
            field="complaintId",
            rule="PM-2",
        )
    done = [
        s.removeprefix(REPLY_PREFIX)
        for s in (
            await session.scalars(
                select(HandlingStep.step).where(HandlingStep.complaint_id == complaint.id)
            )
        ).all()
        if s.startswith(REPLY_PREFIX)
    ]
    verdict = rules.written_reply_step(done, step, staff.role in APPROVERS)
    if not verdict.allowed:
        if step == "approved" and staff.role not in APPROVERS and step not in done:
            raise Conflict(
                str(verdict.reason), code="NOT_A_SUPERVISOR", field="actingStaffId", rule="PM-2"
            )
        raise Conflict(str(verdict.reason), code="REPLY_OUT_OF_ORDER", field="step", rule="PM-2")
    row = HandlingStep(
        complaint_id=complaint.id,
        step=REPLY_PREFIX + step,
        staff_id=staff.id,
        at=now,
        next_reply_at=None,
        customer_confirmed=False,
        note=_text(note, "note", 2000) if note else None,
    )
    session.add(row)
    await session.flush()
    reason = Reason("PM-2", f"{staff.name}: {verdict.reason.message}")
    await record_event(
        session,
        stream="complaints",
        type="property.reply_" + step,
        now=now,
        site_id=complaint.site_id,
        subject_id=complaint.id,
        payload={"rule": "PM-2", "step": step, "staffId": staff.id, "message": reason.message},
    )
    return row, reason


# --- PM-8 dispatch -------------------------------------------------------------------------------


async def dispatch_repair(
    session: AsyncSession, *, order_id: int, technician_id: int, now: datetime
) -> RepairOrder:
    """PM-8: (re)dispatch a repair order to a technician before they arrive."""
    order = await _order(session, order_id)
    if order.arrived_at is not None:
        raise Conflict(
            "the technician has arrived; the order is not dispatched again",
            code="ALREADY_ARRIVED",
            field="repairId",
        )
    technician = await get_staff(session, technician_id, order.site_id, "technicianId")
    order.technician_id = technician.id
    await session.flush()
    return order


# --- PM-7 / PM-8 monthly figures, today's desk ---------------------------------------------------


def month_bounds(site: Site, month: date) -> tuple[datetime, datetime]:
    """The site-local calendar month containing ``month`` as [start, end) instants."""
    zone = site_zone(site)
    first = month.replace(day=1)
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(after, time(0), tzinfo=zone),
    )


async def project_month(
    session: AsyncSession, site: Site, month: date
) -> tuple[rules.MonthlySummary, list[rules.RepairRates], list[rules.RepairRates]]:
    """PM-7: the project's complaint summary of a site-local month (fixed on time / overdue /
    open, revisited with the customer's signature); PM-8: its repair rates per project and
    per technician."""
    start, end = month_bounds(site, month)
    complaints = (
        await session.scalars(
            select(Complaint).where(
                Complaint.site_id == site.id, Complaint.filed_at >= start, Complaint.filed_at < end
            )
        )
    ).all()
    signed = set(
        (
            await session.scalars(
                select(Revisit.complaint_id).where(
                    Revisit.complaint_id.in_([c.id for c in complaints])
                )
            )
        ).all()
    )
    facts = [
        rules.ComplaintFacts(
            project=site.name,
            severity=c.severity,
            received_at=c.filed_at,
            fixed_on_time=None
            if c.resolved_at is None
            else bool(c.resolution_due is None or c.resolved_at <= c.resolution_due),
            revisited=c.id in signed,
        )
        for c in complaints
    ]
    summary = rules.monthly_summary(facts, month, site_zone(site)) or [
        rules.MonthlySummary(site.name, month.replace(day=1), 0, 0, 0, 0, 0, 0, 0)
    ]
    orders = (
        await session.scalars(
            select(RepairOrder).where(
                RepairOrder.site_id == site.id,
                RepairOrder.agreed_at >= start,
                RepairOrder.agreed_at < end,
            )
        )
    ).all()
    repair_facts = [
        rules.RepairFacts(o.technician_id, site.name, o.on_time, o.spot_check_passed)
        for o in orders
    ]
    return (
        summary[0],
        rules.repair_rates(repair_facts, by="project"),
        rules.repair_rates(repair_facts, by="technician"),
    )


async def technician_month(
    session: AsyncSession, *, staff_id: int, month: date
) -> tuple[Any, list[RepairOrder], rules.RepairRates]:
    """PM-8: a technician's repair orders of a site-local month (by agreed time) and their
    on-time and pass rates."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId")
    site = await _site(session, staff.site_id)
    start, end = month_bounds(site, month)
    orders = list(
        (
            await session.scalars(
                select(RepairOrder)
                .where(
                    RepairOrder.technician_id == staff.id,
                    RepairOrder.agreed_at >= start,
                    RepairOrder.agreed_at < end,
                )
                .order_by(RepairOrder.agreed_at, RepairOrder.id)
            )
        ).all()
    )
    rates = rules.repair_rates(
        [rules.RepairFacts(staff.id, site.name, o.on_time, o.spot_check_passed) for o in orders]
    )
    empty = rules.RepairRates(str(staff.id), 0, 0, None, 0, 0, None)
    return staff, orders, rates[0] if rates else empty


def day_bounds(site: Site, day: date) -> tuple[datetime, datetime]:
    """The site-local calendar day ``day`` as [start, end) instants."""
    zone = site_zone(site)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def closing_verdict(severity: str, channel: str, done: Any) -> rules.Verdict:
    """PM-6: every required step is recorded (``report`` for a major complaint); PM-2: a
    written complaint's reply was sent (after the supervisor's approval)."""
    done = list(done)
    verdict = rules.close_decision(severity, [s for s in done if s in HANDLING_STEPS])
    if verdict.allowed and channel == "written" and REPLY_PREFIX + "sent" not in done:
        return rules.Verdict(
            False,
            Reason(
                "PM-2",
                "a written complaint is closed only after its reply was approved by the "
                "supervisor and sent",
            ),
        )
    return verdict


@dataclass(frozen=True)
class ComplaintClock:
    """PM-5: the running clock of an open complaint (fix, then revisit)."""

    complaint: Complaint
    due: datetime | None
    minutes_left: int | None
    reason: Reason


def complaint_clock(complaint: Complaint, now: datetime, zone: Any) -> ComplaintClock:
    """PM-5: a major complaint is fixed within 1 working day, revisited within 1 week of the
    fix; the clock shown is the one running (fix until resolved, then the revisit)."""
    if complaint.resolved_at is None:
        due, what = complaint.special_case_due if complaint.special_case_at else None, "fix"
        due = due or complaint.resolution_due
    elif complaint.revisited_at is None:
        due, what = complaint.revisit_due, "revisit"
    else:
        due, what = None, "close"
    if due is None:
        return ComplaintClock(
            complaint,
            None,
            None,
            Reason("PM-5", f"{complaint.number}: revisited; to be closed (PM-6 steps)"),
        )
    left = int((due - now).total_seconds() // 60)
    local = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    state = f"{left} minute(s) left" if left >= 0 else f"overdue by {-left} minute(s)"
    return ComplaintClock(
        complaint,
        due,
        left,
        Reason(
            "PM-5",
            f"{complaint.severity} complaint {complaint.number}: {what} due by {local} ({state})",
        ),
    )


async def transition_refusal(
    session: AsyncSession, complaint: Complaint, target: str
) -> Reason | None:
    """PM-5 / PM-6 / PM-2: why core's complaint may not move to ``target`` (None: it may)."""
    if target not in ("revisited", "closed"):
        return None
    steps = (
        await session.scalars(
            select(HandlingStep.step).where(HandlingStep.complaint_id == complaint.id)
        )
    ).all()
    if target == "revisited":
        signed = await session.scalar(
            select(Revisit.id).where(
                Revisit.complaint_id == complaint.id,
                Revisit.revisited_at >= complaint.resolved_at,
            )
        )
        if signed is None:
            return Reason(
                "PM-5",
                "the revisit record is signed by the customer: record it with "
                "recordComplaintRevisit first",
            )
        return None
    verdict = closing_verdict(complaint.severity, complaint.channel, steps)
    return None if verdict.allowed else verdict.reason


# --- PM-5 satisfaction-survey follow-up ----------------------------------------------------------


def _not_future(moment: datetime, now: datetime, field: str, code: str) -> datetime:
    moment = _aware(moment, field)
    if moment > now:
        raise InvalidInput(f"{field} {moment.isoformat()} is in the future", code=code, field=field)
    return moment


async def _opinion(session: AsyncSession, opinion_id: int) -> SurveyOpinion:
    row = await session.get(SurveyOpinion, opinion_id)
    if row is None:
        raise NotFound(
            f"survey opinion {opinion_id} does not exist",
            code="SURVEY_OPINION_NOT_FOUND",
            field="opinionId",
        )
    return row


def survey_done(row: SurveyOpinion) -> list[str]:
    """PM-5: the follow-up steps taken, in order."""
    stamps = (row.delivered_at, row.measures_at, row.rectified_at, row.revisited_at)
    return [step for step, at in zip(rules.SURVEY_STEPS, stamps, strict=True) if at is not None]


def survey_clock(row: SurveyOpinion, now: datetime, zone: Any) -> rules.SurveyClock:
    """PM-5: the running clock of a survey opinion (from its stored deadlines)."""
    deadlines = rules.SurveyDeadlines(row.opinions_due, row.measures_due, row.revisit_due)
    return rules.survey_clock(deadlines, survey_done(row), now, zone)


async def record_survey_opinion(
    session: AsyncSession,
    *,
    site_id: int,
    customer_name: str,
    opinion: str,
    department: str,
    staff_id: int,
    collected_at: datetime,
    now: datetime,
    resident_id: int | None = None,
) -> tuple[SurveyOpinion, Reason]:
    """PM-5: a satisfaction survey's opinion, collated at ``collected_at``; it is to reach the
    responsible department within 2 days (24:00 of the 2nd day after, site time)."""
    site = await _site(session, site_id)
    staff = await get_staff(session, staff_id, site.id, "actingStaffId")
    if resident_id is not None:
        resident = await session.get(Resident, resident_id)
        if resident is None or resident.site_id != site.id:
            raise NotFound(
                f"resident {resident_id} is not at site {site.id}",
                code="RESIDENT_NOT_FOUND",
                field="residentId",
            )
    collected_at = _not_future(collected_at, now, "collectedAt", "FOLLOW_UP_IN_FUTURE")
    policy = await load_line_policy(session, PropertyPolicy, CODE)
    deadlines = rules.survey_deadlines(collected_at, site_zone(site), policy)
    local = deadlines.opinions_by.astimezone(site_zone(site)).strftime("%Y-%m-%d %H:%M")
    dept = _text(department, "department", 80)
    reason = Reason("PM-5", f"survey opinion for {dept}: to the responsible department by {local}")
    row = SurveyOpinion(
        site_id=site.id,
        resident_id=resident_id,
        customer_name=_text(customer_name, "customerName", 80),
        opinion=_text(opinion, "opinion", 2000),
        department=dept,
        collected_at=collected_at,
        recorded_by_id=staff.id,
        opinions_due=deadlines.opinions_by,
        late_steps=[],
        reasons=[str(reason)],
        closed=False,
    )
    session.add(row)
    await session.flush()
    await _survey_event(session, row, "recorded", reason, now)
    return row, reason


async def _survey_event(
    session: AsyncSession, row: SurveyOpinion, step: str, reason: Reason, now: datetime
) -> None:
    await record_event(
        session,
        stream="property",
        type="property.survey_" + step,
        now=now,
        site_id=row.site_id,
        subject_id=row.id,
        payload={"rule": reason.rule, "step": step, "message": reason.message},
    )


async def record_survey_step(
    session: AsyncSession,
    *,
    opinion_id: int,
    step: str,
    staff_id: int,
    at: datetime,
    now: datetime,
    measures: str | None = None,
    signed_by: str | None = None,
    satisfaction: str | None = None,
) -> tuple[SurveyOpinion, Reason]:
    """PM-5: the next follow-up step of a survey opinion — ``delivered`` (to the department),
    ``measures`` (its written measures, within 3 days of receiving), ``rectified``,
    ``revisited`` (signed by the customer, within 2 weeks of the rectification).  In order,
    each once (SURVEY_OUT_OF_ORDER); late is recorded with its reason, not refused."""
    row = await _opinion(session, opinion_id)
    site = await _site(session, row.site_id)
    staff = await get_staff(session, staff_id, site.id, "actingStaffId")
    done = survey_done(row)
    refusal = rules.survey_step_refusal(done, step)
    if refusal is not None:
        raise Conflict(str(refusal), code="SURVEY_OUT_OF_ORDER", field="step", rule="PM-5")
    field = "revisitedAt" if step == "revisited" else "at"
    at = _not_future(
        at, now, field, "REVISIT_IN_FUTURE" if step == "revisited" else "FOLLOW_UP_IN_FUTURE"
    )
    previous = max(
        [row.collected_at] + [t for t in (row.delivered_at, row.measures_at, row.rectified_at) if t]
    )
    if at < previous:
        raise InvalidInput(
            f"[PM-5] {at.isoformat()} is before the step it follows ({previous.isoformat()})",
            code="FOLLOW_UP_BEFORE_PREVIOUS",
            field=field,
            rule="PM-5",
        )
    policy = await load_line_policy(session, PropertyPolicy, CODE)
    zone = site_zone(site)
    if step == "measures":
        text = _text(measures, "measures", 4000)
    if step == "revisited":
        if not (signed_by and signed_by.strip()):
            raise InvalidInput(
                "[PM-5] the revisit record must be signed by the customer",
                code="SIGNATURE_REQUIRED",
                field="signedBy",
                rule="PM-5",
            )
        if satisfaction not in SATISFACTION:
            raise InvalidInput(
                f"satisfaction is one of {', '.join(SATISFACTION)}",
                code="INVALID_SATISFACTION",
                field="satisfaction",
            )
    due = {
        "delivered": row.opinions_due,
        "measures": row.measures_due,
        "rectified": None,
        "revisited": row.revisit_due,
    }[step]
    verdict = rules.survey_step_decision(step, at, due, zone)
    if step == "delivered":
        row.delivered_at, row.delivered_by_id = at, staff.id
        row.measures_due = rules.survey_deadlines(
            row.collected_at, zone, policy, delivered_at=at
        ).measures_by
    elif step == "measures":
        row.measures_at, row.measures_by_id, row.measures = at, staff.id, text
    elif step == "rectified":
        row.rectified_at, row.rectified_by_id = at, staff.id
        row.revisit_due = rules.survey_deadlines(
            row.collected_at, zone, policy, rectified_at=at
        ).revisit_by
    else:
        row.revisited_at, row.revisited_by_id = at, staff.id
        row.signed_by, row.satisfaction = _text(signed_by, "signedBy", 80), satisfaction
        row.closed = True
    if not verdict.allowed:
        row.late_steps = [*row.late_steps, step]
    row.reasons = [*row.reasons, str(verdict.reason)]
    await session.flush()
    await _survey_event(session, row, step, verdict.reason, now)
    return row, verdict.reason


# --- PM-5 paid special services ------------------------------------------------------------------


async def _paid(session: AsyncSession, service_id: int) -> PaidService:
    row = await session.get(PaidService, service_id)
    if row is None:
        raise NotFound(
            f"paid service {service_id} does not exist",
            code="PAID_SERVICE_NOT_FOUND",
            field="serviceId",
        )
    return row


async def record_paid_service(
    session: AsyncSession,
    *,
    site_id: int,
    unit_id: int,
    description: str,
    fee: Decimal | str,
    staff_id: int,
    performed_at: datetime,
    now: datetime,
    resident_id: int | None = None,
) -> tuple[PaidService, Reason]:
    """PM-5: a paid special service as performed, with its fee (above 0)."""
    site = await _site(session, site_id)
    unit = await _unit(session, site, unit_id)
    staff = await get_staff(session, staff_id, site.id, "actingStaffId")
    if resident_id is not None:
        resident = await session.get(Resident, resident_id)
        if resident is None or resident.unit_id != unit.id:
            raise NotFound(
                f"resident {resident_id} does not live in unit {unit.id}",
                code="RESIDENT_NOT_FOUND",
                field="residentId",
            )
    try:
        amount = Decimal(fee)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(
            "the fee is an amount of money", code="INVALID_FEE", field="fee"
        ) from None
    refusal = rules.paid_service_refusal(amount)
    if refusal is not None:
        raise InvalidInput(str(refusal), code="INVALID_FEE", field="fee", rule="PM-5")
    performed_at = _not_future(performed_at, now, "performedAt", "FOLLOW_UP_IN_FUTURE")
    row = PaidService(
        site_id=site.id,
        unit_id=unit.id,
        resident_id=resident_id,
        description=_text(description, "description", 2000),
        fee=amount.quantize(Decimal("0.01")),
        performed_at=performed_at,
        performed_by_id=staff.id,
        done=False,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row, rules.paid_service_state(False, False)


async def deliver_payment_notice(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int,
    delivered_at: datetime,
    received_by: str | None,
    now: datetime,
) -> tuple[PaidService, Reason]:
    """PM-5: the payment notice (缴费通知单) delivered to the customer, once."""
    row = await _paid(session, service_id)
    staff = await get_staff(session, staff_id, row.site_id, "actingStaffId")
    if row.notice_delivered_at is not None:
        raise Conflict(
            "[PM-5] the payment notice is already delivered",
            code="NOTICE_DELIVERED",
            field="serviceId",
            rule="PM-5",
        )
    delivered_at = _not_future(delivered_at, now, "deliveredAt", "FOLLOW_UP_IN_FUTURE")
    if delivered_at < row.performed_at:
        raise InvalidInput(
            "[PM-5] the payment notice follows the service",
            code="FOLLOW_UP_BEFORE_PREVIOUS",
            field="deliveredAt",
            rule="PM-5",
        )
    row.notice_delivered_at, row.notice_delivered_by_id = delivered_at, staff.id
    row.notice_received_by = _text(received_by, "receivedBy", 80) if received_by else None
    row.done = row.revisited_at is not None
    await session.flush()
    reason = rules.paid_service_state(True, row.revisited_at is not None)
    await _paid_event(session, row, "notice_delivered", reason, now)
    return row, reason


async def record_paid_service_revisit(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int,
    revisited_at: datetime,
    satisfaction: str,
    note: str | None,
    now: datetime,
) -> tuple[PaidService, Reason]:
    """PM-5: the phone revisit about the customer's satisfaction with the service, once."""
    row = await _paid(session, service_id)
    staff = await get_staff(session, staff_id, row.site_id, "actingStaffId")
    if row.revisited_at is not None:
        raise Conflict(
            "[PM-5] the phone revisit is already recorded",
            code="ALREADY_REVISITED",
            field="serviceId",
            rule="PM-5",
        )
    if satisfaction not in SATISFACTION:
        raise InvalidInput(
            f"satisfaction is one of {', '.join(SATISFACTION)}",
            code="INVALID_SATISFACTION",
            field="satisfaction",
        )
    revisited_at = _not_future(revisited_at, now, "revisitedAt", "REVISIT_IN_FUTURE")
    if revisited_at < row.performed_at:
        raise InvalidInput(
            "[PM-5] the phone revisit follows the service",
            code="FOLLOW_UP_BEFORE_PREVIOUS",
            field="revisitedAt",
            rule="PM-5",
        )
    row.revisited_at, row.revisited_by_id, row.satisfaction = revisited_at, staff.id, satisfaction
    row.revisit_note = _text(note, "note", 2000) if note else None
    row.done = row.notice_delivered_at is not None
    await session.flush()
    reason = rules.paid_service_state(row.notice_delivered_at is not None, True)
    await _paid_event(session, row, "revisited", reason, now)
    return row, reason


async def _paid_event(
    session: AsyncSession, row: PaidService, what: str, reason: Reason, now: datetime
) -> None:
    await record_event(
        session,
        stream="property",
        type="property.paid_service_" + what,
        now=now,
        site_id=row.site_id,
        subject_id=row.id,
        payload={"rule": "PM-5", "message": reason.message, "fee": str(row.fee)},
    )


# --- PM-2 / PM-4 incident reports ----------------------------------------------------------------


async def report_incident(
    session: AsyncSession,
    *,
    complaint_id: int,
    kind: str,
    staff_id: int,
    reported_to: str,
    summary: str,
    now: datetime,
    reported_at: datetime | None = None,
    reported_to_staff_id: int | None = None,
    written_complaint_attached: bool = False,
) -> tuple[IncidentReport, Reason]:
    """PM-2 / PM-4: report a serious (major) or unresolved complaint upward with an incident
    report — who, when, what, to whom; it is the complaint's PM-6 "report" step (recorded
    with it when missing) and the event ``property.incident_reported`` on the complaint
    stream (subscriptions, webhooks)."""
    complaint = await _complaint(session, complaint_id)
    staff = await get_staff(session, staff_id, complaint.site_id, "actingStaffId")
    to_staff = None
    if reported_to_staff_id is not None:
        to_staff = await get_staff(
            session, reported_to_staff_id, complaint.site_id, "reportedToStaffId"
        )
    to = _text(reported_to, "reportedTo", 120)
    what = _text(summary, "summary", 4000)
    at = _not_future(reported_at or now, now, "reportedAt", "FOLLOW_UP_IN_FUTURE")
    if at < complaint.filed_at:
        raise InvalidInput(
            f"[PM-2] reportedAt {at.isoformat()} is before the complaint was received",
            code="FOLLOW_UP_BEFORE_PREVIOUS",
            field="reportedAt",
            rule="PM-2",
        )
    refusal = rules.incident_report_refusal(
        kind,
        complaint.severity,
        complaint.resolved_at is not None,
        complaint.channel == "written",
        bool(written_complaint_attached),
    )
    if refusal is not None:
        field = "writtenComplaintAttached" if "written complaint" in refusal.message else "kind"
        raise Conflict(str(refusal), code="INCIDENT_NOT_REPORTABLE", field=field, rule=refusal.rule)
    whom = to + (f" ({to_staff.name})" if to_staff is not None else "")
    reason = Reason(
        "PM-4" if kind == "serious" else "PM-2",
        f"{staff.name} reported complaint {complaint.number} ({kind}) upward to {whom} with an "
        "incident report"
        + (" and the customer's written complaint" if written_complaint_attached else ""),
    )
    row = IncidentReport(
        complaint_id=complaint.id,
        kind=kind,
        reported_by_id=staff.id,
        reported_at=at,
        reported_to=to,
        reported_to_staff_id=to_staff.id if to_staff is not None else None,
        summary=what,
        written_complaint_attached=bool(written_complaint_attached),
        reason=str(reason),
    )
    session.add(row)
    has_report = await session.scalar(
        select(HandlingStep.id).where(
            HandlingStep.complaint_id == complaint.id, HandlingStep.step == "report"
        )
    )
    if has_report is None:
        session.add(
            HandlingStep(
                complaint_id=complaint.id,
                step="report",
                staff_id=staff.id,
                at=at,
                next_reply_at=None,
                customer_confirmed=False,
                note=f"incident report to {whom}",
            )
        )
    await session.flush()
    await record_event(
        session,
        stream="complaints",
        type="property.incident_reported",
        now=now,
        site_id=complaint.site_id,
        subject_id=complaint.id,
        payload={
            "rule": reason.rule,
            "kind": kind,
            "reportId": row.id,
            "reportedById": staff.id,
            "reportedAt": at.isoformat(),
            "reportedTo": to,
            "reportedToStaffId": row.reported_to_staff_id,
            "summary": what,
            "number": complaint.number,
            "message": reason.message,
        },
    )
    return row, reason
