"""Property line: the only module with ``@hookimpl`` — thin glue between core's hook contexts
and the line's modules (``service`` reads and writes, ``rules`` the pure decisions).

GraphQL in :mod:`plugins.property.schema` (types, queries, mutations; Schema 1.0 shapes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.plugin_api import (
    ComplaintPolicy,
    ComplaintTransition,
    DemoContext,
    LineErrorCode,
    MigrationBranch,
    PluginInfo,
    Reason,
    Site,
    StaffRole,
    WorkforcePolicy,
    hookimpl,
    line_field,
    line_mutation,
    line_query,
)
from plugins import property as line
from plugins.property import rules, service
from plugins.property import schema as gql
from plugins.property.policy import MAJOR_CATEGORIES, PropertyPolicy

CODE = line.CODE

#: The line's staff roles (seed 000 篇四/篇五, seed 001): accepted by ``addStaff(role:)``.
PROPERTY_ROLES: tuple[StaffRole, ...] = (
    StaffRole(
        "night_duty_manager",
        "Night duty manager (物业总值)",
        "PM-1: registers visitors from 20:00 to 08:00 when on the roster.",
    ),
    StaffRole("customer_service", "Customer-service staff (客服)", "PM-9: monthly points."),
    StaffRole("technician", "Technician (维修工)", "PM-8: repair orders, on-time and pass rates."),
    StaffRole(
        "supervisor",
        "Supervisor (主管)",
        "PM-2: receives written complaints and approves replies; PM-9 discretionary points.",
    ),
    StaffRole("department_manager", "Department manager (部门经理)", "PM-4: major complaints."),
    StaffRole("security_guard", "Security guard (保安)", "Visitor register at the gate."),
)


@hookimpl
def frontdesk_plugin_info() -> PluginInfo:
    return PluginInfo(
        code=CODE,
        name=line.NAME,
        version=line.VERSION,
        description="Visitor register with night duty, major and general complaints with "
        "deadlines and revisits, repair orders, monthly staff points.",
        business_line=CODE,
        default_settings=dict(line.DEFAULT_SETTINGS),
    )


@hookimpl
def frontdesk_migrations() -> MigrationBranch:
    return MigrationBranch(CODE, Path(__file__).parent / "migrations" / "versions")


@hookimpl
def frontdesk_validate_settings(plugin: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The property policy keys an operator may set (see ``PropertyPolicy``)."""
    if plugin != CODE:
        return None
    policy = PropertyPolicy.from_overrides(settings)  # ValueError naming the key if wrong
    normalised = dict(settings)
    for name in ("night_starts", "night_ends"):
        if name in normalised:
            normalised[name] = getattr(policy, name).isoformat(timespec="minutes")
    if "penalties" in normalised:
        normalised["penalties"] = [spec.to_dict() for spec in policy.penalties]
    return normalised


@hookimpl
def frontdesk_staff_roles() -> list[StaffRole]:
    return list(PROPERTY_ROLES)


@hookimpl
def frontdesk_business_date(
    site: Site, moment: datetime, settings: Mapping[str, Mapping[str, Any]]
) -> date:
    return rules.business_date_for(service.local_time(site, moment))


@hookimpl
def frontdesk_penalty_table(business_line: str, settings: Mapping[str, Mapping[str, Any]]) -> list:
    return list(rules.penalty_table(service.policy_of(settings)))


@hookimpl
def frontdesk_complaint_policy(
    site: Site, complaint: dict[str, Any], settings: Mapping[str, Mapping[str, Any]]
) -> ComplaintPolicy:
    """PM-4 / PM-5: major complaints (a listed emergency as category or flag, or 3 or more
    households or companies, 3 included) are reported at once, fixed within 1 working day and
    revisited within 7 days; general ones within 3 working days and 14 days — the numbers of
    the line's policy with the operator's settings.

    Decision (PM-4's collective clock): a collective complaint is filed (``receivedAt``) when
    the household or company that makes it collective joins — the third — so its clocks
    start then, as DOMAIN.md's *Decided* line says; the households before are in its
    description."""
    policy = service.policy_of(settings)
    category = complaint.get("category")
    flags = [f for f in complaint.get("flags") or () if f in MAJOR_CATEGORIES]
    key = category if category in MAJOR_CATEGORIES else (flags[0] if flags else category)
    severity, reason = rules.complaint_severity(key, int(complaint.get("households") or 1), policy)
    major = severity == rules.MAJOR
    return ComplaintPolicy(
        severity=severity,
        reason=reason,
        first_response=timedelta(hours=policy.first_response_hours),
        resolution_working_days=(
            policy.major_fix_working_days if major else policy.general_fix_working_days
        ),
        revisit_days=policy.major_revisit_days if major else policy.general_revisit_days,
        notify_immediately=major,
    )


