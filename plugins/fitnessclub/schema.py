"""Fitness-club GraphQL: follow-up sheets, the appointment book, leads, card sales, claims
(对单) with their Decision, month closes, and the inputs of their mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from core.plugin_api import (
    Customer,
    CustomerType,
    Decision,
    Node,
    Site,
    SiteType,
    Staff,
    StaffType,
    legacy_id,
    line_link,
    node_id,
)
from plugins.fitnessclub import rules

Signature = strawberry.enum(
    rules.Signature,
    name="FitnessAppointmentSignature",
    description="FC-3: who made an appointment effective (director, general manager, SMS).",
)
SaleKind = strawberry.enum(
    rules.SaleKind, name="FitnessSaleKind", description="FC-17: new card, upgrade or renewal."
)
LeadKind = strawberry.enum(
    rules.LeadKind,
    name="FitnessLeadKind",
    description="FC-12: a same-day phone inquiry or flyer number; FC-11: a trial voucher.",
)
Question = strawberry.enum(
    rules.Question,
    name="FitnessReceptionQuestion",
    description="FC-2: looking for someone? been here before? appointment?",
)
ClaimOutcome = strawberry.enum(
    rules.Outcome,
    name="FitnessClaimOutcome",
    description="WHOLE / HALF to the claimant, STAYS with the closer, REFUSED (FC-15, FC-22).",
)


def masked(phone: str) -> str:
    """A mobile with its middle four digits hidden (138****5678)."""
    return phone[:3] + "****" + phone[7:] if len(phone) == 11 else "****"


def _sees_full_number(info: Info, consultant_id: int) -> bool:
    """Consultants see their own customers' full numbers; clerks and admins see all."""
    actor = info.context.actor
    if actor is None:
        return False
    if actor.staff_id is not None:
        return actor.staff_id == consultant_id
    return actor.can("private")


@strawberry.input(description="A follow-up sheet (跟進表): valid evidence for one month (FC-3).")
class FollowUpSheetInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    consultant_id: strawberry.ID = strawberry.field(
        description="The consultant who wrote the sheet."
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer it is about.")
    surname: str = strawberry.field(description="FC-5: surname plus the customer's own mobile.")
    phone: str = strawberry.field(description="The customer's own full mobile (11 digits).")
    legible: bool = strawberry.field(default=True, description="FC-5: the sheet can be read.")
    altered: bool = strawberry.field(default=False, description="FC-5: written over (涂改).")
    colleague_showed_earlier_sheet: bool = strawberry.field(
        default=False,
        description="FC-20: a colleague had already shown an earlier sheet on this customer; "
        "the new sheet is invalid and its consultant is fined.",
    )


@strawberry.type(description="A follow-up sheet (跟進表, FC-3).")
class FitnessFollowUpSheet(Node):
    global_id = node_id("FitnessFollowUpSheet")
    id: int = legacy_id()
    consultant_id: strawberry.ID
    customer_id: strawberry.ID
    surname: str
    created_at: datetime
    valid_through: date = strawberry.field(description="FC-3: last sale date it counts for.")
    decision: Decision = strawberry.field(description="Whether it counts today, and why.")
    full_phone: strawberry.Private[str]
    owner: strawberry.Private[int]
    booking_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The core booking (kind `appointment`) holding this entry: its `approval` "
        "is the signature or SMS of FC-3 (issue 12); null for entries made before.",
    )

    @strawberry.field(description="Full for the consultant's own customers, else masked.")
    def phone(self, info: Info) -> str:
        return self.full_phone if _sees_full_number(info, self.owner) else masked(self.full_phone)


@strawberry.input(description="A line of the appointment book (預約表, FC-3, FC-6).")
class AppointmentInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    consultant_id: strawberry.ID = strawberry.field(description="The consultant who booked it.")
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    phone: str = strawberry.field(
        description="Full mobile; the middle four may be '****' only when the consultant's "
        "own follow-up sheet holds the full number (FC-6)."
    )
    visit_date: date = strawberry.field(description="The day the customer is to come.")
    signature: Signature = strawberry.field(  # type: ignore[valid-type]
        description="Director's or general manager's signature, or SMS when both are away."
    )


@strawberry.type(description="A line of the appointment book (預約表).")
class FitnessAppointment(Node):
    global_id = node_id("FitnessAppointment")
    id: int = legacy_id()
    consultant_id: strawberry.ID
    customer_id: strawberry.ID
    visit_date: date
    signature: Signature  # type: ignore[valid-type]
    entered_at: datetime
    decision: Decision = strawberry.field(description="FC-3 / FC-6: valid on its day or not.")
    full_phone: strawberry.Private[str]
    owner: strawberry.Private[int]
    booking_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The core booking (kind `appointment`) holding this entry: its `approval` "
        "is the signature or SMS of FC-3 (issue 12); null for entries made before.",
    )

    @strawberry.field(description="Full for the consultant's own customers, else masked.")
    def phone(self, info: Info) -> str:
        if "*" in self.full_phone:
            return self.full_phone
        return self.full_phone if _sees_full_number(info, self.owner) else masked(self.full_phone)


