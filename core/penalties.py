"""Penalty tables shared by every business line.

A business line's policy lists what its staff can be penalised for as data: one
:class:`PenaltyRuleSpec` per rule, naming the DOMAIN.md rule id and the allowed amount.
:func:`check_amount` is the one place that decides whether an amount may be issued, so a fine
outside a rule's range (C-14: 200–1000 CNY for the person at fault) is refused everywhere
the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.contracts import PenaltyBounds
from core.decisions import Reason
from core.errors import InvalidInput

PENALTY_KINDS: frozenset[str] = frozenset(
    {"fine", "points", "suspension", "dismissal", "wage_deduction", "compensation"}
)

# Dismissal has no amount; every other kind is measured in the unit named here.
_UNITS: dict[str, str] = {
    "fine": "CNY",
    "wage_deduction": "CNY",
    "compensation": "CNY",
    "points": "points",
    "suspension": "days",
}


class PenaltyAmountError(InvalidInput, ValueError):
    """An amount that the rule's penalty spec does not allow; ``code`` is stable for clients.

    An :class:`~core.errors.InvalidInput`, so GraphQL reports its code and message as is.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


MAX_AMOUNT = Decimal(10) ** 10
CENT = Decimal("0.01")


def _as_decimal(value: Any, what: str) -> Decimal:
    # Money is never float: a float has already lost the cents it was meant to carry.
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"{what} is not a number: {value!r}") from exc
    else:
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {value!r}")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class PenaltyRuleSpec:
    """One entry of a penalty table: what a rule allows to be issued.

    ``min_amount``/``max_amount`` are CNY for fines and wage deductions, points for points
    and days for suspensions; equal bounds mean a fixed amount; both ``None`` (dismissal
    only) means the penalty has no amount.
    """

    code: str
    rule: str
    title: str
    kind: str
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def __post_init__(self) -> None:
        # The limits of the ``penalty_rules`` columns the table is synced into.
        for name, longest in (("code", 32), ("rule", 16), ("title", 200)):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"penalty spec needs a non-empty text {name}, got {value!r}")
            if len(value) > longest:
                raise ValueError(
                    f"penalty spec {name} is at most {longest} characters, got {len(value)}"
                )
        if self.kind not in PENALTY_KINDS:
            raise ValueError(
                f"penalty spec {self.code}: unknown kind {self.kind!r}; "
                f"use one of {', '.join(sorted(PENALTY_KINDS))}"
            )
        if self.kind == "dismissal":
            if self.min_amount is not None or self.max_amount is not None:
                raise ValueError(f"penalty spec {self.code}: a dismissal has no amount")
            return
        if self.min_amount is None or self.max_amount is None:
            raise ValueError(f"penalty spec {self.code}: a {self.kind} needs both bounds")
        low = _as_decimal(self.min_amount, f"{self.code} min_amount")
        high = _as_decimal(self.max_amount, f"{self.code} max_amount")
        if low < 0 or high < low:
            raise ValueError(
                f"penalty spec {self.code}: bounds must satisfy 0 <= min <= max, got {low}..{high}"
            )
        for bound in (low, high):  # NUMERIC(12, 2)
            if bound >= MAX_AMOUNT or bound != bound.quantize(CENT):
                raise ValueError(
                    f"penalty spec {self.code}: amounts are below {MAX_AMOUNT} with at most "
                    f"2 decimals, got {bound}"
                )
        object.__setattr__(self, "min_amount", low)
        object.__setattr__(self, "max_amount", high)

    @property
    def is_fixed(self) -> bool:
        """True when the rule allows exactly one amount (min == max)."""
        return self.min_amount is not None and self.min_amount == self.max_amount

    @property
    def unit(self) -> str | None:
        """The unit of the amount (``CNY``, ``points``, ``days``), ``None`` for dismissal."""
        return _UNITS.get(self.kind)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PenaltyRuleSpec:
        """Build a spec from JSON-like data (amounts as strings or ints, never floats)."""
        if not isinstance(data, Mapping):
            raise ValueError(
                f"a penalty spec is an object with code, rule, title, kind; got {data!r}"
            )
        allowed = {"code", "rule", "title", "kind", "min_amount", "max_amount"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown penalty spec key(s): {', '.join(unknown)}")
        missing = [key for key in ("code", "rule", "title", "kind") if key not in data]
        if missing:
            raise ValueError(f"penalty spec lacks {', '.join(missing)}")
        bounds = {
            key: None if data.get(key) is None else _as_decimal(data[key], key)
            for key in ("min_amount", "max_amount")
        }
        return cls(
            code=data["code"],
            rule=data["rule"],
            title=data["title"],
            kind=data["kind"],
            **bounds,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-like data :meth:`from_dict` reads back (amounts as decimal strings)."""
        return {
            "code": self.code,
            "rule": self.rule,
            "title": self.title,
            "kind": self.kind,
            "min_amount": None if self.min_amount is None else str(self.min_amount),
            "max_amount": None if self.max_amount is None else str(self.max_amount),
        }


def check_amount(spec: PenaltyRuleSpec, amount: Decimal | None) -> Decimal | None:
    """Return the amount to issue under ``spec`` or raise :class:`PenaltyAmountError`.

    ``None`` asks for the rule's fixed amount and is refused when the rule has a range.
    A dismissal has no amount: ``None`` in, ``None`` out.
    """
    if spec.min_amount is None or spec.max_amount is None:
        if amount is not None:
            raise PenaltyAmountError(
                "PENALTY_AMOUNT_NOT_APPLICABLE",
                f"{spec.title} ({spec.code}) has no amount; issue it without one.",
            )
        return None
    allowed = f"{spec.min_amount}–{spec.max_amount} {spec.unit}"
    if amount is None:
        if spec.is_fixed:
            return spec.min_amount
        raise PenaltyAmountError(
            "PENALTY_AMOUNT_REQUIRED",
            f"{spec.title} ({spec.code}) needs an amount in the range {allowed}.",
        )
    value = _as_decimal(amount, "penalty amount")
    if not spec.min_amount <= value <= spec.max_amount:
        if spec.is_fixed:
            allowed = f"exactly {spec.min_amount} {spec.unit}"
        raise PenaltyAmountError(
            "PENALTY_AMOUNT_OUT_OF_RANGE",
            f"{value} {spec.unit} is outside what {spec.title} ({spec.code}) allows: "
            f"{allowed}. Issue an amount within it.",
        )
    return value


# --- C-14: core's cross-line entries ---------------------------------------------------------
C14_STAFF_CODE = "C-14-staff"
C14_MANAGER_CODE = "C-14-manager"
C14_COMPENSATION_CODE = "C-14-compensation"
C14_CODES = frozenset({C14_STAFF_CODE, C14_MANAGER_CODE, C14_COMPENSATION_CODE})
# A financial loss is charged as it is: any amount a NUMERIC(12, 2) column holds.
_LARGEST_LOSS = MAX_AMOUNT - CENT


#: C-3: leading visitors round without an approved appointment (core's, every line's table).
C3_UNAPPROVED_VISIT_CODE = "C-3-unapproved-visit"
#: Every entry core adds to each line's table (a line may not declare these codes).
CORE_CODES = C14_CODES | {C3_UNAPPROVED_VISIT_CODE}


def core_specs(bounds: PenaltyBounds) -> tuple[PenaltyRuleSpec, ...]:
    """Core's entries of every line's table: C-14's (:func:`c14_specs`) and C-3's.

    C-3: "擅自率领参观人员参观者,按泄露商业机密论处" (seeds 001 篇3, 003 制度 第二條 4) —
    whoever leads visitors round without an approved appointment is treated as leaking
    business secrets, which seed 003 制度2 5.3.4 fines 300–20xx CNY (*Decided*: 300–2000,
    the illegible upper bound read as 2000; a line adjusts it with ``frontdesk_c14_bounds``).
    """
    return (
        *c14_specs(bounds),
        PenaltyRuleSpec(
            code=C3_UNAPPROVED_VISIT_CODE,
            rule="C-3",
            title="Led a visit without an approved appointment (leaking business secrets)",
            kind="fine",
            min_amount=bounds.unapproved_visit_fine_min,
            max_amount=bounds.unapproved_visit_fine_max,
        ),
    )


def c14_specs(bounds: PenaltyBounds) -> tuple[PenaltyRuleSpec, ...]:
    """C-14, for every line: a complaint verified as caused by one staff member's service
    fines the person and the site's first-responsible manager, and any financial loss is
    charged to the person as a compensation entry (seed 004 五)."""
    return (
        PenaltyRuleSpec(
            code=C14_STAFF_CODE,
            rule="C-14",
            title="Complaint verified as caused by the staff member's service: fine",
            kind="fine",
            min_amount=bounds.staff_fine_min,
            max_amount=bounds.staff_fine_max,
        ),
        PenaltyRuleSpec(
            code=C14_MANAGER_CODE,
            rule="C-14",
            title="Complaint verified as caused by a staff member: fine on the "
            "first-responsible manager",
            kind="fine",
            min_amount=bounds.manager_fine_min,
            max_amount=bounds.manager_fine_max,
        ),
        PenaltyRuleSpec(
            code=C14_COMPENSATION_CODE,
            rule="C-14",
            title="Financial loss caused by the staff member's service: compensation",
            kind="compensation",
            min_amount=CENT,
            max_amount=_LARGEST_LOSS,
        ),
    )


@dataclass(frozen=True, slots=True)
class C14Charge:
    """One ledger entry C-14 asks for: who is charged (``"staff"`` at fault or the
    first-responsible ``"manager"``), under which code, how much, and why."""

    code: str
    charged: str
    amount: Decimal | None  # None: the table's fixed amount
    reason: Reason


def c14_charges(
    *,
    complaint_number: str,
    staff_name: str,
    why: str,
    fine: Decimal | None,
    manager_name: str | None = None,
    manager_fine: Decimal | None = None,
    loss: Decimal | None = None,
    loss_reason: str | None = None,
) -> tuple[C14Charge, ...]:
    """C-14: the entries for a complaint verified as caused by one staff member's service.

    Seed 004 销售部客户服务管理制度 五: 對責任人處以200-1000元罰款, 對第一責任領導處以
    100-500元罰款; 造成經濟損失的, 由責任人承擔 — the person at fault is fined, the site's
    first-responsible manager too (when named), and any financial loss is charged to the person
    as a *compensation* entry with its amount and reason, alongside the fines.  The bounds of
    each amount are the penalty table's (:func:`check_amount`); here only what must be given
    together: a manager with their fine (``MANAGER_FINE_INCOMPLETE``), a loss with its reason
    (``COMPENSATION_INCOMPLETE``), a positive loss (``INVALID_COMPENSATION``).
    """
    text = why.strip() if isinstance(why, str) else ""
    if not text:
        raise InvalidInput(
            "say why the complaint is the staff member's fault (reason)",
            code="REASON_REQUIRED",
            field="reason",
        )
    if (manager_name is None) != (manager_fine is None):
        raise InvalidInput(
            "give both managerId and managerFineAmount (C-14 fines the first-responsible "
            "manager too), or neither",
            code="MANAGER_FINE_INCOMPLETE",
            field="managerFineAmount",
        )
    loss_text = loss_reason.strip() if isinstance(loss_reason, str) else ""
    if (loss is None) != (not loss_text):
        raise InvalidInput(
            "give both compensationAmount and compensationReason (C-14: the financial loss "
            "charged to the person, and what it was), or neither",
            code="COMPENSATION_INCOMPLETE",
            field="compensationReason" if loss is not None else "compensationAmount",
        )
    if loss is not None and _as_decimal(loss, "compensation amount") <= 0:
        raise InvalidInput(
            f"a compensation is a loss greater than 0 CNY, got {loss}",
            code="INVALID_COMPENSATION",
            field="compensationAmount",
        )
    charges = [
        C14Charge(
            C14_STAFF_CODE,
            "staff",
            fine,
            Reason(
                "C-14",
                f"complaint {complaint_number} was caused by {staff_name}'s service: {text}",
            ),
        )
    ]
    if manager_name is not None and manager_fine is not None:
        charges.append(
            C14Charge(
                C14_MANAGER_CODE,
                "manager",
                manager_fine,
                Reason(
                    "C-14",
                    f"first-responsible manager for complaint {complaint_number} caused by "
                    f"{staff_name}: {text}",
                ),
            )
        )
    if loss is not None:
        charges.append(
            C14Charge(
                C14_COMPENSATION_CODE,
                "staff",
                loss,
                Reason(
                    "C-14",
                    f"financial loss of complaint {complaint_number} charged to {staff_name} "
                    f"as compensation: {loss_text}",
                ),
            )
        )
    return tuple(charges)
