"""The Frontdesk test kit: pytest fixtures for business lines, built-in and third-party.

Installed with the ``frontdesk`` distribution and loaded by pytest through the ``pytest11``
entry point, so a line's own test suite needs no ``conftest.py`` of its own to get a migrated
database, a running Frontdesk with its line enabled, a GraphQL client, an HTTP client, API
tokens by role and site/staff/customer factories::

    async def test_a_car_gets_a_bay(frontdesk_client, make_site, make_staff):
        site = await make_site()                      # the first enabled business line
        await make_staff(site, "Ah Fai", role="attendant")
        data = await frontdesk_client.data(
            "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { decision { rule } } }",
            {"s": site.id},
        )
        assert data["checkInVisit"]["decision"]["rule"] == "CW-1"

Choose the plugins to enable with the ``frontdesk_lines`` ini option (``frontdesk_lines =
["carwash"]`` under ``[tool.pytest.ini_options]``) or by overriding the ``frontdesk_lines`` fixture;
by default every installed plugin is enabled.  Async fixtures need ``pytest-asyncio`` (in
``frontdesk[test]``); they follow the project's ``asyncio_default_fixture_loop_scope``.
With ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, load the kit with ``-p core.testing``.

The database is a SQLite file per test, copied from a template migrated once per session.  Set
``FRONTDESK_TEST_POSTGRES_URL`` (a server URL, e.g. ``postgresql://postgres@127.0.0.1/postgres``)
and each test gets its own PostgreSQL database instead, created from a migrated template and
dropped afterwards.

Heavy imports happen inside the fixtures: pytest loads this module for every project in an
environment where ``frontdesk`` is installed, and must not pay for the ORM or the schema there.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

try:  # pytest-asyncio runs the async fixtures; without it they are plain (unusable) fixtures.
    import pytest_asyncio

    _async_fixture: Any = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - frontdesk installed without its [test] extra
    _async_fixture = pytest.fixture

if TYPE_CHECKING:
    import httpx

    from core.auth import Actor
    from core.models import Customer, Site, Staff
    from core.runtime import Frontdesk

__all__ = [
    "FIXED_NOW",
    "POSTGRES_URL_ENV",
    "FrontdeskClient",
    "GraphQLErrors",
    "KitToken",
]

POSTGRES_URL_ENV = "FRONTDESK_TEST_POSTGRES_URL"
# A Tuesday morning, an ordinary working day in Shanghai: the kit's default clock.
FIXED_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_INI_LINES = "frontdesk_lines"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _INI_LINES,
        type="args",
        default=[],
        help="Frontdesk plugins the kit enables (default: every installed plugin).",
    )


# --- what runs -------------------------------------------------------------------------------


@pytest.fixture
def frontdesk_lines(
    request: pytest.FixtureRequest, frontdesk_extra_plugins: Sequence[Any]
) -> tuple[str, ...]:
    """The plugin codes enabled in ``frontdesk_app`` (and migrated in its database).

    From the ``frontdesk_lines`` ini option when set, else every installed plugin (built-in
    lines, entry points of the ``frontdesk`` group and ``frontdesk_extra_plugins``).
    Override it in a ``conftest.py``, or per test with
    ``@pytest.mark.parametrize("frontdesk_lines", [("carwash",)])``; ``()`` starts with none.
    """
    configured = request.config.getini(_INI_LINES)
    if configured:
        return tuple(configured)
    return tuple(_host(frontdesk_extra_plugins, ()).installed)


@pytest.fixture
def frontdesk_extra_plugins() -> Sequence[Any]:
    """Plugin objects registered besides the installed ones (default none).

    Override it to try a small plugin defined in a test module without packaging it; each
    needs ``frontdesk_plugin_info`` like any plugin.
    """
    return ()


@pytest.fixture
def frontdesk_now() -> datetime:
    """The clock of ``frontdesk_client`` and of the factories: :data:`FIXED_NOW` (a Tuesday,
    10:00 in Shanghai).  Override it to test another moment; the HTTP client uses real time."""
    return FIXED_NOW


def _host(extra: Sequence[Any], enabled: Sequence[str]) -> Any:
    from core.plugins import PluginHost, create_plugin_manager

    host = PluginHost(create_plugin_manager(extra=extra))
    unknown = set(enabled) - host.installed.keys()
    if unknown:
        raise pytest.UsageError(
            f"frontdesk_lines names plugins that are not installed: {', '.join(sorted(unknown))}"
            f" (installed: {', '.join(sorted(host.installed)) or 'none'})"
        )
    host.set_enabled(enabled)
    return host


# --- the database ----------------------------------------------------------------------------


class _Templates:
    """Migrated template databases, one per set of enabled plugins, for the whole session."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sqlite: dict[tuple[str, ...], Path] = {}
        self.postgres: dict[tuple[str, ...], str] = {}
        self.server_url: str | None = None

    def sqlite_template(self, key: tuple[str, ...], host: Any) -> Path:
        from core import migrate

        path = self.sqlite.get(key)
        if path is None:
            path = self.workdir / f"template-{len(self.sqlite)}.sqlite3"
            migrate.upgrade(f"sqlite:///{path}", host)
            self.sqlite[key] = path
        return path

    def postgres_template(self, key: tuple[str, ...], host: Any, server_url: str) -> str:
        from core import migrate

        name = self.postgres.get(key)
        if name is None:
            name = f"frontdesk_kit_tpl_{uuid.uuid4().hex[:10]}"
            _pg_execute(server_url, f'CREATE DATABASE "{name}"')
            migrate.upgrade(_pg_database_url(server_url, name), host)
            self.postgres[key] = name
            self.server_url = server_url
        return name

    def drop(self) -> None:
        for name in self.postgres.values():
            assert self.server_url is not None
            _pg_execute(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.postgres.clear()


def _pg_database_url(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _pg_execute(server_url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    from core.db import sync_url

    engine = create_engine(sync_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _frontdesk_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("frontdesk-kit"))
    yield templates
    templates.drop()


@pytest.fixture
def frontdesk_database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    frontdesk_lines: tuple[str, ...],
    frontdesk_extra_plugins: Sequence[Any],
    _frontdesk_templates: _Templates,
) -> Iterator[str]:
    """A database of its own for this test, migrated to the heads of core and of every plugin
    in ``frontdesk_lines`` (their Alembic branches), with no rows in it.

    SQLite (a file under ``tmp_path``) unless ``FRONTDESK_TEST_POSTGRES_URL`` names a
    PostgreSQL server: then a fresh database on it, dropped after the test.  Migrations run
    once per session per set of plugins; each test gets a copy.  The URL is async
    (``sqlite+aiosqlite://`` / ``postgresql+asyncpg://``), as ``Settings.database_url`` takes.
    """
    from core.db import async_url

    host = _host(frontdesk_extra_plugins, frontdesk_lines)
    key = tuple(sorted(frontdesk_lines)) + tuple(f"+{name}" for name in sorted(host.installed))
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        path = tmp_path / "frontdesk.sqlite3"
        shutil.copy(_frontdesk_templates.sqlite_template(key, host), path)
        yield async_url(f"sqlite:///{path}")
        return
    template = _frontdesk_templates.postgres_template(key, host, server_url)
    name = f"frontdesk_kit_{uuid.uuid4().hex[:12]}"
    _pg_execute(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield async_url(_pg_database_url(server_url, name))
    finally:
        _pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the running Frontdesk -------------------------------------------------------------------


@_async_fixture
async def frontdesk_app(
    frontdesk_database_url: str,
    frontdesk_lines: tuple[str, ...],
    frontdesk_extra_plugins: Sequence[Any],
    frontdesk_now: datetime,
) -> AsyncIterator[Frontdesk]:
    """A started :class:`core.runtime.Frontdesk` on ``frontdesk_database_url`` with the plugins
    of ``frontdesk_lines`` enabled (stored as an operator's ``frontdesk plugins enable`` does,
    which also syncs each line's penalty table).

    No background tasks run (no plugin-state polling, webhook dispatch or overdue sweep), so
    nothing happens that the test did not ask for.  ``frontdesk_app.schema`` is the schema of
    the enabled plugins; switch one on or off during a test with ``frontdesk_switch``.
    Stopped afterwards.
    """
    from core.plugins import create_plugin_manager
    from core.runtime import Frontdesk
    from core.services.plugin_state import set_plugin_enabled
    from core.settings import Settings
    from schema.build import build_schema

    app = Frontdesk(
        Settings(database_url=frontdesk_database_url),
        pm=create_plugin_manager(extra=frontdesk_extra_plugins),
        schema_factory=build_schema,
    )
    try:
        for name in frontdesk_lines:
            async with app.write() as session:
                await set_plugin_enabled(session, app.host, name, True, frontdesk_now)
        await app.start(watch=False)
        yield app
    finally:
        await app.stop()


@pytest.fixture
def frontdesk_switch(
    frontdesk_app: Frontdesk, frontdesk_now: datetime
) -> Callable[..., Awaitable[frozenset[str]]]:
    """Switch a plugin on or off in the running ``frontdesk_app`` as ``frontdesk plugins
    enable``/``disable`` does, without a restart: ``await frontdesk_switch("carwash",
    False)`` returns the plugins enabled afterwards; the next operation gets the schema
    without (or with) the line's fields.  An unknown code raises ``UNKNOWN_PLUGIN``."""
    from core.services.plugin_state import set_plugin_enabled

    async def switch(name: str, enabled: bool = True) -> frozenset[str]:
        async with frontdesk_app.write() as session:
            await set_plugin_enabled(session, frontdesk_app.host, name, enabled, frontdesk_now)
        return await frontdesk_app.refresh_plugins()

    return switch


class GraphQLErrors(AssertionError):
    """An operation the test expected to succeed answered with errors (message, extensions)."""


@dataclass(frozen=True)
class UserError:
    """One of a mutation payload's ``userErrors`` (schema 1.0): ``code``, ``message``,
    ``field`` (path into the input), ``rule``; ``extensions`` mirrors a top-level error's
    (``{"code": …, "field": …}``) so a test can read either the same way."""

    code: str
    message: str
    field: list[str] | None = None
    rule: str | None = None

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "rule": self.rule}


def user_errors_of(data: Any) -> list[UserError]:
    """The ``userErrors`` in the root fields of ``data`` (a mutation's payload)."""
    out: list[UserError] = []
    for value in (data or {}).values():
        if isinstance(value, dict):
            for e in value.get("userErrors") or ():
                out.append(
                    UserError(
                        code=e.get("code", ""),
                        message=e.get("message", ""),
                        field=e.get("field"),
                        rule=e.get("rule"),
                    )
                )
    return out


@dataclass
class FrontdeskClient:
    """Executes GraphQL operations in process against ``app.schema``, as ``actor`` at ``now``.

    The same schema, permissions (C-13), masking and error codes as ``POST /graphql``, without
    HTTP.  ``data()`` returns ``result.data`` or raises :class:`GraphQLErrors`; ``error()``
    returns the first error of an operation that must fail; ``as_role("frontend")`` is the same
    client acting with another C-13 role; ``anonymous()`` sends no identity at all.
    """

    app: Frontdesk
    now: datetime
    actor: Actor | None

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        from core.graphql.context import Context

        return await self.app.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(app=self.app, fixed_now=self.now, actor=self.actor),
        )

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``result.data`` of an operation that must succeed: no top-level error and no
        ``userErrors`` in a mutation's payload (else :class:`GraphQLErrors`)."""
        result = await self.execute(query, variables)
        if result.errors:
            raise GraphQLErrors([(e.message, e.extensions) for e in result.errors])
        refused = user_errors_of(result.data)
        if refused:
            raise GraphQLErrors([(e.message, e.extensions) for e in refused])
        return result.data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The first error of an operation that must fail: a top-level error (a
        ``GraphQLError``) or else the first of a mutation payload's ``userErrors`` (select
        ``userErrors { field message code }``) as a :class:`UserError`; both have
        ``.message`` and ``.extensions["code"]``."""
        result = await self.execute(query, variables)
        if result.errors:
            return result.errors[0]
        refused = user_errors_of(result.data)
        assert refused, f"expected an error or userErrors, got data {result.data}"
        return refused[0]

    async def user_errors(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> list[UserError]:
        """The ``userErrors`` of a mutation that must be refused as a user's mistake (no
        top-level error)."""
        result = await self.execute(query, variables)
        assert not result.errors, f"expected userErrors, got errors {result.errors}"
        refused = user_errors_of(result.data)
        assert refused, f"expected userErrors, got data {result.data}"
        return refused

    def as_role(self, role: str, name: str | None = None) -> FrontdeskClient:
        from core.auth import Actor, Role

        return FrontdeskClient(self.app, self.now, Actor(role=Role(role), name=name or role))

    def anonymous(self) -> FrontdeskClient:
        return FrontdeskClient(self.app, self.now, None)


@pytest.fixture
def frontdesk_client(frontdesk_app: Frontdesk, frontdesk_now: datetime) -> FrontdeskClient:
    """A :class:`FrontdeskClient` acting as an administrator (C-13 ``admin``) at
    ``frontdesk_now``; ``frontdesk_client.as_role("clerk")`` acts with another role.
    GraphQL ``ID`` variables take the factories' integer ids as they are (``{"s": site.id}``).
    """
    from core.auth import Actor, Role

    return FrontdeskClient(frontdesk_app, frontdesk_now, Actor(role=Role.ADMIN, name="kit admin"))


@_async_fixture
async def frontdesk_http(frontdesk_app: Frontdesk) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` on the ASGI app (``core.app.create_app``) of ``frontdesk_app``,
    base URL ``http://frontdesk.test``: ``await frontdesk_http.post("/graphql", json={...},
    headers=token.headers)``.  No server, no socket; C-13 applies, so send a token from
    ``frontdesk_token``.  The app is the one the fixture started (its lifespan is not run)."""
    import httpx

    from core.app import create_app

    transport = httpx.ASGITransport(app=create_app(frontdesk_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk.test") as client:
        yield client


@dataclass(frozen=True)
class KitToken:
    """An API token made by ``frontdesk_token``: its row id, role and the secret (shown once
    in production); ``headers`` is ``{"Authorization": "Bearer <secret>"}``."""

    id: int
    role: str
    secret: str
    headers: dict[str, str] = field(repr=False)


@pytest.fixture
def frontdesk_token(
    frontdesk_app: Frontdesk, frontdesk_now: datetime
) -> Callable[..., Awaitable[KitToken]]:
    """Make API tokens: ``token = await frontdesk_token("clerk")`` (C-13 roles ``admin``,
    ``clerk``, ``staff``, ``integrator``, ``frontend``; default ``admin``), optionally bound to
    a staff member with ``staff_id=``.  Created with ``core.auth.create_token`` exactly as
    ``frontdesk tokens create`` does; an unknown role raises ``UNKNOWN_ROLE``."""
    from core.auth import create_token

    counter = itertools.count(1)

    async def make(
        role: str = "admin", *, name: str | None = None, staff_id: int | None = None
    ) -> KitToken:
        async with frontdesk_app.write() as session:
            token, secret = await create_token(
                session,
                name=name or f"kit {role} {next(counter)}",
                role=role,
                now=frontdesk_now,
                staff_id=staff_id,
            )
        return KitToken(
            id=token.id, role=role, secret=secret, headers={"Authorization": f"Bearer {secret}"}
        )

    return make


# --- factories through core services -------------------------------------------------------


@pytest.fixture
def make_site(
    frontdesk_app: Frontdesk, frontdesk_lines: tuple[str, ...], frontdesk_now: datetime
) -> Callable[..., Awaitable[Site]]:
    """Create a site through ``core.services.directory.create_site`` (the same checks as the
    ``createSite`` mutation): ``site = await make_site()`` or ``await make_site("Harbour
    Wash", line="carwash", timezone="Asia/Shanghai", calendar_region="CN")``.

    The default line is the first business line in ``frontdesk_lines``; names default to
    ``"Site 1"``, ``"Site 2"`` …  Returns the committed ``Site`` row (``site.id`` fills an
    ``ID`` variable).
    """
    from core.services.directory import create_site

    counter = itertools.count(1)

    async def make(
        name: str | None = None,
        *,
        line: str | None = None,
        timezone: str = "Asia/Shanghai",
        calendar_region: str = "CN",
    ) -> Site:
        if line is None:
            lines = frontdesk_app.host.business_lines()
            line = next((code for code in frontdesk_lines if code in lines), None)
            if line is None:
                raise pytest.UsageError(
                    "make_site: no business line among frontdesk_lines "
                    f"{frontdesk_lines!r}; pass line="
                )
        async with frontdesk_app.write() as session:
            return await create_site(
                session,
                frontdesk_app.host,
                name=name or f"Site {next(counter)}",
                business_line=line,
                timezone=timezone,
                calendar_region=calendar_region,
                now=frontdesk_now,
            )

    return make


@pytest.fixture
def make_staff(
    frontdesk_app: Frontdesk, frontdesk_now: datetime
) -> Callable[..., Awaitable[Staff]]:
    """Add a staff member through ``core.services.directory.add_staff``, the role checked as
    by ``addStaff`` (core's roles, and those the site's line declares with
    ``frontdesk_staff_roles``): ``await make_staff(site, "Ah Fai", role="attendant")``.
    ``site`` is a ``Site`` row or its id; the default role is ``"front_desk"``; ``phone=`` is
    optional.  Returns the committed ``Staff`` row."""
    from core.services.directory import add_staff

    async def make(
        site: Site | int, name: str, *, role: str = "front_desk", phone: str | None = None
    ) -> Staff:
        async with frontdesk_app.write() as session:
            return await add_staff(
                session,
                site_id=_id(site),
                name=name,
                role=role,
                phone=phone,
                now=frontdesk_now,
                host=frontdesk_app.host,
            )

    return make


@pytest.fixture
def make_customer(
    frontdesk_app: Frontdesk, frontdesk_now: datetime
) -> Callable[..., Awaitable[Customer]]:
    """Register a customer through ``core.services.directory.register_customer`` (phone
    normalised, duplicates refused with ``CUSTOMER_EXISTS``): ``await make_customer(site,
    "Sun Hao", phone="13800138001", customer_class="D")``; ``group_kind``/``group_name``
    put them in a company or family group (RE-11).  Returns the committed ``Customer`` row."""
    from core.models import CustomerClass, GroupKind
    from core.services.directory import register_customer

    async def make(
        site: Site | int,
        name: str,
        *,
        phone: str | None = None,
        customer_class: str = "D",
        group_kind: str | None = None,
        group_name: str | None = None,
    ) -> Customer:
        async with frontdesk_app.write() as session:
            return await register_customer(
                session,
                site_id=_id(site),
                name=name,
                phone=phone,
                customer_class=CustomerClass(customer_class),
                group_kind=GroupKind(group_kind) if group_kind else None,
                group_name=group_name,
                now=frontdesk_now,
            )

    return make


def _id(row: Any) -> int:
    return row if isinstance(row, int) else int(row.id)
