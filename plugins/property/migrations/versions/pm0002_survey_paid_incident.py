"""property tables: survey opinions, paid special services (PM-5), incident reports (PM-2/PM-4)

Revision ID: pm0002
Revises: pm0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "pm0002"
down_revision = "pm0001"
branch_labels = None
depends_on = None


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
    t = "pm_survey_opinions"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "resident_id", "pm_residents", True),
        sa.Column("customer_name", sa.String(length=80), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=80), nullable=False),
        _at("collected_at"),
        _fk(t, "recorded_by_id", "staff"),
        _at("opinions_due"),
        _at("delivered_at", True),
        _fk(t, "delivered_by_id", "staff", True),
        _at("measures_due", True),
        _at("measures_at", True),
        sa.Column("measures", sa.Text(), nullable=True),
        _fk(t, "measures_by_id", "staff", True),
        _at("rectified_at", True),
        _fk(t, "rectified_by_id", "staff", True),
        _at("revisit_due", True),
        _at("revisited_at", True),
        _fk(t, "revisited_by_id", "staff", True),
        sa.Column("signed_by", sa.String(length=80), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("late_steps", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pm_survey_opinions"),
    )
    op.create_index("ix_pm_survey_opinions_site_id", t, ["site_id"])
    op.create_index("ix_pm_survey_opinions_collected_at", t, ["collected_at"])
    op.create_index("ix_pm_survey_opinions_closed", t, ["closed"])

    t = "pm_paid_services"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "unit_id", "pm_units"),
        _fk(t, "resident_id", "pm_residents", True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("fee", sa.Numeric(12, 2), nullable=False),
        _at("performed_at"),
        _fk(t, "performed_by_id", "staff"),
        _at("notice_delivered_at", True),
        _fk(t, "notice_delivered_by_id", "staff", True),
        sa.Column("notice_received_by", sa.String(length=80), nullable=True),
        _at("revisited_at", True),
        _fk(t, "revisited_by_id", "staff", True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("revisit_note", sa.Text(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_pm_paid_services"),
    )
    op.create_index("ix_pm_paid_services_site_id", t, ["site_id"])
    op.create_index("ix_pm_paid_services_performed_at", t, ["performed_at"])
    op.create_index("ix_pm_paid_services_done", t, ["done"])

    t = "pm_incident_reports"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "complaint_id", "complaints"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _fk(t, "reported_by_id", "staff"),
        _at("reported_at"),
        sa.Column("reported_to", sa.String(length=120), nullable=False),
        _fk(t, "reported_to_staff_id", "staff", True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("written_complaint_attached", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pm_incident_reports"),
    )
    op.create_index("ix_pm_incident_reports_complaint_id", t, ["complaint_id"])


def downgrade() -> None:
    for table in ("pm_incident_reports", "pm_paid_services", "pm_survey_opinions"):
        op.drop_table(table)
