"""Property-management GraphQL (PM-1 … PM-9): units and residents, the visitor register with
night duty, the written-reply and five-step handling records of core's complaints, signed
revisits, repair orders, today's front desk, a technician's month and a project's month.

Complaints themselves are core's (``fileComplaint``, ``transitionComplaint``): the line gives
their severity and clocks (PM-4 / PM-5, ``frontdesk_complaint_policy``), refuses to let them
be revisited without the customer's signature or closed with a step missing
(``frontdesk_validate_complaint_transition``), and adds ``Complaint.property``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy import not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.plugin_api import (
    After,
    Before,
    Complaint,
    Connection,
    Decision,
    First,
    InvalidInput,
    Last,
    Money,
    Node,
    NotFound,
    PermissionDenied,
    Reason,
    Shift,
    Site,
    SiteType,
    Staff,
    StaffType,
    get_line_site,
    legacy_id,
    line_link,
    line_node,
    line_page,
    line_write,
    load_line_policy,
    node_id,
    now,
    parse_id,
    read_session,
    site_zone,
    write_session,
)
from plugins.property import CODE, rules, service
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
from plugins.property.policy import PropertyPolicy

# --- enums ----------------------------------------------------------------------------------------


@strawberry.enum(
    name="PropertyHandlingStep",
    description="PM-6: the five clears and one report (五清楚一报告), in order.",
)
class HandlingStepKind(enum.Enum):
    LISTEN = strawberry.enum_value("listen", description="Listen clearly to the complaint.")
    ASK = strawberry.enum_value("ask", description="Ask clearly about what happened.")
    FOLLOW = strawberry.enum_value("follow", description="Follow up clearly on the handling.")
    REPLY = strawberry.enum_value(
        "reply", description="Reply clearly, giving the next reply time (nextReplyAt)."
    )
    RECORD = strawberry.enum_value(
        "record", description="Record clearly, confirmed by the customer (customerConfirmed)."
    )
    REPORT = strawberry.enum_value(
        "report", description="Report upward (required to close a major complaint only)."
    )


@strawberry.enum(
    name="PropertyReplyStep",
    description="PM-2: the steps of a written complaint's reply, in order.",
)
class ReplyStepKind(enum.Enum):
    DRAFTED = strawberry.enum_value("drafted", description="The reply is drafted.")
    APPROVED = strawberry.enum_value(
        "approved", description="The supervisor approved the reply (a supervisor or above)."
    )
    SENT = strawberry.enum_value("sent", description="The approved reply was sent.")


@strawberry.enum(
    name="PropertySatisfaction", description="PM-5: the customer's satisfaction at the revisit."
)
class Satisfaction(enum.Enum):
    VERY_SATISFIED = strawberry.enum_value("very_satisfied", description="Very satisfied.")
    SATISFIED = strawberry.enum_value("satisfied", description="Satisfied.")
    NEUTRAL = strawberry.enum_value("neutral", description="Neither satisfied nor not.")
    DISSATISFIED = strawberry.enum_value("dissatisfied", description="Dissatisfied.")


@strawberry.enum(name="PropertyRepairStatus", description="PM-8: where a repair order stands.")
class RepairStatus(enum.Enum):
    SCHEDULED = strawberry.enum_value(
        "scheduled", description="Appointment made and dispatched; not arrived."
    )
    ARRIVED = strawberry.enum_value("arrived", description="The technician arrived.")
    IN_PROGRESS = strawberry.enum_value(
        "in_progress", description="Work started (fee told and accepted)."
    )
    COMPLETED = strawberry.enum_value("completed", description="Signed by the customer.")


# --- helpers ------------------------------------------------------------------------------------


def _decision(reason: Reason | str | None) -> Decision | None:
    """A stored ``"[RULE] message"`` (or a Reason) as a Decision."""
    if reason is None or reason == "":
        return None
    if isinstance(reason, Reason):
        return Decision(rule=reason.rule, message=reason.message)
    text = str(reason)
    if text.startswith("[") and "] " in text:
        rule, message = text[1:].split("] ", 1)
        return Decision(rule=rule, message=message)
    return Decision(rule="PM", message=text)


def masked(phone: str | None) -> str | None:
    """C-13: a mobile with its middle four digits hidden (138****5678)."""
    if phone is None:
        return None
    return phone[:3] + "****" + phone[7:] if len(phone) == 11 else "****"


def _sees_private(info: Info) -> bool:
    actor = info.context.actor
    return actor is not None and actor.can("private")


def _staff_arg(info: Info, given: strawberry.ID | None, field: str) -> int:
    """Who does this: the token's own staff member, or the staff member named.  Naming
    someone else is acting on their behalf and needs the ``act_for`` permission (C-13), as in
    core's mutations: a desk token cannot register a visitor as the night duty manager."""
    actor = info.context.actor
    own = getattr(actor, "staff_id", None) if actor is not None else None
    if given is not None:
        staff_id = parse_id(given, field, of="Staff")
        if own is not None and staff_id == own:
            return staff_id
        if actor is not None and not actor.can("act_for"):
            raise PermissionDenied(
                f"this token acts as staff member {own}; recording this as staff member "
                f"{staff_id} needs the 'act_for' permission (C-13): omit {field} to act as "
                "yourself",
                code="FORBIDDEN",
                permission="act_for",
                field=field,
            )
        return staff_id
    if own is not None:
        return int(own)
    raise InvalidInput(
        f"say who does this ({field}), or use an API token bound to a staff member",
        code="MISSING_FIELD",
        field=field,
    )


# --- types --------------------------------------------------------------------------------------


@strawberry.type(description="A unit of a property project: building and number.")
class PropertyUnit(Node):
    global_id = node_id("PropertyUnit")
    id: int = legacy_id()
    building: str = strawberry.field(description="The building (楼栋).")
    number: str = strawberry.field(description="The unit number (房号).")
    site_id: strawberry.Private[int]
    site: SiteType | None = line_link(Site, "site_id", SiteType | None, description="The project.")

    @strawberry.field(description="The unit's residents and companies, oldest first.")
    async def residents(self, info: Info) -> list[PropertyResident]:
        async with read_session(info) as s:
            rows = await s.scalars(
                select(Resident).where(Resident.unit_id == self.id).order_by(Resident.id)
            )
            return [resident_view(r) for r in rows]


@strawberry.type(description="A resident (household member) or a company occupying a unit.")
class PropertyResident(Node):
    global_id = node_id("PropertyResident")
    id: int = legacy_id()
    name: str = strawberry.field(description="The resident's name.")
    company: str | None = strawberry.field(description="The company, for a business tenant.")
    unit_id: strawberry.Private[int]
    full_phone: strawberry.Private[str | None]
    unit: PropertyUnit | None = line_link(
        Unit, "unit_id", PropertyUnit | None, description="The unit.", view=lambda r: unit_view(r)
    )

    @strawberry.field(description="C-13: full for who may see private data, else masked.")
    def phone(self, info: Info) -> str | None:
        return self.full_phone if _sees_private(info) else masked(self.full_phone)


@strawberry.type(description="PM-1: a resident's visitor in the register.")
class PropertyVisitor(Node):
    global_id = node_id("PropertyVisitor")
    id: int = legacy_id()
    visitor_name: str = strawberry.field(description="The visitor's name.")
    contact_method: str = strawberry.field(
        description="PM-1: how the front desk contacted the resident (phone, intercom …)."
    )
    resident_confirmed_at: datetime = strawberry.field(
        description="PM-1: when the resident confirmed the visitor."
    )
    registered_at: datetime = strawberry.field(description="When the visitor was registered.")
    night_duty: bool = strawberry.field(
        description="PM-1: registered in the night-duty window (20:00–08:00 site time)."
    )
    decision: Decision | None = strawberry.field(description="PM-1: who registered, and why.")
    unit_id: strawberry.Private[int]
    resident_id: strawberry.Private[int]
    registered_by_id: strawberry.Private[int]
    unit: PropertyUnit | None = line_link(
        Unit,
        "unit_id",
        PropertyUnit | None,
        description="The unit visited.",
        view=lambda r: unit_view(r),
    )
    resident: PropertyResident | None = line_link(
        Resident,
        "resident_id",
        PropertyResident | None,
        description="The resident who confirmed.",
        view=lambda r: resident_view(r),
    )
    registered_by: StaffType | None = line_link(
        Staff, "registered_by_id", StaffType | None, description="Who registered the visitor."
    )


@strawberry.type(description="PM-8: one line of a repair's fee.")
class PropertyFeeLine:
    item: str = strawberry.field(description="What was charged (part, labour …).")
    amount: Money = strawberry.field(description="CNY.")


