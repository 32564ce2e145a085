"""Property line: the only module with ``@hookimpl`` — thin glue between core's hook contexts
and the line's modules (``service`` reads and writes, ``rules`` the pure decisions).

No GraphQL yet (issue 15's schema comes after Schema 1.0, issue 17).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.plugin_api import (
    ComplaintPolicy,
    LineErrorCode,
    MigrationBranch,
    PluginInfo,
    Site,
    StaffRole,
    WorkforcePolicy,
    hookimpl,
)
from plugins import property as line
from plugins.property import rules, service
from plugins.property.policy import DEFAULT_POLICY, MAJOR_CATEGORIES, PropertyPolicy

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
def frontdesk_complaint_policy(site: Site, complaint: dict[str, Any]) -> ComplaintPolicy:
    """PM-4 / PM-5: major complaints (a listed emergency as category or flag, or 3 or more
    households) are reported at once, fixed within 1 working day and revisited within 7 days;
    general ones within 3 working days and 14 days.  The hook receives no settings, so the
    default numbers apply (decision: an operator's overrides of these reach the line's own
    services, not core's complaint clock, until the hook passes settings)."""
    policy = DEFAULT_POLICY
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
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: the property line's codes (PropertyErrorCode once it has mutations; in the core
    # domains its hooks may refuse in).
    both = ("Complaint", "Visit")
    return [
        LineErrorCode("ALREADY_ARRIVED", "The repair worker's arrival is recorded already.", both),
        LineErrorCode("INVALID_FEE", "A fee that is not a non-negative CNY amount.", both),
        LineErrorCode(
            "INVALID_HANDLING_STEP", "Not a step of the complaint handling (PM-5).", both
        ),
        LineErrorCode("INVALID_SATISFACTION", "Not a satisfaction rating.", both),
        LineErrorCode("MISSING_FIELD", "A required field of the form is missing.", both),
        LineErrorCode("NIGHT_DUTY_ONLY", "PM-1: only the night duty may do this.", both),
        LineErrorCode("NOT_ARRIVED", "The repair worker has not arrived.", both),
        LineErrorCode("NOT_COMPLETED", "The repair is not completed.", both),
        LineErrorCode("NOT_FIXED", "The repair is not fixed.", both),
        LineErrorCode("NOT_STARTED", "The repair has not started.", both),
        LineErrorCode("REPAIR_NOT_FOUND", "No repair with this id.", both),
        LineErrorCode("RESIDENT_NOT_FOUND", "No resident with this id.", both),
        LineErrorCode("REVISIT_BEFORE_FIX", "A revisit before the repair was fixed.", both),
        LineErrorCode("SIGNATURE_REQUIRED", "The resident's signature is required.", both),
        LineErrorCode("STEP_RECORDED", "This handling step is recorded already.", both),
        LineErrorCode("TEXT_TOO_LONG", "A text longer than its field allows.", both),
        LineErrorCode("UNIT_EXISTS", "A unit with this number exists already.", both),
        LineErrorCode("UNIT_NOT_FOUND", "No unit with this id.", both),
        LineErrorCode("WORK_NOT_AGREED", "The resident has not agreed to the work.", both),
    ]
