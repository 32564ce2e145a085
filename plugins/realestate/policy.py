"""Real-estate numbers an operator can see and override (DOMAIN.md RE-5, RE-14, C-14).

Rules in :mod:`plugins.realestate.rules` read every number from a :class:`RealEstatePolicy`;
``DEFAULT_POLICY`` holds the values of the seed regulations (seed 000 篇三, seed 001 篇5,
seed 004 for C-14).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal
from typing import Any

from core.plugin_api.rules import PenaltyRuleSpec

ORDER_GRABBING_CODE = "RE-5"
C14_STAFF_CODE = "C-14-staff"
C14_MANAGER_CODE = "C-14-manager"


def order_grabbing_spec(suspension_days: int) -> PenaltyRuleSpec:
    """The RE-5 table entry: order-grabbing (抢单) costs a suspension (停牌), no money."""
    return PenaltyRuleSpec(
        code=ORDER_GRABBING_CODE,
        rule="RE-5",
        title="Order-grabbing (抢单): suspended from the reception rotation (停牌)",
        kind="suspension",
        min_amount=Decimal(suspension_days),
        max_amount=Decimal(suspension_days),
    )


# C-14's fines belong to core and are in every line's table; an operator may still narrow
# their bounds for real-estate sites by storing C-14-staff / C-14-manager entries here
# (they reach core through frontdesk_c14_bounds).
DEFAULT_PENALTIES: tuple[PenaltyRuleSpec, ...] = (order_grabbing_spec(1),)


# Upper bounds that keep every number meaningful (and every date computable).
MOST = {"suspension_days": 30, "bulk_units_threshold": 1000}


def _positive_int(name: str, value: Any) -> int:
    most = MOST[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError(
            f"real-estate policy {name} must be a whole number from 1 to {most}, got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class RealEstatePolicy:
    """The numbers of the real-estate rules.

    - ``suspension_days``: days out of the rotation for order-grabbing (RE-5, 停牌一天).
    - ``bulk_units_threshold``: units asked for at once that must be reported to the sales
      manager (RE-14, 三套以上 — three counts).
    - ``business_day_starts_at``: local wall-clock time at which the rotation's business day
      begins (RE-1: the manager sets the order per day).
    - ``penalties``: the line's penalty table; its RE-5 entry must be the suspension of
      ``suspension_days`` days so the two can never disagree.
    """

    suspension_days: int = 1
    bulk_units_threshold: int = 3
    business_day_starts_at: time = time(0, 0)
    penalties: tuple[PenaltyRuleSpec, ...] = DEFAULT_PENALTIES

    def __post_init__(self) -> None:
        _positive_int("suspension_days", self.suspension_days)
        _positive_int("bulk_units_threshold", self.bulk_units_threshold)
        if not isinstance(self.business_day_starts_at, time):
            raise ValueError("real-estate policy business_day_starts_at must be a time")
        if self.business_day_starts_at.tzinfo is not None:
            raise ValueError(
                "real-estate policy business_day_starts_at is a local wall-clock time; "
                "drop its tzinfo"
            )
        codes = [spec.code for spec in self.penalties]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"real-estate penalty table repeats code(s): {duplicates}")
        for spec in self.penalties:
            # C-14 bounds overrides: the fine on the person / on the first-responsible manager.
            if spec.code in (C14_STAFF_CODE, C14_MANAGER_CODE) and (
                spec.rule != "C-14" or spec.kind != "fine"
            ):
                raise ValueError(f"real-estate penalty {spec.code} must be a C-14 fine")
            if spec.rule == "C-14" and spec.code not in (C14_STAFF_CODE, C14_MANAGER_CODE):
                raise ValueError(
                    f"real-estate penalty {spec.code}: C-14 entries belong to core; only the "
                    f"bounds of {C14_STAFF_CODE} and {C14_MANAGER_CODE} can be set here"
                )
        grabbing = self.penalty(ORDER_GRABBING_CODE)
        if (
            grabbing.rule != "RE-5"
            or grabbing.kind != "suspension"
            or not grabbing.is_fixed
            or grabbing.min_amount != Decimal(self.suspension_days)
        ):
            raise ValueError(
                f"real-estate penalty {ORDER_GRABBING_CODE} must be a fixed suspension of "
                f"suspension_days={self.suspension_days} day(s)"
            )

    def penalty(self, code: str) -> PenaltyRuleSpec:
        """The table entry with ``code``; ValueError naming the code when there is none."""
        for spec in self.penalties:
            if spec.code == code:
                return spec
        raise ValueError(f"real-estate penalty table has no entry {code!r}")

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> RealEstatePolicy:
        """The default policy with an operator's overrides (e.g. stored JSON) applied.

        Unknown keys raise ValueError naming them. ``business_day_starts_at`` may be an
        ``"HH:MM"`` string; ``penalties`` may be a list of dicts for
        :meth:`PenaltyRuleSpec.from_dict`. The RE-5 entry follows ``suspension_days``: a
        ``penalties`` list without it gets it, and overriding only ``suspension_days``
        rewrites it to match.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown real-estate policy key(s): {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        base = cls()
        values: dict[str, Any] = dict(overrides)
        starts_at = values.get("business_day_starts_at")
        if isinstance(starts_at, str):
            try:
                values["business_day_starts_at"] = time.fromisoformat(starts_at)
            except ValueError:
                # Issue 10, finding 5: name the key and the expected form, not just "hour …".
                raise ValueError(
                    f"real-estate policy business_day_starts_at must be a local time "
                    f"HH:MM from 00:00 to 23:59, got {starts_at!r}"
                ) from None
        if "penalties" in values:
            table = _penalty_table(values["penalties"])
            if all(spec.code != ORDER_GRABBING_CODE for spec in table):
                # RE-5's entry follows suspension_days unless the table spells it out.
                days = _positive_int(
                    "suspension_days", values.get("suspension_days", base.suspension_days)
                )
                table = (order_grabbing_spec(days), *table)
            values["penalties"] = table
        elif "suspension_days" in values:
            days = _positive_int("suspension_days", values["suspension_days"])
            values["penalties"] = tuple(
                order_grabbing_spec(days) if spec.code == ORDER_GRABBING_CODE else spec
                for spec in base.penalties
            )
        return replace(base, **values)


def _penalty_table(raw: Any) -> tuple[PenaltyRuleSpec, ...]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ValueError("real-estate policy penalties must be a list of penalty specs")
    return tuple(
        item if isinstance(item, PenaltyRuleSpec) else PenaltyRuleSpec.from_dict(item)
        for item in raw
    )


DEFAULT_POLICY = RealEstatePolicy()
