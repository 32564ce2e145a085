"""C-3 visit appointments as pure rules (issue 12, ahead of their tables and check-in wiring):
lead times per kind (refused one minute short, accepted at exactly the lead time), approval,
and ordinary parties under 5 not received."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.appointment_rules import (
    DEFAULT_APPOINTMENT_KINDS,
    AppointmentFacts,
    appointment_refusal,
)
from core.decisions import Reason

SHANGHAI = ZoneInfo("Asia/Shanghai")
VISIT = datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI)


def _appointment(kind: str, ahead: timedelta, head_count: int = 6) -> AppointmentFacts:
    return AppointmentFacts(
        kind=DEFAULT_APPOINTMENT_KINDS[kind],
        made_at=VISIT - ahead,
        visit_at=VISIT,
        head_count=head_count,
        approved_at=VISIT - ahead + timedelta(minutes=5),
    )


def test_C_3_lead_time_refused_one_minute_short_accepted_at_exactly_the_lead() -> None:
    for kind, lead in (
        ("key", timedelta(days=3)),
        ("important", timedelta(days=5)),
        ("ordinary", timedelta(days=1)),
        ("ad_hoc", timedelta(hours=1)),
    ):
        assert appointment_refusal(_appointment(kind, lead), VISIT) is None, kind
        short = appointment_refusal(_appointment(kind, lead - timedelta(minutes=1)), VISIT)
        assert short is not None and short.rule == "C-3", kind
        assert "before the visit" in short.message


def test_C_3_no_appointment_or_no_approval_is_refused_at_check_in() -> None:
    missing = appointment_refusal(None, VISIT)
    assert missing is not None and missing.rule == "C-3"
    unapproved = _appointment("key", timedelta(days=4))
    unapproved = AppointmentFacts(
        unapproved.kind, unapproved.made_at, VISIT, unapproved.head_count, None
    )
    reason = appointment_refusal(unapproved, VISIT)
    assert reason is not None and "not approved" in reason.message
    approved_too_late = AppointmentFacts(
        unapproved.kind, unapproved.made_at, VISIT, 6, VISIT + timedelta(minutes=1)
    )
    assert appointment_refusal(approved_too_late, VISIT) is not None


def test_C_3_ordinary_parties_under_five_are_not_received() -> None:
    small = appointment_refusal(_appointment("ordinary", timedelta(days=2), head_count=4), VISIT)
    assert small is not None and small.rule == "C-3" and "at least 5" in small.message
    assert appointment_refusal(_appointment("ordinary", timedelta(days=2), 5), VISIT) is None
    # A key visit has no minimum group size.
    assert appointment_refusal(_appointment("key", timedelta(days=3), head_count=1), VISIT) is None


# Issue 11 (test strength): the sentences and the exact edges of C-3.


def test_C_3_each_refusal_says_why_in_a_sentence() -> None:
    assert appointment_refusal(None, VISIT) == Reason(
        "C-3", "a visit without an approved appointment is refused"
    )
    unapproved = replace(_appointment("key", timedelta(days=4)), approved_at=None)
    assert appointment_refusal(unapproved, VISIT) == Reason(
        "C-3", "the key or group visit appointment is not approved"
    )
    short = _appointment("important", timedelta(days=4, hours=23, minutes=59))
    assert appointment_refusal(short, VISIT) == Reason(
        "C-3",
        "the important customer appointment was made 4 d 23 h 59 min before the visit; "
        "it needs 5 d",
    )
    small = appointment_refusal(_appointment("ordinary", timedelta(days=2), 4), VISIT)
    assert small == Reason(
        "C-3", "a party of 4 is not received for this ordinary visit: at least 5"
    )
    # An appointment entered after the visit was due is refused, and the sentence says so.
    late = replace(
        _appointment("ordinary", timedelta(days=2)),
        made_at=VISIT + timedelta(minutes=1),
        approved_at=VISIT + timedelta(minutes=2),
    )
    assert appointment_refusal(late, VISIT + timedelta(minutes=5)) == Reason(
        "C-3",
        "the ordinary visit appointment was made 1 min after the visit was due; it needs 1 d "
        "before",
    )


def test_C_3_an_approval_given_at_the_moment_of_arrival_counts() -> None:
    on_arrival = replace(_appointment("key", timedelta(days=4)), approved_at=VISIT)
    assert appointment_refusal(on_arrival, VISIT) is None
    late = replace(on_arrival, approved_at=VISIT + timedelta(microseconds=1))
    assert appointment_refusal(late, VISIT) is not None


def test_C_3_lead_times_are_written_in_days_hours_and_minutes() -> None:
    def needs(ahead: timedelta) -> str:
        made = _appointment("ad_hoc", ahead)
        reason = appointment_refusal(replace(made, approved_at=made.made_at), VISIT)
        assert reason is not None
        return reason.message.split(" made ", 1)[1]

    assert needs(timedelta(minutes=59)) == "59 min before the visit; it needs 1 h"
    assert needs(timedelta(0)) == "0 min before the visit; it needs 1 h"
    assert needs(timedelta(seconds=59)) == "0 min before the visit; it needs 1 h"
    key = appointment_refusal(_appointment("key", timedelta(days=2, minutes=1)), VISIT)
    assert key is not None and key.message.endswith("made 2 d 1 min before the visit; it needs 3 d")


# --- C-3 at the desk and the generic booking's validity (issue 12) ----------------------------


def test_C_3_check_in_without_an_appointment_refused_only_where_the_line_requires_one() -> None:
    from core.appointment_rules import check_in_refusal

    assert check_in_refusal(required=False, appointment=None, arrived_at=VISIT) is None
    refused = check_in_refusal(required=True, appointment=None, arrived_at=VISIT)
    assert refused == Reason(
        "C-3",
        "a visit without an approved appointment is refused at check-in: this site receives "
        "such visits only by appointment",
    )


def test_C_3_check_in_with_an_appointment_judges_it_whatever_the_policy() -> None:
    from core.appointment_rules import check_in_refusal

    good = _appointment("ordinary", timedelta(days=1))
    short = _appointment("ordinary", timedelta(days=1) - timedelta(minutes=1))
    for required in (False, True):
        assert check_in_refusal(required=required, appointment=good, arrived_at=VISIT) is None
        refused = check_in_refusal(required=required, appointment=short, arrived_at=VISIT)
        assert refused == appointment_refusal(short, VISIT)
        assert refused is not None and refused.rule == "C-3"


def _booking(**kw: object):
    from datetime import date

    from core.appointment_rules import BookingFacts, BookingKind

    kind = kw.pop("kind", None) or BookingKind(
        "appointment", "Appointment book", False, ("signature", "sms"), ("director",), "FC-3"
    )
    return BookingFacts(kind=kind, business_date=kw.pop("day", date(2026, 12, 10)), **kw)  # type: ignore[arg-type]


def test_FC_3_a_booking_counts_only_on_its_own_day_and_once_approved() -> None:
    from datetime import date

    from core.appointment_rules import booking_validity

    day = date(2026, 12, 10)
    ok, why = booking_validity(_booking(status="held", approval="signature"), day)
    assert ok and why == Reason(
        "FC-3", "the appointment book entry for 2026-12-10 counts on its day (signature)"
    )
    ok, why = booking_validity(_booking(status="honoured", approval="sms"), day)
    assert ok and why.message.endswith("counts on its day (sms)")
    ok, why = booking_validity(_booking(status="held", approval="signature"), date(2026, 12, 11))
    assert not ok and why == Reason(
        "FC-3",
        "the appointment book entry for 2026-12-10 is valid only on its own day, not on 2026-12-11",
    )
    ok, why = booking_validity(_booking(status="held", approval="signature"), date(2026, 12, 9))
    assert not ok and why.message.endswith("not on 2026-12-09")
    ok, why = booking_validity(_booking(status="held"), day)
    assert not ok and why == Reason(
        "FC-3",
        "the appointment book entry for 2026-12-10 takes effect only with a signature or an "
        "SMS; it has none",
    )
    ok, why = booking_validity(_booking(status="held", approval="phone"), day)
    assert not ok and why.message.endswith("it has none")


def test_KTV_11_cancelled_and_no_show_bookings_never_count_a_room_needs_no_approval() -> None:
    from datetime import date

    from core.appointment_rules import BookingKind, booking_validity

    day = date(2026, 12, 10)
    room = BookingKind("room", "Room")
    assert (room.exclusive, room.approvals, room.rule) == (True, (), "KTV-11")
    ok, why = booking_validity(_booking(kind=room, status="held"), day)
    assert ok and why == Reason("KTV-11", "the room entry for 2026-12-10 counts on its day")
    for status, said in (("cancelled", "cancelled"), ("no_show", "no-show")):
        ok, why = booking_validity(_booking(kind=room, status=status), day)
        assert not ok and why == Reason("KTV-11", f"the room entry for 2026-12-10 is {said}")
        # Even approved and on its day, a cancelled appointment-book entry does not count.
        ok, why = booking_validity(_booking(status=status, approval="signature"), day)
        assert not ok and why.message == f"the appointment book entry for 2026-12-10 is {said}"
    only_sms = BookingKind("slot", "Slot", False, ("sms",), (), "FC-6")
    ok, why = booking_validity(_booking(kind=only_sms, status="held"), day)
    assert not ok and why == Reason(
        "FC-6", "the slot entry for 2026-12-10 takes effect only with an SMS; it has none"
    )
    ok, why = booking_validity(_booking(kind=only_sms, status="held", approval="signature"), day)
    assert not ok
