"""The test kit for plugin authors (``core/testing.py``), used here exactly as a line's own
tests use it: through the fixtures the ``pytest11`` entry point registers, with no conftest.

The database backend follows ``FRONTDESK_TEST_POSTGRES_URL`` (SQLite without it);
``tests/test_example_line.py`` runs an installed line's tests through the kit on both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect

from core.errors import Conflict, InvalidInput, NotFound
from core.models import PluginState, Site
from core.testing import FIXED_NOW, POSTGRES_URL_ENV, FrontdeskClient, GraphQLErrors

CHECK_IN = """mutation($s: ID!, $c: ID) { checkInVisit(input: {siteId: $s, customerId: $c}) {
  visit { id receiver { name } customer { name } } decision { rule } userErrors { field message
    code } } }"""
CUSTOMERS = "query($s: ID!) { customers(siteId: $s) { nodes { name phone } } }"


def test_the_kit_is_a_pytest11_entry_point_of_the_frontdesk_distribution(
    pytestconfig: pytest.Config,
) -> None:
    [ep] = [ep for ep in entry_points(group="pytest11") if ep.name == "frontdesk"]
    assert ep.value == "core.testing"
    assert ep.dist is not None and ep.dist.name == "frontdesk"
    assert pytestconfig.pluginmanager.has_plugin("frontdesk")


def test_loading_the_kit_imports_neither_the_orm_nor_the_schema() -> None:
    """pytest loads the kit in every project of an environment with frontdesk installed."""
    probe = (
        "import sys, core.testing; "
        "print(sorted(m for m in ('sqlalchemy', 'strawberry', 'core.runtime') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


async def test_database_is_migrated_for_the_enabled_lines_and_empty(
    frontdesk_app: Any, frontdesk_database_url: str, frontdesk_lines: tuple[str, ...]
) -> None:
    assert frontdesk_lines == ("realestate",)  # pyproject.toml: frontdesk_lines
    backend = "postgresql" if os.environ.get(POSTGRES_URL_ENV) else "sqlite"
    assert frontdesk_database_url.startswith(backend)
    async with frontdesk_app.db.session() as s:
        tables = await s.run_sync(lambda sync: set(sa_inspect(sync.connection()).get_table_names()))
        assert {"sites", "visits", "re_rotation_days", "alembic_version"} <= tables
        assert await s.get(Site, 1) is None
        state = await s.get(PluginState, "realestate")
        assert state is not None and state.enabled
    assert frontdesk_app.host.enabled == {"realestate"}


@pytest.mark.parametrize("frontdesk_lines", [()])
async def test_frontdesk_lines_chooses_what_is_enabled(
    frontdesk_app: Any, frontdesk_client: FrontdeskClient, make_site: Any
) -> None:
    assert frontdesk_app.host.enabled == frozenset()
    assert "rotation(" in frontdesk_app.schema.as_str()  # issue 17: installed is in the SDL
    with pytest.raises(pytest.UsageError, match="no business line"):
        await make_site()
    with pytest.raises(InvalidInput) as excinfo:
        await make_site(line="realestate")
    assert excinfo.value.code == "BUSINESS_LINE_DISABLED"


async def test_factories_go_through_core_services_and_the_client_sees_them(
    frontdesk_client: FrontdeskClient, make_site: Any, make_staff: Any, make_customer: Any
) -> None:
    site = await make_site()
    assert (site.name, site.business_line, site.created_at) == (
        "Site 1",
        "realestate",
        FIXED_NOW,
    )
    li = await make_staff(site, "Li", role="salesperson")
    customer = await make_customer(site.id, "Sun Hao", phone="138 0013 8001")
    assert customer.phone == "+8613800138001"  # normalised by the service
    data = await frontdesk_client.data(CHECK_IN, {"s": site.id, "c": customer.id})
    assert data["checkInVisit"]["visit"]["receiver"] == {"name": li.name}
    assert data["checkInVisit"]["visit"]["customer"] == {"name": "Sun Hao"}
    # The services' checks hold: an unknown role and a duplicate phone are refused.
    with pytest.raises(InvalidInput) as excinfo:
        await make_staff(site, "Wang", role="astronaut")
    assert excinfo.value.code == "UNKNOWN_ROLE"
    with pytest.raises(Conflict) as dup:
        await make_customer(site, "Sun Hao again", phone="13800138001")
    assert dup.value.code == "CUSTOMER_EXISTS"
    assert (await make_site()).name == "Site 2"


async def test_client_roles_follow_C_13(
    frontdesk_client: FrontdeskClient, make_site: Any, make_customer: Any
) -> None:
    site = await make_site()
    await make_customer(site, "Sun Hao", phone="13800138001")
    board = frontdesk_client.as_role("frontend")
    nodes = (await board.data(CUSTOMERS, {"s": site.id}))["customers"]["nodes"]
    assert nodes == [{"name": "Sun Hao", "phone": "+86*******8001"}]  # masked (C-13)
    error = await board.error(CHECK_IN, {"s": site.id})
    assert error.extensions["code"] == "FORBIDDEN"
    error = await frontdesk_client.anonymous().error(CUSTOMERS, {"s": site.id})
    assert error.extensions["code"] == "UNAUTHENTICATED"
    with pytest.raises(GraphQLErrors, match="SITE_NOT_FOUND"):
        await frontdesk_client.data(CHECK_IN, {"s": 999})


@pytest.mark.parametrize(
    ("role", "may_manage"),
    [
        ("admin", True),
        ("clerk", True),
        ("staff", False),
        ("integrator", False),
        ("frontend", False),
    ],
)
async def test_tokens_by_role_over_http(
    frontdesk_http: Any, frontdesk_token: Any, make_site: Any, role: str, may_manage: bool
) -> None:
    site = await make_site()
    token = await frontdesk_token(role)
    assert token.role == role and token.secret.startswith("fd_")
    query = {
        "query": 'mutation($s: ID!) { addStaff(input: {siteId: $s, name: "Li", '
        'role: "salesperson"}) { staff { name } userErrors { field message code } } }',
        "variables": {"s": str(site.id)},
    }
    response = await frontdesk_http.post("/graphql", json=query, headers=token.headers)
    assert response.status_code == 200
    body = response.json()
    if may_manage:
        assert body == {"data": {"addStaff": {"staff": {"name": "Li"}, "userErrors": []}}}
    else:
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await frontdesk_http.post("/graphql", json=query)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    health = await frontdesk_http.get("/healthz")
    assert {k: v for k, v in health.json().items() if k != "accel"} == {
        "status": "ok",
        "plugins": ["realestate"],
    }


async def test_an_unknown_token_role_is_refused(frontdesk_token: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        await frontdesk_token("janitor")
    assert excinfo.value.code == "UNKNOWN_ROLE"


@pytest.mark.parametrize("frontdesk_lines", [("nosuchline",)])
def test_an_unknown_line_is_a_usage_error(
    request: pytest.FixtureRequest, frontdesk_lines: tuple[str, ...]
) -> None:
    assert frontdesk_lines == ("nosuchline",)
    with pytest.raises(pytest.UsageError, match="not installed: nosuchline"):
        request.getfixturevalue("frontdesk_database_url")


async def test_frontdesk_switch_turns_a_line_off_and_on_in_the_running_app(
    frontdesk_app: Any, frontdesk_switch: Any, frontdesk_client: FrontdeskClient
) -> None:
    assert "rotation(" in frontdesk_app.schema.as_str()
    assert await frontdesk_switch("realestate", False) == frozenset()
    assert "rotation(" in frontdesk_app.schema.as_str()  # issue 17: the SDL does not change
    error = await frontdesk_client.error('{ rotation(siteId: "1") { siteId } }')
    assert error.extensions["code"] == "LINE_DISABLED"
    assert await frontdesk_switch("realestate") == {"realestate"}
    assert "rotation(" in frontdesk_app.schema.as_str()
    with pytest.raises(NotFound) as excinfo:
        await frontdesk_switch("nosuch")
    assert excinfo.value.code == "UNKNOWN_PLUGIN"