@strawberry.type(description="PM-8: a repair order from appointment to signature and spot check.")
class PropertyRepairOrder(Node):
    global_id = node_id("PropertyRepairOrder")
    id: int = legacy_id()
    speciality: str = strawberry.field(description="The trade needed (plumbing, electrical …).")
    description: str = strawberry.field(description="What is to be repaired.")
    status: RepairStatus = strawberry.field(description="Where the order stands.")
    agreed_at: datetime = strawberry.field(description="PM-8: the appointment time agreed.")
    rescheduled_to: datetime | None = strawberry.field(
        description="PM-8: a new time the customer agreed to (replaces agreedAt for lateness)."
    )
    arrived_at: datetime | None = strawberry.field(description="When the technician arrived.")
    on_time: bool | None = strawberry.field(
        description="PM-8: at or before the agreed time + 10 minutes; null before arrival."
    )
    fee_quoted: Money | None = strawberry.field(description="PM-8: the fee told before work.")
    fee_accepted: bool = strawberry.field(description="PM-8: the customer accepted the fee.")
    furniture_consent: bool = strawberry.field(
        description="PM-8: the customer consented to furniture being moved."
    )
    started_at: datetime | None = strawberry.field(description="When work started.")
    fee_lines: list[PropertyFeeLine] = strawberry.field(description="PM-8: the fee as charged.")
    signed_by: str | None = strawberry.field(description="PM-8: the customer who signed.")
    completed_at: datetime | None = strawberry.field(description="When the customer signed.")
    spot_check_passed: bool | None = strawberry.field(
        description="PM-8: the spot-check revisit passed (true) or failed (false); null: none."
    )
    spot_checked_at: datetime | None = strawberry.field(description="When it was spot-checked.")
    decision: Decision | None = strawberry.field(
        description="PM-8: the arrival, on time or late, and why; null before arrival."
    )
    unit_id: strawberry.Private[int]
    resident_id: strawberry.Private[int | None]
    technician_id: strawberry.Private[int]
    unit: PropertyUnit | None = line_link(
        Unit, "unit_id", PropertyUnit | None, description="The unit.", view=lambda r: unit_view(r)
    )
    resident: PropertyResident | None = line_link(
        Resident,
        "resident_id",
        PropertyResident | None,
        description="The resident who asked for it.",
        view=lambda r: resident_view(r),
    )
    technician: StaffType | None = line_link(
        Staff, "technician_id", StaffType | None, description="The technician dispatched."
    )


@strawberry.type(description="PM-6 / PM-2: a step of a complaint's handling, with who and when.")
class PropertyHandlingRecord(Node):
    global_id = node_id("PropertyHandlingRecord")
    id: int = legacy_id()
    step: str = strawberry.field(
        description="A PM-6 step (listen, ask, follow, reply, record, report) or a PM-2 reply "
        "step (reply_drafted, reply_approved, reply_sent)."
    )
    at: datetime = strawberry.field(description="When the step was taken.")
    next_reply_at: datetime | None = strawberry.field(
        description="PM-6 reply: the next reply time given to the customer."
    )
    customer_confirmed: bool = strawberry.field(
        description="PM-6 record: the customer confirmed the record."
    )
    note: str | None = strawberry.field(description="A note for the record.")
    staff_id: strawberry.Private[int]
    complaint_key: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, description="Who took the step."
    )

    @strawberry.field(description="The complaint's global id (refetch it with `node(id:)`).")
    def complaint_id(self) -> strawberry.ID:
        return _gid("Complaint", self.complaint_key)


@strawberry.type(description="PM-5: a complaint's revisit, signed by the customer.")
class PropertyRevisit(Node):
    global_id = node_id("PropertyRevisit")
    id: int = legacy_id()
    revisited_at: datetime = strawberry.field(description="When the customer was revisited.")
    signed_by: str = strawberry.field(description="PM-5: the customer who signed the record.")
    satisfaction: Satisfaction = strawberry.field(description="The customer's satisfaction.")
    in_time: bool = strawberry.field(
        description="PM-5: within 1 week (major) / 2 weeks (general) of the fix."
    )
    decision: Decision | None = strawberry.field(description="PM-5: in time or not, and why.")
    staff_id: strawberry.Private[int]
    complaint_key: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, description="Who revisited."
    )

    @strawberry.field(description="The complaint's global id (refetch it with `node(id:)`).")
    def complaint_id(self) -> strawberry.ID:
        return _gid("Complaint", self.complaint_key)


@strawberry.type(
    description="The property line's record of a complaint: the PM-6 steps, the PM-2 reply "
    "steps, the PM-5 revisits, and whether it may be closed."
)
class PropertyComplaintHandling:
    steps: list[PropertyHandlingRecord] = strawberry.field(
        description="Every recorded step (PM-6 and PM-2), oldest first."
    )
    missing_steps: list[HandlingStepKind] = strawberry.field(
        description="PM-6: the steps still missing before the complaint may be closed."
    )
    revisits: list[PropertyRevisit] = strawberry.field(description="PM-5: the signed revisits.")
    incident_reports: list[PropertyIncidentReport] = strawberry.field(
        description="PM-2 / PM-4: the incident reports sent upward, oldest first."
    )
    close_decision: Decision = strawberry.field(
        description="PM-6 (and PM-2 for a written complaint): may it be closed now, and why."
    )


@strawberry.type(description="PM-4 / PM-5: an open major complaint and its clocks.")
class PropertyComplaintClock:
    complaint_id: strawberry.ID = strawberry.field(
        description="The complaint's global id (refetch it with `node(id:)`)."
    )
    number: str = strawberry.field(description="C-6: the complaint's number.")
    category: str = strawberry.field(description="PM-4: what made it major.")
    status: str = strawberry.field(description="C-9: its state (lower case).")
    filed_at: datetime = strawberry.field(description="When it was received.")
    resolution_due: datetime | None = strawberry.field(
        description="PM-5: 24:00 of the 1st working day after the day of receipt."
    )
    revisit_due: datetime | None = strawberry.field(
        description="PM-5: 24:00 of the 7th day after the fix; null before the fix."
    )
    minutes_left: int | None = strawberry.field(
        description="Minutes until the running clock's due time (negative: overdue)."
    )
    decision: Decision = strawberry.field(description="The running clock, in a sentence.")


@strawberry.type(description="PM-1: a night duty manager on the roster.")
class PropertyNightDuty:
    starts_at: datetime = strawberry.field(description="The shift's start.")
    ends_at: datetime = strawberry.field(description="The shift's end (the next morning).")
    on_duty_now: bool = strawberry.field(description="The shift covers the current time.")
    staff_id: strawberry.Private[int]
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, description="The night duty manager (物业总值)."
    )


@strawberry.type(description="Today's property front desk (site time).")
class PropertyFrontDesk:
    day: date = strawberry.field(name="date", description="The site-local date shown.")
    night_window: str = strawberry.field(
        description="PM-1: the night-duty window, e.g. 20:00–08:00."
    )
    night_now: bool = strawberry.field(
        description="PM-1: the current time is in the night window (the night duty registers)."
    )
    night_duty: list[PropertyNightDuty] = strawberry.field(
        description="PM-1: the night duty managers rostered for the night starting on `date`."
    )
    visitors: list[PropertyVisitor] = strawberry.field(
        description="PM-1: the visitors registered on `date`, oldest first (at most 200; page "
        "with `propertyVisitors`)."
    )
    open_major_complaints: list[PropertyComplaintClock] = strawberry.field(
        description="PM-4 / PM-5: open major complaints with their clocks, most urgent first."
    )
    survey_follow_ups: list[PropertySurveyOpinion] = strawberry.field(
        description="PM-5: satisfaction-survey opinions whose follow-up is not complete, with "
        "their running clocks, overdue and most urgent first (at most 200)."
    )
    paid_services_pending: list[PropertyPaidService] = strawberry.field(
        description="PM-5: paid special services still missing their payment notice or phone "
        "revisit, oldest first (at most 200)."
    )
    site_id: strawberry.Private[int]
    site: SiteType | None = line_link(Site, "site_id", SiteType | None, description="The project.")


@strawberry.type(description="PM-8: on-time and pass rates of a group of repair orders.")
class PropertyRepairRates:
    arrivals: int = strawberry.field(description="Orders with an arrival recorded.")
    on_time: int = strawberry.field(description="Of those, on time (PM-8).")
    on_time_rate: Decimal | None = strawberry.field(
        description="onTime / arrivals, 4 places; null without arrivals."
    )
    spot_checked: int = strawberry.field(description="Orders spot-checked (PM-8).")
    passed: int = strawberry.field(description="Of those, passed.")
    pass_rate: Decimal | None = strawberry.field(
        description="passed / spotChecked, 4 places; null without spot checks."
    )
    technician_key: strawberry.Private[int | None]
    technician: StaffType | None = line_link(
        Staff,
        "technician_key",
        StaffType | None,
        description="The technician (per-technician rates); null for a whole project.",
    )


@strawberry.type(description="PM-8: a technician's month.")
class PropertyTechnicianMonth:
    month: date = strawberry.field(description="The month's first day (site time).")
    repairs: list[PropertyRepairOrder] = strawberry.field(
        description="The repair orders agreed in the month, by agreed time."
    )
    rates: PropertyRepairRates = strawberry.field(description="PM-8: on-time and pass rates.")
    staff_id: strawberry.Private[int]
    technician: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, description="The technician."
    )


