"""Fitness-club rules FC-1 … FC-23: the edges the mutation run (issue 11) found unguarded.

Every test states a rule: its id in the name, the decision and its reason (rule id and the
words a director reads) asserted. Pure functions only (no database): mutmut runs this file
once per mutant. Times are in the site's zone (+08:00); where a test is about the site's
calendar date, the moment is chosen so that the UTC date differs (before 08:00 local).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
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

from plugins.fitnessclub.policy import FitnessClubPolicy
from plugins.fitnessclub.rules import (
    HALF,
    WHOLE,
    ChangeForm,
    ClaimFacts,
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
    add_months,
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
    is_masked,
    local_date,
    may_take_over,
    month_change_check,
    month_close_check,
    national,
    not_receiving_finding,
    phone_validity,
    reception_questions_finding,
    renewal_price_cut_finding,
    sale_phone_findings,
    sheet_valid_through,
    sheet_validity,
    steering_finding,
    unregistered_tour_finding,
)

NAIVE = datetime(2026, 3, 2, 10, 0)


class NoOffset(tzinfo):
    """A tzinfo that does not know its offset: as unusable as no zone at all."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None


# Timezone-aware facts (DOMAIN *Decided*: days are calendar dates in the site's zone) -----


@pytest.mark.parametrize(
    ("field", "build"),
    [
        ("unreachable_since", lambda t: phone(unreachable_since=t)),
        ("created_at", lambda t: sheet("wang", t)),
        ("entered_at", lambda t: appt("wang", SALE_DAY, entered=t)),
        ("shown_at", lambda t: TrialVoucher("wang", "liu", t)),
        ("at", lambda t: Lead("wang", "liu", LeadKind.FLYER, t)),
        ("at", lambda t: RegisterEntry("liu", "wang", t)),
        ("sold_at", lambda t: sale(sold_at=t)),
        ("found_at", lambda t: claim(t)),
        ("now", lambda t: phone_validity(phone(), t)),
        ("moment", lambda t: local_date(t, TZ)),
    ],
)
def test_FC_4_counting_refuses_a_time_without_its_zone_naming_the_fact(field, build):
    """Days are the site's calendar dates (FC-4 counting): a naive time, or a zone that does
    not know its offset, cannot be placed on a date and is refused with the fact's name."""
    for moment in (NAIVE, datetime(2026, 3, 2, 10, 0, tzinfo=NoOffset()), SALE_DAY):
        with pytest.raises(FitnessRuleError) as error:
            build(moment)
        assert error.value.code == "NAIVE_DATETIME"
        assert error.value.message == f"{field} must be timezone-aware, got {moment}"
        assert str(error.value) == error.value.message


def test_FC_16_findings_refuse_a_naive_now():
    with pytest.raises(FitnessRuleError) as error:
        sale_phone_findings("zhao", phone(), None, at(SALE_DAY), None, NAIVE, TZ)
    assert error.value.code == "NAIVE_DATETIME"
    assert error.value.message.startswith("now must be timezone-aware")


def test_FC_15_a_sale_counts_at_least_one_person():
    assert sale(group_size=1).group_size == 1
    with pytest.raises(FitnessRuleError) as error:
        sale(group_size=0)
    assert error.value.code == "INVALID_GROUP_SIZE"
    assert error.value.message == "a sale's group size is at least 1"


# FC-3: a sheet's month, also across the year -------------------------------------------


def test_FC_3_a_december_sheet_is_valid_into_january_of_the_next_year():
    made = sheet("wang", datetime(2026, 12, 15, 10, tzinfo=TZ))
    assert sheet_valid_through(made, TZ) == date(2027, 1, 14)
    two = FitnessClubPolicy(follow_up_valid_months=2)
    assert sheet_valid_through(made, TZ, two) == date(2027, 2, 14)
    assert sheet_valid_through(sheet("wang", at(d(11, 30))), TZ) == d(12, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 12) == date(2027, 11, 30)
    verdict = sheet_validity(made, date(2027, 1, 14), at(d(12, 16)), TZ, names=NAMES)
    assert verdict.ok is True and verdict.reason.rule == "FC-3"
    assert verdict.reason.message == (
        "Wang Li's follow-up sheet of 2026-12-15 is valid through 2027-01-14."
    )


def test_FC_3_a_sheet_counts_from_the_day_it_is_made_not_for_earlier_sales():
    made = sheet("wang", at(d(3, 10), 1))  # 03-10 01:00 local is 03-09 in UTC
    on_the_day = sheet_validity(made, d(3, 10), at(d(3, 10)), TZ, names=NAMES)
    assert on_the_day.ok is True
    before = sheet_validity(made, d(3, 9), at(d(3, 10)), TZ, names=NAMES)
    assert before.ok is False and before.reason.rule == "FC-3"
    assert before.reason.message == (
        "Wang Li's follow-up sheet was made on 2026-03-10, after 2026-03-09."
    )


def test_FC_3_the_month_of_validity_comes_from_the_policy():
    made = sheet("wang", at(d(1, 10)))
    two_months = FitnessClubPolicy(follow_up_valid_months=2)
    assert sheet_validity(made, d(3, 9), at(d(3, 9)), TZ, two_months).ok is True
    assert sheet_validity(made, d(3, 10), at(d(3, 10)), TZ, two_months).ok is False
    # Through decide_claim too: the two-month sheet is the claimant's evidence (FC-4).
    decision = decide_claim(claim(at(d(3, 3)), sheets=(sheet("wang", at(d(1, 15))),)), two_months)
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-4"
    assert decision.evidence == ("follow-up sheet by Wang Li made 2026-01-15",)


def test_FC_20_a_flagged_sheet_names_its_consultant_and_date():
    flagged = sheet("wang", at(d(2, 25)), made_after_shown=True)
    verdict = sheet_validity(flagged, SALE_DAY, at(SALE_DAY), TZ, names=NAMES)
    assert verdict.ok is False and verdict.reason.rule == "FC-20"
    assert verdict.reason.message.startswith("Wang Li's follow-up sheet of 2026-02-25 was made")


def test_FC_5_a_sheet_whose_number_lapsed_under_the_policys_grace_is_no_evidence():
    lapsed = FollowUpSheet("wang", "liu", phone(unreachable_since=at(d(2, 28))), at(d(2, 20)))
    short = FitnessClubPolicy(unreachable_grace_hours=24)
    now = at(d(3, 1), 12)  # 26 hours after the failure
    assert sheet_validity(lapsed, SALE_DAY, now, TZ).ok is True
    verdict = sheet_validity(lapsed, SALE_DAY, now, TZ, short, names=NAMES)
    assert verdict.ok is False and verdict.reason.rule == "FC-5"
    assert verdict.reason.message.startswith("Wang Li's follow-up sheet: Liu 13812345678 has been")
    assert "after the 24-hour grace it is invalid" in verdict.reason.message


# FC-5: the number ------------------------------------------------------------------------


def test_FC_5_each_defect_of_a_number_gives_its_own_sentence():
    now = at(SALE_DAY)
    cases = (
        (
            Phone("  ", MOBILE),
            "   13812345678: no surname is written, so it is not a valid number.",
        ),
        (phone(legible=False), "Liu 13812345678 is illegible; such a number is invalid"),
        (phone(altered=True), "Liu 13812345678 is written over; such a number is invalid"),
        (phone(legible=False, altered=True), "Liu 13812345678 is illegible;"),
        (Phone("Liu", "138123456789"), "Liu 138123456789 is not a full 11-digit mobile number."),
        (phone(own=False), "Liu 13812345678 is not the customer's own mobile."),
    )
    for number, sentence in cases:
        verdict = phone_validity(number, now)
        assert verdict.ok is False and verdict.reason.rule == "FC-5"
        assert verdict.reason.message.startswith(sentence)
    empty = phone_validity(Phone("", MOBILE), now)
    assert empty.reason.message.startswith("(no surname) 13812345678: no surname is written")
    ok = phone_validity(Phone("Liu", "138-1234-5678"), now)
    assert ok.ok is True and ok.reason.rule == "FC-5"
    assert ok.reason.message == "Liu 138-1234-5678 is the customer's own legible mobile: valid."


def test_FC_5_the_unreachable_grace_comes_from_the_policy():
    first = at(SALE_DAY, 9)
    number = phone(unreachable_since=first)
    policy = FitnessClubPolicy(unreachable_grace_hours=2)
    within = phone_validity(number, first + timedelta(hours=2) - timedelta(seconds=1), policy)
    assert within.ok is True and within.reason.rule == "FC-5"
    assert "still within its 2-hour grace (until 2026-03-02T11:00:00+08:00)" in (
        within.reason.message
    )
    over = phone_validity(number, first + timedelta(hours=2), policy)
    assert over.ok is False and over.reason.rule == "FC-5"
    assert "unreachable since 2026-03-02T09:00:00+08:00; after the 2-hour grace" in (
        over.reason.message
    )


