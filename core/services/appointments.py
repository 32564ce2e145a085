"""C-3 visit appointments and generic bookings (issue 12).

The check-in decision is :func:`core.appointment_rules.appointment_refusal`; the kinds (lead
times, approvers, minimum group sizes) are the line's policy data
(``WorkforcePolicy.appointment_kinds`` through ``frontdesk_workforce_policy``).  Every
function works in the caller's session and writes nothing when it raises.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.appointment_rules import (
    BOOKING_APPROVALS,
    AppointmentFacts,
    AppointmentKind,
    BookingFacts,
    BookingKind,
    appointment_refusal,
    booking_validity,
)
from core.calendar import require_aware
from core.decisions import Reason
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.events import record_event
from core.models import (
    Appointment,
    AppointmentStatus,
    Booking,
    BookingStatus,
    Customer,
    Penalty,
    Site,
)
from core.penalties import C3_UNAPPROVED_VISIT_CODE
from core.plugins import PluginHost
from core.services.attendance import site_policy
from core.services.desk_appointments import (
    appointment_at_check_in,
    appointment_facts,
    appointment_received,
)
from core.services.directory import get_site, get_staff_at
from core.services.penalties import issue_penalty
from core.services.workforce import STREAM, SWAP_APPROVER_ROLES

__all__ = [  # the desk's C-3 check lives beside the visit register (no import cycle)
    "appointment_at_check_in",
    "appointment_received",
]

# C-3: the general manager approves content and route, and may approve any kind.
GENERAL_MANAGER: Final = "general_manager"
BOOKING_STREAM: Final = "bookings"


async def _kind(
    session: AsyncSession, host: PluginHost | None, site: Site, code: str
) -> AppointmentKind:
    kinds = (await site_policy(session, host, site)).appointment_kinds
    kind = kinds.get(code)
    if kind is None:
        raise InvalidInput(
            f"unknown appointment kind {code!r}; this site receives: {', '.join(kinds)}",
            code="UNKNOWN_APPOINTMENT_KIND",
            field="kind",
        )
    return kind


async def make_appointment(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    site_id: int,
    kind: str,
    organisation: str,
    head_count: int,
    contact: str,
    areas: str,
    visit_at: datetime,
    made_by_id: int | None,
    photography_allowed: bool,
    now: datetime,
) -> Appointment:
    """C-3: record an appointment when it is made (``now``: the lead time counts from it)."""
    require_aware(visit_at, "visitAt")
    site = await get_site(session, site_id)
    await _kind(session, host, site, kind)
    organisation, contact = (organisation or "").strip(), (contact or "").strip()
    if not organisation or len(organisation) > 200:
        raise InvalidInput(
            "an appointment names the visiting organisation (1 to 200 characters)",
            code="NAME_REQUIRED",
            field="organisation",
        )
    if not contact or len(contact) > 200:
        raise InvalidInput(
            "an appointment names a contact (1 to 200 characters)",
            code="CONTACT_REQUIRED",
            field="contact",
        )
    if head_count < 1:
        raise InvalidInput(
            "a head count is at least 1", code="INVALID_HEAD_COUNT", field="headCount"
        )
    if made_by_id is not None:
        await get_staff_at(session, made_by_id, site.id, "madeById")
    appointment = Appointment(
        site_id=site.id,
        kind=kind,
        organisation=organisation,
        head_count=head_count,
        contact=contact,
        areas=(areas or "").strip(),
        visit_at=visit_at,
        made_at=now,
        made_by_id=made_by_id,
        photography_allowed=photography_allowed,
        status=AppointmentStatus.REQUESTED,
    )
    session.add(appointment)
    await session.flush()
    return appointment


async def _appointment(session: AsyncSession, appointment_id: int) -> Appointment:
    appointment = await session.scalar(
        select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    )
    if appointment is None:
        raise NotFound(
            f"appointment {appointment_id} does not exist",
            code="APPOINTMENT_NOT_FOUND",
            field="appointmentId",
        )
    return appointment


async def approve_appointment(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    appointment_id: int,
    manager_id: int,
    route: bool,
    now: datetime,
) -> Appointment:
    """C-3: the kind's approver approves the appointment (a kind without named approvers: a
    manager of the site; the general manager always may); with ``route`` the general manager
    approves the content and route as well."""
    appointment = await _appointment(session, appointment_id)
    if appointment.status is not AppointmentStatus.REQUESTED:
        raise Conflict(
            f"appointment {appointment.id} is {appointment.status.value}",
            code="APPOINTMENT_WRONG_STATUS",
            field="appointmentId",
        )
    site = await get_site(session, appointment.site_id)
    kind = await _kind(session, host, site, appointment.kind)
    manager = await get_staff_at(session, manager_id, site.id, "managerId")
    allowed = set(kind.approver_roles) or set(SWAP_APPROVER_ROLES)
    if manager.role not in allowed | {GENERAL_MANAGER} or (
        route and manager.role != GENERAL_MANAGER
    ):
        raise PermissionDenied(
            f"staff {manager.id} ({manager.role}) cannot approve a {kind.title.lower()} "
            f"appointment: C-3 names {', '.join(sorted(allowed))} (the general manager "
            "approves content and route)",
            code="NOT_AN_APPOINTMENT_APPROVER",
            field="managerId",
        )
    appointment.status = AppointmentStatus.APPROVED
    appointment.approved_by_id, appointment.approved_at = manager.id, now
    if route:
        appointment.route_approved_by_id = manager.id
    await session.flush()
    return appointment


async def check_in_appointment(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    appointment_id: int,
    arrived_at: datetime,
    now: datetime,
) -> Appointment:
    """C-3: the visitors of an appointment arrive.  Refused (APPOINTMENT_REFUSED, the reason
    naming C-3, nothing written) when it is not approved, was made less than the kind's lead
    time before the visit (exactly the lead time is in time) or the party is smaller than the
    kind's minimum."""
    require_aware(arrived_at, "arrivedAt")
    appointment = await _appointment(session, appointment_id)
    if appointment.status is AppointmentStatus.ARRIVED:
        raise Conflict(
            f"appointment {appointment.id} already arrived",
            code="APPOINTMENT_WRONG_STATUS",
            field="appointmentId",
        )
    site = await get_site(session, appointment.site_id)
    kind = await _kind(session, host, site, appointment.kind)
    approved_at = (
        appointment.approved_at if appointment.status is AppointmentStatus.APPROVED else None
    )
    refusal = appointment_refusal(
        AppointmentFacts(
            kind=kind,
            made_at=appointment.made_at,
            visit_at=appointment.visit_at,
            head_count=appointment.head_count,
            approved_at=approved_at,
        ),
        arrived_at,
    )
    if refusal is not None:
        raise Conflict(str(refusal), code="APPOINTMENT_REFUSED", rule=refusal.rule)
    appointment.status = AppointmentStatus.ARRIVED
    appointment.arrived_at = arrived_at
    await session.flush()
    await record_event(
        session,
        stream=STREAM,
        type="appointment.arrived",
        now=now,
        site_id=site.id,
        subject_id=appointment.id,
        payload={"kind": kind.code, "head_count": appointment.head_count},
    )
    return appointment


