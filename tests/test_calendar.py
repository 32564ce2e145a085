"""C-11: working days of a site's calendar (weekends, public holidays, make-up days 调休)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from core.calendar import WorkingCalendar, calendar_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

# The make-up working days of 2026 as the holidays package lists them ("substituted from").
MAKE_UP_DAYS_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


@pytest.fixture
def cn() -> WorkingCalendar:
    return calendar_for("CN", "Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# --- is_working_day ----------------------------------------------------------------------------


def test_c11_ordinary_weekdays_work_and_weekends_do_not(cn: WorkingCalendar) -> None:
    assert cn.is_working_day(date(2026, 3, 6))  # Friday
    assert not cn.is_working_day(date(2026, 3, 7))  # Saturday
    assert not cn.is_working_day(date(2026, 3, 8))  # Sunday
    assert cn.is_working_day(date(2026, 3, 9))  # Monday


@pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)])
def test_c11_national_day_2026_is_off(cn: WorkingCalendar, day: date) -> None:
    assert not cn.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, d) for d in range(15, 24)])
def test_c11_spring_festival_2026_is_off(cn: WorkingCalendar, day: date) -> None:
    assert not cn.is_working_day(day)


@pytest.mark.parametrize("day", MAKE_UP_DAYS_2026)
def test_c11_make_up_weekend_days_are_working_days(cn: WorkingCalendar, day: date) -> None:
    assert day.weekday() >= 5, "the fixture should be a Saturday or Sunday"
    # The calendar takes this from the package, it is not hard-coded: check the source agrees.
    assert day in holidays.country_holidays("CN", years=2026).weekend_workdays
    assert cn.is_working_day(day)


def test_c11_site_closures_and_extra_working_days_override_public_data() -> None:
    site = WorkingCalendar(
        region="CN",
        tz="Asia/Shanghai",
        extra_closed_days=(date(2026, 3, 9), date(2026, 10, 10)),
        extra_working_days=(date(2026, 10, 1),),
    )
    assert not site.is_working_day(date(2026, 3, 9))  # a Monday the site is shut
    assert not site.is_working_day(date(2026, 10, 10))  # even a make-up day
    assert site.is_working_day(date(2026, 10, 1))  # open on National Day


def test_c11_a_day_cannot_be_both_closed_and_working() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(
            extra_closed_days=(date(2026, 3, 9),), extra_working_days=(date(2026, 3, 9),)
        )


def test_c11_is_working_day_wants_a_local_date_not_a_datetime(cn: WorkingCalendar) -> None:
    with pytest.raises(TypeError, match="local_date"):
        cn.is_working_day(sh(2026, 3, 9, 10))  # type: ignore[arg-type]


# --- construction ------------------------------------------------------------------------------


def test_c11_unknown_region_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="unknown calendar region 'XX'"):
        WorkingCalendar(region="XX")


def test_c11_unknown_subdivision_and_time_zone_are_value_errors() -> None:
    with pytest.raises(ValueError, match="subdivision"):
        WorkingCalendar(region="US", tz="America/New_York", subdivision="ZZ")
    with pytest.raises(ValueError, match="time zone"):
        WorkingCalendar(tz="Mars/Olympus_Mons")


def test_c11_region_code_is_normalised_and_factory_is_cached() -> None:
    assert WorkingCalendar(region="cn").region == "CN"
    assert calendar_for("CN", "Asia/Shanghai") is calendar_for("CN", "Asia/Shanghai")
    assert WorkingCalendar() == calendar_for()


# --- add_working_days --------------------------------------------------------------------------


def test_c11_deadline_is_the_end_of_the_nth_working_day_across_a_weekend(
    cn: WorkingCalendar,
) -> None:
    # Friday afternoon + 1 working day: Friday itself is not counted, Monday is the first.
    assert cn.add_working_days(sh(2026, 3, 6, 16, 30), 1) == sh(2026, 3, 10, 0, 0)


def test_c11_deadline_skips_national_day_and_counts_the_make_up_saturday(
    cn: WorkingCalendar,
) -> None:
    # 10-01..10-07 off; 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up day) → end of 10-10.
    due = cn.add_working_days(sh(2026, 9, 30, 15, 0), 3)
    assert due == sh(2026, 10, 11, 0, 0)
    assert due.tzinfo == SHANGHAI


def test_c11_deadline_across_spring_festival_2026(cn: WorkingCalendar) -> None:
    # Fri 02-13 → Sat 02-14 (make-up) 1, 02-15..02-23 off, Tue 02-24 2, Wed 02-25 3.
    assert cn.add_working_days(sh(2026, 2, 13, 9, 0), 3) == sh(2026, 2, 26, 0, 0)


def test_c11_a_make_up_sunday_counts_as_a_working_day(cn: WorkingCalendar) -> None:
    # Fri 09-18 + 1: Sat 09-19 off, Sun 09-20 is a make-up working day.
    assert cn.add_working_days(sh(2026, 9, 18, 11, 0), 1) == sh(2026, 9, 21, 0, 0)


def test_c11_a_complaint_filed_on_a_holiday_counts_from_the_next_working_day(
    cn: WorkingCalendar,
) -> None:
    assert cn.add_working_days(sh(2026, 10, 3, 10, 0), 1) == sh(2026, 10, 9, 0, 0)


def test_c11_same_instant_gives_different_deadlines_in_different_site_time_zones() -> None:
    instant = datetime(2026, 9, 29, 20, 0, tzinfo=UTC)  # Sep 30 04:00 Shanghai, Sep 29 16:00 NY
    cn_shanghai = calendar_for("CN", "Asia/Shanghai")
    cn_new_york = calendar_for("CN", "America/New_York")
    us_new_york = calendar_for("US", "America/New_York")
    # Filed on Sep 30 local: Oct 8, 9, 10 → end of Oct 10 in Shanghai.
    assert cn_shanghai.add_working_days(instant, 3) == sh(2026, 10, 11, 0, 0)
    # Filed on Sep 29 local: Sep 30, Oct 8, Oct 9 → end of Oct 9 in New York.
    assert cn_new_york.add_working_days(instant, 3) == datetime(2026, 10, 10, tzinfo=NEW_YORK)
    # A US site has no Golden Week: Sep 30, Oct 1, Oct 2.
    assert us_new_york.add_working_days(instant, 3) == datetime(2026, 10, 3, tzinfo=NEW_YORK)


@pytest.mark.parametrize("n", [0, -1])
def test_c11_add_working_days_needs_a_positive_count(cn: WorkingCalendar, n: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        cn.add_working_days(sh(2026, 3, 6, 10), n)


def test_c11_naive_datetimes_are_refused(cn: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cn.add_working_days(datetime(2026, 3, 6, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cn.working_time_elapsed(datetime(2026, 3, 6, 10), sh(2026, 3, 7))


# --- working_days_between ----------------------------------------------------------------------


def test_c11_working_days_between_uses_the_same_first_day_convention(
    cn: WorkingCalendar,
) -> None:
    filed = sh(2026, 9, 30, 15, 0)
    assert cn.working_days_between(filed, date(2026, 9, 30)) == 0
    assert cn.working_days_between(filed, date(2026, 10, 7)) == 0
    assert cn.working_days_between(filed, sh(2026, 10, 10, 23, 0)) == 3
    assert cn.working_days_between(date(2026, 10, 10), filed) == -3


# --- working time (used for pauses) ------------------------------------------------------------


def test_c11_working_time_elapsed_skips_the_holidays(cn: WorkingCalendar) -> None:
    # 12 h on Sep 30, nothing Oct 1-7, 12 h on Oct 8.
    elapsed = cn.working_time_elapsed(sh(2026, 9, 30, 12), sh(2026, 10, 8, 12))
    assert elapsed == timedelta(hours=24)
    assert cn.working_time_elapsed(sh(2026, 10, 8), sh(2026, 10, 1)) == timedelta(0)


def test_c11_advance_working_time_walks_over_non_working_days(cn: WorkingCalendar) -> None:
    assert cn.advance_working_time(sh(2026, 10, 1), timedelta(hours=12)) == sh(2026, 10, 8, 12)
    # Exactly used up at the end of a working day: 24:00 of that day.
    assert cn.advance_working_time(sh(2026, 9, 30, 12), timedelta(hours=12)) == sh(2026, 10, 1)
    assert cn.advance_working_time(sh(2026, 10, 3), timedelta(0)) == sh(2026, 10, 3)


def test_c11_working_time_is_real_elapsed_time_on_dst_days() -> None:
    # US DST changes fall on Sundays; make them working days to see 25 h and 23 h days.
    site = WorkingCalendar(
        region="US",
        tz="America/New_York",
        extra_working_days=(date(2026, 3, 8), date(2026, 11, 1)),
    )
    autumn = site.working_time_elapsed(
        datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK)
    )
    spring = site.working_time_elapsed(
        datetime(2026, 3, 8, tzinfo=NEW_YORK), datetime(2026, 3, 9, tzinfo=NEW_YORK)
    )
    assert (autumn, spring) == (timedelta(hours=25), timedelta(hours=23))
