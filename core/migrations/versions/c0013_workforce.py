"""workforce: departments (C-12), rosters of shifts and the C-15 swap register

Revision ID: c0013_workforce
Revises: c0012
Create Date: 2026-12-02

* ``departments``: one per (site, name); ``staff.department_id`` is added NULL for existing
  rows (nobody loses data; they are assigned later).
* ``shifts``: one row per staff member and shift, instants in UTC, the business day it
  belongs to and the duty role held.
* ``shift_swaps``: the swap register (C-15).

SQLite cannot add a foreign key in place: the ``staff`` change runs in batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0013_workforce"
down_revision = "c0012"
branch_labels = None
depends_on = None

SWAP_STATUSES = ("requested", "agreed", "approved", "refused")


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_departments_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_departments_site_id_name")),
    )
    with op.batch_alter_table("departments") as batch_op:
        batch_op.create_index(batch_op.f("ix_departments_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_department_id_departments"),
            "departments",
            ["department_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_staff_department_id"), ["department_id"])
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duty_role", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_shifts_ends_after_start")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_shifts_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_shifts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts") as batch_op:
        batch_op.create_index("ix_shifts_site_starts", ["site_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_shifts_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "shift_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("payback_shift_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*SWAP_STATUSES, name="swap_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_rule", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_shift_swaps_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["staff.id"], name=op.f("fk_shift_swaps_requester_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["counterpart_id"], ["staff.id"], name=op.f("fk_shift_swaps_counterpart_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_shift_swaps_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_shift_swaps_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["payback_shift_id"],
            ["shifts.id"],
            name=op.f("fk_shift_swaps_payback_shift_id_shifts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_swaps")),
    )
    with op.batch_alter_table("shift_swaps") as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_swaps_site_id"), ["site_id"], unique=False)
        batch_op.create_index("ix_shift_swaps_site_status", ["site_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("shift_swaps")
    op.drop_table("shifts")
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_department_id"))
        batch_op.drop_constraint(batch_op.f("fk_staff_department_id_departments"), type_="foreignkey")
        batch_op.drop_column("department_id")
    op.drop_table("departments")
