"""C-3 visit appointments as pure rules: kinds with lead times, approvers and minimum group
sizes are policy data (a line replaces :data:`DEFAULT_APPOINTMENT_KINDS`); the check-in
decision is a function of the appointment's facts and the visit's moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from core.decisions import Reason


@dataclass(frozen=True)
class AppointmentKind:
    """One kind of visit appointment (C-3).

    ``lead``: how long before the visit it must be made (calendar time, *Decided*: days are
    24-hour periods); ``approver_roles``: who may approve it; ``min_group_size``: smaller
    parties are not received (ordinary clients under 5); ``by_phone``: made by phone.
    """

    code: str
    title: str
    lead: timedelta
    approver_roles: tuple[str, ...]
    min_group_size: int = 1
    by_phone: bool = False


#: C-3's kinds (seeds 001 篇3, 003 篇14).  The general manager approves content and route on
#: top of the kind's approver.
DEFAULT_APPOINTMENT_KINDS: Mapping[str, AppointmentKind] = MappingProxyType(
    {
        k.code: k
        for k in (
            AppointmentKind(
                "key", "Key or group visit", timedelta(days=3), ("customer_service_manager",)
            ),
            AppointmentKind(
                "important", "Important customer", timedelta(days=5), ("customer_service_manager",)
            ),
            AppointmentKind(
                "ordinary",
                "Ordinary visit",
                timedelta(days=1),
                ("customer_manager",),
                min_group_size=5,
            ),
            AppointmentKind(
                "ad_hoc", "Ad-hoc visit by phone", timedelta(hours=1), (), by_phone=True
            ),
        )
    }
)


@dataclass(frozen=True)
class AppointmentFacts:
    """An appointment as the check-in rule sees it."""

    kind: AppointmentKind
    made_at: datetime
    visit_at: datetime
    head_count: int
    approved_at: datetime | None


def appointment_refusal(
    appointment: AppointmentFacts | None, arrived_at: datetime
) -> Reason | None:
    """C-3: why a visit is refused at check-in, or None when it may be received.

    Refused: no appointment; an appointment not approved before the visit arrives; made less
    than the kind's lead time before the visit (exactly the lead time is in time); a party
    smaller than the kind's minimum group size.
    """
    if appointment is None:
        return Reason("C-3", "a visit without an approved appointment is refused")
    kind = appointment.kind
    if appointment.approved_at is None or appointment.approved_at > arrived_at:
        return Reason("C-3", f"the {kind.title.lower()} appointment is not approved")
    ahead = appointment.visit_at - appointment.made_at
    if ahead < timedelta(0):
        return Reason(
            "C-3",
            f"the {kind.title.lower()} appointment was made {_span(-ahead)} after the visit "
            f"was due; it needs {_span(kind.lead)} before",
        )
    if ahead < kind.lead:
        return Reason(
            "C-3",
            f"the {kind.title.lower()} appointment was made {_span(ahead)} before the visit; "
            f"it needs {_span(kind.lead)}",
        )
    if appointment.head_count < kind.min_group_size:
        return Reason(
            "C-3",
            f"a party of {appointment.head_count} is not received for this "
            f"{kind.title.lower()}: at least {kind.min_group_size}",
        )
    return None


def check_in_refusal(
    *, required: bool, appointment: AppointmentFacts | None, arrived_at: datetime
) -> Reason | None:
    """C-3 at the desk (``checkInVisit``): why a visit is refused, or None.

    ``required``: the line's policy says this visit needs an appointment
    (``WorkforcePolicy.appointment_required_for``: the visitor kinds of walk-ins that are
    visits by appointment).  A visit that names an appointment is checked against it
    whatever the policy (:func:`appointment_refusal`: approved before arrival, made at least
    the kind's lead time before the visit — exactly the lead time is in time — and a party of
    at least the kind's minimum); one that names none is refused only when required.
    """
    if appointment is None:
        if not required:
            return None
        return Reason(
            "C-3",
            "a visit without an approved appointment is refused at check-in: this site "
            "receives such visits only by appointment",
        )
    return appointment_refusal(appointment, arrived_at)


# --- generic bookings (issue 12: KTV-11 rooms and tables, FC-3 / FC-6 appointment book) ----

#: How a booking of a kind that needs approval takes effect (FC-3, seed 000 篇八 item 10:
#: 總監或總經理簽字, 如都不在可發送短信).
BOOKING_APPROVALS: tuple[str, ...] = ("signature", "sms")


@dataclass(frozen=True)
class BookingKind:
    """A kind of booking (``resourceKind``) as line policy data
    (``WorkforcePolicy.booking_kinds``); a resource kind the line does not list books as
    ``BookingKind(code, code)``: exclusive, no approval (a room, a table).

    ``exclusive``: one held or honoured booking per resource and business day (a room); an
    appointment book is not (two consultants may book one customer: the earliest entry wins,
    FC-3).  ``approvals``: how an entry takes effect, among :data:`BOOKING_APPROVALS` (FC-3:
    a signature, or an SMS when the signers are away); () means it needs none.
    ``approver_roles``: who signs or is texted.  ``rule``: the rule id its decisions name.
    """

    code: str
    title: str
    exclusive: bool = True
    approvals: tuple[str, ...] = ()
    approver_roles: tuple[str, ...] = ()
    rule: str = "KTV-11"


@dataclass(frozen=True)
class BookingFacts:
    """A booking as the validity rule sees it (``status``: held, honoured, cancelled,
    no_show; ``approval``: how it took effect, or None)."""

    kind: BookingKind
    business_date: date
    status: str
    approval: str | None = None


def booking_validity(booking: BookingFacts, on_day: date) -> tuple[bool, Reason]:
    """Does ``booking`` count on business day ``on_day``, and why (FC-3, KTV *Decided*).

    A booking counts only on its own business date (FC-3: the appointment book is valid only
    on its day; KTV: a booking counts only on its own business date); a cancelled booking or
    a no-show never; a kind that needs approval (FC-3: the director's or general manager's
    signature, or an SMS to them when both are away) only once approved.
    """
    kind = booking.kind
    what = f"the {kind.title.lower()} entry for {booking.business_date.isoformat()}"
    if booking.status in ("cancelled", "no_show"):
        return False, Reason(kind.rule, f"{what} is {booking.status.replace('_', '-')}")
    if booking.business_date != on_day:
        return False, Reason(
            kind.rule, f"{what} is valid only on its own day, not on {on_day.isoformat()}"
        )
    if kind.approvals and booking.approval not in kind.approvals:
        ways = " or ".join("a signature" if a == "signature" else "an SMS" for a in kind.approvals)
        return False, Reason(kind.rule, f"{what} takes effect only with {ways}; it has none")
    how = f" ({booking.approval})" if booking.approval else ""
    return True, Reason(kind.rule, f"{what} counts on its day{how}")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{mins} min" if mins else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"
