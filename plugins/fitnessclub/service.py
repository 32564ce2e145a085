"""Fitness-club resolvers: read the customer's own evidence, hand it to the pure rules in
:mod:`plugins.fitnessclub.rules`, store the decision. Every write runs in one transaction
(``line_write``): a refused input leaves nothing half written."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.plugin_api import (
    After,
    Before,
    Conflict,
    Connection,
    Customer,
    Decision,
    First,
    InvalidInput,
    Last,
    NotFound,
    Notification,
    Penalty,
    PenaltyRule,
    ReceptionContext,
    ReceptionOutcome,
    SaleAttribution,
    SaleContext,
    SaleShare,
    Site,
    Staff,
    Visit,
    VisitRecorded,
    book,
    get_line_site,
    global_id,
    issue_penalty,
    line_node,
    line_page,
    line_policy,
    line_write,
    load_line_policy,
    parse_id,
    read_session,
    record_event,
    revoked_penalties,
    site_zone,
    staff_names,
)
from core.plugin_api import now as clock
from plugins import fitnessclub
from plugins.fitnessclub import rules
from plugins.fitnessclub import schema as gql
from plugins.fitnessclub.models import (
    Appointment,
    CardSale,
    Claim,
    FollowUpSheet,
    Lead,
    MonthClose,
)
from plugins.fitnessclub.policy import APPOINTMENT_BOOK, PHONE_NOT_COPIED, FitnessClubPolicy

CODE = fitnessclub.CODE
STREAM = "fitnessclub"
CENT = Decimal("0.01")


# --- helpers --------------------------------------------------------------------------------


def policy_of(settings: Mapping[str, Mapping[str, Any]] | None) -> FitnessClubPolicy:
    """The line's policy with the operator's stored settings (``{code: {...}}``) applied."""
    return line_policy(FitnessClubPolicy, CODE, settings)


async def load_policy(session: AsyncSession) -> FitnessClubPolicy:
    return await load_line_policy(session, FitnessClubPolicy, CODE)


tz_of = site_zone


def _decision(reason: rules.Reason) -> Decision:
    return Decision(rule=reason.rule, message=reason.message)


@contextmanager
def _rule_errors() -> Iterator[None]:
    """A pure rule that refuses its facts (FitnessRuleError) answers INVALID_INPUT with the
    rule's own code: a client mistake, never INTERNAL_ERROR."""
    try:
        yield
    except rules.FitnessRuleError as exc:
        raise InvalidInput(exc.message, code=exc.code) from exc


async def club(session: AsyncSession, site_id: Any, *, lock: bool = False) -> Site:
    return await get_line_site(session, site_id, CODE, what="a fitness club", lock=lock)


async def _sale_to_change(session: AsyncSession, raw: Any) -> tuple[CardSale, Site]:
    """The sale ``raw`` (input ``saleId``) re-read under its club's lock, for a write that
    decides on it (claims, change forms, the FC-16 copy); SALE_NOT_FOUND otherwise."""
    sale = await session.get(CardSale, parse_id(raw, "saleId"))
    if sale is None:
        raise NotFound(f"sale {raw} does not exist", code="SALE_NOT_FOUND", field="saleId")
    site = await club(session, sale.site_id, lock=True)
    await session.refresh(sale)
    return sale, site


async def _staff(session: AsyncSession, site: Site, raw: Any, field: str) -> Staff:
    staff = await session.get(Staff, parse_id(raw, field, of="Staff"))
    if staff is None or staff.site_id != site.id:
        raise NotFound(
            f"staff {raw} does not work at site {site.id}", code="STAFF_NOT_FOUND", field=field
        )
    return staff


async def _customer(session: AsyncSession, site: Site, raw: Any, field: str) -> Customer:
    customer = await session.get(Customer, parse_id(raw, field, of="Customer"))
    if customer is None or customer.site_id != site.id:
        raise NotFound(
            f"customer {raw} is not at site {site.id}", code="CUSTOMER_NOT_FOUND", field=field
        )
    return customer


def _text(value: str, field: str, longest: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{field} must not be empty", code="VALUE_REQUIRED", field=field)
    if len(value) > longest:
        raise InvalidInput(
            f"{field} is longer than {longest} characters", code="VALUE_TOO_LONG", field=field
        )
    return value


async def _customer_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i is not None})
    rows = await session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted)))
    return {str(i): name for i, name in rows.all()}


def _shares(raw: list[dict[str, Any]]) -> list[gql.FitnessShare]:
    return [
        gql.FitnessShare(staff_id=global_id("Staff", s["staff_id"]), share=Decimal(s["share"]))
        for s in raw
    ]


def _rule_shares(decision: rules.ClaimDecision) -> list[dict[str, Any]]:
    return [{"staff_id": int(s.consultant), "share": str(s.fraction)} for s in decision.shares]


def sale_view(sale: CardSale, fines: list[gql.FitnessFine] | None = None) -> gql.FitnessSale:
    return gql.FitnessSale(
        id=strawberry.ID(str(sale.id)),
        site_id=global_id("Site", sale.site_id),
        closer_id=global_id("Staff", sale.closer_id),
        buyer_id=global_id("Customer", sale.buyer_id),
        user_id=global_id("Customer", sale.user_id) if sale.user_id else None,
        kind=rules.SaleKind(sale.kind),
        card_type=sale.card_type,
        price=sale.price,
        group_size=sale.group_size,
        registered=sale.registered,
        register_phone_differs=sale.register_phone is not None,
        phone_copied_at=sale.phone_fixed_at,
        sold_at=sale.sold_at,
        shares=_shares(sale.shares),
        follow_up_holder_id=global_id("Staff", sale.follow_up_holder_id),
        decision=Decision(rule=sale.decision_rule, message=sale.decision_message),
        fines=fines or [],
    )


def claim_view(claim: Claim) -> gql.FitnessClaim:
    return gql.FitnessClaim(
        id=strawberry.ID(str(claim.id)),
        sale_id=global_id("FitnessSale", claim.sale_id),
        claimant_id=global_id("Staff", claim.claimant_id),
        found_at=claim.found_at,
        outcome=rules.Outcome(claim.outcome),
        shares=_shares(claim.shares),
        evidence=list(claim.evidence),
        decision=Decision(rule=claim.rule, message=claim.message),
    )


def _phone(sheet: FollowUpSheet) -> rules.Phone:
    return rules.Phone(
        surname=sheet.surname,
        number=sheet.phone,
        legible=sheet.legible,
        altered=sheet.altered,
        unreachable_since=sheet.unreachable_since,
    )


def _sheet_fact(sheet: FollowUpSheet) -> rules.FollowUpSheet:
    return rules.FollowUpSheet(
        consultant=str(sheet.consultant_id),
        customer=str(sheet.customer_id),
        phone=_phone(sheet),
        created_at=sheet.created_at,
        made_after_shown=sheet.made_after_shown,
    )


def _appointment_fact(row: Appointment) -> rules.Appointment:
    return rules.Appointment(
        consultant=str(row.consultant_id),
        customer=str(row.customer_id),
        phone=row.phone,
        visit_date=row.visit_date,
        entered_at=row.entered_at,
        signature=rules.Signature(row.signature),
    )


def sheet_view(
    row: FollowUpSheet,
    site: Site,
    now: datetime,
    policy: FitnessClubPolicy,
    names: Mapping[str, str],
) -> gql.FitnessFollowUpSheet:
    tz = tz_of(site)
    fact = _sheet_fact(row)
    verdict = rules.sheet_validity(fact, rules.local_date(now, tz), now, tz, policy, names)
    return gql.FitnessFollowUpSheet(
        id=strawberry.ID(str(row.id)),
        consultant_id=global_id("Staff", row.consultant_id),
        customer_id=global_id("Customer", row.customer_id),
        surname=row.surname,
        created_at=row.created_at,
        valid_through=rules.sheet_valid_through(fact, tz, policy),
        decision=_decision(verdict.reason),
        full_phone=row.phone,
        owner=row.consultant_id,
    )