@hookimpl
async def frontdesk_validate_complaint_transition(
    transition: ComplaintTransition,
) -> Reason | None:
    """PM-5: a complaint is marked revisited only once a revisit signed by the customer is
    recorded (``recordComplaintRevisit``); PM-6: it is closed only when every step of the five
    clears and one report is in its history ("report" for a major complaint only), and PM-2:
    a written complaint only once its approved reply was sent."""
    return await service.transition_refusal(
        transition.session, transition.complaint, transition.target
    )


@hookimpl
def frontdesk_workforce_policy(
    policy: WorkforcePolicy, site: Site, settings: Mapping[str, Mapping[str, Any]]
) -> WorkforcePolicy:
    """PM-9: over 30 minutes late is an absence, a forgotten clock-in is time off in lieu,
    4 days off a month shared with leave, and the monthly points table (10, warning at 5,
    penalty at 2)."""
    mine = service.policy_of(settings)
    return replace(
        policy,
        absent_after_minutes_late=mine.absent_after_minutes_late,
        forgotten_clock_in="time_off_in_lieu",
        days_off_per_month=mine.days_off_per_month,
        points=mine.points,
    )


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [
        gql.PropertyUnit,
        gql.PropertyResident,
        gql.PropertyVisitor,
        gql.PropertyRepairOrder,
        gql.PropertyHandlingRecord,
        gql.PropertyRevisit,
        gql.PropertySurveyOpinion,
        gql.PropertyPaidService,
        gql.PropertyIncidentReport,
    ]


