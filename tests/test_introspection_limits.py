"""Issue 9, finding 8: "the depth limit ignores introspection".  The operation depth limit
skips every ``__`` field, so a ``__type { ofType { ofType … } }`` hundreds deep and a
``fields { type { fields … } } }`` fan-out passed.  Introspection now has its own depth bound
(``max_introspection_depth``, 15 by default) and graphql-core's limit on lists of types in
lists of types; both are refused with ``QUERY_TOO_DEEP``, while the standard introspection
queries (GraphiQL's and graphql-core's deepest) keep working."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from graphql import get_introspection_query
from served import make_token, serve, under_attack

from core.graphiql import assets_dir

DEEP_OF_TYPE = '{ __type(name: "Query") { name ' + "ofType { name " * 40 + "}" * 41 + " }"
FAN_OUT = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
# The same depth as DEEP_OF_TYPE, hidden in a chain of fragments.
CHAINED = (
    '{ __type(name: "Query") { ...F0 } }\n'
    + "\n".join(f"fragment F{i} on __Type {{ ofType {{ ...F{i + 1} }} }}" for i in range(20))
    + "\nfragment F20 on __Type { name }"
)
# Each fragment spreads the next twice: measured once per fragment, not 2^20 times.
DOUBLING = (
    '{ __type(name: "Query") { ...D0 } }\n'
    + "\n".join(
        f"fragment D{i} on __Type {{ name ...D{i + 1} ofType {{ ...D{i + 1} }} }}"
        for i in range(20)
    )
    + "\nfragment D20 on __Type { name }"
)


def graphiql_introspection_query() -> str:
    """The introspection query the bundled GraphiQL sends (graphql-js 16), from its bundle:
    its TypeRef fragment nests ``ofType`` seven levels."""
    bundle = (Path(assets_dir()) / "graphiql.min.js").read_text(encoding="utf-8")
    match = re.search(r"fragment TypeRef on __Type \{(?:\\n|[^`\"])*?\\n    \}", bundle)
    assert match, "GraphiQL's TypeRef fragment not found in its bundle"
    type_ref = match.group(0).replace("\\n", "\n")
    assert type_ref.count("ofType") == 7
    # graphql-core's query with the same TypeRef depth is the same document.
    return get_introspection_query(type_depth=7)


async def _post(base: str, token: str, query: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as c:
        answer = await c.post(
            f"{base}/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
        )
    return answer.json()


async def test_deep_introspection_is_refused_and_the_server_stays_responsive(fd):
    async with serve(fd) as base:
        token = await make_token(fd)

        async def attack(in_flight):
            in_flight.set()
            return [await _post(base, token, q) for q in (DEEP_OF_TYPE, FAN_OUT, CHAINED)]

        answers, prompt = await under_attack(base, token, attack)
        doubling = await _post(base, token, DOUBLING)
    assert prompt < 1
    for answer in answers:
        assert "data" not in answer or answer["data"] is None, answer
        assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP", answer
    deep, fan_out, chained = (a["errors"][0]["message"] for a in answers)
    assert "introspection exceeds maximum operation depth of 15 (41 levels" in deep
    assert fan_out == "Maximum introspection depth exceeded"
    assert "maximum operation depth of 15 (21 levels" in chained
    assert doubling["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert "(21 levels" in doubling["errors"][0]["message"]


async def test_the_standard_introspection_queries_still_work(fd):
    """GraphiQL's query (depth 12) and graphql-core's deepest standard one (every option,
    ``type_depth=9``: depth 14) are within the bound; so is a plain ``__type`` lookup."""
    queries = [
        graphiql_introspection_query(),
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
            one_of=True,
        ),
        '{ __type(name: "Query") { name fields { name type { name ofType { name } } } } }',
    ]
    async with serve(fd) as base:
        token = await make_token(fd)
        answers = [await _post(base, token, q) for q in queries]
    for answer in answers:
        assert "errors" not in answer, answer["errors"]
    assert answers[0]["data"]["__schema"]["queryType"]["name"] == "Query"
    assert answers[1]["data"]["__schema"]["types"]
    assert answers[2]["data"]["__type"]["fields"]


async def test_the_bound_is_a_setting(sqlite_url):
    from conftest import start_frontdesk

    app = await start_frontdesk(sqlite_url, max_introspection_depth=3)
    try:
        async with serve(app) as base:
            token = await make_token(app)
            three = '{ __type(name: "Query") { ofType { ofType { name } } } }'
            ok = await _post(base, token, three)
            refused = await _post(
                base, token, '{ __type(name: "Query") { ofType { ofType { ofType { name } } } } }'
            )
    finally:
        await app.stop()
    assert ok["data"] == {"__type": {"ofType": None}}
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert "maximum operation depth of 3 (4 levels" in refused["errors"][0]["message"]
