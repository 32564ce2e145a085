"""Alembic environment for Frontdesk (core branch plus one branch per plugin)."""

from __future__ import annotations

import contextlib
import importlib

from alembic import context
from sqlalchemy import engine_from_config, pool

import core.auth
import core.models  # noqa: F401
from core.db import Base

config = context.config


def _import_all_models() -> None:
    """Put every table on the metadata: core areas and each installed plugin's ``models``."""
    for module in ("core.webhooks",):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    host = config.attributes.get("plugin_host")
    for plugin in host.installed.values() if host is not None else ():
        package = plugin.plugin.__name__.rpartition(".")[0]
        with contextlib.suppress(ImportError):
            importlib.import_module(f"{package}.models")


_import_all_models()
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