@hookimpl
def frontdesk_graphql_type_fields() -> list[Any]:
    return [
        line_field(
            on="Complaint",
            name="property",
            type=gql.PropertyComplaintHandling,
            description="Property line (PM-2, PM-5, PM-6): the handling steps, the written "
            "reply's steps, the signed revisits and whether the complaint may be closed; null "
            "for other lines' complaints.",
            loader=gql.load_handling,
        )
    ]


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        line_query(
            gql.property_front_desk,
            name="propertyFrontDesk",
            description="Today's property front desk (PM-1, PM-4, PM-5): the day's visitors, "
            "the night duty on the roster and the open major complaints with their clocks.",
        ),
        line_query(
            gql.property_visitors,
            name="propertyVisitors",
            description="PM-1: a project's visitor register, newest first.",
        ),
        line_query(
            gql.property_units,
            name="propertyUnits",
            description="A project's units (building and number) with their residents.",
        ),
        line_query(
            gql.property_technician_month,
            name="propertyTechnicianMonth",
            description="PM-8: a technician's repair orders of a month (site time; this month "
            "by default) with their on-time and pass rates.",
        ),
        line_query(
            gql.property_project_month,
            name="propertyProjectMonth",
            description="PM-7: a project's monthly complaint summary (fixed on time, overdue, "
            "open, revisited) with PM-8's repair rates per project and technician.",
        ),
        line_query(
            gql.property_survey_opinions,
            name="propertySurveyOpinions",
            description="PM-5: a project's satisfaction-survey opinions with their follow-up "
            "clocks (overdue flagged), newest first.",
        ),
        line_query(
            gql.property_paid_services,
            name="propertyPaidServices",
            description="PM-5: a project's paid special services with their payment notice and "
            "phone revisit, newest first.",
        ),
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    return [
        line_mutation(
            gql.add_property_unit,
            name="addPropertyUnit",
            description="A unit (building and number) of a property project.",
            permission="manage",
            result="unit",
            result_description="The unit as added.",
        ),
        line_mutation(
            gql.add_property_resident,
            name="addPropertyResident",
            description="A resident or company of a unit (phone masked when read, C-13).",
            permission="manage",
            result="resident",
            result_description="The resident as added.",
        ),
        line_mutation(
            gql.register_property_visitor,
            name="registerPropertyVisitor",
            description="PM-1: register a resident's visitor after contacting the resident; "
            "from 20:00 to 08:00 (site time) only the rostered night duty manager may "
            "(NIGHT_DUTY_ONLY, rule PM-1).",
            result="visitor",
            result_description="The visitor as registered, with who registered and why.",
        ),
        line_mutation(
            gql.record_complaint_reply_step,
            name="recordComplaintReplyStep",
            description="PM-2: a written complaint's reply is drafted, approved by the "
            "supervisor, then sent — in order, each with who and when.",
            result="handling",
            result_description="The complaint's handling record after the step.",
        ),
        line_mutation(
            gql.record_complaint_handling_step,
            name="recordComplaintHandlingStep",
            description="PM-6: one of the five clears and one report (listen, ask, follow, "
            "reply with the next reply time, record confirmed by the customer, report); the "
            "complaint cannot be closed while one is missing.",
            result="handling",
            result_description="The complaint's handling record after the step.",
        ),
        line_mutation(
            gql.record_complaint_revisit,
            name="recordComplaintRevisit",
            description="PM-5: the revisit of a fixed complaint, signed by the customer, with "
            "satisfaction; in time within 1 week (major) / 2 weeks (general) of the fix.  "
            "Then `transitionComplaint(to: REVISITED)`.",
            result="revisit",
            result_description="The signed revisit, in time or not.",
        ),
        line_mutation(
            gql.schedule_property_repair,
            name="schedulePropertyRepair",
            description="PM-8: a repair order with its appointment time, dispatched to a "
            "technician.",
            result="repair",
            result_description="The repair order.",
        ),
        line_mutation(
            gql.dispatch_property_repair,
            name="dispatchPropertyRepair",
            description="PM-8: dispatch a repair order to another technician before arrival.",
            result="repair",
            result_description="The repair order, dispatched.",
        ),
        line_mutation(
            gql.record_repair_arrival,
            name="recordRepairArrival",
            description="PM-8: the technician's arrival: on time up to and including 10 "
            "minutes after the agreed time (or the new time the customer agreed to), late "
            "after.",
            result="repair",
            result_description="The repair order with its arrival decision.",
        ),
        line_mutation(
            gql.start_property_repair,
            name="startPropertyRepair",
            description="PM-8: work starts once the fee was told and accepted (and consent to "
            "move furniture given).",
            result="repair",
            result_description="The repair order, in progress.",
        ),
        line_mutation(
            gql.complete_property_repair,
            name="completePropertyRepair",
            description="PM-8: the customer signs the completed repair order.",
            result="repair",
            result_description="The repair order, completed.",
        ),
        line_mutation(
            gql.spot_check_property_repair,
            name="spotCheckPropertyRepair",
            description="PM-8: a spot-check revisit of a completed repair, pass or fail (the "
            "pass rate counts these).",
            permission="manage",
            result="repair",
            result_description="The repair order with its spot check.",
        ),
        line_mutation(
            gql.record_survey_opinion,
            name="recordSurveyOpinion",
            description="PM-5: a satisfaction-survey opinion, collated; it reaches the "
            "responsible department within 2 days (24:00 of the 2nd day after, site time).",
            result="surveyOpinion",
            result_description="The opinion with its follow-up clock.",
        ),
        line_mutation(
            gql.record_survey_follow_up,
            name="recordSurveyFollowUp",
            description="PM-5: the next follow-up step of a survey opinion — DELIVERED to the "
            "department (within 2 days of collating), its written MEASURES (within 3 days of "
            "receiving it), RECTIFIED — in order, each once; a late step is recorded as late.",
            result="surveyOpinion",
            result_description="The opinion after the step, with its decision.",
        ),
        line_mutation(
            gql.record_survey_revisit,
            name="recordSurveyRevisit",
            description="PM-5: the revisit of a rectified survey opinion, signed by the "
            "customer, in time within 2 weeks of the rectification.",
            result="surveyOpinion",
            result_description="The opinion, its follow-up complete.",
        ),
        line_mutation(
            gql.record_paid_service,
            name="recordPaidService",
            description="PM-5: a paid special service (特约服务) as performed, with its fee; "
            "then its payment notice and phone revisit.",
            result="paidService",
            result_description="The paid special service.",
        ),
        line_mutation(
            gql.deliver_payment_notice,
            name="deliverPaymentNotice",
            description="PM-5: the payment notice (缴费通知单) of a paid special service "
            "delivered to the customer, once.",
            result="paidService",
            result_description="The paid special service with its notice.",
        ),
        line_mutation(
            gql.record_paid_service_revisit,
            name="recordPaidServiceRevisit",
            description="PM-5: the phone revisit about the customer's satisfaction with a paid "
            "special service, once.",
            result="paidService",
            result_description="The paid special service with its phone revisit.",
        ),
        line_mutation(
            gql.report_complaint_incident,
            name="reportComplaintIncident",
            description="PM-2 / PM-4: report a serious (major) or unresolved complaint upward "
            "with an incident report (who, when, what, to whom); a written complaint's report "
            "goes with the customer's written complaint.  It is the complaint's PM-6 report "
            "step and the event `property.incident_reported` (subscriptions, webhooks).",
            result="incidentReport",
            result_description="The incident report.",
        ),
    ]


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: the values of PropertyErrorCode (the line's mutations); none of its hooks
    # refuses inside a core mutation with a code of its own (PM-5 / PM-6 refusals of a
    # complaint transition are core's TRANSITION_REFUSED, with the rule).
    return [
        LineErrorCode("ALREADY_ARRIVED", "PM-8: the technician's arrival is recorded already."),
        LineErrorCode("ALREADY_REVISITED", "PM-5: the phone revisit is recorded already."),
        LineErrorCode("FOLLOW_UP_BEFORE_PREVIOUS", "PM-5: a step dated before the one it follows."),
        LineErrorCode("FOLLOW_UP_IN_FUTURE", "PM-5: a step (or report) dated later than now."),
        LineErrorCode(
            "INCIDENT_NOT_REPORTABLE",
            "PM-2 / PM-4: not serious and resolved, or a written complaint left behind.",
        ),
        LineErrorCode("ARRIVAL_IN_FUTURE", "PM-8: an arrival later than now."),
        LineErrorCode("COMPLAINT_NOT_FOUND", "No property complaint with this id."),
        LineErrorCode("INVALID_FEE", "PM-8: a fee that is not a non-negative CNY amount."),
        LineErrorCode("INVALID_HANDLING_STEP", "PM-6: a step without what it needs."),
        LineErrorCode("INVALID_SATISFACTION", "PM-5: not a satisfaction rating."),
        LineErrorCode("MISSING_FIELD", "A required field of the form is missing."),
        LineErrorCode("NIGHT_DUTY_ONLY", "PM-1: from 20:00 to 08:00 the night duty registers."),
        LineErrorCode("NOT_A_SUPERVISOR", "PM-2: only the supervisor approves a written reply."),
        LineErrorCode("NOT_ARRIVED", "PM-8: the technician has not arrived."),
        LineErrorCode("NOT_COMPLETED", "PM-8: the repair is not completed (signed)."),
        LineErrorCode("NOT_FIXED", "PM-5: the complaint is not resolved yet."),
        LineErrorCode("NOT_STARTED", "PM-8: the work has not started."),
        LineErrorCode("NOT_WRITTEN", "PM-2: the complaint was not made in writing."),
        LineErrorCode("NOTICE_DELIVERED", "PM-5: the payment notice is delivered already."),
        LineErrorCode("PAID_SERVICE_NOT_FOUND", "No paid special service with this id."),
        LineErrorCode("REPAIR_NOT_FOUND", "No repair order with this id."),
        LineErrorCode("REPLY_OUT_OF_ORDER", "PM-2: drafted, approved, sent — in order, once."),
        LineErrorCode("RESIDENT_NOT_CONFIRMED", "PM-1: the resident has not confirmed."),
        LineErrorCode("RESIDENT_NOT_CONTACTED", "PM-1: the resident was not contacted."),
        LineErrorCode("RESIDENT_NOT_FOUND", "No resident with this id (in this unit)."),
        LineErrorCode("REVISIT_BEFORE_FIX", "PM-5: a revisit dated before the fix."),
        LineErrorCode("REVISIT_IN_FUTURE", "PM-5: a revisit later than now."),
        LineErrorCode("SIGNATURE_REQUIRED", "PM-5 / PM-8: the customer's signature is required."),
        LineErrorCode("STEP_RECORDED", "PM-6: this handling step is recorded already."),
        LineErrorCode("SURVEY_OPINION_NOT_FOUND", "No survey opinion with this id."),
        LineErrorCode("SURVEY_OUT_OF_ORDER", "PM-5: delivered, measures, rectified, revisited."),
        LineErrorCode("TEXT_TOO_LONG", "A text longer than its field allows."),
        LineErrorCode("UNIT_EXISTS", "A unit with this building and number exists already."),
        LineErrorCode("UNIT_NOT_FOUND", "No unit with this id (at this project)."),
        LineErrorCode("WORK_NOT_AGREED", "PM-8: fee not told and accepted, or no consent."),
    ]


@hookimpl
async def frontdesk_demo_data(context: DemoContext) -> None:
    site = context.sites.get(CODE)
    if site is None:
        return
    from plugins.property.demo import load

    await load(context, site)
