"""The public plugin API: the one door from a business line into core.

A business line (built-in under ``plugins/`` or a third-party package) imports from core
**only** this package: ``from core.plugin_api import hookimpl, Reason, ...``.  Everything
else in core is private and may change any day; ``tests/test_plugin_api.py`` fails when a
module under ``plugins/`` imports anything else from core.  What a line needs and does not
find here is a gap in the API: add it here, documented and tested, rather than reaching in.

What is here, by purpose:

* **Hooks** — :data:`hookimpl` marks implementations of the specs in ``core/hookspecs.py``.
  Line hooks (:data:`LINE_HOOKS`) are called only for sites of the implementing plugin's
  business line; sync and ``async def`` implementations both work.
* **Hook values** — :class:`PluginInfo`, :class:`MigrationBranch`, :class:`ReceptionContext`
  / :class:`ReceptionOutcome` / :class:`Notification`, :class:`VisitRecorded`,
  :class:`SaleContext` / :class:`SaleAttribution` / :class:`SaleShare`,
  :class:`ComplaintPolicy`, :class:`ComplaintTransition` (a complaint's move a line may
  refuse, PM-5 / PM-6), :class:`DomainEvent`, :class:`DemoContext`, :class:`StaffRole`,
  :class:`PenaltyBounds`, :class:`WorkforcePolicy` (with :class:`PointsScheme` /
  :class:`PointsItem`, PM-9's monthly points table), :class:`LineInput`,
  :class:`LineInputReceived`, :class:`LineErrorCode` (a line's published error codes),
  :class:`SwapProposal` / :class:`SwapVerdict` / :class:`SwapFine`
  (``frontdesk_validate_shift_swap``, C-15), :class:`BookingKind` (a kind of booking as
  policy data: exclusive or not, how it takes effect, FC-3).
  :class:`ComplaintFines` with :class:`ComplaintCharge` (``frontdesk_complaint_fines``: a
  line replaces C-14's entries, KTV-6) and :class:`RollCallDecided`
  (``frontdesk_roll_call_decided``: a line fines a decided roll line in the roll call's own
  transaction, KTV-2/KTV-10).
* **Rules** — :class:`Reason` (a decision's rule id and sentence), :class:`PenaltyRuleSpec`
  (an entry of a penalty table).
* **Errors** — :class:`FrontdeskError` and its kinds, each with a stable ``code``.
* **GraphQL** — :class:`Decision`, :data:`Money` (CNY decimal scalar), global object
  identification (:class:`Node`, :func:`node_id`, :func:`legacy_id`, :func:`line_node`,
  :func:`global_id`, :func:`parse_id` taking a global id or a legacy integer), cursor
  connections (:class:`Connection`, :func:`line_page`),
  :func:`line_field`, :func:`line_query`, :func:`line_mutation`, :func:`line_subscription`,
  :class:`Join`, :func:`prefetched`, :func:`event_updates` / :func:`event_cursor` (a line's
  subscription on its event stream), :func:`acting_staff` (C-13: who a mutation records as
  acting; a staff token acts only as itself), and the per-request helpers :func:`now`,
  :func:`read_session`, :func:`write_session` and :func:`line_write` (a mutation's body: a
  step of the session, the input's facts and ``now`` in the write transaction).
* **Tables** — :data:`Base` (put your tables on it, prefixed with your line code),
  :class:`UTCDateTime`, and core's ORM models for reads and foreign keys (:class:`Site`,
  :class:`Staff`, :class:`Customer`, :class:`Visit`, :class:`Complaint`, the roster's
  :class:`Shift` (PM-1: who is on night duty), the ledger's :class:`Penalty` and its
  :class:`PenaltyRule`, the workforce's :class:`Booking` and :class:`BookingStatus` (KTV-11:
  who booked the arriving guest), the meetings' :class:`Meeting` and :class:`RollCallEntry`,
  :class:`ExitPass`, :class:`LeaveRequest` (:class:`LeaveKind`), :class:`AttendanceRecord` with
  :class:`AttendanceStatus` and :class:`RequestStatus` (KTV-2/4/5): read them, write through
  the services).
* **Services** (in the caller's transaction) — :func:`get_site`, :func:`get_staff`,
  :func:`add_staff`, :func:`register_customer`, :class:`CheckIn`, :func:`check_in_visit`,
  :func:`correct_visit`, :func:`issue_penalty`, :func:`revoke_penalty`, :func:`revoked_penalties`,
  :func:`record_event`, :func:`plugin_settings`.
* **Service-module helpers** (what every line's ``service.py`` starts with) —
  :func:`line_policy` / :func:`load_line_policy` (the line's policy with the operator's
  settings, INVALID_POLICY when refused), :func:`get_line_site` (a site of your line, else
  WRONG_BUSINESS_LINE), :func:`site_zone`, :func:`local_time`, :func:`staff_names`.
  :func:`record_event`, :func:`plugin_settings`; the workforce (issue 12):
  :func:`clock_in`, :func:`clock_out`, :func:`record_attendance`, :func:`request_leave`,
  :func:`decide_leave`, :func:`issue_points`, :func:`revoke_points`, :func:`month_points`,
  :func:`workforce_policy_of`; C-3 appointments and bookings: :func:`make_appointment`,
  :func:`approve_appointment`, :func:`check_in_appointment`,
  :func:`penalise_unapproved_visit`, :func:`book`, :func:`approve_booking` (FC-3),
  :func:`booking_counts` (FC-3 / KTV: valid only on its day, once approved),
  :func:`set_booking_status`; :func:`sweep_undecided_leave`; meetings and exit passes
  (KTV-2, KTV-5, KTV-10): :func:`call_meeting`, :func:`sign_roll`,
  :func:`note_room_booking`, :func:`close_roll`, :func:`request_exit_pass`,
  :func:`decide_exit_pass`; the roster and pay: :func:`schedule_shift` (PM-1's night
  duty), :func:`set_staff_pay` (daily wage, direct superior), :func:`end_employment`
  (KTV-4, KTV-8/KTV-9: employment LEFT, event ``staff.employment_ended``); complaints:
  :class:`ComplaintFiling` / :func:`file_complaint`, :func:`transition_complaint` (a
  line's demo data or its own mutations file and move complaints as core's API does).
  Pure workforce rules (roll call, lateness, points, bookings) are in
  :mod:`core.plugin_api.rules`.
* **Migrations** (a line's own Alembic branch, issue 13) — :func:`outside_transaction`,
  :func:`create_index_concurrently`, :func:`create_index_ddl_concurrently`,
  :func:`drop_index_concurrently`: indexes built and dropped ``CONCURRENTLY`` on PostgreSQL
  (the table stays writable while a large index is built; an INVALID leftover of a failed
  build is rebuilt), plainly on SQLite, as core's own revisions build theirs.
"""

