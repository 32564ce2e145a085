"""Two real server processes sharing one PostgreSQL database and Redis.

Each server is ``python -m uvicorn --factory test_multiprocess:server_app`` (what
``frontdesk serve`` runs) on its own loopback port.  A complaint filed through server 2 reaches
a subscriber on server 1; a subscriber that reconnects with ``after`` gets exactly what it
missed; switching a business line on or off through server 2 or the CLI changes server 1's
schema.  The servers' plugin-state poll is switched off (an hour), so only the bus can carry
these changes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import start_frontdesk
from test_subscriptions import GqlWs, make_token

from core.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parent.parent

FILE = """
mutation($site: ID!, $staff: ID!, $text: String!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: $text, customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id } userErrors { field message code } }
}"""
UPDATES = """
subscription($site: ID, $after: String) {
  complaintUpdates(siteId: $site, after: $after) { cursor id type complaintId payload }
}"""
QUERY_FIELDS = "{ __schema { queryType { fields { name } } } }"


def server_app() -> Any:
    """The uvicorn factory the server processes run (settings from the environment)."""
    from core.app import create_app
    from core.runtime import Frontdesk

    return create_app(Frontdesk(Settings.from_env(plugin_state_poll_seconds=3600.0)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Any

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @classmethod
    def spawn(cls, env: dict[str, str]) -> Server:
        port = _free_port()
        log = tempfile.TemporaryFile()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "test_multiprocess:server_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        return cls(process, port, log)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    async def ready(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"server exited:\n{self.output()}"
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).is_success:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"server not ready in {within}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@dataclass
class Cluster:
    one: Server
    two: Server
    token: str
    env: dict[str, str]

    async def gql(self, server: Server, query: str, variables: dict[str, Any] | None = None):
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                server.http,
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": self.token},
            )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    async def query_fields(self, server: Server) -> set[str]:
        data = await self.gql(server, QUERY_FIELDS)
        return {f["name"] for f in data["__schema"]["queryType"]["fields"]}


@pytest.fixture
async def cluster(pg_url: str, redis_url: str) -> AsyncIterator[Cluster]:
    fd = await start_frontdesk(pg_url, redis_url=redis_url)  # realestate on, as an operator did
    try:
        token = await make_token(fd, "admin")
    finally:
        await fd.stop()
    env = {
        **os.environ,
        "FRONTDESK_DATABASE_URL": pg_url,
        "FRONTDESK_REDIS_URL": redis_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)]),
    }
    servers = [Server.spawn(env), Server.spawn(env)]
    try:
        await asyncio.gather(*(s.ready() for s in servers))
        yield Cluster(servers[0], servers[1], token, env)
    finally:
        for server in servers:
            server.stop()


async def _site_and_staff(cluster: Cluster, server: Server) -> tuple[str, str]:
    site = await cluster.gql(
        server,
        'mutation { createSite(input: {name: "Sunrise", businessLine: "realestate"}) { site { id '
        "} userErrors { field message code } } }",
    )
    site_id = site["createSite"]["site"]["id"]
    staff = await cluster.gql(
        server,
        'mutation($s: ID!) { addStaff(input: {siteId: $s, name: "Li", role: "salesperson"}) '
        "{ staff { id } userErrors { code } } }",
        {"s": site_id},
    )
    return site_id, staff["addStaff"]["staff"]["id"]


async def _file(cluster: Cluster, server: Server, site: str, staff: str, text: str) -> str:
    data = await cluster.gql(server, FILE, {"site": site, "staff": staff, "text": text})
    return data["fileComplaint"]["complaint"]["id"]


async def _live(cluster: Cluster, ws: GqlWs, site: str, staff: str) -> None:
    """Wait until a new subscription on server 1 hears server 2, on observed state: probe
    complaints are filed through server 2 until one arrives (a probe committed before the
    subscription listened is never sent; every later one is), then the rest are drained."""
    probes: list[str] = []
    for n in range(40):
        probes.append(await _file(cluster, cluster.two, site, staff, f"probe {n}"))
        try:
            message = await ws.receive(within=0.5)
        except TimeoutError:
            continue
        got = message["payload"]["data"]["complaintUpdates"]["complaintId"]
        while got != probes[-1]:  # the probes after the first one heard all follow, in order
            got = (await ws.events(1))[0]["complaintId"]
        return
    raise AssertionError("the subscription on server 1 never heard server 2")


async def test_a_complaint_filed_on_one_server_reaches_a_subscriber_on_the_other(cluster):
    site, staff = await _site_and_staff(cluster, cluster.two)
    async with GqlWs.connect(cluster.one.ws, cluster.token) as ws:
        await ws.subscribe(UPDATES, {"site": site})
        await _live(cluster, ws, site, staff)
        complaint = await _file(cluster, cluster.two, site, staff, "the lift smells")
        (event,) = await ws.events(1)
        await ws.silent_for(0.3)
    assert event["type"] == "complaint.filed"
    assert event["complaintId"] == complaint

    # Disconnected: three more complaints are filed on server 2.
    missed = [await _file(cluster, cluster.two, site, staff, f"missed {n}") for n in range(3)]
    async with GqlWs.connect(cluster.one.ws, cluster.token) as ws:
        await ws.subscribe(UPDATES, {"site": site, "after": event["cursor"]})
        replayed = await ws.events(3)
        await ws.silent_for(0.5)  # exactly those three
        live = await _file(cluster, cluster.two, site, staff, "after the reconnect")
        (after,) = await ws.events(1)
    assert [e["complaintId"] for e in replayed] == missed
    assert [e["type"] for e in replayed] == ["complaint.filed"] * 3
    assert [int(e["id"]) for e in replayed] == sorted(int(e["id"]) for e in replayed)
    assert int(replayed[0]["id"]) > int(event["id"])
    assert after["complaintId"] == live


async def _wait_for(condition, within: float = 8.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def _rotation_disabled(cluster, server) -> bool:
    """Issue 17: the schema keeps a disabled line's fields; they answer LINE_DISABLED."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            server.http,
            json={"query": '{ rotation(siteId: "1") { siteId } }'},
            headers={"Authorization": cluster.token},
        )
    codes = [e["extensions"]["code"] for e in response.json().get("errors") or ()]
    return "LINE_DISABLED" in codes


async def test_switching_a_business_line_on_one_process_changes_the_others_schema(cluster):
    fields = await cluster.query_fields(cluster.one)
    assert "rotation" in fields
    assert not await _rotation_disabled(cluster, cluster.one)

    # Off through the CLI (a third process), then on through server 2's mutation.
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from core.cli import main; main()",
        "plugins", "disable", "realestate",
        "--database-url", cluster.env["FRONTDESK_DATABASE_URL"],
        env=cluster.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await cli.communicate()
    assert cli.returncode == 0, output.decode()

    async def gone() -> bool:
        return await _rotation_disabled(cluster, cluster.one)

    await _wait_for(gone)
    assert await cluster.query_fields(cluster.one) == fields  # the schema did not change

    await cluster.gql(
        cluster.two,
        'mutation { setPluginEnabled(input: {code: "realestate", enabled: true}) '
        "{ plugin { enabled } userErrors { field message code } } }",
    )

    async def back() -> bool:
        return not await _rotation_disabled(cluster, cluster.one)

    await _wait_for(back)