@strawberry.type(description="PM-7: a project's monthly complaint summary, and PM-8's rates.")
class PropertyProjectMonth:
    month: date = strawberry.field(description="The month's first day (site time).")
    complaints: int = strawberry.field(description="Complaints received in the month.")
    major: int = strawberry.field(description="PM-4: major ones.")
    general: int = strawberry.field(description="General ones.")
    fixed_on_time: int = strawberry.field(description="PM-5: fixed by their deadline.")
    overdue: int = strawberry.field(description="PM-5: fixed after their deadline.")
    open: int = strawberry.field(description="Not fixed yet.")
    revisited: int = strawberry.field(description="PM-5: with a revisit signed by the customer.")
    decision: Decision = strawberry.field(description="PM-7: the summary in a sentence.")
    repairs: PropertyRepairRates = strawberry.field(description="PM-8: the project's rates.")
    technicians: list[PropertyRepairRates] = strawberry.field(
        description="PM-8: the rates per technician, by staff id."
    )
    survey_opinions: int = strawberry.field(
        description="PM-5: satisfaction-survey opinions collated in the month."
    )
    survey_late: int = strawberry.field(
        description="PM-5: of those, with a follow-up step taken late or overdue now."
    )
    paid_services: int = strawberry.field(
        description="PM-5: paid special services performed in the month."
    )
    paid_services_pending: int = strawberry.field(
        description="PM-5: of those, still missing their payment notice or phone revisit."
    )
    site_id: strawberry.Private[int]
    site: SiteType | None = line_link(Site, "site_id", SiteType | None, description="The project.")


# --- views --------------------------------------------------------------------------------------


def _gid(type_name: str, key: int) -> strawberry.ID:
    from core.plugin_api import global_id

    return global_id(type_name, key)  # type: ignore[return-value]


def unit_view(row: Unit) -> PropertyUnit:
    return PropertyUnit(id=row.id, building=row.building, number=row.number, site_id=row.site_id)


def resident_view(row: Resident) -> PropertyResident:
    return PropertyResident(
        id=row.id, name=row.name, company=row.company, unit_id=row.unit_id, full_phone=row.phone
    )


def visitor_view(row: VisitorRegistration) -> PropertyVisitor:
    return PropertyVisitor(
        id=row.id,
        visitor_name=row.visitor_name,
        contact_method=row.contact_method,
        resident_confirmed_at=row.resident_confirmed_at,
        registered_at=row.registered_at,
        night_duty=row.night_duty,
        decision=_decision(row.reason),
        unit_id=row.unit_id,
        resident_id=row.resident_id,
        registered_by_id=row.registered_by_id,
    )


def repair_view(row: RepairOrder, policy: PropertyPolicy | None = None) -> PropertyRepairOrder:
    decision = None
    if row.arrived_at is not None:
        verdict = rules.arrival_decision(
            row.agreed_at, row.arrived_at, policy or PropertyPolicy(), row.rescheduled_to
        )
        decision = _decision(verdict.reason)
    return PropertyRepairOrder(
        id=row.id,
        speciality=row.speciality,
        description=row.description or "",
        status=RepairStatus(row.status),
        agreed_at=row.agreed_at,
        rescheduled_to=row.rescheduled_to,
        arrived_at=row.arrived_at,
        on_time=row.on_time,
        fee_quoted=row.fee_quoted,
        fee_accepted=row.fee_accepted,
        furniture_consent=row.furniture_consent,
        started_at=row.started_at,
        fee_lines=[
            PropertyFeeLine(item=line["item"], amount=Decimal(line["amount"]))
            for line in row.fee_lines or []
        ],
        signed_by=row.signed_by,
        completed_at=row.completed_at,
        spot_check_passed=row.spot_check_passed,
        spot_checked_at=row.spot_checked_at,
        decision=decision,
        unit_id=row.unit_id,
        resident_id=row.resident_id,
        technician_id=row.technician_id,
    )


def step_view(row: HandlingStep) -> PropertyHandlingRecord:
    return PropertyHandlingRecord(
        id=row.id,
        step=row.step,
        at=row.at,
        next_reply_at=row.next_reply_at,
        customer_confirmed=row.customer_confirmed,
        note=row.note,
        staff_id=row.staff_id,
        complaint_key=row.complaint_id,
    )


def revisit_view(row: Revisit) -> PropertyRevisit:
    return PropertyRevisit(
        id=row.id,
        revisited_at=row.revisited_at,
        signed_by=row.signed_by,
        satisfaction=Satisfaction(row.satisfaction),
        in_time=row.in_time,
        decision=_decision(row.reason),
        staff_id=row.staff_id,
        complaint_key=row.complaint_id,
    )


def rates_view(r: rules.RepairRates, technician: int | None = None) -> PropertyRepairRates:
    return PropertyRepairRates(
        arrivals=r.arrivals,
        on_time=r.on_time,
        on_time_rate=r.on_time_rate,
        spot_checked=r.spot_checked,
        passed=r.passed,
        pass_rate=r.pass_rate,
        technician_key=technician,
    )


def _node(model: Any, view: Any) -> Any:
    async def load(info: Info, key: int) -> Any:
        async with read_session(info) as s:
            row = await s.get(model, key)
            if row is None:
                return None
            return view(row)

    return load


line_node("PropertyUnit", _node(Unit, unit_view))
line_node("PropertyResident", _node(Resident, resident_view))
line_node("PropertyVisitor", _node(VisitorRegistration, visitor_view))
line_node("PropertyRepairOrder", _node(RepairOrder, repair_view))
line_node("PropertyHandlingRecord", _node(HandlingStep, step_view))
line_node("PropertyRevisit", _node(Revisit, revisit_view))


# --- Complaint.property --------------------------------------------------------------------------


def handling_view(
    complaint: Any,
    steps: list[HandlingStep],
    revisits: list[Revisit],
    reports: list[IncidentReport] | None = None,
) -> PropertyComplaintHandling:
    done = [st.step for st in steps]
    verdict = service.closing_verdict(complaint.severity, complaint.channel, done)
    missing = [st for st in rules.required_steps(complaint.severity) if st not in done]
    return PropertyComplaintHandling(
        steps=[step_view(st) for st in steps],
        missing_steps=[HandlingStepKind(st) for st in missing],
        revisits=[revisit_view(r) for r in revisits],
        incident_reports=[incident_view(r) for r in reports or []],
        close_decision=_decision(verdict.reason),  # type: ignore[arg-type]
    )


async def _handling_rows(
    session: AsyncSession, ids: list[int]
) -> tuple[
    dict[int, list[HandlingStep]], dict[int, list[Revisit]], dict[int, list[IncidentReport]]
]:
    """Every step, revisit and incident report of the complaints ``ids``: three SELECTs,
    whatever their number."""
    steps: dict[int, list[HandlingStep]] = {i: [] for i in ids}
    revisits: dict[int, list[Revisit]] = {i: [] for i in ids}
    reports: dict[int, list[IncidentReport]] = {i: [] for i in ids}
    for st in await session.scalars(
        select(HandlingStep)
        .where(HandlingStep.complaint_id.in_(ids))
        .order_by(HandlingStep.at, HandlingStep.id)
    ):
        steps[st.complaint_id].append(st)
    for r in await session.scalars(
        select(Revisit).where(Revisit.complaint_id.in_(ids)).order_by(Revisit.id)
    ):
        revisits[r.complaint_id].append(r)
    for ir in await session.scalars(
        select(IncidentReport)
        .where(IncidentReport.complaint_id.in_(ids))
        .order_by(IncidentReport.reported_at, IncidentReport.id)
    ):
        reports[ir.complaint_id].append(ir)
    return steps, revisits, reports


async def handling_of(session: AsyncSession, complaint: Any) -> PropertyComplaintHandling:
    steps, revisits, reports = await _handling_rows(session, [complaint.id])
    return handling_view(
        complaint, steps[complaint.id], revisits[complaint.id], reports[complaint.id]
    )


async def load_handling(session: AsyncSession, roots: list[Any]) -> dict[Any, Any]:
    """``Complaint.property`` for a page of complaints (null for other lines' complaints),
    in four SELECTs for the page."""
    ids = [r.id for r in roots]
    rows = (
        await session.execute(
            select(Complaint.id, Complaint.severity, Complaint.channel)
            .join(Site, Site.id == Complaint.site_id)
            .where(Complaint.id.in_(ids), Site.business_line == CODE)
        )
    ).all()
    if not rows:
        return {}
    steps, revisits, reports = await _handling_rows(session, [r.id for r in rows])
    return {r.id: handling_view(r, steps[r.id], revisits[r.id], reports[r.id]) for r in rows}


# --- queries ------------------------------------------------------------------------------------

