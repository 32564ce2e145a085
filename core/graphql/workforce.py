"""GraphQL for departments (C-12), rosters (PM-1, KTV-1) and C-15 shift swaps."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core import models
from core.calendar import calendar_for
from core.graphql.ids import register_node
from core.graphql.loading import business_days_page, order_of, paginate, plan_eager, selection
from core.graphql.queries import After, Before, First, Last, SiteId, ToDate, parse_id
from core.graphql.types import (
    Connection,
    Decision,
    Department,
    Node,
    Site,
    Staff,
    describe_values,
    global_id_of,
    legacy_id,
    load_linked,
    node_id,
    view_link,
)
from core.graphql.user_errors import payload
from core.services import workforce as service

MANAGE = {"permission": "manage"}

SwapStatus = strawberry.enum(models.SwapStatus, description="C-15: where a swap stands.")
describe_values(
    SwapStatus,
    {
        "REQUESTED": "Asked for by the requester; waiting for the counterpart to agree.",
        "AGREED": "The counterpart agreed; waiting for the manager (C-15).",
        "APPROVED": "Approved by the manager: the shifts are exchanged.",
        "REFUSED": "Refused by the manager or failing a C-15 limit (see `decision`).",
    },
)


def _id(value: int | None) -> strawberry.ID | None:  # legacy helper (mutations)
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(
    description="A rostered shift (may cross midnight: KTV-1 19:30–02:00, PM-1 20:00–08:00)."
)
class Shift(Node):
    global_id = node_id("Shift")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.", deprecation_reason="Use `site`; removed in 2.0."
    )
    staff_id: strawberry.ID = strawberry.field(
        description="The staff member's global id.",
        deprecation_reason="Use `staff`; removed in 2.0.",
    )
    business_date: date = strawberry.field(
        description="The business day the shift belongs to (KTV-1: a night shift's is the day "
        "it starts)."
    )
    starts_at: datetime = strawberry.field(description="When it starts (UTC).")
    ends_at: datetime = strawberry.field(
        description="When it ends (UTC; excluded); may be the next calendar day."
    )
    duty_role: str = strawberry.field(
        description="The role held on this shift, e.g. night_duty_manager (PM-1); by default "
        "the staff member's role."
    )
    site: Site | None = view_link(
        models.Site, "site_id", Site | None, parse_as="Site", description="The site."
    )
    staff: Staff | None = view_link(
        models.Staff,
        "staff_id",
        Staff | None,
        parse_as="Staff",
        description="Who works the shift.",
    )

    @strawberry.field(
        description="C-15: the shift's business day is a public holiday of the site's calendar "
        "(C-11: its region's holidays, make-up working days excluded): public-holiday duty, "
        "which may neither be swapped nor taken as leave."
    )
    async def public_holiday_duty(self, info: Info) -> bool:
        site = await load_linked(info, models.Site, parse_id(self.site_id, "siteId", of="Site"))
        if site is None:
            return False
        calendar = calendar_for(site.calendar_region, site.timezone)
        return calendar.is_public_holiday(self.business_date)

    @classmethod
    def of(cls, row: models.Shift) -> Shift:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            staff_id=global_id_of("Staff", row.staff_id),
            business_date=row.business_date,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            duty_role=row.duty_role,
        )


@strawberry.type(description="PM-1: a staff member on duty and the shift they work.")
class OnDuty:
    shift: Shift = strawberry.field(description="The shift covering the moment asked about.")
    staff: Staff = strawberry.field(description="Who works it.")


@strawberry.type(description="An entry of the C-15 swap register (换班登记表).")
class ShiftSwap(Node):
    global_id = node_id("ShiftSwap")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.", deprecation_reason="Use `site`; removed in 2.0."
    )
    requester_id: strawberry.ID = strawberry.field(
        description="The requester's global id.",
        deprecation_reason="Use `requester`; removed in 2.0.",
    )
    counterpart_id: strawberry.ID = strawberry.field(
        description="The counterpart's global id.",
        deprecation_reason="Use `counterpart`; removed in 2.0.",
    )
    shift_id: strawberry.ID = strawberry.field(
        description="The requester's shift given away.",
        deprecation_reason="Use `shift`; removed in 2.0.",
    )
    payback_shift_id: strawberry.ID = strawberry.field(
        description="The pay-back shift (还班): the counterpart's shift the requester works.",
        deprecation_reason="Use `paybackShift`; removed in 2.0.",
    )
    status: SwapStatus = strawberry.field(description="C-15: where the swap stands.")
    reason: str = strawberry.field(description="Why it was asked for; may be empty.")
    requested_at: datetime = strawberry.field(description="When it was requested (UTC).")
    agreed_at: datetime | None = strawberry.field(
        description="When the counterpart agreed (UTC); null: not yet."
    )
    decided_at: datetime | None = strawberry.field(
        description="When the manager approved or refused it (UTC); null: not yet."
    )
    decided_by_id: strawberry.ID | None = strawberry.field(
        description="The deciding manager's global id.",
        deprecation_reason="Use `decidedBy`; removed in 2.0.",
    )
    decision: Decision | None = strawberry.field(
        description="C-15: why it was approved or refused (limits per month, consecutive "
        "swaps, two shifts in a row …); null while pending."
    )
    site: Site | None = view_link(
        models.Site, "site_id", Site | None, parse_as="Site", description="The site."
    )
    requester: Staff | None = view_link(
        models.Staff,
        "requester_id",
        Staff | None,
        parse_as="Staff",
        description="C-15: who asked to swap.",
    )
    counterpart: Staff | None = view_link(
        models.Staff,
        "counterpart_id",
        Staff | None,
        parse_as="Staff",
        description="C-15: who takes the requester's shift.",
    )
    shift: Shift | None = view_link(
        models.Shift,
        "shift_id",
        Shift | None,
        parse_as="Shift",
        view=Shift.of,
        description="The requester's shift given away.",
    )
    payback_shift: Shift | None = view_link(
        models.Shift,
        "payback_shift_id",
        Shift | None,
        parse_as="Shift",
        view=Shift.of,
        description="The pay-back shift (还班) the requester works.",
    )
    decided_by: Staff | None = view_link(
        models.Staff,
        "decided_by_id",
        Staff | None,
        parse_as="Staff",
        description="The manager who approved or refused it.",
    )

    @classmethod
    def of(cls, row: models.ShiftSwap) -> ShiftSwap:
        decision = None
        if row.decision_rule:
            decision = Decision(rule=row.decision_rule, message=row.decision_reason or "")
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            requester_id=global_id_of("Staff", row.requester_id),
            counterpart_id=global_id_of("Staff", row.counterpart_id),
            shift_id=global_id_of("Shift", row.shift_id),
            payback_shift_id=global_id_of("Shift", row.payback_shift_id),
            status=row.status,
            reason=row.reason,
            requested_at=row.requested_at,
            agreed_at=row.agreed_at,
            decided_at=row.decided_at,
            decided_by_id=global_id_of("Staff", row.decided_by_id),
            decision=decision,
        )


def _row_node(model: type, view: Any) -> Any:
    async def load(info: Info, key: int) -> Any:
        async with info.context.db.read() as s:
            row = await s.get(model, key)
        return None if row is None else view(row)

    return load


async def _department_node(info: Info, key: int) -> Any:
    m = models.Department
    stmt = select(m).where(m.id == key).options(*plan_eager(m, "Department", selection(info)))
    async with info.context.db.read() as s:
        return (await s.scalars(stmt)).unique().one_or_none()


register_node("Department", _department_node, model=models.Department)
register_node("Shift", _row_node(models.Shift, Shift.of))
register_node("ShiftSwap", _row_node(models.ShiftSwap, ShiftSwap.of))


ACTING_STAFF = (
    "The staff member who makes this change (recorded with it); the same name in every mutation."
)


@strawberry.input(description="Input of `createDepartment` (C-12).")
class CreateDepartmentInput:
    site_id: strawberry.ID = strawberry.field(description="The site.")
    name: str = strawberry.field(description="The department's name, unique at the site.")


@strawberry.input(description="Input of `assignStaffDepartment` (C-12).")
class AssignStaffDepartmentInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff member.")
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="null: take the staff member out of any department."
    )


@strawberry.input(description="Input of `scheduleShift`.")
class ScheduleShiftInput:
    staff_id: strawberry.ID = strawberry.field(description="Who works the shift.")
    business_date: date = strawberry.field(description="The business day the shift belongs to.")
    start: time = strawberry.field(description="Local wall-clock time of the site.")
    end: time = strawberry.field(
        description="Local; at or before `start` means the next morning (crosses midnight)."
    )
    duty_role: str | None = strawberry.field(
        default=None, description="The role held on this shift (default: the staff role)."
    )


@strawberry.input(description="Input of `requestShiftSwap` (C-15).")
class RequestShiftSwapInput:
    acting_staff_id: strawberry.ID = strawberry.field(
        description=ACTING_STAFF + " Here: the requester, who gives their shift away."
    )
    shift_id: strawberry.ID = strawberry.field(description="The requester's shift given away.")
    counterpart_id: strawberry.ID = strawberry.field(
        description="The colleague who takes the shift."
    )
    payback_shift_id: strawberry.ID = strawberry.field(
        description="The counterpart's shift the requester works in return (还班)."
    )
    reason: str = strawberry.field(default="", description="Why the swap is asked for.")


@strawberry.input(description="Input of `agreeShiftSwap` (C-15).")
class AgreeShiftSwapInput:
    swap_id: strawberry.ID = strawberry.field(description="The requested swap.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description=ACTING_STAFF + " Here: the counterpart, who agrees."
    )


@strawberry.input(description="Input of `approveShiftSwap` (C-15).")
class ApproveShiftSwapInput:
    swap_id: strawberry.ID = strawberry.field(description="The agreed swap.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description=ACTING_STAFF + " Here: the manager who approves."
    )
    reason: str = strawberry.field(default="", description="A note for the register.")


@strawberry.input(description="Input of `refuseShiftSwap` (C-15).")
class RefuseShiftSwapInput:
    swap_id: strawberry.ID = strawberry.field(description="The pending swap.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description=ACTING_STAFF + " Here: the manager who refuses."
    )
    reason: str = strawberry.field(default="", description="Why it is refused.")


CreateDepartmentPayload = payload(
    "createDepartment", "Workforce", {"department": (Department, "The new department.")}
)
AssignStaffDepartmentPayload = payload(
    "assignStaffDepartment", "Workforce", {"staff": (Staff, "The staff member, reassigned.")}
)
ScheduleShiftPayload = payload(
    "scheduleShift", "Workforce", {"shift": (Shift, "The rostered shift.")}
)
RequestShiftSwapPayload = payload(
    "requestShiftSwap", "Workforce", {"swap": (ShiftSwap, "The swap, requested.")}
)
AgreeShiftSwapPayload = payload(
    "agreeShiftSwap", "Workforce", {"swap": (ShiftSwap, "The swap, agreed.")}
)
ApproveShiftSwapPayload = payload(
    "approveShiftSwap", "Workforce", {"swap": (ShiftSwap, "The swap, approved.")}
)
RefuseShiftSwapPayload = payload(
    "refuseShiftSwap", "Workforce", {"swap": (ShiftSwap, "The swap, refused.")}
)


@strawberry.type
class WorkforceQuery:
    @strawberry.field(description="C-12: the departments of a site, by name.")
    async def departments(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Department]:
        m = models.Department
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Department",
                cursor_kind="department",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_of("name", False, m),
                max_page_size=_max(info),
                default_page=_max(info),
            )

    @strawberry.field(
        description="The roster of a site from `fromDate` to `toDate` (inclusive), by start."
    )
    async def shifts(
        self,
        info: Info,
        site_id: SiteId,
        from_date: Annotated[
            date, strawberry.argument(description="The first business day of the roster.")
        ],
        to_date: ToDate,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Shift]:
        return await business_days_page(
            info,
            models.Shift,
            site_id=site_id,
            from_date=from_date,
            to_date=to_date,
            type_name="Shift",
            cursor_kind="shift",
            view=Shift.of,
            first=first,
            after=after,
            last=last,
            before=before,
            order_column="starts_at",
        )

    @strawberry.field(
        description="PM-1: who is on duty at the site at moment `at` (a shift's start "
        "inclusive, its end exclusive), optionally only those with duty role `role`."
    )
    async def on_duty(
        self,
        info: Info,
        site_id: SiteId,
        at: Annotated[
            datetime, strawberry.argument(description="The moment, with its UTC offset.")
        ],
        role: Annotated[
            str | None,
            strawberry.argument(
                description="Only shifts with this duty role, e.g. night_duty_manager (PM-1)."
            ),
        ] = None,
    ) -> list[OnDuty]:
        async with info.context.db.session() as s:
            rows = await service.on_duty(
                s, site_id=parse_id(site_id, "siteId"), moment=at, role=role
            )
            return [OnDuty(shift=Shift.of(shift), staff=staff) for shift, staff in rows]  # type: ignore[arg-type]

    @strawberry.field(description="C-15: the swap register of a site, newest first.")
    async def shift_swaps(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ShiftSwap]:
        m = models.ShiftSwap
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="ShiftSwap",
                cursor_kind="swap",
                first=first,
                after=after,
                last=last,
                before=before,
                max_page_size=_max(info),
                default_page=_max(info),
                view=ShiftSwap.of,
            )


def _max(info: Info) -> int:
    return info.context.app.settings.max_page_size


@strawberry.type
class WorkforceMutation:
    @strawberry.mutation(description="C-12: create a department of a site.", metadata=MANAGE)
    async def create_department(
        self, info: Info, input: CreateDepartmentInput
    ) -> CreateDepartmentPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.create_department(
                s, site_id=parse_id(input.site_id, "siteId"), name=input.name, now=ctx.now()
            )
            return CreateDepartmentPayload(department=Department.of(row))

    @strawberry.mutation(
        description="C-12: put a staff member in a department of their site.", metadata=MANAGE
    )
    async def assign_staff_department(
        self, info: Info, input: AssignStaffDepartmentInput
    ) -> AssignStaffDepartmentPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            staff = await service.assign_department(
                s,
                staff_id=parse_id(input.staff_id, "staffId"),
                department_id=(
                    parse_id(input.department_id, "departmentId") if input.department_id else None
                ),
            )
            return AssignStaffDepartmentPayload(staff=staff)

    @strawberry.mutation(
        description="Roster a shift (KTV-1, PM-1: a shift may cross midnight).", metadata=MANAGE
    )
    async def schedule_shift(self, info: Info, input: ScheduleShiftInput) -> ScheduleShiftPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.schedule_shift(
                s,
                ctx.host,
                staff_id=parse_id(input.staff_id, "staffId"),
                business_date=input.business_date,
                start=input.start,
                end=input.end,
                duty_role=input.duty_role,
                now=ctx.now(),
            )
            return ScheduleShiftPayload(shift=Shift.of(row))

    @strawberry.mutation(
        description="C-15: request a swap naming the pay-back shift; refused with a C-15 "
        "reason over the monthly limit, for consecutive swaps, two shifts in a row or "
        "public-holiday duty."
    )
    async def request_shift_swap(
        self, info: Info, input: RequestShiftSwapInput
    ) -> RequestShiftSwapPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.request_swap(
                s,
                ctx.host,
                requester_id=parse_id(input.acting_staff_id, "actingStaffId"),
                shift_id=parse_id(input.shift_id, "shiftId"),
                counterpart_id=parse_id(input.counterpart_id, "counterpartId"),
                payback_shift_id=parse_id(input.payback_shift_id, "paybackShiftId"),
                reason=input.reason,
                now=ctx.now(),
            )
            return RequestShiftSwapPayload(swap=ShiftSwap.of(row))

    @strawberry.mutation(description="C-15: the counterpart agrees to a requested swap.")
    async def agree_shift_swap(
        self, info: Info, input: AgreeShiftSwapInput
    ) -> AgreeShiftSwapPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.agree_swap(
                s,
                swap_id=parse_id(input.swap_id, "swapId"),
                staff_id=parse_id(input.acting_staff_id, "actingStaffId"),
                now=ctx.now(),
            )
            return AgreeShiftSwapPayload(swap=ShiftSwap.of(row))

    @strawberry.mutation(
        description="C-15: a manager approves an agreed swap; the shifts change hands.",
        metadata=MANAGE,
    )
    async def approve_shift_swap(
        self, info: Info, input: ApproveShiftSwapInput
    ) -> ApproveShiftSwapPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.approve_swap(
                s,
                ctx.host,
                swap_id=parse_id(input.swap_id, "swapId"),
                manager_id=parse_id(input.acting_staff_id, "actingStaffId"),
                now=ctx.now(),
            )
            return ApproveShiftSwapPayload(swap=ShiftSwap.of(row))

    @strawberry.mutation(
        description="C-15: a manager refuses a pending swap, saying why.", metadata=MANAGE
    )
    async def refuse_shift_swap(
        self, info: Info, input: RefuseShiftSwapInput
    ) -> RefuseShiftSwapPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.refuse_swap(
                s,
                swap_id=parse_id(input.swap_id, "swapId"),
                manager_id=parse_id(input.acting_staff_id, "actingStaffId"),
                reason=input.reason,
                now=ctx.now(),
            )
            return RefuseShiftSwapPayload(swap=ShiftSwap.of(row))
