"""Roster and shift-swap rules as pure functions of facts (PM-1, KTV-1, C-15).

Nothing here reads the database or the clock: the service gathers the facts (the shifts, the
swap register, the site's calendar and the line's :class:`~core.contracts.WorkforcePolicy`)
and passes them in, so every rule is tested with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.contracts import PointsItem, PointsScheme, WorkforcePolicy
from core.decisions import Reason


def shift_window(
    business_date: date, start: time, end: time, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The instants a shift of ``business_date`` runs, from local ``start`` to local ``end``.

    The shift starts on the business date; an ``end`` at or before ``start`` is on the next
    calendar day, so a shift may cross midnight (KTV-1 19:30–02:00, PM-1 night duty
    20:00–08:00).  The instants are computed in the site's time zone, so a shift over a
    daylight-saving change lasts its real length.
    """
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("shift times are local wall-clock times of the site, without a zone")
    starts_at = datetime.combine(business_date, start, tzinfo=zone)
    end_day = business_date + timedelta(days=1) if end <= start else business_date
    ends_at = datetime.combine(end_day, end, tzinfo=zone)
    return starts_at, ends_at


@dataclass(frozen=True)
class ShiftFacts:
    """One shift as the rules see it."""

    id: int
    staff_id: int
    business_date: date
    starts_at: datetime
    ends_at: datetime
    public_holiday: bool = False


@dataclass(frozen=True)
class SwapFacts:
    """An active entry of the swap register (requested, agreed or approved)."""

    id: int
    requester_id: int
    counterpart_id: int
    shift_date: date
    payback_date: date

    def parties(self) -> tuple[int, int]:
        return self.requester_id, self.counterpart_id

    def dates(self) -> tuple[date, date]:
        return self.shift_date, self.payback_date


@dataclass(frozen=True)
class SwapRefusal:
    """Why a swap may not happen: a stable error code and the C-15 reason."""

    code: str
    reason: Reason


def overlaps(a: ShiftFacts, b: ShiftFacts) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def in_a_row(a: ShiftFacts, b: ShiftFacts, min_rest: timedelta) -> bool:
    """C-15: two shifts are "in a row" when they overlap or the rest between them is shorter
    than ``min_rest`` (the line's ``min_rest_minutes``, never negative).

    The rest is the later shift's start less the earlier one's end, in either order; shifts
    that overlap have a negative rest, so they are always in a row.
    """
    return max(b.starts_at - a.ends_at, a.starts_at - b.ends_at) < min_rest


def on_duty(shifts: Iterable[ShiftFacts], moment: datetime) -> list[ShiftFacts]:
    """PM-1: the shifts running at ``moment`` (start inclusive, end exclusive)."""
    return [s for s in shifts if s.starts_at <= moment < s.ends_at]


def _month(d: date) -> tuple[int, int]:
    return d.year, d.month


def swap_refusal(
    *,
    requester_id: int,
    counterpart_id: int,
    shift: ShiftFacts,
    payback: ShiftFacts,
    requester_shifts: Sequence[ShiftFacts],
    counterpart_shifts: Sequence[ShiftFacts],
    other_swaps: Sequence[SwapFacts],
    policy: WorkforcePolicy,
) -> SwapRefusal | None:
    """C-15: None when the requester may give ``shift`` to the counterpart and take the
    counterpart's pay-back shift ``payback``; else the first reason it is refused.

    ``requester_shifts`` / ``counterpart_shifts`` are each party's other rostered shifts near
    the two dates; ``other_swaps`` the active register entries involving either party (this
    swap excluded).  Checked in order: public-holiday duty, the monthly limit (each party,
    by the month of the swapped shift's business date, pending entries included so a limit
    cannot be overrun by requests in flight), consecutive swaps (another swap of either party
    on the same or an adjacent business day), and two shifts in a row after the exchange.
    """
    for s in (shift, payback):
        if s.public_holiday:
            return SwapRefusal(
                "SWAP_HOLIDAY_DUTY",
                Reason(
                    "C-15",
                    f"the shift of {s.business_date.isoformat()} is public-holiday duty: staff "
                    "on public-holiday duty may neither swap nor take leave",
                ),
            )
    month = _month(shift.business_date)
    limit = policy.swap_limit_per_month
    for person in (requester_id, counterpart_id):
        used = sum(
            1 for w in other_swaps if person in w.parties() and _month(w.shift_date) == month
        )
        if used >= limit:
            return SwapRefusal(
                "SWAP_LIMIT_REACHED",
                Reason(
                    "C-15",
                    f"staff {person} already has {used} swaps in "
                    f"{shift.business_date:%Y-%m}; at most {limit} swaps per person per month",
                ),
            )
    mine = (shift.business_date, payback.business_date)
    for w in other_swaps:
        for person in (requester_id, counterpart_id):
            if person not in w.parties():
                continue
            if any(abs((a - b).days) <= 1 for a in mine for b in w.dates()):
                return SwapRefusal(
                    "SWAP_CONSECUTIVE",
                    Reason(
                        "C-15",
                        f"staff {person} already swaps on {w.shift_date.isoformat()} (swap "
                        f"{w.id}); consecutive swaps are not allowed",
                    ),
                )
    rest = timedelta(minutes=policy.min_rest_minutes)
    for person, taken, kept in (
        (requester_id, payback, [s for s in requester_shifts if s.id != shift.id]),
        (counterpart_id, shift, [s for s in counterpart_shifts if s.id != payback.id]),
    ):
        for other in kept:
            if in_a_row(taken, other, rest):
                return SwapRefusal(
                    "SWAP_SHIFTS_IN_A_ROW",
                    Reason(
                        "C-15",
                        f"after the swap staff {person} would work the shift of "
                        f"{taken.business_date.isoformat()} right next to the shift of "
                        f"{other.business_date.isoformat()} (less than "
                        f"{policy.min_rest_minutes} minutes' rest): neither party may end up "
                        "working two shifts in a row",
                    ),
                )
    return None


