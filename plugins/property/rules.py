"""Pure rules of the property-management line (DOMAIN.md PM-1 … PM-9).

Every function is a plain function of facts, a policy and (where time matters) an aware
``now``; each decision carries a :class:`Reason` naming its rule id.  Time zones are explicit:
the site's zone or its :class:`WorkingCalendar` is passed in.

Decisions beyond DOMAIN.md's *Decided* lines (issue 15 note):

* PM-1: the night window is [night_starts, night_ends) on the site's clock: 19:59 is day,
  20:00 night, 07:59 night, 08:00 day.  A registration needs a recorded contact method and
  the resident's confirmation, at any hour; a resident who refuses means no registration.
* PM-2: written replies go draft → supervisor's approval → sent; a step out of order is
  refused, and only a supervisor approves.
* PM-4: a collective complaint needs ``collective_households`` distinct households or
  companies; its clocks start when the one that makes it collective joins.
* PM-5: a fix "done at" the deadline instant (24:00 of the n-th working day) is on time; one
  minute later is overdue.  A revisit without the customer's signature does not count.
* PM-6: "report" is required to close a major complaint only; the other five always.
* PM-8: arriving exactly 10 minutes after the agreed time is on time, 10 minutes and any
  part of an 11th is late (whole minutes, any part of a minute counting as a minute, as
  core's lateness does); a time the customer agreed to replaces the original.  Work may
  not start before the fee was quoted and accepted (a free repair is quoted as 0), nor may
  furniture be moved without consent; a repair closes only with the customer's signature.
  Rates are Decimal fractions rounded to 4 places, None when nothing was counted.
* PM-9: the table is core's points scheme (policy.DEFAULT_POINTS); the score is never below 0.

Further decisions of the GraphQL line (issue 15, second part):

* PM-1: "the night duty manager on the roster" is a staff member holding a shift with duty
  role ``night_duty_manager`` that covers the moment; anyone else at night is refused with a
  user error (NIGHT_DUTY_ONLY, rule PM-1) — a business rule, not a token's permission.  A
  token may only register as its own staff member unless it may act for others (C-13).
* PM-2: "the supervisor" is a staff member with role supervisor or above (department
  manager, department director, site head, general manager); the reply steps are recorded
  beside the PM-6 steps (``reply_drafted`` / ``reply_approved`` / ``reply_sent``); a written
  complaint is closed only once its reply was sent.
* PM-4: a collective complaint is filed when the household or company that makes it
  collective joins (the 3rd), so its clocks start then; "reported at once" is core's
  ``complaint.report_immediately`` event (notifications stream, webhooks) with the
  ``complaint.filed`` event (severity major) on the complaint stream.
* PM-5: "revisited" (core's transition) needs a revisit signed by the customer recorded after
  the latest fix; a signed revisit after the deadline is recorded as not in time, not refused.
* PM-6: the steps are required when the complaint is closed (core refuses the transition,
  TRANSITION_REFUSED, rule PM-6), not for the earlier moves.
* PM-7: a month's summary counts the complaints received in the site-local month; "fixed on
  time" compares the fix with the stored resolution deadline (pauses and special cases
  included, C-11); "revisited" counts complaints with a revisit signed by the customer.
* PM-8: the desk dispatches to a named technician ("by speciality and nearness" is the
  dispatcher's judgement: no locations are recorded) and may re-dispatch before arrival; a
  technician's month counts orders by their agreed time; an arrival in the future is refused.

Further decisions (issue 15, third part: survey follow-up, paid services, incident reports):

* PM-5 survey follow-up (seed 002 篇2 三.2): each deadline counts from the step before it, as
  the seed says: the collated opinions reach the responsible department by 24:00 of the 2nd
  calendar day after collating, the department's written measures by 24:00 of the 3rd day
  after it received them, the signed revisit by 24:00 of the 14th day after the
  rectification ("days", not working days: the seed says 工作日 only for complaint fixes).
  The steps go delivered → measures → rectified → revisited, each once; a step after its
  deadline is recorded as late (with its reason), not refused; a step dated in the future or
  before the step it follows is refused.  The revisit is signed by the customer.  An open
  opinion whose running deadline has passed is overdue (shown on today's front desk).
* PM-5 paid special services (特约服务, seed 002 篇2 三.3; seed 003 制度11 有偿服务): the service
  is recorded with its fee (above 0), then a payment notice (缴费通知单) is delivered and the
  customer is revisited by phone about their satisfaction, in either order, each once and not
  before the service; the seed sets no deadline, so the front desk lists the services still
  missing one of them.
* PM-2 / PM-4 incident reports (seed 000 篇五: 如屬嚴重或未能處理投訴，應連同事故報告及客戶書面投訴
  交上級管理部門處理): a major complaint (``serious``) or one not resolved (``unresolved``)
  is reported upward with an incident report — who, when, what, to whom (a named recipient,
  optionally a staff member); a written complaint's report goes with the customer's written
  complaint.  The report is the PM-6 "report" step (recorded with it when still missing) and
  an event ``property.incident_reported`` on the complaint stream (subscriptions, webhooks).
  A phone report of a serious accident (a PM-4 emergency) notifies at once through core's
  ``complaint.report_immediately``, whatever the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.plugin_api.rules import (
    PenaltyRuleSpec,
    PointsOccurrence,
    Reason,
    WorkingCalendar,
    minutes_late,
    points_balance,
    points_threshold_crossed,
)
from plugins.property.policy import HANDLING_STEPS, MAJOR_CATEGORIES, PropertyPolicy

MAJOR = "major"
GENERAL = "general"


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment


@dataclass(frozen=True, slots=True)
class Verdict:
    """A yes/no decision with its reason (the rule id and a sentence)."""

    allowed: bool
    reason: Reason


# --- business date ----


def business_date_for(local_moment: datetime) -> date:
    """The property front desk works calendar days: the site-local date (night duty
    registrations after midnight belong to the new date)."""
    return _aware(local_moment, "local_moment").date()


def penalty_table(policy: PropertyPolicy) -> tuple[PenaltyRuleSpec, ...]:
    """The line's penalty table: PM-9's points (C-14's fines are added by core)."""
    return policy.penalties


# --- PM-1 visitors ----


def is_night_duty(moment: datetime, zone: ZoneInfo, policy: PropertyPolicy) -> bool:
    """PM-1: whether ``moment`` falls in the night-duty window [20:00, 08:00) on the site's
    clock (the window crosses midnight)."""
    local = _aware(moment, "moment").astimezone(zone).time().replace(tzinfo=None)
    start, end = policy.night_starts, policy.night_ends
    if start < end:
        return start <= local < end
    return local >= start or local < end


@dataclass(frozen=True, slots=True)
class VisitorFacts:
    """What the front desk knows when registering a resident's visitor (PM-1).

    ``contact_method``: how the resident was contacted (phone, intercom, in person …), None
    when nobody was contacted; ``resident_confirmed``: the resident agreed to the visit;
    ``registrar_is_night_duty_manager``: the registering staff member is the night duty
    manager on the roster at ``now``.
    """

    contact_method: str | None
    resident_confirmed: bool
    registrar_is_night_duty_manager: bool


def visitor_registration(
    facts: VisitorFacts, now: datetime, zone: ZoneInfo, policy: PropertyPolicy
) -> Verdict:
    """PM-1: a visitor is registered after the resident was contacted and confirmed; from
    20:00 to 08:00 only by the night duty manager on the roster."""
    if not facts.contact_method:
        return Verdict(False, Reason("PM-1", "contact the resident before registering a visitor"))
    if not facts.resident_confirmed:
        return Verdict(False, Reason("PM-1", "the resident has not confirmed the visitor"))
    night = is_night_duty(now, zone, policy)
    window = f"{policy.night_starts:%H:%M}–{policy.night_ends:%H:%M}"
    if night and not facts.registrar_is_night_duty_manager:
        return Verdict(
            False,
            Reason(
                "PM-1",
                f"from {window} visitors are registered by the night duty manager on the roster",
            ),
        )
    who = "the night duty manager" if night else "the front desk"
    return Verdict(
        True,
        Reason(
            "PM-1",
            f"registered by {who} after contacting the resident ({facts.contact_method})",
        ),
    )


# --- PM-2 written complaints ----

WRITTEN_REPLY_STEPS: tuple[str, ...] = ("drafted", "approved", "sent")


def written_reply_step(done: Sequence[str], step: str, actor_is_supervisor: bool) -> Verdict:
    """PM-2: a written complaint's reply is drafted, approved by the supervisor, then sent —
    in that order, each once."""
    if step not in WRITTEN_REPLY_STEPS:
        return Verdict(False, Reason("PM-2", f"unknown reply step {step!r}"))
    index = WRITTEN_REPLY_STEPS.index(step)
    if step in done:
        return Verdict(False, Reason("PM-2", f"the reply is already {step}"))
    missing = [s for s in WRITTEN_REPLY_STEPS[:index] if s not in done]
    if missing:
        return Verdict(False, Reason("PM-2", f"the reply must be {missing[0]} before it is {step}"))
    if step == "approved" and not actor_is_supervisor:
        return Verdict(False, Reason("PM-2", "only the supervisor approves a written reply"))
    return Verdict(True, Reason("PM-2", f"written reply {step}"))


# --- PM-3 first response ----


def first_response_due(received_at: datetime, policy: PropertyPolicy) -> datetime:
    """PM-3 (C-8): the first response is due 24 hours of real time after receipt."""
    return _aware(received_at, "received_at") + timedelta(hours=policy.first_response_hours)


# --- PM-4 severity ----


def complaint_severity(
    category: str | None, households: int, policy: PropertyPolicy
) -> tuple[str, Reason]:
    """PM-4: major for the listed emergencies and for a collective complaint of 3 or more
    households or companies (3 included); general otherwise."""
    if isinstance(households, bool) or not isinstance(households, int) or households < 1:
        raise ValueError(f"households must be a whole number of at least 1, got {households!r}")
    if category in MAJOR_CATEGORIES:
        return MAJOR, Reason("PM-4", f"{category.replace('_', ' ')} is a major complaint")
    if households >= policy.collective_households:
        return MAJOR, Reason(
            "PM-4",
            f"collective complaint of {households} households or companies "
            f"({policy.collective_households} or more is major)",
        )
    return GENERAL, Reason("PM-4", "not a major complaint: general")


def collective_clock_start(
    joined_at: Iterable[datetime], policy: PropertyPolicy
) -> datetime | None:
    """PM-4: when a collective complaint becomes major: the moment the
    ``collective_households``-th household or company joined (None before that)."""
    times = sorted(_aware(t, "joined_at") for t in joined_at)
    if len(times) < policy.collective_households:
        return None
    return times[policy.collective_households - 1]


# --- PM-5 deadlines and revisits ----


def fix_deadline(
    received_at: datetime, severity: str, calendar: WorkingCalendar, policy: PropertyPolicy
) -> datetime:
    """PM-5: 24:00 of the 1st (major) / 3rd (general) working day after the day of receipt
    (site calendar: weekends, public holidays, make-up working days; C-11)."""
    days = policy.major_fix_working_days if severity == MAJOR else policy.general_fix_working_days
    return calendar.add_working_days(_aware(received_at, "received_at"), days)


def fix_decision(
    received_at: datetime,
    fixed_at: datetime,
    severity: str,
    calendar: WorkingCalendar,
    policy: PropertyPolicy,
) -> Verdict:
    """PM-5: a fix at or before the deadline is on time; later is overdue."""
    due = fix_deadline(received_at, severity, calendar, policy)
    days = policy.major_fix_working_days if severity == MAJOR else policy.general_fix_working_days
    when = f"{severity} complaint: fixed within {days} working day(s), by {due.isoformat()}"
    if _aware(fixed_at, "fixed_at") <= due:
        return Verdict(True, Reason("PM-5", f"on time ({when})"))
    return Verdict(False, Reason("PM-5", f"overdue ({when})"))


def revisit_deadline(
    fixed_at: datetime, severity: str, zone: ZoneInfo, policy: PropertyPolicy
) -> datetime:
    """PM-5: 24:00 of the 7th (major) / 14th (general) calendar day after the fix, site time."""
    days = policy.major_revisit_days if severity == MAJOR else policy.general_revisit_days
    last = _aware(fixed_at, "fixed_at").astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)