async def penalise_unapproved_visit(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    site_id: int,
    staff_id: int,
    appointment_id: int | None,
    led_at: datetime,
    amount: Decimal | None,
    reason: str,
    manager_id: int,
    now: datetime,
) -> Penalty:
    """C-3: leading visitors round without an approved appointment is a penalty entry
    (``C-3-unapproved-visit`` of every line's table: treated as leaking business secrets).

    *Decided* (issue 12): the desk's refusal writes nothing (``checkInVisit`` answers
    APPOINTMENT_REQUIRED / APPOINTMENT_REFUSED), so core cannot see that someone took the
    visitors in anyway.  The penalty is entered afterwards by a manager of the site (a
    swap approver's rank) naming the staff member who led the visit (``staff_id``: whoever
    took the visitors round, typically the appointment's maker or the receiver who let them
    in) and when (``led_at``).  With ``appointment_id`` the appointment is judged at
    ``led_at`` as the desk would: one that was approved in time is no fault
    (APPOINTMENT_WAS_APPROVED, nothing written).
    """
    require_aware(led_at, "ledAt")
    if led_at > now:
        raise InvalidInput("ledAt is in the future", code="ARRIVAL_IN_FUTURE", field="ledAt")
    site = await get_site(session, site_id)
    manager = await get_staff_at(session, manager_id, site.id, "actingStaffId")
    if manager.role not in SWAP_APPROVER_ROLES | {GENERAL_MANAGER} or manager.id == staff_id:
        raise PermissionDenied(
            f"staff {manager.id} ({manager.role}) cannot enter a C-3 penalty: a manager of the "
            "site who is not the one penalised does",
            code="NOT_AN_APPOINTMENT_APPROVER",
            field="actingStaffId",
        )
    leader = await get_staff_at(session, staff_id, site.id, "staffId")
    why: Reason
    if appointment_id is not None:
        appointment = await _appointment(session, appointment_id)
        if appointment.site_id != site.id:
            raise NotFound(
                f"appointment {appointment_id} does not exist at site {site.id}",
                code="APPOINTMENT_NOT_FOUND",
                field="appointmentId",
            )
        kind = await _kind(session, host, site, appointment.kind)
        refusal = appointment_refusal(appointment_facts(appointment, kind), led_at)
        if refusal is None:
            raise Conflict(
                f"appointment {appointment.id} ({appointment.organisation}) was approved in "
                "time: leading that visit is no C-3 fault",
                code="APPOINTMENT_WAS_APPROVED",
                field="appointmentId",
                rule="C-3",
            )
        why = Reason(
            "C-3",
            f"{leader.name} led {appointment.organisation}'s visit at {led_at.isoformat()} "
            f"although {refusal.message}",
        )
    else:
        why = Reason(
            "C-3",
            f"{leader.name} led visitors round at {led_at.isoformat()} without an approved "
            "appointment",
        )
    note = (reason or "").strip()
    return await issue_penalty(
        session,
        site_id=site.id,
        staff_id=leader.id,
        rule_code=C3_UNAPPROVED_VISIT_CODE,
        amount=amount,
        reason=f"{why.message}: treated as leaking business secrets (C-3)"
        + (f"; {note}" if note else ""),
        issued_by_id=manager.id,
        now=now,
    )


