"""Overdue (C-8 first response and progress updates, C-11, C-9 revisit): the SQL predicate,
the pure check and the sweep."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.complaint_rules import (
    PROGRESS_UPDATE_STATUSES,
    ComplaintStatus,
    overdue_reasons,
)
from core.decisions import Reason
from core.events import utc_iso
from core.models import (
    OVERDUE_INDEXES,
    OVERDUE_STATUSES,
    Complaint,
    ComplaintAction,
)
from core.services.complaints.common import _aware, _record_system_changes, deadlines_of


class OverdueKind(enum.StrEnum):
    """The deadlines the overdue sweep watches, each reported once per cycle."""

    FIRST_RESPONSE = "first_response"  # C-8
    PROGRESS_UPDATE = "progress_update"  # C-8: an update to the customer is late
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
    # The start of the pure rule's sentence for this deadline (two C-8 deadlines share a rule).
    prefix: str = ""


_S = ComplaintStatus
_WATCHES: Final[dict[OverdueKind, _Watch]] = {
    # The same status sets as complaint_rules.overdue_reasons: a deadline is missed when it
    # passed and the step it guards has not happened.
    OverdueKind.FIRST_RESPONSE: _Watch(
        "C-8",
        frozenset({_S.RECEIVED.value, _S.REOPENED.value}),
        Complaint.first_response_due,
        Complaint.first_response_overdue_at,
        "no first response",
    ),
    OverdueKind.PROGRESS_UPDATE: _Watch(
        "C-8",
        frozenset(s.value for s in PROGRESS_UPDATE_STATUSES),
        Complaint.progress_update_due,
        Complaint.progress_overdue_at,
        "no progress update",
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


# The partial indexes of the sweep hold exactly the statuses watched here.
if {k.value: w.statuses for k, w in _WATCHES.items()} != {
    k: frozenset(v) for k, v in OVERDUE_STATUSES.items()
}:  # pragma: no cover - a programming error caught at import
    raise RuntimeError("core.models.OVERDUE_STATUSES and the overdue watches disagree")


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


#: Marks per sweep batch: each batch is one short transaction (issue 13).
SWEEP_BATCH: Final = 200


def _pending_condition(kind: OverdueKind, now: datetime) -> ColumnElement[bool]:
    """SQL: the ``kind`` deadline passed at ``now`` and its miss is not reported yet.

    The status list and the IS NULL are the partial index's own predicate, as literals
    (``OVERDUE_INDEXES``), so PostgreSQL (under any plan) and SQLite match the index
    ``ix_complaints_<kind>_pending``: a batch is a range scan of ``due < now``.
    """
    watch = _WATCHES[kind]
    return and_(text(OVERDUE_INDEXES[kind.value]), watch.due < now)


async def sweep_overdue_batch(
    session: AsyncSession,
    now: datetime,
    *,
    site_id: int | None = None,
    limit: int = SWEEP_BATCH,
) -> list[OverdueMark]:
    """Mark at most ``limit`` missed deadlines (oldest due first), in ``session``'s
    transaction, raising ``complaint.overdue`` once per complaint, deadline kind and cycle.

    Rows another transaction holds (a change to that complaint, or another process's sweep
    batch) are skipped (``SKIP LOCKED``) and picked up by a later batch, so concurrent
    sweeps never report one deadline twice and never wait for each other.
    """
    _aware(now, "now")
    if limit <= 0:
        return []
    marks: list[OverdueMark] = []
    for kind, watch in _WATCHES.items():
        remaining = limit - len(marks)
        if remaining <= 0:
            break
        stmt = (
            select(Complaint)
            .where(_pending_condition(kind, now))
            .order_by(watch.due, Complaint.id)
            .limit(remaining)
            .with_for_update(key_share=True, skip_locked=True)
        )
        if site_id is not None:
            stmt = stmt.where(Complaint.site_id == site_id)
        found = (await session.scalars(stmt)).all()
        if found:
            # The marks in one UPDATE (the rows are locked above), kept on the loaded objects
            # as the stored value: nothing left for the unit of work to flush.
            table = Complaint.__table__
            await session.execute(
                update(table)
                .where(table.c.id.in_([c.id for c in found]))
                .values({watch.mark.key: now})
            )
        for complaint in found:
            set_committed_value(complaint, watch.mark.key, now)
            due = getattr(complaint, watch.due.key)
            reason = next(
                (
                    r
                    for r in overdue_decisions(complaint, now)
                    if r.rule == watch.rule and r.message.startswith(watch.prefix)
                ),
                Reason(watch.rule, f"the {kind.value.replace('_', ' ')} was due {due}"),
            )
            marks.append(OverdueMark(complaint=complaint, kind=kind, due=due, reason=reason))
    # The whole batch's events and history entries in a few statements (issue 13: with the
    # one UPDATE per kind above, a multi-row INSERT each for the events and the history), not
    # three statements per mark: a 13,000-deadline backlog then costs the database and this
    # process little enough that writes at other sites do not notice it.
    await _record_system_changes(
        session,
        [
            (m.complaint, m.reason, m.kind.value, {"kind": m.kind.value, "due": utc_iso(m.due)})
            for m in marks
        ],
        event_type="complaint.overdue",
        action=ComplaintAction.OVERDUE,
        now=now,
    )
    return marks


async def sweep_overdue(
    session: AsyncSession, now: datetime, *, site_id: int | None = None
) -> list[OverdueMark]:
    """Every missed deadline, in ``session``'s one transaction (batch after batch).

    Idempotent: a second sweep finds nothing new.  For a caller that owns one transaction;
    the server's periodic sweep and the mutation use :func:`sweep_overdue_in_batches`, whose
    transactions stay short whatever the backlog.
    """
    marks: list[OverdueMark] = []
    while True:
        batch = await sweep_overdue_batch(session, now, site_id=site_id)
        marks.extend(batch)
        if len(batch) < SWEEP_BATCH:
            return marks


Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
BatchHook = Callable[[AsyncSession, list[OverdueMark]], Awaitable[None]]


async def sweep_overdue_in_batches(
    transaction: Transaction,
    now: datetime,
    *,
    site_id: int | None = None,
    batch_size: int = SWEEP_BATCH,
    on_batch: BatchHook | None = None,
) -> int:
    """Sweep in batches of at most ``batch_size`` marks, each in its own transaction from
    ``transaction()`` (e.g. ``Frontdesk.write``: each batch's events publish when it commits);
    returns how many deadlines were marked.

    A large backlog (thousands of missed deadlines after an outage) never holds one long
    transaction: each batch locks only its own rows for the time of its few statements, so a
    check-in or a filing elsewhere waits for nothing, and nothing is kept from one batch to the
    next (memory stays flat).  ``on_batch(session, marks)`` runs inside each batch's
    transaction, before it commits (the mutation collects its answer there).  Stops after the
    first batch that is not full: what another process held is swept next time.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    total = 0
    while True:
        async with transaction() as session:
            marks = await sweep_overdue_batch(session, now, site_id=site_id, limit=batch_size)
            if on_batch is not None:
                await on_batch(session, marks)
        total += len(marks)
        if len(marks) < batch_size:
            return total
