"""complaint lifecycle (placeholder filled by the complaints work)

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
