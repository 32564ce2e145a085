"""Car wash: the only module with ``@hookimpl`` -- glue between core's hook values, the pure
rules in :mod:`frontdesk_carwash.rules` and the ``cw_washes`` table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugin_api import (
    Conflict,
    EmploymentStatus,
    Join,
    LineErrorCode,
    MigrationBranch,
    PenaltyRuleSpec,
    PluginInfo,
    ReceptionContext,
    ReceptionOutcome,
    Staff,
    StaffRole,
    VisitRecorded,
    hookimpl,
    line_field,
)
from frontdesk_carwash import CODE, NAME, VERSION, rules
from frontdesk_carwash.models import Wash

ATTENDANT = "attendant"


@hookimpl
def frontdesk_plugin_info() -> PluginInfo:
    return PluginInfo(
        code=CODE,
        name=NAME,
        version=VERSION,
        description="Cars go to the least busy attendant and the next bay.",
        business_line=CODE,
    )


@hookimpl
def frontdesk_migrations() -> MigrationBranch:
    return MigrationBranch("carwash", Path(__file__).parent / "migrations" / "versions")


@hookimpl
def frontdesk_staff_roles() -> list[StaffRole]:
    return [StaffRole(ATTENDANT, "Attendant", "washes cars; takes them in turn (CW-1)")]


# --- reception (CW-1, CW-2, CW-3) ------------------------------------------------------------


@hookimpl
async def frontdesk_receive_visit(context: ReceptionContext) -> ReceptionOutcome:
    attendants = await _attendants(context.session, context.site.id, context.business_date)
    washes_today = sum(a.washes_today for a in attendants)
    try:
        decided = rules.assign(context.visitor_kind, attendants, washes_today)
    except rules.NoAttendant as exc:
        raise Conflict(str(exc), code="CARWASH_NO_ATTENDANT", rule="CW-1") from exc
    return ReceptionOutcome(
        receiver_id=decided.attendant_id,
        counted=decided.counted,
        reason=decided.reason,
        line_data=decided.bay,
    )


@hookimpl
def frontdesk_error_codes() -> list[LineErrorCode]:
    # Published in CarwashErrorCode, and in VisitErrorCode: checkInVisit answers it as a
    # typed user error when no attendant is on duty.
    return [LineErrorCode("CARWASH_NO_ATTENDANT", "CW-1: no attendant is on duty.", ("Visit",))]


async def _attendants(session: AsyncSession, site_id: int, day: date) -> list[rules.Attendant]:
    washes = (
        select(Wash.attendant_id, func.count().label("n"))
        .where(Wash.site_id == site_id, Wash.business_date == day)
        .group_by(Wash.attendant_id)
        .subquery()
    )
    rows = await session.execute(
        select(Staff.id, Staff.name, func.coalesce(washes.c.n, 0))
        .outerjoin(washes, washes.c.attendant_id == Staff.id)
        .where(
            Staff.site_id == site_id,
            Staff.role == ATTENDANT,
            Staff.employment_status == EmploymentStatus.ACTIVE,
        )
    )
    return [rules.Attendant(staff_id, name, n) for staff_id, name, n in rows.all()]


@hookimpl
async def frontdesk_visit_recorded(event: VisitRecorded) -> None:
    bay = event.outcome.line_data if event.outcome is not None else None
    if bay is None:  # CW-2: showing the way takes no bay and leaves no wash
        return
    visit = event.visit
    event.session.add(
        Wash(
            visit_id=visit.id,
            site_id=visit.site_id,
            business_date=visit.business_date,
            attendant_id=visit.receiver_id,
            bay=bay,
            washed_at=event.now,
        )
    )
    await event.session.flush()


# --- penalties (CW-4) ------------------------------------------------------------------------


@hookimpl
def frontdesk_penalty_table() -> list[PenaltyRuleSpec]:
    low, high = rules.UNWASHED_FINE
    return [
        PenaltyRuleSpec(
            code="CW-4",
            rule="CW-4",
            title="car handed back unwashed",
            kind="fine",
            min_amount=low,
            max_amount=high,
        )
    ]


# --- GraphQL: Visit.carwash ------------------------------------------------------------------


@strawberry.type(name="CarWash", description="Who washed the car, in which bay (CW-1, CW-3).")
class WashDetails:
    bay: int = strawberry.field(description="The bay the car was washed in (CW-3).")
    attendant_id: strawberry.ID = strawberry.field(
        description="The legacy id of the attendant who washed it (CW-1)."
    )


def _details(wash: Any) -> WashDetails:
    return WashDetails(bay=wash.bay, attendant_id=strawberry.ID(str(wash.attendant_id)))


async def _load_washes(session: AsyncSession, visits: list[Any]) -> dict[int, WashDetails]:
    rows = await session.scalars(select(Wash).where(Wash.visit_id.in_([v.id for v in visits])))
    return {wash.visit_id: _details(wash) for wash in rows}


@hookimpl
def frontdesk_graphql_type_fields() -> list[Any]:
    return [
        line_field(
            on="Visit",
            name="carwash",
            type=WashDetails,
            description="The wash of this visit (none when CW-2 applied).",
            loader=_load_washes,
            # Pages read cw_washes in their own SELECT; visit(id:) runs the loader.
            join=Join(Wash, "visit_id", _details),
        )
    ]