def revisit_decision(
    fixed_at: datetime,
    revisited_at: datetime,
    severity: str,
    customer_signed: bool,
    zone: ZoneInfo,
    policy: PropertyPolicy,
) -> Verdict:
    """PM-5: a revisit counts when the customer signed it and it was at or before the
    revisit deadline (and not before the fix)."""
    if not customer_signed:
        return Verdict(False, Reason("PM-5", "the revisit record must be signed by the customer"))
    if _aware(revisited_at, "revisited_at") < _aware(fixed_at, "fixed_at"):
        return Verdict(False, Reason("PM-5", "a revisit comes after the fix"))
    due = revisit_deadline(fixed_at, severity, zone, policy)
    if revisited_at <= due:
        return Verdict(True, Reason("PM-5", f"revisited in time (by {due.isoformat()})"))
    return Verdict(False, Reason("PM-5", f"revisit overdue (was due by {due.isoformat()})"))


@dataclass(frozen=True, slots=True)
class SurveyDeadlines:
    """PM-5: satisfaction-survey follow-up (seed 002 篇2 三.2): the collated opinions reach the
    responsible department by ``opinions_by`` (2 days after collating); the department's
    written measures reach the desk by ``measures_by`` (3 days after it received them; None
    until it did); the customer is revisited by ``revisit_by`` (2 weeks after the
    rectification; None until it is done) — each 24:00 of the n-th calendar day, site time."""

    opinions_by: datetime
    measures_by: datetime | None
    revisit_by: datetime | None


