"""ktv roll fines: the KTV-2 / KTV-10 ledger entry of each decided line of the roll

Revision ID: ktv0002
Revises: ktv0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "ktv0002"
down_revision = "ktv0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    t = "ktv_roll_fines"
    op.create_table(
        t,
        sa.Column(
            "entry_id",
            sa.Integer(),
            sa.ForeignKey("roll_call_entries.id", name=f"fk_{t}_entry_id_roll_call_entries"),
            nullable=False,
        ),
        sa.Column(
            "meeting_id",
            sa.Integer(),
            sa.ForeignKey("meetings.id", name=f"fk_{t}_meeting_id_meetings"),
            nullable=False,
        ),
        sa.Column(
            "penalty_id",
            sa.Integer(),
            sa.ForeignKey("penalties.id", name=f"fk_{t}_penalty_id_penalties"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("entry_id", name=f"pk_{t}"),
    )
    op.create_index("ix_ktv_roll_fines_meeting", t, ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_ktv_roll_fines_meeting", "ktv_roll_fines")
    op.drop_table("ktv_roll_fines")
