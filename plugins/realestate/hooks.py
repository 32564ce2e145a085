"""Real-estate line: the only module with ``@hookimpl``.  Thin glue between core's hook
contexts, the pure rules in :mod:`plugins.realestate.rules`, and the ``re_`` tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.plugin_api import (
    CheckIn,
    Conflict,
    Customer,
    CustomerClass,
    Decision,
    DemoContext,
    EmploymentStatus,
    FrontdeskError,
    GroupKind,
    InquiryKind,
    InvalidInput,
    Join,
    MigrationBranch,
    NotFound,
    Notification,
    PenaltyBounds,
    PluginInfo,
    Reason,
    ReceptionContext,
    ReceptionOutcome,
    SaleAttribution,
    SaleContext,
    SaleShare,
    Site,
    Staff,
    Visit,
    VisitChannel,
    VisitorKind,
    VisitRecorded,
    add_staff,
    check_in_visit,
    correct_visit,
    get_site,
    hookimpl,
    issue_penalty,
    line_field,
    line_mutation,
    line_query,
    parse_id,
    plugin_settings,
    record_event,
    register_customer,
)
from plugins import realestate
from plugins.realestate import rules
from plugins.realestate import schema as gql
from plugins.realestate.models import OrderGrab, RotationDay, VisitReception
from plugins.realestate.policy import (
    C14_MANAGER_CODE,
    C14_STAFF_CODE,
    ORDER_GRABBING_CODE,
    RealEstatePolicy,
)

CODE = realestate.CODE
SALES_ROLES = ("salesperson",)


# --- registration ---------------------------------------------------------------------------


@hookimpl
def frontdesk_plugin_info() -> PluginInfo:
    return PluginInfo(
        code=CODE,
        name=realestate.NAME,
        version=realestate.VERSION,
        description="Walk-in rotation with make-up turns, order-grabbing suspensions, deal credit.",
        business_line=CODE,
        default_settings=dict(realestate.DEFAULT_SETTINGS),
    )


@hookimpl
def frontdesk_migrations() -> MigrationBranch:
    return MigrationBranch("realestate", Path(__file__).parent / "migrations" / "versions")


# --- helpers --------------------------------------------------------------------------------


def policy_of(settings: Mapping[str, Mapping[str, Any]] | None) -> RealEstatePolicy:
    """The line's policy with the operator's stored settings (``{code: {...}}``) applied."""
    try:
        return RealEstatePolicy.from_overrides(((settings or {}).get(CODE)) or {})
    except ValueError as exc:
        raise FrontdeskError(str(exc), code="INVALID_POLICY") from exc


async def load_policy(session: AsyncSession) -> RealEstatePolicy:
    """The policy as stored now (read in the caller's transaction)."""
    return policy_of({CODE: await plugin_settings(session, CODE)})


async def _today(session: AsyncSession, site: Site, now: datetime) -> tuple[date, RealEstatePolicy]:
    """RE-1: the business day ``now`` belongs to at ``site`` by the configured start of day,
    with the policy it was read from (hand that same policy to the rules)."""
    policy = await load_policy(session)
    return rules.business_date_for(_local(site, now), policy), policy


def _local(site: Site, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(site.timezone))


def _rule_error(exc: rules.RotationError) -> FrontdeskError:
    return InvalidInput(str(exc.args[-1]) if exc.args else str(exc), code=exc.code)


async def _default_order(session: AsyncSession, site_id: int) -> list[str]:
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


async def _carried_suspensions(session: AsyncSession, site_id: int, day: date) -> dict[str, date]:
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
        return row, rules.RotationState.from_json(row.state)
    order = await _default_order(session, site.id)
    if not order:
        if not create:
            return None, None
        raise Conflict(
            f"site {site.id} has no active salesperson to put in a rotation (RE-1); add staff "
            "with role 'salesperson'",
            code="EMPTY_ROTATION",
            rule="RE-1",
        )
    suspended = await _carried_suspensions(session, site.id, day)
    order_in = [s for s in order]
    for staff in suspended:
        if staff not in order_in:
            suspended = {k: v for k, v in suspended.items() if k in order_in}
    state = rules.start_day(order_in, day, suspended=suspended)
    if not create:
        return None, state
    row = RotationDay(site_id=site.id, business_date=day, state=state.to_json(), updated_at=now)
    session.add(row)
    await session.flush()
    return row, state


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


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    rows = await session.execute(
        select(Staff.id, Staff.name).where(Staff.id.in_([int(i) for i in ids if i]))
    )
    return {str(i): name for i, name in rows.all()}


def _named_state(state: rules.RotationState, names: dict[str, str]) -> rules.RotationState:
    def ref(staff: str) -> StaffRef:
        return StaffRef(staff, names.get(staff, f"staff {staff}"))

    return replace(
        state,
        order=tuple(ref(x) for x in state.order),
        make_up_queue=tuple(ref(x) for x in state.make_up_queue),
        statuses=tuple((ref(x), st) for x, st in state.statuses),
        suspensions=tuple((ref(x), d) for x, d in state.suspensions),
        reception_counts=tuple((ref(x), c) for x, c in state.reception_counts),
    )


def _save(row: RotationDay, state: rules.RotationState, now: datetime) -> None:
    row.state = state.to_json()
    row.updated_at = now


def _facts(context: ReceptionContext) -> rules.VisitFacts:
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
    )