# FC-6: masked appointments ---------------------------------------------------------------


def test_FC_6_a_masked_number_is_three_digits_four_masks_four_digits():
    for masked in ("138****5678", "138xxxx5678", "138XXXX5678", "138 **** 5678", "138-****-5678"):
        assert is_masked(masked), masked
    for plain in ("13812345678", "138****567", "138****56789", "13a****5678", "138****a678"):
        assert not is_masked(plain), plain
    assert not is_masked("138*-**5678")
    for written in ("+86 138****5678", "+86-138-****-5678", "0086138****5678", "86138****5678"):
        assert is_masked(written), written  # the country code is not part of the mobile
    assert not is_masked("+87 138****5678")


def test_FC_6_a_masked_appointment_written_with_86_counts_with_the_own_full_sheet():
    """FC-6: 138****5678 written as +86 138****5678 is the same masked mobile; the appointing
    consultant's own sheet holding 13812345678 makes it count (review finding, 2026-12-02)."""
    for written in ("+86 138****5678", "0086-138-****-5678"):
        masked = appt("wang", SALE_DAY, number=written)
        verdict = appointment_validity(masked, SALE_DAY, [sheet("wang", at(d(2, 20)))], names=NAMES)
        assert (verdict.ok, verdict.reason.rule) == (True, "FC-6"), written
        assert verdict.reason.message == (
            "Wang Li's appointment leaves out the middle four digits; Wang Li's own follow-up "
            "sheet holds the full number, so it counts."
        )
    other_tail = appt("wang", SALE_DAY, number="+86 138****5679")
    verdict = appointment_validity(other_tail, SALE_DAY, [sheet("wang", at(d(2, 20)))], names=NAMES)
    assert (verdict.ok, verdict.reason.rule) == (False, "FC-6")


def test_FC_6_the_sheet_must_hold_the_same_customer_and_the_matching_full_number():
    masked = appt("wang", SALE_DAY, number="138****5678")
    own = appointment_validity(masked, SALE_DAY, [sheet("wang", at(d(2, 20)))], names=NAMES)
    assert own.ok is True and own.reason.rule == "FC-6"
    assert own.reason.message == (
        "Wang Li's appointment leaves out the middle four digits; Wang Li's own follow-up "
        "sheet holds the full number, so it counts."
    )
    other_customer = sheet("wang", at(d(2, 20)), customer="sun")
    wrong_head = FollowUpSheet("wang", "liu", Phone("Liu", "13912345678"), at(d(2, 20)))
    wrong_tail = FollowUpSheet("wang", "liu", Phone("Liu", "13812345679"), at(d(2, 20)))
    short = FollowUpSheet("wang", "liu", Phone("Liu", "138125678"), at(d(2, 20)))
    for held in (other_customer, wrong_head, wrong_tail, short):
        verdict = appointment_validity(masked, SALE_DAY, [held], names=NAMES)
        assert verdict.ok is False and verdict.reason.rule == "FC-6"
        assert verdict.reason.message.startswith("Wang Li's appointment leaves out the middle")


def test_FC_6_an_appointment_without_the_full_number_is_invalid():
    verdict = appointment_validity(appt("wang", SALE_DAY, number="1381234"), SALE_DAY, [])
    assert verdict.ok is False and verdict.reason.rule == "FC-6"
    assert verdict.reason.message == (
        "wang's appointment does not carry the full mobile number; invalid."
    )
    signed = appointment_validity(appt("wang", SALE_DAY), SALE_DAY, [], names=NAMES)
    assert signed.ok is True and signed.reason.rule == "FC-3"
    assert signed.reason.message == (
        "Wang Li's appointment for 2026-03-02 is signed and counts that day."
    )


def test_FC_3_unsigned_or_other_day_appointments_name_the_consultant():
    unsigned = appt("wang", SALE_DAY, signature=Signature.NONE)
    verdict = appointment_validity(unsigned, SALE_DAY, [], names=NAMES)
    assert verdict.ok is False and verdict.reason.rule == "FC-3"
    assert verdict.reason.message.startswith("Wang Li's appointment for 2026-03-02 has no sign")
    other = appointment_validity(appt("wang", SALE_DAY), d(3, 3), [], names=NAMES)
    assert other.ok is False and other.reason.rule == "FC-3"
    assert other.reason.message.startswith("Wang Li's appointment was for 2026-03-02;")
    for signature in (Signature.GENERAL_MANAGER, Signature.SMS, Signature.DIRECTOR):
        assert appointment_validity(appt("wang", SALE_DAY, signature=signature), SALE_DAY, []).ok


# FC-13 -----------------------------------------------------------------------------------


def test_FC_13_a_sale_that_stays_keeps_the_closers_follow_up_rights():
    stays = decide_claim(claim(at(d(3, 3))))
    assert stays.follow_up_holder == "zhao"
    rights = follow_up_rights(stays, NAMES)
    assert rights.rule == "FC-13"
    assert rights.message == "The sale stays whole with Zhao Min, who keeps the follow-up rights."
    half = decide_claim(claim(at(d(3, 10)), sheets=(sheet("wang", at(d(2, 20))),)))
    assert half.share_of("wang") == HALF and half.share_of("zhao") == HALF
    assert half.share_of("chen") == Decimal(0) and isinstance(half.share_of("chen"), Decimal)
    assert follow_up_rights(half, NAMES).rule == "FC-13"
    whole = decide_claim(claim(at(d(3, 3)), sheets=(sheet("wang", at(d(2, 20))),)))
    assert whole.share_of("wang") == WHOLE and whole.share_of("zhao") == Decimal(0)
    assert follow_up_rights(whole).message == (
        "The whole sale carries the follow-up rights: wang serves the member."
    )


# FC-16: numbers as written ---------------------------------------------------------------


def test_FC_16_a_number_compares_without_the_country_code_only_when_it_has_one():
    assert national("+86 138-1234-5678") == "13812345678"
    assert national("8613812345678") == "13812345678"
    assert national("13812345678") == "13812345678"
    assert national("86138123456") == "86138123456"  # 11 digits: a number of its own
    assert national("0013812345678") == "0013812345678"  # 13 digits without +86
    assert national("0086 138 1234 5678") == "13812345678"  # the international prefix 00
    assert national("008613812345") == "008613812345"  # 0086 then 8 digits: left as written


# Open claims: the windows read ahead (FC-4, FC-7, FC-15, FC-22) ---------------------------


def test_FC_4_open_claim_sentences_say_whole_then_half_through_day_15():
    day1 = claim_window(SALE_DAY, SALE_DAY)
    assert (day1.open, day1.reason.rule) == (True, "FC-4")
    assert day1.reason.message == (
        "Today is day 1 of the sale of 2026-03-02: a claim with evidence takes the whole sale "
        "through 2026-03-08, then half, through 2026-03-16 — day 15 (FC-4)."
    )
    day8 = claim_window(SALE_DAY, d(3, 9))
    assert day8.reason.message == (
        "Today is day 8 of the sale of 2026-03-02: a claim with evidence takes half, through "
        "2026-03-16 — day 15 (FC-4)."
    )
    shut = claim_window(SALE_DAY, d(3, 17))
    assert shut.open is False and shut.reason.rule == "FC-4"
    assert shut.reason.message.startswith("Today is day 16 of the sale of 2026-03-02")


def test_FC_22_open_claims_stop_the_day_before_the_month_end_freeze():
    # April has 30 days: the freeze runs 04-28 … 04-30.
    on_the_freeze = claim_window(d(4, 14), d(4, 14))  # day 15 would be 04-28
    assert (on_the_freeze.last_day, on_the_freeze.reason.rule) == (d(4, 27), "FC-22")
    assert on_the_freeze.whole_through == d(4, 20)
    clipped = claim_window(d(4, 25), d(4, 25))
    assert (clipped.last_day, clipped.whole_through) == (d(4, 27), d(4, 27))
    assert "through 2026-04-27 — the month's end" in clipped.reason.message
    before = claim_window(d(4, 13), d(4, 13))  # day 15 is 04-27: FC-4's own limit
    assert (before.last_day, before.reason.rule) == (d(4, 27), "FC-4")
    first_freeze_day = claim_window(d(4, 28), d(4, 28))
    assert first_freeze_day.open is True
    assert (first_freeze_day.last_day, first_freeze_day.whole_through) == (d(4, 28), d(4, 28))
    assert first_freeze_day.reason.rule == "FC-22"
    frozen = claim_window(d(4, 20), d(4, 28))
    assert frozen.open is False and frozen.last_day is None and frozen.whole_through is None


def test_FC_22_open_claims_without_a_month_end_freeze():
    policy = FitnessClubPolicy(month_end_freeze_days=0)
    late = claim_window(d(4, 20), d(4, 29), policy=policy)
    assert late.open is True and late.last_day == d(4, 30) and late.reason.rule == "FC-22"
    assert late.whole_through is None
    assert claim_window(d(4, 20), d(4, 30), policy=policy).open is True
    assert claim_window(d(4, 1), d(4, 1), policy=policy).last_day == d(4, 15)
    assert claim_window(d(4, 20), d(4, 30), month_closed=True, policy=policy).open is False