from __future__ import annotations

from core.appointment_rules import BookingKind
from core.contracts import (
    ComplaintFines,
    ComplaintPolicy,
    ComplaintTransition,
    DemoContext,
    DomainEvent,
    LineErrorCode,
    LineInput,
    LineInputReceived,
    MigrationBranch,
    Notification,
    PenaltyBounds,
    PluginInfo,
    PointsItem,
    PointsScheme,
    ReceptionContext,
    ReceptionOutcome,
    RollCallDecided,
    SaleAttribution,
    SaleContext,
    SaleShare,
    StaffRole,
    SwapFine,
    SwapProposal,
    SwapVerdict,
    VisitRecorded,
    WorkforcePolicy,
)
from core.db import Base
from core.decisions import Reason
from core.errors import Conflict, FrontdeskError, InvalidInput, NotFound, PermissionDenied
from core.hookspecs import LINE_HOOKS, hookimpl
from core.migrate import (
    create_index_concurrently,
    create_index_ddl_concurrently,
    drop_index_concurrently,
    outside_transaction,
)
from core.models import (
    AttendanceRecord,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Complaint,
    Customer,
    CustomerClass,
    EmploymentStatus,
    ExitPass,
    GroupKind,
    InquiryKind,
    LeaveKind,
    LeaveRequest,
    Meeting,
    Penalty,
    PenaltyRule,
    RequestStatus,
    RollCallEntry,
    Shift,
    Site,
    Staff,
    UTCDateTime,
    Visit,
    VisitChannel,
    VisitorKind,
)
from core.penalties import C14Charge as ComplaintCharge
from core.penalties import PenaltyRuleSpec
from core.plugin_api.graphql import (
    After,
    Before,
    Connection,
    CustomerType,
    Decision,
    First,
    Join,
    Last,
    LineMutation,
    Money,
    Node,
    PenaltyType,
    SiteType,
    StaffType,
    VisitType,
    acting_staff,
    event_cursor,
    event_updates,
    global_id,
    legacy_id,
    line_field,
    line_link,
    line_mutation,
    line_node,
    line_page,
    line_query,
    line_subscription,
    line_write,
    node_id,
    now,
    parse_id,
    prefetched,
    read_session,
    write_session,
)
from core.plugin_api.services import (
    CheckIn,
    ComplaintFiling,
    add_staff,
    approve_appointment,
    approve_booking,
    book,
    booking_counts,
    call_meeting,
    check_in_appointment,
    check_in_visit,
    clock_in,
    clock_out,
    close_roll,
    correct_visit,
    decide_exit_pass,
    decide_leave,
    end_employment,
    file_complaint,
    get_line_site,
    get_site,
    get_staff,
    issue_penalty,
    issue_points,
    line_policy,
    load_line_policy,
    local_time,
    make_appointment,
    month_points,
    note_room_booking,
    penalise_unapproved_visit,
    plugin_settings,
    record_attendance,
    record_event,
    register_customer,
    request_exit_pass,
    request_leave,
    revoke_penalty,
    revoke_points,
    revoked_penalties,
    schedule_shift,
    set_booking_status,
    set_staff_pay,
    sign_roll,
    site_zone,
    staff_names,
    sweep_undecided_leave,
    transition_complaint,
    workforce_policy_of,
)

