"""Compiled completions (core/graphql/accel/compiled.py) answer exactly what graphql-core answers.

Every operation runs on the same data with compiled completions (twice: compiled, then from the
cache), with them switched off (the per-field fast path only) and through stock strawberry /
graphql-core execution (``Settings.accel`` off); the JSON of data and errors must be identical.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from conftest import start_frontdesk
from helpers import add_staff, check_in, make_site, register

from core.graphql import loading
from core.graphql.accel import STATS, executor
from core.runtime import Frontdesk

PAGE = """
query($site: ID!, $first: Int!, $after: String) {
  visits(siteId: $site, first: $first, after: $after) {
    __typename
    edges { __typename cursor node {
      __typename id siteId channel inquiryKind visitorKind arrivedAt businessDate partySize
      counted notes recordedAt correctsId escortsNeeded
      customer { __typename id siteId name customerClass groupId ownerStaffId createdAt
                 hostingBudget }
      receiver { id siteId name role employmentStatus }
      namedStaff { id name }
      decision { rule message }
      realestate { __typename madeUpTurn newRegistration unitsRequested
                   skipped { staffId decision { rule message } } }
    } }
    pageInfo { __typename hasNextPage endCursor }
  }
}"""

OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    (PAGE, {"first": 100}),
    (PAGE, {"first": 3}),
    (PAGE, {"first": 0}),
    # aliases, the same field selected twice (merged), nodes instead of edges
    (
        """query($site: ID!) { page: visits(siteId: $site, first: 5) {
             rows: edges { n: node { key: id who: customer { nm: name } } }
             edges { node { counted customer { id } re: realestate { madeUpTurn } } }
             nodes { id receiver { name } }
             info: pageInfo { more: hasNextPage } } }""",
        {},
    ),
    # named, nested and inline fragments
    (
        """fragment Who on Staff { id name }
           fragment V on Visit { id receiver { ...Who } namedStaff { ...Who }
                                 ... on Visit { counted realestate { ...R } } }
           fragment R on RealEstateReception { madeUpTurn skipped { staffId } }
           query($site: ID!) { visits(siteId: $site, first: 20) {
             edges { node { ...V customer { ... on Customer { id name } } } }
             ... on VisitConnection { pageInfo { endCursor } } } }""",
        {},
    ),
    # directives are not compiled: graphql-core answers, the same way
    (
        """query($site: ID!, $yes: Boolean!) { visits(siteId: $site, first: 10) {
             edges { node { id customer @include(if: $yes) { name } receiver @skip(if: $yes) {
               id } } } } }""",
        {"yes": True},
    ),
    # a field needing Info (phone masking) is not compiled either
    (
        """query($site: ID!) { visits(siteId: $site, first: 10) {
             edges { node { id customer { name phone } } } } }""",
        {},
    ),
    # other connections
    (
        """query($site: ID!) {
             customers(siteId: $site, first: 10) { edges { cursor node { id name customerClass
               ownerStaffId createdAt hostingBudget } } pageInfo { hasNextPage endCursor } }
             staff(siteId: $site, first: 10) { nodes { id name role employmentStatus } }
             sites(first: 10) { edges { node { id name businessLine timezone calendarRegion
               createdAt } } }
             penalties(siteId: $site, first: 10) { edges { node { id } } } }""",
        {},
    ),
    # errors: before and during execution
    (PAGE, {"first": 10, "after": "not-a-cursor"}),
    (PAGE, {"first": 1000}),
    (PAGE, {"first": 10, "site": "abc"}),
    (PAGE, {"first": "ten"}),
    ("""query { visits(siteId: "1", first: 5) { edges { node { nope } } } }""", {}),
    # single objects
    (
        """query($id: ID!) { visit(id: $id) { id customer { id name } receiver { id }
             realestate { madeUpTurn newRegistration skipped { staffId decision { rule } } } } }""",
        {"id": "2"},
    ),
]


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    """The speed layer on, whatever FRONTDESK_ACCEL says (this file tests it)."""
    app = await start_frontdesk(sqlite_url, accel=True)
    yield app
    await app.stop()


MARK = """
mutation($site: ID!, $staff: ID!, $status: SalespersonStatus!) {
  markSalesperson(input: {siteId: $site, staffId: $staff, status: $status}) { rotation {
    nextStaffId } userErrors { field message code } } }"""


@pytest.fixture
async def site(client) -> str:
    site = await make_site(client)
    staff = [await add_staff(client, site, name) for name in ("Li", "Wang", "Zhao")]
    customers = [await register(client, site, f"Customer {i}") for i in range(3)]
    for i in range(12):
        if i in (2, 7):  # Li busy: skipped (RE-2) for these visits, then a make-up turn
            await client.data(MARK, {"site": site, "staff": staff[0], "status": "BUSINESS_CALL"})
        if i in (4, 9):
            await client.data(MARK, {"site": site, "staff": staff[0], "status": "AVAILABLE"})
        fields: dict[str, Any] = {}
        if i % 3:
            fields["customerId"] = customers[i % 3]["id"]
        if i % 4 == 1:
            fields["partySize"] = 6
        await check_in(client, site, **fields)
    return site


def _json(result: Any) -> bytes:
    errors = [e.formatted for e in result.errors] if result.errors else None
    return orjson.dumps({"data": result.data, "errors": errors})


class Spy:
    """Counts the compiled completions handed out (to prove the compiled path ran)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.compiled = 0

    def __call__(self, *args: Any) -> Any:
        completion, reason = self.real(*args)
        self.compiled += completion is not None
        return completion, reason