def test_FC_15_open_claims_on_a_group_sale_follow_the_policys_size():
    group = claim_window(SALE_DAY, SALE_DAY, group_size=8)
    assert (group.open, group.last_day, group.whole_through) == (True, SALE_DAY, SALE_DAY)
    assert group.reason.rule == "FC-15"
    assert group.reason.message == (
        "A group sale of 8: claims with a follow-up sheet or appointment for the claimed member "
        "are open today (2026-03-02) only."
    )
    shut = claim_window(SALE_DAY, d(3, 3), group_size=8)
    assert shut.open is False and shut.reason.rule == "FC-15"
    pairs = FitnessClubPolicy(group_sale_size=2)
    assert claim_window(SALE_DAY, d(3, 3), policy=pairs).open is True  # a single sale
    assert claim_window(SALE_DAY, d(3, 3), group_size=2, policy=pairs).open is False


def test_FC_7_an_unregistered_sale_stays_open_and_a_closed_month_shuts_the_others():
    unregistered = claim_window(SALE_DAY, d(3, 20), registered=False)
    assert unregistered.open is True and unregistered.whole_through is None
    assert claim_window(SALE_DAY, d(3, 3)).open is True  # registered by default
    closed = claim_window(SALE_DAY, d(3, 3), month_closed=True)
    assert closed.open is False and closed.reason.rule == "FC-22"
    assert claim_window(SALE_DAY, SALE_DAY).whole_through == d(3, 8)


# Claims (对单): decide_claim's rules in their order ----------------------------------------


def test_FC_4_a_claim_found_the_very_moment_of_the_sale_is_day_1():
    sold = at(SALE_DAY, 15)
    decision = decide_claim(claim(sold, sheets=(sheet("wang", at(d(2, 20))),)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-4"
    assert "found on day 1 (the sale's date is day 1), within 7 days" in decision.reason.message


def test_FC_4_days_count_in_the_sites_zone_from_a_sale_just_after_local_midnight():
    # Sold 03-02 00:30 local (03-01 in UTC); found 03-08 23:59 is day 7, 03-09 00:30 day 8.
    sold = sale(sold_at=at(SALE_DAY, 0, 30))
    early = sheet("wang", at(d(2, 20)))
    day7 = decide_claim(claim(at(d(3, 8), 23, 59), sale_=sold, sheets=(early,)))
    assert day7.outcome is Outcome.WHOLE and "found on day 7" in day7.reason.message
    day8 = decide_claim(claim(at(d(3, 9), 0, 30), sale_=sold, sheets=(early,)))
    assert day8.outcome is Outcome.HALF and "found on day 8" in day8.reason.message


def test_FC_4_the_earliest_of_the_claimants_sheets_is_the_evidence():
    sheets = (sheet("wang", at(d(2, 25))), sheet("wang", at(d(2, 20), 1)))
    decision = decide_claim(claim(at(d(3, 3)), sheets=sheets))
    assert decision.reason.rule == "FC-4" and decision.outcome is Outcome.WHOLE
    assert decision.reason.message.startswith(
        "Wang Li holds a valid follow-up sheet made 2026-02-20; found on day 2"
    )
    assert decision.evidence == ("follow-up sheet by Wang Li made 2026-02-20",)


def test_FC_21_the_users_claim_keeps_its_shares_holder_and_evidence():
    bought = sale(buyer="ma", user="liu")
    names = {"ma": "Ma Jun", "liu": "Liu Yang"}
    early = sheet("wang", at(d(2, 20)))
    half = decide_claim(claim(at(d(3, 9)), sale_=bought, sheets=(early,), customer_names=names))
    assert half.reason.rule == "FC-21" and half.outcome is Outcome.HALF
    assert shares(half) == {"wang": HALF, "zhao": HALF} and half.follow_up_holder == "zhao"
    assert half.evidence == ("follow-up sheet by Wang Li made 2026-02-20",)
    assert half.reason.message.startswith(
        "The card was bought by Ma Jun for Liu Yang to use, so it is Liu Yang's sale and "
        "Wang Li, who follows Liu Yang, may claim it. Wang Li holds a valid follow-up sheet"
    )
    whole = decide_claim(claim(at(d(3, 3)), sale_=bought, sheets=(early,)))
    assert whole.reason.rule == "FC-21" and whole.follow_up_holder == "wang"
    stays = decide_claim(claim(at(d(3, 17)), sale_=bought, sheets=(early,)))
    assert stays.outcome is Outcome.STAYS and stays.reason.rule == "FC-4"
    own_card = decide_claim(claim(at(d(3, 3)), sale_=sale(user="liu"), sheets=(early,)))
    assert own_card.reason.rule == "FC-4"  # bought for themself: not FC-21


def test_FC_7_needs_a_sheet_made_before_the_sale_and_a_date_before_the_closers():
    unregistered = sale(registered=False)
    sold = at(SALE_DAY, 15)
    at_the_sale = decide_claim(
        claim(at(d(5, 20)), sale_=unregistered, sheets=(sheet("wang", sold),))
    )
    assert at_the_sale.reason.rule == "FC-22" and at_the_sale.outcome is Outcome.REFUSED
    # Dates in the site's zone: 01:00 local is the day before in UTC, 21:00 the same day.
    same_date = (sheet("wang", at(d(2, 24), 1)), sheet("zhao", at(d(2, 24), 21)))
    tie = decide_claim(claim(at(d(3, 3)), sale_=unregistered, sheets=same_date))
    assert tie.reason.rule == "FC-23" and tie.outcome is Outcome.HALF
    day_before = (sheet("wang", at(d(2, 23), 21)), sheet("zhao", at(d(2, 24), 1)))
    closer_next_day = decide_claim(claim(at(d(5, 20)), sale_=unregistered, sheets=day_before))
    assert closer_next_day.reason.rule == "FC-7"
    earlier = (sheet("wang", at(d(2, 23), 1)), sheet("zhao", at(d(2, 24), 21)))
    mine = decide_claim(claim(at(d(5, 20)), sale_=unregistered, sheets=earlier))
    assert mine.reason.rule == "FC-7" and mine.outcome is Outcome.WHOLE
    assert mine.evidence == ("follow-up sheet by Wang Li made 2026-02-23",)
    assert mine.reason.message.startswith(
        "Zhao Min sold to a visitor who was never registered; Wang Li's follow-up sheet of "
        "2026-02-23 is earlier"
    )
    two = (sheet("wang", at(d(2, 25))), sheet("wang", at(d(2, 21))))
    first = decide_claim(claim(at(d(5, 20)), sale_=unregistered, sheets=two))
    assert first.evidence == ("follow-up sheet by Wang Li made 2026-02-21",)


def test_FC_22_a_refused_claim_leaves_the_whole_sale_with_the_closer():
    refused = decide_claim(claim(at(d(4, 1)), sheets=(sheet("wang", at(d(2, 20))),)))
    assert refused.outcome is Outcome.REFUSED and refused.reason.rule == "FC-22"
    assert shares(refused) == {"zhao": WHOLE} and refused.follow_up_holder == "zhao"
    assert refused.evidence == ()


def test_FC_15_a_group_claim_shows_the_first_sheet_and_the_first_appointment():
    group = sale(group_size=8)
    sheets = (sheet("wang", at(d(2, 25))), sheet("wang", at(d(2, 20))))
    appointments = (
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 9)),
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 8)),
    )
    both = decide_claim(
        claim(at(SALE_DAY, 20), sale_=group, sheets=sheets, appointments=appointments)
    )
    assert both.outcome is Outcome.WHOLE and both.reason.rule == "FC-15"
    assert both.evidence == (
        "follow-up sheet by Wang Li made 2026-02-20",
        "appointment by Wang Li for 2026-03-02 (director)",
    )
    assert both.reason.message == (
        "Claimed on the day of the group sale of 8 with follow-up sheet by Wang Li made "
        "2026-02-20: this member's card goes to Wang Li."
    )
    booked = decide_claim(claim(at(SALE_DAY, 20), sale_=group, appointments=appointments))
    assert booked.outcome is Outcome.WHOLE and booked.reason.rule == "FC-15"
    assert booked.evidence == ("appointment by Wang Li for 2026-03-02 (director)",)
    refused = decide_claim(claim(at(SALE_DAY, 20), sale_=group))
    assert refused.outcome is Outcome.REFUSED and refused.reason.rule == "FC-15"
    assert shares(refused) == {"zhao": WHOLE} and refused.follow_up_holder == "zhao"
    pairs = FitnessClubPolicy(group_sale_size=2)
    two = decide_claim(claim(at(d(3, 3)), sale_=sale(group_size=2), sheets=sheets), pairs)
    assert two.outcome is Outcome.REFUSED and two.reason.rule == "FC-15"
    assert two.reason.message.startswith("This was a group sale of 2 (at least 2); claims on it")