__all__ = [
    "LINE_HOOKS",
    "After",
    "AttendanceRecord",
    "AttendanceStatus",
    "Base",
    "Before",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "CheckIn",
    "Complaint",
    "ComplaintCharge",
    "ComplaintFiling",
    "ComplaintFines",
    "ComplaintPolicy",
    "ComplaintTransition",
    "Conflict",
    "Connection",
    "Customer",
    "CustomerClass",
    "CustomerType",
    "Decision",
    "DemoContext",
    "DomainEvent",
    "EmploymentStatus",
    "ExitPass",
    "First",
    "FrontdeskError",
    "GroupKind",
    "InquiryKind",
    "InvalidInput",
    "Join",
    "Last",
    "LeaveKind",
    "LeaveRequest",
    "LineErrorCode",
    "LineInput",
    "LineInputReceived",
    "LineMutation",
    "Meeting",
    "MigrationBranch",
    "Money",
    "Node",
    "NotFound",
    "Notification",
    "Penalty",
    "PenaltyBounds",
    "PenaltyRule",
    "PenaltyRuleSpec",
    "PenaltyType",
    "PermissionDenied",
    "PluginInfo",
    "PointsItem",
    "PointsScheme",
    "Reason",
    "ReceptionContext",
    "ReceptionOutcome",
    "RequestStatus",
    "RollCallDecided",
    "RollCallEntry",
    "SaleAttribution",
    "SaleContext",
    "SaleShare",
    "Shift",
    "Site",
    "SiteType",
    "Staff",
    "StaffRole",
    "StaffType",
    "SwapFine",
    "SwapProposal",
    "SwapVerdict",
    "UTCDateTime",
    "Visit",
    "VisitChannel",
    "VisitRecorded",
    "VisitType",
    "VisitorKind",
    "WorkforcePolicy",
    "acting_staff",
    "add_staff",
    "approve_appointment",
    "approve_booking",
    "book",
    "booking_counts",
    "call_meeting",
    "check_in_appointment",
    "check_in_visit",
    "clock_in",
    "clock_out",
    "close_roll",
    "correct_visit",
    "create_index_concurrently",
    "create_index_ddl_concurrently",
    "decide_exit_pass",
    "decide_leave",
    "drop_index_concurrently",
    "end_employment",
    "event_cursor",
    "event_updates",
    "file_complaint",
    "get_line_site",
    "get_site",
    "get_staff",
    "global_id",
    "hookimpl",
    "issue_penalty",
    "issue_points",
    "legacy_id",
    "line_field",
    "line_link",
    "line_mutation",
    "line_node",
    "line_page",
    "line_policy",
    "line_query",
    "line_subscription",
    "line_write",
    "load_line_policy",
    "local_time",
    "make_appointment",
    "month_points",
    "node_id",
    "note_room_booking",
    "now",
    "outside_transaction",
    "parse_id",
    "penalise_unapproved_visit",
    "plugin_settings",
    "prefetched",
    "read_session",
    "record_attendance",
    "record_event",
    "register_customer",
    "request_exit_pass",
    "request_leave",
    "revoke_penalty",
    "revoke_points",
    "revoked_penalties",
    "schedule_shift",
    "set_booking_status",
    "set_staff_pay",
    "sign_roll",
    "site_zone",
    "staff_names",
    "sweep_undecided_leave",
    "transition_complaint",
    "workforce_policy_of",
    "write_session",
]
