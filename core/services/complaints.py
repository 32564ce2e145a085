"""Complaints (C-5 .. C-14): filing and numbering, lifecycle, deadlines, overdue, escalation,
C-14 fines and statistics.

The rules themselves are pure and live in :mod:`core.complaint_rules` and
:mod:`core.calendar`; this module applies them to rows.  Every change writes, in the caller's
transaction, the complaint row, one :class:`~core.models.ComplaintHistoryEntry` (who, when,
why, from, to — C-9) and one event on the ``complaints`` stream.  A refused change raises a
:class:`~core.errors.FrontdeskError` *before* anything is added to the session, and the
caller's transaction (``fd.write()``) rolls back whatever an error leaves behind.

Deadlines are stored on the complaint (``first_response_due``, ``resolution_due``,
``special_case_due``, ``revisit_due``) so that "overdue" is a SQL predicate
(:func:`overdue_condition`); they are recomputed with :func:`compute_deadlines` whenever a
change moves them: a pause or a resume (waiting on the customer), the resolution (the revisit
window starts) and a reopening (a new cycle starts, see the rules module's docstring).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, func, nulls_last, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import WorkingCalendar, calendar_for
from core.complaint_rules import (
    DEFAULT_TARGETS,
    ComplaintChannel,
    ComplaintStatus,
    ComplaintTargets,
    Deadlines,
    EscalationLevel,
    compute_deadlines,
    escalate,
    format_complaint_number,
    overdue_reasons,
    transition,
    validate_channel_details,
)
from core.contracts import ComplaintPolicy, Notification
from core.decisions import Reason
from core.errors import Conflict, InvalidInput, NotFound, PluginError
from core.events import record_event
from core.models import (
    Complaint,
    ComplaintAction,
    ComplaintHistoryEntry,
    ComplaintPause,
    ComplaintSerial,
    Customer,
    Event,
    Penalty,
    Site,
    Staff,
    Visit,
)
from core.plugins import PluginHost
from core.services.directory import get_site, get_staff_at
from core.services.penalties import issue_penalty

__all__ = [
    "C14_MANAGER_CODE",
    "C14_STAFF_CODE",
    "STREAM",
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
    "complaint_statistics",
    "deadlines_of",
    "escalate_complaint",
    "file_complaint",
    "overdue_condition",
    "overdue_decisions",
    "site_calendar",
    "sweep_overdue",
    "targets_from_policy",
    "targets_of",
    "transition_complaint",
    "verify_complaint_fault",
]

STREAM: Final = "complaints"

# C-14 entries of a business line's penalty table carry these codes (the real-estate table
# does; every line that fines under C-14 must use the same two).
C14_STAFF_CODE: Final = "C-14-staff"
C14_MANAGER_CODE: Final = "C-14-manager"

# C-10: the vice president and the general manager act on complaints of every site, though
# their staff record belongs to one (head office) site.
COMPANY_WIDE_ROLES: Final = frozenset({"vice_president", "general_manager"})

MAX_FLAGS: Final = 20
MAX_FLAG_LENGTH: Final = 32
MAX_CATEGORY_LENGTH: Final = 64

DEFAULT_POLICY_REASON: Final = Reason(
    "C-11",
    f"general complaint: first response within "
    f"{DEFAULT_TARGETS.first_response // timedelta(hours=1)} hours (C-8), resolved within "
    f"{DEFAULT_TARGETS.resolution_working_days} working days of the site's calendar, at most "
    f"{DEFAULT_TARGETS.special_case_max_working_days} for special cases, revisited within "
    f"{DEFAULT_TARGETS.revisit_days} days of the fix",
)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ComplaintFiling:
    """The facts of a complaint as taken at the desk (C-5, C-7)."""

    site_id: int
    channel: ComplaintChannel | str
    category: str
    description: str
    # C-7: when the complaint was received and who took it; the filing time (and so the
    # number's month, the deadlines and the statistics period) is ``received_at``.
    received_at: datetime
    taken_by_id: int
    caller_company: str | None = None
    caller_name: str | None = None
    customer_name: str | None = None
    customer_id: int | None = None
    visit_id: int | None = None
    # PM-4 facts for the line's policy.
    households: int | None = None
    flags: Sequence[str] = ()
    handler_id: int | None = None


@dataclass(frozen=True)
class FiledComplaint:
    complaint: Complaint
    decision: Reason
    notifications: tuple[Notification, ...] = ()


@dataclass(frozen=True)
class ComplaintChange:
    complaint: Complaint
    decision: Reason


@dataclass(frozen=True)
class FaultVerification:
    complaint: Complaint
    penalties: tuple[Penalty, ...]
    decision: Reason


class OverdueKind(enum.StrEnum):
    """The deadlines the overdue sweep watches, each reported once per cycle."""

    FIRST_RESPONSE = "first_response"  # C-8
    RESOLUTION = "resolution"  # C-11
    REVISIT = "revisit"  # C-9 / PM-5


@dataclass(frozen=True)
class OverdueMark:
    complaint: Complaint
    kind: OverdueKind
    due: datetime
    reason: Reason


class StatisticsPeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class ComplaintStatistics:
    """C-12 counts for complaints filed at one site in one week or month (site-local)."""

    site_id: int
    period: StatisticsPeriod
    first_day: date
    last_day: date
    starts_at: datetime
    ends_at: datetime
    total: int
    by_category: list[tuple[str, int]]
    by_severity: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    by_handler: list[tuple[int | None, int]]
    resolved: int
    resolved_on_time: int
    reason: Reason
    handlers: dict[int, Staff] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return None if self.resolved == 0 else self.resolved_on_time / self.resolved


# ---------------------------------------------------------------------------------------------
# Pure helpers


def site_calendar(site: Site) -> WorkingCalendar:
    """The site's working-day calendar (C-11)."""
    return calendar_for(site.calendar_region, site.timezone)


