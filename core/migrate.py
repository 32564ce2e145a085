"""Alembic, driven from code: a ``core`` branch plus one branch per plugin.

Each plugin keeps its revisions in its own ``migrations/`` folder with its own
``branch_label`` and ``depends_on`` a core revision (Alembic "Working with Multiple Bases").
``upgrade`` brings the database to the heads of core and of every enabled plugin; plugin
branches are never merged into core.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from core.db import sync_url
from core.plugins import PluginHost

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CORE_BRANCH = "core"


def alembic_config(url: str, host: PluginHost) -> Config:
    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions")]
    for plugin in host.installed.values():
        if plugin.migrations is not None:
            locations.append(str(plugin.migrations.versions_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    cfg.attributes["plugin_host"] = host
    return cfg


def branches_to_upgrade(host: PluginHost) -> list[str]:
    labels = [CORE_BRANCH]
    for name in sorted(host.enabled):
        plugin = host.installed[name]
        if plugin.migrations is not None:
            labels.append(plugin.migrations.branch_label)
    return labels


def upgrade(url: str, host: PluginHost, *, plugins: list[str] | None = None) -> list[str]:
    """Upgrade core and the enabled plugins' branches (or the named ones) to their heads."""
    cfg = alembic_config(url, host)
    labels = branches_to_upgrade(host)
    if plugins is not None:
        labels = [CORE_BRANCH] + [
            host.installed[p].migrations.branch_label  # type: ignore[union-attr]
            for p in plugins
            if host.installed[p].migrations is not None
        ]
    for label in labels:
        command.upgrade(cfg, f"{label}@head")
    return labels


def downgrade(url: str, host: PluginHost, target: str) -> None:
    """Downgrade to ``target`` (e.g. ``realestate@base`` removes one plugin's tables)."""
    command.downgrade(alembic_config(url, host), target)


def current_heads(url: str, host: PluginHost) -> set[str]:
    """The revisions the database is at (one per applied branch)."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def describe_current(url: str, host: PluginHost) -> list[tuple[str, str]]:
    """(branch label, revision) for each branch the database has applied."""
    script = ScriptDirectory.from_config(alembic_config(url, host))
    out = []
    for rev_id in sorted(current_heads(url, host)):
        rev = script.get_revision(rev_id)
        # The revision's own branch (Alembic carries a label down its branch); walking to
        # "base" would also follow ``depends_on`` and name core for every plugin head.
        labels = set(rev.branch_labels or ()) if rev else set()
        out.append((",".join(sorted(labels)) or "?", rev.revision if rev else rev_id))
    return out


def core_is_current(url: str, host: PluginHost) -> bool:
    """Whether the database has core's head revision (``frontdesk db upgrade`` has run with
    this version of Frontdesk)."""
    script = ScriptDirectory.from_config(alembic_config(url, host))
    head = script.get_revision(f"{CORE_BRANCH}@head")
    if head is None:
        return True
    have = current_heads(url, host)
    return head.revision in have or _applied_beyond(script, head.revision, have)


def pending(url: str, host: PluginHost) -> bool:
    """Whether enabled branches have revisions the database lacks."""
    script = ScriptDirectory.from_config(alembic_config(url, host))
    have = current_heads(url, host)
    for label in branches_to_upgrade(host):
        head = script.get_revision(f"{label}@head")
        if (
            head is not None
            and head.revision not in have
            and not _applied_beyond(script, head.revision, have)
        ):
            return True
    return False


def _applied_beyond(script: ScriptDirectory, revision: str, have: set[str]) -> bool:
    for h in have:
        for r in script.iterate_revisions(h, "base"):
            if r.revision == revision:
                return True
    return False


# --- building indexes on a live register (issue 13) --------------------------------------------
#
# For a revision's ``upgrade``/``downgrade`` (core's or a line's, the latter through
# ``core.plugin_api``).  On PostgreSQL every index is built and dropped ``CONCURRENTLY``: the
# table stays writable while a large index is built.  That cannot run inside a transaction,
# so the calls go inside :func:`outside_transaction` (Alembic's ``autocommit_block``).  A
# concurrent build that fails half-way leaves an INVALID index behind; building it again
# drops that leftover first, so running the upgrade again after a failure finishes the job.
# On SQLite the same indexes are created and dropped plainly.


def _on_postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


@contextmanager
def outside_transaction() -> Iterator[None]:
    """Run the enclosed index builds outside the migration's transaction on PostgreSQL
    (``CREATE/DROP INDEX CONCURRENTLY`` refuses to run in one); a no-op on SQLite."""
    if _on_postgresql():
        with op.get_context().autocommit_block():
            yield
    else:
        yield


def index_state(name: str) -> bool | None:
    """PostgreSQL: None if index ``name`` does not exist, else whether it is valid (a failed
    concurrent build leaves it invalid)."""
    return op.get_bind().scalar(
        sa.text(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = :name AND pg_catalog.pg_table_is_visible(c.oid)"
        ),
        {"name": name},
    )


def index_to_build(name: str) -> bool:
    """Whether to build index ``name`` now: always on SQLite; on PostgreSQL when it is missing
    or an INVALID leftover of a failed concurrent build (dropped here, concurrently)."""
    if not _on_postgresql():
        return True
    state = index_state(name)
    if state is None:
        return True
    if state is False:
        op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        return True
    return False


def create_index_concurrently(
    name: str,
    table: str,
    columns: Sequence[str],
    *,
    where: str | None = None,
    sqlite_where: str | None = None,
    include: Sequence[str] = (),
    **dialect_kw: Any,
) -> bool:
    """Build index ``name`` on ``table`` (``columns``), ``CONCURRENTLY`` on PostgreSQL, unless
    a valid one exists (see :func:`index_to_build`); True if it was built.

    ``where``: a partial index's predicate (SQL text), ``sqlite_where`` the same predicate as
    SQLite needs it written to match the query's term (default: ``where``).  ``include``:
    PostgreSQL-only covering columns (``INCLUDE``; SQLite indexes have none, so the index
    there holds ``columns`` only).  Call it inside :func:`outside_transaction`."""
    if not index_to_build(name):
        return False
    kw: dict[str, Any] = dict(dialect_kw)
    if where is not None:
        kw["postgresql_where"] = sa.text(where)
        kw["sqlite_where"] = sa.text(sqlite_where if sqlite_where is not None else where)
    if include:
        kw["postgresql_include"] = list(include)
    op.create_index(name, table, list(columns), postgresql_concurrently=True, **kw)
    return True


def create_index_ddl_concurrently(name: str, ddl: str) -> bool:
    """PostgreSQL: run ``ddl`` (a ``CREATE INDEX CONCURRENTLY name …`` statement, e.g. a GIN
    trigram index) unless a valid index ``name`` exists; True if it ran.  Call it inside
    :func:`outside_transaction`."""
    if not index_to_build(name):
        return False
    op.execute(sa.text(ddl))
    return True


def drop_index_concurrently(name: str, table: str) -> None:
    """Drop index ``name`` of ``table`` if it exists (``CONCURRENTLY`` on PostgreSQL).  Call
    it inside :func:`outside_transaction`."""
    op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
