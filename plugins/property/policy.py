"""Property-management numbers an operator can see and override (DOMAIN.md PM-1 … PM-9).

Rules in :mod:`plugins.property.rules` read every number from a :class:`PropertyPolicy`;
``DEFAULT_POLICY`` holds the values of the seed regulations (seed 000 篇四/篇五, seed 001,
seed 002 篇2/篇6, seed 003 制度5/制度11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal
from typing import Any

from core.plugin_api import PointsItem, PointsScheme
from core.plugin_api.rules import PenaltyRuleSpec

#: PM-4: what makes a complaint major (重大投诉), by category code.
MAJOR_CATEGORIES: tuple[str, ...] = (
    "fire",
    "lift_entrapment",
    "explosion",
    "power_cut",
    "flooding",
    "theft_or_vandalism",
    "criminal_case",
    "main_equipment_failure",  # chiller, generator, HV/LV switchgear, communications
    "structural_damage",
)

#: PM-6: the five clears and one report (五清楚一报告), in order.
HANDLING_STEPS: tuple[str, ...] = ("listen", "ask", "follow", "reply", "record", "report")


def _points(code: str, title: str, **kw: Any) -> PointsItem:
    return PointsItem(code, "PM-9", title, **kw)


#: PM-9's monthly points table for customer-service staff (seed 002 篇6, DOMAIN.md *Decided*).
#: A forgotten clock-in is recorded as time off in lieu (WorkforcePolicy.forgotten_clock_in),
#: so it has no item here.  "offline" costs 5 once, at the 3rd time in a month; unanswered
#: calls or messages 5 at the 3rd, 10 in total at the 5th; attitude complaints 1 each, 5 in
#: total at the 3rd, 10 at the 5th (totals 1, 2, 5, 5, 10).
DEFAULT_POINTS = PointsScheme(
    allowance=Decimal(10),
    floor=Decimal(0),
    warning_at=Decimal(5),
    penalty_at=Decimal(2),
    items=(
        _points("late", "Late (30 minutes or less)", points=Decimal("0.5"), attendance="late"),
        _points(
            "absence", "Absence (over 30 minutes late)", points=Decimal(2), attendance="absent"
        ),
        _points(
            "absenteeism",
            "Absenteeism (leave or 调休 without approval, post left without a swap)",
            points=Decimal(5),
            attendance="absenteeism",
        ),
        _points("offline", "Not online", points=Decimal(0), steps=((3, Decimal(5)),)),
        _points(
            "unanswered",
            "Complaint about unanswered calls or messages",
            points=Decimal(0),
            steps=((3, Decimal(5)), (5, Decimal(10))),
        ),
        _points(
            "attitude",
            "Complaint about attitude",
            points=Decimal(1),
            steps=((3, Decimal(5)), (5, Decimal(10))),
        ),
        _points(
            "unfinished",
            "Unfinished daily work (supervisor's discretion)",
            min_points=Decimal("0.5"),
            max_points=Decimal(1),
        ),
    ),
)


def default_penalties(points: PointsScheme) -> tuple[PenaltyRuleSpec, ...]:
    """The line's penalty table: one points entry per PM-9 item (C-14 is added by core)."""
    table = []
    for item in points.items:
        if item.points is not None and not item.steps:
            low = high = item.points
        elif item.points is None:
            low, high = item.min_points or Decimal(0), item.max_points or Decimal(0)
        else:
            low = item.points if item.points > 0 else min(t for _, t in item.steps)
            high = max(t for _, t in item.steps)
        table.append(
            PenaltyRuleSpec(
                code=f"PM-9-{item.code}",
                rule="PM-9",
                title=item.title,
                kind="points",
                min_amount=low,
                max_amount=high,
            )
        )
    return tuple(table)


MOST = {
    "collective_households": 1000,
    "major_fix_working_days": 30,
    "general_fix_working_days": 30,
    "major_revisit_days": 90,
    "general_revisit_days": 90,
    "first_response_hours": 240,
    "repair_grace_minutes": 240,
    "survey_opinion_days": 30,
    "survey_measures_days": 30,
    "survey_revisit_days": 90,
    "days_off_per_month": 31,
    "absent_after_minutes_late": 600,
}


