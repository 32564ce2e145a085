"""fitness-club appointment book entries held as core bookings (issue 12, FC-3 / FC-6)

Revision ID: fc0003
Revises: fc0002
Create Date: 2026-12-02

``fc_appointments.booking_id``: the core booking (kind ``appointment``) that holds the entry;
NULL for entries made before (they keep their own signature column).  SQLite cannot add a
foreign key in place: batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "fc0003"
down_revision = "fc0002"
branch_labels = None
depends_on = "c0015_attendance"


def upgrade() -> None:
    with op.batch_alter_table("fc_appointments") as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_fc_appointments_booking_id_bookings"), "bookings", ["booking_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("fc_appointments") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_fc_appointments_booking_id_bookings"), type_="foreignkey"
        )
        batch_op.drop_column("booking_id")
