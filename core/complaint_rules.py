"""Complaint rules (C-6 .. C-11): numbering, channels, lifecycle, deadlines, escalation.

Pure functions and data: facts in, decision plus :class:`~core.decisions.Reason` out.  No
database, no clock: ``now`` is always passed in and must be timezone-aware.

Deadline model (C-8, C-11, PM-5):

* First response (C-8) is due ``targets.first_response`` (24 h) of *wall-clock* time after
  filing: the seed says 24小时, not working days, and pauses do not move it.
* Resolution (C-11) is due at 24:00 of the n-th working day after the filing day, in the
  site's calendar (see :meth:`WorkingCalendar.add_working_days`) — for a complaint made
  *after* consumption.  One made *during* consumption is due at the time the customer asked
  for (recorded at filing); one marked a special case (with a reason) is due at the
  special-case limit (7 working days), a hard cap no pause extends (:class:`ResolutionBasis`).
* Progress updates (C-8) are due every ``targets.progress_interval`` of wall-clock time after
  the first response or the last recorded update, while the complaint is unresolved
  (:func:`progress_update_due`).
* The resolution clock is a working-time clock: it runs only on working days and stands
  still while the complaint waits on the customer.  Each pause that starts before the
  (already extended) due time pushes the due time on by the pause's *working time* (time in
  the pause that falls on working days), walking forward over non-working days.  A pause
  that starts after the due time has passed extends nothing: the deadline was already missed.
  While a pause is still open the due time is unknown, so it is ``None``.
* Revisit (回访, C-9 with the windows of PM-5) is due at 24:00 of the ``revisit_days``-th
  *calendar* day after the local day of the fix (seed: 整改解决一周内 / 两周内).
* A reopened complaint starts a new cycle (seed 003 制度1 第九条(八): a new complaint form
  is filed with the old one attached): the caller computes deadlines again with
  ``filed_at`` = the reopening time and only the pauses of the new cycle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any, Final, Literal

from core.calendar import WorkingCalendar, require_aware
from core.decisions import Reason
from core.errors import FrontdeskError

__all__ = [
    "CHANNEL_DETAILS",
    "CLOCK_PAUSED_STATUSES",
    "DEFAULT_TARGETS",
    "PROGRESS_UPDATE_STATUSES",
    "REASON_REQUIRED_TARGETS",
    "TRANSITIONS",
    "ComplaintChannel",
    "ComplaintNumber",
    "ComplaintStatus",
    "ComplaintTargets",
    "Deadlines",
    "EscalationError",
    "EscalationLevel",
    "IllegalTransition",
    "InvalidChannelDetails",
    "InvalidComplaintNumber",
    "ReasonRequired",
    "ResolutionBasis",
    "RuleError",
    "Severity",
    "TransitionDecision",
    "compute_deadlines",
    "escalate",
    "format_complaint_number",
    "is_overdue",
    "next_complaint_number",
    "overdue_reasons",
    "parse_complaint_number",
    "progress_update",
    "progress_update_due",
    "required_channel_details",
    "special_case",
    "transition",
    "validate_channel_details",
]


# ---------------------------------------------------------------------------------------------
# Errors


class RuleError(FrontdeskError):
    """A complaint rule refused the request; ``code`` is stable, ``message`` says what to do."""

    code = "RULE_VIOLATION"


class IllegalTransition(RuleError):
    code = "ILLEGAL_TRANSITION"


class ReasonRequired(RuleError):
    code = "REASON_REQUIRED"


class InvalidChannelDetails(RuleError):
    code = "MISSING_CHANNEL_DETAILS"


class InvalidComplaintNumber(RuleError):
    code = "INVALID_COMPLAINT_NUMBER"


class EscalationError(RuleError):
    code = "ALREADY_AT_TOP"


def _require_why(why: str, what: str) -> str:
    text = why.strip() if isinstance(why, str) else ""
    if not text:
        raise ReasonRequired(f"{what} needs a reason: say why in a sentence", action=what)
    return text


def _require_actor(actor: str) -> str:
    # C-9: every change records who made it; an anonymous change is a caller bug.
    text = actor.strip() if isinstance(actor, str) else ""
    if not text:
        raise ValueError("actor must name who made the change (C-9)")
    return text


# ---------------------------------------------------------------------------------------------
# C-9 lifecycle


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    # The resolution clock stands still while the complaint waits on the customer.
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    REVISITED = "revisited"
    CLOSED = "closed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_S = ComplaintStatus

# C-9: received → acknowledged → in progress → resolved → revisited → closed.  A customer who
# rejects the result reopens it (重新调查直至客户满意, seed 002 篇11 4) and it goes back to
# in progress.  The revisit is not optional (seed 004 附件一 由销售经理对投诉客户进行回访,
# PM-5 signed revisit record), so resolved cannot jump to closed; closed is final.
TRANSITIONS: Final[Mapping[ComplaintStatus, tuple[ComplaintStatus, ...]]] = MappingProxyType(
    {
        _S.RECEIVED: (_S.ACKNOWLEDGED,),
        _S.ACKNOWLEDGED: (_S.IN_PROGRESS,),
        _S.IN_PROGRESS: (_S.WAITING_ON_CUSTOMER, _S.RESOLVED),
        _S.WAITING_ON_CUSTOMER: (_S.IN_PROGRESS,),
        _S.RESOLVED: (_S.REVISITED, _S.REOPENED),
        _S.REVISITED: (_S.CLOSED, _S.REOPENED),
        _S.REOPENED: (_S.IN_PROGRESS,),
        _S.CLOSED: (),
    }
)

# A reopen overturns a result and a close ends the record: both must say why.
REASON_REQUIRED_TARGETS: Final[frozenset[ComplaintStatus]] = frozenset({_S.REOPENED, _S.CLOSED})

CLOCK_PAUSED_STATUSES: Final[frozenset[ComplaintStatus]] = frozenset({_S.WAITING_ON_CUSTOMER})


@dataclass(frozen=True, slots=True)
class TransitionDecision:
    """An allowed lifecycle change, ready to be written as an event (who, when, why — C-9)."""

    previous: ComplaintStatus
    status: ComplaintStatus
    actor: str
    at: datetime
    note: str
    reason: Reason

    @property
    def pauses_clock(self) -> bool:
        """The resolution clock stops here (a pause starts at ``at``)."""
        return self.status in CLOCK_PAUSED_STATUSES and self.previous not in CLOCK_PAUSED_STATUSES

    @property
    def resumes_clock(self) -> bool:
        """The resolution clock runs again here (the open pause ends at ``at``)."""
        return self.previous in CLOCK_PAUSED_STATUSES and self.status not in CLOCK_PAUSED_STATUSES


def _status(value: ComplaintStatus | str, name: str) -> ComplaintStatus:
    try:
        return ComplaintStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in ComplaintStatus)
        raise IllegalTransition(
            f"unknown complaint status {value!r} for {name}; known: {known}",
            code="UNKNOWN_STATUS",
            value=str(value),
        ) from None


def transition(
    current: ComplaintStatus | str,
    target: ComplaintStatus | str,
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> TransitionDecision:
    """Move a complaint along its lifecycle (C-9) or raise :class:`IllegalTransition`.

    ``reason`` is the human "why"; it may be empty except for a reopen or a close
    (:class:`ReasonRequired`).  ``actor`` names who made the change.
    """
    require_aware(now, "now")
    who = _require_actor(actor)
    source, goal = _status(current, "current"), _status(target, "target")
    allowed = TRANSITIONS[source]
    if goal not in allowed:
        options = ", ".join(s.label for s in allowed) or "nothing (closed is final)"
        raise IllegalTransition(
            f"a complaint cannot go from {source.label} to {goal.label}; "
            f"from {source.label} it can go to: {options}",
            current=source.value,
            target=goal.value,
            allowed=[s.value for s in allowed],
        )
    why = reason.strip() if isinstance(reason, str) else ""
    if goal in REASON_REQUIRED_TARGETS:
        why = _require_why(why, "reopening" if goal is _S.REOPENED else "closing a complaint")
    message = f"{who} moved the complaint from {source.label} to {goal.label}"
    return TransitionDecision(
        previous=source,
        status=goal,
        actor=who,
        at=now,
        note=why,
        reason=Reason("C-9", f"{message}: {why}" if why else message),
    )


# ---------------------------------------------------------------------------------------------
# C-7 channels


class ComplaintChannel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"


# C-7 (seed 000 篇五): the phone taker records the caller's company (客户单位) and name, the
# time and who took it.  For the other channels the seed asks only for a detailed record, so
# we ask for the same who/when minimum C-9 needs for every event.
CHANNEL_DETAILS: Final[Mapping[ComplaintChannel, tuple[str, ...]]] = MappingProxyType(
    {
        ComplaintChannel.PHONE: ("caller_company", "caller_name", "received_at", "taken_by"),
        ComplaintChannel.IN_PERSON: ("customer_name", "received_at", "taken_by"),
        ComplaintChannel.WRITTEN: ("customer_name", "received_at", "taken_by"),
    }
)


def _channel(channel: ComplaintChannel | str) -> ComplaintChannel:
    try:
        return ComplaintChannel(channel)
    except ValueError:
        known = ", ".join(c.value for c in ComplaintChannel)
        raise InvalidChannelDetails(
            f"unknown complaint channel {channel!r}; use one of: {known}",
            code="UNKNOWN_CHANNEL",
            channel=str(channel),
        ) from None


def required_channel_details(channel: ComplaintChannel | str) -> tuple[str, ...]:
    """The details a complaint taken on ``channel`` must record (C-7)."""
    return CHANNEL_DETAILS[_channel(channel)]


def validate_channel_details(channel: ComplaintChannel | str, details: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidChannelDetails` naming every missing detail (C-7).

    A detail is missing when absent, ``None`` or blank.  ``received_at`` must be a datetime;
    a naive one is a caller bug (ValueError).
    """
    kind = _channel(channel)
    required = CHANNEL_DETAILS[kind]
    missing = [
        key
        for key in required
        if details.get(key) is None
        or (isinstance(details.get(key), str) and not details[key].strip())
    ]
    if missing:
        raise InvalidChannelDetails(
            f"a {kind.value.replace('_', ' ')} complaint must record: {', '.join(missing)} "
            f"(C-7 requires {', '.join(required)})",
            channel=kind.value,
            missing=missing,
        )
    received_at = details["received_at"]
    if not isinstance(received_at, datetime):
        raise InvalidChannelDetails(
            f"received_at must be a date and time, got {received_at!r}",
            code="INVALID_CHANNEL_DETAILS",
            channel=kind.value,
            invalid=["received_at"],
        )
    require_aware(received_at, "received_at")


