"""Bring an operator's own data in from CSV files: sites, staff, customers (issue 10).

Each row goes through the same service as its GraphQL mutation (``createSite``, ``addStaff``,
``registerCustomer``), so it meets the same rules and gets the same error codes; each row is
its own transaction, so a rejected row writes nothing and never stops the rows after it.  The
result lists every rejected row with its line number, code and message, and
:func:`write_rejects` writes them back out as a CSV the operator can correct and import again.

Files are UTF-8 (a byte-order mark, as spreadsheet programs write it, is accepted) with a
header row; column names are case-insensitive, and columns the kind does not know are refused
before any row is read (a misspelt ``phone`` column would otherwise import customers without
their phones).  Sites and staff are matched by name, so importing the same file again rejects
what exists already (``SITE_EXISTS``, ``STAFF_EXISTS``, ``CUSTOMER_EXISTS``) instead of
writing it twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, FrontdeskError, InvalidInput, NotFound
from core.models import CustomerClass, GroupKind, Site, Staff
from core.plugins import PluginHost
from core.services import directory

#: Columns per kind: (required, optional).
COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "sites": (("name", "business_line"), ("timezone", "calendar_region")),
    "staff": (("site", "name", "role"), ("phone",)),
    "customers": (("site", "name"), ("phone", "class", "group_kind", "group_name")),
}
#: The columns a rejects file adds (:func:`write_rejects`); ignored on import, so a corrected
#: rejects file imports as it is.
REPORT_COLUMNS: Final = ("line", "error_code", "error")
DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
DEFAULT_CALENDAR_REGION: Final = "CN"

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class BadFile(InvalidInput):
    """The file as a whole cannot be imported (its header); nothing was written."""

    code = "BAD_IMPORT_FILE"


@dataclass(frozen=True)
class Rejected:
    """One row that was not imported: its line in the file, the row, and why."""

    line: int
    row: dict[str, str]
    code: str
    message: str


@dataclass
class ImportResult:
    kind: str
    imported: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(kind: str, text: str) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a CSV text as (line number, row with lower-case keys); a header the
    kind cannot take is :class:`BadFile`."""
    if kind not in COLUMNS:
        raise BadFile(f"unknown kind {kind!r}; import one of: {', '.join(COLUMNS)}")
    required, optional = COLUMNS[kind]
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if not header:
        raise BadFile("the file is empty; the first line must name the columns")
    unknown = [h for h in header if h not in (*required, *optional, *REPORT_COLUMNS)]
    missing = [c for c in required if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise BadFile(
            f"{kind} files have the columns {', '.join(required)} (required) and "
            f"{', '.join(optional)} (optional); this one "
            + "; ".join(
                part
                for part in (
                    f"lacks {', '.join(missing)}" if missing else "",
                    f"has unknown {', '.join(unknown)}" if unknown else "",
                    "repeats a column" if len(set(header)) != len(header) else "",
                )
                if part
            )
        )
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank line
        line = reader.line_num
        padded = [*values, *[""] * (len(header) - len(values))]
        row = {h: v.strip() for h, v in zip(header, padded, strict=False)}
        rows.append((line, {h: v for h, v in row.items() if h not in REPORT_COLUMNS}))
    return rows


async def _site_named(session: AsyncSession, name: str) -> Site:
    site = await session.scalar(select(Site).where(Site.name == name))
    if site is None:
        raise NotFound(
            f"no site named {name!r}; import the sites first (or check the spelling)",
            code="SITE_NOT_FOUND",
            field="site",
        )
    return site


def _optional(row: dict[str, str], key: str) -> str | None:
    return row.get(key) or None


def _choice(enum: type[StrEnum], raw: str, column: str) -> Any:
    try:
        return enum(raw.upper() if enum is CustomerClass else raw.lower())
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(
            f"{column} {raw!r} is not one of {choices}", code="BAD_USER_INPUT", field=column
        ) from None


async def _import_row(
    kind: str, session: AsyncSession, host: PluginHost, row: dict[str, str], now: datetime
) -> None:
    if kind == "sites":
        await directory.create_site(
            session,
            host,
            name=row["name"],
            business_line=row["business_line"],
            timezone=row.get("timezone") or DEFAULT_TIMEZONE,
            calendar_region=row.get("calendar_region") or DEFAULT_CALENDAR_REGION,
            now=now,
        )
        return
    site = await _site_named(session, row["site"])
    if kind == "staff":
        exists = await session.scalar(
            select(Staff.id).where(Staff.site_id == site.id, Staff.name == row["name"])
        )
        if exists is not None:
            raise Conflict(
                f"{row['name']!r} already works at {site.name} (staff {exists}); two staff "
                "members with one name are added through the API",
                code="STAFF_EXISTS",
            )
        await directory.add_staff(
            session,
            site_id=site.id,
            name=row["name"],
            role=row["role"],
            phone=_optional(row, "phone"),
            now=now,
            host=host,
        )
        return
    raw_kind = _optional(row, "group_kind")
    await directory.register_customer(
        session,
        site_id=site.id,
        name=row["name"],
        phone=_optional(row, "phone"),
        customer_class=_choice(CustomerClass, row["class"], "class")
        if row.get("class")
        else CustomerClass.D,
        group_kind=_choice(GroupKind, raw_kind, "group_kind") if raw_kind else None,
        group_name=_optional(row, "group_name"),
        now=now,
    )


async def import_rows(
    kind: str,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    transaction: Transaction,
    host: PluginHost,
    now: Callable[[], datetime],
) -> AsyncIterator[Rejected | None]:
    """Import ``rows`` one transaction each, yielding None for an imported row and a
    :class:`Rejected` for a refused one (so a caller can show progress as it goes)."""
    for line, row in rows:
        try:
            async with transaction() as session:
                await _import_row(kind, session, host, row, now())
        except FrontdeskError as exc:
            yield Rejected(line=line, row=row, code=exc.code, message=exc.message)
        else:
            yield None


def write_rejects(path: Path, kind: str, rejected: list[Rejected]) -> None:
    """The rejected rows as a CSV of the same columns plus ``error_code`` and ``error``:
    correct them and import that file again."""
    required, optional = COLUMNS[kind]
    columns = [
        c for c in (*required, *optional) if any(c in r.row for r in rejected) or c in required
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*columns, "line", "error_code", "error"])
        for r in rejected:
            writer.writerow([*(r.row.get(c, "") for c in columns), r.line, r.code, r.message])
