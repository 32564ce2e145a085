"""Issue 9, finding 4: revoking a token closes its open WebSockets (4403) at once, on every
server process, and nothing more runs on them — the socket used to keep receiving events and
could open a subscription replaying the whole history."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from conftest import FIXED_NOW, start_frontdesk
from helpers import gid
from served import make_token, serve, under_attack
from websockets.asyncio.client import connect

from core import auth

UPDATES = "subscription { complaintUpdates { cursor type } }"
REVOKE = (
    "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { token { id revokedAt } "
    "userErrors { field message code } } }"
)


async def _token(fd: Any, role: str) -> tuple[int, str]:
    async with fd.write() as s:
        token, raw = await auth.create_token(s, name=f"ws {role}", role=role, now=FIXED_NOW)
    return token.id, raw


@asynccontextmanager
async def _socket(base: str, token: str):
    url = base.replace("http", "ws") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": token}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": UPDATES}}))
        yield ws


async def _closed_with(ws: Any) -> int | None:
    """Wait (on the socket's state, at most 20 s) until the server closes it."""
    async with asyncio.timeout(20):
        await ws.wait_closed()
    return ws.close_code


async def _revoke_over_http(base: str, admin: str, token_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as c:
        answer = await c.post(
            f"{base}/graphql",
            json={"query": REVOKE, "variables": {"id": str(token_id)}},
            headers={"authorization": f"Bearer {admin}"},
        )
    return answer.json()


async def test_revoking_a_token_closes_its_open_socket_with_4403(fd):
    async with serve(fd) as base:
        admin = await make_token(fd)
        token_id, raw = await _token(fd, "staff")
        _other_id, other = await _token(fd, "staff")
        async with _socket(base, raw) as ws, _socket(base, other) as bystander:

            async def attack(in_flight):
                in_flight.set()
                return await _revoke_over_http(base, admin, token_id)

            answer, prompt = await under_attack(base, admin, attack)
            assert answer["data"]["revokeApiToken"]["token"]["revokedAt"] is not None
            assert await _closed_with(ws) == 4403
            assert ws.close_reason == "the API token was revoked"
            assert bystander.close_code is None  # another token's socket stays open
    assert prompt < 1


async def test_a_revocation_the_bus_never_carried_closes_the_socket_within_seconds(fd):
    """Revoked in the database only (e.g. `frontdesk tokens revoke` without Redis): the
    server notices on its next poll and the socket cannot start anything meanwhile."""
    async with serve(fd) as base:
        token_id, raw = await _token(fd, "staff")
        async with _socket(base, raw) as ws:
            async with fd.write() as s:
                await auth.revoke_token(s, token_id, FIXED_NOW)
            # A new operation on the socket is refused at once (closed, nothing replayed).
            await ws.send(
                json.dumps({"id": "2", "type": "subscribe", "payload": {"query": UPDATES}})
            )
            assert await _closed_with(ws) == 4403


@pytest.mark.redis
async def test_revocation_reaches_sockets_on_another_process(sqlite_url, redis_url):
    """Two servers share the database and Redis: revoked on one, closed on the other."""
    one = await start_frontdesk(sqlite_url, redis_url=redis_url)
    # Polling off on the second process: only the bus can close the socket in time.
    two = await start_frontdesk(
        sqlite_url, redis_url=redis_url, enable=(), plugin_state_poll_seconds=3600.0
    )
    try:
        async with serve(one) as base_one, serve(two) as base_two:
            admin = await make_token(one)
            token_id, raw = await _token(one, "integrator")
            async with _socket(base_two, raw) as ws:
                answer = await _revoke_over_http(base_one, admin, token_id)
                assert answer["data"]["revokeApiToken"]["token"]["id"] == gid("ApiToken", token_id)
                assert await _closed_with(ws) == 4403
    finally:
        await one.stop()
        await two.stop()
