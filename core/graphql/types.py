"""Core GraphQL types.  Resolvers are thin: data arrives loaded, planned from the selection.

Root resolvers load one page with the relations the query selects (``core.graphql.loading``);
nested fields here are plain attribute reads, never I/O, so a page costs the same number of
SQL statements whatever its size.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from core import auth, complaint_rules, hosting, models
from core.auth import Permission
from core.errors import InvalidInput
from core.graphql.ids import MODEL_TYPES, parse_id, to_global_id
from core.graphql.scalars import Money
from core.hosting import escorts_for, hosting_budget, receiver_level
from core.phone import mask_phone
from core.services import complaints as complaint_service

CustomerClass = strawberry.enum(models.CustomerClass, description="C-1 customer classes.")
ReceiverLevel = strawberry.enum(
    hosting.ReceiverLevel, description="C-1: who receives a class of customer."
)
GroupKind = strawberry.enum(models.GroupKind, description="RE-11 one company or one family.")
EmploymentStatus = strawberry.enum(
    models.EmploymentStatus, description="Whether a staff member is employed and working."
)
VisitChannel = strawberry.enum(
    models.VisitChannel, description="How a visit reached the desk: in person or by phone."
)
InquiryKind = strawberry.enum(models.InquiryKind, description="C-5 inquiry kinds.")
VisitorKind = strawberry.enum(
    models.VisitorKind, description="Who is at the desk; the business line decides what counts."
)
PenaltyKind = strawberry.enum(
    models.PenaltyKind,
    description="What a penalty rule does to the staff member; decides what `amount` counts "
    "(CNY, points or days).",
)

Role = strawberry.enum(auth.Role, description="C-13 roles.")
_PERMISSION_TEXT = {
    auth.Permission.READ: "Read the data of every query (private data masked without PRIVATE).",
    auth.Permission.CREATE: "Register customers, check visits in, file and work complaints.",
    auth.Permission.MANAGE: "Manage sites, staff, penalties, rotations and corrections.",
    auth.Permission.PRIVATE: "See phone numbers and names unmasked (C-13).",
    auth.Permission.SUBSCRIBE: "Receive live updates (subscriptions).",
    auth.Permission.WEBHOOKS: "Manage webhook endpoints and deliveries.",
    auth.Permission.EXPORT: "Bulk export (C-13: admin only).",
    auth.Permission.ADMIN: "Switch business lines, manage tokens, read the audit log.",
    auth.Permission.ACT_FOR: "Record a change as made by another staff member (audited).",
    auth.Permission.IMPORT: "Bulk import (C-13: admin only).",
}
PermissionName = strawberry.enum(
    enum.Enum(  # type: ignore[misc]
        "Permission",
        {
            p.name: strawberry.enum_value(p.value, description=_PERMISSION_TEXT.get(p, p.value))
            for p in auth.Permission
        },
    ),
    name="Permission",
    description="C-13 permissions; each role has a fixed set.",
)

T = TypeVar("T")


def describe_values(enum_type: Any, descriptions: dict[str, str]) -> Any:
    """Give the values of strawberry enum ``enum_type`` their descriptions, by GraphQL name.

    For enums wrapped from plain Python enums (rules and models stay free of strawberry).
    An unknown name is an error at import; a value left undescribed is reported by the schema
    lint (tests/test_schema_lint.py).  Returns ``enum_type``.
    """
    values = enum_type.__strawberry_definition__.values
    unknown = set(descriptions) - {v.name for v in values}
    if unknown:
        raise ValueError(f"{enum_type.__name__} has no values {', '.join(sorted(unknown))}")
    for value in values:
        if value.name in descriptions:
            value.description = descriptions[value.name]
    return enum_type


describe_values(
    CustomerClass,
    {
        "A": "Guests of senior management (C-1: received by senior management).",
        "B": "VIPs: important customers, foreign guests (C-1: a department director).",
        "C": "Business reception (C-1: a department manager).",
        "D": "Ordinary customers (C-1: a supervisor or business lead).",
    },
)
describe_values(
    ReceiverLevel,
    {
        "SENIOR_MANAGEMENT": "Senior management (class A by default).",
        "DEPARTMENT_DIRECTOR": "A department director (class B by default).",
        "DEPARTMENT_MANAGER": "A department manager (class C by default).",
        "SUPERVISOR": "A supervisor or business lead (class D by default).",
    },
)
describe_values(
    GroupKind,
    {
        "COMPANY": "Members of one company (RE-11).",
        "FAMILY": "Members of one family (RE-11).",
    },
)
describe_values(
    EmploymentStatus,
    {
        "ACTIVE": "Employed: can be rostered, clock in and take turns in a rotation.",
        "SUSPENDED": "Employed but suspended from work: not rostered, cannot clock in (not "
        "the one-day RE-5 rotation suspension, which is a penalty entry).",
        "LEFT": "No longer employed (KTV-4: also after too many days of absenteeism in a "
        "month); kept for the history of visits, sales and penalties.",
    },
)
describe_values(
    VisitChannel,
    {
        "WALK_IN": "The visitor came to the desk in person.",
        "PHONE": "A phone inquiry, registered like a visit (RE-13).",
    },
)
describe_values(
    InquiryKind,
    {
        "CONSULTATION": "Asking about the products or services (the usual sales visit).",
        "HELP_REQUEST": "Asking for help with something (a repair, a lost item …).",
        "PAID_SERVICE": "Asking for a service that is charged for.",
        "SUGGESTION": "Making a suggestion.",
        "COMPLAINT": "Making a complaint: file it with `fileComplaint` (C-5).",
    },
)
describe_values(
    VisitorKind,
    {
        "CUSTOMER": "A customer or prospect: received under the line's rules.",
        "MARKET_SURVEYOR": "A declared market surveyor from a competitor (RE-8: not counted).",
        "RELATED_PARTY": "From the developer, our company, an ad agency, a decoration or "
        "etiquette company (RE-9: not counted; say which in the line's facts).",
        "DIRECTIONS": "Asking the way (RE-10: not counted).",
        "LOOKING_FOR_SOMEONE": "Looking for someone (RE-10: not counted).",
    },
)
describe_values(
    PenaltyKind,
    {
        "FINE": "A fine in CNY (`amountMoney`).",
        "POINTS": "Points deducted (`amount` is the number of points).",
        "SUSPENSION": "Suspended, e.g. from the rotation for a day (RE-5); `amount`, when set, "
        "counts days.",
        "DISMISSAL": "Dismissal; no amount.",
        "WAGE_DEDUCTION": "Deducted from the wage, in CNY (`amountMoney`).",
        "COMPENSATION": "C-14: a financial loss charged to the person at fault, in CNY.",
    },
)
describe_values(
    Role,
    {
        "ADMIN": "IT administrator: every permission, including bulk import/export (C-13).",
        "CLERK": "Information clerk: everything except bulk import/export and admin (C-13).",
        "STAFF": "Other staff: create and view; private data only where the operator grants "
        "it (C-13).",
        "INTEGRATOR": "A system: reads, subscribes to events and manages webhooks.",
        "FRONTEND": "A read-only front end (e.g. a lobby board).",
    },
)


@strawberry.type(description="Why a rule decided what it did.")
class Decision:
    rule: str = strawberry.field(description="The rule id in DOMAIN.md, e.g. RE-5.")
    message: str = strawberry.field(description="A sentence a manager can read.")


@strawberry.type(description="Where a page stands in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow `endCursor` (forward: as many as `first` asked for "
        "and one more exists; backward: a `before` cursor was given)."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last edge; pass it as `after` for the next page."
    )
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Items precede `startCursor` (backward: as many as `last` asked for and "
        "one more exists; forward: an `after` cursor was given).",
    )
    start_cursor: str | None = strawberry.field(
        default=None,
        description="The cursor of the first edge; pass it as `before` for the previous page.",
    )


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque; pass it as `after` or `before`.")
    node: T = strawberry.field(description="The item.")


@strawberry.enum(description="Sort order of a list.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("asc", description="Smallest / oldest first.")
    DESC = strawberry.enum_value("desc", description="Largest / newest first.")


NEEDS = "frontdesk_needs"


def needs(*attributes: str) -> dict[str, tuple[str, ...]]:
    """Field metadata declaring the model attributes a resolver reads (for narrow pages).

    ``@strawberry.field(metadata=needs("decision_rule", "decision_reason"))``: pages select
    only the columns their selection reads (``core.graphql.loading``).
    """
    return {NEEDS: attributes}


# --- global object identification (Schema 1.0, Relay) ---------------------------------------

LEGACY_ID = (
    "The old integer key, for operators and CSV imports; every id argument accepts it as well "
    "as `id`."
)
#: Marks ``Node.is_type_of``: it only exists because strawberry adds a check to every type
#: implementing an interface; ours accepts any value, exactly as a type without interfaces
#: does, so compiled completions (core.graphql.accel.compiled) may skip it.
ALWAYS_OF_TYPE = "frontdesk_always_of_type"


def _is_type_of(cls: type, obj: Any, info: Any) -> bool:
    return True


setattr(_is_type_of, ALWAYS_OF_TYPE, True)


def node_type_name(obj: Any) -> str | None:
    """The GraphQL type of a value returned where a ``Node`` is expected."""
    definition = getattr(obj, "__strawberry_definition__", None)
    if definition is not None:
        return definition.name
    for cls in type(obj).__mro__:
        name = MODEL_TYPES.get(cls)
        if name is not None:
            return name
    return None


@strawberry.interface(
    description="An object with a global id (Relay global object identification): refetch "
    "any of them with `node(id:)` or `nodes(ids:)`."
)
class Node:
    @strawberry.field(
        name="id",
        description="Opaque global id: encodes the type and its key; stable across versions.",
    )
    def global_id(self) -> strawberry.ID:  # replaced on every implementing type (node_id)
        raise NotImplementedError

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, abstract_type: Any) -> str | None:
        return node_type_name(obj)

    is_type_of = classmethod(_is_type_of)


def node_id(type_name: str) -> Any:
    """The ``id`` field of a ``Node`` type: the global id of the object's integer ``id``.

    ``global_id = node_id("Site")`` in the type's class; the integer stays readable as
    ``legacyId`` (``id: int = legacy_id()``).
    """

    def resolve(self: Any) -> strawberry.ID:
        return strawberry.ID(to_global_id(type_name, self.id))

    resolve.__name__ = f"{type_name}_global_id"
    return strawberry.field(
        resolver=resolve,
        name="id",
        description=f"Opaque global id of this {type_name}; pass it to `node(id:)` or to any "
        f"argument taking a {type_name}'s id.",
        metadata=needs("id"),
    )


def legacy_id() -> Any:
    """The ``legacyId: Int!`` field of a ``Node`` type (python attribute ``id``)."""
    return strawberry.field(name="legacyId", description=LEGACY_ID)


def link_id(
    type_name: str,
    attr: str,
    *,
    use: str,
    optional: bool = True,
    description: str | None = None,
) -> Any:
    """A deprecated bare foreign-key field answering the referenced object's global id.

    ``site_id = link_id("Site", "site_id", use="site")``: reads column ``attr`` of the row;
    clients should select the object field ``use`` instead (removed in 2.0).
    """

    def resolve(self: Any) -> strawberry.ID | None:
        value = getattr(self, attr)
        return None if value is None else strawberry.ID(to_global_id(type_name, value))

    resolve.__name__ = f"{attr}_link"
    resolve.__annotations__ = {"return": strawberry.ID | None if optional else strawberry.ID}
    return strawberry.field(
        resolver=resolve,
        description=description or f"The global id of the {type_name} (`{use}`).",
        metadata=needs(attr),
        deprecation_reason=f"Use `{use}` (or `{use} {{ id }}`); removed in 2.0.",
    )


def global_id_of(type_name: str, key: int | str | None) -> strawberry.ID | None:
    """The global id of ``type_name`` row ``key`` (None for None)."""
    return None if key is None else strawberry.ID(to_global_id(type_name, key))


# --- object links of views (types built per request, not pages of rows) ---------------------
# ``Shift.staff``, ``ShiftSwap.requester``, ``SaleShare.staff`` …: the view holds the key; the
# object comes from one SELECT per model and event-loop tick for every view of the response
# (a DataLoader per request), never one per view.  Staff come with their site and department
# (the links a client selects on them most), so nothing below them loads lazily.
_LINK_LOADERS = "frontdesk_link_loaders"


def _link_options(model: Any) -> list[Any]:
    mapper = inspect(model)
    if "department" in mapper.relationships and "site" in mapper.relationships:
        return [
            joinedload(model.site),
            joinedload(model.department).joinedload(
                mapper.relationships["department"].mapper.class_.site
            ),
        ]
    if "site" in mapper.relationships:
        return [joinedload(model.site)]
    return []


def view_link(
    model: Any,
    attr: str,
    returns: Any,
    *,
    description: str,
    parse_as: str | None = None,
    view: Any = None,
) -> Any:
    """An object field of a view whose key is attribute ``attr`` (an int, or a global id of
    type ``parse_as``), loaded with :func:`load_linked` (and turned into ``view(row)``)."""

    async def resolve(self: Any, info: Info) -> Any:
        key = getattr(self, attr)
        if key is None:
            return None
        row = await load_linked(info, model, parse_id(key, attr, of=parse_as), plan=view is None)
        return row if view is None or row is None else view(row)

    resolve.__name__ = f"{attr}_object"
    resolve.__annotations__ = {"info": Info, "return": returns}
    return strawberry.field(resolver=resolve, description=description)


class _LinkPlanning:
    """How a link plans what is selected under it (the joins and line fields of
    :func:`load_linked`): installed by :mod:`core.graphql.loading` when it is imported — it
    imports this module, so this one must not import it (tests/test_layers.py)."""

    plan: Callable[[Info, Any], Any] | None = None
    load: Callable[..., Awaitable[Any]] | None = None


LINK_PLANNING = _LinkPlanning()


async def load_linked(info: Info, model: Any, key: int | None, *, plan: bool = True) -> Any:
    """The ``model`` row with id ``key`` (None for None), batched per request.

    The row answers as its core type (``plan``): the relations the selection under the link
    reads (``customer { group { ownerStaff } }``) are joined and the plugin fields selected
    on it batch-loaded, as on a page (issue 17) — one batch per model and selection shape.
    """
    if key is None:
        return None
    link_plan, load_planned = LINK_PLANNING.plan, LINK_PLANNING.load
    planned = link_plan(info, model) if plan and link_plan is not None else None
    shape = planned.shape if planned is not None else None
    store = info.context.prefetched
    loader = store.get((_LINK_LOADERS, model, shape))
    if loader is None:

        async def batch(keys: list[int]) -> list[Any]:
            stmt = select(model).where(model.id.in_(keys)).options(*_link_options(model))
            async with info.context.db.read() as s:
                if load_planned is not None:
                    found = await load_planned(info, s, model, planned, stmt)
                else:
                    found = (await s.scalars(stmt)).all()
                rows = {r.id: r for r in found}
            return [rows.get(k) for k in keys]

        loader = store[(_LINK_LOADERS, model, shape)] = DataLoader(load_fn=batch)
    return await loader.load(key)


@strawberry.type(
    description="A page of results (Relay cursor connection): `first`/`after` walk forward, "
    "`last`/`before` backward."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    total_count: int = strawberry.field(
        default=0,
        description="How many items match the filters, in all pages (counted only when "
        "selected: one COUNT per request).",
    )

    @strawberry.field(description="The nodes of this page, without edges.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def encode_cursor(kind: str, key: int, value: Any = None, field: str | None = None) -> str:
    """An opaque cursor: ``kind:key`` for pages in id order, else ``kind:[field, value, key]``
    (keyset on the ordered column, ties broken by id)."""
    if field is None:
        text = f"{kind}:{key}"
    else:
        if isinstance(value, datetime | date):
            value = value.isoformat()
        text = f"{kind}:{json.dumps([field, value, key], separators=(',', ':'))}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor_error(kind: str, cursor: str, field: str) -> InvalidInput:
    return InvalidInput(
        f"cursor {cursor!r} is not a {kind} cursor of this order; pass pageInfo.endCursor "
        f"(or startCursor, for `before`) from a previous page of the same query",
        code="INVALID_CURSOR",
        field=field,
    )


def decode_cursor(kind: str, cursor: str, field: str = "after") -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        number = int(key)
        if not 0 <= number < 2**63:  # ids are 64-bit: a larger key is no cursor of ours
            raise ValueError(key)
        return number
    except (ValueError, UnicodeDecodeError) as exc:
        raise _cursor_error(kind, cursor, field) from exc


def decode_keyed_cursor(
    kind: str, cursor: str, order_field: str, parse: Any, field: str = "after"
) -> tuple[Any, int]:
    """(ordered value, id) of a cursor made by ``encode_cursor(..., field=order_field)``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, _, rest = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        name, value, key = json.loads(rest)
        if name != order_field or not isinstance(key, int) or not 0 <= key < 2**63:
            raise ValueError(name)
        return parse(value), key
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _cursor_error(kind, cursor, field) from exc