def test_FC_23_sentences_and_evidence_name_both_sheets():
    sheets = (sheet("wang", at(d(2, 25))), sheet("zhao", at(d(2, 24))))
    theirs = decide_claim(claim(at(d(3, 3)), sheets=sheets))
    assert theirs.evidence == (
        "follow-up sheet by Wang Li made 2026-02-25",
        "follow-up sheet by Zhao Min made 2026-02-24",
    )
    assert theirs.reason.message == (
        "Both follow the customer; Zhao Min's sheet of 2026-02-24 is earlier than Wang Li's of "
        "2026-02-25, so the sale stays with Zhao Min."
    )
    mine = decide_claim(
        claim(at(d(3, 10)), sheets=(sheet("wang", at(d(2, 23))), sheet("zhao", at(d(2, 24)))))
    )
    assert mine.outcome is Outcome.HALF and mine.reason.rule == "FC-4"
    assert mine.reason.message.startswith(
        "Wang Li's follow-up sheet of 2026-02-23 is earlier than Zhao Min's of 2026-02-24 "
        "(FC-23); found on day 9"
    )


def test_FC_23_sheets_of_the_same_local_date_tie_even_across_utc_dates():
    # 02-24 01:00 local is 02-23 in UTC; 02-24 21:00 local is 02-24 in UTC.
    sheets = (sheet("wang", at(d(2, 24), 21)), sheet("zhao", at(d(2, 24), 1)))
    tie = decide_claim(claim(at(d(3, 3)), sheets=sheets))
    assert tie.outcome is Outcome.HALF and tie.reason.rule == "FC-23"
    assert tie.evidence == (
        "follow-up sheet by Wang Li made 2026-02-24",
        "follow-up sheet by Zhao Min made 2026-02-24",
    )
    assert tie.reason.message == (
        "Wang Li and Zhao Min both made follow-up sheets on 2026-02-24 and the appointment "
        "book does not order them: half each."
    )
    swapped = (sheet("wang", at(d(2, 24), 1)), sheet("zhao", at(d(2, 24), 21)))
    assert decide_claim(claim(at(d(3, 3)), sheets=swapped)).outcome is Outcome.HALF
    late = decide_claim(claim(at(d(3, 17)), sheets=sheets))
    assert late.outcome is Outcome.STAYS and late.reason.rule == "FC-4"
    assert late.reason.message.startswith("Both sheets were made on 2026-02-24; found on day 16")
    assert late.evidence == tie.evidence
    day15 = decide_claim(claim(at(d(3, 16), 23, 59), sheets=sheets))
    assert day15.outcome is Outcome.HALF and day15.reason.rule == "FC-23"


def test_FC_23_the_appointment_book_orders_same_day_sheets_by_its_earliest_entry():
    sheets = (sheet("wang", at(d(2, 24), 21)), sheet("zhao", at(d(2, 24), 9)))
    book = (
        appt("zhao", SALE_DAY, entered=at(SALE_DAY, 9)),
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 8, 55)),
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 9, 30)),
    )
    mine = decide_claim(claim(at(d(3, 9)), sheets=sheets, appointments=book))
    assert mine.outcome is Outcome.HALF and mine.reason.rule == "FC-23"
    assert mine.evidence[-1] == "appointment by Wang Li for 2026-03-02 (director)"
    assert mine.reason.message.startswith(
        "Both sheets were made on 2026-02-24 and the appointment book of 2026-03-02 lists "
        "Wang Li first (FC-23); found on day 8"
    )
    theirs_first = (
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 9, 30)),
        appt("zhao", SALE_DAY, entered=at(SALE_DAY, 9)),
    )
    theirs = decide_claim(claim(at(d(3, 3)), sheets=sheets, appointments=theirs_first))
    assert theirs.outcome is Outcome.STAYS and theirs.reason.rule == "FC-23"
    assert theirs.evidence == (
        "follow-up sheet by Wang Li made 2026-02-24",
        "follow-up sheet by Zhao Min made 2026-02-24",
        "appointment by Zhao Min for 2026-03-02 (director)",
    )
    colleague = decide_claim(
        claim(at(d(3, 3)), sheets=sheets, appointments=(appt("chen", SALE_DAY),))
    )
    assert colleague.outcome is Outcome.HALF  # a third consultant's booking orders nobody


def test_FC_4_a_sheet_made_on_the_sale_day_before_the_sale_is_not_an_earlier_follow_up():
    # Made 03-02 01:00 local (03-01 in UTC): the sale day's lead (FC-12), not FC-4.
    made = sheet("wang", at(SALE_DAY, 1))
    decision = decide_claim(claim(at(d(3, 3)), sheets=(made,)))
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-12"
    assert decision.reason.message == (
        "Wang Li's follow-up sheet made on the sale day had no appointment for 2026-03-02; "
        "without one the sale stays with Zhao Min, who received the customer."
    )


def _lead(**kw: object) -> Lead:
    base: dict[str, object] = {
        "consultant": "wang",
        "customer": "liu",
        "kind": LeadKind.FLYER,
        "at": at(SALE_DAY, 9),
    }
    base.update(kw)
    return Lead(**base)  # type: ignore[arg-type]


def test_FC_12_only_the_claimants_same_day_lead_on_this_customer_counts():
    booked = (appt("wang", SALE_DAY),)
    flyer = decide_claim(claim(at(SALE_DAY, 20), leads=(_lead(),), appointments=booked))
    assert flyer.outcome is Outcome.WHOLE and flyer.reason.rule == "FC-12"
    assert flyer.evidence == ("appointment by Wang Li for 2026-03-02 (director)",)
    assert flyer.reason.message == (
        "Wang Li's same-day flyer came with an appointment for that day and was found the "
        "same day: the whole sale goes to Wang Li."
    )
    for other in (
        _lead(consultant="chen"),
        _lead(customer="sun"),
        _lead(kind=LeadKind.TRIAL_VOUCHER),
        _lead(at=at(d(3, 1), 20)),
        _lead(at=at(SALE_DAY, 7, 30) - timedelta(hours=8)),  # 03-01 23:30 local
    ):
        decision = decide_claim(claim(at(SALE_DAY, 20), leads=(other,), appointments=booked))
        assert decision.reason.rule == "FC-8", other
    early_local = _lead(at=at(SALE_DAY, 1))  # 03-02 01:00 local is 03-01 in UTC
    assert (
        decide_claim(claim(at(SALE_DAY, 20), leads=(early_local,), appointments=booked)).outcome
        is Outcome.WHOLE
    )


def test_FC_12_half_within_the_policys_days_with_sheet_and_book_then_nothing():
    lead = _lead(kind=LeadKind.PHONE_INQUIRY)
    made = (sheet("wang", at(SALE_DAY, 9, 30)),)
    book = (appt("wang", SALE_DAY),)
    day2 = decide_claim(claim(at(d(3, 3)), leads=(lead,), sheets=made, appointments=book))
    assert day2.outcome is Outcome.HALF and day2.reason.rule == "FC-12"
    assert day2.evidence == (
        "appointment by Wang Li for 2026-03-02 (director)",
        "follow-up sheet by Wang Li made 2026-03-02",
    )
    assert day2.reason.message == (
        "Wang Li's same-day phone inquiry came with an appointment; found on day 2, within 7 "
        "days, with the follow-up sheet and appointment book: half to Wang Li, half to Zhao Min."
    )
    short = FitnessClubPolicy(lead_half_days=2)
    day3 = decide_claim(claim(at(d(3, 4)), leads=(lead,), sheets=made, appointments=book), short)
    assert day3.outcome is Outcome.STAYS and day3.reason.rule == "FC-12"
    assert day3.evidence == ("appointment by Wang Li for 2026-03-02 (director)",)
    assert "found on day 3, later than 2 days" in day3.reason.message
    no_sheet = decide_claim(claim(at(d(3, 3)), leads=(lead,), appointments=book))
    assert no_sheet.outcome is Outcome.STAYS and no_sheet.reason.rule == "FC-12"
    assert no_sheet.evidence == ("appointment by Wang Li for 2026-03-02 (director)",)
    assert no_sheet.reason.message == (
        "Wang Li's same-day phone inquiry was found on day 2 but Wang Li shows no follow-up "
        "sheet; the sale stays with Zhao Min."
    )
    day7 = decide_claim(claim(at(d(3, 8), 23, 59), leads=(lead,), appointments=book))
    assert day7.outcome is Outcome.STAYS and day7.reason.rule == "FC-12"
    assert day7.reason.message.startswith(
        "Wang Li's same-day phone inquiry was found on day 7 but Wang Li shows no follow-up"
    )