def appointment_view(
    row: Appointment, sheets: Iterable[rules.FollowUpSheet], names: Mapping[str, str]
) -> gql.FitnessAppointment:
    verdict = rules.appointment_validity(_appointment_fact(row), row.visit_date, sheets, names)
    return gql.FitnessAppointment(
        id=strawberry.ID(str(row.id)),
        consultant_id=global_id("Staff", row.consultant_id),
        customer_id=global_id("Customer", row.customer_id),
        visit_date=row.visit_date,
        signature=rules.Signature(row.signature),
        entered_at=row.entered_at,
        decision=_decision(verdict.reason),
        full_phone=row.phone,
        owner=row.consultant_id,
        booking_id=global_id("Booking", row.booking_id),
    )


def lead_view(row: Lead) -> gql.FitnessLead:
    return gql.FitnessLead(
        id=strawberry.ID(str(row.id)),
        consultant_id=global_id("Staff", row.consultant_id),
        customer_id=global_id("Customer", row.customer_id),
        kind=rules.LeadKind(row.kind),
        at=row.at,
    )


def _node(model: type, view: Any) -> Any:
    async def load(info: Info, key: int) -> Any:
        async with read_session(info) as s:
            row = await s.get(model, key)
            return None if row is None else view(row)

    return load


async def _sheet_node(info: Info, key: int) -> Any:
    now = clock(info)
    async with read_session(info) as s:
        row = await s.get(FollowUpSheet, key)
        if row is None:
            return None
        site = await s.get(Site, row.site_id)
        names = await staff_names(s, [row.consultant_id])
        return sheet_view(row, site, now, await load_policy(s), names)


async def _appointment_node(info: Info, key: int) -> Any:
    now = clock(info)
    async with read_session(info) as s:
        row = await s.get(Appointment, key)
        if row is None:
            return None
        site = await s.get(Site, row.site_id)
        found = await evidence_of(s, site, row.customer_id, now)
        names = await staff_names(
            s, [row.consultant_id, *(x.consultant_id for x in found["sheets"])]
        )
        return appointment_view(row, [_sheet_fact(x) for x in found["sheets"]], names)


# Global object identification: node(id:) refetches the line's entities (read, like its
# queries); sheets and appointments are judged at read time, as fitnessEvidence does.
line_node("FitnessSale", _node(CardSale, sale_view))
line_node("FitnessClaim", _node(Claim, claim_view))
line_node("FitnessLead", _node(Lead, lead_view))
line_node("FitnessFollowUpSheet", _sheet_node)
line_node("FitnessAppointment", _appointment_node)


# --- records --------------------------------------------------------------------------------


async def add_follow_up_sheet(
    session: AsyncSession, data: gql.FollowUpSheetInput, now: datetime
) -> tuple[FollowUpSheet, Site, FitnessClubPolicy, list[gql.FitnessFine]]:
    """FC-3 / FC-5 / FC-20: record a follow-up sheet; one made after a colleague showed an
    earlier sheet is stored as invalid and its consultant fined (FC-20)."""
    site = await club(session, data.site_id)
    consultant = await _staff(session, site, data.consultant_id, "consultantId")
    customer = await _customer(session, site, data.customer_id, "customerId")
    policy = await load_policy(session)
    row = FollowUpSheet(
        site_id=site.id,
        consultant_id=consultant.id,
        customer_id=customer.id,
        surname=_text(data.surname, "surname", 40),
        phone=_text(data.phone, "phone", 32),
        legible=data.legible,
        altered=data.altered,
        made_after_shown=False,
        created_at=now,
    )
    fines: list[gql.FitnessFine] = []
    if data.colleague_showed_earlier_sheet:
        earlier = (
            await session.scalars(
                select(FollowUpSheet).where(
                    FollowUpSheet.customer_id == customer.id,
                    FollowUpSheet.consultant_id != consultant.id,
                    FollowUpSheet.created_at <= now,
                )
            )
        ).all()
        verdict, finding = rules.follow_up_sheet_check(
            _sheet_fact(row),
            [_sheet_fact(s) for s in earlier],
            {str(s.consultant_id): now for s in earlier},
            policy,
        )
        if not verdict.ok and finding is not None:
            row.made_after_shown = True
            fines.append(await _issue(session, site, consultant.id, finding, now))
        elif not earlier:
            raise InvalidInput(
                "no colleague holds an earlier follow-up sheet on this customer (FC-20)",
                code="NO_EARLIER_SHEET",
                field="colleagueShowedEarlierSheet",
            )
    session.add(row)
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="follow_up_sheet.recorded",
        now=now,
        site_id=site.id,
        subject_id=row.id,
        payload={"consultant_id": consultant.id, "customer_id": customer.id},
    )
    return row, site, policy, fines


async def _issue(
    session: AsyncSession, site: Site, staff_id: int, finding: rules.Finding, now: datetime
) -> gql.FitnessFine:
    penalty = await issue_penalty(
        session,
        site_id=site.id,
        staff_id=staff_id,
        rule_code=finding.code,
        amount=finding.amount,
        reason=finding.reason.message,
        issued_by_id=None,
        now=now,
    )
    return gql.FitnessFine(
        penalty_id=global_id("Penalty", penalty.id),
        staff_id=global_id("Staff", staff_id),
        code=finding.code,
        amount=Decimal(penalty.amount).quantize(CENT),
        decision=_decision(finding.reason),
    )


#: FC-3: how a signature on the appointment book reads as the core booking's approval.
_BOOKING_APPROVAL: dict[rules.Signature, str | None] = {
    rules.Signature.NONE: None,
    rules.Signature.DIRECTOR: "signature",
    rules.Signature.GENERAL_MANAGER: "signature",
    rules.Signature.SMS: "sms",
}


async def add_appointment(
    session: AsyncSession, data: gql.AppointmentInput, now: datetime
) -> gql.FitnessAppointment:
    """FC-3 / FC-6: a line of the appointment book, held as core's generic booking of kind
    ``appointment`` (issue 12: one booking table for every line): booked by the consultant
    for the customer on the visit day, in effect with the director's or general manager's
    signature or an SMS (the booking's ``approval``), valid only on its day."""
    site = await club(session, data.site_id)
    consultant = await _staff(session, site, data.consultant_id, "consultantId")
    customer = await _customer(session, site, data.customer_id, "customerId")
    signature = rules.Signature(data.signature)
    phone = _text(data.phone, "phone", 32)
    held = await book(
        session,
        site_id=site.id,
        booked_by_id=consultant.id,
        customer_id=customer.id,
        guest_name="",
        resource_kind=APPOINTMENT_BOOK.code,
        resource=f"club visit of customer {customer.id}",
        business_date=data.visit_date,
        now=now,
        kind=APPOINTMENT_BOOK,
        approval=_BOOKING_APPROVAL[signature],
    )
    row = Appointment(
        site_id=site.id,
        consultant_id=consultant.id,
        customer_id=customer.id,
        phone=phone,
        visit_date=data.visit_date,
        signature=signature.value,
        entered_at=now,
        booking_id=held.id,
    )
    session.add(row)
    await session.flush()
    sheets = (
        await session.scalars(select(FollowUpSheet).where(FollowUpSheet.customer_id == customer.id))
    ).all()
    names = {str(consultant.id): consultant.name}
    return appointment_view(row, [_sheet_fact(s) for s in sheets], names)


async def add_lead(session: AsyncSession, data: gql.LeadInput, now: datetime) -> Lead:
    site = await club(session, data.site_id)
    consultant = await _staff(session, site, data.consultant_id, "consultantId")
    customer = await _customer(session, site, data.customer_id, "customerId")
    row = Lead(
        site_id=site.id,
        consultant_id=consultant.id,
        customer_id=customer.id,
        kind=rules.LeadKind(data.kind).value,
        at=now,
    )
    session.add(row)
    await session.flush()
    return row


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidInput(f"{value!r} is not a price", code="INVALID_AMOUNT") from exc
    if price < 0 or price >= Decimal(10) ** 10 or price != price.quantize(CENT):
        raise InvalidInput(
            "a price is at least 0, below 10 000 000 000, with at most 2 decimals",
            code="INVALID_AMOUNT",
            field="price",
        )
    return price


