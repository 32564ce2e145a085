"""Scalars: money as a decimal string, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NewType

import strawberry

from core.errors import InvalidInput


def _parse_money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            f'{value!r} is not an amount; send a decimal string such as "200.00"',
            code="INVALID_AMOUNT",
        ) from exc
    if not amount.is_finite():
        raise InvalidInput("amount must be finite", code="INVALID_AMOUNT")
    return amount


Money = NewType("Money", Decimal)

SCALAR_MAP = {
    Money: strawberry.scalar(
        name="Money",
        description="An amount as a decimal string (CNY for fines; points or days per the rule).",
        serialize=lambda v: format(v, "f"),
        parse_value=_parse_money,
    )
}
