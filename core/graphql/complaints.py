"""The complaints API (C-5 .. C-14): root queries and mutations and their result types (the
``Complaint`` type and the types of its fields are in :mod:`core.graphql.types`).

Resolvers are thin: they parse ids, call :mod:`core.services.complaints` inside one
``ctx.app.write()`` transaction, then read the complaints back with exactly the relations the
client selected (:func:`load_complaints`: handler, customer, history — the history of a whole
page in one extra SELECT, never one per complaint).

Lifecycle changes go through one mutation, ``transitionComplaint(to: …)``, rather than one
mutation per verb: the state machine lives in one table (``complaint_rules.TRANSITIONS``), a
client reads the legal next states from ``Complaint.allowedTransitions`` and every move
answers the same way (``ComplaintResult``), so a new state never changes the schema's shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from core import models
from core.auth import Forbidden, Permission
from core.complaint_rules import InvalidComplaintNumber, parse_complaint_number
from core.decisions import Reason
from core.errors import InvalidInput
from core.graphql.ids import register_node
from core.graphql.line_inputs import deliver_line_inputs, line_values
from core.graphql.loading import (
    children,
    node_fields,
    order_arg,
    order_of,
    paginate,
    plan_eager,
    prefetch,
    selection,
    written,
)
from core.graphql.queries import After, Before, First, Last, SiteId, parse_id
from core.graphql.scalars import Money
from core.graphql.types import (
    Complaint,
    ComplaintChannel,
    ComplaintConnection,
    ComplaintOrder,
    ComplaintSeverity,
    ComplaintStatus,
    Connection,
    Decision,
    Department,
    Notification,
    Penalty,
    Staff,
    describe_values,
    global_id_of,
    require_aware,
    view_link,
)
from core.graphql.user_errors import payload
from core.runtime import CURRENT_MUTATION
from core.services import complaints as service
from core.services.complaints.common import RECORDED_BY, RecordedBy
from core.services.directory import get_site

MANAGE = {"permission": "manage"}
ADMIN = {"permission": "admin"}

OverdueKind = strawberry.enum(
    service.OverdueKind,
    description="The watched deadlines: first response (C-8), resolution (C-11), revisit (C-9).",
)
describe_values(
    OverdueKind,
    {
        "FIRST_RESPONSE": "C-8: no first response by its due time (24 h after filing).",
        "PROGRESS_UPDATE": "C-8: the customer's next progress update is late.",
        "RESOLUTION": "C-11: not resolved by the deadline that applies (`resolutionBasis`).",
        "REVISIT": "C-9 / PM-5: no revisit within the days after the fix.",
    },
)
StatisticsPeriod = strawberry.enum(
    service.StatisticsPeriod, description="C-12: a Monday–Sunday week or a calendar month."
)
describe_values(
    StatisticsPeriod,
    {
        "WEEK": "Monday to Sunday (C-12: the weekly report, due the following Monday).",
        "MONTH": "A calendar month (C-12: the monthly summary).",
    },
)


# ---------------------------------------------------------------------------------------------
# Types


@strawberry.type(description="A complaint with the deadlines it has missed.")
class OverdueComplaint:
    complaint: Complaint = strawberry.field(description="The overdue complaint.")
    reasons: list[Decision] = strawberry.field(
        description="One per missed deadline: its rule (C-8, C-11, C-9) and what was due when."
    )


@strawberry.type(description="A deadline the sweep reported (once per complaint and cycle).")
class OverdueMark:
    complaint: Complaint = strawberry.field(description="The complaint that missed it.")
    kind: OverdueKind = strawberry.field(description="Which deadline was missed.")
    due: datetime = strawberry.field(description="When it was due (UTC).")
    decision: Decision = strawberry.field(description="The rule, and what was missed.")


@strawberry.type(
    description="C-12: how many complaints share one value (a category, severity or status)."
)
class ComplaintCount:
    key: str = strawberry.field(
        description="The value counted: a category as filed, or a severity or status in lower "
        "case (e.g. general, in_progress)."
    )
    count: int = strawberry.field(description="How many complaints of the period have it.")


@strawberry.type(description="C-12: how many complaints one handler has.")
class HandlerCount:
    handler: Staff | None = strawberry.field(description="None: not assigned.")
    count: int = strawberry.field(description="How many complaints of the period.")


@strawberry.type(description="C-12: how many complaints one department is responsible for.")
class DepartmentCount:
    department_id: strawberry.ID | None = strawberry.field(
        description="The department's global id (null: staff without a department).",
        deprecation_reason="Use `department`; removed in 2.0.",
    )
    count: int = strawberry.field(description="How many complaints of the period.")
    department: Department | None = view_link(
        models.Department,
        "department_id",
        Department | None,
        parse_as="Department",
        description="C-12: the department (null: staff without a department).",
    )


@strawberry.type(
    description="C-12/C-14: how many complaints were verified as one staff member's fault."
)
class StaffAtFaultCount:
    staff: Staff | None = strawberry.field(description="None: no staff member at fault.")
    count: int = strawberry.field(description="How many complaints of the period.")


@strawberry.type(description="C-12 statistics of complaints filed in one week or month.")
class ComplaintStatistics:
    site_id: strawberry.ID = strawberry.field(description="The site's global id.")
    period: StatisticsPeriod = strawberry.field(description="A week or a month.")
    first_day: date = strawberry.field(
        description="The first day of the period (a Monday for a week), site-local."
    )
    last_day: date = strawberry.field(description="The last day of the period, included.")
    starts_at: datetime = strawberry.field(
        description="The start of `firstDay` in the site's time zone, as UTC."
    )
    ends_at: datetime = strawberry.field(
        description="The start of the day after `lastDay` in the site's time zone, as UTC "
        "(excluded)."
    )
    total: int = strawberry.field(description="Complaints filed in the period.")
    by_category: list[ComplaintCount] = strawberry.field(
        description="Counts by category, most frequent first."
    )
    by_severity: list[ComplaintCount] = strawberry.field(
        description="Counts by severity (PM-4), most frequent first."
    )
    by_status: list[ComplaintCount] = strawberry.field(
        description="Counts by current status (C-9), most frequent first."
    )
    by_handler: list[HandlerCount] = strawberry.field(
        description="Counts by handler, most frequent first."
    )
    by_department: list[DepartmentCount] = strawberry.field(
        description="C-12: by responsible department (the staff at fault's, else the "
        "handler's); departmentId null: staff in no department."
    )
    by_staff_at_fault: list[StaffAtFaultCount] = strawberry.field(
        description="C-14: counts by verified staff member at fault, most frequent first."
    )
    department_id: strawberry.ID | None = strawberry.field(
        description="The department these statistics are restricted to (null: whole site)."
    )
    report_due_on: date | None = strawberry.field(
        description="C-12: a week's report is due the following Monday."
    )
    resolved: int = strawberry.field(description="Complaints of the period resolved so far.")
    resolved_on_time: int = strawberry.field(
        description="Of those, resolved by their C-11 resolution due time (pauses included)."
    )
    on_time_rate: float | None = strawberry.field(
        description="resolvedOnTime / resolved; null when nothing is resolved yet."
    )
    decision: Decision = strawberry.field(
        description="C-12, and a sentence summing the period up (total, on-time rate)."
    )


def _decision(reason: Reason) -> Decision:
    return Decision(rule=reason.rule, message=reason.message)


def _decisions(reasons: Iterable[Reason]) -> list[Decision]:
    return [_decision(r) for r in reasons]


# ---------------------------------------------------------------------------------------------
# Loading planned from the selection


def history_options(fields: Sequence[SelectedField]) -> list[Any]:
    """The history a Complaint selection reads, in one more SELECT for the whole page."""
    m = models.Complaint
    history = children(fields, "complaintHistory")
    if not history:
        return []
    entry = models.ComplaintHistoryEntry
    people = [
        joinedload(attr)
        for gql, attr in (("actor", entry.actor), ("recordedByStaff", entry.recorded_by_staff))
        if any(f.name == gql for f in history)
    ]
    return [selectinload(m.history).options(*people) if people else selectinload(m.history)]


def complaint_options(fields: Sequence[SelectedField]) -> list[Any]:
    """Loader options for exactly the relations selected on a Complaint."""
    return plan_eager(models.Complaint, "Complaint", fields) + history_options(fields)


async def load_complaints(
    info: Info,
    ids: Sequence[int],
    fields: Sequence[SelectedField],
    session: AsyncSession | None = None,
) -> dict[int, models.Complaint]:
    """The complaints ``ids`` with the selected relations: in ``session`` (a mutation's own
    transaction, so its answer is what commits), else in a fresh session."""
    if not ids:
        return {}
    stmt = select(models.Complaint).where(models.Complaint.id.in_(list(ids)))
    options = complaint_options(fields)
    if options:
        stmt = stmt.options(*options)
    if session is not None:
        stmt = stmt.execution_options(populate_existing=True)
        rows = list((await session.scalars(stmt)).unique().all())
        await prefetch(info, session, "Complaint", fields, rows)
        return {r.id: r for r in rows}
    async with info.context.db.session() as s:
        rows = list((await s.scalars(stmt)).unique().all())
        await prefetch(info, s, "Complaint", fields, rows)
    return {r.id: r for r in rows}


ACTING_STAFF = (
    "The staff member who makes this change (recorded with it); the same name in every "
    "mutation; naming someone else than the token's staff member needs `act_for` (C-13)."
)


def _actor_id(info: Info, given: strawberry.ID | None, field: str = "actingStaffId") -> int:
    """C-9 "who": the token's own staff member.  Naming someone else is acting on their
    behalf: it needs the ``act_for`` permission (admin, clerk) and is audited as such."""
    actor = info.context.actor
    own = actor.staff_id if actor is not None else None
    if given is not None:
        staff_id = parse_id(given, field)
        if own is not None and staff_id == own:
            return staff_id
        if actor is not None and not actor.can(Permission.ACT_FOR):
            whose = f"staff member {own}" if own is not None else "no staff member"
            raise Forbidden(
                f"this token acts as {whose}; recording a change as staff member {staff_id} "
                "needs the 'act_for' permission (C-13): omit the field to act as yourself",
                permission=Permission.ACT_FOR.value,
                role=actor.role.value,
                field=field,
            )
        # Audited as "<token> on behalf of staff member N" (schema.build._audit).
        info.context.on_behalf_of = staff_id
        if actor is not None:
            # The history entries of this change name the token too ("X on behalf of Y").
            RECORDED_BY.set(RecordedBy(token=actor.name, staff_id=own))
        frame = CURRENT_MUTATION.get(None)
        if frame is not None:
            frame.on_behalf_of = staff_id
        return staff_id
    if own is not None:
        return int(own)
    raise InvalidInput(
        "say who makes this change (actingStaffId), or use an API token bound to a staff "
        "member (C-9: every change records who made it)",
        code="ACTOR_REQUIRED",
        field=field,
    )


def _optional_id(value: strawberry.ID | None, field: str) -> int | None:
    return parse_id(value, field) if value is not None else None


# ---------------------------------------------------------------------------------------------
# Inputs


@strawberry.input(description="C-5/C-7: a complaint as taken at the desk.")
class FileComplaintInput:
    site_id: strawberry.ID = strawberry.field(description="The site the complaint is about.")
    channel: ComplaintChannel = strawberry.field(description="C-7: how it was received.")
    category: str = strawberry.field(description="Free text, e.g. service, facilities, billing.")
    description: str = strawberry.field(description="What the customer says.")
    received_at: datetime | None = strawberry.field(
        default=None, description="When it was received (C-7); defaults to now."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=ACTING_STAFF + " Here: who took it (C-7); defaults to the token's staff "
        "member.",
    )
    caller_company: str | None = strawberry.field(
        default=None, description="Phone complaints (C-7): the caller's company."
    )
    caller_name: str | None = strawberry.field(
        default=None, description="Phone complaints (C-7): the caller's name."
    )
    customer_name: str | None = strawberry.field(
        default=None,
        description="In person / written (C-7); defaults to the customer's registered name.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A registered customer, if known."
    )
    visit_id: strawberry.ID | None = strawberry.field(
        default=None, description="The visit it is about, if any."
    )
    households: int | None = strawberry.field(
        default=None, description="PM-4: how many households or companies complain together."
    )
    flags: list[str] = strawberry.field(
        default_factory=list,
        description="PM-4 facts for the line's policy, e.g. fire, lift_trapped, flooding.",
    )
    handler_id: strawberry.ID | None = strawberry.field(
        default=None, description="A first handler; default: the line's policy."
    )
    customer_requested_by: datetime | None = strawberry.field(
        default=None,
        description="C-11: a complaint made during consumption — the time the customer asks "
        "it be handled by; the resolution is then due at that time.  Omit for a complaint "
        "made after consumption (due in working days).",
    )


@strawberry.input(description="C-9: move a complaint to another state.")
class TransitionComplaintInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    to: ComplaintStatus = strawberry.field(description="The state to move to (C-9).")
    reason: str | None = strawberry.field(
        default=None, description="Why; required to reopen or close."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="C-8: a progress update given to the customer.")
class RecordComplaintProgressInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    note: str = strawberry.field(description="What the customer was told.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="C-11: mark a complaint a special case (hard cap on resolution).")
class MarkComplaintSpecialCaseInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    reason: str = strawberry.field(description="Why it cannot be handled in the normal time.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="C-10: one level up the chain.")
class EscalateComplaintInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    reason: str = strawberry.field(description="Why it goes up a level.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="Input of `assignComplaint`.")
class AssignComplaintInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    handler_id: strawberry.ID = strawberry.field(description="The new handler, at its site.")
    reason: str | None = strawberry.field(default=None, description="Why, for the history.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="C-14: the complaint was caused by one staff member's service.")
class VerifyComplaintFaultInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    staff_id: strawberry.ID = strawberry.field(
        description="The staff member whose service caused it."
    )
    fine_amount: Money = strawberry.field(description="C-14: 200–1000 CNY by default.")
    reason: str = strawberry.field(description="Why, as the ledger shows it.")
    manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="The site's first-responsible manager, fined too."
    )
    manager_fine_amount: Money | None = strawberry.field(
        default=None, description="C-14: 100–500 CNY by default."
    )
    compensation_amount: Money | None = strawberry.field(
        default=None,
        description="C-14: the financial loss charged to the person at fault (CNY), recorded "
        "as a compensation entry alongside the fines; give compensationReason with it.",
    )
    compensation_reason: str | None = strawberry.field(
        default=None, description="C-14: what the financial loss was."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Defaults to the token's staff member."
    )


@strawberry.input(description="Input of `sweepOverdueComplaints`.")
class SweepOverdueComplaintsInput:
    site_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this site's complaints; every site when null."
    )


def _change_payload(name: str, what: str) -> type:
    return payload(
        name,
        "Complaint",
        {
            "complaint": (Complaint, f"The complaint, {what}."),
            "decision": (Decision, "The rule that allowed the change, and why."),
        },
    )


FileComplaintPayload = payload(
    "fileComplaint",
    "Complaint",
    {
        "complaint": (Complaint, "The filed complaint, numbered (C-6)."),
        "decision": (Decision, "Severity and targets, and why."),
        "notifications": (list[Notification], "PM-4: reports to make at once (major complaints)."),
    },
)
TransitionComplaintPayload = _change_payload("transitionComplaint", "moved")
AssignComplaintPayload = _change_payload("assignComplaint", "with its new handler")
EscalateComplaintPayload = _change_payload("escalateComplaint", "escalated")
RecordComplaintProgressPayload = _change_payload(
    "recordComplaintProgress", "with its progress update"
)
MarkComplaintSpecialCasePayload = _change_payload("markComplaintSpecialCase", "a special case")
VerifyComplaintFaultPayload = payload(
    "verifyComplaintFault",
    "Complaint",
    {
        "complaint": (Complaint, "The complaint, with its verified fault."),
        "penalties": (list[Penalty], "C-14: the fines issued (staff member, manager)."),
        "decision": (Decision, "The rule applied, and why."),
    },
)
SweepOverdueComplaintsPayload = payload(
    "sweepOverdueComplaints",
    "Complaint",
    {
        "count": (int, "How many deadlines were newly reported."),
        "marked": (list[OverdueMark], "The deadlines reported by this sweep."),
    },
)


# ---------------------------------------------------------------------------------------------
# Roots


async def _result(
    info: Info, change: service.ComplaintChange, session: AsyncSession, payload_cls: type
) -> Any:
    fields = children(selection(info), "complaint")
    key = change.complaint.id
    if complaint_options(fields):
        loaded = (await load_complaints(info, [key], fields, session))[key]
    else:  # the row as the transaction changed it (issue 8: no re-read)
        loaded = await written(
            info, models.Complaint, "Complaint", change.complaint, fields, session
        )
    return payload_cls(
        complaint=loaded,  # type: ignore[arg-type]
        decision=_decision(change.decision),
    )


async def _complaint_node(info: Info, key: int) -> Any:
    return (await load_complaints(info, [key], selection(info))).get(key)


async def _history_node(info: Info, key: int) -> Any:
    m = models.ComplaintHistoryEntry
    async with info.context.db.read() as s:
        stmt = select(m).where(m.id == key).options(joinedload(m.actor))
        return (await s.scalars(stmt)).unique().one_or_none()


register_node("Complaint", _complaint_node, model=models.Complaint)
register_node("ComplaintHistoryEntry", _history_node, model=models.ComplaintHistoryEntry)


@strawberry.type
class ComplaintQuery:
    @strawberry.field(description="One complaint; null when there is none with this id.")
    async def complaint(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The complaint's global `id` (or its `legacyId`)."),
        ],
    ) -> Complaint | None:
        key = parse_id(id, "id", of="Complaint")
        return (await load_complaints(info, [key], selection(info))).get(key)  # type: ignore[return-value]

    @strawberry.field(
        description="C-6: a complaint by its number at a site, e.g. 261107; a number in the "
        "form issued before 2026-12-01 (2611-0007) finds the same complaint."
    )
    async def complaint_by_number(
        self,
        info: Info,
        site_id: SiteId,
        number: Annotated[
            str,
            strawberry.argument(
                description="The C-6 number, e.g. 261107; null answers a number that is "
                "malformed or unknown at the site."
            ),
        ],
    ) -> Complaint | None:
        try:
            wanted = str(parse_complaint_number(number, legacy=True))
        except InvalidComplaintNumber:
            return None
        async with info.context.db.session() as s:
            key = await s.scalar(
                select(models.Complaint.id).where(
                    models.Complaint.site_id == parse_id(site_id, "siteId"),
                    models.Complaint.number == wanted,
                )
            )
        if key is None:
            return None
        return (await load_complaints(info, [key], selection(info))).get(key)  # type: ignore[return-value]

    @strawberry.field(description="Complaints of a site, newest first.")
    async def complaints(
        self,
        info: Info,
        site_id: SiteId,
        status: Annotated[
            ComplaintStatus | None,
            strawberry.argument(description="Only complaints in this state (C-9)."),
        ] = None,
        severity: Annotated[
            ComplaintSeverity | None,
            strawberry.argument(description="Only complaints of this severity (PM-4)."),
        ] = None,
        handler_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only complaints handled by this staff member."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            ComplaintOrder | None,
            strawberry.argument(description="Sort order (default: newest first)."),
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the complaints of this customer."),
        ] = None,
        filed_from: Annotated[
            datetime | None,
            strawberry.argument(description="Only complaints filed (C-7) at or after this."),
        ] = None,
        filed_before: Annotated[
            datetime | None, strawberry.argument(description="Only complaints filed before this.")
        ] = None,
    ) -> ComplaintConnection:
        m = models.Complaint
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        if status is not None:
            stmt = stmt.where(m.status == status.value)
        if severity is not None:
            stmt = stmt.where(m.severity == severity.value)
        if handler_id is not None:
            stmt = stmt.where(m.handler_id == parse_id(handler_id, "handlerId"))
        if customer_id is not None:
            stmt = stmt.where(m.customer_id == parse_id(customer_id, "customerId"))
        if filed_from is not None:
            stmt = stmt.where(m.filed_at >= require_aware(filed_from, "filedFrom"))
        if filed_before is not None:
            stmt = stmt.where(m.filed_at < require_aware(filed_before, "filedBefore"))
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Complaint",
                cursor_kind="complaint",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_arg(order_by, m),
                max_page_size=info.context.app.settings.max_page_size,
                options=history_options(node_fields(info)),
            )

    @strawberry.field(
        description="Complaints of a site that have missed a deadline at `now` (default: the "
        "request time), oldest first, with the deadlines they missed (C-8, C-11, C-9)."
    )
    async def overdue_complaints(
        self,
        info: Info,
        site_id: SiteId,
        now: Annotated[
            datetime | None,
            strawberry.argument(
                description="The moment to judge at, with a UTC offset (default: the request time)."
            ),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="Forward: at most this many (default 100)."),
        ] = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OverdueComplaint]:
        moment = require_aware(now, "now") if now is not None else info.context.now()
        m = models.Complaint
        stmt = select(m).where(
            m.site_id == parse_id(site_id, "siteId"), service.overdue_condition(moment)
        )
        fields = children(node_fields(info), "complaint")

        def view(complaint: Any) -> OverdueComplaint:
            return OverdueComplaint(
                complaint=complaint,
                reasons=_decisions(service.overdue_decisions(complaint, moment)),
            )

        async with info.context.db.session() as s:
            page = await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="OverdueComplaint",
                cursor_kind="overdue",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_of("id", False, m),
                max_page_size=info.context.app.settings.max_page_size,
                default_page=100,
                options=complaint_options(fields),
                view=view,
            )
            await prefetch(info, s, "Complaint", fields, [e.node.complaint for e in page.edges])
        return page

    @strawberry.field(
        description="C-12: counts by category, severity, handler, department, staff at fault "
        "and status, and the on-time rate, of the complaints filed in the week or month "
        "containing `start` (site-local); `departmentId` gives one department's weekly "
        "statistics."
    )
    async def complaint_statistics(
        self,
        info: Info,
        site_id: SiteId,
        period: Annotated[
            StatisticsPeriod, strawberry.argument(description="A week or a calendar month.")
        ],
        start: Annotated[
            date,
            strawberry.argument(
                description="Any day of the period (site-local): the week or month containing it."
            ),
        ],
        department_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the complaints this department is responsible for (the "
                "staff at fault's department, else the handler's); null: the whole site."
            ),
        ] = None,
    ) -> ComplaintStatistics:
        async with info.context.db.session() as s:
            stats = await service.complaint_statistics(
                s,
                parse_id(site_id, "siteId"),
                service.StatisticsPeriod(period),
                start,
                department_id=_optional_id(department_id, "departmentId"),
            )
        return ComplaintStatistics(
            site_id=global_id_of("Site", stats.site_id),
            period=stats.period,
            first_day=stats.first_day,
            last_day=stats.last_day,
            starts_at=stats.starts_at,
            ends_at=stats.ends_at,
            total=stats.total,
            by_category=[ComplaintCount(key=k, count=n) for k, n in stats.by_category],
            by_severity=[ComplaintCount(key=k, count=n) for k, n in stats.by_severity],
            by_status=[ComplaintCount(key=k, count=n) for k, n in stats.by_status],
            by_handler=[
                HandlerCount(handler=stats.handlers.get(h) if h else None, count=n)  # type: ignore[arg-type]
                for h, n in stats.by_handler
            ],
            by_department=[
                DepartmentCount(department_id=global_id_of("Department", d), count=n)
                for d, n in stats.by_department
            ],
            by_staff_at_fault=[
                StaffAtFaultCount(staff=stats.handlers.get(h) if h else None, count=n)  # type: ignore[arg-type]
                for h, n in stats.by_staff_at_fault
            ],
            department_id=global_id_of("Department", stats.department_id or None),
            report_due_on=stats.report_due_on,
            resolved=stats.resolved,
            resolved_on_time=stats.resolved_on_time,
            on_time_rate=stats.on_time_rate,
            decision=_decision(stats.reason),
        )


@strawberry.type
class ComplaintMutation:
    @strawberry.mutation(
        description="C-5/C-7: file a complaint; it is numbered (C-6) and gets its severity and "
        "deadlines from the site's business line (PM-4/PM-5, C-8, C-11)."
    )
    async def file_complaint(self, info: Info, input: FileComplaintInput) -> FileComplaintPayload:
        ctx = info.context
        now = ctx.now()
        filing = service.ComplaintFiling(
            site_id=parse_id(input.site_id, "siteId"),
            channel=input.channel.value,
            category=input.category,
            description=input.description,
            received_at=require_aware(input.received_at, "receivedAt")
            if input.received_at
            else now,
            taken_by_id=_actor_id(info, input.acting_staff_id),
            caller_company=input.caller_company,
            caller_name=input.caller_name,
            customer_name=input.customer_name,
            customer_id=_optional_id(input.customer_id, "customerId"),
            visit_id=_optional_id(input.visit_id, "visitId"),
            households=input.households,
            flags=tuple(input.flags),
            handler_id=_optional_id(input.handler_id, "handlerId"),
            customer_requested_by=require_aware(input.customer_requested_by, "customerRequestedBy")
            if input.customer_requested_by is not None
            else None,
        )
        async with ctx.app.write() as s:
            filed = await service.file_complaint(s, ctx.host, filing, now)
            key = filed.complaint.id
            if line_values(info, "FileComplaintInput", input):  # the site is read for them
                await deliver_line_inputs(
                    info,
                    s,
                    "FileComplaintInput",
                    input,
                    site=await get_site(s, filed.complaint.site_id),
                    subject_id=key,
                    now=now,
                )
            fields = children(selection(info), "complaint")
            if complaint_options(fields):
                loaded = (await load_complaints(info, [key], fields, s))[key]
            else:  # the row just written (issue 8: no re-read)
                loaded = await written(
                    info, models.Complaint, "Complaint", filed.complaint, fields, s
                )
        return FileComplaintPayload(
            complaint=loaded,  # type: ignore[arg-type]
            decision=_decision(filed.decision),
            notifications=[
                Notification(kind=n.kind, message=n.message, rule=n.rule)
                for n in filed.notifications
            ],
        )

    @strawberry.mutation(
        description="C-9: move a complaint along received → acknowledged → in progress "
        "(⇄ waiting on customer) → resolved → revisited → closed, or reopen it.  Illegal "
        "moves fail with ILLEGAL_TRANSITION and change nothing."
    )
    async def transition_complaint(
        self, info: Info, input: TransitionComplaintInput
    ) -> TransitionComplaintPayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            change = await service.transition_complaint(
                s,
                parse_id(input.complaint_id, "complaintId"),
                input.to.value,
                actor,
                input.reason,
                ctx.now(),
                host=ctx.host,
            )
            return await _result(info, change, s, TransitionComplaintPayload)

    @strawberry.mutation(
        description="C-8: record a progress update given to the customer; the next one is due "
        "an interval later (NO_PROGRESS_UPDATE before the first response or once closed)."
    )
    async def record_complaint_progress(
        self, info: Info, input: RecordComplaintProgressInput
    ) -> RecordComplaintProgressPayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            change = await service.record_progress_update(
                s, parse_id(input.complaint_id, "complaintId"), actor, input.note, ctx.now()
            )
            return await _result(info, change, s, RecordComplaintProgressPayload)

    @strawberry.mutation(
        description="C-11: mark a complaint a special case with a reason: its resolution is "
        "then due at the special-case limit (7 working days by default), a hard cap no pause "
        "extends (SPECIAL_CASE_REFUSED once resolved or already marked).",
        metadata=MANAGE,
    )
    async def mark_complaint_special_case(
        self, info: Info, input: MarkComplaintSpecialCaseInput
    ) -> MarkComplaintSpecialCasePayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            change = await service.mark_special_case(
                s, parse_id(input.complaint_id, "complaintId"), actor, input.reason, ctx.now()
            )
            return await _result(info, change, s, MarkComplaintSpecialCasePayload)

    @strawberry.mutation(description="Give a complaint to a handler at its site.")
    async def assign_complaint(
        self, info: Info, input: AssignComplaintInput
    ) -> AssignComplaintPayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            change = await service.assign_complaint(
                s,
                parse_id(input.complaint_id, "complaintId"),
                parse_id(input.handler_id, "handlerId"),
                actor,
                input.reason,
                ctx.now(),
            )
            return await _result(info, change, s, AssignComplaintPayload)

    @strawberry.mutation(
        description="C-10: escalate one level (handler → site head → vice president → general "
        "manager); ALREADY_AT_TOP at the general manager."
    )
    async def escalate_complaint(
        self, info: Info, input: EscalateComplaintInput
    ) -> EscalateComplaintPayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            change = await service.escalate_complaint(
                s, parse_id(input.complaint_id, "complaintId"), actor, input.reason, ctx.now()
            )
            return await _result(info, change, s, EscalateComplaintPayload)

    @strawberry.mutation(
        description="C-14: record that a staff member's service caused the complaint and fine "
        "them (and the first-responsible manager) from the site's penalty table, with the "
        "financial loss charged to them as a compensation entry, all or nothing.",
        metadata=MANAGE,
    )
    async def verify_complaint_fault(
        self, info: Info, input: VerifyComplaintFaultInput
    ) -> VerifyComplaintFaultPayload:
        ctx = info.context
        actor = _actor_id(info, input.acting_staff_id)
        async with ctx.app.write() as s:
            verified = await service.verify_complaint_fault(
                s,
                complaint_id=parse_id(input.complaint_id, "complaintId"),
                staff_id=parse_id(input.staff_id, "staffId"),
                fine_amount=input.fine_amount,
                reason=input.reason,
                actor_staff_id=actor,
                now=ctx.now(),
                manager_id=_optional_id(input.manager_id, "managerId"),
                manager_fine_amount=input.manager_fine_amount,
                compensation_amount=input.compensation_amount,
                compensation_reason=input.compensation_reason,
                host=ctx.host,
            )
            key = verified.complaint.id
            penalty_ids = [p.id for p in verified.penalties]
            sel = selection(info)
            loaded = await load_complaints(info, [key], children(sel, "complaint"), s)
            penalties = {
                p.id: p
                for p in (
                    await s.scalars(
                        select(models.Penalty)
                        .where(models.Penalty.id.in_(penalty_ids))
                        .options(
                            joinedload(models.Penalty.staff),
                            joinedload(models.Penalty.penalty_rule),
                        )
                        .execution_options(populate_existing=True)
                    )
                ).all()
            }
        return VerifyComplaintFaultPayload(
            complaint=loaded[key],  # type: ignore[arg-type]
            penalties=[penalties[i] for i in penalty_ids],  # type: ignore[misc]
            decision=_decision(verified.decision),
        )

    @strawberry.mutation(
        description="Mark complaints whose deadlines passed and raise complaint.overdue once "
        "per complaint, deadline and cycle (admin; a scheduler can run the same service).",
        metadata=ADMIN,
    )
    async def sweep_overdue_complaints(
        self, info: Info, input: SweepOverdueComplaintsInput
    ) -> SweepOverdueComplaintsPayload:
        ctx = info.context
        site = _optional_id(input.site_id, "siteId")
        fields = children(children(selection(info), "marked"), "complaint")
        found: list[tuple[int, Any, Any, Any]] = []
        frame = CURRENT_MUTATION.get(None)
        if frame is not None and frame.idempotency is not None:
            # Under an Idempotency-Key the first transaction stays open until the answer is
            # stored with it: the sweep is that one transaction (a retry gets the same answer).
            async with ctx.app.write() as s:
                marks = await service.sweep_overdue(s, ctx.now(), site_id=site)
                found = [(m.complaint.id, m.kind, m.due, m.reason) for m in marks]
                loaded = await load_complaints(info, sorted({f[0] for f in found}), fields, s)
        else:
            # Issue 13: in batches, each its own short transaction (the first one carries
            # the audit row); the answer is read once every batch has committed.

            async def collect(_session: Any, marks: list[service.OverdueMark]) -> None:
                found.extend((m.complaint.id, m.kind, m.due, m.reason) for m in marks)

            await service.sweep_overdue_in_batches(
                ctx.app.write, ctx.now(), site_id=site, on_batch=collect
            )
            loaded = await load_complaints(info, sorted({f[0] for f in found}), fields)
        return SweepOverdueComplaintsPayload(
            count=len(found),
            marked=[
                OverdueMark(
                    complaint=loaded[key],  # type: ignore[arg-type]
                    kind=kind,
                    due=due,
                    decision=_decision(reason),
                )
                for key, kind, due, reason in found
            ],
        )
