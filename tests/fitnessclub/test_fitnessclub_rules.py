"""Fitness-club rules FC-1 … FC-23 (DOMAIN.md; seed 000 篇八) as pure functions.

Days count the sale's date as day 1 (DOMAIN *Decided*): a sale on 03-02 claimed through
03-08 is whole, 03-09 … 03-16 half, from 03-17 the closer's. Every boundary is tested on
both sides of the moment it flips (local midnight in the site's time zone).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fitness_facts import (
    MOBILE,
    NAMES,
    SALE_DAY,
    TZ,
    appt,
    at,
    claim,
    d,
    phone,
    sale,
    shares,
    sheet,
)

from plugins.fitnessclub.policy import DEFAULT_POLICY, FitnessClubPolicy
from plugins.fitnessclub.rules import (
    HALF,
    WHOLE,
    ChangeForm,
    FitnessRuleError,
    FollowUpSheet,
    Lead,
    LeadKind,
    Membership,
    Outcome,
    PartyClaimFacts,
    Phone,
    Question,
    ReceptionFacts,
    RegisterEntry,
    Signature,
    TrialVoucher,
    appointment_validity,
    claim_window,
    decide_change_form,
    decide_claim,
    decide_group_joiner,
    decide_party_claim,
    decide_reception,
    decide_renewal,
    follow_up_rights,
    follow_up_sheet_check,
    group_joiner_credit,
    may_take_over,
    month_change_check,
    month_close_check,
    not_receiving_finding,
    penalty_table,
    phone_validity,
    reception_questions_finding,
    renewal_price_cut_finding,
    sale_phone_findings,
    sheet_validity,
    steering_finding,
    unregistered_tour_finding,
)

EARLY_SHEET = sheet("wang", at(d(2, 20)))
MARCH_SHEET = sheet("wang", at(d(3, 15)))  # valid through 04-14


# FC-1 ------------------------------------------------------------------------------------


def test_FC_1_touring_without_a_register_entry_is_fined_50():
    finding = unregistered_tour_finding("zhao", registered=False)
    assert finding is not None
    assert finding.code == "FC-1" and finding.amount == Decimal(50)
    assert finding.reason.rule == "FC-1"
    assert "without a visitor register entry" in finding.reason.message
    assert unregistered_tour_finding("zhao", registered=True) is None


# FC-2 ------------------------------------------------------------------------------------


def test_FC_2_reception_not_asking_all_three_questions_is_fined_100():
    finding = reception_questions_finding("desk", [Question.LOOKING_FOR_SOMEONE])
    assert finding is not None and finding.amount == Decimal(100)
    assert finding.reason.rule == "FC-2"
    assert "been before" in finding.reason.message and "appointment" in finding.reason.message
    assert "looking for someone" not in finding.reason.message
    assert reception_questions_finding("desk", list(Question)) is None


# FC-3 ------------------------------------------------------------------------------------


def test_FC_3_a_follow_up_sheet_is_valid_for_one_month():
    made = sheet("wang", at(d(3, 10), 23, 30))
    ok = sheet_validity(made, d(4, 9), at(d(4, 9)), TZ)
    assert ok.ok and ok.reason.rule == "FC-3"
    assert "valid through 2026-04-09" in ok.reason.message
    late = sheet_validity(made, d(4, 10), at(d(4, 10)), TZ)
    assert not late.ok and late.reason.rule == "FC-3"
    assert "no longer counts on 2026-04-10" in late.reason.message


def test_FC_3_a_sheet_counts_from_its_local_date_not_utc():
    # 03-09 23:30 +08:00 is 03-09 15:30 UTC, and 03-10 00:30 +08:00 is still 03-09 UTC.
    made = sheet("wang", datetime(2026, 3, 10, 0, 30, tzinfo=TZ))
    assert sheet_validity(made, d(4, 9), at(d(4, 9)), TZ).ok
    assert not sheet_validity(made, d(3, 9), at(d(3, 9)), TZ).ok


def test_FC_3_month_end_sheet_is_clamped_to_the_shorter_month():
    made = sheet("wang", at(d(1, 31)))
    assert sheet_validity(made, d(2, 27), at(d(2, 27)), TZ).ok
    assert not sheet_validity(made, d(2, 28), at(d(2, 28)), TZ).ok


def test_FC_3_appointment_needs_a_signature_or_sms_and_counts_only_on_its_day():
    unsigned = appointment_validity(appt("wang", SALE_DAY, signature=Signature.NONE), SALE_DAY, [])
    assert not unsigned.ok and unsigned.reason.rule == "FC-3"
    assert "no signature" in unsigned.reason.message
    sms = appointment_validity(appt("wang", SALE_DAY, signature=Signature.SMS), SALE_DAY, [])
    assert sms.ok and sms.reason.rule == "FC-3"
    other_day = appointment_validity(appt("wang", SALE_DAY), SALE_DAY + timedelta(days=1), [])
    assert not other_day.ok
    assert "counts only on its day" in other_day.reason.message


def test_FC_3_the_earlier_appointment_entry_breaks_a_same_day_tie():
    same_day = at(SALE_DAY - timedelta(days=3))
    facts = claim(
        at(SALE_DAY, 18),
        sheets=(sheet("wang", same_day), sheet("zhao", same_day)),
        appointments=(
            appt("zhao", SALE_DAY, entered=at(SALE_DAY, 9)),
            appt("wang", SALE_DAY, entered=at(SALE_DAY, 9, 5)),
        ),
    )
    decision = decide_claim(facts)
    assert decision.outcome is Outcome.STAYS and shares(decision) == {"zhao": WHOLE}
    assert decision.reason.rule == "FC-23"
    assert "lists Zhao Min first" in decision.reason.message


# FC-4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "outcome", "expected"),
    [
        (at(d(3, 2), 16), Outcome.WHOLE, {"wang": WHOLE}),
        (at(d(3, 8), 23, 59), Outcome.WHOLE, {"wang": WHOLE}),
        (at(d(3, 9), 0, 0), Outcome.HALF, {"wang": HALF, "zhao": HALF}),
        (at(d(3, 16), 23, 59), Outcome.HALF, {"wang": HALF, "zhao": HALF}),
        (at(d(3, 17), 0, 0), Outcome.STAYS, {"zhao": WHOLE}),
    ],
)
def test_FC_4_claim_windows_flip_at_local_midnight(found, outcome, expected):
    decision = decide_claim(claim(found, sheets=(EARLY_SHEET,)))
    assert decision.outcome is outcome
    assert shares(decision) == expected
    assert decision.reason.rule == "FC-4"
    assert "Wang Li holds a valid follow-up sheet made 2026-02-20" in decision.reason.message


def test_FC_4_day_7_and_day_8_sentences():
    whole = decide_claim(claim(at(d(3, 8), 23, 59), sheets=(EARLY_SHEET,)))
    assert "found on day 7" in whole.reason.message
    assert "the whole sale goes to Wang Li" in whole.reason.message
    half = decide_claim(claim(at(d(3, 9)), sheets=(EARLY_SHEET,)))
    assert "found on day 8" in half.reason.message
    assert "half to Wang Li, half to Zhao Min" in half.reason.message
    stays = decide_claim(claim(at(d(3, 17)), sheets=(EARLY_SHEET,)))
    assert "found on day 16" in stays.reason.message
    assert "stays with Zhao Min" in stays.reason.message


def test_FC_4_windows_come_from_the_policy():
    policy = FitnessClubPolicy(whole_claim_days=3, half_claim_days=5)
    assert decide_claim(claim(at(d(3, 4)), sheets=(EARLY_SHEET,)), policy).outcome is Outcome.WHOLE
    assert decide_claim(claim(at(d(3, 5)), sheets=(EARLY_SHEET,)), policy).outcome is Outcome.HALF
    assert decide_claim(claim(at(d(3, 7)), sheets=(EARLY_SHEET,)), policy).outcome is Outcome.STAYS


def test_FC_4_an_expired_sheet_is_no_evidence():
    old = sheet("wang", at(d(1, 20)))  # valid through 02-19
    decision = decide_claim(claim(at(d(3, 2), 16), sheets=(old,)))
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-8"


def test_claims_on_own_sale_or_before_the_sale_are_errors():
    with pytest.raises(FitnessRuleError) as err:
        decide_claim(replace(claim(at(d(3, 3))), claimant="zhao"))
    assert err.value.code == "CLAIM_OWN_SALE"
    with pytest.raises(FitnessRuleError) as err:
        decide_claim(claim(at(d(3, 1))))
    assert err.value.code == "FOUND_BEFORE_SALE"
    with pytest.raises(FitnessRuleError) as err:
        decide_claim(claim(datetime(2026, 3, 3, 10)))
    assert err.value.code == "NAIVE_DATETIME"


# FC-5 ------------------------------------------------------------------------------------


def test_FC_5_illegible_altered_or_not_own_numbers_are_invalid():
    now = at(SALE_DAY)
    assert phone_validity(phone(), now).ok
    for bad, words in (
        (phone(legible=False), "illegible"),
        (phone(altered=True), "written over"),
        (phone(own=False), "not the customer's own"),
        (Phone("", MOBILE), "no surname"),
        (Phone("Liu", "1381234"), "not a full 11-digit"),
    ):
        verdict = phone_validity(bad, now)
        assert not verdict.ok and verdict.reason.rule == "FC-5"
        assert words in verdict.reason.message


def test_FC_5_unreachable_number_is_invalid_exactly_48_hours_after_the_first_failure():
    first = at(SALE_DAY, 9)
    p = phone(unreachable_since=first)
    within = phone_validity(p, first + timedelta(hours=48) - timedelta(seconds=1))
    assert within.ok and "grace" in within.reason.message
    over = phone_validity(p, first + timedelta(hours=48))
    assert not over.ok and over.reason.rule == "FC-5"
    assert "after the 48-hour grace it is invalid" in over.reason.message


def test_FC_5_a_sheet_with_an_invalid_number_cannot_claim():
    bad = FollowUpSheet("wang", "liu", phone(altered=True), at(d(2, 20)))
    verdict = sheet_validity(bad, SALE_DAY, at(SALE_DAY), TZ)
    assert not verdict.ok and verdict.reason.rule == "FC-5"
    decision = decide_claim(claim(at(d(3, 3)), sheets=(bad,)))
    assert decision.outcome is Outcome.STAYS and shares(decision) == {"zhao": WHOLE}


# FC-6 ------------------------------------------------------------------------------------


def test_FC_6_masked_appointment_needs_the_appointing_consultants_own_full_sheet():
    masked = appt("wang", SALE_DAY, number="138****5678")
    without = appointment_validity(masked, SALE_DAY, [])
    assert not without.ok and without.reason.rule == "FC-6"
    assert "no follow-up sheet with the full number" in without.reason.message
    colleagues = appointment_validity(masked, SALE_DAY, [sheet("zhao", at(d(2, 20)))])
    assert not colleagues.ok
    own = appointment_validity(masked, SALE_DAY, [sheet("wang", at(d(2, 20)))])
    assert own.ok and own.reason.rule == "FC-6"
    assert "own follow-up sheet holds the full number" in own.reason.message


# FC-7 ------------------------------------------------------------------------------------


def test_FC_7_unregistered_visitor_earlier_follow_up_wins_whole_with_no_deadline():
    unregistered = sale(registered=False)
    decision = decide_claim(claim(at(d(5, 20)), sale_=unregistered, sheets=(EARLY_SHEET,)))
    assert decision.outcome is Outcome.WHOLE and shares(decision) == {"wang": WHOLE}
    assert decision.reason.rule == "FC-7"
    assert "never registered" in decision.reason.message
    assert "no deadline" in decision.reason.message
    # The same claim on a registered visitor is refused across the month (FC-22).
    registered = decide_claim(claim(at(d(5, 20)), sheets=(EARLY_SHEET,)))
    assert registered.outcome is Outcome.REFUSED and registered.reason.rule == "FC-22"


def test_FC_7_survives_a_closed_month():
    decision = decide_claim(
        claim(at(d(4, 2)), sale_=sale(registered=False), sheets=(EARLY_SHEET,), month_closed=True)
    )
    assert decision.reason.rule == "FC-7" and decision.outcome is Outcome.WHOLE


def test_FC_7_needs_a_follow_up_earlier_than_the_closers():
    decision = decide_claim(
        claim(
            at(d(3, 3)),
            sale_=sale(registered=False),
            sheets=(sheet("wang", at(d(2, 25))), sheet("zhao", at(d(2, 21)))),
        )
    )
    assert decision.reason.rule == "FC-23" and decision.outcome is Outcome.STAYS


# FC-8 ------------------------------------------------------------------------------------


def test_FC_8_no_voucher_no_appointment_whoever_receives():
    reception = decide_reception(ReceptionFacts(receiver="zhao", names=NAMES))
    assert reception.consultant == "zhao" and reception.reason.rule == "FC-8"
    assert "whoever receives gets the customer, Zhao Min" in reception.reason.message
    decision = decide_claim(claim(at(d(3, 2), 16)))
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-8"
    assert shares(decision) == {"zhao": WHOLE}


def test_FC_8_to_FC_11_yield_to_a_valid_follow_up_sheet():
    reception = decide_reception(
        ReceptionFacts(receiver="zhao", sheet_holder="wang", voucher_consultant="chen")
    )
    assert reception.consultant == "wang" and reception.reason.rule == "FC-3"


# FC-9 ------------------------------------------------------------------------------------


def test_FC_9_knowingly_not_receiving_or_not_telling_is_fined_300():
    refused = not_receiving_finding("chen", True, received=False, told_colleague_or_desk=False)
    assert refused is not None and refused.amount == Decimal(300)
    assert refused.reason.rule == "FC-9" and "did not receive" in refused.reason.message
    silent = not_receiving_finding("chen", True, received=True, told_colleague_or_desk=False)
    assert silent is not None and "did not tell" in silent.reason.message
    assert not_receiving_finding("chen", True, True, True) is None
    assert not_receiving_finding("chen", False, False, False) is None


# FC-10 -----------------------------------------------------------------------------------


def test_FC_10_a_consultant_named_before_touring_gets_the_customer():
    reception = decide_reception(
        ReceptionFacts(receiver="zhao", named_consultant="wang", names=NAMES)
    )
    assert reception.consultant == "wang" and reception.reason.rule == "FC-10"
    assert reception.notify == "wang"
    entry = RegisterEntry("liu", "desk", at(SALE_DAY, 9), named_consultant="wang")
    decision = decide_claim(claim(at(d(3, 3)), register=(entry,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-10"
    assert "asked for Wang Li at the desk before touring" in decision.reason.message


def test_FC_10_a_name_suggested_by_staff_does_not_count():
    reception = decide_reception(
        ReceptionFacts(receiver="zhao", named_consultant="wang", named_by_staff=True)
    )
    assert reception.consultant == "zhao" and reception.reason.rule == "FC-8"
    assert "suggested by staff does not count" in reception.reason.message
    entry = RegisterEntry(
        "liu", "desk", at(SALE_DAY, 9), named_consultant="wang", named_by_staff=True
    )
    decision = decide_claim(claim(at(d(3, 3)), register=(entry,)))
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-10"
    assert "suggested by staff" in decision.reason.message


# FC-11 -----------------------------------------------------------------------------------


def test_FC_11_trial_voucher_belongs_to_its_consultant_who_is_notified():
    reception = decide_reception(
        ReceptionFacts(receiver="zhao", voucher_consultant="wang", names=NAMES)
    )
    assert reception.consultant == "wang" and reception.notify == "wang"
    assert reception.reason.rule == "FC-11"
    assert "reception tells Wang Li or their supervisor" in reception.reason.message
    voucher = TrialVoucher("wang", "liu", at(SALE_DAY, 9))
    decision = decide_claim(claim(at(d(3, 5)), vouchers=(voucher,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-11"


# FC-12 -----------------------------------------------------------------------------------


def _lead_claim(found: datetime, *, with_sheet: bool = True, with_appt: bool = True):
    lead = Lead("wang", "liu", LeadKind.PHONE_INQUIRY, at(SALE_DAY, 9))
    sheets = (sheet("wang", at(SALE_DAY, 9, 30)),) if with_sheet else ()
    appts = (appt("wang", SALE_DAY),) if with_appt else ()
    return decide_claim(claim(found, leads=(lead,), sheets=sheets, appointments=appts))


def test_FC_12_same_day_lead_with_appointment_found_the_same_day_is_whole():
    decision = _lead_claim(at(SALE_DAY, 23, 59), with_sheet=False)
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-12"
    assert "same-day phone inquiry" in decision.reason.message
    assert "found the same day" in decision.reason.message


def test_FC_12_found_on_day_2_to_7_with_sheet_and_book_is_half_then_nothing():
    day2 = _lead_claim(at(d(3, 3), 0, 0))
    assert day2.outcome is Outcome.HALF and day2.reason.rule == "FC-12"
    assert shares(day2) == {"wang": HALF, "zhao": HALF}
    day7 = _lead_claim(at(d(3, 8), 23, 59))
    assert day7.outcome is Outcome.HALF
    day8 = _lead_claim(at(d(3, 9), 0, 0))
    assert day8.outcome is Outcome.STAYS and day8.reason.rule == "FC-12"
    assert "later than 7 days" in day8.reason.message
    no_sheet = _lead_claim(at(d(3, 3)), with_sheet=False)
    assert no_sheet.outcome is Outcome.STAYS and "no follow-up sheet" in no_sheet.reason.message


def test_FC_12_without_an_appointment_the_lead_gives_nothing():
    decision = _lead_claim(at(SALE_DAY, 18), with_appt=False)
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-12"
    assert "had no appointment" in decision.reason.message


def test_FC_12_a_sheet_made_on_the_sale_day_is_a_same_day_lead_not_FC_4():
    facts = claim(
        at(d(3, 4)),
        sheets=(sheet("wang", at(SALE_DAY, 9)),),
        appointments=(appt("wang", SALE_DAY),),
    )
    decision = decide_claim(facts)
    assert decision.reason.rule == "FC-12" and decision.outcome is Outcome.HALF


# FC-13 -----------------------------------------------------------------------------------


def test_FC_13_whole_sale_carries_follow_up_rights_half_sale_the_closer_serves():
    whole = decide_claim(claim(at(d(3, 3)), sheets=(EARLY_SHEET,)))
    assert whole.follow_up_holder == "wang"
    assert follow_up_rights(whole, NAMES).rule == "FC-13"
    assert "Wang Li serves the member" in follow_up_rights(whole, NAMES).message
    half = decide_claim(claim(at(d(3, 10)), sheets=(EARLY_SHEET,)))
    assert half.follow_up_holder == "zhao"
    assert "closer Zhao Min keeps serving" in follow_up_rights(half, NAMES).message


# FC-14 -----------------------------------------------------------------------------------


def _party(found: datetime, *, with_appt: bool, closer_sheet: bool = False, size: int = 3):
    claims = []
    for i, customer in enumerate(("liu", "sun", "zhou")):
        sheets = (sheet("wang", at(d(2, 20)), customer="liu"),)
        if closer_sheet:
            sheets += (sheet("zhao", at(d(2, 22)), customer="sun"),)
        claims.append(
            claim(
                found,
                sale_=sale(sale_id=f"s{i}", buyer=customer),
                sheets=sheets,
                appointments=(appt("wang", SALE_DAY, customer="liu"),) if with_appt else (),
            )
        )
    return decide_party_claim(PartyClaimFacts(tuple(claims), party_size=size))


def test_FC_14_party_found_same_day_with_appointment_is_all_the_claimants():
    decisions = _party(at(SALE_DAY, 20), with_appt=True)
    assert [dec.outcome for dec in decisions] == [Outcome.WHOLE] * 3
    assert decisions[0].reason.rule == "FC-4"
    assert decisions[1].reason.rule == "FC-14"
    assert "the whole party is Wang Li's" in decisions[1].reason.message


def test_FC_14_without_appointment_or_found_later_only_the_sheet_customer():
    no_appt = _party(at(SALE_DAY, 20), with_appt=False)
    assert [dec.outcome for dec in no_appt] == [Outcome.WHOLE, Outcome.STAYS, Outcome.STAYS]
    assert "there was no appointment" in no_appt[1].reason.message
    later = _party(at(d(3, 3)), with_appt=True)
    assert [dec.outcome for dec in later] == [Outcome.WHOLE, Outcome.STAYS, Outcome.STAYS]
    assert later[2].reason.rule == "FC-14"
    assert "not found the same day" in later[2].reason.message


def test_FC_14_closer_following_another_member_limits_the_claim_to_the_sheet():
    decisions = _party(at(SALE_DAY, 20), with_appt=True, closer_sheet=True)
    assert [dec.outcome for dec in decisions] == [Outcome.WHOLE, Outcome.STAYS, Outcome.STAYS]
    assert "also follows a member" in decisions[2].reason.message


def test_FC_14_two_visitors_are_not_a_party():
    decisions = _party(at(SALE_DAY, 20), with_appt=True, size=2)
    assert decisions[1].reason.rule == "FC-8"


def test_FC_14_taking_over_needs_an_appointment_and_consent():
    no = may_take_over("wang", "zhao", False, False, False, NAMES)
    assert not no.ok and no.reason.rule == "FC-14" and "no appointment" in no.reason.message
    refused = may_take_over("wang", "zhao", True, True, False, NAMES)
    assert not refused.ok and "Zhao Min keeps receiving" in refused.reason.message
    assert may_take_over("wang", "zhao", True, True, True).ok
    assert may_take_over("wang", "zhao", True, False, False).ok


# FC-15 -----------------------------------------------------------------------------------


def test_FC_15_group_sale_claims_only_on_the_sale_day_with_evidence():
    group = sale(group_size=8)
    same_day = decide_claim(claim(at(SALE_DAY, 23, 59), sale_=group, sheets=(EARLY_SHEET,)))
    assert same_day.outcome is Outcome.WHOLE and same_day.reason.rule == "FC-15"
    next_day = decide_claim(claim(at(d(3, 3), 0, 0), sale_=group, sheets=(EARLY_SHEET,)))
    assert next_day.outcome is Outcome.REFUSED and next_day.reason.rule == "FC-15"
    assert "on the sale day 2026-03-02 only" in next_day.reason.message
    no_proof = decide_claim(claim(at(SALE_DAY, 20), sale_=group))
    assert no_proof.outcome is Outcome.REFUSED and "no follow-up sheet or appointment" in (
        no_proof.reason.message
    )
    seven = decide_claim(claim(at(d(3, 3)), sale_=sale(group_size=7), sheets=(EARLY_SHEET,)))
    assert seven.reason.rule == "FC-4" and seven.outcome is Outcome.WHOLE


def test_FC_15_same_day_joiner_arriving_separately_is_duty_reception():
    winner, reason = group_joiner_credit("wang", "chen", True, True, NAMES)
    assert winner == "wang" and reason.rule == "FC-15"
    assert "Chen Yu's reception was duty reception" in reason.message
    winner, _ = group_joiner_credit("wang", "chen", True, False, NAMES)
    assert winner == "chen"


def test_FC_15_joiner_decision_whole_to_the_group_consultant_refused_across_months():
    def joiner(found: date, separately: bool = True, closed: bool = False, size: int = 8):
        return decide_group_joiner(
            sale(closer="chen"),
            group_consultant="wang",
            group_sale_day=SALE_DAY,
            group_size=size,
            arrived_separately=separately,
            found_day=found,
            month_closed=closed,
            tz=TZ,
            names=NAMES,
        )

    duty = joiner(SALE_DAY)
    assert duty.outcome is Outcome.WHOLE and shares(duty) == {"wang": WHOLE}
    assert duty.follow_up_holder == "wang" and duty.reason.rule == "FC-15"
    assert "Chen Yu's reception was duty reception, so the sale is Wang Li's" in (
        duty.reason.message
    )
    assert duty.evidence == ("group sale of 8 by Wang Li on 2026-03-02",)
    together = joiner(SALE_DAY, separately=False)
    assert together.outcome is Outcome.STAYS and shares(together) == {"chen": WHOLE}
    across = joiner(d(4, 1))
    assert across.outcome is Outcome.REFUSED and across.reason.rule == "FC-22"
    assert joiner(d(3, 3), closed=True).outcome is Outcome.REFUSED
    with pytest.raises(FitnessRuleError) as error:
        joiner(SALE_DAY, size=7)
    assert error.value.code == "NOT_A_GROUP_SALE"


# FC-16 -----------------------------------------------------------------------------------


def test_FC_16_phone_differing_from_register_not_fixed_that_day_is_fined_100():
    sold = at(SALE_DAY, 15)
    args = ("zhao", phone(), "13900000000", sold)
    assert sale_phone_findings(*args, None, at(SALE_DAY, 23, 59), TZ) == ()
    fined = sale_phone_findings(*args, None, at(d(3, 3), 0, 0), TZ)
    assert [f.amount for f in fined] == [Decimal(100)]
    assert fined[0].code == "FC-16-register" and fined[0].reason.rule == "FC-16"
    assert sale_phone_findings(*args, at(SALE_DAY, 21), at(d(3, 4)), TZ) == ()
    late = sale_phone_findings(*args, at(d(3, 3), 9), at(d(3, 4)), TZ)
    assert [f.code for f in late] == ["FC-16-register"]
    same = sale_phone_findings("zhao", phone(), MOBILE, sold, None, at(d(3, 4)), TZ)
    assert same == ()


def test_FC_16_sale_without_the_customers_own_valid_number_is_fined_200():
    fined = sale_phone_findings(
        "zhao", phone(own=False), None, at(SALE_DAY, 15), None, at(SALE_DAY, 16), TZ
    )
    assert [(f.code, f.amount) for f in fined] == [("FC-16-own-number", Decimal(200))]
    assert "not the customer's own mobile" in fined[0].reason.message


# FC-17 -----------------------------------------------------------------------------------


def test_FC_17_renewal_within_validity_goes_to_the_employed_original_consultant():
    member = Membership("wang", True, valid_until=d(6, 30))
    winner, reason = decide_renewal(member, d(6, 30), closer="zhao", names=NAMES)
    assert winner == "wang" and reason.rule == "FC-17"
    assert "within validity" in reason.message and "Wang Li" in reason.message
    winner, reason = decide_renewal(member, d(7, 1), closer="zhao", names=NAMES)
    assert winner == "wang" and "after the card expired" in reason.message


def test_FC_17_consultant_left_renewal_goes_to_whoever_follows_up():
    member = Membership("wang", False, valid_until=d(1, 31))
    winner, reason = decide_renewal(member, d(3, 2), closer="zhao", follower="chen", names=NAMES)
    assert winner == "chen" and reason.rule == "FC-17" and "Chen Yu" in reason.message
    winner, _ = decide_renewal(member, d(3, 2), closer="zhao")
    assert winner == "zhao"


def test_FC_17_cutting_the_price_to_win_a_renewal_is_fined_100():
    fined = renewal_price_cut_finding("zhao", Decimal("2599.00"), Decimal("2999.00"))
    assert fined is not None and fined.amount == Decimal(100) and fined.reason.rule == "FC-17"
    assert renewal_price_cut_finding("zhao", Decimal("2999.00"), Decimal("2999.00")) is None
    with pytest.raises(FitnessRuleError):
        renewal_price_cut_finding("zhao", 2599.0, Decimal(2999))  # type: ignore[arg-type]


# FC-18 -----------------------------------------------------------------------------------


def test_FC_18_friend_asking_for_a_member_belongs_to_the_members_consultant():
    reception = decide_reception(
        ReceptionFacts(receiver="zhao", asked_for_member_of="wang", names=NAMES)
    )
    assert reception.consultant == "wang" and reception.reason.rule == "FC-18"
    entry = RegisterEntry("liu", "desk", at(SALE_DAY, 9), member_consultant="wang")
    decision = decide_claim(claim(at(d(3, 3)), register=(entry,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-18"


def test_FC_18_member_bringing_a_friend_whoever_receives_unless_named():
    plain = decide_reception(ReceptionFacts(receiver="zhao", brought_by_member_of="wang"))
    assert plain.consultant == "zhao" and plain.reason.rule == "FC-18"
    named = decide_reception(
        ReceptionFacts(receiver="zhao", brought_by_member_of="wang", named_consultant="chen")
    )
    assert named.consultant == "chen" and named.reason.rule == "FC-18"


def test_FC_18_steering_a_friend_away_is_fined_100():
    fined = steering_finding("zhao", steered_away=True)
    assert fined is not None and fined.amount == Decimal(100) and fined.reason.rule == "FC-18"
    assert steering_finding("zhao", steered_away=False) is None


# FC-19 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "outcome"),
    [
        (at(SALE_DAY, 23, 59), Outcome.WHOLE),
        (at(d(3, 3), 0, 0), Outcome.HALF),
        (at(d(3, 3), 23, 59), Outcome.HALF),
        (at(d(3, 4), 0, 0), Outcome.STAYS),
    ],
)
def test_FC_19_registered_in_the_morning_closed_by_another_later(found, outcome):
    entry = RegisterEntry("liu", "wang", at(SALE_DAY, 9))
    decision = decide_claim(claim(found, register=(entry,)))
    assert decision.outcome is outcome and decision.reason.rule == "FC-19"
    assert "Wang Li registered the visitor on 2026-03-02" in decision.reason.message


# FC-20 -----------------------------------------------------------------------------------


def test_FC_20_sheet_made_after_a_colleague_showed_an_earlier_one_is_invalid_and_fined():
    earlier = sheet("chen", at(d(2, 20)))
    late = sheet("wang", at(d(3, 1)))
    verdict, fine = follow_up_sheet_check(late, [earlier], {"chen": at(d(2, 28))})
    assert not verdict.ok and verdict.reason.rule == "FC-20"
    assert fine is not None and fine.amount == Decimal(100) and fine.staff == "wang"
    independent, none = follow_up_sheet_check(late, [earlier])
    assert independent.ok and none is None and independent.reason.rule == "FC-23"
    flagged = sheet("wang", at(d(2, 25)), made_after_shown=True)
    assert sheet_validity(flagged, SALE_DAY, at(SALE_DAY), TZ).reason.rule == "FC-20"
    decision = decide_claim(claim(at(d(3, 3)), sheets=(flagged,)))
    assert decision.outcome is Outcome.STAYS


# FC-21 -----------------------------------------------------------------------------------


def test_FC_21_card_bought_for_another_is_the_users_sale():
    bought = sale(buyer="ma", user="liu")
    decision = decide_claim(claim(at(d(3, 3)), sale_=bought, sheets=(EARLY_SHEET,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-21"
    assert "bought by ma for liu to use" in decision.reason.message
    # A sheet on the buyer is not evidence for the user's card.
    on_buyer = sheet("wang", at(d(2, 20)), customer="ma")
    decision = decide_claim(claim(at(d(3, 3)), sale_=bought, sheets=(on_buyer,)))
    assert decision.outcome is Outcome.STAYS


# FC-22 -----------------------------------------------------------------------------------


def test_FC_22_claims_across_months_are_refused():
    sale_ = sale(sold_at=at(d(3, 31), 10))
    same_month = decide_claim(claim(at(d(3, 31), 23, 59), sale_=sale_, sheets=(MARCH_SHEET,)))
    assert same_month.outcome is Outcome.WHOLE
    next_month = decide_claim(claim(at(d(4, 1), 0, 0), sale_=sale_, sheets=(MARCH_SHEET,)))
    assert next_month.outcome is Outcome.REFUSED and next_month.reason.rule == "FC-22"
    assert "claims across months are refused" in next_month.reason.message
    assert shares(next_month) == {"zhao": WHOLE}


def test_FC_22_in_the_last_three_days_only_same_day_sales_change():
    sale_ = sale(sold_at=at(d(3, 20), 10))
    day28 = decide_claim(claim(at(d(3, 28), 23, 59), sale_=sale_, sheets=(MARCH_SHEET,)))
    assert day28.outcome is Outcome.HALF
    day29 = decide_claim(claim(at(d(3, 29), 0, 0), sale_=sale_, sheets=(MARCH_SHEET,)))
    assert day29.outcome is Outcome.REFUSED and day29.reason.rule == "FC-22"
    assert "last 3 days of the month" in day29.reason.message
    same_day = sale(sold_at=at(d(3, 29), 10))
    ok = decide_claim(claim(at(d(3, 29), 20), sale_=same_day, sheets=(MARCH_SHEET,)))
    assert ok.outcome is Outcome.WHOLE


def test_FC_22_a_closed_month_is_frozen():
    frozen = decide_claim(claim(at(d(3, 31), 20), sheets=(EARLY_SHEET,), month_closed=True))
    assert frozen.outcome is Outcome.REFUSED and "has been closed" in frozen.reason.message
    assert month_change_check(d(3, 2), d(3, 2), False) is None


def test_FC_22_change_form_needs_both_then_manager_then_director():
    form = ChangeForm(
        sale_day=d(3, 20),
        from_consultant="zhao",
        to_consultant="wang",
        agreed_by_both=True,
        manager_signed_at=at(d(3, 21), 9),
        director_signed_at=at(d(3, 21), 10),
    )
    ok = decide_change_form(form, d(3, 21), month_closed=False)
    assert ok.ok and ok.reason.rule == "FC-22"
    for broken, words in (
        (replace(form, agreed_by_both=False), "Both consultants must agree"),
        (replace(form, manager_signed_at=None), "manager has not signed"),
        (replace(form, director_signed_at=None), "director has not signed"),
        (replace(form, director_signed_at=at(d(3, 21), 8)), "after the other party's manager"),
    ):
        verdict = decide_change_form(broken, d(3, 21), month_closed=False)
        assert not verdict.ok and words in verdict.reason.message
    assert decide_change_form(form, d(3, 28), False).ok
    assert not decide_change_form(form, d(3, 29), False).ok
    assert decide_change_form(replace(form, sale_day=d(3, 29)), d(3, 29), False).ok
    assert not decide_change_form(form, d(4, 1), False).ok
    assert not decide_change_form(form, d(3, 21), True).ok


def test_FC_22_the_month_closes_on_its_last_local_day():
    early = month_close_check(d(3, 1), at(d(3, 30), 23, 59), TZ)
    assert not early.ok and early.reason.rule == "FC-22"
    assert "closes on its last day, 2026-03-31" in early.reason.message
    # 03-30 16:00 UTC is already 03-31 00:00 in the site's zone.
    assert month_close_check(d(3, 1), datetime(2026, 3, 30, 16, tzinfo=UTC), TZ).ok


# FC-23 -----------------------------------------------------------------------------------


def test_FC_23_the_earlier_follow_up_wins():
    decision = decide_claim(
        claim(at(d(3, 3)), sheets=(sheet("wang", at(d(2, 25))), sheet("zhao", at(d(2, 24)))))
    )
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-23"
    assert "Zhao Min's sheet of 2026-02-24 is earlier" in decision.reason.message
    mine_first = decide_claim(
        claim(at(d(3, 3)), sheets=(sheet("wang", at(d(2, 23))), sheet("zhao", at(d(2, 24)))))
    )
    assert mine_first.outcome is Outcome.WHOLE and mine_first.reason.rule == "FC-4"
    assert "(FC-23)" in mine_first.reason.message


def test_FC_23_same_day_sheets_split_half_unless_the_book_orders_them():
    same = at(d(2, 24), 9), at(d(2, 24), 21)  # hours apart, still the same date
    tie = decide_claim(claim(at(d(3, 3)), sheets=(sheet("wang", same[1]), sheet("zhao", same[0]))))
    assert tie.outcome is Outcome.HALF and tie.reason.rule == "FC-23"
    assert shares(tie) == {"wang": HALF, "zhao": HALF}
    assert "appointment book does not order them: half each" in tie.reason.message
    booked = decide_claim(
        claim(
            at(d(3, 3)),
            sheets=(sheet("wang", same[1]), sheet("zhao", same[0])),
            appointments=(appt("wang", SALE_DAY),),
        )
    )
    assert booked.outcome is Outcome.WHOLE and booked.reason.rule == "FC-23"
    assert "lists Wang Li first" in booked.reason.message


# Penalty table and policy ----------------------------------------------------------------


def test_penalty_table_holds_every_fc_fine_with_its_amount():
    table = {spec.code: (spec.rule, spec.min_amount, spec.max_amount) for spec in penalty_table()}
    assert table["FC-1"] == ("FC-1", Decimal(50), Decimal(50))
    assert table["FC-2"] == ("FC-2", Decimal(100), Decimal(100))
    assert table["FC-9"] == ("FC-9", Decimal(300), Decimal(300))
    assert table["FC-16-register"] == ("FC-16", Decimal(100), Decimal(100))
    assert table["FC-16-own-number"] == ("FC-16", Decimal(200), Decimal(200))
    assert table["FC-17"] == ("FC-17", Decimal(100), Decimal(100))
    assert table["FC-18"] == ("FC-18", Decimal(100), Decimal(100))
    assert table["FC-20"] == ("FC-20", Decimal(100), Decimal(100))
    assert not any(rule == "C-14" for rule, _, _ in table.values())  # core adds C-14


def test_policy_overrides_are_validated_and_fines_follow_the_table():
    raised = [
        dict(spec.to_dict(), min_amount="80", max_amount="80") if spec.code == "FC-1" else spec
        for spec in DEFAULT_POLICY.penalties
    ]
    policy = FitnessClubPolicy.from_overrides({"penalties": raised, "whole_claim_days": 5})
    assert policy.whole_claim_days == 5
    assert unregistered_tour_finding("zhao", False, policy).amount == Decimal(80)  # type: ignore[union-attr]
    assert FitnessClubPolicy.from_overrides(policy.to_settings()) == policy
    with pytest.raises(ValueError, match="unknown fitness-club policy key"):
        FitnessClubPolicy.from_overrides({"grace": 1})
    with pytest.raises(ValueError, match="half_claim_days must be at least"):
        FitnessClubPolicy(whole_claim_days=10, half_claim_days=9)
    with pytest.raises(ValueError, match="no entry 'FC-9'"):
        FitnessClubPolicy(penalties=tuple(s for s in DEFAULT_POLICY.penalties if s.code != "FC-9"))
    with pytest.raises(ValueError, match="whole number"):
        FitnessClubPolicy(group_sale_size=True)  # type: ignore[arg-type]


def test_FC_16_register_numbers_in_e164_compare_with_the_national_number():
    sold = at(SALE_DAY, 15)
    later = at(d(3, 4))
    assert sale_phone_findings("zhao", phone(), "+8613812345678", sold, None, later, TZ) == ()
    fined = sale_phone_findings("zhao", phone(), "+8613900000000", sold, None, later, TZ)
    assert [f.code for f in fined] == ["FC-16-register"]


# --- open claims: the windows read ahead (FC-4, FC-7, FC-15, FC-22) -----------------------------


@pytest.mark.parametrize(
    ("today", "is_open", "last_day", "whole_through", "rule"),
    [
        (date(2026, 3, 2), True, date(2026, 3, 16), date(2026, 3, 8), "FC-4"),  # day 1
        (date(2026, 3, 8), True, date(2026, 3, 16), date(2026, 3, 8), "FC-4"),  # day 7: whole
        (date(2026, 3, 9), True, date(2026, 3, 16), None, "FC-4"),  # day 8: half only
        (date(2026, 3, 16), True, date(2026, 3, 16), None, "FC-4"),  # day 15: last day
        (date(2026, 3, 17), False, None, None, "FC-4"),  # day 16: shut
    ],
)
def test_open_claims_FC_4_window_flips_on_day_8_and_day_16(
    today, is_open, last_day, whole_through, rule
):
    window = claim_window(date(2026, 3, 2), today)
    assert (window.open, window.last_day, window.whole_through) == (
        is_open,
        last_day,
        whole_through,
    )
    assert window.reason.rule == rule
    if is_open:
        assert "through 2026-03-16" in window.reason.message
    else:
        assert "later than 15 days, it stays with the closer" in window.reason.message


def test_open_claims_FC_22_month_end_freeze_and_month_boundary_shorten_the_window():
    # 2026-04 has 30 days: the freeze starts 04-28, so a sale of 04-20 is open through 04-27.
    window = claim_window(date(2026, 4, 20), date(2026, 4, 27))
    assert (window.open, window.last_day, window.reason.rule) == (True, date(2026, 4, 27), "FC-22")
    assert "only same-day sales change (FC-22)" in window.reason.message
    frozen = claim_window(date(2026, 4, 20), date(2026, 4, 28))
    assert not frozen.open and frozen.reason.rule == "FC-22"
    assert "last 3 days of the month" in frozen.reason.message
    # A sale inside the freeze changes on its own day only.
    same_day = claim_window(date(2026, 4, 29), date(2026, 4, 29))
    assert (same_day.open, same_day.last_day) == (True, date(2026, 4, 29))
    assert not claim_window(date(2026, 4, 29), date(2026, 4, 30)).open
    # Across the month boundary: refused.
    across = claim_window(date(2026, 4, 29), date(2026, 5, 1))
    assert not across.open and "claims across months are refused" in across.reason.message
    closed = claim_window(date(2026, 4, 2), date(2026, 4, 3), month_closed=True)
    assert not closed.open and "has been closed" in closed.reason.message


def test_open_claims_FC_15_group_sale_only_on_its_day_and_FC_7_no_deadline():
    group = claim_window(date(2026, 3, 2), date(2026, 3, 2), group_size=8)
    assert (group.open, group.last_day, group.reason.rule) == (True, date(2026, 3, 2), "FC-15")
    next_day = claim_window(date(2026, 3, 2), date(2026, 3, 3), group_size=8)
    assert not next_day.open and "on its day only" in next_day.reason.message
    assert claim_window(date(2026, 3, 2), date(2026, 3, 3), group_size=7).open
    unregistered = claim_window(
        date(2026, 1, 2), date(2026, 3, 3), registered=False, month_closed=True
    )
    assert (unregistered.open, unregistered.last_day, unregistered.reason.rule) == (
        True,
        None,
        "FC-7",
    )
    assert "even after the month close" in unregistered.reason.message
    with pytest.raises(FitnessRuleError) as error:
        claim_window(date(2026, 3, 2), date(2026, 3, 1))
    assert error.value.code == "FUTURE_SALE"