def targets_of(complaint: Complaint) -> ComplaintTargets:
    """The targets stored on the complaint when it was filed."""
    return ComplaintTargets(
        first_response=timedelta(minutes=complaint.first_response_minutes),
        resolution_working_days=complaint.resolution_working_days,
        special_case_max_working_days=complaint.special_case_working_days,
        revisit_days=complaint.revisit_days,
        severity=complaint.severity,  # type: ignore[arg-type]
    )


def deadlines_of(complaint: Complaint) -> Deadlines | None:
    """The stored due times as a :class:`Deadlines` (for :func:`overdue_reasons`).

    None for a row filed before due times were stored (migration c0002): its deadlines are
    computed, with its site's calendar, at its next change.
    """
    if complaint.first_response_due is None:
        return None
    return Deadlines(
        filed_at=complaint.cycle_started_at,
        targets=targets_of(complaint),
        first_response_due=complaint.first_response_due,
        resolution_due=complaint.resolution_due,
        special_case_due=complaint.special_case_due,
        revisit_due=complaint.revisit_due,
    )


def targets_from_policy(policy: ComplaintPolicy | None) -> tuple[ComplaintTargets, Reason, bool]:
    """Targets, the reason for them and whether to report at once, from a line's answer to
    ``frontdesk_complaint_policy`` (None: the C-8 / C-11 defaults, general severity)."""
    if policy is None:
        return DEFAULT_TARGETS, DEFAULT_POLICY_REASON, False
    try:
        if policy.first_response % timedelta(minutes=1):
            raise ValueError("first_response must be a whole number of minutes")
        targets = ComplaintTargets(
            first_response=policy.first_response,
            resolution_working_days=policy.resolution_working_days,
            special_case_max_working_days=max(
                DEFAULT_TARGETS.special_case_max_working_days, policy.resolution_working_days
            ),
            revisit_days=policy.revisit_days or DEFAULT_TARGETS.revisit_days,
            severity=policy.severity,  # type: ignore[arg-type]
        )
    except (TypeError, ValueError) as exc:
        raise PluginError(
            f"the business line's complaint policy is invalid ({exc}); fix the plugin's "
            "policy data",
            code="INVALID_COMPLAINT_POLICY",
        ) from exc
    return targets, policy.reason, policy.notify_immediately


def _aware(moment: datetime, field_name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field_name} needs a time zone offset, e.g. 2026-11-24T10:00:00+08:00",
            code="NAIVE_DATETIME",
            field=field_name,
        )
    return moment


def _required_text(value: str | None, field_name: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field_name} must not be empty", code="REQUIRED", field=field_name)
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(
            f"{field_name} is longer than {max_length} characters",
            code="TOO_LONG",
            field=field_name,
        )
    return text


def _optional_text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _flags(raw: Sequence[str]) -> list[str]:
    out: list[str] = []
    for flag in raw:
        text = (flag or "").strip().lower()
        if not text:
            continue
        if len(text) > MAX_FLAG_LENGTH:
            raise InvalidInput(
                f"flag {text[:40]!r} is longer than {MAX_FLAG_LENGTH} characters",
                code="INVALID_FLAG",
                field="flags",
            )
        if text not in out:
            out.append(text)
    if len(out) > MAX_FLAGS:
        raise InvalidInput(f"at most {MAX_FLAGS} flags", code="INVALID_FLAG", field="flags")
    return out


def _money(amount: Decimal | None) -> str | None:
    # As the ledger stores it (Numeric(12, 2)): 300 → "300.00".
    return None if amount is None else f"{amount:.2f}"


