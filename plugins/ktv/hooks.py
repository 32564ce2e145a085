"""KTV line: the only module with ``@hookimpl`` — thin glue between core's hook contexts and
the line's modules (``service`` reads and writes, ``rules`` the pure decisions, ``policy`` the
numbers, ``schema`` / ``api`` the GraphQL types and resolvers, ``demo`` the demo venue)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugin_api import (
    ComplaintCharge,
    ComplaintFines,
    DemoContext,
    LineErrorCode,
    LineInput,
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
    line_mutation,
    line_query,
    line_subscription,
)
from plugins import ktv
from plugins.ktv import api, service
from plugins.ktv import schema as gql
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
    # KTV-2, 4, 5, 6, 7, 8, 9, 10; C-14 is added by core.  KTV-6 is the line's own entry,
    # issued in place of C-14's staff fine by frontdesk_complaint_fines (C-14's bounds stay).
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
    transaction, linked to the roll line (``ktv_roll_fines``)."""
    penalty = await service.fine_roll_line(context)
    return [penalty] if penalty is not None else None


@hookimpl
def frontdesk_graphql_types() -> list[type]:
    return [gql.KtvBooking, gql.KtvConductRecord, gql.KtvKnowledgeCheck]


@hookimpl
def frontdesk_graphql_input_fields() -> list[LineInput]:
    return [
        LineInput(
            "CheckInVisitInput",
            CODE,
            gql.KtvVisitFactsInput,
            "KTV-11: the name the guest's booking is under (a registered guest is matched by "
            "customerId).",
        )
    ]


@hookimpl
def frontdesk_graphql_queries() -> list[Any]:
    return [
        line_query(
            api.tonight,
            name="ktvTonight",
            description="KTV-1: tonight at a venue — the pre-shift meeting's roll with its "
            "fines (KTV-2, KTV-10), the bookings and who receives each guest (KTV-11), who is "
            "on an exit pass (KTV-5).",
        ),
        line_query(
            api.staff_month,
            name="ktvStaffMonth",
            description="A staff member's month: booking credits (KTV-11, cancelled by "
            "KTV-7), fines, absences and absenteeism (KTV-2, KTV-4, KTV-10), conduct (KTV-7/8/9).",
        ),
        line_query(
            api.overdue_knowledge_checks,
            name="ktvOverdueKnowledgeChecks",
            description="KTV-3: new staff whose knowledge check is past its due day and not "
            "passed, earliest due first (the director's list).",
        ),
    ]


@hookimpl
def frontdesk_graphql_mutations() -> list[Any]:
    # C-13: the director's decisions (closing the roll, leave, passes, conduct) are manage.
    return [
        line_mutation(
            api.call_ktv_meeting,
            name="callKtvMeeting",
            description="KTV-2: call tonight's pre-shift meeting at 19:30 with the evening's "
            "work assignment; everyone rostered is on the roll.",
            result="meeting",
            result_description="The meeting and its roll.",
        ),
        line_mutation(
            api.sign_ktv_roll,
            name="signKtvRoll",
            description="KTV-2: sign the roll (by 19:30:00 present, later late); KTV-10: "
            "after the close only someone a room booking excuses signs (补签).",
            result="line",
            result_description="The person's line of the roll.",
        ),
        line_mutation(
            api.close_ktv_roll,
            name="closeKtvRoll",
            description="KTV-2 / KTV-10: close the roll at 20:00 or later; late 30, absent 50 "
            "(a room booking cancelled while the roll was open: absent), fined in the same "
            "transaction.",
            permission="manage",
            result="meeting",
            result_description="The meeting with every decided line and its fine.",
        ),
        line_mutation(
            api.register_ktv_joining,
            name="registerKtvJoining",
            description="KTV-3: a new staff member joined; their knowledge check is due "
            "within 3 days (the joining day is day 1).",
            permission="manage",
            result="check",
            result_description="The knowledge check, with its due day.",
        ),
        line_mutation(
            api.pass_ktv_knowledge_check,
            name="passKtvKnowledgeCheck",
            description="KTV-3: the director records the passed check of drink prices, "
            "minimum charges, all-you-can-drink rooms and table numbers.",
            permission="manage",
            result="check",
            result_description="The knowledge check (overdue ones stay flagged).",
        ),
        line_mutation(
            api.request_ktv_leave,
            name="requestKtvLeave",
            description="KTV-4: ask for leave; in time strictly before 06:00 of the previous "
            "business day, otherwise it will count as absenteeism.",
            result="leave",
            result_description="The leave request, with its deadline and lateness.",
        ),
        line_mutation(
            api.decide_ktv_leave,
            name="decideKtvLeave",
            description="KTV-4: the direct superior decides; a late leave approved is "
            "absenteeism (4 days' wages; the third day in a calendar month ends employment) "
            "unless the duty director approves it as a special case.",
            permission="manage",
            result="leave",
            result_description="The decided leave and what the shift became.",
        ),
        line_mutation(
            api.request_ktv_exit_pass,
            name="requestKtvExitPass",
            description="KTV-5: ask the direct superior for a pass to leave mid-shift.",
            result="exitPass",
            result_description="The exit pass requested.",
        ),
        line_mutation(
            api.decide_ktv_exit_pass,
            name="decideKtvExitPass",
            description="KTV-5: the direct superior approves or refuses an exit pass.",
            permission="manage",
            result="exitPass",
            result_description="The decided exit pass.",
        ),
        line_mutation(
            api.clock_out_ktv,
            name="clockOutKtv",
            description="KTV-1 / KTV-5: clock out — refused while one's own booked rooms are "
            "occupied; before the shift's end without an approved pass it is leaving the post, "
            "fined 100.",
            result="clockOut",
            result_description="The clock-out and its fine, if any.",
        ),
        line_mutation(
            api.book_ktv,
            name="bookKtv",
            description="KTV-7 / KTV-11: book a room or table for a guest on a business day; "
            "the booker receives the guest and is credited.",
            result="booking",
            result_description="The booking.",
        ),
        line_mutation(
            api.cancel_ktv_booking,
            name="cancelKtvBooking",
            description="KTV-10: cancel a booking (a cancelled room booking no longer excuses "
            "from the roll).",
            result="booking",
            result_description="The cancelled booking.",
        ),
        line_mutation(
            api.receive_ktv_guest,
            name="receiveKtvGuest",
            description="KTV-11: a guest arrives; with a booking tonight they are received by "
            "their booker, the booking is honoured and credits the booker's month.",
            result="reception",
            result_description="Who receives the guest, and why.",
        ),
        line_mutation(
            api.record_ktv_conduct,
            name="recordKtvConduct",
            description="KTV-7 / KTV-8 / KTV-9: record a finding — fine within bounds, the "
            "month's credits cancelled (KTV-7), dismissal without pay and police referral "
            "(KTV-8 serious, KTV-9), recorded as such.",
            permission="manage",
            result="record",
            result_description="The conduct record and its ledger entry.",
        ),
    ]


