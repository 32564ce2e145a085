"""Issue 11, "test strength of the rules": the gaps mutation testing found in the core rules
(core/complaint_rules.py, core/calendar.py), closed with tests that state the rule itself —
never generated from the rule's own table.  Run by `python3 dev.py mutants`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import WorkingCalendar, calendar_for
from core.complaint_rules import (
    DEFAULT_TARGETS,
    ComplaintNumber,
    ComplaintStatus,
    ComplaintTargets,
    IllegalTransition,
    InvalidComplaintNumber,
    compute_deadlines,
    format_complaint_number,
    is_overdue,
    next_complaint_number,
    overdue_reasons,
    parse_complaint_number,
    transition,
)

S = ComplaintStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
TICK = timedelta(microseconds=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cn() -> WorkingCalendar:
    return calendar_for("CN", "Asia/Shanghai")


def _move(current: S, target: S, reason: str = "because") -> object:
    return transition(current, target, actor="Li", reason=reason, now=sh(2026, 3, 2, 10))


# --- C-9 lifecycle, stated as the seed says it ----------------------------------------------

# received → acknowledged → in progress (⇄ waiting on the customer) → resolved → revisited →
# closed; a customer who rejects the result reopens it (after the fix or the revisit), and a
# reopened complaint is investigated again (in progress).  Closed is final.
LIFECYCLE = {
    S.RECEIVED: {S.ACKNOWLEDGED},
    S.ACKNOWLEDGED: {S.IN_PROGRESS},
    S.IN_PROGRESS: {S.WAITING_ON_CUSTOMER, S.RESOLVED},
    S.WAITING_ON_CUSTOMER: {S.IN_PROGRESS},
    S.RESOLVED: {S.REVISITED, S.REOPENED},
    S.REVISITED: {S.CLOSED, S.REOPENED},
    S.REOPENED: {S.IN_PROGRESS},
    S.CLOSED: set(),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_C_9_exactly_the_seeds_moves_are_allowed(current: S, target: S) -> None:
    if target in LIFECYCLE[current]:
        assert _move(current, target).status is target  # type: ignore[attr-defined]
    else:
        with pytest.raises(IllegalTransition):
            _move(current, target)


def test_C_9_a_resolved_complaint_is_revisited_before_it_is_closed() -> None:
    with pytest.raises(IllegalTransition) as refused:
        _move(S.RESOLVED, S.CLOSED)
    assert refused.value.details["allowed"] == ["revisited", "reopened"]


def test_C_9_only_waiting_on_the_customer_stops_the_clock() -> None:
    paused = _move(S.IN_PROGRESS, S.WAITING_ON_CUSTOMER)
    assert paused.pauses_clock and not paused.resumes_clock  # type: ignore[attr-defined]
    resumed = _move(S.WAITING_ON_CUSTOMER, S.IN_PROGRESS)
    assert resumed.resumes_clock and not resumed.pauses_clock  # type: ignore[attr-defined]
    for current, targets in LIFECYCLE.items():
        for target in targets - {S.WAITING_ON_CUSTOMER}:
            if current is S.WAITING_ON_CUSTOMER:
                continue
            moved = _move(current, target)
            assert not moved.pauses_clock and not moved.resumes_clock, (current, target)  # type: ignore[attr-defined]


# --- C-6 numbering at the month and year bounds --------------------------------------------


def test_C_6_january_and_december_numbers() -> None:
    assert format_complaint_number(date(2027, 1, 5), 3) == "270103"
    assert format_complaint_number(date(2026, 12, 31), 10) == "261210"
    assert format_complaint_number(date(2026, 1, 1), 100) == "2601100"
    assert next_complaint_number("261299", date(2026, 12, 31)) == "2612100"
    # The serial restarts in January of the next year.
    assert next_complaint_number("2612100", date(2027, 1, 1)) == "270101"
    assert next_complaint_number(None, date(2027, 1, 1)) == "270101"
    assert next_complaint_number("261101", date(2026, 12, 1)) == "261201"


def test_C_6_a_previous_number_later_than_today_is_refused() -> None:
    with pytest.raises(ValueError, match="later than"):
        next_complaint_number("270101", date(2026, 12, 31))
    with pytest.raises(ValueError, match="later than"):
        next_complaint_number("261201", date(2026, 11, 30))


def test_C_6_the_two_digit_year_covers_2000_to_2099() -> None:
    assert format_complaint_number(date(2000, 1, 1), 1) == "000101"
    assert format_complaint_number(date(2099, 12, 31), 99) == "991299"
    for year in (1999, 2100):
        with pytest.raises(ValueError, match="two-digit year"):
            format_complaint_number(date(year, 6, 1), 1)
    assert parse_complaint_number("000101") == ComplaintNumber(2000, 1, 1)
    assert parse_complaint_number("991299") == ComplaintNumber(2099, 12, 99)


@pytest.mark.parametrize("serial", [0, -1, True, 1.0])
def test_C_6_a_serial_is_a_positive_integer(serial: object) -> None:
    with pytest.raises(ValueError, match="serial"):
        format_complaint_number(date(2026, 11, 1), serial)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["260001", "261301", "261100", "2611-0000", "2600-0001"])
def test_C_6_month_and_serial_out_of_range_are_refused(text: str) -> None:
    with pytest.raises(InvalidComplaintNumber):
        parse_complaint_number(text, legacy=True)


def test_C_6_the_period_and_the_legacy_form() -> None:
    number = parse_complaint_number("2612123")
    assert number.period == date(2026, 12, 1)
    assert number.legacy == "2612-0123"
    assert str(number) == "2612123"
    assert parse_complaint_number("2612-0123", legacy=True) == number
    with pytest.raises(InvalidComplaintNumber):
        parse_complaint_number("2612-0123")
    with pytest.raises(TypeError):
        format_complaint_number(sh(2026, 12, 1, 0), 1)  # type: ignore[arg-type]


# --- C-8 first response at its exact instant; a reopened complaint answers again ------------


def test_C_8_the_first_response_is_due_at_its_exact_instant(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn)
    assert deadlines.first_response_due == sh(2026, 3, 3, 10)
    assert is_overdue(deadlines, S.RECEIVED, sh(2026, 3, 3, 10)) is None
    late = is_overdue(deadlines, S.RECEIVED, sh(2026, 3, 3, 10) + TICK)
    assert late is not None and late.rule == "C-8"


def test_C_8_a_reopened_complaint_awaits_a_first_response_again(cn: WorkingCalendar) -> None:
    # A reopening starts a new cycle: the caller computes deadlines from the reopening.
    deadlines = compute_deadlines(sh(2026, 3, 9, 10), DEFAULT_TARGETS, cn)
    late = overdue_reasons(deadlines, S.REOPENED, sh(2026, 3, 10, 11))
    assert [r.rule for r in late] == ["C-8"]
    assert late[0].message.startswith("no first response within 24 hours")
    # …and its resolution is awaited too.
    after = overdue_reasons(deadlines, S.REOPENED, sh(2026, 3, 20))
    assert [r.rule for r in after] == ["C-8", "C-11"]
    # Once answered (acknowledged or in progress), C-8's first response no longer applies.
    for status in (S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER):
        assert [r.rule for r in overdue_reasons(deadlines, status, sh(2026, 3, 20))] == ["C-11"]


# --- C-9 revisit at its exact instant ----------------------------------------------------------


def test_C_9_the_revisit_is_due_at_its_exact_instant(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, resolved_at=sh(2026, 3, 4, 15)
    )
    assert deadlines.revisit_due == sh(2026, 3, 19, 0)  # 24:00 of the 14th day after the fix
    assert is_overdue(deadlines, S.RESOLVED, sh(2026, 3, 19, 0)) is None
    late = is_overdue(deadlines, S.RESOLVED, sh(2026, 3, 19, 0) + TICK)
    assert late is not None and late.rule == "C-9" and "14 days" in late.message
    # Revisited: nothing is owed.
    assert is_overdue(deadlines, S.REVISITED, sh(2026, 4, 30)) is None


# --- C-11 every pause edge -----------------------------------------------------------------

FILED = sh(2026, 3, 2, 10)  # Monday; 3 working days → due 24:00 Thursday 03-05
DUE = sh(2026, 3, 6, 0)


def test_C_11_a_pause_starting_at_the_due_time_extends_nothing(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(DUE, sh(2026, 3, 6, 10))])
    assert deadlines.resolution_due == DUE
    # One starting a moment before it extends by its working time.
    earlier = compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(DUE - TICK, sh(2026, 3, 6, 10))])
    assert earlier.resolution_due == sh(2026, 3, 6, 10) + TICK


def test_C_11_back_to_back_pauses_both_count(cn: WorkingCalendar) -> None:
    pauses = [(sh(2026, 3, 3, 10), sh(2026, 3, 3, 12)), (sh(2026, 3, 3, 12), sh(2026, 3, 3, 14))]
    deadlines = compute_deadlines(FILED, DEFAULT_TARGETS, cn, pauses)
    assert deadlines.paused == timedelta(hours=4)
    assert deadlines.resolution_due == DUE + timedelta(hours=4)


def test_C_11_overlapping_pauses_are_refused(cn: WorkingCalendar) -> None:
    pauses = [(sh(2026, 3, 3, 10), sh(2026, 3, 3, 12)), (sh(2026, 3, 3, 12) - TICK, None)]
    with pytest.raises(ValueError, match="overlaps"):
        compute_deadlines(FILED, DEFAULT_TARGETS, cn, pauses)
    with pytest.raises(ValueError, match="only the last pause"):
        compute_deadlines(
            FILED, DEFAULT_TARGETS, cn, [(sh(2026, 3, 3, 10), None), (sh(2026, 3, 3, 12), None)]
        )


def test_C_11_a_zero_length_pause_changes_nothing(cn: WorkingCalendar) -> None:
    moment = sh(2026, 3, 3, 10)
    deadlines = compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(moment, moment)])
    assert deadlines.resolution_due == DUE and deadlines.paused == timedelta(0)
    with pytest.raises(ValueError, match="before it starts"):
        compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(moment, moment - TICK)])


def test_C_11_a_pause_may_start_at_filing_and_end_at_the_resolution(cn: WorkingCalendar) -> None:
    fixed = sh(2026, 3, 2, 12)
    deadlines = compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(FILED, fixed)], resolved_at=fixed)
    assert deadlines.paused == timedelta(hours=2)
    assert deadlines.resolution_due == DUE + timedelta(hours=2)
    with pytest.raises(ValueError, match="past the resolution"):
        compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(FILED, fixed + TICK)], resolved_at=fixed)
    with pytest.raises(ValueError, match="before filing"):
        compute_deadlines(FILED, DEFAULT_TARGETS, cn, [(FILED - TICK, fixed)])
    with pytest.raises(ValueError, match="resolved_at is before filed_at"):
        compute_deadlines(FILED, DEFAULT_TARGETS, cn, resolved_at=FILED - TICK)
    # Resolved at the filing instant is allowed.
    assert compute_deadlines(FILED, DEFAULT_TARGETS, cn, resolved_at=FILED).revisit_due


def test_C_11_resolution_is_due_at_its_exact_instant(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(FILED, DEFAULT_TARGETS, cn)
    assert is_overdue(deadlines, S.IN_PROGRESS, DUE) is None
    late = is_overdue(deadlines, S.IN_PROGRESS, DUE + TICK)
    assert late is not None and late.rule == "C-11"


def test_C_11_targets_bounds() -> None:
    # The special-case limit may equal the normal target, never be below it.
    assert ComplaintTargets(resolution_working_days=7).special_case_max_working_days == 7
    with pytest.raises(ValueError, match="special_case"):
        ComplaintTargets(resolution_working_days=8)
    for name in ("resolution_working_days", "special_case_max_working_days", "revisit_days"):
        with pytest.raises(ValueError, match=name):
            ComplaintTargets(**{name: True})  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=name):
            ComplaintTargets(**{name: 0})  # type: ignore[arg-type]
    assert ComplaintTargets(revisit_days=1, resolution_working_days=1).revisit_days == 1


# --- C-11 working days at the year boundary -------------------------------------------------


def test_C_11_new_year_days_off_and_the_make_up_sunday(cn: WorkingCalendar) -> None:
    assert cn.is_working_day(date(2025, 12, 31))  # Wednesday
    assert not cn.is_working_day(date(2026, 1, 1))  # New Year's Day
    assert not cn.is_working_day(date(2026, 1, 2))  # day off moved from Sunday 01-04
    assert not cn.is_working_day(date(2026, 1, 3))  # Saturday
    assert cn.is_working_day(date(2026, 1, 4))  # Sunday, a make-up working day (调休)
    # Filed on New Year's Eve, one working day: the make-up Sunday counts.
    assert cn.add_working_days(sh(2025, 12, 31, 10), 1) == sh(2026, 1, 5, 0)


def test_C_11_december_into_january(cn: WorkingCalendar) -> None:
    assert cn.is_working_day(date(2026, 12, 25))  # no holiday in mainland China
    assert not cn.is_working_day(date(2026, 12, 26))  # Saturday
    assert not cn.is_working_day(date(2027, 1, 1))
    # Thursday 12-31 + 1: 01-01 off, then the weekend, so Monday 01-04.
    assert cn.add_working_days(sh(2026, 12, 31, 10), 1) == sh(2027, 1, 5, 0)
    assert cn.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1


def test_C_11_a_make_up_day_announced_with_the_next_years_holidays(cn: WorkingCalendar) -> None:
    # The 2002 New Year holidays moved work to Saturday and Sunday 2001-12-29/30.
    assert cn.is_working_day(date(2001, 12, 29)) and cn.is_working_day(date(2001, 12, 30))
    assert not cn.is_working_day(date(2002, 1, 1))


# --- errors are a contract: stable code, the facts in the details, a sentence naming them ----


def test_C_7_an_unknown_channel_is_named_with_the_known_ones() -> None:
    from core.complaint_rules import InvalidChannelDetails, validate_channel_details

    with pytest.raises(InvalidChannelDetails) as refused:
        validate_channel_details("fax", {})
    assert refused.value.code == "UNKNOWN_CHANNEL"
    assert refused.value.details == {"channel": "fax"}
    assert refused.value.message == (
        "unknown complaint channel 'fax'; use one of: in_person, phone, written"
    )


def test_C_7_missing_and_invalid_details_name_the_channel() -> None:
    from core.complaint_rules import InvalidChannelDetails, validate_channel_details

    with pytest.raises(InvalidChannelDetails) as missing:
        validate_channel_details("in_person", {"received_at": sh(2026, 3, 2), "taken_by": 1})
    assert missing.value.details == {"channel": "in_person", "missing": ["customer_name"]}
    details = {"customer_name": "Wu", "received_at": "yesterday", "taken_by": 1}
    with pytest.raises(InvalidChannelDetails) as invalid:
        validate_channel_details("written", details)
    assert invalid.value.code == "INVALID_CHANNEL_DETAILS"
    assert invalid.value.details == {"channel": "written", "invalid": ["received_at"]}
    assert invalid.value.message == "received_at must be a date and time, got 'yesterday'"


def test_C_10_escalation_errors() -> None:
    from core.complaint_rules import EscalationError, EscalationLevel, ReasonRequired, escalate

    with pytest.raises(EscalationError) as top:
        escalate(EscalationLevel.GENERAL_MANAGER, "still unhappy")
    assert top.value.details == {"level": 3}
    assert top.value.message.startswith("the complaint is already with the general manager")
    with pytest.raises(ReasonRequired) as why:
        escalate(EscalationLevel.HANDLER, " ")
    assert why.value.details == {"action": "escalation"}
    assert why.value.message == "escalation needs a reason: say why in a sentence"


@pytest.mark.parametrize("text", ["26-11-07", "2611-0007", None, 261107])
def test_C_6_a_wrong_number_says_what_is_expected(text: object) -> None:
    with pytest.raises(InvalidComplaintNumber) as refused:
        parse_complaint_number(text)  # type: ignore[arg-type]
    assert refused.value.details == {"value": str(text)}
    assert refused.value.message == (
        f"{text!r} is not a complaint number; expected YYMM then the serial, such as "
        "261107 (the 7th of November 2026) or 2611123"
    )


def test_C_6_out_of_range_and_non_canonical_numbers_say_why() -> None:
    with pytest.raises(InvalidComplaintNumber) as month:
        parse_complaint_number("261301")
    assert month.value.details == {"value": "261301"}
    assert month.value.message == "'261301' has month 13 or serial 01 out of range"
    with pytest.raises(InvalidComplaintNumber) as padded:
        parse_complaint_number("2611007")
    assert padded.value.details == {"value": "2611007"}
    assert padded.value.message == "'2611007' is not in canonical form; write it as 261107"


def test_C_8_C_11_refusals_carry_the_status_and_name_the_field() -> None:
    from core.complaint_rules import ReasonRequired, RuleError, progress_update, special_case

    with pytest.raises(IllegalTransition) as closed:
        progress_update(S.CLOSED, actor="Li", note="x", now=sh(2026, 3, 2))
    assert closed.value.details == {"status": "closed"}
    assert closed.value.message == (
        "a progress update cannot be recorded on a closed complaint: it is closed"
    )
    with pytest.raises(ReasonRequired) as note:
        progress_update(S.IN_PROGRESS, actor="Li", note="", now=sh(2026, 3, 2))
    assert note.value.message == "a progress update needs a reason: say why in a sentence"
    with pytest.raises(RuleError) as resolved:
        special_case(S.RESOLVED, actor="Li", reason="r", already=False, now=sh(2026, 3, 2))
    assert resolved.value.details == {"status": "resolved"}
    assert resolved.value.message == (
        "a resolved complaint cannot be marked a special case (C-11): only an unresolved "
        "complaint has a resolution deadline"
    )
    with pytest.raises(ReasonRequired) as why:
        special_case(S.IN_PROGRESS, actor="Li", reason="", already=False, now=sh(2026, 3, 2))
    assert why.value.message == "marking a special case needs a reason: say why in a sentence"
    for rule in (progress_update, special_case):
        kwargs = {"note": "x"} if rule is progress_update else {"reason": "x", "already": False}
        with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
            rule(S.IN_PROGRESS, actor="Li", now=datetime(2026, 3, 2), **kwargs)  # type: ignore[operator]
        with pytest.raises(IllegalTransition, match=r"^unknown complaint status .lost. for status"):
            rule("lost", actor="Li", now=sh(2026, 3, 2), **kwargs)  # type: ignore[operator]


def test_C_8_naive_times_are_named() -> None:
    from core.complaint_rules import progress_update_due

    with pytest.raises(ValueError, match=r"^first_responded_at must be timezone-aware"):
        progress_update_due(S.IN_PROGRESS, datetime(2026, 3, 2), None, timedelta(hours=1))
    with pytest.raises(ValueError, match=r"^last_update_at must be timezone-aware"):
        progress_update_due(S.IN_PROGRESS, sh(2026, 3, 2), datetime(2026, 3, 3), timedelta(hours=1))
    with pytest.raises(IllegalTransition, match="for status"):
        progress_update_due("lost", sh(2026, 3, 2), None, timedelta(hours=1))
    # An update at the very instant of the first response counts from that instant.
    assert progress_update_due(
        S.IN_PROGRESS, sh(2026, 3, 2), sh(2026, 3, 2), timedelta(hours=1)
    ) == sh(2026, 3, 2, 1)
