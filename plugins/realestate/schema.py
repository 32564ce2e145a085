"""Real-estate GraphQL: today's rotation, setting the order, away/back, order-grabbing,
the ``Visit.realestate`` field and the ``CheckInVisitInput.realestate`` facts."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.plugin_api import (
    Conflict,
    Decision,
    DomainEvent,
    EmploymentStatus,
    InvalidInput,
    NotFound,
    Reason,
    Site,
    Staff,
    StaffType,
    Visit,
    correct_visit,
    event_cursor,
    event_updates,
    global_id,
    issue_penalty,
    line_link,
    parse_id,
    read_session,
    record_event,
)
from core.plugin_api.graphql import describe_values
from plugins.realestate import CODE, rules
from plugins.realestate.models import OrderGrab, RotationDay, VisitReception
from plugins.realestate.policy import (
    ORDER_GRABBING_CODE,
)
from plugins.realestate.service import (
    ROTATION_STREAM,
    SALES_ROLES,
    StaffRef,
    carried_suspensions,
    local_time,
    realestate_site,
    rotation_changed,
    rotation_day,
    rule_error,
    save_state,
    today,
)

SalespersonStatus = strawberry.enum(
    rules.SalespersonStatus,
    description="RE-2 owed make-up (RECEIVING, AFTER_SALE, BUSINESS_CALL, COMPANY_BUSINESS) or "
    "not (SERVING_OLD_CUSTOMER, RE-6) / RE-3 forfeited, counted / RE-4 leave / RE-5 suspended.",
)
describe_values(
    SalespersonStatus,
    {
        "AVAILABLE": "At the desk, waiting for their turn.",
        "RECEIVING": "Receiving a customer: skipped, owed a make-up turn (RE-2).",
        "AFTER_SALE": "Serving a customer who already bought (after-sale service, not counted): "
        "skipped, owed a make-up turn (RE-2).",
        "SERVING_OLD_CUSTOMER": "Serving a returning customer who has not bought yet: that "
        "reception was their turn, so no make-up (RE-2, RE-6).",
        "BUSINESS_CALL": "On a business call: skipped, owed a make-up turn (RE-2).",
        "COMPANY_BUSINESS": "Out on company business: skipped, owed a make-up turn (RE-2).",
        "PRIVATE_AWAY": "Away for a private reason: the turn counts as taken, no make-up (RE-3).",
        "ON_LEAVE": "On leave: out of today's rotation (RE-4).",
        "SUSPENDED": "Suspended from the rotation (停牌) for order-grabbing (RE-5).",
    },
)


RelatedParty = strawberry.enum(
    rules.RelatedParty, description="RE-9: visitors from related companies, not counted."
)
describe_values(
    RelatedParty,
    {
        "DEVELOPER": "From the developer.",
        "OWN_COMPANY": "From our own company.",
        "AD_AGENCY": "From an advertising agency.",
        "DECORATION": "From a decoration company.",
        "ETIQUETTE": "From an etiquette (hostess) company.",
    },
)


@strawberry.input(description="Real-estate facts of an arriving visitor (RE-6 … RE-14).")
class RealEstateVisitFactsInput:
    related_party: RelatedParty | None = strawberry.field(
        default=None, description="With visitorKind RELATED_PARTY: which kind (RE-9)."
    )
    claims_prior_contact_absent: bool = strawberry.field(
        default=False, description="RE-7: says they contacted someone who is not on site."
    )
    first_visit: bool = strawberry.field(default=True, description="RE-7: first visit.")
    units_requested: int = strawberry.field(
        default=0, description="RE-14: three or more units at once notifies the manager."
    )
    brought_by_existing_customer: bool = strawberry.field(
        default=False, description="RE-12: an old customer brought this new one."
    )
    has_bought: bool = strawberry.field(
        default=False,
        description="RE-2/RE-6: the returning customer has already bought; their salesperson "
        "gives after-sale service, not counted and not using their turn.",
    )


@strawberry.type(description="A salesperson passed over, and why (RE-2, RE-3, RE-4, RE-5).")
class SkippedSalesperson:
    staff_id: strawberry.ID = strawberry.field(
        description="The salesperson's global id.",
        deprecation_reason="Use `staff`; removed in 2.0.",
    )
    decision: Decision = strawberry.field(
        description="Why they were passed over, and whether a make-up turn is owed (RE-2 … RE-5)."
    )
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who was passed over."
    )


@strawberry.type(description="How the rotation treated this visit.")
class RealEstateReception:
    made_up_turn: bool = strawberry.field(description="RE-2: the receiver took a make-up turn.")
    new_registration: bool = strawberry.field(description="RE-6: false for an assisted return.")
    units_requested: int | None = strawberry.field(
        description="RE-14: how many units the customer asked for; null when not given (3 or "
        "more notify the sales manager)."
    )
    skipped: list[SkippedSalesperson] = strawberry.field(
        description="The salespeople passed over before the receiver, in rotation order."
    )


@strawberry.type(description="A salesperson in the day's rotation (RE-1).")
class RotationMember:
    staff_id: strawberry.ID = strawberry.field(description="The staff member's global id.")
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="The salesperson."
    )
    name: str = strawberry.field(description="The salesperson's name.")
    status: SalespersonStatus = strawberry.field(
        description="Where they are, as far as the rotation cares (RE-2 … RE-5)."
    )
    receptions: int = strawberry.field(description="Counted receptions today (RE-15).")
    suspended_until: date | None = strawberry.field(description="RE-5 停牌 until (inclusive).")


@strawberry.type(description="A site's reception rotation for one business day (RE-1).")
class Rotation:
    site_id: strawberry.ID = strawberry.field(description="The site's global id.")
    business_date: date = strawberry.field(description="The business day (site-local).")
    members: list[RotationMember] = strawberry.field(description="The manager's order.")
    next_staff_id: strawberry.ID | None = strawberry.field(
        description="Who receives the next new walk-in customer.",
        deprecation_reason="Use `nextMember`; removed in 2.0.",
    )
    make_up_queue: list[strawberry.ID] = strawberry.field(
        description="RE-2 turns owed.",
        deprecation_reason="Use `makeUpQueueMembers`; removed in 2.0.",
    )
    passes_owed: list[strawberry.ID] = strawberry.field(
        description="RE-6: passed over once when the rotation next reaches them (their "
        "returning customer used the turn).",
        deprecation_reason="Use `passesOwedMembers`; removed in 2.0.",
    )
    upcoming: list[strawberry.ID] = strawberry.field(
        description="Who receives the coming new customers, first to last.",
        deprecation_reason="Use `upcomingMembers`; removed in 2.0.",
    )

    def _member(self, staff_id: strawberry.ID) -> RotationMember | None:
        return next((m for m in self.members if m.staff_id == staff_id), None)

    @strawberry.field(description="Who receives the next new walk-in customer (RE-1).")
    def next_member(self) -> RotationMember | None:
        return self._member(self.next_staff_id) if self.next_staff_id else None

    @strawberry.field(description="RE-2: the members owed a make-up turn, first first.")
    def make_up_queue_members(self) -> list[RotationMember]:
        return [m for s in self.make_up_queue if (m := self._member(s)) is not None]

    @strawberry.field(description="RE-6: the members passed over once when next reached.")
    def passes_owed_members(self) -> list[RotationMember]:
        return [m for s in self.passes_owed if (m := self._member(s)) is not None]

    @strawberry.field(description="Who receives the coming new customers, first to last.")
    def upcoming_members(self) -> list[RotationMember]:
        return [m for s in self.upcoming if (m := self._member(s)) is not None]


# A reception: core's check-in event, carrying the rotation after it (service.receive_visit).
RECEPTION_EVENT = "visit.checked_in"


@strawberry.enum(description="What changed a site's rotation (issue 17: the rotation board).")
class RotationChangeKind(enum.Enum):
    ORDER_SET = strawberry.enum_value(
        "order_set", description="RE-1: the sales manager set today's order (`setRotationOrder`)."
    )
    STATUS_CHANGED = strawberry.enum_value(
        "status_changed",
        description="RE-2 … RE-4: a salesperson went away or came back (`markSalesperson`).",
    )
    RECEPTION = strawberry.enum_value(
        "reception", description="RE-1 … RE-15: a visitor was received (`checkInVisit`)."
    )
    SUSPENDED = strawberry.enum_value(
        "suspended", description="RE-5: an order-grabber was suspended (`reportOrderGrabbing`)."
    )
    RECEPTION_DISCOUNTED = strawberry.enum_value(
        "reception_discounted",
        description="RE-8: a surveyor's reception no longer counts (`discountSurveyor`).",
    )
    OTHER = strawberry.enum_value(
        "other", description="A change this version does not know: read `type`."
    )


@strawberry.type(
    description="One change of a site's reception rotation (RE-1 …), from the event log: the "
    "live feed of the rotation board (`rotationUpdates`), with the rotation as it was right "
    "after the change."
)
class RotationEvent:
    _event: strawberry.Private[DomainEvent]

    @strawberry.field(description="Opaque; pass it as `after` to resume right after this event.")
    def cursor(self) -> str:
        return event_cursor(self._event)

    @strawberry.field(
        description="The event's position in the event log (its webhook `Frontdesk-Event-Id`); "
        "not a node id."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._event.id))

    @strawberry.field(description='The stored event type, e.g. "rotation.reception".')
    def type(self) -> str:
        return self._event.type

    @strawberry.field(description="What changed the rotation.")
    def kind(self) -> RotationChangeKind:
        if self._event.type == RECEPTION_EVENT:
            return RotationChangeKind.RECEPTION
        try:
            return RotationChangeKind(self._event.type.removeprefix("rotation."))
        except ValueError:
            return RotationChangeKind.OTHER

    @strawberry.field(description="When the change was recorded (UTC).")
    def occurred_at(self) -> datetime:
        return self._event.occurred_at

    @strawberry.field(description="The business day of the rotation that changed.")
    def business_date(self) -> date | None:
        value = (self._state() or {}).get("business_date")
        return date.fromisoformat(value) if value else None

    def _state(self) -> dict[str, Any] | None:
        """The stored rotation after the change: a reception's rides in its visit event."""
        if self._event.type == RECEPTION_EVENT:
            return (self._event.payload.get(CODE) or {}).get("rotation")
        return self._event.payload.get("state")

    staff: StaffType | None = line_link(
        Staff,
        "staff_key",
        StaffType | None,
        description="The salesperson the change is about (the receiver, the one marked away "
        "or back, the suspended grabber); null when it concerns the whole order.",
    )

    @property
    def staff_key(self) -> int | None:
        if self._event.type == RECEPTION_EVENT:
            return self._event.payload.get("receiver_id")  # the visit is the subject
        return self._event.subject_id

    @strawberry.field(description="The rule that decided the change and why, when one did.")
    def decision(self) -> Decision | None:
        payload = self._event.payload
        rule = payload.get("rule")
        if not rule:
            return None
        message = payload.get("reason" if self._event.type == RECEPTION_EVENT else "message")
        return Decision(rule=rule, message=message or "")

    @strawberry.field(description="What the person who made the change wrote (may be empty).")
    def note(self) -> str:
        if self._event.type == RECEPTION_EVENT:
            return ""
        return self._event.payload.get("note") or ""

    @strawberry.field(description="The rotation as it was right after this change.")
    async def rotation(self, info: Info) -> Rotation | None:
        stored = self._state()
        if not stored or self._event.site_id is None:
            return None
        state = rules.RotationState.from_json(stored)
        async with read_session(info) as s:
            site = await s.get(Site, self._event.site_id)
            return None if site is None else await rotation_view(s, site, state)