def test_FC_12_a_masked_appointment_counts_with_the_claimants_own_sheet():
    masked = (appt("wang", SALE_DAY, number="138****5678"),)
    made = (sheet("wang", at(SALE_DAY, 9, 30)),)
    decision = decide_claim(claim(at(d(3, 3)), sheets=made, appointments=masked))
    assert decision.outcome is Outcome.HALF and decision.reason.rule == "FC-12"
    without = decide_claim(claim(at(d(3, 3)), leads=(_lead(),), appointments=masked))
    assert without.outcome is Outcome.STAYS and "had no appointment" in without.reason.message


def test_FC_12_the_earliest_appointment_entry_is_the_evidence():
    book = (
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 9), signature=Signature.SMS),
        appt("wang", SALE_DAY, entered=at(SALE_DAY, 8)),
    )
    decision = decide_claim(claim(at(SALE_DAY, 20), leads=(_lead(),), appointments=book))
    assert decision.evidence == ("appointment by Wang Li for 2026-03-02 (director)",)


def test_FC_3_the_closers_sheet_alone_keeps_the_sale():
    decision = decide_claim(claim(at(d(3, 3)), sheets=(sheet("zhao", at(d(2, 20))),)))
    assert decision.outcome is Outcome.STAYS and decision.reason.rule == "FC-3"
    assert shares(decision) == {"zhao": WHOLE}
    assert decision.evidence == ("follow-up sheet by Zhao Min made 2026-02-20",)
    assert decision.reason.message == (
        "Zhao Min holds a valid follow-up sheet and Wang Li none; the sale stays with Zhao Min."
    )


def _entry(**kw: object) -> RegisterEntry:
    base: dict[str, object] = {"customer": "liu", "registered_by": "desk", "at": at(SALE_DAY, 9)}
    base.update(kw)
    return RegisterEntry(**base)  # type: ignore[arg-type]


def test_FC_10_only_the_visitors_own_request_before_the_sale_counts():
    named = _entry(named_consultant="wang")
    decision = decide_claim(claim(at(d(3, 9)), register=(named,)))
    assert decision.outcome is Outcome.HALF and decision.reason.rule == "FC-10"
    assert decision.evidence == (
        "visitor register entry at 2026-03-02T09:00:00+08:00 naming Wang Li",
    )
    for ignored in (
        _entry(named_consultant="wang", customer="sun"),
        _entry(named_consultant="wang", at=at(SALE_DAY, 15, 1)),
        _entry(named_consultant="chen"),
    ):
        assert decide_claim(claim(at(d(3, 3)), register=(ignored,))).reason.rule == "FC-8"
    at_the_sale = _entry(named_consultant="wang", at=at(SALE_DAY, 15))
    assert decide_claim(claim(at(d(3, 3)), register=(at_the_sale,))).reason.rule == "FC-10"
    # A staff suggestion first, then the visitor's own request: the request counts.
    staff = _entry(named_consultant="wang", named_by_staff=True, at=at(SALE_DAY, 8))
    later = decide_claim(claim(at(d(3, 3)), register=(named, staff)))
    assert later.outcome is Outcome.WHOLE and later.reason.rule == "FC-10"
    only_staff = decide_claim(claim(at(d(3, 3)), register=(staff,)))
    assert only_staff.outcome is Outcome.STAYS and only_staff.reason.rule == "FC-10"
    assert only_staff.evidence == () and shares(only_staff) == {"zhao": WHOLE}
    assert only_staff.reason.message == (
        "Wang Li's name was suggested by staff during the reception, which does not count; "
        "the sale stays with Zhao Min."
    )


def test_FC_18_a_friend_asking_for_a_member_is_the_members_consultants_not_one_brought():
    asked = _entry(member_consultant="wang")
    decision = decide_claim(claim(at(d(3, 9)), register=(asked,)))
    assert decision.outcome is Outcome.HALF and decision.reason.rule == "FC-18"
    assert decision.evidence == (
        "visitor register entry at 2026-03-02T09:00:00+08:00 naming a member",
    )
    assert decision.reason.message.startswith(
        "The visitor asked for a member whose consultant is Wang Li (FC-18); found on day 8"
    )
    brought = _entry(member_consultant="wang", brought_by_member=True)
    assert decide_claim(claim(at(d(3, 3)), register=(brought,))).reason.rule == "FC-8"
    other = _entry(member_consultant="chen")
    assert decide_claim(claim(at(d(3, 3)), register=(other,))).reason.rule == "FC-8"


def test_FC_11_a_voucher_shown_before_the_sale_by_this_customer_counts():
    voucher = TrialVoucher("wang", "liu", at(SALE_DAY, 9))
    decision = decide_claim(claim(at(d(3, 9)), vouchers=(voucher,)))
    assert decision.outcome is Outcome.HALF and decision.reason.rule == "FC-11"
    assert decision.evidence == ("trial voucher of Wang Li shown 2026-03-02T09:00:00+08:00",)
    assert decision.reason.message.startswith(
        "The visitor showed a trial voucher of Wang Li (FC-11); found on day 8"
    )
    at_the_sale = TrialVoucher("wang", "liu", at(SALE_DAY, 15))
    assert decide_claim(claim(at(d(3, 3)), vouchers=(at_the_sale,))).reason.rule == "FC-11"
    for ignored in (
        TrialVoucher("chen", "liu", at(SALE_DAY, 9)),
        TrialVoucher("wang", "sun", at(SALE_DAY, 9)),
        TrialVoucher("wang", "liu", at(SALE_DAY, 15, 1)),
    ):
        assert decide_claim(claim(at(d(3, 3)), vouchers=(ignored,))).reason.rule == "FC-8"


def test_FC_19_the_claimant_registered_the_visitor_on_the_sale_day_in_the_sites_zone():
    morning = _entry(registered_by="wang", at=at(SALE_DAY, 1))  # 03-01 in UTC
    whole = decide_claim(claim(at(SALE_DAY, 20), register=(morning,)))
    assert whole.outcome is Outcome.WHOLE and whole.reason.rule == "FC-19"
    assert whole.evidence == ("visitor register entry by Wang Li at 2026-03-02T01:00:00+08:00",)
    assert whole.reason.message == (
        "Wang Li registered the visitor on 2026-03-02 before Zhao Min closed; found the same "
        "day: Wang Li's."
    )
    half = decide_claim(claim(at(d(3, 3)), register=(morning,)))
    assert half.reason.message.endswith("found the next day: half to Wang Li, half to Zhao Min.")
    assert half.evidence == whole.evidence
    later = decide_claim(claim(at(d(3, 4)), register=(morning,)))
    assert later.outcome is Outcome.STAYS and later.evidence == whole.evidence
    assert later.reason.message.endswith(
        "found on day 3, after the next day: the sale stays with Zhao Min."
    )
    three = FitnessClubPolicy(register_half_days=3)
    assert decide_claim(claim(at(d(3, 4)), register=(morning,)), three).outcome is Outcome.HALF
    day_before = _entry(registered_by="wang", at=at(d(3, 1), 20))
    assert decide_claim(claim(at(SALE_DAY, 20), register=(day_before,))).reason.rule == "FC-8"
    by_desk = _entry()
    assert decide_claim(claim(at(SALE_DAY, 20), register=(by_desk,))).reason.rule == "FC-8"


def test_FC_8_nothing_shown_the_receiver_keeps_the_sale():
    decision = decide_claim(claim(at(SALE_DAY, 20)))
    assert decision.reason.rule == "FC-8" and decision.evidence == ()
    assert decision.reason.message == (
        "Wang Li shows no follow-up sheet, appointment, trial voucher or request by name; "
        "whoever receives gets the sale, so it stays with Zhao Min."
    )


# FC-14: parties ----------------------------------------------------------------------------


def _party(found: datetime, *, sheets_on: tuple[str, ...] = ("liu",), size: int = 3, **kw):
    claims = tuple(
        claim(
            found,
            sale_=sale(sale_id=f"s{i}", buyer=customer),
            sheets=tuple(sheet("wang", at(d(2, 20)), customer=c) for c in sheets_on),
            **kw,
        )
        for i, customer in enumerate(("liu", "sun", "zhou"))
    )
    return decide_party_claim(PartyClaimFacts(claims, party_size=size))


def test_FC_14_the_whole_party_with_the_appointments_evidence():
    decisions = _party(at(SALE_DAY, 20), appointments=(appt("wang", SALE_DAY),))
    assert [dec.outcome for dec in decisions] == [Outcome.WHOLE] * 3
    assert decisions[2].evidence == ("appointment by Wang Li for 2026-03-02 (director)",)
    assert decisions[2].reason.rule == "FC-14" and shares(decisions[2]) == {"wang": WHOLE}
    assert decisions[2].reason.message == (
        "Wang Li follows one of a party of 3 that came together and had an appointment for "
        "2026-03-02, found the same day: the whole party is Wang Li's."
    )