SiteArg = Annotated[strawberry.ID, strawberry.argument(description="The property project (site).")]
MonthArg = Annotated[
    date | None,
    strawberry.argument(description="Any date in the month (site time); this month by default."),
]
DayArg = Annotated[
    date | None, strawberry.argument(description="The site-local date; today by default.")
]
TechnicianArg = Annotated[strawberry.ID, strawberry.argument(description="The technician.")]


async def _project(session: AsyncSession, site_id: Any) -> Site:
    return await get_line_site(
        session, parse_id(site_id, "siteId", of="Site"), CODE, what="a property project"
    )


def _month_arg(site: Site, month: date | None, now_: datetime) -> date:
    return (month or now_.astimezone(site_zone(site)).date()).replace(day=1)


async def property_front_desk(
    info: Info, site_id: SiteArg, date: DayArg = None
) -> PropertyFrontDesk:
    """PM-1 / PM-4 / PM-5: the day's visitors, the night duty and open major complaints."""
    moment = now(info)
    async with read_session(info) as s:
        site = await _project(s, site_id)
        zone = site_zone(site)
        policy = await load_line_policy(s, PropertyPolicy, CODE)
        day = date or moment.astimezone(zone).date()
        start, end = service.day_bounds(site, day)
        visitors = (
            await s.scalars(
                select(VisitorRegistration)
                .where(
                    VisitorRegistration.site_id == site.id,
                    VisitorRegistration.registered_at >= start,
                    VisitorRegistration.registered_at < end,
                )
                .order_by(VisitorRegistration.registered_at, VisitorRegistration.id)
                .limit(200)
            )
        ).all()
        shifts = (
            await s.scalars(
                select(Shift)
                .where(
                    Shift.site_id == site.id,
                    Shift.duty_role == service.NIGHT_DUTY_ROLE,
                    Shift.business_date == day,
                )
                .order_by(Shift.starts_at, Shift.id)
            )
        ).all()
        open_major = (
            await s.scalars(
                select(Complaint).where(
                    Complaint.site_id == site.id,
                    Complaint.severity == rules.MAJOR,
                    Complaint.status != "closed",
                )
            )
        ).all()
        clocks = [service.complaint_clock(c, moment, zone) for c in open_major]
        clocks.sort(key=lambda c: (c.due is None, c.due or moment))
        surveys = [
            survey_view(o, moment, zone)
            for o in (
                await s.scalars(
                    select(SurveyOpinion)
                    .where(SurveyOpinion.site_id == site.id, not_(SurveyOpinion.closed))
                    .order_by(SurveyOpinion.collected_at, SurveyOpinion.id)
                    .limit(200)
                )
            ).all()
        ]
        surveys.sort(key=lambda o: (o.next_due is None, o.next_due or moment))
        pending = (
            await s.scalars(
                select(PaidService)
                .where(PaidService.site_id == site.id, not_(PaidService.done))
                .order_by(PaidService.performed_at, PaidService.id)
                .limit(200)
            )
        ).all()
        return PropertyFrontDesk(
            day=day,
            night_window=f"{policy.night_starts:%H:%M}–{policy.night_ends:%H:%M}",
            night_now=rules.is_night_duty(moment, zone, policy),
            night_duty=[
                PropertyNightDuty(
                    starts_at=sh.starts_at,
                    ends_at=sh.ends_at,
                    on_duty_now=sh.starts_at <= moment < sh.ends_at,
                    staff_id=sh.staff_id,
                )
                for sh in shifts
            ],
            visitors=[visitor_view(v) for v in visitors],
            open_major_complaints=[
                PropertyComplaintClock(
                    complaint_id=_gid("Complaint", c.complaint.id),
                    number=c.complaint.number,
                    category=c.complaint.category,
                    status=c.complaint.status,
                    filed_at=c.complaint.filed_at,
                    resolution_due=c.complaint.resolution_due,
                    revisit_due=c.complaint.revisit_due,
                    minutes_left=c.minutes_left,
                    decision=_decision(c.reason),  # type: ignore[arg-type]
                )
                for c in clocks
            ],
            survey_follow_ups=surveys,
            paid_services_pending=[paid_view(p) for p in pending],
            site_id=site.id,
        )


