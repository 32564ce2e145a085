"""scale: an index for every list, partial indexes for the overdue sweep, name search

Revision ID: c0014_scale
Revises: c0015_attendance
Create Date: 2026-12-02

Issue 13 ("constant cost as the data grows"): every connection the schema offers orders by
``id`` (newest first) within a site, so each filter gets an index ending in ``id``; a page is
then an index range scan, the same at 10,000 and at 10,000,000 rows.

* visits: ``(site_id, id)``, ``(site_id, receiver_id, id)``, ``(customer_id, id)`` and the partial
  ``(site_id, id) WHERE NOT counted``; the single-column receiver/customer indexes they
  replace are dropped.
* customers / staff / penalties / complaints: ``(site_id, id)`` and one per filter
  (class, owner, staff, severity, handler); the single-column indexes they replace go.
* complaints: one partial index per deadline the overdue sweep watches (C-8, C-11, C-9
  revisit), holding only open complaints whose miss is not reported yet, in due order; they
  replace the plain due-time indexes.
* events: ``(stream, site_id, id)``: a one-site subscription resume reads only its site.
* PostgreSQL only: dependency statistics (a customer belongs to one site), so "site = S AND
  customer = C" is estimated right.
* PostgreSQL only: ``pg_trgm`` and ``btree_gin``, a GIN index ``(site_id, name
  gin_trgm_ops)`` for ``nameContains`` (3 characters or more) and a btree ``(site_id, name
  varchar_pattern_ops)`` for the prefix search of shorter terms.

On PostgreSQL every index is built and dropped ``CONCURRENTLY`` outside a transaction
(``core.migrate``'s ``outside_transaction`` and ``create_index_concurrently``): the register
stays writable while a large table is indexed.  A concurrent build that failed half-way
leaves an INVALID index behind; it is dropped and built again, so running the upgrade again
after a failure finishes the job.  On SQLite the
same indexes are created plainly (the trigram and prefix ones do not exist there: the name
search falls back to LIKE, correct and slower).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.migrate import (
    create_index_concurrently,
    create_index_ddl_concurrently,
    drop_index_concurrently,
    outside_transaction,
)

revision = "c0014_scale"
down_revision = "c0015_attendance"
branch_labels = None
depends_on = None

OVERDUE_STATUSES = {
    "first_response": ("received", "reopened"),
    "resolution": ("received", "acknowledged", "in_progress", "waiting_on_customer", "reopened"),
    "revisit": ("resolved",),
}


def _pending(name: str) -> str:
    statuses = ", ".join(f"'{s}'" for s in OVERDUE_STATUSES[name])
    return f"{name}_overdue_at IS NULL AND status IN ({statuses})"


# (name, table, columns, WHERE or None) — created by upgrade, dropped by downgrade.
NEW_INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_visits_site_id_id", "visits", ["site_id", "id"], None),
    ("ix_visits_site_receiver_id", "visits", ["site_id", "receiver_id", "id"], None),
    ("ix_visits_customer_id_id", "visits", ["customer_id", "id"], None),
    ("ix_visits_site_uncounted", "visits", ["site_id", "id"], "NOT counted"),
    ("ix_customers_site_id_id", "customers", ["site_id", "id"], None),
    ("ix_customers_site_class_id", "customers", ["site_id", "customer_class", "id"], None),
    ("ix_customers_site_owner_id", "customers", ["site_id", "owner_staff_id", "id"], None),
    ("ix_staff_site_id_id", "staff", ["site_id", "id"], None),
    ("ix_penalties_site_id_id", "penalties", ["site_id", "id"], None),
    ("ix_penalties_site_staff_id", "penalties", ["site_id", "staff_id", "id"], None),
    ("ix_complaints_site_id_id", "complaints", ["site_id", "id"], None),
    ("ix_complaints_site_severity_id", "complaints", ["site_id", "severity", "id"], None),
    ("ix_complaints_site_handler_id", "complaints", ["site_id", "handler_id", "id"], None),
    *(
        (f"ix_complaints_{name}_pending", "complaints", [f"{name}_due", "id"], _pending(name))
        for name in OVERDUE_STATUSES
    ),
    ("ix_events_stream_site_id_id", "events", ["stream", "site_id", "id"], None),
]

# SQLite uses a partial index only for a query term written like its WHERE; SQLAlchemy
# writes ``NOT visits.counted`` there as ``visits.counted = 0``.
SQLITE_WHERE = {"ix_visits_site_uncounted": "counted = 0"}

# (name, table, column) — replaced by the indexes above; recreated by downgrade.
OLD_INDEXES: list[tuple[str, str, str]] = [
    ("ix_visits_receiver_id", "visits", "receiver_id"),
    ("ix_visits_customer_id", "visits", "customer_id"),
    ("ix_customers_site_id", "customers", "site_id"),
    ("ix_customers_owner_staff_id", "customers", "owner_staff_id"),
    ("ix_staff_site_id", "staff", "site_id"),
    ("ix_penalties_site_id", "penalties", "site_id"),
    ("ix_penalties_staff_id", "penalties", "staff_id"),
    ("ix_complaints_site_id", "complaints", "site_id"),
    ("ix_complaints_first_response_due", "complaints", "first_response_due"),
    ("ix_complaints_resolution_due", "complaints", "resolution_due"),
    ("ix_complaints_revisit_due", "complaints", "revisit_due"),
]

# PostgreSQL only: name search (nameContains).
EXTENSIONS = ("pg_trgm", "btree_gin")
SEARCH_INDEXES = {
    "ix_customers_name_trgm": (
        "CREATE INDEX CONCURRENTLY ix_customers_name_trgm ON customers"
        " USING gin (site_id, name gin_trgm_ops)"
    ),
    "ix_customers_site_name_prefix": (
        "CREATE INDEX CONCURRENTLY ix_customers_site_name_prefix ON customers"
        " (site_id, name varchar_pattern_ops)"
    ),
}


# PostgreSQL only: a customer belongs to one site, so "site = S AND customer = C" selects as
# many visits as "customer = C".  Without being told, the planner multiplies the two
# selectivities and misjudges the (customer_id, id) index; functional-dependency statistics
# tell it (filled by ANALYZE; autovacuum keeps them up to date).  The staff filters need none:
# their indexes lead with the site, (site_id, receiver_id, id) etc.
DEPENDENCIES = {
    "st_visits_site_customer": ("visits", "site_id, customer_id"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create(name: str, table: str, columns: list[str], where: str | None) -> None:
    create_index_concurrently(
        name, table, columns, where=where, sqlite_where=SQLITE_WHERE.get(name, where)
    )


def upgrade() -> None:
    with outside_transaction():
        for name, table, columns, where in NEW_INDEXES:
            _create(name, table, columns, where)
        for name, table, _column in OLD_INDEXES:
            drop_index_concurrently(name, table)
        if _postgresql():
            for extension in EXTENSIONS:
                op.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {extension}"))
            for name, ddl in SEARCH_INDEXES.items():
                create_index_ddl_concurrently(name, ddl)
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
            for name in SEARCH_INDEXES:
                drop_index_concurrently(name, "customers")
            # The extensions stay: other databases objects may use them by now.
        for name, table, column in OLD_INDEXES:
            create_index_concurrently(name, table, [column])
        for name, table, _columns, _where in reversed(NEW_INDEXES):
            drop_index_concurrently(name, table)
