"""Real-estate reads and writes, in the caller's transaction: the day's rotation, check-in
reception, deal credit.  No GraphQL here (``schema``), no decisions (``rules``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Integer,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.plugin_api import (
    Conflict,
    Customer,
    EmploymentStatus,
    FrontdeskError,
    InvalidInput,
    NotFound,
    Notification,
    Reason,
    ReceptionContext,
    ReceptionOutcome,
    SaleAttribution,
    SaleContext,
    SaleShare,
    Site,
    Staff,
    Visit,
    VisitRecorded,
    get_line_site,
    line_policy,
    load_line_policy,
    local_time,
    record_event,
    revoked_penalties,
    staff_names,
)
from plugins import realestate
from plugins.realestate import rules
from plugins.realestate.models import OrderGrab, RotationDay, VisitReception
from plugins.realestate.policy import (
    RealEstatePolicy,
)

CODE = realestate.CODE
SALES_ROLES = ("salesperson",)


def policy_of(settings: Mapping[str, Mapping[str, Any]] | None) -> RealEstatePolicy:
    """The line's policy with the operator's stored settings (``{code: {...}}``) applied."""
    return line_policy(RealEstatePolicy, CODE, settings)


async def load_policy(session: AsyncSession) -> RealEstatePolicy:
    """The policy as stored now (read in the caller's transaction)."""
    return await load_line_policy(session, RealEstatePolicy, CODE)


async def today(session: AsyncSession, site: Site, now: datetime) -> tuple[date, RealEstatePolicy]:
    """RE-1: the business day ``now`` belongs to at ``site`` by the configured start of day,
    with the policy it was read from (hand that same policy to the rules)."""
    policy = await load_policy(session)
    return rules.business_date_for(local_time(site, now), policy), policy


def rule_error(exc: rules.RotationError) -> FrontdeskError:
    return InvalidInput(str(exc.args[-1]) if exc.args else str(exc), code=exc.code)


async def default_order(session: AsyncSession, site_id: int) -> list[str]:
    ids = await session.scalars(
        select(Staff.id)
        .where(
            Staff.site_id == site_id,
            Staff.role.in_(SALES_ROLES),
            Staff.employment_status == EmploymentStatus.ACTIVE,
        )
        .order_by(Staff.id)
    )
    return [str(i) for i in ids]


async def carried_suspensions(session: AsyncSession, site_id: int, day: date) -> dict[str, date]:
    previous = await session.scalar(
        select(RotationDay)
        .where(RotationDay.site_id == site_id, RotationDay.business_date < day)
        .order_by(RotationDay.business_date.desc())
        .limit(1)
    )
    if previous is None:
        return {}
    return dict(rules.RotationState.from_json(previous.state).suspensions)


async def rotation_day(
    session: AsyncSession, site: Site, day: date, now: datetime, *, create: bool = True
) -> tuple[RotationDay | None, rules.RotationState | None]:
    """The stored rotation of ``day``; RE-1 default order (staff id order) if none was set."""
    row = await session.get(RotationDay, (site.id, day))
    if row is not None:
        state = rules.RotationState.from_json(row.state)
        lifted = await lift_revoked_suspensions(session, site.id, state)
        if lifted is not state:
            save_state(row, lifted, now)
        return row, lifted
    order = await default_order(session, site.id)
    if not order:
        if not create:
            return None, None
        raise Conflict(
            f"site {site.id} has no active salesperson to put in a rotation (RE-1); add staff "
            "with role 'salesperson'",
            code="EMPTY_ROTATION",
            rule="RE-1",
        )
    suspended = await carried_suspensions(session, site.id, day)
    order_in = [s for s in order]
    for staff in suspended:
        if staff not in order_in:
            suspended = {k: v for k, v in suspended.items() if k in order_in}
    state = await lift_revoked_suspensions(
        session, site.id, rules.start_day(order_in, day, suspended=suspended)
    )
    if not create:
        return None, state
    row = RotationDay(site_id=site.id, business_date=day, state=state.to_json(), updated_at=now)
    session.add(row)
    await session.flush()
    return row, state


async def lift_revoked_suspensions(
    session: AsyncSession, site_id: int, state: rules.RotationState
) -> rules.RotationState:
    """RE-5 (*Decided*): a suspension whose penalty entry was revoked is lifted; another
    ruling on the same salesperson that still stands keeps its own suspension."""
    if not state.suspensions:
        return state
    suspended = {int(staff) for staff, _ in state.suspensions}
    grabs = (
        await session.scalars(
            select(OrderGrab).where(
                OrderGrab.site_id == site_id,
                OrderGrab.grabber_id.in_(suspended),
                OrderGrab.suspended_until >= state.business_date,
            )
        )
    ).all()
    revoked = await revoked_penalties(session, [g.penalty_id for g in grabs if g.penalty_id])
    standing: dict[str, date] = {}
    lifted: set[str] = set()
    for grab in grabs:
        staff = str(grab.grabber_id)
        if grab.penalty_id in revoked:
            lifted.add(staff)
        else:
            standing[staff] = max(standing.get(staff, grab.suspended_until), grab.suspended_until)
    for staff in sorted(lifted):
        if state.suspended_until(staff) is None:
            continue
        until = standing.get(staff)
        if until is not None and until >= state.suspended_until(staff):  # type: ignore[operator]
            continue
        _, state = rules.lift_suspension(state, staff, until)
    return state


class StaffRef(str):
    """A staff id that reads as the person's name in a rule's sentence.

    It equals, hashes and serialises (JSON, ``int()``) as the plain id, so the pure rules and
    the stored rotation never see a difference; only ``format()``/``str()`` — what the rules'
    reason sentences use — give the name a manager recognises.
    """

    name: str

    def __new__(cls, staff_id: str, name: str) -> StaffRef:
        ref = super().__new__(cls, staff_id)
        ref.name = name
        return ref

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)

    def __str__(self) -> str:
        return self.name