async def property_visitors(
    info: Info,
    site_id: SiteArg,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[PropertyVisitor]:
    """PM-1: the project's visitor register, newest first."""
    async with read_session(info) as s:
        site = await _project(s, site_id)
        stmt = select(VisitorRegistration).where(VisitorRegistration.site_id == site.id)
        return await line_page(
            info,
            s,
            stmt,
            model=VisitorRegistration,
            type_name="PropertyVisitor",
            first=first,
            after=after,
            last=last,
            before=before,
            order="registered_at",
            view=visitor_view,
        )


async def property_units(
    info: Info,
    site_id: SiteArg,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[PropertyUnit]:
    """The project's units, in the order they were added."""
    async with read_session(info) as s:
        site = await _project(s, site_id)
        return await line_page(
            info,
            s,
            select(Unit).where(Unit.site_id == site.id),
            model=Unit,
            type_name="PropertyUnit",
            first=first,
            after=after,
            last=last,
            before=before,
            descending=False,
            view=unit_view,
            default_page=100,
        )


async def property_technician_month(
    info: Info, staff_id: TechnicianArg, month: MonthArg = None
) -> PropertyTechnicianMonth:
    """PM-8: a technician's repair orders of a month and their on-time and pass rates."""
    moment = now(info)
    async with read_session(info) as s:
        key = parse_id(staff_id, "staffId", of="Staff")
        staff = await s.get(Staff, key)
        if staff is None:
            raise NotFound(f"staff {staff_id} does not exist", code="STAFF_NOT_FOUND")
        site = await _project(s, staff.site_id)
        first_day = _month_arg(site, month, moment)
        policy = await load_line_policy(s, PropertyPolicy, CODE)
        staff, orders, rates = await service.technician_month(s, staff_id=staff.id, month=first_day)
        return PropertyTechnicianMonth(
            month=first_day,
            repairs=[repair_view(o, policy) for o in orders],
            rates=rates_view(rates, staff.id),
            staff_id=staff.id,
        )


async def property_project_month(
    info: Info, site_id: SiteArg, month: MonthArg = None
) -> PropertyProjectMonth:
    """PM-7: the project's monthly complaint summary (with PM-8's repair rates)."""
    moment = now(info)
    async with read_session(info) as s:
        site = await _project(s, site_id)
        first_day = _month_arg(site, month, moment)
        summary, projects, technicians = await service.project_month(s, site, first_day)
        zone = site_zone(site)
        start, end = service.month_bounds(site, first_day)
        opinions = (
            await s.scalars(
                select(SurveyOpinion).where(
                    SurveyOpinion.site_id == site.id,
                    SurveyOpinion.collected_at >= start,
                    SurveyOpinion.collected_at < end,
                )
            )
        ).all()
        paid = (
            await s.scalars(
                select(PaidService).where(
                    PaidService.site_id == site.id,
                    PaidService.performed_at >= start,
                    PaidService.performed_at < end,
                )
            )
        ).all()
        whole = projects[0] if projects else rules.RepairRates(site.name, 0, 0, None, 0, 0, None)
        return PropertyProjectMonth(
            month=first_day,
            complaints=summary.total,
            major=summary.major,
            general=summary.general,
            fixed_on_time=summary.fixed_on_time,
            overdue=summary.overdue,
            open=summary.open,
            revisited=summary.revisited,
            decision=Decision(
                rule="PM-7",
                message=f"{site.name}, {first_day:%Y-%m}: {summary.total} complaint(s) "
                f"({summary.major} major, {summary.general} general); {summary.fixed_on_time} "
                f"fixed on time, {summary.overdue} overdue, {summary.open} open; "
                f"{summary.revisited} revisited with the customer's signature",
            ),
            repairs=rates_view(whole),
            technicians=[rates_view(t, int(t.key)) for t in technicians],
            survey_opinions=len(opinions),
            survey_late=sum(
                bool(o.late_steps) or service.survey_clock(o, moment, zone).overdue
                for o in opinions
            ),
            paid_services=len(paid),
            paid_services_pending=sum(not p.done for p in paid),
            site_id=site.id,
        )


# --- inputs -------------------------------------------------------------------------------------


@strawberry.input(description="A unit of a property project.")
class AddPropertyUnitInput:
    site_id: strawberry.ID = strawberry.field(description="The property project (site).")
    building: str = strawberry.field(description="The building (楼栋).")
    number: str = strawberry.field(description="The unit number (房号), unique in the building.")


@strawberry.input(description="A resident or company of a unit.")
class AddPropertyResidentInput:
    unit_id: strawberry.ID = strawberry.field(description="The unit.")
    name: str = strawberry.field(description="The resident's name.")
    phone: str | None = strawberry.field(default=None, description="C-13: masked when read.")
    company: str | None = strawberry.field(default=None, description="For a business tenant.")


@strawberry.input(description="PM-1: a resident's visitor, after the desk contacted them.")
class RegisterPropertyVisitorInput:
    resident_id: strawberry.ID = strawberry.field(description="The resident visited.")
    visitor_name: str = strawberry.field(description="The visitor's name.")
    contact_method: str | None = strawberry.field(
        default=None, description="PM-1: how the resident was contacted (phone, intercom …)."
    )
    resident_confirmed: bool = strawberry.field(
        default=False, description="PM-1: the resident confirmed the visitor."
    )
    registrar_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who registers (20:00–08:00: the rostered night duty manager); default "
        "the token's staff member.",
    )


@strawberry.input(description="PM-2: a step of a written complaint's reply.")
class RecordComplaintReplyStepInput:
    complaint_id: strawberry.ID = strawberry.field(description="A written property complaint.")
    step: ReplyStepKind = strawberry.field(description="Drafted, approved, sent — in order.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who takes the step (approval: a supervisor); default the token's staff.",
    )
    note: str | None = strawberry.field(default=None, description="A note for the record.")


@strawberry.input(description="PM-6: one of the five clears and one report.")
class RecordComplaintHandlingStepInput:
    complaint_id: strawberry.ID = strawberry.field(description="A property complaint.")
    step: HandlingStepKind = strawberry.field(description="The step taken.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who took it; default the token's staff member."
    )
    next_reply_at: datetime | None = strawberry.field(
        default=None, description="REPLY: the next reply time given to the customer."
    )
    customer_confirmed: bool = strawberry.field(
        default=False, description="RECORD: the customer confirmed the record."
    )
    note: str | None = strawberry.field(default=None, description="A note for the record.")


@strawberry.input(description="PM-5: the revisit of a fixed complaint, signed by the customer.")
class RecordComplaintRevisitInput:
    complaint_id: strawberry.ID = strawberry.field(description="A resolved property complaint.")
    signed_by: str | None = strawberry.field(
        default=None, description="PM-5: the customer who signs the revisit record."
    )
    satisfaction: Satisfaction = strawberry.field(description="The customer's satisfaction.")
    revisited_at: datetime | None = strawberry.field(
        default=None, description="When the revisit took place; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who revisited; default the token's staff member."
    )


@strawberry.input(description="PM-8: a repair order with its appointment, dispatched.")
class SchedulePropertyRepairInput:
    unit_id: strawberry.ID = strawberry.field(description="The unit to repair.")
    resident_id: strawberry.ID | None = strawberry.field(
        default=None, description="The resident who asked for it."
    )
    speciality: str = strawberry.field(description="The trade needed (plumbing, electrical …).")
    agreed_at: datetime = strawberry.field(description="PM-8: the appointment time agreed.")
    technician_id: strawberry.ID = strawberry.field(
        description="PM-8: the technician dispatched (by speciality and nearness)."
    )
    description: str | None = strawberry.field(default=None, description="What to repair.")


@strawberry.input(description="PM-8: dispatch a repair order to another technician.")
class DispatchPropertyRepairInput:
    repair_id: strawberry.ID = strawberry.field(description="The repair order (not arrived).")
    technician_id: strawberry.ID = strawberry.field(description="The technician dispatched.")


@strawberry.input(description="PM-8: the technician's arrival.")
class RecordRepairArrivalInput:
    repair_id: strawberry.ID = strawberry.field(description="The repair order.")
    arrived_at: datetime | None = strawberry.field(
        default=None, description="When the technician arrived; default now."
    )
    rescheduled_to: datetime | None = strawberry.field(
        default=None,
        description="PM-8: a new time the customer agreed to; lateness counts from it.",
    )


@strawberry.input(description="PM-8: the fee told and accepted; work starts.")
class StartPropertyRepairInput:
    repair_id: strawberry.ID = strawberry.field(description="The repair order (arrived).")
    fee_quoted: Money = strawberry.field(description="PM-8: the fee told (0 for a free repair).")
    fee_accepted: bool = strawberry.field(description="PM-8: the customer accepted the fee.")
    moves_furniture: bool = strawberry.field(
        default=False, description="The work moves the customer's furniture."
    )
    furniture_consent: bool = strawberry.field(
        default=False, description="PM-8: the customer consented to moving furniture."
    )


@strawberry.input(description="PM-8: one line of a repair's fee.")
class PropertyFeeLineInput:
    item: str = strawberry.field(description="What is charged.")
    amount: Money = strawberry.field(description="CNY.")


@strawberry.input(description="PM-8: the customer signs the completed repair order.")
class CompletePropertyRepairInput:
    repair_id: strawberry.ID = strawberry.field(description="The repair order (started).")
    signed_by: str | None = strawberry.field(
        default=None, description="PM-8: the customer who signs."
    )
    fee_lines: list[PropertyFeeLineInput] = strawberry.field(
        default_factory=list, description="The fee as charged."
    )


@strawberry.input(description="PM-8: a spot-check revisit of a completed repair.")
class SpotCheckPropertyRepairInput:
    repair_id: strawberry.ID = strawberry.field(description="The repair order (completed).")
    passed: bool = strawberry.field(description="The repair passed the spot check.")


# --- mutations ----------------------------------------------------------------------------------


async def add_property_unit(info: Info, input: AddPropertyUnitInput) -> PropertyUnit:
    """A unit of a property project."""
    async with write_session(info) as s:
        site = await _project(s, input.site_id)
        row = await service.add_unit(
            s, site_id=site.id, building=input.building, number=input.number, now=now(info)
        )
        return unit_view(row)


async def add_property_resident(info: Info, input: AddPropertyResidentInput) -> PropertyResident:
    """A resident or company of a unit."""
    async with write_session(info) as s:
        unit = await s.get(Unit, parse_id(input.unit_id, "unitId", of="PropertyUnit"))
        if unit is None:
            raise NotFound(f"unit {input.unit_id} does not exist", code="UNIT_NOT_FOUND")
        row = await service.add_resident(
            s,
            site_id=unit.site_id,
            unit_id=unit.id,
            name=input.name,
            phone=input.phone,
            company=input.company,
            now=now(info),
        )
        return resident_view(row)


async def register_property_visitor(
    info: Info, input: RegisterPropertyVisitorInput
) -> PropertyVisitor:
    """PM-1: register a resident's visitor."""
    registrar = _staff_arg(info, input.registrar_id, "registrarId")
    async with write_session(info) as s:
        resident = await s.get(
            Resident, parse_id(input.resident_id, "residentId", of="PropertyResident")
        )
        if resident is None:
            raise NotFound(
                f"resident {input.resident_id} does not exist",
                code="RESIDENT_NOT_FOUND",
                field="residentId",
            )
        row, _reason = await service.register_visitor(
            s,
            site_id=resident.site_id,
            unit_id=resident.unit_id,
            resident_id=resident.id,
            visitor_name=input.visitor_name,
            contact_method=input.contact_method,
            resident_confirmed=input.resident_confirmed,
            registrar_id=registrar,
            now=now(info),
        )
        return visitor_view(row)


def _complaint_key(value: strawberry.ID) -> int:
    return parse_id(value, "complaintId", of="Complaint")


async def _recorded(
    s: AsyncSession,
    record: Callable[..., Awaitable[tuple[Any, Any]]],
    view: Callable[[Any], Any],
    /,
    **facts: Any,
) -> Any:
    """A mutation's step (:func:`line_write`): ``record`` (a service step answering the row
    and its reason, kept on the row) and ``view`` of the row."""
    row, _reason = await record(s, **facts)
    return view(row)


async def _complaint_step(
    info: Info, input: Any, record: Callable[..., Awaitable[Any]], **facts: Any
) -> PropertyComplaintHandling:
    """PM-2 / PM-6: ``record`` step ``input.step`` of complaint ``input.complaint_id`` by
    ``input.acting_staff_id`` (default the token's staff member) with ``input.note``; the
    complaint's handling record after it."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    key = _complaint_key(input.complaint_id)

    async def step(s: AsyncSession, *, now: datetime) -> PropertyComplaintHandling:
        await record(
            s,
            complaint_id=key,
            step=input.step.value,
            staff_id=actor,
            now=now,
            note=input.note,
            **facts,
        )
        return await handling_of(s, await s.get(Complaint, key))

    return await line_write(info, step)


async def record_complaint_reply_step(
    info: Info, input: RecordComplaintReplyStepInput
) -> PropertyComplaintHandling:
    """PM-2: draft, approve (supervisor), send a written complaint's reply."""
    return await _complaint_step(info, input, service.record_reply_step)


async def record_complaint_handling_step(
    info: Info, input: RecordComplaintHandlingStepInput
) -> PropertyComplaintHandling:
    """PM-6: record one of the five clears and one report."""
    return await _complaint_step(
        info,
        input,
        service.record_handling_step,
        next_reply_at=input.next_reply_at,
        customer_confirmed=input.customer_confirmed,
    )


async def record_complaint_revisit(
    info: Info, input: RecordComplaintRevisitInput
) -> PropertyRevisit:
    """PM-5: the revisit, signed by the customer, with satisfaction."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    moment = now(info)
    return await line_write(
        info,
        _recorded,
        service.record_revisit,
        revisit_view,
        complaint_id=_complaint_key(input.complaint_id),
        staff_id=actor,
        revisited_at=input.revisited_at or moment,
        signed_by=input.signed_by,
        satisfaction=input.satisfaction.value,
        now=moment,
    )


async def _repair_view(s: AsyncSession, row: RepairOrder) -> PropertyRepairOrder:
    return repair_view(row, await load_line_policy(s, PropertyPolicy, CODE))


async def _repair_step(
    s: AsyncSession, change: Callable[..., Awaitable[Any]], /, **facts: Any
) -> PropertyRepairOrder:
    """A mutation's step (:func:`line_write`): ``change`` one repair order (a service step
    answering the order, or the order and its reason); the order as it is now."""
    changed = await change(s, **facts)
    return await _repair_view(s, changed[0] if isinstance(changed, tuple) else changed)


def _repair_key(value: strawberry.ID) -> int:
    return parse_id(value, "repairId", of="PropertyRepairOrder")


async def schedule_property_repair(
    info: Info, input: SchedulePropertyRepairInput
) -> PropertyRepairOrder:
    """PM-8: a repair order with its appointment time, dispatched to a technician."""
    async with write_session(info) as s:
        unit = await s.get(Unit, parse_id(input.unit_id, "unitId", of="PropertyUnit"))
        if unit is None:
            raise NotFound(
                f"unit {input.unit_id} does not exist", code="UNIT_NOT_FOUND", field="unitId"
            )
        resident = None
        if input.resident_id is not None:
            resident = await s.get(
                Resident, parse_id(input.resident_id, "residentId", of="PropertyResident")
            )
            if resident is None or resident.unit_id != unit.id:
                raise NotFound(
                    f"resident {input.resident_id} does not live in unit {unit.id}",
                    code="RESIDENT_NOT_FOUND",
                    field="residentId",
                )
        row = await service.schedule_repair(
            s,
            site_id=unit.site_id,
            unit_id=unit.id,
            technician_id=parse_id(input.technician_id, "technicianId", of="Staff"),
            speciality=input.speciality,
            agreed_at=input.agreed_at,
            now=now(info),
            resident_id=resident.id if resident else None,
            description=input.description or "",
        )
        return await _repair_view(s, row)


async def dispatch_property_repair(
    info: Info, input: DispatchPropertyRepairInput
) -> PropertyRepairOrder:
    """PM-8: dispatch the order to another technician before arrival."""
    return await line_write(
        info,
        _repair_step,
        service.dispatch_repair,
        order_id=_repair_key(input.repair_id),
        technician_id=parse_id(input.technician_id, "technicianId", of="Staff"),
    )


async def record_repair_arrival(info: Info, input: RecordRepairArrivalInput) -> PropertyRepairOrder:
    """PM-8: the technician's arrival: on time up to 10 minutes after the agreed time."""
    moment = now(info)
    return await line_write(
        info,
        _repair_step,
        service.record_arrival,
        order_id=_repair_key(input.repair_id),
        arrived_at=input.arrived_at or moment,
        rescheduled_to=input.rescheduled_to,
        now=moment,
    )


