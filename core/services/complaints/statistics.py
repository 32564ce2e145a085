"""C-12 statistics: complaints of one site in one week or month, and the on-time rate."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.decisions import Reason
from core.errors import NotFound
from core.models import (
    Complaint,
    Department,
    Staff,
)
from core.services.complaints.common import site_calendar
from core.services.directory import get_site


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
    # C-12: the department the statistics are restricted to (None: the whole site), the
    # counts by responsible department and by staff at fault, and when the report is due.
    department_id: int | None = None
    by_department: list[tuple[int | None, int]] = field(default_factory=list)
    by_staff_at_fault: list[tuple[int | None, int]] = field(default_factory=list)
    report_due_on: date | None = None

    @property
    def on_time_rate(self) -> float | None:
        return None if self.resolved == 0 else self.resolved_on_time / self.resolved


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


def report_due_on(period: StatisticsPeriod | str, first: date) -> date | None:
    """C-12: a week's report is due the following Monday; the monthly summary has its own
    schedule (None here)."""
    if StatisticsPeriod(period) is StatisticsPeriod.WEEK:
        return first + timedelta(days=7)
    return None


async def complaint_statistics(
    session: AsyncSession,
    site_id: int,
    period: StatisticsPeriod | str,
    start: date,
    *,
    department_id: int | None = None,
) -> ComplaintStatistics:
    """C-12: complaints filed at the site in the week or month containing ``start`` (local
    days of the site's time zone), counted by category, severity, handler, responsible
    department, staff at fault and current status, and the on-time rate: resolved by the
    stored resolution due time / resolved.

    A complaint's responsible department is that of its staff at fault, else that of its
    handler (C-12 weekly statistics per department); ``department_id`` restricts the counts
    to one department's complaints."""
    kind = StatisticsPeriod(period)
    site = await get_site(session, site_id)
    calendar = site_calendar(site)
    first, following = statistics_window(kind, start)
    starts_at, ends_at = calendar.start_of_day(first), calendar.start_of_day(following)
    at_fault, handler = aliased(Staff), aliased(Staff)
    department = func.coalesce(at_fault.department_id, handler.department_id)
    conditions = [
        Complaint.site_id == site.id,
        Complaint.filed_at >= starts_at,
        Complaint.filed_at < ends_at,
    ]
    if department_id is not None:
        owner = await session.get(Department, department_id)
        if owner is None or owner.site_id != site.id:
            raise NotFound(
                f"department {department_id} is not a department of site {site.id}",
                code="DEPARTMENT_NOT_FOUND",
                field="departmentId",
            )
        conditions.append(department == department_id)
    in_window = and_(*conditions)

    def joined(stmt: Any) -> Any:
        return (
            stmt.select_from(Complaint)
            .outerjoin(at_fault, at_fault.id == Complaint.staff_at_fault_id)
            .outerjoin(handler, handler.id == Complaint.handler_id)
        )

    async def counts(column: Any) -> list[tuple[Any, int]]:
        rows = await session.execute(
            joined(select(column, func.count()))
            .where(in_window)
            .group_by(column)
            .order_by(func.count().desc(), nulls_last(column.asc()))
        )
        return [(value, int(n)) for value, n in rows.all()]

    by_category = await counts(Complaint.category)
    by_severity = await counts(Complaint.severity)
    by_status = await counts(Complaint.status)
    by_handler = await counts(Complaint.handler_id)
    by_department = await counts(department)
    by_staff_at_fault = await counts(Complaint.staff_at_fault_id)
    resolved, on_time = (
        await session.execute(
            joined(
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
                )
            ).where(in_window)
        )
    ).one()
    handler_ids = [h for h, _ in (*by_handler, *by_staff_at_fault) if h is not None]
    handlers = {
        s.id: s
        for s in (await session.scalars(select(Staff).where(Staff.id.in_(handler_ids)))).all()
    }
    total = sum(n for _, n in by_status)
    last_day = following - timedelta(days=1)
    rate = "no complaint of the period is resolved yet"
    if resolved:
        rate = f"{on_time} of {resolved} resolved complaints were resolved on time"
    scope = f"department {department_id} of " if department_id is not None else ""
    reason = Reason(
        "C-12",
        f"{total} complaints filed at {scope}{site.name} from {first.isoformat()} to "
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
        department_id=department_id,
        by_department=by_department,
        by_staff_at_fault=by_staff_at_fault,
        report_due_on=report_due_on(kind, first),
    )
