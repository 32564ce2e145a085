"""Whose sale a membership card is (对单), and what consultants are fined for.

DOMAIN.md FC-1 … FC-23 (seed 000 篇八) as pure functions: no database, no web, no clock.
Every function takes plain facts (and ``now`` or ``found_at``, timezone-aware) and returns a
decision carrying a :class:`Reason` with the FC rule id and a sentence a club director can
read. Consultants are plain string ids; ``names`` maps them to what a reason should print.

Counting (DOMAIN *Decided*): days are calendar dates in the site's time zone (``tz``) and the
sale's date is day 1. A sale on 03-02 claimed on 03-02 … 03-08 goes whole to the claimant,
03-09 … 03-16 half and half, from 03-17 it stays with the closer (FC-4).

A typical claim::

    facts = ClaimFacts(sale=sale, claimant="wang", found_at=now, tz=tz, sheets=sheets)
    decision = decide_claim(facts)
    decision.shares          # (Share("wang", Decimal("1")),)
    decision.reason.rule     # "FC-4"
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from core.plugin_api.rules import PenaltyRuleSpec, Reason
from plugins.fitnessclub.policy import (
    DEFAULT_POLICY,
    LATE_FOLLOW_UP_SHEET,
    NOT_RECEIVING,
    PHONE_NOT_COPIED,
    PHONE_NOT_OWN,
    QUESTIONS_NOT_ASKED,
    RENEWAL_PRICE_CUT,
    STEERING_FRIEND,
    UNREGISTERED_TOUR,
    FitnessClubPolicy,
)

WHOLE = Decimal(1)
HALF = Decimal("0.5")


class FitnessRuleError(ValueError):
    """Facts the rules cannot decide on; ``code`` is stable for GraphQL extensions."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- facts -------------------------------------------------------------------------------


class Signature(StrEnum):
    """Who made an appointment effective (FC-3, seed item 10: 總監或總經理簽字, 或短信)."""

    NONE = "none"
    DIRECTOR = "director"
    GENERAL_MANAGER = "general_manager"
    SMS = "sms"


class SaleKind(StrEnum):
    NEW = "new"
    UPGRADE = "upgrade"
    RENEWAL = "renewal"


class LeadKind(StrEnum):
    """A same-day lead of FC-12 (當日接咨詢電話或當日派單留的號碼)."""

    PHONE_INQUIRY = "phone_inquiry"
    FLYER = "flyer"
    # FC-11: a trial voucher shown at the door (stored with the leads; not an FC-12 lead).
    TRIAL_VOUCHER = "trial_voucher"


class Question(StrEnum):
    """The three reception questions of FC-2."""

    LOOKING_FOR_SOMEONE = "looking_for_someone"
    BEEN_BEFORE = "been_before"
    APPOINTMENT = "appointment"


class Outcome(StrEnum):
    WHOLE = "whole"
    HALF = "half"
    STAYS = "stays"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Phone:
    """A number as written on a record, with what is known about it (FC-5)."""

    surname: str
    number: str
    legible: bool = True
    altered: bool = False
    own: bool = True
    unreachable_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.unreachable_since is not None:
            _require_aware(self.unreachable_since, "unreachable_since")


@dataclass(frozen=True, slots=True)
class FollowUpSheet:
    """A follow-up sheet (跟進表): consultant, surname, the customer's full mobile (FC-3)."""

    consultant: str
    customer: str
    phone: Phone
    created_at: datetime
    # FC-20: made after a colleague had shown their earlier sheet on this customer.
    made_after_shown: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.created_at, "created_at")


@dataclass(frozen=True, slots=True)
class Appointment:
    """A line of the appointment book (預約表): valid only on ``visit_date`` (FC-3)."""

    consultant: str
    customer: str
    phone: str
    visit_date: date
    entered_at: datetime
    signature: Signature = Signature.NONE

    def __post_init__(self) -> None:
        _require_aware(self.entered_at, "entered_at")


@dataclass(frozen=True, slots=True)
class TrialVoucher:
    """A trial voucher (體驗券) shown at the door, naming its consultant (FC-11)."""

    consultant: str
    customer: str
    shown_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.shown_at, "shown_at")


@dataclass(frozen=True, slots=True)
class Lead:
    """A same-day phone inquiry or flyer number taken by ``consultant`` (FC-12)."""

    consultant: str
    customer: str
    kind: LeadKind
    at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """A visitor register line (來訪登記, FC-1): who registered the visitor and when.

    ``named_consultant`` is the consultant the visitor asked for before touring (FC-10);
    ``named_by_staff`` marks a name suggested by staff once inside, which does not count.
    ``member_consultant`` is the consultant of a member the visitor asked for (FC-10/FC-18);
    ``brought_by_member`` marks a friend a member brought along (FC-18).
    """

    customer: str
    registered_by: str
    at: datetime
    phone: str = ""
    named_consultant: str | None = None
    named_by_staff: bool = False
    member_consultant: str | None = None
    brought_by_member: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class Sale:
    """A card sale: who closed it, the buyer, the card's user if another person (FC-21)."""

    sale_id: str
    closer: str
    buyer: str
    sold_at: datetime
    user: str | None = None
    kind: SaleKind = SaleKind.NEW
    group_size: int = 1
    # FC-7: the visitor had no register entry before the sale.
    registered: bool = True

    def __post_init__(self) -> None:
        _require_aware(self.sold_at, "sold_at")
        if self.group_size < 1:
            raise FitnessRuleError("INVALID_GROUP_SIZE", "a sale's group size is at least 1")

    @property
    def customer(self) -> str:
        """Whose sale it is: the card's user when someone else bought it (FC-21)."""
        return self.user or self.buyer


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A claim (对单) by ``claimant`` on ``sale``, found at ``found_at``, with the evidence
    of the sale's customer (every consultant's records of that customer)."""

    sale: Sale
    claimant: str
    found_at: datetime
    tz: tzinfo
    sheets: tuple[FollowUpSheet, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    vouchers: tuple[TrialVoucher, ...] = ()
    leads: tuple[Lead, ...] = ()
    register: tuple[RegisterEntry, ...] = ()
    month_closed: bool = False
    names: Mapping[str, str] = field(default_factory=dict)
    # Customers' names for the sentences (customer keys are not staff ids).
    customer_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware(self.found_at, "found_at")


@dataclass(frozen=True, slots=True)
class Share:
    consultant: str
    fraction: Decimal


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """Who gets the sale and in what shares, who keeps serving the member (FC-13), why."""

    outcome: Outcome
    shares: tuple[Share, ...]
    follow_up_holder: str
    reason: Reason
    evidence: tuple[str, ...] = ()

    def share_of(self, consultant: str) -> Decimal:
        return sum((s.fraction for s in self.shares if s.consultant == consultant), Decimal(0))


@dataclass(frozen=True, slots=True)
class Finding:
    """A fine a rule detected: the penalty code, who, how much, and why."""

    code: str
    staff: str
    amount: Decimal
    reason: Reason


@dataclass(frozen=True, slots=True)
class Verdict:
    """A yes/no decision with its reason (evidence validity, permissions)."""

    ok: bool
    reason: Reason


# --- helpers -----------------------------------------------------------------------------


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise FitnessRuleError("NAIVE_DATETIME", f"{name} must be timezone-aware, got {moment}")


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar date of ``moment`` in the site's time zone."""
    _require_aware(moment, "moment")
    return moment.astimezone(tz).date()