# --- generic bookings ---------------------------------------------------------------------------

#: Where a held booking may go.
BOOKING_TRANSITIONS: Final = {
    BookingStatus.HELD: {BookingStatus.HONOURED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
}


async def book(
    session: AsyncSession,
    *,
    site_id: int,
    booked_by_id: int,
    customer_id: int | None,
    guest_name: str,
    resource_kind: str,
    resource: str,
    business_date: date,
    now: datetime,
    host: PluginHost | None = None,
    kind: BookingKind | None = None,
    approval: str | None = None,
    approved_by_id: int | None = None,
) -> Booking:
    """Hold ``resource`` (of ``resource_kind``: a room, a table, a time slot) on
    ``business_date`` for a customer or a named guest, booked by a staff member (KTV-11: the
    booker receives the guest and is credited).

    The kind's rules are the line's (``kind``, else ``WorkforcePolicy.booking_kinds`` through
    ``host``, else exclusive with no approval): an exclusive kind holds one held or honoured
    booking per resource and business day; a kind that needs approval (FC-3: a signature or
    an SMS) may be entered with it (``approval``, ``approved_by_id``) or approved later
    (:func:`approve_booking`) — it counts only once approved, and only on its own day
    (:func:`booking_counts`)."""
    site = await get_site(session, site_id)
    await get_staff_at(session, booked_by_id, site.id, "bookedById")
    resource_kind, resource = (resource_kind or "").strip(), (resource or "").strip()
    if not resource_kind or not resource or len(resource_kind) > 40 or len(resource) > 100:
        raise InvalidInput(
            "a booking names a resource kind (room, table, slot …) and the resource",
            code="RESOURCE_REQUIRED",
            field="resource",
        )
    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.site_id != site.id:
            raise NotFound(
                f"customer {customer_id} does not exist at site {site.id}",
                code="CUSTOMER_NOT_FOUND",
                field="customerId",
            )
    elif not (guest_name or "").strip():
        raise InvalidInput(
            "a booking is for a customer or a named guest", code="GUEST_REQUIRED", field="guestName"
        )
    if kind is None:
        policy = await site_policy(session, host, site) if host is not None else None
        kind = policy.booking_kind(resource_kind) if policy else BookingKind(resource_kind, "")
    if approval is not None:
        await _check_approval(session, site, kind, approval, approved_by_id)
    elif approved_by_id is not None:
        raise InvalidInput(
            "say how the booking was approved (signature or sms) with the approver",
            code="UNKNOWN_BOOKING_APPROVAL",
            field="approval",
        )
    await get_site(session, site.id, lock=True)  # one booking of a resource at a time
    taken = None
    if kind.exclusive:
        taken = await session.scalar(
            select(Booking.id).where(
                Booking.site_id == site.id,
                Booking.resource_kind == resource_kind,
                Booking.resource == resource,
                Booking.business_date == business_date,
                Booking.status.in_((BookingStatus.HELD, BookingStatus.HONOURED)),
            )
        )
    if taken is not None:
        raise Conflict(
            f"{resource_kind} {resource} is already booked on {business_date.isoformat()} "
            f"(booking {taken})",
            code="RESOURCE_TAKEN",
            field="resource",
        )
    booking = Booking(
        site_id=site.id,
        booked_by_id=booked_by_id,
        customer_id=customer_id,
        guest_name=(guest_name or "").strip(),
        resource_kind=resource_kind,
        resource=resource,
        business_date=business_date,
        status=BookingStatus.HELD,
        created_at=now,
        updated_at=now,
        approval=approval,
        approved_by_id=approved_by_id if approval is not None else None,
        approved_at=now if approval is not None else None,
    )
    session.add(booking)
    await session.flush()
    await _booking_event(session, booking, now)
    return booking


async def _check_approval(
    session: AsyncSession,
    site: Site,
    kind: BookingKind,
    approval: str,
    approved_by_id: int | None,
) -> None:
    """FC-3: ``approval`` is a way ``kind`` takes effect, by one of its approver roles."""
    if not kind.approvals:
        raise InvalidInput(
            f"a {kind.title or kind.code} booking takes effect without approval",
            code="BOOKING_APPROVAL_NOT_NEEDED",
            field="approval",
        )
    if approval not in kind.approvals or approval not in BOOKING_APPROVALS:
        raise InvalidInput(
            f"a {kind.title.lower()} takes effect by {' or '.join(kind.approvals)}, not "
            f"{approval!r} ({kind.rule})",
            code="UNKNOWN_BOOKING_APPROVAL",
            field="approval",
        )
    if approved_by_id is not None:
        approver = await get_staff_at(session, approved_by_id, site.id, "approvedById")
        if kind.approver_roles and approver.role not in kind.approver_roles:
            raise PermissionDenied(
                f"staff {approver.id} ({approver.role}) cannot approve a {kind.title.lower()}: "
                f"{kind.rule} names {', '.join(kind.approver_roles)}",
                code="NOT_A_BOOKING_APPROVER",
                field="approvedById",
            )


async def approve_booking(
    session: AsyncSession,
    host: PluginHost | None,
    *,
    booking_id: int,
    approval: str,
    approved_by_id: int | None,
    now: datetime,
    kind: BookingKind | None = None,
) -> Booking:
    """FC-3: a held booking of a kind that needs approval takes effect — signed by one of the
    kind's approver roles, or approved by an SMS to them when they are away."""
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update()
    )
    if booking is None:
        raise NotFound(
            f"booking {booking_id} does not exist", code="BOOKING_NOT_FOUND", field="bookingId"
        )
    site = await get_site(session, booking.site_id)
    if kind is None:
        kind = (await site_policy(session, host, site)).booking_kind(booking.resource_kind)
    if booking.status is not BookingStatus.HELD:
        raise Conflict(
            f"booking {booking.id} is {booking.status.value}",
            code="BOOKING_WRONG_STATUS",
            field="bookingId",
        )
    if booking.approval is not None:
        raise Conflict(
            f"booking {booking.id} took effect by {booking.approval} already",
            code="BOOKING_ALREADY_APPROVED",
            field="bookingId",
        )
    await _check_approval(session, site, kind, approval, approved_by_id)
    booking.approval, booking.approved_by_id, booking.approved_at = approval, approved_by_id, now
    booking.updated_at = now
    await session.flush()
    await record_event(
        session,
        stream=BOOKING_STREAM,
        type="booking.approved",
        now=now,
        site_id=booking.site_id,
        subject_id=booking.id,
        payload={"approval": approval, "approved_by": approved_by_id, "rule": kind.rule},
    )
    return booking


