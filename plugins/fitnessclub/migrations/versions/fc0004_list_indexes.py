"""fitness lists seek their index (issue 13)

Revision ID: fc0004
Revises: fc0003
Create Date: 2026-12-02

* ``fitnessSales(siteId, month)`` pages a club's month by sale time, ties by id (a keyset on
  ``(sold_at, id)``): ``(site_id, sold_at, id)`` replaces fc0002's ``(site_id, sold_at)`` (the
  month reports and open claims read the same prefix) and the single-column ``site_id``
  index (a prefix of it);
* ``fitnessClaims(saleId)``, oldest first: ``(sale_id, found_at, id)`` replaces ``sale_id``.

Built and dropped ``CONCURRENTLY`` on PostgreSQL outside a transaction (the public plugin
API's index helpers, as core's revisions do), plainly on SQLite.
"""

from core.plugin_api import create_index_concurrently, drop_index_concurrently, outside_transaction

revision = "fc0004"
down_revision = "fc0003"
branch_labels = None
depends_on = None

# (name, table, columns) — created by upgrade, dropped by downgrade.
NEW_INDEXES = [
    ("ix_fc_card_sales_site_sold_id", "fc_card_sales", ["site_id", "sold_at", "id"]),
    ("ix_fc_claims_sale_found_id", "fc_claims", ["sale_id", "found_at", "id"]),
]
# (name, table, columns) — replaced by those; downgrade recreates them.
OLD_INDEXES = [
    ("ix_fc_card_sales_site_sold_at", "fc_card_sales", ["site_id", "sold_at"]),
    ("ix_fc_card_sales_site_id", "fc_card_sales", ["site_id"]),
    ("ix_fc_claims_sale_id", "fc_claims", ["sale_id"]),
]


def upgrade() -> None:
    with outside_transaction():
        for name, table, columns in NEW_INDEXES:
            create_index_concurrently(name, table, columns)
        for name, table, _columns in OLD_INDEXES:
            drop_index_concurrently(name, table)


def downgrade() -> None:
    with outside_transaction():
        for name, table, columns in OLD_INDEXES:
            create_index_concurrently(name, table, columns)
        for name, table, _columns in NEW_INDEXES:
            drop_index_concurrently(name, table)
