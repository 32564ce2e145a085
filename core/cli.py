"""The ``frontdesk`` command: serve, db, plugins, demo, schema."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from core import migrate
from core.plugins import PluginHost, create_plugin_manager
from core.settings import Settings

# Plain help (no Rich panels): Rich truncates long defaults with "…" in a narrow terminal.
app = typer.Typer(
    help="Frontdesk: GraphQL reception platform.", no_args_is_help=True, rich_markup_mode=None
)
db_app = typer.Typer(
    help="Database migrations (core + one branch per plugin).", rich_markup_mode=None
)
plugins_app = typer.Typer(
    help="Switch business lines on and off (state lives in the database).", rich_markup_mode=None
)
schema_app = typer.Typer(help="The GraphQL schema as a product.", rich_markup_mode=None)
tokens_app = typer.Typer(help="API tokens bound to roles (C-13).", rich_markup_mode=None)
app.add_typer(db_app, name="db")
app.add_typer(plugins_app, name="plugins")
app.add_typer(schema_app, name="schema")
app.add_typer(tokens_app, name="tokens")
config_app = typer.Typer(
    help="The effective settings (flags, FRONTDESK_* variables, file).", rich_markup_mode=None
)
app.add_typer(config_app, name="config")
console = Console()
err_console = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="FRONTDESK_DATABASE_URL",
        show_default=False,
        help=(
            "SQLAlchemy URL, e.g. postgresql://postgres@127.0.0.1/frontdesk.  Default: the "
            "SQLite file in the data directory ($FRONTDESK_DATA_DIR, else "
            "~/.local/share/frontdesk), the same from any directory."
        ),
    ),
]
P = ParamSpec("P")
R = TypeVar("R")


class DatabaseProblem(Exception):
    """The database is missing, unreachable or not migrated: one line saying what to run."""


def _settings(**overrides: object) -> Settings:
    """The one settings object (flags > FRONTDESK_* variables > config file > defaults);
    a bad value is one line naming the setting."""
    from pydantic import ValidationError

    try:
        return Settings.from_env(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DatabaseProblem(f"invalid setting ({problems}); see `frontdesk config show`") from exc


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return None
    return Path(u.database)


def _database(url: str | None, *, create: bool = False) -> str:
    """The database URL a command uses (``--database-url``, ``FRONTDESK_DATABASE_URL``, else
    the default SQLite file); a missing SQLite file is created only by commands that migrate
    (``create``), the others say what to run instead of creating an empty file."""
    url = url or _settings().database_url
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise DatabaseProblem(
                f"no Frontdesk database at {path}: run `frontdesk db upgrade` (or `frontdesk "
                "demo`) to create it, or point --database-url / FRONTDESK_DATABASE_URL at yours"
            )
    return url


def _migrated(url: str | None) -> str:
    """:func:`_database`, and core's migrations applied (else one line: what to run)."""
    url = _database(url)
    if not migrate.core_is_current(url, _host()):
        flag = "" if url == _settings().database_url else f" --database-url {_shown(url)}"
        raise DatabaseProblem(
            f"the database {_shown(url)} is not migrated to this version of Frontdesk: run "
            f"`frontdesk db upgrade{flag}`"
        )
    return url


def _fail(message: str) -> None:
    err_console.print(message, soft_wrap=True, highlight=False, markup=False)


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Errors a user can act on end a command with one line and exit status 2, never a
    traceback: Frontdesk errors (``CODE: message``), a missing or unmigrated database, and
    a database that cannot be reached."""
    from sqlalchemy.exc import DBAPIError

    from core.errors import FrontdeskError

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except FrontdeskError as exc:
            _fail(f"{exc.code}: {exc.message}")
            raise typer.Exit(2) from exc
        except DatabaseProblem as exc:
            _fail(str(exc))
            raise typer.Exit(2) from exc
        except (DBAPIError, OSError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            _fail(
                f"the database could not be used ({reason}); check --database-url / "
                "FRONTDESK_DATABASE_URL, then run `frontdesk db upgrade`"
            )
            raise typer.Exit(2) from exc

    return run


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
@friendly
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Bring the database to the heads of core and every enabled plugin (creates the default
    SQLite file if there is none)."""
    labels = _upgrade(_database(database_url, create=True))
    console.print(f"[green]upgraded[/] branches: {', '.join(labels)}")


