"""KTV line: the only module with ``@hookimpl`` — thin glue between core's hook contexts and
the line's modules (``service`` reads and writes, ``rules`` the pure decisions, ``policy`` the
numbers).  No GraphQL yet: it arrives after Schema 1.0 (issue 17)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugin_api import (
    ComplaintCharge,
    ComplaintFines,
    LineErrorCode,
    MigrationBranch,
    PluginInfo,
    ReceptionContext,
    ReceptionOutcome,
    RollCallDecided,
    Site,
    StaffRole,
    VisitRecorded,
    WorkforcePolicy,
    hookimpl,
)
from plugins import ktv
from plugins.ktv import service
from plugins.ktv.policy import KtvPolicy

CODE = ktv.CODE

# Seed 000 篇七: the venue's people.  Core's own roles stay available at KTV sites too.
KTV_ROLES: tuple[StaffRole, ...] = (
    StaffRole(
        "duty_director",
        "Duty director (值班总监)",
        "Calls the pre-shift roll (KTV-2), approves leave in special cases (KTV-4) and exit "
        "passes as direct superior (KTV-5), checks new staff's knowledge (KTV-3).",
    ),
    StaffRole(
        "host_desk",
        "Host desk (咨客台)",
        "Receives arriving guests and hands those with a booking to their booker (KTV-11).",
    ),
    StaffRole(
        "booking_agent",
        "Booking agent (订房/营销)",
        "Books rooms and tables for guests and is credited for them (KTV-7, KTV-11).",
    ),
    StaffRole("waiter", "Waiter (服务员)", "Serves rooms and hall tables."),
    StaffRole("room_attendant", "Room attendant (房务)", "Looks after the rooms."),
)


@hookimpl
def frontdesk_plugin_info() -> PluginInfo:
    return PluginInfo(
        code=CODE,
        name=ktv.NAME,
        version=ktv.VERSION,
        description="Business day past midnight, pre-shift roll call, bookings that credit "
        "the booker, leave and absenteeism, exit passes, the KTV penalty table.",
        business_line=CODE,
        default_settings=dict(ktv.DEFAULT_SETTINGS),
    )


@hookimpl
def frontdesk_migrations() -> MigrationBranch:
    return MigrationBranch("ktv", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def frontdesk_validate_settings(plugin: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The KTV policy keys an operator may set (see ``KtvPolicy``)."""
    if plugin != CODE:
        return None
    policy = KtvPolicy.from_overrides(settings)  # ValueError naming the key if wrong
    normalised = dict(settings)
    for name in ("business_day_cutoff", "opens_at", "closes_at", "meeting_time"):
        if name in normalised:
            normalised[name] = getattr(policy, name).isoformat(timespec="minutes")
    for name in ("late_fine", "absent_fine", "absenteeism_wage_days"):
        if name in normalised:
            normalised[name] = str(getattr(policy, name))
    if "penalties" in normalised:
        normalised["penalties"] = [spec.to_dict() for spec in policy.penalties]
    return normalised


@hookimpl
def frontdesk_business_date(
    site: Site, moment: datetime, settings: Mapping[str, Mapping[str, Any]]
) -> date:
    # KTV-1: before the cutoff (06:00) a moment belongs to the previous business day.
    return service.business_date(site, moment, service.policy_of(settings))


@hookimpl
def frontdesk_penalty_table(business_line: str, settings: Mapping[str, Mapping[str, Any]]) -> list:
    # KTV-2, 4, 5, 6, 7, 8, 9, 10; C-14 is added by core.  KTV-6 is the line's own entry:
    # see the report (NOTES_ktv.md) on why C-14-staff's bounds are left as they are.
    return list(service.policy_of(settings).penalties)


@hookimpl
def frontdesk_workforce_policy(
    policy: WorkforcePolicy, site: Site, settings: Mapping[str, Mapping[str, Any]]
) -> WorkforcePolicy:
    """KTV-1/2/4/10: the line's numbers for core's attendance, leave and meetings."""
    ktv_policy = service.policy_of(settings)
    return replace(
        policy,
        leave_lead_days=ktv_policy.leave_lead_days,
        absenteeism_wage_days=ktv_policy.absenteeism_wage_days,
        absenteeism_days_ending_employment=ktv_policy.absenteeism_days_ending_employment,
        business_day_starts=ktv_policy.business_day_cutoff,
        meeting_time=ktv_policy.meeting_time,
        roll_call_minutes=ktv_policy.roll_call_minutes,
    )


@hookimpl
def frontdesk_staff_roles() -> list[StaffRole]:
    return list(KTV_ROLES)


@hookimpl
async def frontdesk_receive_visit(context: ReceptionContext) -> ReceptionOutcome | None:
    return await service.receive_visit(context)


@hookimpl
async def frontdesk_visit_recorded(event: VisitRecorded) -> None:
    await service.record_visit(event)


@hookimpl
async def frontdesk_complaint_fines(context: ComplaintFines) -> list[ComplaintCharge] | None:
    """KTV-6 *Decided*: at a KTV venue an attitude complaint is fined 100 under KTV-6 in place
    of C-14's staff fine (the manager's fine and a compensation stay C-14's)."""
    return await service.complaint_charges(context)


@hookimpl
async def frontdesk_roll_call_decided(context: RollCallDecided) -> list[Any] | None:
    """KTV-2 / KTV-10: the roll line's fine (late 30, absent 50) in the roll call's own
    transaction."""
    penalty = await service.fine_roll_call(
        context.session,
        site_id=context.site.id,
        staff_id=context.staff_id,
        decision=context.decision,
        issued_by_id=None,
        now=context.now,
    )
    return [penalty] if penalty is not None else None


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: published in KtvErrorCode (and WorkforceErrorCode / VisitErrorCode, the core
    # mutations whose line hooks may refuse with them).
    both = ("Workforce", "Visit")
    return [
        LineErrorCode("BOOKING_NOT_HONOURED", "KTV-11: the booking was not honoured.", both),
        LineErrorCode("KNOWLEDGE_CHECK_EXISTS", "KTV-3: the knowledge check exists already.", both),
        LineErrorCode("KNOWLEDGE_CHECK_NOT_FOUND", "KTV-3: no knowledge check with this id.", both),
        LineErrorCode("KNOWLEDGE_CHECK_PASSED", "KTV-3: the knowledge check was passed.", both),
        LineErrorCode("KNOWLEDGE_TOPICS_INCOMPLETE", "KTV-3: every topic must be checked.", both),
        LineErrorCode("UNKNOWN_CONDUCT", "Not a kind of conduct of the KTV table.", both),
    ]
