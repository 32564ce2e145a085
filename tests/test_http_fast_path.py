"""The JSON POST fast path of ``FrontdeskGraphQL`` answers exactly as strawberry's view.

Every request below is sent twice through the same app: once as served (fast path) and once
with the fast path switched off (strawberry's ``run``), and the two responses must have the
same status, content type and bytes.  Requests the fast path does not take (bad JSON, no
query, batches, other content types) must reach strawberry's pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import start_frontdesk
from sqlalchemy import func, select
from starlette.testclient import TestClient

from core.app import FrontdeskGraphQL, SchemaRouter, create_app
from core.auth import AuditEntry, create_token
from core.runtime import Frontdesk


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    """The speed layer on, whatever FRONTDESK_ACCEL says (this file tests it)."""
    app = await start_frontdesk(sqlite_url, accel=True)
    yield app
    await app.stop()


@pytest.fixture
def http(fd: Any) -> Iterator[TestClient]:
    with TestClient(create_app(fd)) as test_client:
        yield test_client


@pytest.fixture
def tokens(http: TestClient, fd: Any) -> dict[str, str]:
    async def make() -> dict[str, str]:
        out = {}
        async with fd.write() as s:
            for role in ("admin", "frontend"):
                _token, secret = await create_token(
                    s, name=role, role=role, now=datetime(2026, 1, 1, tzinfo=UTC)
                )
                out[role] = secret
        return out

    return http.portal.call(make)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names the requests that went through strawberry's ``run``."""
    seen: list[str] = []
    original = FrontdeskGraphQL.run

    async def run(self: FrontdeskGraphQL, request: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(request.method)
        return await original(self, request, *args, **kwargs)

    monkeypatch.setattr(FrontdeskGraphQL, "run", run)
    return seen


def _view(http: TestClient) -> FrontdeskGraphQL:
    router = next(
        r.app
        for r in http.app.routes  # type: ignore[attr-defined]
        if isinstance(getattr(r, "app", None), SchemaRouter)
    )
    return router.view()


Answer = tuple[int, str | None, bytes] | tuple[str, str]


def _send(http: TestClient, *, fast: bool, **kwargs: Any) -> Answer:
    """Status, content type and body; or the exception the server raised."""
    view = _view(http)
    view.__dict__["_fast_path"] = fast  # shadows the cached_property for this request
    try:
        response = http.post("/graphql", **kwargs)
    except AttributeError as exc:  # raise_server_exceptions: strawberry itself failed
        return "raised", type(exc).__name__
    finally:
        view.__dict__.pop("_fast_path", None)
    return response.status_code, response.headers.get("content-type"), response.content


def _same(http: TestClient, **kwargs: Any) -> Answer:
    fast = _send(http, fast=True, **kwargs)
    slow = _send(http, fast=False, **kwargs)
    assert fast == slow
    return fast


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_fast_path_is_taken_for_a_json_post_and_answers_like_strawberry(http, tokens, runs):
    status, content_type, body = _send(
        http, fast=True, json={"query": "{ plugins { code } }"}, headers=_bearer(tokens["admin"])
    )
    assert runs == []  # strawberry's run was not needed
    assert (status, content_type) == (200, "application/json")
    assert b'"code":"realestate"' in body
    assert _same(http, json={"query": "{ plugins { code } }"}, headers=_bearer(tokens["admin"]))


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "{ plugins { code } }"},
        {"query": "{ nope }"},  # validation error
        {"query": "{ plugins { code "},  # syntax error
        {
            "query": "query A($f: Int!) { sites(first: $f) { nodes { id } } } "
            "query B { plugins { code } }",
            "variables": {"f": 5},
            "operationName": "A",
        },
        {"query": "query A { plugins { code } } query B { plugins { name } }"},  # which one?
        {"query": "query A { plugins { code } }", "operationName": "Z"},  # unknown operation
        {"query": "query($f: Int!) { sites(first: $f) { nodes { id } } }", "variables": {}},
        {"query": "query($f: Int!) { sites(first: $f) { nodes { id } } }", "variables": {"f": "x"}},
        {"query": "{ sites(first: 100000) { nodes { id } } }"},  # resolver error
        {"query": "{ plugins { code } }", "extensions": {"x": 1}},
        # Beyond 64 bits: json.loads keeps the int (orjson would make it a float).
        {"query": "{ sites(first: 18446744073709551616) { nodes { id } } }"},
        {
            "query": "query($f: Int!) { sites(first: $f) { nodes { id } } }",
            "variables": {"f": 18446744073709551616},
        },
    ],
)
@pytest.mark.parametrize("who", ["admin", "frontend", "none", "bad"])
def test_fast_path_matches_strawberry(http, tokens, runs, payload, who):
    headers = {
        "admin": _bearer(tokens["admin"]),
        "frontend": _bearer(tokens["frontend"]),
        "none": {},
        "bad": _bearer("fd_not-a-token"),
    }[who]
    status, _, _body = _same(http, json=payload, headers=headers)
    assert runs == ["POST"]  # only the strawberry-view half
    assert status in (200, 400)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),  # 400 Unable to parse request body as JSON
        (b'{"variables": {}}', "application/json"),  # 400 no query
        (b'{"query": 5}', "application/json"),  # 400 query must be a string
        (b'{"query": "{ plugins { code } }", "variables": [1]}', "application/json"),
        (b'[{"query": "{ plugins { code } }"}]', "application/json"),  # batch: not enabled
        (b'"just a string"', "application/json; charset=utf-8"),
        (b'{"query": "{ plugins { code } }"}', "text/plain"),  # unsupported content type
    ],
)
def test_unusual_requests_get_strawberrys_answer(http, tokens, runs, content, content_type):
    answer = _same(
        http, content=content, headers={**_bearer(tokens["admin"]), "content-type": content_type}
    )
    if content.startswith(b'"'):
        assert answer == ("raised", "AttributeError")  # strawberry's own answer to a JSON string
    assert len(runs) == 2  # both halves went through strawberry's run


def test_a_mutation_answers_and_is_audited_the_same_way(http, fd, tokens, runs):
    async def audit_rows() -> int:
        async with fd.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    toggle = {
        "query": 'mutation($on: Boolean!) { setPluginEnabled(input: {code: "realestate", '
        "enabled: $on}) { plugin { code enabled } userErrors { field message code } } }",
        "variables": {"on": True},
    }
    before = http.portal.call(audit_rows)
    status, _, body = _same(http, json=toggle, headers=_bearer(tokens["admin"]))  # type: ignore[misc]
    assert status == 200 and b'"enabled":true' in body
    assert http.portal.call(audit_rows) == before + 2  # one per path
    _same(http, json=toggle, headers=_bearer(tokens["frontend"]))  # refused: FORBIDDEN
    _same(http, json=toggle)  # refused: UNAUTHENTICATED
    assert http.portal.call(audit_rows) == before + 6
