"""property lists seek their index (issue 13)

Revision ID: pm0003
Revises: pm0002
Create Date: 2026-12-02

Every list of the line filters by project (site) and orders by a time, ties by id:

* ``propertyUnits`` (in the order added): ``(site_id, id)``;
* ``propertyVisitors`` (newest first) and a day's visitors: ``(site_id, registered_at, id)``;
* ``propertySurveyOpinions`` and a month's opinions: ``(site_id, collected_at, id)``; the open
  ones (``open: true``, the front desk's list): the partial ``… WHERE NOT closed``;
* ``propertyPaidServices`` and a month's services: ``(site_id, performed_at, id)``; the
  pending ones: the partial ``… WHERE NOT done``.

They replace the single-column ``site_id``, time and boolean indexes (every query of these
tables names its site).  The queries write the partial indexes' predicates as
``NOT closed`` / ``NOT done`` (PostgreSQL does not prove ``closed IS false`` implies
``NOT closed``), which SQLAlchemy writes ``closed = 0`` on SQLite, as the SQLite index is.
Built and dropped ``CONCURRENTLY`` on PostgreSQL outside a transaction (the public plugin
API's index helpers), plainly on SQLite.
"""

from core.plugin_api import create_index_concurrently, drop_index_concurrently, outside_transaction

revision = "pm0003"
down_revision = "pm0002"
branch_labels = None
depends_on = None

# (name, table, columns, PostgreSQL WHERE, SQLite WHERE) — created by upgrade.
NEW_INDEXES: list[tuple[str, str, list[str], str | None, str | None]] = [
    ("ix_pm_units_site_id_id", "pm_units", ["site_id", "id"], None, None),
    (
        "ix_pm_visitor_registrations_site_registered",
        "pm_visitor_registrations",
        ["site_id", "registered_at", "id"],
        None,
        None,
    ),
    (
        "ix_pm_survey_opinions_site_collected",
        "pm_survey_opinions",
        ["site_id", "collected_at", "id"],
        None,
        None,
    ),
    (
        "ix_pm_survey_opinions_site_open",
        "pm_survey_opinions",
        ["site_id", "collected_at", "id"],
        "NOT closed",
        "closed = 0",
    ),
    (
        "ix_pm_paid_services_site_performed",
        "pm_paid_services",
        ["site_id", "performed_at", "id"],
        None,
        None,
    ),
    (
        "ix_pm_paid_services_site_pending",
        "pm_paid_services",
        ["site_id", "performed_at", "id"],
        "NOT done",
        "done = 0",
    ),
]
# (name, table, column) — replaced by those; downgrade recreates them.
OLD_INDEXES = [
    ("ix_pm_units_site_id", "pm_units", "site_id"),
    ("ix_pm_visitor_registrations_site_id", "pm_visitor_registrations", "site_id"),
    ("ix_pm_visitor_registrations_registered_at", "pm_visitor_registrations", "registered_at"),
    ("ix_pm_survey_opinions_site_id", "pm_survey_opinions", "site_id"),
    ("ix_pm_survey_opinions_collected_at", "pm_survey_opinions", "collected_at"),
    ("ix_pm_survey_opinions_closed", "pm_survey_opinions", "closed"),
    ("ix_pm_paid_services_site_id", "pm_paid_services", "site_id"),
    ("ix_pm_paid_services_performed_at", "pm_paid_services", "performed_at"),
    ("ix_pm_paid_services_done", "pm_paid_services", "done"),
]


def upgrade() -> None:
    with outside_transaction():
        for name, table, columns, where, sqlite_where in NEW_INDEXES:
            create_index_concurrently(name, table, columns, where=where, sqlite_where=sqlite_where)
        for name, table, _column in OLD_INDEXES:
            drop_index_concurrently(name, table)


def downgrade() -> None:
    with outside_transaction():
        for name, table, column in OLD_INDEXES:
            create_index_concurrently(name, table, [column])
        for name, table, *_rest in NEW_INDEXES:
            drop_index_concurrently(name, table)