@db_app.command("downgrade")
@friendly
def db_downgrade(
    target: Annotated[str, typer.Argument(help="e.g. realestate@base, or a revision id")],
    database_url: DatabaseOption = None,
) -> None:
    """Downgrade to a revision; ``<plugin>@base`` removes one plugin's tables."""
    migrate.downgrade(_migrated(database_url), _host(), target)
    console.print(f"[yellow]downgraded[/] to {target}")


@db_app.command("current")
@friendly
def db_current(database_url: DatabaseOption = None) -> None:
    """Show the revision of each applied branch."""
    for label, rev in migrate.describe_current(_database(database_url), _host()):
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
@friendly
def plugins_list(database_url: DatabaseOption = None) -> None:
    """Installed plugins and whether each is enabled."""
    host = asyncio.run(_enabled_host(_migrated(database_url)))
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
@friendly
def plugins_enable(name: str, database_url: DatabaseOption = None) -> None:
    """Enable a plugin: migrate its tables, sync its penalty table, show its fields."""
    from core.errors import NotFound

    host = _host()
    if name not in host.installed:
        # The same code and message as `plugins disable` (set_plugin_enabled).
        known = ", ".join(sorted(host.installed)) or "none"
        raise NotFound(
            f"no plugin named {name!r} is installed (installed: {known})",
            code="UNKNOWN_PLUGIN",
        )
    url = _database(database_url, create=True)
    migrate.upgrade(url, host, plugins=[name])
    asyncio.run(_set_enabled(url, name, True))
    console.print(f"[green]enabled[/] {name}")


