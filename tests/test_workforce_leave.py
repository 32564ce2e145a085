"""Leave and absenteeism as pure rules (issue 12, ahead of their tables): KTV-4's lead time
and its boundary, C-15's leave on swapped shifts and on public-holiday duty, PM-9's leave
without approval, KTV-4's wage-day deduction and the third day of absenteeism in a month."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.contracts import WorkforcePolicy
from core.workforce_rules import (
    LeaveFacts,
    absenteeism_wage_deduction,
    employment_ended_by_absenteeism,
    leave_absenteeism,
    leave_request_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A KTV line's numbers, as it would return them from frontdesk_workforce_policy.
KTV = dataclasses.replace(
    WorkforcePolicy(),
    leave_lead_days=1,
    absenteeism_wage_days=Decimal(4),
    absenteeism_days_ending_employment=3,
)
CUTOFF = time(6, 0)  # KTV-1: the business day starts at 06:00


def _leave(requested_at: datetime, **kw: object) -> LeaveFacts:
    facts: dict[str, object] = {"approved": True, **kw}
    return LeaveFacts(
        staff_id=1,
        business_date=date(2026, 12, 12),
        requested_at=requested_at,
        **facts,  # type: ignore[arg-type]
    )


def test_KTV_4_leave_is_in_time_until_the_previous_business_days_cutoff() -> None:
    assert KTV.leave_lead_days is not None
    deadline = leave_request_deadline(date(2026, 12, 12), KTV.leave_lead_days, CUTOFF, SHANGHAI)
    assert deadline == datetime(2026, 12, 11, 6, 0, tzinfo=SHANGHAI)
    in_time = _leave(datetime(2026, 12, 11, 5, 59, tzinfo=SHANGHAI))
    assert leave_absenteeism(in_time, deadline) is None
    late = leave_absenteeism(_leave(datetime(2026, 12, 11, 6, 0, tzinfo=SHANGHAI)), deadline)
    assert late is not None and late.rule == "KTV-4"
    # A line without a lead time (deadline None) accepts any approved request.
    assert leave_absenteeism(_leave(datetime(2026, 12, 12, 20, tzinfo=SHANGHAI)), None) is None


def test_C_15_leave_on_a_swapped_shift_or_on_holiday_duty_is_absenteeism() -> None:
    early = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    swapped = leave_absenteeism(_leave(early, on_swapped_shift=True), None)
    assert swapped is not None and swapped.rule == "C-15" and "swapped" in swapped.message
    holiday = leave_absenteeism(_leave(early, on_public_holiday_duty=True), None)
    assert holiday is not None and holiday.rule == "C-15" and "holiday" in holiday.message


def test_PM_9_leave_without_prior_approval_is_absenteeism() -> None:
    unapproved = _leave(datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), approved=False)
    reason = leave_absenteeism(unapproved, None)
    assert reason is not None and reason.rule == "PM-9"


def test_KTV_4_a_day_of_absenteeism_deducts_four_days_of_wages() -> None:
    assert KTV.absenteeism_wage_days is not None
    assert absenteeism_wage_deduction(Decimal("183.33"), KTV.absenteeism_wage_days) == Decimal(
        "733.32"
    )
    assert absenteeism_wage_deduction(Decimal("0.125"), Decimal(1)) == Decimal("0.13")
    with pytest.raises(ValueError):
        absenteeism_wage_deduction(Decimal(-1), Decimal(4))


def test_KTV_4_the_third_day_of_absenteeism_in_a_calendar_month_ends_employment() -> None:
    limit = KTV.absenteeism_days_ending_employment
    december = date(2026, 12, 1)
    two = [date(2026, 12, 3), date(2026, 12, 9), date(2026, 11, 30)]  # one in November
    assert employment_ended_by_absenteeism(two, december, limit) is None
    three = [*two, date(2026, 12, 31)]
    ended = employment_ended_by_absenteeism(three, december, limit)
    assert ended is not None and ended.rule == "KTV-4"
    assert "2026-12-03, 2026-12-09, 2026-12-31" in ended.message
    # The same day recorded twice is one day; a line without the rule never ends employment.
    assert employment_ended_by_absenteeism([*two, date(2026, 12, 9)], december, limit) is None
    assert employment_ended_by_absenteeism(three, december, None) is None
