"""KTV numbers an operator can see and override (DOMAIN.md KTV-1 … KTV-11, seed 000 篇七).

Rules in :mod:`plugins.ktv.rules` read every number from a :class:`KtvPolicy`;
``DEFAULT_POLICY`` holds the values of the seed regulations and of DOMAIN.md's *Decided* lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal
from typing import Any

from core.plugin_api.rules import PenaltyRuleSpec

# Penalty table codes (the ledger's ``penalty_rules.code``).
LATE_CODE = "KTV-2-late"
ABSENT_CODE = "KTV-2-absent"
BOOKING_CANCELLED_ABSENT_CODE = "KTV-10-absent"
ABSENTEEISM_CODE = "KTV-4-absenteeism"
RESIGNATION_CODE = "KTV-4-resignation"
LEAVING_POST_CODE = "KTV-5"
ATTITUDE_CODE = "KTV-6"
BOOKING_MISCONDUCT_CODE = "KTV-7"
TALKING_BACK_CODE = "KTV-8-conflict"
FIGHT_CODE = "KTV-8-fight"
SERIOUS_CODE = "KTV-8-dismissal"
DRUGS_CODE = "KTV-9"


def _fine(code: str, rule: str, title: str, low: int, high: int | None = None) -> PenaltyRuleSpec:
    return PenaltyRuleSpec(
        code=code,
        rule=rule,
        title=title,
        kind="fine",
        min_amount=Decimal(low),
        max_amount=Decimal(low if high is None else high),
    )


def default_penalties(
    late_fine: Decimal = Decimal(30),
    absent_fine: Decimal = Decimal(50),
    absenteeism_wage_days: Decimal = Decimal(4),
) -> tuple[PenaltyRuleSpec, ...]:
    """The KTV penalty table (DOMAIN.md: KTV-2, 4, 5, 6, 7, 8, 9, 10; C-14 is added by core).

    KTV-4's wage deduction is measured in CNY like every wage deduction of the ledger; its
    bounds are open (0 … 100000) because the amount is ``absenteeism_wage_days`` times the
    person's daily wage (:func:`plugins.ktv.rules.absenteeism_deduction`).  KTV-7's fine has
    no amount in the seed ("另处罚款"): bounds 100–500 are this line's decision, an operator
    may change them.
    """
    return (
        PenaltyRuleSpec(
            LATE_CODE, "KTV-2", "Late for the pre-shift meeting", "fine", late_fine, late_fine
        ),
        PenaltyRuleSpec(
            ABSENT_CODE,
            "KTV-2",
            "Absent from the pre-shift meeting",
            "fine",
            absent_fine,
            absent_fine,
        ),
        PenaltyRuleSpec(
            BOOKING_CANCELLED_ABSENT_CODE,
            "KTV-10",
            "Room booking cancelled during the roll call, did not come back: absent",
            "fine",
            absent_fine,
            absent_fine,
        ),
        PenaltyRuleSpec(
            ABSENTEEISM_CODE,
            "KTV-4",
            f"Absenteeism (旷工): {absenteeism_wage_days} days' wages deducted",
            "wage_deduction",
            Decimal(0),
            Decimal(100000),
        ),
        PenaltyRuleSpec(
            RESIGNATION_CODE,
            "KTV-4",
            "Third day of absenteeism in a month: automatic resignation",
            "dismissal",
        ),
        _fine(LEAVING_POST_CODE, "KTV-5", "Leaving the post mid-shift without an exit pass", 100),
        _fine(ATTITUDE_CODE, "KTV-6", "Guest complaint about the staff member's attitude", 100),
        _fine(
            BOOKING_MISCONDUCT_CODE,
            "KTV-7",
            "Quarrel with the host desk, fake booking or reselling a room",
            100,
            500,
        ),
        _fine(
            TALKING_BACK_CODE, "KTV-8", "Talking back to a superior or a violent conflict", 300, 500
        ),
        _fine(FIGHT_CODE, "KTV-8", "Starting a fight", 500, 1000),
        PenaltyRuleSpec(SERIOUS_CODE, "KTV-8", "Serious case: dismissal without pay", "dismissal"),
        PenaltyRuleSpec(
            DRUGS_CODE,
            "KTV-9",
            "Drugs or selling stored-liquor cards: dismissal and police (thefts recorded before "
            "2026-12-02 too)",
            "dismissal",
        ),
    )


DEFAULT_PENALTIES = default_penalties()
REQUIRED_CODES = frozenset(spec.code for spec in DEFAULT_PENALTIES)

_INTS = {
    "roll_call_minutes": (1, 240),
    "leave_lead_days": (0, 30),
    "absenteeism_days_ending_employment": (1, 31),
    "knowledge_check_days": (1, 60),
}


@dataclass(frozen=True, slots=True)
class KtvPolicy:
    """The numbers of the KTV rules.

    - ``business_day_cutoff``: a moment before this local time belongs to the previous
      business day (KTV-1 *Decided*: 06:00).
    - ``opens_at`` / ``closes_at``: working hours 19:30–02:00 (KTV-1).
    - ``meeting_time`` / ``roll_call_minutes``: the pre-shift meeting at 19:30, the roll open
      until 20:00 (KTV-2 *Decided*).
    - ``late_fine`` / ``absent_fine``: KTV-2 30 / 50 CNY (KTV-10's absence is 50 too).
    - ``leave_lead_days``: leave before the start of the business day that many days before
      (KTV-4 *Decided*: 1, the previous business day).
    - ``absenteeism_wage_days``: days' wages per day of absenteeism (KTV-4: 4).
    - ``absenteeism_days_ending_employment``: within one calendar month (KTV-4: 3).
    - ``knowledge_check_days``: KTV-3 business days, the joining day as day 1 (3).
    - ``penalties``: the line's penalty table; the KTV-2/KTV-10 entries follow the fines.
    """

    business_day_cutoff: time = time(6, 0)
    opens_at: time = time(19, 30)
    closes_at: time = time(2, 0)
    meeting_time: time = time(19, 30)
    roll_call_minutes: int = 30
    late_fine: Decimal = Decimal(30)
    absent_fine: Decimal = Decimal(50)
    leave_lead_days: int = 1
    absenteeism_wage_days: Decimal = Decimal(4)
    absenteeism_days_ending_employment: int = 3
    knowledge_check_days: int = 3
    penalties: tuple[PenaltyRuleSpec, ...] = DEFAULT_PENALTIES

    def __post_init__(self) -> None:
        for name in ("business_day_cutoff", "opens_at", "closes_at", "meeting_time"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"ktv policy {name} must be a local time HH:MM")
        if not self.business_day_cutoff <= min(self.opens_at, self.meeting_time):
            # KTV-1: the evening's meeting and opening belong to the day they are on.
            raise ValueError(
                "ktv policy business_day_cutoff must be at or before opens_at and meeting_time"
            )
        for name, (low, high) in _INTS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(
                    f"ktv policy {name} must be a whole number from {low} to {high}, got {value!r}"
                )
        for name in ("late_fine", "absent_fine", "absenteeism_wage_days"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"ktv policy {name} must be a non-negative decimal")
        codes = [spec.code for spec in self.penalties]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"ktv penalty table repeats code(s): {duplicates}")
        missing = sorted(REQUIRED_CODES - set(codes))
        if missing:
            raise ValueError(f"ktv penalty table lacks {', '.join(missing)}")
        for spec in self.penalties:
            if spec.rule == "C-14":
                raise ValueError(f"ktv penalty {spec.code}: C-14 entries belong to core")

    def penalty(self, code: str) -> PenaltyRuleSpec:
        """The table entry with ``code``; ValueError naming the code when there is none."""
        for spec in self.penalties:
            if spec.code == code:
                return spec
        raise ValueError(f"ktv penalty table has no entry {code!r}")

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> KtvPolicy:
        """The default policy with an operator's overrides (stored JSON) applied.

        Unknown keys raise ValueError naming them; times may be ``"HH:MM"``, decimals strings
        or numbers; ``penalties`` a list of dicts for :meth:`PenaltyRuleSpec.from_dict`.  The
        KTV-2 / KTV-10 entries follow ``late_fine`` / ``absent_fine`` unless ``penalties``
        spells them out.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown ktv policy key(s): {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        values: dict[str, Any] = dict(overrides)
        for name in ("business_day_cutoff", "opens_at", "closes_at", "meeting_time"):
            if isinstance(values.get(name), str):
                try:
                    values[name] = time.fromisoformat(values[name])
                except ValueError:
                    raise ValueError(
                        f"ktv policy {name} must be a local time HH:MM, got {values[name]!r}"
                    ) from None
        for name in ("late_fine", "absent_fine", "absenteeism_wage_days"):
            if name in values and not isinstance(values[name], Decimal):
                raw = values[name]
                if isinstance(raw, bool) or not isinstance(raw, int | str):
                    raise ValueError(f"ktv policy {name} must be a decimal, got {raw!r}")
                try:
                    values[name] = Decimal(str(raw))
                except ArithmeticError:
                    raise ValueError(f"ktv policy {name} must be a decimal, got {raw!r}") from None
        base = cls()
        derived = {
            spec.code: spec
            for spec in default_penalties(
                values.get("late_fine", base.late_fine),
                values.get("absent_fine", base.absent_fine),
                values.get("absenteeism_wage_days", base.absenteeism_wage_days),
            )
        }
        if "penalties" in values:
            raw = values["penalties"]
            if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
                raise ValueError("ktv policy penalties must be a list of penalty specs")
            table = [
                item if isinstance(item, PenaltyRuleSpec) else PenaltyRuleSpec.from_dict(item)
                for item in raw
            ]
            given = {spec.code for spec in table}
            table += [spec for code, spec in derived.items() if code not in given]
            values["penalties"] = tuple(table)
        else:
            values["penalties"] = tuple(derived.values())
        return replace(base, **values)


DEFAULT_POLICY = KtvPolicy()
