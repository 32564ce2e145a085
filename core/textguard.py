"""Text written to the database: within its column's length, free of control characters.

One ``before_flush`` check for every ORM write, so SQLite (which ignores ``VARCHAR(n)``) and
PostgreSQL (which raises a driver error) refuse the same input with the same code:

* ``VALUE_TOO_LONG`` — a string longer than its ``String(n)`` column, naming the field;
* ``CONTROL_CHARACTERS`` — a NUL or other C0/C1 control character (PostgreSQL cannot store
  NUL at all, SQLite stores it and ``LIKE`` then misbehaves); names (``name``,
  ``*_name``) refuse tabs and line breaks too, other text keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Session

from core.errors import InvalidInput

# C0 controls except tab/newline/carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def refuse_control_characters(value: str, field: str, *, one_line: bool = True) -> None:
    pattern = _CONTROL_OR_BREAK if one_line else _CONTROL
    found = pattern.search(value)
    if found is not None:
        raise InvalidInput(
            f"{field} contains the control character U+{ord(found.group()):04X}; remove it",
            code="CONTROL_CHARACTERS",
            field=field,
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def check_row(obj: Any) -> None:
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        value = getattr(obj, attr.key, None)
        if isinstance(value, str):
            _check_text_value(attr.key, attr.columns[0].type, value)


def check_values(table: Any, values: Mapping[str, Any]) -> None:
    """:func:`check_row` for a Core INSERT's ``values`` (column name -> value) into ``table``:
    the same refusals as an ORM row gets at flush (the hot path inserts without the ORM)."""
    columns = table.c
    for key, value in values.items():
        if isinstance(value, str):
            _check_text_value(key, columns[key].type, value)


def _check_text_value(key: str, kind: Any, value: str) -> None:
    if not isinstance(kind, String):
        return
    field = _camel(key)
    one_line = not isinstance(kind, Text) and (key == "name" or key.endswith("_name"))
    refuse_control_characters(value, field, one_line=one_line)
    if kind.length is not None and len(value) > kind.length:
        raise InvalidInput(
            f"{field} is {len(value)} characters; at most {kind.length} are allowed",
            code="VALUE_TOO_LONG",
            field=field,
            maxLength=kind.length,
        )


@event.listens_for(Session, "before_flush")
def _check_text(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        check_row(obj)
