"""The KTV line's own Alembic branch: upgrade creates its tables, ``ktv@base`` removes only
them (core's bookings, which the credits point at, stay)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from core import migrate
from core.plugins import PluginHost, create_plugin_manager

KTV_TABLES = {
    "ktv_knowledge_checks",
    "ktv_booking_credits",
    "ktv_conduct_records",
    "ktv_roll_fines",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_KTV_branch_upgrades_and_downgrades_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ktv.sqlite3'}"
    host = PluginHost(create_plugin_manager(entry_points_group=None))
    host.set_enabled(["ktv"])
    migrate.upgrade(url, host)
    assert KTV_TABLES <= _tables(url)
    assert "ktv0003" in migrate.current_heads(url, host)  # its head (ktv0003: issue 13)
    migrate.downgrade(url, host, "ktv@base")
    tables = _tables(url)
    assert not KTV_TABLES & tables and "bookings" in tables
