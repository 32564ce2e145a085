"""Database outages are answered as GraphQL JSON with a stable, retryable code
(SERVICE_UNAVAILABLE and ``Retry-After``), never plain text or a dropped connection; the pool
replaces connections the server terminated (pre-ping)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from conftest import Client, start_frontdesk
from helpers import make_site
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import exc as sa_exc
from test_subscriptions import make_token

from core import models
from core.app import create_app
from core.db import sync_url

SITE = (
    'mutation { createSite(input: {name: "North", businessLine: "realestate"}) '
    "{ site { id } userErrors { field message code } } }"
)


def _refused() -> Exception:
    return sa_exc.OperationalError("connect", {}, ConnectionRefusedError(111, "refused"))


async def _post(fd, token: str, query: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(fd))
    async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
        return await http.post("/graphql", json={"query": query}, headers={"Authorization": token})


async def test_a_database_refusing_connections_is_answered_service_unavailable(fd, monkeypatch):
    token = await make_token(fd, "admin")

    @asynccontextmanager
    async def refuse():
        raise _refused()
        yield  # pragma: no cover

    monkeypatch.setattr(fd.db, "transaction", refuse)
    response = await _post(fd, token, SITE)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["retry-after"] == "2"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["retryAfter"] == 2
    assert "nothing was written" in error["message"]
    # The token lookup itself failing is the same answer, not a 500.
    monkeypatch.setattr(fd.db, "read_one", refuse)
    response = await _post(fd, token, "{ plugins { code } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_an_error_escaping_the_view_is_still_graphql_json(fd, monkeypatch):
    token = await make_token(fd, "admin")
    app = create_app(fd)
    router = next(r.app for r in app.routes if getattr(r, "path", "") == "/graphql")
    while not hasattr(router, "view"):  # under the HTTP guards (body limit, media types)
        router = router.app

    def broken():
        raise _refused()

    monkeypatch.setattr(router, "view", broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
        response = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": token}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.postgres
async def test_terminated_connections_are_replaced_without_errors_or_lost_writes(pg_url):
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        await make_site(client, "Before")
        # Another client (an operator, a failover) terminates every connection of the pool.
        admin = create_engine(sync_url(pg_url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                killed = conn.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        finally:
            admin.dispose()
        assert killed >= 1
        for name in ("After 1", "After 2", "After 3"):
            await make_site(client, name)  # no error: dead connections are replaced
        async with fd.db.session() as s:
            names = (await s.scalars(select(models.Site.name).order_by(models.Site.id))).all()
            assert await s.scalar(select(func.count()).select_from(models.Site)) == 4
        assert names == ["Before", "After 1", "After 2", "After 3"]
    finally:
        await fd.stop()
