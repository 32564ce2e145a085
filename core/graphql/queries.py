"""Core root queries: connections with filters, single objects, plugins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import false, not_, select
from strawberry.types import Info

from core import hosting, models
from core.auth import Permission, require
from core.contracts import SaleContext
from core.errors import InvalidInput, NotFound
from core.graphql.ids import NODE_TYPES, from_global_id, parse_id, register_node
from core.graphql.loading import (
    children,
    node_fields,
    order_arg,
    order_of,
    paginate,
    plan_eager,
    prefetch,
    selection,
)
from core.graphql.types import (
    Connection,
    Customer,
    CustomerClass,
    CustomerConnection,
    CustomerOrder,
    Decision,
    EmploymentStatus,
    HostingClassPolicy,
    Node,
    Penalty,
    PenaltyConnection,
    PenaltyOrder,
    PenaltyRule,
    PermissionName,
    Plugin,
    SaleAttribution,
    SaleShare,
    Site,
    SiteConnection,
    SiteOrder,
    Staff,
    StaffConnection,
    StaffOrder,
    Viewer,
    Visit,
    VisitConnection,
    VisitOrder,
    global_id_of,
    plugin_view,
    require_aware,
)
from core.services import directory
from core.services.plugin_state import load_settings
from core.textguard import refuse_control_characters

DEFAULT_PAGE = 20

# Connection arguments (Relay cursor connections), described once.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Forward: at most this many items after `after` (default {DEFAULT_PAGE})."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Forward: start after this cursor.")]
Last = Annotated[
    int | None,
    strawberry.argument(description="Backward: at most this many items before `before`."),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Backward: end before this cursor (`pageInfo.startCursor`)."),
]

# The site a query is about, described once.
SiteId = Annotated[
    strawberry.ID,
    strawberry.argument(description="The site: its global `id` (its `legacyId` is accepted too)."),
]

# A range of business days, both included (rosters, attendance, leave), described once.
FromDate = Annotated[date, strawberry.argument(description="The first business day.")]
ToDate = Annotated[date, strawberry.argument(description="The last business day (included).")]


def _max(info: Info) -> int:
    return info.context.app.settings.max_page_size


async def _rule_filter(session: Any, site: int, rule: str) -> Any:
    """``penalties(rule:)``: the entries whose penalty-table row is under ``rule`` — the rows
    of the site's line's table (``issue_penalty`` picks a rule from that table only), read
    first, so that the page filters on their ids (issue 13): a rule with one row (most) is
    an ordered range of ``ix_penalties_site_rule_id``, newest first, however rare the rule;
    with several rows (C-14's three entries) the planner weighs the site's ``(site_id, id)``
    walk against that index's ranges and a sort, by the rows' statistics.  No row: nothing
    (``false``), without reading the ledger."""
    r = models.PenaltyRule
    line = select(models.Site.business_line).where(models.Site.id == site).scalar_subquery()
    ids = list(await session.scalars(select(r.id).where(r.rule == rule, r.business_line == line)))
    return models.Penalty.penalty_rule_id.in_(ids) if ids else false()


MAX_NODES = 100
"""How many ids one ``nodes(ids:)`` call may ask for (each is one SELECT)."""


def require_global(value: strawberry.ID, field: str) -> tuple[str, str]:
    """(type, key) of global id ``value``; INVALID_ID for anything else (a legacy integer
    does not say which type it belongs to)."""
    decoded = from_global_id(str(value))
    if decoded is None:
        parse_id(value, field)  # garbage gets parse_id's own message
        raise InvalidInput(
            f"{field} must be a global id (from an `id` field): a bare number does not say "
            "which type it belongs to",
            code="INVALID_ID",
            field=field,
        )
    return decoded


async def load_node(info: Info, value: strawberry.ID, field: str) -> Any:
    """The object global id ``value`` names, permission-checked like its type's own query.

    A malformed id is INVALID_ID; a well-formed id of an unknown type, of a line not in this
    schema or of a row that does not exist answers null (Relay); a type whose query needs a
    permission the token lacks is refused (C-13) exactly as that query would be.
    """
    type_name, _key = require_global(value, field)
    node = NODE_TYPES.get(type_name)
    if node is None or type_name not in info.schema._schema.type_map:
        return None
    key = parse_id(value, field, of=type_name)
    if getattr(info.schema, "auth_required", True) or info.context.actor is not None:
        require(info.context.actor, Permission(node.permission), f"node({type_name})")
    return await node.load(info, key)


@strawberry.type
class CoreQuery:
    @strawberry.field(
        description="Any object by its global id (Relay refetch); null when it does not exist. "
        "Needs the permission of the object type's own query (e.g. `admin` for an ApiToken)."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global `id`.")],
    ) -> Node | None:
        return await load_node(info, id, "id")

    @strawberry.field(
        description=f"Objects by their global ids, in the same order (at most {MAX_NODES}); "
        "an id that does not exist answers null in its place, a refused one an error at its "
        "index."
    )
    def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidInput(
                f"nodes takes at most {MAX_NODES} ids, got {len(ids)}",
                code="TOO_MANY_IDS",
                field="ids",
            )
        for i, value in enumerate(ids):  # every id checked before any is loaded
            require_global(value, f"ids[{i}]")
        return [load_node(info, value, f"ids[{i}]") for i, value in enumerate(ids)]  # type: ignore[misc]

    @strawberry.field(
        description="The caller: the API token's role, permissions and staff member (null "
        "without a token, when the server runs without authentication)."
    )
    async def viewer(self, info: Info) -> Viewer | None:
        actor = info.context.actor
        if actor is None:
            return None
        staff = None
        if actor.staff_id is not None:
            staff = await _one(info, models.Staff, "Staff", actor.staff_id, under="staff")
        return Viewer(
            name=actor.name,
            role=actor.role,
            permissions=[PermissionName[p.name] for p in Permission if actor.can(p)],
            staff=staff,  # type: ignore[arg-type]
        )

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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            SiteOrder | None, strawberry.argument(description="Sort order (default: newest first).")
        ] = None,
        business_line: Annotated[
            str | None,
            strawberry.argument(
                description="Only sites of this business line (a plugin code, e.g. realestate)."
            ),
        ] = None,
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
                last=last,
                before=before,
                order=order_arg(order_by, models.Site),
                max_page_size=_max(info),
            )

    @strawberry.field(description="One site; null when there is none with this id.")
    async def site(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The site's global `id` (or its `legacyId`)."),
        ],
    ) -> Site | None:
        return await _one(info, models.Site, "Site", parse_id(id, "id", of="Site"))

    @strawberry.field(description="Customers of a site, newest first.")
    async def customers(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            CustomerOrder | None,
            strawberry.argument(description="Sort order (default: newest first)."),
        ] = None,
        name_contains: Annotated[
            str | None,
            strawberry.argument(
                description="Only customers whose name contains this text (3 characters or "
                "more) or starts with it (1–2 characters, e.g. a surname); case-sensitive."
            ),
        ] = None,
        customer_class: Annotated[
            CustomerClass | None,
            strawberry.argument(description="Only customers of this C-1 class."),
        ] = None,
        owner_staff_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the customers of this staff member (who received them "
                "first, RE-6/RE-11): a Staff id."
            ),
        ] = None,
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
                last=last,
                before=before,
                order=order_arg(order_by, m),
                max_page_size=_max(info),
            )

    @strawberry.field(description="One customer; null when there is none with this id.")
    async def customer(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The customer's global `id` (or its `legacyId`)."),
        ],
    ) -> Customer | None:
        return await _one(info, models.Customer, "Customer", parse_id(id, "id", of="Customer"))

    @strawberry.field(description="Staff of a site, newest first.")
    async def staff(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            StaffOrder | None,
            strawberry.argument(description="Sort order (default: newest first)."),
        ] = None,
        role: Annotated[
            str | None,
            strawberry.argument(
                description="Only staff with this role, e.g. salesperson, consultant, site_head "
                "(the roles are the lines' own: see `Staff.role`)."
            ),
        ] = None,
        employment_status: Annotated[
            EmploymentStatus | None,
            strawberry.argument(description="Only staff with this employment status."),
        ] = None,
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
                last=last,
                before=before,
                order=order_arg(order_by, m),
                max_page_size=_max(info),
            )

    @strawberry.field(description="One staff member; null when there is none with this id.")
    async def staff_member(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The staff member's global `id` (or `legacyId`)."),
        ],
    ) -> Staff | None:
        return await _one(info, models.Staff, "Staff", parse_id(id, "id", of="Staff"))

    @strawberry.field(description="The visit register of a site, newest first (C-4).")
    async def visits(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            VisitOrder | None,
            strawberry.argument(description="Sort order (default: newest first)."),
        ] = None,
        arrived_from: Annotated[
            datetime | None,
            strawberry.argument(
                description="Only visits that arrived at or after this moment (with a UTC offset)."
            ),
        ] = None,
        arrived_before: Annotated[
            datetime | None,
            strawberry.argument(
                description="Only visits that arrived before this moment (with a UTC offset)."
            ),
        ] = None,
        receiver_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only visits received by this staff member."),
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only visits of this customer."),
        ] = None,
        counted: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only visits that counted as a turn; false: only those that "
                "did not (RE-8 … RE-10); null: all."
            ),
        ] = None,
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
                last=last,
                before=before,
                order=order_arg(order_by, m),
                max_page_size=_max(info),
            )

    @strawberry.field(description="One entry of a visit register; null when there is none.")
    async def visit(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The visit's global `id` (or its `legacyId`)."),
        ],
    ) -> Visit | None:
        return await _one(info, models.Visit, "Visit", parse_id(id, "id", of="Visit"))

    @strawberry.field(description="The penalty ledger of a site, newest first.")
    async def penalties(
        self,
        info: Info,
        site_id: SiteId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: Annotated[
            PenaltyOrder | None,
            strawberry.argument(description="Sort order (default: newest first)."),
        ] = None,
        staff_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the entries of this staff member."),
        ] = None,
        rule: Annotated[
            str | None,
            strawberry.argument(description="Only entries under this rule id, e.g. RE-5 or C-14."),
        ] = None,
        issued_from: Annotated[
            datetime | None,
            strawberry.argument(description="Only entries issued at or after this moment."),
        ] = None,
        issued_before: Annotated[
            datetime | None,
            strawberry.argument(description="Only entries issued before this moment."),
        ] = None,
    ) -> PenaltyConnection:
        m = models.Penalty
        site = parse_id(site_id, "siteId")
        stmt = select(m).where(m.site_id == site)
        if issued_from is not None:
            stmt = stmt.where(m.issued_at >= require_aware(issued_from, "issuedFrom"))
        if issued_before is not None:
            stmt = stmt.where(m.issued_at < require_aware(issued_before, "issuedBefore"))
        if staff_id is not None:
            stmt = stmt.where(m.staff_id == parse_id(staff_id, "staffId"))
        async with info.context.db.read() as s:
            if rule is not None:
                stmt = stmt.where(await _rule_filter(s, site, rule))
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="Penalty",
                cursor_kind="penalty",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_arg(order_by, m),
                max_page_size=_max(info),
            )

    @strawberry.field(description="A business line's penalty table, by code.")
    async def penalty_rules(
        self,
        info: Info,
        business_line: Annotated[
            str,
            strawberry.argument(description="The line's plugin code, e.g. realestate."),
        ],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PenaltyRule]:
        m = models.PenaltyRule
        stmt = select(m).where(m.business_line == business_line, m.active.is_(True))
        async with info.context.db.read() as s:
            return await paginate(
                info,
                s,
                stmt,
                model=m,
                type_name="PenaltyRule",
                cursor_kind="penalty-rule",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_of("code", False, m),
                max_page_size=_max(info),
                default_page=_max(info),
            )

    @strawberry.field(description="Who gets credit for a sale to a customer (RE-13, FC-4 …).")
    async def sale_attribution(
        self,
        info: Info,
        site_id: SiteId,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer who bought.")
        ],
        closed_by_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The staff member who closed the sale."),
        ],
        sold_at: Annotated[
            datetime,
            strawberry.argument(
                description="When the sale was made (with a UTC offset); the rules count days "
                "in the site's time zone."
            ),
        ],
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
                SaleShare(staff_id=global_id_of("Staff", x.staff_id), share=x.share)
                for x in result.shares
            ],
            decision=Decision(rule=result.reason.rule, message=result.reason.message),
        )


def _loader(model: type, type_name: str) -> Any:
    async def load(info: Info, key: int) -> Any:
        return await _one(info, model, type_name, key)

    return load


async def _group(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        return await s.get(models.CustomerGroup, key)


for _name, _model in (
    ("Site", models.Site),
    ("Customer", models.Customer),
    ("Staff", models.Staff),
    ("Visit", models.Visit),
    ("Penalty", models.Penalty),
    ("PenaltyRule", models.PenaltyRule),
):
    register_node(_name, _loader(_model, _name), model=_model)
register_node("CustomerGroup", _group, model=models.CustomerGroup)


async def _one(
    info: Info, model: type, type_name: str, key: int, under: str | None = None
) -> object | None:
    fields = selection(info)
    if under is not None:
        fields = children(fields, under)
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
