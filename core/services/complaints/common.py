"""What every complaint change shares: the ``complaints`` stream, the C-10 company-wide
roles, the change result, the stored targets and deadlines, and the steps of one change
(lock the row, check the actor and the order, refresh the deadlines, record the C-9 history
entry and the event)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import WorkingCalendar, calendar_for
from core.complaint_rules import (
    ComplaintTargets,
    Deadlines,
    ResolutionBasis,
    compute_deadlines,
    progress_update_due,
)
from core.decisions import Reason
from core.errors import InvalidInput, NotFound
from core.events import record_event, record_events, utc_iso
from core.models import (
    Complaint,
    ComplaintAction,
    ComplaintHistoryEntry,
    ComplaintPause,
    Event,
    Site,
    Staff,
)

STREAM: Final = "complaints"


@dataclass(frozen=True)
class RecordedBy:
    """C-13 act_for, "X on behalf of Y": the token (X) recording a change for another staff
    member (Y, the change's actor).  ``token`` is its name as the audit log gives it;
    ``staff_id`` its staff member (None for a token bound to no staff member)."""

    token: str
    staff_id: int | None


# Set by the GraphQL glue for the root mutation field being run when its token names another
# staff member as the actor (core.graphql.complaints._actor_id); the history entries and
# events of that change carry it.  schema.build resets it around every root mutation field.
RECORDED_BY: ContextVar[RecordedBy | None] = ContextVar("frontdesk_recorded_by", default=None)


# C-10: the vice president and the general manager act on complaints of every site, though
# their staff record belongs to one (head office) site.
COMPANY_WIDE_ROLES: Final = frozenset({"vice_president", "general_manager"})


@dataclass(frozen=True)
class ComplaintChange:
    complaint: Complaint
    decision: Reason


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
        progress_interval=timedelta(minutes=complaint.progress_interval_minutes or 24 * 60),
    )


def basis_of(complaint: Complaint) -> ResolutionBasis:
    """C-11: which target the complaint's resolution is measured against."""
    if complaint.special_case_at is not None:
        return ResolutionBasis.SPECIAL_CASE
    if complaint.customer_requested_by is not None and complaint.cycle == 1:
        return ResolutionBasis.CUSTOMER_REQUEST
    return ResolutionBasis.WORKING_DAYS


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
        basis=basis_of(complaint),
        progress_update_due=complaint.progress_update_due,
    )


def refresh_progress_due(complaint: Complaint) -> datetime | None:
    """C-8: store when the next progress update is due (None: none owed now)."""
    due = progress_update_due(
        complaint.status,
        complaint.first_responded_at,
        complaint.last_progress_at,
        timedelta(minutes=complaint.progress_interval_minutes or 24 * 60),
    )
    if due != complaint.progress_update_due:
        complaint.progress_overdue_at = None  # a new due time can be missed (and reported) anew
    complaint.progress_update_due = due
    return due


def _aware(moment: datetime, field_name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field_name} needs a time zone offset, e.g. 2026-11-24T10:00:00+08:00",
            code="NAIVE_DATETIME",
            field=field_name,
        )
    return moment


# ---------------------------------------------------------------------------------------------
# Shared steps


async def _lock_complaint(session: AsyncSession, complaint_id: int) -> Complaint:
    # The row lock serialises changes to one complaint (two handlers, or a change racing the
    # overdue sweep) on PostgreSQL; SQLite serialises writers anyway.
    complaint = await session.scalar(
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .with_for_update(key_share=True)  # NO KEY UPDATE: see "Lock order" in core.db
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
    basis = basis_of(complaint)
    deadlines = compute_deadlines(
        complaint.cycle_started_at,
        targets_of(complaint),
        calendar,
        [(p.started_at, p.ended_at) for p in pauses],
        resolved_at=complaint.resolved_at,
        # C-11: the customer's time holds for the first cycle (a reopening is a new form).
        customer_requested_by=complaint.customer_requested_by
        if basis is ResolutionBasis.CUSTOMER_REQUEST
        else None,
        special_case=basis is ResolutionBasis.SPECIAL_CASE,
    )
    complaint.first_response_due = deadlines.first_response_due
    complaint.resolution_due = deadlines.resolution_due
    complaint.special_case_due = deadlines.special_case_due
    complaint.revisit_due = deadlines.revisit_due
    refresh_progress_due(complaint)
    return deadlines


def _due_payload(complaint: Complaint) -> dict[str, str | None]:
    return {
        name: utc_iso(value)
        for name, value in (
            ("first_response_due", complaint.first_response_due),
            ("resolution_due", complaint.resolution_due),
            ("special_case_due", complaint.special_case_due),
            ("revisit_due", complaint.revisit_due),
            ("progress_update_due", complaint.progress_update_due),
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
    """The event and the history entry of one change (C-9), in the caller's transaction;
    both name who recorded it when that was a token acting for the actor (C-13 act_for)."""
    recorder = _on_behalf(actor)
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
            **_recorded_by_payload(recorder),
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
            recorded_by=recorder.token if recorder else None,
            recorded_by_staff_id=recorder.staff_id if recorder else None,
            note=note,
            rule=reason.rule,
            message=reason.message,
            event_id=event.id,
            occurred_at=now,
        )
    )
    await session.flush()
    return event


async def _record_system_changes(
    session: AsyncSession,
    changes: list[tuple[Complaint, Reason, str, dict[str, Any]]],
    *,
    event_type: str,
    action: ComplaintAction,
    now: datetime,
) -> list[Event]:
    """:func:`_record` for many changes the system made (no actor, no note), each
    ``(complaint, reason, to_value, payload)``: the same events and history entries, written
    in two multi-row INSERTs whatever their number (the overdue sweep's batch, issue 13).

    Core statements, not the unit of work: the texts are the rules' own sentences (nothing a
    client typed, so the ORM's text guard has nothing to check), and building and flushing
    hundreds of ORM objects would hold the event loop for a third of a second per batch.
    """
    rows = [
        (
            complaint.site_id,
            complaint.id,
            {
                "number": complaint.number,
                "cycle": complaint.cycle,
                "from": None,
                "to": to_value,
                "actor_staff_id": None,
                "actor": None,
                "reason": "",
                "rule": reason.rule,
                "message": reason.message,
                **payload,
            },
        )
        for complaint, reason, to_value, payload in changes
    ]
    events = await record_events(session, stream=STREAM, type=event_type, now=now, rows=rows)
    if events:
        connection = await session.connection()
        await connection.execute(
            insert(ComplaintHistoryEntry.__table__),
            [
                {
                    "complaint_id": complaint.id,
                    "cycle": complaint.cycle,
                    "action": action,
                    "from_value": None,
                    "to_value": to_value,
                    "actor_staff_id": None,
                    "recorded_by": None,
                    "recorded_by_staff_id": None,
                    "note": "",
                    "rule": reason.rule,
                    "message": reason.message,
                    "event_id": event.id,
                    "occurred_at": now,
                }
                for (complaint, reason, to_value, _payload), event in zip(
                    changes, events, strict=True
                )
            ],
        )
    return events


def _on_behalf(actor: Staff | None) -> RecordedBy | None:
    recorder = RECORDED_BY.get()
    if recorder is None or actor is None or recorder.staff_id == actor.id:
        return None  # the actor recorded it themselves (or the system did)
    return recorder


def _recorded_by_payload(recorder: RecordedBy | None) -> dict[str, Any]:
    if recorder is None:
        return {}
    return {"recorded_by": recorder.token, "recorded_by_staff_id": recorder.staff_id}
