"""scale: indexes for the orders, filters and workforce lists c0014 left without one

Revision ID: c0019_scale
Revises: c0019_workforce2
Create Date: 2026-12-02

Issue 13 ("every list seeks"), the rest of the schema's lists after c0014_scale:

* the ``orderBy`` keysets of Schema 1.0: complaints by ``filedAt`` (``(site_id, filed_at,
  id)``, replacing ``(site_id, filed_at)``: the month statistics read the same prefix) and
  ``updatedAt``, customers by ``name`` and ``createdAt``, penalties by ``issuedAt`` (also the
  ``issuedFrom``/``issuedBefore`` filter); visits by ``arrivedAt`` had its index already;
* ``complaints(customerId)``: ``(customer_id, id)`` (it had no index at all);
* the workforce lists: ``shifts`` (a period of a site: ``(site_id, business_date)``),
  ``shiftSwaps`` (newest first: ``(site_id, id)``), ``attendance`` and ``leaveRequests``
  (``(site_id, business_date, id)``, their filter and order), ``appointments``
  (``(site_id, visit_at, id)``).  The single-column ``site_id`` indexes these lead with go.

PostgreSQL only: dependency statistics on (site, staff member / customer) pairs, so the
planner expects a full page from ``receiverId``, ``handlerId``, ``staffId``, ``ownerStaffId``
and ``customerId`` filters (and joins the page's relations accordingly).

``bookings(siteId, businessDate)`` (``ix_bookings_site_date``) and ``monthPoints``
(``ix_points_staff_month``) had theirs.  Built and dropped ``CONCURRENTLY`` on PostgreSQL
outside a transaction, an INVALID leftover of a failed build rebuilt (``core.migrate``'s
helpers, as c0014_scale); plainly on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.migrate import create_index_concurrently, drop_index_concurrently, outside_transaction

revision = "c0019_scale"
down_revision = "c0019_workforce2"
branch_labels = None
depends_on = None

# (name, table, columns) — created by upgrade, dropped by downgrade.
NEW_INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_complaints_site_filed_id", "complaints", ["site_id", "filed_at", "id"]),
    ("ix_complaints_site_updated_id", "complaints", ["site_id", "updated_at", "id"]),
    ("ix_complaints_customer_id_id", "complaints", ["customer_id", "id"]),
    ("ix_customers_site_name_id", "customers", ["site_id", "name", "id"]),
    ("ix_customers_site_created_id", "customers", ["site_id", "created_at", "id"]),
    ("ix_penalties_site_issued_id", "penalties", ["site_id", "issued_at", "id"]),
    ("ix_shifts_site_date", "shifts", ["site_id", "business_date"]),
    ("ix_shift_swaps_site_id_id", "shift_swaps", ["site_id", "id"]),
    ("ix_attendance_site_date_id", "attendance_records", ["site_id", "business_date", "id"]),
    ("ix_leave_requests_site_date_id", "leave_requests", ["site_id", "business_date", "id"]),
    ("ix_appointments_site_visit_id", "appointments", ["site_id", "visit_at", "id"]),
]

# (name, table, columns) — replaced by the indexes above (a prefix of one); downgrade
# recreates them.
OLD_INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_complaints_site_filed", "complaints", ["site_id", "filed_at"]),
    ("ix_shift_swaps_site_id", "shift_swaps", ["site_id"]),
    ("ix_attendance_records_site_id", "attendance_records", ["site_id"]),
    ("ix_leave_requests_site_id", "leave_requests", ["site_id"]),
    ("ix_appointments_site_id", "appointments", ["site_id"]),
]


# PostgreSQL only: a staff member (a customer) belongs to one site, so "site = S AND receiver
# = R" selects as many rows as "receiver = R".  Without being told, the planner multiplies the
# two selectivities, expects a tenth of the page and picks a join made for ten rows (visits
# by receiver: 707 buffers instead of 415 for a page of 100).  As c0014's
# st_visits_site_customer.
DEPENDENCIES = {
    "st_visits_site_receiver": ("visits", "site_id, receiver_id"),
    "st_complaints_site_handler": ("complaints", "site_id, handler_id"),
    "st_complaints_site_customer": ("complaints", "site_id, customer_id"),
    "st_penalties_site_staff": ("penalties", "site_id, staff_id"),
    "st_customers_site_owner": ("customers", "site_id, owner_staff_id"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with outside_transaction():
        for name, table, columns in NEW_INDEXES:
            create_index_concurrently(name, table, columns)
        for name, table, _columns in OLD_INDEXES:
            drop_index_concurrently(name, table)
        if _postgresql():
            for name, (table, columns) in DEPENDENCIES.items():
                op.execute(
                    sa.text(
                        f"CREATE STATISTICS IF NOT EXISTS {name} (dependencies)"
                        f" ON {columns} FROM {table}"
                    )
                )
            for table in sorted({table for table, _columns in DEPENDENCIES.values()}):
                op.execute(sa.text(f"ANALYZE {table}"))  # a sample: seconds, not a scan


def downgrade() -> None:
    with outside_transaction():
        if _postgresql():
            for name in DEPENDENCIES:
                op.execute(sa.text(f"DROP STATISTICS IF EXISTS {name}"))
        for name, table, columns in OLD_INDEXES:
            create_index_concurrently(name, table, columns)
        for name, table, _columns in reversed(NEW_INDEXES):
            drop_index_concurrently(name, table)
