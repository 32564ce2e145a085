"""Overdue (C-8, C-11, C-9 revisit): the SQL predicate, the pure check and the sweep."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.complaint_rules import (
    ComplaintStatus,
    overdue_reasons,
)
from core.decisions import Reason
from core.events import utc_iso
from core.models import (
    Complaint,
    ComplaintAction,
)
from core.services.complaints.common import _aware, _record, deadlines_of


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
            .with_for_update(key_share=True, skip_locked=True)
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
                payload={"kind": kind.value, "due": utc_iso(due)},
            )
            marks.append(OverdueMark(complaint=complaint, kind=kind, due=due, reason=reason))
    return marks
