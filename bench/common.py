"""What the visits-page benchmark and profiler share: the query, the data set, the databases.

The database is created by the real migrations (core + every installed plugin branch), the
real-estate line is enabled through ``set_plugin_enabled`` (as tests/conftest.py does), and the
bulk rows go in with SQLAlchemy Core ``insert`` on the migrated tables.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from core import migrate
from core.db import sync_url
from core.models import Customer, Site, Staff, Visit
from core.plugins import PluginHost, create_plugin_manager

PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

N_CUSTOMERS = 1_000
N_STAFF = 20
N_VISITS = 10_000
SITE_ID = 1

QUERY = (
    "query($site: ID!, $first: Int!) { visits(siteId: $site, first: $first) { edges { node { "
    "id arrivedAt counted customer { id name } receiver { id name } realestate { madeUpTurn } "
    "} } pageInfo { endCursor hasNextPage } } }"
)


def variables(first: int = 100) -> dict[str, object]:
    return {"site": str(SITE_ID), "first": first}


def request_body(first: int = 100) -> dict[str, object]:
    return {"query": QUERY, "variables": variables(first)}


# --- databases ------------------------------------------------------------------------------


def pg_reachable(server_url: str = PG_SERVER_URL) -> bool:
    try:
        engine = create_engine(
            sync_url(server_url), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2}
        )
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False


@contextmanager
def fresh_database(kind: str, server_url: str = PG_SERVER_URL) -> Iterator[str]:
    """An empty database of ``kind`` ("sqlite" or "postgres"), removed afterwards."""
    if kind == "sqlite":
        tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
        try:
            yield f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sync_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def all_plugins_host() -> PluginHost:
    host = PluginHost(create_plugin_manager())
    host.set_enabled(host.installed.keys())
    return host


async def _enable_realestate(url: str) -> None:
    from core.runtime import Frontdesk
    from core.services.plugin_state import set_plugin_enabled
    from core.settings import Settings

    fd = Frontdesk(Settings(database_url=url))
    try:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, "realestate", True, datetime.now(UTC))
    finally:
        await fd.stop()


async def _create_token(url: str) -> str | None:
    """A read-only API token (C-13) when this version of core has access control."""
    try:
        from core.auth import create_token
    except ImportError:
        return None
    from core.runtime import Frontdesk
    from core.settings import Settings

    fd = Frontdesk(Settings(database_url=url))
    try:
        async with fd.write() as s:
            _token, raw = await create_token(
                s, name="bench", role="frontend", now=datetime.now(UTC)
            )
        return raw
    finally:
        await fd.stop()


def headers(token: str | None) -> dict[str, str]:
    out = {"content-type": "application/json"}
    if token:
        out["authorization"] = f"Bearer {token}"
    return out


@dataclass
class Seeded:
    url: str
    site_id: int
    visits: int
    receptions: int
    token: str | None = None


def seed(url: str, *, seed_value: int = 20261124) -> Seeded:
    """Migrate ``url``, enable real estate, and bulk-insert the benchmark data set."""
    from plugins.realestate.models import VisitReception

    migrate.upgrade(url, all_plugins_host())
    try:
        asyncio.run(_enable_realestate(url))
    except Exception as exc:  # noqa: BLE001 - core is edited concurrently; keep the bench usable
        # Same stored state as set_plugin_enabled writes (without its event and penalty sync,
        # which this read-only benchmark does not need).
        print(f"warning: set_plugin_enabled failed ({exc!r}); enabling realestate directly")
        from core.models import PluginState

        engine = create_engine(sync_url(url))
        with engine.begin() as conn:
            conn.execute(
                insert(PluginState.__table__),
                [
                    {
                        "name": "realestate",
                        "enabled": True,
                        "changed_at": datetime.now(UTC),
                        "settings": {},
                    }
                ],
            )
        engine.dispose()

    rnd = random.Random(seed_value)
    base = datetime(2026, 8, 1, 1, 0, tzinfo=UTC)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(
            insert(Site.__table__),
            [
                {
                    "id": SITE_ID,
                    "name": "Bench Sales Office",
                    "business_line": "realestate",
                    "timezone": "Asia/Shanghai",
                    "calendar_region": "CN",
                    "created_at": base,
                }
            ],
        )
        conn.execute(
            insert(Staff.__table__),
            [
                {
                    "id": i,
                    "site_id": SITE_ID,
                    "name": f"Salesperson {i:02d}",
                    "role": "salesperson",
                    "employment_status": "active",
                    "phone": None,
                    "joined_on": None,
                    "created_at": base,
                }
                for i in range(1, N_STAFF + 1)
            ],
        )
        conn.execute(
            insert(Customer.__table__),
            [
                {
                    "id": i,
                    "site_id": SITE_ID,
                    "name": f"Customer {i:04d} 客户",
                    "phone": f"+86138{i:08d}",
                    "customer_class": "ABCD"[i % 4],
                    "group_id": None,
                    "owner_staff_id": 1 + i % N_STAFF,
                    "created_at": base,
                }
                for i in range(1, N_CUSTOMERS + 1)
            ],
        )
        visits, receptions = [], []
        for i in range(1, N_VISITS + 1):
            arrived = base + timedelta(seconds=i * 700, microseconds=rnd.randrange(1_000_000))
            directions = rnd.random() < 0.05  # asks the way: no customer, not counted, no receiver
            visits.append(
                {
                    "id": i,
                    "site_id": SITE_ID,
                    "customer_id": None if directions else rnd.randint(1, N_CUSTOMERS),
                    "channel": "walk_in",
                    "inquiry_kind": "consultation",
                    "visitor_kind": "directions" if directions else "customer",
                    "arrived_at": arrived,
                    "business_date": (arrived + timedelta(hours=8)).date(),
                    "party_size": 1,
                    "named_staff_id": None,
                    "receiver_id": None if directions else rnd.randint(1, N_STAFF),
                    "counted": not directions,
                    "decision_rule": None if directions else "RE-1",
                    "decision_reason": None if directions else "next in the rotation",
                    "notes": None,
                    "corrects_id": None,
                    "recorded_at": arrived,
                }
            )
            if not directions:
                receptions.append(
                    {
                        "visit_id": i,
                        "made_up_turn": rnd.random() < 0.1,
                        "new_registration": True,
                        "units_requested": None,
                        "skipped": [],
                    }
                )
        conn.execute(insert(Visit.__table__), visits)
        conn.execute(insert(VisitReception.__table__), receptions)
        if conn.dialect.name == "postgresql":
            for table in ("sites", "staff", "customers", "visits"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    token = asyncio.run(_create_token(url))
    return Seeded(
        url=url, site_id=SITE_ID, visits=len(visits), receptions=len(receptions), token=token
    )