@functools.cache
def _day_and_names_statement(dialect: str) -> Any:
    """The statement of :func:`load_day_and_site_names`, built once per dialect (the site and
    the day are bound parameters; issue 8)."""
    if dialect == "postgresql":
        every = func.json_object_agg(Staff.id, Staff.name)
    else:
        every = func.json_group_object(Staff.id, Staff.name)
    site_id = bindparam("site_id", type_=Integer)
    names = type_coerce(select(every).where(Staff.site_id == site_id).scalar_subquery(), JSON)
    one = select(literal(1).label("one")).subquery("one")
    return (
        select(RotationDay, names.label("names"))
        .select_from(one)
        .outerjoin(
            RotationDay,
            and_(
                RotationDay.site_id == site_id,
                RotationDay.business_date == bindparam("day", type_=Date),
            ),
        )
    )


async def load_day_and_site_names(
    session: AsyncSession, site: Site, day: date
) -> tuple[dict[str, str], RotationDay | None]:
    """Every staff name at ``site`` (``{id: name}``), and the day's stored rotation row into
    the session (so :func:`rotation_day` finds it without a statement while the caller holds
    the returned row: the session's identity map is weak): one round trip instead of two on
    every check-in (issue 8).  The row is read as ``session.get`` reads it (no lock: the
    caller holds the site's)."""
    stmt = _day_and_names_statement(session.get_bind().dialect.name)
    found = (await session.execute(stmt, {"site_id": site.id, "day": day})).one()
    return {str(i): name for i, name in (found[1] or {}).items()}, found[0]


def named_state(state: rules.RotationState, names: dict[str, str]) -> rules.RotationState:
    def ref(staff: str) -> StaffRef:
        return StaffRef(staff, names.get(staff, f"staff {staff}"))

    return replace(
        state,
        order=tuple(ref(x) for x in state.order),
        make_up_queue=tuple(ref(x) for x in state.make_up_queue),
        passes_owed=tuple(ref(x) for x in state.passes_owed),
        statuses=tuple((ref(x), st) for x, st in state.statuses),
        suspensions=tuple((ref(x), d) for x, d in state.suspensions),
        reception_counts=tuple((ref(x), c) for x, c in state.reception_counts),
    )


def save_state(row: RotationDay, state: rules.RotationState, now: datetime) -> None:
    row.state = state.to_json()
    row.updated_at = now


# Issue 17: the live rotation board (``rotationUpdates``) follows the visit register's stream:
# a reception is its ``visit.checked_in`` event (with the rotation after it, see
# ``receive_visit``), every other change of the rotation a ``rotation.*`` event beside it.
ROTATION_STREAM = "visits"