@hookimpl
def frontdesk_graphql_subscriptions() -> list[Any]:
    return [
        line_subscription(
            api.ktv_updates,
            name="ktvUpdates",
            description="KTV events as they are committed (guest received, conduct recorded, "
            "knowledge check passed, leaving the post fined, employment ended), optionally of "
            "one venue; resumable from `after` like `workforceUpdates`.",
        )
    ]


@hookimpl
def frontdesk_demo_data(context: DemoContext) -> Any:
    site = context.sites.get(CODE)
    if site is None:
        return None
    from plugins.ktv.demo import load

    return load(context, site)


_WORKFORCE = {
    "MEETING_NOT_FOUND": "No meeting with this id.",
    "NOT_ON_THE_ROLL": "KTV-2: the staff member is not on the meeting's roll.",
    "ALREADY_SIGNED": "KTV-2: the roll was signed already.",
    "ROLL_CLOSED": "KTV-2: the roll is closed.",
    "ROLL_ALREADY_CLOSED": "KTV-2: the roll is closed already.",
    "ROLL_STILL_OPEN": "KTV-2: the roll is still open (until 20:00).",
    "MEETING_OUTSIDE_BUSINESS_DAY": "KTV-2: the meeting time is outside the business day.",
    "SHIFT_NOT_FOUND": "No shift with this id.",
    "SHIFT_NOT_HELD": "The shift is not the named staff member's.",
    "ATTENDANCE_ALREADY_RECORDED": "The shift's attendance is recorded already.",
    "SHIFT_OVER": "The shift is over.",
    "LEAVE_ALREADY_REQUESTED": "Leave was requested for this shift already.",
    "LEAVE_NOT_FOUND": "No leave request with this id.",
    "LEAVE_ALREADY_DECIDED": "The leave request was decided already.",
    "LEAVE_LAPSED": "The leave request's day started undecided: it lapsed (KTV-4).",
    "EXIT_PASS_NOT_FOUND": "No exit pass with this id.",
    "EXIT_PASS_ALREADY_DECIDED": "KTV-5: the exit pass was decided already.",
    "NOT_CLOCKED_IN": "The shift was not clocked in.",
    "ALREADY_CLOCKED_OUT": "The shift was clocked out already.",
    "CLOCK_OUT_BEFORE_IN": "Clocking out before clocking in.",
    "RESOURCE_REQUIRED": "A booking needs its resource.",
    "RESOURCE_TAKEN": "The room or table is booked already that business day.",
    "BOOKING_NOT_FOUND": "No booking with this id.",
    "BOOKING_WRONG_STATUS": "The booking is not held.",
    "GUEST_REQUIRED": "A booking names its guest (customerId or guestName).",
}


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Issue 17: published in KtvErrorCode (and WorkforceErrorCode / VisitErrorCode, the core
    # mutations whose line hooks may refuse with them).  The core workforce and booking codes
    # the line's mutations pass on are declared too, so they keep their own codes.
    both = ("Workforce", "Visit")
    return [
        LineErrorCode("BOOKING_NOT_HONOURED", "KTV-11: the booking was not honoured.", both),
        LineErrorCode("KNOWLEDGE_CHECK_EXISTS", "KTV-3: the knowledge check exists already.", both),
        LineErrorCode("KNOWLEDGE_CHECK_NOT_FOUND", "KTV-3: no knowledge check with this id.", both),
        LineErrorCode("KNOWLEDGE_CHECK_PASSED", "KTV-3: the knowledge check was passed.", both),
        LineErrorCode("KNOWLEDGE_TOPICS_INCOMPLETE", "KTV-3: every topic must be checked.", both),
        LineErrorCode("UNKNOWN_CONDUCT", "Not a kind of conduct of the KTV table.", both),
        LineErrorCode(
            "POLICE_REFERRAL_NOT_APPLICABLE",
            "KTV-8: a police referral is recorded for an egregious theft only.",
            both,
        ),
        LineErrorCode("SHIFT_END_REFUSED", "KTV-1: one's own booked rooms are still occupied."),
        LineErrorCode("BUSINESS_DAY_OVER", "KTV-1: that business day is over."),
        LineErrorCode(
            "SPECIAL_CASE_DIRECTOR_ONLY",
            "KTV-4: only the duty director approves a late leave as a special case, with why.",
        ),
        *(LineErrorCode(code, text) for code, text in _WORKFORCE.items()),
    ]