def booking_counts(booking: Booking, kind: BookingKind, on_day: date) -> tuple[bool, Reason]:
    """Does ``booking`` count on business day ``on_day`` (FC-3: only on its day and only once
    approved; KTV: only on its own business date), and why."""
    return booking_validity(
        BookingFacts(
            kind=kind,
            business_date=booking.business_date,
            status=booking.status.value,
            approval=booking.approval,
        ),
        on_day,
    )


async def set_booking_status(
    session: AsyncSession, *, booking_id: int, status: BookingStatus, now: datetime
) -> Booking:
    """A held booking is honoured (the guest came), cancelled or a no-show; a decided
    booking does not change again."""
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update()
    )
    if booking is None:
        raise NotFound(
            f"booking {booking_id} does not exist", code="BOOKING_NOT_FOUND", field="bookingId"
        )
    if status not in BOOKING_TRANSITIONS.get(booking.status, set()):
        raise Conflict(
            f"booking {booking.id} is {booking.status.value}; it cannot become {status.value}",
            code="BOOKING_WRONG_STATUS",
            field="status",
        )
    booking.status, booking.updated_at = status, now
    await session.flush()
    await _booking_event(session, booking, now)
    return booking


async def _booking_event(session: AsyncSession, booking: Booking, now: datetime) -> None:
    await record_event(
        session,
        stream=BOOKING_STREAM,
        type=f"booking.{booking.status.value}",
        now=now,
        site_id=booking.site_id,
        subject_id=booking.id,
        payload={
            "booked_by": booking.booked_by_id,
            "resource_kind": booking.resource_kind,
            "resource": booking.resource,
            "business_date": booking.business_date.isoformat(),
        },
    )
