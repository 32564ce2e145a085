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


FILE_KEYED = """
mutation($site: ID!, $staff: ID!, $text: String!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: $text, customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id number description } userErrors { field message code } }
}"""


@pytest.mark.postgres
async def test_connections_terminated_mid_load_lose_and_duplicate_no_write(pg_url, caplog):
    """Forty keyed filings at once; after the first few commit, every backend of the
    database is terminated (a failover).  Each answer is a success or SERVICE_UNAVAILABLE as
    GraphQL JSON (never a 500, never INTERNAL_ERROR); retrying the failed ones with their
    Idempotency-Keys leaves exactly forty complaints (C-6 numbers unique), one C-13 audit row
    each, and no "another operation is in progress" anywhere."""
    import asyncio
    import logging
    from collections import Counter

    from helpers import add_staff
    from sqlalchemy.ext.asyncio import create_async_engine

    from core.auth import AuditEntry
    from core.db import async_url

    caplog.set_level(logging.WARNING)
    fd = await start_frontdesk(pg_url)
    admin = create_async_engine(async_url(pg_url), isolation_level="AUTOCOMMIT")
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = await add_staff(client, site, "Li")
        token = await make_token(fd, "clerk")
        requests = [(f"term-{n:02d}", f"slow {n}") for n in range(40)]
        transport = httpx.ASGITransport(app=create_app(fd))

        async def post(http: httpx.AsyncClient, key: str, text_: str) -> httpx.Response:
            return await http.post(
                "/graphql",
                json={
                    "query": FILE_KEYED,
                    "variables": {"site": site, "staff": staff, "text": text_},
                },
                headers={"Authorization": token, "Idempotency-Key": key},
            )

        async def terminate_mid_load() -> tuple[int, int]:
            async with admin.connect() as conn:
                while True:  # wait on state: a few filings committed, the rest in flight
                    saved = await conn.scalar(text("SELECT count(*) FROM complaints"))
                    if saved >= 3:
                        break
                    await asyncio.sleep(0.005)
                killed = await conn.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            return saved, killed

        async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
            burst = asyncio.gather(*(post(http, k, t) for k, t in requests))
            (saved_at_kill, killed), responses = await asyncio.gather(terminate_mid_load(), burst)
            assert killed >= 1 and saved_at_kill < len(requests)
            codes: Counter[str] = Counter()
            pending = []
            for (key, text_), response in zip(requests, responses, strict=True):
                assert response.headers["content-type"].startswith("application/json")
                body = response.json()
                if body.get("errors"):
                    codes.update(e["extensions"]["code"] for e in body["errors"])
                    pending.append((key, text_))
            assert set(codes) <= {"SERVICE_UNAVAILABLE"}, codes
            for _round in range(5):  # the client's retries, same keys
                answers = [(k, t, await post(http, k, t)) for k, t in pending]
                pending = [(k, t) for k, t, r in answers if r.json().get("errors")]
                if not pending:
                    break
            assert pending == []
        async with fd.db.session() as s:
            complaints = (await s.scalars(select(models.Complaint))).all()
            audited = Counter(
                (
                    await s.scalars(
                        select(AuditEntry.succeeded).where(AuditEntry.action == "fileComplaint")
                    )
                ).all()
            )
    finally:
        await admin.dispose()
        await fd.stop()
    assert sorted(c.description for c in complaints) == sorted(t for _, t in requests)
    assert len({c.number for c in complaints}) == len(requests)
    assert audited[True] == len(requests)
    assert "another operation is in progress" not in caplog.text
