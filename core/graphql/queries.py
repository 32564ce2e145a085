"""Core root queries: connections with filters, single objects, plugins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import false, not_, select
from strawberry.types import Info

from core import hosting, models
from core.contracts import SaleContext
from core.errors import InvalidInput, NotFound
from core.graphql.loading import node_fields, paginate, plan_eager, prefetch, selection
from core.graphql.types import (
    Customer,
    CustomerClass,
    CustomerConnection,
    Decision,
    EmploymentStatus,
    HostingClassPolicy,
    Penalty,
    PenaltyConnection,
    PenaltyRule,
    Plugin,
    SaleAttribution,
    SaleShare,
    Site,
    SiteConnection,
    Staff,
    StaffConnection,
    Visit,
    VisitConnection,
    plugin_view,
)
from core.services import directory
from core.services.plugin_state import load_settings
from core.textguard import refuse_control_characters

DEFAULT_PAGE = 20


# Ids are 64-bit signed integers in both databases; a larger number is no id at all.
MAX_ID = 2**63 - 1


def parse_id(value: strawberry.ID | str | int, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{field} must be a numeric id, got {value!r}", code="INVALID_ID", field=field
        ) from exc
    if number <= 0:
        raise InvalidInput(f"{field} must be positive", code="INVALID_ID", field=field)
    if number > MAX_ID:
        raise InvalidInput(
            f"{field} {number} does not exist (ids are below 2^63)", code="INVALID_ID", field=field
        )
    return number


def _max(info: Info) -> int:
    return info.context.app.settings.max_page_size


@strawberry.type
class CoreQuery:
    @strawberry.field(
        description="C-1: hosting budget per person and receiver level of every customer "
        "class, as the operator configured them (settings hosting_budgets / "
        "hosting_receivers)."
    )
    def hosting_policy(self, info: Info) -> list[HostingClassPolicy]:
        policy = info.context.app.hosting_policy
        out = []
        for klass in models.CustomerClass:
            budget, reason = hosting.hosting_budget(klass, policy=policy)
            level, _ = hosting.receiver_level(klass, policy)
            out.append(
                HostingClassPolicy(
                    customer_class=klass,  # type: ignore[arg-type]
                    budget_per_person=budget,
                    received_by=level,  # type: ignore[arg-type]
                    decision=Decision(rule=reason.rule, message=reason.message),
                )
            )
        return out

    @strawberry.field(description="Installed plugins, whether each is enabled, its settings.")
    async def plugins(self, info: Info) -> list[Plugin]:
        host = info.context.host
        async with info.context.db.read() as s:
            settings = await load_settings(s)
        return [plugin_view(host, code, settings) for code in sorted(host.installed)]

    @strawberry.field(description="Sites, newest first.")
    async def sites(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        business_line: str | None = None,
    ) -> SiteConnection:
        stmt = select(models.Site)
        if business_line is not None:
            stmt = stmt.where(models.Site.business_line == business_line)
        async with info.context.db.read() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=models.Site,
                type_name="Site",
                cursor_kind="site",
                first=first,
                after=after,
                max_page_size=_max(info),
            )

    @strawberry.field
    async def site(self, info: Info, id: strawberry.ID) -> Site | None:
        return await _one(info, models.Site, "Site", parse_id(id, "id"))

    @strawberry.field(description="Customers of a site, newest first.")
    async def customers(
        self,
        info: Info,
        site_id: strawberry.ID,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        name_contains: str | None = None,
        customer_class: CustomerClass | None = None,
        owner_staff_id: strawberry.ID | None = None,
        phone: Annotated[
            str | None,
            strawberry.argument(
                description="Exact phone number (any usual notation; numbers without "
                "+country are read in the site's region). Shown masked as usual (C-13)."
            ),
        ] = None,
    ) -> CustomerConnection:
        m = models.Customer
        site = parse_id(site_id, "siteId")
        stmt = select(m).where(m.site_id == site)
        if name_contains:
            refuse_control_characters(name_contains, "nameContains")
            stmt = stmt.where(directory.name_search(name_contains))
        if customer_class is not None:
            stmt = stmt.where(m.customer_class == customer_class)
        if owner_staff_id is not None:
            stmt = stmt.where(m.owner_staff_id == parse_id(owner_staff_id, "ownerStaffId"))
        async with info.context.db.read() as s:
            if phone is not None:
                refuse_control_characters(phone, "phone")
                key = await directory.phone_search_key(s, site, phone)
                stmt = stmt.where(m.phone == key) if key is not None else stmt.where(false())
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Customer",
                cursor_kind="customer",
                first=first,
                after=after,
                max_page_size=_max(info),
            )

    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        return await _one(info, models.Customer, "Customer", parse_id(id, "id"))

    @strawberry.field(description="Staff of a site, newest first.")
    async def staff(
        self,
        info: Info,
        site_id: strawberry.ID,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        role: str | None = None,
        employment_status: EmploymentStatus | None = None,
    ) -> StaffConnection:
        m = models.Staff
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        if role is not None:
            stmt = stmt.where(m.role == role)
        if employment_status is not None:
            stmt = stmt.where(m.employment_status == employment_status)
        async with info.context.db.read() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Staff",
                cursor_kind="staff",
                first=first,
                after=after,
                max_page_size=_max(info),
            )

    @strawberry.field
    async def staff_member(self, info: Info, id: strawberry.ID) -> Staff | None:
        return await _one(info, models.Staff, "Staff", parse_id(id, "id"))

    @strawberry.field(description="The visit register of a site, newest first (C-4).")
    async def visits(
        self,
        info: Info,
        site_id: strawberry.ID,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        arrived_from: datetime | None = None,
        arrived_before: datetime | None = None,
        receiver_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        counted: bool | None = None,
    ) -> VisitConnection:
        m = models.Visit
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        if arrived_from is not None:
            stmt = stmt.where(m.arrived_at >= arrived_from)
        if arrived_before is not None:
            stmt = stmt.where(m.arrived_at < arrived_before)
        if receiver_id is not None:
            stmt = stmt.where(m.receiver_id == parse_id(receiver_id, "receiverId"))
        if customer_id is not None:
            stmt = stmt.where(m.customer_id == parse_id(customer_id, "customerId"))
        if counted is not None:
            # As the partial index ix_visits_site_uncounted is written (issue 13).
            stmt = stmt.where(m.counted if counted else not_(m.counted))
        async with info.context.db.read() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Visit",
                cursor_kind="visit",
                first=first,
                after=after,
                max_page_size=_max(info),
            )

    @strawberry.field
    async def visit(self, info: Info, id: strawberry.ID) -> Visit | None:
        return await _one(info, models.Visit, "Visit", parse_id(id, "id"))

    @strawberry.field(description="The penalty ledger of a site, newest first.")
    async def penalties(
        self,
        info: Info,
        site_id: strawberry.ID,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        staff_id: strawberry.ID | None = None,
        rule: str | None = None,
    ) -> PenaltyConnection:
        m = models.Penalty
        stmt = select(m).where(m.site_id == parse_id(site_id, "siteId"))
        if staff_id is not None:
            stmt = stmt.where(m.staff_id == parse_id(staff_id, "staffId"))
        if rule is not None:
            stmt = stmt.join(models.PenaltyRule).where(models.PenaltyRule.rule == rule)
        async with info.context.db.read() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Penalty",
                cursor_kind="penalty",
                first=first,
                after=after,
                max_page_size=_max(info),
            )

    @strawberry.field(description="A business line's penalty table.")
    async def penalty_rules(self, info: Info, business_line: str) -> list[PenaltyRule]:
        m = models.PenaltyRule
        async with info.context.db.read() as s:
            rows = await s.scalars(
                select(m)
                .where(m.business_line == business_line, m.active.is_(True))
                .order_by(m.code)
            )
            return list(rows.all())

    @strawberry.field(description="Who gets credit for a sale to a customer (RE-13, FC-4 …).")
    async def sale_attribution(
        self,
        info: Info,
        site_id: strawberry.ID,
        customer_id: strawberry.ID,
        closed_by_id: strawberry.ID,
        sold_at: datetime,
    ) -> SaleAttribution:
        ctx = info.context
        async with ctx.db.session() as s:
            site = await s.get(models.Site, parse_id(site_id, "siteId"))
            if site is None:
                raise NotFound(f"site {site_id} does not exist", code="SITE_NOT_FOUND")
            result = await ctx.host.acall_line(
                site.business_line,
                "frontdesk_attribute_sale",
                context=SaleContext(
                    session=s,
                    site=site,
                    customer_id=parse_id(customer_id, "customerId"),
                    closed_by_id=parse_id(closed_by_id, "closedById"),
                    sold_at=sold_at,
                    now=ctx.now(),
                ),
            )
        if result is None:
            raise NotFound(
                f"the {site.business_line} line has no sale-attribution rules",
                code="NO_ATTRIBUTION_RULES",
            )
        return SaleAttribution(
            shares=[
                SaleShare(staff_id=strawberry.ID(str(x.staff_id)), share=x.share)
                for x in result.shares
            ],
            decision=Decision(rule=result.reason.rule, message=result.reason.message),
        )


async def _one(info: Info, model: type, type_name: str, key: int) -> object | None:
    fields = selection(info)
    stmt = select(model).where(model.id == key)  # type: ignore[attr-defined]
    options = plan_eager(model, type_name, fields)
    if options:
        stmt = stmt.options(*options)
    async with info.context.db.read() as s:
        obj = (await s.scalars(stmt)).unique().one_or_none()
        if obj is not None:
            await prefetch(info, s, type_name, fields, [obj])
        return obj


__all__ = ["CoreQuery", "Penalty", "node_fields", "parse_id"]