def day_number(sale_day: date, found_day: date) -> int:
    """The day a claim is found on, counting the sale's date as day 1 (DOMAIN *Decided*)."""
    return (found_day - sale_day).days + 1


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _name(names: Mapping[str, str], who: str) -> str:
    return names.get(who, who)


def _fmt(day: date) -> str:
    return day.isoformat()


# --- evidence: FC-3, FC-5, FC-6, FC-20 -----------------------------------------------------

_DIGITS = re.compile(r"\D")


def _digits(number: str) -> str:
    return _DIGITS.sub("", number)


_COUNTRY_CODES = ("+86", "0086", "86")  # mainland China, as customers write it


def _without_country_code(compact: str) -> str:
    """``compact`` (no spaces or dashes) without a leading +86 / 0086 / 86 when 11 characters
    follow it: the customer's own mobile written with its country code is the same number."""
    for code in _COUNTRY_CODES:
        if compact.startswith(code) and len(compact) == len(code) + 11:
            return compact[len(code) :]
    return compact


def national(number: str) -> str:
    """The digits of a mainland mobile without the country code (+86, 0086 or 86; E.164 or
    as written)."""
    return _without_country_code(_digits(number))


def masked_form(number: str) -> str:
    """The number as written, without spaces, dashes and a country code (FC-6 compares the
    first three and last four of this)."""
    return _without_country_code(number.replace(" ", "").replace("-", ""))


def is_masked(number: str) -> bool:
    """An 11-digit mobile with its middle four digits left out (138****5678, also written
    +86 138****5678; FC-6)."""
    compact = masked_form(number)
    return (
        len(compact) == 11
        and compact[3:7] in {"****", "xxxx", "XXXX"}
        and compact[:3].isdigit()
        and compact[7:].isdigit()
    )


