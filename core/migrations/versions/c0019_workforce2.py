"""workforce 2 (issue 12): C-3 appointments link the visit they were received with; bookings
record how an entry took effect (FC-3: a signature or an SMS approval)

Revision ID: c0019_workforce2
Revises: c0018_rules_revision
Create Date: 2026-12-02

* ``appointments.visit_id``: the register entry ``checkInVisit`` wrote for the visitors of an
  approved appointment (C-3); NULL for existing rows and appointments received by
  ``checkInAppointment`` alone.
* ``bookings.approval`` (``signature`` or ``sms``), ``approved_by_id`` and ``approved_at``:
  NULL for existing rows (their kinds need no approval).
* A leave request's status may now be ``lapsed`` (undecided when its day started); the
  status column is a VARCHAR without a CHECK, so nothing changes in the table.

SQLite cannot add a foreign key in place: the changes run in batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0019_workforce2"
down_revision = "c0018_rules_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_visit_id_visits"), "visits", ["visit_id"], ["id"]
        )
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.add_column(sa.Column("approval", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_approved_by_id_staff"), "staff", ["approved_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_bookings_approved_by_id_staff"), type_="foreignkey")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approval")
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appointments_visit_id_visits"), type_="foreignkey")
        batch_op.drop_column("visit_id")
    op.execute("UPDATE leave_requests SET status = 'requested' WHERE status = 'lapsed'")