CURRENCY = "CNY"
MONEY_KINDS = frozenset(
    {models.PenaltyKind.FINE, models.PenaltyKind.WAGE_DEDUCTION, models.PenaltyKind.COMPENSATION}
)


@strawberry.type(
    name="Money",
    description="An amount of money: a decimal string (never a float) and its currency.",
)
class MoneyAmount:
    amount: Money = strawberry.field(description='The amount, e.g. "300.00".')
    currency: str = strawberry.field(
        description="ISO 4217 code: CNY for every amount Frontdesk records today."
    )


def cny(amount: Any) -> MoneyAmount | None:
    """``amount`` (Decimal) in CNY; None for None."""
    return None if amount is None else MoneyAmount(amount=amount, currency=CURRENCY)


def is_money(kind: Any) -> bool:
    """Whether amounts of penalty kind ``kind`` are money (else points or days)."""
    return kind is not None and models.PenaltyKind(kind) in MONEY_KINDS


@strawberry.type(description="A sales office, club, property project or venue.")
class Site(Node):
    global_id = node_id("Site")
    id: int = legacy_id()
    name: str = strawberry.field(description="The site's name, as shown to staff and customers.")
    business_line: str = strawberry.field(description="The business line's plugin code.")
    timezone: str = strawberry.field(description="IANA time zone; business days are local.")
    calendar_region: str = strawberry.field(description="Working-day calendar region (C-11).")
    created_at: datetime = strawberry.field(description="When the site was created (UTC).")


