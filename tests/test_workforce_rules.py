"""Core's workforce rules as pure functions (core/workforce_rules.py, issue 11): rosters and
shifts crossing midnight (KTV-1, PM-1), shift swaps (C-15), leave and absenteeism (KTV-4,
C-15, PM-9), attendance (PM-9, KTV-5), the meeting roll call (KTV-2, KTV-10) and the monthly
points (PM-9).  No database, no clock: each test states a rule with its DOMAIN.md id and
asserts the decision and its reason.  These run once per mutant in the mutation run.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.contracts import PointsItem, PointsScheme, WorkforcePolicy
from core.decisions import Reason
from core.workforce_rules import (
    AttendanceDecision,
    LeaveFacts,
    PointsOccurrence,
    ShiftFacts,
    SwapFacts,
    absenteeism_wage_deduction,
    clock_in_decision,
    day_off_decision,
    early_leave_reason,
    employment_ended_by_absenteeism,
    forgotten_clock_in_decision,
    in_a_row,
    item_total,
    lapsed_leave_reason,
    leave_absenteeism,
    leave_day_start,
    leave_request_deadline,
    minutes_late,
    on_duty,
    overlaps,
    points_balance,
    points_threshold_crossed,
    roll_call_status,
    shift_window,
    swap_refusal,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=SHANGHAI)


# --- shifts (KTV-1, PM-1) ------------------------------------------------------------------


def test_KTV_1_a_shift_ending_before_its_start_ends_on_the_next_calendar_day() -> None:
    starts, ends = shift_window(date(2026, 12, 11), time(19, 30), time(2, 0), SHANGHAI)
    assert starts == sh(2026, 12, 11, 19, 30) and ends == sh(2026, 12, 12, 2, 0)
    assert starts.tzinfo is SHANGHAI and ends.tzinfo is SHANGHAI


def test_PM_1_a_day_shift_stays_on_its_business_date() -> None:
    starts, ends = shift_window(date(2026, 12, 11), time(8), time(20), SHANGHAI)
    assert (starts, ends) == (sh(2026, 12, 11, 8), sh(2026, 12, 11, 20))


def test_KTV_1_a_shift_ending_at_its_start_time_lasts_a_whole_day() -> None:
    starts, ends = shift_window(date(2026, 12, 11), time(8), time(8), SHANGHAI)
    assert (starts, ends) == (sh(2026, 12, 11, 8), sh(2026, 12, 12, 8))


def test_PM_1_night_duty_lasts_its_real_length_over_a_daylight_saving_change() -> None:
    # New York falls back on 1 Nov 2026 (02:00 -> 01:00): 20:00-08:00 lasts 13 real hours.
    starts, ends = shift_window(date(2026, 10, 31), time(20), time(8), NEW_YORK)
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == 13 * HOUR
    assert starts.tzinfo is NEW_YORK and ends.tzinfo is NEW_YORK


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(20, tzinfo=UTC), time(8)), (time(20), time(8, tzinfo=UTC))],
)
def test_KTV_1_shift_times_are_the_sites_wall_clock_without_a_zone(start: time, end: time) -> None:
    with pytest.raises(
        ValueError, match=r"^shift times are local wall-clock times of the site, without a zone$"
    ):
        shift_window(date(2026, 12, 11), start, end, SHANGHAI)


def _shift(id: int, staff: int, day: date, start: int, end: int, **kw: Any) -> ShiftFacts:
    starts, ends = shift_window(day, time(start), time(end), SHANGHAI)
    return ShiftFacts(id, staff, day, starts, ends, **kw)


D = date(2026, 12, 7)  # a Monday


def test_PM_1_on_duty_start_inclusive_end_exclusive() -> None:
    night = _shift(1, 10, D, 20, 8)
    day = _shift(2, 11, D + timedelta(days=1), 8, 20)
    assert on_duty([night, day], sh(2026, 12, 7, 20)) == [night]
    assert on_duty([night, day], sh(2026, 12, 8, 7, 59)) == [night]
    assert on_duty([night, day], sh(2026, 12, 8, 8)) == [day]
    assert on_duty([night, day], sh(2026, 12, 7, 19, 59)) == []


def test_C_15_shifts_overlap_only_when_they_share_time() -> None:
    day = _shift(1, 1, D, 8, 20)
    night = _shift(2, 1, D, 20, 8)
    evening = _shift(3, 1, D, 19, 23)
    assert not overlaps(day, night) and not overlaps(night, day)  # touching is no overlap
    assert overlaps(day, evening) and overlaps(evening, day)
    assert overlaps(night, evening) and overlaps(evening, night)
    assert not overlaps(day, _shift(4, 1, D + timedelta(days=1), 8, 20))


def test_C_15_two_shifts_are_in_a_row_with_less_rest_than_the_policy_in_either_order() -> None:
    rest = timedelta(minutes=60)
    day = _shift(1, 1, D, 8, 17)
    evening = _shift(2, 1, D, 18, 23)  # exactly 60 minutes after the day shift
    late = _shift(3, 1, D, 19, 23)
    assert not in_a_row(day, evening, rest) and not in_a_row(evening, day, rest)
    assert in_a_row(day, evening, rest + timedelta(seconds=1))
    assert in_a_row(evening, day, rest + timedelta(seconds=1))
    assert not in_a_row(day, late, rest) and not in_a_row(late, day, rest)
    assert in_a_row(day, late, 2 * HOUR + MINUTE) and in_a_row(late, day, 2 * HOUR + MINUTE)


def test_C_15_overlapping_shifts_are_in_a_row_even_without_a_rest_rule() -> None:
    day = _shift(1, 1, D, 8, 17)
    assert in_a_row(day, _shift(2, 1, D, 16, 23), timedelta(0))
    assert in_a_row(_shift(2, 1, D, 16, 23), day, timedelta(0))
    assert not in_a_row(day, _shift(3, 1, D, 17, 23), timedelta(0))  # touching, no rest rule


def test_C_15_the_swap_register_entry_names_its_two_parties_and_two_dates() -> None:
    swap = SwapFacts(5, 1, 2, date(2026, 12, 3), date(2026, 12, 9))
    assert swap.parties() == (1, 2)
    assert swap.dates() == (date(2026, 12, 3), date(2026, 12, 9))


# --- shift swaps (C-15) ---------------------------------------------------------------------

SHIFT = _shift(10, 1, D, 8, 20)  # the requester's shift given away
PAYBACK = _shift(20, 2, D + timedelta(days=3), 8, 20)  # the counterpart's, taken in return


def _refusal(**kw: Any) -> Any:
    args: dict[str, Any] = {
        "requester_id": 1,
        "counterpart_id": 2,
        "shift": SHIFT,
        "payback": PAYBACK,
        "requester_shifts": [],
        "counterpart_shifts": [],
        "other_swaps": [],
        "policy": WorkforcePolicy(),
        **kw,
    }
    return swap_refusal(**args)


def test_C_15_a_plain_swap_is_allowed() -> None:
    assert _refusal() is None


@pytest.mark.parametrize("holiday", ["shift", "payback"])
def test_C_15_staff_on_public_holiday_duty_may_not_swap(holiday: str) -> None:
    shift = dataclasses.replace(SHIFT, public_holiday=holiday == "shift")
    payback = dataclasses.replace(PAYBACK, public_holiday=holiday == "payback")
    refusal = _refusal(shift=shift, payback=payback)
    day = (shift if holiday == "shift" else payback).business_date.isoformat()
    assert refusal.code == "SWAP_HOLIDAY_DUTY"
    assert refusal.reason == Reason(
        "C-15",
        f"the shift of {day} is public-holiday duty: staff on public-holiday duty may neither "
        "swap nor take leave",
    )


def _swaps(person: int, month: int, n: int, first_id: int = 100) -> list[SwapFacts]:
    # n swaps of `person` with staff 9, three days apart (never adjacent to 7 or 10 Dec).
    return [
        SwapFacts(
            first_id + i, person, 9, date(2026, month, 16 + 3 * i), date(2026, month, 17 + 3 * i)
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("person", [1, 2])
def test_C_15_at_most_three_swaps_per_person_per_month(person: int) -> None:
    refusal = _refusal(other_swaps=_swaps(person, 12, 3))
    assert refusal.code == "SWAP_LIMIT_REACHED"
    assert refusal.reason == Reason(
        "C-15",
        f"staff {person} already has 3 swaps in 2026-12; at most 3 swaps per person per month",
    )
    assert _refusal(other_swaps=_swaps(person, 12, 2)) is None


def test_C_15_the_limit_counts_the_party_as_requester_or_as_counterpart() -> None:
    # Staff 2 is the counterpart of two earlier swaps and the requester of one.
    earlier = [
        SwapFacts(100, 9, 2, date(2026, 12, 16), date(2026, 12, 17)),
        SwapFacts(101, 8, 2, date(2026, 12, 19), date(2026, 12, 20)),
        SwapFacts(102, 2, 8, date(2026, 12, 22), date(2026, 12, 23)),
    ]
    assert _refusal(other_swaps=earlier).reason.message.startswith("staff 2 already has 3 swaps")


def test_C_15_the_limit_counts_swaps_of_the_swapped_shifts_month_only() -> None:
    # Swaps of November, and December swaps of other staff, do not count.
    others = _swaps(1, 11, 3) + [
        SwapFacts(200 + i, 5, 6, date(2026, 12, 16 + 3 * i), date(2026, 12, 17 + 3 * i))
        for i in range(3)
    ]
    assert _refusal(other_swaps=others) is None
    # The month is that of the swapped shift's business date, not of the pay-back.
    payback_in_january = _shift(20, 2, date(2027, 1, 4), 8, 20)
    assert _refusal(payback=payback_in_january, other_swaps=_swaps(1, 1, 3)) is None
    assert _refusal(payback=payback_in_january, other_swaps=_swaps(1, 12, 3)) is not None


def test_C_15_a_line_may_lower_the_monthly_limit() -> None:
    # Seed 002 篇12: at most 2 swaps a month.
    lowered = WorkforcePolicy(swap_limit_per_month=2)
    refusal = _refusal(other_swaps=_swaps(1, 12, 2), policy=lowered)
    assert refusal.code == "SWAP_LIMIT_REACHED"
    assert refusal.reason == Reason(
        "C-15", "staff 1 already has 2 swaps in 2026-12; at most 2 swaps per person per month"
    )
    assert _refusal(other_swaps=_swaps(1, 12, 1), policy=lowered) is None


@pytest.mark.parametrize(
    ("shift_date", "payback_date"),
    [
        (D - timedelta(days=1), D - timedelta(days=9)),  # the day before the swapped shift
        (D, D - timedelta(days=9)),  # the same day
        (D - timedelta(days=9), D + timedelta(days=1)),  # its pay-back the day after
        (D + timedelta(days=20), D + timedelta(days=4)),  # the day after our pay-back
        (D + timedelta(days=20), D + timedelta(days=2)),  # the day before our pay-back
    ],
)
def test_C_15_no_consecutive_swaps(shift_date: date, payback_date: date) -> None:
    adjacent = SwapFacts(5, 1, 7, shift_date, payback_date)
    refusal = _refusal(other_swaps=[adjacent])
    assert refusal.code == "SWAP_CONSECUTIVE"
    assert refusal.reason == Reason(
        "C-15",
        f"staff 1 already swaps on {shift_date.isoformat()} (swap 5); consecutive swaps are "
        "not allowed",
    )


def test_C_15_swaps_two_days_apart_are_not_consecutive() -> None:
    apart = SwapFacts(5, 1, 7, D - timedelta(days=2), D + timedelta(days=5))
    assert _refusal(other_swaps=[apart]) is None


def test_C_15_consecutive_swaps_count_for_the_counterpart_too() -> None:
    theirs = SwapFacts(6, 8, 2, D + timedelta(days=4), D + timedelta(days=20))
    refusal = _refusal(other_swaps=[theirs])
    assert refusal.code == "SWAP_CONSECUTIVE"
    assert refusal.reason == Reason(
        "C-15",
        f"staff 2 already swaps on {(D + timedelta(days=4)).isoformat()} (swap 6); consecutive "
        "swaps are not allowed",
    )
    # A swap of other staff on the next day is no concern of this one.
    assert _refusal(other_swaps=[SwapFacts(7, 8, 9, D + timedelta(days=1), D)]) is None


def test_C_15_the_requester_is_named_first_when_both_parties_swapped_the_day_before() -> None:
    both = SwapFacts(8, 2, 1, D - timedelta(days=1), D - timedelta(days=9))
    assert _refusal(other_swaps=[both]).reason.message.startswith("staff 1 already swaps on")


def test_C_15_the_requester_may_not_end_up_working_two_shifts_in_a_row() -> None:
    # The requester takes the pay-back day shift right after their own night shift.
    own_night = _shift(11, 1, D + timedelta(days=2), 20, 8)
    refusal = _refusal(requester_shifts=[own_night])
    assert refusal.code == "SWAP_SHIFTS_IN_A_ROW"
    assert refusal.reason == Reason(
        "C-15",
        "after the swap staff 1 would work the shift of 2026-12-10 right next to the shift of "
        "2026-12-09 (less than 60 minutes' rest): neither party may end up working two shifts "
        "in a row",
    )


def test_C_15_the_counterpart_may_not_end_up_working_two_shifts_in_a_row() -> None:
    their_night = _shift(21, 2, D, 20, 8)
    refusal = _refusal(counterpart_shifts=[their_night])
    assert refusal.code == "SWAP_SHIFTS_IN_A_ROW"
    assert refusal.reason == Reason(
        "C-15",
        "after the swap staff 2 would work the shift of 2026-12-07 right next to the shift of "
        "2026-12-07 (less than 60 minutes' rest): neither party may end up working two shifts "
        "in a row",
    )


def test_C_15_the_shift_each_party_gives_away_does_not_count_against_them() -> None:
    assert _refusal(requester_shifts=[SHIFT], counterpart_shifts=[PAYBACK]) is None
    # The requester gives away a night shift and takes the counterpart's day shift right after
    # it: neither ends up with both.
    night = _shift(10, 1, D, 20, 8)
    day_after = _shift(20, 2, D + timedelta(days=1), 8, 20)
    kw = {"requester_shifts": [night], "counterpart_shifts": [day_after]}
    assert _refusal(shift=night, payback=day_after, **kw) is None
    # The rest kept between each party's own shifts is the line's minimum rest.
    evening_after_payback = _shift(12, 1, D + timedelta(days=3), 21, 23)  # 60 min after 20:00
    assert _refusal(requester_shifts=[evening_after_payback]) is None
    longer = WorkforcePolicy(min_rest_minutes=61)
    refusal = _refusal(requester_shifts=[evening_after_payback], policy=longer)
    assert refusal.code == "SWAP_SHIFTS_IN_A_ROW"
    assert "(less than 61 minutes' rest)" in refusal.reason.message


def test_C_15_the_refusals_are_checked_in_order() -> None:
    holiday = dataclasses.replace(SHIFT, public_holiday=True)
    limit = _swaps(1, 12, 3)
    consecutive = [SwapFacts(5, 2, 7, D + timedelta(days=2), D + timedelta(days=30))]
    in_a_row_ = [_shift(11, 1, D + timedelta(days=2), 20, 8)]
    every = {"other_swaps": limit + consecutive, "requester_shifts": in_a_row_}
    assert _refusal(shift=holiday, **every).code == "SWAP_HOLIDAY_DUTY"
    assert _refusal(**every).code == "SWAP_LIMIT_REACHED"
    assert _refusal(other_swaps=consecutive, requester_shifts=in_a_row_).code == "SWAP_CONSECUTIVE"


# --- leave and absenteeism (KTV-4, C-15, PM-9) ---------------------------------------------

CUTOFF = time(6)  # KTV-1: the business day starts at 06:00


def test_KTV_4_leave_is_in_time_strictly_before_the_previous_business_days_start() -> None:
    deadline = leave_request_deadline(date(2026, 12, 12), 1, CUTOFF, SHANGHAI)
    assert deadline == sh(2026, 12, 11, 6) and deadline.tzinfo is SHANGHAI
    assert leave_request_deadline(date(2026, 12, 12), 2, CUTOFF, SHANGHAI) == sh(2026, 12, 10, 6)
    assert leave_request_deadline(date(2026, 12, 1), 1, time(0), NEW_YORK) == datetime(
        2026, 11, 30, tzinfo=NEW_YORK
    )


def test_PM_9_leave_needs_approval_before_its_day_starts() -> None:
    starts = leave_day_start(date(2026, 12, 12), CUTOFF, SHANGHAI)
    assert starts == sh(2026, 12, 12, 6) and starts.tzinfo is SHANGHAI
    assert leave_day_start(date(2026, 12, 12), time(0), NEW_YORK) == datetime(
        2026, 12, 12, tzinfo=NEW_YORK
    )


@pytest.mark.parametrize("rule", ["PM-9", "KTV-4"])
def test_PM_9_KTV_4_staying_away_after_a_lapsed_leave_request_is_absenteeism(rule: str) -> None:
    assert lapsed_leave_reason(date(2026, 12, 12), sh(2026, 12, 12, 6), rule) == Reason(
        rule,
        "leave for 2026-12-12 was still undecided when the day started at "
        "2026-12-12T06:00:00+08:00 and the shift was not worked: leave without prior approval "
        "is absenteeism",
    )


def _leave(requested_at: datetime, **kw: Any) -> LeaveFacts:
    return LeaveFacts(staff_id=1, business_date=date(2026, 12, 12), requested_at=requested_at, **kw)


DEADLINE = sh(2026, 12, 11, 6)


def test_KTV_4_leave_requested_at_the_deadline_is_absenteeism() -> None:
    assert leave_absenteeism(_leave(sh(2026, 12, 11, 5, 59), approved=True), DEADLINE) is None
    assert leave_absenteeism(_leave(sh(2026, 12, 11, 6), approved=True), DEADLINE) == Reason(
        "KTV-4",
        "leave for 2026-12-12 was requested at 2026-12-11T06:00:00+08:00, not before "
        "2026-12-11T06:00:00+08:00: it is absenteeism",
    )
    # A line without a lead time (no deadline) takes any approved request.
    assert leave_absenteeism(_leave(sh(2026, 12, 12, 20), approved=True), None) is None


def test_C_15_leave_on_public_holiday_duty_is_refused_first() -> None:
    leave = _leave(
        sh(2026, 12, 13), approved=False, on_public_holiday_duty=True, on_swapped_shift=True
    )
    assert leave_absenteeism(leave, DEADLINE) == Reason(
        "C-15", "leave on 2026-12-12: staff on public-holiday duty may not take leave"
    )


def test_C_15_leave_on_a_swapped_or_pay_back_shift_is_absenteeism() -> None:
    leave = _leave(sh(2026, 12, 13), approved=False, on_swapped_shift=True)
    assert leave_absenteeism(leave, DEADLINE) == Reason(
        "C-15", "leave on 2026-12-12 falls on a swapped or pay-back shift: it is absenteeism"
    )
    early = _leave(sh(2026, 12, 1), approved=True, on_swapped_shift=True)
    assert leave_absenteeism(early, DEADLINE) is not None


def test_PM_9_leave_without_prior_approval_is_absenteeism() -> None:
    unapproved = _leave(sh(2026, 12, 1), approved=False)
    expected = Reason("PM-9", "leave on 2026-12-12 without prior approval is absenteeism")
    assert leave_absenteeism(unapproved, DEADLINE) == expected
    assert leave_absenteeism(unapproved, None) == expected
    # A late request is absenteeism for its lateness first (KTV-4).
    late = leave_absenteeism(_leave(sh(2026, 12, 12), approved=False), DEADLINE)
    assert late is not None and late.rule == "KTV-4"


def test_KTV_4_a_day_of_absenteeism_deducts_days_of_wages_rounded_half_up_to_cents() -> None:
    assert absenteeism_wage_deduction(Decimal("183.33"), Decimal(4)) == Decimal("733.32")
    assert absenteeism_wage_deduction(Decimal("0.125"), Decimal(1)) == Decimal("0.13")
    assert str(absenteeism_wage_deduction(Decimal(200), Decimal(4))) == "800.00"
    assert absenteeism_wage_deduction(Decimal(0), Decimal(4)) == Decimal("0.00")
    assert absenteeism_wage_deduction(Decimal(200), Decimal(0)) == Decimal("0.00")


@pytest.mark.parametrize(("wage", "days"), [(Decimal(-1), Decimal(4)), (Decimal(200), Decimal(-1))])
def test_KTV_4_wages_and_wage_days_are_never_negative(wage: Decimal, days: Decimal) -> None:
    with pytest.raises(
        ValueError, match=r"^a daily wage and a number of wage days are never negative$"
    ):
        absenteeism_wage_deduction(wage, days)


def test_KTV_4_the_third_day_of_absenteeism_in_a_calendar_month_ends_employment() -> None:
    two = [date(2026, 12, 9), date(2026, 12, 3), date(2026, 11, 30), date(2027, 1, 1)]
    assert employment_ended_by_absenteeism(two, date(2026, 12, 15), 3) is None
    three = [*two, date(2026, 12, 31)]
    assert employment_ended_by_absenteeism(three, date(2026, 12, 15), 3) == Reason(
        "KTV-4",
        "3 days of absenteeism in 2026-12 (2026-12-03, 2026-12-09, 2026-12-31): 3 end the "
        "employment",
    )
    # The same day recorded twice is one day.
    assert employment_ended_by_absenteeism([*two, date(2026, 12, 9)], date(2026, 12, 1), 3) is None


def test_KTV_4_a_line_without_the_rule_never_ends_employment_and_a_line_sets_the_count() -> None:
    days = [date(2026, 12, d) for d in (1, 2, 3, 4)]
    assert employment_ended_by_absenteeism(days, date(2026, 12, 1), None) is None
    ended = employment_ended_by_absenteeism(days[:2], date(2026, 12, 1), 2)
    assert ended is not None and ended.message.endswith(
        "(2026-12-01, 2026-12-02): 2 end the employment"
    )
    assert employment_ended_by_absenteeism(days[:1], date(2026, 12, 1), 2) is None


# --- attendance (PM-9, KTV-5) --------------------------------------------------------------

PM9 = WorkforcePolicy(
    absent_after_minutes_late=30, forgotten_clock_in="time_off_in_lieu", days_off_per_month=4
)
START = sh(2026, 12, 7, 8)


@pytest.mark.parametrize(
    ("after", "minutes"),
    [
        (timedelta(0), 0),
        (-HOUR, 0),
        (timedelta(microseconds=1), 1),
        (timedelta(seconds=59), 1),
        (MINUTE, 1),
        (MINUTE + timedelta(milliseconds=500), 2),
        (30 * MINUTE, 30),
        (30 * MINUTE + timedelta(seconds=1), 31),
        (30 * MINUTE + timedelta(seconds=30), 31),
    ],
)
def test_PM_9_any_part_of_a_minute_late_counts_as_a_minute(after: timedelta, minutes: int) -> None:
    late = minutes_late(START, START + after)
    assert late == minutes and type(late) is int


def test_PM_9_clocking_in_at_or_before_the_start_is_present() -> None:
    assert clock_in_decision(START, START, PM9) == AttendanceDecision("present")
    assert clock_in_decision(START, START - HOUR, PM9) == AttendanceDecision("present")


def test_PM_9_exactly_30_minutes_late_is_late_31_is_an_absence() -> None:
    assert clock_in_decision(START, START + 30 * MINUTE, PM9) == AttendanceDecision(
        "late", 30, Reason("PM-9", "clocked in 30 minutes late")
    )
    assert clock_in_decision(START, START + timedelta(seconds=1), PM9) == AttendanceDecision(
        "late", 1, Reason("PM-9", "clocked in 1 minutes late")
    )
    absent = AttendanceDecision(
        "absent",
        31,
        Reason(
            "PM-9", "clocked in 31 minutes late: more than 30 minutes late counts as an absence"
        ),
    )
    assert clock_in_decision(START, START + 31 * MINUTE, PM9) == absent
    # Half a second past 30 minutes is past them: an absence of 31 minutes.
    assert (
        clock_in_decision(START, START + 30 * MINUTE + timedelta(milliseconds=500), PM9) == absent
    )


def test_PM_9_without_an_absence_limit_any_lateness_is_only_late() -> None:
    assert clock_in_decision(START, START + 3 * HOUR, WorkforcePolicy()) == AttendanceDecision(
        "late", 180, Reason("PM-9", "clocked in 180 minutes late")
    )


@pytest.mark.parametrize(
    ("kind", "status"), [("time_off_in_lieu", "time_off_in_lieu"), ("leave", "on_leave")]
)
def test_PM_9_four_days_off_a_month_shared_by_time_off_in_lieu_and_leave(
    kind: str, status: str
) -> None:
    for used in (0, 3):
        assert day_off_decision(kind, used, PM9, date(2026, 12, 7)) == AttendanceDecision(status)
    beyond = AttendanceDecision(
        "absent",
        0,
        Reason(
            "PM-9",
            "2026-12 already has 4 days off in lieu or leave; beyond 4 a month each one counts "
            "as an absence",
        ),
    )
    assert day_off_decision(kind, 4, PM9, date(2026, 12, 7)) == beyond
    assert day_off_decision(kind, 5, PM9, date(2026, 12, 7)).reason == Reason(
        "PM-9",
        "2026-12 already has 5 days off in lieu or leave; beyond 4 a month each one counts as "
        "an absence",
    )
    # A line without a monthly allowance never turns a day off into an absence.
    assert day_off_decision(kind, 40, WorkforcePolicy(), date(2026, 12, 7)) == AttendanceDecision(
        status
    )


def test_PM_9_a_forgotten_clock_in_is_a_day_off_in_lieu_within_the_allowance() -> None:
    assert forgotten_clock_in_decision(3, PM9, date(2026, 12, 7)) == AttendanceDecision(
        "time_off_in_lieu",
        0,
        Reason("PM-9", "a forgotten clock-in is recorded as a day off in lieu (调休)"),
    )
    assert forgotten_clock_in_decision(4, PM9, date(2026, 12, 7)) == AttendanceDecision(
        "absent",
        0,
        Reason(
            "PM-9",
            "2026-12 already has 4 days off in lieu or leave; beyond 4 a month each one counts "
            "as an absence",
        ),
    )


def test_PM_9_a_forgotten_clock_in_is_recorded_as_the_line_says() -> None:
    present = dataclasses.replace(PM9, forgotten_clock_in="present")
    assert forgotten_clock_in_decision(9, present, date(2026, 12, 7)) == AttendanceDecision(
        "present"
    )
    core = WorkforcePolicy()  # core: an absence, since nothing proves the person came
    assert forgotten_clock_in_decision(0, core, date(2026, 12, 7)) == AttendanceDecision(
        "absent", 0, Reason("PM-9", "a forgotten clock-in is recorded as an absence")
    )


END = sh(2026, 12, 7, 20)


def test_KTV_5_leaving_before_the_shift_ends_needs_an_approved_exit_pass() -> None:
    left = END - timedelta(seconds=1)
    expected = Reason(
        "KTV-5",
        "left at 2026-12-07T19:59:59+08:00 before the shift's end at 2026-12-07T20:00:00+08:00 "
        "without an exit pass approved by the direct superior",
    )
    assert early_leave_reason(END, left, None) == expected
    assert early_leave_reason(END, END, None) is None
    assert early_leave_reason(END, END + HOUR, None) is None


def test_KTV_5_the_exit_pass_is_approved_at_or_before_leaving() -> None:
    left = END - HOUR
    assert early_leave_reason(END, left, left) is None
    assert early_leave_reason(END, left, left - HOUR) is None
    late_pass = early_leave_reason(END, left, left + timedelta(seconds=1))
    assert late_pass is not None and late_pass.rule == "KTV-5"
    assert late_pass.message.startswith("left at 2026-12-07T19:00:00+08:00 before the shift's end")


# --- the meeting roll call (KTV-2, KTV-10) ---------------------------------------------------

OPENS = sh(2026, 12, 7, 19, 30)
CLOSES = sh(2026, 12, 7, 20)
AFTER = sh(2026, 12, 7, 23)


def _roll(signed_at: datetime | None, now: datetime = AFTER, **kw: Any) -> Any:
    return roll_call_status(opens_at=OPENS, closes_at=CLOSES, signed_at=signed_at, now=now, **kw)


def test_KTV_2_signed_by_the_meetings_start_is_present() -> None:
    assert _roll(OPENS) == AttendanceDecision("present")
    assert _roll(OPENS - HOUR) == AttendanceDecision("present")
    assert _roll(OPENS, room_booking=True) == AttendanceDecision("present")


def test_KTV_2_signed_after_the_start_until_the_close_is_late() -> None:
    assert _roll(OPENS + timedelta(seconds=1)) == AttendanceDecision(
        "late", 1, Reason("KTV-2", "signed the roll 1 minutes late")
    )
    assert _roll(CLOSES, now=CLOSES) == AttendanceDecision(
        "late", 30, Reason("KTV-2", "signed the roll 30 minutes late")
    )


def test_KTV_2_unsigned_at_the_close_is_an_absence_and_undecided_before() -> None:
    absent = AttendanceDecision(
        "absent", 0, Reason("KTV-2", "not signed when the roll closed: an absence")
    )
    assert _roll(None, now=CLOSES - timedelta(seconds=1)) is None
    assert _roll(None, now=CLOSES) == absent
    assert _roll(None, now=AFTER) == absent
    # Signing after the close without a room booking is still an absence.
    assert _roll(CLOSES + MINUTE, now=AFTER) == absent


def test_KTV_10_a_room_booking_excuses_them_to_sign_afterwards() -> None:
    assert _roll(None, room_booking=True) is None  # they sign afterwards (补签)
    excused = AttendanceDecision(
        "excused",
        0,
        Reason("KTV-10", "a room booking for the evening: signed the roll afterwards (补签)"),
    )
    assert _roll(AFTER, room_booking=True) == excused
    # A cancellation after the close does not matter.
    late_cancel = {"room_booking": True, "booking_cancelled_at": CLOSES + timedelta(seconds=1)}
    assert _roll(None, **late_cancel) is None
    assert _roll(AFTER, **late_cancel) == excused


@pytest.mark.parametrize("cancelled_at", [OPENS - HOUR, OPENS + MINUTE, CLOSES])
def test_KTV_10_a_booking_cancelled_while_the_roll_is_open_is_an_absence(
    cancelled_at: datetime,
) -> None:
    absent = AttendanceDecision(
        "absent",
        0,
        Reason(
            "KTV-10",
            "the room booking was cancelled while the roll was open and they did not come back "
            "to the meeting: an absence",
        ),
    )
    booking = {"room_booking": True, "booking_cancelled_at": cancelled_at}
    assert _roll(None, now=CLOSES - timedelta(seconds=1), **booking) is None
    assert _roll(None, now=CLOSES, **booking) == absent
    assert _roll(AFTER, **booking) == absent
    # They came back to the meeting in time: late, not absent.
    assert _roll(OPENS + 2 * MINUTE, **booking) == AttendanceDecision(
        "late", 2, Reason("KTV-2", "signed the roll 2 minutes late")
    )


# --- monthly points (PM-9) -----------------------------------------------------------------

LATE = PointsItem("LATE", "PM-9", "late", points=Decimal("0.5"), attendance="late")
ABSENT = PointsItem("ABSENT", "PM-9", "absence", points=Decimal(2), attendance="absent")
ATTITUDE = PointsItem(
    "ATTITUDE",
    "PM-9",
    "attitude complaint",
    points=Decimal(1),
    steps=((3, Decimal(5)), (5, Decimal(10))),
)
UNFINISHED = PointsItem(
    "UNFINISHED", "PM-9", "unfinished daily work", min_points=Decimal("0.5"), max_points=Decimal(1)
)
SCHEME = PointsScheme(items=(LATE, ABSENT, ATTITUDE, UNFINISHED))


def _n(code: str, n: int) -> list[PointsOccurrence]:
    return [PointsOccurrence(code) for _ in range(n)]


def test_PM_9_per_occurrence_points_add_up() -> None:
    assert item_total(LATE, _n("LATE", 1)) == Decimal("0.5")
    assert item_total(LATE, _n("LATE", 3)) == Decimal("1.5")
    assert item_total(ABSENT, _n("ABSENT", 2)) == Decimal(4)


def test_PM_9_attitude_complaints_are_stepped_not_added() -> None:
    totals = [item_total(ATTITUDE, _n("ATTITUDE", n)) for n in range(1, 7)]
    assert totals == [Decimal(1), Decimal(2), Decimal(5), Decimal(5), Decimal(10), Decimal(10)]
    # A step never lowers what the occurrences add up to.
    heavy = dataclasses.replace(ATTITUDE, points=Decimal(2))
    assert item_total(heavy, _n("ATTITUDE", 4)) == Decimal(8)


def test_PM_9_a_discretionary_item_sums_the_amounts_issued() -> None:
    issued = [
        PointsOccurrence("UNFINISHED", Decimal("0.5")),
        PointsOccurrence("UNFINISHED", Decimal(1)),
        PointsOccurrence("UNFINISHED"),  # no amount recorded: nothing
    ]
    assert item_total(UNFINISHED, issued) == Decimal("1.5")
    assert item_total(UNFINISHED, issued[2:]) == Decimal(0)
    nothing = item_total(UNFINISHED, [])
    assert nothing == 0 and type(nothing) is Decimal


def test_PM_9_the_month_starts_at_10_points_less_every_items_total() -> None:
    assert points_balance(SCHEME, []) == Decimal(10)
    ledger = [
        *_n("LATE", 2),
        *_n("ABSENT", 1),
        *_n("ATTITUDE", 3),
        PointsOccurrence("UNFINISHED", Decimal("0.5")),
        *_n("NOT_IN_THE_TABLE", 4),
    ]
    # 10 - (1 + 2 + 5 + 0.5)
    assert points_balance(SCHEME, ledger) == Decimal("1.5")
    assert points_balance(SCHEME, _n("ATTITUDE", 1)) == Decimal(9)


def test_PM_9_the_score_does_not_go_below_the_floor() -> None:
    assert points_balance(SCHEME, _n("ABSENT", 6)) == Decimal(0)
    raised = dataclasses.replace(SCHEME, floor=Decimal(1))
    assert points_balance(raised, _n("ABSENT", 5)) == Decimal(1)
    assert points_balance(raised, _n("ABSENT", 4)) == Decimal(2)


def test_PM_9_reaching_5_or_below_is_a_verbal_warning() -> None:
    assert points_threshold_crossed(SCHEME, Decimal("5.5"), Decimal(5)) == (
        "warning",
        Reason("PM-9", "the month's points fell from 5.5 to 5: at 5 or below, a verbal warning"),
    )
    assert points_threshold_crossed(SCHEME, Decimal(6), Decimal("5.5")) is None
    # Already at 5: no second warning.
    assert points_threshold_crossed(SCHEME, Decimal(5), Decimal("4.5")) is None


def test_PM_9_reaching_2_or_below_is_a_penalty_and_wins_over_the_warning() -> None:
    penalty = (
        "penalty",
        Reason("PM-9", "the month's points fell from 4 to 2: at 2 or below, a penalty"),
    )
    assert points_threshold_crossed(SCHEME, Decimal(4), Decimal(2)) == penalty
    assert points_threshold_crossed(SCHEME, Decimal(2), Decimal(0)) is None
    assert points_threshold_crossed(SCHEME, Decimal(10), Decimal(1)) == (
        "penalty",
        Reason("PM-9", "the month's points fell from 10 to 1: at 2 or below, a penalty"),
    )


def test_PM_9_a_scheme_without_thresholds_raises_nothing() -> None:
    bare = dataclasses.replace(SCHEME, warning_at=None, penalty_at=None)
    assert points_threshold_crossed(bare, Decimal(10), Decimal(0)) is None
    warning_only = dataclasses.replace(SCHEME, penalty_at=None)
    crossed = points_threshold_crossed(warning_only, Decimal(10), Decimal(0))
    assert crossed is not None and crossed[0] == "warning"


def test_C_15_a_negative_minimum_rest_is_refused_so_overlapping_shifts_stay_in_a_row():
    """C-15: overlapping shifts are always "in a row"; the policy cannot make the minimum rest
    negative (review finding, 2026-12-02)."""
    from core.contracts import WorkforcePolicy

    with pytest.raises(ValueError, match=r"min_rest_minutes must be 0 or more \(C-15\), got -1"):
        WorkforcePolicy(min_rest_minutes=-1)
    assert WorkforcePolicy(min_rest_minutes=0).min_rest_minutes == 0