async def add_card_sale(
    session: AsyncSession, data: gql.CardSaleInput, now: datetime
) -> gql.FitnessSale:
    """Record a card sale: the closer holds it until a claim decides otherwise; a renewal or
    upgrade goes to the member's consultant (FC-17); a sale without the customer's own valid
    number is fined at once (FC-16, 200)."""
    site = await club(session, data.site_id, lock=True)
    closer = await _staff(session, site, data.closer_id, "closerId")
    buyer = await _customer(session, site, data.buyer_id, "buyerId")
    user = await _customer(session, site, data.user_id, "userId") if data.user_id else None
    if data.group_size < 1 or data.group_size > 1000:
        raise InvalidInput(
            "groupSize is from 1 to 1000", code="INVALID_GROUP_SIZE", field="groupSize"
        )
    policy = await load_policy(session)
    customer = user or buyer
    registered = (
        await session.scalar(
            select(Visit.id)
            .where(
                Visit.site_id == site.id,
                Visit.customer_id == customer.id,
                Visit.arrived_at <= now,
            )
            .limit(1)
        )
    ) is not None
    kind = rules.SaleKind(data.kind)
    holder, reason = (
        closer.id,
        rules.Reason(
            "FC-8",
            f"{closer.name} received and closed the sale; it is {closer.name}'s unless a claim "
            "decides otherwise.",
        ),
    )
    if kind is not rules.SaleKind.NEW:
        previous = await session.scalar(
            select(CardSale)
            .where(CardSale.site_id == site.id, CardSale.buyer_id == customer.id)
            .order_by(CardSale.sold_at.desc(), CardSale.id.desc())
            .limit(1)
        )
        if previous is None:
            raise InvalidInput(
                f"{customer.name} has no earlier card to {kind.value} (FC-17)",
                code="NO_MEMBERSHIP",
                field="kind",
            )
        member_consultant = await session.get(Staff, previous.follow_up_holder_id)
        assert member_consultant is not None
        names = await staff_names(session, [member_consultant.id, closer.id])
        winner, reason = rules.decide_renewal(
            rules.Membership(
                consultant=str(member_consultant.id),
                consultant_employed=member_consultant.employment_status == "active",
                valid_until=previous.valid_until or rules.local_date(previous.sold_at, tz_of(site)),
            ),
            rules.local_date(now, tz_of(site)),
            closer=str(closer.id),
            names=names,
        )
        holder = int(winner)
    row = CardSale(
        site_id=site.id,
        closer_id=closer.id,
        buyer_id=buyer.id,
        user_id=user.id if user else None,
        kind=kind.value,
        card_type=_text(data.card_type, "cardType", 80),
        price=_price(data.price),
        phone=_text(data.phone, "phone", 32),
        group_size=data.group_size,
        valid_until=data.valid_until,
        registered=registered,
        register_phone=(
            customer.phone
            if customer.phone and rules.national(customer.phone) != rules.national(data.phone)
            else None
        ),
        sold_at=now,
        shares=[{"staff_id": holder, "share": "1"}],
        follow_up_holder_id=holder,
        decision_rule=reason.rule,
        decision_message=reason.message,
    )
    session.add(row)
    await session.flush()
    fines = [
        await _issue(session, site, closer.id, finding, now)
        for finding in rules.sale_phone_findings(
            closer.name,
            rules.Phone(surname=data.surname, number=data.phone),
            None,
            now,
            None,
            now,
            tz_of(site),
            policy,
        )
    ]
    await record_event(
        session,
        stream=STREAM,
        type="sale.recorded",
        now=now,
        site_id=site.id,
        subject_id=row.id,
        payload={"closer_id": closer.id, "buyer_id": buyer.id, "rule": reason.rule},
    )
    return sale_view(row, fines)


# --- claims (对单) ---------------------------------------------------------------------------


async def evidence_of(
    session: AsyncSession, site: Site, customer_id: int, sold_at: datetime
) -> dict[str, Any]:
    """The customer's own evidence: a fixed number of statements whatever the club's size."""
    sheets = (
        await session.scalars(
            select(FollowUpSheet)
            .where(FollowUpSheet.customer_id == customer_id, FollowUpSheet.site_id == site.id)
            .order_by(FollowUpSheet.created_at, FollowUpSheet.id)
        )
    ).all()
    appointments = (
        await session.scalars(
            select(Appointment)
            .where(Appointment.customer_id == customer_id, Appointment.site_id == site.id)
            .order_by(Appointment.entered_at, Appointment.id)
        )
    ).all()
    leads = (
        await session.scalars(
            select(Lead)
            .where(Lead.customer_id == customer_id, Lead.site_id == site.id)
            .order_by(Lead.at, Lead.id)
        )
    ).all()
    visits = (
        await session.execute(
            select(Visit.receiver_id, Visit.named_staff_id, Visit.arrived_at).where(
                Visit.customer_id == customer_id,
                Visit.site_id == site.id,
                Visit.arrived_at <= sold_at,
                Visit.corrects_id.is_(None),
            )
        )
    ).all()
    return {"sheets": sheets, "appointments": appointments, "leads": leads, "visits": visits}


def _claim_facts(
    sale: rules.Sale,
    claimant: str,
    found_at: datetime,
    tz: ZoneInfo,
    found: Mapping[str, Any],
    month_closed: bool,
    names: Mapping[str, str],
    customer_names: Mapping[str, str] | None = None,
) -> rules.ClaimFacts:
    key = sale.customer
    return rules.ClaimFacts(
        sale=sale,
        claimant=claimant,
        found_at=found_at,
        tz=tz,
        sheets=tuple(_sheet_fact(s) for s in found["sheets"]),
        appointments=tuple(_appointment_fact(a) for a in found["appointments"]),
        vouchers=tuple(
            rules.TrialVoucher(str(x.consultant_id), key, x.at)
            for x in found["leads"]
            if x.kind == rules.LeadKind.TRIAL_VOUCHER.value
        ),
        leads=tuple(
            rules.Lead(str(x.consultant_id), key, rules.LeadKind(x.kind), x.at)
            for x in found["leads"]
            if x.kind != rules.LeadKind.TRIAL_VOUCHER.value
        ),
        register=tuple(
            rules.RegisterEntry(
                customer=key,
                registered_by=str(v.receiver_id) if v.receiver_id else "desk",
                at=v.arrived_at,
                named_consultant=str(v.named_staff_id) if v.named_staff_id else None,
            )
            for v in found["visits"]
        ),
        month_closed=month_closed,
        names=names,
        customer_names=customer_names or {},
    )


async def attribute_sale(context: SaleContext) -> SaleAttribution:
    """Core's ``saleAttribution``: whose a sale to the customer would be if the consultant
    with the earliest follow-up sheet claimed it now (FC-3 … FC-23); the closer's when
    nobody else follows the customer (FC-8)."""
    session, site = context.session, context.site
    customer = await session.get(Customer, context.customer_id)
    if customer is None or customer.site_id != site.id:
        raise NotFound(
            f"customer {context.customer_id} is not at this site", code="CUSTOMER_NOT_FOUND"
        )
    closer = await _staff(session, site, context.closed_by_id, "closedById")
    if context.sold_at.tzinfo is None:
        raise InvalidInput("soldAt must carry an offset", code="NAIVE_DATETIME", field="soldAt")
    tz = tz_of(site)
    found = await evidence_of(session, site, customer.id, context.sold_at)
    others = [s for s in found["sheets"] if s.consultant_id != closer.id]
    if not others:
        return SaleAttribution(
            shares=(SaleShare(staff_id=closer.id, share=Decimal(1)),),
            reason=rules.Reason(
                "FC-8",
                f"No colleague of {closer.name} follows this customer; whoever receives gets "
                f"the sale: {closer.name}.",
            ),
        )
    claimant = others[0].consultant_id
    policy = await load_policy(session)
    sale_month = rules.local_date(context.sold_at, tz).replace(day=1)
    closed = await session.get(MonthClose, (site.id, sale_month)) is not None
    names = await staff_names(session, [closer.id, *(s.consultant_id for s in found["sheets"])])
    facts = _claim_facts(
        rules.Sale(
            sale_id="-",
            closer=str(closer.id),
            buyer=str(customer.id),
            sold_at=context.sold_at,
            registered=bool(found["visits"]),
        ),
        str(claimant),
        max(context.now, context.sold_at),
        tz,
        found,
        closed,
        names,
    )
    with _rule_errors():
        decision = rules.decide_claim(facts, policy)
    return SaleAttribution(
        shares=tuple(
            SaleShare(staff_id=int(x.consultant), share=x.fraction) for x in decision.shares
        ),
        reason=decision.reason,
    )


