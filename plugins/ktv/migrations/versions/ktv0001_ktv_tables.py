"""ktv tables: knowledge checks (KTV-3), booking credits (KTV-11), conduct records (KTV-7/8/9)

Revision ID: ktv0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "ktv0001"
down_revision = None
branch_labels = ("ktv",)
# Core's bookings (issue 12) must exist before the credits that point at them.
depends_on = "c0015_attendance"


def _fk(table: str, column: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=nullable,
    )


def upgrade() -> None:
    t = "ktv_knowledge_checks"
    op.create_table(
        t,
        _fk(t, "staff_id", "staff"),
        _fk(t, "site_id", "sites"),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("passed_on", sa.Date(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        _fk(t, "checked_by_id", "staff", nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=f"pk_{t}"),
    )
    op.create_index("ix_ktv_knowledge_checks_site_due", t, ["site_id", "due_on"])
    t = "ktv_booking_credits"
    op.create_table(
        t,
        _fk(t, "booking_id", "bookings"),
        _fk(t, "site_id", "sites"),
        _fk(t, "staff_id", "staff"),
        _fk(t, "visit_id", "visits", nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=f"pk_{t}"),
    )
    op.create_index("ix_ktv_booking_credits_staff_month", t, ["staff_id", "month"])
    t = "ktv_conduct_records"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "staff_id", "staff"),
        sa.Column("conduct", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True),
        _fk(t, "penalty_id", "penalties", nullable=True),
        sa.Column("dismissal", sa.Boolean(), nullable=False),
        sa.Column("police_referral", sa.Boolean(), nullable=False),
        sa.Column("cancels_credits", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk(t, "recorded_by_id", "staff", nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index("ix_ktv_conduct_records_staff_month", t, ["staff_id", "month"])


def downgrade() -> None:
    op.drop_index("ix_ktv_conduct_records_staff_month", "ktv_conduct_records")
    op.drop_table("ktv_conduct_records")
    op.drop_index("ix_ktv_booking_credits_staff_month", "ktv_booking_credits")
    op.drop_table("ktv_booking_credits")
    op.drop_index("ix_ktv_knowledge_checks_site_due", "ktv_knowledge_checks")
    op.drop_table("ktv_knowledge_checks")
