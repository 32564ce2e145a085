"""car-wash tables: washes

Revision ID: cw0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "cw0001"
down_revision = None
branch_labels = ("carwash",)  # the line's own branch, never merged into core
depends_on = "c0001"  # the core revision that creates sites, staff and visits


def upgrade() -> None:
    op.create_table(
        "cw_washes",
        sa.Column(
            "visit_id",
            sa.Integer(),
            sa.ForeignKey("visits.id", name="fk_cw_washes_visit_id_visits"),
            nullable=False,
        ),
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_cw_washes_site_id_sites"),
            nullable=False,
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column(
            "attendant_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", name="fk_cw_washes_attendant_id_staff"),
            nullable=False,
        ),
        sa.Column("bay", sa.Integer(), nullable=False),
        sa.Column("washed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name="pk_cw_washes"),
    )
    op.create_index("ix_cw_washes_site_id", "cw_washes", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_cw_washes_site_id", table_name="cw_washes")
    op.drop_table("cw_washes")