# ---------------------------------------------------------------------------------------------
# C-6 numbering

# Seed 003 客户管理制度1 第八条: 年度(××)月份(××)流水編號(××) — no separator (revised
# 2026-12-01). The legacy form YYMM-NNNN (issued before) is still read, never written.
_NUMBER_PATTERN = re.compile(r"(\d{2})(\d{2})(\d{2,})")
_LEGACY_PATTERN = re.compile(r"(\d{2})(\d{2})-(\d{4,})")


@dataclass(frozen=True, slots=True, order=True)
class ComplaintNumber:
    """A parsed complaint number (C-6): YYMM then the serial, restarting every month."""

    year: int
    month: int
    serial: int

    def __str__(self) -> str:
        return format_complaint_number(date(self.year, self.month, 1), self.serial)

    @property
    def period(self) -> date:
        """The first day of the numbering month: the key of the monthly serial counter."""
        return date(self.year, self.month, 1)

    @property
    def legacy(self) -> str:
        """The number as issued before 2026-12-01 (``2611-0007``), for old references."""
        return f"{self.year % 100:02d}{self.month:02d}-{self.serial:04d}"


def format_complaint_number(local_date: date, serial: int) -> str:
    """``261107``: two-digit year and month of the site's local date, then the serial with
    at least two digits (``2611123`` for the 123rd), no separator — C-6."""
    if isinstance(local_date, datetime) or not isinstance(local_date, date):
        raise TypeError(
            f"local_date must be a date (the site's local date), got {local_date!r}; "
            "use WorkingCalendar.local_date(filed_at)"
        )
    if not 2000 <= local_date.year <= 2099:
        raise ValueError(f"a two-digit year cannot represent {local_date.year}")
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 1:
        raise ValueError(f"serial must be a positive integer, got {serial!r}")
    return f"{local_date.year % 100:02d}{local_date.month:02d}{serial:02d}"