@strawberry.type(description="RE-5 ruling on order-grabbing (抢单).")
class OrderGrabbingResult:
    grabber_id: strawberry.ID = strawberry.field(
        description="The global id of the salesperson who grabbed the customer (the receiver)."
    )
    named_staff_id: strawberry.ID = strawberry.field(
        description="The global id of the salesperson the customer named."
    )
    suspended_from: date = strawberry.field(
        description="The first business day of the suspension (停牌): the next business day."
    )
    suspended_until: date = strawberry.field(
        description="The last business day of the suspension (inclusive)."
    )
    deal_credited_to: strawberry.ID = strawberry.field(
        description="The global id of the salesperson any deal with the customer is credited "
        "to: the named one."
    )
    penalty_id: strawberry.ID = strawberry.field(
        description="The global id of the suspension's penalty entry; revoking it "
        "(`revokePenalty`) lifts the suspension."
    )
    decision: Decision = strawberry.field(description="RE-5, and the ruling as a sentence.")


ACTING_STAFF = (
    "The staff member who makes this change (recorded with it); the same name in every mutation."
)


@strawberry.input(description="RE-1: today's order, set before the first reception.")
class SetRotationOrderInput:
    site_id: strawberry.ID = strawberry.field(description="The sales office.")
    staff_ids: list[strawberry.ID] = strawberry.field(
        description="Active salespeople in the manager's order."
    )
    on_leave: list[strawberry.ID] | None = strawberry.field(
        default=None, description="RE-4: who is on leave today."
    )


