"""Scalars: amounts as decimal strings, never floats.

Schema 1.0: the scalar is called ``Decimal`` (it carries points and days as well as CNY);
money is the ``Money { amount, currency }`` object (``core.graphql.types.MoneyAmount``).
The Python name stays ``Money`` for the code that declares amounts.
"""

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

_DECIMAL = strawberry.scalar(
    name="Decimal",
    description='A decimal number as a string, e.g. "300.00" (CNY for fines; points or '
    "days per the rule); never a float.",
    serialize=lambda v: format(v, "f"),
    parse_value=_parse_money,
)

# Both annotations are the one ``Decimal`` scalar (strawberry's own would clash by name).
SCALAR_MAP = {Money: _DECIMAL, Decimal: _DECIMAL}