@strawberry.type(description="A department of a site (C-12).")
class Department(Node):
    global_id = node_id("Department")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    name: str = strawberry.field(description="The department's name, e.g. Sales.")
    site: Site = strawberry.field(description="The site the department belongs to.")

    @classmethod
    def of(cls, row: Any) -> Department:
        # Every field is a column or a relation: the row itself is the object (as in pages).
        return row  # type: ignore[return-value]


@strawberry.type(description="A staff member of one site.")
class Staff(Node):
    global_id = node_id("Staff")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    name: str = strawberry.field(
        description="The staff member's name, as boards and decisions show it (not private)."
    )
    role: str = strawberry.field(
        description="The staff role, e.g. salesperson, consultant, site_head. A String, not an "
        "enum, by design: each business line adds its own roles (StaffRole, plugin contract) "
        "and an enum would change with the installed lines."
    )
    employment_status: EmploymentStatus = strawberry.field(
        description="Only ACTIVE staff are rostered, clock in and take turns in a rotation."
    )
    department_id = link_id(
        "Department",
        "department_id",
        use="department",
        description="C-12: the department the staff member belongs to.",
    )
    site: Site = strawberry.field(description="The site the staff member works at.")
    department: Department | None = strawberry.field(
        description="C-12: the department the staff member belongs to."
    )