@strawberry.input(description="RE-2 … RE-4: a salesperson goes away or comes back.")
class MarkSalespersonInput:
    site_id: strawberry.ID = strawberry.field(description="The sales office.")
    staff_id: strawberry.ID = strawberry.field(description="The salesperson.")
    status: SalespersonStatus = strawberry.field(  # type: ignore[valid-type]
        description="Away (and why) or back (AVAILABLE)."
    )
    reason: str | None = strawberry.field(default=None, description="A note for the record.")


@strawberry.input(description="RE-5: rule on order-grabbing (抢单).")
class ReportOrderGrabbingInput:
    visit_id: strawberry.ID = strawberry.field(description="The grabbed reception.")
    named_staff_id: strawberry.ID = strawberry.field(
        description="The salesperson the customer named."
    )
    note: str | None = strawberry.field(default=None, description="A note for the ruling.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description=ACTING_STAFF + " Here: who issues the RE-5 penalty."
    )


@strawberry.input(description="RE-8: a visitor found to be a surveyor.")
class DiscountSurveyorInput:
    visit_id: strawberry.ID = strawberry.field(description="Today's counted reception.")
    reason: str = strawberry.field(description="C-4: why the entry is corrected.")


# --- resolvers and builders ------------------------------------------------------------


def reception_value(r: Any) -> Any:
    """``Visit.realestate`` from a ``re_visit_receptions`` row (entity or joined row)."""
    return RealEstateReception(
        made_up_turn=r.made_up_turn,
        new_registration=r.new_registration,
        units_requested=r.units_requested,
        skipped=[
            SkippedSalesperson(
                staff_id=global_id("Staff", s["staff_id"]),
                decision=Decision(rule=s["rule"], message=s["message"]),
            )
            for s in r.skipped
        ],
    )