def _end_of_day_after(moment: datetime, days: int, zone: ZoneInfo, name: str) -> datetime:
    day = _aware(moment, name).astimezone(zone).date()
    return datetime.combine(day + timedelta(days=days + 1), time(0), tzinfo=zone)


def survey_deadlines(
    collected_at: datetime,
    zone: ZoneInfo,
    policy: PropertyPolicy,
    delivered_at: datetime | None = None,
    rectified_at: datetime | None = None,
) -> SurveyDeadlines:
    """PM-5: the survey follow-up's deadlines, each counted from the step before it (seed 002
    篇2: "汇总后两日内送达责任部门，责任部门接到意见后三日内将整改措施书面反馈客务部 …
    整改后两周内 … 回访")."""
    return SurveyDeadlines(
        _end_of_day_after(collected_at, policy.survey_opinion_days, zone, "collected_at"),
        None
        if delivered_at is None
        else _end_of_day_after(delivered_at, policy.survey_measures_days, zone, "delivered_at"),
        None
        if rectified_at is None
        else _end_of_day_after(rectified_at, policy.survey_revisit_days, zone, "rectified_at"),
    )


#: PM-5: the survey follow-up's steps, in order.
SURVEY_STEPS: tuple[str, ...] = ("delivered", "measures", "rectified", "revisited")
_SURVEY_WHAT = {
    "delivered": "delivered to the responsible department",
    "measures": "answered with the department's written measures",
    "rectified": "rectified",
    "revisited": "revisited with the customer",
}
_SURVEY_NEXT = {
    "delivered": "deliver it to the responsible department",
    "measures": "the department's written measures",
    "rectified": "the department's rectification",
    "revisited": "the revisit signed by the customer",
}


