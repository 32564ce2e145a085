"""The ``frontdesk`` command: serve, db, plugins, demo, schema."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from core import migrate
from core.plugins import PluginHost, create_plugin_manager
from core.settings import DEFAULT_DATABASE_URL

app = typer.Typer(help="Frontdesk: GraphQL reception platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations (core + one branch per plugin).")
plugins_app = typer.Typer(help="Switch business lines on and off (state lives in the database).")
schema_app = typer.Typer(help="The GraphQL schema as a product.")
tokens_app = typer.Typer(help="API tokens bound to roles (C-13).")
app.add_typer(db_app, name="db")
app.add_typer(plugins_app, name="plugins")
app.add_typer(schema_app, name="schema")
app.add_typer(tokens_app, name="tokens")
console = Console()

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="FRONTDESK_DATABASE_URL",
        help="SQLAlchemy URL; SQLite by default, e.g. postgresql://postgres@127.0.0.1/frontdesk",
    ),
]


def _host() -> PluginHost:
    return PluginHost(create_plugin_manager())


async def _enabled_host(url: str) -> PluginHost:
    from core.db import Database
    from core.services.plugin_state import load_enabled

    host = _host()
    db = Database(url)
    try:
        async with db.session() as s:
            host.set_enabled(await load_enabled(s, host))
    finally:
        await db.dispose()
    return host


def _upgrade(url: str) -> list[str]:
    host = _host()
    # Core first, so the plugin state table exists before we read it.
    migrate.upgrade(url, host, plugins=[])
    host = asyncio.run(_enabled_host(url))
    return migrate.upgrade(url, host)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Bring the database to the heads of core and every enabled plugin."""
    labels = _upgrade(database_url)
    console.print(f"[green]upgraded[/] branches: {', '.join(labels)}")


@db_app.command("downgrade")
def db_downgrade(
    target: Annotated[str, typer.Argument(help="e.g. realestate@base, or a revision id")],
    database_url: DatabaseOption = DEFAULT_DATABASE_URL,
) -> None:
    """Downgrade to a revision; ``<plugin>@base`` removes one plugin's tables."""
    migrate.downgrade(database_url, _host(), target)
    console.print(f"[yellow]downgraded[/] to {target}")