async def load_receptions(session: AsyncSession, visits: list[Any]) -> dict[int, Any]:
    rows = await session.scalars(
        select(VisitReception).where(VisitReception.visit_id.in_([v.id for v in visits]))
    )
    return {r.visit_id: reception_value(r) for r in rows}


async def rotation_view(session: AsyncSession, site: Site, state: rules.RotationState) -> Rotation:
    ids = [int(s) for s in state.order]
    names = dict(
        (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))).all()
    )
    nxt = rules.next_receiver(state)
    return Rotation(
        site_id=global_id("Site", site.id),
        business_date=state.business_date,
        members=[
            RotationMember(
                staff_id=global_id("Staff", s),
                name=names.get(int(s), "?"),
                status=state.status_of(s),
                receptions=state.count_of(s),
                suspended_until=state.suspended_until(s),
            )
            for s in state.order
        ],
        next_staff_id=global_id("Staff", nxt) if nxt else None,
        make_up_queue=[global_id("Staff", s) for s in state.make_up_queue],
        passes_owed=[global_id("Staff", s) for s in state.passes_owed],
        upcoming=[global_id("Staff", s) for s in rules.current_order(state)],
    )


async def rotation_query(
    info: Info,
    site_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The sales office (a Site id of the realestate line)."),
    ],
    business_date: Annotated[
        date | None,
        strawberry.argument(description="The business day; null: today, site-local."),
    ] = None,
) -> Rotation | None:
    """RE-1: the site's rotation for a business day (today by default)."""
    ctx = info.context
    async with ctx.db.session() as s:
        site = await realestate_site(s, site_id)
        day = business_date or (await today(s, site, ctx.now()))[0]
        _row, state = await rotation_day(s, site, day, ctx.now(), create=False)
        return await rotation_view(s, site, state) if state else None