@plugins_app.command("disable")
@friendly
def plugins_disable(name: str, database_url: DatabaseOption = None) -> None:
    """Disable a plugin: its fields disappear, no new sites; all its data stays."""
    asyncio.run(_set_enabled(_migrated(database_url), name, False))
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
@friendly
def plugins_configure(
    name: str,
    assignments: Annotated[
        list[str] | None,
        typer.Argument(help="KEY=VALUE pairs, e.g. business_day_starts_at=06:00 suspension_days=2"),
    ] = None,
    unset: Annotated[
        list[str] | None, typer.Option("--unset", help="A key to reset to its default.")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Change a plugin's settings (validated by the plugin); prints what is stored.

    Values are read as JSON when they parse (2, true) and as text otherwise (06:00).
    Without assignments it only shows the settings.  A line's penalty table follows at once.
    """
    from core.errors import InvalidInput

    changes: dict[str, Any] = {key: None for key in unset or []}
    for item in assignments or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidInput(
                f"{item!r} is not KEY=VALUE (e.g. business_day_starts_at=06:00)",
                code="INVALID_SETTINGS",
            )
        changes[key] = _setting_value(raw)
    stored = asyncio.run(_configure(_migrated(database_url), name, changes))
    typer.echo(f"{name} settings: {json.dumps(stored, ensure_ascii=False, sort_keys=True)}")


@app.command("demo")
@friendly
def demo(
    database_url: DatabaseOption = None,
    lines: Annotated[str, typer.Option(help="Comma-separated lines to enable")] = "realestate",
) -> None:
    """Create the schema, enable lines, and load demo data for them (idempotent)."""
    from core.demo import load_demo

    database_url = _database(database_url, create=True)
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
    existing = asyncio.run(_demo_token_id(database_url))
    if existing is not None:
        # Only a token's hash is stored: its secret was shown once, when it was created.
        console.print(
            f"The demo's admin token ({DEMO_TOKEN_NAME!r}, id {existing}) was printed when the "
            "demo was first loaded; `frontdesk tokens list` lists it.  Lost it?  "
            "`frontdesk tokens create --name me --role admin` prints a new one.",
            soft_wrap=True,
        )
        return
    secret = asyncio.run(_create_token(database_url, DEMO_TOKEN_NAME, "admin", None))
    console.print(
        "Admin token for this demo (C-13: every request needs one; shown only now).  Open "
        "GraphiQL with it filled in (the part after # never reaches the server):\n"
        f"  http://127.0.0.1:8000/graphql#token={secret}\n"
        'or paste this in GraphiQL\'s "Headers" tab:\n'
        f'  {{"Authorization": "Bearer {secret}"}}',
        soft_wrap=True,
        highlight=False,
    )


DEMO_TOKEN_NAME = "demo admin"


@app.command("import")
@friendly
def import_csv(
    kind: Annotated[str, typer.Argument(help="sites, staff or customers")],
    file: Annotated[Path, typer.Argument(help="A UTF-8 CSV file with a header row")],
    rejects: Annotated[
        Path | None,
        typer.Option(help="Write the rejected rows here (with their error), to fix and re-import"),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import your own sites, staff or customers from CSV, one row per transaction, with the
    same rules and error codes as the GraphQL mutations; prints a report of rejected rows.

    Columns: sites: name, business_line[, timezone, calendar_region]; staff: site, name,
    role[, phone]; customers: site, name[, phone, class, group_kind, group_name].  A site is
    named by its name.  Exit status 1 when a row was rejected, 2 when nothing could be read.
    """
    from rich.progress import BarColumn, MofNCompleteColumn

    from core.db import Database
    from core.services.importing import ImportResult, import_rows, read_rows, write_rejects

    url = _migrated(database_url)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatabaseProblem(f"cannot read {file}: {exc}") from exc
    rows = read_rows(kind, text)
    host = asyncio.run(_enabled_host(url))
    result = ImportResult(kind)

    async def run(advance: Callable[[], None]) -> None:
        db = Database(url)
        try:
            async for rejected in import_rows(
                kind, rows, transaction=db.transaction, host=host, now=lambda: datetime.now(UTC)
            ):
                if rejected is None:
                    result.imported += 1
                else:
                    result.rejected.append(rejected)
                advance()
        finally:
            await db.dispose()

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"importing {kind}", total=len(rows))
        asyncio.run(run(lambda: progress.advance(task)))
    console.print(
        f"{kind}: {result.imported} imported, {len(result.rejected)} rejected "
        f"(of {len(rows)} rows in {file.name})",
        highlight=False,
    )
    if result.rejected:
        table = Table("line", "code", "why")
        for r in result.rejected:
            table.add_row(str(r.line), r.code, r.message)
        console.print(table)
        if rejects is not None:
            write_rejects(rejects, kind, result.rejected)
            console.print(f"rejected rows written to {rejects}: fix them and import that file")
        raise typer.Exit(1)


async def _demo_token_id(url: str) -> int | None:
    """The demo's admin token, if an earlier ``frontdesk demo`` made one (not revoked)."""
    from sqlalchemy import select

    from core.auth import ApiToken
    from core.db import Database

    db = Database(url)
    try:
        async with db.session() as s:
            return await s.scalar(
                select(ApiToken.id)
                .where(ApiToken.name == DEMO_TOKEN_NAME, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.id)
                .limit(1)
            )
    finally:
        await db.dispose()


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
@friendly
def tokens_create(
    name: Annotated[str, typer.Option(help="Who or what uses the token")],
    role: Annotated[str, typer.Option(help="admin, clerk, staff, integrator or frontend")],
    staff_id: Annotated[int | None, typer.Option(help="The staff member it acts for")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create an API token; its secret is printed once and only its hash is stored."""
    secret = asyncio.run(_create_token(_migrated(database_url), name, role, staff_id))
    console.print(secret, soft_wrap=True)


@tokens_app.command("list")
@friendly
def tokens_list(database_url: DatabaseOption = None) -> None:
    """API tokens (never their secrets)."""
    from sqlalchemy import select

    from core.auth import ApiToken
    from core.db import Database

    url = _migrated(database_url)

    async def rows() -> list[ApiToken]:
        db = Database(url)
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
@friendly
def tokens_revoke(token_id: int, database_url: DatabaseOption = None) -> None:
    """Revoke a token at once."""
    from core.auth import revoke_token
    from core.db import Database

    url = _migrated(database_url)

    async def run() -> None:
        db = Database(url)
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

    asyncio.run(run())
    console.print(f"revoked token {token_id}")


@app.command("serve")
@friendly
def serve(
    database_url: DatabaseOption = None,
    host: Annotated[
        str | None, typer.Option(help="Address to bind [default: settings, 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: settings, 8000]")] = None,
    redis_url: Annotated[
        str | None, typer.Option(help="Fan-out across processes [default: settings]")
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
    workers: Annotated[
        int,
        typer.Option(
            envvar="FRONTDESK_WORKERS",
            min=1,
            help="Server processes sharing the port (give them --redis-url for live updates)",
        ),
    ] = 1,
) -> None:
    """Serve GraphQL (HTTP, GraphiQL, WebSocket subscriptions) with uvicorn."""
    import uvicorn

    from core.app import create_app
    from core.runtime import Frontdesk

    database_url = _database(database_url, create=upgrade)
    if upgrade:
        _upgrade(database_url)
    else:
        _migrated(database_url)
    os.environ["FRONTDESK_DATABASE_URL"] = database_url
    settings = _settings(
        database_url=database_url,
        redis_url=redis_url,
        host=host,
        port=port,
        production=production or None,
    )
    host, port = settings.host, settings.port
    if workers > 1:
        if settings.production:
            # Worker processes build their settings from the environment.
            os.environ["FRONTDESK_PRODUCTION"] = "1"
        # Each worker process builds its own Frontdesk from the environment (the factory).
        if redis_url:
            os.environ["FRONTDESK_REDIS_URL"] = redis_url
        else:
            console.print(
                "[yellow]no --redis-url: a subscriber hears other workers' events through the "
                "store poll (seconds), not at once[/]"
            )
        mode = "Frontdesk (production mode)" if settings.production else "Frontdesk GraphiQL"
        console.print(f"{mode}: [bold]http://{host}:{port}/graphql[/]")
        uvicorn.run(
            "core.app:create_app",
            factory=True,
            workers=workers,
            # A worker imports and builds the schema before it answers the supervisor's
            # health check; on a busy machine that takes longer than uvicorn's default 5 s.
            timeout_worker_healthcheck=60,
            host=host,
            port=port,
            log_level="info",
            ws_per_message_deflate=False,
            # The client address behind proxies is Frontdesk's (Settings.trusted_proxies):
            # uvicorn's own rewriting would trust X-Forwarded-For from 127.0.0.1.
            proxy_headers=False,
        )
        return
    fd = Frontdesk(settings)
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
        # The client address behind proxies is Frontdesk's (Settings.trusted_proxies):
        # uvicorn's own rewriting would trust X-Forwarded-For from 127.0.0.1.
        proxy_headers=False,
        # A WebSocket message is bounded like an HTTP body (Settings.max_body_bytes).
        ws_max_size=fd.settings.max_body_bytes,
    )


@config_app.command("show")
@friendly
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Print every setting's effective value (passwords hidden) and the config file read."""
    from core.settings import config_file, data_dir

    shown = _settings().shown()
    path = config_file()
    if as_json:
        typer.echo(json.dumps(shown, indent=2, sort_keys=False))
        return
    # TOML lines: what a config file holds; FRONTDESK_<NAME> overrides each.
    for name, value in shown.items():
        if value is None:
            typer.echo(f"# {name} is unset")
        else:
            typer.echo(f"{name} = {json.dumps(value, ensure_ascii=False)}")
    console.print(f"# data directory: {data_dir()}", soft_wrap=True, highlight=False)
    where = path or "none (FRONTDESK_CONFIG, or frontdesk.toml in the data directory)"
    console.print(
        f"# config file: {where}",
        soft_wrap=True,
        highlight=False,
    )


@app.command("docs")
@friendly
def docs(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder")] = Path("docs"),
    domain: Annotated[
        Path | None,
        typer.Option(help="The rules file (DOMAIN.md) to publish as rules.md; default: beside"),
    ] = None,
) -> None:
    """Write the reference docs generated from the code: configuration.md (the settings),
    cli.md (these commands), errors.md (the schema's error codes), webhooks.md (the webhook
    bodies, from the typed event types), rules.md (the business
    rules, when DOMAIN.md is found), and the generated list of 1.0's breaking changes in
    CHANGELOG.md; tests fail when the committed ones are stale."""
    from core.settings import reference_markdown
    from schema.compat import write_changelog
    from schema.docs import errors_markdown, webhooks_markdown

    output.mkdir(parents=True, exist_ok=True)
    (output / "configuration.md").write_text(reference_markdown(), encoding="utf-8")
    (output / "cli.md").write_text(cli_reference_markdown(), encoding="utf-8")
    (output / "errors.md").write_text(errors_markdown(), encoding="utf-8")
    (output / "webhooks.md").write_text(webhooks_markdown(), encoding="utf-8")
    write_changelog()  # CHANGELOG.md's generated list of the 1.0 breaking changes
    written = [
        output / "configuration.md",
        output / "cli.md",
        output / "errors.md",
        output / "webhooks.md",
    ]
    source = domain or DOMAIN_FILE
    if source.exists():
        (output / "rules.md").write_text(rules_markdown(source.read_text("utf-8")), "utf-8")
        written.append(output / "rules.md")
    console.print("wrote " + ", ".join(str(p) for p in written))


RULE_LINE = re.compile(r"^- ((?:RE|FC|PM|KTV|C)-\d+)\b")
DOMAIN_FILE = Path(__file__).resolve().parent.parent.parent / "shared" / "DOMAIN.md"


def rules_markdown(domain: str) -> str:
    """docs/rules.md: the business rules the product implements (the project's DOMAIN.md),
    with an anchor per rule id so docs, decisions and errors can link ``rules.md#re-5``."""
    lines = [
        "<!-- Generated from DOMAIN.md by `frontdesk docs --domain PATH`; a test fails when "
        "it is stale. -->",
        "",
    ]
    for line in domain.splitlines():
        match = RULE_LINE.match(line)
        if match:
            rule = match.group(1)
            line = f'- <a id="{rule.lower()}"></a>**{rule}**{line[2 + len(rule) :]}'
        lines.append(line)
    return "\n".join(lines) + "\n"


@schema_app.command("export")
@friendly
def schema_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("schema/frontdesk.graphql"),
) -> None:
    """Write the SDL with every installed plugin enabled."""
    from schema.build import export_sdl

    output.write_text(export_sdl(), encoding="utf-8")
    console.print(f"wrote {output}")


def main() -> None:
    app()


def cli_reference_markdown() -> str:
    """docs/cli.md: every command with its arguments and options, from the Typer app."""
    from typer.main import get_command

    lines = [
        "# CLI reference",
        "",
        "<!-- Generated from core/cli.py by `frontdesk docs`; a test fails when it is stale. -->",
        "",
        "Run `frontdesk COMMAND --help` for the same text in a terminal. Every error a user can "
        "act on ends a command with one line and exit status 2.",
    ]

    # Typer carries its own click: groups and parameters are recognised by what they do.
    def walk(command: Any, path: list[str]) -> None:
        ctx = command.context_class(command, info_name=path[-1] if path else "frontdesk")
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name])
            return
        lines.extend(["", f"## `frontdesk {' '.join(path)}`", ""])
        lines.append(" ".join((command.help or "").split("\n\n")[0].split()))
        rows = []
        for param in command.params:
            if param.param_type_name == "argument":
                help_text = " ".join((getattr(param, "help", None) or "argument").split())
                rows.append((f"`{param.name.upper()}`", help_text, ""))
                continue
            if param.param_type_name != "option" or param.hidden:
                continue
            names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
            default = param.default
            shown = "" if default in (None, False, "", ()) or callable(default) else f"`{default}`"
            if param.envvar:
                names += f" (`{param.envvar}`)"
            rows.append((names, " ".join((param.help or "").split()), shown))
        if rows:
            lines.extend(["", "| argument / option | meaning | default |", "|---|---|---|"])
            lines.extend(f"| {n} | {h.replace('|', '/')} | {d} |" for n, h, d in rows)

    walk(get_command(app), [])
    return "\n".join(lines) + "\n"