def _claimed(sale: CardSale) -> bool:
    """A claim already moved (part of) the sale away from its closer; only a change form
    (FC-22) changes it now. Renewals (FC-17) and the closer's own sales are still open."""
    return sale.decision_rule not in ("FC-8", "FC-17") and any(
        int(s["staff_id"]) != sale.closer_id for s in sale.shares
    )


def _refuse_claimed(sale: CardSale) -> None:
    if _claimed(sale):
        raise Conflict(
            f"sale {sale.id} was already decided by a claim ({sale.decision_rule}); a change "
            "now needs a change form (FC-22)",
            code="SALE_ALREADY_CLAIMED",
            rule="FC-22",
        )


async def _month_closed(session: AsyncSession, site: Site, sold_at: datetime) -> bool:
    month = rules.local_date(sold_at, tz_of(site)).replace(day=1)
    return await session.get(MonthClose, (site.id, month)) is not None


def _sale_fact(sale: CardSale) -> rules.Sale:
    return rules.Sale(
        sale_id=str(sale.id),
        closer=str(sale.closer_id),
        buyer=str(sale.buyer_id),
        user=str(sale.user_id) if sale.user_id else None,
        sold_at=sale.sold_at,
        kind=rules.SaleKind(sale.kind),
        group_size=sale.group_size,
        registered=sale.registered,
    )


async def _facts_of_claim(
    session: AsyncSession, site: Site, sale: CardSale, claimant: Staff, now: datetime
) -> rules.ClaimFacts:
    """The claim's facts: the card's customer's own evidence (a fixed number of statements
    whatever the club's history), the month close, the names for the sentence."""
    found = await evidence_of(session, site, sale.user_id or sale.buyer_id, sale.sold_at)
    names = await staff_names(
        session, [claimant.id, sale.closer_id, *(s.consultant_id for s in found["sheets"])]
    )
    return _claim_facts(
        _sale_fact(sale),
        str(claimant.id),
        now,
        tz_of(site),
        found,
        await _month_closed(session, site, sale.sold_at),
        names,
        await _customer_names(session, [sale.buyer_id, sale.user_id]),
    )


async def _settle(
    session: AsyncSession,
    site: Site,
    sale: CardSale,
    claimant_id: int,
    decision: rules.ClaimDecision,
    now: datetime,
    names: Mapping[str, str],
) -> gql.FitnessClaimResult:
    """Store a decided claim; a WHOLE or HALF outcome moves the sale's shares and follow-up
    rights (FC-13); every claim is an event ``claim.decided``."""
    claim = Claim(
        site_id=site.id,
        sale_id=sale.id,
        claimant_id=claimant_id,
        found_at=now,
        outcome=decision.outcome.value,
        shares=_rule_shares(decision),
        evidence=list(decision.evidence),
        rule=decision.reason.rule,
        message=decision.reason.message,
    )
    session.add(claim)
    if decision.outcome in (rules.Outcome.WHOLE, rules.Outcome.HALF):
        sale.shares = _rule_shares(decision)
        sale.follow_up_holder_id = int(decision.follow_up_holder)
        sale.decision_rule = decision.reason.rule
        sale.decision_message = decision.reason.message
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="claim.decided",
        now=now,
        site_id=site.id,
        subject_id=sale.id,
        payload={
            "claim_id": claim.id,
            "claimant_id": claimant_id,
            "outcome": decision.outcome.value,
            "rule": decision.reason.rule,
        },
    )
    return gql.FitnessClaimResult(
        claim=claim_view(claim),
        sale=sale_view(sale),
        follow_up_rights=_decision(rules.follow_up_rights(decision, names)),
    )


async def claim_sale(
    session: AsyncSession, data: gql.ClaimSaleInput, now: datetime
) -> gql.FitnessClaimResult:
    """A consultant claims a sale (对单): the rules decide on the customer's own evidence."""
    sale, site = await _sale_to_change(session, data.sale_id)
    claimant = await _staff(session, site, data.claimant_id, "claimantId")
    _refuse_claimed(sale)
    policy = await load_policy(session)
    facts = await _facts_of_claim(session, site, sale, claimant, now)
    with _rule_errors():
        decision = rules.decide_claim(facts, policy)
    return await _settle(session, site, sale, claimant.id, decision, now, facts.names)


MAX_PARTY_SALES = 50


async def claim_party(
    session: AsyncSession, data: gql.PartyClaimInput, now: datetime
) -> gql.FitnessPartyClaimResult:
    """FC-14: one claim on the card sales of a party that came in together (three or more).
    Each sale gets its own stored claim and decision; nothing is written when one input is
    refused (one transaction)."""
    raw = list(data.sale_ids)
    if not 1 <= len(raw) <= MAX_PARTY_SALES:
        raise InvalidInput(
            f"saleIds takes 1 to {MAX_PARTY_SALES} sales", code="INVALID_PARTY", field="saleIds"
        )
    ids = [parse_id(x, "saleIds") for x in raw]
    if len(set(ids)) != len(ids):
        raise InvalidInput("saleIds repeats a sale", code="INVALID_PARTY", field="saleIds")
    if not len(ids) <= data.party_size <= 1000:
        raise InvalidInput(
            f"partySize counts everyone who arrived together: at least the {len(ids)} sale(s) "
            "claimed, at most 1000",
            code="INVALID_PARTY_SIZE",
            field="partySize",
        )
    _first, site = await _sale_to_change(session, ids[0])
    rows = {r.id: r for r in (await session.scalars(select(CardSale).where(CardSale.id.in_(ids))))}
    sales = []
    for sale_id, raw_id in zip(ids, raw, strict=True):
        sale = rows.get(sale_id)
        if sale is None or sale.site_id != site.id:
            raise NotFound(
                f"sale {raw_id} does not exist at site {site.id}",
                code="SALE_NOT_FOUND",
                field="saleIds",
            )
        await session.refresh(sale)
        _refuse_claimed(sale)
        sales.append(sale)
    tz = tz_of(site)
    days = {rules.local_date(x.sold_at, tz) for x in sales}
    if len(days) > 1:
        raise InvalidInput(
            "a party's sales are of one day (they came in together): got "
            + ", ".join(sorted(d.isoformat() for d in days)),
            code="PARTY_NOT_TOGETHER",
            field="saleIds",
        )
    claimant = await _staff(session, site, data.claimant_id, "claimantId")
    policy = await load_policy(session)
    facts = [await _facts_of_claim(session, site, x, claimant, now) for x in sales]
    with _rule_errors():
        decisions = rules.decide_party_claim(
            rules.PartyClaimFacts(claims=tuple(facts), party_size=data.party_size), policy
        )
    return gql.FitnessPartyClaimResult(
        party_size=data.party_size,
        results=[
            await _settle(session, site, sale, claimant.id, decision, now, f.names)
            for sale, decision, f in zip(sales, decisions, facts, strict=True)
        ],
    )


