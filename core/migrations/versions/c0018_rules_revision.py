"""rules revision (issue 11): C-8 progress updates, C-11 customer's time and special cases

Revision ID: c0018_rules_revision
Revises: c0013_workforce
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
down_revision = "c0013_workforce"
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
        batch_op.create_index(op.f("ix_complaints_progress_update_due"), ["progress_update_due"])


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_index(op.f("ix_complaints_progress_update_due"))
        batch_op.drop_column("progress_interval_minutes")
        for name, _type in reversed(_COLUMNS):
            batch_op.drop_column(name)
