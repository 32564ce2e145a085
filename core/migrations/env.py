"""Alembic environment for Frontdesk (core branch plus one branch per plugin)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import core.auth  # noqa: F401  (registers every core table on the metadata)
import core.models  # noqa: F401
from core.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