async def _change_repair(
    info: Info, input: Any, change: Callable[..., Awaitable[Any]], **facts: Any
) -> PropertyRepairOrder:
    """PM-8: ``change`` repair order ``input.repair_id`` with ``facts`` (values, no ids to
    parse: ``repairId`` is the input's first to be checked)."""
    return await line_write(
        info, _repair_step, change, order_id=_repair_key(input.repair_id), **facts
    )


async def start_property_repair(info: Info, input: StartPropertyRepairInput) -> PropertyRepairOrder:
    """PM-8: the fee told and accepted (and furniture consent): work starts."""
    return await _change_repair(
        info,
        input,
        service.start_repair,
        fee_quoted=input.fee_quoted,
        fee_accepted=input.fee_accepted,
        moves_furniture=input.moves_furniture,
        furniture_consent=input.furniture_consent,
    )


async def complete_property_repair(
    info: Info, input: CompletePropertyRepairInput
) -> PropertyRepairOrder:
    """PM-8: the customer signs the completed order."""
    return await _change_repair(
        info,
        input,
        service.complete_repair,
        signed_by=input.signed_by,
        fee_lines=[{"item": f.item, "amount": f.amount} for f in input.fee_lines],
    )


async def spot_check_property_repair(
    info: Info, input: SpotCheckPropertyRepairInput
) -> PropertyRepairOrder:
    """PM-8: a spot-check revisit, pass or fail."""
    return await _change_repair(info, input, service.spot_check_repair, passed=input.passed)


# --- PM-5 survey follow-up, paid special services; PM-2 / PM-4 incident reports ------------------


@strawberry.enum(
    name="PropertySurveyStep",
    description="PM-5: the follow-up steps of a satisfaction-survey opinion before its revisit, "
    "in order.",
)
class SurveyStepKind(enum.Enum):
    DELIVERED = strawberry.enum_value(
        "delivered",
        description="The collated opinion reached the responsible department (within 2 days "
        "of collating).",
    )
    MEASURES = strawberry.enum_value(
        "measures",
        description="The department's written measures reached the desk (within 3 days of "
        "receiving the opinion; give `measures`).",
    )
    RECTIFIED = strawberry.enum_value(
        "rectified", description="The department rectified (the 2-week revisit clock starts)."
    )


@strawberry.enum(
    name="PropertyIncidentKind", description="PM-2 / PM-4: why a complaint is reported upward."
)
class IncidentKind(enum.Enum):
    SERIOUS = strawberry.enum_value(
        "serious", description="PM-4: a serious (major) complaint or accident."
    )
    UNRESOLVED = strawberry.enum_value(
        "unresolved", description="PM-2: a complaint the desk could not handle (not resolved)."
    )


@strawberry.type(
    description="PM-5: a satisfaction-survey opinion and its follow-up: to the responsible "
    "department within 2 days, written measures within 3 days of receiving it, revisit signed "
    "by the customer within 2 weeks of the rectification."
)
class PropertySurveyOpinion(Node):
    global_id = node_id("PropertySurveyOpinion")
    id: int = legacy_id()
    customer_name: str = strawberry.field(description="The customer who gave the opinion.")
    opinion: str = strawberry.field(description="The opinion, as collated.")
    department: str = strawberry.field(description="The responsible department.")
    collected_at: datetime = strawberry.field(description="When the opinions were collated.")
    opinions_due: datetime = strawberry.field(
        description="PM-5: 24:00 of the 2nd day after collating (site time)."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the opinion reached the department."
    )
    measures_due: datetime | None = strawberry.field(
        description="PM-5: 24:00 of the 3rd day after delivery; null before delivery."
    )
    measures_at: datetime | None = strawberry.field(
        description="When the department's written measures came back."
    )
    measures: str | None = strawberry.field(description="The department's written measures.")
    rectified_at: datetime | None = strawberry.field(description="When it was rectified.")
    revisit_due: datetime | None = strawberry.field(
        description="PM-5: 24:00 of the 14th day after the rectification; null before."
    )
    revisited_at: datetime | None = strawberry.field(description="When the customer was revisited.")
    signed_by: str | None = strawberry.field(
        description="PM-5: the customer who signed the revisit record."
    )
    satisfaction: Satisfaction | None = strawberry.field(
        description="The customer's satisfaction at the revisit."
    )
    late_steps: list[str] = strawberry.field(
        description="PM-5: the steps taken after their deadline (delivered, measures, revisited)."
    )
    decisions: list[Decision] = strawberry.field(
        description="PM-5: each step's decision (in time or late), in order."
    )
    next_step: str | None = strawberry.field(
        description="The step running now (delivered, measures, rectified, revisited); null "
        "when complete."
    )
    next_due: datetime | None = strawberry.field(
        description="The running step's deadline; null without one."
    )
    minutes_left: int | None = strawberry.field(
        description="Minutes until nextDue at the request's time (negative: overdue)."
    )
    overdue: bool = strawberry.field(
        description="PM-5: the running step's deadline has passed (strictly after it)."
    )
    clock: Decision = strawberry.field(description="PM-5: the running clock, in a sentence.")
    site_id: strawberry.Private[int]
    resident_id: strawberry.Private[int | None]
    recorded_by_id: strawberry.Private[int]
    site: SiteType | None = line_link(Site, "site_id", SiteType | None, description="The project.")
    resident: PropertyResident | None = line_link(
        Resident,
        "resident_id",
        PropertyResident | None,
        description="The resident, when the opinion is a resident's.",
        view=lambda r: resident_view(r),
    )
    recorded_by: StaffType | None = line_link(
        Staff, "recorded_by_id", StaffType | None, description="Who recorded the opinion."
    )