@strawberry.type(description="RE-11: a company or family counted as one customer.")
class CustomerGroup(Node):
    global_id = node_id("CustomerGroup")
    id: int = legacy_id()
    kind: GroupKind = strawberry.field(description="RE-11: a company or a family.")
    name: str = strawberry.field(description="The company's or family's name.")
    owner_staff_id = link_id("Staff", "owner_staff_id", use="ownerStaff")
    owner_staff: Staff | None = strawberry.field(
        description="RE-11: the salesperson who received the group first."
    )


@strawberry.type(description="A customer registered at a site.")
class Customer(Node):
    global_id = node_id("Customer")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    name: str = strawberry.field(description="The customer's name, as registered.")
    customer_class: CustomerClass = strawberry.field(description="C-1 class A–D.")
    group_id = link_id("CustomerGroup", "group_id", use="group")
    owner_staff_id = link_id(
        "Staff",
        "owner_staff_id",
        use="ownerStaff",
        description="The staff member who received this customer first (RE-6, RE-11).",
    )
    created_at: datetime = strawberry.field(description="When the customer was registered (UTC).")
    site: Site = strawberry.field(description="The site the customer is registered at.")
    group: CustomerGroup | None = strawberry.field(
        description="RE-11: the company or family the customer belongs to."
    )
    owner_staff: Staff | None = strawberry.field(
        description="The staff member who received this customer first (RE-6, RE-11)."
    )

    @strawberry.field(
        description="E.164. Private (C-13): masked (+86*******8001) for roles without it.",
        metadata=needs("phone"),
    )
    def phone(self, info: Info) -> str | None:
        raw = self.phone  # self is the loaded row
        return raw if info.context.can(Permission.PRIVATE) else mask_phone(raw)

    @strawberry.field(
        description="C-1: hosting budget per person in CNY (policy data: `hostingPolicy`).",
        metadata=needs("customer_class"),
        deprecation_reason="Use `hostingBudgetMoney`; removed in 2.0.",
    )
    def hosting_budget(self) -> Money:
        policy = hosting.CURRENT_POLICY.get()
        return hosting_budget(models.CustomerClass(self.customer_class), policy=policy)[0]

    @strawberry.field(
        description="C-1: who receives this customer, by class (policy data).",
        metadata=needs("customer_class"),
    )
    def received_by(self) -> ReceiverLevel:
        policy = hosting.CURRENT_POLICY.get()
        return receiver_level(models.CustomerClass(self.customer_class), policy)[0]  # type: ignore[return-value]


@strawberry.type(description="C-1: the hosting policy of one customer class (policy data).")
class HostingClassPolicy:
    customer_class: CustomerClass = strawberry.field(description="The class this entry is for.")
    budget_per_person: Money = strawberry.field(description="CNY per person.")
    received_by: ReceiverLevel = strawberry.field(
        description="C-1: who receives customers of this class."
    )
    decision: Decision = strawberry.field(
        description="C-1, and the sentence stating this class's budget and receiver."
    )

    @strawberry.field(
        description="C-1: hosting budget per person.", metadata=needs("customer_class")
    )
    def hosting_budget_money(self) -> MoneyAmount:
        policy = hosting.CURRENT_POLICY.get()
        return cny(hosting_budget(models.CustomerClass(self.customer_class), policy=policy)[0])


@strawberry.type(description="An entry of the append-only visit register (C-4).")
class Visit(Node):
    global_id = node_id("Visit")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    channel: VisitChannel = strawberry.field(
        description="Walk-in or phone inquiry (RE-13: both are registered)."
    )
    inquiry_kind: InquiryKind = strawberry.field(description="C-5: what the visitor came for.")
    visitor_kind: VisitorKind = strawberry.field(
        description="Who was at the desk; with the line's rules it decides whether the visit "
        "counted as a turn (RE-8 … RE-10)."
    )
    arrived_at: datetime = strawberry.field(
        description="When the visitor arrived or called (UTC); RE-13 credit goes by this time."
    )
    business_date: date = strawberry.field(description="The business day (KTV-1 aware).")
    party_size: int = strawberry.field(
        description="How many people came together (1 or more; C-2 escorts, FC-14 groups)."
    )
    counted: bool = strawberry.field(description="Whether the visit counted as a turn.")
    notes: str | None = strawberry.field(
        description="Free text from the desk; null when none was given."
    )
    recorded_at: datetime = strawberry.field(
        description="When the entry was written in the register (UTC); later than "
        "`arrivedAt` when it was recorded afterwards."
    )
    customer: Customer | None = strawberry.field(
        description="The registered customer; null for a visitor who is none (e.g. asking the way)."
    )
    receiver: Staff | None = strawberry.field(
        description="Who received the visitor, as the line decided (`decision` says why); "
        "null when nobody was assigned."
    )
    named_staff: Staff | None = strawberry.field(
        description="The staff member the visitor asked for by name (RE-5, FC-10); null "
        "when they named nobody."
    )
    corrects_id = link_id(
        "Visit",
        "corrects_id",
        use="corrects",
        description="The entry this one corrects (C-4), if it is a correction.",
    )
    site: Site = strawberry.field(description="The site whose register holds the visit.")
    corrects: Visit | None = strawberry.field(
        description="C-4: the entry this one corrects, if it is a correction."
    )

    @strawberry.field(
        description="C-2: escorts for this party (1 under 5, 2 up to 10, 3+).",
        metadata=needs("party_size"),
    )
    def escorts_needed(self) -> int:
        return escorts_for(self.party_size)[0]

    @strawberry.field(
        description="Who decided the receiver, and why.",
        metadata=needs("decision_rule", "decision_reason"),
    )
    def decision(self) -> Decision | None:
        if self.decision_rule is None:  # type: ignore[attr-defined]
            return None
        return Decision(rule=self.decision_rule, message=self.decision_reason or "")  # type: ignore[attr-defined]


