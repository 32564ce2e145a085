"""The ``frontdesk`` command on a temporary SQLite file (and once on PostgreSQL).

``frontdesk demo`` is where the ``frontdesk_demo_data`` hook runs: the real-estate line fills
its demo site with staff, customers and visits through it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from core import migrate
from core.cli import app
from core.db import sync_url
from core.plugins import PluginHost, create_plugin_manager
from schema.build import SDL_PATH, export_sdl

ROOT = Path(__file__).resolve().parent.parent
RE_TABLES = {"re_rotation_days", "re_visit_receptions", "re_order_grabs"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, ok: bool = True) -> str:
    """Run the CLI; the output without colours, with rich's line wrapping undone."""
    result = CliRunner().invoke(app, list(args))
    output = ANSI.sub("", result.output)
    if ok:
        assert result.exit_code == 0, f"{args} exited {result.exit_code}:\n{output}"
        assert result.exception is None, result.exception
    else:
        assert result.exit_code != 0, f"{args} should have failed:\n{output}"
    return " ".join(output.split())


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'cli.sqlite3'}"]


def _url(db: list[str]) -> str:
    return db[1]


def _heads() -> dict[str, str]:
    host = PluginHost(create_plugin_manager())
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", host))
    return {b: script.get_revision(f"{b}@head").revision for b in ("core", "realestate")}


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _counts(url: str, *tables: str) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"select count(*) from {t}")).scalar_one() for t in tables}
    finally:
        engine.dispose()


def _enabled_column(listing: str, code: str) -> str:
    match = re.search(rf"^│ {code}\s+│.*│ (yes|no)\s+│$", listing, re.MULTILINE)
    assert match, f"{code} is not listed:\n{listing}"
    return match.group(1)


def test_db_upgrade_then_plugins_enable_and_current(db: list[str]) -> None:
    heads = _heads()
    assert "upgraded branches: core" in run("db", "upgrade", *db)
    assert not (RE_TABLES & _tables(_url(db)))
    current = run("db", "current", *db)
    assert f"core: {heads['core']}" in current
    assert "realestate" not in current

    listing = CliRunner().invoke(app, ["plugins", "list", *db]).output
    assert _enabled_column(ANSI.sub("", listing), "realestate") == "no"

    assert "enabled realestate" in run("plugins", "enable", "realestate", *db)
    assert RE_TABLES <= _tables(_url(db))
    current = run("db", "current", *db)
    assert f"core: {heads['core']}" in current
    assert f"realestate: {heads['realestate']}" in current
    listing = CliRunner().invoke(app, ["plugins", "list", *db]).output
    assert _enabled_column(ANSI.sub("", listing), "realestate") == "yes"
    # A later `db upgrade` brings every enabled branch along.
    assert "upgraded branches: core, realestate" in run("db", "upgrade", *db)


def test_enabling_an_unknown_plugin_fails_with_its_code(db: list[str]) -> None:
    run("db", "upgrade", *db)
    out = run("plugins", "enable", "nosuch", *db, ok=False)
    assert "UNKNOWN_PLUGIN" in out and "nosuch" in out and "realestate" in out
    out = run("plugins", "disable", "nosuch", *db, ok=False)
    assert "UNKNOWN_PLUGIN" in out
    assert _counts(_url(db), "plugin_states") == {"plugin_states": 0}


def test_demo_loads_data_idempotently_and_disable_keeps_it(db: list[str]) -> None:
    """The real-estate ``frontdesk_demo_data`` hook fills the demo site."""
    url = _url(db)
    tables = ("sites", "staff", "customers", "visits", "re_rotation_days", "re_visit_receptions")
    assert "demo ready" in run("demo", *db)
    loaded = _counts(url, *tables)
    assert all(loaded.values()), loaded
    assert "nothing new" in run("demo", *db)
    assert _counts(url, *tables) == loaded

    assert "disabled realestate" in run("plugins", "disable", "realestate", *db)
    listing = CliRunner().invoke(app, ["plugins", "list", *db]).output
    assert _enabled_column(ANSI.sub("", listing), "realestate") == "no"
    assert _counts(url, *tables) == loaded
    assert RE_TABLES <= _tables(url)


