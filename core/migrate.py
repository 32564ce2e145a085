"""Alembic, driven from code: a ``core`` branch plus one branch per plugin.

Each plugin keeps its revisions in its own ``migrations/`` folder with its own
``branch_label`` and ``depends_on`` a core revision (Alembic "Working with Multiple Bases").
``upgrade`` brings the database to the heads of core and of every enabled plugin; plugin
branches are never merged into core.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from alembic import command
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