@strawberry.type(
    description="PM-5: a paid special service (特约服务 / 有偿服务): a payment notice delivered "
    "to the customer and a phone revisit about their satisfaction."
)
class PropertyPaidService(Node):
    global_id = node_id("PropertyPaidService")
    id: int = legacy_id()
    description: str = strawberry.field(description="The service performed.")
    fee: Money = strawberry.field(description="PM-5: the fee on the payment notice (CNY).")
    performed_at: datetime = strawberry.field(description="When the service was performed.")
    notice_delivered_at: datetime | None = strawberry.field(
        description="PM-5: when the payment notice (缴费通知单) was delivered; null: not yet."
    )
    notice_received_by: str | None = strawberry.field(
        description="Who received the payment notice."
    )
    revisited_at: datetime | None = strawberry.field(
        description="PM-5: when the customer was revisited by phone; null: not yet."
    )
    satisfaction: Satisfaction | None = strawberry.field(
        description="The customer's satisfaction at the phone revisit."
    )
    revisit_note: str | None = strawberry.field(description="A note of the phone revisit.")
    done: bool = strawberry.field(description="PM-5: notice delivered and revisited by phone.")
    decision: Decision = strawberry.field(description="PM-5: what is still missing, if anything.")
    unit_id: strawberry.Private[int]
    resident_id: strawberry.Private[int | None]
    performed_by_id: strawberry.Private[int]
    notice_delivered_by_id: strawberry.Private[int | None]
    revisited_by_id: strawberry.Private[int | None]
    unit: PropertyUnit | None = line_link(
        Unit, "unit_id", PropertyUnit | None, description="The unit.", view=lambda r: unit_view(r)
    )
    resident: PropertyResident | None = line_link(
        Resident,
        "resident_id",
        PropertyResident | None,
        description="The resident served.",
        view=lambda r: resident_view(r),
    )
    performed_by: StaffType | None = line_link(
        Staff, "performed_by_id", StaffType | None, description="Who performed the service."
    )
    notice_delivered_by: StaffType | None = line_link(
        Staff,
        "notice_delivered_by_id",
        StaffType | None,
        description="Who delivered the payment notice.",
    )
    revisited_by: StaffType | None = line_link(
        Staff, "revisited_by_id", StaffType | None, description="Who made the phone revisit."
    )


@strawberry.type(
    description="PM-2 / PM-4: an incident report (事故报告) sending a serious or unresolved "
    "complaint upward: who, when, what, to whom."
)
class PropertyIncidentReport(Node):
    global_id = node_id("PropertyIncidentReport")
    id: int = legacy_id()
    kind: IncidentKind = strawberry.field(description="Serious (major) or unresolved.")
    reported_at: datetime = strawberry.field(description="When it was reported.")
    reported_to: str = strawberry.field(
        description="To whom (a department or person, e.g. centre leadership)."
    )
    summary: str = strawberry.field(description="What happened and what was done.")
    written_complaint_attached: bool = strawberry.field(
        description="PM-2: the customer's written complaint went with the report."
    )
    decision: Decision | None = strawberry.field(description="The report, in a sentence.")
    reported_by_id: strawberry.Private[int]
    reported_to_staff_key: strawberry.Private[int | None]
    complaint_key: strawberry.Private[int]
    reported_by: StaffType | None = line_link(
        Staff, "reported_by_id", StaffType | None, description="Who reported."
    )
    reported_to_staff: StaffType | None = line_link(
        Staff,
        "reported_to_staff_key",
        StaffType | None,
        description="The staff member reported to, when named.",
    )

    @strawberry.field(description="The complaint's global id (refetch it with `node(id:)`).")
    def complaint_id(self) -> strawberry.ID:
        return _gid("Complaint", self.complaint_key)


def survey_view(row: SurveyOpinion, moment: datetime, zone: Any) -> PropertySurveyOpinion:
    clock = service.survey_clock(row, moment, zone)
    return PropertySurveyOpinion(
        id=row.id,
        customer_name=row.customer_name,
        opinion=row.opinion,
        department=row.department,
        collected_at=row.collected_at,
        opinions_due=row.opinions_due,
        delivered_at=row.delivered_at,
        measures_due=row.measures_due,
        measures_at=row.measures_at,
        measures=row.measures,
        rectified_at=row.rectified_at,
        revisit_due=row.revisit_due,
        revisited_at=row.revisited_at,
        signed_by=row.signed_by,
        satisfaction=Satisfaction(row.satisfaction) if row.satisfaction else None,
        late_steps=list(row.late_steps or []),
        decisions=[d for d in (_decision(r) for r in row.reasons or []) if d is not None],
        next_step=clock.next_step,
        next_due=clock.due,
        minutes_left=clock.minutes_left,
        overdue=clock.overdue,
        clock=_decision(clock.reason),  # type: ignore[arg-type]
        site_id=row.site_id,
        resident_id=row.resident_id,
        recorded_by_id=row.recorded_by_id,
    )


def paid_view(row: PaidService) -> PropertyPaidService:
    reason = rules.paid_service_state(
        row.notice_delivered_at is not None, row.revisited_at is not None
    )
    return PropertyPaidService(
        id=row.id,
        description=row.description,
        fee=row.fee,
        performed_at=row.performed_at,
        notice_delivered_at=row.notice_delivered_at,
        notice_received_by=row.notice_received_by,
        revisited_at=row.revisited_at,
        satisfaction=Satisfaction(row.satisfaction) if row.satisfaction else None,
        revisit_note=row.revisit_note,
        done=row.done,
        decision=_decision(reason),  # type: ignore[arg-type]
        unit_id=row.unit_id,
        resident_id=row.resident_id,
        performed_by_id=row.performed_by_id,
        notice_delivered_by_id=row.notice_delivered_by_id,
        revisited_by_id=row.revisited_by_id,
    )


def incident_view(row: IncidentReport) -> PropertyIncidentReport:
    return PropertyIncidentReport(
        id=row.id,
        kind=IncidentKind(row.kind),
        reported_at=row.reported_at,
        reported_to=row.reported_to,
        summary=row.summary,
        written_complaint_attached=row.written_complaint_attached,
        decision=_decision(row.reason),
        reported_by_id=row.reported_by_id,
        reported_to_staff_key=row.reported_to_staff_id,
        complaint_key=row.complaint_id,
    )


async def _survey_node(info: Info, key: int) -> PropertySurveyOpinion | None:
    async with read_session(info) as s:
        row = await s.get(SurveyOpinion, key)
        if row is None:
            return None
        site = await s.get(Site, row.site_id)
        return survey_view(row, now(info), site_zone(site))


line_node("PropertySurveyOpinion", _survey_node)
line_node("PropertyPaidService", _node(PaidService, paid_view))
line_node("PropertyIncidentReport", _node(IncidentReport, incident_view))