@strawberry.input(description="A same-day phone inquiry or flyer number (FC-12).")
class LeadInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    consultant_id: strawberry.ID = strawberry.field(description="The consultant who took the lead.")
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    kind: LeadKind = strawberry.field(  # type: ignore[valid-type]
        description="FC-12: phone inquiry or flyer number."
    )


@strawberry.type(description="A same-day lead (FC-12).")
class FitnessLead(Node):
    global_id = node_id("FitnessLead")
    id: int = legacy_id()
    consultant_id: strawberry.ID
    customer_id: strawberry.ID
    kind: LeadKind  # type: ignore[valid-type]
    at: datetime


@strawberry.input(description="A card sale (開單).")
class CardSaleInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    closer_id: strawberry.ID = strawberry.field(description="The consultant who closed.")
    buyer_id: strawberry.ID = strawberry.field(description="The customer who pays.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="FC-21: the card's user when someone else bought it."
    )
    kind: SaleKind = strawberry.field(  # type: ignore[valid-type]
        default=rules.SaleKind.NEW, description="New card or renewal (FC-17)."
    )
    card_type: str = strawberry.field(default="annual", description="The card sold.")
    price: Decimal = strawberry.field(description="Decimal string, CNY.")
    surname: str = strawberry.field(description="FC-16: the buyer's surname on the sale.")
    phone: str = strawberry.field(description="FC-16: the customer's own valid mobile.")
    group_size: int = strawberry.field(
        default=1, description="FC-15: people signing up together (8 or more: group sale)."
    )
    valid_until: date | None = strawberry.field(
        default=None, description="FC-17: the card's last valid day (for later renewals)."
    )


@strawberry.type
class FitnessShare:
    staff_id: strawberry.ID = strawberry.field(
        description="The consultant's global id.",
        deprecation_reason="Use `staff`; removed in 2.0.",
    )
    share: Decimal = strawberry.field(description="1 = the whole sale, 0.5 = half.")
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="The consultant."
    )


@strawberry.type(description="A fine a rule detected and issued (FC-16 …).")
class FitnessFine:
    penalty_id: strawberry.ID = strawberry.field(
        description="The ledger entry's global id.",
    )
    staff_id: strawberry.ID = strawberry.field(
        description="The fined staff member's global id.",
        deprecation_reason="Use `staff`; removed in 2.0.",
    )
    staff: StaffType | None = line_link(
        Staff, "staff_id", StaffType | None, parse_as="Staff", description="Who was fined."
    )
    code: str
    amount: Decimal
    decision: Decision


@strawberry.type(description="A claim (对单) and the rule that decided it.")
class FitnessClaim(Node):
    global_id = node_id("FitnessClaim")
    id: int = legacy_id()
    sale_id: strawberry.ID = strawberry.field(
        description="The sale's global id.",
    )
    claimant_id: strawberry.ID = strawberry.field(
        description="The claimant's global id.",
        deprecation_reason="Use `claimant`; removed in 2.0.",
    )
    claimant: StaffType | None = line_link(
        Staff, "claimant_id", StaffType | None, parse_as="Staff", description="Who claimed."
    )
    found_at: datetime
    outcome: ClaimOutcome  # type: ignore[valid-type]
    shares: list[FitnessShare]
    evidence: list[str] = strawberry.field(description="The records the decision used.")
    decision: Decision