async def rotation_updates(
    info: Info,
    site_id: Annotated[
        strawberry.ID, strawberry.argument(description="The sales office whose rotation to follow.")
    ],
    after: Annotated[
        str | None,
        strawberry.argument(
            description="The `cursor` of the last event received; omit it to start live."
        ),
    ] = None,
) -> AsyncGenerator[RotationEvent, None]:
    """Issue 17: the live rotation board, resumable like ``complaintUpdates``."""
    async with read_session(info) as s:
        await realestate_site(s, site_id)  # a sales office, or SITE_NOT_FOUND / WRONG_LINE
    async for e in event_updates(info, ROTATION_STREAM, site_id=site_id, after=after):
        if e.type.startswith("rotation.") or (
            e.type == RECEPTION_EVENT and "rotation" in (e.payload.get(CODE) or {})
        ):
            yield RotationEvent(_event=e)  # type: ignore[call-arg]


async def set_rotation_order(info: Info, input: SetRotationOrderInput) -> Rotation:
    """RE-1 / RE-4: the sales manager sets today's order and who is on leave."""
    site_id, staff_ids, on_leave = input.site_id, input.staff_ids, input.on_leave
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        site = await realestate_site(s, site_id, lock=True)
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
        day, _policy = await today(s, site, now)
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
        suspended = await carried_suspensions(s, site.id, day)
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
            raise rule_error(exc) from exc
        if row is None:
            row = RotationDay(site_id=site.id, business_date=day, state={}, updated_at=now)
            s.add(row)
        save_state(row, state, now)
        await s.flush()
        await rotation_changed(
            s,
            site.id,
            state,
            now,
            change="order_set",
            reason=Reason("RE-1", "the sales manager set today's order"),
        )
        return await rotation_view(s, site, state)


async def mark_salesperson(info: Info, input: MarkSalespersonInput) -> Rotation:
    """RE-2 / RE-3 / RE-4: mark a salesperson away (busy, business call, company business,
    private errand, leave) or back (AVAILABLE)."""
    site_id, staff_id, status, reason = input.site_id, input.staff_id, input.status, input.reason
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        site = await realestate_site(s, site_id, lock=True)
        day, policy = await today(s, site, now)
        row, state = await rotation_day(s, site, day, now)
        try:
            new_state = rules.set_status(
                state,
                str(parse_id(staff_id, "staffId")),
                rules.SalespersonStatus(status),
                local_time(site, now),
                policy=policy,
            )
        except rules.RotationError as exc:
            raise rule_error(exc) from exc
        except KeyError as exc:
            raise NotFound(
                f"staff {staff_id} is not in today's rotation", code="NOT_IN_ROTATION"
            ) from exc
        save_state(row, new_state, now)
        await rotation_changed(
            s,
            site.id,
            new_state,
            now,
            change="status_changed",
            staff_id=parse_id(staff_id, "staffId"),
            note=reason or "",
        )
        await record_event(
            s,
            stream="realestate",
            type="salesperson.status",
            now=now,
            site_id=site.id,
            subject_id=parse_id(staff_id, "staffId"),
            payload={"status": str(rules.SalespersonStatus(status)), "reason": reason or ""},
        )
        return await rotation_view(s, site, new_state)


