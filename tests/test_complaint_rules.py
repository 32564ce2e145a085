"""Complaint rules: C-6 numbering, C-7 channels, C-8 first response, C-9 lifecycle,
C-10 escalation, C-11 working-day deadlines with pauses (PM-5 overrides)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from core.calendar import WorkingCalendar, calendar_for
from core.complaint_rules import (
    CHANNEL_DETAILS,
    DEFAULT_TARGETS,
    REASON_REQUIRED_TARGETS,
    TRANSITIONS,
    ComplaintChannel,
    ComplaintNumber,
    ComplaintStatus,
    ComplaintTargets,
    EscalationError,
    EscalationLevel,
    IllegalTransition,
    InvalidChannelDetails,
    InvalidComplaintNumber,
    ReasonRequired,
    RuleError,
    compute_deadlines,
    escalate,
    format_complaint_number,
    is_overdue,
    next_complaint_number,
    overdue_reasons,
    parse_complaint_number,
    required_channel_details,
    transition,
    validate_channel_details,
)
from core.decisions import Reason
from core.errors import FrontdeskError

S = ComplaintStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
SECOND = timedelta(seconds=1)
MAJOR = ComplaintTargets(resolution_working_days=1, revisit_days=7, severity="major")  # PM-5


@pytest.fixture
def cn() -> WorkingCalendar:
    return calendar_for("CN", "Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# --- C-9 lifecycle -----------------------------------------------------------------------------


def test_c9_transition_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(ComplaintStatus)
    assert TRANSITIONS[S.CLOSED] == ()


# The C-9 lifecycle stated rule by rule (not generated from TRANSITIONS, so an edit of the
# table that breaks a rule fails here): received → acknowledged → in progress → resolved →
# revisited → closed, one step at a time; in progress ⇄ waiting on the customer; a customer
# who rejects the result reopens it after the fix or the revisit, and it is investigated
# again; closed is final.


def _refused(current: ComplaintStatus, target: ComplaintStatus) -> IllegalTransition:
    with pytest.raises(IllegalTransition) as caught:
        transition(current, target, actor="staff:7", reason="because", now=NOW)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    return caught.value


def test_c9_the_way_forward_is_one_step_at_a_time() -> None:
    path = [S.RECEIVED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REVISITED, S.CLOSED]
    for current, target in pairwise(path):
        decision = transition(current, target, actor="staff:7", reason="done", now=NOW)
        assert (decision.previous, decision.status) == (current, target)
        assert (decision.actor, decision.at, decision.note) == ("staff:7", NOW, "done")
        assert decision.reason == Reason(
            "C-9", f"staff:7 moved the complaint from {current.label} to {target.label}: done"
        )
    # No step may be skipped: every later status is refused from each one.
    for i, current in enumerate(path):
        for later in path[i + 2 :]:
            _refused(current, later)


def test_c9_a_resolved_complaint_is_revisited_before_it_is_closed() -> None:
    error = _refused(S.RESOLVED, S.CLOSED)
    assert error.message == (
        "a complaint cannot go from resolved to closed; "
        "from resolved it can go to: revisited, reopened"
    )
    assert error.details == {
        "current": "resolved",
        "target": "closed",
        "allowed": ["revisited", "reopened"],
    }


def test_c9_no_step_goes_back_but_a_reopen() -> None:
    path = [S.RECEIVED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REVISITED, S.CLOSED]
    for i, current in enumerate(path):
        for earlier in path[:i]:
            if (current, earlier) != (S.WAITING_ON_CUSTOMER, S.IN_PROGRESS):
                _refused(current, earlier)
    # A fixed complaint goes back to work only through a reopen.
    _refused(S.RESOLVED, S.IN_PROGRESS)
    _refused(S.REVISITED, S.IN_PROGRESS)


def test_c9_only_a_complaint_in_progress_waits_on_the_customer_and_it_comes_back_there() -> None:
    assert transition(S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, actor="a", reason="", now=NOW)
    assert transition(S.WAITING_ON_CUSTOMER, S.IN_PROGRESS, actor="a", reason="", now=NOW)
    for status in (S.RECEIVED, S.ACKNOWLEDGED, S.RESOLVED, S.REVISITED, S.REOPENED, S.CLOSED):
        _refused(status, S.WAITING_ON_CUSTOMER)
    for status in (S.RECEIVED, S.ACKNOWLEDGED, S.RESOLVED, S.REVISITED, S.REOPENED, S.CLOSED):
        _refused(S.WAITING_ON_CUSTOMER, status)
    assert _refused(S.WAITING_ON_CUSTOMER, S.RESOLVED).details["allowed"] == ["in_progress"]


def test_c9_a_reopen_follows_a_result_and_goes_back_to_work() -> None:
    for status in (S.RESOLVED, S.REVISITED):
        decision = transition(status, S.REOPENED, actor="a", reason="still leaks", now=NOW)
        assert decision.status is S.REOPENED and decision.note == "still leaks"
    for status in (S.RECEIVED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.CLOSED):
        _refused(status, S.REOPENED)
    assert transition(S.REOPENED, S.IN_PROGRESS, actor="a", reason="", now=NOW)
    for status in set(S) - {S.IN_PROGRESS}:
        _refused(S.REOPENED, status)


def test_c9_closed_is_final_and_nothing_moves_to_itself() -> None:
    for status in S:
        error = _refused(S.CLOSED, status)
        assert error.details["allowed"] == []
        assert error.message.endswith("from closed it can go to: nothing (closed is final)")
        if status is not S.CLOSED:
            _refused(status, status)


def test_c9_closed_is_final_and_says_so() -> None:
    with pytest.raises(IllegalTransition, match="closed is final"):
        transition(S.CLOSED, S.REOPENED, actor="customer", reason="still unhappy", now=NOW)


def test_c9_reopen_path_goes_back_to_in_progress() -> None:
    """C-9: a customer who rejects the result reopens it; it is investigated again."""
    steps = [
        (S.RECEIVED, S.ACKNOWLEDGED, ""),
        (S.ACKNOWLEDGED, S.IN_PROGRESS, ""),
        (S.IN_PROGRESS, S.RESOLVED, "replaced the lock"),
        (S.RESOLVED, S.REOPENED, "customer: the lock still sticks"),
        (S.REOPENED, S.IN_PROGRESS, ""),
        (S.IN_PROGRESS, S.RESOLVED, "replaced the door frame"),
        (S.RESOLVED, S.REVISITED, "customer signed the revisit record"),
        (S.REVISITED, S.REOPENED, "customer: it sticks again in the rain"),
        (S.REOPENED, S.IN_PROGRESS, ""),
    ]
    status = S.RECEIVED
    for current, target, why in steps:
        assert status is current
        decision = transition(status, target, actor="staff:7", reason=why, now=NOW)
        assert decision.reason.rule == "C-9"
        status = decision.status
    assert status is S.IN_PROGRESS
    with pytest.raises(IllegalTransition):
        transition(S.REOPENED, S.RESOLVED, actor="staff:7", reason="", now=NOW)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.RESOLVED, S.REOPENED), (S.REVISITED, S.REOPENED), (S.REVISITED, S.CLOSED)],
)
@pytest.mark.parametrize("why", ["", "   "])
def test_c9_reopen_and_close_need_a_reason(
    current: ComplaintStatus, target: ComplaintStatus, why: str
) -> None:
    assert target in REASON_REQUIRED_TARGETS
    with pytest.raises(ReasonRequired) as caught:
        transition(current, target, actor="staff:7", reason=why, now=NOW)
    assert caught.value.code == "REASON_REQUIRED"


def test_c9_other_transitions_may_omit_the_reason_and_strings_are_accepted() -> None:
    decision = transition("received", "acknowledged", actor=" staff:7 ", reason="", now=NOW)
    assert decision.status is S.ACKNOWLEDGED and decision.actor == "staff:7"
    assert decision.reason.message == "staff:7 moved the complaint from received to acknowledged"


def test_c9_waiting_on_customer_pauses_and_resumes_the_clock() -> None:
    pause = transition(S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, actor="a", reason="", now=NOW)
    resume = transition(S.WAITING_ON_CUSTOMER, S.IN_PROGRESS, actor="a", reason="", now=NOW)
    assert (pause.pauses_clock, pause.resumes_clock) == (True, False)
    assert (resume.pauses_clock, resume.resumes_clock) == (False, True)


def test_c9_every_change_needs_who_and_an_aware_when() -> None:
    with pytest.raises(ValueError, match="actor"):
        transition(S.RECEIVED, S.ACKNOWLEDGED, actor=" ", reason="", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        transition(S.RECEIVED, S.ACKNOWLEDGED, actor="a", reason="", now=datetime(2026, 3, 2))
    with pytest.raises(IllegalTransition) as caught:
        transition("lost", S.ACKNOWLEDGED, actor="a", reason="", now=NOW)
    assert caught.value.code == "UNKNOWN_STATUS"


def test_c9_errors_carry_stable_codes_for_graphql() -> None:
    with pytest.raises(FrontdeskError) as caught:
        transition(S.RECEIVED, S.CLOSED, actor="a", reason="done", now=NOW)
    assert isinstance(caught.value, RuleError)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert str(caught.value) == caught.value.message
    assert caught.value.details["current"] == "received"


# --- C-7 channels ------------------------------------------------------------------------------


def test_c7_phone_complaint_records_company_name_time_and_taker() -> None:
    assert required_channel_details(ComplaintChannel.PHONE) == (
        "caller_company",
        "caller_name",
        "received_at",
        "taken_by",
    )
    assert set(CHANNEL_DETAILS) == set(ComplaintChannel)


def test_c7_complete_phone_details_pass() -> None:
    details = {
        "caller_company": "Room 1203 / Acme Ltd",
        "caller_name": "Ms Wang",
        "received_at": NOW,
        "taken_by": "staff:7",
    }
    assert validate_channel_details("phone", details) is None


def test_c7_missing_phone_details_are_all_listed() -> None:
    with pytest.raises(InvalidChannelDetails) as caught:
        validate_channel_details(
            ComplaintChannel.PHONE, {"caller_name": "  ", "received_at": NOW, "taken_by": None}
        )
    error = caught.value
    assert error.code == "MISSING_CHANNEL_DETAILS"
    assert error.details["missing"] == ["caller_company", "caller_name", "taken_by"]
    assert "caller_company, caller_name, taken_by" in error.message


@pytest.mark.parametrize("channel", [ComplaintChannel.IN_PERSON, ComplaintChannel.WRITTEN])
def test_c7_in_person_and_written_need_who_and_when(channel: ComplaintChannel) -> None:
    validate_channel_details(
        channel, {"customer_name": "Mr Li", "received_at": NOW, "taken_by": "a"}
    )
    with pytest.raises(InvalidChannelDetails, match="customer_name"):
        validate_channel_details(channel, {"received_at": NOW, "taken_by": "a"})


def test_c7_received_at_must_be_an_aware_datetime() -> None:
    base = {"customer_name": "Mr Li", "taken_by": "a"}
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_channel_details("written", {**base, "received_at": datetime(2026, 3, 2, 10)})
    with pytest.raises(InvalidChannelDetails) as caught:
        validate_channel_details("written", {**base, "received_at": "yesterday"})
    assert caught.value.code == "INVALID_CHANNEL_DETAILS"


def test_c7_unknown_channel() -> None:
    with pytest.raises(InvalidChannelDetails) as caught:
        required_channel_details("fax")
    assert caught.value.code == "UNKNOWN_CHANNEL"


# --- C-6 numbering -----------------------------------------------------------------------------


def test_c6_number_is_yymm_then_a_serial_of_at_least_two_digits_no_separator() -> None:
    # Revised 2026-12-01 (seed 003 制度1 第八条: 年度(××)月份(××)流水編號(××)): the old
    # expectation "261107" asserted a separator and four digits the seed does not have.
    assert format_complaint_number(date(2026, 11, 5), 7) == "261107"
    assert format_complaint_number(date(2026, 11, 5), 123) == "2611123"
    assert format_complaint_number(date(2027, 1, 31), 1) == "270101"
    assert format_complaint_number(date(2026, 12, 31), 10) == "261210"
    assert format_complaint_number(date(2000, 1, 1), 99) == "000199"
    assert format_complaint_number(date(2099, 12, 1), 100) == "9912100"
    with pytest.raises(ValueError, match="two-digit year"):
        format_complaint_number(date(2100, 1, 1), 1)
    with pytest.raises(ValueError, match="two-digit year"):
        format_complaint_number(date(1999, 12, 31), 1)


def test_c6_parse_round_trips() -> None:
    number = parse_complaint_number("261107")
    assert number == ComplaintNumber(2026, 11, 7)
    assert str(number) == "261107" and number.period == date(2026, 11, 1)
    assert number.legacy == "2611-0007"
    assert str(parse_complaint_number("2611123")) == "2611123"
    assert parse_complaint_number("270101") == ComplaintNumber(2027, 1, 1)


def test_c6_old_numbers_are_read_only_when_asked_and_map_to_the_new_form() -> None:
    assert str(parse_complaint_number("2611-0007", legacy=True)) == "261107"
    assert str(parse_complaint_number("2701-0123", legacy=True)) == "2701123"
    with pytest.raises(InvalidComplaintNumber):
        parse_complaint_number("2611-0007")
    with pytest.raises(InvalidComplaintNumber):
        parse_complaint_number("2611-007", legacy=True)


@pytest.mark.parametrize(
    "text", ["26117", "261-07", "261301", "260001", "261100", "2611007", "2611-0007", "x", ""]
)
def test_c6_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidComplaintNumber) as caught:
        parse_complaint_number(text)
    assert caught.value.code == "INVALID_COMPLAINT_NUMBER"


def test_c6_serial_counts_up_within_a_month_and_restarts_on_rollover() -> None:
    assert next_complaint_number(None, date(2026, 11, 1)) == "261101"
    assert next_complaint_number("261107", date(2026, 11, 30)) == "261108"
    assert next_complaint_number("261107", date(2026, 12, 1)) == "261201"
    assert next_complaint_number("261242", date(2027, 1, 1)) == "270101"
    assert next_complaint_number("261199", date(2026, 11, 30)) == "2611100"
    assert next_complaint_number("2612100", date(2026, 12, 31)) == "2612101"
    with pytest.raises(ValueError, match="later"):
        next_complaint_number("261201", date(2026, 11, 30))


def test_c6_numbering_month_is_the_sites_local_month(cn: WorkingCalendar) -> None:
    filed = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 2026-12-01 01:00 in Shanghai
    assert next_complaint_number("261199", cn.local_date(filed)) == "261201"
    with pytest.raises(TypeError, match="local_date"):
        format_complaint_number(filed, 1)
    with pytest.raises(ValueError, match="serial"):
        format_complaint_number(date(2026, 11, 1), 0)


# --- C-8 first response ------------------------------------------------------------------------


def test_c8_first_response_is_due_24_wall_clock_hours_after_filing(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 6, 18, 0)  # Friday evening: the 24 h run through the weekend
    deadlines = compute_deadlines(filed, DEFAULT_TARGETS, cn, ())
    assert deadlines.first_response_due == sh(2026, 3, 7, 18, 0)
    assert is_overdue(deadlines, S.RECEIVED, deadlines.first_response_due) is None
    late = is_overdue(deadlines, S.RECEIVED, deadlines.first_response_due + SECOND)
    assert late is not None and late.rule == "C-8"
    assert "24 hours" in late.message
    # Acknowledged (answered) in time: the C-8 deadline no longer applies.
    assert is_overdue(deadlines, S.ACKNOWLEDGED, sh(2026, 3, 8, 12)) is None


def test_c8_pauses_do_not_move_the_first_response(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 2, 10)
    deadlines = compute_deadlines(
        filed, DEFAULT_TARGETS, cn, [(sh(2026, 3, 2, 11), sh(2026, 3, 3))]
    )
    assert deadlines.first_response_due == sh(2026, 3, 3, 10)


# --- C-11 resolution deadlines -----------------------------------------------------------------


def test_c11_default_targets_are_3_and_7_working_days(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, ())
    assert deadlines.resolution_due == sh(2026, 3, 6, 0)  # end of Thu 03-05
    assert deadlines.special_case_due == sh(2026, 3, 12, 0)  # end of Wed 03-11
    assert deadlines.revisit_due is None and deadlines.paused == timedelta(0)
    assert not deadlines.clock_paused


def test_c11_resolution_due_across_national_day(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 9, 30, 15), DEFAULT_TARGETS, cn, ())
    assert deadlines.resolution_due == sh(2026, 10, 11, 0)
    # 7 working days: 10-08, 10-09, 10-10 (make-up), 10-12 .. 10-15.
    assert deadlines.special_case_due == sh(2026, 10, 16, 0)


def test_c11_resolution_due_across_spring_festival(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 2, 12, 9), DEFAULT_TARGETS, cn, ())
    # Fri 02-13 1, Sat 02-14 make-up 2, then 02-15..02-23 off, Tue 02-24 3.
    assert deadlines.resolution_due == sh(2026, 2, 25, 0)


def test_c11_pm5_major_complaint_is_due_in_one_working_day(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 3, 6, 16), MAJOR, cn, ())
    assert deadlines.resolution_due == sh(2026, 3, 10, 0)  # Friday → end of Monday


def test_c11_same_instant_in_shanghai_and_new_york_sites() -> None:
    instant = datetime(2026, 9, 29, 20, 0, tzinfo=UTC)
    in_shanghai = compute_deadlines(instant, DEFAULT_TARGETS, calendar_for("CN", "Asia/Shanghai"))
    in_new_york = compute_deadlines(
        instant, DEFAULT_TARGETS, calendar_for("US", "America/New_York")
    )
    assert in_shanghai.resolution_due == sh(2026, 10, 11, 0)
    assert in_new_york.resolution_due == datetime(2026, 10, 3, tzinfo=NEW_YORK)
    # 24 h is 24 h everywhere.
    assert in_shanghai.first_response_due == in_new_york.first_response_due
    assert in_new_york.filed_at.tzinfo == NEW_YORK


def test_c11_pause_pushes_the_due_time_by_its_working_time(cn: WorkingCalendar) -> None:
    # 6 h waiting on a Tuesday → due 6 h later.
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, [(sh(2026, 3, 3, 10), sh(2026, 3, 3, 16))]
    )
    assert deadlines.resolution_due == sh(2026, 3, 6, 6)
    assert deadlines.paused == timedelta(hours=6)


def test_c11_a_pause_over_a_weekend_counts_only_its_working_time(cn: WorkingCalendar) -> None:
    # Filed Wed 03-04 → due end of Mon 03-09.  Waiting Fri 12:00 → Mon 12:00 is 72 h of wall
    # time but 24 h of working time (Fri 12 h + Mon 12 h): the due time moves one working day.
    deadlines = compute_deadlines(
        sh(2026, 3, 4, 10), DEFAULT_TARGETS, cn, [(sh(2026, 3, 6, 12), sh(2026, 3, 9, 12))]
    )
    assert deadlines.paused == timedelta(hours=24)
    assert deadlines.resolution_due == sh(2026, 3, 11, 0)


def test_c11_a_pause_extension_rolls_over_holidays(cn: WorkingCalendar) -> None:
    # Base due: end of 10-10.  A 12 h pause moves it past Sunday 10-11 to 10-12 12:00.
    deadlines = compute_deadlines(
        sh(2026, 9, 30, 15), DEFAULT_TARGETS, cn, [(sh(2026, 9, 30, 16), sh(2026, 10, 8, 4))]
    )
    assert deadlines.paused == timedelta(hours=12)  # 8 h on 09-30 + 4 h on 10-08
    assert deadlines.resolution_due == sh(2026, 10, 12, 12)


def test_c11_open_pause_stops_the_clock(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 2, 10)
    deadlines = compute_deadlines(
        filed,
        DEFAULT_TARGETS,
        cn,
        [(sh(2026, 3, 2, 12), sh(2026, 3, 2, 13)), (sh(2026, 3, 3), None)],
    )
    assert deadlines.clock_paused and deadlines.resolution_due is None
    # C-11 (revised): the special-case limit is a hard cap that no pause holds or extends.
    assert deadlines.special_case_due == sh(2026, 3, 12, 0)
    assert deadlines.paused == timedelta(hours=1)
    assert is_overdue(deadlines, S.WAITING_ON_CUSTOMER, sh(2026, 4, 30)) is None


def test_c11_a_pause_after_the_deadline_does_not_rescue_it(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 2, 10)
    late_pause = [(sh(2026, 3, 6, 9), None)]  # due was end of 03-05
    deadlines = compute_deadlines(filed, DEFAULT_TARGETS, cn, late_pause)
    assert deadlines.resolution_due == sh(2026, 3, 6, 0)
    reason = is_overdue(deadlines, S.WAITING_ON_CUSTOMER, sh(2026, 3, 6, 10))
    assert reason is not None and reason.rule == "C-11"


@pytest.mark.parametrize(
    "pauses",
    [
        [(sh(2026, 3, 2, 9), sh(2026, 3, 2, 11))],  # before filing
        [(sh(2026, 3, 2, 11), sh(2026, 3, 2, 10, 30))],  # ends before it starts
        [(sh(2026, 3, 2, 11), sh(2026, 3, 2, 14)), (sh(2026, 3, 2, 13), sh(2026, 3, 2, 15))],
        [(sh(2026, 3, 2, 11), None), (sh(2026, 3, 3, 11), sh(2026, 3, 3, 12))],  # open not last
        [(datetime(2026, 3, 2, 11), sh(2026, 3, 2, 12))],  # naive
    ],
)
def test_c11_inconsistent_pauses_are_refused(cn: WorkingCalendar, pauses: list) -> None:
    with pytest.raises(ValueError):
        compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, pauses)


def test_c11_a_pause_cannot_outlast_the_resolution(cn: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="resolution"):
        compute_deadlines(
            sh(2026, 3, 2, 10),
            DEFAULT_TARGETS,
            cn,
            [(sh(2026, 3, 3, 10), None)],
            resolved_at=sh(2026, 3, 4, 10),
        )


def test_c11_overdue_resolution_and_special_cases(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, ())
    after_due = sh(2026, 3, 6, 0) + SECOND
    assert is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 6, 0)) is None  # 24:00 is in time
    reason = is_overdue(deadlines, S.IN_PROGRESS, after_due)
    assert reason is not None and reason.rule == "C-11" and "3 working days" in reason.message
    # A special case may take up to 7 working days (C-11).
    marked = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, (), special_case=True)
    assert is_overdue(marked, S.IN_PROGRESS, after_due) is None
    special = is_overdue(marked, S.IN_PROGRESS, sh(2026, 3, 12, 0) + SECOND)
    assert special is not None and special.rule == "C-11" and "7 working days" in special.message
    # Resolved or closed complaints are not overdue for resolution.
    assert is_overdue(deadlines, S.REVISITED, after_due) is None
    assert is_overdue(deadlines, S.CLOSED, sh(2027, 1, 1)) is None


def test_c8_c11_a_complaint_never_answered_misses_both(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, ())
    reasons = overdue_reasons(deadlines, "received", sh(2026, 3, 9))
    assert [r.rule for r in reasons] == ["C-8", "C-11"]
    first = is_overdue(deadlines, S.RECEIVED, sh(2026, 3, 9))
    assert first is not None and first.rule == "C-8"
    with pytest.raises(ValueError, match="timezone-aware"):
        is_overdue(deadlines, S.RECEIVED, datetime(2026, 3, 9))


def test_c9_revisit_is_due_in_calendar_days_after_the_fix(cn: WorkingCalendar) -> None:
    """C-9 revisit with PM-5 windows: general 2 weeks, major 1 week, calendar days."""
    filed, fixed = sh(2026, 3, 2, 10), sh(2026, 3, 5, 15)
    general = compute_deadlines(filed, DEFAULT_TARGETS, cn, (), resolved_at=fixed)
    major = compute_deadlines(filed, MAJOR, cn, (), resolved_at=fixed)
    assert general.revisit_due == sh(2026, 3, 20, 0)  # end of 03-19
    assert major.revisit_due == sh(2026, 3, 13, 0)  # end of 03-12, a Thursday
    late = is_overdue(major, S.RESOLVED, sh(2026, 3, 13, 9))
    assert late is not None and late.rule == "C-9" and "7 days" in late.message
    assert is_overdue(major, S.REVISITED, sh(2026, 3, 13, 9)) is None


def test_c9_revisit_window_runs_through_holidays(cn: WorkingCalendar) -> None:
    # Calendar days, not working days: the Golden Week does not extend the revisit window.
    deadlines = compute_deadlines(
        sh(2026, 9, 28, 9), MAJOR, cn, (), resolved_at=sh(2026, 9, 29, 17)
    )
    assert deadlines.revisit_due == sh(2026, 10, 7, 0)


def test_c11_targets_are_validated() -> None:
    with pytest.raises(ValueError, match="severity"):
        ComplaintTargets(severity="critical")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="special_case"):
        ComplaintTargets(resolution_working_days=8)
    with pytest.raises(ValueError, match="positive"):
        ComplaintTargets(revisit_days=0)
    with pytest.raises(ValueError, match="positive"):
        ComplaintTargets(first_response=timedelta(0))
    assert (DEFAULT_TARGETS.first_response, DEFAULT_TARGETS.resolution_working_days) == (
        timedelta(hours=24),
        3,
    )


def test_c11_resolution_before_filing_is_refused(cn: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="before"):
        compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, (), resolved_at=sh(2026, 3, 1))


# --- C-10 escalation ---------------------------------------------------------------------------


def test_c10_escalation_climbs_one_level_at_a_time() -> None:
    level, seen = EscalationLevel.HANDLER, []
    for _ in range(3):
        level, reason = escalate(level, "customer still unsatisfied")
        assert reason.rule == "C-10" and "customer still unsatisfied" in reason.message
        seen.append(level)
    assert seen == [
        EscalationLevel.SITE_HEAD,
        EscalationLevel.VICE_PRESIDENT,
        EscalationLevel.GENERAL_MANAGER,
    ]


def test_c10_escalation_from_the_stored_integer() -> None:
    level, reason = escalate(0, "demand exceeds the handler's authority")
    assert level is EscalationLevel.SITE_HEAD
    assert reason.message.startswith("escalated from the handler to the site/department head")


def test_c10_nothing_above_the_general_manager() -> None:
    with pytest.raises(EscalationError) as caught:
        escalate(EscalationLevel.GENERAL_MANAGER, "customer still unsatisfied")
    assert caught.value.code == "ALREADY_AT_TOP"
    assert "general manager" in caught.value.message


def test_c10_escalation_needs_a_reason_and_a_known_level() -> None:
    with pytest.raises(ReasonRequired) as caught:
        escalate(EscalationLevel.HANDLER, "  ")
    assert caught.value.code == "REASON_REQUIRED"
    with pytest.raises(ValueError, match="level"):
        escalate(9, "why")


# --- issue 11: the rules at their edges (what mutation testing found unguarded) --------------


def test_c9_the_reason_given_is_recorded_in_the_decisions_sentence() -> None:
    decision = transition(S.IN_PROGRESS, S.RESOLVED, actor="Li", reason=" fixed ", now=NOW)
    assert decision.note == "fixed"
    assert decision.reason.message == "Li moved the complaint from in progress to resolved: fixed"
    # No reason given (allowed for this step): the sentence stops at the move, the note is empty.
    silent = transition(S.IN_PROGRESS, S.RESOLVED, actor="Li", reason=None, now=NOW)  # type: ignore[arg-type]
    assert silent.note == ""
    assert silent.reason.message == "Li moved the complaint from in progress to resolved"


@pytest.mark.parametrize(
    ("current", "target", "action"),
    [
        (S.RESOLVED, S.REOPENED, "reopening"),
        (S.REVISITED, S.REOPENED, "reopening"),
        (S.REVISITED, S.CLOSED, "closing a complaint"),
    ],
)
@pytest.mark.parametrize("why", ["", None])
def test_c9_a_reopen_or_a_close_without_a_reason_says_which_needs_one(
    current: ComplaintStatus, target: ComplaintStatus, action: str, why: object
) -> None:
    with pytest.raises(ReasonRequired) as caught:
        transition(current, target, actor="Li", reason=why, now=NOW)  # type: ignore[arg-type]
    assert caught.value.message == f"{action} needs a reason: say why in a sentence"
    assert caught.value.details == {"action": action}


@pytest.mark.parametrize("actor", [None, "", "  ", 7])
def test_c9_a_change_without_who_made_it_is_refused(actor: object) -> None:
    with pytest.raises(ValueError, match=r"^actor must name who made the change \(C-9\)$"):
        transition(S.RECEIVED, S.ACKNOWLEDGED, actor=actor, reason="", now=NOW)  # type: ignore[arg-type]


def test_c9_an_unknown_status_is_named_with_the_known_ones() -> None:
    known = (
        "received, acknowledged, in_progress, waiting_on_customer, resolved, revisited, "
        "closed, reopened"
    )
    with pytest.raises(IllegalTransition) as current:
        transition("lost", S.ACKNOWLEDGED, actor="a", reason="", now=NOW)
    assert current.value.code == "UNKNOWN_STATUS"
    assert current.value.details == {"value": "lost"}
    assert current.value.message == f"unknown complaint status 'lost' for current; known: {known}"
    with pytest.raises(IllegalTransition) as target:
        transition(S.RECEIVED, "found", actor="a", reason="", now=NOW)
    assert target.value.message == f"unknown complaint status 'found' for target; known: {known}"
    with pytest.raises(IllegalTransition, match=r"^unknown complaint status 'lost' for status;"):
        overdue_reasons(compute_deadlines(NOW, DEFAULT_TARGETS, calendar_for()), "lost", NOW)


def test_c8_c9_c11_naive_times_are_refused_by_name(cn: WorkingCalendar) -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
        transition(S.RECEIVED, S.ACKNOWLEDGED, actor="a", reason="", now=naive)
    with pytest.raises(ValueError, match=r"^filed_at must be timezone-aware"):
        compute_deadlines(naive, DEFAULT_TARGETS, cn)
    with pytest.raises(ValueError, match=r"^resolved_at must be timezone-aware"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, resolved_at=naive)
    with pytest.raises(ValueError, match=r"^customer_requested_by must be timezone-aware"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, customer_requested_by=naive)
    with pytest.raises(ValueError, match=r"^pause start must be timezone-aware"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, [(naive, None)])
    with pytest.raises(ValueError, match=r"^pause end must be timezone-aware"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, [(NOW, datetime(2026, 3, 3))])
    deadlines = compute_deadlines(NOW, DEFAULT_TARGETS, cn)
    with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
        overdue_reasons(deadlines, S.RECEIVED, naive)
    details = {"customer_name": "Wu", "received_at": naive, "taken_by": "Li"}
    with pytest.raises(ValueError, match=r"^received_at must be timezone-aware"):
        validate_channel_details(ComplaintChannel.WRITTEN, details)


def test_c11_two_pauses_starting_at_the_same_instant_overlap(cn: WorkingCalendar) -> None:
    start = sh(2026, 3, 3, 10)
    with pytest.raises(ValueError, match="overlaps the previous pause"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, [(start, sh(2026, 3, 3, 11)), (start, None)])
    with pytest.raises(ValueError, match="only the last pause may still be open"):
        compute_deadlines(NOW, DEFAULT_TARGETS, cn, [(start, None), (start, None)])


def test_c8_c10_c11_a_missing_reason_is_asked_for_not_a_crash() -> None:
    from core.complaint_rules import progress_update, special_case

    with pytest.raises(ReasonRequired, match=r"^escalation needs a reason"):
        escalate(EscalationLevel.HANDLER, None)  # type: ignore[arg-type]
    with pytest.raises(ReasonRequired, match=r"^a progress update needs a reason"):
        progress_update(S.IN_PROGRESS, actor="Li", note=None, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ReasonRequired, match=r"^marking a special case needs a reason"):
        special_case(S.IN_PROGRESS, actor="Li", reason=None, already=False, now=NOW)  # type: ignore[arg-type]
