"""Shared fixtures: migrated databases (SQLite always; PostgreSQL and Redis when reachable),
a running Frontdesk, and a GraphQL client with a fixed clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from core import migrate
from core.auth import Actor, Role
from core.db import sync_url
from core.graphql.context import Context
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from core.testing import user_errors_of
from schema.build import build_schema

# An exception inside the speed layer (core/graphql/accel) raises instead of being logged:
# read when Settings are built, so servers started by tests inherit it too.
os.environ.setdefault("FRONTDESK_ACCEL_STRICT", "1")

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning, an ordinary working day in Shanghai.
FIXED_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
ADMIN = Actor(role=Role.ADMIN, name="test admin")
REQUIRE_SERVICES = os.environ.get("FRONTDESK_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("FRONTDESK_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL")
# The example line is a project of its own: test_example_line.py installs it and runs its tests.
collect_ignore = ["example_line"]


def _frontdesk_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("FRONTDESK_")}


@pytest.fixture(autouse=True)
def _environment_is_left_as_found() -> Iterator[None]:
    """Every test leaves the ``FRONTDESK_*`` variables as it found them (checked after its
    monkeypatch is undone).  ``serve --workers`` sets FRONTDESK_REDIS_URL for its workers; a
    test that let it outlive it made every later Frontdesk of the session use Redis, and the
    rate-limit tests shared one window (issue 9)."""
    before = _frontdesk_environment()
    yield
    after = _frontdesk_environment()
    assert after == before, f"this test changed the environment: {before} -> {after}"


def all_plugins_host() -> PluginHost:
    """Every built-in line, enabled.  Third-party packages installed beside Frontdesk are left
    out, so installing one changes neither the migrated schema nor the product's tests."""
    host = PluginHost(create_plugin_manager(entry_points_group=None))
    host.set_enabled(host.installed.keys())
    return host


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}", all_plugins_host())
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "frontdesk.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def _unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}, but FRONTDESK_REQUIRE_SERVICES=1 demands it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    if not PG_URL:
        _unavailable("PostgreSQL", "FRONTDESK_TEST_POSTGRES_URL is not set")
    try:
        engine = create_engine(sync_url(PG_URL), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        _unavailable("PostgreSQL", repr(exc)[:200])
    return PG_URL  # type: ignore[return-value]


@pytest.fixture
def pg_empty_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"frontdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sync_url(pg_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_empty_url: str) -> str:
    migrate.upgrade(pg_empty_url, all_plugins_host())
    return pg_empty_url


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not REDIS_URL:
        _unavailable("Redis", "FRONTDESK_TEST_REDIS_URL is not set")
    try:
        import redis

        redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable("Redis", repr(exc)[:200])
    return REDIS_URL  # type: ignore[return-value]


async def start_frontdesk(
    url: str, *, enable: tuple[str, ...] = ("realestate",), **kw: Any
) -> Frontdesk:
    fd = Frontdesk(Settings(database_url=url, **kw), schema_factory=build_schema)
    for name in enable:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, name, True, FIXED_NOW)
    await fd.start(watch=False)
    return fd


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = await start_frontdesk(sqlite_url)
    yield app
    await app.stop()


class GraphQLError(AssertionError):
    pass


class Client:
    """Executes operations against the served schema, with a fixed clock."""

    def __init__(
        self, app: Frontdesk, now: datetime = FIXED_NOW, actor: Actor | None = ADMIN
    ) -> None:
        if app.schema_factory is None:  # the client serves, so it composes, like create_app
            app.schema_factory = build_schema
        self.app = app
        self.now = now
        self.actor = actor

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await self.app.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(app=self.app, fixed_now=self.now, actor=self.actor),
        )

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of an operation that must succeed: no error, no mutation userErrors."""
        result = await self.execute(query, variables)
        if result.errors:
            raise GraphQLError([(e.message, e.extensions) for e in result.errors])
        refused = user_errors_of(result.data)
        if refused:
            raise GraphQLError([(e.message, e.extensions) for e in refused])
        return result.data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The first error of an operation that must fail: a top-level error, or else the
        first of the mutation payload's ``userErrors`` (``.message``, ``.extensions``)."""
        result = await self.execute(query, variables)
        if result.errors:
            return result.errors[0]
        refused = user_errors_of(result.data)
        assert refused, f"expected an error or userErrors, got data {result.data}"
        return refused[0]

    async def top_error(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The first top-level error of an operation that must fail outside userErrors."""
        result = await self.execute(query, variables)
        assert result.errors, f"expected a top-level error, got data {result.data}"
        return result.errors[0]

    async def user_errors(self, query: str, variables: dict[str, Any] | None = None) -> list[Any]:
        """Every userError of a mutation refused as a client's mistake (no top-level error)."""
        result = await self.execute(query, variables)
        assert not result.errors, f"expected userErrors, got errors {result.errors}"
        refused = user_errors_of(result.data)
        assert refused, f"expected userErrors, got data {result.data}"
        return refused

    async def user_error(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The first userError of a mutation refused as a client's mistake (no top-level
        error; the payload's result fields are null)."""
        result = await self.execute(query, variables)
        assert not result.errors, f"expected userErrors, got errors {result.errors}"
        refused = user_errors_of(result.data)
        assert refused, f"expected userErrors, got data {result.data}"
        return refused[0]


@pytest.fixture
def client(fd: Frontdesk) -> Client:
    return Client(fd)


@pytest.fixture
async def stock_fd(fd: Frontdesk) -> AsyncIterator[Frontdesk]:
    """A second Frontdesk on ``fd``'s database with the speed layer off (stock strawberry)."""
    app = Frontdesk(fd.settings.replace(accel=False))
    await app.start(watch=False)
    assert app.host.enabled == fd.host.enabled
    yield app
    await app.stop()


@pytest.fixture
def stock_client(stock_fd: Frontdesk) -> Client:
    return Client(stock_fd)
