"""Real-estate GraphQL: today's rotation, setting the order, away/back, order-grabbing,
the ``Visit.realestate`` field and the ``CheckInVisitInput.realestate`` facts."""

from __future__ import annotations

from datetime import date

import strawberry

from core.plugin_api import Decision
from plugins.realestate import rules

SalespersonStatus = strawberry.enum(
    rules.SalespersonStatus, description="RE-2 owed make-up / RE-3 forfeited / RE-4 leave."
)


RelatedParty = strawberry.enum(
    rules.RelatedParty, description="RE-9: visitors from related companies, not counted."
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


@strawberry.type(description="A salesperson passed over, and why (RE-2, RE-3, RE-4, RE-5).")
class SkippedSalesperson:
    staff_id: strawberry.ID
    decision: Decision


@strawberry.type(description="How the rotation treated this visit.")
class RealEstateReception:
    made_up_turn: bool = strawberry.field(description="RE-2: the receiver took a make-up turn.")
    new_registration: bool = strawberry.field(description="RE-6: false for an assisted return.")
    units_requested: int | None
    skipped: list[SkippedSalesperson]


@strawberry.type
class RotationMember:
    staff_id: strawberry.ID
    name: str
    status: SalespersonStatus
    receptions: int = strawberry.field(description="Counted receptions today (RE-15).")
    suspended_until: date | None = strawberry.field(description="RE-5 停牌 until (inclusive).")


@strawberry.type(description="A site's reception rotation for one business day (RE-1).")
class Rotation:
    site_id: strawberry.ID
    business_date: date
    members: list[RotationMember] = strawberry.field(description="The manager's order.")
    next_staff_id: strawberry.ID | None = strawberry.field(
        description="Who receives the next new walk-in customer."
    )
    make_up_queue: list[strawberry.ID] = strawberry.field(description="RE-2 turns owed.")
    upcoming: list[strawberry.ID] = strawberry.field(
        description="Who receives the coming new customers, first to last."
    )


@strawberry.type(description="RE-5 ruling on order-grabbing (抢单).")
class OrderGrabbingResult:
    grabber_id: strawberry.ID
    named_staff_id: strawberry.ID
    suspended_from: date
    suspended_until: date
    deal_credited_to: strawberry.ID
    penalty_id: strawberry.ID
    decision: Decision
