"""C-9 lifecycle: status transitions (with C-11 pauses and reopened cycles) and assignment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.complaint_rules import (
    ComplaintStatus,
    RuleError,
    progress_update,
    special_case,
    transition,
)
from core.contracts import ComplaintTransition
from core.decisions import Reason
from core.errors import Conflict, PluginError
from core.models import (
    Complaint,
    ComplaintAction,
    ComplaintPause,
    Site,
)
from core.plugins import PluginHost
from core.services.complaints.common import (
    ComplaintChange,
    _actor,
    _aware,
    _check_order,
    _due_payload,
    _lock_complaint,
    _record,
    _refresh_deadlines,
    refresh_progress_due,
    site_calendar,
)
from core.services.directory import get_staff_at
from core.services.plugin_settings import load_settings


async def transition_complaint(
    session: AsyncSession,
    complaint_id: int,
    target: ComplaintStatus | str,
    actor_staff_id: int,
    reason: str | None,
    now: datetime,
    *,
    host: PluginHost | None = None,
) -> ComplaintChange:
    """Move a complaint along its lifecycle (C-9) with the pure :func:`transition`.

    Raises the rule's :class:`~core.complaint_rules.IllegalTransition` (``ILLEGAL_TRANSITION``)
    or ``REASON_REQUIRED`` before anything is written.  With ``host``, the site's business
    line may then refuse the legal move (``frontdesk_validate_complaint_transition``, e.g.
    PM-6: not closed while a handling step is missing): ``TRANSITION_REFUSED`` with the
    line's rule, before anything is written.  Waiting on the customer opens a pause
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
    if host is not None:
        await _line_may_move(session, host, site, complaint, previous, goal, actor.id, now)

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
        complaint.progress_overdue_at = None
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
            # The same keys as every complaint.assigned event (ComplaintAssignedEvent).
            payload={"handler_id": actor.id, "previous_handler_id": None},
        )
    return ComplaintChange(complaint=complaint, decision=decision.reason)


async def _line_may_move(
    session: AsyncSession,
    host: PluginHost,
    site: Site,
    complaint: Complaint,
    previous: ComplaintStatus,
    goal: ComplaintStatus,
    actor_id: int,
    now: datetime,
) -> None:
    """Ask the site's line whether a legal C-9 move may happen (issue 15: PM-5, PM-6)."""
    refusal = await host.acall_line(
        site.business_line,
        "frontdesk_validate_complaint_transition",
        transition=ComplaintTransition(
            session=session,
            site=site,
            complaint=complaint,
            previous=previous.value,
            target=goal.value,
            actor_id=actor_id,
            now=now,
            settings=await load_settings(session),
        ),
    )
    if refusal is None:
        return
    if not isinstance(refusal, Reason):
        raise PluginError(
            f"the {site.business_line} line answered frontdesk_validate_complaint_transition "
            f"with {type(refusal).__name__}; return a Reason to refuse or None",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    raise Conflict(
        f"complaint {complaint.number} cannot move from {previous.value} to {goal.value}: "
        f"{refusal.message}",
        code="TRANSITION_REFUSED",
        field="to",
        rule=refusal.rule,
    )


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


async def record_progress_update(
    session: AsyncSession,
    complaint_id: int,
    actor_staff_id: int,
    note: str | None,
    now: datetime,
) -> ComplaintChange:
    """C-8: record a progress update given to the customer (what they were told) and move the
    next update's due time on by the complaint's interval.  ``NO_PROGRESS_UPDATE`` before the
    first response and once closed; ``REASON_REQUIRED`` without a note."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    decision = progress_update(complaint.status, actor=actor.name, note=note or "", now=now)
    complaint.last_progress_at = now
    complaint.updated_at = now
    refresh_progress_due(complaint)
    await _record(
        session,
        complaint,
        event_type="complaint.progress_update",
        action=ComplaintAction.PROGRESS_UPDATE,
        reason=decision,
        now=now,
        actor=actor,
        note=(note or "").strip(),
        payload=_due_payload(complaint),
    )
    return ComplaintChange(complaint=complaint, decision=decision)


async def mark_special_case(
    session: AsyncSession,
    complaint_id: int,
    actor_staff_id: int,
    reason: str | None,
    now: datetime,
) -> ComplaintChange:
    """C-11: mark a complaint a special case with a reason; its resolution is then due at the
    special-case limit (a hard cap no pause extends), and the overdue sweep, the overdue list
    and the statistics measure it against that."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    try:
        decision = special_case(
            complaint.status,
            actor=actor.name,
            reason=reason or "",
            already=complaint.special_case_at is not None,
            now=now,
        )
    except RuleError as exc:
        if exc.code == "SPECIAL_CASE_REFUSED":
            raise Conflict(exc.message, code=exc.code) from exc
        raise
    site = await session.get_one(Site, complaint.site_id)
    complaint.special_case_at = now
    complaint.special_case_reason = (reason or "").strip()
    complaint.updated_at = now
    # A new due time: a resolution already reported late is measured (and reported) anew.
    complaint.resolution_overdue_at = None
    await _refresh_deadlines(session, complaint, site_calendar(site))
    await _record(
        session,
        complaint,
        event_type="complaint.special_case",
        action=ComplaintAction.SPECIAL_CASE,
        reason=decision,
        now=now,
        actor=actor,
        note=complaint.special_case_reason,
        to_value="special_case",
        payload=_due_payload(complaint),
    )
    return ComplaintChange(complaint=complaint, decision=decision)
