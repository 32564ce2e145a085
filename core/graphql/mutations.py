"""Core root mutations.  Each runs one transaction: everything is written, or nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core import models
from core.errors import NotFound
from core.graphql.line_inputs import deliver_line_inputs, line_values
from core.graphql.loading import children, plan_eager, prefetch, selection
from core.graphql.queries import parse_id
from core.graphql.scalars import Money
from core.graphql.types import (
    CheckInResult,
    Customer,
    CustomerClass,
    Decision,
    GroupKind,
    InquiryKind,
    Notification,
    Penalty,
    Site,
    Staff,
    Visit,
    VisitChannel,
    VisitorKind,
)
from core.services import directory, penalties, visits

MANAGE = {"permission": "manage"}


async def reload(info: Info, model: Any, type_name: str, key: int, fields: list) -> Any:
    """Read back what a mutation wrote, with the relations the client selected."""
    stmt = select(model).where(model.id == key)
    options = plan_eager(model, type_name, fields)
    if options:
        stmt = stmt.options(*options)
    async with info.context.db.session() as s:
        obj = (await s.scalars(stmt)).unique().one()
        await prefetch(info, s, type_name, fields, [obj])
        return obj


@strawberry.input
class CreateSiteInput:
    name: str
    business_line: str = strawberry.field(description="An enabled business line's code.")
    timezone: str = "Asia/Shanghai"
    calendar_region: str = "CN"


@strawberry.input
class RegisterCustomerInput:
    site_id: strawberry.ID
    name: str
    phone: str | None = None
    customer_class: CustomerClass = models.CustomerClass.D
    group_kind: GroupKind | None = strawberry.field(
        default=None, description="RE-11: company or family this customer belongs to."
    )
    group_name: str | None = None


@strawberry.input
class AddStaffInput:
    site_id: strawberry.ID
    name: str
    role: str
    phone: str | None = None


@strawberry.input
class CorrectVisitInput:
    visit_id: strawberry.ID
    reason: str
    notes: str | None = None
    inquiry_kind: InquiryKind | None = None
    party_size: int | None = None
    customer_id: strawberry.ID | None = None


@strawberry.input
class IssuePenaltyInput:
    staff_id: strawberry.ID
    rule_code: str = strawberry.field(description="A code of the site's penalty table.")
    reason: str
    amount: Money | None = strawberry.field(
        default=None, description="Within the rule's bounds; omit for fixed amounts."
    )
    issued_by_id: strawberry.ID | None = None
    complaint_id: strawberry.ID | None = None
    visit_id: strawberry.ID | None = None


@strawberry.input
class RevokePenaltyInput:
    penalty_id: strawberry.ID
    reason: str
    issued_by_id: strawberry.ID | None = None


# Core fields of CheckInVisitInput; ``schema.build`` adds each enabled line's own input field.
CHECK_IN_CORE_FIELDS: list[tuple[str, Any, Any, str]] = [
    ("site_id", strawberry.ID, strawberry.UNSET, "The site the visitor arrives at."),
    ("customer_id", strawberry.ID | None, None, "A registered customer, if known."),
    ("channel", VisitChannel, models.VisitChannel.WALK_IN, "Walk-in or phone inquiry."),
    ("inquiry_kind", InquiryKind, models.InquiryKind.CONSULTATION, "C-5 inquiry kind."),
    ("visitor_kind", VisitorKind, models.VisitorKind.CUSTOMER, "RE-8/9/10 and the like."),
    ("named_staff_id", strawberry.ID | None, None, "The staff member the visitor asks for."),
    ("party_size", int, 1, "How many people arrived together."),
    ("notes", str | None, None, "Free text for the register."),
    ("receiver_id", strawberry.ID | None, None, "Lines without reception rules only."),
    ("arrived_at", datetime | None, None, "Defaults to now; must carry an offset."),
]


async def check_in_visit_resolver(info: Info, input: Any) -> CheckInResult:
    ctx = info.context
    line_input = {
        line: value for line, value in line_values(info, "CheckInVisitInput", input).values()
    }
    check_in = visits.CheckIn(
        site_id=parse_id(input.site_id, "siteId"),
        customer_id=parse_id(input.customer_id, "customerId") if input.customer_id else None,
        channel=models.VisitChannel(input.channel),
        inquiry_kind=models.InquiryKind(input.inquiry_kind),
        visitor_kind=models.VisitorKind(input.visitor_kind),
        named_staff_id=(
            parse_id(input.named_staff_id, "namedStaffId") if input.named_staff_id else None
        ),
        party_size=input.party_size,
        notes=input.notes,
        receiver_id=parse_id(input.receiver_id, "receiverId") if input.receiver_id else None,
        arrived_at=input.arrived_at,
        line_input=line_input,
    )
    async with ctx.app.write() as s:
        visit, outcome = await visits.check_in_visit(s, ctx.host, check_in, ctx.now())
        visit_id = visit.id
        decision = Decision(rule=visit.decision_rule or "", message=visit.decision_reason or "")
    fields = children(selection(info), "visit")
    loaded = await reload(info, models.Visit, "Visit", visit_id, fields)
    return CheckInResult(
        visit=loaded,
        decision=decision,
        notifications=[
            Notification(kind=n.kind, message=n.message, rule=n.rule)
            for n in (outcome.notifications if outcome else ())
        ],
    )


@strawberry.type
class CoreMutation:
    @strawberry.mutation(description="Create a site for an enabled business line.", metadata=MANAGE)
    async def create_site(self, info: Info, input: CreateSiteInput) -> Site:
        ctx = info.context
        async with ctx.app.write() as s:
            site = await directory.create_site(
                s,
                ctx.host,
                name=input.name,
                business_line=input.business_line,
                timezone=input.timezone,
                calendar_region=input.calendar_region,
                now=ctx.now(),
            )
            await deliver_line_inputs(
                info, s, "CreateSiteInput", input, site=site, subject_id=site.id, now=ctx.now()
            )
        return await reload(info, models.Site, "Site", site.id, selection(info))

    @strawberry.mutation(description="Register a customer at a site (C-1 class, RE-11 group).")
    async def register_customer(self, info: Info, input: RegisterCustomerInput) -> Customer:
        ctx = info.context
        async with ctx.app.write() as s:
            customer = await directory.register_customer(
                s,
                site_id=parse_id(input.site_id, "siteId"),
                name=input.name,
                phone=input.phone,
                customer_class=models.CustomerClass(input.customer_class),
                group_kind=models.GroupKind(input.group_kind) if input.group_kind else None,
                group_name=input.group_name,
                now=ctx.now(),
            )
            await deliver_line_inputs(
                info,
                s,
                "RegisterCustomerInput",
                input,
                site=await directory.get_site(s, customer.site_id),
                subject_id=customer.id,
                now=ctx.now(),
            )
        return await reload(info, models.Customer, "Customer", customer.id, selection(info))

    @strawberry.mutation(description="Add a staff member to a site.", metadata=MANAGE)
    async def add_staff(self, info: Info, input: AddStaffInput) -> Staff:
        ctx = info.context
        async with ctx.app.write() as s:
            staff = await directory.add_staff(
                s,
                site_id=parse_id(input.site_id, "siteId"),
                name=input.name,
                role=input.role,
                phone=input.phone,
                now=ctx.now(),
                host=ctx.host,
            )
            await deliver_line_inputs(
                info,
                s,
                "AddStaffInput",
                input,
                site=await directory.get_site(s, staff.site_id),
                subject_id=staff.id,
                now=ctx.now(),
            )
        return await reload(info, models.Staff, "Staff", staff.id, selection(info))

    @strawberry.mutation(
        description="C-4: record a correction of a register entry.", metadata=MANAGE
    )
    async def correct_visit(self, info: Info, input: CorrectVisitInput) -> Visit:
        ctx = info.context
        async with ctx.app.write() as s:
            visit = await visits.correct_visit(
                s,
                visit_id=parse_id(input.visit_id, "visitId"),
                reason=input.reason,
                now=ctx.now(),
                notes=input.notes,
                inquiry_kind=models.InquiryKind(input.inquiry_kind) if input.inquiry_kind else None,
                party_size=input.party_size,
                customer_id=parse_id(input.customer_id, "customerId")
                if input.customer_id
                else None,
            )
        return await reload(info, models.Visit, "Visit", visit.id, selection(info))

    @strawberry.mutation(
        description="Issue a penalty under a rule of the site's penalty table.", metadata=MANAGE
    )
    async def issue_penalty(self, info: Info, input: IssuePenaltyInput) -> Penalty:
        ctx = info.context
        async with ctx.app.write() as s:
            staff = await s.get(models.Staff, parse_id(input.staff_id, "staffId"))
            if staff is None:
                raise NotFound(f"staff {input.staff_id} does not exist", code="STAFF_NOT_FOUND")
            penalty = await penalties.issue_penalty(
                s,
                site_id=staff.site_id,
                staff_id=staff.id,
                rule_code=input.rule_code,
                amount=input.amount,
                reason=input.reason,
                issued_by_id=parse_id(input.issued_by_id, "issuedById")
                if input.issued_by_id
                else None,
                now=ctx.now(),
                complaint_id=parse_id(input.complaint_id, "complaintId")
                if input.complaint_id
                else None,
                visit_id=parse_id(input.visit_id, "visitId") if input.visit_id else None,
            )
        return await reload(info, models.Penalty, "Penalty", penalty.id, selection(info))

    @strawberry.mutation(description="Revoke a penalty with a new ledger entry.", metadata=MANAGE)
    async def revoke_penalty(self, info: Info, input: RevokePenaltyInput) -> Penalty:
        ctx = info.context
        async with ctx.app.write() as s:
            penalty = await penalties.revoke_penalty(
                s,
                penalty_id=parse_id(input.penalty_id, "penaltyId"),
                reason=input.reason,
                issued_by_id=parse_id(input.issued_by_id, "issuedById")
                if input.issued_by_id
                else None,
                now=ctx.now(),
            )
        return await reload(info, models.Penalty, "Penalty", penalty.id, selection(info))