def test_FC_14_a_party_without_any_sheet_is_decided_claim_by_claim():
    decisions = _party(at(SALE_DAY, 20), sheets_on=(), appointments=(appt("wang", SALE_DAY),))
    assert [dec.reason.rule for dec in decisions] == ["FC-8", "FC-8", "FC-8"]
    with pytest.raises(FitnessRuleError) as error:
        decide_party_claim(PartyClaimFacts((), party_size=3))
    assert error.value.code == "EMPTY_PARTY"
    assert error.value.message == "a party claim needs at least one sale"


def test_FC_14_a_party_where_only_the_sheets_customer_bought_is_that_one_claim():
    only = claim(
        at(SALE_DAY, 20),
        sheets=(sheet("wang", at(d(2, 20))),),
        appointments=(appt("wang", SALE_DAY),),
    )
    (decision,) = decide_party_claim(PartyClaimFacts((only,), party_size=3))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-4"


def test_FC_14_the_party_size_comes_from_the_policy():
    claims = tuple(
        claim(
            at(SALE_DAY, 20),
            sale_=sale(sale_id=f"s{i}", buyer=c),
            sheets=(sheet("wang", at(d(2, 20)), customer="liu"),),
            appointments=(appt("wang", SALE_DAY, customer="liu"),),
        )
        for i, c in enumerate(("liu", "sun"))
    )
    pairs = FitnessClubPolicy(party_size=2)
    decisions = decide_party_claim(PartyClaimFacts(claims, party_size=2), pairs)
    assert [dec.outcome for dec in decisions] == [Outcome.WHOLE, Outcome.WHOLE]
    assert decisions[1].reason.rule == "FC-14"
    assert decide_party_claim(PartyClaimFacts(claims, party_size=2))[1].reason.rule == "FC-8"


def test_FC_14_found_the_same_local_day_after_a_sale_just_after_midnight():
    # Sold 03-02 00:30 local and found 01:00 local (both 03-01 in UTC): the same day.
    claims = tuple(
        claim(
            at(SALE_DAY, 1),
            sale_=sale(sale_id=f"s{i}", buyer=c, sold_at=at(SALE_DAY, 0, 30)),
            sheets=(sheet("wang", at(d(2, 20)), customer="liu"),),
            appointments=(appt("wang", SALE_DAY, customer="liu"),),
        )
        for i, c in enumerate(("liu", "sun", "zhou"))
    )
    decisions = decide_party_claim(PartyClaimFacts(claims, party_size=3))
    assert [dec.outcome for dec in decisions] == [Outcome.WHOLE] * 3


def test_FC_14_the_closer_following_another_member_is_named():
    claims = tuple(
        claim(
            at(SALE_DAY, 20),
            sale_=sale(sale_id=f"s{i}", buyer=c),
            sheets=(
                sheet("wang", at(d(2, 20)), customer="liu"),
                sheet("zhao", at(d(2, 22)), customer="sun"),
            ),
            appointments=(appt("wang", SALE_DAY, customer="liu"),),
        )
        for i, c in enumerate(("liu", "sun", "zhou"))
    )
    limited = decide_party_claim(PartyClaimFacts(claims, party_size=3))
    assert limited[2].outcome is Outcome.STAYS and limited[2].reason.rule == "FC-14"
    assert limited[2].reason.message == (
        "Wang Li follows only another member of this party of 3 and the closer Zhao Min also "
        "follows a member of the party: Wang Li gets only the member with the follow-up sheet."
    )


def test_FC_14_taking_over_refused_is_a_plain_no():
    assert may_take_over("wang", "zhao", False, False, True).ok is False
    refused = may_take_over("wang", "zhao", True, True, False)
    assert refused.ok is False and refused.reason.rule == "FC-14"
    allowed = may_take_over("wang", "zhao", True, False, False, NAMES)
    assert allowed.ok is True and allowed.reason.rule == "FC-14"
    assert allowed.reason.message == (
        "Wang Li has an appointment (to be shown afterwards) and may take over from Zhao Min."
    )
    assert may_take_over("wang", "zhao", True, True, True).reason.rule == "FC-14"


# FC-15: the joiner of a group sale ---------------------------------------------------------


def test_FC_15_only_a_same_day_separate_arrival_received_by_another_is_duty_reception():
    winner, reason = group_joiner_credit("wang", "chen", False, True, NAMES)
    assert winner == "chen" and reason.rule == "FC-15"
    assert reason.message == (
        "The customer did not join the group on its day as a separate arrival; the sale is "
        "Chen Yu's."
    )
    winner, reason = group_joiner_credit("wang", "wang", True, True)
    assert winner == "wang" and reason.message.endswith("the sale is wang's.")
    assert reason.message.startswith("The customer did not join")


def _joiner(closer: str = "chen", **kw: object):
    base: dict[str, object] = {
        "group_consultant": "wang",
        "group_sale_day": SALE_DAY,
        "group_size": 8,
        "arrived_separately": True,
        "found_day": SALE_DAY,
        "month_closed": False,
        "tz": TZ,
        "names": NAMES,
    }
    base.update(kw)
    return decide_group_joiner(sale(closer=closer, sold_at=at(SALE_DAY, 1)), **base)  # type: ignore[arg-type]


def test_FC_15_the_joiners_card_is_of_the_group_sales_local_day():
    # Sold 03-02 01:00 local, 03-01 in UTC: still the group sale's day.
    duty = _joiner()
    assert duty.outcome is Outcome.WHOLE and duty.reason.rule == "FC-15"
    other_day = _joiner(group_sale_day=d(3, 1))
    assert other_day.outcome is Outcome.STAYS and other_day.reason.rule == "FC-15"
    assert shares(other_day) == {"chen": WHOLE}
    assert other_day.evidence == ("group sale of 8 by Wang Li on 2026-03-01",)
    assert other_day.reason.message == (
        "The customer did not join the group on its day as a separate arrival; the sale is "
        "Chen Yu's."
    )
    own = _joiner(closer="wang")
    assert own.outcome is Outcome.STAYS and shares(own) == {"wang": WHOLE}
    pairs = FitnessClubPolicy(group_sale_size=2)
    assert _joiner(group_size=2, policy=pairs).outcome is Outcome.WHOLE
    with pytest.raises(FitnessRuleError) as error:
        _joiner(group_size=7)
    assert error.value.code == "NOT_A_GROUP_SALE"
    assert error.value.message == "a group sale has at least 8 people, not 7"
    refused = _joiner(found_day=d(4, 1))
    assert shares(refused) == {"chen": WHOLE} and refused.follow_up_holder == "chen"
    no_freeze = FitnessClubPolicy(month_end_freeze_days=0)
    late = decide_group_joiner(
        sale(closer="chen", sold_at=at(d(3, 20))),
        group_consultant="wang",
        group_sale_day=d(3, 20),
        group_size=8,
        arrived_separately=True,
        found_day=d(3, 30),
        month_closed=False,
        tz=TZ,
        policy=no_freeze,
    )
    assert late.outcome is Outcome.WHOLE


# Reception (FC-3, FC-8, FC-10, FC-11, FC-18) -------------------------------------------------


def test_FC_3_a_sheet_holder_who_is_not_the_receiver_is_notified():
    other = decide_reception(ReceptionFacts(receiver="zhao", sheet_holder="wang", names=NAMES))
    assert other.consultant == "wang" and other.notify == "wang"
    assert (
        other.reason.message == "Wang Li holds a valid follow-up sheet on this customer: Wang Li's."
    )
    own = decide_reception(ReceptionFacts(receiver="wang", sheet_holder="wang"))
    assert own.consultant == "wang" and own.notify is None and own.reason.rule == "FC-3"
    booked = decide_reception(ReceptionFacts(receiver="zhao", appointment_holder="wang"))
    assert booked.consultant == "wang" and booked.notify == "wang"
    assert booked.reason.rule == "FC-3"
    assert booked.reason.message == "wang has a signed appointment for today: wang's customer."


def test_FC_18_reception_order_member_asked_for_then_name_then_voucher():
    asked = decide_reception(ReceptionFacts(receiver="zhao", asked_for_member_of="wang"))
    assert asked.notify == "wang" and asked.reason.rule == "FC-18"
    assert asked.reason.message == (
        "A member's friend asked for that member: the member's consultant wang's."
    )
    brought_asking = decide_reception(
        ReceptionFacts(receiver="zhao", asked_for_member_of="wang", brought_by_member_of="wang")
    )
    assert brought_asking.consultant == "zhao" and brought_asking.notify is None
    assert brought_asking.reason.rule == "FC-18"
    assert brought_asking.reason.message == (
        "A member brought a friend who named nobody and had no appointment: whoever receives, zhao."
    )
    named = decide_reception(
        ReceptionFacts(receiver="zhao", named_consultant="wang", voucher_consultant="chen")
    )
    assert named.consultant == "wang" and named.reason.rule == "FC-10"
    assert named.reason.message == "The visitor asked for wang before touring: wang's customer."
    staff = decide_reception(
        ReceptionFacts(
            receiver="zhao", named_consultant="wang", named_by_staff=True, voucher_consultant="chen"
        )
    )
    assert staff.consultant == "chen" and staff.notify == "chen" and staff.reason.rule == "FC-11"
    voucher = decide_reception(
        ReceptionFacts(receiver="zhao", voucher_consultant="chen", appointment_holder="wang")
    )
    assert voucher.consultant == "chen"