async def rotation_changed(
    session: AsyncSession,
    site_id: int,
    state: rules.RotationState,
    now: datetime,
    *,
    change: str,
    staff_id: int | None = None,
    reason: Reason | None = None,
    note: str = "",
) -> None:
    """Record a change of a site's rotation other than a reception (event
    ``rotation.<change>`` on the visits stream, in the change's transaction) carrying the whole
    rotation as it is after the change, so a board that resumes from any event shows the
    rotation as of that event."""
    await record_event(
        session,
        stream=ROTATION_STREAM,
        type=f"rotation.{change}",
        now=now,
        site_id=site_id,
        subject_id=staff_id,
        payload={
            "business_date": state.business_date.isoformat(),
            "state": state.to_json(),
            "rule": reason.rule if reason else None,
            "message": reason.message if reason else None,
            "note": note,
        },
    )


def visit_facts(context: ReceptionContext) -> rules.VisitFacts:
    line = context.line_input
    related = getattr(line, "related_party", None)
    owner = str(context.owner_staff_id) if context.owner_staff_id else None
    return rules.VisitFacts(
        channel=rules.Channel(context.channel),
        visitor_kind=rules.VisitorKind(context.visitor_kind),
        related_party=rules.RelatedParty(related.value) if related else None,
        named_staff_id=str(context.named_staff_id) if context.named_staff_id else None,
        original_staff_id=owner,
        # RE-11: the owner came from the customer's company or family group.
        same_group_as_existing=owner is not None and context.owner_from_group,
        claims_prior_contact_absent=bool(getattr(line, "claims_prior_contact_absent", False)),
        # A customer the register already has an owner for is not on a first visit (RE-6/7).
        first_visit=bool(getattr(line, "first_visit", True)) and owner is None,
        units_requested=int(getattr(line, "units_requested", 0) or 0),
        brought_by_existing_customer=bool(getattr(line, "brought_by_existing_customer", False)),
        has_bought=bool(getattr(line, "has_bought", False)),
    )


async def realestate_site(session: AsyncSession, site_id: Any, *, lock: bool = False) -> Site:
    return await get_line_site(session, site_id, CODE, what="a real-estate sales office", lock=lock)


async def receive_visit(context: ReceptionContext) -> ReceptionOutcome:
    session, site = context.session, context.site
    # The settings core read for this check-in (the business date came from the same read).
    policy = policy_of(context.settings)
    local_now = local_time(site, context.now)
    at_site, _stored = await load_day_and_site_names(session, site, context.business_date)
    row, state = await rotation_day(session, site, context.business_date, context.now)
    try:
        facts = visit_facts(context)
        wanted = {*state.order, facts.named_staff_id or "", facts.original_staff_id or ""}
        # Names of staff at another site (an owner moved since) are read on their own.
        elsewhere = {i for i in wanted if i and i not in at_site}
        names = {**at_site, **(await staff_names(session, elsewhere))} if elsewhere else at_site
        state = named_state(state, names)
        facts = replace(
            facts,
            named_staff_id=StaffRef(facts.named_staff_id, names.get(facts.named_staff_id, "?"))
            if facts.named_staff_id
            else None,
            original_staff_id=StaffRef(
                facts.original_staff_id, names.get(facts.original_staff_id, "?")
            )
            if facts.original_staff_id
            else None,
        )
        decision, new_state = rules.decide_reception(state, facts, local_now, policy=policy)
    except rules.RotationError as exc:
        raise rule_error(exc) from exc
    except ValueError as exc:
        raise InvalidInput(str(exc), code="INVALID_VISIT_FACTS") from exc
    return ReceptionOutcome(
        receiver_id=int(decision.receiver_id) if decision.receiver_id else None,
        counted=decision.counted,
        reason=decision.reason,
        notifications=tuple(
            Notification(kind=n.kind, message=n.message, rule=n.rule)
            for n in decision.notifications
        ),
        line_data=(row, new_state, decision, facts),
        # Issue 17: the rotation board shows the rotation right after this reception; it rides
        # in the visit.checked_in event itself (no statement more per check-in).
        event_payload={"rotation": new_state.to_json()},
    )