@strawberry.type(description="A membership card sale and whose it is now.")
class FitnessSale(Node):
    global_id = node_id("FitnessSale")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The club's global id.",
        deprecation_reason="Use `site`; removed in 2.0.",
    )
    closer_id: strawberry.ID = strawberry.field(
        description="The closer's global id.",
        deprecation_reason="Use `closer`; removed in 2.0.",
    )
    buyer_id: strawberry.ID = strawberry.field(
        description="The buyer's global id.",
        deprecation_reason="Use `buyer`; removed in 2.0.",
    )
    user_id: strawberry.ID | None = strawberry.field(
        description="The card user's global id.",
        deprecation_reason="Use `user`; removed in 2.0.",
    )
    site: SiteType | None = line_link(
        Site, "site_id", SiteType | None, parse_as="Site", description="The club."
    )
    closer: StaffType | None = line_link(
        Staff, "closer_id", StaffType | None, parse_as="Staff", description="Who closed the sale."
    )
    buyer: CustomerType | None = line_link(
        Customer, "buyer_id", CustomerType | None, parse_as="Customer", description="Who paid."
    )
    user: CustomerType | None = line_link(
        Customer,
        "user_id",
        CustomerType | None,
        parse_as="Customer",
        description="Who uses the card, when not the buyer.",
    )
    kind: SaleKind  # type: ignore[valid-type]
    card_type: str
    price: Decimal
    group_size: int
    registered: bool = strawberry.field(description="FC-7: the visitor was registered first.")
    register_phone_differs: bool = strawberry.field(
        description="FC-16: the sale's number differs from the register's."
    )
    phone_copied_at: datetime | None = strawberry.field(
        description="FC-16: when the closer copied the sale's number into the register."
    )
    sold_at: datetime
    shares: list[FitnessShare]
    follow_up_holder_id: strawberry.ID = strawberry.field(
        description="FC-13: who serves the member (whole sale: the claimant; half: the closer).",
        deprecation_reason="Use `followUpHolder`; removed in 2.0.",
    )
    follow_up_holder: StaffType | None = line_link(
        Staff,
        "follow_up_holder_id",
        StaffType | None,
        parse_as="Staff",
        description="FC-13: who serves the member (whole sale: the claimant; half: the closer).",
    )
    decision: Decision = strawberry.field(description="Why the sale is whose it is.")
    fines: list[FitnessFine] = strawberry.field(description="FC-16 fines issued at the sale.")


@strawberry.type(description="The outcome of a claim: the decision and the sale after it.")
class FitnessClaimResult:
    claim: FitnessClaim
    sale: FitnessSale
    follow_up_rights: Decision = strawberry.field(description="FC-13: who keeps serving.")


@strawberry.input(description="FC-22: close a month (on or after its last day).")
class CloseMonthInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    month: date = strawberry.field(description="Any date in the month to close.")


@strawberry.type(description="FC-22: a closed month; its attributions are frozen.")
class FitnessMonthClose:
    site_id: strawberry.ID
    month: date
    closed_at: datetime
    decision: Decision


@strawberry.input(description="A claim (对单) by a consultant on a sale closed by another.")
class ClaimSaleInput:
    sale_id: strawberry.ID = strawberry.field(description="The sale claimed.")
    claimant_id: strawberry.ID = strawberry.field(
        description="The consultant who claims it (对单)."
    )


@strawberry.type(description="A customer's evidence, oldest first (FC-3 … FC-23).")
class FitnessEvidence:
    customer_id: strawberry.ID
    follow_up_sheets: list[FitnessFollowUpSheet]
    appointments: list[FitnessAppointment]
    leads: list[FitnessLead]
    sales: list[FitnessSale]


@strawberry.input(
    description="FC-22: a change of consultant on a sale (業績更改單): agreed by both, signed "
    "by the other party's manager and then by the director."
)
class ChangeFormInput:
    sale_id: strawberry.ID = strawberry.field(description="The sale.")
    from_consultant_id: strawberry.ID = strawberry.field(
        description="The consultant losing the share."
    )
    to_consultant_id: strawberry.ID = strawberry.field(description="The consultant getting it.")
    agreed_by_both: bool = strawberry.field(description="FC-22: both consultants agreed.")
    manager_signed_at: datetime | None = strawberry.field(
        default=None, description="FC-22: when the manager signed the form."
    )
    director_signed_at: datetime | None = strawberry.field(
        default=None, description="FC-22: when the director signed the form."
    )


@strawberry.type(description="FC-22: a change form that took effect, and the sale after it.")
class FitnessChangeResult:
    sale: FitnessSale
    decision: Decision


@strawberry.input(description="Fitness-club facts of a walk-in at the desk (FC-2, FC-8 … FC-18).")
class FitnessVisitFactsInput:
    receiver_id: strawberry.ID | None = strawberry.field(
        default=None, description="FC-8: the consultant who receives at the desk."
    )
    named_by_staff: bool = strawberry.field(
        default=False,
        description="FC-10: namedStaffId was suggested by staff during reception (not counted).",
    )
    voucher_consultant_id: strawberry.ID | None = strawberry.field(
        default=None, description="FC-11: the consultant on the trial voucher shown."
    )
    asked_for_member_consultant_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="FC-18: the visitor asked for a member; that member's consultant.",
    )
    brought_by_member_consultant_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="FC-18: a member brought this friend; that member's consultant.",
    )
    questions_asked: list[Question] | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="FC-2: the questions reception asked; missing ones fine the receiver.",
    )


@strawberry.input(description="FC-16: a sale whose number the closer copied to the register.")
class SalePhoneInput:
    sale_id: strawberry.ID = strawberry.field(description="The sale whose number was copied.")


