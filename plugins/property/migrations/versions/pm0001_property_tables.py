"""property tables: units, residents, visitor register, repair orders, handling steps, revisits

Revision ID: pm0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "pm0001"
down_revision = None
branch_labels = ("property",)
depends_on = "c0001"


def _fk(table: str, column: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=nullable,
    )


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    t = "pm_units"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        sa.Column("building", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_pm_units"),
        sa.UniqueConstraint("site_id", "building", "number", name="uq_pm_units"),
    )
    op.create_index("ix_pm_units_site_id", t, ["site_id"])

    t = "pm_residents"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "unit_id", "pm_units"),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("company", sa.String(length=120), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_pm_residents"),
    )
    op.create_index("ix_pm_residents_site_id", t, ["site_id"])
    op.create_index("ix_pm_residents_unit_id", t, ["unit_id"])

    t = "pm_visitor_registrations"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "unit_id", "pm_units"),
        _fk(t, "resident_id", "pm_residents"),
        sa.Column("visitor_name", sa.String(length=80), nullable=False),
        sa.Column("contact_method", sa.String(length=32), nullable=False),
        _at("resident_confirmed_at"),
        _fk(t, "registered_by_id", "staff"),
        _at("registered_at"),
        sa.Column("night_duty", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pm_visitor_registrations"),
    )
    op.create_index("ix_pm_visitor_registrations_site_id", t, ["site_id"])
    op.create_index("ix_pm_visitor_registrations_registered_at", t, ["registered_at"])

    t = "pm_repair_orders"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "unit_id", "pm_units"),
        _fk(t, "resident_id", "pm_residents", nullable=True),
        _fk(t, "technician_id", "staff"),
        sa.Column("speciality", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _at("agreed_at"),
        _at("rescheduled_to", True),
        _at("arrived_at", True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("fee_quoted", sa.Numeric(12, 2), nullable=True),
        sa.Column("fee_accepted", sa.Boolean(), nullable=False),
        sa.Column("furniture_consent", sa.Boolean(), nullable=False),
        _at("started_at", True),
        sa.Column("fee_lines", sa.JSON(), nullable=False),
        sa.Column("signed_by", sa.String(length=80), nullable=True),
        _at("completed_at", True),
        sa.Column("spot_check_passed", sa.Boolean(), nullable=True),
        _at("spot_checked_at", True),
        sa.Column("status", sa.String(length=16), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_pm_repair_orders"),
    )
    op.create_index("ix_pm_repair_orders_site_id", t, ["site_id"])
    op.create_index("ix_pm_repair_orders_technician_id", t, ["technician_id"])
    op.create_index("ix_pm_repair_orders_agreed_at", t, ["agreed_at"])

    t = "pm_handling_steps"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "complaint_id", "complaints"),
        sa.Column("step", sa.String(length=16), nullable=False),
        _fk(t, "staff_id", "staff"),
        _at("at"),
        _at("next_reply_at", True),
        sa.Column("customer_confirmed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pm_handling_steps"),
        sa.UniqueConstraint("complaint_id", "step", name="uq_pm_handling_steps"),
    )
    op.create_index("ix_pm_handling_steps_complaint_id", t, ["complaint_id"])

    t = "pm_revisits"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "complaint_id", "complaints"),
        _fk(t, "staff_id", "staff"),
        _at("revisited_at"),
        sa.Column("signed_by", sa.String(length=80), nullable=False),
        sa.Column("satisfaction", sa.String(length=16), nullable=False),
        sa.Column("in_time", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pm_revisits"),
    )
    op.create_index("ix_pm_revisits_complaint_id", t, ["complaint_id"])


def downgrade() -> None:
    for table in (
        "pm_revisits",
        "pm_handling_steps",
        "pm_repair_orders",
        "pm_visitor_registrations",
        "pm_residents",
        "pm_units",
    ):
        op.drop_table(table)
