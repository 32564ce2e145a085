"""complaint history: who recorded a change on the actor's behalf (C-13 act_for, C-9)

Revision ID: c0017_history_on_behalf
Revises: c0013_workforce
Create Date: 2026-12-02

A token with the ``act_for`` permission (a clerk recording what a manager decided on paper)
may name another staff member as the actor of a change.  The history entry keeps the actor
(the staff member the change is recorded for) and now also who recorded it: the token's name
(``recorded_by``, as the audit log names it) and its staff member (``recorded_by_staff_id``,
NULL for a token bound to no staff member).  Both NULL when the actor recorded the change themselves; existing
rows stay so (the audit log holds the truth for them).

SQLite cannot add a foreign key in place: the change runs in batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0017_history_on_behalf"
down_revision = "c0013_workforce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_history") as batch:
        batch.add_column(sa.Column("recorded_by_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recorded_by", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_complaint_history_recorded_by_staff_id_staff"),
            "staff",
            ["recorded_by_staff_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_history") as batch:
        batch.drop_constraint(
            op.f("fk_complaint_history_recorded_by_staff_id_staff"), type_="foreignkey"
        )
        batch.drop_column("recorded_by")
        batch.drop_column("recorded_by_staff_id")