async def credit_group_joiner(
    session: AsyncSession, data: gql.GroupJoinerInput, now: datetime
) -> gql.FitnessClaimResult:
    """FC-15 注: a customer who joined a group sale on its day but arrived separately and was
    received by another consultant: that reception was duty reception (义务接待), the sale
    is the group's consultant's. Stored as a claim by the group's consultant."""
    sale, site = await _sale_to_change(session, data.sale_id)
    group = await session.get(CardSale, parse_id(data.group_sale_id, "groupSaleId"))
    if group is None or group.site_id != site.id or group.id == sale.id:
        raise NotFound(
            f"group sale {data.group_sale_id} does not exist at site {site.id}",
            code="SALE_NOT_FOUND",
            field="groupSaleId",
        )
    policy = await load_policy(session)
    if group.group_size < policy.group_sale_size:
        raise InvalidInput(
            f"sale {group.id} was sold to {group.group_size}; a group sale has at least "
            f"{policy.group_sale_size} (FC-15)",
            code="NOT_A_GROUP_SALE",
            field="groupSaleId",
        )
    _refuse_claimed(sale)
    tz = tz_of(site)
    names = await staff_names(session, [sale.closer_id, group.follow_up_holder_id])
    with _rule_errors():
        decision = rules.decide_group_joiner(
            _sale_fact(sale),
            group_consultant=str(group.follow_up_holder_id),
            group_sale_day=rules.local_date(group.sold_at, tz),
            group_size=group.group_size,
            arrived_separately=data.arrived_separately,
            found_day=rules.local_date(now, tz),
            month_closed=await _month_closed(session, site, sale.sold_at),
            tz=tz,
            names=names,
            policy=policy,
        )
    return await _settle(session, site, sale, group.follow_up_holder_id, decision, now, names)


async def open_claims(
    session: AsyncSession, site: Site, now: datetime, consultant: Staff | None = None
) -> list[gql.FitnessOpenClaim]:
    """Open claims: the club's sales still with their closer that a claim can change today
    (:func:`rules.claim_window`), oldest first, each with the consultants who hold evidence
    on the card's customer (a follow-up sheet, an appointment, a lead) — with ``consultant``,
    only the sales they could claim. Six statements whatever the number of sales or the
    club's history (sales, month closes, and one per kind of evidence)."""
    tz = tz_of(site)
    today = rules.local_date(now, tz)
    policy = await load_policy(session)
    first_day = max(today - timedelta(days=policy.half_claim_days - 1), today.replace(day=1))
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz)
    tomorrow = today + timedelta(days=1)
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz)
    rows = await session.scalars(
        select(CardSale)
        .where(
            CardSale.site_id == site.id,
            CardSale.sold_at < end,
            (CardSale.sold_at >= start) | CardSale.registered.is_(False),
        )
        .order_by(CardSale.sold_at, CardSale.id)
    )
    sales = [x for x in rows.all() if not _claimed(x) and x.sold_at <= now]
    if not sales:
        return []
    months = {rules.local_date(x.sold_at, tz).replace(day=1) for x in sales}
    closed = set(
        (
            await session.scalars(
                select(MonthClose.month).where(
                    MonthClose.site_id == site.id, MonthClose.month.in_(months)
                )
            )
        ).all()
    )
    customers = {x.user_id or x.buyer_id for x in sales}
    holders: dict[int, set[int]] = {}
    for model in (FollowUpSheet, Appointment, Lead):
        found = await session.execute(
            select(model.customer_id, model.consultant_id).where(
                model.site_id == site.id, model.customer_id.in_(customers)
            )
        )
        for customer_id, consultant_id in found.all():
            holders.setdefault(customer_id, set()).add(consultant_id)
    out = []
    for sale in sales:
        sale_day = rules.local_date(sale.sold_at, tz)
        with _rule_errors():
            window = rules.claim_window(
                sale_day,
                today,
                group_size=sale.group_size,
                registered=sale.registered,
                month_closed=sale_day.replace(day=1) in closed,
                policy=policy,
            )
        if not window.open:
            continue
        contenders = sorted(
            holders.get(sale.user_id or sale.buyer_id, set())
            - {sale.closer_id, sale.follow_up_holder_id}
        )
        if consultant is not None and consultant.id not in contenders:
            continue
        out.append(
            gql.FitnessOpenClaim(
                sale=sale_view(sale),
                open_through=window.last_day,
                whole_through=window.whole_through,
                contender_ids=[global_id("Staff", x) for x in contenders],
                decision=_decision(window.reason),
            )
        )
    return out


async def close_month(
    session: AsyncSession, data: gql.CloseMonthInput, now: datetime
) -> gql.FitnessMonthClose:
    """FC-22: the month closes on its last day (site time); afterwards claims and change
    forms on its sales are refused (FC-7 claims excepted)."""
    site = await club(session, data.site_id, lock=True)
    month = data.month.replace(day=1)
    verdict = rules.month_close_check(month, now, tz_of(site))
    if not verdict.ok:
        raise InvalidInput(verdict.reason.message, code="MONTH_NOT_OVER", field="month")
    if await session.get(MonthClose, (site.id, month)) is not None:
        raise Conflict(
            f"{month:%Y-%m} is already closed (FC-22)", code="MONTH_ALREADY_CLOSED", rule="FC-22"
        )
    row = MonthClose(site_id=site.id, month=month, closed_at=now, closed_by_id=None)
    session.add(row)
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="month.closed",
        now=now,
        site_id=site.id,
        payload={"month": month.isoformat()},
    )
    return gql.FitnessMonthClose(
        site_id=global_id("Site", site.id),
        month=month,
        closed_at=now,
        decision=_decision(verdict.reason),
    )


async def change_consultant(
    session: AsyncSession, data: gql.ChangeFormInput, now: datetime
) -> gql.FitnessChangeResult:
    """FC-22: a change form moves ``from``'s share of a sale to ``to``; refused (nothing
    written) unless complete and while the sale may still change (same month, not closed, in
    the month's last days only a same-day sale)."""
    sale, site = await _sale_to_change(session, data.sale_id)
    giver = await _staff(session, site, data.from_consultant_id, "fromConsultantId")
    taker = await _staff(session, site, data.to_consultant_id, "toConsultantId")
    if all(int(x["staff_id"]) != giver.id for x in sale.shares):
        raise InvalidInput(
            f"{giver.name} holds no share of sale {sale.id}",
            code="NO_SHARE_TO_CHANGE",
            field="fromConsultantId",
        )
    tz = tz_of(site)
    sale_day = rules.local_date(sale.sold_at, tz)
    closed = await session.get(MonthClose, (site.id, sale_day.replace(day=1))) is not None
    policy = await load_policy(session)
    for moment, field in (
        (data.manager_signed_at, "managerSignedAt"),
        (data.director_signed_at, "directorSignedAt"),
    ):
        if moment is not None and (moment.tzinfo is None or moment > now):
            raise InvalidInput(
                f"{field} must carry an offset and not be in the future",
                code="INVALID_SIGNATURE_TIME",
                field=field,
            )
    with _rule_errors():
        verdict = rules.decide_change_form(
            rules.ChangeForm(
                sale_day=sale_day,
                from_consultant=giver.name,
                to_consultant=taker.name,
                agreed_by_both=data.agreed_by_both,
                manager_signed_at=data.manager_signed_at,
                director_signed_at=data.director_signed_at,
            ),
            rules.local_date(now, tz),
            closed,
            policy,
        )
    if not verdict.ok:
        raise Conflict(verdict.reason.message, code="CHANGE_REFUSED", rule="FC-22")
    merged: dict[int, Decimal] = {}
    for share in sale.shares:
        who = taker.id if int(share["staff_id"]) == giver.id else int(share["staff_id"])
        merged[who] = merged.get(who, Decimal(0)) + Decimal(share["share"])
    sale.shares = [{"staff_id": k, "share": str(v)} for k, v in merged.items()]
    if sale.follow_up_holder_id == giver.id:
        sale.follow_up_holder_id = taker.id
    sale.decision_rule = verdict.reason.rule
    sale.decision_message = verdict.reason.message
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="sale.changed",
        now=now,
        site_id=site.id,
        subject_id=sale.id,
        payload={"from_id": giver.id, "to_id": taker.id},
    )
    return gql.FitnessChangeResult(sale=sale_view(sale), decision=_decision(verdict.reason))