# --- business rules -------------------------------------------------------------------------


@hookimpl
def frontdesk_validate_settings(plugin: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The real-estate policy keys an operator may set (see ``RealEstatePolicy``)."""
    if plugin != CODE:
        return None
    policy = RealEstatePolicy.from_overrides(settings)  # ValueError naming the key if wrong
    normalised = dict(settings)
    if "business_day_starts_at" in normalised:
        starts_at = policy.business_day_starts_at
        whole_minute = starts_at.second == 0 and starts_at.microsecond == 0
        normalised["business_day_starts_at"] = starts_at.isoformat(
            timespec="minutes" if whole_minute else "auto"
        )
    if "penalties" in normalised:
        # Stored without RE-5's entry, which follows suspension_days (so either may change).
        normalised["penalties"] = [
            spec.to_dict() for spec in policy.penalties if spec.code != ORDER_GRABBING_CODE
        ]
    return normalised


@hookimpl
def frontdesk_business_date(
    site: Site, moment: datetime, settings: Mapping[str, Mapping[str, Any]]
) -> date:
    return rules.business_date_for(_local(site, moment), policy_of(settings))


@hookimpl
async def frontdesk_receive_visit(context: ReceptionContext) -> ReceptionOutcome:
    session, site = context.session, context.site
    # The settings core read for this check-in (the business date came from the same read).
    policy = policy_of(context.settings)
    local_now = _local(site, context.now)
    row, state = await rotation_day(session, site, context.business_date, context.now)
    try:
        facts = _facts(context)
        wanted = {*state.order, facts.named_staff_id or "", facts.original_staff_id or ""}
        names = await _names(session, wanted)
        state = _named_state(state, names)
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
        raise _rule_error(exc) from exc
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
    )


@hookimpl
async def frontdesk_visit_recorded(event: VisitRecorded) -> None:
    if event.outcome is None:
        return
    row, new_state, decision, facts = event.outcome.line_data  # type: ignore[union-attr]
    _save(row, new_state, event.now)
    event.session.add(
        VisitReception(
            visit_id=event.visit.id,
            made_up_turn=decision.made_up_turn,
            new_registration=decision.new_registration,
            units_requested=facts.units_requested or None,
            skipped=[
                {"staff_id": s.staff_id, "rule": s.reason.rule, "message": s.reason.message}
                for s in decision.skipped
            ],
        )
    )
    await event.session.flush()


@hookimpl
def frontdesk_penalty_table(business_line: str, settings: Mapping[str, Mapping[str, Any]]) -> list:
    return list(rules.penalty_table(policy_of(settings)))


@hookimpl
def frontdesk_c14_bounds(
    bounds: PenaltyBounds, business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> PenaltyBounds | None:
    # Called for real-estate sites only (the chain asks the owner of the line).
    overrides = rules.c14_bounds_overrides(policy_of(settings))
    if not overrides:
        return None
    staff = overrides.get(C14_STAFF_CODE, (bounds.staff_fine_min, bounds.staff_fine_max))
    manager = overrides.get(C14_MANAGER_CODE, (bounds.manager_fine_min, bounds.manager_fine_max))
    return replace(
        bounds,
        staff_fine_min=staff[0],
        staff_fine_max=staff[1],
        manager_fine_min=manager[0],
        manager_fine_max=manager[1],
    )


@hookimpl
async def frontdesk_attribute_sale(context: SaleContext) -> SaleAttribution:
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
    visits = (
        await session.scalars(
            select(Visit)
            .where(
                Visit.customer_id.in_(members),
                Visit.receiver_id.is_not(None),
                Visit.counted.is_(True),
                Visit.corrects_id.is_(None),
                Visit.arrived_at <= context.sold_at,
            )
            .order_by(Visit.arrived_at, Visit.id)
        )
    ).all()
    grabs = {
        g.visit_id: g
        for g in (
            await session.scalars(
                select(OrderGrab).where(OrderGrab.visit_id.in_([v.id for v in visits]))
            )
        ).all()
    }
    register = [
        rules.RegisterEntry(
            staff_id=str(v.receiver_id),
            customer_key=key,
            registered_at=v.arrived_at,
            named_staff_id=str(grabs[v.id].named_id) if v.id in grabs else None,
            grabbed=v.id in grabs,
            channel=rules.Channel(v.channel.value),
        )
        for v in visits
    ]
    decision = rules.credit_for_deal(register, key, context.sold_at)
    shares = (
        (SaleShare(staff_id=int(decision.staff_id), share=Decimal(1)),)
        if decision.staff_id
        else (SaleShare(staff_id=context.closed_by_id, share=Decimal(1)),)
    )
    return SaleAttribution(shares=shares, reason=decision.reason)


# --- GraphQL --------------------------------------------------------------------------------


def _reception(r: Any) -> Any:
    """``Visit.realestate`` from a ``re_visit_receptions`` row (entity or joined row)."""
    return gql.RealEstateReception(
        made_up_turn=r.made_up_turn,
        new_registration=r.new_registration,
        units_requested=r.units_requested,
        skipped=[
            gql.SkippedSalesperson(
                staff_id=strawberry.ID(s["staff_id"]),
                decision=Decision(rule=s["rule"], message=s["message"]),
            )
            for s in r.skipped
        ],
    )


async def _prefetch_receptions(session: AsyncSession, visits: list[Any]) -> dict[int, Any]:
    rows = await session.scalars(
        select(VisitReception).where(VisitReception.visit_id.in_([v.id for v in visits]))
    )
    return {r.visit_id: _reception(r) for r in rows}


@hookimpl
def frontdesk_graphql_type_fields() -> list[Any]:
    return [
        line_field(
            on="Visit",
            name="realestate",
            type=gql.RealEstateReception,
            description="Real-estate reception details (make-up turn, who was skipped).",
            loader=_prefetch_receptions,
            # Pages join re_visit_receptions into their own SELECT (one statement).
            join=Join(VisitReception, "visit_id", _reception),
        )
    ]


@hookimpl
def frontdesk_graphql_input_fields() -> dict[str, list[Any]]:
    return {
        "CheckInVisitInput": [
            ("realestate", gql.RealEstateVisitFactsInput, "Real-estate facts (RE-6 … RE-14).")
        ]
    }


async def _site(session: AsyncSession, site_id: Any, *, lock: bool = False) -> Site:
    site = await get_site(session, parse_id(site_id, "siteId"), lock=lock)
    if site.business_line != CODE:
        raise InvalidInput(
            f"site {site.id} is a {site.business_line} site, not a real-estate sales office",
            code="WRONG_BUSINESS_LINE",
        )
    return site


async def _rotation_view(
    session: AsyncSession, site: Site, state: rules.RotationState
) -> gql.Rotation:
    ids = [int(s) for s in state.order]
    names = dict(
        (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))).all()
    )
    nxt = rules.next_receiver(state)
    return gql.Rotation(
        site_id=strawberry.ID(str(site.id)),
        business_date=state.business_date,
        members=[
            gql.RotationMember(
                staff_id=strawberry.ID(s),
                name=names.get(int(s), "?"),
                status=state.status_of(s),
                receptions=state.count_of(s),
                suspended_until=state.suspended_until(s),
            )
            for s in state.order
        ],
        next_staff_id=strawberry.ID(nxt) if nxt else None,
        make_up_queue=[strawberry.ID(s) for s in state.make_up_queue],
        upcoming=[strawberry.ID(s) for s in rules.current_order(state)],
    )


async def rotation_query(
    info: Info, site_id: strawberry.ID, business_date: date | None = None
) -> gql.Rotation | None:
    """RE-1: the site's rotation for a business day (today by default)."""
    ctx = info.context
    async with ctx.db.session() as s:
        site = await _site(s, site_id)
        day = business_date or (await _today(s, site, ctx.now()))[0]
        _row, state = await rotation_day(s, site, day, ctx.now(), create=False)
        return await _rotation_view(s, site, state) if state else None


async def set_rotation_order(
    info: Info,
    site_id: strawberry.ID,
    staff_ids: list[strawberry.ID],
    on_leave: list[strawberry.ID] | None = None,
) -> gql.Rotation:
    """RE-1 / RE-4: the sales manager sets today's order and who is on leave."""
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        site = await _site(s, site_id, lock=True)
        ids = [parse_id(x, "staffIds") for x in staff_ids]
        staff = {
            st.id: st for st in (await s.scalars(select(Staff).where(Staff.id.in_(ids)))).all()
        }
        for i in ids:
            st = staff.get(i)
            if st is None or st.site_id != site.id:
                raise NotFound(f"staff {i} does not work at site {site.id}", code="STAFF_NOT_FOUND")
            if st.role not in SALES_ROLES or st.employment_status != EmploymentStatus.ACTIVE:
                raise InvalidInput(
                    f"staff {i} is not an active salesperson; only they join the rotation",
                    code="NOT_A_SALESPERSON",
                )
        day, _policy = await _today(s, site, now)
        row = await s.get(RotationDay, (site.id, day))
        if row is not None:
            current = rules.RotationState.from_json(row.state)
            if any(c for _, c in current.reception_counts) or current.make_up_queue:
                raise Conflict(
                    "today's rotation has already received customers; the order is set before "
                    "the first reception (RE-1)",
                    code="ROTATION_ALREADY_STARTED",
                    rule="RE-1",
                )
        suspended = await _carried_suspensions(s, site.id, day)
        if row is not None:
            suspended.update(dict(rules.RotationState.from_json(row.state).suspensions))
        try:
            state = rules.start_day(
                [str(i) for i in ids],
                day,
                on_leave=[str(parse_id(x, "onLeave")) for x in on_leave or []],
                suspended={k: v for k, v in suspended.items() if int(k) in ids},
            )
        except rules.RotationError as exc:
            raise _rule_error(exc) from exc
        if row is None:
            row = RotationDay(site_id=site.id, business_date=day, state={}, updated_at=now)
            s.add(row)
        _save(row, state, now)
        await s.flush()
        return await _rotation_view(s, site, state)


async def mark_salesperson(
    info: Info,
    site_id: strawberry.ID,
    staff_id: strawberry.ID,
    status: gql.SalespersonStatus,  # type: ignore[valid-type]
    reason: str | None = None,
) -> gql.Rotation:
    """RE-2 / RE-3 / RE-4: mark a salesperson away (busy, business call, company business,
    private errand, leave) or back (AVAILABLE)."""
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        site = await _site(s, site_id, lock=True)
        day, policy = await _today(s, site, now)
        row, state = await rotation_day(s, site, day, now)
        try:
            new_state = rules.set_status(
                state,
                str(parse_id(staff_id, "staffId")),
                rules.SalespersonStatus(status),
                _local(site, now),
                policy=policy,
            )
        except rules.RotationError as exc:
            raise _rule_error(exc) from exc
        except KeyError as exc:
            raise NotFound(
                f"staff {staff_id} is not in today's rotation", code="NOT_IN_ROTATION"
            ) from exc
        _save(row, new_state, now)
        await record_event(
            s,
            stream="realestate",
            type="salesperson.status",
            now=now,
            site_id=site.id,
            subject_id=int(staff_id),
            payload={"status": str(rules.SalespersonStatus(status)), "reason": reason or ""},
        )
        return await _rotation_view(s, site, new_state)


async def report_order_grabbing(
    info: Info,
    visit_id: strawberry.ID,
    named_staff_id: strawberry.ID,
    note: str | None = None,
    issued_by_id: strawberry.ID | None = None,
) -> gql.OrderGrabbingResult:
    """RE-5: the on-turn salesperson received a customer who named someone else without
    telling them: one-day suspension (停牌) and the deal goes to the named salesperson."""
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        visit = await s.get(Visit, parse_id(visit_id, "visitId"))
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist", code="VISIT_NOT_FOUND")
        site = await _site(s, visit.site_id, lock=True)
        named = await s.get(Staff, parse_id(named_staff_id, "namedStaffId"))
        if named is None or named.site_id != site.id:
            raise NotFound(
                f"staff {named_staff_id} does not work at site {site.id}", code="STAFF_NOT_FOUND"
            )
        if visit.receiver_id is None:
            raise InvalidInput(
                "this visit had no receiver; nothing was grabbed (RE-5)", code="NOT_GRABBED"
            )
        if named.id == visit.receiver_id:
            raise InvalidInput(
                "the named salesperson received this customer; nothing was grabbed (RE-5)",
                code="NOT_GRABBED",
            )
        if await s.scalar(select(OrderGrab.id).where(OrderGrab.visit_id == visit.id)):
            raise Conflict(f"visit {visit.id} was already ruled on (RE-5)", code="ALREADY_RULED")
        day, policy = await _today(s, site, now)
        grabber = await s.get(Staff, visit.receiver_id)
        decision = rules.order_grabbing(
            StaffRef(str(visit.receiver_id), grabber.name if grabber else "?"),
            StaffRef(str(named.id), named.name),
            day,
            policy,
        )
        row, state = await rotation_day(s, site, day, now)
        if str(visit.receiver_id) in state.order:
            _save(row, rules.apply_suspension(state, decision), now)
        penalty = await issue_penalty(
            s,
            site_id=site.id,
            staff_id=visit.receiver_id,
            rule_code=ORDER_GRABBING_CODE,
            amount=None,
            reason=f"{decision.reason.message} {note or ''}".strip(),
            issued_by_id=parse_id(issued_by_id, "issuedById") if issued_by_id else None,
            now=now,
            visit_id=visit.id,
        )
        grab = OrderGrab(
            site_id=site.id,
            visit_id=visit.id,
            grabber_id=visit.receiver_id,
            named_id=named.id,
            suspended_until=decision.suspended_until,
            penalty_id=penalty.id,
            reported_at=now,
            note=note,
        )
        s.add(grab)
        await s.flush()
        return gql.OrderGrabbingResult(
            grabber_id=strawberry.ID(str(visit.receiver_id)),
            named_staff_id=strawberry.ID(str(named.id)),
            suspended_from=decision.suspended_from,
            suspended_until=decision.suspended_until,
            deal_credited_to=strawberry.ID(str.__str__(decision.deal_credited_to)),
            penalty_id=strawberry.ID(str(penalty.id)),
            decision=Decision(rule=decision.reason.rule, message=decision.reason.message),
        )


async def discount_surveyor(info: Info, visit_id: strawberry.ID, reason: str) -> Decision:
    """RE-8: an undeclared surveyor confirmed with the manager: the reception is not
    counted (a C-4 correction entry) and the salesperson gets a make-up turn."""
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        visit = await s.get(Visit, parse_id(visit_id, "visitId"))
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist", code="VISIT_NOT_FOUND")
        site = await _site(s, visit.site_id, lock=True)
        if not visit.counted or visit.receiver_id is None:
            raise InvalidInput(
                "this visit was not counted; nothing to discount (RE-8)", code="NOTHING_TO_DISCOUNT"
            )
        day, policy = await _today(s, site, now)
        if visit.business_date != day:
            raise InvalidInput(
                "only today's receptions can be discounted (RE-8)", code="WRONG_BUSINESS_DAY"
            )
        row, state = await rotation_day(s, site, day, now)
        try:
            why, new_state = rules.discount_surveyor(
                state, str(visit.receiver_id), _local(site, now), policy=policy
            )
        except rules.RotationError as exc:
            raise _rule_error(exc) from exc
        await correct_visit(
            s, visit_id=visit.id, reason=reason, now=now, counted=False, decision=why
        )
        _save(row, new_state, now)
        await s.flush()
        return Decision(rule=why.rule, message=why.message)


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        line_query(
            rotation_query,
            name="rotation",
            description="RE-1: a site's reception rotation for a business day (default today).",
        )
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    # C-13: the sales manager's decisions need "manage"; desk work needs "create".
    return [
        line_mutation(
            set_rotation_order,
            name="setRotationOrder",
            description="RE-1: the sales manager sets today's order before the first reception.",
            permission="manage",
        ),
        line_mutation(
            mark_salesperson,
            name="markSalesperson",
            description="RE-2 … RE-4: a salesperson goes away (make-up turn, forfeit, leave) or "
            "comes back.",
        ),
        line_mutation(
            report_order_grabbing,
            name="reportOrderGrabbing",
            description="RE-5: rule on order-grabbing: suspension and the deal's credit.",
            permission="manage",
        ),
        line_mutation(
            discount_surveyor,
            name="discountSurveyor",
            description="RE-8: a visitor found to be a surveyor does not count as a reception.",
            permission="manage",
        ),
    ]


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [gql.Rotation]


# --- demo -----------------------------------------------------------------------------------

DEMO_STAFF = [
    ("Li Na", "salesperson"),
    ("Wang Wei", "salesperson"),
    ("Zhang Min", "salesperson"),
    ("Liu Yang", "salesperson"),
    ("Chen Jing", "salesperson"),
    ("Zhao Lei", "sales_manager"),
]
DEMO_CUSTOMERS = [
    ("Sun Hao", "13800138001", "A", None),
    ("Zhou Fang", "13800138002", "B", ("family", "Zhou family")),
    ("Zhou Qiang", "13800138003", "D", ("family", "Zhou family")),
    ("Wu Ting", "13800138004", "C", ("company", "Huaxia Trading")),
    ("Xu Lin", "13800138005", "D", ("company", "Huaxia Trading")),
    ("He Jun", "13800138006", "D", None),
    ("Ma Li", "13800138007", "D", None),
    ("Gao Yan", "13800138008", "B", None),
]


@hookimpl
def frontdesk_demo_data(context: DemoContext) -> Any:
    site = context.sites.get(CODE)
    if site is None:
        return None
    return _demo(context, site)


async def _demo(context: DemoContext, site: Site) -> None:
    s, now = context.session, context.now
    context.progress("real estate: staff")
    staff = [
        await add_staff(s, site_id=site.id, name=n, role=r, phone=None, now=now)
        for n, r in DEMO_STAFF
    ]
    context.progress("real estate: customers")
    customers = []
    for name, phone, cls, group in DEMO_CUSTOMERS:
        customers.append(
            await register_customer(
                s,
                site_id=site.id,
                name=name,
                phone=phone,
                customer_class=CustomerClass(cls),
                group_kind=GroupKind(group[0]) if group else None,
                group_name=group[1] if group else None,
                now=now,
            )
        )
    host = context.host
    context.progress("real estate: yesterday's register")
    # The register holds the previous business day, at fixed local times, so the demo is the
    # same whenever it is loaded and today's rotation has not started: the README walkthrough
    # sets today's order (RE-1) before the first walk-in, as a sales manager does.
    today, policy = await _today(s, site, now)
    opened = datetime.combine(
        today - timedelta(days=1), policy.business_day_starts_at, ZoneInfo(site.timezone)
    ) + timedelta(hours=4)
    for i, customer in enumerate(customers):
        named = staff[1].id if i == 5 else None
        await check_in_visit(
            s,
            host,
            CheckIn(
                site_id=site.id,
                customer_id=customer.id,
                named_staff_id=named,
                inquiry_kind=InquiryKind.CONSULTATION,
                arrived_at=opened + timedelta(minutes=12 * i),
            ),
            now,
        )
    await check_in_visit(
        s,
        host,
        CheckIn(
            site_id=site.id,
            visitor_kind=VisitorKind.DIRECTIONS,
            inquiry_kind=InquiryKind.HELP_REQUEST,
            channel=VisitChannel.WALK_IN,
            arrived_at=opened + timedelta(minutes=12 * len(customers)),
        ),
        now,
    )
    _ = Reason  # reasons come from the rules; nothing hand-written here
