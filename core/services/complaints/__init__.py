"""Complaints (C-5 .. C-14): filing and numbering, lifecycle, deadlines, overdue, escalation,
C-14 fines and statistics.

The rules themselves are pure and live in :mod:`core.complaint_rules` and
:mod:`core.calendar`; this package applies them to rows.  Every change writes, in the caller's
transaction, the complaint row, one :class:`~core.models.ComplaintHistoryEntry` (who, when,
why, from, to — C-9) and one event on the ``complaints`` stream.  A refused change raises a
:class:`~core.errors.FrontdeskError` *before* anything is added to the session, and the
caller's transaction (``fd.write()``) rolls back whatever an error leaves behind.

Deadlines are stored on the complaint (``first_response_due``, ``resolution_due``,
``special_case_due``, ``revisit_due``) so that "overdue" is a SQL predicate
(:func:`overdue_condition`); they are recomputed with :func:`compute_deadlines` whenever a
change moves them: a pause or a resume (waiting on the customer), the resolution (the revisit
window starts) and a reopening (a new cycle starts, see the rules module's docstring).

One module per seam:

- :mod:`.common`: the stream, the change result, stored targets and deadlines, and the steps
  every change shares (row lock, actor, time order, deadline refresh, history + event);
- :mod:`.filing`: C-5 / C-6 / C-7 filing and numbering, the line's policy (PM-4 / PM-5);
- :mod:`.lifecycle`: C-9 transitions and assignment;
- :mod:`.escalation`: C-10;
- :mod:`.fault`: C-14 fault verification and fines;
- :mod:`.overdue`: C-8 / C-11 / C-9 revisit deadlines missed, and the sweep;
- :mod:`.statistics`: C-12.

Import from this package (``from core.services import complaints``); the names below are its
public surface, as they were when it was one module.
"""

from __future__ import annotations

from core.services.complaints.common import (
    COMPANY_WIDE_ROLES,
    STREAM,
    ComplaintChange,
    basis_of,
    deadlines_of,
    site_calendar,
    targets_of,
)
from core.services.complaints.escalation import escalate_complaint
from core.services.complaints.fault import (
    C14_MANAGER_CODE,
    C14_STAFF_CODE,
    FaultVerification,
    verify_complaint_fault,
)
from core.services.complaints.filing import (
    DEFAULT_POLICY_REASON,
    MAX_CATEGORY_LENGTH,
    MAX_FLAG_LENGTH,
    MAX_FLAGS,
    ComplaintFiling,
    FiledComplaint,
    allocate_serial,
    file_complaint,
    targets_from_policy,
)
from core.services.complaints.lifecycle import (
    assign_complaint,
    mark_special_case,
    record_progress_update,
    transition_complaint,
)
from core.services.complaints.overdue import (
    SWEEP_BATCH,
    OverdueKind,
    OverdueMark,
    overdue_condition,
    overdue_decisions,
    sweep_overdue,
    sweep_overdue_batch,
    sweep_overdue_in_batches,
)
from core.services.complaints.statistics import (
    ComplaintStatistics,
    StatisticsPeriod,
    complaint_statistics,
    statistics_window,
)

__all__ = [
    "C14_MANAGER_CODE",
    "C14_STAFF_CODE",
    "COMPANY_WIDE_ROLES",
    "DEFAULT_POLICY_REASON",
    "MAX_CATEGORY_LENGTH",
    "MAX_FLAGS",
    "MAX_FLAG_LENGTH",
    "STREAM",
    "SWEEP_BATCH",
    "ComplaintChange",
    "ComplaintFiling",
    "ComplaintStatistics",
    "FaultVerification",
    "FiledComplaint",
    "OverdueKind",
    "OverdueMark",
    "StatisticsPeriod",
    "allocate_serial",
    "assign_complaint",
    "basis_of",
    "complaint_statistics",
    "deadlines_of",
    "escalate_complaint",
    "file_complaint",
    "mark_special_case",
    "overdue_condition",
    "overdue_decisions",
    "record_progress_update",
    "site_calendar",
    "statistics_window",
    "sweep_overdue",
    "sweep_overdue_batch",
    "sweep_overdue_in_batches",
    "targets_from_policy",
    "targets_of",
    "transition_complaint",
    "verify_complaint_fault",
]