async def receive(context: ReceptionContext) -> ReceptionOutcome:
    """A walk-in at the club desk: a valid follow-up sheet decides (FC-3), else FC-18, FC-10,
    FC-11, a signed appointment for today, FC-8 (whoever receives). FC-2 findings are fined
    once the visit is recorded."""
    session, site = context.session, context.site
    line = context.line_input
    tz = tz_of(site)
    today = rules.local_date(context.now, tz)
    policy = policy_of(context.settings)

    async def staff_id(raw: Any, field: str) -> str | None:
        if raw is None:
            return None
        return str((await _staff(session, site, raw, f"fitnessclub.{field}")).id)

    receiver = await staff_id(getattr(line, "receiver_id", None), "receiverId")
    sheet_holder = appointment_holder = None
    if context.customer_id is not None:
        found = await evidence_of(session, site, context.customer_id, context.now)
        for sheet in found["sheets"]:
            fact = _sheet_fact(sheet)
            if rules.sheet_validity(fact, today, context.now, tz, policy).ok:
                sheet_holder = fact.consultant
                break
        facts = [_sheet_fact(x) for x in found["sheets"]]
        for row in found["appointments"]:
            if rules.appointment_validity(_appointment_fact(row), today, facts).ok:
                appointment_holder = str(row.consultant_id)
                break
    named = str(context.named_staff_id) if context.named_staff_id else None
    facts_in = rules.ReceptionFacts(
        receiver=receiver or "",
        sheet_holder=sheet_holder,
        appointment_holder=appointment_holder,
        named_consultant=named,
        named_by_staff=bool(getattr(line, "named_by_staff", False)),
        asked_for_member_of=await staff_id(
            getattr(line, "asked_for_member_consultant_id", None), "askedForMemberConsultantId"
        ),
        brought_by_member_of=await staff_id(
            getattr(line, "brought_by_member_consultant_id", None),
            "broughtByMemberConsultantId",
        ),
        voucher_consultant=await staff_id(
            getattr(line, "voucher_consultant_id", None), "voucherConsultantId"
        ),
    )
    ids = [
        int(x)
        for x in (
            receiver,
            sheet_holder,
            appointment_holder,
            named,
            facts_in.asked_for_member_of,
            facts_in.brought_by_member_of,
            facts_in.voucher_consultant,
        )
        if x
    ]
    names = await staff_names(session, ids)
    decision = rules.decide_reception(replace(facts_in, names=names))
    if not decision.consultant:
        raise InvalidInput(
            "say who receives at the desk (fitnessclub.receiverId): nobody holds this customer "
            "(FC-8)",
            code="RECEIVER_REQUIRED",
            field="fitnessclub.receiverId",
        )
    notifications = ()
    if decision.notify and decision.notify != receiver:
        notifications = (
            Notification(
                kind="fitnessclub.customer_arrived",
                message=f"Tell {names.get(decision.notify, decision.notify)}: "
                f"{decision.reason.message}",
                rule=decision.reason.rule,
            ),
        )
    asked = getattr(line, "questions_asked", None)
    finding = None
    if asked is not None and receiver:
        finding = rules.reception_questions_finding(
            names.get(receiver, receiver), [rules.Question(q) for q in asked], policy
        )
    return ReceptionOutcome(
        receiver_id=int(decision.consultant),
        counted=True,
        reason=decision.reason,
        notifications=notifications,
        line_data={
            "receiver": receiver,
            "finding": finding,
            "voucher": facts_in.voucher_consultant,
        },
    )


async def visit_recorded(event: VisitRecorded) -> None:
    """After a club check-in: the FC-2 fine, and a shown trial voucher kept as FC-11 evidence."""
    data = event.outcome.line_data if event.outcome is not None else None
    if not data:
        return
    session, site = event.session, event.site
    if data["voucher"] and event.visit.customer_id is not None:
        session.add(
            Lead(
                site_id=site.id,
                consultant_id=int(data["voucher"]),
                customer_id=event.visit.customer_id,
                kind=rules.LeadKind.TRIAL_VOUCHER.value,
                at=event.visit.arrived_at,
            )
        )
        await session.flush()
    finding: rules.Finding | None = data["finding"]
    if finding is not None:
        await issue_penalty(
            session,
            site_id=site.id,
            staff_id=int(data["receiver"]),
            rule_code=finding.code,
            amount=finding.amount,
            reason=finding.reason.message,
            issued_by_id=None,
            now=event.now,
            visit_id=event.visit.id,
        )


async def copy_phone_to_register(
    session: AsyncSession, data: gql.SalePhoneInput, now: datetime
) -> gql.FitnessSale:
    """FC-16: the closer copied the sale's number into the visitor register, noting that it
    is the same person (in time when done by the end of the sale day, site time)."""
    sale, _site = await _sale_to_change(session, data.sale_id)
    if sale.register_phone is None:
        raise InvalidInput(
            "the sale's number already matches the register (FC-16)", code="PHONE_MATCHES"
        )
    if sale.phone_fixed_at is not None:
        raise Conflict("the number was already copied (FC-16)", code="PHONE_ALREADY_COPIED")
    sale.phone_fixed_at = now
    await session.flush()
    return sale_view(sale)


async def check_sale_phones(
    session: AsyncSession, data: gql.CheckSalePhonesInput, now: datetime
) -> list[gql.FitnessFine]:
    """FC-16: fine (100) every closer of ``day`` whose sale's number differs from the register
    and was not copied there that day; only once the day is over, and once per sale."""
    site = await club(session, data.site_id, lock=True)
    tz = tz_of(site)
    policy = await load_policy(session)
    start = datetime(data.day.year, data.day.month, data.day.day, tzinfo=tz)
    end = start + timedelta(days=1)
    sales = (
        await session.scalars(
            select(CardSale)
            .where(
                CardSale.site_id == site.id,
                CardSale.register_phone.is_not(None),
                CardSale.phone_fine_id.is_(None),
                CardSale.sold_at >= start,
                CardSale.sold_at < end,
            )
            .order_by(CardSale.sold_at, CardSale.id)
        )
    ).all()
    names = await staff_names(session, [x.closer_id for x in sales])
    fines = []
    for sale in sales:
        findings = [
            f
            for f in rules.sale_phone_findings(
                names.get(str(sale.closer_id), str(sale.closer_id)),
                rules.Phone(surname="-", number=sale.phone),
                sale.register_phone,
                sale.sold_at,
                sale.phone_fixed_at,
                now,
                tz,
                policy,
            )
            if f.code == PHONE_NOT_COPIED
        ]
        for finding in findings:
            fine = await _issue(session, site, sale.closer_id, finding, now)
            sale.phone_fine_id = parse_id(fine.penalty_id, "penaltyId")
            fines.append(fine)
    await session.flush()
    return fines


async def load_memberships(session: AsyncSession, customers: list[Any]) -> dict[int, Any]:
    """``Customer.fitnessclub``: each customer's latest card (bought or used), for a whole
    page of customers in one statement."""
    ids = [c.id for c in customers]
    rows = await session.scalars(
        select(CardSale)
        .where(CardSale.buyer_id.in_(ids) | CardSale.user_id.in_(ids))
        .order_by(CardSale.sold_at, CardSale.id)
    )
    latest: dict[int, CardSale] = {}
    for sale in rows.all():  # oldest first: the last one written wins
        latest[sale.user_id or sale.buyer_id] = sale
    return {
        customer_id: gql.FitnessMembership(
            sale_id=global_id("FitnessSale", sale.id),
            kind=rules.SaleKind(sale.kind),
            card_type=sale.card_type,
            sold_at=sale.sold_at,
            valid_until=sale.valid_until,
            follow_up_holder_id=global_id("Staff", sale.follow_up_holder_id),
            decision=Decision(rule=sale.decision_rule, message=sale.decision_message),
        )
        for customer_id, sale in latest.items()
    }