@db_app.command("current")
def db_current(database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Show the revision of each applied branch."""
    for label, rev in migrate.describe_current(database_url, _host()):
        console.print(f"{label}: {rev}")


async def _set_enabled(url: str, name: str, enabled: bool) -> None:
    from core.runtime import Frontdesk
    from core.services.plugin_state import set_plugin_enabled
    from core.settings import Settings

    fd = Frontdesk(Settings.from_env(database_url=url))
    await fd.bus.start()
    try:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, name, enabled, datetime.now(UTC))
    finally:
        await fd.stop()


@plugins_app.command("list")
def plugins_list(database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Installed plugins and whether each is enabled."""
    host = asyncio.run(_enabled_host(database_url))
    table = Table("code", "name", "version", "business line", "enabled")
    for name, p in sorted(host.installed.items()):
        table.add_row(
            name,
            p.info.name,
            p.info.version,
            p.info.business_line or "-",
            "yes" if name in host.enabled else "no",
        )
    console.print(table)


@plugins_app.command("enable")
def plugins_enable(name: str, database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Enable a plugin: migrate its tables, sync its penalty table, show its fields."""
    from core.errors import FrontdeskError, NotFound

    try:
        host = _host()
        if name not in host.installed:
            # The same code and message as `plugins disable` (set_plugin_enabled).
            known = ", ".join(sorted(host.installed)) or "none"
            raise NotFound(
                f"no plugin named {name!r} is installed (installed: {known})",
                code="UNKNOWN_PLUGIN",
            )
        migrate.upgrade(database_url, host, plugins=[name])
        asyncio.run(_set_enabled(database_url, name, True))
    except FrontdeskError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"[green]enabled[/] {name}")


@plugins_app.command("disable")
def plugins_disable(name: str, database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Disable a plugin: its fields disappear, no new sites; all its data stays."""
    from core.errors import FrontdeskError

    try:
        asyncio.run(_set_enabled(database_url, name, False))
    except FrontdeskError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"[yellow]disabled[/] {name} (its data is kept)")


def _setting_value(raw: str) -> Any:
    """``KEY=VALUE``'s value: JSON when it parses (2, true, ["a"]), else the text ("06:00")."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def _configure(url: str, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    from core.runtime import Frontdesk
    from core.services.plugin_state import configure_plugin, load_settings, require_installed
    from core.settings import Settings

    fd = Frontdesk(Settings.from_env(database_url=url))
    await fd.bus.start()
    try:
        if not changes:  # show only
            require_installed(fd.host, name)
            async with fd.db.read() as s:
                return (await load_settings(s)).get(name, {})
        async with fd.write() as s:
            state = await configure_plugin(s, fd.host, name, changes, datetime.now(UTC))
            return dict(state.settings)
    finally:
        await fd.stop()


@plugins_app.command("configure")
def plugins_configure(
    name: str,
    assignments: Annotated[
        list[str] | None,
        typer.Argument(help="KEY=VALUE pairs, e.g. business_day_starts_at=06:00 suspension_days=2"),
    ] = None,
    unset: Annotated[
        list[str] | None, typer.Option("--unset", help="A key to reset to its default.")
    ] = None,
    database_url: DatabaseOption = DEFAULT_DATABASE_URL,
) -> None:
    """Change a plugin's settings (validated by the plugin); prints what is stored.

    Values are read as JSON when they parse (2, true) and as text otherwise (06:00).
    Without assignments it only shows the settings.  A line's penalty table follows at once.
    """
    from core.errors import FrontdeskError, InvalidInput

    changes: dict[str, Any] = {key: None for key in unset or []}
    try:
        for item in assignments or []:
            key, sep, raw = item.partition("=")
            if not sep or not key:
                raise InvalidInput(
                    f"{item!r} is not KEY=VALUE (e.g. business_day_starts_at=06:00)",
                    code="INVALID_SETTINGS",
                )
            changes[key] = _setting_value(raw)
        stored = asyncio.run(_configure(database_url, name, changes))
    except FrontdeskError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise typer.Exit(2) from exc
    typer.echo(f"{name} settings: {json.dumps(stored, ensure_ascii=False, sort_keys=True)}")


@app.command("demo")
def demo(
    database_url: DatabaseOption = DEFAULT_DATABASE_URL,
    lines: Annotated[str, typer.Option(help="Comma-separated lines to enable")] = "realestate",
) -> None:
    """Create the schema, enable lines, and load demo data for them (idempotent)."""
    from core.demo import load_demo

    host = _host()
    migrate.upgrade(database_url, host, plugins=[])
    wanted = [x.strip() for x in lines.split(",") if x.strip()]
    for name in wanted:
        migrate.upgrade(database_url, host, plugins=[name])
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as progress:
        task = progress.add_task("loading demo data", total=None)

        def report(message: str) -> None:
            progress.update(task, description=message)

        summary = asyncio.run(load_demo(database_url, wanted, report))
    console.print(f"[green]demo ready[/]: {summary}")
    secret = asyncio.run(_create_token(database_url, "demo admin", "admin", None))
    console.print(
        "Admin token for this demo (C-13: every request needs one). In GraphiQL open "
        '"Headers" and paste:\n'
        f'  {{"Authorization": "Bearer {secret}"}}'
    )


async def _create_token(url: str, name: str, role: str, staff_id: int | None) -> str:
    from core.auth import create_token
    from core.db import Database

    db = Database(url)
    try:
        async with db.transaction() as s:
            _token, secret = await create_token(
                s, name=name, role=role, now=datetime.now(UTC), staff_id=staff_id
            )
    finally:
        await db.dispose()
    return secret


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option(help="Who or what uses the token")],
    role: Annotated[str, typer.Option(help="admin, clerk, staff, integrator or frontend")],
    staff_id: Annotated[int | None, typer.Option(help="The staff member it acts for")] = None,
    database_url: DatabaseOption = DEFAULT_DATABASE_URL,
) -> None:
    """Create an API token; its secret is printed once and only its hash is stored."""
    from core.errors import FrontdeskError

    try:
        secret = asyncio.run(_create_token(database_url, name, role, staff_id))
    except FrontdeskError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise typer.Exit(2) from exc
    console.print(secret)


@tokens_app.command("list")
def tokens_list(database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """API tokens (never their secrets)."""
    from sqlalchemy import select

    from core.auth import ApiToken
    from core.db import Database

    async def rows() -> list[ApiToken]:
        db = Database(database_url)
        try:
            async with db.session() as s:
                return list((await s.scalars(select(ApiToken).order_by(ApiToken.id))).all())
        finally:
            await db.dispose()

    table = Table("id", "name", "role", "created", "revoked")
    for t in asyncio.run(rows()):
        table.add_row(
            str(t.id),
            t.name,
            t.role,
            t.created_at.isoformat(timespec="seconds"),
            t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "-",
        )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int, database_url: DatabaseOption = DEFAULT_DATABASE_URL) -> None:
    """Revoke a token at once."""
    from core.auth import revoke_token
    from core.db import Database
    from core.errors import FrontdeskError

    async def run() -> None:
        db = Database(database_url)
        try:
            async with db.transaction() as s:
                await revoke_token(s, token_id, datetime.now(UTC))
        finally:
            await db.dispose()
        redis_url = os.environ.get("FRONTDESK_REDIS_URL")
        if redis_url:  # servers close its sockets now (they also notice within seconds)
            from core.bus import make_bus
            from core.revocation import announce_revoked

            bus = make_bus(redis_url)
            await bus.start()
            try:
                await announce_revoked(bus, token_id)
            finally:
                await bus.close()

    try:
        asyncio.run(run())
    except FrontdeskError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"revoked token {token_id}")


@app.command("serve")
def serve(
    database_url: DatabaseOption = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(envvar="FRONTDESK_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="FRONTDESK_PORT")] = 8000,
    redis_url: Annotated[
        str | None, typer.Option(envvar="FRONTDESK_REDIS_URL", help="Fan-out across processes")
    ] = None,
    upgrade: Annotated[bool, typer.Option(help="Run db upgrade first")] = True,
    production: Annotated[
        bool,
        typer.Option(
            "--production",
            envvar="FRONTDESK_PRODUCTION",
            help="No GraphiQL, introspection for admins only, no field suggestions",
        ),
    ] = False,
) -> None:
    """Serve GraphQL (HTTP, GraphiQL, WebSocket subscriptions) with uvicorn."""
    import uvicorn

    from core.app import create_app
    from core.runtime import Frontdesk
    from core.settings import Settings

    if upgrade:
        _upgrade(database_url)
    os.environ["FRONTDESK_DATABASE_URL"] = database_url
    fd = Frontdesk(
        Settings.from_env(
            database_url=database_url, redis_url=redis_url, production=production or None
        )
    )
    if fd.settings.production:
        console.print(f"Frontdesk (production mode): [bold]http://{host}:{port}/graphql[/]")
    else:
        console.print(f"Frontdesk GraphiQL: [bold]http://{host}:{port}/graphql[/]")
    # Subscriptions send one shared, pre-encoded payload to every socket; per-message deflate
    # would compress it again for each of them.
    uvicorn.run(
        create_app(fd),
        host=host,
        port=port,
        log_level="info",
        ws_per_message_deflate=False,
        # A WebSocket message is bounded like an HTTP body (Settings.max_body_bytes).
        ws_max_size=fd.settings.max_body_bytes,
    )


@schema_app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("schema/frontdesk.graphql"),
) -> None:
    """Write the SDL with every installed plugin enabled."""
    from schema.build import export_sdl

    output.write_text(export_sdl(), encoding="utf-8")
    console.print(f"wrote {output}")


def main() -> None:
    app()