def phone_validity(
    phone: Phone, now: datetime, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> Verdict:
    """FC-5: a valid number is a surname plus the customer's own mobile, legible and unaltered;
    a number found unreachable stays valid for ``unreachable_grace_hours`` (48 h, *Decided*)
    from the first recorded failure, then is invalid.

    The mobile counts as written with or without the +86 country code (seed: 有效號碼:
    (姓+本人手機) — +86 138 1234 5678 is the same own mobile as 13812345678; counting its
    13 digits as "not a full 11-digit mobile" would void a sheet and fine a sale, FC-16)."""
    _require_aware(now, "now")
    shown = f"{phone.surname or '(no surname)'} {phone.number}"
    if not phone.surname.strip():
        return Verdict(
            False, Reason("FC-5", f"{shown}: no surname is written, so it is not a valid number.")
        )
    if not phone.legible or phone.altered:
        why = "illegible" if not phone.legible else "written over"
        return Verdict(
            False,
            Reason("FC-5", f"{shown} is {why}; such a number is invalid and cannot be disputed."),
        )
    if len(national(phone.number)) != 11:
        return Verdict(False, Reason("FC-5", f"{shown} is not a full 11-digit mobile number."))
    if not phone.own:
        return Verdict(False, Reason("FC-5", f"{shown} is not the customer's own mobile."))
    if phone.unreachable_since is not None:
        deadline = phone.unreachable_since + timedelta(hours=policy.unreachable_grace_hours)
        if now >= deadline:
            return Verdict(
                False,
                Reason(
                    "FC-5",
                    f"{shown} has been unreachable since {phone.unreachable_since.isoformat()}; "
                    f"after the {policy.unreachable_grace_hours}-hour grace it is invalid.",
                ),
            )
        return Verdict(
            True,
            Reason(
                "FC-5",
                f"{shown} is unreachable but still within its {policy.unreachable_grace_hours}"
                f"-hour grace (until {deadline.isoformat()}).",
            ),
        )
    return Verdict(True, Reason("FC-5", f"{shown} is the customer's own legible mobile: valid."))


def sheet_valid_through(
    sheet: FollowUpSheet, tz: tzinfo, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> date:
    """FC-3: the last sale date a sheet is evidence for (made 03-10 → through 04-09)."""
    made = local_date(sheet.created_at, tz)
    return add_months(made, policy.follow_up_valid_months) - timedelta(days=1)


def sheet_validity(
    sheet: FollowUpSheet,
    on_day: date,
    now: datetime,
    tz: tzinfo,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
    names: Mapping[str, str] | None = None,
) -> Verdict:
    """Is ``sheet`` evidence for a sale on ``on_day``? FC-3 (one month), FC-5 (its number),
    FC-20 (made after a colleague showed an earlier sheet: invalid)."""
    names = names or {}
    who = _name(names, sheet.consultant)
    made = local_date(sheet.created_at, tz)
    if sheet.made_after_shown:
        return Verdict(
            False,
            Reason(
                "FC-20",
                f"{who}'s follow-up sheet of {_fmt(made)} was made after a colleague had shown "
                "an earlier one; it is invalid.",
            ),
        )
    if on_day < made:
        return Verdict(
            False,
            Reason(
                "FC-3", f"{who}'s follow-up sheet was made on {_fmt(made)}, after {_fmt(on_day)}."
            ),
        )
    through = sheet_valid_through(sheet, tz, policy)
    if on_day > through:
        return Verdict(
            False,
            Reason(
                "FC-3",
                f"{who}'s follow-up sheet of {_fmt(made)} was valid through {_fmt(through)}; "
                f"it no longer counts on {_fmt(on_day)}.",
            ),
        )
    phone = phone_validity(sheet.phone, now, policy)
    if not phone.ok:
        return Verdict(False, Reason("FC-5", f"{who}'s follow-up sheet: {phone.reason.message}"))
    return Verdict(
        True,
        Reason(
            "FC-3",
            f"{who}'s follow-up sheet of {_fmt(made)} is valid through {_fmt(through)}.",
        ),
    )


def appointment_validity(
    appointment: Appointment,
    on_day: date,
    sheets: Iterable[FollowUpSheet],
    names: Mapping[str, str] | None = None,
) -> Verdict:
    """Does ``appointment`` count on ``on_day``? FC-3: only on its own day, and only signed by
    the director or general manager or approved by SMS; FC-6: a number without its middle
    four digits only when the appointing consultant's own sheet holds the full number."""
    names = names or {}
    who = _name(names, appointment.consultant)
    if appointment.signature is Signature.NONE:
        return Verdict(
            False,
            Reason(
                "FC-3",
                f"{who}'s appointment for {_fmt(appointment.visit_date)} has no signature of the "
                "director or general manager and no SMS approval; it has no effect.",
            ),
        )
    if appointment.visit_date != on_day:
        return Verdict(
            False,
            Reason(
                "FC-3",
                f"{who}'s appointment was for {_fmt(appointment.visit_date)}; an appointment "
                f"counts only on its day, not on {_fmt(on_day)}.",
            ),
        )
    if is_masked(appointment.phone):
        written = masked_form(appointment.phone)
        head, tail = written[:3], written[-4:]
        for sheet in sheets:
            full = national(sheet.phone.number)
            if (
                sheet.consultant == appointment.consultant
                and sheet.customer == appointment.customer
                and len(full) == 11
                and full[:3] == head
                and full[-4:] == tail
            ):
                return Verdict(
                    True,
                    Reason(
                        "FC-6",
                        f"{who}'s appointment leaves out the middle four digits; {who}'s own "
                        "follow-up sheet holds the full number, so it counts.",
                    ),
                )
        return Verdict(
            False,
            Reason(
                "FC-6",
                f"{who}'s appointment leaves out the middle four digits and {who} has no "
                "follow-up sheet with the full number; it is invalid.",
            ),
        )
    if len(national(appointment.phone)) != 11:
        return Verdict(
            False,
            Reason("FC-6", f"{who}'s appointment does not carry the full mobile number; invalid."),
        )
    return Verdict(
        True,
        Reason("FC-3", f"{who}'s appointment for {_fmt(on_day)} is signed and counts that day."),
    )


# --- claims: FC-4, FC-7, FC-8 … FC-15, FC-19, FC-21, FC-22, FC-23 ----------------------------


def _decision(
    facts: ClaimFacts, outcome: Outcome, rule: str, message: str, evidence: Sequence[str] = ()
) -> ClaimDecision:
    claimant, closer = facts.claimant, facts.sale.closer
    if outcome is Outcome.WHOLE:
        shares: tuple[Share, ...] = (Share(claimant, WHOLE),)
        holder = claimant
    elif outcome is Outcome.HALF:
        shares = (Share(claimant, HALF), Share(closer, HALF))
        holder = closer
    else:
        shares = (Share(closer, WHOLE),)
        holder = closer
    return ClaimDecision(outcome, shares, holder, Reason(rule, message), tuple(evidence))


def follow_up_rights(decision: ClaimDecision, names: Mapping[str, str] | None = None) -> Reason:
    """FC-13: a whole sale carries the follow-up rights; with a half sale the closer keeps
    serving the member."""
    who = _name(names or {}, decision.follow_up_holder)
    if decision.outcome is Outcome.WHOLE:
        return Reason(
            "FC-13", f"The whole sale carries the follow-up rights: {who} serves the member."
        )
    if decision.outcome is Outcome.HALF:
        return Reason(
            "FC-13", f"The sale is split in half, so the closer {who} keeps serving the member."
        )
    return Reason("FC-13", f"The sale stays whole with {who}, who keeps the follow-up rights.")


def month_change_check(
    sale_day: date,
    on_day: date,
    month_closed: bool,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> Reason | None:
    """FC-22: None when a sale of ``sale_day`` may still change hands on ``on_day``, else the
    reason why not: claims across months are refused, a closed month is frozen, and in the
    last ``month_end_freeze_days`` days of a month (the site's local month) only same-day
    sales can change."""
    if (on_day.year, on_day.month) != (sale_day.year, sale_day.month):
        return Reason(
            "FC-22",
            f"The sale of {_fmt(sale_day)} belongs to a month that has closed "
            f"({_fmt(last_day_of_month(sale_day))}); claims across months are refused.",
        )
    if month_closed:
        return Reason(
            "FC-22",
            f"The month of the sale of {_fmt(sale_day)} has been closed; its attributions are "
            "frozen.",
        )
    last = last_day_of_month(on_day)
    freeze_from = last - timedelta(days=policy.month_end_freeze_days - 1)
    if policy.month_end_freeze_days and on_day >= freeze_from and sale_day < on_day:
        return Reason(
            "FC-22",
            f"{_fmt(on_day)} is in the last {policy.month_end_freeze_days} days of the month "
            f"(from {_fmt(freeze_from)}); only same-day sales can change, not the sale of "
            f"{_fmt(sale_day)}.",
        )
    return None


@dataclass(frozen=True, slots=True)
class ClaimWindow:
    """Whether a sale still with its closer is open to a claim (对单) today, and until when.

    ``last_day`` is the last date a claim may still change it (None: no deadline, FC-7, or
    already shut); ``whole_through`` the last date a claim found would still take the whole
    sale (FC-4 day 7; None when that is past or does not apply)."""

    open: bool
    last_day: date | None
    whole_through: date | None
    reason: Reason


def claim_window(
    sale_day: date,
    today: date,
    *,
    group_size: int = 1,
    registered: bool = True,
    month_closed: bool = False,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> ClaimWindow:
    """ "Open claims": is a sale of ``sale_day`` still open to a claim on ``today`` (site
    dates), and until when. The windows are those :func:`decide_claim` applies:

    - FC-7: a sale to a visitor never registered has no deadline, not even the month close
      (for a consultant whose follow-up sheet is earlier than the sale);
    - FC-22: claims across months are refused, a closed month is frozen, and from the first
      of the month's last ``month_end_freeze_days`` days only same-day sales change;
    - FC-15: a group sale is claimed on its day only;
    - FC-4: through day ``half_claim_days`` (the sale's date is day 1); whole through day
      ``whole_claim_days``.

    *Decided* (the issue is silent on "open claims"): a claim is decided the moment it is
    made, so what is "open" is a sale a claim can still change — the same windows, read
    ahead. ``last_day`` is the earliest of the FC-4 deadline, the month's last day and the
    day before the month-end freeze (for a sale made before the freeze).
    """
    if today < sale_day:
        raise FitnessRuleError(
            "FUTURE_SALE", f"the sale of {_fmt(sale_day)} is after {_fmt(today)}"
        )
    if not registered:
        return ClaimWindow(
            True,
            None,
            None,
            Reason(
                "FC-7",
                f"The sale of {_fmt(sale_day)} was to a visitor never registered: a consultant "
                "whose follow-up sheet is earlier may claim the whole sale at any time, even "
                "after the month close.",
            ),
        )
    frozen = month_change_check(sale_day, today, month_closed, policy)
    if frozen is not None:
        return ClaimWindow(False, None, None, frozen)
    if group_size >= policy.group_sale_size:
        if today != sale_day:
            return ClaimWindow(
                False,
                None,
                None,
                Reason(
                    "FC-15",
                    f"The group sale of {group_size} on {_fmt(sale_day)} could be claimed on "
                    "its day only.",
                ),
            )
        return ClaimWindow(
            True,
            sale_day,
            sale_day,
            Reason(
                "FC-15",
                f"A group sale of {group_size}: claims with a follow-up sheet or appointment "
                f"for the claimed member are open today ({_fmt(sale_day)}) only.",
            ),
        )
    day_no = day_number(sale_day, today)
    if day_no > policy.half_claim_days:
        return ClaimWindow(
            False,
            None,
            None,
            Reason(
                "FC-4",
                f"Today is day {day_no} of the sale of {_fmt(sale_day)} (the sale's date is "
                f"day 1): later than {policy.half_claim_days} days, it stays with the closer.",
            ),
        )
    last_day = min(
        sale_day + timedelta(days=policy.half_claim_days - 1), last_day_of_month(sale_day)
    )
    rule = "FC-4"
    freeze_from = last_day_of_month(sale_day) - timedelta(days=policy.month_end_freeze_days - 1)
    if policy.month_end_freeze_days:
        if sale_day >= freeze_from:
            last_day = sale_day  # a sale in the freeze changes on its own day only
        elif last_day >= freeze_from:
            last_day = freeze_from - timedelta(days=1)
    if last_day < sale_day + timedelta(days=policy.half_claim_days - 1):
        rule = "FC-22"
    whole_last = sale_day + timedelta(days=policy.whole_claim_days - 1)
    whole_through = min(whole_last, last_day) if today <= min(whole_last, last_day) else None
    share = (
        f"the whole sale through {_fmt(whole_through)}, then half"
        if whole_through is not None
        else "half"
    )
    limit = (
        f"day {policy.half_claim_days} (FC-4)"
        if rule == "FC-4"
        else "the month's end: no claims across months, and in its last "
        f"{policy.month_end_freeze_days} days only same-day sales change (FC-22)"
    )
    return ClaimWindow(
        True,
        last_day,
        whole_through,
        Reason(
            rule,
            f"Today is day {day_no} of the sale of {_fmt(sale_day)}: a claim with evidence "
            f"takes {share}, through {_fmt(last_day)} — {limit}.",
        ),
    )


def _valid_sheets(
    facts: ClaimFacts, consultant: str, sale_day: date, policy: FitnessClubPolicy
) -> list[FollowUpSheet]:
    return sorted(
        (
            sheet
            for sheet in facts.sheets
            if sheet.consultant == consultant
            and sheet.customer == facts.sale.customer
            and sheet_validity(sheet, sale_day, facts.found_at, facts.tz, policy).ok
        ),
        key=lambda sheet: sheet.created_at,
    )


def _valid_appointments(facts: ClaimFacts, consultant: str, on_day: date) -> list[Appointment]:
    return sorted(
        (
            appt
            for appt in facts.appointments
            if appt.consultant == consultant
            and appt.customer == facts.sale.customer
            and appointment_validity(appt, on_day, facts.sheets).ok
        ),
        key=lambda appt: appt.entered_at,
    )


def _window(
    facts: ClaimFacts,
    day_no: int,
    what: str,
    evidence: Sequence[str],
    policy: FitnessClubPolicy,
    rule: str = "FC-4",
) -> ClaimDecision:
    """FC-4's windows: day 1 … whole_claim_days whole, … half_claim_days half, then none."""
    names = facts.names
    claimant, closer = _name(names, facts.claimant), _name(names, facts.sale.closer)
    found = f"found on day {day_no} (the sale's date is day 1)"
    if day_no <= policy.whole_claim_days:
        return _decision(
            facts,
            Outcome.WHOLE,
            rule,
            f"{what}; {found}, within {policy.whole_claim_days} days: the whole sale goes to "
            f"{claimant}.",
            evidence,
        )
    if day_no <= policy.half_claim_days:
        return _decision(
            facts,
            Outcome.HALF,
            rule,
            f"{what}; {found}, after {policy.whole_claim_days} but within "
            f"{policy.half_claim_days} days: half to {claimant}, half to {closer}.",
            evidence,
        )
    return _decision(
        facts,
        Outcome.STAYS,
        rule,
        f"{what}; {found}, later than {policy.half_claim_days} days: the sale stays with {closer}.",
        evidence,
    )


def _sheet_line(sheet: FollowUpSheet, facts: ClaimFacts) -> str:
    return (
        f"follow-up sheet by {_name(facts.names, sheet.consultant)} made "
        f"{_fmt(local_date(sheet.created_at, facts.tz))}"
    )


def _appt_line(appt: Appointment, facts: ClaimFacts) -> str:
    return (
        f"appointment by {_name(facts.names, appt.consultant)} for {_fmt(appt.visit_date)} "
        f"({appt.signature.value})"
    )


def decide_claim(facts: ClaimFacts, policy: FitnessClubPolicy = DEFAULT_POLICY) -> ClaimDecision:
    """Whose sale it is when ``facts.claimant`` claims the sale closed by another (对单).

    Order of the rules: FC-7 (unregistered visitor: an earlier follow-up wins the whole sale,
    with no claim deadline) is decided first and survives the month close and the month-end
    freeze (*Decided*: 上報后不存在對單期, 處理完為止 — such a claim is handled whenever it is
    reported, even in a later month); then FC-22 (month boundaries); FC-15 (group sales,
    sale day only); FC-23 (both hold sheets); FC-4 (the claimant's earlier sheet); FC-12
    (a lead starting on the sale day); FC-10 / FC-18 / FC-11 (named consultant, member, trial
    voucher — only without sheets, with FC-4's windows); FC-19 (registered earlier the same
    day); FC-8 (nothing: the receiver keeps it). With a card bought for another person the
    evidence is that of the card's user and the reason names FC-21.
    """
    sale = facts.sale
    if facts.claimant == sale.closer:
        raise FitnessRuleError("CLAIM_OWN_SALE", "a consultant cannot claim their own sale")
    if facts.found_at < sale.sold_at:
        raise FitnessRuleError("FOUND_BEFORE_SALE", "a claim cannot be found before the sale")
    decision = _decide_claim(facts, policy)
    if sale.user and sale.user != sale.buyer and decision.outcome in (Outcome.WHOLE, Outcome.HALF):
        # FC-21: the card's user is the customer; a consultant following them claims it.
        buyer = _name(facts.customer_names, sale.buyer)
        user = _name(facts.customer_names, sale.user)
        message = (
            f"The card was bought by {buyer} for {user} to use, so it is {user}'s sale and "
            f"{_name(facts.names, facts.claimant)}, who follows {user}, may claim it. "
            f"{decision.reason.message}"
        )
        decision = ClaimDecision(
            decision.outcome,
            decision.shares,
            decision.follow_up_holder,
            Reason("FC-21", message),
            decision.evidence,
        )
    return decision


def _decide_claim(facts: ClaimFacts, policy: FitnessClubPolicy) -> ClaimDecision:
    sale, names = facts.sale, facts.names
    claimant, closer = _name(names, facts.claimant), _name(names, sale.closer)
    sale_day = local_date(sale.sold_at, facts.tz)
    found_day = local_date(facts.found_at, facts.tz)
    day_no = day_number(sale_day, found_day)
    mine = _valid_sheets(facts, facts.claimant, sale_day, policy)
    theirs = _valid_sheets(facts, sale.closer, sale_day, policy)
    mine_before = [s for s in mine if s.created_at < sale.sold_at]

    # FC-7: a sale to an unregistered visitor; an earlier follow-up wins, no deadline.
    if not sale.registered and mine_before:
        first = mine_before[0]
        if not theirs or local_date(first.created_at, facts.tz) < local_date(
            theirs[0].created_at, facts.tz
        ):
            return _decision(
                facts,
                Outcome.WHOLE,
                "FC-7",
                f"{closer} sold to a visitor who was never registered; {claimant}'s follow-up "
                f"sheet of {_fmt(local_date(first.created_at, facts.tz))} is earlier, so the "
                "whole sale is theirs — such a claim has no deadline, not even the month close.",
                [_sheet_line(first, facts)],
            )

    frozen = month_change_check(sale_day, found_day, facts.month_closed, policy)
    if frozen is not None:
        return ClaimDecision(Outcome.REFUSED, (Share(sale.closer, WHOLE),), sale.closer, frozen)

    appts_on_sale_day = _valid_appointments(facts, facts.claimant, sale_day)

    # FC-15: a group sale; claims on the sale day only, with a sheet or appointment.
    if sale.group_size >= policy.group_sale_size:
        if found_day != sale_day:
            return _decision(
                facts,
                Outcome.REFUSED,
                "FC-15",
                f"This was a group sale of {sale.group_size} (at least {policy.group_sale_size}); "
                f"claims on it are made on the sale day {_fmt(sale_day)} only, not on "
                f"{_fmt(found_day)}. It stays with {closer}.",
            )
        proof = [_sheet_line(s, facts) for s in mine[:1]] + [
            _appt_line(a, facts) for a in appts_on_sale_day[:1]
        ]
        if not proof:
            return _decision(
                facts,
                Outcome.REFUSED,
                "FC-15",
                f"{claimant} has no follow-up sheet or appointment for this member of the group "
                f"sale; it stays with {closer}.",
            )
        return _decision(
            facts,
            Outcome.WHOLE,
            "FC-15",
            f"Claimed on the day of the group sale of {sale.group_size} with {proof[0]}: this "
            f"member's card goes to {claimant}.",
            proof,
        )

    # FC-23: both consultants follow the customer.
    if mine and theirs:
        my_day = local_date(mine[0].created_at, facts.tz)
        their_day = local_date(theirs[0].created_at, facts.tz)
        evidence = [_sheet_line(mine[0], facts), _sheet_line(theirs[0], facts)]
        if their_day < my_day:
            return _decision(
                facts,
                Outcome.STAYS,
                "FC-23",
                f"Both follow the customer; {closer}'s sheet of {_fmt(their_day)} is earlier than "
                f"{claimant}'s of {_fmt(my_day)}, so the sale stays with {closer}.",
                evidence,
            )
        if their_day == my_day:
            first = _first_appointment(facts, sale_day)
            if first is not None and first.consultant == sale.closer:
                return _decision(
                    facts,
                    Outcome.STAYS,
                    "FC-23",
                    f"Both sheets were made on {_fmt(my_day)}; the appointment book of "
                    f"{_fmt(sale_day)} lists {closer} first, so the sale stays with {closer}.",
                    [*evidence, _appt_line(first, facts)],
                )
            if first is not None and first.consultant == facts.claimant:
                return _window(
                    facts,
                    day_no,
                    f"Both sheets were made on {_fmt(my_day)} and the appointment book of "
                    f"{_fmt(sale_day)} lists {claimant} first (FC-23)",
                    [*evidence, _appt_line(first, facts)],
                    policy,
                    rule="FC-23",
                )
            if day_no <= policy.half_claim_days:
                return _decision(
                    facts,
                    Outcome.HALF,
                    "FC-23",
                    f"{claimant} and {closer} both made follow-up sheets on {_fmt(my_day)} and "
                    "the appointment book does not order them: half each.",
                    evidence,
                )
            return _window(
                facts, day_no, f"Both sheets were made on {_fmt(my_day)}", evidence, policy
            )
        return _window(
            facts,
            day_no,
            f"{claimant}'s follow-up sheet of {_fmt(my_day)} is earlier than {closer}'s of "
            f"{_fmt(their_day)} (FC-23)",
            evidence,
            policy,
        )

    # FC-4: the claimant followed the customer before the sale day.
    earlier = [s for s in mine if local_date(s.created_at, facts.tz) < sale_day]
    if earlier:
        return _window(
            facts,
            day_no,
            f"{claimant} holds a valid follow-up sheet made "
            f"{_fmt(local_date(earlier[0].created_at, facts.tz))}",
            [_sheet_line(earlier[0], facts)],
            policy,
        )

    # FC-12: a lead that starts on the sale day (inquiry, flyer or a sheet made that day).
    leads = [
        lead
        for lead in facts.leads
        if lead.consultant == facts.claimant
        and lead.kind is not LeadKind.TRIAL_VOUCHER
        and lead.customer == sale.customer
        and local_date(lead.at, facts.tz) == sale_day
    ]
    if leads or mine:
        what = (
            f"{claimant}'s same-day {leads[0].kind.value.replace('_', ' ')}"
            if leads
            else f"{claimant}'s follow-up sheet made on the sale day"
        )
        if not appts_on_sale_day:
            return _decision(
                facts,
                Outcome.STAYS,
                "FC-12",
                f"{what} had no appointment for {_fmt(sale_day)}; without one the sale stays "
                f"with {closer}, who received the customer.",
            )
        evidence = [_appt_line(appts_on_sale_day[0], facts)]
        if day_no == 1:
            return _decision(
                facts,
                Outcome.WHOLE,
                "FC-12",
                f"{what} came with an appointment for that day and was found the same day: "
                f"the whole sale goes to {claimant}.",
                evidence,
            )
        if day_no <= policy.lead_half_days and mine:
            return _decision(
                facts,
                Outcome.HALF,
                "FC-12",
                f"{what} came with an appointment; found on day {day_no}, within "
                f"{policy.lead_half_days} days, with the follow-up sheet and appointment book: "
                f"half to {claimant}, half to {closer}.",
                [*evidence, _sheet_line(mine[0], facts)],
            )
        if day_no <= policy.lead_half_days:
            return _decision(
                facts,
                Outcome.STAYS,
                "FC-12",
                f"{what} was found on day {day_no} but {claimant} shows no follow-up sheet; "
                f"the sale stays with {closer}.",
                evidence,
            )
        return _decision(
            facts,
            Outcome.STAYS,
            "FC-12",
            f"{what} was found on day {day_no}, later than {policy.lead_half_days} days: the "
            f"sale stays with {closer}.",
            evidence,
        )

    if theirs:
        return _decision(
            facts,
            Outcome.STAYS,
            "FC-3",
            f"{closer} holds a valid follow-up sheet and {claimant} none; the sale stays with "
            f"{closer}.",
            [_sheet_line(theirs[0], facts)],
        )

    register = sorted(
        (e for e in facts.register if e.customer == sale.customer and e.at <= sale.sold_at),
        key=lambda e: e.at,
    )
    # FC-10 / FC-18: the visitor asked for the claimant (or a member whose consultant it is).
    for entry in register:
        if entry.named_consultant == facts.claimant:
            if entry.named_by_staff:
                continue
            return _window(
                facts,
                day_no,
                f"The visitor asked for {claimant} at the desk before touring (FC-10)",
                [f"visitor register entry at {entry.at.isoformat()} naming {claimant}"],
                policy,
                rule="FC-10",
            )
        if entry.member_consultant == facts.claimant and not entry.brought_by_member:
            return _window(
                facts,
                day_no,
                f"The visitor asked for a member whose consultant is {claimant} (FC-18)",
                [f"visitor register entry at {entry.at.isoformat()} naming a member"],
                policy,
                rule="FC-18",
            )
    named_by_staff = [e for e in register if e.named_consultant == facts.claimant]
    if named_by_staff:
        return _decision(
            facts,
            Outcome.STAYS,
            "FC-10",
            f"{claimant}'s name was suggested by staff during the reception, which does not "
            f"count; the sale stays with {closer}.",
        )

    # FC-11: a trial voucher belongs to the consultant on it.
    vouchers = [
        v
        for v in facts.vouchers
        if v.consultant == facts.claimant
        and v.customer == sale.customer
        and v.shown_at <= sale.sold_at
    ]
    if vouchers:
        return _window(
            facts,
            day_no,
            f"The visitor showed a trial voucher of {claimant} (FC-11)",
            [f"trial voucher of {claimant} shown {vouchers[0].shown_at.isoformat()}"],
            policy,
            rule="FC-11",
        )

    # FC-19: the claimant registered the visitor earlier the same day.
    same_day = [
        e
        for e in register
        if e.registered_by == facts.claimant and local_date(e.at, facts.tz) == sale_day
    ]
    if same_day:
        evidence = [f"visitor register entry by {claimant} at {same_day[0].at.isoformat()}"]
        what = f"{claimant} registered the visitor on {_fmt(sale_day)} before {closer} closed"
        if day_no == 1:
            return _decision(
                facts,
                Outcome.WHOLE,
                "FC-19",
                f"{what}; found the same day: {claimant}'s.",
                evidence,
            )
        if day_no <= policy.register_half_days:
            return _decision(
                facts,
                Outcome.HALF,
                "FC-19",
                f"{what}; found the next day: half to {claimant}, half to {closer}.",
                evidence,
            )
        return _decision(
            facts,
            Outcome.STAYS,
            "FC-19",
            f"{what}; found on day {day_no}, after the next day: the sale stays with {closer}.",
            evidence,
        )

    # FC-8: no voucher, no appointment, no sheet: whoever received keeps it.
    return _decision(
        facts,
        Outcome.STAYS,
        "FC-8",
        f"{claimant} shows no follow-up sheet, appointment, trial voucher or request by name; "
        f"whoever receives gets the sale, so it stays with {closer}.",
    )


def _first_appointment(facts: ClaimFacts, on_day: date) -> Appointment | None:
    """FC-3 / FC-23: the earliest effective appointment of the claimant or the closer on the
    sale day (预约表 誰早歸誰)."""
    candidates = _valid_appointments(facts, facts.claimant, on_day) + _valid_appointments(
        facts, facts.sale.closer, on_day
    )
    return min(candidates, key=lambda appt: appt.entered_at, default=None)


# --- parties and groups: FC-14, FC-15 ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyClaimFacts:
    """A claim by ``claimant`` on the sales of a party that came in together (FC-14).

    ``claims`` holds one :class:`ClaimFacts` per sale of the party (same claimant and
    found_at); ``party_size`` counts the visitors who arrived together.
    """

    claims: tuple[ClaimFacts, ...]
    party_size: int


def decide_party_claim(
    party: PartyClaimFacts, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> tuple[ClaimDecision, ...]:
    """FC-14: three or more visitors together and the claimant holds a follow-up sheet on
    one. Found the same day with an appointment → every sale of the party is the claimant's;
    without an appointment or found later → only the sheet's customer, decided by
    :func:`decide_claim`; so also when the closer holds a sheet on another member of the
    party (seed c): the claimant then only gets the member with the sheet."""
    if not party.claims:
        raise FitnessRuleError("EMPTY_PARTY", "a party claim needs at least one sale")
    first = party.claims[0]
    if party.party_size < policy.party_size:
        return tuple(decide_claim(facts, policy) for facts in party.claims)
    sheet_holders = [
        facts
        for facts in party.claims
        if _valid_sheets(facts, facts.claimant, local_date(facts.sale.sold_at, facts.tz), policy)
    ]
    closer_sheets = [
        facts
        for facts in party.claims
        if _valid_sheets(facts, facts.sale.closer, local_date(facts.sale.sold_at, facts.tz), policy)
    ]
    if not sheet_holders:
        return tuple(decide_claim(facts, policy) for facts in party.claims)
    anchor = sheet_holders[0]
    sale_day = local_date(anchor.sale.sold_at, anchor.tz)
    same_day = local_date(first.found_at, first.tz) == sale_day
    appointment = _valid_appointments(anchor, anchor.claimant, sale_day)
    claimant = _name(first.names, first.claimant)
    results: list[ClaimDecision] = []
    for facts in party.claims:
        if facts in sheet_holders:
            results.append(decide_claim(facts, policy))
            continue
        if same_day and appointment and not closer_sheets:
            results.append(
                _decision(
                    facts,
                    Outcome.WHOLE,
                    "FC-14",
                    f"{claimant} follows one of a party of {party.party_size} that came together "
                    f"and had an appointment for {_fmt(sale_day)}, found the same day: the whole "
                    f"party is {claimant}'s.",
                    [_appt_line(appointment[0], anchor)],
                )
            )
            continue
        if closer_sheets:
            why = (
                f"the closer {_name(facts.names, facts.sale.closer)} also follows a member of "
                "the party"
            )
        elif not appointment:
            why = "there was no appointment"
        else:
            why = "it was not found the same day"
        results.append(
            _decision(
                facts,
                Outcome.STAYS,
                "FC-14",
                f"{claimant} follows only another member of this party of {party.party_size} and "
                f"{why}: {claimant} gets only the member with the follow-up sheet.",
            )
        )
    return tuple(results)


def may_take_over(
    consultant: str,
    receiver: str,
    has_appointment: bool,
    receiver_has_own_customer_in_group: bool,
    receiver_consents: bool,
    names: Mapping[str, str] | None = None,
) -> Verdict:
    """FC-14 (seed 8, 9): a consultant who finds their own customer in another's reception
    may take over only with an appointment (shown afterwards); when the first receiver has
    a customer of their own in the group, only with the first receiver's consent."""
    names = names or {}
    who, first = _name(names, consultant), _name(names, receiver)
    if not has_appointment:
        return Verdict(
            False,
            Reason(
                "FC-14",
                f"{who} has no appointment for this customer, so may not take over from {first}; "
                "only a later claim with a follow-up sheet is possible.",
            ),
        )
    if receiver_has_own_customer_in_group and not receiver_consents:
        return Verdict(
            False,
            Reason(
                "FC-14",
                f"{first} also has a customer of their own in this group and did not agree; "
                f"{first} keeps receiving.",
            ),
        )
    return Verdict(
        True,
        Reason(
            "FC-14",
            f"{who} has an appointment (to be shown afterwards) and may take over from {first}.",
        ),
    )


def group_joiner_credit(
    group_consultant: str,
    receiver: str,
    joined_on_sale_day: bool,
    arrived_separately: bool,
    names: Mapping[str, str] | None = None,
) -> tuple[str, Reason]:
    """FC-15 注: someone who joins a group sale on its day but arrives separately and is
    received by another consultant is duty reception (義務接待): the group's consultant gets
    the sale and the receiver no credit."""
    names = names or {}
    group, other = _name(names, group_consultant), _name(names, receiver)
    if joined_on_sale_day and arrived_separately and receiver != group_consultant:
        return group_consultant, Reason(
            "FC-15",
            f"The customer joined {group}'s group sale that day but arrived separately; {other}'s "
            f"reception was duty reception, so the sale is {group}'s.",
        )
    return receiver, Reason(
        "FC-15",
        f"The customer did not join the group on its day as a separate arrival; the sale is "
        f"{other}'s.",
    )


def decide_group_joiner(
    sale: Sale,
    *,
    group_consultant: str,
    group_sale_day: date,
    group_size: int,
    arrived_separately: bool,
    found_day: date,
    month_closed: bool,
    tz: tzinfo,
    names: Mapping[str, str] | None = None,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> ClaimDecision:
    """FC-15 注 as a claim by the group's consultant on a joiner's own card: the group sale
    must have at least ``group_sale_size`` people; the sale may still change (FC-22, as for
    any claim); then :func:`group_joiner_credit` decides — WHOLE to the group's consultant
    for a same-day joiner who arrived separately (the receiver's duty reception earns no
    credit), else it STAYS with the closer.

    *Decided* (seed silent): like a group sale's own claims, this is settled on the group
    sale's day or later within the FC-22 month rules; the joiner's card must be of that day.
    """
    names = names or {}
    if group_size < policy.group_sale_size:
        raise FitnessRuleError(
            "NOT_A_GROUP_SALE",
            f"a group sale has at least {policy.group_sale_size} people, not {group_size}",
        )
    sale_day = local_date(sale.sold_at, tz)
    # Only the parties of the decision: _decision reads the claimant and the closer.
    facts = ClaimFacts(sale=sale, claimant=group_consultant, found_at=sale.sold_at, tz=tz)
    frozen = month_change_check(sale_day, found_day, month_closed, policy)
    if frozen is not None:
        return ClaimDecision(Outcome.REFUSED, (Share(sale.closer, WHOLE),), sale.closer, frozen)
    winner, reason = group_joiner_credit(
        group_consultant,
        sale.closer,
        joined_on_sale_day=sale_day == group_sale_day,
        arrived_separately=arrived_separately,
        names=names,
    )
    evidence = [
        f"group sale of {group_size} by {_name(names, group_consultant)} on {_fmt(group_sale_day)}"
    ]
    if winner == group_consultant and winner != sale.closer:
        return _decision(facts, Outcome.WHOLE, reason.rule, reason.message, evidence)
    return _decision(facts, Outcome.STAYS, reason.rule, reason.message, evidence)


# --- reception: FC-3, FC-8, FC-10, FC-11, FC-18 --------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceptionFacts:
    """A walk-in at the desk, before touring."""

    receiver: str
    sheet_holder: str | None = None
    appointment_holder: str | None = None
    named_consultant: str | None = None
    named_by_staff: bool = False
    asked_for_member_of: str | None = None
    brought_by_member_of: str | None = None
    voucher_consultant: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReceptionDecision:
    consultant: str
    reason: Reason
    notify: str | None = None


def decide_reception(facts: ReceptionFacts) -> ReceptionDecision:
    """Whose customer a walk-in is. A valid follow-up sheet decides first (FC-3); FC-8 …
    FC-11 apply only without one: a member's friend asking for the member → the member's
    consultant (FC-18); a consultant named before touring (FC-10; a name suggested by staff
    does not count); a trial voucher → its consultant, who is notified (FC-11); a signed
    appointment (FC-3); a member bringing a friend with no name or appointment → whoever
    receives (FC-18); otherwise whoever receives (FC-8)."""
    n = facts.names
    if facts.sheet_holder:
        who = _name(n, facts.sheet_holder)
        return ReceptionDecision(
            facts.sheet_holder,
            Reason("FC-3", f"{who} holds a valid follow-up sheet on this customer: {who}'s."),
            notify=facts.sheet_holder if facts.sheet_holder != facts.receiver else None,
        )
    if facts.asked_for_member_of and not facts.brought_by_member_of:
        who = _name(n, facts.asked_for_member_of)
        return ReceptionDecision(
            facts.asked_for_member_of,
            Reason(
                "FC-18",
                f"A member's friend asked for that member: the member's consultant {who}'s.",
            ),
            notify=facts.asked_for_member_of,
        )
    if facts.named_consultant and not facts.named_by_staff:
        who = _name(n, facts.named_consultant)
        return ReceptionDecision(
            facts.named_consultant,
            Reason(
                "FC-18" if facts.brought_by_member_of else "FC-10",
                f"The visitor asked for {who} before touring: {who}'s customer.",
            ),
            notify=facts.named_consultant,
        )
    if facts.voucher_consultant:
        who = _name(n, facts.voucher_consultant)
        return ReceptionDecision(
            facts.voucher_consultant,
            Reason(
                "FC-11",
                f"The visitor shows a trial voucher of {who}: {who}'s customer; reception tells "
                f"{who} or their supervisor.",
            ),
            notify=facts.voucher_consultant,
        )
    if facts.appointment_holder:
        who = _name(n, facts.appointment_holder)
        return ReceptionDecision(
            facts.appointment_holder,
            Reason("FC-3", f"{who} has a signed appointment for today: {who}'s customer."),
            notify=facts.appointment_holder,
        )
    receiver = _name(n, facts.receiver)
    if facts.brought_by_member_of:
        return ReceptionDecision(
            facts.receiver,
            Reason(
                "FC-18",
                f"A member brought a friend who named nobody and had no appointment: whoever "
                f"receives, {receiver}.",
            ),
        )
    staff_note = (
        " (a name suggested by staff does not count, FC-10)" if facts.named_by_staff else ""
    )
    return ReceptionDecision(
        facts.receiver,
        Reason(
            "FC-8",
            f"No follow-up sheet, trial voucher or appointment{staff_note}: whoever receives "
            f"gets the customer, {receiver}.",
        ),
    )


# --- renewals: FC-17 ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Membership:
    """A member's card: its consultant (reassigned when one leaves) and validity."""

    consultant: str
    consultant_employed: bool
    valid_until: date


def decide_renewal(
    membership: Membership,
    sale_day: date,
    closer: str,
    follower: str | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[str, Reason]:
    """FC-17: an upgrade or renewal within validity → the member's consultant if still
    employed (a member of a consultant who left is reassigned, and the reassigned consultant
    is ``membership.consultant``); an expired member's renewal → the original consultant if
    employed, else whoever follows up (``follower``, or the closer)."""
    n = names or {}
    original = _name(n, membership.consultant)
    valid = sale_day <= membership.valid_until
    if membership.consultant_employed:
        state = "within validity" if valid else "after the card expired"
        return membership.consultant, Reason(
            "FC-17",
            f"The card was renewed {state} (valid until {_fmt(membership.valid_until)}); "
            f"{original}, the member's consultant, is still employed and gets the sale.",
        )
    winner = follower or closer
    return winner, Reason(
        "FC-17",
        f"The member's consultant {original} has left; the renewal on {_fmt(sale_day)} goes to "
        f"whoever follows up: {_name(n, winner)}.",
    )


# --- fines: FC-1, FC-2, FC-9, FC-16, FC-17, FC-18, FC-20 ------------------------------------


def _finding(code: str, staff: str, policy: FitnessClubPolicy, rule: str, message: str) -> Finding:
    return Finding(code, staff, policy.fine(code), Reason(rule, message))


def unregistered_tour_finding(
    consultant: str, registered: bool, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> Finding | None:
    """FC-1: every visitor is registered before touring; letting one in unregistered: 50."""
    if registered:
        return None
    return _finding(
        UNREGISTERED_TOUR,
        consultant,
        policy,
        "FC-1",
        f"{consultant} let a visitor tour without a visitor register entry: fine "
        f"{policy.fine(UNREGISTERED_TOUR)}.",
    )


def reception_questions_finding(
    receptionist: str, asked: Iterable[Question], policy: FitnessClubPolicy = DEFAULT_POLICY
) -> Finding | None:
    """FC-2: reception must ask all three questions; missing any: 100."""
    missing = [q.value.replace("_", " ") for q in Question if q not in set(asked)]
    if not missing:
        return None
    return _finding(
        QUESTIONS_NOT_ASKED,
        receptionist,
        policy,
        "FC-2",
        f"{receptionist} did not ask {', '.join(missing)}: "
        f"fine {policy.fine(QUESTIONS_NOT_ASKED)}.",
    )


def not_receiving_finding(
    consultant: str,
    knew_colleagues_customer: bool,
    received: bool,
    told_colleague_or_desk: bool,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> Finding | None:
    """FC-9: knowing it is a colleague's customer and not receiving them, or not telling the
    colleague or the desk: 300."""
    if not knew_colleagues_customer or (received and told_colleague_or_desk):
        return None
    what = "did not receive" if not received else "did not tell the colleague or the desk about"
    return _finding(
        NOT_RECEIVING,
        consultant,
        policy,
        "FC-9",
        f"{consultant} knew it was a colleague's customer and {what} them: fine "
        f"{policy.fine(NOT_RECEIVING)}.",
    )


def sale_phone_findings(
    closer: str,
    sale_phone: Phone,
    register_phone: str | None,
    sold_at: datetime,
    fixed_at: datetime | None,
    now: datetime,
    tz: tzinfo,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> tuple[Finding, ...]:
    """FC-16: a sale's phone that differs from the register must be copied to the register
    by the end of the sale day (local), else 100 — decided only once the day is over (or it
    was fixed late); a sale must carry the customer's own valid number (FC-5), else 200."""
    _require_aware(now, "now")
    found: list[Finding] = []
    validity = phone_validity(sale_phone, now, policy)
    if not validity.ok:
        found.append(
            _finding(
                PHONE_NOT_OWN,
                closer,
                policy,
                "FC-16",
                f"{closer}'s sale does not carry the customer's own valid number "
                f"({validity.reason.message}): fine {policy.fine(PHONE_NOT_OWN)}.",
            )
        )
    if register_phone is not None and national(register_phone) != national(sale_phone.number):
        sale_day = local_date(sold_at, tz)
        late = fixed_at is not None and local_date(fixed_at, tz) > sale_day
        over = fixed_at is None and local_date(now, tz) > sale_day
        if late or over:
            found.append(
                _finding(
                    PHONE_NOT_COPIED,
                    closer,
                    policy,
                    "FC-16",
                    f"The phone on {closer}'s sale of {_fmt(sale_day)} differs from the visitor "
                    f"register and was not copied there that day: fine "
                    f"{policy.fine(PHONE_NOT_COPIED)}.",
                )
            )
    return tuple(found)


def renewal_price_cut_finding(
    consultant: str, price: Decimal, list_price: Decimal, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> Finding | None:
    """FC-17: cutting the price below the list price to win a renewal: 100."""
    if not isinstance(price, Decimal) or not isinstance(list_price, Decimal):
        raise FitnessRuleError("MONEY_NOT_DECIMAL", "prices are Decimal")
    if price >= list_price:
        return None
    return _finding(
        RENEWAL_PRICE_CUT,
        consultant,
        policy,
        "FC-17",
        f"{consultant} renewed at {price} below the list price {list_price} to win the renewal: "
        f"fine {policy.fine(RENEWAL_PRICE_CUT)}.",
    )


def steering_finding(
    staff: str, steered_away: bool, policy: FitnessClubPolicy = DEFAULT_POLICY
) -> Finding | None:
    """FC-18: steering a member's friend away from the member they asked for: 100."""
    if not steered_away:
        return None
    return _finding(
        STEERING_FRIEND,
        staff,
        policy,
        "FC-18",
        f"{staff} steered a member's friend away from the member they asked for: fine "
        f"{policy.fine(STEERING_FRIEND)}.",
    )


def follow_up_sheet_check(
    new_sheet: FollowUpSheet,
    colleagues_sheets: Iterable[FollowUpSheet],
    shown_at: Mapping[str, datetime] | None = None,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> tuple[Verdict, Finding | None]:
    """FC-20: a follow-up sheet made after a colleague has shown their earlier one is invalid
    and fined 100; two sheets made independently (nothing shown before) fall under FC-23
    without a fine. ``shown_at`` maps a colleague to when they showed their sheet."""
    shown_at = shown_at or {}
    for sheet in colleagues_sheets:
        if sheet.consultant == new_sheet.consultant or sheet.customer != new_sheet.customer:
            continue
        shown = shown_at.get(sheet.consultant)
        if (
            sheet.created_at < new_sheet.created_at
            and shown is not None
            and shown <= new_sheet.created_at
        ):
            reason = Reason(
                "FC-20",
                f"{sheet.consultant} had shown an earlier follow-up sheet on this customer; "
                f"{new_sheet.consultant}'s sheet is invalid: fine "
                f"{policy.fine(LATE_FOLLOW_UP_SHEET)}.",
            )
            return Verdict(False, reason), Finding(
                LATE_FOLLOW_UP_SHEET,
                new_sheet.consultant,
                policy.fine(LATE_FOLLOW_UP_SHEET),
                reason,
            )
    return Verdict(
        True,
        Reason(
            "FC-23",
            f"{new_sheet.consultant}'s follow-up sheet was made independently; if a colleague "
            "also follows this customer the earlier sheet wins (FC-23), no fine.",
        ),
    ), None


# --- change forms and the month close: FC-22 ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeForm:
    """A change of consultant on a sale (業績更改單): both consultants agree, then the other
    party's manager signs, then the director."""

    sale_day: date
    from_consultant: str
    to_consultant: str
    agreed_by_both: bool
    manager_signed_at: datetime | None
    director_signed_at: datetime | None


def decide_change_form(
    form: ChangeForm,
    on_day: date,
    month_closed: bool,
    policy: FitnessClubPolicy = DEFAULT_POLICY,
) -> Verdict:
    """FC-22: a change form takes effect only when agreed by both consultants, signed by the
    other party's manager and then by the director; and only while the sale may change:
    not across months, not in a closed month, and in the last days of a month only for a
    sale of that same day."""
    if form.from_consultant == form.to_consultant:
        raise FitnessRuleError("SAME_CONSULTANT", "a change form moves a sale to someone else")
    if not form.agreed_by_both:
        return Verdict(False, Reason("FC-22", "Both consultants must agree to the change form."))
    if form.manager_signed_at is None:
        return Verdict(
            False, Reason("FC-22", "The other party's manager has not signed the change form.")
        )
    if form.director_signed_at is None:
        return Verdict(False, Reason("FC-22", "The director has not signed the change form."))
    if form.director_signed_at < form.manager_signed_at:
        return Verdict(
            False,
            Reason("FC-22", "The director signs after the other party's manager, not before."),
        )
    frozen = month_change_check(form.sale_day, on_day, month_closed, policy)
    if frozen is not None:
        return Verdict(False, frozen)
    return Verdict(
        True,
        Reason(
            "FC-22",
            f"Agreed by both, signed by the manager and then the director: the sale of "
            f"{_fmt(form.sale_day)} moves from {form.from_consultant} to {form.to_consultant}.",
        ),
    )


def month_close_check(month: date, now: datetime, tz: tzinfo) -> Verdict:
    """FC-22: the month closes on its last day (local); closing earlier is refused."""
    today = local_date(now, tz)
    last = last_day_of_month(month)
    if today < last:
        return Verdict(
            False,
            Reason(
                "FC-22",
                f"The month {month:%Y-%m} closes on its last day, {_fmt(last)}; not on "
                f"{_fmt(today)}.",
            ),
        )
    return Verdict(
        True,
        Reason("FC-22", f"The month {month:%Y-%m} closes; its attributions are frozen."),
    )


def penalty_table(policy: FitnessClubPolicy = DEFAULT_POLICY) -> tuple[PenaltyRuleSpec, ...]:
    """The fitness-club penalty table (FC-1, FC-2, FC-9, FC-16, FC-17, FC-18, FC-20); core
    adds its C-14 entries."""
    return policy.penalties
