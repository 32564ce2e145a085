"""Core root mutations.  Each runs one transaction: everything is written, or nothing.

Schema 1.0 (issue 17): one ``input`` argument, one ``…Payload`` with nullable result fields
and ``userErrors`` (core.graphql.user_errors); a refusal raises as before and is answered as
a user error around the field (schema.build).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core import models
from core.errors import LineDisabled, NotFound
from core.graphql.line_inputs import deliver_line_inputs, line_values
from core.graphql.loading import children, plan_eager, prefetch, selection, written
from core.graphql.queries import parse_id
from core.graphql.scalars import Money
from core.graphql.types import (
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
from core.graphql.user_errors import payload
from core.services import directory, penalties, visits

MANAGE = {"permission": "manage"}


async def reload(
    info: Info, model: Any, type_name: str, key: int, fields: list, session: AsyncSession
) -> Any:
    """Read back what a mutation wrote, with the relations the client selected, inside the
    mutation's own transaction: the answer is what commits, and nothing read after the
    commit can turn a saved mutation into an error."""
    stmt = select(model).where(model.id == key).execution_options(populate_existing=True)
    options = plan_eager(model, type_name, fields)
    if options:
        stmt = stmt.options(*options)
    obj = (await session.scalars(stmt)).unique().one()
    await prefetch(info, session, type_name, fields, [obj])
    return obj


ACTING_STAFF = (
    "The staff member who makes this change (recorded with it); the same name in every mutation."
)


@strawberry.input(description="Input of `createSite`.")
class CreateSiteInput:
    name: str = strawberry.field(description="The site's name, unique.")
    business_line: str = strawberry.field(description="An enabled business line's code.")
    timezone: str = strawberry.field(
        default="Asia/Shanghai", description="IANA time zone of the site's wall clock."
    )
    calendar_region: str = strawberry.field(
        default="CN", description="Public-holiday calendar region (ISO 3166, e.g. CN, HK)."
    )


@strawberry.input(description="Input of `registerCustomer`.")
class RegisterCustomerInput:
    site_id: strawberry.ID = strawberry.field(description="The site registering the customer.")
    name: str = strawberry.field(description="The customer's name.")
    phone: str | None = strawberry.field(
        default=None, description="A phone number; normalised, unique per site."
    )
    customer_class: CustomerClass = strawberry.field(
        default=models.CustomerClass.D, description="C-1 class (A … D)."
    )
    group_kind: GroupKind | None = strawberry.field(
        default=None, description="RE-11: company or family this customer belongs to."
    )
    group_name: str | None = strawberry.field(
        default=None, description="RE-11: the group's name (with groupKind)."
    )


@strawberry.input(description="Input of `addStaff`.")
class AddStaffInput:
    site_id: strawberry.ID = strawberry.field(description="The site they work at.")
    name: str = strawberry.field(description="The staff member's name.")
    role: str = strawberry.field(description="A core role or one the site's line declares.")
    phone: str | None = strawberry.field(default=None, description="A phone number.")


@strawberry.input(description="Input of `correctVisit` (C-4).")
class CorrectVisitInput:
    visit_id: strawberry.ID = strawberry.field(description="The register entry to correct.")
    reason: str = strawberry.field(description="C-4: why it is corrected.")
    notes: str | None = strawberry.field(default=None, description="Corrected notes.")
    inquiry_kind: InquiryKind | None = strawberry.field(
        default=None, description="Corrected inquiry kind."
    )
    party_size: int | None = strawberry.field(default=None, description="Corrected party size.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The customer the visit really was."
    )


@strawberry.input(description="Input of `issuePenalty`.")
class IssuePenaltyInput:
    staff_id: strawberry.ID = strawberry.field(description="The staff member fined.")
    rule_code: str = strawberry.field(description="A code of the site's penalty table.")
    reason: str = strawberry.field(description="Why, as the ledger shows it.")
    amount: Money | None = strawberry.field(
        default=None, description="Within the rule's bounds; omit for fixed amounts."
    )
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Here: who issues the penalty."
    )
    complaint_id: strawberry.ID | None = strawberry.field(
        default=None, description="The complaint it follows from, if any."
    )
    visit_id: strawberry.ID | None = strawberry.field(
        default=None, description="The visit it follows from, if any."
    )


@strawberry.input(description="Input of `revokePenalty`.")
class RevokePenaltyInput:
    penalty_id: strawberry.ID = strawberry.field(description="The penalty to revoke.")
    reason: str = strawberry.field(description="Why it is revoked.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Here: who revokes the penalty."
    )


CreateSitePayload = payload("createSite", "Directory", {"site": (Site, "The new site.")})
RegisterCustomerPayload = payload(
    "registerCustomer", "Directory", {"customer": (Customer, "The registered customer.")}
)
AddStaffPayload = payload("addStaff", "Directory", {"staff": (Staff, "The new staff member.")})
CorrectVisitPayload = payload(
    "correctVisit", "Visit", {"visit": (Visit, "The corrected register entry.")}
)
IssuePenaltyPayload = payload(
    "issuePenalty", "Penalty", {"penalty": (Penalty, "The penalty as entered in the ledger.")}
)
RevokePenaltyPayload = payload(
    "revokePenalty", "Penalty", {"penalty": (Penalty, "The revoked penalty.")}
)
CheckInVisitPayload = payload(
    "checkInVisit",
    "Visit",
    {
        "visit": (Visit, "The register entry."),
        "decision": (Decision, "Who received the visitor and why (the line's rule)."),
        "notifications": (list[Notification], "Whom to tell what (e.g. RE-2 make-up turn)."),
    },
)


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
    (
        "appointment_id",
        strawberry.ID | None,
        None,
        "C-3: the visit appointment the visitors come on; checked at the desk (approved, made "
        "at least the kind's lead time ahead, party large enough) and marked arrived.",
    ),
]


async def check_in_visit_resolver(info: Info, input: Any) -> Any:
    ctx = info.context
    given = line_values(info, "CheckInVisitInput", input)
    for name, (line, _value) in given.items():
        if line not in ctx.host.enabled_lines():
            raise LineDisabled(
                f"CheckInVisitInput.{name} belongs to the {line} line, which is switched off",
                field=name,
            )
    line_input = {line: value for line, value in given.values()}
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
        appointment_id=(
            parse_id(input.appointment_id, "appointmentId") if input.appointment_id else None
        ),
    )
    async with ctx.app.write() as s:
        visit, outcome = await visits.check_in_visit(s, ctx.host, check_in, ctx.now())
        decision = Decision(rule=visit.decision_rule or "", message=visit.decision_reason or "")
        fields = children(selection(info), "visit")
        loaded = await written(info, models.Visit, "Visit", visit, fields, s)
    return CheckInVisitPayload(
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
    async def create_site(self, info: Info, input: CreateSiteInput) -> CreateSitePayload:
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
            fields = children(selection(info), "site")
            return CreateSitePayload(
                site=await reload(info, models.Site, "Site", site.id, fields, s)
            )

    @strawberry.mutation(description="Register a customer at a site (C-1 class, RE-11 group).")
    async def register_customer(
        self, info: Info, input: RegisterCustomerInput
    ) -> RegisterCustomerPayload:
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
            fields = children(selection(info), "customer")
            return RegisterCustomerPayload(
                customer=await reload(info, models.Customer, "Customer", customer.id, fields, s)
            )

    @strawberry.mutation(description="Add a staff member to a site.", metadata=MANAGE)
    async def add_staff(self, info: Info, input: AddStaffInput) -> AddStaffPayload:
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
            fields = children(selection(info), "staff")
            return AddStaffPayload(
                staff=await reload(info, models.Staff, "Staff", staff.id, fields, s)
            )

    @strawberry.mutation(
        description="C-4: record a correction of a register entry.", metadata=MANAGE
    )
    async def correct_visit(self, info: Info, input: CorrectVisitInput) -> CorrectVisitPayload:
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
            fields = children(selection(info), "visit")
            return CorrectVisitPayload(
                visit=await reload(info, models.Visit, "Visit", visit.id, fields, s)
            )

    @strawberry.mutation(
        description="Issue a penalty under a rule of the site's penalty table.", metadata=MANAGE
    )
    async def issue_penalty(self, info: Info, input: IssuePenaltyInput) -> IssuePenaltyPayload:
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
                issued_by_id=parse_id(input.acting_staff_id, "actingStaffId")
                if input.acting_staff_id
                else None,
                now=ctx.now(),
                complaint_id=parse_id(input.complaint_id, "complaintId")
                if input.complaint_id
                else None,
                visit_id=parse_id(input.visit_id, "visitId") if input.visit_id else None,
            )
            fields = children(selection(info), "penalty")
            loaded = await reload(info, models.Penalty, "Penalty", penalty.id, fields, s)
            return IssuePenaltyPayload(penalty=loaded)

    @strawberry.mutation(description="Revoke a penalty with a new ledger entry.", metadata=MANAGE)
    async def revoke_penalty(self, info: Info, input: RevokePenaltyInput) -> RevokePenaltyPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            penalty = await penalties.revoke_penalty(
                s,
                penalty_id=parse_id(input.penalty_id, "penaltyId"),
                reason=input.reason,
                issued_by_id=parse_id(input.acting_staff_id, "actingStaffId")
                if input.acting_staff_id
                else None,
                now=ctx.now(),
            )
            fields = children(selection(info), "penalty")
            loaded = await reload(info, models.Penalty, "Penalty", penalty.id, fields, s)
            return RevokePenaltyPayload(penalty=loaded)
