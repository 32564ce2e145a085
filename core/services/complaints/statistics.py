"""C-12 statistics: complaints of one site in one week or month, and the on-time rate."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions import Reason
from core.models import (
    Complaint,
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
