"""Real-estate line: the only module with ``@hookimpl`` — thin glue between core's hook
contexts and the line's modules (``service`` reads and writes, ``schema`` GraphQL, ``rules``
the pure decisions, ``demo`` its demo data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugin_api import (
    DemoContext,
    Join,
    LineErrorCode,
    LineInput,
    MigrationBranch,
    PenaltyBounds,
    PluginInfo,
    ReceptionContext,
    ReceptionOutcome,
    SaleAttribution,
    SaleContext,
    Site,
    VisitRecorded,
    hookimpl,
    line_field,
    line_mutation,
    line_query,
    line_subscription,
)
from plugins import realestate
from plugins.realestate import demo, rules, service
from plugins.realestate import schema as gql
from plugins.realestate.models import VisitReception
from plugins.realestate.policy import (
    C14_MANAGER_CODE,
    C14_STAFF_CODE,
    ORDER_GRABBING_CODE,
    RealEstatePolicy,
)

CODE = realestate.CODE


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
    return rules.business_date_for(service.local_time(site, moment), service.policy_of(settings))


@hookimpl
async def frontdesk_receive_visit(context: ReceptionContext) -> ReceptionOutcome:
    return await service.receive_visit(context)


@hookimpl
async def frontdesk_visit_recorded(event: VisitRecorded) -> None:
    await service.record_visit(event)


@hookimpl
def frontdesk_penalty_table(business_line: str, settings: Mapping[str, Mapping[str, Any]]) -> list:
    return list(rules.penalty_table(service.policy_of(settings)))


@hookimpl
def frontdesk_c14_bounds(
    bounds: PenaltyBounds, business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> PenaltyBounds | None:
    # Called for real-estate sites only (the chain asks the owner of the line).
    overrides = rules.c14_bounds_overrides(service.policy_of(settings))
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
    return await service.attribute_sale(context)


@hookimpl
def frontdesk_graphql_type_fields() -> list[Any]:
    return [
        line_field(
            on="Visit",
            name="realestate",
            type=gql.RealEstateReception,
            description="Real-estate reception details (make-up turn, who was skipped).",
            loader=gql.load_receptions,
            # Pages join re_visit_receptions into their own SELECT (one statement).
            join=Join(VisitReception, "visit_id", gql.reception_value),
        )
    ]


@hookimpl
def frontdesk_graphql_input_fields() -> list[LineInput]:
    return [
        LineInput(
            "CheckInVisitInput",
            "realestate",
            gql.RealEstateVisitFactsInput,
            "Real-estate facts (RE-6 … RE-14).",
        )
    ]


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        line_query(
            gql.rotation_query,
            name="rotation",
            description="RE-1: a site's reception rotation for a business day (default today).",
        )
    ]


@hookimpl
def frontdesk_graphql_subscriptions() -> list[Any]:
    return [
        line_subscription(
            gql.rotation_updates,
            name="rotationUpdates",
            description="The live rotation board (issue 17): every change of a sales office's "
            "rotation (order set, away/back, receptions, suspensions, discounted receptions) as "
            "it is committed, each with the rotation right after it.  Resumable like "
            "`complaintUpdates`: pass the `cursor` of the last event received as `after` to get "
            "the stored changes after it first, then live ones: in order, none twice, across "
            "server processes.",
        )
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    # C-13: the sales manager's decisions need "manage"; desk work needs "create".
    return [
        line_mutation(
            gql.set_rotation_order,
            name="setRotationOrder",
            description="RE-1: the sales manager sets today's order before the first reception.",
            permission="manage",
            result="rotation",
            result_description="Today's rotation in the new order.",
        ),
        line_mutation(
            gql.mark_salesperson,
            name="markSalesperson",
            description="RE-2 … RE-4: a salesperson goes away (make-up turn, forfeit, leave) or "
            "comes back.",
            result="rotation",
            result_description="Today's rotation after the change.",
        ),
        line_mutation(
            gql.report_order_grabbing,
            name="reportOrderGrabbing",
            description="RE-5: rule on order-grabbing: suspension and the deal's credit.",
            permission="manage",
            result="ruling",
            result_description="The RE-5 ruling: suspension, the deal's credit, the penalty.",
        ),
        line_mutation(
            gql.discount_surveyor,
            name="discountSurveyor",
            description="RE-8: a visitor found to be a surveyor does not count as a reception.",
            permission="manage",
            result="decision",
            result_description="RE-8: why the reception no longer counts.",
        ),
    ]


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: the values of RealestateErrorCode; check-in refusals are in VisitErrorCode too.
    visit = ("Visit",)
    return [
        LineErrorCode("EMPTY_ROTATION", "RE-1: the site has no active salesperson.", visit),
        LineErrorCode("INVALID_VISIT_FACTS", "RE-6 … RE-14: facts that contradict.", visit),
        LineErrorCode("EMPTY_ORDER", "RE-1: the order names nobody."),
        LineErrorCode("INVALID_ORDER", "RE-1: the order names someone twice or no one."),
        LineErrorCode(
            "INVALID_ROTATION_STATE", "The stored rotation cannot be read (a bug).", visit
        ),
        LineErrorCode("UNKNOWN_STAFF", "RE-4: not in today's rotation order.", visit),
        LineErrorCode("NOT_IN_ROTATION", "The salesperson is not in today's rotation."),
        LineErrorCode("NOT_A_SALESPERSON", "RE-1: only active salespeople join the rotation."),
        LineErrorCode("ROTATION_ALREADY_STARTED", "RE-1: the order is set before receptions."),
        LineErrorCode("SUSPENSION_NEEDS_RULING", "RE-5: a suspension comes from a ruling."),
        LineErrorCode("STAFF_SUSPENDED", "RE-5: the salesperson is suspended (停牌)."),
        LineErrorCode("NOT_SUSPENDED", "RE-5: no suspension to lift."),
        LineErrorCode("NOT_ORDER_GRABBING", "RE-5: the named salesperson received them."),
        LineErrorCode("NOT_GRABBED", "RE-5: nothing was grabbed."),
        LineErrorCode("ALREADY_RULED", "RE-5: this visit was ruled on already."),
        LineErrorCode("NOTHING_TO_DISCOUNT", "RE-8: the visit was not counted."),
        LineErrorCode("WRONG_BUSINESS_DAY", "Only today's receptions can be changed.", visit),
    ]


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [gql.Rotation]


@hookimpl
async def frontdesk_demo_data(context: DemoContext) -> None:
    site = context.sites.get(CODE)
    if site is not None:
        await demo.load_demo(context, site)