def test_FC_8_whoever_receives_without_any_note_about_staff():
    plain = decide_reception(ReceptionFacts(receiver="zhao", names=NAMES))
    assert plain.notify is None
    assert plain.reason.message == (
        "No follow-up sheet, trial voucher or appointment: whoever receives gets the customer, "
        "Zhao Min."
    )


# FC-17: renewals ---------------------------------------------------------------------------


def test_FC_17_a_renewal_on_the_last_valid_day_is_within_validity():
    member = Membership("wang", True, valid_until=d(6, 30))
    winner, reason = decide_renewal(member, d(6, 30), closer="zhao")
    assert winner == "wang" and reason.rule == "FC-17"
    assert reason.message == (
        "The card was renewed within validity (valid until 2026-06-30); wang, the member's "
        "consultant, is still employed and gets the sale."
    )
    left = Membership("wang", False, valid_until=d(6, 30))
    winner, reason = decide_renewal(left, d(6, 1), closer="zhao", names=NAMES)
    assert winner == "zhao" and reason.rule == "FC-17"
    assert reason.message == (
        "The member's consultant Wang Li has left; the renewal on 2026-06-01 goes to whoever "
        "follows up: Zhao Min."
    )


# Fines: FC-1, FC-2, FC-9, FC-16, FC-17, FC-18, FC-20 ---------------------------------------

RAISED = FitnessClubPolicy.from_overrides(
    {
        "penalties": [
            dict(spec.to_dict(), min_amount="999", max_amount="999")
            for spec in FitnessClubPolicy().penalties
        ]
    }
)


def test_FC_1_FC_2_FC_9_FC_18_fines_name_the_staff_and_follow_the_table():
    tour = unregistered_tour_finding("zhao", False, RAISED)
    assert tour is not None and (tour.code, tour.staff, tour.amount) == ("FC-1", "zhao", 999)
    assert tour.reason.message.endswith("fine 999.")
    asked = reception_questions_finding("desk", [Question.APPOINTMENT], RAISED)
    assert asked is not None and (asked.code, asked.staff, asked.amount) == ("FC-2", "desk", 999)
    assert asked.reason.message == ("desk did not ask looking for someone, been before: fine 999.")
    none_asked = reception_questions_finding("desk", ())
    assert none_asked is not None and none_asked.amount == Decimal(100)
    refused = not_receiving_finding("chen", True, False, True, RAISED)
    assert refused is not None and (refused.code, refused.staff, refused.amount) == (
        "FC-9",
        "chen",
        999,
    )
    assert refused.reason.message == (
        "chen knew it was a colleague's customer and did not receive them: fine 999."
    )
    steer = steering_finding("zhao", True, RAISED)
    assert steer is not None and (steer.code, steer.staff, steer.amount) == ("FC-18", "zhao", 999)
    assert steer.reason.message.endswith("fine 999.")


def test_FC_16_both_fines_follow_the_table_and_the_policys_grace():
    fined = sale_phone_findings(
        "zhao", phone(own=False), "13900000000", at(SALE_DAY, 15), None, at(d(3, 3)), TZ, RAISED
    )
    assert [(f.code, f.staff, f.amount, f.reason.rule) for f in fined] == [
        ("FC-16-own-number", "zhao", 999, "FC-16"),
        ("FC-16-register", "zhao", 999, "FC-16"),
    ]
    assert fined[1].reason.message == (
        "The phone on zhao's sale of 2026-03-02 differs from the visitor register and was not "
        "copied there that day: fine 999."
    )
    lapsed = phone(unreachable_since=at(SALE_DAY, 9))
    short = FitnessClubPolicy(unreachable_grace_hours=2)
    now = at(SALE_DAY, 12)
    assert sale_phone_findings("zhao", lapsed, None, at(SALE_DAY, 15), None, now, TZ) == ()
    late = sale_phone_findings("zhao", lapsed, None, at(SALE_DAY, 15), None, now, TZ, short)
    assert [f.code for f in late] == ["FC-16-own-number"]


def test_FC_16_the_sale_day_is_the_sites_local_day():
    night = at(SALE_DAY, 0, 30)  # 03-01 in UTC
    args = ("zhao", phone(), "13900000000", night)
    assert sale_phone_findings(*args, None, at(SALE_DAY, 20), TZ) == ()
    assert [f.code for f in sale_phone_findings(*args, None, at(d(3, 3), 1), TZ)] == [
        "FC-16-register"
    ]
    assert sale_phone_findings(*args, at(SALE_DAY, 20), at(d(3, 5)), TZ) == ()
    fixed_late = sale_phone_findings(*args, at(d(3, 3), 1), at(d(3, 5)), TZ)
    assert [f.code for f in fixed_late] == ["FC-16-register"]


def test_FC_17_prices_must_both_be_decimal_and_the_fine_follows_the_table():
    for price, list_price in ((2599.0, Decimal(2999)), (Decimal(2599), 2999.0)):
        with pytest.raises(FitnessRuleError) as error:
            renewal_price_cut_finding("zhao", price, list_price)  # type: ignore[arg-type]
        assert error.value.code == "MONEY_NOT_DECIMAL"
        assert error.value.message == "prices are Decimal"
    fined = renewal_price_cut_finding("zhao", Decimal("2998.99"), Decimal("2999.00"), RAISED)
    assert fined is not None and (fined.code, fined.staff, fined.amount) == ("FC-17", "zhao", 999)
    assert fined.reason.message == (
        "zhao renewed at 2998.99 below the list price 2999.00 to win the renewal: fine 999."
    )


def test_FC_20_only_a_colleagues_earlier_sheet_shown_before_this_one_fines():
    new = sheet("wang", at(d(3, 1)))
    earlier = sheet("chen", at(d(2, 20)))
    shown = {"chen": at(d(3, 1))}  # shown the very moment the new sheet was made
    verdict, fine = follow_up_sheet_check(new, [earlier], shown, RAISED)
    assert verdict.ok is False and verdict.reason.rule == "FC-20"
    assert fine is not None and (fine.code, fine.staff, fine.amount) == ("FC-20", "wang", 999)
    assert fine.reason == verdict.reason
    assert verdict.reason.message == (
        "chen had shown an earlier follow-up sheet on this customer; wang's sheet is invalid: "
        "fine 999."
    )
    for ignored, when in (
        (sheet("chen", at(d(2, 20)), customer="sun"), at(d(2, 28))),  # another customer
        (sheet("wang", at(d(2, 20))), at(d(2, 28))),  # the consultant's own earlier sheet
        (earlier, at(d(3, 1), 10, 1)),  # shown only after the new sheet
        (sheet("chen", at(d(3, 1))), at(d(3, 1))),  # made the same moment: independent
    ):
        verdict, fine = follow_up_sheet_check(new, [ignored], {ignored.consultant: when})
        assert verdict.ok is True and fine is None and verdict.reason.rule == "FC-23", ignored
        assert verdict.reason.message == (
            "wang's follow-up sheet was made independently; if a colleague also follows this "
            "customer the earlier sheet wins (FC-23), no fine."
        )
    verdict, fine = follow_up_sheet_check(new, [sheet("wang", at(d(2, 20))), earlier], shown)
    assert verdict.ok is False and fine is not None


# FC-22: change forms and the month close ---------------------------------------------------


def _form(**kw: object) -> ChangeForm:
    base: dict[str, object] = {
        "sale_day": d(3, 20),
        "from_consultant": "zhao",
        "to_consultant": "wang",
        "agreed_by_both": True,
        "manager_signed_at": at(d(3, 21), 9),
        "director_signed_at": at(d(3, 21), 10),
    }
    base.update(kw)
    return ChangeForm(**base)  # type: ignore[arg-type]


def test_FC_22_a_change_form_signed_in_order_moves_the_sale():
    ok = decide_change_form(_form(director_signed_at=at(d(3, 21), 9)), d(3, 21), False)
    assert ok.ok is True and ok.reason.rule == "FC-22"
    assert ok.reason.message == (
        "Agreed by both, signed by the manager and then the director: the sale of 2026-03-20 "
        "moves from zhao to wang."
    )
    for broken in (
        _form(agreed_by_both=False),
        _form(manager_signed_at=None),
        _form(director_signed_at=None),
        _form(director_signed_at=at(d(3, 21), 8)),
    ):
        verdict = decide_change_form(broken, d(3, 21), False)
        assert verdict.ok is False and verdict.reason.rule == "FC-22"
    frozen = decide_change_form(_form(), d(3, 29), False)
    assert frozen.ok is False and frozen.reason.rule == "FC-22"
    no_freeze = FitnessClubPolicy(month_end_freeze_days=0)
    assert decide_change_form(_form(), d(3, 29), False, no_freeze).ok is True
    with pytest.raises(FitnessRuleError) as error:
        decide_change_form(_form(to_consultant="zhao"), d(3, 21), False)
    assert error.value.code == "SAME_CONSULTANT"
    assert error.value.message == "a change form moves a sale to someone else"


