"""Car-wash rules: plain functions of facts, no database, web or clock imports.

- CW-1 An arriving car goes to the attendant with the fewest washes so far this business
  day; a tie goes to the attendant hired first (the lowest staff id).  Every wash counts.
- CW-2 Someone who only asks the way is registered (C-4) and answered by the attendant CW-1
  picks, but it is no wash: no bay, and the visit does not count.
- CW-3 Bays are handed out in turn: the n-th wash of the day goes to bay ((n - 1) mod bays) + 1.
- CW-4 A car handed back unwashed: the attendant is fined 50-200 CNY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.plugin_api.rules import Reason

BAYS = 3
UNWASHED_FINE = (Decimal("50"), Decimal("200"))  # CW-4, CNY


class NoAttendant(Exception):
    """No active attendant works at the site: nobody can take the car (CW-1)."""


@dataclass(frozen=True)
class Attendant:
    staff_id: int
    name: str
    washes_today: int


@dataclass(frozen=True)
class Assignment:
    attendant_id: int | None
    bay: int | None
    counted: bool
    reason: Reason


def assign(
    visitor_kind: str, attendants: Sequence[Attendant], washes_today: int, bays: int = BAYS
) -> Assignment:
    """Who washes the car and in which bay (CW-1, CW-2, CW-3)."""
    if not attendants:
        raise NoAttendant("no active attendant at this site takes cars (CW-1)")
    chosen = min(attendants, key=lambda a: (a.washes_today, a.staff_id))
    if visitor_kind == "directions":
        reason = Reason("CW-2", f"{chosen.name} showed the way; no wash")
        return Assignment(chosen.staff_id, None, False, reason)
    bay = washes_today % bays + 1
    return Assignment(
        chosen.staff_id,
        bay,
        True,
        Reason(
            "CW-1",
            f"{chosen.name} has washed the fewest cars today ({chosen.washes_today}); bay {bay}",
        ),
    )
