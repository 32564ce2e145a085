"""An exception inside the speed layer is never swallowed silently (issue 7).

Strict (``Settings.accel_strict``, on in the test suite): it raises, so a test fails.
Production (strict off): counted on ``/healthz``, logged as a warning, and stock execution
answers, with the same bytes as stock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, check_in, make_site

from core.app import create_app
from core.graphql.accel import STATS, AccelError
from core.graphql.accel import compiled as compiled_module
from core.graphql.accel.http import SlimJSONPost
from core.runtime import Frontdesk

PAGE = """query($s: ID!) { visits(siteId: $s, first: 5) {
  edges { cursor node { id counted customer { id name } } } } }"""


@pytest.fixture
async def lenient(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    """The speed layer as in production: on, not strict."""
    app = await start_frontdesk(sqlite_url, accel=True, accel_strict=False)
    yield app
    await app.stop()


@pytest.fixture
async def strict(lenient: Frontdesk) -> AsyncIterator[Frontdesk]:
    app = await start_frontdesk(lenient.settings.database_url, accel=True, accel_strict=True)
    yield app
    await app.stop()


@pytest.fixture
async def site(lenient: Frontdesk) -> str:
    client = Client(lenient)
    site = await make_site(client)
    await add_staff(client, site, "Li")
    for _ in range(3):
        await check_in(client, site)
    return site


def _json(result: Any) -> bytes:
    errors = [e.formatted for e in result.errors] if result.errors else None
    return orjson.dumps({"data": result.data, "errors": errors})


def _broken_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    def compile(self: Any, *_args: Any) -> Any:
        raise KeyError("a strawberry internal moved")

    monkeypatch.setattr(compiled_module._Compiler, "compile", compile)


async def test_a_compiler_exception_fails_in_strict_mode(strict, site, monkeypatch):
    _broken_compiler(monkeypatch)
    before = STATS.errors["compiler"]
    result = await Client(strict).execute(PAGE, {"s": site})
    assert result.errors, "the compiler's exception must not be swallowed"
    error = result.errors[0]
    assert isinstance(error.original_error, AccelError)
    assert "a strawberry internal moved" in str(error.original_error)
    assert error.extensions["code"] == "INTERNAL_ERROR"
    assert STATS.errors["compiler"] > before


async def test_a_compiler_exception_warns_and_falls_back_in_production(
    lenient, stock_fd, site, monkeypatch, caplog
):
    _broken_compiler(monkeypatch)
    before = STATS.errors["compiler"]
    with caplog.at_level(logging.WARNING, logger="frontdesk.accel"):
        fast = _json(await Client(lenient).execute(PAGE, {"s": site}))
    stock = _json(await Client(stock_fd).execute(PAGE, {"s": site}))
    assert fast == stock
    assert b'"errors":null' in fast
    assert STATS.errors["compiler"] > before
    assert any("speed layer error in compiler" in r.getMessage() for r in caplog.records)


async def test_a_wrong_compiled_answer_is_an_error_not_a_fallback(strict, site, monkeypatch):
    """A compiled function that raises where graphql-core does not: a bug, caught."""
    real = compiled_module.compiled_completion

    def raising(*args: Any) -> Any:
        completion, reason = real(*args)
        if completion is None:
            return completion, reason

        def broken(_source: Any, _prefetched: Any) -> Any:
            raise TypeError("generated code is wrong")

        return broken, reason

    from core.graphql.accel import executor

    monkeypatch.setattr(executor, "compiled_completion", raising)
    before = STATS.errors["compiled"]
    result = await Client(strict).execute(PAGE, {"s": site})
    assert STATS.errors["compiled"] > before
    assert result.errors, "the wrong answer must not pass silently"
    assert isinstance(result.errors[0].original_error, AccelError)
    assert "generated code is wrong" in str(result.errors[0].original_error)


async def test_an_http_path_exception_falls_back_to_strawberrys_view(
    lenient, site, monkeypatch, caplog
):
    from core.auth import create_token

    async with lenient.write() as s:
        _token, secret = await create_token(s, name="t", role="admin", now=Client(lenient).now)

    async def broken(self: Any, request: Any) -> Any:
        raise AttributeError("cross_web moved")

    body = {"query": PAGE, "variables": {"s": site}}
    headers = {"authorization": f"Bearer {secret}"}
    transport = httpx.ASGITransport(app=create_app(lenient))
    async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
        expected = await http.post("/graphql", json=body, headers=headers)
        monkeypatch.setattr(SlimJSONPost, "_operation", broken)
        before = STATS.errors["http"]
        with caplog.at_level(logging.WARNING, logger="frontdesk.accel"):
            answer = await http.post("/graphql", json=body, headers=headers)
        health = (await http.get("/healthz")).json()
    assert (answer.status_code, answer.content) == (expected.status_code, expected.content)
    assert STATS.errors["http"] == before + 1
    assert health["accel"]["errors"]["http"] == STATS.errors["http"]
    assert any("speed layer error in http" in r.getMessage() for r in caplog.records)


async def test_an_http_path_exception_raises_in_strict_mode(strict, site, monkeypatch):
    async def broken(self: Any, request: Any) -> Any:
        raise AttributeError("cross_web moved")

    monkeypatch.setattr(SlimJSONPost, "_operation", broken)
    transport = httpx.ASGITransport(app=create_app(strict))
    async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
        with pytest.raises(AccelError):
            await http.post("/graphql", json={"query": "{ plugins { code } }"})
