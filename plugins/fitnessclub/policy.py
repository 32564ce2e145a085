"""Fitness-club numbers an operator can see and override (DOMAIN.md FC-1 … FC-23).

Rules in :mod:`plugins.fitnessclub.rules` read every number from a :class:`FitnessClubPolicy`;
``DEFAULT_POLICY`` holds the values of the club's house rules (seed 000 篇八); core adds its
C-14 complaint fines to every line's table. Money is :class:`~decimal.Decimal`, never float.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from core.plugin_api.rules import BookingKind, PenaltyRuleSpec

# Penalty codes of the line's table (stable: stored on issued penalties).
UNREGISTERED_TOUR = "FC-1"  # 不做來訪登記進場參觀 50
QUESTIONS_NOT_ASKED = "FC-2"  # 不詢問找人/來過/預約 100
NOT_RECEIVING = "FC-9"  # 惡意不接待、不通知 300
PHONE_NOT_COPIED = "FC-16-register"  # 開單號碼未補到來訪登記 100
PHONE_NOT_OWN = "FC-16-own-number"  # 成單號碼非本人有效號碼 200
RENEWAL_PRICE_CUT = "FC-17"  # 低價爭取續卡 100
STEERING_FRIEND = "FC-18"  # 干涉會友找會員 100
LATE_FOLLOW_UP_SHEET = "FC-20"  # 他人跟進在先仍做跟進表 100


#: FC-3 / FC-6: the appointment book (預約表) is core's generic booking of this kind (issue 12):
#: not exclusive (two consultants may book one customer; the earliest entry wins), valid only
#: on its day, in effect only with the director's or general manager's signature, or an SMS to
#: them when both are away (seed 000 篇八 item 10: 預約登記須有總監或總經理簽字方可生效,
#: 如都不在的情況下可發送短信).
APPOINTMENT_BOOK = BookingKind(
    "appointment",
    "Appointment book (預約表)",
    exclusive=False,
    approvals=("signature", "sms"),
    approver_roles=("club_director", "general_manager"),
    rule="FC-3",
)


def _fine(code: str, rule: str, title: str, amount: int) -> PenaltyRuleSpec:
    return PenaltyRuleSpec(
        code=code,
        rule=rule,
        title=title,
        kind="fine",
        min_amount=Decimal(amount),
        max_amount=Decimal(amount),
    )


DEFAULT_PENALTIES: tuple[PenaltyRuleSpec, ...] = (
    _fine(UNREGISTERED_TOUR, "FC-1", "Visitor let in to tour without a visitor register entry", 50),
    _fine(
        QUESTIONS_NOT_ASKED,
        "FC-2",
        "Reception did not ask: looking for someone? been here before? appointment?",
        100,
    ),
    _fine(NOT_RECEIVING, "FC-9", "Knowingly not receiving or not telling a colleague", 300),
    _fine(
        PHONE_NOT_COPIED,
        "FC-16",
        "Phone on the sale differs from the visitor register and was not fixed that day",
        100,
    ),
    _fine(PHONE_NOT_OWN, "FC-16", "Sale without the customer's own valid mobile number", 200),
    _fine(RENEWAL_PRICE_CUT, "FC-17", "Cutting the price to win a member's renewal", 100),
    _fine(STEERING_FRIEND, "FC-18", "Steering a member's friend away from the member", 100),
    _fine(
        LATE_FOLLOW_UP_SHEET,
        "FC-20",
        "Follow-up sheet made after a colleague had shown an earlier one",
        100,
    ),
)

# Every code the rules issue must stay in the table, as a fine of its rule.
REQUIRED_FINES: dict[str, str] = {
    UNREGISTERED_TOUR: "FC-1",
    QUESTIONS_NOT_ASKED: "FC-2",
    NOT_RECEIVING: "FC-9",
    PHONE_NOT_COPIED: "FC-16",
    PHONE_NOT_OWN: "FC-16",
    RENEWAL_PRICE_CUT: "FC-17",
    STEERING_FRIEND: "FC-18",
    LATE_FOLLOW_UP_SHEET: "FC-20",
}

# (smallest, largest) allowed value of each whole-number setting.
BOUNDS: dict[str, tuple[int, int]] = {
    "follow_up_valid_months": (1, 12),
    "whole_claim_days": (1, 60),
    "half_claim_days": (1, 90),
    "lead_half_days": (1, 60),
    "register_half_days": (1, 30),
    "unreachable_grace_hours": (0, 24 * 30),
    "group_sale_size": (2, 1000),
    "party_size": (2, 1000),
    "month_end_freeze_days": (0, 27),
}


def _whole(name: str, value: Any) -> int:
    low, high = BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"fitness-club policy {name} must be a whole number from {low} to {high}, got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class FitnessClubPolicy:
    """The numbers of the fitness-club rules (days count the sale's date as day 1).

    - ``follow_up_valid_months``: a follow-up sheet is evidence for this many months (FC-3,
      跟進表1個月內有效): made 03-10, valid for sales through 04-09.
    - ``whole_claim_days``: a claim found on day 1 … this day gets the whole sale (FC-4, 7).
    - ``half_claim_days``: found after that up to this day: half each (FC-4, 15).
    - ``lead_half_days``: a same-day inquiry or flyer lead found on day 2 … this day gets
      half (FC-12, 7).
    - ``register_half_days``: a same-day register entry found on day 2 … this day gets half
      (FC-19, 次日 = 2).
    - ``unreachable_grace_hours``: an unreachable number is invalid this long after the
      first failure is recorded (FC-5, 2 days = 48 hours).
    - ``group_sale_size``: people signing up together that make a group sale (FC-15, 8).
    - ``party_size``: visitors arriving together that make a party (FC-14, 3).
    - ``month_end_freeze_days``: the last days of a month in which only same-day sales can
      change hands (FC-22, 3).
    - ``penalties``: the line's penalty table (FC-1 50, FC-2 100, FC-9 300, FC-16 100 and
      200, FC-17 100, FC-18 100, FC-20 100; core adds C-14).
    """

    follow_up_valid_months: int = 1
    whole_claim_days: int = 7
    half_claim_days: int = 15
    lead_half_days: int = 7
    register_half_days: int = 2
    unreachable_grace_hours: int = 48
    group_sale_size: int = 8
    party_size: int = 3
    month_end_freeze_days: int = 3
    penalties: tuple[PenaltyRuleSpec, ...] = DEFAULT_PENALTIES

    def __post_init__(self) -> None:
        for name in BOUNDS:
            _whole(name, getattr(self, name))
        if self.half_claim_days < self.whole_claim_days:
            raise ValueError(
                "fitness-club policy half_claim_days must be at least whole_claim_days "
                f"({self.half_claim_days} < {self.whole_claim_days})"
            )
        codes = [spec.code for spec in self.penalties]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"fitness-club penalty table repeats code(s): {duplicates}")
        for spec in self.penalties:
            if spec.rule == "C-14":
                raise ValueError(
                    f"fitness-club penalty {spec.code}: C-14 entries belong to core, which adds "
                    "them to every line's table"
                )
        for code, rule in REQUIRED_FINES.items():
            spec = self.penalty(code)
            if spec.rule != rule or spec.kind != "fine":
                raise ValueError(f"fitness-club penalty {code} must be a {rule} fine")

    def penalty(self, code: str) -> PenaltyRuleSpec:
        """The table entry with ``code``; ValueError naming the code when there is none."""
        for spec in self.penalties:
            if spec.code == code:
                return spec
        raise ValueError(f"fitness-club penalty table has no entry {code!r}")

    def fine(self, code: str) -> Decimal:
        """The amount a fixed fine of the table issues (its lower bound for a range)."""
        amount = self.penalty(code).min_amount
        assert amount is not None  # REQUIRED_FINES are fines, which always have bounds
        return amount

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> FitnessClubPolicy:
        """The default policy with an operator's overrides (e.g. stored JSON) applied.

        Unknown keys raise ValueError naming them; ``penalties`` may be a list of dicts for
        :meth:`PenaltyRuleSpec.from_dict` and replaces the whole table (it must still hold
        every code the rules issue).
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown fitness-club policy key(s): {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        values: dict[str, Any] = dict(overrides)
        if "penalties" in values:
            values["penalties"] = _penalty_table(values["penalties"])
        return replace(cls(), **values)

    def to_settings(self) -> dict[str, Any]:
        """JSON-like data :meth:`from_overrides` reads back."""
        data: dict[str, Any] = {name: getattr(self, name) for name in BOUNDS}
        data["penalties"] = [spec.to_dict() for spec in self.penalties]
        return data


def _penalty_table(raw: Any) -> tuple[PenaltyRuleSpec, ...]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ValueError("fitness-club policy penalties must be a list of penalty specs")
    return tuple(
        item if isinstance(item, PenaltyRuleSpec) else PenaltyRuleSpec.from_dict(item)
        for item in raw
    )


DEFAULT_POLICY = FitnessClubPolicy()