# --- GraphQL entry points ---------------------------------------------------------------------


async def _sheet_with_decision(
    session: AsyncSession, data: gql.FollowUpSheetInput, now: datetime
) -> gql.FitnessFollowUpSheet:
    row, site, policy, _fines = await add_follow_up_sheet(session, data, now)
    return sheet_view(row, site, now, policy, await staff_names(session, [row.consultant_id]))


async def _lead_view(session: AsyncSession, data: gql.LeadInput, now: datetime) -> gql.FitnessLead:
    return lead_view(await add_lead(session, data, now))


async def report_unreachable(
    session: AsyncSession, data: gql.UnreachablePhoneInput, now: datetime
) -> gql.FitnessFollowUpSheet:
    """FC-5: record the first failure to reach a sheet's number (a later report keeps the
    first: the 48-hour grace counts from it, *Decided*)."""
    row = await session.get(FollowUpSheet, parse_id(data.sheet_id, "sheetId"))
    if row is None:
        raise NotFound(
            f"follow-up sheet {data.sheet_id} does not exist",
            code="SHEET_NOT_FOUND",
            field="sheetId",
        )
    site = await club(session, row.site_id, lock=True)
    await session.refresh(row)
    if row.unreachable_since is None:
        row.unreachable_since = now
        await session.flush()
        await record_event(
            session,
            stream=STREAM,
            type="follow_up_sheet.unreachable",
            now=now,
            site_id=site.id,
            subject_id=row.id,
            payload={"consultant_id": row.consultant_id, "customer_id": row.customer_id},
        )
    policy = await load_policy(session)
    return sheet_view(row, site, now, policy, await staff_names(session, [row.consultant_id]))


async def report_unreachable_mutation(
    info: Info, input: gql.UnreachablePhoneInput
) -> gql.FitnessFollowUpSheet:
    """FC-5: a follow-up sheet's number could not be reached."""
    return await line_write(info, report_unreachable, input)


async def record_follow_up_sheet(
    info: Info, input: gql.FollowUpSheetInput
) -> gql.FitnessFollowUpSheet:
    """FC-3: a follow-up sheet (FC-20: fined and invalid after a colleague showed theirs)."""
    return await line_write(info, _sheet_with_decision, input)


async def record_appointment(info: Info, input: gql.AppointmentInput) -> gql.FitnessAppointment:
    """FC-3 / FC-6: a line of the appointment book."""
    return await line_write(info, add_appointment, input)


async def record_lead(info: Info, input: gql.LeadInput) -> gql.FitnessLead:
    """FC-12: a same-day phone inquiry or flyer number."""
    return await line_write(info, _lead_view, input)


async def record_card_sale(info: Info, input: gql.CardSaleInput) -> gql.FitnessSale:
    """A card sale (FC-16 fine for a number that is not the customer's own, FC-17)."""
    return await line_write(info, add_card_sale, input)


async def claim_sale_mutation(info: Info, input: gql.ClaimSaleInput) -> gql.FitnessClaimResult:
    """对单: FC-3 … FC-23 decide whose sale it is, in what shares, and why."""
    return await line_write(info, claim_sale, input)


async def claim_party_mutation(
    info: Info, input: gql.PartyClaimInput
) -> gql.FitnessPartyClaimResult:
    """FC-14: a claim on the sales of a party of three or more that came in together."""
    return await line_write(info, claim_party, input)


async def credit_group_joiner_mutation(
    info: Info, input: gql.GroupJoinerInput
) -> gql.FitnessClaimResult:
    """FC-15: a same-day joiner of a group sale who arrived separately: duty reception."""
    return await line_write(info, credit_group_joiner, input)


async def close_month_mutation(info: Info, input: gql.CloseMonthInput) -> gql.FitnessMonthClose:
    """FC-22: close a month on or after its last day."""
    return await line_write(info, close_month, input)


async def change_consultant_mutation(
    info: Info, input: gql.ChangeFormInput
) -> gql.FitnessChangeResult:
    """FC-22: change the consultant on a sale with a complete change form."""
    return await line_write(info, change_consultant, input)


async def copy_phone_mutation(info: Info, input: gql.SalePhoneInput) -> gql.FitnessSale:
    """FC-16: the closer copied the sale's number into the register."""
    return await line_write(info, copy_phone_to_register, input)


async def check_phones_mutation(
    info: Info, input: gql.CheckSalePhonesInput
) -> list[gql.FitnessFine]:
    """FC-16: fine the closers of a finished day whose number was not copied."""
    return await line_write(info, check_sale_phones, input)


# Arguments of the line's queries, described once.
ClubId = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The club: a Site of the fitnessclub line (global `id` or `legacyId`)."
    ),
]
Month = Annotated[
    date | None,
    strawberry.argument(
        description="Any day of the month (the club's local month); null: this month."
    ),
]


async def fitness_sale(
    info: Info,
    id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The sale's global `id` (or its `legacyId`)."),
    ],
) -> gql.FitnessSale | None:
    """One card sale with whose it is and why."""
    async with read_session(info) as s:
        sale = await s.get(CardSale, parse_id(id, "id", of="FitnessSale"))
        return sale_view(sale) if sale is not None else None