def _whole(name: str, value: Any, least: int = 1) -> int:
    most = MOST[name]
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValueError(
            f"property policy {name} must be a whole number from {least} to {most}, got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class PropertyPolicy:
    """The numbers of the property rules.

    - ``night_starts`` / ``night_ends``: the night-duty window [20:00, 08:00) on the site's
      clock (PM-1); it crosses midnight when ``night_starts > night_ends``.
    - ``collective_households``: households or companies that make a collective complaint
      major (PM-4: 3, included).
    - ``major_fix_working_days`` / ``general_fix_working_days``: PM-5 1 and 3 working days.
    - ``major_revisit_days`` / ``general_revisit_days``: PM-5 1 week and 2 weeks after the fix.
    - ``first_response_hours``: PM-3 / C-8 24 hours of real time.
    - ``repair_grace_minutes``: PM-8 10 minutes after the agreed time is still on time.
    - ``survey_opinion_days`` / ``survey_measures_days`` / ``survey_revisit_days``: the
      satisfaction-survey follow-up (PM-5: opinions 2 days, written measures 3, revisit 14).
    - ``absent_after_minutes_late`` / ``days_off_per_month``: PM-9 attendance (30, 4).
    - ``points``: PM-9's monthly points scheme; ``penalties``: the line's penalty table.
    """

    night_starts: time = time(20, 0)
    night_ends: time = time(8, 0)
    collective_households: int = 3
    major_fix_working_days: int = 1
    general_fix_working_days: int = 3
    major_revisit_days: int = 7
    general_revisit_days: int = 14
    first_response_hours: int = 24
    repair_grace_minutes: int = 10
    survey_opinion_days: int = 2
    survey_measures_days: int = 3
    survey_revisit_days: int = 14
    absent_after_minutes_late: int = 30
    days_off_per_month: int = 4
    points: PointsScheme = DEFAULT_POINTS
    penalties: tuple[PenaltyRuleSpec, ...] = default_penalties(DEFAULT_POINTS)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in MOST:
                _whole(f.name, getattr(self, f.name), 0 if f.name == "repair_grace_minutes" else 1)
        for name in ("night_starts", "night_ends"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"property policy {name} must be a local wall-clock time")
        if self.night_starts == self.night_ends:
            raise ValueError("property policy night_starts and night_ends must differ")
        if not isinstance(self.points, PointsScheme):
            raise ValueError("property policy points must be a points scheme")
        codes = [spec.code for spec in self.penalties]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"property penalty table repeats code(s): {duplicates}")
        if any(spec.rule == "C-14" for spec in self.penalties):
            raise ValueError("property penalty table: C-14 entries belong to core")

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> PropertyPolicy:
        """The default policy with an operator's overrides (e.g. stored JSON) applied.

        Unknown keys raise ValueError naming them; ``night_starts``/``night_ends`` may be
        ``"HH:MM"`` strings; ``penalties`` a list of dicts for ``PenaltyRuleSpec.from_dict``.
        """
        known = {f.name for f in fields(cls)} - {"points"}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown property policy key(s): {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        values: dict[str, Any] = dict(overrides)
        for name in ("night_starts", "night_ends"):
            raw = values.get(name)
            if isinstance(raw, str):
                try:
                    values[name] = time.fromisoformat(raw)
                except ValueError:
                    raise ValueError(
                        f"property policy {name} must be a local time HH:MM, got {raw!r}"
                    ) from None
        if "penalties" in values:
            raw = values["penalties"]
            if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
                raise ValueError("property policy penalties must be a list of penalty specs")
            values["penalties"] = tuple(
                item if isinstance(item, PenaltyRuleSpec) else PenaltyRuleSpec.from_dict(item)
                for item in raw
            )
        return replace(cls(), **values)


DEFAULT_POLICY = PropertyPolicy()
