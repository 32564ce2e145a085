"""C-3 visit appointments as pure rules: kinds with lead times, approvers and minimum group
sizes are policy data (a line replaces :data:`DEFAULT_APPOINTMENT_KINDS`); the check-in
decision is a function of the appointment's facts and the visit's moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    if ahead < kind.lead:
        return Reason(
            "C-3",
            f"the {kind.title.lower()} appointment was made {_span(ahead)} before the visit; "
            f"it needs {_span(kind.lead)}",
        )
    if appointment.head_count < kind.min_group_size:
        return Reason(
            "C-3",
            f"a party of {appointment.head_count} is not received for a "
            f"{kind.title.lower()}: at least {kind.min_group_size}",
        )
    return None


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
