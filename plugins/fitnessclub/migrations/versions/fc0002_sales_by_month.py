"""fitness-club card sales indexed by site and sale time (month reports, open claims)

Revision ID: fc0002
Revises: fc0001
Create Date: 2026-12-02
"""

from alembic import op

revision = "fc0002"
down_revision = "fc0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fitnessMonthReport / fitnessSales / fitnessOpenClaims read one site's sales of a time
    # range: (site_id, sold_at) answers them without scanning the club's history.
    op.create_index("ix_fc_card_sales_site_sold_at", "fc_card_sales", ["site_id", "sold_at"])


def downgrade() -> None:
    op.drop_index("ix_fc_card_sales_site_sold_at", table_name="fc_card_sales")
