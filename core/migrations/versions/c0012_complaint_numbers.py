"""complaint numbers without separator (C-6 revised 2026-12-01)

Revision ID: c0012
Revises: c0011
Create Date: 2026-12-02 02:20:00

Every stored number ``YYMM-NNNN`` becomes ``YYMMNN…`` (the serial with at least two digits):
``2611-0007`` -> ``261107``, ``2611-0123`` -> ``2611123``. Year, month and serial are kept,
so numbers stay unique per site. Each complaint renumbered gets a ``renumbered`` entry in
its history (from the old number to the new), so the mapping stays on record; the
``complaintByNumber`` query reads either form. The downgrade maps back and drops those
entries.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "c0012"
down_revision = "c0011"
branch_labels = None
depends_on = None

_OLD = re.compile(r"(\d{4})-(\d{4,})")
_NEW = re.compile(r"(\d{4})(\d{2,})")

complaints = sa.table(
    "complaints",
    sa.column("id", sa.Integer),
    sa.column("number", sa.String),
    sa.column("cycle", sa.Integer),
)
history = sa.table(
    "complaint_history",
    sa.column("complaint_id", sa.Integer),
    sa.column("cycle", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_value", sa.String),
    sa.column("to_value", sa.String),
    sa.column("actor_staff_id", sa.Integer),
    sa.column("note", sa.Text),
    sa.column("rule", sa.String),
    sa.column("message", sa.Text),
    sa.column("event_id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
)


def new_form(number: str) -> str | None:
    """``2611-0007`` -> ``261107``; None when ``number`` is not in the old form."""
    match = _OLD.fullmatch(number)
    if match is None:
        return None
    return f"{match.group(1)}{int(match.group(2)):02d}"


def old_form(number: str) -> str | None:
    """``261107`` -> ``2611-0007``; None when ``number`` is not in the new form."""
    match = _NEW.fullmatch(number)
    if match is None:
        return None
    return f"{match.group(1)}-{int(match.group(2)):04d}"


def _rewrite(convert, record: bool) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    rows = bind.execute(sa.select(complaints.c.id, complaints.c.number, complaints.c.cycle)).all()
    now = datetime.now(UTC)
    for complaint_id, number, cycle in rows:
        renumbered = convert(number)
        if renumbered is None or renumbered == number:
            continue
        bind.execute(
            complaints.update().where(complaints.c.id == complaint_id).values(number=renumbered)
        )
        if record:
            bind.execute(
                history.insert().values(
                    complaint_id=complaint_id,
                    cycle=cycle or 1,
                    action="renumbered",
                    from_value=number,
                    to_value=renumbered,
                    actor_staff_id=None,
                    note="",
                    rule="C-6",
                    message=(
                        f"Complaint number {number} is now {renumbered} (C-6: year, month, then "
                        "the serial, no separator); the old number still finds it."
                    ),
                    event_id=None,
                    occurred_at=now,
                )
            )


def upgrade() -> None:
    _rewrite(new_form, record=True)


def downgrade() -> None:
    _rewrite(old_form, record=False)
    op.execute(history.delete().where(history.c.action == "renumbered"))