async def record_visit(event: VisitRecorded) -> None:
    if event.outcome is None:
        return
    row, new_state, decision, facts = event.outcome.line_data  # type: ignore[union-attr]
    session = event.session
    reception = {
        "visit_id": event.visit.id,
        "made_up_turn": decision.made_up_turn,
        "new_registration": decision.new_registration,
        "units_requested": facts.units_requested or None,
        "skipped": [
            {"staff_id": s.staff_id, "rule": s.reason.rule, "message": s.reason.message}
            for s in decision.skipped
        ],
    }
    if row in session.dirty:
        # Changed earlier in this transaction (RE-5 lifted a suspension): the ORM writes it.
        save_state(row, new_state, event.now)
        session.add(VisitReception(**reception))
        await session.flush()
        return
    # The check-in's hot path (issue 8): two prebuilt Core statements, no unit of work.  The
    # row in the session is given the stored values, as a flush would have.
    state = new_state.to_json()
    await session.execute(
        _ROTATION_UPDATE,
        {"site": row.site_id, "day": row.business_date, "state": state, "at": event.now},
    )
    set_committed_value(row, "state", state)
    set_committed_value(row, "updated_at", event.now)
    await session.execute(_RECEPTION_INSERT, reception)


_DAYS = RotationDay.__table__
_ROTATION_UPDATE = (
    update(_DAYS)
    .where(
        _DAYS.c.site_id == bindparam("site", type_=Integer),
        _DAYS.c.business_date == bindparam("day", type_=Date),
    )
    .values(
        state=bindparam("state", type_=_DAYS.c.state.type),
        updated_at=bindparam("at", type_=_DAYS.c.updated_at.type),
    )
)
_RECEPTIONS = VisitReception.__table__
_RECEPTION_INSERT = insert(_RECEPTIONS).values(
    {
        name: bindparam(name, type_=_RECEPTIONS.c[name].type)
        for name in ("visit_id", "made_up_turn", "new_registration", "units_requested", "skipped")
    }
)


async def attribute_sale(context: SaleContext) -> SaleAttribution:
    session = context.session
    customer = await session.get(Customer, context.customer_id)
    if customer is None or customer.site_id != context.site.id:
        raise NotFound(
            f"customer {context.customer_id} is not at this site", code="CUSTOMER_NOT_FOUND"
        )
    # RE-11: one company or family is one customer: the register of the whole group counts.
    if customer.group_id is not None:
        members = select(Customer.id).where(Customer.group_id == customer.group_id)
        key = f"group:{customer.group_id}"
    else:
        members = select(Customer.id).where(Customer.id == customer.id)
        key = f"customer:{customer.id}"
    # RE-13: the register as it stands after its corrections (C-4): only the newest entry of
    # each correction chain, phone entries included; a walk-in a correction uncounted (RE-8)
    # earns no credit.
    visits = (
        await session.scalars(
            select(Visit)
            .where(
                Visit.customer_id.in_(members),
                Visit.receiver_id.is_not(None),
                Visit.arrived_at <= context.sold_at,
            )
            .order_by(Visit.arrived_at, Visit.id)
        )
    ).all()
    ids = [v.id for v in visits]
    corrected = set(
        (await session.scalars(select(Visit.corrects_id).where(Visit.corrects_id.in_(ids)))).all()
    )
    grabs = {
        g.visit_id: g
        for g in (await session.scalars(select(OrderGrab).where(OrderGrab.visit_id.in_(ids)))).all()
    }
    previous = {v.id: v.corrects_id for v in visits}

    def grab_of(visit_id: int | None) -> OrderGrab | None:
        while visit_id is not None:
            if visit_id in grabs:
                return grabs[visit_id]
            visit_id = previous.get(visit_id)
        return None

    register = []
    for v in visits:
        if v.id in corrected:
            continue
        phone = v.channel.value == rules.Channel.PHONE.value
        if phone and v.visitor_kind.value != rules.VisitorKind.CUSTOMER.value:
            continue
        grab = grab_of(v.id)
        register.append(
            rules.RegisterEntry(
                staff_id=str(v.receiver_id),
                customer_key=key,
                registered_at=v.arrived_at,
                named_staff_id=str(grab.named_id) if grab else None,
                grabbed=grab is not None,
                channel=rules.Channel(v.channel.value),
                uncounted=not phone and not v.counted,
            )
        )
    decision = rules.credit_for_deal(register, key, context.sold_at)
    shares = (
        (SaleShare(staff_id=int(decision.staff_id), share=Decimal(1)),)
        if decision.staff_id
        else (SaleShare(staff_id=context.closed_by_id, share=Decimal(1)),)
    )
    return SaleAttribution(shares=shares, reason=decision.reason)