async def report_order_grabbing(info: Info, input: ReportOrderGrabbingInput) -> OrderGrabbingResult:
    """RE-5: the on-turn salesperson received a customer who named someone else without
    telling them: one-day suspension (停牌) and the deal goes to the named salesperson."""
    visit_id, named_staff_id, note = input.visit_id, input.named_staff_id, input.note
    issued_by_id = input.acting_staff_id
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        visit = await s.get(Visit, parse_id(visit_id, "visitId"))
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist", code="VISIT_NOT_FOUND")
        site = await realestate_site(s, visit.site_id, lock=True)
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
        day, policy = await today(s, site, now)
        grabber = await s.get(Staff, visit.receiver_id)
        decision = rules.order_grabbing(
            StaffRef(str(visit.receiver_id), grabber.name if grabber else "?"),
            StaffRef(str(named.id), named.name),
            day,
            policy,
        )
        row, state = await rotation_day(s, site, day, now)
        if str(visit.receiver_id) in state.order:
            suspended = rules.apply_suspension(state, decision)
            save_state(row, suspended, now)
            await rotation_changed(
                s,
                site.id,
                suspended,
                now,
                change="suspended",
                staff_id=visit.receiver_id,
                reason=decision.reason,
                note=note or "",
            )
        penalty = await issue_penalty(
            s,
            site_id=site.id,
            staff_id=visit.receiver_id,
            rule_code=ORDER_GRABBING_CODE,
            amount=None,
            reason=f"{decision.reason.message} {note or ''}".strip(),
            issued_by_id=parse_id(issued_by_id, "actingStaffId") if issued_by_id else None,
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
        return OrderGrabbingResult(
            grabber_id=global_id("Staff", visit.receiver_id),
            named_staff_id=global_id("Staff", named.id),
            suspended_from=decision.suspended_from,
            suspended_until=decision.suspended_until,
            deal_credited_to=global_id("Staff", str.__str__(decision.deal_credited_to)),
            penalty_id=global_id("Penalty", penalty.id),
            decision=Decision(rule=decision.reason.rule, message=decision.reason.message),
        )


async def discount_surveyor(info: Info, input: DiscountSurveyorInput) -> Decision:
    """RE-8: an undeclared surveyor confirmed with the manager: the reception is not
    counted (a C-4 correction entry) and the salesperson gets a make-up turn."""
    visit_id, reason = input.visit_id, input.reason
    ctx = info.context
    now = ctx.now()
    async with ctx.app.write() as s:
        visit = await s.get(Visit, parse_id(visit_id, "visitId"))
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist", code="VISIT_NOT_FOUND")
        site = await realestate_site(s, visit.site_id, lock=True)
        if not visit.counted or visit.receiver_id is None:
            raise InvalidInput(
                "this visit was not counted; nothing to discount (RE-8)", code="NOTHING_TO_DISCOUNT"
            )
        day, policy = await today(s, site, now)
        if visit.business_date != day:
            raise InvalidInput(
                "only today's receptions can be discounted (RE-8)", code="WRONG_BUSINESS_DAY"
            )
        row, state = await rotation_day(s, site, day, now)
        try:
            why, new_state = rules.discount_surveyor(
                state, str(visit.receiver_id), local_time(site, now), policy=policy
            )
        except rules.RotationError as exc:
            raise rule_error(exc) from exc
        await correct_visit(
            s, visit_id=visit.id, reason=reason, now=now, counted=False, decision=why
        )
        save_state(row, new_state, now)
        await rotation_changed(
            s,
            site.id,
            new_state,
            now,
            change="reception_discounted",
            staff_id=visit.receiver_id,
            reason=why,
            note=reason,
        )
        await s.flush()
        return Decision(rule=why.rule, message=why.message)