def parse_complaint_number(text: str, *, legacy: bool = False) -> ComplaintNumber:
    """Parse ``YYMMNN…`` (C-6); only the canonical form is accepted. With ``legacy`` the
    form issued before 2026-12-01 (``YYMM-NNNN``, canonical too) is read as well, so a
    client that stored an old number still finds its complaint."""
    stripped = text.strip() if isinstance(text, str) else ""
    match = _NUMBER_PATTERN.fullmatch(stripped)
    old = None if match or not legacy else _LEGACY_PATTERN.fullmatch(stripped)
    if match is None and old is None:
        raise InvalidComplaintNumber(
            f"{text!r} is not a complaint number; expected YYMM then the serial, such as "
            "261107 (the 7th of November 2026) or 2611123",
            value=str(text),
        )
    yy, mm, serial_text = (match or old).groups()  # type: ignore[union-attr]
    month, serial = int(mm), int(serial_text)
    if not 1 <= month <= 12 or serial < 1:
        raise InvalidComplaintNumber(
            f"{text!r} has month {mm} or serial {serial_text} out of range", value=text
        )
    number = ComplaintNumber(2000 + int(yy), month, serial)
    canonical = str(number) if match else number.legacy
    if canonical != stripped:
        # "2611007" would sort and compare differently from "261107"; refuse it.
        raise InvalidComplaintNumber(
            f"{text!r} is not in canonical form; write it as {number}", value=text
        )
    return number