def test_plugins_configure_sets_shows_and_unsets_settings(db: list[str]) -> None:
    run("db", "upgrade", *db)
    run("plugins", "enable", "realestate", *db)
    out = run("plugins", "configure", "realestate", "business_day_starts_at=06:00",
              "suspension_days=2", *db)  # fmt: skip
    assert 'realestate settings: {"business_day_starts_at": "06:00", "suspension_days": 2}' in out
    assert "suspension_days" in run("plugins", "configure", "realestate", *db)
    engine = create_engine(sync_url(_url(db)))
    try:
        with engine.connect() as c:
            re5 = c.execute(text("SELECT min_amount FROM penalty_rules WHERE code = 'RE-5'"))
            assert re5.scalar_one() == 2  # the penalty table followed (RE-5)
    finally:
        engine.dispose()
    out = run("plugins", "configure", "realestate", "suspension_days=-1", *db, ok=False)
    assert "INVALID_SETTINGS" in out and "suspension_days" in out
    out = run("plugins", "configure", "realestate", "--unset", "suspension_days", *db)
    assert 'realestate settings: {"business_day_starts_at": "06:00"}' in out
    assert "UNKNOWN_PLUGIN" in run("plugins", "configure", "nosuch", *db, ok=False)
    assert "INVALID_SETTINGS" in run("plugins", "configure", "realestate", "oops", *db, ok=False)


def test_db_downgrade_plugin_base_drops_only_its_tables(db: list[str]) -> None:
    url = _url(db)
    run("demo", *db)
    core_rows = _counts(url, "sites", "staff", "visits")
    assert "downgraded to realestate@base" in run("db", "downgrade", "realestate@base", *db)
    assert not (RE_TABLES & _tables(url))
    assert _counts(url, "sites", "staff", "visits") == core_rows
    current = run("db", "current", *db)
    assert f"core: {_heads()['core']}" in current and "realestate" not in current


def test_schema_export_writes_the_committed_sdl(tmp_path: Path) -> None:
    out = tmp_path / "exported.graphql"
    assert "wrote" in run("schema", "export", "-o", str(out))
    written = out.read_text(encoding="utf-8")
    assert written == export_sdl()
    assert written == SDL_PATH.read_text(encoding="utf-8"), (
        "schema/frontdesk.graphql is stale: run `frontdesk schema export` and commit the diff"
    )


@pytest.mark.postgres
def test_db_upgrade_and_plugins_enable_on_postgresql(pg_empty_url: str) -> None:
    db = ["--database-url", pg_empty_url]
    heads = _heads()
    run("db", "upgrade", *db)
    run("plugins", "enable", "realestate", *db)
    assert RE_TABLES <= _tables(pg_empty_url)
    current = run("db", "current", *db)
    assert f"core: {heads['core']}" in current
    assert f"realestate: {heads['realestate']}" in current
    listing = CliRunner().invoke(app, ["plugins", "list", *db]).output
    assert _enabled_column(ANSI.sub("", listing), "realestate") == "yes"
    assert _counts(pg_empty_url, "penalty_rules")["penalty_rules"] > 0


def test_serve_with_workers_runs_that_many_processes_from_the_app_factory(db, monkeypatch):
    """``frontdesk serve --workers N``: uvicorn starts N processes, each building its own
    Frontdesk from the environment (``core.app:create_app``); the Redis URL goes with it."""
    import uvicorn

    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    # The command sets both variables in os.environ for its workers.  monkeypatch restores a
    # variable only if it recorded it first: ``delenv(raising=False)`` of an unset variable
    # records nothing, so the URL set below used to outlive this test and every later
    # Frontdesk of the session used Redis (tests/test_rate_limits.py shared its windows).
    monkeypatch.setenv("FRONTDESK_REDIS_URL", "")  # empty: ignored, and removed after the test
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", "unset")  # restored after the test
    out = run("serve", *db, "--workers", "3", "--redis-url", "redis://127.0.0.1:6379/5")
    assert "GraphiQL" in out
    ((args, kwargs),) = calls
    assert args == ("core.app:create_app",)
    assert kwargs["factory"] is True and kwargs["workers"] == 3
    assert os.environ["FRONTDESK_REDIS_URL"] == "redis://127.0.0.1:6379/5"
    assert os.environ["FRONTDESK_DATABASE_URL"] == db[1]
    monkeypatch.delenv("FRONTDESK_REDIS_URL")
    monkeypatch.delenv("FRONTDESK_DATABASE_URL")
    run("serve", *db, "--workers", "0", ok=False)  # at least one


