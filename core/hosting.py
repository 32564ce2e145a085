"""Hosting rules shared by every line: budget per class (C-1) and escorts per group (C-2).

Numbers are policy data; the functions are plain and return their reason.
"""

from __future__ import annotations

from decimal import Decimal

from core.decisions import Reason
from core.models import CustomerClass

# C-1 (seed 002 篇1): hosting budget per person, CNY, and who receives each class.
HOSTING_BUDGET: dict[CustomerClass, Decimal] = {
    CustomerClass.A: Decimal("500"),
    CustomerClass.B: Decimal("300"),
    CustomerClass.C: Decimal("200"),
    CustomerClass.D: Decimal("150"),
}
RECEIVED_BY: dict[CustomerClass, str] = {
    CustomerClass.A: "senior management",
    CustomerClass.B: "department director",
    CustomerClass.C: "department manager",
    CustomerClass.D: "supervisor",
}
# C-2: (largest group size, escorts); larger groups get LARGE_GROUP_ESCORTS or more.
ESCORT_STEPS: tuple[tuple[int, int], ...] = ((4, 1), (10, 2))
LARGE_GROUP_ESCORTS = 3


def hosting_budget(customer_class: CustomerClass, guests: int = 1) -> tuple[Decimal, Reason]:
    """C-1: the hosting budget for ``guests`` people of ``customer_class``."""
    if guests < 1:
        raise ValueError("guests must be at least 1")
    per_person = HOSTING_BUDGET[customer_class]
    return per_person * guests, Reason(
        "C-1",
        f"class {customer_class.value} guests are hosted at {per_person} CNY per person and "
        f"received by {RECEIVED_BY[customer_class]}",
    )


def escorts_for(guests: int) -> tuple[int, Reason]:
    """C-2: escorts for a hosted group: under 5 guests 1, 5–10 guests 2, over 10 at least 3."""
    if guests < 1:
        raise ValueError("guests must be at least 1")
    escorts = next((n for largest, n in ESCORT_STEPS if guests <= largest), LARGE_GROUP_ESCORTS)
    return escorts, Reason("C-2", f"a group of {guests} is accompanied by {escorts} escort(s)")
