"""Issue 9, finding 8 (HTTP edges): GraphQL over HTTP exactly — application/graphql-response+json
with the spec's status codes (401/403 for refusals before execution), 406 for an Accept the
server cannot satisfy, media types matched case-insensitively, the legacy WebSocket
subprotocol dropped unless a setting keeps it, and graphql-http's own server audit passing
with no MUST failure and no SHOULD warning against the real app served by uvicorn."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import REQUIRE_SERVICES, start_frontdesk
from served import make_token, serve, under_attack
from websockets.asyncio.client import connect

GRJ = "application/graphql-response+json"
AUDIT_PACKAGES = ["graphql-http@1.23.1", "graphql@16.11.0"]
AUDIT_SCRIPT = """
import { auditServer } from 'graphql-http';
const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map(r => ({ id: r.id, name: r.name, status: r.status,
                                                 reason: r.reason }))));
"""


@pytest.fixture
async def http(fd):
    async with serve(fd) as base:
        yield base, await make_token(fd), await make_token(fd, "frontend")


async def _post(base: str, body: dict, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as c:
        return await c.post(f"{base}/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("who", "query", "variables", "status", "code"),
    [
        ("admin", "{ __typename }", None, 200, None),
        ("admin", "{ __typename", None, 400, "GRAPHQL_PARSE_FAILED"),
        ("admin", "{ nope }", None, 400, "GRAPHQL_VALIDATION_FAILED"),
        (
            "admin",
            "query($n: Int!) { __typename @skip(if: false) sites(first: $n) { nodes { id } } }",
            {"n": "x"},
            400,
            "BAD_USER_INPUT",
        ),
        (None, "{ plugins { code } }", None, 401, "UNAUTHENTICATED"),
        ("wrong", "{ plugins { code } }", None, 401, "UNAUTHENTICATED"),
        (
            "frontend",
            'mutation { setPluginEnabled(input: {code: "realestate", enabled: false}) { plugin { '
            "enabled } userErrors { field message code } } }",
            None,
            403,
            "FORBIDDEN",
        ),
        ("admin", "{ complaint(id: 99999999999999999999) { id } }", None, 200, "INVALID_ID"),
    ],
    ids=[
        "ok",
        "parse",
        "validation",
        "coercion",
        "anonymous",
        "bad-token",
        "forbidden",
        "field-error",
    ],
)
async def test_graphql_response_json_gets_the_specs_status_codes(
    http, who, query, variables, status, code
):
    base, admin, frontend = http
    token = {"admin": admin, "frontend": frontend, "wrong": "fd_wrong", None: None}[who]
    headers = {"accept": GRJ}
    if token:
        headers["authorization"] = f"Bearer {token}"

    async def attack(in_flight):
        in_flight.set()
        return await _post(base, {"query": query, "variables": variables}, **headers)

    response, prompt = await under_attack(base, admin, attack)
    assert prompt < 1
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{GRJ}; charset=utf-8"
    body = response.json()
    if code is None:
        assert body == {"data": {"__typename": "Query"}}
    else:
        assert body["errors"][0]["extensions"]["code"] == code
        # Refused before execution: no data entry at all; after it: data (possibly null).
        assert ("data" in body) == (status == 200)
    # The same request with application/json: always 200, data entry present (legacy).
    plain = await _post(
        base, {"query": query, "variables": variables}, **{**headers, "accept": "application/json"}
    )
    assert plain.status_code == 200 and "data" in plain.json()
    assert plain.headers["content-type"] == "application/json"


async def test_an_unacceptable_accept_is_406_and_media_types_ignore_case(http):
    base, admin, _ = http
    auth = {"authorization": f"Bearer {admin}"}

    async def attack(in_flight):
        in_flight.set()
        return await _post(base, {"query": "{ __typename }"}, accept="application/xml", **auth)

    response, prompt = await under_attack(base, admin, attack)
    assert prompt < 1
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    async with httpx.AsyncClient() as c:
        shouting = await c.post(
            f"{base}/graphql",
            content=b'{"query": "{ __typename }"}',
            headers={
                "content-type": "APPLICATION/JSON; charset=UTF-8",
                "accept": "Application/GraphQL-Response+JSON",
                **auth,
            },
        )
        assert shouting.status_code == 200 and shouting.json() == {"data": {"__typename": "Query"}}
        assert shouting.headers["content-type"].startswith(GRJ)
        weighted = await c.post(
            f"{base}/graphql",
            json={"query": "{ __typename }"},
            headers={"accept": f"{GRJ};q=0.5, application/json", **auth},
        )
        assert weighted.headers["content-type"] == "application/json"
        ide = await c.get(f"{base}/graphql", headers={"accept": "text/html"})
        assert ide.status_code == 200  # a browser still gets GraphiQL in the demo


async def test_the_legacy_websocket_subprotocol_is_refused_unless_a_setting_keeps_it(
    fd, sqlite_url
):
    async with serve(fd) as base:
        url = base.replace("http", "ws") + "/graphql"
        async with connect(url, subprotocols=["graphql-ws"], open_timeout=5) as ws:  # type: ignore[list-item]
            await ws.wait_closed()
        assert ws.close_code == 4406
    legacy = await start_frontdesk(sqlite_url, legacy_websocket_protocol=True)
    try:
        async with serve(legacy) as base:
            url = base.replace("http", "ws") + "/graphql"
            async with connect(url, subprotocols=["graphql-ws"], open_timeout=5) as ws:  # type: ignore[list-item]
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert answer["type"] in ("connection_ack", "connection_error")
                assert ws.subprotocol == "graphql-ws"
    finally:
        await legacy.stop()


@pytest.fixture(scope="session")
def graphql_http_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graphql-http's audit, installed with npm from the registry into a scratch folder."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        message = "node and npm are needed for the graphql-http audit"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message}, and FRONTDESK_REQUIRE_SERVICES=1 demands it")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("graphql-http")
    (folder / "package.json").write_text('{"name": "audit", "private": true, "type": "module"}')
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", *AUDIT_PACKAGES],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "npm_config_update_notifier": "false"},
    )
    if installed.returncode != 0:
        message = f"npm install failed: {installed.stderr[-500:]}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    (folder / "audit.mjs").write_text(AUDIT_SCRIPT)
    return folder


async def test_the_graphql_http_server_audit_passes_without_warnings(fd, graphql_http_audit):
    async with serve(fd) as base:
        node = await asyncio.create_subprocess_exec(
            "node",
            "audit.mjs",
            f"{base}/graphql",
            cwd=graphql_http_audit,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(node.communicate(), 120)
    assert node.returncode == 0, err.decode()
    results = json.loads(out)
    assert len(results) > 50
    failed = [(r["id"], r["name"], r["reason"]) for r in results if r["status"] != "ok"]
    assert failed == []


async def test_a_post_without_content_type_is_a_json_error_saying_what_to_send(http):
    """Issue 10, finding 5: a missing Content-Type is answered in JSON with a code and the fix,
    never a plain-text 400."""
    base, admin, _ = http
    async with httpx.AsyncClient(timeout=30) as c:
        response = await c.post(
            f"{base}/graphql",
            content=b'{"query": "{ __typename }"}',
            headers={"authorization": f"Bearer {admin}"},
        )
    assert response.status_code in (400, 415)
    assert response.headers["content-type"].startswith("application/")
    body = response.json()
    assert body["errors"][0]["extensions"]["code"]
    assert "application/json" in body["errors"][0]["message"]