# --- leave and absenteeism (KTV-4, C-15, PM-9) ---------------------------------------------


def leave_request_deadline(
    leave_date: date, lead_days: int, business_day_starts: time, zone: ZoneInfo
) -> datetime:
    """KTV-4 *Decided*: leave "one day ahead" is in time strictly before the start of the
    business day ``lead_days`` before the leave (the KTV's business day starts at its 06:00
    cutoff: 05:59 in time, 06:00 late)."""
    return datetime.combine(
        leave_date - timedelta(days=lead_days), business_day_starts, tzinfo=zone
    )


def leave_day_start(business_date: date, business_day_starts: time, zone: ZoneInfo) -> datetime:
    """When the business day of a leave starts (site-local; KTV-1: 06:00, core: 00:00): a
    request still undecided then lapses (issue 12, *Decided*) — leave needs prior approval."""
    return datetime.combine(business_date, business_day_starts, tzinfo=zone)


def lapsed_leave_reason(business_date: date, started_at: datetime, rule: str) -> Reason:
    """PM-9 / KTV-4: why staying away on the day of a lapsed (undecided) leave request is
    absenteeism."""
    return Reason(
        rule,
        f"leave for {business_date.isoformat()} was still undecided when the day started at "
        f"{started_at.isoformat()} and the shift was not worked: leave without prior approval "
        "is absenteeism",
    )


@dataclass(frozen=True)
class LeaveFacts:
    """A leave (or 调休) on one business day as the rules see it."""

    staff_id: int
    business_date: date
    requested_at: datetime
    approved: bool
    on_public_holiday_duty: bool = False
    on_swapped_shift: bool = False  # the day is a swapped or pay-back shift of a C-15 swap


def leave_absenteeism(leave: LeaveFacts, deadline: datetime | None) -> Reason | None:
    """Why a leave counts as absenteeism (旷工), or None when it is a proper leave.

    In order: public-holiday duty allows no leave (C-15); leave on a swapped or pay-back shift
    is absenteeism (C-15); a request at or after the line's deadline is absenteeism (KTV-4);
    leave without prior approval is absenteeism (PM-9).
    """
    day = leave.business_date.isoformat()
    if leave.on_public_holiday_duty:
        return Reason("C-15", f"leave on {day}: staff on public-holiday duty may not take leave")
    if leave.on_swapped_shift:
        return Reason(
            "C-15", f"leave on {day} falls on a swapped or pay-back shift: it is absenteeism"
        )
    if deadline is not None and leave.requested_at >= deadline:
        return Reason(
            "KTV-4",
            f"leave for {day} was requested at {leave.requested_at.isoformat()}, not before "
            f"{deadline.isoformat()}: it is absenteeism",
        )
    if not leave.approved:
        return Reason("PM-9", f"leave on {day} without prior approval is absenteeism")
    return None