async def _both(
    client, stock_client, monkeypatch, query: str, variables: dict[str, Any]
) -> tuple[bytes, ...]:
    """(compiled, compiled again, fast executor without compiling, stock, compilations)."""
    spy = Spy(executor.compiled_completion)
    monkeypatch.setattr(executor, "compiled_completion", spy)
    compiled = _json(await client.execute(query, variables))
    again = _json(await client.execute(query, variables))  # from the cache
    monkeypatch.setattr(executor.FastExecutionContext, "compile", False)
    plain = _json(await client.execute(query, variables))
    monkeypatch.setattr(executor.FastExecutionContext, "compile", True)
    monkeypatch.setattr(executor, "compiled_completion", spy.real)
    stock = _json(await stock_client.execute(query, variables))
    return compiled, again, plain, stock, spy.compiled


async def test_compiled_completions_answer_exactly_like_graphql_core(
    client, stock_client, site, monkeypatch
):
    used = 0
    for query, extra in OPERATIONS:
        variables = {"site": site, **extra}
        if "$site" not in query:
            variables.pop("site")
        if "$id" not in query:
            variables.pop("id", None)
        compiled, again, plain, stock, n = await _both(
            client, stock_client, monkeypatch, query, variables
        )
        assert compiled == stock, query
        assert again == stock, query
        assert plain == stock, query
        used += n
    assert used >= 8  # most of the battery did go through compiled completions


async def test_the_second_page_follows_the_cursor_identically(
    client, stock_client, site, monkeypatch
):
    first = await client.data(PAGE, {"site": site, "first": 5})
    after = first["visits"]["pageInfo"]["endCursor"]
    compiled, _again, plain, stock, n = await _both(
        client, stock_client, monkeypatch, PAGE, {"site": site, "first": 5, "after": after}
    )
    assert compiled == plain == stock
    assert n >= 1
    assert orjson.loads(compiled)["data"]["visits"]["edges"]


async def test_a_null_for_a_non_null_field_falls_back_to_graphql_core(
    client, stock_client, site, monkeypatch
):
    real = loading.encode_cursor
    broken = {"visit:3"}

    def encode(kind: str, key: int) -> Any:
        return None if f"{kind}:{key}" in broken else real(kind, key)

    monkeypatch.setattr(loading, "encode_cursor", encode)
    bails = STATS.fallbacks["compiled-bail:null-for-non-null"]
    errors = sum(STATS.errors.values())
    compiled, again, plain, stock, n = await _both(
        client, stock_client, monkeypatch, PAGE, {"site": site, "first": 20}
    )
    assert compiled == plain == again == stock
    assert n >= 1
    # counted as a fallback, not as an error of the speed layer
    assert STATS.fallbacks["compiled-bail:null-for-non-null"] > bails
    assert sum(STATS.errors.values()) == errors
    errors = orjson.loads(plain)["errors"]
    assert errors and errors[0]["path"][:2] == ["visits", "edges"]


async def test_joined_reception_equals_the_batch_loader(client, site):
    """Pages join re_visit_receptions; single visits run the loader: the same values."""
    page = await client.data(PAGE, {"site": site, "first": 100})
    nodes = [e["node"] for e in page["visits"]["edges"]]
    assert any(n["realestate"]["skipped"] for n in nodes)
    for node in nodes:
        one = await client.data(
            """query($id: ID!) { visit(id: $id) { realestate { __typename madeUpTurn
                 newRegistration unitsRequested skipped { staffId decision { rule message } }
            } } }""",
            {"id": node["id"]},
        )
        assert one["visit"]["realestate"] == node["realestate"]


async def test_the_benchmarked_page_is_compiled_whole_line_field_included(
    client, site, monkeypatch
):
    """bench/visits_page.py's query: no selection of it falls back (the real-estate field is a
    line field behind the plugin API's row view, read from the prefetched values)."""
    query = """query($site: ID!, $first: Int!) { visits(siteId: $site, first: $first) {
      edges { node { id arrivedAt counted customer { id name } receiver { id name }
                     realestate { madeUpTurn } } } pageInfo { endCursor hasNextPage } } }"""
    spy = Spy(executor.compiled_completion)
    monkeypatch.setattr(executor, "compiled_completion", spy)
    before = dict(STATS.fallbacks)
    data = await client.data(query, {"site": site, "first": 100})
    fell_back = {
        k: n - before.get(k, 0) for k, n in STATS.fallbacks.items() if n != before.get(k, 0)
    }
    assert fell_back == {}
    assert spy.compiled == 1  # one compiled function completes the whole connection
    assert any(e["node"]["realestate"]["madeUpTurn"] for e in data["visits"]["edges"])
