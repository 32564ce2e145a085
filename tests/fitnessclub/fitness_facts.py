"""The fitness-club rules' test facts: one place for the builders both rule test files use
(a sheet, an appointment, a sale, a claim at the site's +08:00)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from plugins.fitnessclub.rules import (
    Appointment,
    ClaimFacts,
    FollowUpSheet,
    Phone,
    Sale,
    Signature,
)

TZ = timezone(timedelta(hours=8))
SALE_DAY = date(2026, 3, 2)
MOBILE = "13812345678"
NAMES = {"wang": "Wang Li", "zhao": "Zhao Min", "chen": "Chen Yu"}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def phone(**kw: object) -> Phone:
    return Phone(surname="Liu", number=MOBILE, **kw)  # type: ignore[arg-type]


def sheet(who: str, made: datetime, customer: str = "liu", **kw: object) -> FollowUpSheet:
    return FollowUpSheet(who, customer, phone(), made, **kw)  # type: ignore[arg-type]


def appt(
    who: str,
    day: date,
    entered: datetime | None = None,
    customer: str = "liu",
    number: str = MOBILE,
    signature: Signature = Signature.DIRECTOR,
) -> Appointment:
    return Appointment(who, customer, number, day, entered or at(day, 8), signature)


def sale(**kw: object) -> Sale:
    base: dict[str, object] = {
        "sale_id": "s1",
        "closer": "zhao",
        "buyer": "liu",
        "sold_at": at(SALE_DAY, 15),
    }
    base.update(kw)
    return Sale(**base)  # type: ignore[arg-type]


def claim(found: datetime, *, sale_: Sale | None = None, **kw: object) -> ClaimFacts:
    return ClaimFacts(
        sale=sale_ or sale(),
        claimant="wang",
        found_at=found,
        tz=TZ,
        names=NAMES,
        **kw,  # type: ignore[arg-type]
    )


def shares(decision) -> dict[str, Decimal]:
    return {s.consultant: s.fraction for s in decision.shares}
