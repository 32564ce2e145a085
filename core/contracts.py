"""The values that flow through plugin hooks (see :mod:`core.hookspecs`).

Plain dataclasses: a plugin's ``rules.py`` never imports the ORM or the web layer; its
``hooks.py`` turns these contexts into rule facts and rule decisions back into outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.appointment_rules import DEFAULT_APPOINTMENT_KINDS, AppointmentKind, BookingKind
from core.decisions import Reason

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Site, Visit


@dataclass(frozen=True)
class PluginInfo:
    code: str
    name: str
    version: str
    description: str = ""
    # The business-line code sites use, or None for a plugin that is not a business line.
    business_line: str | None = None
    # Non-line plugins may start enabled; business lines start disabled until an operator
    # switches them on.
    enabled_by_default: bool = False
    default_settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MigrationBranch:
    branch_label: str
    versions_dir: Path


@dataclass(frozen=True)
class ReceptionContext:
    """Facts of one check-in, handed to the site's business line."""

    session: AsyncSession
    site: Site
    now: datetime
    business_date: date
    customer_id: int | None
    channel: str
    inquiry_kind: str
    visitor_kind: str
    named_staff_id: int | None
    party_size: int
    # The customer's owner (RE-6 / RE-11) as core knows it, if any.
    owner_staff_id: int | None
    # The line's own typed input (``CheckInVisitInput.<line>``), or None.
    line_input: Any = None
    # Whether ``owner_staff_id`` came from the customer's company/family group (RE-11).
    owner_from_group: bool = False
    # Every plugin's stored settings ({code: {...}}), read once in this check-in's
    # transaction; ``business_date`` was computed from the same read.
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    kind: str
    message: str
    rule: str


@dataclass(frozen=True)
class ReceptionOutcome:
    receiver_id: int | None
    counted: bool
    reason: Reason
    notifications: tuple[Notification, ...] = ()
    # Anything the line wants back in ``frontdesk_visit_recorded`` (e.g. its new rotation).
    line_data: Any = None
    # JSON-able facts the line adds to the ``visit.checked_in`` event, under its code (e.g.
    # the rotation right after the reception, for the rotation board): the same event row, no
    # statement more per check-in (issue 8's budget).
    event_payload: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class VisitRecorded:
    session: AsyncSession
    site: Site
    visit: Visit
    outcome: ReceptionOutcome | None
    now: datetime


@dataclass(frozen=True)
class SaleContext:
    session: AsyncSession
    site: Site
    customer_id: int
    closed_by_id: int
    sold_at: datetime
    now: datetime


@dataclass(frozen=True)
class SaleShare:
    staff_id: int
    share: Decimal  # 1 = the whole sale, 0.5 = half


@dataclass(frozen=True)
class SaleAttribution:
    shares: tuple[SaleShare, ...]
    reason: Reason


@dataclass(frozen=True)
class ComplaintPolicy:
    severity: str
    reason: Reason
    first_response: timedelta = timedelta(hours=24)
    resolution_working_days: int = 3
    revisit_days: int | None = None
    notify_immediately: bool = False
    # C-8: wall-clock time between progress updates to the customer (policy data).
    progress_interval: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class DomainEvent:
    id: int
    stream: str
    type: str
    site_id: int | None
    subject_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass
class DemoContext:
    session: AsyncSession
    now: datetime
    progress: Callable[[str], None]
    # Filled by core's demo loader for every enabled line: its demo site.
    sites: dict[str, Site] = field(default_factory=dict)
    # The plugin host, for demo loaders that go through core services (check-ins).
    host: Any = None


@dataclass(frozen=True)
class StaffRole:
    """A staff role a line brings (membership consultant, technician, night duty manager …).

    ``code`` is what ``addStaff(role:)`` takes; core's own roles stay available everywhere.
    """

    code: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class PenaltyBounds:
    """C-14 (and C-3): the bounds of core's cross-line fines, in CNY.

    Every line's penalty table has them; a line adjusts them through the chain hook
    ``frontdesk_c14_bounds`` (it receives the previous bounds and returns new ones).
    """

    staff_fine_min: Decimal = Decimal(200)
    staff_fine_max: Decimal = Decimal(1000)
    manager_fine_min: Decimal = Decimal(100)
    manager_fine_max: Decimal = Decimal(500)
    # C-3: leading a visit without an approved appointment, treated as leaking business
    # secrets (seed 003 制度2 5.3.4: 300–20xx; *Decided* 2000).
    unapproved_visit_fine_min: Decimal = Decimal(300)
    unapproved_visit_fine_max: Decimal = Decimal(2000)


