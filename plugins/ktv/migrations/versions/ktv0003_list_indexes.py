"""KTV-3's overdue knowledge checks seek their index (issue 13)

Revision ID: ktv0003
Revises: ktv0002
Create Date: 2026-12-02

``ktvOverdueKnowledgeChecks`` (and the daily reminder) read a venue's checks not passed yet,
by due day, ties by staff id: the partial ``(site_id, due_on, staff_id) WHERE passed_on IS
NULL`` replaces ``(site_id, due_on)``, which walked every passed check of every former hire
before the first one still open.  Built and dropped ``CONCURRENTLY`` on PostgreSQL outside a
transaction (the public plugin API's index helpers), plainly on SQLite.
"""

from core.plugin_api import create_index_concurrently, drop_index_concurrently, outside_transaction

revision = "ktv0003"
down_revision = "ktv0002"
branch_labels = None
depends_on = None

NEW = "ix_ktv_knowledge_checks_site_pending"
OLD = "ix_ktv_knowledge_checks_site_due"
TABLE = "ktv_knowledge_checks"


def upgrade() -> None:
    with outside_transaction():
        create_index_concurrently(
            NEW, TABLE, ["site_id", "due_on", "staff_id"], where="passed_on IS NULL"
        )
        drop_index_concurrently(OLD, TABLE)


def downgrade() -> None:
    with outside_transaction():
        create_index_concurrently(OLD, TABLE, ["site_id", "due_on"])
        drop_index_concurrently(NEW, TABLE)
