"""Core GraphQL types.  Resolvers are thin: data arrives loaded, planned from the selection.

Root resolvers load one page with the relations the query selects (``core.graphql.loading``);
nested fields here are plain attribute reads, never I/O, so a page costs the same number of
SQL statements whatever its size.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from strawberry.scalars import JSON
from strawberry.types import Info

from core import complaint_rules, hosting, models
from core.auth import Permission
from core.errors import InvalidInput
from core.graphql.scalars import Money
from core.hosting import escorts_for, hosting_budget, receiver_level
from core.phone import mask_phone
from core.services import complaints as complaint_service

CustomerClass = strawberry.enum(models.CustomerClass, description="C-1 customer classes.")
ReceiverLevel = strawberry.enum(
    hosting.ReceiverLevel, description="C-1: who receives a class of customer."
)
GroupKind = strawberry.enum(models.GroupKind, description="RE-11 one company or one family.")
EmploymentStatus = strawberry.enum(models.EmploymentStatus)
VisitChannel = strawberry.enum(models.VisitChannel)
InquiryKind = strawberry.enum(models.InquiryKind, description="C-5 inquiry kinds.")
VisitorKind = strawberry.enum(
    models.VisitorKind, description="Who is at the desk; the business line decides what counts."
)
PenaltyKind = strawberry.enum(models.PenaltyKind)

T = TypeVar("T")


@strawberry.type(description="Why a rule decided what it did.")
class Decision:
    rule: str = strawberry.field(description="The rule id in DOMAIN.md, e.g. RE-5.")
    message: str = strawberry.field(description="A sentence a manager can read.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


NEEDS = "frontdesk_needs"


def needs(*attributes: str) -> dict[str, tuple[str, ...]]:
    """Field metadata declaring the model attributes a resolver reads (for narrow pages).

    ``@strawberry.field(metadata=needs("decision_rule", "decision_reason"))``: pages select
    only the columns their selection reads (``core.graphql.loading``).
    """
    return {NEEDS: attributes}


@strawberry.type(description="A page of results; pass `pageInfo.endCursor` as `after`.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without edges.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
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
        raise InvalidInput(
            f"cursor {cursor!r} is not a {kind} cursor; pass pageInfo.endCursor from a "
            f"previous page of the same query",
            code="INVALID_CURSOR",
            field="after",
        ) from exc


@strawberry.type(description="A sales office, club, property project or venue.")
class Site:
    id: strawberry.ID
    name: str
    business_line: str = strawberry.field(description="The business line's plugin code.")
    timezone: str = strawberry.field(description="IANA time zone; business days are local.")
    calendar_region: str = strawberry.field(description="Working-day calendar region (C-11).")
    created_at: datetime


@strawberry.type(description="A staff member of one site.")
class Staff:
    id: strawberry.ID
    site_id: strawberry.ID
    name: str
    role: str
    employment_status: EmploymentStatus
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="C-12: the department the staff member belongs to."
    )


@strawberry.type(description="RE-11: a company or family counted as one customer.")
class CustomerGroup:
    id: strawberry.ID
    kind: GroupKind
    name: str
    owner_staff_id: strawberry.ID | None


@strawberry.type(description="A customer registered at a site.")
class Customer:
    id: strawberry.ID
    site_id: strawberry.ID
    name: str
    customer_class: CustomerClass = strawberry.field(description="C-1 class A–D.")
    group_id: strawberry.ID | None
    owner_staff_id: strawberry.ID | None = strawberry.field(
        description="The staff member who received this customer first (RE-6, RE-11)."
    )
    created_at: datetime

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
    customer_class: CustomerClass
    budget_per_person: Money = strawberry.field(description="CNY per person.")
    received_by: ReceiverLevel
    decision: Decision


@strawberry.type(description="An entry of the append-only visit register (C-4).")
class Visit:
    id: strawberry.ID
    site_id: strawberry.ID
    channel: VisitChannel
    inquiry_kind: InquiryKind
    visitor_kind: VisitorKind
    arrived_at: datetime
    business_date: date = strawberry.field(description="The business day (KTV-1 aware).")
    party_size: int
    counted: bool = strawberry.field(description="Whether the visit counted as a turn.")
    notes: str | None
    recorded_at: datetime
    customer: Customer | None
    receiver: Staff | None
    named_staff: Staff | None
    corrects_id: strawberry.ID | None = strawberry.field(
        description="The entry this one corrects (C-4), if it is a correction."
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


@strawberry.type(description="One change of a complaint: who, when, why, from what to what.")
class ComplaintHistoryEntry:
    id: strawberry.ID
    cycle: int
    action: ComplaintAction
    from_value: str | None
    to_value: str | None
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
    occurred_at: datetime

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
    caller_company: str | None
    caller_name: str | None
    customer_name: str | None
    received_at: datetime | None
    taken_by_id: strawberry.ID | None


@strawberry.type(description="The numbers behind a complaint's deadlines (C-8, C-11, PM-5).")
class ComplaintTargets:
    first_response_minutes: int
    resolution_working_days: int
    special_case_max_working_days: int
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
        taken_by_id=strawberry.ID(str(taken_by)) if taken_by is not None else None,
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
class Complaint:
    id: strawberry.ID
    site_id: strawberry.ID
    number: str = strawberry.field(
        description="C-6: YYMM then the serial (at least 2 digits) in the site's local month."
    )
    customer_id: strawberry.ID | None
    visit_id: strawberry.ID | None
    channel: ComplaintChannel
    category: str
    severity: ComplaintSeverity
    status: ComplaintStatus
    description: str
    filed_at: datetime = strawberry.field(
        description="When the complaint was received (C-7); deadlines count from here."
    )
    recorded_at: datetime = strawberry.field(description="When it was entered in the system.")
    updated_at: datetime
    households: int | None = strawberry.field(description="PM-4: households complaining.")
    flags: list[str] = strawberry.field(description="PM-4 incident flags given at filing.")
    customer: Customer | None
    handler: Staff | None
    staff_at_fault: Staff | None = strawberry.field(description="C-14: set once verified.")
    fault_verified_at: datetime | None
    escalation_level: EscalationLevel = strawberry.field(description="C-10 current level.")
    cycle: int = strawberry.field(
        description="1, plus one per reopening (each reopening starts new deadlines)."
    )
    cycle_started_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    revisited_at: datetime | None
    closed_at: datetime | None
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
    def overdue(self, info: Info, now: datetime | None = None) -> list[Decision]:
        return overdue_of(self, info, now)

    @strawberry.field(description="C-9: who changed what, when and why, oldest first.")
    async def complaint_history(self, info: Info) -> list[ComplaintHistoryEntry]:
        return await history_of(self, info)


@strawberry.type(description="A rule of a business line's penalty table.")
class PenaltyRule:
    id: strawberry.ID
    business_line: str
    code: str
    rule: str
    title: str
    kind: PenaltyKind
    min_amount: Money | None
    max_amount: Money | None
    active: bool


@strawberry.type(description="An entry of the penalty ledger; revocations are entries too.")
class Penalty:
    id: strawberry.ID
    site_id: strawberry.ID
    staff: Staff
    penalty_rule: PenaltyRule
    amount: Money | None
    reason: str
    issued_by_id: strawberry.ID | None
    issued_at: datetime
    complaint_id: strawberry.ID | None
    visit_id: strawberry.ID | None
    revokes_id: strawberry.ID | None = strawberry.field(
        description="Set on a revocation: the entry it revokes."
    )


@strawberry.type(description="An installed plugin, and whether an operator enabled it.")
class Plugin:
    code: str
    name: str
    version: str
    description: str
    business_line: str | None
    enabled: bool
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
    kind: str
    message: str
    rule: str


@strawberry.type
class CheckInResult:
    visit: Visit
    decision: Decision
    notifications: list[Notification]


@strawberry.type
class SaleShare:
    staff_id: strawberry.ID
    share: Money


@strawberry.type(description="Who gets credit for a sale, and why.")
class SaleAttribution:
    shares: list[SaleShare]
    decision: Decision


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