# --- Fines a line issues inside core's own transactions (issue 16: KTV-6, KTV-2/KTV-10) -------


@dataclass(frozen=True)
class ComplaintFines:
    """C-14: the entries core is about to issue for a complaint verified as caused by one
    staff member's service (``frontdesk_complaint_fines``).

    ``charges`` are core's (:class:`~core.plugin_api.ComplaintCharge`: code, who is charged —
    ``"staff"`` or ``"manager"`` —, amount, reason) in the order they will be issued; the
    line returns the charges to issue instead (e.g. KTV-6: an attitude complaint's fine 100
    under the line's own code replaces C-14's staff fine).  Every code returned must be in
    the site's penalty table and every amount within its bounds.
    """

    session: AsyncSession
    site: Site
    complaint_id: int
    complaint_number: str
    category: str
    staff_id: int
    manager_id: int | None
    # core.penalties.C14Charge (``ComplaintCharge``); typed loosely: penalties imports this module.
    charges: tuple[Any, ...]
    now: datetime


@dataclass(frozen=True)
class RollCallDecided:
    """One line of a meeting's roll was decided (``frontdesk_roll_call_decided``): at the
    close (``closeRoll``) or, for someone a room booking excused, when they sign afterwards
    (补签, KTV-10).  ``decision`` is core's (status ``present``/``late``/``absent``/
    ``excused``, minutes late, the reason naming KTV-2 or KTV-10).  The line issues its fines
    with ``issue_penalty`` in ``session`` — the roll call's own transaction."""

    session: AsyncSession
    site: Site
    meeting_id: int
    business_date: date
    entry_id: int
    staff_id: int
    # core.workforce_rules.AttendanceDecision; typed loosely: workforce_rules imports this module.
    decision: Any
    now: datetime


@dataclass(frozen=True)
class WorkforcePolicy:
    """Core's workforce numbers for one site; a line lowers or changes them through the chain
    hook ``frontdesk_workforce_policy`` (it receives the previous policy, returns a new one).

    ``swap_limit_per_month``: C-15 at most 3 swaps per person per month (seed 002 篇12: 2);
    ``swap_fine``: the fine a line attaches to a swap (CNY, None: no fine);
    ``min_rest_minutes``: two shifts of one person with less rest between them than this are
    "in a row" (C-15: neither party may end up working two shifts in a row).
    """

    swap_limit_per_month: int = 3
    swap_fine: Decimal | None = None
    min_rest_minutes: int = 60
    # Leave and absenteeism (KTV-4, PM-9); None: the line has no such rule.  ``leave_lead_days``:
    # leave is requested before the start of the business day that many days before it
    # (KTV-4: 1); ``absenteeism_wage_days``: days of the daily wage deducted per day of
    # absenteeism (KTV-4: 4); ``absenteeism_days_ending_employment``: days of absenteeism in
    # one calendar month that end the employment (KTV-4: 3).
    leave_lead_days: int | None = None
    absenteeism_wage_days: Decimal | None = None
    absenteeism_days_ending_employment: int | None = None
    # When the line's business day starts (site-local; KTV-1: 06:00): KTV-4's leave deadline
    # is the start of the previous business day.
    business_day_starts: time = time(0)
    # Attendance (PM-9).  ``absent_after_minutes_late``: arriving more than this many minutes
    # after the shift starts counts as an absence (PM-9: 30; exactly 30 is late, 31 absent);
    # None: any lateness is only late.  ``forgotten_clock_in``: what a forgotten clock-in is
    # recorded as, one of FORGOTTEN_CLOCK_IN (PM-9: "time_off_in_lieu"; core: "absence",
    # since nothing proves the person came).  ``days_off_per_month``: days off in lieu (调休)
    # a month, shared with approved leave; each one beyond counts as an absence (PM-9: 4);
    # None: no monthly allowance.
    absent_after_minutes_late: int | None = None
    forgotten_clock_in: str = "absence"
    days_off_per_month: int | None = None
    # Meetings with a roll call (KTV-2, KTV-10): ``meeting_time`` is the site-local start of
    # the pre-shift meeting when a meeting is called without one (KTV-2: 19:30; None: give
    # it each time); the roll closes ``roll_call_minutes`` after the start (KTV-2: 20:00).
    meeting_time: time | None = None
    roll_call_minutes: int = 30
    # Monthly points (PM-9); None: the line keeps no points.
    points: PointsScheme | None = None
    # C-3 visit appointments: the kinds the line receives (lead time, approvers, minimum
    # group size), by code.
    appointment_kinds: Mapping[str, AppointmentKind] = field(
        default_factory=lambda: DEFAULT_APPOINTMENT_KINDS
    )
    # C-3 at the desk: the visitor kinds (``VisitorKind`` values) whose walk-in check-ins
    # need an approved appointment (``checkInVisit(appointmentId:)``); empty: none do, and
    # a check-in naming an appointment is still checked against it.
    appointment_required_for: frozenset[str] = frozenset()
    # Generic bookings: the line's kinds by ``resourceKind`` (FC-3: the appointment book,
    # not exclusive, effective with a signature or an SMS); an unlisted kind is exclusive
    # and needs no approval (KTV rooms and tables).
    booking_kinds: Mapping[str, BookingKind] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # C-15's "in a row" compares the rest between two shifts with this; overlapping
        # shifts have a negative rest, so a negative minimum would let them through.
        if self.min_rest_minutes < 0:
            raise ValueError(
                f"min_rest_minutes must be 0 or more (C-15), got {self.min_rest_minutes}"
            )

    def booking_kind(self, code: str) -> BookingKind:
        """The line's kind ``code``, or an exclusive kind needing no approval."""
        return self.booking_kinds.get(code) or BookingKind(code, code)


