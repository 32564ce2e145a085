"""GraphQL for departments (C-12), rosters (PM-1, KTV-1) and C-15 shift swaps."""

from __future__ import annotations

from datetime import date, datetime, time

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core import models
from core.graphql.queries import parse_id
from core.graphql.types import Decision, Staff
from core.graphql.user_errors import payload
from core.services import workforce as service

MANAGE = {"permission": "manage"}

SwapStatus = strawberry.enum(models.SwapStatus, description="C-15: where a swap stands.")


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A department of a site (C-12).")
class Department:
    id: strawberry.ID
    site_id: strawberry.ID
    name: str

    @classmethod
    def of(cls, row: models.Department) -> Department:
        return cls(
            id=strawberry.ID(str(row.id)), site_id=strawberry.ID(str(row.site_id)), name=row.name
        )


@strawberry.type(
    description="A rostered shift (may cross midnight: KTV-1 19:30–02:00, PM-1 20:00–08:00)."
)
class Shift:
    id: strawberry.ID
    site_id: strawberry.ID
    staff_id: strawberry.ID
    business_date: date
    starts_at: datetime
    ends_at: datetime
    duty_role: str

    @classmethod
    def of(cls, row: models.Shift) -> Shift:
        return cls(
            id=strawberry.ID(str(row.id)),
            site_id=strawberry.ID(str(row.site_id)),
            staff_id=strawberry.ID(str(row.staff_id)),
            business_date=row.business_date,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            duty_role=row.duty_role,
        )


@strawberry.type(description="PM-1: a staff member on duty and the shift they work.")
class OnDuty:
    shift: Shift
    staff: Staff


@strawberry.type(description="An entry of the C-15 swap register (换班登记表).")
class ShiftSwap:
    id: strawberry.ID
    site_id: strawberry.ID
    requester_id: strawberry.ID
    counterpart_id: strawberry.ID
    shift_id: strawberry.ID = strawberry.field(description="The requester's shift given away.")
    payback_shift_id: strawberry.ID = strawberry.field(
        description="The pay-back shift (还班): the counterpart's shift the requester works."
    )
    status: SwapStatus
    reason: str
    requested_at: datetime
    agreed_at: datetime | None
    decided_at: datetime | None
    decided_by_id: strawberry.ID | None
    decision: Decision | None

    @classmethod
    def of(cls, row: models.ShiftSwap) -> ShiftSwap:
        decision = None
        if row.decision_rule:
            decision = Decision(rule=row.decision_rule, message=row.decision_reason or "")
        return cls(
            id=strawberry.ID(str(row.id)),
            site_id=strawberry.ID(str(row.site_id)),
            requester_id=strawberry.ID(str(row.requester_id)),
            counterpart_id=strawberry.ID(str(row.counterpart_id)),
            shift_id=strawberry.ID(str(row.shift_id)),
            payback_shift_id=strawberry.ID(str(row.payback_shift_id)),
            status=row.status,
            reason=row.reason,
            requested_at=row.requested_at,
            agreed_at=row.agreed_at,
            decided_at=row.decided_at,
            decided_by_id=_id(row.decided_by_id),
            decision=decision,
        )


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
    @strawberry.field(description="C-12: the departments of a site.")
    async def departments(self, info: Info, site_id: strawberry.ID) -> list[Department]:
        sid = parse_id(site_id, "siteId")
        async with info.context.db.session() as s:
            rows = await s.scalars(
                select(models.Department)
                .where(models.Department.site_id == sid)
                .order_by(models.Department.name)
            )
            return [Department.of(r) for r in rows.all()]

    @strawberry.field(description="The roster of a site from `fromDate` to `toDate` (inclusive).")
    async def shifts(
        self, info: Info, site_id: strawberry.ID, from_date: date, to_date: date
    ) -> list[Shift]:
        sid = parse_id(site_id, "siteId")
        async with info.context.db.session() as s:
            rows = await s.scalars(
                select(models.Shift)
                .where(
                    models.Shift.site_id == sid,
                    models.Shift.business_date.between(from_date, to_date),
                )
                .order_by(models.Shift.starts_at, models.Shift.id)
            )
            return [Shift.of(r) for r in rows.all()]

    @strawberry.field(
        description="PM-1: who is on duty at the site at moment `at` (a shift's start "
        "inclusive, its end exclusive), optionally only those with duty role `role`."
    )
    async def on_duty(
        self, info: Info, site_id: strawberry.ID, at: datetime, role: str | None = None
    ) -> list[OnDuty]:
        async with info.context.db.session() as s:
            rows = await service.on_duty(
                s, site_id=parse_id(site_id, "siteId"), moment=at, role=role
            )
            return [OnDuty(shift=Shift.of(shift), staff=staff) for shift, staff in rows]  # type: ignore[arg-type]

    @strawberry.field(description="C-15: the swap register of a site, newest first.")
    async def shift_swaps(self, info: Info, site_id: strawberry.ID) -> list[ShiftSwap]:
        sid = parse_id(site_id, "siteId")
        async with info.context.db.session() as s:
            rows = await s.scalars(
                select(models.ShiftSwap)
                .where(models.ShiftSwap.site_id == sid)
                .order_by(models.ShiftSwap.id.desc())
            )
            return [ShiftSwap.of(r) for r in rows.all()]


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