def survey_step_decision(
    step: str, done_at: datetime, due: datetime | None, zone: ZoneInfo
) -> Verdict:
    """PM-5: a follow-up step at or before its deadline (24:00 exactly included) is in time;
    later it is recorded as late (not refused: the record is what happened).  "rectified" has
    no deadline of its own (the seed sets none)."""
    what = _SURVEY_WHAT[step]
    done_at = _aware(done_at, "done_at")  # a step with no deadline is still a moment
    if due is None:
        return Verdict(True, Reason("PM-5", f"survey opinion {what}"))
    due = due.astimezone(zone)
    if done_at <= due:
        return Verdict(
            True, Reason("PM-5", f"survey opinion {what} in time (by {due.isoformat()})")
        )
    return Verdict(
        False, Reason("PM-5", f"survey opinion {what} late (was due by {due.isoformat()})")
    )


def survey_step_refusal(done: Sequence[str], step: str) -> Reason | None:
    """PM-5: the follow-up steps are taken in order, each once."""
    if step not in SURVEY_STEPS:
        return Reason("PM-5", f"unknown survey follow-up step {step!r}")
    if step in done:
        return Reason("PM-5", f"the survey opinion is already {_SURVEY_WHAT[step]}")
    index = SURVEY_STEPS.index(step)
    missing = [s for s in SURVEY_STEPS[:index] if s not in done]
    if missing:
        return Reason(
            "PM-5",
            f"the survey opinion must be {_SURVEY_WHAT[missing[0]]} before it is "
            f"{_SURVEY_WHAT[step]}",
        )
    return None


