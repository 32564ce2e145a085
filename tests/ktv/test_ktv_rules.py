"""Pure KTV rules KTV-1 … KTV-11 at the exact boundaries of issue 16 (decision AND reason)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.plugin_api.rules import Reason
from plugins.ktv import rules
from plugins.ktv.policy import DEFAULT_POLICY, KtvPolicy

TZ = ZoneInfo("Asia/Shanghai")
P = DEFAULT_POLICY


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


# --- KTV-1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(12, 1, 30), date(2026, 12, 11)),
        (at(12, 1, 59), date(2026, 12, 11)),
        (at(12, 2, 0), date(2026, 12, 11)),
        (at(12, 3, 0), date(2026, 12, 11)),
        (at(12, 5, 59), date(2026, 12, 11)),
        (at(12, 5, 59, 59), date(2026, 12, 11)),
        (at(12, 6, 0), date(2026, 12, 12)),
        (at(12, 19, 30), date(2026, 12, 12)),
        (at(12, 23, 59), date(2026, 12, 12)),
    ],
)
def test_KTV_1_business_day_runs_past_midnight_until_the_cutoff(moment, expected):
    assert rules.business_date_for(moment, P) == expected


def test_KTV_1_cutoff_is_policy_data():
    early = KtvPolicy.from_overrides({"business_day_cutoff": "05:00"})
    assert rules.business_date_for(at(12, 5, 0), early) == date(2026, 12, 12)
    assert rules.business_date_for(at(12, 4, 59), early) == date(2026, 12, 11)
    with pytest.raises(ValueError, match="business_day_cutoff"):
        KtvPolicy.from_overrides({"business_day_cutoff": "25:00"})
    with pytest.raises(ValueError, match="business_day_cutoff must be at or before"):
        KtvPolicy.from_overrides({"business_day_cutoff": "20:00"})


def test_KTV_1_naive_moment_refused():
    with pytest.raises(ValueError, match="aware"):
        rules.business_date_for(datetime(2026, 12, 12, 1, 0), P)


def test_KTV_1_working_hours_and_shift_end_while_own_room_occupied():
    start, end = rules.working_hours(date(2026, 12, 11), P, TZ)
    assert (start, end) == (at(11, 19, 30), at(12, 2, 0))
    reason = rules.shift_end_refusal(["room V8"])
    assert reason is not None and reason.rule == "KTV-1" and "V8" in reason.message
    assert rules.shift_end_refusal([]) is None


# --- KTV-2 / KTV-10 ------------------------------------------------------------------------

OPENS, CLOSES = rules.meeting_window(date(2026, 12, 11), P, TZ)


def test_KTV_2_meeting_window_is_1930_to_2000():
    assert (OPENS, CLOSES) == (at(11, 19, 30), at(11, 20, 0))


def _roll(signed_at, now=None, **kw):
    return rules.roll_call(
        opens_at=OPENS, closes_at=CLOSES, signed_at=signed_at, now=now or at(11, 20, 0), **kw
    )


def test_KTV_2_signed_at_1930_is_present_no_fine():
    decision = _roll(at(11, 19, 30))
    assert decision.status == "present"
    assert rules.roll_call_penalty(decision, P) is None


def test_KTV_2_signed_at_1931_is_late_fine_30():
    decision = _roll(at(11, 19, 31))
    assert decision.status == "late" and decision.minutes_late == 1
    fine = rules.roll_call_penalty(decision, P)
    assert (fine.code, fine.amount, fine.reason.rule) == ("KTV-2-late", Decimal(30), "KTV-2")


def test_KTV_2_unsigned_at_close_is_absent_fine_50_and_undecided_before():
    assert _roll(None, now=at(11, 19, 59)) is None
    decision = _roll(None, now=at(11, 20, 0))
    assert decision.status == "absent" and decision.reason.rule == "KTV-2"
    fine = rules.roll_call_penalty(decision, P)
    assert (fine.code, fine.amount, fine.reason.rule) == ("KTV-2-absent", Decimal(50), "KTV-2")


def test_KTV_10_room_booking_excuses_signing_afterwards():
    assert _roll(None, now=at(11, 20, 0), room_booking=True) is None  # 补签 pending
    decision = _roll(at(11, 23, 0), now=at(11, 23, 0), room_booking=True)
    assert decision.status == "excused" and decision.reason.rule == "KTV-10"
    assert rules.roll_call_penalty(decision, P) is None


def test_KTV_10_table_booking_does_not_excuse():
    decision = _roll(None, now=at(11, 20, 0), table_booking=True)
    assert decision.status == "absent" and decision.reason.rule == "KTV-2"
    assert rules.roll_call_penalty(decision, P).amount == Decimal(50)


def test_KTV_10_room_booking_cancelled_during_roll_is_absence_fine_50():
    decision = _roll(
        None, now=at(11, 20, 0), room_booking=True, booking_cancelled_at=at(11, 19, 45)
    )
    assert decision.status == "absent" and decision.reason.rule == "KTV-10"
    fine = rules.roll_call_penalty(decision, P)
    assert (fine.code, fine.amount, fine.reason.rule) == ("KTV-10-absent", Decimal(50), "KTV-10")


def test_KTV_10_room_booking_cancelled_after_close_still_excuses():
    decision = _roll(None, now=at(11, 20, 1), room_booking=True, booking_cancelled_at=at(11, 20, 1))
    assert decision is None  # still excused: signs afterwards, no fine for the cancellation


# --- KTV-3 ---------------------------------------------------------------------------------


def test_KTV_3_knowledge_check_due_within_3_business_days_joining_day_is_day_1():
    joined = date(2026, 12, 1)
    assert rules.knowledge_check_due(joined, P) == date(2026, 12, 3)
    assert rules.knowledge_check_overdue(joined, None, date(2026, 12, 3), P) is None
    reason = rules.knowledge_check_overdue(joined, None, date(2026, 12, 4), P)
    assert reason.rule == "KTV-3" and "2026-12-03" in reason.message
    assert rules.knowledge_check_overdue(joined, date(2026, 12, 3), date(2026, 12, 9), P) is None
    late = rules.knowledge_check_overdue(joined, date(2026, 12, 4), date(2026, 12, 9), P)
    assert late.rule == "KTV-3" and "passed on 2026-12-04" in late.message


def test_KTV_3_overdue_list_for_the_director():
    rows = [
        (3, date(2026, 12, 1), None),
        (1, date(2026, 11, 20), None),
        (2, date(2026, 12, 1), date(2026, 12, 2)),
        (4, date(2026, 12, 3), None),
    ]
    listed = rules.overdue_checks(rows, date(2026, 12, 4), P)
    assert [staff for staff, _ in listed] == [1, 3]
    assert all(reason.rule == "KTV-3" for _, reason in listed)


# --- KTV-4 ---------------------------------------------------------------------------------


def test_KTV_4_leave_deadline_is_start_of_previous_business_day():
    assert rules.leave_deadline(date(2026, 12, 12), P, TZ) == at(11, 6, 0)


def test_KTV_4_leave_requested_one_minute_before_deadline_in_time():
    assert (
        rules.leave_decision(
            leave_date=date(2026, 12, 12),
            requested_at=at(11, 5, 59),
            approved=True,
            policy=P,
            zone=TZ,
        )
        is None
    )


def test_KTV_4_leave_requested_at_and_after_deadline_is_absenteeism():
    for requested in (at(11, 6, 0), at(11, 6, 1)):
        reason = rules.leave_decision(
            leave_date=date(2026, 12, 12),
            requested_at=requested,
            approved=True,
            policy=P,
            zone=TZ,
        )
        assert reason.rule == "KTV-4" and "absenteeism" in reason.message


def test_KTV_4_director_special_case_approves_late_leave():
    assert (
        rules.leave_decision(
            leave_date=date(2026, 12, 12),
            requested_at=at(11, 21, 0),
            approved=True,
            policy=P,
            zone=TZ,
            director_exception=True,
        )
        is None
    )


def test_KTV_4_only_the_duty_director_grants_a_special_case_and_says_why():
    granted = rules.leave_special_case("duty_director", "  family   emergency ")
    assert granted == Reason(
        "KTV-4", "special case approved by the duty director: family emergency"
    )
    assert rules.leave_special_case("booking_agent", "family emergency") is None
    assert rules.leave_special_case("duty_director", "   ") is None


def test_KTV_4_absenteeism_deducts_four_days_wages():
    penalty = rules.absenteeism_deduction(Decimal("180.50"), P)
    assert (penalty.code, penalty.amount, penalty.reason.rule) == (
        "KTV-4-absenteeism",
        Decimal("722.00"),
        "KTV-4",
    )


def test_KTV_4_third_absence_of_month_ends_employment_first_of_next_does_not():
    days = [date(2026, 12, 3), date(2026, 12, 17)]
    assert rules.absenteeism_resignation(days, date(2026, 12, 17), P) is None
    third = rules.absenteeism_resignation([*days, date(2026, 12, 31)], date(2026, 12, 31), P)
    assert third.dismissal and third.code == "KTV-4-resignation" and third.reason.rule == "KTV-4"
    assert rules.absenteeism_resignation([*days, date(2027, 1, 1)], date(2027, 1, 1), P) is None


def test_KTV_4_business_date_decides_the_month_of_an_absence_past_midnight():
    # 01:30 on 1 January belongs to the business day of 31 December (KTV-1).
    day = rules.business_date_for(datetime(2027, 1, 1, 1, 30, tzinfo=TZ), P)
    assert day == date(2026, 12, 31)
    third = rules.absenteeism_resignation([date(2026, 12, 3), date(2026, 12, 17), day], day, P)
    assert third is not None and third.reason.rule == "KTV-4"


# --- KTV-5 ---------------------------------------------------------------------------------


def test_KTV_5_leaving_without_pass_is_leaving_the_post_fine_100():
    penalty = rules.leaving_post(at(12, 2, 0), at(11, 23, 0), None, P)
    assert (penalty.code, penalty.amount, penalty.reason.rule) == ("KTV-5", Decimal(100), "KTV-5")


def test_KTV_5_pass_approved_at_or_before_leaving_is_fine():
    assert rules.leaving_post(at(12, 2, 0), at(11, 23, 0), at(11, 23, 0), P) is None
    late_pass = rules.leaving_post(at(12, 2, 0), at(11, 23, 0), at(11, 23, 1), P)
    assert late_pass is not None and late_pass.reason.rule == "KTV-5"
    assert rules.leaving_post(at(12, 2, 0), at(12, 2, 0), None, P) is None


# --- KTV-6 ---------------------------------------------------------------------------------


def test_KTV_6_attitude_complaint_fine_100_replaces_c14_staff_fine():
    code, reason = rules.complaint_fine_code("attitude")
    assert (code, reason.rule) == ("KTV-6", "KTV-6")
    fine = rules.attitude_fine(P)
    assert (fine.code, fine.amount) == ("KTV-6", Decimal(100))
    other, why = rules.complaint_fine_code("hygiene")
    assert (other, why.rule) == ("C-14-staff", "C-14")


# --- KTV-7 / KTV-8 / KTV-9 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "low", "high", "code"),
    [
        ("talking_back", 300, 500, "KTV-8-conflict"),
        ("violent_conflict", 300, 500, "KTV-8-conflict"),
        ("starting_fight", 500, 1000, "KTV-8-fight"),
        ("fake_booking", 100, 500, "KTV-7"),
    ],
)
def test_KTV_8_and_KTV_7_fines_within_bounds(conduct, low, high, code):
    for amount in (low, high):
        penalty = rules.conduct_penalty(conduct, Decimal(amount), P)
        assert (penalty.code, penalty.amount) == (code, Decimal(amount))
    for amount in (low - 1, high + 1):
        with pytest.raises(ValueError) as error:
            rules.conduct_penalty(conduct, Decimal(amount), P)
        assert error.value.code == "PENALTY_AMOUNT_OUT_OF_RANGE"


def test_KTV_7_booking_misconduct_cancels_the_months_credits():
    for conduct in ("quarrel_host_desk", "fake_booking", "reselling_room"):
        penalty = rules.conduct_penalty(conduct, Decimal(200), P)
        assert penalty.cancels_credits and penalty.reason.rule == "KTV-7"
    assert not rules.conduct_penalty("starting_fight", Decimal(600), P).cancels_credits


def test_KTV_8_serious_case_is_dismissal_without_pay_no_police():
    penalty = rules.conduct_penalty("serious", None, P)
    assert penalty.dismissal and not penalty.police and penalty.amount is None
    assert penalty.reason.rule == "KTV-8"


@pytest.mark.parametrize("conduct", ["drugs", "selling_liquor_cards", "theft"])
def test_KTV_9_dismissal_and_police_referral(conduct):
    penalty = rules.conduct_penalty(conduct, None, P)
    assert penalty.dismissal and penalty.police and penalty.reason.rule == "KTV-9"
    with pytest.raises(ValueError) as error:
        rules.conduct_penalty(conduct, Decimal(100), P)
    assert error.value.code == "PENALTY_AMOUNT_NOT_APPLICABLE"


def test_KTV_8_unknown_conduct_refused():
    with pytest.raises(ValueError):
        rules.conduct_penalty("singing_badly", None, P)


# --- KTV-11 --------------------------------------------------------------------------------


def _booking(bid, staff, day, status="held", customer=None, guest="", kind="room"):
    return rules.BookingFacts(bid, staff, customer, guest, kind, f"{kind}-{bid}", day, status)


def test_KTV_11_guest_with_booking_received_by_booker_on_its_business_date_only():
    night = date(2026, 12, 11)
    bookings = [_booking(1, 7, night, customer=42), _booking(2, 8, night, guest="Mr  Wang")]
    found = rules.booking_for_guest(bookings, business_date=night, customer_id=42)
    receiver, reason = rules.receiver_for_booking(found)
    assert (receiver, reason.rule) == (7, "KTV-11")
    by_name = rules.booking_for_guest(
        bookings, business_date=night, customer_id=None, guest_name="mr wang"
    )
    assert by_name.booked_by_id == 8
    # 01:30 on the 12th is the business day of the 11th: the booking counts.
    arrival = rules.business_date_for(at(12, 1, 30), P)
    assert rules.booking_for_guest(bookings, business_date=arrival, customer_id=42) == found
    # The next evening, the booking of the 11th does not count.
    assert (
        rules.booking_for_guest(bookings, business_date=night + timedelta(1), customer_id=42)
        is None
    )
    receiver, reason = rules.receiver_for_booking(None)
    assert receiver is None and reason.rule == "KTV-11"


def test_KTV_11_cancelled_booking_not_used_for_reception():
    night = date(2026, 12, 11)
    bookings = [_booking(1, 7, night, status="cancelled", customer=42)]
    assert rules.booking_for_guest(bookings, business_date=night, customer_id=42) is None


def test_KTV_11_credits_are_honoured_bookings_of_the_month_KTV_7_cancels_them():
    bookings = [
        _booking(1, 7, date(2026, 12, 1), "honoured"),
        _booking(2, 7, date(2026, 12, 31), "honoured"),
        _booking(3, 7, date(2027, 1, 1), "honoured"),
        _booking(4, 7, date(2026, 12, 5), "no_show"),
        _booking(5, 8, date(2026, 12, 5), "honoured"),
    ]
    count, reason = rules.performance_credits(bookings, 7, date(2026, 12, 1))
    assert (count, reason.rule) == (2, "KTV-11")
    count, reason = rules.performance_credits(bookings, 7, date(2026, 12, 1), [date(2026, 12, 20)])
    assert (count, reason.rule) == (0, "KTV-7")
    assert rules.performance_credits(bookings, 7, date(2027, 1, 1), [date(2026, 12, 20)])[0] == 1


# --- policy --------------------------------------------------------------------------------


def test_KTV_policy_overrides_follow_into_the_table_and_bad_keys_refused():
    policy = KtvPolicy.from_overrides({"late_fine": "40", "absent_fine": 60})
    assert policy.penalty("KTV-2-late").min_amount == Decimal(40)
    assert policy.penalty("KTV-10-absent").min_amount == Decimal(60)
    with pytest.raises(ValueError, match="unknown ktv policy key"):
        KtvPolicy.from_overrides({"late_fee": 1})
    with pytest.raises(ValueError, match="C-14"):
        KtvPolicy.from_overrides(
            {
                "penalties": [
                    {
                        "code": "X",
                        "rule": "C-14",
                        "title": "x",
                        "kind": "fine",
                        "min_amount": "1",
                        "max_amount": "2",
                    }
                ]
            }
        )
    assert isinstance(Reason("KTV-1", "x"), Reason)
