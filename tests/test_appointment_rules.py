"""C-3 visit appointments as pure rules (issue 12, ahead of their tables and check-in wiring):
lead times per kind (refused one minute short, accepted at exactly the lead time), approval,
and ordinary parties under 5 not received."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.appointment_rules import (
    DEFAULT_APPOINTMENT_KINDS,
    AppointmentFacts,
    appointment_refusal,
)

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
