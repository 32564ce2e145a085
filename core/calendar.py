"""A site's working-day calendar (C-11).

Complaint deadlines are counted in working days of the site's calendar: weekends are off
unless the government moved a working day onto them (调休, a make-up working day), public
holidays are off.  The public data comes from the ``holidays`` package; a site adds its own
closed days and extra working days on top.

Counting convention (the same for every method, so results compose):

* A day is a *local* calendar day in the site's time zone ``tz``.
* "n working days after ``start``" does not count the day of ``start`` and ends at 24:00 of
  the n-th working day after it (seed 002 篇7 "三个工作日" read the way Chinese law counts
  periods: the first day is not counted and a period ends at 24:00 of its last day).  24:00 is
  returned as the instant 00:00 of the next calendar day, in the site's time zone.
* A deadline ``due`` is met by anything done at or before ``due``; it is missed when
  ``now > due``.
* Working *time* is real elapsed time (computed in UTC, so DST days have 23 or 25 hours) that
  falls on a working day; it is what a paused complaint clock does not consume.

Pure: no database, no clock.  Every datetime must be timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["WorkingCalendar", "calendar_for", "require_aware"]

# A calendar in which no working day follows within ten years is a data error, not a deadline.
_MAX_SCAN_DAYS = 3660


def require_aware(moment: datetime, name: str = "datetime") -> datetime:
    """Return ``moment`` unchanged; ValueError when it is naive, TypeError if no datetime."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment


@lru_cache(maxsize=64)
def _check_region(region: str, subdivision: str | None) -> None:
    if region not in holidays.list_supported_countries():
        raise ValueError(
            f"unknown calendar region {region!r}: use an ISO 3166-1 alpha-2 country code "
            "supported by the holidays package, e.g. 'CN'"
        )
    try:
        holidays.country_holidays(region, subdiv=subdivision, years=())
    except NotImplementedError as exc:
        raise ValueError(f"unknown subdivision {subdivision!r} of region {region!r}") from exc


