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
  :class:`ComplaintPolicy`, :class:`DomainEvent`, :class:`DemoContext`, :class:`StaffRole`,
  :class:`PenaltyBounds`, :class:`WorkforcePolicy` (with :class:`PointsScheme` /
  :class:`PointsItem`, PM-9's monthly points table), :class:`LineInput`,
  :class:`LineInputReceived`, :class:`LineErrorCode` (a line's published error codes).
* **Rules** — :class:`Reason` (a decision's rule id and sentence), :class:`PenaltyRuleSpec`
  (an entry of a penalty table).
* **Errors** — :class:`FrontdeskError` and its kinds, each with a stable ``code``.
* **GraphQL** — :class:`Decision`, :data:`Money` (CNY decimal scalar), :func:`parse_id`,
  :func:`line_field`, :func:`line_query`, :func:`line_mutation`, :func:`line_subscription`,
  :class:`Join`, :func:`prefetched`, and the per-request helpers :func:`now`, :func:`read_session`,
  :func:`write_session`.
* **Tables** — :data:`Base` (put your tables on it, prefixed with your line code),
  :class:`UTCDateTime`, and core's ORM models for reads and foreign keys (:class:`Site`,
  :class:`Staff`, :class:`Customer`, :class:`Visit`, :class:`Complaint`, the roster's
  :class:`Shift` (PM-1: who is on night duty), the ledger's :class:`Penalty` and its
  :class:`PenaltyRule`, the workforce's :class:`Booking` and :class:`BookingStatus` (KTV-11:
  who booked the arriving guest): read them, write through the services).
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
  :func:`approve_appointment`, :func:`check_in_appointment`, :func:`book`,
  :func:`set_booking_status`.  Pure workforce rules (roll call, lateness, points) are in
  :mod:`core.plugin_api.rules`.
"""

from __future__ import annotations

from core.contracts import (
    ComplaintPolicy,
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
    SaleAttribution,
    SaleContext,
    SaleShare,
    StaffRole,
    VisitRecorded,
    WorkforcePolicy,
)
from core.db import Base
from core.decisions import Reason
from core.errors import Conflict, FrontdeskError, InvalidInput, NotFound, PermissionDenied
from core.hookspecs import LINE_HOOKS, hookimpl
from core.models import (
    Booking,
    BookingStatus,
    Complaint,
    Customer,
    CustomerClass,
    EmploymentStatus,
    GroupKind,
    InquiryKind,
    Penalty,
    PenaltyRule,
    Shift,
    Site,
    Staff,
    UTCDateTime,
    Visit,
    VisitChannel,
    VisitorKind,
)
from core.penalties import PenaltyRuleSpec
from core.plugin_api.graphql import (
    Decision,
    Join,
    LineMutation,
    Money,
    line_field,
    line_mutation,
    line_query,
    line_subscription,
    now,
    parse_id,
    prefetched,
    read_session,
    write_session,
)
from core.plugin_api.services import (
    CheckIn,
    add_staff,
    approve_appointment,
    book,
    check_in_appointment,
    check_in_visit,
    clock_in,
    clock_out,
    correct_visit,
    decide_leave,
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
    plugin_settings,
    record_attendance,
    record_event,
    register_customer,
    request_leave,
    revoke_penalty,
    revoke_points,
    revoked_penalties,
    set_booking_status,
    site_zone,
    staff_names,
    workforce_policy_of,
)

__all__ = [
    "LINE_HOOKS",
    "Base",
    "Booking",
    "BookingStatus",
    "CheckIn",
    "Complaint",
    "ComplaintPolicy",
    "Conflict",
    "Customer",
    "CustomerClass",
    "Decision",
    "DemoContext",
    "DomainEvent",
    "EmploymentStatus",
    "FrontdeskError",
    "GroupKind",
    "InquiryKind",
    "InvalidInput",
    "Join",
    "LineErrorCode",
    "LineInput",
    "LineInputReceived",
    "LineMutation",
    "MigrationBranch",
    "Money",
    "NotFound",
    "Notification",
    "Penalty",
    "PenaltyBounds",
    "PenaltyRule",
    "PenaltyRuleSpec",
    "PermissionDenied",
    "PluginInfo",
    "PointsItem",
    "PointsScheme",
    "Reason",
    "ReceptionContext",
    "ReceptionOutcome",
    "SaleAttribution",
    "SaleContext",
    "SaleShare",
    "Shift",
    "Site",
    "Staff",
    "StaffRole",
    "UTCDateTime",
    "Visit",
    "VisitChannel",
    "VisitRecorded",
    "VisitorKind",
    "WorkforcePolicy",
    "add_staff",
    "approve_appointment",
    "book",
    "check_in_appointment",
    "check_in_visit",
    "clock_in",
    "clock_out",
    "correct_visit",
    "decide_leave",
    "get_line_site",
    "get_site",
    "get_staff",
    "hookimpl",
    "issue_penalty",
    "issue_points",
    "line_field",
    "line_mutation",
    "line_policy",
    "line_query",
    "line_subscription",
    "load_line_policy",
    "local_time",
    "make_appointment",
    "month_points",
    "now",
    "parse_id",
    "plugin_settings",
    "prefetched",
    "read_session",
    "record_attendance",
    "record_event",
    "register_customer",
    "request_leave",
    "revoke_penalty",
    "revoke_points",
    "revoked_penalties",
    "set_booking_status",
    "site_zone",
    "staff_names",
    "workforce_policy_of",
    "write_session",
]