# --- from a normal shell (issue 10, finding 3) -------------------------------------------------


def shell(*args: str, cwd: Path, data_dir: Path, **env: str) -> tuple[int, list[str]]:
    """``frontdesk ARGS`` as a separate process from ``cwd``; its exit status and the
    non-empty lines it printed (stdout and stderr)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("FRONTDESK_DATABASE_URL", "COLUMNS")
    }
    environment.update(FRONTDESK_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), HOME=str(cwd), **env)
    done = subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = [ln for ln in ANSI.sub("", done.stdout + done.stderr).splitlines() if ln.strip()]
    return done.returncode, lines


def test_a_missing_database_is_one_line_saying_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    # What a newcomer types in their home directory: a separate process, one line, no file.
    status, lines = shell("tokens", "list", cwd=tmp_path, data_dir=data)
    assert status == 2, lines
    assert lines == [
        f"no Frontdesk database at {data / 'frontdesk.sqlite3'}: run `frontdesk db upgrade` "
        "(or `frontdesk demo`) to create it, or point --database-url / FRONTDESK_DATABASE_URL "
        "at yours"
    ]
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(data))
    monkeypatch.delenv("FRONTDESK_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    for args in (["plugins", "list"], ["tokens", "create", "--name", "x", "--role", "admin"],
                 ["tokens", "revoke", "1"], ["plugins", "configure", "realestate"]):  # fmt: skip
        out = run(*args, ok=False)
        assert out.startswith("no Frontdesk database at") and "frontdesk db upgrade" in out, out
    assert not data.exists()  # nothing created by a command that only reads
    assert not list(tmp_path.rglob("*.sqlite3"))


def test_an_unmigrated_database_says_to_run_db_upgrade(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    create_engine(f"sqlite:///{empty}").connect().close()  # an empty SQLite file
    url = f"sqlite:///{empty}"
    out = run("tokens", "list", "--database-url", url, ok=False)
    assert out == (
        f"the database {url} is not migrated to this version of Frontdesk: run "
        f"`frontdesk db upgrade --database-url {url}`"
    )
    assert "Traceback" not in out


def test_an_unreachable_database_is_one_line() -> None:
    unreachable = "postgresql://postgres@127.0.0.1:1/none"
    out = run("tokens", "list", "--database-url", unreachable, ok=False)
    assert out.startswith("the database could not be used (") and "--database-url" in out, out
    assert "Traceback" not in out


def test_the_default_database_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, one, two = tmp_path / "data", tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(data))
    monkeypatch.delenv("FRONTDESK_DATABASE_URL", raising=False)
    monkeypatch.chdir(one)
    run("db", "upgrade")
    assert (data / "frontdesk.sqlite3").exists()
    monkeypatch.chdir(two)
    assert run("tokens", "create", "--name", "me", "--role", "admin").startswith("fd_")
    monkeypatch.chdir(one)
    assert "│ me │ admin" in run("tokens", "list")
    assert not list(one.glob("*.sqlite3")) and not list(two.glob("*.sqlite3"))


def test_demo_makes_one_admin_token_and_says_how_to_find_it_again(db: list[str]) -> None:
    first = run("demo", *db)
    assert re.search(r'"Authorization": "Bearer fd_[A-Za-z0-9_-]+"', first), first
    again = run("demo", *db)
    assert "Bearer fd_" not in again
    assert "frontdesk tokens list" in again and "frontdesk tokens create" in again
    assert _counts(_url(db), "api_tokens") == {"api_tokens": 1}


def test_help_wraps_its_defaults_instead_of_truncating_them() -> None:
    """Issue 10, finding 7: in an 60-column terminal `serve --help` shows every default whole."""
    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=60, env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert "FRONTDESK_WORKERS" in result.output
    assert "~/.local/share/frontdesk" in result.output