def absenteeism_wage_deduction(daily_wage: Decimal, wage_days: Decimal) -> Decimal:
    """KTV-4: a day of absenteeism deducts ``wage_days`` days of the daily wage (CNY, cents)."""
    if daily_wage < 0 or wage_days < 0:
        raise ValueError("a daily wage and a number of wage days are never negative")
    return (daily_wage * wage_days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def employment_ended_by_absenteeism(
    absenteeism_days: Iterable[date], month: date, limit: int | None
) -> Reason | None:
    """KTV-4: ``limit`` days of absenteeism within one calendar month (by business date) is
    automatic resignation; None below it or when the line has no such rule."""
    if limit is None:
        return None
    first = month.replace(day=1)
    days = sorted({d for d in absenteeism_days if d.replace(day=1) == first})
    if len(days) < limit:
        return None
    return Reason(
        "KTV-4",
        f"{len(days)} days of absenteeism in {first:%Y-%m} "
        f"({', '.join(d.isoformat() for d in days)}): {limit} end the employment",
    )


# --- attendance (PM-9, KTV-5) ----------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceDecision:
    """How a clock-in or a recorded day counts: ``status`` is one of "present", "late",
    "absent", "absenteeism", "time_off_in_lieu", "on_leave"; ``reason`` says why (None when
    present on time)."""

    status: str
    minutes_late: int = 0
    reason: Reason | None = None


def minutes_late(starts_at: datetime, clocked_in_at: datetime) -> int:
    """Whole minutes late, any part of a minute counting as a minute (30:00 → 30, 30:01 →
    31, 30:00.5 → 31); 0 at or before the start.

    PM-9 (seed 002 篇6: "迟到一次0.5分;超过30分钟以上算缺勤"): the minutes are rounded up
    from the exact lateness, fractions of a second included, so a clock-in half a second after
    the start is 1 minute late (it used to count whole seconds only: "present"), and one half
    a second past 30 minutes is 31 minutes, the absence it is decided as.
    """
    return max(0, -(-(clocked_in_at - starts_at) // timedelta(minutes=1)))


def clock_in_decision(
    starts_at: datetime, clocked_in_at: datetime, policy: WorkforcePolicy
) -> AttendanceDecision:
    """PM-9: on time at or before the shift's start; late after it; more than the line's
    ``absent_after_minutes_late`` late counts as an absence (exactly 30 minutes is late, 31
    an absence)."""
    late = clocked_in_at - starts_at
    minutes = minutes_late(starts_at, clocked_in_at)
    if minutes == 0:
        return AttendanceDecision("present")
    limit = policy.absent_after_minutes_late
    if limit is not None and late > timedelta(minutes=limit):
        return AttendanceDecision(
            "absent",
            minutes,
            Reason(
                "PM-9",
                f"clocked in {minutes} minutes late: more than {limit} minutes late counts as "
                "an absence",
            ),
        )
    return AttendanceDecision("late", minutes, Reason("PM-9", f"clocked in {minutes} minutes late"))


def day_off_decision(
    kind: str, days_off_used: int, policy: WorkforcePolicy, business_date: date
) -> AttendanceDecision:
    """PM-9: a day off in lieu (调休, a forgotten clock-in included) or an approved leave
    uses one of the month's ``days_off_per_month``; each one beyond them counts as an
    absence.  ``days_off_used``: the days already used in the month (this one excluded)."""
    status = "time_off_in_lieu" if kind == "time_off_in_lieu" else "on_leave"
    allowance = policy.days_off_per_month
    if allowance is not None and days_off_used >= allowance:
        return AttendanceDecision(
            "absent",
            0,
            Reason(
                "PM-9",
                f"{business_date:%Y-%m} already has {days_off_used} days off in lieu or leave; "
                f"beyond {allowance} a month each one counts as an absence",
            ),
        )
    return AttendanceDecision(status)


def forgotten_clock_in_decision(
    days_off_used: int, policy: WorkforcePolicy, business_date: date
) -> AttendanceDecision:
    """PM-9: a forgotten clock-in is recorded as the line says: a day off in lieu (then it
    uses the month's allowance like any 调休), an absence, or present."""
    how = policy.forgotten_clock_in
    if how == "time_off_in_lieu":
        decision = day_off_decision("time_off_in_lieu", days_off_used, policy, business_date)
        if decision.reason is None:  # within the month's allowance
            return replace(
                decision,
                reason=Reason(
                    "PM-9", "a forgotten clock-in is recorded as a day off in lieu (调休)"
                ),
            )
        return decision
    if how == "present":
        return AttendanceDecision("present")
    return AttendanceDecision(
        "absent", 0, Reason("PM-9", "a forgotten clock-in is recorded as an absence")
    )


def early_leave_reason(
    ends_at: datetime, clocked_out_at: datetime, pass_approved_at: datetime | None
) -> Reason | None:
    """KTV-5: leaving before the shift ends needs an exit pass approved by the direct
    superior at or before leaving; None when the person stayed or had such a pass."""
    if clocked_out_at >= ends_at:
        return None
    if pass_approved_at is not None and pass_approved_at <= clocked_out_at:
        return None
    return Reason(
        "KTV-5",
        f"left at {clocked_out_at.isoformat()} before the shift's end at {ends_at.isoformat()} "
        "without an exit pass approved by the direct superior",
    )


# --- meetings with a roll call (KTV-2, KTV-10) -----------------------------------------------


def roll_call_status(
    *,
    opens_at: datetime,
    closes_at: datetime,
    signed_at: datetime | None,
    room_booking: bool = False,
    booking_cancelled_at: datetime | None = None,
    now: datetime,
) -> AttendanceDecision | None:
    """KTV-2/KTV-10: one person's line on the roll; None while the roll is open and it is
    not yet decided.

    Signed by the meeting's start: present; later, until the close: late; unsigned at the
    close: absent.  A room booking for the evening excuses them: they sign afterwards (补签)
    and are "excused" — unless the booking was cancelled while the roll was open and they did
    not come back (absent); a cancellation after the close does not matter.
    """
    if signed_at is not None and signed_at <= opens_at:
        return AttendanceDecision("present")
    if signed_at is not None and signed_at <= closes_at:
        minutes = minutes_late(opens_at, signed_at)
        return AttendanceDecision(
            "late", minutes, Reason("KTV-2", f"signed the roll {minutes} minutes late")
        )
    excused = room_booking and (booking_cancelled_at is None or booking_cancelled_at > closes_at)
    if excused:
        if signed_at is None:
            return None  # they sign afterwards (补签)
        return AttendanceDecision(
            "excused",
            0,
            Reason("KTV-10", "a room booking for the evening: signed the roll afterwards (补签)"),
        )
    if now < closes_at:
        return None
    if room_booking:
        return AttendanceDecision(
            "absent",
            0,
            Reason(
                "KTV-10",
                "the room booking was cancelled while the roll was open and they did not come "
                "back to the meeting: an absence",
            ),
        )
    return AttendanceDecision(
        "absent", 0, Reason("KTV-2", "not signed when the roll closed: an absence")
    )


# --- monthly points (PM-9) -------------------------------------------------------------------


@dataclass(frozen=True)
class PointsOccurrence:
    """One standing (not revoked) entry of the month's points ledger."""

    item_code: str
    points: Decimal | None = None  # the amount of a discretionary item


def item_total(item: PointsItem, occurrences: Sequence[PointsOccurrence]) -> Decimal:
    """PM-9: the month's deduction for one item of the table.

    Per-occurrence points add up; a stepped rule replaces the sum once a step's count is
    reached, never adding to it (attitude complaints 1, 2, 5, 5, 10 for the 1st … 5th); a
    discretionary item sums the amounts issued.
    """
    n = len(occurrences)
    if item.points is None:
        total = sum((o.points or Decimal(0) for o in occurrences), Decimal(0))
    else:
        total = item.points * n
    for count, step_total in item.steps:
        if n >= count:
            total = max(total, step_total)
    return total


def points_balance(scheme: PointsScheme, occurrences: Sequence[PointsOccurrence]) -> Decimal:
    """PM-9: the month's allowance less every item's total, never below the floor."""
    deducted = Decimal(0)
    for item in scheme.items:
        mine = [o for o in occurrences if o.item_code == item.code]
        if mine:
            deducted += item_total(item, mine)
    return max(scheme.floor, scheme.allowance - deducted)


def points_threshold_crossed(
    scheme: PointsScheme, before: Decimal, after: Decimal
) -> tuple[str, Reason] | None:
    """PM-9: ("penalty" | "warning", reason) when the balance falls from above a threshold
    to it or below (5 or below: a verbal warning; 2 or below: a penalty; both inclusive);
    the lower threshold wins when one entry crosses both."""
    for level, mark in (("penalty", scheme.penalty_at), ("warning", scheme.warning_at)):
        if mark is not None and after <= mark < before:
            what = "a penalty" if level == "penalty" else "a verbal warning"
            return level, Reason(
                "PM-9",
                f"the month's points fell from {before} to {after}: at {mark} or below, {what}",
            )
    return None
