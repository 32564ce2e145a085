"""The part of the public plugin API a line's pure ``rules.py`` / ``policy.py`` needs.

Importing only this keeps rules free of the web and ORM layers: a decision's
:class:`Reason`, the entries of a penalty table (:class:`PenaltyRuleSpec`), the C-3
appointment rules and the workforce rules (lateness and absence, PM-9; the roll call,
KTV-2/KTV-10; days off, leave deadlines and absenteeism, KTV-4/C-15; exit passes, KTV-5;
monthly points with stepped items and thresholds, PM-9) and a site's working-day calendar
(:class:`WorkingCalendar` / :func:`calendar_for`, C-11: weekends, public holidays, make-up
working days; PM-5's working-day deadlines).
"""

from __future__ import annotations

from core.appointment_rules import (
    BOOKING_APPROVALS,
    DEFAULT_APPOINTMENT_KINDS,
    AppointmentFacts,
    AppointmentKind,
    BookingFacts,
    BookingKind,
    appointment_refusal,
    booking_validity,
    check_in_refusal,
)
from core.calendar import WorkingCalendar, calendar_for
from core.decisions import Reason
from core.penalties import PenaltyRuleSpec, check_amount
from core.workforce_rules import (
    AttendanceDecision,
    LeaveFacts,
    PointsOccurrence,
    absenteeism_wage_deduction,
    clock_in_decision,
    day_off_decision,
    early_leave_reason,
    employment_ended_by_absenteeism,
    forgotten_clock_in_decision,
    item_total,
    lapsed_leave_reason,
    leave_absenteeism,
    leave_day_start,
    leave_request_deadline,
    minutes_late,
    points_balance,
    points_threshold_crossed,
    roll_call_status,
    shift_window,
)

__all__ = [
    "BOOKING_APPROVALS",
    "DEFAULT_APPOINTMENT_KINDS",
    "AppointmentFacts",
    "AppointmentKind",
    "AttendanceDecision",
    "BookingFacts",
    "BookingKind",
    "LeaveFacts",
    "PenaltyRuleSpec",
    "PointsOccurrence",
    "Reason",
    "WorkingCalendar",
    "absenteeism_wage_deduction",
    "appointment_refusal",
    "booking_validity",
    "calendar_for",
    "check_amount",
    "check_in_refusal",
    "clock_in_decision",
    "day_off_decision",
    "early_leave_reason",
    "employment_ended_by_absenteeism",
    "forgotten_clock_in_decision",
    "item_total",
    "lapsed_leave_reason",
    "leave_absenteeism",
    "leave_day_start",
    "leave_request_deadline",
    "minutes_late",
    "points_balance",
    "points_threshold_crossed",
    "roll_call_status",
    "shift_window",
]
