"""Issue 9, findings 1, 2 and 8 (JSON depth): bounded before parsed.

Each attack runs against the real app served by uvicorn while a concurrent `{ __typename }`
must be answered promptly (``served.under_attack``); each asserts the refusal and its stable
code."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
from conftest import Client, start_frontdesk
from served import make_token, raw_post, serve, under_attack

from core.graphql.context import Context
from core.httpguard import JSONTooDeep, check_json_depth

MB = 1024 * 1024


@pytest.fixture
async def served(fd) -> Any:
    async with serve(fd) as base:
        yield base, await make_token(fd)


async def _post(base: str, token: str | None, in_flight: asyncio.Event, **kw: Any) -> Any:
    headers = {"content-type": "application/json", **kw.pop("headers", {})}
    if token:
        headers["authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=60) as c:
        if "content" in kw and not isinstance(kw["content"], bytes | str):
            return await c.post(f"{base}/graphql", headers=headers, **kw)
        in_flight.set()
        return await c.post(f"{base}/graphql", headers=headers, **kw)


def _code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_a_10_mb_body_is_refused_with_413_before_it_is_read(served):
    base, token = served
    head = {"content-type": "application/json", "content-length": str(10 * MB)}

    async def attack(in_flight):
        return await raw_post(base, head, [], in_flight)  # not one byte of the body sent

    response, prompt = await under_attack(base, token, attack)
    assert response.status == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert "262144 bytes" in response.json()["errors"][0]["message"]
    assert prompt < 1


async def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(served):
    """A body that never ends (no Content-Length, no final chunk): refused once 256 KB are
    read, so the answer can only come from a server that stopped reading."""
    base, token = served
    head = {"content-type": "application/json", "transfer-encoding": "chunked"}
    chunks = [b'{"query": "#'] + [b"A" * 65536] * 4

    async def attack(in_flight):
        return await raw_post(base, head, chunks, in_flight, chunked=True)

    response, prompt = await under_attack(base, token, attack)
    assert response.status == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert prompt < 1


async def test_comments_count_toward_the_document_byte_limit(served):
    """`#AAAA…\\n{ __typename }` got round the token limit; inside the body limit it is refused
    by size before the lexer runs."""
    base, token = served
    query = "#" + "A" * 200_000 + "\n{ __typename }"

    async def attack(in_flight):
        return await _post(base, token, in_flight, json={"query": query})

    response, prompt = await under_attack(base, token, attack)
    assert response.status_code == 200  # application/json: errors in a 200 (legacy)
    assert _code(response) == "QUERY_TOO_LARGE"
    assert response.json()["data"] is None
    assert prompt < 1


@pytest.mark.parametrize(
    "query",
    [
        "{ " + "a " * 25_000 + "}",  # 25,000 tokens in 50 KB
        "#\n" * 20_000 + "{ __typename }",  # 20,000 comments in 40 KB
    ],
    ids=["tokens", "comments"],
)
async def test_token_limit_stops_the_parser_and_counts_comments(served, query):
    base, token = served

    async def attack(in_flight):
        return await _post(base, token, in_flight, json={"query": query})

    response, prompt = await under_attack(base, token, attack)
    assert _code(response) == "TOO_MANY_TOKENS"
    assert "2000 tokens" in response.json()["errors"][0]["message"]
    assert prompt < 1


async def test_a_variables_object_nested_1000_deep_is_a_400_not_a_500(served):
    base, token = served
    body = '{"query": "{ __typename }", "variables": {"v": ' + "[" * 1000 + "]" * 1000 + "}}"

    async def attack(in_flight):
        return await _post(base, token, in_flight, content=body)

    response, prompt = await under_attack(base, token, attack)
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.text
    assert prompt < 1


def test_json_depth_check_is_exact_at_the_limit():
    check_json_depth("[" * 32 + "]" * 32, 32)
    check_json_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 2)  # in a string
    with pytest.raises(JSONTooDeep):
        check_json_depth("[" * 33 + "]" * 33, 32)
    with pytest.raises(JSONTooDeep):
        check_json_depth(b'{"a": {"b": {"c": 1}}}', 2)
    check_json_depth(b"[}{]", 2)  # malformed: left for the decoder


async def test_a_bad_token_is_refused_before_the_document_is_parsed(served, fd):
    base, _ = served
    garbage = "{ this is { not graphql"

    async def attack(in_flight):
        return await _post(base, "fd_wrong", in_flight, json={"query": garbage})

    response, prompt = await under_attack(base, await make_token(fd), attack)
    assert _code(response) == "UNAUTHENTICATED"  # not GRAPHQL_PARSE_FAILED: never parsed
    assert prompt < 1


async def test_production_refuses_anonymous_callers_before_parsing(sqlite_url):
    fd = await start_frontdesk(sqlite_url, production=True)
    try:
        context = Context(app=fd)
        result = await fd.schema.execute("{ this is { not graphql", context_value=context)
        assert result.errors[0].extensions["code"] == "UNAUTHENTICATED"
        assert not hasattr(context, "frontdesk_document")  # nothing was parsed
    finally:
        await fd.stop()


async def test_only_validated_documents_are_cached_and_the_cache_is_bounded_in_bytes(
    sqlite_url,
):
    fd = await start_frontdesk(sqlite_url, parse_cache_bytes=4000)
    try:
        client = Client(fd)
        cache = fd.schema.validated
        for i in range(50):  # distinct documents that fail validation: never kept
            await client.error(f"{{ nope{i} }}")
            await client.error(f"{{ plugins {{ code }} broken{i}: nope }}")
        assert len(cache) == 0 and cache.bytes == 0
        for i in range(200):  # distinct valid ones: kept up to the byte budget
            await client.data(f"{{ a{i}: __typename plugins {{ code }} }}")
            assert cache.bytes <= 4000
        assert 0 < len(cache) < 200
        last = "{ a199: __typename plugins { code } }"
        assert cache.get(last) is not None  # the most recent survives
        assert cache.get("{ a0: __typename plugins { code } }") is None  # the oldest went
    finally:
        await fd.stop()


def test_settings_are_read_from_the_environment(monkeypatch):
    from core.settings import Settings

    monkeypatch.setenv("FRONTDESK_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("FRONTDESK_PRODUCTION", "1")
    monkeypatch.setenv("FRONTDESK_INTROSPECTION_ROLES", "admin, frontend")
    monkeypatch.setenv("FRONTDESK_WEBHOOK_ALLOW", "10.0.0.0/8,crm.corp")
    s = Settings.from_env()
    assert dataclasses.astuple(s)  # a plain dataclass
    assert s.max_body_bytes == 1000 and s.production
    assert s.introspection_roles == {"admin", "frontend"}
    assert s.webhook_allow == ("10.0.0.0/8", "crm.corp")
