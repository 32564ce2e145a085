"""Issue 11, "test strength of the rules": every decision of the property line's rules
(plugins/property/rules.py, DOMAIN.md PM-1 … PM-9) with its exact reason — the rule id and
the sentence the desk shows — at the boundaries mutation testing found unguarded.

Expected values are written out from DOMAIN.md and the seeds, never read from the module's
own tables.  Pure (no database): `python3 dev.py mutants` runs this file once per mutant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.plugin_api.rules import Reason, calendar_for
from plugins.property import rules
from plugins.property.policy import DEFAULT_POLICY, PropertyPolicy
from plugins.property.rules import (
    GENERAL,
    MAJOR,
    ComplaintFacts,
    MonthlySummary,
    RepairFacts,
    RepairRates,
    SurveyClock,
    Verdict,
    VisitorFacts,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
CAL = calendar_for("CN", "Asia/Shanghai")
P = DEFAULT_POLICY


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def yes(rule: str, message: str) -> Verdict:
    return Verdict(True, Reason(rule, message))


def no(rule: str, message: str) -> Verdict:
    return Verdict(False, Reason(rule, message))


# --- time zones are explicit: a naive time is refused, naming the fact ----------------------

NAIVE = datetime(2026, 12, 2, 10)
AWARE = sh(2026, 12, 2, 10)
D = rules.survey_deadlines(sh(2026, 12, 1, 10), SH, P)

NAIVE_CASES = [
    ("business_date_for", "local_moment", lambda: rules.business_date_for(NAIVE)),
    ("is_night_duty", "moment", lambda: rules.is_night_duty(NAIVE, SH, P)),
    ("first_response_due", "received_at", lambda: rules.first_response_due(NAIVE, P)),
    (
        "collective_clock_start",
        "joined_at",
        lambda: rules.collective_clock_start([AWARE, NAIVE, AWARE], P),
    ),
    ("fix_deadline", "received_at", lambda: rules.fix_deadline(NAIVE, MAJOR, CAL, P)),
    ("fix_decision", "fixed_at", lambda: rules.fix_decision(AWARE, NAIVE, MAJOR, CAL, P)),
    ("revisit_deadline", "fixed_at", lambda: rules.revisit_deadline(NAIVE, MAJOR, SH, P)),
    (
        "revisit_decision-revisit",
        "revisited_at",
        lambda: rules.revisit_decision(AWARE, NAIVE, MAJOR, True, SH, P),
    ),
    (
        "revisit_decision-fix",
        "fixed_at",
        lambda: rules.revisit_decision(NAIVE, AWARE, MAJOR, True, SH, P),
    ),
    ("survey_deadlines-collected", "collected_at", lambda: rules.survey_deadlines(NAIVE, SH, P)),
    (
        "survey_deadlines-delivered",
        "delivered_at",
        lambda: rules.survey_deadlines(AWARE, SH, P, delivered_at=NAIVE),
    ),
    (
        "survey_deadlines-rectified",
        "rectified_at",
        lambda: rules.survey_deadlines(AWARE, SH, P, rectified_at=NAIVE),
    ),
    (
        "survey_step_decision",
        "done_at",
        lambda: rules.survey_step_decision("delivered", NAIVE, sh(2026, 12, 4), SH),
    ),
    (
        "survey_step_decision-rectified",  # no deadline, still a moment: refused without a zone
        "done_at",
        lambda: rules.survey_step_decision("rectified", NAIVE, None, SH),
    ),
    ("survey_clock", "now", lambda: rules.survey_clock(D, [], NAIVE, SH)),
    (
        "monthly_summary",
        "received_at",
        lambda: rules.monthly_summary([ComplaintFacts("A", GENERAL, NAIVE)], date(2026, 12, 1), SH),
    ),
    ("arrival_decision-agreed", "agreed_at", lambda: rules.arrival_decision(NAIVE, AWARE, P)),
    (
        "arrival_decision-rescheduled",
        "agreed_at",
        lambda: rules.arrival_decision(AWARE, AWARE, P, rescheduled_to=NAIVE),
    ),
    ("arrival_decision-arrived", "arrived_at", lambda: rules.arrival_decision(AWARE, NAIVE, P)),
]


@pytest.mark.parametrize(("name", "call"), [pytest.param(n, c, id=i) for i, n, c in NAIVE_CASES])
def test_PM_rules_refuse_a_naive_time_naming_the_fact(
    name: str, call: Callable[[], object]
) -> None:
    """Rules are plain functions of facts and an aware `now` (time zones explicit): a time
    without its zone is refused with the name of the fact it was given for."""
    with pytest.raises(ValueError, match=rf"^{name} must be a timezone-aware datetime, got "):
        call()


class _NoOffset(tzinfo):
    """A zone that cannot say its offset: the time is not aware (Python's definition)."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_PM_3_a_time_whose_zone_gives_no_offset_or_a_plain_date_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^received_at must be a timezone-aware datetime"):
        rules.first_response_due(datetime(2026, 12, 2, 10, tzinfo=_NoOffset()), P)
    with pytest.raises(ValueError, match=r"^received_at must be a timezone-aware datetime"):
        rules.first_response_due(date(2026, 12, 2), P)  # type: ignore[arg-type]


def test_PM_1_business_date_is_the_site_calendar_day() -> None:
    """The property desk works calendar days: a night registration after midnight belongs to
    the new date."""
    assert rules.business_date_for(sh(2026, 12, 3, 0, 30)) == date(2026, 12, 3)
    assert rules.business_date_for(sh(2026, 12, 2, 23, 59)) == date(2026, 12, 2)


# --- PM-1 --------------------------------------------------------------------------------------


def test_PM_1_window_not_crossing_midnight_is_half_open() -> None:
    """A window that does not cross midnight, e.g. [00:00, 06:00): 00:00 is night, 06:00 day."""
    policy = PropertyPolicy.from_overrides({"night_starts": "00:00", "night_ends": "06:00"})
    assert rules.is_night_duty(sh(2026, 12, 2, 0, 0), SH, policy) is True
    assert rules.is_night_duty(sh(2026, 12, 2, 5, 59), SH, policy) is True
    assert rules.is_night_duty(sh(2026, 12, 2, 6, 0), SH, policy) is False
    assert rules.is_night_duty(sh(2026, 12, 1, 23, 59), SH, policy) is False


def test_PM_1_night_window_has_two_distinct_ends() -> None:
    """A window from 20:00 to 20:00 would be all day or never: the policy refuses it (this is
    why is_night_duty's `start < end` and `start <= end` cannot differ; equivalent.txt)."""
    with pytest.raises(ValueError, match="night_starts and night_ends must differ"):
        PropertyPolicy.from_overrides({"night_starts": "20:00", "night_ends": "20:00"})


def test_PM_1_every_registration_decision_with_its_reason() -> None:
    day, night = sh(2026, 12, 2, 10), sh(2026, 12, 2, 20)
    assert rules.visitor_registration(VisitorFacts(None, True, True), night, SH, P) == no(
        "PM-1", "contact the resident before registering a visitor"
    )
    assert rules.visitor_registration(VisitorFacts("", True, False), day, SH, P) == no(
        "PM-1", "contact the resident before registering a visitor"
    )
    assert rules.visitor_registration(VisitorFacts("intercom", False, True), day, SH, P) == no(
        "PM-1", "the resident has not confirmed the visitor"
    )
    assert rules.visitor_registration(VisitorFacts("phone", True, False), night, SH, P) == no(
        "PM-1", "from 20:00–08:00 visitors are registered by the night duty manager on the roster"
    )
    assert rules.visitor_registration(VisitorFacts("phone", True, True), night, SH, P) == yes(
        "PM-1", "registered by the night duty manager after contacting the resident (phone)"
    )
    assert rules.visitor_registration(VisitorFacts("intercom", True, False), day, SH, P) == yes(
        "PM-1", "registered by the front desk after contacting the resident (intercom)"
    )
    # The night duty manager may register by day too: the front desk's reason then.
    assert rules.visitor_registration(VisitorFacts("phone", True, True), day, SH, P) == yes(
        "PM-1", "registered by the front desk after contacting the resident (phone)"
    )


def test_PM_1_registration_window_in_the_sites_zone_and_policy() -> None:
    policy = PropertyPolicy.from_overrides({"night_starts": "22:00", "night_ends": "06:00"})
    late_evening = sh(2026, 12, 2, 21)  # day under this policy, night under the default
    desk = VisitorFacts("phone", True, False)
    assert rules.visitor_registration(desk, late_evening, SH, policy).allowed is True
    refused = rules.visitor_registration(desk, sh(2026, 12, 2, 22), SH, policy)
    assert refused == no(
        "PM-1", "from 22:00–06:00 visitors are registered by the night duty manager on the roster"
    )
    # 12:30 UTC is 20:30 in Shanghai (night) and 07:30 in New York (night); 13:00 UTC is
    # 08:00 in New York (day).
    utc = datetime(2026, 12, 2, 12, 30, tzinfo=UTC)
    assert not rules.visitor_registration(desk, utc, SH, P).allowed
    assert rules.visitor_registration(desk, utc + timedelta(minutes=30), NY, P).allowed


# --- PM-2 --------------------------------------------------------------------------------------


def test_PM_2_every_reply_step_decision_with_its_reason() -> None:
    step = rules.written_reply_step
    assert step([], "drafted", False) == yes("PM-2", "written reply drafted")
    assert step(["drafted"], "approved", True) == yes("PM-2", "written reply approved")
    assert step(["drafted", "approved"], "sent", False) == yes("PM-2", "written reply sent")
    assert step([], "faxed", True) == no("PM-2", "unknown reply step 'faxed'")
    assert step(["drafted"], "drafted", True) == no("PM-2", "the reply is already drafted")
    assert step([], "approved", True) == no(
        "PM-2", "the reply must be drafted before it is approved"
    )
    assert step(["approved"], "sent", True) == no(
        "PM-2", "the reply must be drafted before it is sent"
    )
    assert step(["drafted"], "approved", False) == no(
        "PM-2", "only the supervisor approves a written reply"
    )
    # Sending or drafting needs no supervisor.
    assert (
        step([], "drafted", False).allowed and step(["drafted", "approved"], "sent", False).allowed
    )


# --- PM-3 / PM-4 -------------------------------------------------------------------------------


def test_PM_3_first_response_due_is_24_hours_later_in_any_zone() -> None:
    assert rules.first_response_due(datetime(2026, 12, 2, 23, tzinfo=UTC), P) == datetime(
        2026, 12, 3, 23, tzinfo=UTC
    )


def test_PM_4_every_severity_with_its_reason() -> None:
    assert rules.complaint_severity("fire", 1, P) == (
        MAJOR,
        Reason("PM-4", "fire is a major complaint"),
    )
    assert rules.complaint_severity("lift_entrapment", 2, P) == (
        MAJOR,
        Reason("PM-4", "lift entrapment is a major complaint"),
    )
    assert rules.complaint_severity(None, 3, P) == (
        MAJOR,
        Reason("PM-4", "collective complaint of 3 households or companies (3 or more is major)"),
    )
    assert rules.complaint_severity("noise", 7, P) == (
        MAJOR,
        Reason("PM-4", "collective complaint of 7 households or companies (3 or more is major)"),
    )
    assert rules.complaint_severity("noise", 2, P) == (
        GENERAL,
        Reason("PM-4", "not a major complaint: general"),
    )
    assert rules.complaint_severity(None, 1, P) == (
        GENERAL,
        Reason("PM-4", "not a major complaint: general"),
    )


@pytest.mark.parametrize("households", [0, -3, True, "3", 2.0])
def test_PM_4_households_is_a_whole_number_of_at_least_one(households: object) -> None:
    with pytest.raises(
        ValueError, match=rf"^households must be a whole number of at least 1, got {households!r}$"
    ):
        rules.complaint_severity("noise", households, P)  # type: ignore[arg-type]


def test_PM_4_collective_clock_starts_at_the_third_exactly() -> None:
    joins = [sh(2026, 12, 3, 17, 45), sh(2026, 12, 1, 9), sh(2026, 12, 2, 9)]
    assert rules.collective_clock_start(joins, P) == sh(2026, 12, 3, 17, 45)
    assert rules.collective_clock_start([], P) is None


# --- PM-5 complaint fixes and revisits ------------------------------------------------------


def test_PM_5_fix_decisions_with_their_reasons() -> None:
    received = sh(2026, 12, 4, 10)  # Friday
    assert rules.fix_decision(received, sh(2026, 12, 8), MAJOR, CAL, P) == yes(
        "PM-5",
        "on time (major complaint: fixed within 1 working day(s), by 2026-12-08T00:00:00+08:00)",
    )
    assert rules.fix_decision(received, sh(2026, 12, 8, 0, 0, 1), MAJOR, CAL, P) == no(
        "PM-5",
        "overdue (major complaint: fixed within 1 working day(s), by 2026-12-08T00:00:00+08:00)",
    )
    # General: Monday, Tuesday, Wednesday -> 24:00 of Wednesday 12-09.
    assert rules.fix_decision(received, sh(2026, 12, 10), GENERAL, CAL, P) == yes(
        "PM-5",
        "on time (general complaint: fixed within 3 working day(s), by 2026-12-10T00:00:00+08:00)",
    )
    assert rules.fix_decision(received, sh(2026, 12, 10, 0, 1), GENERAL, CAL, P) == no(
        "PM-5",
        "overdue (general complaint: fixed within 3 working day(s), by 2026-12-10T00:00:00+08:00)",
    )


def test_PM_5_fix_deadline_counts_days_of_the_site_calendar() -> None:
    # 17:00 UTC on Thursday 12-03 is 01:00 on Friday 12-04 in Shanghai: received on Friday.
    received = datetime(2026, 12, 3, 17, tzinfo=UTC)
    assert rules.fix_deadline(received, MAJOR, CAL, P) == sh(2026, 12, 8)
    assert rules.fix_deadline(received, GENERAL, CAL, P) == sh(2026, 12, 10)


def test_PM_5_revisit_decisions_with_their_reasons() -> None:
    fixed = sh(2026, 12, 1, 16)
    major_due = "2026-12-09T00:00:00+08:00"
    assert rules.revisit_decision(fixed, sh(2026, 12, 9), MAJOR, True, SH, P) == yes(
        "PM-5", f"revisited in time (by {major_due})"
    )
    assert rules.revisit_decision(fixed, sh(2026, 12, 9, 0, 0, 1), MAJOR, True, SH, P) == no(
        "PM-5", f"revisit overdue (was due by {major_due})"
    )
    assert rules.revisit_decision(fixed, sh(2026, 12, 16), GENERAL, True, SH, P) == yes(
        "PM-5", "revisited in time (by 2026-12-16T00:00:00+08:00)"
    )
    assert rules.revisit_decision(fixed, sh(2026, 12, 16, 0, 1), GENERAL, True, SH, P) == no(
        "PM-5", "revisit overdue (was due by 2026-12-16T00:00:00+08:00)"
    )
    # The revisit may follow the fix at once, never precede it.
    assert rules.revisit_decision(fixed, fixed, MAJOR, True, SH, P).allowed is True
    assert rules.revisit_decision(fixed, fixed - timedelta(seconds=1), MAJOR, True, SH, P) == no(
        "PM-5", "a revisit comes after the fix"
    )
    assert rules.revisit_decision(fixed, sh(2026, 12, 2), GENERAL, False, SH, P) == no(
        "PM-5", "the revisit record must be signed by the customer"
    )


def test_PM_5_revisit_week_counts_from_the_fixs_site_date() -> None:
    # 02:00 on 12-01 in Shanghai is still 11-30 in UTC: the site's date (12-01) counts.
    fixed = sh(2026, 12, 1, 2)
    assert rules.revisit_deadline(fixed, MAJOR, SH, P) == sh(2026, 12, 9)
    assert rules.revisit_deadline(fixed, GENERAL, SH, P) == sh(2026, 12, 16)
    assert rules.revisit_deadline(fixed, MAJOR, UTC, P) == datetime(2026, 12, 8, tzinfo=UTC)


# --- PM-5 survey follow-up -------------------------------------------------------------------


def test_PM_5_survey_deadline_of_a_step_given_only_when_the_step_before_is_done() -> None:
    delivered = rules.survey_deadlines(sh(2026, 12, 1, 10), SH, P, delivered_at=sh(2026, 12, 2, 9))
    assert (delivered.measures_by, delivered.revisit_by) == (sh(2026, 12, 6), None)
    rectified = rules.survey_deadlines(sh(2026, 12, 1, 10), SH, P, rectified_at=sh(2026, 12, 20))
    assert (rectified.measures_by, rectified.revisit_by) == (None, sh(2027, 1, 4))


def test_PM_5_survey_step_decisions_with_their_reasons() -> None:
    # A deadline given in another zone is shown on the site's clock.
    due_utc = datetime(2026, 12, 6, 16, tzinfo=UTC)  # 24:00 of 12-06 in Shanghai
    assert rules.survey_step_decision("measures", sh(2026, 12, 7), due_utc, SH) == yes(
        "PM-5",
        "survey opinion answered with the department's written measures in time "
        "(by 2026-12-07T00:00:00+08:00)",
    )
    assert rules.survey_step_decision("revisited", sh(2026, 12, 7, 0, 0, 1), due_utc, SH) == no(
        "PM-5",
        "survey opinion revisited with the customer late (was due by 2026-12-07T00:00:00+08:00)",
    )
    # "rectified" has no deadline of its own (the seed sets none).
    assert rules.survey_step_decision("rectified", sh(2027, 3, 1), None, SH) == yes(
        "PM-5", "survey opinion rectified"
    )


def test_PM_5_survey_steps_in_order_each_once_with_their_reasons() -> None:
    refusal = rules.survey_step_refusal
    assert refusal(["delivered", "measures"], "rectified") is None
    assert refusal(["delivered", "measures", "rectified"], "revisited") is None
    assert refusal([], "phoned") == Reason("PM-5", "unknown survey follow-up step 'phoned'")
    assert refusal(["delivered", "measures"], "measures") == Reason(
        "PM-5", "the survey opinion is already answered with the department's written measures"
    )
    assert refusal([], "measures") == Reason(
        "PM-5",
        "the survey opinion must be delivered to the responsible department before it is "
        "answered with the department's written measures",
    )
    assert refusal(["delivered", "measures"], "revisited") == Reason(
        "PM-5", "the survey opinion must be rectified before it is revisited with the customer"
    )


def test_PM_5_survey_clock_runs_each_step_on_its_deadline() -> None:
    d = rules.survey_deadlines(
        sh(2026, 12, 1, 10), SH, P, delivered_at=sh(2026, 12, 3, 9), rectified_at=sh(2026, 12, 10)
    )
    assert rules.survey_clock(d, [], sh(2026, 12, 4), SH) == SurveyClock(
        "delivered",
        sh(2026, 12, 4),
        0,
        False,
        Reason(
            "PM-5",
            "next: deliver it to the responsible department, due by 2026-12-04 00:00 "
            "(0 minute(s) left)",
        ),
    )
    # A day before the measures are due: 1440 minutes left, shown on the site's clock.
    assert rules.survey_clock(d, ["delivered"], datetime(2026, 12, 5, 16, tzinfo=UTC), SH) == (
        SurveyClock(
            "measures",
            sh(2026, 12, 7),
            1440,
            False,
            Reason(
                "PM-5",
                "next: the department's written measures, due by 2026-12-07 00:00 "
                "(1440 minute(s) left)",
            ),
        )
    )
    # Any part of a minute after the deadline is overdue by a minute.
    late = rules.survey_clock(
        d, ["delivered", "measures", "rectified"], sh(2026, 12, 25, 0, 0, 30), SH
    )
    assert late == SurveyClock(
        "revisited",
        sh(2026, 12, 25),
        -1,
        True,
        Reason(
            "PM-5",
            "next: the revisit signed by the customer, due by 2026-12-25 00:00 "
            "(overdue by 1 minute(s))",
        ),
    )
    assert rules.survey_clock(d, ["delivered", "measures"], sh(2027, 1, 1), SH) == SurveyClock(
        "rectified",
        None,
        None,
        False,
        Reason("PM-5", "next: the department's rectification (no deadline)"),
    )
    done = ["delivered", "measures", "rectified", "revisited"]
    assert rules.survey_clock(d, done, sh(2027, 1, 1), SH) == SurveyClock(
        None, None, None, False, Reason("PM-5", "survey follow-up complete")
    )


# --- PM-5 paid special services ----------------------------------------------------------------

FEE_REFUSED = Reason("PM-5", "a paid special service has a fee above 0 for its payment notice")


@pytest.mark.parametrize(
    "fee", [Decimal("-5"), Decimal("0.00"), Decimal("Infinity"), Decimal("NaN"), 50, 50.0]
)
def test_PM_5_paid_service_fee_is_a_positive_finite_decimal(fee: object) -> None:
    assert rules.paid_service_refusal(fee) == FEE_REFUSED  # type: ignore[arg-type]


def test_PM_5_paid_service_any_positive_fee_is_accepted() -> None:
    assert rules.paid_service_refusal(Decimal("0.50")) is None
    assert rules.paid_service_refusal(Decimal("1")) is None
    assert rules.paid_service_refusal(Decimal("1200.00")) is None


def test_PM_5_paid_service_state_names_what_is_missing() -> None:
    assert rules.paid_service_state(False, True) == Reason(
        "PM-5", "paid special service: missing the payment notice"
    )
    assert rules.paid_service_state(True, True) == Reason(
        "PM-5", "payment notice delivered and customer revisited by phone"
    )


# --- PM-2 / PM-4 incident reports --------------------------------------------------------------


def test_PM_2_PM_4_incident_report_refusals_with_their_reasons() -> None:
    report = rules.incident_report_refusal
    assert report("minor", MAJOR, False, False, False) == Reason(
        "PM-2", "unknown incident report kind 'minor'"
    )
    assert report("serious", GENERAL, False, False, True) == Reason(
        "PM-4",
        "only a major complaint is reported as serious; report one the desk cannot handle as "
        "unresolved",
    )
    # A serious (major) complaint is reported whether or not it was resolved.
    assert report("serious", MAJOR, False, False, False) is None
    assert report("serious", MAJOR, True, False, False) is None
    assert report("unresolved", MAJOR, False, False, False) is None
    assert report("unresolved", MAJOR, True, False, False) == Reason(
        "PM-2", "the complaint is resolved: nothing unresolved to report"
    )
    assert report("serious", MAJOR, True, True, False) == Reason(
        "PM-2",
        "a written complaint is reported upward together with the customer's written complaint",
    )
    assert report("serious", MAJOR, True, True, True) is None
    assert report("serious", MAJOR, True, False, True) is None


# --- PM-6 ----------------------------------------------------------------------------------------


def test_PM_6_required_steps_report_only_for_a_major_complaint() -> None:
    assert rules.required_steps(MAJOR) == ("listen", "ask", "follow", "reply", "record", "report")
    assert rules.required_steps(GENERAL) == ("listen", "ask", "follow", "reply", "record")


def test_PM_6_close_decisions_with_their_reasons() -> None:
    assert rules.close_decision(MAJOR, ["ask", "reply"]) == no(
        "PM-6", "five clears and one report: missing listen, follow, record, report"
    )
    assert rules.close_decision(GENERAL, iter(["record", "listen", "ask", "follow"])) == no(
        "PM-6", "five clears and one report: missing reply"
    )
    every = no  # noqa: F841 - readability below
    assert rules.close_decision(GENERAL, ["listen", "ask", "follow", "reply", "record"]) == yes(
        "PM-6", "every handling step is recorded"
    )
    assert rules.close_decision(
        MAJOR, ("report", "record", "reply", "follow", "ask", "listen")
    ) == yes("PM-6", "every handling step is recorded")


def test_PM_6_handling_step_refusals_with_their_reasons() -> None:
    refusal = rules.handling_step_refusal
    assert refusal("shrug", sh(2026, 12, 3), True) == Reason(
        "PM-6",
        "unknown handling step 'shrug'; use one of listen, ask, follow, reply, record, report",
    )
    assert refusal("reply", None, True) == Reason(
        "PM-6", "a reply gives the customer the next reply time"
    )
    assert refusal("record", sh(2026, 12, 3), False) == Reason(
        "PM-6", "the record is confirmed by the customer"
    )
    assert refusal("record", None, True) is None
    assert refusal("reply", sh(2026, 12, 3), False) is None
    # The other steps need neither a next reply time nor the customer's confirmation.
    for step in ("listen", "ask", "follow", "report"):
        assert refusal(step, None, False) is None


# --- PM-7 ----------------------------------------------------------------------------------------


def test_PM_7_monthly_summary_in_full() -> None:
    facts = [
        ComplaintFacts("B", GENERAL, sh(2026, 12, 15), None),
        ComplaintFacts("A", MAJOR, sh(2026, 12, 1, 0, 30), True, True),
        ComplaintFacts("A", GENERAL, sh(2026, 12, 31, 23, 59), False),
        ComplaintFacts("A", GENERAL, sh(2026, 12, 10), None, True),
        ComplaintFacts("A", MAJOR, sh(2026, 12, 11), True),
        ComplaintFacts("C", GENERAL, sh(2027, 1, 1), True),  # January: not in December
    ]
    assert rules.monthly_summary(facts, date(2026, 12, 15), SH) == [
        MonthlySummary("A", date(2026, 12, 1), 4, 2, 2, 2, 1, 1, 2),
        MonthlySummary("B", date(2026, 12, 1), 1, 0, 1, 0, 0, 1, 0),
    ]
    assert rules.monthly_summary(facts, date(2026, 11, 1), SH) == []


# --- PM-8 ----------------------------------------------------------------------------------------


def test_PM_8_arrival_decisions_with_their_reasons() -> None:
    agreed = sh(2026, 12, 2, 14)
    assert rules.arrival_decision(agreed, agreed + timedelta(minutes=10), P) == yes(
        "PM-8", "on time: 10 minute(s) after the agreed time"
    )
    assert rules.arrival_decision(agreed, agreed - timedelta(minutes=5), P) == yes(
        "PM-8", "on time: 0 minute(s) after the agreed time"
    )
    assert rules.arrival_decision(agreed, agreed + timedelta(minutes=10, seconds=1), P) == no(
        "PM-8", "late: 11 minutes after the agreed time (more than 10)"
    )
    # The customer agreed to an earlier time: lateness counts from it.
    earlier = sh(2026, 12, 2, 13)
    assert rules.arrival_decision(agreed, sh(2026, 12, 2, 13, 30), P, earlier) == no(
        "PM-8", "late: 30 minutes after the time the customer agreed to (more than 10)"
    )
    assert rules.arrival_decision(agreed, sh(2026, 12, 2, 13, 10), P, earlier) == yes(
        "PM-8", "on time: 10 minute(s) after the time the customer agreed to"
    )


def test_PM_8_work_start_refusals_with_their_reasons() -> None:
    start = rules.work_start_refusal
    assert start(None, True, False, False) == Reason(
        "PM-8", "tell the customer the fee before work starts"
    )
    for fee in (Decimal("-0.01"), 80.0, 80):
        assert start(fee, True, False, False) == Reason(  # type: ignore[arg-type]
            "PM-8", "the fee is a non-negative amount of money"
        )
    assert start(Decimal("80.00"), False, False, True) == Reason(
        "PM-8", "the customer has not accepted the fee"
    )
    assert start(Decimal("80.00"), True, True, False) == Reason(
        "PM-8", "moving furniture needs the customer's consent"
    )
    assert start(Decimal("0.50"), True, False, False) is None  # nothing moved: no consent needed
    assert start(Decimal("0"), True, False, True) is None  # a free repair is quoted as 0


def test_PM_8_repair_closes_only_with_the_customers_signature() -> None:
    assert rules.repair_close_refusal(False) == Reason(
        "PM-8", "the customer signs the repair order"
    )
    assert rules.repair_close_refusal(True) is None


def test_PM_8_rates_in_full_per_technician_by_default() -> None:
    facts = [
        RepairFacts(7, "B", True, True),
        RepairFacts(3, "A", False, False),
        RepairFacts(3, "A", True, None),
        RepairFacts(3, "B", None, True),
    ]
    assert rules.repair_rates(facts) == [
        RepairRates("3", 2, 1, Decimal("0.5000"), 2, 1, Decimal("0.5000")),
        RepairRates("7", 1, 1, Decimal("1.0000"), 1, 1, Decimal("1.0000")),
    ]
    assert rules.repair_rates(facts, by="project") == [
        RepairRates("A", 2, 1, Decimal("0.5000"), 1, 0, Decimal("0.0000")),
        RepairRates("B", 1, 1, Decimal("1.0000"), 2, 2, Decimal("1.0000")),
    ]
    assert rules.repair_rates([]) == []


def test_PM_8_rate_rounds_half_up_to_four_places() -> None:
    """1 of 32 on time is 0.03125: rounded half up to 0.0313 (not half-even's 0.0312)."""
    facts = [RepairFacts(1, "A", i == 0, i == 0) for i in range(32)]
    (rate,) = rules.repair_rates(facts)
    assert (rate.on_time_rate, rate.pass_rate) == (Decimal("0.0313"), Decimal("0.0313"))
