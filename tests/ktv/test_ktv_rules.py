"""Pure KTV rules KTV-1 … KTV-11 at the exact boundaries of issue 16 (decision AND reason)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.plugin_api.rules import AttendanceDecision, Reason
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
    with pytest.raises(ValueError, match=r"^business_date_for needs a site-local aware datetime$"):
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
    assert rules.meeting_window(date(2026, 12, 11), P, TZ) == (at(11, 19, 30), at(11, 20, 0))
    assert (OPENS, CLOSES) == (at(11, 19, 30), at(11, 20, 0))


def test_KTV_2_meeting_time_and_roll_length_are_policy_data():
    """KTV-2: a meeting at 19:00 with the roll open 45 minutes closes at 19:45."""
    policy = KtvPolicy.from_overrides({"meeting_time": "19:00", "roll_call_minutes": 45})
    assert rules.meeting_window(date(2026, 12, 11), policy, TZ) == (at(11, 19, 0), at(11, 19, 45))


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


# KTV-3: the sentence names the four things a new staff member must know (seed 000 篇七 3:
# 酒水銷售價, 房間低消, 任飲房, 大廳的臺號).
KNOWLEDGE_DUE = (
    "knowledge check (drink prices, minimum charges, all-you-can-drink rooms, table numbers) "
    "was due by"
)


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


def test_KTV_8_theft_is_a_serious_case_dismissal_without_pay_no_automatic_police():
    """Seed 000 篇七 8: theft is severely punished; only an egregious case goes to the police
    (DOMAIN's KTV-9 lists drugs and liquor cards, not theft)."""
    penalty = rules.conduct_penalty("theft", None, P)
    assert (penalty.code, penalty.dismissal, penalty.police) == ("KTV-8-dismissal", True, False)
    assert penalty.amount is None and not penalty.cancels_credits
    assert penalty.reason.rule == "KTV-8"
    assert penalty.reason.message == (
        "theft: a severe punishment, dismissal without pay; an egregious case is for the "
        "venue to hand to the police"
    )
    with pytest.raises(ValueError) as error:
        rules.conduct_penalty("theft", Decimal(100), P)
    assert error.value.code == "PENALTY_AMOUNT_NOT_APPLICABLE"


def test_KTV_8_an_egregious_theft_the_venue_hands_to_the_police_is_recorded_as_referred():
    """Seed 000 篇七 8: 情況惡劣者轉交公安機關處理 — the venue's judgement, given as a flag."""
    penalty = rules.conduct_penalty("theft", None, P, police_referral=True)
    assert (penalty.code, penalty.dismissal, penalty.police) == ("KTV-8-dismissal", True, True)
    assert penalty.reason == Reason(
        "KTV-8",
        "theft: a severe punishment, dismissal without pay; an egregious case, handed to the "
        "police",
    )
    # The flag is theft's alone: a serious case stays without a referral, drugs keep theirs.
    serious = rules.conduct_penalty("serious", None, P, police_referral=True)
    assert (serious.police, serious.reason.rule) == (False, "KTV-8")
    assert rules.conduct_penalty("drugs", None, P, police_referral=False).police is True


@pytest.mark.parametrize("conduct", ["drugs", "selling_liquor_cards"])
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


# --- issue 11: what mutation testing found unguarded (each test states its rule) ------------
# Expected values are written out from DOMAIN.md and the seed, never read from the module.


def test_KTV_1_a_venue_closing_before_midnight_ends_the_same_day():
    """KTV-1: the working hours are policy data; only a closing time at or before the opening
    time runs into the next calendar day."""
    early = KtvPolicy.from_overrides({"opens_at": "19:30", "closes_at": "23:30"})
    assert rules.working_hours(date(2026, 12, 11), early, TZ) == (at(11, 19, 30), at(11, 23, 30))
    round_the_clock = KtvPolicy.from_overrides({"opens_at": "19:30", "closes_at": "19:30"})
    assert rules.working_hours(date(2026, 12, 11), round_the_clock, TZ) == (
        at(11, 19, 30),
        at(12, 19, 30),
    )


def test_KTV_1_shift_end_refused_names_every_occupied_room_and_table():
    """KTV-1 *Decided*: ending one's shift while one's own booked rooms or tables are occupied
    is refused, and the refusal names them all."""
    assert rules.shift_end_refusal(["room V8", "table 12"]) == Reason(
        "KTV-1",
        "your booked room V8, table 12 still occupied: the shift ends once your guests have left",
    )


def test_KTV_2_fines_carry_the_roll_calls_reason_and_the_tables_amount():
    """KTV-2: late 30, absent 50, each with the roll call's own sentence."""
    late = _roll(at(11, 19, 31, 1))
    assert rules.roll_call_penalty(late, P) == rules.Penalise(
        "KTV-2-late", Decimal(30), Reason("KTV-2", "signed the roll 2 minutes late")
    )
    absent = _roll(None, now=at(11, 20, 0))
    assert rules.roll_call_penalty(absent, P) == rules.Penalise(
        "KTV-2-absent", Decimal(50), Reason("KTV-2", "not signed when the roll closed: an absence")
    )


def test_KTV_2_fines_follow_the_policy():
    """KTV-2/KTV-10: the fines are policy data (an operator's 40 / 60)."""
    policy = KtvPolicy.from_overrides({"late_fine": "40", "absent_fine": "60"})
    assert rules.roll_call_penalty(_roll(at(11, 19, 45)), policy).amount == Decimal(40)
    assert rules.roll_call_penalty(_roll(None), policy).amount == Decimal(60)
    cancelled = _roll(None, room_booking=True, booking_cancelled_at=at(11, 19, 50))
    assert rules.roll_call_penalty(cancelled, policy).amount == Decimal(60)


def test_KTV_2_a_roll_line_recorded_without_a_sentence_still_says_why():
    """KTV-2: a late or absent line that carries no reason is fined under KTV-2 with KTV-2's
    own sentence; no line (undecided) and a present line are not fined."""
    late = AttendanceDecision("late", 5)
    assert rules.roll_call_penalty(late, P) == rules.Penalise(
        "KTV-2-late", Decimal(30), Reason("KTV-2", "late for the pre-shift meeting")
    )
    absent = AttendanceDecision("absent")
    assert rules.roll_call_penalty(absent, P) == rules.Penalise(
        "KTV-2-absent", Decimal(50), Reason("KTV-2", "absent from the pre-shift meeting")
    )
    assert rules.roll_call_penalty(None, P) is None
    assert rules.roll_call_penalty(AttendanceDecision("present"), P) is None


def test_KTV_10_cancelled_room_booking_absence_fined_under_KTV_10_with_its_sentence():
    """KTV-10: a room booking cancelled while the roll is open, the person staying away: an
    absence fined 50 under KTV-10 (no fine for the cancellation itself)."""
    decision = _roll(None, room_booking=True, booking_cancelled_at=at(11, 19, 59))
    assert rules.roll_call_penalty(decision, P) == rules.Penalise(
        "KTV-10-absent",
        Decimal(50),
        Reason(
            "KTV-10",
            "the room booking was cancelled while the roll was open and they did not come "
            "back to the meeting: an absence",
        ),
    )


def test_KTV_3_overdue_reason_names_the_due_day_and_a_late_pass():
    """KTV-3: the director is told the due day, and for a late pass the day it was passed."""
    joined = date(2026, 12, 1)
    due_by = f"{KNOWLEDGE_DUE} 2026-12-03"
    assert rules.knowledge_check_overdue(joined, None, date(2026, 12, 4), P) == Reason(
        "KTV-3", due_by
    )
    assert rules.knowledge_check_overdue(joined, date(2026, 12, 6), date(2026, 12, 9), P) == Reason(
        "KTV-3", due_by + "; passed on 2026-12-06"
    )


def test_KTV_3_a_late_pass_stays_late_whatever_day_is_asked():
    """KTV-3: a check passed after its due day was late; asking about an earlier business
    date (a report re-run for the 2nd) does not make it in time."""
    late = rules.knowledge_check_overdue(date(2026, 12, 1), date(2026, 12, 5), date(2026, 12, 2), P)
    assert late == Reason(
        "KTV-3",
        f"{KNOWLEDGE_DUE} 2026-12-03; passed on 2026-12-05",
    )


def test_KTV_3_check_days_are_policy_data():
    """KTV-3: 5 days, the joining day being day 1: joined on the 1st, due by the 5th."""
    five = KtvPolicy.from_overrides({"knowledge_check_days": 5})
    assert rules.knowledge_check_due(date(2026, 12, 1), five) == date(2026, 12, 5)
    assert rules.knowledge_check_overdue(date(2026, 12, 1), None, date(2026, 12, 5), five) is None


def test_KTV_3_director_list_skips_passed_checks_wherever_they_are_listed():
    """KTV-3: a check already passed is left off the list and the rows after it are still
    looked at; the list is by staff id."""
    rows = [
        (5, date(2026, 12, 1), date(2026, 12, 2)),
        (9, date(2026, 11, 1), None),
        (2, date(2026, 11, 30), None),
        (7, date(2026, 12, 2), None),
    ]
    listed = rules.overdue_checks(rows, date(2026, 12, 4), P)
    assert listed == [
        (
            2,
            Reason(
                "KTV-3",
                f"{KNOWLEDGE_DUE} 2026-12-02",
            ),
        ),
        (
            9,
            Reason(
                "KTV-3",
                f"{KNOWLEDGE_DUE} 2026-11-03",
            ),
        ),
    ]


def test_KTV_3_a_rehired_staff_member_is_listed_for_each_joining():
    """KTV-3: someone who left and joined again must pass the check again; both joinings
    unchecked after their due day are listed, in the order given."""
    rows = [(4, date(2026, 6, 1), None), (4, date(2026, 11, 20), None)]
    listed = rules.overdue_checks(rows, date(2026, 12, 4), P)
    assert [(staff, reason.message[-10:]) for staff, reason in listed] == [
        (4, "2026-06-03"),
        (4, "2026-11-22"),
    ]


def test_KTV_4_late_request_sentence_names_the_request_and_the_deadline():
    """KTV-4: a request at the previous business day's 06:00 is absenteeism, and the reason
    says when it was made and what it had to be before."""
    reason = rules.leave_decision(
        leave_date=date(2026, 12, 12),
        requested_at=at(11, 6, 0),
        approved=True,
        policy=P,
        zone=TZ,
    )
    assert reason == Reason(
        "KTV-4",
        "leave for 2026-12-12 was requested at 2026-12-11T06:00:00+08:00, not before "
        "2026-12-11T06:00:00+08:00: it is absenteeism",
    )


def test_KTV_4_a_request_in_time_still_needs_approval():
    """KTV-4: in time but not approved is not a proper leave (core's PM-9 sentence)."""
    reason = rules.leave_decision(
        leave_date=date(2026, 12, 12),
        requested_at=at(10, 12, 0),
        approved=False,
        policy=P,
        zone=TZ,
    )
    assert reason == Reason("PM-9", "leave on 2026-12-12 without prior approval is absenteeism")


def test_KTV_4_lead_days_and_cutoff_are_policy_data():
    """KTV-4: two days ahead with a 05:00 cutoff: for the 12th, before 05:00 on the 10th."""
    policy = KtvPolicy.from_overrides({"leave_lead_days": 2, "business_day_cutoff": "05:00"})
    assert rules.leave_deadline(date(2026, 12, 12), policy, TZ) == at(10, 5, 0)


def test_KTV_4_special_case_needs_a_reason_given():
    """KTV-4: the duty director grants a special case only saying why; no reason (None or
    blank) is no special case."""
    assert rules.leave_special_case("duty_director", None) is None  # type: ignore[arg-type]
    assert rules.leave_special_case("duty_director", "") is None
    assert rules.leave_special_case("duty_director", "sick") == Reason(
        "KTV-4", "special case approved by the duty director: sick"
    )


def test_KTV_4_absenteeism_deduction_states_the_days_and_the_wage():
    """KTV-4: 4 days' wages of the daily wage, said in the reason."""
    assert rules.absenteeism_deduction(Decimal("180.50"), P) == rules.Penalise(
        "KTV-4-absenteeism",
        Decimal("722.00"),
        Reason("KTV-4", "absenteeism: 4 days' wages of 180.50 deducted"),
    )
    three = KtvPolicy.from_overrides({"absenteeism_wage_days": "3"})
    assert rules.absenteeism_deduction(Decimal("200"), three).amount == Decimal("600.00")


def test_KTV_4_resignation_is_a_dismissal_entry_with_the_days_counted():
    """KTV-4: the third day of absenteeism in the month is automatic resignation, recorded
    as a dismissal without an amount; the reason lists the days."""
    days = [date(2026, 12, 3), date(2026, 12, 17), date(2026, 12, 20)]
    assert rules.absenteeism_resignation(days, date(2026, 12, 20), P) == rules.Penalise(
        "KTV-4-resignation",
        None,
        Reason(
            "KTV-4",
            "3 days of absenteeism in 2026-12 (2026-12-03, 2026-12-17, 2026-12-20): "
            "3 end the employment",
        ),
        dismissal=True,
    )


def test_KTV_4_absences_after_the_business_date_do_not_count_yet():
    """KTV-4: on the 17th, an absence recorded for the 20th has not happened yet."""
    days = [date(2026, 12, 3), date(2026, 12, 17), date(2026, 12, 20)]
    assert rules.absenteeism_resignation(days, date(2026, 12, 17), P) is None
    two = KtvPolicy.from_overrides({"absenteeism_days_ending_employment": 2})
    assert rules.absenteeism_resignation(days, date(2026, 12, 17), two) is not None


def test_KTV_5_leaving_the_post_fine_carries_its_sentence():
    """KTV-5: fine 100, the reason saying when they left and when the shift ended."""
    assert rules.leaving_post(at(12, 2, 0), at(11, 23, 0), None, P) == rules.Penalise(
        "KTV-5",
        Decimal(100),
        Reason(
            "KTV-5",
            "left at 2026-12-11T23:00:00+08:00 before the shift's end at "
            "2026-12-12T02:00:00+08:00 without an exit pass approved by the direct superior",
        ),
    )


def test_KTV_6_attitude_complaint_categories_and_their_sentences():
    """KTV-6 *Decided*: "attitude" / "service_attitude" (any case, spaces around) are KTV-6's
    fine; any other verified service fault stays C-14's staff fine."""
    ktv6 = Reason(
        "KTV-6", "guest complaint about attitude: KTV-6's fine replaces C-14's staff fine"
    )
    assert rules.complaint_fine_code("service_attitude") == ("KTV-6", ktv6)
    assert rules.complaint_fine_code(" Attitude ") == ("KTV-6", ktv6)
    assert rules.complaint_fine_code("hygiene") == (
        "C-14-staff",
        Reason("C-14", "verified service fault (hygiene): C-14 applies"),
    )
    assert rules.attitude_fine(P) == rules.Penalise("KTV-6", Decimal(100), ktv6)


def test_KTV_7_to_9_conduct_reasons_name_what_was_done():
    """KTV-7/8/9: the penalty's reason names the rule and the conduct."""
    fake = rules.conduct_penalty("fake_booking", Decimal(150), P)
    assert fake == rules.Penalise(
        "KTV-7", Decimal(150), Reason("KTV-7", "a fake booking"), cancels_credits=True
    )
    fight = rules.conduct_penalty(rules.Conduct.STARTING_FIGHT, Decimal(800), P)
    assert fight == rules.Penalise("KTV-8-fight", Decimal(800), Reason("KTV-8", "starting a fight"))
    drugs = rules.conduct_penalty("drugs", None, P)
    assert drugs == rules.Penalise(
        "KTV-9",
        None,
        Reason("KTV-9", "drugs: dismissal and referral to the police"),
        police=True,
        dismissal=True,
    )


def test_KTV_7_fine_needs_an_amount_within_the_bounds():
    """KTV-7: the fine is issued within the table's bounds, so an amount must be given."""
    with pytest.raises(ValueError) as error:
        rules.conduct_penalty("reselling_room", None, P)
    assert error.value.code == "PENALTY_AMOUNT_REQUIRED"


def test_KTV_11_the_guest_is_matched_to_their_own_booking_only():
    """KTV-11: a known customer is matched to their own held booking, not to another
    guest's booking listed before it; a walk-in is matched by name only to a booking taken by
    name (no customer), and not to a named booking of another customer."""
    night = date(2026, 12, 11)
    bookings = [
        _booking(1, 5, night, customer=41, guest="Li"),
        _booking(2, 6, night, guest="Zhao"),
        _booking(3, 7, night, customer=42),
    ]
    assert rules.booking_for_guest(bookings, business_date=night, customer_id=42).booking_id == 3
    assert (
        rules.booking_for_guest(bookings, business_date=night, customer_id=None, guest_name="Li")
        is None
    )
    assert (
        rules.booking_for_guest(bookings, business_date=night, customer_id=None, guest_name="Qian")
        is None
    )
    assert rules.booking_for_guest(bookings, business_date=night, customer_id=43) is None


def test_KTV_11_a_guest_giving_no_name_is_never_matched_by_name():
    """KTV-11: without a name, a guest is not matched to a booking taken by name — not to an
    unnamed one, nor to one under the desk's placeholder name "XXXX"."""
    night = date(2026, 12, 11)
    bookings = [_booking(1, 5, night, guest=""), _booking(2, 6, night, guest="XXXX")]
    assert rules.booking_for_guest(bookings, business_date=night, customer_id=None) is None
    assert rules.booking_for_guest(bookings, business_date=night, customer_id=42) is None


def test_KTV_11_earliest_held_booking_of_the_night_wins():
    """KTV-11 *Decided*: of several held bookings of the guest that night, the earliest
    (lowest id) wins, whatever order they come in; bookings of other nights, or no longer
    held, listed first do not stop the search."""
    night = date(2026, 12, 11)
    bookings = [
        _booking(9, 8, night, customer=42),
        _booking(1, 5, night - timedelta(1), customer=42),
        _booking(2, 5, night, status="cancelled", customer=42),
        _booking(4, 7, night, customer=42),
    ]
    found = rules.booking_for_guest(bookings, business_date=night, customer_id=42)
    assert found.booking_id == 4
    assert rules.receiver_for_booking(found) == (
        7,
        Reason("KTV-11", "booked room room-4: received by the staff member who booked the guest"),
    )


def test_KTV_11_without_a_booking_the_host_desk_receives():
    """KTV-11: no booking tonight, so no booker receives the guest: the host desk does."""
    assert rules.receiver_for_booking(None) == (
        None,
        Reason("KTV-11", "no booking for this guest tonight: the host desk receives"),
    )


def test_KTV_11_a_month_is_keyed_by_its_first_day():
    """KTV-11/KTV-7: credits and their cancellation are kept per calendar month (its 1st)."""
    assert rules.month_of(date(2026, 12, 31)) == date(2026, 12, 1)
    assert rules.month_of(date(2027, 1, 1)) == date(2027, 1, 1)


def test_KTV_11_credit_reasons_name_the_month():
    """KTV-11: credits are the honoured bookings of the month; KTV-7 cancels them all."""
    bookings = [_booking(1, 7, date(2026, 12, 10), "honoured")]
    assert rules.performance_credits(bookings, 7, date(2026, 12, 15)) == (
        1,
        Reason("KTV-11", "1 honoured booking(s) in 2026-12"),
    )
    assert rules.performance_credits(bookings, 7, date(2026, 12, 15), [date(2026, 12, 1)]) == (
        0,
        Reason("KTV-7", "performance of 2026-12 cancelled (host desk, fake booking or resale)"),
    )
