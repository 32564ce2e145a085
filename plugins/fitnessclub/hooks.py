"""Fitness-club line: the only module with ``@hookimpl``. Thin glue between core's hooks,
the resolvers in :mod:`plugins.fitnessclub.service` and the pure rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.plugin_api import (
    DemoContext,
    LineErrorCode,
    LineInput,
    MigrationBranch,
    PluginInfo,
    ReceptionContext,
    SaleContext,
    Site,
    StaffRole,
    VisitRecorded,
    WorkforcePolicy,
    hookimpl,
    line_field,
    line_mutation,
    line_query,
)
from plugins import fitnessclub
from plugins.fitnessclub import rules, service
from plugins.fitnessclub import schema as gql
from plugins.fitnessclub.policy import APPOINTMENT_BOOK, FitnessClubPolicy

CODE = fitnessclub.CODE

CLUB_ROLES = (
    StaffRole(
        "membership_consultant",
        "Membership consultant (会籍顾问)",
        "sells cards; keeps follow-up sheets and the appointment book, claims sales (FC-3 … FC-23)",
    ),
    StaffRole(
        "membership_manager",
        "Membership manager (会籍经理)",
        "leads consultants; signs a change form for the other party (FC-22)",
    ),
    StaffRole(
        "club_director",
        "Club director (总监)",
        "signs appointments (FC-3) and, after the manager, change forms (FC-22); closes the month",
    ),
)


@hookimpl
def frontdesk_plugin_info() -> PluginInfo:
    return PluginInfo(
        code=CODE,
        name=fitnessclub.NAME,
        version=fitnessclub.VERSION,
        description="Membership-sale claims (对单) with follow-up sheets and the appointment "
        "book, month close, consultants' penalty table.",
        business_line=CODE,
        default_settings=dict(fitnessclub.DEFAULT_SETTINGS),
    )


@hookimpl
def frontdesk_migrations() -> MigrationBranch:
    return MigrationBranch("fitnessclub", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def frontdesk_staff_roles() -> list[StaffRole]:
    """The club's own roles (seed 000 篇八), accepted by ``addStaff(role:)`` at club sites."""
    return list(CLUB_ROLES)


