"""Real-estate reception rules RE-1 .. RE-15 (DOMAIN.md; seeds 000 篇三, 001 篇5)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

import pytest

from core.plugin_api.rules import Reason
from plugins.realestate.policy import DEFAULT_POLICY, RealEstatePolicy
from plugins.realestate.rules import (
    Channel,
    RegisterEntry,
    RelatedParty,
    RotationError,
    RotationState,
    SalespersonStatus,
    VisitFacts,
    VisitorKind,
    apply_suspension,
    business_date_for,
    c14_bounds_overrides,
    credit_for_deal,
    current_order,
    decide_reception,
    discount_surveyor,
    lift_suspension,
    next_receiver,
    order_grabbing,
    penalty_table,
    set_status,
    start_day,
)

S = SalespersonStatus
TZ = timezone(timedelta(hours=8))
DAY = date(2025, 3, 3)
NOW = datetime(2025, 3, 3, 10, 0, tzinfo=TZ)
ORDER = ("A", "B", "C", "D")


def day(order: tuple[str, ...] = ORDER, **kwargs: object) -> RotationState:
    return start_day(order, DAY, **kwargs)  # type: ignore[arg-type]


def arrive(state: RotationState, **facts: object):
    return decide_reception(state, VisitFacts(**facts), NOW)  # type: ignore[arg-type]


def mark(state: RotationState, staff: str, status: SalespersonStatus) -> RotationState:
    return set_status(state, staff, status, NOW)


def walk_ins(state: RotationState, count: int) -> tuple[list[str | None], RotationState]:
    receivers = []
    for _ in range(count):
        decision, state = arrive(state)
        receivers.append(decision.receiver_id)
    return receivers, state


def counts(state: RotationState) -> dict[str, int]:
    return dict(state.reception_counts)


def at(hour: int, minute: int = 0, day_: date = DAY) -> datetime:
    return datetime.combine(day_, time(hour, minute), tzinfo=TZ)


# RE-1 -----------------------------------------------------------------------------------


def test_RE_1_new_customers_follow_the_managers_order_for_the_day():
    state = day(("C", "A", "B"))
    assert next_receiver(state) == "C"

    decision, state = arrive(state)
    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-1"
    assert decision.counted and decision.new_registration and not decision.made_up_turn
    assert decision.skipped == ()

    receivers, state = walk_ins(state, 3)
    assert receivers == ["A", "B", "C"]
    assert counts(state) == {"C": 2, "A": 1, "B": 1}
    assert next_receiver(state) == "A"
    assert current_order(state) == ("A", "B", "C")


def test_RE_1_nobody_available_gives_no_receiver_and_changes_nothing():
    state = day(("A", "B"))
    state = mark(state, "A", S.RECEIVING)
    state = mark(state, "B", S.PRIVATE_AWAY)

    decision, after = arrive(state)

    assert decision.receiver_id is None
    assert decision.reason.rule == "RE-1"
    assert "Nobody" in decision.reason.message
    assert not decision.counted
    assert after == state
    assert after.make_up_queue == ()


def test_RE_1_rotation_of_another_business_day_is_refused():
    state = day()
    with pytest.raises(RotationError) as caught:
        decide_reception(state, VisitFacts(), NOW + timedelta(days=1))
    assert caught.value.code == "WRONG_BUSINESS_DAY"


def test_RE_1_business_day_boundary_comes_from_policy():
    policy = RealEstatePolicy.from_overrides({"business_day_starts_at": "04:00"})
    after_midnight = at(2, 30, DAY + timedelta(days=1))
    assert business_date_for(after_midnight, policy) == DAY
    assert business_date_for(after_midnight) == DAY + timedelta(days=1)

    decision, _ = decide_reception(day(), VisitFacts(), after_midnight, policy=policy)
    assert decision.receiver_id == "A"


def test_RE_1_naive_now_is_refused():
    with pytest.raises(RotationError) as caught:
        decide_reception(day(), VisitFacts(), datetime(2025, 3, 3, 10, 0))
    assert caught.value.code == "NAIVE_DATETIME"


def test_RE_1_order_must_name_each_salesperson_once():
    with pytest.raises(RotationError) as caught:
        start_day(("A", "B", "A"), DAY)
    assert caught.value.code == "INVALID_ORDER"
    with pytest.raises(RotationError) as caught:
        start_day((), DAY)
    assert caught.value.code == "EMPTY_ORDER"


# RE-2 -----------------------------------------------------------------------------------


def test_RE_2_busy_salesperson_gets_make_up_turn():
    state = mark(day(), "A", S.RECEIVING)

    decision, state = arrive(state)
    assert decision.receiver_id == "B"
    assert decision.reason.rule == "RE-1"
    assert [(skip.staff_id, skip.reason.rule) for skip in decision.skipped] == [("A", "RE-2")]
    assert state.make_up_queue == ("A",)

    state = mark(state, "A", S.AVAILABLE)
    # Coming back consumes nothing: the make-up waits for the next new customer.
    assert state.make_up_queue == ("A",)
    assert counts(state)["A"] == 0

    decision, state = arrive(state)
    assert decision.receiver_id == "A"
    assert decision.made_up_turn
    assert decision.reason.rule == "RE-2"
    assert state.make_up_queue == ()
    assert next_receiver(state) == "C"

    receivers, state = walk_ins(state, 3)
    assert receivers == ["C", "D", "A"]
    assert counts(state) == {"A": 2, "B": 1, "C": 1, "D": 1}


def test_RE_2_business_call_and_company_business_are_owed_in_the_order_skipped():
    state = mark(day(), "A", S.COMPANY_BUSINESS)
    state = mark(state, "B", S.BUSINESS_CALL)

    decision, state = arrive(state)
    assert decision.receiver_id == "C"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [
        ("A", "RE-2"),
        ("B", "RE-2"),
    ]
    assert state.make_up_queue == ("A", "B")

    state = mark(state, "B", S.AVAILABLE)
    state = mark(state, "A", S.AVAILABLE)
    receivers, state = walk_ins(state, 4)
    assert receivers == ["A", "B", "D", "A"]
    assert state.make_up_queue == ()
    assert next_receiver(state) == "B"


def test_RE_2_make_up_waits_while_still_busy_and_a_second_skip_is_owed_too():
    state = mark(day(), "A", S.RECEIVING)
    receivers, state = walk_ins(state, 4)
    assert receivers == ["B", "C", "D", "B"]
    assert state.make_up_queue == ("A", "A")

    state = mark(state, "A", S.AVAILABLE)
    receivers, state = walk_ins(state, 3)
    assert receivers == ["A", "A", "C"]
    assert counts(state) == {"A": 2, "B": 2, "C": 2, "D": 1}


def test_RE_2_make_up_owed_to_someone_still_busy_lets_the_next_owed_go_first():
    state = mark(day(), "A", S.RECEIVING)
    state = mark(state, "B", S.RECEIVING)
    _, state = arrive(state)
    assert state.make_up_queue == ("A", "B")

    state = mark(state, "B", S.AVAILABLE)
    decision, state = arrive(state)
    assert (decision.receiver_id, decision.reason.rule) == ("B", "RE-2")
    assert state.make_up_queue == ("A",)


def test_RE_2_serving_a_customer_who_has_already_bought_is_owed_a_make_up():
    state = mark(day(), "A", S.AFTER_SALE)
    decision, state = arrive(state)
    assert decision.receiver_id == "B"
    [skip] = decision.skipped
    assert (skip.staff_id, skip.reason.rule) == ("A", "RE-2")
    assert "already bought" in skip.reason.message and "owed a make-up" in skip.reason.message
    assert state.make_up_queue == ("A",)
    assert counts(state)["A"] == 0


def test_RE_2_serving_an_old_customer_not_yet_bought_is_skipped_without_make_up():
    # Revised 2026-12-01 (seed 000 篇三 7: 未成交老客戶 … 該則計一次接待任務): that reception
    # already counted as the turn; it used to be owed a make-up like any RECEIVING.
    state = mark(day(), "A", S.SERVING_OLD_CUSTOMER)
    decision, state = arrive(state)
    assert decision.receiver_id == "B"
    [skip] = decision.skipped
    assert (skip.staff_id, skip.reason.rule) == ("A", "RE-2")
    assert "without a make-up" in skip.reason.message
    assert state.make_up_queue == ()
    assert counts(state)["A"] == 0
    state = mark(state, "A", S.AVAILABLE)
    receivers, _ = walk_ins(state, 3)
    assert receivers == ["C", "D", "A"]


def test_RE_2_a_returning_customer_who_has_bought_is_after_sale_service_not_counted():
    state = day()
    decision, after = arrive(state, original_staff_id="C", first_visit=False, has_bought=True)
    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-6"
    assert "after-sale service" in decision.reason.message and "RE-2" in decision.reason.message
    assert not decision.counted and not decision.new_registration
    # Neither counted nor using C's turn.
    assert after == state
    assert current_order(after) == ORDER


def test_RE_2_a_bought_customer_whose_salesperson_is_busy_is_assisted_uncounted():
    state = mark(day(), "C", S.AFTER_SALE)
    decision, after = arrive(state, original_staff_id="C", first_visit=False, has_bought=True)
    assert decision.receiver_id == "D" and not decision.counted
    assert after == state


# RE-3 -----------------------------------------------------------------------------------


def test_RE_3_private_absence_forfeits_the_turn_without_make_up_and_counts_it():
    # Revised 2026-12-01 (seed 000 篇三 1: 算已接待一個客戶名額): the forfeited turn adds one
    # to the salesperson's receptions; it used to leave them at 0.
    state = mark(day(), "A", S.PRIVATE_AWAY)

    decision, state = arrive(state)
    assert decision.receiver_id == "B"
    [skip] = decision.skipped
    assert (skip.staff_id, skip.reason.rule) == ("A", "RE-3")
    assert "counts as taken (one reception for them" in skip.reason.message
    assert state.make_up_queue == ()
    assert counts(state) == {"A": 1, "B": 1, "C": 0, "D": 0}

    state = mark(state, "A", S.AVAILABLE)
    receivers, state = walk_ins(state, 3)
    assert receivers == ["C", "D", "A"]
    assert counts(state)["A"] == 2


def test_RE_3_each_forfeit_counts_once_and_asking_who_is_next_counts_nothing():
    state = mark(day(), "A", S.PRIVATE_AWAY)
    state = mark(state, "B", S.PRIVATE_AWAY)
    assert next_receiver(state) == "C"
    assert counts(state) == {"A": 0, "B": 0, "C": 0, "D": 0}

    receivers, state = walk_ins(state, 2)
    assert receivers == ["C", "D"]
    # Skipped once each (on the first arrival); the second arrival reached D directly.
    assert counts(state) == {"A": 1, "B": 1, "C": 1, "D": 1}


def test_RE_3_nobody_available_counts_no_forfeit():
    state = mark(day(("A", "B")), "A", S.PRIVATE_AWAY)
    state = mark(state, "B", S.BUSINESS_CALL)
    decision, after = arrive(state)
    assert decision.receiver_id is None
    assert after == state


# RE-4 -----------------------------------------------------------------------------------


def test_RE_4_salesperson_on_leave_is_out_of_the_rotation_all_day():
    state = day(on_leave=["B"])
    assert state.status_of("B") is S.ON_LEAVE
    assert current_order(state) == ("A", "C", "D")

    decision, state = arrive(state)
    assert decision.receiver_id == "A"
    decision, state = arrive(state)
    assert decision.receiver_id == "C"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [("B", "RE-4")]

    receivers, state = walk_ins(state, 4)
    assert receivers == ["D", "A", "C", "D"]
    assert counts(state)["B"] == 0
    assert state.make_up_queue == ()


def test_RE_4_going_on_leave_gives_up_the_make_up_turns_owed():
    state = mark(day(), "A", S.RECEIVING)
    _, state = arrive(state)
    assert state.make_up_queue == ("A",)

    state = mark(state, "A", S.ON_LEAVE)
    assert state.make_up_queue == ()
    assert next_receiver(state) == "C"


def test_RE_4_leave_for_someone_not_in_the_order_is_refused():
    with pytest.raises(RotationError) as caught:
        day(on_leave=["Z"])
    assert caught.value.code == "UNKNOWN_STAFF"


# RE-5 -----------------------------------------------------------------------------------


def test_RE_5_named_salesperson_receives_and_the_rotation_turn_stays():
    state = day()

    decision, state = arrive(state, named_staff_id="C")

    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-5"
    assert decision.counted and decision.new_registration and not decision.made_up_turn
    [tell] = decision.notifications
    assert tell.kind == "tell_named_salesperson"
    assert tell.rule == "RE-5"
    assert "A, on turn," in tell.message and "抢单" in tell.message
    assert counts(state) == {"A": 0, "B": 0, "C": 1, "D": 0}
    assert next_receiver(state) == "A"
    assert state.next_index == 0


def test_RE_5_named_salesperson_busy_still_receives_and_the_customer_waits():
    state = mark(day(), "C", S.RECEIVING)

    decision, state = arrive(state, named_staff_id="C", first_visit=False)

    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-5"
    assert not decision.new_registration
    assert [n.kind for n in decision.notifications] == [
        "tell_named_salesperson",
        "customer_waiting",
    ]
    assert next_receiver(state) == "A"


def test_RE_5_order_grabbing_suspends_the_grabber_next_day_and_credits_the_named():
    ruling = order_grabbing("A", "C", DAY, DEFAULT_POLICY)

    assert ruling.reason.rule == "RE-5"
    assert ruling.suspended_from == DAY + timedelta(days=1)
    assert ruling.suspended_until == DAY + timedelta(days=1)
    assert ruling.deal_credited_to == "C"
    assert ruling.penalty.kind == "suspension"
    assert ruling.penalty.min_amount == ruling.penalty.max_amount == Decimal(1)

    today = apply_suspension(day(), ruling)
    assert today.status_of("A") is S.AVAILABLE
    assert today.suspended_until("A") == DAY + timedelta(days=1)

    tomorrow = start_day(ORDER, DAY + timedelta(days=1), suspended=dict(today.suspensions))
    assert tomorrow.status_of("A") is S.SUSPENDED
    decision, tomorrow = decide_reception(tomorrow, VisitFacts(), NOW + timedelta(days=1))
    assert decision.receiver_id == "B"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [("A", "RE-5")]
    assert tomorrow.make_up_queue == ()

    day_after = start_day(ORDER, DAY + timedelta(days=2), suspended=dict(tomorrow.suspensions))
    assert day_after.status_of("A") is S.AVAILABLE
    assert day_after.suspensions == ()


def test_RE_5_suspension_length_comes_from_policy():
    policy = RealEstatePolicy.from_overrides({"suspension_days": 2})
    ruling = order_grabbing("A", "C", DAY, policy)
    assert ruling.suspended_until == DAY + timedelta(days=2)
    assert ruling.penalty.min_amount == Decimal(2)
    third = start_day(ORDER, DAY + timedelta(days=2), suspended={"A": ruling.suspended_until})
    assert third.status_of("A") is S.SUSPENDED


def test_RE_5_suspension_applied_on_a_suspended_day_drops_make_up_turns():
    tomorrow_now = NOW + timedelta(days=1)
    state = start_day(ORDER, DAY + timedelta(days=1))
    state = set_status(state, "A", S.RECEIVING, tomorrow_now)
    _, state = decide_reception(state, VisitFacts(), tomorrow_now)
    assert state.make_up_queue == ("A",)

    state = apply_suspension(state, order_grabbing("A", "C", DAY))

    assert state.status_of("A") is S.SUSPENDED
    assert state.make_up_queue == ()
    with pytest.raises(RotationError) as caught:
        set_status(state, "A", S.AVAILABLE, tomorrow_now)
    assert caught.value.code == "STAFF_SUSPENDED"


def test_RE_5_revoking_the_penalty_lifts_the_suspension():
    ruling = order_grabbing("A", "C", DAY)
    tomorrow_now = NOW + timedelta(days=1)
    state = start_day(ORDER, DAY + timedelta(days=1), suspended={"A": ruling.suspended_until})
    assert state.status_of("A") is S.SUSPENDED

    reason, state = lift_suspension(state, "A")

    assert reason.rule == "RE-5" and "lifted" in reason.message
    assert state.status_of("A") is S.AVAILABLE
    assert state.suspended_until("A") is None
    assert current_order(state) == ORDER
    decision, _ = decide_reception(state, VisitFacts(), tomorrow_now)
    assert decision.receiver_id == "A"
    with pytest.raises(RotationError) as caught:
        lift_suspension(state, "A")
    assert caught.value.code == "NOT_SUSPENDED"


def test_RE_5_another_standing_ruling_keeps_its_suspension():
    tomorrow = DAY + timedelta(days=1)
    state = start_day(ORDER, tomorrow, suspended={"A": tomorrow + timedelta(days=1)})
    reason, state = lift_suspension(state, "A", still_until=tomorrow)
    assert state.status_of("A") is S.SUSPENDED
    assert state.suspended_until("A") == tomorrow
    assert "keeps them suspended" in reason.message


def test_RE_5_revoked_before_the_suspension_starts_leaves_nothing_for_tomorrow():
    state = apply_suspension(day(), order_grabbing("A", "C", DAY))
    _, state = lift_suspension(state, "A")
    assert state.status_of("A") is S.AVAILABLE
    tomorrow = start_day(ORDER, DAY + timedelta(days=1), suspended=dict(state.suspensions))
    assert tomorrow.status_of("A") is S.AVAILABLE


def test_RE_5_suspension_only_comes_from_a_ruling():
    with pytest.raises(RotationError) as caught:
        mark(day(), "A", S.SUSPENDED)
    assert caught.value.code == "SUSPENSION_NEEDS_RULING"
    with pytest.raises(RotationError):
        order_grabbing("A", "A", DAY)


def test_RE_5_suspended_salesperson_still_receives_a_customer_who_names_them():
    state = start_day(ORDER, DAY, suspended={"B": DAY})
    decision, state = arrive(state, named_staff_id="B")
    assert (decision.receiver_id, decision.reason.rule) == ("B", "RE-5")
    assert next_receiver(state) == "A"


def test_RE_5_deal_after_a_ruled_grab_goes_to_the_named_salesperson():
    register = [
        RegisterEntry("A", "cust-9", at(10), named_staff_id="C", grabbed=True),
        RegisterEntry("C", "cust-9", at(15)),
    ]
    credit = credit_for_deal(register, "cust-9", at(17))
    assert credit.staff_id == "C"
    assert credit.entry == register[0]
    assert credit.reason.rule == "RE-5"


# RE-6 -----------------------------------------------------------------------------------


def test_RE_6_returning_customer_goes_to_the_original_salesperson():
    _, state = walk_ins(day(), 2)
    assert next_receiver(state) == "C"

    decision, state = arrive(state, original_staff_id="A", first_visit=False)

    assert decision.receiver_id == "A"
    assert decision.reason.rule == "RE-6"
    assert "uses their turn" in decision.reason.message
    assert decision.counted and not decision.new_registration
    assert counts(state) == {"A": 2, "B": 1, "C": 0, "D": 0}
    assert next_receiver(state) == "C"
    # Revised 2026-12-01 (seed 001 篇5 9: 按顺序轮下一位): the reception used A's turn, so the
    # next time the rotation reaches A they are passed over once (it used not to move).
    assert state.passes_owed == ("A",)
    assert current_order(state) == ("C", "D", "B", "A")

    receivers, state = walk_ins(state, 3)
    assert receivers == ["C", "D", "B"]
    assert state.passes_owed == ()
    assert counts(state) == {"A": 2, "B": 2, "C": 1, "D": 1}


def test_RE_6_the_pass_is_a_skip_naming_RE_6_without_make_up():
    state = day()
    decision, state = arrive(state, original_staff_id="A", first_visit=False)
    assert next_receiver(state) == "B"
    decision, state = arrive(state)
    assert decision.receiver_id == "B"
    [skip] = decision.skipped
    assert (skip.staff_id, skip.reason.rule) == ("A", "RE-6")
    assert "passed over once" in skip.reason.message
    assert state.make_up_queue == ()
    assert counts(state) == {"A": 1, "B": 1, "C": 0, "D": 0}
    # After the pass, A takes the next turn that reaches them.
    receivers, state = walk_ins(state, 3)
    assert receivers == ["C", "D", "A"]


def test_RE_6_two_returning_customers_use_two_turns():
    state = day(("A", "B"))
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    assert state.passes_owed == ("A", "A")
    receivers, state = walk_ins(state, 3)
    assert receivers == ["B", "B", "A"]


def test_RE_6_passed_salesperson_alone_available_still_receives():
    state = day(("A", "B"))
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    state = mark(state, "B", S.COMPANY_BUSINESS)
    decision, state = arrive(state)
    assert decision.receiver_id == "A"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [
        ("A", "RE-6"),
        ("B", "RE-2"),
    ]
    assert state.passes_owed == ()
    assert state.make_up_queue == ("B",)


def test_RE_6_two_passes_owed_and_everyone_else_busy_still_receives():
    """RE-6 never leaves a walk-in unreceived: A owes two passes (two returning customers of
    their own), B is away on company business — A is passed over twice (both passes used, each
    naming RE-6) and receives; before the fix the pick gave up after two rounds."""
    state = day(("A", "B"))
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    assert state.passes_owed == ("A", "A")
    state = mark(state, "B", S.COMPANY_BUSINESS)
    decision, state = arrive(state)
    assert decision.receiver_id == "A"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [
        ("A", "RE-6"),
        ("B", "RE-2"),
        ("A", "RE-6"),
    ]
    assert state.passes_owed == ()
    assert state.make_up_queue == ("B",)


def test_RE_6_pass_while_serving_that_customer_is_one_skip_not_two():
    # Seed 000 篇三 7: 若該接待銷售員的為未成交老客戶,則由下一個位接待,該則計一次接待任務.
    state = day()
    _, state = arrive(state, original_staff_id="A", first_visit=False)
    state = mark(state, "A", S.SERVING_OLD_CUSTOMER)
    _, state = arrive(state)
    assert state.passes_owed == ()
    state = mark(state, "A", S.AVAILABLE)
    receivers, state = walk_ins(state, 3)
    assert receivers == ["C", "D", "A"]
    assert state.make_up_queue == ()


def test_RE_6_suspended_original_receives_without_a_pass():
    state = start_day(ORDER, DAY, suspended={"A": DAY})
    decision, state = arrive(state, original_staff_id="A", first_visit=False)
    assert decision.receiver_id == "A" and decision.counted
    assert state.passes_owed == ()


def test_RE_6_passes_survive_storage():
    _, state = arrive(day(), original_staff_id="C", first_visit=False)
    stored = json.loads(json.dumps(state.to_json()))
    assert RotationState.from_json(stored) == state
    older = dict(stored)
    older.pop("passes_owed")
    assert RotationState.from_json(older).passes_owed == ()
    with pytest.raises(RotationError) as caught:
        replace(state, passes_owed=("Z",))
    assert caught.value.code == "INVALID_ROTATION_STATE"


def test_RE_6_original_busy_last_in_current_order_assists_uncounted():
    _, state = walk_ins(day(), 2)
    state = mark(state, "A", S.RECEIVING)
    assert current_order(state) == ("C", "D", "A", "B")

    decision, after = arrive(state, original_staff_id="A", first_visit=False)

    assert decision.receiver_id == "B"
    assert decision.reason.rule == "RE-6"
    assert not decision.counted and not decision.new_registration
    assert after.passes_owed == ()
    [inform] = decision.notifications
    assert inform.kind == "inform_original_salesperson" and inform.rule == "RE-6"
    assert "tell A afterwards" in inform.message
    assert after == state
    assert next_receiver(after) == "C"


def test_RE_6_original_not_working_today_assists_uncounted():
    state = mark(day(), "D", S.COMPANY_BUSINESS)
    decision, after = arrive(state, original_staff_id="Z", first_visit=False)
    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-6"
    assert not decision.counted
    assert after == state


# RE-7 -----------------------------------------------------------------------------------


def test_RE_7_named_contact_absent_on_first_visit_is_received_in_rotation():
    state = mark(day(), "D", S.COMPANY_BUSINESS)

    decision, state = arrive(state, named_staff_id="D", first_visit=True)

    assert decision.receiver_id == "A"
    assert decision.reason.rule == "RE-7"
    assert decision.counted and decision.new_registration
    assert next_receiver(state) == "B"


def test_RE_7_claimed_contact_not_here_without_a_name_is_received_in_rotation():
    decision, state = arrive(day(), claims_prior_contact_absent=True)
    assert (decision.receiver_id, decision.reason.rule) == ("A", "RE-7")
    assert decision.counted
    assert next_receiver(state) == "B"


def test_RE_7_contact_absent_on_a_repeat_visit_is_assisted_not_a_new_customer():
    state = day(on_leave=["D"])
    decision, after = arrive(state, named_staff_id="D", first_visit=False)
    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-6"
    assert not decision.counted and not decision.new_registration
    assert after == state


def test_RE_7_never_contacted_anyone_is_a_new_customer():
    decision, _ = arrive(day())
    assert (decision.receiver_id, decision.reason.rule) == ("A", "RE-1")
    assert decision.new_registration


# RE-8 -----------------------------------------------------------------------------------


def test_RE_8_declared_surveyor_goes_to_the_last_in_order_uncounted():
    _, state = walk_ins(day(), 1)
    assert current_order(state) == ("B", "C", "D", "A")

    decision, after = arrive(state, visitor_kind=VisitorKind.MARKET_SURVEYOR)

    assert decision.receiver_id == "A"
    assert decision.reason.rule == "RE-8"
    assert not decision.counted and not decision.new_registration
    assert after == state
    assert next_receiver(after) == "B"


def test_RE_8_declared_surveyor_skips_a_busy_last_in_order():
    _, state = walk_ins(day(), 1)
    state = mark(state, "A", S.RECEIVING)
    decision, _ = arrive(state, visitor_kind=VisitorKind.MARKET_SURVEYOR)
    assert (decision.receiver_id, decision.reason.rule) == ("D", "RE-8")


def test_RE_8_undeclared_surveyor_counts_as_a_new_customer():
    decision, state = arrive(day(), visitor_kind=VisitorKind.CUSTOMER)
    assert (decision.receiver_id, decision.reason.rule) == ("A", "RE-1")
    assert counts(state)["A"] == 1


def test_RE_8_surveyor_confirmed_with_manager_is_uncounted_and_made_up():
    _, state = walk_ins(day(), 2)

    reason, state = discount_surveyor(state, "B", NOW)

    assert reason.rule == "RE-8"
    assert counts(state) == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert state.make_up_queue == ("B",)
    decision, state = arrive(state)
    assert (decision.receiver_id, decision.reason.rule) == ("B", "RE-2")
    assert decision.made_up_turn
    assert next_receiver(state) == "C"


def test_RE_8_nothing_to_discount_without_a_counted_reception():
    with pytest.raises(RotationError) as caught:
        discount_surveyor(day(), "C", NOW)
    assert caught.value.code == "NOTHING_TO_DISCOUNT"


# RE-9 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("party", [*RelatedParty, None])
def test_RE_9_related_party_is_treated_like_a_surveyor(party: RelatedParty | None):
    _, state = walk_ins(day(), 2)

    decision, after = arrive(state, visitor_kind=VisitorKind.RELATED_PARTY, related_party=party)

    assert decision.receiver_id == "B"
    assert decision.reason.rule == "RE-9"
    if party is not None:
        assert party.value.replace("_", " ") in decision.reason.message
    assert not decision.counted and not decision.new_registration
    assert after == state


# RE-10 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [VisitorKind.DIRECTIONS, VisitorKind.LOOKING_FOR_SOMEONE])
def test_RE_10_passer_by_is_helped_by_whoever_is_free_uncounted(kind: VisitorKind):
    state = mark(day(), "A", S.RECEIVING)

    decision, after = arrive(state, visitor_kind=kind)

    assert decision.receiver_id == "B"
    assert decision.reason.rule == "RE-10"
    assert not decision.counted and not decision.new_registration
    assert decision.skipped == ()
    assert after == state
    assert after.make_up_queue == ()


# RE-11 ----------------------------------------------------------------------------------


def test_RE_11_family_member_belongs_to_the_salesperson_who_received_them_first():
    _, state = walk_ins(day(), 1)

    decision, state = arrive(state, original_staff_id="C", same_group_as_existing=True)

    assert decision.receiver_id == "C"
    assert decision.reason.rule == "RE-11"
    assert "company or family group C received first" in decision.reason.message
    assert "returning customer" not in decision.reason.message
    assert decision.counted and not decision.new_registration
    assert next_receiver(state) == "B"


def test_RE_11_family_member_with_owner_away_is_assisted_uncounted():
    state = mark(day(), "C", S.PRIVATE_AWAY)
    decision, after = arrive(state, original_staff_id="C", same_group_as_existing=True)
    assert decision.receiver_id == "D"
    assert decision.reason.rule == "RE-11"
    # The sentence names RE-11 too, not RE-6 (revised 2026-12-01).
    assert decision.reason.message.endswith("(RE-11).")
    assert "RE-6" not in decision.reason.message
    assert not decision.counted
    assert after == state


def test_RE_11_group_member_needs_the_groups_owner():
    with pytest.raises(ValueError, match="RE-11"):
        VisitFacts(same_group_as_existing=True)
    with pytest.raises(ValueError, match="RE-9"):
        VisitFacts(related_party=RelatedParty.DEVELOPER)


def test_RE_11_deal_with_a_family_is_credited_to_whoever_registered_it_first():
    register = [
        RegisterEntry("C", "family-wang", at(11)),
        RegisterEntry("B", "family-wang", at(9, 30)),
        RegisterEntry("A", "family-li", at(9)),
    ]
    credit = credit_for_deal(register, "family-wang", at(16))
    assert credit.staff_id == "B"
    assert credit.entry == register[1]
    assert credit.reason.rule == "RE-13"
    assert "RE-11" in credit.reason.message


# RE-12 ----------------------------------------------------------------------------------


def test_RE_12_new_customer_brought_by_an_old_one_goes_in_rotation():
    _, state = walk_ins(day(), 1)
    decision, state = arrive(state, brought_by_existing_customer=True)
    assert (decision.receiver_id, decision.reason.rule) == ("B", "RE-12")
    assert decision.counted and decision.new_registration
    assert next_receiver(state) == "C"


def test_RE_12_brought_customer_who_names_someone_goes_to_them():
    decision, state = arrive(day(), brought_by_existing_customer=True, named_staff_id="D")
    assert (decision.receiver_id, decision.reason.rule) == ("D", "RE-12")
    assert decision.counted
    assert next_receiver(state) == "A"


# RE-13 ----------------------------------------------------------------------------------


def test_RE_13_deal_is_credited_by_name_and_time_in_the_register():
    register = [
        RegisterEntry("B", "cust-1", at(14)),
        RegisterEntry("A", "cust-1", at(10)),
        RegisterEntry("C", "cust-1", at(18)),
    ]
    assert credit_for_deal(register, "cust-1", at(17)).staff_id == "A"
    # Entries after the deal cannot claim it.
    late = credit_for_deal(register[2:], "cust-1", at(17))
    assert late.staff_id is None and late.reason.rule == "RE-13"


def test_RE_13_an_earlier_phone_entry_is_credited_like_a_walk_in():
    # Revised 2026-12-01: phone entries are in the register and credit goes by name and time
    # (it used to prefer the later walk-in, crediting the closer).
    register = [
        RegisterEntry("A", "cust-2", at(9), channel=Channel.PHONE),
        RegisterEntry("B", "cust-2", at(11)),
    ]
    credit = credit_for_deal(register, "cust-2", at(12))
    assert credit.staff_id == "A" and credit.entry == register[0]
    assert credit.reason.rule == "RE-13"
    assert "by phone at" in credit.reason.message
    later_phone = [
        RegisterEntry("B", "cust-2", at(9)),
        RegisterEntry("A", "cust-2", at(10), channel=Channel.PHONE),
    ]
    credit = credit_for_deal(later_phone, "cust-2", at(12))
    assert credit.staff_id == "B" and "at the office at" in credit.reason.message


def test_RE_13_an_entry_uncounted_by_a_correction_earns_no_credit():
    register = [
        RegisterEntry("A", "cust-5", at(9), uncounted=True),
        RegisterEntry("B", "cust-5", at(11)),
    ]
    credit = credit_for_deal(register, "cust-5", at(12))
    assert credit.staff_id == "B" and credit.entry == register[1]
    assert "as corrected" in credit.reason.message
    nobody = credit_for_deal(register[:1], "cust-5", at(12))
    assert nobody.staff_id is None and nobody.reason.rule == "RE-13"


def test_RE_13_equal_registration_times_go_to_the_entry_listed_first():
    register = [RegisterEntry("D", "cust-3", at(9)), RegisterEntry("A", "cust-3", at(9))]
    assert credit_for_deal(register, "cust-3", at(10)).staff_id == "D"


def test_RE_13_register_times_must_be_timezone_aware():
    with pytest.raises(RotationError):
        RegisterEntry("A", "cust-4", datetime(2025, 3, 3, 9, 0))
    with pytest.raises(ValueError):
        RegisterEntry("A", "cust-4", at(9), grabbed=True)


def test_RE_13_phone_inquiries_are_answered_in_turn_and_leave_the_walk_in_rotation():
    state = day()

    decision, state = arrive(state, channel=Channel.PHONE)
    assert (decision.receiver_id, decision.reason.rule) == ("A", "RE-13")
    assert not decision.counted and decision.new_registration
    decision, state = arrive(state, channel=Channel.PHONE)
    assert decision.receiver_id == "B"

    decision, state = arrive(state, channel=Channel.PHONE, named_staff_id="D")
    assert decision.receiver_id == "D"
    assert state.phone_next_index == 2

    assert next_receiver(state) == "A"
    assert counts(state) == {"A": 0, "B": 0, "C": 0, "D": 0}


# RE-14 ----------------------------------------------------------------------------------


def test_RE_14_three_units_at_once_is_reported_to_the_sales_manager():
    decision, _ = arrive(day(), units_requested=3)
    assert decision.receiver_id == "A"
    [report] = decision.notifications
    assert report.kind == "report_bulk_purchase"
    assert report.rule == "RE-14"
    assert "A must report to the sales manager" in report.message

    decision, _ = arrive(day(), units_requested=2)
    assert decision.notifications == ()


def test_RE_14_threshold_comes_from_policy_and_applies_to_named_customers():
    policy = RealEstatePolicy.from_overrides({"bulk_units_threshold": 5})
    facts = VisitFacts(named_staff_id="B", units_requested=4)
    decision, _ = decide_reception(day(), facts, NOW, policy=policy)
    assert [n.kind for n in decision.notifications] == ["tell_named_salesperson"]

    decision, _ = decide_reception(day(), replace(facts, units_requested=5), NOW, policy=policy)
    assert [n.kind for n in decision.notifications] == [
        "tell_named_salesperson",
        "report_bulk_purchase",
    ]


# RE-15 ----------------------------------------------------------------------------------


def test_RE_15_repeat_walk_in_without_a_known_salesperson_counts_and_moves_on():
    decision, state = arrive(day(), first_visit=False)
    assert (decision.receiver_id, decision.reason.rule) == ("A", "RE-15")
    assert decision.counted
    assert next_receiver(state) == "B"


def test_RE_15_only_counted_walk_ins_move_the_rotation():
    state = day()
    _, state = arrive(state, visitor_kind=VisitorKind.DIRECTIONS)
    _, state = arrive(state, visitor_kind=VisitorKind.MARKET_SURVEYOR)
    _, state = arrive(state, named_staff_id="C")
    assert next_receiver(state) == "A"
    _, state = arrive(state)
    assert next_receiver(state) == "B"
    assert counts(state) == {"A": 1, "B": 0, "C": 1, "D": 0}


# Fairness of RE-1/RE-15 and RE-2 ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_RE_1_RE_15_counts_stay_within_one_when_everyone_is_available(seed: int):
    rng = random.Random(seed)
    order = tuple(f"s{i}" for i in range(rng.randint(2, 7)))
    state = start_day(order, DAY)
    uncounted = [
        VisitFacts(visitor_kind=VisitorKind.MARKET_SURVEYOR),
        VisitFacts(visitor_kind=VisitorKind.RELATED_PARTY, related_party=RelatedParty.DEVELOPER),
        VisitFacts(visitor_kind=VisitorKind.DIRECTIONS),
        VisitFacts(channel=Channel.PHONE),
    ]
    counted_walk_ins = [
        VisitFacts(),
        VisitFacts(first_visit=False),
        VisitFacts(brought_by_existing_customer=True),
        VisitFacts(claims_prior_contact_absent=True),
    ]
    for _ in range(1500):
        pool = counted_walk_ins if rng.random() < 0.7 else uncounted
        decision, state = decide_reception(state, rng.choice(pool), NOW)
        assert decision.receiver_id is not None
    spread = counts(state)
    assert max(spread.values()) - min(spread.values()) <= 1
    assert sum(spread.values()) > 0


@pytest.mark.parametrize("seed", range(20))
def test_RE_2_make_up_turns_keep_the_rotation_fair_through_busy_spells(seed: int):
    rng = random.Random(seed)
    order = tuple(f"s{i}" for i in range(rng.randint(2, 6)))
    state = start_day(order, DAY)
    # RE-3: a private absence counts the turn as a reception, so it keeps the fairness too.
    busy = [S.RECEIVING, S.AFTER_SALE, S.BUSINESS_CALL, S.COMPANY_BUSINESS, S.PRIVATE_AWAY]
    for _ in range(1000):
        staff = rng.choice(order)
        state = mark(state, staff, rng.choice([S.AVAILABLE, S.AVAILABLE, *busy]))
        _, state = arrive(state)
        # Turns that came round = receptions + make-ups still owed (RE-2).
        owed = {staff: state.make_up_queue.count(staff) for staff in order}
        turns = [state.count_of(staff) + owed[staff] for staff in order]
        assert max(turns) - min(turns) <= 1
    for staff in order:
        state = mark(state, staff, S.AVAILABLE)
    while state.make_up_queue:
        _, state = arrive(state)
    spread = counts(state)
    assert max(spread.values()) - min(spread.values()) <= 1


# State storage and policy -------------------------------------------------------------------


def test_RE_1_rotation_state_round_trips_through_json():
    state = day(on_leave=["D"], suspended={"C": DAY + timedelta(days=1)})
    state = mark(state, "A", S.BUSINESS_CALL)
    _, state = arrive(state)
    _, state = arrive(state, channel=Channel.PHONE)

    stored = json.loads(json.dumps(state.to_json()))

    assert RotationState.from_json(stored) == state
    assert stored["make_up_queue"] == ["A"]
    assert stored["statuses"]["C"] == "suspended"
    assert stored["suspensions"] == {"C": "2025-03-04"}


def test_RE_1_malformed_stored_state_is_refused():
    stored = day().to_json()
    with pytest.raises(RotationError) as caught:
        RotationState.from_json({**stored, "version": 99})
    assert caught.value.code == "INVALID_ROTATION_STATE"
    with pytest.raises(RotationError) as caught:
        RotationState.from_json({**stored, "statuses": {"A": "available"}})
    assert caught.value.code == "INVALID_ROTATION_STATE"
    with pytest.raises(RotationError):
        RotationState.from_json({**stored, "next_index": 7})


def test_RE_5_RE_14_policy_overrides_reject_unknown_keys():
    with pytest.raises(ValueError, match="suspension_dayz"):
        RealEstatePolicy.from_overrides({"suspension_dayz": 2})
    with pytest.raises(ValueError):
        RealEstatePolicy.from_overrides({"suspension_days": 0})
    with pytest.raises(ValueError):
        RealEstatePolicy(suspension_days=2)  # the table still says 1 day


def test_RE_5_C_14_penalty_table_is_policy_data():
    table = penalty_table(DEFAULT_POLICY)
    # The line's own table is RE-5 only: C-14's entries belong to core (issue 7).
    assert [(spec.code, spec.rule, spec.kind) for spec in table] == [
        ("RE-5", "RE-5", "suspension"),
    ]
    policy = RealEstatePolicy.from_overrides(
        {
            "penalties": [
                {
                    "code": "RE-5",
                    "rule": "RE-5",
                    "title": "抢单",
                    "kind": "suspension",
                    "min_amount": "1",
                    "max_amount": "1",
                },
                {
                    "code": "C-14-staff",
                    "rule": "C-14",
                    "title": "Service fine",
                    "kind": "fine",
                    "min_amount": "300",
                    "max_amount": "800",
                },
                MANAGER_FINE,
            ]
        }
    )
    assert policy.penalty("C-14-staff").max_amount == Decimal(800)
    # Stored C-14 entries are bound overrides handed to core, not table entries of the line.
    assert [spec.code for spec in penalty_table(policy)] == ["RE-5"]
    assert c14_bounds_overrides(policy) == {
        "C-14-staff": (Decimal(300), Decimal(800)),
        "C-14-manager": (Decimal(100), Decimal(500)),
    }


MANAGER_FINE = {
    "code": "C-14-manager",
    "rule": "C-14",
    "title": "Manager fine",
    "kind": "fine",
    "min_amount": "100",
    "max_amount": "500",
}


def test_RE_5_C_14_bounds_overrides_are_C_14_fines_and_RE_5_follows_suspension_days():
    # C-14 belongs to core (issue 7): the line's table may leave it out entirely...
    assert RealEstatePolicy.from_overrides({"penalties": [MANAGER_FINE]})
    # ...and what it stores for C-14 must be one of its two fines, as fines.
    with pytest.raises(ValueError, match="C-14 entries belong to core"):
        RealEstatePolicy.from_overrides({"penalties": [{**MANAGER_FINE, "code": "C-14-x"}]})
    with pytest.raises(ValueError, match="C-14-manager"):
        RealEstatePolicy.from_overrides(
            {
                "penalties": [
                    {**MANAGER_FINE, "code": "C-14-staff"},
                    {**MANAGER_FINE, "kind": "points"},
                ]
            }
        )
    # RE-5's entry is derived from suspension_days when the table leaves it out.
    policy = RealEstatePolicy.from_overrides(
        {"suspension_days": 3, "penalties": [{**MANAGER_FINE, "code": "C-14-staff"}, MANAGER_FINE]}
    )
    assert policy.penalty("RE-5").min_amount == policy.penalty("RE-5").max_amount == Decimal(3)
    # Numbers stay meaningful: at most 30 days' suspension, 1000 units.
    with pytest.raises(ValueError, match="from 1 to 30"):
        RealEstatePolicy.from_overrides({"suspension_days": 10**7})
    with pytest.raises(ValueError, match="from 1 to 1000"):
        RealEstatePolicy.from_overrides({"bulk_units_threshold": 5000})


# Issue 11 (test strength): every decision's flags and sentence, the "nobody available"
# branches, the exact edges — what mutation testing found unguarded.


def flags(decision) -> tuple[object, object, object]:
    """(counted, new_registration, made_up_turn), compared exactly (True/False, not truthy)."""
    return decision.counted, decision.new_registration, decision.made_up_turn


def busy(state: RotationState, *staff: str) -> RotationState:
    for person in staff:
        state = mark(state, person, S.RECEIVING)
    return state


def call(state: RotationState, **facts: object):
    return arrive(state, channel=Channel.PHONE, **facts)


def test_RE_13_a_call_for_a_free_salesperson_is_theirs_and_counts_nothing():
    decision, after = call(day(), named_staff_id="C")
    assert decision.receiver_id == "C"
    assert flags(decision) == (False, True, False)  # a new caller is registered
    assert decision.reason.rule == "RE-13"
    assert decision.reason.message == (
        "The caller asks for or belongs to C, who takes the call; a phone inquiry is "
        "registered but does not move the walk-in rotation."
    )
    assert after == day()
    returning, _ = call(day(), original_staff_id="C", first_visit=False)
    assert (returning.receiver_id, flags(returning)) == ("C", (False, False, False))
    surveyor, _ = call(day(), named_staff_id="C", visitor_kind=VisitorKind.MARKET_SURVEYOR)
    assert (surveyor.receiver_id, flags(surveyor)) == ("C", (False, False, False))


def test_RE_13_a_call_for_a_busy_salesperson_goes_to_the_phone_turn():
    decision, _ = call(busy(day(), "C"), named_staff_id="C")
    assert decision.receiver_id == "A"
    assert decision.reason.message == (
        "A answers the call in the phone turn (按顺序轮流接听电话); a phone inquiry is "
        "registered but does not move the walk-in rotation."
    )
    assert flags(decision) == (False, True, False)


def test_RE_13_the_phone_turn_passes_to_the_next_free_salesperson_in_order():
    decision, after = call(busy(day(), "A"))
    assert decision.receiver_id == "B"
    assert after.phone_next_index == 2
    # A non-customer call registers nobody and keeps the phone turn.
    surveyor, kept = call(day(), visitor_kind=VisitorKind.MARKET_SURVEYOR)
    assert (surveyor.receiver_id, flags(surveyor)) == ("A", (False, False, False))
    assert kept.phone_next_index == 0


def test_RE_1_RE_13_nobody_free_for_a_call_says_who_is_where():
    state = busy(day(("A", "B")), "A")
    state = mark(state, "B", S.PRIVATE_AWAY)
    decision, after = call(state)
    assert (decision.receiver_id, flags(decision)) == (None, (False, False, False))
    assert decision.reason == Reason(
        "RE-1",
        "Nobody in today's rotation is available to receive the phone call (A: receiving "
        "another customer, B: away for a private reason); the sales manager must assign "
        "someone.",
    )
    assert after == state
    assert next_receiver(state) is None


@pytest.mark.parametrize("kind", [VisitorKind.DIRECTIONS, VisitorKind.LOOKING_FOR_SOMEONE])
def test_RE_10_a_passer_by_with_nobody_free_is_for_the_sales_manager(kind: VisitorKind):
    decision, _ = arrive(busy(day(("A",)), "A"), visitor_kind=kind)
    assert (decision.receiver_id, flags(decision)) == (None, (False, False, False))
    assert decision.reason.message.startswith(
        "Nobody in today's rotation is available to receive the visitor (A: receiving"
    )
    helped, _ = arrive(day(), visitor_kind=kind)
    assert flags(helped) == (False, False, False)
    assert helped.reason == Reason(
        "RE-10",
        "Asking directions or looking for someone is not a reception: A helps; not counted "
        "and the rotation does not move.",
    )


def test_RE_8_RE_9_the_last_in_order_receives_and_it_is_said_who_they_are():
    surveyor, _ = arrive(day(), visitor_kind=VisitorKind.MARKET_SURVEYOR)
    assert flags(surveyor) == (False, False, False)
    assert surveyor.reason == Reason(
        "RE-8",
        "A declared market surveyor from a competitor (同行市调) is received by D, last in the "
        "current order; not counted and the rotation does not move.",
    )
    agency, _ = arrive(
        day(), visitor_kind=VisitorKind.RELATED_PARTY, related_party=RelatedParty.AD_AGENCY
    )
    assert agency.reason.message.startswith("A visitor from a related party (ad agency) is")
    nobody, _ = arrive(busy(day(("A",)), "A"), visitor_kind=VisitorKind.MARKET_SURVEYOR)
    assert (nobody.receiver_id, flags(nobody)) == (None, (False, False, False))
    assert "to receive the visitor (" in nobody.reason.message


def test_RE_1_the_rotation_decision_says_it_counts_and_moves_on():
    decision, _ = arrive(day())
    assert flags(decision) == (True, True, False)
    assert decision.skipped == ()
    assert decision.reason == Reason(
        "RE-1",
        "A is next in the rotation order and receives the new customer; it counts as one "
        "reception and the rotation moves on (RE-15).",
    )
    nobody, _ = arrive(busy(day(("A",)), "A"))
    assert nobody.reason.message.startswith(
        "Nobody in today's rotation is available to receive the new customer ("
    )


def test_RE_2_the_make_up_turn_is_taken_without_skipping_anyone():
    state = busy(day(), "A")
    _, state = arrive(state)  # B receives, A is owed
    state = mark(state, "A", S.AVAILABLE)
    decision, _ = arrive(state)
    assert decision.receiver_id == "A"
    assert flags(decision) == (True, True, True)
    assert decision.skipped == ()
    assert decision.reason == Reason(
        "RE-2",
        "A was skipped earlier while busy and takes the make-up turn owed (补接) before the "
        "normal order goes on; the customer is received in rotation (RE-1).",
    )


def test_RE_2_RE_6_a_busy_salesperson_is_owed_once_when_the_round_wraps():
    # A is busy, B's returning customer used B's turn: B is passed over on the first round
    # and takes the customer on the second; A is skipped (and owed) once, not twice.
    state = replace(busy(day(("A", "B")), "A"), passes_owed=("B",))
    decision, after = arrive(state)
    assert decision.receiver_id == "B"
    assert [(s.staff_id, s.reason.rule) for s in decision.skipped] == [
        ("A", "RE-2"),
        ("B", "RE-6"),
    ]
    assert decision.skipped[0].reason.message == (
        "A was receiving another customer when their turn came: skipped and owed a make-up "
        "turn (补接)."
    )
    assert after.make_up_queue == ("A",)


def test_RE_4_RE_5_skips_of_staff_out_of_the_rotation_say_why():
    state = day(("A", "B", "C"), on_leave=["A"], suspended={"B": DAY})
    decision, _ = arrive(state)
    assert decision.receiver_id == "C"
    assert [s.reason for s in decision.skipped] == [
        Reason("RE-4", "A is on leave today and out of the rotation."),
        Reason("RE-5", "B is suspended from the rotation (停牌) until 2025-03-03."),
    ]


def test_RE_5_the_named_salesperson_is_told_by_whoever_is_on_turn():
    decision, _ = arrive(day(), named_staff_id="C")
    assert flags(decision) == (True, True, False)
    assert decision.reason == Reason(
        "RE-5",
        "The customer names C, who receives them (RE-5); it counts as one reception but is "
        "not a rotation turn, so the rotation order stays as it was.",
    )
    assert decision.notifications[0].message == (
        "A customer asks for C: A, on turn, must tell C at once; not telling them is "
        "order-grabbing (抢单), 1 day(s) out of the rotation."
    )
    # Named the one on turn (or nobody is on turn): the front desk tells them.
    own_turn, _ = arrive(day(), named_staff_id="A")
    assert own_turn.notifications[0].message.startswith(
        "A customer asks for A: The front desk must tell A at once;"
    )
    waiting, _ = arrive(busy(day(("A",)), "A"), named_staff_id="A", first_visit=False)
    assert flags(waiting) == (True, False, False)
    assert waiting.notifications[0].message.startswith("A customer asks for A: The front desk")
    assert waiting.notifications[1] == (
        "customer_waiting",
        "A is receiving another customer; the customer is waiting for them.",
        "RE-5",
    )


def test_RE_6_RE_11_the_own_salesperson_decisions_flags_and_sentences():
    returning, _ = arrive(day(), original_staff_id="B", first_visit=False)
    assert flags(returning) == (True, False, False)
    assert returning.reason.message.startswith(
        "The visitor is a returning customer registered by B, so B receives them;"
    )
    bought, _ = arrive(day(), original_staff_id="B", first_visit=False, has_bought=True)
    assert flags(bought) == (False, False, False)
    assert bought.reason == Reason(
        "RE-6",
        "The visitor is a returning customer registered by B and has already bought, so B "
        "gives after-sale service: not counted and their turn is not used (RE-2).",
    )
    assisted, _ = arrive(busy(day(), "B"), original_staff_id="B", first_visit=False)
    assert (assisted.receiver_id, flags(assisted)) == ("D", (False, False, False))
    nobody, _ = arrive(busy(day(("A", "B")), "A", "B"), original_staff_id="B")
    assert (nobody.receiver_id, flags(nobody)) == (None, (False, False, False))
    assert nobody.reason.message.startswith(
        "Nobody in today's rotation is available to receive a returning customer registered "
        "by B (A: receiving"
    )


def test_RE_7_a_repeat_visitor_asking_for_someone_absent_is_their_customer():
    decision, _ = arrive(day(("A", "B")), named_staff_id="Z", first_visit=False)
    assert (decision.receiver_id, flags(decision)) == ("B", (False, False, False))
    assert decision.notifications[0].message.startswith("B assisted Z's customer; tell Z")


def test_RE_1_the_business_day_starts_at_its_exact_instant():
    policy = RealEstatePolicy.from_overrides({"business_day_starts_at": "04:00"})
    assert business_date_for(at(4, 0), policy) == DAY
    assert business_date_for(at(4, 0) - timedelta(microseconds=1), policy) == DAY - timedelta(1)
    assert business_date_for(at(0, 0)) == DAY


def test_RE_1_naive_times_are_named():
    with pytest.raises(RotationError, match=r"^now must be timezone-aware, got 2025-03-03"):
        business_date_for(datetime(2025, 3, 3, 10))
    with pytest.raises(RotationError, match=r"^deal_at must be timezone-aware"):
        credit_for_deal([], "k", datetime(2025, 3, 3, 10))
    with pytest.raises(RotationError, match=r"^registered_at must be timezone-aware"):
        RegisterEntry("A", "k", datetime(2025, 3, 3, 10))

    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> None:
            return None

    with pytest.raises(RotationError, match="timezone-aware"):
        business_date_for(datetime(2025, 3, 3, 10, tzinfo=NoOffset()))


def test_RE_1_another_business_day_says_which():
    with pytest.raises(RotationError) as caught:
        decide_reception(day(), VisitFacts(), NOW + timedelta(days=1))
    assert caught.value.message == (
        "This rotation is for 2025-03-03 but it is now business day 2025-03-04; start "
        "today's rotation first (RE-1)."
    )
    assert str(caught.value) == caught.value.message


def test_RE_13_an_entry_at_the_instant_of_the_deal_counts():
    entry = RegisterEntry("A", "k", NOW)
    assert credit_for_deal([entry], "k", NOW).staff_id == "A"
    none = credit_for_deal([entry], "k", NOW - timedelta(microseconds=1))
    assert none == credit_for_deal([], "k", NOW)
    assert none.reason.message == (
        "The register has no entry for customer k before the deal; nobody can be credited "
        "until the register is corrected."
    )


def test_RE_13_RE_5_only_a_ruled_grab_moves_the_credit():
    # An entry that merely names someone (not a ruled grab) credits who registered it.
    named = RegisterEntry("A", "k", NOW, named_staff_id="B")
    assert credit_for_deal([named], "k", NOW).staff_id == "A"
    grabbed = RegisterEntry("A", "k", NOW, named_staff_id="B", grabbed=True)
    credit = credit_for_deal([grabbed], "k", NOW)
    assert credit.staff_id == "B"
    assert credit.reason.message == (
        "A registered customer k at 2025-03-03T10:00:00+08:00 by grabbing a customer who "
        "named B; the deal goes to B."
    )
    with pytest.raises(ValueError, match=r"^a grabbed register entry names the salesperson"):
        RegisterEntry("A", "k", NOW, grabbed=True)


def test_RE_5_rulings_keep_the_longest_suspension_and_say_so():
    long = order_grabbing("A", "B", DAY, RealEstatePolicy.from_overrides({"suspension_days": 3}))
    short = order_grabbing("A", "C", DAY)
    assert (short.grabber_id, short.named_staff_id, short.deal_credited_to) == ("A", "C", "C")
    assert short.reason.message == (
        "A received a customer who named C without telling them (抢单): suspended from the "
        "rotation (停牌) for 1 day(s) until 2025-03-04; any deal goes to C."
    )
    state = apply_suspension(apply_suspension(day(), long), short)
    assert state.suspended_until("A") == DAY + timedelta(days=3)
    with pytest.raises(RotationError) as caught:
        order_grabbing("A", "A", DAY)
    assert (caught.value.code, caught.value.message) == (
        "NOT_ORDER_GRABBING",
        "A cannot grab a customer who named them (RE-5).",
    )


def test_RE_4_RE_5_RE_8_refusals_say_what_to_do():
    def refused(call, *args, **kwargs) -> tuple[str, str]:
        with pytest.raises(RotationError) as caught:
            call(*args, **kwargs)
        return caught.value.code, caught.value.message

    assert refused(set_status, day(), "A", S.SUSPENDED, NOW) == (
        "SUSPENSION_NEEDS_RULING",
        "A suspension comes only from an order-grabbing ruling (RE-5): use apply_suspension.",
    )
    suspended = day(suspended={"A": DAY})
    assert refused(set_status, suspended, "A", S.AVAILABLE, NOW) == (
        "STAFF_SUSPENDED",
        "A is suspended from the rotation until 2025-03-03 (RE-5); the status cannot change today.",
    )
    assert refused(start_day, ORDER, DAY, on_leave=["Z"]) == (
        "UNKNOWN_STAFF",
        "On leave but not in the day's order: ['Z'] (RE-4).",
    )
    assert refused(discount_surveyor, day(), "A", NOW) == (
        "NOTHING_TO_DISCOUNT",
        "A has no counted reception today to discount (RE-8).",
    )
    assert refused(lift_suspension, day(), "A") == (
        "NOT_SUSPENDED",
        "A has no order-grabbing suspension to lift (RE-5).",
    )
    assert refused(day().status_of, "Z") == (
        "UNKNOWN_STAFF",
        "Z is not in today's rotation order ['A', 'B', 'C', 'D'].",
    )
    _, counted = arrive(day())
    reason, _ = discount_surveyor(counted, "A", NOW)
    assert reason == Reason(
        "RE-8",
        "The visitor A received was confirmed with the sales manager as a market surveyor or "
        "unrelated visitor: the reception is not counted and A is owed a make-up turn (补接).",
    )


def test_RE_1_an_inconsistent_rotation_state_is_refused_with_its_code():
    good = day(("A", "B"))

    def refused(**changes: object) -> tuple[str, str]:
        with pytest.raises(RotationError) as caught:
            replace(good, **changes)
        return caught.value.code, caught.value.message

    assert refused(order=()) == ("EMPTY_ORDER", "The day's rotation order names nobody (RE-1).")
    assert refused(order=("A", "A")) == (
        "INVALID_ORDER",
        "The rotation order ['A', 'A'] repeats or has an empty staff id.",
    )
    assert refused(next_index=2) == ("INVALID_ROTATION_STATE", "next_index 2 is out of range")
    assert refused(phone_next_index=-1) == (
        "INVALID_ROTATION_STATE",
        "phone_next_index -1 is out of range",
    )
    assert refused(statuses=(("A", S.AVAILABLE),)) == (
        "INVALID_ROTATION_STATE",
        "statuses must list everyone in the order, in order",
    )
    assert refused(reception_counts=(("A", 0), ("B", -1))) == (
        "INVALID_ROTATION_STATE",
        "reception_counts must give a count >= 0 for everyone in the order, in order",
    )
    assert refused(make_up_queue=("Z",)) == (
        "INVALID_ROTATION_STATE",
        "make-up turns or passes owed to staff not in the order: ['Z']",
    )
    with pytest.raises(RotationError, match=r"^unsupported rotation state version 2$"):
        RotationState.from_json({**good.to_json(), "version": 2})
    with pytest.raises(RotationError, match=r"^stored rotation state is malformed: KeyError"):
        RotationState.from_json({"version": 1})
    with pytest.raises(ValueError, match=r"^units_requested must be >= 0, got -1$"):
        VisitFacts(units_requested=-1)
