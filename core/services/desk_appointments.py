"""C-3 at the desk (issue 12): the appointment a check-in names, or requires, judged before the
line's rotation moves; imported by the visit register (``core.services.visits``), so it depends
on nothing that imports the register."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.appointment_rules import AppointmentFacts, AppointmentKind, check_in_refusal
from core.errors import Conflict, InvalidInput, NotFound
from core.events import record_event
from core.models import Appointment, AppointmentStatus, Site, Visit
from core.plugins import PluginHost
from core.services.workforce_policy import STREAM, workforce_policy


def appointment_facts(appointment: Appointment, kind: AppointmentKind) -> AppointmentFacts:
    approved = appointment.status is AppointmentStatus.APPROVED
    return AppointmentFacts(
        kind=kind,
        made_at=appointment.made_at,
        visit_at=appointment.visit_at,
        head_count=appointment.head_count,
        approved_at=appointment.approved_at if approved else None,
    )


async def appointment_at_check_in(
    session: AsyncSession,
    host: PluginHost | None,
    site: Site,
    settings: Mapping[str, Mapping[str, Any]],
    *,
    appointment_id: int | None,
    visitor_kind: str,
    channel: str,
    arrived_at: datetime,
) -> Appointment | None:
    """C-3 at the desk (``checkInVisit``): the appointment the visitors come on, locked, or
    None when the visit names none and needs none.

    A walk-in of a visitor kind the line lists in ``appointment_required_for`` needs one
    (APPOINTMENT_REQUIRED); a named appointment must be the site's, still approved and not yet
    received, and pass :func:`~core.appointment_rules.appointment_refusal` at the arrival
    (APPOINTMENT_REFUSED: not approved, made short of the kind's lead time — exactly the lead
    time is in time — or a party under the kind's minimum).  Every refusal names C-3 and
    writes nothing.  No database read when the visit names no appointment.
    """
    policy = workforce_policy(host, site, dict(settings))
    required = channel == "walk_in" and visitor_kind in policy.appointment_required_for
    if appointment_id is None:
        refusal = check_in_refusal(required=required, appointment=None, arrived_at=arrived_at)
        if refusal is not None:
            raise Conflict(
                str(refusal), code="APPOINTMENT_REQUIRED", rule=refusal.rule, field="appointmentId"
            )
        return None
    appointment = await session.scalar(
        select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    )
    if appointment is None or appointment.site_id != site.id:
        raise NotFound(
            f"appointment {appointment_id} does not exist at site {site.id}",
            code="APPOINTMENT_NOT_FOUND",
            field="appointmentId",
        )
    if appointment.status in (AppointmentStatus.ARRIVED, AppointmentStatus.CANCELLED):
        raise Conflict(
            f"appointment {appointment.id} is {appointment.status.value}",
            code="APPOINTMENT_WRONG_STATUS",
            field="appointmentId",
        )
    kinds = policy.appointment_kinds
    kind = kinds.get(appointment.kind)
    if kind is None:
        raise InvalidInput(
            f"appointment {appointment.id} is of kind {appointment.kind!r}, which this site no "
            f"longer receives ({', '.join(kinds)})",
            code="APPOINTMENT_REFUSED",
            field="appointmentId",
            rule="C-3",
        )
    refusal = check_in_refusal(
        required=required, appointment=appointment_facts(appointment, kind), arrived_at=arrived_at
    )
    if refusal is not None:
        raise Conflict(
            str(refusal), code="APPOINTMENT_REFUSED", rule=refusal.rule, field="appointmentId"
        )
    return appointment


async def appointment_received(
    session: AsyncSession, appointment: Appointment, visit: Visit, now: datetime
) -> None:
    """The visitors of ``appointment`` were received with register entry ``visit`` (C-3)."""
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="appointment.arrived",
        now=now,
        site_id=appointment.site_id,
        subject_id=appointment.id,
        payload={"kind": appointment.kind, "visit": visit.id, "head_count": appointment.head_count},
    )
