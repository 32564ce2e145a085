"""Fitness-club line: the only module with ``@hookimpl``. Thin glue between core's hooks,
the resolvers in :mod:`plugins.fitnessclub.service` and the pure rules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import strawberry

from core.plugin_api import (
    DemoContext,
    MigrationBranch,
    PluginInfo,
    ReceptionContext,
    SaleContext,
    VisitRecorded,
)
from plugins import fitnessclub
from plugins.fitnessclub import rules, service
from plugins.fitnessclub import schema as gql
from plugins.fitnessclub._core import hookimpl
from plugins.fitnessclub.policy import FitnessClubPolicy

CODE = fitnessclub.CODE
# C-13: closing a month is a manager's decision; desk work needs "create".
MANAGE = {"permission": "manage"}


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
def frontdesk_penalty_table(
    business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> list | None:
    if business_line != CODE:
        return None
    return list(rules.penalty_table(service.policy_of(settings)))


@hookimpl
def frontdesk_receive_visit(context: ReceptionContext) -> Any:
    if context.site.business_line != CODE:  # until issue 7 dispatches to the owning line
        return None
    return service.receive(context)


@hookimpl
def frontdesk_visit_recorded(event: VisitRecorded) -> Any:
    if event.site.business_line != CODE or event.outcome is None:
        return None
    return service.visit_recorded(event)


@hookimpl
def frontdesk_graphql_input_fields() -> dict[str, list[Any]]:
    return {
        "CheckInVisitInput": [
            ("fitnessclub", gql.FitnessVisitFactsInput, "Fitness-club facts (FC-2, FC-8 … FC-18).")
        ]
    }


@hookimpl
def frontdesk_attribute_sale(context: SaleContext) -> Any:
    # Until the plugin API dispatches line hooks to the owning line only (issue 7).
    if context.site.business_line != CODE:
        return None
    return service.attribute_sale(context)


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [gql.FitnessSale, gql.FitnessClaim, gql.FitnessEvidence]


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        strawberry.field(resolver=service.fitness_sale, name="fitnessSale"),
        strawberry.field(resolver=service.fitness_sales, name="fitnessSales"),
        strawberry.field(resolver=service.fitness_claims, name="fitnessClaims"),
        strawberry.field(resolver=service.fitness_evidence, name="fitnessEvidence"),
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    return [
        strawberry.mutation(resolver=service.record_follow_up_sheet, name="recordFollowUpSheet"),
        strawberry.mutation(resolver=service.record_appointment, name="recordAppointment"),
        strawberry.mutation(resolver=service.record_lead, name="recordLead"),
        strawberry.mutation(resolver=service.record_card_sale, name="recordCardSale"),
        strawberry.mutation(resolver=service.claim_sale_mutation, name="claimSale"),
        strawberry.mutation(
            resolver=service.close_month_mutation, name="closeMonth", metadata=MANAGE
        ),
        strawberry.mutation(
            resolver=service.change_consultant_mutation,
            name="changeSaleConsultant",
            metadata=MANAGE,
        ),
    ]


@hookimpl
def frontdesk_demo_data(context: DemoContext) -> Any:
    site = context.sites.get(CODE)
    if site is None:
        return None
    from plugins.fitnessclub.demo import load

    return load(context, site)
