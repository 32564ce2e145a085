"""GraphQL for C-3 visit appointments and generic bookings (issue 12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core import models
from core.graphql.complaints import _actor_id as acting
from core.graphql.ids import register_node
from core.graphql.loading import children, selection, site_page
from core.graphql.mutations import reload
from core.graphql.queries import After, Before, First, Last, SiteId, parse_id
from core.graphql.scalars import Money
from core.graphql.types import (
    Connection,
    Customer,
    Node,
    Penalty,
    Site,
    Staff,
    describe_values,
    global_id_of,
    legacy_id,
    node_id,
    view_link,
)
from core.graphql.user_errors import payload
from core.services import appointments as service

MANAGE = {"permission": "manage"}

AppointmentStatus = strawberry.enum(
    models.AppointmentStatus, description="C-3: where an appointment stands."
)
BookingStatus = strawberry.enum(
    models.BookingStatus, description="A booking: held, then honoured, cancelled or a no-show."
)
describe_values(
    AppointmentStatus,
    {
        "REQUESTED": "Recorded; waiting for the kind's approver (C-3).",
        "APPROVED": "Approved: the visitors may be received at `visitAt`.",
        "REFUSED": "Refused by the approver (reserved: no mutation sets it yet).",
        "ARRIVED": "The visitors arrived and were checked in (`checkInAppointment`).",
        "CANCELLED": "Called off (reserved: no mutation sets it yet).",
    },
)
describe_values(
    BookingStatus,
    {
        "HELD": "Booked; the resource is held for the business day.",
        "HONOURED": "The guest came (KTV-11: the booker is credited).",
        "CANCELLED": "Called off (KTV-10: may turn a roll-call exemption into an absence).",
        "NO_SHOW": "The guest did not come.",
    },
)


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A visit appointment (C-3, 参观预约).")
class Appointment(Node):
    global_id = node_id("Appointment")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The global id of the site visited.",
        deprecation_reason="Use `site` (or `site { id }`); removed in 2.0.",
    )
    kind: str = strawberry.field(
        description="A kind of the line's policy, e.g. key, important, ordinary, ad_hoc (C-3: "
        "it sets the lead time and the approver)."
    )
    organisation: str = strawberry.field(description="Who visits.")
    head_count: int = strawberry.field(description="How many visitors.")
    contact: str = strawberry.field(description="A contact person and number, as given.")
    areas: str = strawberry.field(description="The areas they visit; may be empty.")
    visit_at: datetime = strawberry.field(description="When they come (UTC).")
    made_at: datetime = strawberry.field(
        description="When the appointment was made (UTC); C-3 lead times count back from "
        "`visitAt` to here."
    )
    made_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the staff member who recorded it; null when not given.",
        deprecation_reason="Use `madeBy` (or `madeBy { id }`); removed in 2.0.",
    )
    photography_allowed: bool = strawberry.field(description="C-3: default no.")
    status: AppointmentStatus = strawberry.field(description="C-3: where it stands.")
    approved_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the approver; null while not approved.",
        deprecation_reason="Use `approvedBy` (or `approvedBy { id }`); removed in 2.0.",
    )
    approved_at: datetime | None = strawberry.field(
        description="When it was approved (UTC); null while not approved."
    )
    route_approved_by_id: strawberry.ID | None = strawberry.field(
        description="C-3: the general manager who approved content and route.",
        deprecation_reason="Use `routeApprovedBy` (or `routeApprovedBy { id }`); removed in 2.0.",
    )
    arrived_at: datetime | None = strawberry.field(
        description="When the visitors arrived (UTC); null until checked in."
    )

    site: Site | None = view_link(
        models.Site,
        "site_id",
        Site | None,
        parse_as="Site",
        description="The site.",
    )
    made_by: Staff | None = view_link(
        models.Staff,
        "made_by_id",
        Staff | None,
        parse_as="Staff",
        description="Who made the appointment.",
    )
    approved_by: Staff | None = view_link(
        models.Staff,
        "approved_by_id",
        Staff | None,
        parse_as="Staff",
        description="C-3: who approved it.",
    )
    route_approved_by: Staff | None = view_link(
        models.Staff,
        "route_approved_by_id",
        Staff | None,
        parse_as="Staff",
        description="C-3: the general manager who approved content and route.",
    )
    visit_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="C-3: the register entry the visitors were received with (`checkInVisit"
        "(appointmentId:)`); null when received by `checkInAppointment` or not yet.",
    )

    @classmethod
    def of(cls, row: models.Appointment) -> Appointment:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            kind=row.kind,
            organisation=row.organisation,
            head_count=row.head_count,
            contact=row.contact,
            areas=row.areas,
            visit_at=row.visit_at,
            made_at=row.made_at,
            made_by_id=global_id_of("Staff", row.made_by_id),
            photography_allowed=row.photography_allowed,
            status=row.status,
            approved_by_id=global_id_of("Staff", row.approved_by_id),
            approved_at=row.approved_at,
            route_approved_by_id=global_id_of("Staff", row.route_approved_by_id),
            arrived_at=row.arrived_at,
            visit_id=global_id_of("Visit", row.visit_id),
        )


@strawberry.type(
    description="A booking of a room, a table or a time slot on a business day (KTV-11: the "
    "booker receives the guest and is credited)."
)
class Booking(Node):
    global_id = node_id("Booking")
    id: int = legacy_id()
    site_id: strawberry.ID = strawberry.field(
        description="The site's global id.",
        deprecation_reason="Use `site` (or `site { id }`); removed in 2.0.",
    )
    booked_by_id: strawberry.ID = strawberry.field(
        description="The global id of the staff member who booked (KTV-11: receives the guest "
        "and is credited).",
        deprecation_reason="Use `bookedBy` (or `bookedBy { id }`); removed in 2.0.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer's global id; null for a guest who is not registered.",
        deprecation_reason="Use `customer` (or `customer { id }`); removed in 2.0.",
    )
    guest_name: str = strawberry.field(
        description="The guest's name when no customer is given; may be empty."
    )
    resource_kind: str = strawberry.field(description="What is booked: room, table, slot …")
    resource: str = strawberry.field(description="Which one, e.g. a room or table number.")
    business_date: date = strawberry.field(
        description="The business day it is for (a booking counts on that day only)."
    )
    status: BookingStatus = strawberry.field(description="Held, honoured, cancelled or no-show.")
    created_at: datetime = strawberry.field(description="When it was booked (UTC).")
    updated_at: datetime = strawberry.field(description="The last status change (UTC).")

    site: Site | None = view_link(
        models.Site,
        "site_id",
        Site | None,
        parse_as="Site",
        description="The site.",
    )
    booked_by: Staff | None = view_link(
        models.Staff,
        "booked_by_id",
        Staff | None,
        parse_as="Staff",
        description="KTV-11: who booked (receives the guest and is credited).",
    )
    customer: Customer | None = view_link(
        models.Customer,
        "customer_id",
        Customer | None,
        parse_as="Customer",
        description="The customer, if registered.",
    )
    approval: str | None = strawberry.field(
        default=None,
        description="FC-3: how the entry took effect (`signature` or `sms`) for a kind that "
        "needs approval; null: not approved (or a kind that needs none).",
    )
    approved_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="FC-3: who signed, or the one the SMS went to (global id)."
    )
    approved_at: datetime | None = strawberry.field(
        default=None, description="FC-3: when the entry took effect."
    )

    @classmethod
    def of(cls, row: models.Booking) -> Booking:
        return cls(
            id=row.id,
            site_id=global_id_of("Site", row.site_id),
            booked_by_id=global_id_of("Staff", row.booked_by_id),
            customer_id=global_id_of("Customer", row.customer_id),
            guest_name=row.guest_name,
            resource_kind=row.resource_kind,
            resource=row.resource,
            business_date=row.business_date,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            approval=row.approval,
            approved_by_id=global_id_of("Staff", row.approved_by_id),
            approved_at=row.approved_at,
        )


def _row_node(model: type, view: Any) -> Any:
    async def load(info: Info, key: int) -> Any:
        async with info.context.db.read() as s:
            row = await s.get(model, key)
        return None if row is None else view(row)

    return load


# Schema 1.0 (issue 17): refetchable with node(id:) / nodes(ids:).
register_node("Appointment", _row_node(models.Appointment, Appointment.of))
register_node("Booking", _row_node(models.Booking, Booking.of))


@strawberry.input(description="Input of `makeAppointment` (C-3).")
class MakeAppointmentInput:
    site_id: strawberry.ID = strawberry.field(description="The site visited.")
    kind: str = strawberry.field(
        description="A kind of the line's policy (C-3: key, important, ordinary, ad_hoc)."
    )
    organisation: str = strawberry.field(description="Who visits.")
    head_count: int = strawberry.field(description="How many visitors.")
    contact: str = strawberry.field(description="A contact person and number.")
    visit_at: datetime = strawberry.field(description="When they come, with its UTC offset.")
    areas: str = strawberry.field(default="", description="The areas they visit.")
    acting_staff_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: who records the appointment.",
    )
    photography_allowed: bool = strawberry.field(
        default=False, description="Whether the visitors may take photos."
    )


@strawberry.input(description="Input of `approveAppointment` (C-3).")
class ApproveAppointmentInput:
    appointment_id: strawberry.ID = strawberry.field(description="The appointment.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: the approver."
    )
    route: bool = strawberry.field(
        default=False, description="The general manager approves content and route too."
    )


@strawberry.input(description="Input of `book`.")
class BookInput:
    site_id: strawberry.ID = strawberry.field(description="The site.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: who books."
    )
    resource_kind: str = strawberry.field(description="room, table, slot …")
    resource: str = strawberry.field(description="Which room, table or slot.")
    business_date: date = strawberry.field(description="The business day.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The customer, if registered."
    )
    guest_name: str = strawberry.field(default="", description="The guest's name otherwise.")
    approval: str | None = strawberry.field(
        default=None,
        description="FC-3: for a kind that needs approval, how it took effect when entered "
        "(`signature` or `sms`); omit to approve later with `approveBooking`.",
    )
    approved_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="FC-3: who signed, or the one the SMS went to."
    )


@strawberry.input(description="Input of `approveBooking` (FC-3).")
class ApproveBookingInput:
    booking_id: strawberry.ID = strawberry.field(description="The held booking.")
    approval: str = strawberry.field(
        description="How it takes effect: `signature` (the kind's approver signs) or `sms` "
        "(a text to them when they are away)."
    )
    approved_by_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who signed (a signature is the signer's own act: a staff token signs as "
        "itself), or the one the SMS went to.",
    )


@strawberry.input(description="Input of `penaliseUnapprovedVisit` (C-3).")
class PenaliseUnapprovedVisitInput:
    site_id: strawberry.ID = strawberry.field(description="The site visited.")
    staff_id: strawberry.ID = strawberry.field(
        description="Who led the visitors round (the one penalised)."
    )
    led_at: datetime = strawberry.field(description="When they led the visit, with its offset.")
    acting_staff_id: strawberry.ID = strawberry.field(
        description="The staff member who makes this change (recorded with it); the same name "
        "in every mutation. Here: the manager entering the penalty."
    )
    appointment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The appointment the visit was on, if any: judged at `ledAt` as the desk "
        "would (one approved in time is no fault).",
    )
    amount: Money | None = strawberry.field(
        default=None, description="The fine within the table's bounds (C-3: 300–2000 CNY)."
    )
    reason: str = strawberry.field(default="", description="What happened, for the ledger.")


# The period arguments of the two appointment lists (C-3).
FromAt = Annotated[
    datetime, strawberry.argument(description="Visits at or after this moment (with a UTC offset).")
]
ToAt = Annotated[
    datetime, strawberry.argument(description="Visits before this moment (with a UTC offset).")
]


@strawberry.type
class AppointmentQuery:
    @strawberry.field(
        description="C-3: the appointments of a site visiting in a period.",
        deprecation_reason="Use `appointmentsPage` (a connection); removed in 2.0.",
    )
    async def appointments(
        self,
        info: Info,
        site_id: SiteId,
        from_at: FromAt,
        to_at: ToAt,
    ) -> list[Appointment]:
        sid = parse_id(site_id, "siteId")
        async with info.context.db.session() as s:
            rows = await s.scalars(
                select(models.Appointment)
                .where(
                    models.Appointment.site_id == sid,
                    models.Appointment.visit_at >= from_at,
                    models.Appointment.visit_at < to_at,
                )
                .order_by(models.Appointment.visit_at, models.Appointment.id)
            )
            return [Appointment.of(r) for r in rows.all()]

    @strawberry.field(
        description="The bookings of a site on a business day.",
        deprecation_reason="Use `bookingsPage` (a connection); removed in 2.0.",
    )
    async def bookings(
        self,
        info: Info,
        site_id: SiteId,
        business_date: Annotated[date, strawberry.argument(description="The business day.")],
    ) -> list[Booking]:
        sid = parse_id(site_id, "siteId")
        async with info.context.db.session() as s:
            rows = await s.scalars(
                select(models.Booking)
                .where(models.Booking.site_id == sid, models.Booking.business_date == business_date)
                .order_by(models.Booking.id)
            )
            return [Booking.of(r) for r in rows.all()]

    @strawberry.field(
        description="C-3: the appointments of a site visiting from `fromAt` (included) to "
        "`toAt` (excluded), by visit time (ties by id): a connection (Schema 1.0, issue 17)."
    )
    async def appointments_page(
        self,
        info: Info,
        site_id: SiteId,
        from_at: FromAt,
        to_at: ToAt,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Appointment]:
        m = models.Appointment
        # Filter and order as ix_appointments_site_visit_id (c0019_scale) is written.
        stmt = select(m).where(
            m.site_id == parse_id(site_id, "siteId"), m.visit_at >= from_at, m.visit_at < to_at
        )
        return await site_page(
            info,
            stmt,
            model=m,
            type_name="Appointment",
            cursor_kind="appointment",
            order_column="visit_at",
            view=Appointment.of,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        description="The bookings of a site on a business day, in the order they were made: a "
        "connection (Schema 1.0, issue 17)."
    )
    async def bookings_page(
        self,
        info: Info,
        site_id: SiteId,
        business_date: Annotated[date, strawberry.argument(description="The business day.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Booking]:
        m = models.Booking
        # As ix_bookings_site_date is written; in id order within the day.
        stmt = select(m).where(
            m.site_id == parse_id(site_id, "siteId"), m.business_date == business_date
        )
        return await site_page(
            info,
            stmt,
            model=m,
            type_name="Booking",
            cursor_kind="booking",
            order_column="id",
            view=Booking.of,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.input(description="Input of `checkInAppointment`.")
class CheckInAppointmentInput:
    appointment_id: strawberry.ID = strawberry.field(description="The appointment.")
    arrived_at: datetime = strawberry.field(description="When the visitors arrived.")


@strawberry.input(description="Input of `setBookingStatus`.")
class SetBookingStatusInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    status: BookingStatus = strawberry.field(description="Honoured, cancelled or no-show.")


MakeAppointmentPayload = payload(
    "makeAppointment", "Appointment", {"appointment": (Appointment, "The appointment as recorded.")}
)
ApproveAppointmentPayload = payload(
    "approveAppointment", "Appointment", {"appointment": (Appointment, "The approved appointment.")}
)
CheckInAppointmentPayload = payload(
    "checkInAppointment",
    "Appointment",
    {"appointment": (Appointment, "The appointment, arrived.")},
)
BookPayload = payload("book", "Appointment", {"booking": (Booking, "The booking.")})
ApproveBookingPayload = payload(
    "approveBooking", "Appointment", {"booking": (Booking, "The booking, in effect.")}
)
PenaliseUnapprovedVisitPayload = payload(
    "penaliseUnapprovedVisit",
    "Appointment",
    {"penalty": (Penalty, "The C-3 penalty entry (`C-3-unapproved-visit`).")},
)
SetBookingStatusPayload = payload(
    "setBookingStatus", "Appointment", {"booking": (Booking, "The booking with its new status.")}
)


@strawberry.type
class AppointmentMutation:
    @strawberry.mutation(description="C-3: record a visit appointment as it is made.")
    async def make_appointment(
        self, info: Info, input: MakeAppointmentInput
    ) -> MakeAppointmentPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.make_appointment(
                s,
                ctx.host,
                site_id=parse_id(input.site_id, "siteId"),
                kind=input.kind,
                organisation=input.organisation,
                head_count=input.head_count,
                contact=input.contact,
                areas=input.areas,
                visit_at=input.visit_at,
                made_by_id=parse_id(input.acting_staff_id, "actingStaffId")
                if input.acting_staff_id
                else None,
                photography_allowed=input.photography_allowed,
                now=ctx.now(),
            )
            return MakeAppointmentPayload(appointment=Appointment.of(row))

    @strawberry.mutation(
        description="C-3: the kind's approver (or the general manager) approves.",
        metadata=MANAGE,
    )
    async def approve_appointment(
        self, info: Info, input: ApproveAppointmentInput
    ) -> ApproveAppointmentPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.approve_appointment(
                s,
                ctx.host,
                appointment_id=parse_id(input.appointment_id, "appointmentId", of="Appointment"),
                manager_id=acting(info, input.acting_staff_id, "actingStaffId"),
                route=input.route,
                now=ctx.now(),
            )
            return ApproveAppointmentPayload(appointment=Appointment.of(row))

    @strawberry.mutation(
        description="C-3: the visitors arrive; refused (APPOINTMENT_REFUSED, naming C-3) when "
        "not approved, made short of the kind's lead time or under its minimum party."
    )
    async def check_in_appointment(
        self, info: Info, input: CheckInAppointmentInput
    ) -> CheckInAppointmentPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.check_in_appointment(
                s,
                ctx.host,
                appointment_id=parse_id(input.appointment_id, "appointmentId", of="Appointment"),
                arrived_at=input.arrived_at,
                now=ctx.now(),
            )
            return CheckInAppointmentPayload(appointment=Appointment.of(row))

    @strawberry.mutation(description="Hold a room, a table or a time slot on a business day.")
    async def book(self, info: Info, input: BookInput) -> BookPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.book(
                s,
                site_id=parse_id(input.site_id, "siteId"),
                booked_by_id=acting(info, input.acting_staff_id, "actingStaffId"),
                customer_id=parse_id(input.customer_id, "customerId")
                if input.customer_id
                else None,
                guest_name=input.guest_name,
                resource_kind=input.resource_kind,
                resource=input.resource,
                business_date=input.business_date,
                now=ctx.now(),
                host=ctx.host,
                approval=input.approval,
                approved_by_id=(
                    parse_id(input.approved_by_id, "approvedById") if input.approved_by_id else None
                ),
            )
            return BookPayload(booking=Booking.of(row))

    @strawberry.mutation(
        description="FC-3: a held booking of a kind that needs approval takes effect (a "
        "signature, or an SMS when the approvers are away); events `booking.approved`."
    )
    async def approve_booking(
        self, info: Info, input: ApproveBookingInput
    ) -> ApproveBookingPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            # C-13: a signature is the signer's own act (a staff token signs only as itself);
            # an SMS names whom it was sent to.
            if input.approval == "signature":
                approved_by = acting(info, input.approved_by_id, "approvedById")
            elif input.approved_by_id:
                approved_by = parse_id(input.approved_by_id, "approvedById")
            else:
                approved_by = None
            row = await service.approve_booking(
                s,
                ctx.host,
                booking_id=parse_id(input.booking_id, "bookingId"),
                approval=input.approval,
                approved_by_id=approved_by,
                now=ctx.now(),
            )
            return ApproveBookingPayload(booking=Booking.of(row))

    @strawberry.mutation(
        description="C-3: leading visitors round without an approved appointment is a penalty "
        "entry (`C-3-unapproved-visit`, treated as leaking business secrets), entered by a "
        "manager afterwards: the desk's refusal writes nothing.",
        metadata=MANAGE,
    )
    async def penalise_unapproved_visit(
        self, info: Info, input: PenaliseUnapprovedVisitInput
    ) -> PenaliseUnapprovedVisitPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            penalty = await service.penalise_unapproved_visit(
                s,
                ctx.host,
                site_id=parse_id(input.site_id, "siteId"),
                staff_id=parse_id(input.staff_id, "staffId"),
                appointment_id=(
                    parse_id(input.appointment_id, "appointmentId")
                    if input.appointment_id
                    else None
                ),
                led_at=input.led_at,
                amount=input.amount,
                reason=input.reason,
                manager_id=acting(info, input.acting_staff_id, "actingStaffId"),
                now=ctx.now(),
            )
            fields = children(selection(info), "penalty")
            loaded = await reload(info, models.Penalty, "Penalty", penalty.id, fields, s)
            return PenaliseUnapprovedVisitPayload(penalty=loaded)

    @strawberry.mutation(
        description="A held booking is honoured, cancelled or a no-show (events booking.*)."
    )
    async def set_booking_status(
        self, info: Info, input: SetBookingStatusInput
    ) -> SetBookingStatusPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await service.set_booking_status(
                s,
                booking_id=parse_id(input.booking_id, "bookingId", of="Booking"),
                status=models.BookingStatus(input.status),
                now=ctx.now(),
            )
            return SetBookingStatusPayload(booking=Booking.of(row))