@dataclass(frozen=True)
class SwapFine:
    """A fine a line attaches to a swap (``frontdesk_validate_shift_swap``): issued from the
    line's penalty table (``penalty_code``) to ``staff_id`` when the manager approves the
    swap, in the same transaction (seed 002 篇12: 20 CNY)."""

    staff_id: int
    penalty_code: str
    reason: str
    amount: Decimal | None = None  # None: the table's fixed amount


@dataclass(frozen=True)
class SwapProposal:
    """A C-15 swap as ``frontdesk_validate_shift_swap`` sees it, after core's own checks.

    ``stage``: ``"request"`` (``requestShiftSwap``) or ``"approval"`` (``approveShiftSwap``,
    checked again on the roster of that moment).  ``shift_date`` / ``payback_date``: the
    business dates of the shift given and the pay-back shift; ``swaps_this_month``: each
    party's active register entries in the month of the swapped shift, this one excluded;
    ``refusal``: core's C-15 refusal (``code``, ``reason``), or None when core allows it.
    ``session``: the caller's transaction (read, do not write: the swap may still be
    refused).
    """

    session: AsyncSession
    site: Site
    stage: str
    swap_id: int | None
    requester_id: int
    counterpart_id: int
    shift_id: int
    payback_shift_id: int
    shift_date: date
    payback_date: date
    swaps_this_month: Mapping[int, int]
    policy: WorkforcePolicy
    refusal: tuple[str, Reason] | None
    now: datetime
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SwapVerdict:
    """A line's answer to ``frontdesk_validate_shift_swap``; it replaces core's decision.

    ``refusal``: ``(code, reason)`` — the swap is refused with that error code (declare it
    with ``frontdesk_error_codes(also_in=("Workforce",))``) and reason (name the rule, e.g.
    C-15); None: the swap may go ahead (a line may waive a core refusal).  ``fines``: issued
    when the manager approves (ignored at the request stage).
    """

    refusal: tuple[str, Reason] | None = None
    fines: tuple[SwapFine, ...] = ()


#: What a forgotten clock-in may be recorded as (``WorkforcePolicy.forgotten_clock_in``).
FORGOTTEN_CLOCK_IN: frozenset[str] = frozenset({"absence", "time_off_in_lieu", "present"})