def _level_name(level: int) -> str:
    return EscalationLevel(level).name.lower()


# ---------------------------------------------------------------------------------------------
# Shared steps


async def _lock_complaint(session: AsyncSession, complaint_id: int) -> Complaint:
    # The row lock serialises changes to one complaint (two handlers, or a change racing the
    # overdue sweep) on PostgreSQL; SQLite serialises writers anyway.
    complaint = await session.scalar(
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if complaint is None:
        raise NotFound(
            f"complaint {complaint_id} does not exist",
            code="COMPLAINT_NOT_FOUND",
            field="complaintId",
        )
    return complaint


async def _actor(
    session: AsyncSession, staff_id: int, site_id: int, field_name: str = "actorStaffId"
) -> Staff:
    """Who makes a change (C-9): staff of the site, or a company-wide role (C-10)."""
    staff = await session.get(Staff, staff_id)
    if staff is None or (staff.site_id != site_id and staff.role not in COMPANY_WIDE_ROLES):
        raise NotFound(
            f"staff {staff_id} does not work at site {site_id} (only a vice president or the "
            "general manager may act on another site's complaints)",
            code="STAFF_NOT_FOUND",
            field=field_name,
        )
    return staff


def _check_order(complaint: Complaint, now: datetime) -> None:
    # C-9 history is in time order: a change dated before the last one would rewrite it.
    if now < complaint.updated_at:
        raise InvalidInput(
            f"this change is dated {now.isoformat()}, before the complaint's last change at "
            f"{complaint.updated_at.isoformat()}; record changes in time order",
            code="OUT_OF_ORDER",
        )


async def _refresh_deadlines(
    session: AsyncSession, complaint: Complaint, calendar: WorkingCalendar
) -> Deadlines:
    await session.flush()
    pauses = (
        await session.scalars(
            select(ComplaintPause)
            .where(
                ComplaintPause.complaint_id == complaint.id,
                ComplaintPause.cycle == complaint.cycle,
            )
            .order_by(ComplaintPause.started_at, ComplaintPause.id)
        )
    ).all()
    deadlines = compute_deadlines(
        complaint.cycle_started_at,
        targets_of(complaint),
        calendar,
        [(p.started_at, p.ended_at) for p in pauses],
        resolved_at=complaint.resolved_at,
    )
    complaint.first_response_due = deadlines.first_response_due
    complaint.resolution_due = deadlines.resolution_due
    complaint.special_case_due = deadlines.special_case_due
    complaint.revisit_due = deadlines.revisit_due
    return deadlines


def _due_payload(complaint: Complaint) -> dict[str, str | None]:
    return {
        name: (value.isoformat() if value is not None else None)
        for name, value in (
            ("first_response_due", complaint.first_response_due),
            ("resolution_due", complaint.resolution_due),
            ("special_case_due", complaint.special_case_due),
            ("revisit_due", complaint.revisit_due),
        )
    }


async def _record(
    session: AsyncSession,
    complaint: Complaint,
    *,
    event_type: str,
    action: ComplaintAction,
    reason: Reason,
    now: datetime,
    actor: Staff | None,
    note: str = "",
    from_value: str | None = None,
    to_value: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """The event and the history entry of one change (C-9), in the caller's transaction."""
    event = await record_event(
        session,
        stream=STREAM,
        type=event_type,
        now=now,
        site_id=complaint.site_id,
        subject_id=complaint.id,
        payload={
            "number": complaint.number,
            "cycle": complaint.cycle,
            "from": from_value,
            "to": to_value,
            "actor_staff_id": actor.id if actor else None,
            "actor": actor.name if actor else None,
            "reason": note,
            "rule": reason.rule,
            "message": reason.message,
            **(payload or {}),
        },
    )
    session.add(
        ComplaintHistoryEntry(
            complaint_id=complaint.id,
            cycle=complaint.cycle,
            action=action,
            from_value=from_value,
            to_value=to_value,
            actor_staff_id=actor.id if actor else None,
            note=note,
            rule=reason.rule,
            message=reason.message,
            event_id=event.id,
            occurred_at=now,
        )
    )
    await session.flush()
    return event


async def allocate_serial(session: AsyncSession, site_id: int, period: date) -> int:
    """The next C-6 serial of ``site_id`` in the month starting ``period``.

    One statement that inserts the month's counter at 1 or increments it, returning the new
    value; the row stays locked until the filing transaction ends, so concurrent filings at
    one site get consecutive serials and a rolled-back filing leaves no gap.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two supported backends are above
        raise NotImplementedError(f"complaint numbering does not support {dialect}")
    stmt = (
        insert(ComplaintSerial)
        .values(site_id=site_id, period=period, last_serial=1)
        .on_conflict_do_update(
            index_elements=[ComplaintSerial.site_id, ComplaintSerial.period],
            set_={"last_serial": ComplaintSerial.last_serial + 1},
        )
        .returning(ComplaintSerial.last_serial)
    )
    return int((await session.execute(stmt)).scalar_one())


# ---------------------------------------------------------------------------------------------
# C-5 / C-6 / C-7 filing


async def file_complaint(
    session: AsyncSession, host: PluginHost, filing: ComplaintFiling, now: datetime
) -> FiledComplaint:
    """File a complaint: validate the channel's details (C-7), ask the site's line for the
    severity and targets (``frontdesk_complaint_policy``; PM-4 / PM-5), number it in the
    site's local month (C-6) and store its deadlines (C-8 / C-11)."""
    _aware(now, "now")
    site = await get_site(session, filing.site_id)
    if site.business_line not in host.enabled_lines():
        raise InvalidInput(
            f"site {site.id} belongs to the disabled business line {site.business_line!r}; "
            "enable the line to file complaints there",
            code="BUSINESS_LINE_DISABLED",
        )
    received_at = _aware(filing.received_at, "receivedAt")
    if received_at > now:
        raise InvalidInput(
            f"receivedAt {received_at.isoformat()} is in the future",
            code="RECEIVED_IN_FUTURE",
            field="receivedAt",
        )
    category = _required_text(filing.category, "category", MAX_CATEGORY_LENGTH)
    description = _required_text(filing.description, "description")
    taken_by = await get_staff_at(session, filing.taken_by_id, site.id, "takenById")
    customer = None
    visit = None
    customer_id = filing.customer_id
    if filing.visit_id is not None:
        visit = await session.get(Visit, filing.visit_id)
        if visit is None or visit.site_id != site.id:
            raise NotFound(
                f"visit {filing.visit_id} is not in the register of site {site.id}",
                code="VISIT_NOT_FOUND",
                field="visitId",
            )
        if customer_id is None:
            customer_id = visit.customer_id
        elif visit.customer_id is not None and visit.customer_id != customer_id:
            raise InvalidInput(
                f"visit {visit.id} is customer {visit.customer_id}'s, not customer {customer_id}'s",
                code="VISIT_CUSTOMER_MISMATCH",
                field="customerId",
            )
    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.site_id != site.id:
            raise NotFound(
                f"customer {customer_id} is not registered at site {site.id}",
                code="CUSTOMER_NOT_FOUND",
                field="customerId",
            )
    handler = None
    if filing.handler_id is not None:
        handler = await get_staff_at(session, filing.handler_id, site.id, "handlerId")
    if filing.households is not None and filing.households < 1:
        raise InvalidInput(
            "households must be at least 1", code="INVALID_HOUSEHOLDS", field="households"
        )
    flags = _flags(filing.flags)
    details: dict[str, Any] = {
        "caller_company": _optional_text(filing.caller_company),
        "caller_name": _optional_text(filing.caller_name),
        "customer_name": _optional_text(filing.customer_name)
        or (customer.name if customer is not None else None),
        "received_at": received_at,
        "taken_by": taken_by.id,
    }
    details = {k: v for k, v in details.items() if v is not None}
    validate_channel_details(filing.channel, details)  # C-7: names every missing detail
    channel = ComplaintChannel(filing.channel)

    facts = {
        "category": category,
        "description": description,
        "channel": channel.value,
        "households": filing.households,
        "flags": list(flags),
        "customer_id": customer.id if customer else None,
        "visit_id": visit.id if visit else None,
        "received_at": received_at,
    }
    policy = await host.acall_line(
        site.business_line, "frontdesk_complaint_policy", site=site, complaint=facts
    )
    targets, policy_reason, notify = targets_from_policy(policy)

    calendar = site_calendar(site)
    deadlines = compute_deadlines(received_at, targets, calendar)
    local_day = calendar.local_date(received_at)
    serial = await allocate_serial(session, site.id, local_day.replace(day=1))
    number = format_complaint_number(local_day, serial)  # C-6: the site's local month
    complaint = Complaint(
        site_id=site.id,
        number=number,
        customer_id=customer.id if customer else None,
        visit_id=visit.id if visit else None,
        channel=channel.value,
        channel_details={**details, "received_at": received_at.isoformat()},
        category=category,
        severity=targets.severity,
        status=ComplaintStatus.RECEIVED.value,
        description=description,
        filed_at=received_at,
        handler_id=handler.id if handler else None,
        escalation_level=int(EscalationLevel.HANDLER),
        households=filing.households,
        flags=flags,
        policy_rule=policy_reason.rule,
        policy_reason=policy_reason.message,
        first_response_minutes=targets.first_response // timedelta(minutes=1),
        resolution_working_days=targets.resolution_working_days,
        special_case_working_days=targets.special_case_max_working_days,
        revisit_days=targets.revisit_days,
        recorded_at=now,
        updated_at=now,
        cycle=1,
        cycle_started_at=received_at,
        first_response_due=deadlines.first_response_due,
        resolution_due=deadlines.resolution_due,
        special_case_due=deadlines.special_case_due,
        revisit_due=None,
    )
    session.add(complaint)
    await session.flush()
    channel_label = channel.value.replace("_", " ")
    decision = Reason(
        policy_reason.rule,
        f"complaint {number} ({channel_label}) is {targets.severity}: {policy_reason.message}",
    )
    await _record(
        session,
        complaint,
        event_type="complaint.filed",
        action=ComplaintAction.FILED,
        reason=Reason(decision.rule, f"{taken_by.name} took the complaint; {decision.message}"),
        now=now,
        actor=taken_by,
        to_value=ComplaintStatus.RECEIVED.value,
        payload={
            "severity": targets.severity,
            "category": category,
            "channel": channel.value,
            "handler_id": complaint.handler_id,
            **_due_payload(complaint),
        },
    )
    notifications: tuple[Notification, ...] = ()
    if notify:
        # PM-4: a major complaint is reported at once to the department manager and the
        # centre's leadership; the event is the report.
        note = Notification(
            kind="complaint.report_immediately",
            rule=policy_reason.rule,
            message=f"report complaint {number} at once: {policy_reason.message}",
        )
        await record_event(
            session,
            stream="notifications",
            type=note.kind,
            now=now,
            site_id=site.id,
            subject_id=complaint.id,
            payload={"rule": note.rule, "message": note.message, "number": number},
        )
        notifications = (note,)
    return FiledComplaint(complaint=complaint, decision=decision, notifications=notifications)


# ---------------------------------------------------------------------------------------------
# C-9 lifecycle


async def transition_complaint(
    session: AsyncSession,
    complaint_id: int,
    target: ComplaintStatus | str,
    actor_staff_id: int,
    reason: str | None,
    now: datetime,
) -> ComplaintChange:
    """Move a complaint along its lifecycle (C-9) with the pure :func:`transition`.

    Raises the rule's :class:`~core.complaint_rules.IllegalTransition` (``ILLEGAL_TRANSITION``)
    or ``REASON_REQUIRED`` before anything is written.  Waiting on the customer opens a pause
    and resuming closes it (C-11: the resolution clock stands still in between); resolving
    starts the revisit window; reopening starts a new deadline cycle.  Acknowledging a
    complaint that has no handler makes the acknowledging staff member its handler.
    """
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    decision = transition(complaint.status, target, actor=actor.name, reason=reason or "", now=now)
    site = await session.get_one(Site, complaint.site_id)
    previous, goal = decision.previous, decision.status

    if decision.pauses_clock:
        session.add(
            ComplaintPause(complaint_id=complaint.id, cycle=complaint.cycle, started_at=now)
        )
    if decision.resumes_clock:
        open_pause = await session.scalar(
            select(ComplaintPause).where(
                ComplaintPause.complaint_id == complaint.id,
                ComplaintPause.cycle == complaint.cycle,
                ComplaintPause.ended_at.is_(None),
            )
        )
        if open_pause is not None:
            open_pause.ended_at = now
    if goal is ComplaintStatus.ACKNOWLEDGED or (
        goal is ComplaintStatus.IN_PROGRESS and previous is ComplaintStatus.REOPENED
    ):
        # C-8: the first response of the cycle (a reopened complaint answers again).
        complaint.first_responded_at = now
    elif goal is ComplaintStatus.RESOLVED:
        complaint.resolved_at = now
    elif goal is ComplaintStatus.REVISITED:
        complaint.revisited_at = now
    elif goal is ComplaintStatus.CLOSED:
        complaint.closed_at = now
    elif goal is ComplaintStatus.REOPENED:
        # seed 003 制度1 第九条(八): a reopened complaint is investigated again as a new
        # case: new deadlines from now, no pauses, and its overdue reports start afresh.
        complaint.cycle += 1
        complaint.cycle_started_at = now
        complaint.first_responded_at = None
        complaint.resolved_at = None
        complaint.revisited_at = None
        complaint.first_response_overdue_at = None
        complaint.resolution_overdue_at = None
        complaint.revisit_overdue_at = None
    complaint.status = goal.value
    complaint.updated_at = now
    await _refresh_deadlines(session, complaint, site_calendar(site))

    await _record(
        session,
        complaint,
        event_type=f"complaint.{goal.value}",
        action=ComplaintAction.TRANSITION,
        reason=decision.reason,
        now=now,
        actor=actor,
        note=decision.note,
        from_value=previous.value,
        to_value=goal.value,
        payload=_due_payload(complaint),
    )
    if goal is ComplaintStatus.ACKNOWLEDGED and complaint.handler_id is None:
        complaint.handler_id = actor.id
        await _record(
            session,
            complaint,
            event_type="complaint.assigned",
            action=ComplaintAction.ASSIGNED,
            reason=Reason(
                "C-9",
                f"{actor.name} gave the first response to an unassigned complaint and handles it",
            ),
            now=now,
            actor=actor,
            to_value=str(actor.id),
            payload={"handler_id": actor.id},
        )
    return ComplaintChange(complaint=complaint, decision=decision.reason)


async def assign_complaint(
    session: AsyncSession,
    complaint_id: int,
    handler_id: int,
    actor_staff_id: int,
    reason: str | None,
    now: datetime,
) -> ComplaintChange:
    """Give a complaint to a handler (the first level of C-10) at its site."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    handler = await get_staff_at(session, handler_id, complaint.site_id, "handlerId")
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(
            f"complaint {complaint.number} is closed; reopen it before assigning it",
            code="COMPLAINT_CLOSED",
        )
    if complaint.handler_id == handler.id:
        raise Conflict(
            f"{handler.name} already handles complaint {complaint.number}",
            code="ALREADY_HANDLER",
        )
    why = (reason or "").strip()
    previous = complaint.handler_id
    complaint.handler_id = handler.id
    complaint.updated_at = now
    message = f"{actor.name} gave complaint {complaint.number} to {handler.name}"
    decision = Reason("C-9", f"{message}: {why}" if why else message)
    await _record(
        session,
        complaint,
        event_type="complaint.assigned",
        action=ComplaintAction.ASSIGNED,
        reason=decision,
        now=now,
        actor=actor,
        note=why,
        from_value=str(previous) if previous is not None else None,
        to_value=str(handler.id),
        payload={"handler_id": handler.id, "previous_handler_id": previous},
    )
    return ComplaintChange(complaint=complaint, decision=decision)


# ---------------------------------------------------------------------------------------------
# C-10 escalation


async def escalate_complaint(
    session: AsyncSession,
    complaint_id: int,
    actor_staff_id: int,
    reason: str,
    now: datetime,
) -> ComplaintChange:
    """One step up the chain (C-10); the ``complaint.escalated`` event is the notification of
    the next level.  ``ALREADY_AT_TOP`` with the general manager, ``REASON_REQUIRED`` without
    a reason."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(
            f"complaint {complaint.number} is closed; reopen it if the customer is still "
            "unsatisfied",
            code="COMPLAINT_CLOSED",
        )
    previous = EscalationLevel(complaint.escalation_level)
    level, rule_reason = escalate(previous, reason)
    complaint.escalation_level = int(level)
    complaint.updated_at = now
    decision = Reason(rule_reason.rule, f"{actor.name} {rule_reason.message}")
    await _record(
        session,
        complaint,
        event_type="complaint.escalated",
        action=ComplaintAction.ESCALATED,
        reason=decision,
        now=now,
        actor=actor,
        note=reason.strip(),
        from_value=_level_name(previous),
        to_value=_level_name(level),
        payload={"level": int(level), "previous_level": int(previous)},
    )
    return ComplaintChange(complaint=complaint, decision=decision)


# ---------------------------------------------------------------------------------------------
# C-14 fault and fines


async def verify_complaint_fault(
    session: AsyncSession,
    *,
    complaint_id: int,
    staff_id: int,
    fine_amount: Decimal | None,
    reason: str,
    actor_staff_id: int,
    now: datetime,
    manager_id: int | None = None,
    manager_fine_amount: Decimal | None = None,
) -> FaultVerification:
    """C-14: the complaint was caused by ``staff_id``'s service.  Fines them (and the site's
    first-responsible manager, when given) from the site's penalty table, in this
    transaction, with the complaint as the penalties' reason.  Amounts outside the table's
    bounds raise ``PENALTY_AMOUNT_OUT_OF_RANGE`` and, the transaction rolling back, nothing
    is written."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput(
            "say why the complaint is the staff member's fault (reason)",
            code="REASON_REQUIRED",
            field="reason",
        )
    if complaint.staff_at_fault_id is not None:
        raise Conflict(
            f"complaint {complaint.number} was already verified as staff "
            f"{complaint.staff_at_fault_id}'s fault; revoke its penalties to correct it",
            code="FAULT_ALREADY_VERIFIED",
        )
    if (manager_id is None) != (manager_fine_amount is None):
        raise InvalidInput(
            "give both managerId and managerFineAmount (C-14 fines the first-responsible "
            "manager too), or neither",
            code="MANAGER_FINE_INCOMPLETE",
            field="managerFineAmount",
        )
    if manager_id is not None and manager_id == staff_id:
        raise InvalidInput(
            "the staff member at fault cannot also be fined as their own first-responsible manager",
            code="MANAGER_IS_STAFF_AT_FAULT",
            field="managerId",
        )
    staff = await get_staff_at(session, staff_id, complaint.site_id, "staffId")
    manager = None
    if manager_id is not None:
        manager = await get_staff_at(session, manager_id, complaint.site_id, "managerId")
    issued: list[Penalty] = [
        await issue_penalty(
            session,
            site_id=complaint.site_id,
            staff_id=staff.id,
            rule_code=C14_STAFF_CODE,
            amount=fine_amount,
            reason=f"C-14: complaint {complaint.number} was caused by {staff.name}'s service: "
            f"{why}",
            issued_by_id=actor.id,
            now=now,
            complaint_id=complaint.id,
        )
    ]
    if manager is not None:
        issued.append(
            await issue_penalty(
                session,
                site_id=complaint.site_id,
                staff_id=manager.id,
                rule_code=C14_MANAGER_CODE,
                amount=manager_fine_amount,
                reason=f"C-14: first-responsible manager for complaint {complaint.number} "
                f"caused by {staff.name}: {why}",
                issued_by_id=actor.id,
                now=now,
                complaint_id=complaint.id,
            )
        )
    complaint.staff_at_fault_id = staff.id
    complaint.fault_verified_at = now
    complaint.fault_verified_by_id = actor.id
    complaint.updated_at = now
    amounts = [_money(p.amount) for p in issued]
    fined = f"{staff.name} fined {amounts[0]} CNY"
    if manager is not None:
        fined += f", first-responsible manager {manager.name} fined {amounts[1]} CNY"
    decision = Reason(
        "C-14",
        f"{actor.name} verified that complaint {complaint.number} was caused by {staff.name}'s "
        f"service; {fined}: {why}",
    )
    await _record(
        session,
        complaint,
        event_type="complaint.fault_verified",
        action=ComplaintAction.FAULT_VERIFIED,
        reason=decision,
        now=now,
        actor=actor,
        note=why,
        to_value=str(staff.id),
        payload={
            "staff_id": staff.id,
            "manager_id": manager.id if manager else None,
            "penalty_ids": [p.id for p in issued],
            "amounts": amounts,
        },
    )
    return FaultVerification(complaint=complaint, penalties=tuple(issued), decision=decision)


# ---------------------------------------------------------------------------------------------
# Overdue (C-8, C-11, C-9 revisit)


@dataclass(frozen=True)
class _Watch:
    rule: str
    statuses: frozenset[str]
    due: Any
    mark: Any


_S = ComplaintStatus
_WATCHES: Final[dict[OverdueKind, _Watch]] = {
    # The same status sets as complaint_rules.overdue_reasons: a deadline is missed when it
    # passed and the step it guards has not happened.
    OverdueKind.FIRST_RESPONSE: _Watch(
        "C-8",
        frozenset({_S.RECEIVED.value, _S.REOPENED.value}),
        Complaint.first_response_due,
        Complaint.first_response_overdue_at,
    ),
    OverdueKind.RESOLUTION: _Watch(
        "C-11",
        frozenset(
            s.value
            for s in (
                _S.RECEIVED,
                _S.ACKNOWLEDGED,
                _S.IN_PROGRESS,
                _S.WAITING_ON_CUSTOMER,
                _S.REOPENED,
            )
        ),
        Complaint.resolution_due,
        Complaint.resolution_overdue_at,
    ),
    OverdueKind.REVISIT: _Watch(
        "C-9",
        frozenset({_S.RESOLVED.value}),
        Complaint.revisit_due,
        Complaint.revisit_overdue_at,
    ),
}


def overdue_condition(now: datetime, kind: OverdueKind | None = None) -> ColumnElement[bool]:
    """SQL: the complaint has missed a deadline (``kind``, or any) at ``now``."""
    kinds = [kind] if kind is not None else list(_WATCHES)
    return or_(
        *(
            and_(
                Complaint.status.in_(sorted(_WATCHES[k].statuses)),
                _WATCHES[k].due.is_not(None),
                _WATCHES[k].due < now,
            )
            for k in kinds
        )
    )


def overdue_decisions(complaint: Complaint, now: datetime) -> tuple[Reason, ...]:
    """Every deadline the complaint has missed at ``now`` (the pure rule on stored dues);
    agrees with :func:`overdue_condition`."""
    deadlines = deadlines_of(complaint)
    if deadlines is None:
        return ()
    return overdue_reasons(deadlines, complaint.status, now)


async def sweep_overdue(
    session: AsyncSession, now: datetime, *, site_id: int | None = None
) -> list[OverdueMark]:
    """Mark complaints whose deadlines passed and raise ``complaint.overdue`` once per
    complaint, deadline kind and cycle.  Idempotent: a second sweep finds nothing new.

    Rows another transaction holds are skipped (``SKIP LOCKED``) and picked up by the next
    sweep, so concurrent sweeps never report one deadline twice.
    """
    _aware(now, "now")
    marks: list[OverdueMark] = []
    for kind, watch in _WATCHES.items():
        stmt = (
            select(Complaint)
            .where(overdue_condition(now, kind), watch.mark.is_(None))
            .order_by(Complaint.id)
            .with_for_update(skip_locked=True)
        )
        if site_id is not None:
            stmt = stmt.where(Complaint.site_id == site_id)
        for complaint in (await session.scalars(stmt)).all():
            due = getattr(complaint, watch.due.key)
            reason = next(
                (r for r in overdue_decisions(complaint, now) if r.rule == watch.rule),
                Reason(watch.rule, f"the {kind.value.replace('_', ' ')} was due {due}"),
            )
            setattr(complaint, watch.mark.key, now)
            await _record(
                session,
                complaint,
                event_type="complaint.overdue",
                action=ComplaintAction.OVERDUE,
                reason=reason,
                now=now,
                actor=None,
                to_value=kind.value,
                payload={"kind": kind.value, "due": due.isoformat()},
            )
            marks.append(OverdueMark(complaint=complaint, kind=kind, due=due, reason=reason))
    return marks


# ---------------------------------------------------------------------------------------------
# C-12 statistics


def statistics_window(period: StatisticsPeriod | str, start: date) -> tuple[date, date]:
    """[first day, day after the last) of the week (Monday–Sunday, seed 002 篇7 七: each
    week's complaints are summed up at the weekend) or calendar month containing ``start``."""
    kind = StatisticsPeriod(period)
    if kind is StatisticsPeriod.WEEK:
        first = start - timedelta(days=start.weekday())
        return first, first + timedelta(days=7)
    first = start.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following


async def complaint_statistics(
    session: AsyncSession, site_id: int, period: StatisticsPeriod | str, start: date
) -> ComplaintStatistics:
    """C-12: complaints filed at the site in the week or month containing ``start`` (local
    days of the site's time zone), counted by category, severity, handler and current status,
    and the on-time rate: resolved by the stored resolution due time / resolved."""
    kind = StatisticsPeriod(period)
    site = await get_site(session, site_id)
    calendar = site_calendar(site)
    first, following = statistics_window(kind, start)
    starts_at, ends_at = calendar.start_of_day(first), calendar.start_of_day(following)
    in_window = and_(
        Complaint.site_id == site.id, Complaint.filed_at >= starts_at, Complaint.filed_at < ends_at
    )

    async def counts(column: Any) -> list[tuple[Any, int]]:
        rows = await session.execute(
            select(column, func.count())
            .where(in_window)
            .group_by(column)
            .order_by(func.count().desc(), nulls_last(column.asc()))
        )
        return [(value, int(n)) for value, n in rows.all()]

    by_category = await counts(Complaint.category)
    by_severity = await counts(Complaint.severity)
    by_status = await counts(Complaint.status)
    by_handler = await counts(Complaint.handler_id)
    resolved, on_time = (
        await session.execute(
            select(
                func.count(Complaint.resolved_at),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                and_(
                                    Complaint.resolved_at.is_not(None),
                                    Complaint.resolution_due.is_not(None),
                                    Complaint.resolved_at <= Complaint.resolution_due,
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
            ).where(in_window)
        )
    ).one()
    handler_ids = [h for h, _ in by_handler if h is not None]
    handlers = {
        s.id: s
        for s in (await session.scalars(select(Staff).where(Staff.id.in_(handler_ids)))).all()
    }
    total = sum(n for _, n in by_status)
    last_day = following - timedelta(days=1)
    rate = "no complaint of the period is resolved yet"
    if resolved:
        rate = f"{on_time} of {resolved} resolved complaints were resolved on time"
    reason = Reason(
        "C-12",
        f"{total} complaints filed at {site.name} from {first.isoformat()} to "
        f"{last_day.isoformat()} ({site.timezone}); {rate} (on time: by the C-11 resolution "
        "due time, pauses included)",
    )
    return ComplaintStatistics(
        site_id=site.id,
        period=kind,
        first_day=first,
        last_day=last_day,
        starts_at=starts_at,
        ends_at=ends_at,
        total=total,
        by_category=by_category,
        by_severity=by_severity,
        by_status=by_status,
        by_handler=by_handler,
        resolved=int(resolved),
        resolved_on_time=int(on_time),
        reason=reason,
        handlers=handlers,
    )
