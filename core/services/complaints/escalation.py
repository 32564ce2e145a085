"""C-10 escalation: one step up the chain of responsibility."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.complaint_rules import (
    ComplaintStatus,
    EscalationLevel,
    escalate,
)
from core.decisions import Reason
from core.errors import Conflict
from core.models import (
    ComplaintAction,
)
from core.services.complaints.common import (
    ComplaintChange,
    _actor,
    _aware,
    _check_order,
    _lock_complaint,
    _record,
)


def _level_name(level: int) -> str:
    return EscalationLevel(level).name.lower()


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
