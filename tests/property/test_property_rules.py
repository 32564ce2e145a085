"""Pure rules of the property line (PM-1 … PM-9) at their exact boundaries (issue 15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.plugin_api.rules import PointsOccurrence, calendar_for, item_total
from plugins.property import rules
from plugins.property.policy import DEFAULT_POLICY, PropertyPolicy
from plugins.property.rules import GENERAL, MAJOR, VisitorFacts

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
CAL = calendar_for("CN", "Asia/Shanghai")
P = DEFAULT_POLICY


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


# --- PM-1 ------------------------------------------------------------------------------------

FRONT_DESK = VisitorFacts("phone", True, registrar_is_night_duty_manager=False)
NIGHT_MANAGER = VisitorFacts("phone", True, registrar_is_night_duty_manager=True)


@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [(19, 59, False), (20, 0, True), (23, 59, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_PM_1_night_window_boundaries_cross_midnight(hour: int, minute: int, night: bool) -> None:
    moment = sh(2026, 12, 2, hour, minute)
    assert rules.is_night_duty(moment, SH, P) is night
    verdict = rules.visitor_registration(FRONT_DESK, moment, SH, P)
    assert verdict.allowed is (not night)
    assert verdict.reason.rule == "PM-1"
    if night:
        assert "night duty manager" in verdict.reason.message
        assert rules.visitor_registration(NIGHT_MANAGER, moment, SH, P).allowed


def test_PM_1_window_is_on_the_site_clock_not_utc() -> None:
    # 12:00 UTC is 20:00 in Shanghai (night) and 07:00 in New York (night), 13:00 UTC is
    # 08:00 in New York (day).
    noon_utc = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert rules.is_night_duty(noon_utc, SH, P)
    assert rules.is_night_duty(noon_utc, NY, P)
    assert not rules.is_night_duty(noon_utc + timedelta(hours=1), NY, P)
    assert rules.is_night_duty(noon_utc - timedelta(minutes=1), SH, P) is False


def test_PM_1_resident_must_be_contacted_and_confirm() -> None:
    day = sh(2026, 12, 2, 10)
    no_contact = rules.visitor_registration(VisitorFacts(None, False, False), day, SH, P)
    assert not no_contact.allowed and no_contact.reason.rule == "PM-1"
    assert "contact the resident" in no_contact.reason.message
    refused = rules.visitor_registration(VisitorFacts("intercom", False, True), day, SH, P)
    assert not refused.allowed and "not confirmed" in refused.reason.message
    ok = rules.visitor_registration(FRONT_DESK, day, SH, P)
    assert ok.allowed and "front desk" in ok.reason.message and "phone" in ok.reason.message


def test_PM_1_policy_window_overridable() -> None:
    policy = PropertyPolicy.from_overrides({"night_starts": "22:00", "night_ends": "06:00"})
    assert not rules.is_night_duty(sh(2026, 12, 2, 21, 59), SH, policy)
    assert rules.is_night_duty(sh(2026, 12, 2, 22, 0), SH, policy)
    with pytest.raises(ValueError, match="night_starts"):
        PropertyPolicy.from_overrides({"night_starts": "25:00"})
    with pytest.raises(ValueError, match="unknown property policy key"):
        PropertyPolicy.from_overrides({"nightstart": "20:00"})


def test_PM_1_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.is_night_duty(datetime(2026, 12, 2, 20), SH, P)


# --- PM-2 ------------------------------------------------------------------------------------


def test_PM_2_written_reply_drafted_approved_by_supervisor_then_sent() -> None:
    early = rules.written_reply_step([], "sent", actor_is_supervisor=True)
    assert not early.allowed and early.reason.rule == "PM-2"
    assert "drafted before it is sent" in early.reason.message
    assert rules.written_reply_step([], "drafted", False).allowed
    clerk = rules.written_reply_step(["drafted"], "approved", actor_is_supervisor=False)
    assert not clerk.allowed and "supervisor" in clerk.reason.message
    assert rules.written_reply_step(["drafted"], "approved", True).allowed
    unapproved = rules.written_reply_step(["drafted"], "sent", True)
    assert not unapproved.allowed and "approved before it is sent" in unapproved.reason.message
    sent = rules.written_reply_step(["drafted", "approved"], "sent", False)
    assert sent.allowed and sent.reason.rule == "PM-2"
    again = rules.written_reply_step(["drafted", "approved", "sent"], "sent", False)
    assert not again.allowed and "already sent" in again.reason.message


# --- PM-3 ------------------------------------------------------------------------------------


def test_PM_3_first_response_is_24_hours_of_real_time() -> None:
    received = sh(2026, 10, 1, 9, 30)  # a public holiday: real time still runs
    assert rules.first_response_due(received, P) == sh(2026, 10, 2, 9, 30)


# --- PM-4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category",
    [
        "fire",
        "lift_entrapment",
        "explosion",
        "power_cut",
        "flooding",
        "theft_or_vandalism",
        "criminal_case",
        "main_equipment_failure",
        "structural_damage",
    ],
)
def test_PM_4_listed_emergencies_are_major(category: str) -> None:
    severity, reason = rules.complaint_severity(category, 1, P)
    assert severity == MAJOR and reason.rule == "PM-4" and "major" in reason.message


def test_PM_4_collective_complaint_major_from_the_third_household() -> None:
    two, reason2 = rules.complaint_severity("noise", 2, P)
    assert two == GENERAL and reason2.rule == "PM-4" and "general" in reason2.message
    three, reason3 = rules.complaint_severity("noise", 3, P)
    assert three == MAJOR and reason3.rule == "PM-4" and "collective" in reason3.message
    with pytest.raises(ValueError, match="households"):
        rules.complaint_severity("noise", 0, P)


def test_PM_4_collective_clock_starts_when_the_third_joins() -> None:
    joins = [sh(2026, 12, 1, 9), sh(2026, 12, 2, 9), sh(2026, 12, 3, 17, 45), sh(2026, 12, 4, 8)]
    assert rules.collective_clock_start(joins[:2], P) is None
    assert rules.collective_clock_start(reversed(joins), P) == sh(2026, 12, 3, 17, 45)


# --- PM-5 ------------------------------------------------------------------------------------


def _fix(received: datetime, fixed: datetime, severity: str) -> rules.Verdict:
    return rules.fix_decision(received, fixed, severity, CAL, P)


def test_PM_5_major_one_working_day_across_a_weekend() -> None:
    received = sh(2026, 12, 4, 10)  # Friday: Saturday and Sunday are off, Monday counts
    assert rules.fix_deadline(received, MAJOR, CAL, P) == sh(2026, 12, 8)
    last = _fix(received, sh(2026, 12, 7, 23, 59), MAJOR)
    assert last.allowed and last.reason.rule == "PM-5" and "on time" in last.reason.message
    assert _fix(received, sh(2026, 12, 8, 0, 0), MAJOR).allowed  # 24:00 of Monday
    late = _fix(received, sh(2026, 12, 8, 0, 1), MAJOR)
    assert not late.allowed and late.reason.rule == "PM-5" and "overdue" in late.reason.message


def test_PM_5_general_three_working_days_across_holiday_with_make_up_day() -> None:
    # 09-30: National Day 10-01..10-07 is off; 10-08 and 10-09 count; Saturday 10-10 is a
    # make-up working day (调休) and is the 3rd.
    received = sh(2026, 9, 30, 15)
    assert rules.fix_deadline(received, GENERAL, CAL, P) == sh(2026, 10, 11)
    assert _fix(received, sh(2026, 10, 10, 23, 59), GENERAL).allowed
    late = _fix(received, sh(2026, 10, 11, 0, 1), GENERAL)
    assert not late.allowed and "overdue" in late.reason.message
    assert "3 working day" in late.reason.message


def test_PM_5_major_received_on_the_eve_of_a_make_up_day() -> None:
    received = sh(2026, 10, 9, 18)  # Friday; Saturday 10-10 is a working day
    assert rules.fix_deadline(received, MAJOR, CAL, P) == sh(2026, 10, 11)
    assert _fix(received, sh(2026, 10, 10, 23, 59), MAJOR).allowed
    assert not _fix(received, sh(2026, 10, 11, 0, 1), MAJOR).allowed


def test_PM_5_major_received_on_a_public_holiday() -> None:
    received = sh(2026, 10, 3, 11)  # the day of receipt is not counted, holidays are off
    assert rules.fix_deadline(received, MAJOR, CAL, P) == sh(2026, 10, 9)


def test_PM_5_revisit_windows_one_and_two_weeks_after_the_fix() -> None:
    fixed = sh(2026, 12, 1, 16)
    assert rules.revisit_deadline(fixed, MAJOR, SH, P) == sh(2026, 12, 9)
    assert rules.revisit_deadline(fixed, GENERAL, SH, P) == sh(2026, 12, 16)
    ok = rules.revisit_decision(fixed, sh(2026, 12, 8, 23, 59), MAJOR, True, SH, P)
    assert ok.allowed and ok.reason.rule == "PM-5"
    late = rules.revisit_decision(fixed, sh(2026, 12, 9, 0, 1), MAJOR, True, SH, P)
    assert not late.allowed and "overdue" in late.reason.message
    assert rules.revisit_decision(fixed, sh(2026, 12, 15, 23, 59), GENERAL, True, SH, P).allowed
    unsigned = rules.revisit_decision(fixed, sh(2026, 12, 2), MAJOR, False, SH, P)
    assert not unsigned.allowed and "signed by the customer" in unsigned.reason.message


def test_PM_5_survey_follow_up_deadlines_count_from_the_step_before() -> None:
    """Seed 002 篇2 三.2: to the department 2 days after collating, written measures 3 days
    after the department received them, the revisit 2 weeks after the rectification."""
    d = rules.survey_deadlines(sh(2026, 12, 1, 10), SH, P)
    assert (d.opinions_by, d.measures_by, d.revisit_by) == (sh(2026, 12, 4), None, None)
    chained = rules.survey_deadlines(
        sh(2026, 12, 1, 10),
        SH,
        P,
        delivered_at=sh(2026, 12, 3, 23, 59),
        rectified_at=sh(2026, 12, 10, 15),
    )
    assert (chained.measures_by, chained.revisit_by) == (sh(2026, 12, 7), sh(2026, 12, 25))
    # The site's zone decides the day: 17:00 UTC on 12-01 is 01:00 on 12-02 in Shanghai.
    utc = rules.survey_deadlines(datetime(2026, 12, 1, 17, tzinfo=ZoneInfo("UTC")), SH, P)
    assert utc.opinions_by == sh(2026, 12, 5)


@pytest.mark.parametrize(
    ("done_at", "in_time"),
    [
        (sh(2026, 12, 3, 23, 59), True),
        (sh(2026, 12, 4, 0, 0), True),
        (sh(2026, 12, 4, 0, 1), False),
    ],
)
def test_PM_5_survey_step_at_the_exact_minute(done_at: datetime, in_time: bool) -> None:
    verdict = rules.survey_step_decision("delivered", done_at, sh(2026, 12, 4), SH)
    assert verdict.allowed is in_time and verdict.reason.rule == "PM-5"
    assert verdict.reason.message == (
        "survey opinion delivered to the responsible department "
        + ("in time (by " if in_time else "late (was due by ")
        + "2026-12-04T00:00:00+08:00)"
    )


def test_PM_5_survey_steps_in_order_and_the_running_clock() -> None:
    assert rules.survey_step_refusal([], "delivered") is None
    out = rules.survey_step_refusal(["delivered"], "rectified")
    assert out is not None and out.rule == "PM-5"
    assert out.message == (
        "the survey opinion must be answered with the department's written measures before "
        "it is rectified"
    )
    again = rules.survey_step_refusal(["delivered"], "delivered")
    assert again is not None and "already" in again.message
    d = rules.survey_deadlines(sh(2026, 12, 1, 10), SH, P)
    before = rules.survey_clock(d, [], sh(2026, 12, 3, 23, 59), SH)
    assert (before.next_step, before.minutes_left, before.overdue) == ("delivered", 1, False)
    at_deadline = rules.survey_clock(d, [], sh(2026, 12, 4), SH)
    assert (at_deadline.minutes_left, at_deadline.overdue) == (0, False)
    after = rules.survey_clock(d, [], sh(2026, 12, 4, 0, 1), SH)
    assert (after.minutes_left, after.overdue) == (-1, True)
    assert after.reason.message == (
        "next: deliver it to the responsible department, due by 2026-12-04 00:00 "
        "(overdue by 1 minute(s))"
    )
    waiting = rules.survey_clock(d, ["delivered", "measures"], sh(2026, 12, 30), SH)
    assert (waiting.next_step, waiting.due, waiting.overdue) == ("rectified", None, False)
    done = rules.survey_clock(d, list(rules.SURVEY_STEPS), sh(2026, 12, 30), SH)
    assert done.next_step is None and done.reason.message == "survey follow-up complete"


def test_PM_5_paid_special_service_fee_notice_and_phone_revisit() -> None:
    zero = rules.paid_service_refusal(Decimal("0"))
    assert zero is not None and zero.rule == "PM-5"
    assert zero.message == "a paid special service has a fee above 0 for its payment notice"
    assert rules.paid_service_refusal(Decimal("0.01")) is None
    assert rules.paid_service_state(False, False).message == (
        "paid special service: missing the payment notice and the phone revisit"
    )
    assert rules.paid_service_state(True, False).message == (
        "paid special service: missing the phone revisit"
    )
    assert rules.paid_service_state(True, True).message == (
        "payment notice delivered and customer revisited by phone"
    )


def test_PM_2_PM_4_incident_report_serious_or_unresolved_with_the_written_complaint() -> None:
    assert rules.incident_report_refusal("serious", MAJOR, True, False, False) is None
    general = rules.incident_report_refusal("serious", GENERAL, False, False, False)
    assert general is not None and general.rule == "PM-4"
    assert rules.incident_report_refusal("unresolved", GENERAL, False, False, False) is None
    resolved = rules.incident_report_refusal("unresolved", GENERAL, True, False, False)
    assert resolved is not None and resolved.rule == "PM-2"
    assert resolved.message == "the complaint is resolved: nothing unresolved to report"
    written = rules.incident_report_refusal("unresolved", GENERAL, False, True, False)
    assert written is not None and written.rule == "PM-2"
    assert written.message == (
        "a written complaint is reported upward together with the customer's written complaint"
    )
    assert rules.incident_report_refusal("unresolved", GENERAL, False, True, True) is None


# --- PM-6 ------------------------------------------------------------------------------------


def test_PM_6_close_refused_while_a_step_is_missing() -> None:
    five = ["listen", "ask", "follow", "reply", "record"]
    for step in five:
        missing = [s for s in five if s != step]
        verdict = rules.close_decision(GENERAL, missing)
        assert not verdict.allowed and verdict.reason.rule == "PM-6"
        assert step in verdict.reason.message
    assert rules.close_decision(GENERAL, five).allowed
    major = rules.close_decision(MAJOR, five)
    assert not major.allowed and "missing report" in major.reason.message
    assert rules.close_decision(MAJOR, [*five, "report"]).allowed


def test_PM_6_reply_needs_next_reply_time_and_record_customer_confirmation() -> None:
    reply = rules.handling_step_refusal("reply", None, False)
    assert reply is not None and reply.rule == "PM-6" and "next reply time" in reply.message
    assert rules.handling_step_refusal("reply", sh(2026, 12, 3, 10), False) is None
    record = rules.handling_step_refusal("record", None, False)
    assert record is not None and "confirmed by the customer" in record.message
    unknown = rules.handling_step_refusal("shrug", None, False)
    assert unknown is not None and "unknown handling step" in unknown.message


# --- PM-7 ------------------------------------------------------------------------------------


def test_PM_7_monthly_summary_per_project_on_the_site_month() -> None:
    facts = [
        rules.ComplaintFacts("A", MAJOR, sh(2026, 12, 1, 0, 30), True, True),
        rules.ComplaintFacts("A", GENERAL, sh(2026, 12, 31, 23, 59), False),
        rules.ComplaintFacts("A", GENERAL, sh(2026, 11, 30, 23, 59), True),  # November
        rules.ComplaintFacts("B", GENERAL, sh(2026, 12, 15), None),
    ]
    a, b = rules.monthly_summary(facts, sh(2026, 12, 1).date(), SH)
    assert (a.project, a.total, a.major, a.general, a.fixed_on_time, a.overdue, a.revisited) == (
        "A",
        2,
        1,
        1,
        1,
        1,
        1,
    )
    assert (b.project, b.total, b.open) == ("B", 1, 1)
    assert a.reason.rule == "PM-7"


# --- PM-8 ------------------------------------------------------------------------------------


def test_PM_8_exactly_10_minutes_is_on_time_11_is_late() -> None:
    agreed = sh(2026, 12, 2, 14)
    ten = rules.arrival_decision(agreed, agreed + timedelta(minutes=10), P)
    assert ten.allowed and ten.reason.rule == "PM-8" and "on time" in ten.reason.message
    just_over = rules.arrival_decision(agreed, agreed + timedelta(minutes=10, seconds=1), P)
    assert not just_over.allowed and "11 minutes" in just_over.reason.message
    eleven = rules.arrival_decision(agreed, agreed + timedelta(minutes=11), P)
    assert not eleven.allowed and eleven.reason.rule == "PM-8" and "late" in eleven.reason.message


def test_PM_8_time_the_customer_agreed_replaces_the_original() -> None:
    agreed = sh(2026, 12, 2, 14)
    moved = sh(2026, 12, 2, 15)
    verdict = rules.arrival_decision(agreed, moved + timedelta(minutes=5), P, rescheduled_to=moved)
    assert verdict.allowed and "customer agreed" in verdict.reason.message


def test_PM_8_fee_told_and_accepted_before_work_furniture_needs_consent() -> None:
    none = rules.work_start_refusal(None, False, False, False)
    assert none is not None and none.rule == "PM-8" and "fee" in none.message
    unaccepted = rules.work_start_refusal(Decimal("80.00"), False, False, False)
    assert unaccepted is not None and "not accepted" in unaccepted.message
    furniture = rules.work_start_refusal(Decimal("80.00"), True, True, False)
    assert furniture is not None and "furniture" in furniture.message
    assert rules.work_start_refusal(Decimal(0), True, True, True) is None
    unsigned = rules.repair_close_refusal(False)
    assert unsigned is not None and unsigned.rule == "PM-8" and "signs" in unsigned.message


def test_PM_8_rates_per_technician_and_project_pass_rate_counts_spot_checks() -> None:
    facts = [
        rules.RepairFacts(1, "A", True, True),
        rules.RepairFacts(1, "A", False, None),
        rules.RepairFacts(1, "B", True, False),
        rules.RepairFacts(2, "B", None, None),
    ]
    t1, t2 = rules.repair_rates(facts, by="technician")
    assert (t1.arrivals, t1.on_time, t1.on_time_rate) == (3, 2, Decimal("0.6667"))
    assert (t1.spot_checked, t1.passed, t1.pass_rate) == (2, 1, Decimal("0.5000"))
    assert (t2.on_time_rate, t2.pass_rate) == (None, None)
    a, b = rules.repair_rates(facts, by="project")
    assert (a.key, a.on_time_rate, a.pass_rate) == ("A", Decimal("0.5000"), Decimal("1.0000"))
    assert (b.key, b.pass_rate) == ("B", Decimal("0.0000"))


# --- PM-9 ------------------------------------------------------------------------------------


def occ(code: str, n: int = 1, points: str | None = None) -> list[PointsOccurrence]:
    return [PointsOccurrence(code, Decimal(points) if points else None) for _ in range(n)]


def test_PM_9_attitude_complaints_step_1_2_5_5_10() -> None:
    item = P.points.item("attitude")
    assert item is not None
    totals = [item_total(item, occ("attitude", n)) for n in range(1, 6)]
    assert totals == [Decimal(1), Decimal(2), Decimal(5), Decimal(5), Decimal(10)]


def test_PM_9_offline_costs_5_once_at_the_third_and_unanswered_5_then_10() -> None:
    offline = P.points.item("offline")
    unanswered = P.points.item("unanswered")
    assert offline is not None and unanswered is not None
    assert [item_total(offline, occ("offline", n)) for n in (1, 2, 3, 4)] == [0, 0, 5, 5]
    assert [item_total(unanswered, occ("unanswered", n)) for n in (2, 3, 4, 5)] == [0, 5, 5, 10]


def test_PM_9_score_never_below_zero_thresholds_inclusive() -> None:
    assert rules.month_score(P, []) == Decimal(10)
    assert rules.month_score(P, occ("late", 2) + occ("absence", 2)) == Decimal(5)
    assert rules.month_score(P, occ("absenteeism", 3)) == Decimal(0)
    assert rules.month_score(P, occ("unfinished", 1, "0.5")) == Decimal("9.5")
    warning = rules.score_consequence(P, Decimal("5.5"), Decimal(5))
    assert warning is not None and warning[0] == "warning" and warning[1].rule == "PM-9"
    penalty = rules.score_consequence(P, Decimal(3), Decimal(2))
    assert penalty is not None and penalty[0] == "penalty" and penalty[1].rule == "PM-9"
    assert rules.score_consequence(P, Decimal(6), Decimal("5.5")) is None


def test_PM_9_penalty_table_lists_the_points_items() -> None:
    table = {spec.code: spec for spec in rules.penalty_table(P)}
    assert table["PM-9-late"].min_amount == Decimal("0.5") and table["PM-9-late"].kind == "points"
    assert table["PM-9-absence"].max_amount == Decimal(2)
    assert table["PM-9-absenteeism"].max_amount == Decimal(5)
    assert (table["PM-9-attitude"].min_amount, table["PM-9-attitude"].max_amount) == (1, 10)
    assert all(spec.rule == "PM-9" for spec in table.values())


def test_PM_policy_refuses_bad_numbers() -> None:
    with pytest.raises(ValueError, match="collective_households"):
        replace(P, collective_households=0)
    with pytest.raises(ValueError, match="C-14"):
        PropertyPolicy.from_overrides(
            {
                "penalties": [
                    {
                        "code": "x",
                        "rule": "C-14",
                        "title": "t",
                        "kind": "fine",
                        "min_amount": "1",
                        "max_amount": "2",
                    }
                ]
            }
        )