ComplaintStatus = strawberry.enum(
    complaint_rules.ComplaintStatus, description="C-9 complaint lifecycle states."
)
ResolutionBasis = strawberry.enum(
    complaint_rules.ResolutionBasis, description="C-11: which target a resolution is due by."
)
ComplaintChannel = strawberry.enum(
    complaint_rules.ComplaintChannel, description="C-7 complaint channels."
)
ComplaintSeverity = strawberry.enum(
    models.ComplaintSeverity, description="PM-4 major or general (C-11 targets follow it)."
)
EscalationLevel = strawberry.enum(
    complaint_rules.EscalationLevel,
    description="C-10 escalation chain: handler, site head, vice president, general manager.",
)

ComplaintAction = strawberry.enum(
    models.ComplaintAction, description="What a history entry records (C-9)."
)
describe_values(
    ComplaintStatus,
    {
        "RECEIVED": "Filed, no first response yet (C-8: due within 24 h).",
        "ACKNOWLEDGED": "The customer got the first response (C-8).",
        "IN_PROGRESS": "Being handled; the customer gets progress updates (C-8).",
        "WAITING_ON_CUSTOMER": "Waiting on the customer: the resolution clock stands still "
        "(C-11; the special-case cap still runs).",
        "RESOLVED": "Handled; the revisit is due next (C-9, PM-5).",
        "REVISITED": "The customer was visited or called back after the fix (回访, C-9).",
        "CLOSED": "Done; final (closing needs a reason).",
        "REOPENED": "The customer rejected the result: handled again in a new cycle with new "
        "deadlines (C-9; reopening needs a reason).",
    },
)
describe_values(
    ResolutionBasis,
    {
        "WORKING_DAYS": "Made after consumption: resolved within the line's working days "
        "(3 by default); waiting on the customer extends it.",
        "CUSTOMER_REQUEST": "Made during consumption: resolved by the time the customer asked "
        "for (`customerRequestedBy`).",
        "SPECIAL_CASE": "Marked a special case with a reason: the hard cap (7 working days by "
        "default), never extended.",
    },
)
describe_values(
    ComplaintChannel,
    {
        "IN_PERSON": "Made in person at the desk (C-7: the customer's name, time, who took it).",
        "PHONE": "Made by phone (C-7: the caller's company and name, time, who took it).",
        "WRITTEN": "Made in writing (C-7: the customer's name, time, who took it).",
    },
)
describe_values(
    ComplaintSeverity,
    {
        "GENERAL": "A general complaint: the line's general targets.",
        "MAJOR": "A major complaint (PM-4: fire, people trapped in a lift, several "
        "households …): the line's tighter targets.",
    },
)
describe_values(
    EscalationLevel,
    {
        "HANDLER": "With the handler (not escalated).",
        "SITE_HEAD": "With the site or department head.",
        "VICE_PRESIDENT": "With the vice president in charge.",
        "GENERAL_MANAGER": "With the general manager (the top of the chain).",
    },
)
describe_values(
    ComplaintAction,
    {
        "FILED": "The complaint was filed (`toValue`: received).",
        "TRANSITION": "A lifecycle change (`fromValue` → `toValue`: statuses in lower case, "
        "e.g. in_progress).",
        "ASSIGNED": "A handler was assigned (`toValue`: the staff member's legacy id).",
        "ESCALATED": "Escalated up the C-10 chain (`fromValue` → `toValue`: levels in lower "
        "case, e.g. site_head).",
        "FAULT_VERIFIED": "C-14: verified as caused by one staff member (`toValue`: their "
        "legacy id).",
        "OVERDUE": "A deadline was missed (`toValue`: the overdue kind in lower case).",
        "RENUMBERED": "C-6: the number was rewritten to the revised form (`fromValue` old, "
        "`toValue` new).",
        "PROGRESS_UPDATE": "C-8: the customer was told of the progress.",
        "SPECIAL_CASE": "C-11: marked a special case, with the reason in `note`.",
    },
)


@strawberry.type(description="One change of a complaint: who, when, why, from what to what.")
class ComplaintHistoryEntry(Node):
    global_id = node_id("ComplaintHistoryEntry")
    id: int = legacy_id()
    cycle: int = strawberry.field(
        description="The complaint's cycle the change belongs to (1, plus one per reopening)."
    )
    action: ComplaintAction = strawberry.field(
        description="What changed; it says what `fromValue` and `toValue` hold."
    )
    from_value: str | None = strawberry.field(
        description="The value before the change, as text (see `action`); null when none."
    )
    to_value: str | None = strawberry.field(
        description="The value after the change, as text (see `action`); null when none."
    )
    actor: Staff | None = strawberry.field(
        description="Who made the change (C-9); None for the system (overdue sweep).  When "
        "`onBehalf`, the staff member it was recorded for."
    )
    recorded_by: str | None = strawberry.field(
        description='C-13 act_for, "X on behalf of Y": the API token (X) that recorded this '
        "change for the actor (Y), as the audit log names it; None when the actor recorded it."
    )
    recorded_by_staff: Staff | None = strawberry.field(
        description="The staff member of the token in `recordedBy`, if it is bound to one."
    )
    note: str = strawberry.field(description="The human why, as given.")
    occurred_at: datetime = strawberry.field(description="When the change was made (UTC).")

    @strawberry.field(
        description="Whether a token recorded this change on the actor's behalf (C-13 act_for)."
    )
    def on_behalf(self) -> bool:
        return self.recorded_by is not None

    @strawberry.field(description="The rule and the readable sentence of the change.")
    def decision(self) -> Decision:
        return Decision(rule=self.rule, message=self.message)  # type: ignore[attr-defined]


@strawberry.type(description="C-7 details recorded for the channel (names masked per C-13).")
class ComplaintChannelDetails:
    caller_company: str | None = strawberry.field(
        description="Phone complaints: the caller's company (客户单位); null otherwise."
    )
    caller_name: str | None = strawberry.field(
        description="Phone complaints: the caller's name; masked (张**) without the PRIVATE "
        "permission (C-13)."
    )
    customer_name: str | None = strawberry.field(
        description="In-person and written complaints: the customer's name; masked without "
        "the PRIVATE permission (C-13)."
    )
    received_at: datetime | None = strawberry.field(
        description="When the complaint was received (UTC), as the taker recorded it."
    )
    taken_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the staff member who took it (`takenBy`).",
        deprecation_reason="Use `takenBy`; removed in 2.0.",
    )
    taken_by: Staff | None = view_link(
        models.Staff,
        "taken_by_id",
        Staff | None,
        parse_as="Staff",
        description="C-7: the staff member who took the complaint.",
    )


