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
from core.plugin_api.graphql import describe_values
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
describe_values(
    Signature,
    {
        "NONE": "Not signed: the appointment does not take effect (FC-3).",
        "DIRECTOR": "Signed by the director.",
        "GENERAL_MANAGER": "Signed by the general manager.",
        "SMS": "An SMS to them, allowed when both are away (FC-3).",
    },
)
describe_values(
    SaleKind,
    {
        "NEW": "A new card.",
        "UPGRADE": "An upgrade within validity: the original consultant's if still employed "
        "(FC-17).",
        "RENEWAL": "A renewal: within validity the original consultant's; an expired member's "
        "goes to the original consultant if employed, else whoever follows up (FC-17).",
    },
)
describe_values(
    LeadKind,
    {
        "PHONE_INQUIRY": "A same-day phone inquiry (FC-12).",
        "FLYER": "A number left on a flyer the same day (FC-12).",
        "TRIAL_VOUCHER": "A trial voucher shown at the door: the consultant on it (FC-11).",
    },
)
describe_values(
    Question,
    {
        "LOOKING_FOR_SOMEONE": "Are you looking for someone?",
        "BEEN_BEFORE": "Have you been here before?",
        "APPOINTMENT": "Do you have an appointment?",
    },
)
describe_values(
    ClaimOutcome,
    {
        "WHOLE": "The whole sale goes to the claimant (e.g. FC-4: found within 7 days).",
        "HALF": "Split half and half between claimant and closer (e.g. FC-4: days 8–15).",
        "STAYS": "The sale stays with the closer (e.g. FC-4: after 15 days).",
        "REFUSED": "The claim is not admitted (a closed month or FC-22's last days, a group "
        "sale claimed late or without evidence, FC-15 …): nothing changes.",
    },
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
    consultant_id: strawberry.ID = strawberry.field(
        description="The global id of the consultant who wrote it."
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id.")
    surname: str = strawberry.field(description="FC-5: the surname on the sheet.")
    created_at: datetime = strawberry.field(
        description="When it was made (UTC); FC-23: the earlier sheet wins."
    )
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
    consultant_id: strawberry.ID = strawberry.field(
        description="The global id of the consultant who booked it."
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id.")
    visit_date: date = strawberry.field(
        description="The day the customer is to come; FC-3: valid on that day only."
    )
    signature: Signature = strawberry.field(  # type: ignore[valid-type]
        description="FC-3: who made it effective."
    )
    entered_at: datetime = strawberry.field(
        description="When it was entered in the book (UTC); FC-3: the earliest entry wins."
    )
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
    consultant_id: strawberry.ID = strawberry.field(
        description="The global id of the consultant who took the lead."
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id.")
    kind: LeadKind = strawberry.field(  # type: ignore[valid-type]
        description="Phone inquiry, flyer or trial voucher."
    )
    at: datetime = strawberry.field(description="When it was recorded (UTC).")


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


@strawberry.type(description="A consultant's share of a card sale.")
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
    code: str = strawberry.field(description="The code of the line's penalty rule applied.")
    amount: Decimal = strawberry.field(description="The fine, CNY.")
    decision: Decision = strawberry.field(description="The rule (e.g. FC-16) and why.")


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
    found_at: datetime = strawberry.field(
        description="When the claim was made (UTC); FC-4's days count from the sale to this "
        "date, site-local."
    )
    outcome: ClaimOutcome = strawberry.field(  # type: ignore[valid-type]
        description="What the claim changed."
    )
    shares: list[FitnessShare] = strawberry.field(
        description="The sale's shares the decision gave."
    )
    evidence: list[str] = strawberry.field(description="The records the decision used.")
    decision: Decision = strawberry.field(
        description="The rule that decided (FC-4, FC-7, FC-12 …) and why."
    )


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
    kind: SaleKind = strawberry.field(  # type: ignore[valid-type]
        description="New card, upgrade or renewal (FC-17)."
    )
    card_type: str = strawberry.field(description="The card sold, e.g. annual.")
    price: Decimal = strawberry.field(description="The price, CNY.")
    group_size: int = strawberry.field(
        description="People who signed up together (FC-15: 8 or more is a group sale)."
    )
    registered: bool = strawberry.field(description="FC-7: the visitor was registered first.")
    register_phone_differs: bool = strawberry.field(
        description="FC-16: the sale's number differs from the register's."
    )
    phone_copied_at: datetime | None = strawberry.field(
        description="FC-16: when the closer copied the sale's number into the register."
    )
    sold_at: datetime = strawberry.field(
        description="When it was sold (UTC); claim deadlines count from its site-local date."
    )
    shares: list[FitnessShare] = strawberry.field(
        description="Whose the sale is now: one whole share or two halves."
    )
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
    claim: FitnessClaim = strawberry.field(description="The claim, decided.")
    sale: FitnessSale = strawberry.field(description="The sale after the claim.")
    follow_up_rights: Decision = strawberry.field(description="FC-13: who keeps serving.")


@strawberry.input(description="FC-22: close a month (on or after its last day).")
class CloseMonthInput:
    site_id: strawberry.ID = strawberry.field(description="The club.")
    month: date = strawberry.field(description="Any date in the month to close.")


@strawberry.type(description="FC-22: a closed month; its attributions are frozen.")
class FitnessMonthClose:
    site_id: strawberry.ID = strawberry.field(description="The club's global id.")
    month: date = strawberry.field(description="The first day of the closed month.")
    closed_at: datetime = strawberry.field(description="When it was closed (UTC).")
    decision: Decision = strawberry.field(description="FC-22, and what the close froze.")


@strawberry.input(description="A claim (对单) by a consultant on a sale closed by another.")
class ClaimSaleInput:
    sale_id: strawberry.ID = strawberry.field(description="The sale claimed.")
    claimant_id: strawberry.ID = strawberry.field(
        description="The consultant who claims it (对单)."
    )


@strawberry.type(description="A customer's evidence, oldest first (FC-3 … FC-23).")
class FitnessEvidence:
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id.")
    follow_up_sheets: list[FitnessFollowUpSheet] = strawberry.field(
        description="Follow-up sheets on the customer (FC-3, FC-23)."
    )
    appointments: list[FitnessAppointment] = strawberry.field(
        description="Appointment-book lines for the customer (FC-3, FC-6)."
    )
    leads: list[FitnessLead] = strawberry.field(
        description="Same-day leads and trial vouchers (FC-11, FC-12)."
    )
    sales: list[FitnessSale] = strawberry.field(
        description="Card sales the customer bought or uses."
    )


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
    sale: FitnessSale = strawberry.field(description="The sale with its new shares.")
    decision: Decision = strawberry.field(description="FC-22, and why the change took effect.")


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
    staff_id: strawberry.ID = strawberry.field(description="The consultant's global id.")
    month: date = strawberry.field(description="The first day of the month (site time).")
    sales: list[FitnessSale] = strawberry.field(
        description="The month's sales they hold a share of."
    )
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
    sale: FitnessSale = strawberry.field(description="The sale, still with its closer.")
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
    party_size: int = strawberry.field(description="Everyone who arrived together.")
    results: list[FitnessClaimResult] = strawberry.field(
        description="One per sale of the party, in the order given."
    )


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
    staff_id: strawberry.ID = strawberry.field(description="The consultant's global id.")
    name: str = strawberry.field(description="The consultant's name.")
    sales: int = strawberry.field(description="Sales of the month they hold a share of.")
    whole_sales: int = strawberry.field(description="Of those, sales wholly theirs.")
    half_sales: int = strawberry.field(description="Of those, sales they hold half of.")
    total_share: Decimal = strawberry.field(description="Sum of shares (1 per whole sale).")
    follow_up_rights: int = strawberry.field(description="FC-13: sales whose member they serve.")
    fines: int = strawberry.field(description="Fines issued in the month, revoked ones left out.")
    total_fines: Decimal = strawberry.field(description="Sum of those fines, CNY.")


@strawberry.type(
    description="A month's attribution report (site time): every consultant with a share or "
    "a fine, in a fixed number of statements whatever the number of sales."
)
class FitnessMonthReport:
    site_id: strawberry.ID = strawberry.field(description="The club's global id.")
    month: date = strawberry.field(description="The first day of the month (site time).")
    sales: int = strawberry.field(description="Card sales of the month.")
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
    sale_id: strawberry.ID = strawberry.field(description="The card sale's global id.")
    kind: SaleKind = strawberry.field(  # type: ignore[valid-type]
        description="New card, upgrade or renewal."
    )
    card_type: str = strawberry.field(description="The card, e.g. annual.")
    sold_at: datetime = strawberry.field(description="When it was sold (UTC).")
    valid_until: date | None = strawberry.field(description="FC-17: the card's last valid day.")
    follow_up_holder_id: strawberry.ID = strawberry.field(
        description="FC-13: who serves the member (whole sale: the claimant; half: the closer)."
    )
    decision: Decision = strawberry.field(description="Why the sale is whose it is.")


@strawberry.type(description="FC-14: may a consultant take over another's reception?")
class FitnessTakeOver:
    allowed: bool = strawberry.field(description="Whether the consultant may take over.")
    decision: Decision = strawberry.field(description="FC-14, and why.")
