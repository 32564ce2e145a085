"""C-11: working days of a site's calendar (weekends, public holidays, make-up days 调休)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays
import pytest

import core.calendar
from core.calendar import WorkingCalendar, calendar_for, require_aware

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


@pytest.fixture(autouse=True)
def built_afresh() -> Iterator[None]:
    """Each test builds its calendars and days off from scratch (the module caches both), so
    it proves the construction it relies on — and mutation testing sees it do so."""
    calendar_for.cache_clear()
    core.calendar._days_off.cache_clear()
    yield
    calendar_for.cache_clear()
    core.calendar._days_off.cache_clear()


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


# --- issue 11: the rule at its edges (what mutation testing found unguarded) ------------------


def test_c11_new_year_and_the_make_up_sunday_in_january(cn: WorkingCalendar) -> None:
    # Public data for 2026: 01-01 New Year, 01-02 (Fri) off in exchange for Sunday 01-04.
    assert not cn.is_working_day(date(2026, 1, 1))
    assert not cn.is_working_day(date(2026, 1, 2))
    assert not cn.is_working_day(date(2026, 1, 3))  # Saturday
    assert cn.is_working_day(date(2026, 1, 4))  # Sunday, a make-up working day
    assert cn.is_working_day(date(2026, 1, 5))
    # 12-31 (Wed) + 2 working days: 01-04 (make-up Sunday) and 01-05 → end of 01-05.
    assert cn.add_working_days(sh(2025, 12, 31, 18), 2) == sh(2026, 1, 6)


def test_c11_december_weekend_days_are_off_to_the_last_day_of_the_year(
    cn: WorkingCalendar,
) -> None:
    assert not cn.is_working_day(date(2022, 12, 31))  # a Saturday, the last day of 2022
    assert not cn.is_working_day(date(2028, 12, 31))  # a Sunday
    assert cn.is_working_day(date(2026, 12, 31))  # a Thursday
    # The 2019 New Year: Saturday 2018-12-29 worked, Monday 12-31 and 01-01 off.
    assert cn.is_working_day(date(2018, 12, 29))
    assert not cn.is_working_day(date(2018, 12, 30))
    assert not cn.is_working_day(date(2018, 12, 31))
    assert not cn.is_working_day(date(2019, 1, 1))
    # Friday 2018-12-28 + 1: the make-up Saturday is the first working day after it.
    assert cn.add_working_days(sh(2018, 12, 28, 9), 1) == sh(2018, 12, 30)
    assert cn.working_days_between(date(2018, 12, 28), date(2019, 1, 2)) == 2


class _PublicYear:
    """Stand-in for a year of the holidays package: weekends, holidays, make-up days."""

    def __init__(self, off: set[date], make_up: set[date]) -> None:
        self.off, self.weekend_workdays = off, make_up

    def is_weekend(self, day: date) -> bool:
        return day.weekday() >= 5

    def __contains__(self, day: object) -> bool:
        return day in self.off


def test_c11_a_make_up_day_counts_whichever_years_holidays_announce_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # New Year 2031 (Wednesday): Saturday 2030-12-28 is worked, announced with 2031's
    # holidays; Saturday 2031-01-04 is worked, announced with 2030's (both cross the
    # year boundary, as 调休 around New Year does).
    data = {
        2029: _PublicYear(set(), set()),
        2030: _PublicYear({date(2030, 12, 31)}, {date(2031, 1, 4)}),
        2031: _PublicYear({date(2031, 1, 1)}, {date(2030, 12, 28)}),
        2032: _PublicYear(set(), set()),
    }
    monkeypatch.setattr(core.calendar, "_holidays_for", lambda region, sub, year: data[year])
    site = WorkingCalendar(region="CN", tz="Asia/Shanghai")
    assert site.is_working_day(date(2030, 12, 28))
    assert not site.is_working_day(date(2030, 12, 29))  # Sunday
    assert not site.is_working_day(date(2030, 12, 31))  # the year's own holiday
    assert site.is_working_day(date(2030, 12, 30))
    assert not site.is_working_day(date(2031, 1, 1))
    assert site.is_working_day(date(2031, 1, 4))
    assert not site.is_working_day(date(2031, 1, 5))


def test_c11_a_subdivisions_own_make_up_day_is_worked_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    national = _PublicYear({date(2030, 4, 1)}, set())
    local = _PublicYear({date(2030, 4, 1)}, {date(2030, 4, 6)})  # a local make-up Saturday

    def public_year(region: str, subdivision: str | None, year: int) -> _PublicYear:
        return local if subdivision == "MA" else national

    monkeypatch.setattr(core.calendar, "_holidays_for", public_year)
    assert WorkingCalendar(region="US", tz="America/New_York", subdivision="MA").is_working_day(
        date(2030, 4, 6)
    )
    assert not WorkingCalendar(region="US", tz="America/New_York").is_working_day(date(2030, 4, 6))


def test_c11_site_days_are_kept_sorted_and_once_so_equal_settings_are_equal() -> None:
    a, b = date(2026, 3, 9), date(2026, 3, 10)
    site = WorkingCalendar(extra_closed_days=(b, a, b), extra_working_days=(date(2026, 3, 8),) * 2)
    assert site.extra_closed_days == (a, b)
    assert site.extra_working_days == (date(2026, 3, 8),)
    assert site == WorkingCalendar(extra_closed_days=(a, b), extra_working_days=(date(2026, 3, 8),))


def test_c15_public_holidays_are_the_regions_and_weekends_are_not(cn: WorkingCalendar) -> None:
    assert cn.is_public_holiday(date(2026, 10, 1))  # National Day
    assert not cn.is_public_holiday(date(2026, 3, 7))  # an ordinary Saturday
    assert not cn.is_public_holiday(date(2026, 10, 10))  # a make-up Saturday
    assert not cn.is_public_holiday(date(2026, 7, 4))
    us = calendar_for("US", "America/New_York")
    assert us.is_public_holiday(date(2026, 7, 4))
    # A subdivision's own holidays: Patriots' Day is a holiday in Massachusetts only.
    ma = calendar_for("US", "America/New_York", "MA")
    assert ma.is_public_holiday(date(2026, 4, 20))
    assert not us.is_public_holiday(date(2026, 4, 20))


def test_c11_a_subdivisions_holiday_is_off_there_only() -> None:
    ma = calendar_for("US", "America/New_York", "MA")
    us = calendar_for("US", "America/New_York")
    assert not ma.is_working_day(date(2026, 4, 20))  # Patriots' Day, a Monday
    assert us.is_working_day(date(2026, 4, 20))


def test_c11_days_and_deadlines_are_told_in_the_sites_time_zone(cn: WorkingCalendar) -> None:
    assert cn.zone == SHANGHAI
    assert cn.start_of_day(date(2026, 3, 9)).isoformat() == "2026-03-09T00:00:00+08:00"
    assert cn.end_of_day(date(2026, 3, 9)).isoformat() == "2026-03-10T00:00:00+08:00"
    start = datetime(2026, 3, 9, 2, tzinfo=UTC)  # 10:00 in Shanghai
    assert cn.local(start).isoformat() == "2026-03-09T10:00:00+08:00"
    assert cn.add_working_days(start, 1).isoformat() == "2026-03-11T00:00:00+08:00"
    advanced = cn.advance_working_time(start, timedelta(hours=1))
    assert advanced.isoformat() == "2026-03-09T11:00:00+08:00"
    assert cn.advance_working_time(start, timedelta(0)).isoformat() == "2026-03-09T10:00:00+08:00"
    site = WorkingCalendar(region="CN", tz="Asia/Shanghai")
    assert site.zone == SHANGHAI
    assert site.local(start).isoformat() == "2026-03-09T10:00:00+08:00"


def test_c11_working_time_spent_over_several_days(cn: WorkingCalendar) -> None:
    # Monday 12:00 + 30 h of working time: 12 h Monday, then 18 h of Tuesday.
    assert cn.advance_working_time(sh(2026, 3, 9, 12), timedelta(hours=30)) == sh(2026, 3, 10, 18)
    # Friday 12:00 + 96 h: 12 h Friday, the weekend is off, 24 h Mon, Tue, Wed, 12 h Thursday.
    assert cn.advance_working_time(sh(2026, 3, 6, 12), timedelta(hours=96)) == sh(2026, 3, 12, 12)
    assert cn.working_time_elapsed(sh(2026, 3, 6, 12), sh(2026, 3, 12, 12)) == timedelta(hours=96)
    assert cn.working_time_elapsed(sh(2026, 3, 9, 12), sh(2026, 3, 9, 12)) == timedelta(0)


def test_c11_working_days_between_counts_each_working_day_once(cn: WorkingCalendar) -> None:
    # Mon 03-02 → Mon 03-16: two working weeks.
    assert cn.working_days_between(date(2026, 3, 2), date(2026, 3, 16)) == 10
    assert cn.working_days_between(date(2026, 3, 16), date(2026, 3, 2)) == -10
    assert cn.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # the weekend
    assert cn.working_days_between(sh(2026, 3, 6, 23), sh(2026, 3, 9, 1)) == 1


def test_c11_the_scan_for_a_working_day_is_bounded(
    cn: WorkingCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A calendar with no working day in sight is a data error, not an endless loop.
    monkeypatch.setattr(core.calendar, "_MAX_SCAN_DAYS", 5)
    with pytest.raises(ValueError, match=r"^no working day within 5 days after 2026-09-30$"):
        cn.next_working_day(date(2026, 9, 30))
    assert cn.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)  # the 5th day is seen
    with pytest.raises(ValueError, match=r"^no working time within 5 days after 2026-10-01"):
        cn.advance_working_time(sh(2026, 10, 1), timedelta(hours=1))


def test_c11_a_wrong_argument_is_named_in_the_error(cn: WorkingCalendar) -> None:
    naive = datetime(2026, 3, 6, 10)
    with pytest.raises(ValueError, match=r"^datetime must be timezone-aware, got naive"):
        require_aware(naive)
    with pytest.raises(ValueError, match=r"^filed_at must be timezone-aware"):
        require_aware(naive, "filed_at")
    with pytest.raises(TypeError, match=r"^datetime must be a datetime, got str$"):
        require_aware("2026-03-06")  # type: ignore[arg-type]
    assert require_aware(sh(2026, 3, 6)) == sh(2026, 3, 6)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        cn.add_working_days(naive, 1)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        cn.advance_working_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match=r"^a must be timezone-aware"):
        cn.working_time_elapsed(naive, sh(2026, 3, 7))
    with pytest.raises(ValueError, match=r"^b must be timezone-aware"):
        cn.working_time_elapsed(sh(2026, 3, 7), naive)
    with pytest.raises(ValueError, match=r"^a must be timezone-aware"):
        cn.working_days_between(naive, date(2026, 3, 7))
    with pytest.raises(ValueError, match=r"^b must be timezone-aware"):
        cn.working_days_between(date(2026, 3, 7), naive)
    with pytest.raises(ValueError, match=r"^b must be a date or an aware datetime, got '03-07'"):
        cn.working_days_between(date(2026, 3, 7), "03-07")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^amount must not be negative, got -1 day"):
        cn.advance_working_time(sh(2026, 3, 6), timedelta(hours=-1))
    with pytest.raises(ValueError, match="positive"):
        cn.add_working_days(sh(2026, 3, 6), True)  # type: ignore[arg-type]


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: as good as no time zone."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


def test_c11_a_datetime_whose_zone_has_no_offset_is_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        require_aware(datetime(2026, 3, 6, 10, tzinfo=_NoOffset()))


@pytest.mark.parametrize("day", [datetime(2026, 3, 9, 10), "2026-03-09"])
def test_c11_site_days_must_be_dates(day: object) -> None:
    for name in ("extra_closed_days", "extra_working_days"):
        with pytest.raises(TypeError, match=rf"^{name} must hold dates, got "):
            WorkingCalendar(**{name: (day,)})  # type: ignore[arg-type]


@pytest.mark.parametrize("region", [None, "", "  "])
def test_c11_a_calendar_needs_a_region(region: object) -> None:
    with pytest.raises(ValueError, match=r"^calendar region must be an ISO country code"):
        WorkingCalendar(region=region)  # type: ignore[arg-type]