@lru_cache(maxsize=256)
def _holidays_for(region: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    # expand=False: a cached per-year object must never grow when asked about another year.
    return holidays.country_holidays(region, subdiv=subdivision, years=year, expand=False)


@lru_cache(maxsize=256)
def _days_off(region: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Every non-working day of ``year`` from public data, computed once per (region,
    subdivision, year): the hot path is a set lookup."""
    return _public_days_off(region, subdivision, year)


def _public_days_off(region: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Every non-working day of ``year`` from public data: weekends and public holidays (C-11).

    (Not cached itself, so that mutation testing sees this rule; :func:`_days_off` caches.)
    """
    current = _holidays_for(region, subdivision, year)
    # A make-up working day (调休) can be announced with the neighbouring year's holidays
    # (New Year moves a working day across the year boundary), so look at both neighbours.
    make_up_days: set[date] = set()
    for y in (year - 1, year, year + 1):
        make_up_days.update(
            d for d in _holidays_for(region, subdivision, y).weekend_workdays if d.year == year
        )
    off: set[date] = set()
    day = date(year, 1, 1)
    while day.year == year:
        if current.is_weekend(day):
            if day not in make_up_days:
                off.add(day)
        elif day in current:
            off.add(day)
        day += timedelta(days=1)
    return frozenset(off)


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """The working days of one site (C-11).

    ``region`` is an ISO country code known to the ``holidays`` package (``subdivision`` an
    ISO 3166-2 subdivision of it), ``tz`` an IANA time zone name.  ``extra_closed_days`` are
    site-specific closures (they win over everything); ``extra_working_days`` are days the
    site works although the public calendar has them off.  A day in both is an error.
    """

    region: str = "CN"
    tz: str = "Asia/Shanghai"
    subdivision: str | None = None
    extra_closed_days: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _closed: frozenset[date] = field(init=False, repr=False, compare=False, hash=False)
    _working: frozenset[date] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        region = self.region.strip().upper() if isinstance(self.region, str) else ""
        if not region:
            raise ValueError("calendar region must be an ISO country code such as 'CN'")
        _check_region(region, self.subdivision)
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(
                f"unknown time zone {self.tz!r}: use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        for name in ("extra_closed_days", "extra_working_days"):
            for d in getattr(self, name):
                if isinstance(d, datetime) or not isinstance(d, date):
                    raise TypeError(f"{name} must hold dates, got {d!r}")
        closed, working = frozenset(self.extra_closed_days), frozenset(self.extra_working_days)
        if both := sorted(closed & working):
            raise ValueError(
                "a day cannot be both an extra closed day and an extra working day: "
                + ", ".join(d.isoformat() for d in both)
            )
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "extra_closed_days", tuple(sorted(closed)))
        object.__setattr__(self, "extra_working_days", tuple(sorted(working)))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_closed", closed)
        object.__setattr__(self, "_working", working)

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone."""
        return self._zone

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the site's time zone."""
        return require_aware(moment).astimezone(self._zone)

    def local_date(self, moment: datetime) -> date:
        """The site's calendar day on which ``moment`` falls."""
        return self.local(moment).date()

    def start_of_day(self, day: date) -> datetime:
        """00:00 of ``day`` in the site's time zone."""
        return self._day_start_utc(day).astimezone(self._zone)

    def end_of_day(self, day: date) -> datetime:
        """24:00 of ``day``: the instant 00:00 of the next day, in the site's time zone."""
        return self._day_start_utc(day + timedelta(days=1)).astimezone(self._zone)

    def is_public_holiday(self, d: date) -> bool:
        """Whether ``d`` is a public holiday of the site's region (C-15: staff on
        public-holiday duty may neither swap nor take leave); weekends are not."""
        return d in _holidays_for(self.region, self.subdivision, d.year)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day: not a weekend unless a make-up working day (调休),
        not a public holiday, not a site closure (C-11)."""
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"is_working_day takes a date, got {d!r}; use local_date() first")
        if d in self._closed:
            return False
        if d in self._working:
            return True
        return d not in _days_off(self.region, self.subdivision, d.year)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        day = d
        for _ in range(_MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {d.isoformat()}")

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline ``n`` working days after ``start`` (C-11).

        The local day of ``start`` is not counted; the deadline is 24:00 (end) of the n-th
        working day after it, returned as 00:00 of the following day in the site's time
        zone.  Example: 2026-09-30 15:00 Asia/Shanghai + 3 → the National Day holidays
        (10-01..10-07) are skipped, 10-08 and 10-09 count, 10-10 is a make-up Saturday and
        counts, so the result is 2026-10-11 00:00+08:00.  ``n`` must be at least 1.
        """
        require_aware(start, "start")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive number of working days, got {n!r}")
        day = self.local_date(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return self.end_of_day(day)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a``'s local day up to and including ``b``'s local day.

        Same convention as :meth:`add_working_days` (the first day is not counted), so a
        complaint filed at ``a`` is in its k-th working day at ``b`` when this returns k.
        Negative when ``b`` is before ``a``.
        """
        first, last = self._as_local_date(a, "a"), self._as_local_date(b, "b")
        if last < first:
            return -self.working_days_between(last, first)
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_time_elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Real time in ``[a, b)`` that falls on working days (zero when ``b <= a``).

        Used to measure how much of a complaint's working-day clock a pause took (C-11).
        """
        start, end = require_aware(a, "a").astimezone(UTC), require_aware(b, "b").astimezone(UTC)
        total = timedelta(0)
        if end <= start:
            return total
        day = self.local_date(start)
        while (day_start := self._day_start_utc(day)) < end:
            day_end = self._day_start_utc(day + timedelta(days=1))
            if self.is_working_day(day):
                total += min(end, day_end) - max(start, day_start)
            day += timedelta(days=1)
        return total

    def advance_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which ``amount`` of working time has passed since ``start``.

        Non-working days are skipped; the result is in the site's time zone.  If the amount
        runs out exactly at the end of a working day the result is 24:00 of that day, i.e. the
        same representation :meth:`add_working_days` uses.
        """
        cursor = require_aware(start, "start").astimezone(UTC)
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        if amount == timedelta(0):
            return cursor.astimezone(self._zone)
        remaining = amount
        day = self.local_date(cursor)
        for _ in range(_MAX_SCAN_DAYS):
            day_end = self._day_start_utc(day + timedelta(days=1))
            if self.is_working_day(day):
                available = day_end - cursor
                if remaining <= available:
                    return (cursor + remaining).astimezone(self._zone)
                remaining -= available
            cursor = day_end
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_SCAN_DAYS} days after {start}")

    def _day_start_utc(self, day: date) -> datetime:
        # Arithmetic runs in UTC: subtracting two datetimes that share a ZoneInfo gives wall
        # time, not elapsed time, across a DST change.  A midnight skipped by a DST jump maps
        # to the first real instant of the day (fold=0 takes the offset before the jump).
        return datetime.combine(day, time(0), tzinfo=self._zone).astimezone(UTC)

    def _as_local_date(self, value: date | datetime, name: str) -> date:
        if isinstance(value, datetime):
            return self.local_date(require_aware(value, name))
        if isinstance(value, date):
            return value
        raise ValueError(f"{name} must be a date or an aware datetime, got {value!r}")


@lru_cache(maxsize=256)
def calendar_for(
    region: str = "CN",
    tz: str = "Asia/Shanghai",
    subdivision: str | None = None,
    extra_closed_days: tuple[date, ...] = (),
    extra_working_days: tuple[date, ...] = (),
) -> WorkingCalendar:
    """A shared :class:`WorkingCalendar` for a site's settings (cached: it is immutable)."""
    return WorkingCalendar(
        region=region,
        tz=tz,
        subdivision=subdivision,
        extra_closed_days=extra_closed_days,
        extra_working_days=extra_working_days,
    )
