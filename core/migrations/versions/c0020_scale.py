"""scale: the core lists c0014/c0019 left without a matching index; customers' page covered

Revision ID: c0020_scale
Revises: c0019_scale
Create Date: 2026-12-02

Issue 13 ("every list seeks"), third pass:

* ``penalties(rule: …)``: ``(site_id, penalty_rule_id, id)``.  The list resolves the rule id to
  its penalty-table rows first and filters on their ids, so a rule with one row is an ordered
  range of this index (newest first), whatever the rule's share of the ledger.
* ``webhookDeliveries(endpointId, status)``: ``(endpoint_id, id)`` and ``(endpoint_id,
  status, id)`` (the outbox grows with every event; its only index was the queue head's
  ``(endpoint_id, status, event_id)``, which keeps its job).
* ``customers`` in its default order (newest first), also the short ``nameContains`` prefix
  walk: ``(site_id, id) INCLUDE (name, phone)`` on PostgreSQL replaces ``(site_id, id)``.  A
  page of 100 customers of one site was one heap page per row once 100 sites' rows interleave
  in the table (103 buffers at 100 sites, 13 at 10); with the columns the page reads in the
  index it is an Index Only Scan of a few index pages.  SQLite has no INCLUDE: the index
  there is ``(site_id, id)`` under the new name.

Built and dropped ``CONCURRENTLY`` on PostgreSQL outside a transaction, an INVALID leftover of a
failed build rebuilt (``core.migrate``'s helpers); plainly on SQLite.
"""

from __future__ import annotations

from core.migrate import create_index_concurrently, drop_index_concurrently, outside_transaction

revision = "c0020_scale"
down_revision = "c0019_scale"
branch_labels = None
depends_on = None

# (name, table, columns, INCLUDE columns on PostgreSQL) — created by upgrade, dropped by
# downgrade.
NEW_INDEXES: list[tuple[str, str, list[str], list[str]]] = [
    ("ix_penalties_site_rule_id", "penalties", ["site_id", "penalty_rule_id", "id"], []),
    ("ix_webhook_deliveries_endpoint_id", "webhook_deliveries", ["endpoint_id", "id"], []),
    (
        "ix_webhook_deliveries_endpoint_status_id",
        "webhook_deliveries",
        ["endpoint_id", "status", "id"],
        [],
    ),
    ("ix_customers_site_id_cover", "customers", ["site_id", "id"], ["name", "phone"]),
]

# (name, table, columns) — replaced by an index above; downgrade recreates them.
OLD_INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_customers_site_id_id", "customers", ["site_id", "id"]),
]


def upgrade() -> None:
    with outside_transaction():
        for name, table, columns, include in NEW_INDEXES:
            create_index_concurrently(name, table, columns, include=include)
        for name, table, _columns in OLD_INDEXES:
            drop_index_concurrently(name, table)


def downgrade() -> None:
    with outside_transaction():
        for name, table, columns in OLD_INDEXES:
            create_index_concurrently(name, table, columns)
        for name, table, _columns, _include in reversed(NEW_INDEXES):
            drop_index_concurrently(name, table)