def test_FC_22_month_checks_name_the_month_and_its_dates():
    across = month_change_check(d(3, 31), d(4, 1), False)
    assert across is not None and across.rule == "FC-22"
    assert across.message == (
        "The sale of 2026-03-31 belongs to a month that has closed (2026-03-31); claims across "
        "months are refused."
    )
    assert month_change_check(date(2025, 3, 2), d(3, 2), False) is not None  # a year apart
    closed = month_change_check(d(3, 2), d(3, 3), True)
    assert closed is not None and closed.rule == "FC-22"
    assert closed.message == (
        "The month of the sale of 2026-03-02 has been closed; its attributions are frozen."
    )
    freeze = month_change_check(d(3, 20), d(3, 29), False)
    assert freeze is not None and freeze.message == (
        "2026-03-29 is in the last 3 days of the month (from 2026-03-29); only same-day sales "
        "can change, not the sale of 2026-03-20."
    )
    assert (
        month_change_check(d(3, 20), d(3, 31), False, FitnessClubPolicy(month_end_freeze_days=0))
        is None
    )
    five = FitnessClubPolicy(month_end_freeze_days=5)
    assert month_change_check(d(3, 20), d(3, 26), False, five) is None
    assert month_change_check(d(3, 20), d(3, 27), False, five) is not None
    early = month_close_check(d(3, 1), at(d(3, 30), 23, 59), TZ)
    assert early.ok is False
    closes = month_close_check(d(3, 15), at(d(3, 31), 1), TZ)  # 03-30 in UTC
    assert closes.ok is True and closes.reason.rule == "FC-22"
    assert closes.reason.message == "The month 2026-03 closes; its attributions are frozen."


def test_FC_14_a_sheet_made_on_the_sale_day_in_the_sites_zone_anchors_the_party():
    # Sold 03-02 00:30 local; the sheets were made 03-02 00:10 local (03-01 in UTC).
    def party(*sheets: FollowUpSheet) -> tuple:
        claims = tuple(
            claim(
                at(SALE_DAY, 20),
                sale_=sale(sale_id=f"s{i}", buyer=c, sold_at=at(SALE_DAY, 0, 30)),
                sheets=sheets,
                appointments=(appt("wang", SALE_DAY, customer="liu"),),
            )
            for i, c in enumerate(("liu", "sun", "zhou"))
        )
        return decide_party_claim(PartyClaimFacts(claims, party_size=3))

    mine = sheet("wang", at(SALE_DAY, 0, 10), customer="liu")
    assert [dec.outcome for dec in party(mine)][1:] == [Outcome.WHOLE, Outcome.WHOLE]
    theirs = sheet("zhao", at(SALE_DAY, 0, 10), customer="sun")
    assert [dec.outcome for dec in party(mine, theirs)][1:] == [Outcome.STAYS, Outcome.STAYS]


def test_FC_14_each_members_own_claim_follows_the_policys_windows():
    one_day = FitnessClubPolicy(whole_claim_days=1, half_claim_days=5)

    def decisions(size: int, sheets_on: tuple[str, ...]) -> list[tuple[str, Outcome]]:
        claims = tuple(
            claim(
                at(d(3, 3)),
                sale_=sale(sale_id=f"s{i}", buyer=c),
                sheets=tuple(sheet("wang", at(d(2, 20)), customer=on) for on in sheets_on),
                register=(_entry(customer=c, named_consultant="wang"),),
            )
            for i, c in enumerate(("liu", "sun", "zhou"))
        )
        found = decide_party_claim(PartyClaimFacts(claims, size), one_day)
        return [(dec.reason.rule, dec.outcome) for dec in found]

    # Found on day 2: half under a one-day whole window (the default would give the whole).
    assert decisions(3, ("liu",))[0] == ("FC-4", Outcome.HALF)  # the sheet's customer
    assert decisions(2, ("liu",))[0] == ("FC-4", Outcome.HALF)  # not a party: each alone
    assert decisions(3, ())[0] == ("FC-10", Outcome.HALF)  # no sheet: each claim alone


def test_FC_22_a_claim_in_the_last_days_follows_the_policys_freeze():
    no_freeze = FitnessClubPolicy(month_end_freeze_days=0)
    sold = sale(sold_at=at(d(3, 20)))
    facts = claim(at(d(3, 30)), sale_=sold, sheets=(sheet("wang", at(d(3, 15))),))
    assert decide_claim(facts).outcome is Outcome.REFUSED
    assert decide_claim(facts, no_freeze).outcome is Outcome.HALF


def test_claims_on_own_sale_before_the_sale_or_on_a_future_sale_say_why():
    with pytest.raises(FitnessRuleError) as error:
        decide_claim(ClaimFacts(sale=sale(), claimant="zhao", found_at=at(d(3, 3)), tz=TZ))
    assert error.value.message == "a consultant cannot claim their own sale"
    with pytest.raises(FitnessRuleError) as error:
        decide_claim(claim(at(SALE_DAY, 14, 59)))
    assert error.value.code == "FOUND_BEFORE_SALE"
    assert error.value.message == "a claim cannot be found before the sale"
    with pytest.raises(FitnessRuleError) as error:
        claim_window(SALE_DAY, d(3, 1))
    assert error.value.message == "the sale of 2026-03-02 is after 2026-03-01"


def test_FC_3_a_claims_sheet_month_counts_in_the_sites_zone():
    # Made 02-02 01:00 local (02-01 in UTC): valid through 03-01, the day of this sale.
    made = sheet("wang", at(d(2, 2), 1))
    sold = sale(sold_at=at(d(3, 1), 15))
    decision = decide_claim(claim(at(d(3, 2)), sale_=sold, sheets=(made,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-4"
    assert decision.evidence == ("follow-up sheet by Wang Li made 2026-02-02",)


def test_FC_4_a_claim_found_too_late_still_shows_its_evidence():
    stays = decide_claim(claim(at(d(3, 17)), sheets=(sheet("wang", at(d(2, 20))),)))
    assert stays.outcome is Outcome.STAYS and stays.reason.rule == "FC-4"
    assert stays.evidence == ("follow-up sheet by Wang Li made 2026-02-20",)


def test_FC_5_the_customers_own_mobile_counts_with_its_country_code():
    """Seed: 有效號碼:(姓+本人手機). +86 138 1234 5678 is the same own mobile as 13812345678;
    the rule once counted its 13 digits as "not a full 11-digit mobile number"."""
    now = at(SALE_DAY)
    for written in ("+86 138 1234 5678", "+8613812345678", "8613812345678"):
        verdict = phone_validity(Phone("Liu", written), now)
        assert verdict.ok is True and verdict.reason.rule == "FC-5", written
        assert verdict.reason.message == (
            f"Liu {written} is the customer's own legible mobile: valid."
        )
    short = phone_validity(Phone("Liu", "+86 138 1234 567"), now)
    assert short.ok is False and short.reason.rule == "FC-5"
    assert short.reason.message == "Liu +86 138 1234 567 is not a full 11-digit mobile number."
    # FC-16: a sale carrying the own mobile with +86 is not fined 200.
    sold = at(SALE_DAY, 15)
    own = Phone("Liu", "+86 138 1234 5678")
    assert sale_phone_findings("zhao", own, None, sold, None, at(d(3, 3)), TZ) == ()
    # FC-3: a sheet with the +86 number is evidence for the claim (FC-4).
    sheet86 = FollowUpSheet("wang", "liu", own, at(d(2, 20)))
    decision = decide_claim(claim(at(d(3, 3)), sheets=(sheet86,)))
    assert decision.outcome is Outcome.WHOLE and decision.reason.rule == "FC-4"


def test_FC_6_the_appointing_consultants_sheet_may_write_the_full_number_with_86():
    masked = appt("wang", SALE_DAY, number="138****5678")
    held = FollowUpSheet("wang", "liu", Phone("Liu", "+86 138 1234 5678"), at(d(2, 20)))
    verdict = appointment_validity(masked, SALE_DAY, [held])
    assert verdict.ok is True and verdict.reason.rule == "FC-6"
    full = appointment_validity(appt("wang", SALE_DAY, number="+86 13812345678"), SALE_DAY, [])
    assert full.ok is True and full.reason.rule == "FC-3"
    short = appointment_validity(appt("wang", SALE_DAY, number="+86 1381234567"), SALE_DAY, [])
    assert short.ok is False and short.reason.rule == "FC-6"