@dataclass(frozen=True, slots=True)
class SurveyClock:
    """PM-5: the running clock of an open survey opinion: the next step, its due time (None:
    no deadline, waiting on the department's rectification), minutes left (negative:
    overdue)."""

    next_step: str | None
    due: datetime | None
    minutes_left: int | None
    overdue: bool
    reason: Reason


def survey_clock(
    deadlines: SurveyDeadlines, done: Sequence[str], now: datetime, zone: ZoneInfo
) -> SurveyClock:
    """PM-5: which follow-up step runs now and whether it is overdue at ``now`` (overdue
    strictly after the deadline instant)."""
    pending = [s for s in SURVEY_STEPS if s not in done]
    if not pending:
        return SurveyClock(None, None, None, False, Reason("PM-5", "survey follow-up complete"))
    step = pending[0]
    due = {
        "delivered": deadlines.opinions_by,
        "measures": deadlines.measures_by,
        "rectified": None,
        "revisited": deadlines.revisit_by,
    }[step]
    what = _SURVEY_NEXT[step]
    if due is None:
        return SurveyClock(step, None, None, False, Reason("PM-5", f"next: {what} (no deadline)"))
    left = int((due - _aware(now, "now")).total_seconds() // 60)
    local = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    state = f"{left} minute(s) left" if left >= 0 else f"overdue by {-left} minute(s)"
    return SurveyClock(
        step, due, left, left < 0, Reason("PM-5", f"next: {what}, due by {local} ({state})")
    )


# --- PM-5 paid special services ----


def paid_service_refusal(fee: Decimal) -> Reason | None:
    """PM-5 (seed 002 篇2 三.3, seed 003 制度11): a paid special service carries its fee, a
    positive amount of money, for the payment notice."""
    if not isinstance(fee, Decimal) or not fee.is_finite() or fee <= 0:
        return Reason("PM-5", "a paid special service has a fee above 0 for its payment notice")
    return None


def paid_service_state(notice_delivered: bool, revisited: bool) -> Reason:
    """PM-5: after a paid special service the customer receives a payment notice and is
    revisited by phone about their satisfaction; what is still missing."""
    missing = [
        what
        for what, done in (
            ("the payment notice", notice_delivered),
            ("the phone revisit", revisited),
        )
        if not done
    ]
    if not missing:
        return Reason("PM-5", "payment notice delivered and customer revisited by phone")
    return Reason("PM-5", "paid special service: missing " + " and ".join(missing))


# --- PM-2 / PM-4 incident reports ----

INCIDENT_KINDS: tuple[str, ...] = ("serious", "unresolved")


def incident_report_refusal(
    kind: str,
    severity: str,
    resolved: bool,
    written: bool,
    written_complaint_attached: bool,
) -> Reason | None:
    """PM-2 / PM-4 (seed 000 篇五): a serious complaint — a major one (PM-4) — or one the
    desk could not handle (not resolved) is reported upward with an incident report; a
    written complaint's report goes with the customer's written complaint."""
    if kind not in INCIDENT_KINDS:
        return Reason("PM-2", f"unknown incident report kind {kind!r}")
    if kind == "serious" and severity != MAJOR:
        return Reason(
            "PM-4",
            "only a major complaint is reported as serious; report one the desk cannot "
            "handle as unresolved",
        )
    if kind == "unresolved" and resolved:
        return Reason("PM-2", "the complaint is resolved: nothing unresolved to report")
    if written and not written_complaint_attached:
        return Reason(
            "PM-2",
            "a written complaint is reported upward together with the customer's written complaint",
        )
    return None


# --- PM-6 five clears and one report ----


def required_steps(severity: str) -> tuple[str, ...]:
    """PM-6: the steps a complaint needs before it closes ("report" for major ones only)."""
    if severity == MAJOR:
        return HANDLING_STEPS
    return tuple(s for s in HANDLING_STEPS if s != "report")


def close_decision(severity: str, recorded: Iterable[str]) -> Verdict:
    """PM-6: a complaint is closed only when every one of its steps is in its history."""
    done = set(recorded)
    missing = [s for s in required_steps(severity) if s not in done]
    if missing:
        return Verdict(
            False,
            Reason("PM-6", "five clears and one report: missing " + ", ".join(missing)),
        )
    return Verdict(True, Reason("PM-6", "every handling step is recorded"))


def handling_step_refusal(
    step: str, next_reply_at: datetime | None, confirmed: bool
) -> Reason | None:
    """PM-6: "reply" carries the next reply time; "record" is confirmed by the customer."""
    if step not in HANDLING_STEPS:
        return Reason(
            "PM-6", f"unknown handling step {step!r}; use one of {', '.join(HANDLING_STEPS)}"
        )
    if step == "reply" and next_reply_at is None:
        return Reason("PM-6", "a reply gives the customer the next reply time")
    if step == "record" and not confirmed:
        return Reason("PM-6", "the record is confirmed by the customer")
    return None


# --- PM-7 monthly summary ----


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    project: str
    severity: str
    received_at: datetime
    fixed_on_time: bool | None = None  # None: not fixed yet
    revisited: bool = False


@dataclass(frozen=True, slots=True)
class MonthlySummary:
    project: str
    month: date
    total: int
    major: int
    general: int
    fixed_on_time: int
    overdue: int
    open: int
    revisited: int
    reason: Reason = field(default_factory=lambda: Reason("PM-7", "monthly complaint summary"))


def monthly_summary(
    complaints: Iterable[ComplaintFacts], month: date, zone: ZoneInfo
) -> list[MonthlySummary]:
    """PM-7: per project, the complaints received in the site-local ``month``: counts by
    severity, fixed on time / overdue / open, revisited."""
    groups: dict[str, list[ComplaintFacts]] = {}
    for c in complaints:
        local = _aware(c.received_at, "received_at").astimezone(zone)
        if (local.year, local.month) == (month.year, month.month):
            groups.setdefault(c.project, []).append(c)
    return [
        MonthlySummary(
            project=project,
            month=month.replace(day=1),
            total=len(items),
            major=sum(c.severity == MAJOR for c in items),
            general=sum(c.severity != MAJOR for c in items),
            fixed_on_time=sum(c.fixed_on_time is True for c in items),
            overdue=sum(c.fixed_on_time is False for c in items),
            open=sum(c.fixed_on_time is None for c in items),
            revisited=sum(c.revisited for c in items),
        )
        for project, items in sorted(groups.items())
    ]


# --- PM-8 repairs ----


def arrival_decision(
    agreed_at: datetime,
    arrived_at: datetime,
    policy: PropertyPolicy,
    rescheduled_to: datetime | None = None,
) -> Verdict:
    """PM-8: on time when arriving at or before the agreed time + 10 minutes (exactly 10 is
    on time; 10 minutes and a second counts as 11, late); a new time the customer agreed to
    replaces the original."""
    target = _aware(rescheduled_to or agreed_at, "agreed_at")
    late = minutes_late(target, _aware(arrived_at, "arrived_at"))
    basis = "the time the customer agreed to" if rescheduled_to else "the agreed time"
    if late <= policy.repair_grace_minutes:
        return Verdict(True, Reason("PM-8", f"on time: {late} minute(s) after {basis}"))
    return Verdict(
        False,
        Reason(
            "PM-8",
            f"late: {late} minutes after {basis} (more than {policy.repair_grace_minutes})",
        ),
    )


def work_start_refusal(
    fee_quoted: Decimal | None, fee_accepted: bool, moves_furniture: bool, furniture_consent: bool
) -> Reason | None:
    """PM-8: the fee is told and accepted before work starts; furniture is moved only with the
    customer's consent."""
    if fee_quoted is None:
        return Reason("PM-8", "tell the customer the fee before work starts")
    if not isinstance(fee_quoted, Decimal) or fee_quoted < 0:
        return Reason("PM-8", "the fee is a non-negative amount of money")
    if not fee_accepted:
        return Reason("PM-8", "the customer has not accepted the fee")
    if moves_furniture and not furniture_consent:
        return Reason("PM-8", "moving furniture needs the customer's consent")
    return None


def repair_close_refusal(customer_signed: bool) -> Reason | None:
    """PM-8: a repair is completed with the customer's signature."""
    if not customer_signed:
        return Reason("PM-8", "the customer signs the repair order")
    return None


@dataclass(frozen=True, slots=True)
class RepairFacts:
    technician_id: int
    project: str
    on_time: bool | None  # None: not arrived yet
    spot_check: bool | None = None  # True pass, False fail, None not spot-checked


@dataclass(frozen=True, slots=True)
class RepairRates:
    key: str
    arrivals: int
    on_time: int
    on_time_rate: Decimal | None
    spot_checked: int
    passed: int
    pass_rate: Decimal | None


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def repair_rates(repairs: Iterable[RepairFacts], by: str = "technician") -> list[RepairRates]:
    """PM-8: on-time rate (arrivals) and pass rate (spot-checked repairs only) per technician
    (``by="technician"``) or per project (``by="project"``)."""
    groups: dict[str, list[RepairFacts]] = {}
    for r in repairs:
        key = str(r.technician_id) if by == "technician" else r.project
        groups.setdefault(key, []).append(r)
    out = []
    for key, items in sorted(groups.items()):
        arrived = [r for r in items if r.on_time is not None]
        checked = [r for r in items if r.spot_check is not None]
        on_time = sum(bool(r.on_time) for r in arrived)
        passed = sum(bool(r.spot_check) for r in checked)
        out.append(
            RepairRates(
                key,
                len(arrived),
                on_time,
                _rate(on_time, len(arrived)),
                len(checked),
                passed,
                _rate(passed, len(checked)),
            )
        )
    return out


# --- PM-9 points ----


def month_score(policy: PropertyPolicy, occurrences: Sequence[PointsOccurrence]) -> Decimal:
    """PM-9: 10 less the month's deductions (stepped items stepped), never below 0."""
    return points_balance(policy.points, occurrences)


def score_consequence(
    policy: PropertyPolicy, before: Decimal, after: Decimal
) -> tuple[str, Reason] | None:
    """PM-9: a verbal warning at 5 or below, a penalty at 2 or below (both inclusive)."""
    return points_threshold_crossed(policy.points, before, after)