async def fitness_sales(
    info: Info,
    site_id: ClubId,
    month: Month = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[gql.FitnessSale]:
    """A club's sales of a month (the site's local month; this month by default), by sale time."""
    async with read_session(info) as s:
        site = await club(s, site_id)
        start, end = _month_bounds(site, month or rules.local_date(clock(info), tz_of(site)))
        stmt = select(CardSale).where(
            CardSale.site_id == site.id, CardSale.sold_at >= start, CardSale.sold_at < end
        )
        return await line_page(
            info,
            s,
            stmt,
            model=CardSale,
            type_name="FitnessSale",
            first=first,
            after=after,
            last=last,
            before=before,
            order="sold_at",
            descending=False,
            view=sale_view,
            default_page=100,
        )


async def _month_sales(session: AsyncSession, site: Site, month: date) -> list[CardSale]:
    start, end = _month_bounds(site, month)
    rows = await session.scalars(
        select(CardSale)
        .where(CardSale.site_id == site.id, CardSale.sold_at >= start, CardSale.sold_at < end)
        .order_by(CardSale.sold_at, CardSale.id)
    )
    return list(rows.all())


async def consultant_month(
    info: Info,
    site_id: ClubId,
    staff_id: Annotated[strawberry.ID, strawberry.argument(description="The consultant.")],
    month: Month = None,
) -> gql.FitnessConsultantMonth:
    """A consultant's month (site time): every sale they hold a share of, in one statement."""
    async with read_session(info) as s:
        site = await club(s, site_id)
        staff = await _staff(s, site, staff_id, "staffId")
        first = (month or rules.local_date(clock(info), tz_of(site))).replace(day=1)
        mine = [
            sale
            for sale in await _month_sales(s, site, first)
            if any(int(x["staff_id"]) == staff.id for x in sale.shares)
        ]
        total = sum(
            (
                Decimal(x["share"])
                for sale in mine
                for x in sale.shares
                if int(x["staff_id"]) == staff.id
            ),
            Decimal(0),
        )
        fines = await _month_fines(s, site, staff, first)
        return gql.FitnessConsultantMonth(
            staff_id=global_id("Staff", staff.id),
            month=first,
            sales=[sale_view(x) for x in mine],
            total_share=total,
            follow_up_rights=sum(1 for x in mine if x.follow_up_holder_id == staff.id),
            fines=fines,
            total_fines=sum((f.amount for f in fines), Decimal(0)).quantize(CENT),
        )


async def _month_fines(
    session: AsyncSession, site: Site, staff: Staff | None, first: date
) -> list[gql.FitnessFine]:
    """The fines issued to ``staff`` (everyone at the site when None) in the month of
    ``first`` (site time), revoked entries and revocations left out: two statements."""
    start, end = _month_bounds(site, first)
    who = [Penalty.staff_id == staff.id] if staff is not None else []
    rows = (
        await session.execute(
            select(Penalty, PenaltyRule.code, PenaltyRule.rule)
            .join(PenaltyRule, Penalty.penalty_rule_id == PenaltyRule.id)
            .where(
                Penalty.site_id == site.id,
                *who,
                Penalty.revokes_id.is_(None),
                Penalty.issued_at >= start,
                Penalty.issued_at < end,
            )
            .order_by(Penalty.issued_at, Penalty.id)
        )
    ).all()
    revoked = await revoked_penalties(session, [p.id for p, _code, _rule in rows])
    return [
        gql.FitnessFine(
            penalty_id=global_id("Penalty", p.id),
            staff_id=global_id("Staff", p.staff_id),
            code=code,
            amount=Decimal(p.amount or 0).quantize(CENT),
            decision=Decision(rule=rule, message=p.reason),
        )
        for p, code, rule in rows
        if p.id not in revoked
    ]


async def month_report(session: AsyncSession, site: Site, first: date) -> gql.FitnessMonthReport:
    """The month's attribution report: per consultant, shares, follow-up rights and fines.
    Five statements whatever the number of sales or consultants (sales, fines, revocations,
    names; the site read by the caller): no N+1."""
    first = first.replace(day=1)
    start, end = _month_bounds(site, first)
    # Only the three columns the report reads (no ORM entities: 5,000 sales stay cheap).
    sales = (
        await session.execute(
            select(CardSale.shares, CardSale.follow_up_holder_id, CardSale.price).where(
                CardSale.site_id == site.id, CardSale.sold_at >= start, CardSale.sold_at < end
            )
        )
    ).all()
    fines = await _month_fines(session, site, None, first)
    lines: dict[int, dict[str, Any]] = {}

    def line(staff_id: int) -> dict[str, Any]:
        return lines.setdefault(
            staff_id,
            {"sales": 0, "whole": 0, "half": 0, "share": Decimal(0), "rights": 0, "fines": []},
        )

    for sale in sales:
        for share in sale.shares:
            row = line(int(share["staff_id"]))
            fraction = Decimal(share["share"])
            row["sales"] += 1
            row["share"] += fraction
            row["whole" if fraction == 1 else "half"] += 1
        line(sale.follow_up_holder_id)["rights"] += 1
    for fine in fines:
        line(parse_id(fine.staff_id, "staffId"))["fines"].append(fine.amount)
    names = await staff_names(session, lines)
    return gql.FitnessMonthReport(
        site_id=global_id("Site", site.id),
        month=first,
        sales=len(sales),
        total_price=sum((x.price for x in sales), Decimal(0)).quantize(CENT),
        lines=[
            gql.FitnessReportLine(
                staff_id=global_id("Staff", staff_id),
                name=names.get(str(staff_id), str(staff_id)),
                sales=row["sales"],
                whole_sales=row["whole"],
                half_sales=row["half"],
                total_share=row["share"],
                follow_up_rights=row["rights"],
                fines=len(row["fines"]),
                total_fines=sum(row["fines"], Decimal(0)).quantize(CENT),
            )
            for staff_id, row in sorted(lines.items())
        ],
    )


async def fitness_month_report(
    info: Info, site_id: ClubId, month: Month = None
) -> gql.FitnessMonthReport:
    """A month's attribution report (the site's local month; this one by default)."""
    async with read_session(info) as s:
        site = await club(s, site_id)
        return await month_report(s, site, month or rules.local_date(clock(info), tz_of(site)))


def _month_bounds(site: Site, first: date) -> tuple[datetime, datetime]:
    """The site-local month of ``first`` as [start, end) instants."""
    tz = tz_of(site)
    first = first.replace(day=1)
    after = rules.add_months(first, 1)
    return (
        datetime(first.year, first.month, 1, tzinfo=tz),
        datetime(after.year, after.month, 1, tzinfo=tz),
    )


async def fitness_open_claims(
    info: Info,
    site_id: ClubId,
    consultant_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="Only the sales this consultant could claim; null: every open sale."
        ),
    ] = None,
) -> list[gql.FitnessOpenClaim]:
    """Open claims: sales a claim (对单) can still change today, with who could claim."""
    async with read_session(info) as s:
        site = await club(s, site_id)
        consultant = await _staff(s, site, consultant_id, "consultantId") if consultant_id else None
        return await open_claims(s, site, clock(info), consultant)


async def fitness_may_take_over(
    info: Info,
    site_id: ClubId,
    consultant_id: Annotated[
        strawberry.ID,
        strawberry.argument(
            description="The consultant who found their own customer in the reception."
        ),
    ],
    receiver_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The consultant who received the party first."),
    ],
    has_appointment: Annotated[
        bool,
        strawberry.argument(
            description="The customer has an appointment with `consultantId` (shown afterwards)."
        ),
    ],
    receiver_has_own_customer_in_group: Annotated[
        bool,
        strawberry.argument(
            description="The receiver also has a customer of their own in the group."
        ),
    ] = False,
    receiver_consents: Annotated[
        bool,
        strawberry.argument(
            description="The receiver consents (needed when they have a customer in the group)."
        ),
    ] = False,
) -> gql.FitnessTakeOver:
    """FC-14: a consultant who finds their own customer in another's reception may take over
    only with an appointment (shown afterwards), and only with the first receiver's consent
    when that receiver has a customer of their own in the group. Asked at the desk, before
    the hand-over; nothing is written."""
    async with read_session(info) as s:
        site = await club(s, site_id)
        taker = await _staff(s, site, consultant_id, "consultantId")
        receiver = await _staff(s, site, receiver_id, "receiverId")
        if taker.id == receiver.id:
            raise InvalidInput(
                "a consultant does not take over their own reception",
                code="SAME_CONSULTANT",
                field="consultantId",
            )
        verdict = rules.may_take_over(
            str(taker.id),
            str(receiver.id),
            has_appointment,
            receiver_has_own_customer_in_group,
            receiver_consents,
            {str(taker.id): taker.name, str(receiver.id): receiver.name},
        )
        return gql.FitnessTakeOver(allowed=verdict.ok, decision=_decision(verdict.reason))


async def fitness_claims(
    info: Info,
    sale_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The card sale (a FitnessSale's global id or legacyId)."),
    ],
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[gql.FitnessClaim]:
    """Every claim on a sale, oldest first, with its decision."""
    async with read_session(info) as s:
        stmt = select(Claim).where(Claim.sale_id == parse_id(sale_id, "saleId", of="FitnessSale"))
        return await line_page(
            info,
            s,
            stmt,
            model=Claim,
            type_name="FitnessClaim",
            first=first,
            after=after,
            last=last,
            before=before,
            order="found_at",
            descending=False,
            view=claim_view,
            default_page=100,
        )


async def fitness_evidence(
    info: Info,
    site_id: ClubId,
    customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
) -> gql.FitnessEvidence:
    """A customer's evidence timeline: sheets, appointments, leads and sales."""
    now = clock(info)
    async with read_session(info) as s:
        site = await club(s, site_id)
        customer = await _customer(s, site, customer_id, "customerId")
        policy = await load_policy(s)
        found = await evidence_of(s, site, customer.id, now)
        sheets = [_sheet_fact(x) for x in found["sheets"]]
        names = await staff_names(
            s,
            [x.consultant_id for x in found["sheets"]]
            + [x.consultant_id for x in found["appointments"]],
        )
        sales = await s.scalars(
            select(CardSale)
            .where(
                CardSale.site_id == site.id,
                (CardSale.buyer_id == customer.id) | (CardSale.user_id == customer.id),
            )
            .order_by(CardSale.sold_at, CardSale.id)
        )
        return gql.FitnessEvidence(
            customer_id=global_id("Customer", customer.id),
            follow_up_sheets=[sheet_view(x, site, now, policy, names) for x in found["sheets"]],
            appointments=[appointment_view(x, sheets, names) for x in found["appointments"]],
            leads=[lead_view(x) for x in found["leads"]],
            sales=[sale_view(x) for x in sales.all()],
        )