async def property_survey_opinions(
    info: Info,
    site_id: SiteArg,
    open: Annotated[
        bool | None,
        strawberry.argument(
            description="true: only opinions whose follow-up is not complete; false: only "
            "complete ones; null: all."
        ),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[PropertySurveyOpinion]:
    """PM-5: the project's satisfaction-survey opinions, newest first."""
    moment = now(info)
    async with read_session(info) as s:
        site = await _project(s, site_id)
        zone = site_zone(site)
        stmt = select(SurveyOpinion).where(SurveyOpinion.site_id == site.id)
        if open is not None:
            # As the partial index ix_pm_survey_opinions_site_open is written (pm0003).
            stmt = stmt.where(not_(SurveyOpinion.closed) if open else SurveyOpinion.closed)
        return await line_page(
            info,
            s,
            stmt,
            model=SurveyOpinion,
            type_name="PropertySurveyOpinion",
            first=first,
            after=after,
            last=last,
            before=before,
            order="collected_at",
            view=lambda row: survey_view(row, moment, zone),
        )


async def property_paid_services(
    info: Info,
    site_id: SiteArg,
    pending: Annotated[
        bool | None,
        strawberry.argument(
            description="true: only services missing their notice or phone revisit; false: "
            "only done ones; null: all."
        ),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[PropertyPaidService]:
    """PM-5: the project's paid special services, newest first."""
    async with read_session(info) as s:
        site = await _project(s, site_id)
        stmt = select(PaidService).where(PaidService.site_id == site.id)
        if pending is not None:
            # As the partial index ix_pm_paid_services_site_pending is written (pm0003).
            stmt = stmt.where(not_(PaidService.done) if pending else PaidService.done)
        return await line_page(
            info,
            s,
            stmt,
            model=PaidService,
            type_name="PropertyPaidService",
            first=first,
            after=after,
            last=last,
            before=before,
            order="performed_at",
            view=paid_view,
        )


@strawberry.input(description="PM-5: an opinion from a satisfaction survey, collated.")
class RecordSurveyOpinionInput:
    site_id: strawberry.ID = strawberry.field(description="The property project (site).")
    customer_name: str = strawberry.field(description="The customer who gave the opinion.")
    opinion: str = strawberry.field(description="The opinion.")
    department: str = strawberry.field(description="The responsible department.")
    resident_id: strawberry.ID | None = strawberry.field(
        default=None, description="The resident, when the opinion is a resident's."
    )
    collected_at: datetime | None = strawberry.field(
        default=None, description="When the opinions were collated; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who records it; default the token's staff member."
    )


@strawberry.input(description="PM-5: the next follow-up step of a survey opinion.")
class RecordSurveyFollowUpInput:
    opinion_id: strawberry.ID = strawberry.field(description="The survey opinion.")
    step: SurveyStepKind = strawberry.field(description="Delivered, measures, rectified.")
    measures: str | None = strawberry.field(
        default=None, description="MEASURES: the department's written measures."
    )
    at: datetime | None = strawberry.field(
        default=None, description="When the step was taken; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who records it; default the token's staff member."
    )


@strawberry.input(description="PM-5: the revisit of a survey opinion, signed by the customer.")
class RecordSurveyRevisitInput:
    opinion_id: strawberry.ID = strawberry.field(description="The survey opinion (rectified).")
    signed_by: str | None = strawberry.field(
        default=None, description="PM-5: the customer who signs the revisit record."
    )
    satisfaction: Satisfaction = strawberry.field(description="The customer's satisfaction.")
    revisited_at: datetime | None = strawberry.field(
        default=None, description="When the revisit took place; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who revisited; default the token's staff member."
    )


@strawberry.input(description="PM-5: a paid special service as performed.")
class RecordPaidServiceInput:
    unit_id: strawberry.ID = strawberry.field(description="The unit served.")
    resident_id: strawberry.ID | None = strawberry.field(
        default=None, description="The resident served."
    )
    description: str = strawberry.field(description="The service performed.")
    fee: Money = strawberry.field(description="PM-5: the fee (CNY, above 0).")
    performed_at: datetime | None = strawberry.field(
        default=None, description="When the service was performed; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who performed it; default the token's staff member."
    )


@strawberry.input(description="PM-5: the payment notice delivered to the customer.")
class DeliverPaymentNoticeInput:
    service_id: strawberry.ID = strawberry.field(description="The paid special service.")
    received_by: str | None = strawberry.field(default=None, description="Who received the notice.")
    delivered_at: datetime | None = strawberry.field(
        default=None, description="When it was delivered; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who delivered it; default the token's staff member."
    )


@strawberry.input(description="PM-5: the phone revisit of a paid special service.")
class RecordPaidServiceRevisitInput:
    service_id: strawberry.ID = strawberry.field(description="The paid special service.")
    satisfaction: Satisfaction = strawberry.field(description="The customer's satisfaction.")
    note: str | None = strawberry.field(default=None, description="A note of the call.")
    revisited_at: datetime | None = strawberry.field(
        default=None, description="When the customer was called; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who called; default the token's staff member."
    )


@strawberry.input(description="PM-2 / PM-4: report a complaint upward with an incident report.")
class ReportComplaintIncidentInput:
    complaint_id: strawberry.ID = strawberry.field(description="A property complaint.")
    kind: IncidentKind = strawberry.field(
        description="SERIOUS (a major complaint) or UNRESOLVED (not resolved)."
    )
    reported_to: str = strawberry.field(
        description="To whom: the department or person (e.g. centre leadership)."
    )
    reported_to_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="The staff member reported to, when one is named."
    )
    summary: str = strawberry.field(description="What happened and what was done.")
    written_complaint_attached: bool = strawberry.field(
        default=False,
        description="PM-2: the customer's written complaint goes with the report (required "
        "for a written complaint).",
    )
    reported_at: datetime | None = strawberry.field(
        default=None, description="When it was reported; default now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who reports; default the token's staff member."
    )


async def _survey_result(s: AsyncSession, row: SurveyOpinion, moment: datetime) -> Any:
    site = await s.get(Site, row.site_id)
    return survey_view(row, moment, site_zone(site))


async def _survey_step(
    info: Info, input: Any, step: str, at: datetime | None, **facts: Any
) -> PropertySurveyOpinion:
    """PM-5: step ``step`` of survey opinion ``input.opinion_id``, taken at ``at`` (default
    now) by ``input.acting_staff_id`` (default the token's staff member); the opinion with its
    follow-up clocks."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    key = _opinion_key(input.opinion_id)

    async def record(s: AsyncSession, *, now: datetime) -> PropertySurveyOpinion:
        row, _reason = await service.record_survey_step(
            s, opinion_id=key, step=step, staff_id=actor, at=at or now, now=now, **facts
        )
        return await _survey_result(s, row, now)

    return await line_write(info, record)


async def record_survey_opinion(
    info: Info, input: RecordSurveyOpinionInput
) -> PropertySurveyOpinion:
    """PM-5: a satisfaction-survey opinion."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    moment = now(info)
    async with write_session(info) as s:
        site = await _project(s, input.site_id)
        row, _reason = await service.record_survey_opinion(
            s,
            site_id=site.id,
            customer_name=input.customer_name,
            opinion=input.opinion,
            department=input.department,
            staff_id=actor,
            collected_at=input.collected_at or moment,
            now=moment,
            resident_id=None
            if input.resident_id is None
            else parse_id(input.resident_id, "residentId", of="PropertyResident"),
        )
        return await _survey_result(s, row, moment)


def _opinion_key(value: strawberry.ID) -> int:
    return parse_id(value, "opinionId", of="PropertySurveyOpinion")


async def record_survey_follow_up(
    info: Info, input: RecordSurveyFollowUpInput
) -> PropertySurveyOpinion:
    """PM-5: delivered, measures, rectified."""
    return await _survey_step(info, input, input.step.value, input.at, measures=input.measures)


async def record_survey_revisit(
    info: Info, input: RecordSurveyRevisitInput
) -> PropertySurveyOpinion:
    """PM-5: the survey opinion's revisit, signed by the customer."""
    return await _survey_step(
        info,
        input,
        "revisited",
        input.revisited_at,
        signed_by=input.signed_by,
        satisfaction=input.satisfaction.value,
    )


def _service_key(value: strawberry.ID) -> int:
    return parse_id(value, "serviceId", of="PropertyPaidService")


async def _paid_service_step(
    info: Info, input: Any, record: Callable[..., Awaitable[Any]], at_field: str, **facts: Any
) -> PropertyPaidService:
    """PM-5: ``record`` a step of paid special service ``input.service_id`` by
    ``input.acting_staff_id`` (default the token's staff member), taken at the input's
    ``at_field`` (default now; the service's argument of that name)."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    moment = now(info)
    return await line_write(
        info,
        _recorded,
        record,
        paid_view,
        service_id=_service_key(input.service_id),
        staff_id=actor,
        now=moment,
        **{at_field: getattr(input, at_field) or moment},
        **facts,
    )


async def record_paid_service(info: Info, input: RecordPaidServiceInput) -> PropertyPaidService:
    """PM-5: a paid special service as performed, with its fee."""
    actor = _staff_arg(info, input.acting_staff_id, "actingStaffId")
    moment = now(info)
    async with write_session(info) as s:
        unit = await s.get(Unit, parse_id(input.unit_id, "unitId", of="PropertyUnit"))
        if unit is None:
            raise NotFound(
                f"unit {input.unit_id} does not exist", code="UNIT_NOT_FOUND", field="unitId"
            )
        row, _reason = await service.record_paid_service(
            s,
            site_id=unit.site_id,
            unit_id=unit.id,
            description=input.description,
            fee=input.fee,
            staff_id=actor,
            performed_at=input.performed_at or moment,
            now=moment,
            resident_id=None
            if input.resident_id is None
            else parse_id(input.resident_id, "residentId", of="PropertyResident"),
        )
        return paid_view(row)


async def deliver_payment_notice(
    info: Info, input: DeliverPaymentNoticeInput
) -> PropertyPaidService:
    """PM-5: the payment notice delivered."""
    return await _paid_service_step(
        info, input, service.deliver_payment_notice, "delivered_at", received_by=input.received_by
    )


async def record_paid_service_revisit(
    info: Info, input: RecordPaidServiceRevisitInput
) -> PropertyPaidService:
    """PM-5: the phone revisit of a paid special service."""
    return await _paid_service_step(
        info,
        input,
        service.record_paid_service_revisit,
        "revisited_at",
        satisfaction=input.satisfaction.value,
        note=input.note,
    )


async def report_complaint_incident(
    info: Info, input: ReportComplaintIncidentInput
) -> PropertyIncidentReport:
    """PM-2 / PM-4: report a complaint upward with an incident report."""
    return await line_write(
        info,
        _recorded,
        service.report_incident,
        incident_view,
        staff_id=_staff_arg(info, input.acting_staff_id, "actingStaffId"),
        complaint_id=_complaint_key(input.complaint_id),
        kind=input.kind.value,
        reported_to=input.reported_to,
        summary=input.summary,
        reported_at=input.reported_at,
        reported_to_staff_id=None
        if input.reported_to_staff_id is None
        else parse_id(input.reported_to_staff_id, "reportedToStaffId", of="Staff"),
        written_complaint_attached=input.written_complaint_attached,
    )
