"""fitness-club tables: follow-up sheets, appointments, leads, card sales, claims, month closes

Revision ID: fc0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "fc0001"
down_revision = None
branch_labels = ("fitnessclub",)
depends_on = "c0001"


def _fk(table: str, column: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=nullable,
    )


def upgrade() -> None:
    t = "fc_follow_up_sheets"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "consultant_id", "staff"),
        _fk(t, "customer_id", "customers"),
        sa.Column("surname", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("legible", sa.Boolean(), nullable=False),
        sa.Column("altered", sa.Boolean(), nullable=False),
        sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("made_after_shown", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index(f"ix_{t}_customer_id", t, ["customer_id"])
    t = "fc_appointments"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "consultant_id", "staff"),
        _fk(t, "customer_id", "customers"),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("signature", sa.String(length=16), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index(f"ix_{t}_customer_id", t, ["customer_id"])
    t = "fc_leads"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "consultant_id", "staff"),
        _fk(t, "customer_id", "customers"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index(f"ix_{t}_customer_id", t, ["customer_id"])
    t = "fc_card_sales"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        _fk(t, "closer_id", "staff"),
        _fk(t, "buyer_id", "customers"),
        _fk(t, "user_id", "customers", nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("card_type", sa.String(length=80), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("register_phone", sa.String(length=32), nullable=True),
        sa.Column("phone_fixed_at", sa.DateTime(timezone=True), nullable=True),
        _fk(t, "phone_fine_id", "penalties", nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=False),
        _fk(t, "follow_up_holder_id", "staff"),
        sa.Column("decision_rule", sa.String(length=16), nullable=False),
        sa.Column("decision_message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index(f"ix_{t}_site_id", t, ["site_id"])
    op.create_index(f"ix_{t}_buyer_id", t, ["buyer_id"])
    op.create_index(f"ix_{t}_user_id", t, ["user_id"])
    t = "fc_claims"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        _fk(t, "site_id", "sites"),
        sa.Column(
            "sale_id",
            sa.Integer(),
            sa.ForeignKey("fc_card_sales.id", name="fk_fc_claims_sale_id_fc_card_sales"),
            nullable=False,
        ),
        _fk(t, "claimant_id", "staff"),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    op.create_index(f"ix_{t}_site_id", t, ["site_id"])
    op.create_index(f"ix_{t}_sale_id", t, ["sale_id"])
    t = "fc_month_closes"
    op.create_table(
        t,
        _fk(t, "site_id", "sites"),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        _fk(t, "closed_by_id", "staff", nullable=True),
        sa.PrimaryKeyConstraint("site_id", "month", name=f"pk_{t}"),
    )


def downgrade() -> None:
    for table in (
        "fc_month_closes",
        "fc_claims",
        "fc_card_sales",
        "fc_leads",
        "fc_appointments",
        "fc_follow_up_sheets",
    ):
        op.drop_table(table)
