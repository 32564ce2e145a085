"""real-estate tables: rotation days, visit receptions, order grabs

Revision ID: re0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "re0001"
down_revision = None
branch_labels = ("realestate",)
depends_on = "c0001"


def upgrade() -> None:
    op.create_table(
        "re_rotation_days",
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_re_rotation_days_site_id_sites"),
            nullable=False,
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "business_date", name="pk_re_rotation_days"),
    )
    op.create_table(
        "re_visit_receptions",
        sa.Column(
            "visit_id",
            sa.Integer(),
            sa.ForeignKey("visits.id", name="fk_re_visit_receptions_visit_id_visits"),
            nullable=False,
        ),
        sa.Column("made_up_turn", sa.Boolean(), nullable=False),
        sa.Column("new_registration", sa.Boolean(), nullable=False),
        sa.Column("units_requested", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name="pk_re_visit_receptions"),
    )
    op.create_table(
        "re_order_grabs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_re_order_grabs_site_id_sites"),
            nullable=False,
        ),
        sa.Column(
            "visit_id",
            sa.Integer(),
            sa.ForeignKey("visits.id", name="fk_re_order_grabs_visit_id_visits"),
            nullable=False,
        ),
        sa.Column(
            "grabber_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", name="fk_re_order_grabs_grabber_id_staff"),
            nullable=False,
        ),
        sa.Column(
            "named_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", name="fk_re_order_grabs_named_id_staff"),
            nullable=False,
        ),
        sa.Column("suspended_until", sa.Date(), nullable=False),
        sa.Column(
            "penalty_id",
            sa.Integer(),
            sa.ForeignKey("penalties.id", name="fk_re_order_grabs_penalty_id_penalties"),
            nullable=True,
        ),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_re_order_grabs"),
    )
    op.create_index("ix_re_order_grabs_site_id", "re_order_grabs", ["site_id"])
    op.create_index("ix_re_order_grabs_visit_id", "re_order_grabs", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_re_order_grabs_visit_id", table_name="re_order_grabs")
    op.drop_index("ix_re_order_grabs_site_id", table_name="re_order_grabs")
    op.drop_table("re_order_grabs")
    op.drop_table("re_visit_receptions")
    op.drop_table("re_rotation_days")