@strawberry.type(description="The numbers behind a complaint's deadlines (C-8, C-11, PM-5).")
class ComplaintTargets:
    first_response_minutes: int = strawberry.field(
        description="C-8: minutes from filing to the first response (1440: 24 h)."
    )
    resolution_working_days: int = strawberry.field(
        description="C-11: working days of the site's calendar to resolve a complaint made "
        "after consumption."
    )
    special_case_max_working_days: int = strawberry.field(
        description="C-11: the hard cap for a special case, in working days."
    )
    revisit_days: int = strawberry.field(description="Calendar days after the fix.")
    progress_interval_minutes: int = strawberry.field(
        description="C-8: minutes between progress updates to the customer (policy data)."
    )


def require_aware(moment: datetime, field: str) -> datetime:
    """``moment`` if it has a time zone offset, else NAIVE_DATETIME naming ``field``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field} needs a time zone offset, e.g. 2026-11-24T10:00:00+08:00",
            code="NAIVE_DATETIME",
            field=field,
        )
    return moment


# ---------------------------------------------------------------------------------------------
# Fields of a Complaint (no I/O unless a caller skipped planning)


def _mask(name: str | None) -> str | None:
    # C-13: a person's name is private data like a phone number.
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def channel_details_of(complaint: Any, info: Info | None = None) -> ComplaintChannelDetails:
    details = dict(complaint.channel_details or {})
    received = details.get("received_at")
    private = True if info is None else info.context.can(Permission.PRIVATE)
    names = {
        key: details.get(key) if private else _mask(details.get(key))
        for key in ("caller_name", "customer_name")
    }
    taken_by = details.get("taken_by")
    return ComplaintChannelDetails(
        caller_company=details.get("caller_company"),
        caller_name=names["caller_name"],
        customer_name=names["customer_name"],
        received_at=datetime.fromisoformat(received) if isinstance(received, str) else None,
        taken_by_id=global_id_of("Staff", taken_by),
    )


def targets_type_of(complaint: Any) -> ComplaintTargets:
    targets: complaint_rules.ComplaintTargets = complaint_service.targets_of(complaint)
    return ComplaintTargets(
        first_response_minutes=complaint.first_response_minutes,
        resolution_working_days=targets.resolution_working_days,
        special_case_max_working_days=targets.special_case_max_working_days,
        revisit_days=targets.revisit_days,
        progress_interval_minutes=complaint.progress_interval_minutes,
    )


def overdue_of(complaint: Any, info: Info, now: datetime | None) -> list[Decision]:
    moment = require_aware(now, "now") if now is not None else info.context.now()
    return [
        Decision(rule=r.rule, message=r.message)
        for r in complaint_service.overdue_decisions(complaint, moment)
    ]


async def history_of(complaint: Any, info: Info) -> list[Any]:
    if "history" not in inspect(complaint).unloaded:
        return list(complaint.history)
    # Only a caller that returned a Complaint without load_complaints() gets here.
    async with info.context.db.session() as s:
        rows = await s.scalars(
            select(models.ComplaintHistoryEntry)
            .where(models.ComplaintHistoryEntry.complaint_id == complaint.id)
            .options(
                joinedload(models.ComplaintHistoryEntry.actor),
                joinedload(models.ComplaintHistoryEntry.recorded_by_staff),
            )
            .order_by(models.ComplaintHistoryEntry.id)
        )
        return list(rows.all())


@strawberry.type(
    description="A complaint (C-5..C-14): its state, deadlines and history.  Times are "
    "UTC; deadlines are computed in the site's working-day calendar (C-11)."
)
class Complaint(Node):
    global_id = node_id("Complaint")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    number: str = strawberry.field(
        description="C-6: YYMM then the serial (at least 2 digits) in the site's local month."
    )
    customer_id = link_id("Customer", "customer_id", use="customer")
    visit_id = link_id("Visit", "visit_id", use="visit")
    site: Site = strawberry.field(description="The site the complaint was filed at.")
    visit: Visit | None = strawberry.field(description="The visit complained about, if any.")
    channel: ComplaintChannel = strawberry.field(
        description="C-7: in person, by phone or in writing (details: `channelDetails`)."
    )
    category: str = strawberry.field(
        description="Free text given at filing (e.g. service, facilities, billing): a String by "
        "design, the categories are the site's own."
    )
    severity: ComplaintSeverity = strawberry.field(
        description="PM-4: major or general; the targets follow it (C-11)."
    )
    status: ComplaintStatus = strawberry.field(
        description="C-9: where it stands; `allowedTransitions` lists the next states."
    )
    description: str = strawberry.field(
        description="What the customer complained about, as recorded at filing."
    )
    filed_at: datetime = strawberry.field(
        description="When the complaint was received (C-7); deadlines count from here."
    )
    recorded_at: datetime = strawberry.field(description="When it was entered in the system.")
    updated_at: datetime = strawberry.field(description="The last change (UTC).")
    households: int | None = strawberry.field(description="PM-4: households complaining.")
    flags: list[str] = strawberry.field(description="PM-4 incident flags given at filing.")
    customer: Customer | None = strawberry.field(
        description="The customer complaining; null when they are not a registered customer."
    )
    handler: Staff | None = strawberry.field(
        description="Who handles it; null until assigned (the first responder of an "
        "unassigned complaint becomes its handler)."
    )
    staff_at_fault: Staff | None = strawberry.field(description="C-14: set once verified.")
    fault_verified_at: datetime | None = strawberry.field(
        description="C-14: when `staffAtFault` was verified (UTC); null: not verified."
    )
    escalation_level: EscalationLevel = strawberry.field(description="C-10 current level.")
    cycle: int = strawberry.field(
        description="1, plus one per reopening (each reopening starts new deadlines)."
    )
    cycle_started_at: datetime = strawberry.field(
        description="When the current cycle began: the filing, or the last reopening (UTC); "
        "its deadlines count from here."
    )
    first_responded_at: datetime | None = strawberry.field(
        description="C-8: the first response of the current cycle (UTC); null: none yet."
    )
    resolved_at: datetime | None = strawberry.field(
        description="When it was resolved in the current cycle (UTC); null: not yet."
    )
    revisited_at: datetime | None = strawberry.field(
        description="C-9: the revisit (回访) of the current cycle (UTC); null: not yet."
    )
    closed_at: datetime | None = strawberry.field(
        description="When it was closed (UTC); null while open."
    )
    first_response_due: datetime | None = strawberry.field(description="C-8: 24 h after filing.")
    resolution_due: datetime | None = strawberry.field(
        description="C-11: end of the n-th working day; null while waiting on the customer."
    )
    special_case_due: datetime | None = strawberry.field(
        description="C-11: the hard limit for special cases (no pause extends it)."
    )
    revisit_due: datetime | None = strawberry.field(
        description="C-9 / PM-5: revisit within n days of the fix; set once resolved."
    )
    customer_requested_by: datetime | None = strawberry.field(
        description="C-11: made during consumption — the time the customer asked it be "
        "handled by (recorded at filing); the resolution is due then."
    )
    special_case_reason: str | None = strawberry.field(
        description="C-11: why it was marked a special case (null: not marked)."
    )
    special_case_at: datetime | None = strawberry.field(
        description="C-11: when it was marked a special case."
    )
    last_progress_at: datetime | None = strawberry.field(
        description="C-8: when the customer was last updated on the progress."
    )
    progress_update_due: datetime | None = strawberry.field(
        description="C-8: when the next progress update is due (null: none owed now)."
    )

    @strawberry.field(
        description="C-11: the target `resolutionDue` applies (working days after consumption, "
        "the customer's time during consumption, or the special-case hard cap).",
        metadata=needs("special_case_at", "customer_requested_by", "cycle"),
    )
    def resolution_basis(self) -> ResolutionBasis:
        return complaint_service.basis_of(self)  # type: ignore[arg-type]

    @strawberry.field(description="C-7: the details recorded for the complaint's channel.")
    def channel_details(self, info: Info) -> ComplaintChannelDetails:
        return channel_details_of(self, info)

    @strawberry.field(description="Why the complaint got its severity and targets (PM-4/C-11).")
    def policy_decision(self) -> Decision:
        return Decision(rule=self.policy_rule, message=self.policy_reason)  # type: ignore[attr-defined]

    @strawberry.field(description="The targets its deadlines come from (C-8, C-11, PM-5).")
    def targets(self) -> ComplaintTargets:
        return targets_type_of(self)

    @strawberry.field(description="C-11: the resolution clock stands still (waiting on customer).")
    def clock_paused(self) -> bool:
        return self.status in complaint_rules.CLOCK_PAUSED_STATUSES

    @strawberry.field(description="C-9: the states the complaint can move to next.")
    def allowed_transitions(self) -> list[ComplaintStatus]:
        return list(complaint_rules.TRANSITIONS[complaint_rules.ComplaintStatus(self.status)])

    @strawberry.field(
        description="Every deadline missed at `now` (default: the request time), with its rule."
    )
    def overdue(
        self,
        info: Info,
        now: Annotated[
            datetime | None,
            strawberry.argument(
                description="The moment to judge at, with a UTC offset (default: the "
                "request time); e.g. a future moment to see what will be overdue."
            ),
        ] = None,
    ) -> list[Decision]:
        return overdue_of(self, info, now)

    @strawberry.field(description="C-9: who changed what, when and why, oldest first.")
    async def complaint_history(self, info: Info) -> list[ComplaintHistoryEntry]:
        return await history_of(self, info)


@strawberry.type(description="A rule of a business line's penalty table.")
class PenaltyRule(Node):
    global_id = node_id("PenaltyRule")
    id: int = legacy_id()
    business_line: str = strawberry.field(
        description="The plugin code of the line whose table holds it (core adds its C-14 "
        "entries to every line's table)."
    )
    code: str = strawberry.field(
        description="Stable key of the rule in its table (`issuePenalty` takes it as `ruleCode`)."
    )
    rule: str = strawberry.field(description="The rule id it enforces, e.g. RE-5, FC-2, C-14.")
    title: str = strawberry.field(description="What the rule punishes, in a few words.")
    kind: PenaltyKind = strawberry.field(
        description="Fine, points, suspension …: what the amounts count."
    )
    min_amount: Money | None = strawberry.field(
        description="The smallest amount: CNY, points or days depending on `kind`."
    )
    max_amount: Money | None = strawberry.field(
        description="The largest amount: CNY, points or days depending on `kind`."
    )
    active: bool = strawberry.field(
        description="Whether penalties can be issued under it (`penaltyRules` lists active "
        "rules only)."
    )

    @strawberry.field(
        description="The smallest amount of a money rule (fine, wage deduction, "
        "compensation); null for points, suspensions and dismissals.",
        metadata=needs("min_amount", "kind"),
    )
    def min_amount_money(self) -> MoneyAmount | None:
        return cny(self.min_amount) if is_money(self.kind) else None

    @strawberry.field(
        description="The largest amount of a money rule; null for other kinds.",
        metadata=needs("max_amount", "kind"),
    )
    def max_amount_money(self) -> MoneyAmount | None:
        return cny(self.max_amount) if is_money(self.kind) else None


@strawberry.type(description="An entry of the penalty ledger; revocations are entries too.")
class Penalty(Node):
    global_id = node_id("Penalty")
    id: int = legacy_id()
    site_id = link_id("Site", "site_id", use="site", optional=False)
    staff: Staff = strawberry.field(description="The staff member penalised.")
    penalty_rule: PenaltyRule = strawberry.field(
        description="The rule of the penalty table it was issued under."
    )
    amount: Money | None = strawberry.field(
        description="CNY for fines, wage deductions and compensation; points or days for the "
        "other kinds (see `amountMoney`)."
    )
    reason: str = strawberry.field(
        description="Why it was issued (or revoked), as the issuer or the rule wrote it."
    )
    issued_by_id = link_id("Staff", "issued_by_id", use="issuedBy")
    issued_at: datetime = strawberry.field(description="When it was issued (UTC).")
    complaint_id = link_id("Complaint", "complaint_id", use="complaint")
    visit_id = link_id("Visit", "visit_id", use="visit")
    revokes_id = link_id(
        "Penalty",
        "revokes_id",
        use="revokes",
        description="Set on a revocation: the entry it revokes.",
    )
    site: Site = strawberry.field(description="The site whose ledger holds the entry.")
    issued_by: Staff | None = strawberry.field(
        description="Who issued the penalty (null: the system, e.g. a rule's sweep)."
    )
    complaint: Complaint | None = strawberry.field(
        description="C-14: the complaint the penalty is for, if any."
    )
    visit: Visit | None = strawberry.field(description="The visit the penalty is for, if any.")
    revokes: Penalty | None = strawberry.field(
        description="Set on a revocation: the entry it revokes."
    )

    @strawberry.field(
        description="The amount as money for a money rule (fine, wage deduction, "
        "compensation); null for points, suspensions and dismissals.",
        metadata=needs("amount", "penalty_rule_id"),
    )
    async def amount_money(self, info: Info) -> MoneyAmount | None:
        if self.amount is None:
            return None
        # The rule's kind decides; one batched SELECT of rules per response at most.
        rule = await load_linked(info, models.PenaltyRule, self.penalty_rule_id)
        return cny(self.amount) if rule is not None and is_money(rule.kind) else None


@strawberry.type(description="An installed plugin, and whether an operator enabled it.")
class Plugin:
    code: str = strawberry.field(
        description="The plugin's code, e.g. realestate; a site's `businessLine` names it."
    )
    name: str = strawberry.field(description="Human-readable name.")
    version: str = strawberry.field(description="The installed version.")
    description: str = strawberry.field(description="What the plugin does, in a sentence.")
    business_line: str | None = strawberry.field(
        description="The business line it implements; null for a plugin that is no line."
    )
    enabled: bool = strawberry.field(
        description="Switched on by an operator (`setPluginEnabled`); a disabled line's "
        "fields answer LINE_DISABLED."
    )
    settings: JSON = strawberry.field(
        description="The operator's settings for this plugin (`configurePlugin`, `frontdesk "
        "plugins configure`); {} when it runs on its defaults."
    )


def plugin_view(host: Any, code: str, settings: dict[str, dict[str, Any]]) -> Plugin:
    """The ``Plugin`` object of installed plugin ``code``."""
    p = host.installed[code]
    return Plugin(
        code=code,
        name=p.info.name,
        version=p.info.version,
        description=p.info.description,
        business_line=p.info.business_line,
        enabled=code in host.enabled,
        settings=settings.get(code, {}),
    )


@strawberry.type(description="An alert raised by a rule (e.g. RE-14 report to the manager).")
class Notification:
    kind: str = strawberry.field(
        description="What the alert is, e.g. manager_report: a String by design, each business "
        "line raises its own kinds."
    )
    message: str = strawberry.field(description="The alert, as a sentence to show.")
    rule: str = strawberry.field(description="The rule id that raised it, e.g. RE-14.")


@strawberry.type
class CheckInResult:
    visit: Visit
    decision: Decision
    notifications: list[Notification]


@strawberry.type(description="One staff member's share of a sale's credit.")
class SaleShare:
    staff_id: strawberry.ID = strawberry.field(
        description="The staff member's global id (`staff`).",
        deprecation_reason="Use `staff`; removed in 2.0.",
    )
    share: Money = strawberry.field(description="The fraction of the sale credited, 0–1.")
    staff: Staff | None = view_link(
        models.Staff, "staff_id", Staff | None, parse_as="Staff", description="Who is credited."
    )


@strawberry.type(description="Who gets credit for a sale, and why.")
class SaleAttribution:
    shares: list[SaleShare] = strawberry.field(
        description="Who is credited and with what fraction; the shares add up to 1."
    )
    decision: Decision = strawberry.field(
        description="The rule that decided (e.g. RE-13, FC-4) and why."
    )


SiteConnection = Connection[Site]
CustomerConnection = Connection[Customer]
StaffConnection = Connection[Staff]
VisitConnection = Connection[Visit]
ComplaintConnection = Connection[Complaint]
PenaltyConnection = Connection[Penalty]

EXTENSIBLE_TYPES: dict[str, type] = {
    "Site": Site,
    "Customer": Customer,
    "Staff": Staff,
    "Visit": Visit,
    "Complaint": Complaint,
}


def _order_type(type_name: str, fields: dict[str, tuple[str, str]]) -> tuple[type, type]:
    """``<Type>OrderField`` (enum: GraphQL value -> model attribute) and ``<Type>Order``."""
    members = {
        name: strawberry.enum_value(attr, description=text) for name, (attr, text) in fields.items()
    }
    field_enum = strawberry.enum(
        enum.Enum(f"{type_name}OrderField", members),  # type: ignore[misc]
        name=f"{type_name}OrderField",
        description=f"What a list of {type_name} objects can be sorted by (ties: by id).",
    )
    namespace: dict[str, Any] = {
        "__annotations__": {"field": field_enum, "direction": OrderDirection},
        "field": strawberry.field(description="The sort key."),
        "direction": strawberry.field(
            default=OrderDirection.DESC, description="Ascending or descending (default)."
        ),
    }
    order = strawberry.input(
        type(f"{type_name}Order", (), namespace),
        name=f"{type_name}Order",
        description=f"Sort order of a list of {type_name} objects (`orderBy`); the default "
        "is ID DESC, newest first.",
    )
    return field_enum, order


_ID = ("id", "Creation order (the default, descending: newest first).")
SiteOrderField, SiteOrder = _order_type("Site", {"ID": _ID, "NAME": ("name", "Name.")})
StaffOrderField, StaffOrder = _order_type("Staff", {"ID": _ID, "NAME": ("name", "Name.")})
CustomerOrderField, CustomerOrder = _order_type(
    "Customer",
    {"ID": _ID, "NAME": ("name", "Name."), "CREATED_AT": ("created_at", "Registration time.")},
)
VisitOrderField, VisitOrder = _order_type(
    "Visit", {"ID": _ID, "ARRIVED_AT": ("arrived_at", "Arrival time.")}
)
ComplaintOrderField, ComplaintOrder = _order_type(
    "Complaint",
    {
        "ID": _ID,
        "FILED_AT": ("filed_at", "When it was received (C-7)."),
        "UPDATED_AT": ("updated_at", "Last change."),
    },
)
PenaltyOrderField, PenaltyOrder = _order_type(
    "Penalty", {"ID": _ID, "ISSUED_AT": ("issued_at", "Issue time.")}
)


@strawberry.type(description="Who is calling: the API token's role, permissions and staff member.")
class Viewer:
    name: str = strawberry.field(description="The token's name (or the caller's, in tests).")
    role: Role = strawberry.field(description="C-13: the token's role.")
    permissions: list[PermissionName] = strawberry.field(
        description="C-13: what the role may do, e.g. READ, CREATE, MANAGE, PRIVATE."
    )
    staff: Staff | None = strawberry.field(
        description="The staff member the token acts as (who changes are recorded for); "
        "null for a token bound to no staff member."
    )
