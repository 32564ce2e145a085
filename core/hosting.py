"""Hosting rules shared by every line: budget and receiver level per class (C-1) and escorts
per group (C-2).

Numbers are policy data (:class:`HostingPolicy`): the defaults below are DOMAIN.md's, an
operator changes them with the ``hosting_budgets`` / ``hosting_receivers`` settings
(``FRONTDESK_HOSTING_BUDGETS='{"B": "320"}'``) and reads them back with the
``hostingPolicy`` query.  The functions are plain and return their reason.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from core.decisions import Reason
from core.models import CustomerClass


class ReceiverLevel(enum.StrEnum):
    """C-1: who receives a class of customer (seed 002 篇1)."""

    SENIOR_MANAGEMENT = "senior_management"
    DEPARTMENT_DIRECTOR = "department_director"
    DEPARTMENT_MANAGER = "department_manager"
    SUPERVISOR = "supervisor"  # supervisor or business lead (主管或業務負責人)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# C-1 (seed 002 篇1): A 500, B about 300, C about 200, D 150 CNY per person; received by
# senior management, the department director, the department manager, a supervisor.
HOSTING_BUDGET: Mapping[CustomerClass, Decimal] = MappingProxyType(
    {
        CustomerClass.A: Decimal("500"),
        CustomerClass.B: Decimal("300"),
        CustomerClass.C: Decimal("200"),
        CustomerClass.D: Decimal("150"),
    }
)
RECEIVED_BY: Mapping[CustomerClass, ReceiverLevel] = MappingProxyType(
    {
        CustomerClass.A: ReceiverLevel.SENIOR_MANAGEMENT,
        CustomerClass.B: ReceiverLevel.DEPARTMENT_DIRECTOR,
        CustomerClass.C: ReceiverLevel.DEPARTMENT_MANAGER,
        CustomerClass.D: ReceiverLevel.SUPERVISOR,
    }
)
# C-2: (largest group size, escorts); larger groups get LARGE_GROUP_ESCORTS or more.
ESCORT_STEPS: tuple[tuple[int, int], ...] = ((4, 1), (10, 2))
LARGE_GROUP_ESCORTS = 3


def _class(key: Any) -> CustomerClass:
    try:
        return CustomerClass(str(key).strip().upper())
    except ValueError:
        raise ValueError(f"unknown customer class {key!r}; use A, B, C or D (C-1)") from None


def _budget(value: Any, key: CustomerClass) -> Decimal:
    # Money is never float.
    if isinstance(value, bool | float):
        raise ValueError(f"the class {key.value} budget must be a decimal string, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"the class {key.value} budget is not a number: {value!r}") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            f"the class {key.value} budget must be above 0 CNY with at most 2 decimals, "
            f"got {value!r}"
        )
    return amount


def _level(value: Any, key: CustomerClass) -> ReceiverLevel:
    try:
        return ReceiverLevel(str(value).strip().lower())
    except ValueError:
        known = ", ".join(level.value for level in ReceiverLevel)
        raise ValueError(
            f"unknown receiver level {value!r} for class {key.value}; use one of: {known}"
        ) from None


@dataclass(frozen=True)
class HostingPolicy:
    """C-1 policy data: hosting budget per person (CNY) and receiver level for each class."""

    budgets: Mapping[CustomerClass, Decimal] = field(default_factory=lambda: HOSTING_BUDGET)
    receivers: Mapping[CustomerClass, ReceiverLevel] = field(default_factory=lambda: RECEIVED_BY)

    @classmethod
    def from_overrides(
        cls,
        budgets: Mapping[str, Any] | None = None,
        receivers: Mapping[str, Any] | None = None,
    ) -> HostingPolicy:
        """The defaults with an operator's overrides (``{"B": "320"}``, ``{"D":
        "department_manager"}``); a bad class, amount or level raises ``ValueError`` naming
        it.  Classes not named keep their defaults."""
        new_budgets = dict(HOSTING_BUDGET)
        for key, value in (budgets or {}).items():
            klass = _class(key)
            new_budgets[klass] = _budget(value, klass)
        new_receivers = dict(RECEIVED_BY)
        for key, value in (receivers or {}).items():
            klass = _class(key)
            new_receivers[klass] = _level(value, klass)
        return cls(MappingProxyType(new_budgets), MappingProxyType(new_receivers))


DEFAULT_HOSTING_POLICY = HostingPolicy()

# The policy of the Frontdesk serving the current request (set when its GraphQL context is
# made), so field resolvers stay plain functions of the row (the compiled path needs that).
CURRENT_POLICY: ContextVar[HostingPolicy] = ContextVar(
    "frontdesk_hosting_policy", default=DEFAULT_HOSTING_POLICY
)


def hosting_budget(
    customer_class: CustomerClass, guests: int = 1, policy: HostingPolicy = DEFAULT_HOSTING_POLICY
) -> tuple[Decimal, Reason]:
    """C-1: the hosting budget for ``guests`` people of ``customer_class`` under ``policy``,
    with who receives them in the reason."""
    if guests < 1:
        raise ValueError("guests must be at least 1")
    per_person = policy.budgets[customer_class]
    return per_person * guests, Reason(
        "C-1",
        f"class {customer_class.value} guests are hosted at {per_person} CNY per person and "
        f"received by {policy.receivers[customer_class].label}",
    )


def receiver_level(
    customer_class: CustomerClass, policy: HostingPolicy = DEFAULT_HOSTING_POLICY
) -> tuple[ReceiverLevel, Reason]:
    """C-1: the level that receives a customer of ``customer_class`` under ``policy``."""
    level = policy.receivers[customer_class]
    return level, Reason(
        "C-1", f"class {customer_class.value} customers are received by {level.label}"
    )


def escorts_for(guests: int) -> tuple[int, Reason]:
    """C-2: escorts for a hosted group: under 5 guests 1, 5–10 guests 2, over 10 at least 3."""
    if guests < 1:
        raise ValueError("guests must be at least 1")
    escorts = next((n for largest, n in ESCORT_STEPS if guests <= largest), LARGE_GROUP_ESCORTS)
    return escorts, Reason("C-2", f"a group of {guests} is accompanied by {escorts} escort(s)")
