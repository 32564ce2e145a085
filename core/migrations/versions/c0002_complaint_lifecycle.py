"""complaint lifecycle: numbering counter, history, pauses, stored deadlines

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-24

* ``complaint_serials``: one row per (site, site-local month) holding the last serial issued
  (C-6); filing locks it with INSERT … ON CONFLICT DO UPDATE … RETURNING.
* ``complaint_history``: who/when/why/from/to of every change (C-9).
* ``complaint_pauses``: the times a complaint waited on the customer (C-11 clock pauses).
* ``complaints`` gains the policy facts and targets, the cycle, the lifecycle timestamps and
  the stored due times (so "overdue" is a SQL predicate), the overdue-sweep marks and the
  C-14 verification.  Existing rows get ``recorded_at = updated_at = cycle_started_at =
  filed_at`` and the default targets; their due times stay NULL until they next change.

SQLite cannot ALTER constraints in place: every change to ``complaints`` runs in batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

STATUSES = (
    "received",
    "acknowledged",
    "in_progress",
    "waiting_on_customer",
    "resolved",
    "revisited",
    "closed",
    "reopened",
)
ACTIONS = ("filed", "transition", "assigned", "escalated", "fault_verified", "overdue")

NEW_NULLABLE_TIMES = (
    "first_responded_at",
    "resolved_at",
    "revisited_at",
    "closed_at",
    "first_response_due",
    "resolution_due",
    "special_case_due",
    "revisit_due",
    "first_response_overdue_at",
    "resolution_overdue_at",
    "revisit_overdue_at",
    "fault_verified_at",
)
BACKFILLED_TIMES = ("recorded_at", "updated_at", "cycle_started_at")
TARGETS = (
    ("first_response_minutes", "1440"),
    ("resolution_working_days", "3"),
    ("special_case_working_days", "7"),
    ("revisit_days", "14"),
)
DEFAULTED = (
    ("flags", sa.JSON()),
    ("policy_rule", sa.String(length=16)),
    ("policy_reason", sa.Text()),
    *((name, sa.Integer()) for name, _default in TARGETS),
    ("cycle", sa.Integer()),
)
CHECKS = (
    ("status", "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"),
    ("severity", "severity IN ('general', 'major')"),
    ("channel", "channel IN ('in_person', 'phone', 'written')"),
    ("escalation_level", "escalation_level BETWEEN 0 AND 3"),
    ("cycle", "cycle >= 1"),
)


def upgrade() -> None:
    op.create_table(
        "complaint_serials",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_serial >= 1", name=op.f("ck_complaint_serials_last_serial")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_complaint_serials_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "period", name=op.f("pk_complaint_serials")),
    )

    # Columns first (nullable where old rows need a backfill), then the backfill, then the
    # constraints: one batch per step keeps SQLite's table copy simple.
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("households", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("flags", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("policy_rule", sa.String(length=16), nullable=False, server_default="C-11")
        )
        batch_op.add_column(
            sa.Column("policy_reason", sa.Text(), nullable=False, server_default="")
        )
        for name, default in TARGETS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text(default))
            )
        batch_op.add_column(
            sa.Column("cycle", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        for name in BACKFILLED_TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        for name in NEW_NULLABLE_TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fault_verified_by_id", sa.Integer(), nullable=True))

    op.execute(
        "UPDATE complaints SET recorded_at = filed_at, updated_at = filed_at, "
        "cycle_started_at = filed_at"
    )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for name in BACKFILLED_TIMES:
            batch_op.alter_column(name, existing_type=sa.DateTime(timezone=True), nullable=False)
        # The server defaults only filled the old rows; the application sets every value.
        for name, existing_type in DEFAULTED:
            batch_op.alter_column(
                name, existing_type=existing_type, existing_nullable=False, server_default=None
            )
        batch_op.create_foreign_key(
            op.f("fk_complaints_fault_verified_by_id_staff"),
            "staff",
            ["fault_verified_by_id"],
            ["id"],
        )
        for name, condition in CHECKS:
            batch_op.create_check_constraint(op.f(f"ck_complaints_{name}"), condition)
        batch_op.create_index("ix_complaints_site_status", ["site_id", "status", "id"])
        batch_op.create_index("ix_complaints_site_filed", ["site_id", "filed_at"])
        batch_op.create_index(op.f("ix_complaints_first_response_due"), ["first_response_due"])
        batch_op.create_index(op.f("ix_complaints_resolution_due"), ["resolution_due"])
        batch_op.create_index(op.f("ix_complaints_revisit_due"), ["revisit_due"])

    op.create_table(
        "complaint_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(*ACTIONS, name="complaint_action", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("from_value", sa.String(length=32), nullable=True),
        sa.Column("to_value", sa.String(length=32), nullable=True),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_history_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f("fk_complaint_history_actor_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_complaint_history_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_history")),
    )
    with op.batch_alter_table("complaint_history", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_history_complaint", ["complaint_id", "id"])

    op.create_table(
        "complaint_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_pauses_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_pauses")),
    )
    with op.batch_alter_table("complaint_pauses", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_pauses_complaint", ["complaint_id", "cycle"])


def downgrade() -> None:
    with op.batch_alter_table("complaint_pauses", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_pauses_complaint")
    op.drop_table("complaint_pauses")

    with op.batch_alter_table("complaint_history", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_history_complaint")
    op.drop_table("complaint_history")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_complaints_revisit_due"))
        batch_op.drop_index(op.f("ix_complaints_resolution_due"))
        batch_op.drop_index(op.f("ix_complaints_first_response_due"))
        batch_op.drop_index("ix_complaints_site_filed")
        batch_op.drop_index("ix_complaints_site_status")
        for name, _condition in reversed(CHECKS):
            batch_op.drop_constraint(op.f(f"ck_complaints_{name}"), type_="check")
        batch_op.drop_constraint(
            op.f("fk_complaints_fault_verified_by_id_staff"), type_="foreignkey"
        )
        batch_op.drop_column("fault_verified_by_id")
        for name in reversed(NEW_NULLABLE_TIMES):
            batch_op.drop_column(name)
        for name in reversed(BACKFILLED_TIMES):
            batch_op.drop_column(name)
        batch_op.drop_column("cycle")
        for name, _default in reversed(TARGETS):
            batch_op.drop_column(name)
        batch_op.drop_column("policy_reason")
        batch_op.drop_column("policy_rule")
        batch_op.drop_column("flags")
        batch_op.drop_column("households")

    op.drop_table("complaint_serials")