def next_complaint_number(previous: str | None, local_date: date) -> str:
    """The number after ``previous`` (the last one issued at the site), for ``local_date``.

    The serial restarts at 1 when the month (or year) changed — C-6.
    """
    if previous is None:
        return format_complaint_number(local_date, 1)
    last = parse_complaint_number(previous)
    if (last.year, last.month) == (local_date.year, local_date.month):
        return format_complaint_number(local_date, last.serial + 1)
    if (last.year, last.month) > (local_date.year, local_date.month):
        raise ValueError(f"previous number {previous} is later than {local_date.isoformat()}")
    return format_complaint_number(local_date, 1)


# ---------------------------------------------------------------------------------------------
# C-8 / C-11 / PM-5 targets and deadlines

Severity = Literal["general", "major"]
_SEVERITIES: Final[frozenset[str]] = frozenset({"general", "major"})


@dataclass(frozen=True, slots=True)
class ComplaintTargets:
    """The numbers behind a complaint's deadlines; business lines override them (PM-5).

    * ``first_response`` — wall-clock time to the first response (C-8: 24 h).
    * ``resolution_working_days`` — after-consumption complaints (C-11: 3 working days).
    * ``special_case_max_working_days`` — the hard limit for special cases (C-11: 7).
    * ``revisit_days`` — *calendar* days after the fix within which the customer is revisited
      (PM-5: major 7, general 14; the core default follows a general complaint).
    * ``severity`` — "general" or "major" (PM-4); the property line uses
      ``ComplaintTargets(resolution_working_days=1, revisit_days=7, severity="major")``.
    * ``progress_interval`` — wall-clock time between two progress updates to the customer
      (C-8: 定期通知住戶有關進展; the seed names no number: *decided* 24 hours, the seed's own
      rhythm of 24小時內給予回應并跟進).
    """

    first_response: timedelta = timedelta(hours=24)
    resolution_working_days: int = 3
    special_case_max_working_days: int = 7
    revisit_days: int = 14
    severity: Severity = "general"
    progress_interval: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.first_response <= timedelta(0):
            raise ValueError("first_response must be a positive duration")
        if self.progress_interval <= timedelta(0):
            raise ValueError("progress_interval must be a positive duration")
        for name in ("resolution_working_days", "special_case_max_working_days", "revisit_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.special_case_max_working_days < self.resolution_working_days:
            raise ValueError("special_case_max_working_days cannot be below the normal target")
        if self.severity not in _SEVERITIES:
            raise ValueError(f"severity must be 'general' or 'major', got {self.severity!r}")


DEFAULT_TARGETS: Final[ComplaintTargets] = ComplaintTargets()


class ResolutionBasis(StrEnum):
    """Which C-11 target a complaint's resolution is measured against (seeds 003 制度6 六 二),
    002 篇7): 消費中投訴 … 不得超過客人要求給予處理的時間; 消費后投訴 … 不得超過三個工作日;
    特殊狀況不能超過七個工作日."""

    WORKING_DAYS = "working_days"  # after consumption: n working days, pauses extend it
    CUSTOMER_REQUEST = "customer_request"  # during consumption: the time the customer asked for
    SPECIAL_CASE = "special_case"  # marked special (with a reason): the hard cap


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When a complaint's steps are due, in the site's time zone.

    ``resolution_due`` is the deadline that applies (``basis`` says which: C-11); it is
    ``None`` only for a working-day deadline while an open pause that started before it was
    reached holds the clock.  ``special_case_due`` is the hard cap (never extended).
    ``paused`` is the working time of the closed pauses.  ``progress_update_due`` (C-8) is
    filled by the caller from :func:`progress_update_due`.
    """

    filed_at: datetime
    targets: ComplaintTargets
    first_response_due: datetime
    resolution_due: datetime | None
    special_case_due: datetime | None
    revisit_due: datetime | None = None
    paused: timedelta = timedelta(0)
    basis: ResolutionBasis = ResolutionBasis.WORKING_DAYS
    progress_update_due: datetime | None = None

    @property
    def clock_paused(self) -> bool:
        return self.resolution_due is None


Pause = tuple[datetime, datetime | None]


def _checked_pauses(
    pauses: Sequence[Pause], filed_at: datetime, resolved_at: datetime | None
) -> list[Pause]:
    ordered = sorted(
        ((require_aware(s, "pause start"), e) for s, e in pauses),
        key=lambda p: p[0].astimezone(UTC),
    )
    previous_end: datetime | None = filed_at
    for start, end in ordered:
        if previous_end is None:
            raise ValueError("only the last pause may still be open (end=None)")
        if start < previous_end:
            raise ValueError(
                f"pause starting {start.isoformat()} begins before filing or overlaps the "
                "previous pause"
            )
        if end is not None:
            require_aware(end, "pause end")
            if end < start:
                raise ValueError(f"pause ends {end.isoformat()} before it starts")
        if resolved_at is not None and (end is None or end > resolved_at):
            raise ValueError("a pause cannot run past the resolution")
        previous_end = end
    return ordered


def _extend_for_pauses(
    base: datetime, pauses: Sequence[Pause], calendar: WorkingCalendar
) -> datetime | None:
    due = base
    for start, end in pauses:
        if start >= due:
            # The deadline passed before the customer was asked: waiting cannot undo that.
            break
        if end is None:
            return None
        due = calendar.advance_working_time(due, calendar.working_time_elapsed(start, end))
    return due


def compute_deadlines(
    filed_at: datetime,
    targets: ComplaintTargets,
    calendar: WorkingCalendar,
    pauses: Sequence[Pause] = (),
    resolved_at: datetime | None = None,
    *,
    customer_requested_by: datetime | None = None,
    special_case: bool = False,
) -> Deadlines:
    """First response (C-8), resolution (C-11) and revisit (C-9/PM-5) due times.

    ``pauses`` are the (start, end) intervals spent waiting on the customer, ``end`` None
    for a pause still open; they must not overlap, start before filing or outlast
    ``resolved_at``.  See the module docstring for the exact model.

    C-11 (revised 2026-12-01), which deadline applies:

    * ``special_case`` (the complaint was marked a special case with a reason): the
      special-case limit, ``special_case_max_working_days`` after filing — a hard cap that no
      pause extends (seed 002 篇7: 特殊狀況不能超過七個工作日).
    * else ``customer_requested_by`` (a complaint made during consumption, the time the
      customer asked for, recorded at filing): that instant (seed 003 制度6: 消費中投訴 …
      原則上不得超過客人要求給予處理的時間).  *Decided:* pauses do not move it: the customer
      named the time themselves, while still on the premises.
    * else (after consumption): ``resolution_working_days`` working days, extended by the
      working time of each pause (消費后投訴 … 不得超過三個工作日).
    """
    require_aware(filed_at, "filed_at")
    if resolved_at is not None and require_aware(resolved_at, "resolved_at") < filed_at:
        raise ValueError("resolved_at is before filed_at")
    if customer_requested_by is not None:
        require_aware(customer_requested_by, "customer_requested_by")
        if customer_requested_by <= filed_at:
            raise ValueError("customer_requested_by must be after filed_at")
    checked = _checked_pauses(pauses, filed_at, resolved_at)
    special_due = calendar.add_working_days(filed_at, targets.special_case_max_working_days)
    if special_case:
        basis, resolution_due = ResolutionBasis.SPECIAL_CASE, special_due
    elif customer_requested_by is not None:
        basis = ResolutionBasis.CUSTOMER_REQUEST
        resolution_due = calendar.local(customer_requested_by)
    else:
        basis = ResolutionBasis.WORKING_DAYS
        base_due = calendar.add_working_days(filed_at, targets.resolution_working_days)
        resolution_due = _extend_for_pauses(base_due, checked, calendar)
    revisit_due = None
    if resolved_at is not None:
        fix_day = calendar.local_date(resolved_at)
        revisit_due = calendar.end_of_day(fix_day + timedelta(days=targets.revisit_days))
    return Deadlines(
        filed_at=calendar.local(filed_at),
        targets=targets,
        first_response_due=calendar.local(filed_at.astimezone(UTC) + targets.first_response),
        resolution_due=resolution_due,
        special_case_due=special_due,
        revisit_due=revisit_due,
        paused=sum(
            (calendar.working_time_elapsed(s, e) for s, e in checked if e is not None),
            timedelta(0),
        ),
        basis=basis,
    )


# C-8: progress updates are owed from the first response until the complaint is resolved.
PROGRESS_UPDATE_STATUSES: Final[frozenset[ComplaintStatus]] = frozenset(
    {_S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.WAITING_ON_CUSTOMER}
)
_NO_PROGRESS_UPDATE: Final = frozenset({_S.RECEIVED, _S.REOPENED, _S.CLOSED})


def progress_update_due(
    status: ComplaintStatus | str,
    first_responded_at: datetime | None,
    last_update_at: datetime | None,
    interval: timedelta,
) -> datetime | None:
    """C-8: when the next progress update to the customer is due, or None when none is owed.

    Seed 000 篇五: 所有客戶投訴,應于24小時內給予回應并跟進,并定期通知住戶有關進展 — after the
    first response, the customer hears of the progress every ``interval`` (policy data) of
    wall-clock time, counted from the later of the first response and the last recorded
    update.  *Decided* ("until closed" in DOMAIN): updates are owed while the complaint is
    unresolved (acknowledged, in progress, waiting on the customer); the resolution is the
    last update, and what follows it (the revisit) has its own C-9 deadline.  A reopened
    complaint owes a new first response, then updates again.
    """
    state = _status(status, "status")
    if state not in PROGRESS_UPDATE_STATUSES or first_responded_at is None:
        return None
    if interval <= timedelta(0):
        raise ValueError("interval must be a positive duration")
    last = require_aware(first_responded_at, "first_responded_at")
    if last_update_at is not None and require_aware(last_update_at, "last_update_at") > last:
        last = last_update_at
    return last + interval


def progress_update(
    status: ComplaintStatus | str, *, actor: str, note: str, now: datetime
) -> Reason:
    """C-8: record a progress update given to the customer (each update is recorded).

    ``note`` says what the customer was told (required).  Refused (``NO_PROGRESS_UPDATE``)
    before the first response of the cycle — answer the complaint first (C-8's first step)
    — and once the complaint is closed.
    """
    require_aware(now, "now")
    who = _require_actor(actor)
    state = _status(status, "status")
    what = _require_why(note, "a progress update")
    if state in _NO_PROGRESS_UPDATE:
        step = "it is closed" if state is _S.CLOSED else "acknowledge it first (first response)"
        raise IllegalTransition(
            f"a progress update cannot be recorded on a {state.label} complaint: {step}",
            code="NO_PROGRESS_UPDATE",
            status=state.value,
        )
    return Reason("C-8", f"{who} updated the customer on the progress: {what}")


def special_case(
    status: ComplaintStatus | str, *, actor: str, reason: str, already: bool, now: datetime
) -> Reason:
    """C-11: mark a complaint a special case; its resolution is then due at the special-case
    limit (7 working days after filing), a hard cap no pause extends (seed 002 篇7).

    The reason is required (``REASON_REQUIRED``); a complaint already marked, resolved or
    later cannot be marked (``SPECIAL_CASE_REFUSED``): the mark is about getting it done.
    """
    require_aware(now, "now")
    who = _require_actor(actor)
    state = _status(status, "status")
    why = _require_why(reason, "marking a special case")
    if already:
        raise RuleError(
            "the complaint is already marked a special case (C-11)", code="SPECIAL_CASE_REFUSED"
        )
    if state in {_S.RESOLVED, _S.REVISITED, _S.CLOSED}:
        raise RuleError(
            f"a {state.label} complaint cannot be marked a special case (C-11): only an "
            "unresolved complaint has a resolution deadline",
            code="SPECIAL_CASE_REFUSED",
            status=state.value,
        )
    return Reason("C-11", f"{who} marked the complaint a special case (hard limit applies): {why}")


_AWAITING_FIRST_RESPONSE: Final = frozenset({_S.RECEIVED, _S.REOPENED})
_AWAITING_RESOLUTION: Final = frozenset(
    {_S.RECEIVED, _S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.WAITING_ON_CUSTOMER, _S.REOPENED}
)


def overdue_reasons(
    deadlines: Deadlines,
    status: ComplaintStatus | str,
    now: datetime,
) -> tuple[Reason, ...]:
    """Every deadline the complaint has missed at ``now``, in lifecycle order.

    A deadline is missed when ``now`` is after it and the step it guards has not happened
    (the status says which steps have).  Resolution is measured against the deadline that
    applies (``deadlines.basis``, C-11); a progress update is late when
    ``deadlines.progress_update_due`` passed (C-8).
    """
    require_aware(now, "now")
    state = _status(status, "status")
    targets, found = deadlines.targets, []
    if state in _AWAITING_FIRST_RESPONSE and now > deadlines.first_response_due:
        found.append(
            Reason(
                "C-8",
                f"no first response within {_hours(targets.first_response)}: it was due "
                f"{deadlines.first_response_due.isoformat()}",
            )
        )
    progress_due = deadlines.progress_update_due
    if state in PROGRESS_UPDATE_STATUSES and progress_due is not None and now > progress_due:
        found.append(
            Reason(
                "C-8",
                f"no progress update within {_hours(targets.progress_interval)} of the last "
                f"contact: it was due {progress_due.isoformat()}",
            )
        )
    due = deadlines.resolution_due
    if state in _AWAITING_RESOLUTION and due is not None and now > due:
        if deadlines.basis is ResolutionBasis.SPECIAL_CASE:
            within = (
                f"the special-case limit of {targets.special_case_max_working_days} working "
                "days (a hard cap no pause extends)"
            )
        elif deadlines.basis is ResolutionBasis.CUSTOMER_REQUEST:
            within = "the time the customer asked for (complaint made during consumption)"
        else:
            within = f"{targets.resolution_working_days} working days"
        found.append(
            Reason(
                "C-11",
                f"not resolved within {within} ({targets.severity} complaint): it was due "
                f"{due.isoformat()}",
            )
        )
    if state is _S.RESOLVED and deadlines.revisit_due is not None and now > deadlines.revisit_due:
        found.append(
            Reason(
                "C-9",
                f"no revisit (回访) within {targets.revisit_days} days after the fix: it was "
                f"due {deadlines.revisit_due.isoformat()}",
            )
        )
    return tuple(found)


def is_overdue(
    deadlines: Deadlines,
    status: ComplaintStatus | str,
    now: datetime,
) -> Reason | None:
    """The first missed deadline (see :func:`overdue_reasons`), or None when on time."""
    reasons = overdue_reasons(deadlines, status, now)
    return reasons[0] if reasons else None


def _hours(span: timedelta) -> str:
    hours = span / timedelta(hours=1)
    return f"{hours:g} hours"


# ---------------------------------------------------------------------------------------------
# C-10 escalation


class EscalationLevel(IntEnum):
    """逐级上报 (C-10).  0 is the handler, matching ``complaints.escalation_level``'s default."""

    HANDLER = 0
    SITE_HEAD = 1
    VICE_PRESIDENT = 2
    GENERAL_MANAGER = 3

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS: Final = {
    EscalationLevel.HANDLER: "the handler",
    EscalationLevel.SITE_HEAD: "the site/department head",
    EscalationLevel.VICE_PRESIDENT: "the vice president in charge",
    EscalationLevel.GENERAL_MANAGER: "the general manager",
}


def escalate(current_level: EscalationLevel | int, reason: str) -> tuple[EscalationLevel, Reason]:
    """One step up the chain (C-10), e.g. the customer is still unsatisfied or the demand
    exceeds the current level's authority; ``reason`` says which.  No skipping levels."""
    try:
        level = EscalationLevel(current_level)
    except ValueError:
        raise ValueError(f"unknown escalation level {current_level!r}") from None
    why = _require_why(reason, "escalation")
    if level is EscalationLevel.GENERAL_MANAGER:
        raise EscalationError(
            "the complaint is already with the general manager, the top of the escalation "
            "chain (C-10); record the general manager's decision instead",
            level=int(level),
        )
    upper = EscalationLevel(level + 1)
    return upper, Reason("C-10", f"escalated from {level.label} to {upper.label}: {why}")
