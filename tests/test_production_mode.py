"""Issue 9, finding 6: production mode — no GraphiQL, introspection only for the roles that
need it, no field suggestions, anonymous callers refused before their document is parsed.
The demo (the default) stays as it was."""

from __future__ import annotations

import httpx
import pytest
from conftest import Client, start_frontdesk
from served import make_token, serve, under_attack
from typer.testing import CliRunner

from core.auth import Actor, Role
from core.graphql.context import Context

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Visit") { fields { name } } }'
VIA_FRAGMENT = "query { ...F } fragment F on Query { __schema { types { name } } }"


def _actor(role: Role) -> Actor:
    return Actor(role=role, name=f"a {role.value}")


@pytest.fixture
async def production(sqlite_url):
    fd = await start_frontdesk(sqlite_url, production=True)
    yield fd
    await fd.stop()


@pytest.mark.parametrize("query", [SCHEMA, TYPE, VIA_FRAGMENT])
async def test_introspection_is_for_admins_only(production, query):
    assert (await Client(production, actor=_actor(Role.ADMIN)).data(query)) is not None
    for role in (Role.FRONTEND, Role.STAFF, Role.CLERK, Role.INTEGRATOR):
        err = await Client(production, actor=_actor(role)).error(query)
        assert err.extensions["code"] == "INTROSPECTION_DISABLED", role
    err = await Client(production, actor=None).error(query)
    assert err.extensions["code"] == "UNAUTHENTICATED"
    # __typename is not introspection of the schema: every token may ask it.
    data = await Client(production, actor=_actor(Role.FRONTEND)).data("{ __typename }")
    assert data == {"__typename": "Query"}


async def test_a_setting_opens_introspection_to_front_end_tooling(sqlite_url):
    fd = await start_frontdesk(
        sqlite_url, production=True, introspection_roles=frozenset({"admin", "frontend"})
    )
    try:
        assert await Client(fd, actor=_actor(Role.FRONTEND)).data(SCHEMA)
        err = await Client(fd, actor=_actor(Role.STAFF)).error(SCHEMA)
        assert err.extensions["code"] == "INTROSPECTION_DISABLED"
    finally:
        await fd.stop()


async def test_no_field_or_enum_suggestions_in_production(production, client):
    admin = Client(production, actor=_actor(Role.ADMIN))
    err = await admin.error("{ plugin { code } }")
    assert err.message == "Cannot query field 'plugin' on type 'Query'."
    assert err.extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
    err = await admin.error(
        "mutation($to: ComplaintStatus!) { transitionComplaint(input: {complaintId: 1, "
        "to: $to}) { complaint { id } userErrors { field message code } } }",
        {"to": "RESOLVE"},
    )
    assert "Did you mean" not in err.message and err.extensions["code"] == "BAD_USER_INPUT"
    # The demo keeps them.
    err = await client.error("{ plugin { code } }")
    assert "Did you mean 'plugins'?" in err.message


async def test_anonymous_callers_get_nothing_and_cost_no_parse(production):
    for query in ("{ __typename }", SCHEMA, "{ plugins { code } }", "{{{{ not graphql"):
        context = Context(app=production)
        result = await production.schema.execute(query, context_value=context)
        assert result.errors[0].extensions["code"] == "UNAUTHENTICATED", query
        assert not hasattr(context, "frontdesk_document")


async def test_graphiql_is_off_in_production_and_on_in_the_demo(production, fd):
    browser = {"accept": "text/html"}
    async with serve(production) as base:
        token = await make_token(production)

        async def attack(in_flight):
            in_flight.set()
            async with httpx.AsyncClient() as c:
                return await c.get(f"{base}/graphql", headers=browser)

        response, prompt = await under_attack(base, token, attack)
        assert response.status_code == 404 and "graphiql" not in response.text.lower()
        assert prompt < 1
    async with serve(fd) as base, httpx.AsyncClient() as c:
        response = await c.get(f"{base}/graphql", headers=browser)
        assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_serve_production_flag_turns_it_on(monkeypatch, tmp_path):
    import uvicorn

    from core import cli

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))
    url = f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}"
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", url)  # serve sets it; restored afterwards
    monkeypatch.delenv("FRONTDESK_PRODUCTION", raising=False)
    args = ["serve", "--database-url", url]
    result = CliRunner().invoke(cli.app, [*args, "--production"])
    assert result.exit_code == 0, result.output
    assert "production mode" in result.output
    app, kw = served[0]
    assert app.state.frontdesk.settings.production is True
    assert kw["ws_max_size"] == app.state.frontdesk.settings.max_body_bytes
    served.clear()
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert served[0][0].state.frontdesk.settings.production is False
