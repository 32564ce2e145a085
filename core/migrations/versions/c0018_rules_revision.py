"""rules revision (issue 11): C-8 progress updates, C-11 customer's time and special cases

Revision ID: c0018_rules_revision
Revises: c0014_scale
Create Date: 2026-12-02

``complaints`` gains, all NULL for existing rows except the interval:

* ``customer_requested_by`` (C-11: a complaint made during consumption is due at the time the
  customer asked for), ``special_case_reason`` / ``special_case_at`` (C-11: a special case,
  due at the hard cap);
* ``progress_interval_minutes`` (C-8: the policy interval in force when filed, 1440 for
  existing rows), ``last_progress_at``, ``progress_update_due`` (indexed: the overdue
  predicate) and ``progress_overdue_at`` (the sweep's mark).

Existing complaints get no progress due time until their next change: nothing is reported
overdue for a rule they were not filed under.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0018_rules_revision"
down_revision = "c0014_scale"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("customer_requested_by", sa.DateTime(timezone=True)),
    ("special_case_reason", sa.Text()),
    ("special_case_at", sa.DateTime(timezone=True)),
    ("last_progress_at", sa.DateTime(timezone=True)),
    ("progress_update_due", sa.DateTime(timezone=True)),
    ("progress_overdue_at", sa.DateTime(timezone=True)),
)


PROGRESS_PENDING = (
    "progress_overdue_at IS NULL AND status IN ('acknowledged', 'in_progress', "
    "'waiting_on_customer')"
)


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch_op:
        for name, type_ in _COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.add_column(
            sa.Column(
                "progress_interval_minutes",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("1440"),
            )
        )
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.alter_column(
            "progress_interval_minutes",
            existing_type=sa.Integer(),
            existing_nullable=False,
            server_default=None,
        )
    # The overdue sweep's partial index for C-8 progress updates (issue 13's pattern, see
    # c0014_scale). Built inside this migration's transaction: the column was just added and
    # is empty, so the build is instant and the ALTER above already holds the table's lock.
    op.create_index(
        "ix_complaints_progress_update_pending",
        "complaints",
        ["progress_update_due", "id"],
        postgresql_where=sa.text(PROGRESS_PENDING),
        sqlite_where=sa.text(PROGRESS_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_progress_update_pending", table_name="complaints")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("progress_interval_minutes")
        for name, _type in reversed(_COLUMNS):
            batch_op.drop_column(name)