@hookimpl
def frontdesk_validate_settings(plugin: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The fitness-club policy keys an operator may set (see ``FitnessClubPolicy``)."""
    if plugin != CODE:
        return None
    policy = FitnessClubPolicy.from_overrides(settings)  # ValueError naming the key if wrong
    normalised = dict(settings)
    if "penalties" in normalised:
        normalised["penalties"] = [spec.to_dict() for spec in policy.penalties]
    return normalised


@hookimpl
def frontdesk_workforce_policy(
    policy: WorkforcePolicy, site: Site, settings: Mapping[str, Mapping[str, Any]]
) -> WorkforcePolicy:
    """FC-3 / FC-6: the club's appointment book is core's booking kind ``appointment`` (not
    exclusive, in effect with the director's or general manager's signature or an SMS)."""
    return replace(policy, booking_kinds={**policy.booking_kinds, "appointment": APPOINTMENT_BOOK})


@hookimpl
def frontdesk_penalty_table(
    business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> list | None:
    return list(rules.penalty_table(service.policy_of(settings)))


@hookimpl
def frontdesk_receive_visit(context: ReceptionContext) -> Any:
    return service.receive(context)


@hookimpl
def frontdesk_visit_recorded(event: VisitRecorded) -> Any:
    if event.outcome is None:
        return None
    return service.visit_recorded(event)


@hookimpl
def frontdesk_graphql_input_fields() -> list[LineInput]:
    return [
        LineInput(
            "CheckInVisitInput",
            "fitnessclub",
            gql.FitnessVisitFactsInput,
            "Fitness-club facts (FC-2, FC-8 … FC-18).",
        )
    ]


@hookimpl
def frontdesk_attribute_sale(context: SaleContext) -> Any:
    return service.attribute_sale(context)


@hookimpl
def frontdesk_graphql_type_fields() -> list[Any]:
    return [
        line_field(
            on="Customer",
            name="fitnessclub",
            type=gql.FitnessMembership,
            description="The club member's current card and who serves them (FC-13, FC-17); "
            "null for a customer without a card.",
            loader=service.load_memberships,
        )
    ]


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [gql.FitnessSale, gql.FitnessClaim, gql.FitnessEvidence]


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        line_query(
            service.fitness_sale,
            name="fitnessSale",
            description="A club's card sale: whose it is, in what shares, and why.",
        ),
        line_query(
            service.fitness_sales,
            name="fitnessSales",
            description="A club's sales of a month (the site's local month; this one by default).",
        ),
        line_query(
            service.consultant_month,
            name="fitnessConsultantMonth",
            description="A consultant's month: the sales they hold a share of, and the sum.",
        ),
        line_query(
            service.fitness_month_report,
            name="fitnessMonthReport",
            description="A month's attribution report: every consultant's sales, shares, "
            "follow-up rights and fines (site time; this month by default).",
        ),
        line_query(
            service.fitness_open_claims,
            name="fitnessOpenClaims",
            description="Open claims: the club's sales a claim (对单) can still change today, "
            "with who could claim each (only those of consultantId when given).",
        ),
        line_query(
            service.fitness_may_take_over,
            name="fitnessMayTakeOver",
            description="FC-14: may a consultant who finds their own customer in another's "
            "reception take over (an appointment; the receiver's consent when they have a "
            "customer of their own in the group)?",
        ),
        line_query(
            service.fitness_claims,
            name="fitnessClaims",
            description="The claims (对单) on a sale, oldest first, each with its decision.",
        ),
        line_query(
            service.fitness_evidence,
            name="fitnessEvidence",
            description="A customer's evidence: follow-up sheets, appointments, leads, sales.",
        ),
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    # C-13: closing a month and changing a sale's consultant are a manager's decisions.
    return [
        line_mutation(
            service.record_follow_up_sheet,
            name="recordFollowUpSheet",
            description="FC-3: a follow-up sheet (FC-20: invalid and fined after a colleague "
            "showed an earlier one).",
            result="sheet",
            result_description="The follow-up sheet as recorded (FC-20: valid or not).",
        ),
        line_mutation(
            service.report_unreachable_mutation,
            name="reportUnreachablePhone",
            description="FC-5: a follow-up sheet's number could not be reached; invalid 48 "
            "hours after the first report.",
            result="sheet",
            result_description="The sheet, with the report (FC-5).",
        ),
        line_mutation(
            service.record_appointment,
            name="recordAppointment",
            description="FC-3 / FC-6: a line of the appointment book.",
            result="appointment",
            result_description="The appointment-book line.",
        ),
        line_mutation(
            service.record_lead,
            name="recordLead",
            description="FC-12: a same-day phone inquiry or flyer number (FC-11: trial voucher).",
            result="lead",
            result_description="The lead as recorded.",
        ),
        line_mutation(
            service.record_card_sale,
            name="recordCardSale",
            description="A card sale (FC-16: fined without the customer's own valid number; "
            "FC-17: renewals).",
            result="sale",
            result_description="The sale as recorded.",
        ),
        line_mutation(
            service.copy_phone_mutation,
            name="copySalePhoneToRegister",
            description="FC-16: the closer copied the sale's number into the visitor register.",
            result="sale",
            result_description="The sale, its number copied.",
        ),
        line_mutation(
            service.check_phones_mutation,
            name="checkSalePhones",
            description="FC-16: fine (100) the closers of a finished day whose sale's number "
            "differs from the register and was not copied there that day.",
            permission="manage",
            result="fines",
            result_description="FC-16: the fines issued.",
        ),
        line_mutation(
            service.claim_sale_mutation,
            name="claimSale",
            description="对单: FC-3 … FC-23 decide whose sale it is, in what shares, and why.",
            result="result",
            result_description="Whose sale it is, in what shares, and why.",
        ),
        line_mutation(
            service.claim_party_mutation,
            name="claimPartySales",
            description="FC-14: one claim on the sales of a party of three or more that came "
            "in together; each sale is decided and stored.",
            result="result",
            result_description="Each sale of the party decided (FC-14).",
        ),
        line_mutation(
            service.credit_group_joiner_mutation,
            name="creditGroupJoiner",
            description="FC-15: a same-day joiner of a group sale who arrived separately and "
            "was received by another consultant: duty reception, the group's consultant's sale.",
            result="result",
            result_description="Whose sale it is now (FC-15), and why.",
        ),
        line_mutation(
            service.close_month_mutation,
            name="closeMonth",
            description="FC-22: close a month on or after its last day; attributions freeze.",
            permission="manage",
            result="monthClose",
            result_description="The closed month.",
        ),
        line_mutation(
            service.change_consultant_mutation,
            name="changeSaleConsultant",
            description="FC-22: change the consultant on a sale with a complete change form.",
            permission="manage",
            result="result",
            result_description="The sale with its new consultant, and why.",
        ),
    ]


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: the values of FitnessclubErrorCode; check-in refusals are in VisitErrorCode.
    visit = ("Visit",)
    return [
        LineErrorCode("SALE_NOT_FOUND", "No card sale with this id at this site."),
        LineErrorCode("SALE_ALREADY_CLAIMED", "This consultant has claimed the sale already."),
        LineErrorCode("CLAIM_OWN_SALE", "对单: the closer cannot claim their own sale."),
        LineErrorCode("SAME_CONSULTANT", "FC-22: the sale has this consultant already."),
        LineErrorCode("NO_SHARE_TO_CHANGE", "FC-22: the consultant has no share to change."),
        LineErrorCode("CHANGE_REFUSED", "FC-22: the change form is incomplete or too late."),
        LineErrorCode("INVALID_SIGNATURE_TIME", "FC-22: a signature time that cannot be."),
        LineErrorCode("MONTH_NOT_OVER", "FC-22: the month's last day has not come."),
        LineErrorCode("MONTH_ALREADY_CLOSED", "FC-22: the month is closed; attributions froze."),
        LineErrorCode("NO_EARLIER_SHEET", "FC-20: no earlier sheet of a colleague to show."),
        LineErrorCode("NO_MEMBERSHIP", "FC-17: the customer has no card to renew."),
        LineErrorCode("PHONE_MATCHES", "FC-16: the register has this number already."),
        LineErrorCode("PHONE_ALREADY_COPIED", "FC-16: the number was copied already."),
        LineErrorCode("FOUND_BEFORE_SALE", "Evidence dated after the sale."),
        LineErrorCode("MONEY_NOT_DECIMAL", "An amount that is not a decimal."),
        LineErrorCode("INVALID_GROUP_SIZE", "FC-2: a group size below 1.", visit),
        LineErrorCode("EMPTY_PARTY", "FC-2: a party of nobody.", visit),
        LineErrorCode("NO_ATTRIBUTION_RULES", "The line has no attribution rules."),
        LineErrorCode("SHEET_NOT_FOUND", "No follow-up sheet with this id at this site."),
        LineErrorCode("INVALID_PARTY", "FC-14: the sales named are not one party's."),
        LineErrorCode("INVALID_PARTY_SIZE", "FC-14: a party claim needs three or more sales."),
        LineErrorCode("PARTY_NOT_TOGETHER", "FC-14: the party did not come in together."),
        LineErrorCode("NOT_A_GROUP_SALE", "FC-15: the sale named is not a group sale."),
    ]


@hookimpl
def frontdesk_demo_data(context: DemoContext) -> Any:
    site = context.sites.get(CODE)
    if site is None:
        return None
    from plugins.fitnessclub.demo import load

    return load(context, site)