@strawberry.input(description="FC-16: fine the sales of a finished day left unfixed.")
class CheckSalePhonesInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    day: date = strawberry.field(description="The sales' date (site time); must be over.")


@strawberry.type(description="A consultant's month: the sales they hold a share of, and the sum.")
class FitnessConsultantMonth:
    staff_id: strawberry.ID
    month: date
    sales: list[FitnessSale]
    total_share: Decimal = strawberry.field(description="Sum of shares (1 per whole sale).")
    follow_up_rights: int = strawberry.field(description="FC-13: sales whose member they serve.")
    fines: list[FitnessFine] = strawberry.field(
        description="Fines issued to them in the month (site time), revoked ones left out."
    )
    total_fines: Decimal = strawberry.field(description="Sum of those fines, CNY.")


@strawberry.type(
    description="Open claims: a sale still with its closer that a claim (对单) can still "
    "change today, and who could claim it."
)
class FitnessOpenClaim:
    sale: FitnessSale
    open_through: date | None = strawberry.field(
        description="The last date a claim may change it (site time); null: no deadline (FC-7)."
    )
    whole_through: date | None = strawberry.field(
        description="The last date a claim would still take the whole sale (FC-4 day 7); null "
        "when past."
    )
    contender_ids: list[strawberry.ID] = strawberry.field(
        description="Consultants other than the closer and the holder with a follow-up sheet, "
        "appointment or lead on the card's customer."
    )
    decision: Decision = strawberry.field(description="Why it is open, and until when.")


@strawberry.input(
    description="FC-14: a claim on the card sales of a party of three or more that came in "
    "together, by a consultant who follows one of them."
)
class PartyClaimInput:
    sale_ids: list[strawberry.ID] = strawberry.field(
        description="The party's card sales (one day), 1 to 50."
    )
    claimant_id: strawberry.ID = strawberry.field(
        description="The consultant who claims the party (FC-14)."
    )
    party_size: int = strawberry.field(
        description="Everyone who arrived together (FC-14 applies from 3), at least the sales."
    )


@strawberry.type(description="FC-14: each sale of the party with its own claim and decision.")
class FitnessPartyClaimResult:
    party_size: int
    results: list[FitnessClaimResult]


@strawberry.input(
    description="FC-15: a customer who joined a group sale on its day; if they arrived "
    "separately and another consultant received them, that was duty reception (义务接待)."
)
class GroupJoinerInput:
    sale_id: strawberry.ID = strawberry.field(description="The joiner's own card sale.")
    group_sale_id: strawberry.ID = strawberry.field(description="The group sale (8 or more).")
    arrived_separately: bool = strawberry.field(
        description="FC-15: the joiner came in on their own."
    )


@strawberry.type(description="A consultant's line of a month's attribution report.")
class FitnessReportLine:
    staff_id: strawberry.ID
    name: str
    sales: int = strawberry.field(description="Sales of the month they hold a share of.")
    whole_sales: int
    half_sales: int
    total_share: Decimal = strawberry.field(description="Sum of shares (1 per whole sale).")
    follow_up_rights: int = strawberry.field(description="FC-13: sales whose member they serve.")
    fines: int = strawberry.field(description="Fines issued in the month, revoked ones left out.")
    total_fines: Decimal = strawberry.field(description="Sum of those fines, CNY.")


@strawberry.type(
    description="A month's attribution report (site time): every consultant with a share or "
    "a fine, in a fixed number of statements whatever the number of sales."
)
class FitnessMonthReport:
    site_id: strawberry.ID
    month: date
    sales: int
    total_price: Decimal = strawberry.field(description="Sum of the month's card prices, CNY.")
    lines: list[FitnessReportLine] = strawberry.field(description="By staff id.")


@strawberry.input(
    description="FC-5: the number on a follow-up sheet could not be reached; it stays valid for "
    "a 2-day grace from the first recorded failure, then is invalid."
)
class UnreachablePhoneInput:
    sheet_id: strawberry.ID = strawberry.field(
        description="The follow-up sheet whose number was not reached."
    )


@strawberry.type(
    description="A club member's current card (the latest sale they bought or use) and who "
    "serves them (FC-13)."
)
class FitnessMembership:
    sale_id: strawberry.ID
    kind: SaleKind  # type: ignore[valid-type]
    card_type: str
    sold_at: datetime
    valid_until: date | None = strawberry.field(description="FC-17: the card's last valid day.")
    follow_up_holder_id: strawberry.ID = strawberry.field(
        description="FC-13: who serves the member (whole sale: the claimant; half: the closer)."
    )
    decision: Decision = strawberry.field(description="Why the sale is whose it is.")


@strawberry.type(description="FC-14: may a consultant take over another's reception?")
class FitnessTakeOver:
    allowed: bool
    decision: Decision