@dataclass(frozen=True)
class PointsItem:
    """One line of a points table (PM-9): what a deduction is issued for.

    ``points``: the deduction per occurrence (PM-9: late 0.5, absence 2, absenteeism 5);
    ``None`` with ``min_points``/``max_points``: issued at the supervisor's discretion within
    those bounds (unfinished daily work 0.5–1).  ``steps``: ``(count, total)`` pairs of a
    stepped rule, the month's total for this item once ``count`` occurrences are reached,
    not added to the per-occurrence points (attitude complaints: 1 each, 3 → 5 in total,
    5 → 10 in total: totals 1, 2, 5, 5, 10).  ``attendance``: the attendance status that
    issues this item automatically ("late", "absent", "absenteeism"), or None.
    """

    code: str
    rule: str
    title: str
    points: Decimal | None = None
    min_points: Decimal | None = None
    max_points: Decimal | None = None
    steps: tuple[tuple[int, Decimal], ...] = ()
    attendance: str | None = None


@dataclass(frozen=True)
class PointsScheme:
    """A monthly points scheme (PM-9): every staff member starts each month with
    ``allowance``; the balance never goes below ``floor``; reaching ``warning_at`` or below
    raises a warning, ``penalty_at`` or below a penalty (both inclusive)."""

    allowance: Decimal = Decimal(10)
    floor: Decimal = Decimal(0)
    warning_at: Decimal | None = Decimal(5)
    penalty_at: Decimal | None = Decimal(2)
    items: tuple[PointsItem, ...] = ()

    def item(self, code: str) -> PointsItem | None:
        return next((i for i in self.items if i.code == code), None)


@dataclass(frozen=True)
class LineInput:
    """A line's field on a core input type, e.g. ``CheckInVisitInput.realestate``.

    ``input`` is one of ``CheckInVisitInput``, ``CreateSiteInput``, ``AddStaffInput``,
    ``RegisterCustomerInput``, ``FileComplaintInput``; name the field after your line; ``type``
    is a strawberry input class.  The value reaches the line as ``line_input``.
    """

    input: str
    name: str
    type: Any
    description: str


@dataclass(frozen=True)
class LineInputReceived:
    """A line's field on a core input reached core (``frontdesk_line_input_received``).

    Core has written the entity (``subject_id``: the new site, staff member, customer or
    complaint) in ``session``; store the line's facts in the same transaction.
    """

    session: AsyncSession
    site: Site
    input: str
    subject_id: int
    value: Any
    now: datetime


@dataclass(frozen=True)
class LineErrorCode:
    """An error code a line raises (``frontdesk_error_codes``), published in the schema.

    Every code a line's mutations raise is a value of the line's ``<Line>ErrorCode`` enum
    (with core's common and penalty codes).  ``also_in`` names the core domains whose
    mutations the line's hooks can refuse with it — ``"Visit"`` for a check-in refused by
    ``frontdesk_receive_visit``, ``"Directory"``, ``"Complaint"`` — so the code is in
    ``VisitErrorCode`` … too (issue 17)."""

    code: str
    description: str
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineMutation:
    """A line's mutation as declared with :func:`line_mutation`; ``schema.build`` makes it a
    field following the schema 1.0 convention (``<Name>Input``, ``<Name>Payload``)."""

    resolver: Callable[..., Any]
    name: str
    description: str
    permission: str
    input_type: type
    result_type: Any
    result_field: str
    result_description: str


# --- Complaint transitions a line may refuse (issue 15, PM-5 / PM-6) --------------------------


@dataclass(frozen=True)
class ComplaintTransition:
    """A complaint about to move along its lifecycle (C-9), as
    ``frontdesk_validate_complaint_transition`` sees it, inside the change's transaction.

    ``complaint`` is core's locked :class:`~core.models.Complaint` row *before* the move:
    read it, never change it (the line writes its own rows, if any, in ``session``).
    ``previous`` and ``target`` are status values (``"resolved"``, ``"closed"`` …);
    ``actor_id`` is the staff member who makes the change; ``settings`` every plugin's stored
    settings (``{code: {...}}``).
    """

    session: AsyncSession
    site: Site
    complaint: Any
    previous: str
    target: str
    actor_id: int
    now: datetime
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
